"""How values travel in the report (JSON through the Step Functions state), both ways.

Writing: amounts are plain decimal strings (no exponent, no trailing zeros, no negative zero), dates ISO
8601, names cut to NAME_CHARS. Reading: nothing is coerced or guessed; a bad value raises InvalidReport
with a message that names the field (as a path: `costs.services.top[0].amount`), what was wrong and what
is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import Any, TypeVar

from report_contract.limits import MAX_COUNT, MAX_DECIMAL_PLACES, MAX_MAGNITUDE, NAME_CHARS

# Sums of amounts that must add up exactly: 60 digits hold any sum of wire amounts (at most 45 digits each).
EXACT = Context(prec=60)
FOUR_PLACES = Decimal("0.0001")  # averages, medians, forecasts
TWO_PLACES = Decimal("0.01")  # values that only size a bar

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SHOWN_CHARS = 60
T = TypeVar("T")


class InvalidReport(ValueError):
    """A report does not keep the contract; the message names the field, what was wrong and what is allowed."""


# --- Writing --------------------------------------------------------------------------------------------


def plain(amount: Decimal) -> str:
    """Exact, as plain digits: no exponent, no trailing zeros, no negative zero ("12.5", "0", "-3")."""
    with localcontext(EXACT):
        if amount == 0:
            return "0"
        return format(amount.normalize(), "f")


def rounded(amount: Decimal, places: Decimal = FOUR_PLACES) -> str:
    with localcontext(EXACT):
        return plain(amount.quantize(places, rounding=ROUND_HALF_EVEN))


def bar(amount: Decimal) -> str:
    return rounded(amount, TWO_PLACES)


def optional(amount: Decimal | None, write: Callable[[Decimal], str] = plain) -> str | None:
    return None if amount is None else write(amount)


def cut(name: str, limit: int = NAME_CHARS) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def exact_sum(amounts: Iterable[Decimal]) -> Decimal:
    with localcontext(EXACT):
        return sum(amounts, Decimal(0))


# --- Reading --------------------------------------------------------------------------------------------


def show(value: Any) -> str:
    """A short repr of a bad value for an error message."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def require(data: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in data:
        raise InvalidReport(f"{at(path, key)} is missing")
    return data[key]


def as_object(value: Any, path: str, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidReport(f"{path}: expected an object ({what}), got {type(value).__name__} {show(value)}")
    return value


def read_object(data: Mapping[str, Any], key: str, path: str, what: str) -> Mapping[str, Any]:
    return as_object(require(data, key, path), at(path, key), what)


def read_optional_object(data: Mapping[str, Any], key: str, path: str, what: str) -> Mapping[str, Any] | None:
    value = require(data, key, path)
    return None if value is None else as_object(value, at(path, key), what)


def parse_date(value: Any, path: str) -> date:
    allowed = 'a calendar date as "YYYY-MM-DD", e.g. "2026-11-20"'
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise InvalidReport(f"{path}: {show(value)} is not {allowed}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidReport(f"{path}: {show(value)} is not {allowed}") from None


def parse_amount(value: Any, path: str) -> Decimal:
    allowed = (
        f'a decimal string such as "12.34" or "-0.5" (at most {MAX_DECIMAL_PLACES} decimal places, '
        f"magnitude below 10^{MAX_MAGNITUDE.adjusted()})"
    )
    if not isinstance(value, str):
        raise InvalidReport(f"{path}: expected {allowed}, got {type(value).__name__} {show(value)}")
    if not _DECIMAL.fullmatch(value):
        raise InvalidReport(f"{path}: {show(value)} is not {allowed}")
    amount = Decimal(value)
    exponent = amount.as_tuple().exponent
    if not isinstance(exponent, int):  # pragma: no cover - the pattern admits finite numbers only
        raise InvalidReport(f"{path}: {show(value)} is not {allowed}")
    if -exponent > MAX_DECIMAL_PLACES or abs(amount) >= MAX_MAGNITUDE:
        raise InvalidReport(f"{path}: {show(value)} is out of range; expected {allowed}")
    return amount


def read_date(data: Mapping[str, Any], key: str, path: str) -> date:
    return parse_date(require(data, key, path), at(path, key))


def read_amount(data: Mapping[str, Any], key: str, path: str) -> Decimal:
    return parse_amount(require(data, key, path), at(path, key))


def read_optional_amount(data: Mapping[str, Any], key: str, path: str) -> Decimal | None:
    value = require(data, key, path)
    return None if value is None else parse_amount(value, at(path, key))


def read_int(data: Mapping[str, Any], key: str, path: str, low: int = 0, high: int = MAX_COUNT) -> int:
    value = require(data, key, path)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidReport(f"{at(path, key)}: expected a whole number from {low} to {high}, got {show(value)}")
    return value


def read_bool(data: Mapping[str, Any], key: str, path: str) -> bool:
    value = require(data, key, path)
    if not isinstance(value, bool):
        raise InvalidReport(f"{at(path, key)}: expected true or false, got {show(value)}")
    return value


def read_name(data: Mapping[str, Any], key: str, path: str, limit: int = NAME_CHARS) -> str:
    value = require(data, key, path)
    if not isinstance(value, str):
        raise InvalidReport(f"{at(path, key)}: expected a string, got {type(value).__name__} {show(value)}")
    if len(value) > limit:
        raise InvalidReport(f"{at(path, key)}: {len(value)} characters, at most {limit} allowed")
    return value


def read_choice(value: Any, path: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise InvalidReport(f"{path}: {show(value)} is not one of {', '.join(allowed)}")
    return value


def read_list(data: Mapping[str, Any], key: str, path: str, what: str, max_items: int) -> list[Any]:
    value = require(data, key, path)
    if not isinstance(value, list):
        raise InvalidReport(f"{at(path, key)}: expected a list of {what}, got {type(value).__name__} {show(value)}")
    if len(value) > max_items:
        raise InvalidReport(f"{at(path, key)}: {len(value)} items, at most {max_items} allowed")
    return value


def read_items(
    data: Mapping[str, Any], key: str, path: str, what: str, max_items: int, parse: Callable[[Any, str], T]
) -> tuple[T, ...]:
    """A list of at most `max_items` objects, each read by `parse` (its path indexed: `top[3]`)."""
    values = read_list(data, key, path, what, max_items)
    return tuple(parse(value, f"{at(path, key)}[{i}]") for i, value in enumerate(values))


def read_choices(data: Mapping[str, Any], key: str, path: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    values = read_list(data, key, path, ", ".join(allowed), len(allowed))
    return tuple(read_choice(value, f"{at(path, key)}[{i}]", allowed) for i, value in enumerate(values))


def read_series(data: Mapping[str, Any], key: str, path: str, max_items: int) -> tuple[Decimal, ...]:
    """At most `max_items` amounts, oldest first (the report's kind says how many: CostReport.check)."""
    values = read_list(data, key, path, "decimal strings", max_items)
    return tuple(parse_amount(value, f"{at(path, key)}[{i}]") for i, value in enumerate(values))


def read_days(data: Mapping[str, Any], key: str, path: str, days: int) -> tuple[Decimal, ...]:
    """Exactly `days` amounts, oldest first."""
    values = read_list(data, key, path, "decimal strings", days)
    if len(values) != days:
        raise InvalidReport(f"{at(path, key)}: expected {days} days, got {len(values)}")
    return tuple(parse_amount(value, f"{at(path, key)}[{i}]") for i, value in enumerate(values))
