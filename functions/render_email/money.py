"""Money for display: currency symbols and minor units, rounding that reconciles exactly.

Pure functions. Amounts arrive as exact Decimals; everything shown in the email is an
integer number of minor units (cents, or yen for JPY), computed with exact Fractions, so
the displayed rows always add up to the displayed total to the last minor unit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from report_contract.currency import minor_units

# Symbols for the currencies an AWS bill is commonly in; any other code is shown as the code.
_SYMBOLS: dict[str, str] = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "CN¥",
    "INR": "₹",
    "KRW": "₩",
    "AUD": "A$",
    "CAD": "CA$",
    "NZD": "NZ$",
    "HKD": "HK$",
    "SGD": "S$",
    "BRL": "R$",
    "MXN": "MX$",
    "ILS": "₪",
}


class RoundingTargetUnreachable(ValueError):
    """largest_remainder was asked for a total that rounding the values cannot reach (a caller's bug)."""


@dataclass(frozen=True)
class Currency:
    """How to show amounts in one ISO 4217 currency."""

    code: str
    symbol: str | None
    minor_units: int

    @classmethod
    def of(cls, code: str) -> Currency:
        return cls(code=code, symbol=_SYMBOLS.get(code), minor_units=minor_units(code))

    @property
    def scale(self) -> int:
        """Minor units per major unit: 100 for USD, 1 for JPY."""
        return int(10**self.minor_units)


def exact_minor_units(amount: Decimal | Fraction, currency: Currency) -> Fraction:
    """The exact amount counted in minor units (may be fractional: $0.125 is 12.5 cents)."""
    return Fraction(amount) * currency.scale


def round_half_up(value: Fraction) -> int:
    """Round to the nearest integer, halves away from zero (the usual rule for money)."""
    magnitude = math.floor(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def largest_remainder(values: Sequence[Fraction], target: int) -> list[int]:
    """Round each value to an integer so that the integers add up to exactly `target`.

    Every value is first rounded down; the units still missing to reach `target` go, one
    each, to the values that lost the most in rounding down (ties: earliest first). With
    `target = round(sum(values))` this never moves a value by a whole unit or more, and
    works the same for negative values (floor rounds towards minus infinity).
    """
    floors = [math.floor(value) for value in values]
    missing = target - sum(floors)
    if not 0 <= missing <= len(values):
        raise RoundingTargetUnreachable(
            f"target {target} is not reachable by rounding {len(values)} values summing to {sum(values)}"
        )
    by_remainder = sorted(range(len(values)), key=lambda i: values[i] - floors[i], reverse=True)
    for index in by_remainder[:missing]:
        floors[index] += 1
    return floors


def format_money(minor_units: int, currency: Currency) -> str:
    """Format an integer amount of minor units: "$1,234.57", "-$1.20", "¥1,235", "CHF 12.00"."""
    sign = "-" if minor_units < 0 else ""
    major, minor = divmod(abs(minor_units), currency.scale)
    number = f"{major:,}"
    if currency.minor_units:
        number += f".{minor:0{currency.minor_units}d}"
    if currency.symbol is not None:
        return f"{sign}{currency.symbol}{number}"
    return f"{sign}{currency.code} {number}"


def plain_money(minor_units: int, currency: Currency) -> str:
    """The same amount as a plain decimal string, for programs: "1234.57", "-1.20", "1235" (JPY)."""
    sign = "-" if minor_units < 0 else ""
    major, minor = divmod(abs(minor_units), currency.scale)
    return f"{sign}{major}.{minor:0{currency.minor_units}d}" if currency.minor_units else f"{sign}{major}"


def format_share(tenths_of_percent: int) -> str:
    """Format a share given in tenths of a percent: 658 -> "65.8%", -3 -> "-0.3%"."""
    sign = "-" if tenths_of_percent < 0 else ""
    whole, tenth = divmod(abs(tenths_of_percent), 10)
    return f"{sign}{whole}.{tenth}%"


NOTABLE_CHANGE = Fraction(1, 10)  # changes smaller than 10% of their baseline are not coloured


def format_percent(ratio: Fraction) -> str:
    """A change as a percentage: "+12%", "-3.4%" (one decimal below 10%), "0%"."""
    percent = ratio * 100
    if abs(percent) < 10:
        tenths = round_half_up(percent * 10)
        if tenths == 0:
            return "0%"
        sign = "+" if tenths > 0 else "-"
        return f"{sign}{abs(tenths) // 10}.{abs(tenths) % 10}%"
    whole = round_half_up(percent)
    return f"{'+' if whole > 0 else '-'}{abs(whole):,}%"


@dataclass(frozen=True)
class Change:
    """A change against a baseline: money, percent (when the baseline is positive) and its direction."""

    money: str  # "+$12.30"
    percent: str  # "+12%", or "" when the baseline is not positive
    direction: int  # 1 up, -1 down, 0 flat (at the displayed precision)
    notable: bool = True  # coloured: at least NOTABLE_CHANGE of the baseline (or from nothing)

    @property
    def arrow(self) -> str:
        return {1: "▲", -1: "▼", 0: ""}[self.direction]

    @property
    def tone(self) -> str:
        return {1: "up", -1: "down", 0: ""}[self.direction] if self.notable else ""

    @property
    def short(self) -> str:
        """ "▲ 12%" when there is a percentage, else "+$3.78". A change that rounds to 0% but not to $0.00
        shows the money ("+$0.30"), not "▲ 0%", an arrow with nothing behind it."""
        if self.percent and (not self.direction or any(c in "123456789" for c in self.percent)):
            return f"{self.arrow} {self.percent.lstrip('+-')}".strip() if self.direction else self.percent
        return self.money

    @property
    def long(self) -> str:
        """ "+$12.30 (+12%)"."""
        return f"{self.money} ({self.percent})" if self.percent else self.money


class Money:
    """Formats amounts of one currency."""

    def __init__(self, code: str) -> None:
        self.currency = Currency.of(code)

    def units(self, amount: Decimal | Fraction) -> int:
        return round_half_up(exact_minor_units(amount, self.currency))

    def __call__(self, amount: Decimal | Fraction) -> str:
        return format_money(self.units(amount), self.currency)

    def parts(self, amounts: Sequence[Decimal | Fraction], total_units: int) -> list[int]:
        """The amounts in minor units, rounded by the largest remainder so that they add up to `total_units`
        exactly: the rows of a table, or the parts of a line, as shown beside their total."""
        return largest_remainder([exact_minor_units(amount, self.currency) for amount in amounts], total_units)

    def signed(self, amount: Decimal | Fraction) -> str:
        units = self.units(amount)
        return ("+" if units > 0 else "") + format_money(units, self.currency)

    def change(self, amount: Decimal | Fraction, base: Decimal | Fraction) -> Change:
        delta = Fraction(amount) - Fraction(base)
        units = self.units(delta)
        percent = format_percent(delta / Fraction(base)) if base > 0 else ""
        direction = 1 if units > 0 else -1 if units < 0 else 0
        if percent and direction == 0:
            percent = "0%"
        notable = abs(delta) >= NOTABLE_CHANGE * Fraction(base) if base > 0 else True
        return Change(self.signed(delta), percent, direction, notable)
