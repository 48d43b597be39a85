"""Cost Explorer pages to a day-by-day cost history. Pure: no boto3, no environment, no clock.

Every group of every page is kept: a day split across pages is merged, negative amounts (credits,
refunds, discounts) are kept, a service with no name is kept under "(no service)", and an answer that
would make the report wrong (a missing or unexpected day, a second currency, a non-numeric amount, a
group without the metric) is refused with CostDataInvalid rather than reported.

Each group is (SERVICE, RECORD_TYPE). The record type decides where its amount goes, by one explicit
table (RECORD_TYPES below): charges of that service (the gross, per service), or the credits, refunds,
discounts or tax line. A record type the table does not have is put in no bucket: it is kept under its
own name (Day.unclassified) and becomes a line of its own in the report, so the total still reconciles
and nothing is guessed; the handler logs a warning naming it.

Charges + credits + refunds + discounts + tax + unclassified = the day's net total, which is what Cost
Explorer's ungrouped total for the metric says.

Memory (issue 16): the pages are read one at a time as they arrive (an iterable, not a list) and each is
dropped once folded into the history, so a run holds one page, not all of them. The history itself grows
with its lines: each line's charges are one array of packed amounts, a 64-bit integer a day (Lines below),
rather than a Decimal object in a dict entry per line per day, and a day's charges are a view of its slot
in those arrays. Amounts stay exact: an amount that does not pack is kept as the Decimal it is.
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Callable, ItemsView, Iterable, Iterator, MutableMapping, ValuesView
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from report_contract.currency import is_currency_code
from report_contract.wire import EXACT

from fetch_costs.errors import CostDataInvalid

CHARGES, CREDITS, REFUNDS, DISCOUNTS, TAX = "charges", "credits", "refunds", "discounts", "tax"
ADJUSTMENTS = (CREDITS, REFUNDS, DISCOUNTS, TAX)


@dataclass(frozen=True)
class RecordType:
    """How an amount of one RECORD_TYPE is shown."""

    kind: str  # CHARGES (of the group's service), CREDITS, REFUNDS, DISCOUNTS or TAX
    one_off: bool  # charged once (a month, or once ever), not every day: see ONE-OFF below


_USAGE = RecordType(CHARGES, one_off=False)
_FEE = RecordType(CHARGES, one_off=True)
_DISCOUNT = RecordType(DISCOUNTS, one_off=False)

# Every RECORD_TYPE value AWS documents, and where its amount goes. The AWS pages that name them:
#   the Cost and Usage Report's line item types (the tokens Cost Explorer's API returns for most of them):
#     https://docs.aws.amazon.com/cur/latest/userguide/Lineitem-columns.html
#     https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2.html (line_item_line_item_type)
#   Cost Explorer's charge types (the console's labels; the API spells the discounts and the support fee
#   this way, with spaces):
#     https://docs.aws.amazon.com/cost-management/latest/userguide/ce-filtering.html
#   what each metric puts in them, and on which day:
#     https://docs.aws.amazon.com/cost-management/latest/userguide/ce-advanced.html
# AWS spells some of them more than one way ("SavingsPlanNegation", "Savings Plan negation"), so a value
# is looked up without its spaces and case (record_type_key), never by a part of it. Spellings marked (?)
# are not confirmed by an AWS page this project could check. A value that matches none of these goes in
# no bucket: it is shown under its own name (Day.unclassified).
#
# USAGE: charges of its service, every day. The metric decides the amount, not where it goes:
#   Usage                     on-demand usage.
#   DiscountedUsage           usage covered by a Reserved Instance: 0 under UnblendedCost (the RI's fees
#                             carry its cost), the RI's effective cost under AmortizedCost, the blended
#                             rate under BlendedCost. It is usage, not a discount.
#   SavingsPlanCoveredUsage   usage covered by a Savings Plan: at on-demand rates under the unblended
#                             metrics, at the Savings Plan's rate under the amortized ones.
# DISCOUNTS: their own line, every day. SavingsPlanNegation is the negative offset of the covered usage
#   under the unblended metrics (0 under the amortized ones); the Enterprise Discount Program, bundled,
#   private-rate, Solution Provider Program and distributor discounts are 0 under the Net metrics, whose
#   usage is already net of them.
# FEES: charges of their service (the RI's service; "Savings Plans for AWS Compute usage"; the support
#   plan), one-off:
#   RIFee, SavingsPlanRecurringFee   the monthly fee, on the 1st of the month. Under AmortizedCost the
#                             used part is in DiscountedUsage and the unused part of an RI is shown on
#                             the 1st too (ce-advanced above).
#   Fee, SavingsPlanUpfrontFee       an upfront fee, on the day of purchase (0 under the amortized
#                             metrics, which spread it into the covered usage).
#   Support fee               the monthly support plan, on the 1st.
# CREDITS, REFUNDS, TAX: their own lines. Tax is charged on the 1st and a refund is an event (one-off);
#   credits recur with the usage they offset.
#
# ONE-OFF amounts are in the month to date but are not projected by the forecast, and movers and anomalies
# leave them out of a service's charges (a monthly fee is not news every month).
RECORD_TYPES: dict[str, RecordType] = {
    # The Cost and Usage Report's line item types.
    "Usage": _USAGE,
    "DiscountedUsage": _USAGE,
    "SavingsPlanCoveredUsage": _USAGE,
    "SavingsPlanNegation": _DISCOUNT,
    "SavingsPlanRecurringFee": _FEE,
    "SavingsPlanUpfrontFee": _FEE,
    "RIFee": _FEE,
    "Fee": _FEE,
    "Tax": RecordType(TAX, one_off=True),
    "Credit": RecordType(CREDITS, one_off=False),
    "Refund": RecordType(REFUNDS, one_off=True),
    "Discount": _DISCOUNT,  # the CUR's generic discount line
    "BundledDiscount": _DISCOUNT,
    "EdpDiscount": _DISCOUNT,
    "PrivateRateDiscount": _DISCOUNT,
    "SppDiscount": _DISCOUNT,  # (?) the Solution Provider Program discount as a CUR token
    # Cost Explorer's names for the same charges, where they differ from the tokens above.
    "Enterprise Discount Program Discount": _DISCOUNT,
    "Private Rate Card Discount": _DISCOUNT,  # (?) ("Private Rate Discount" is PrivateRateDiscount)
    "Solution Provider Program Discount": _DISCOUNT,
    "Distributor Discount": _DISCOUNT,
    "Support fee": _FEE,
    "Reservation applied usage": _USAGE,  # the console's DiscountedUsage
    "Recurring reservation fee": _FEE,  # the console's RIFee
    "Upfront reservation fee": _FEE,  # the console's Fee for an RI
    "Other out-of-cycle charges": _FEE,  # the console's Fee for other subscriptions
}


# The adjustments whose every record type is one-off (tax, refunds): all of a day's amount of them is one-off.
ONE_OFF_KINDS = tuple(
    kind for kind in ADJUSTMENTS if {spec.one_off for spec in RECORD_TYPES.values() if spec.kind == kind} == {True}
)


def record_type_key(record_type: str) -> str:
    """The spelling-independent form of a record type: "Savings Plan negation" -> "savingsplannegation"."""
    return "".join(record_type.split()).casefold()


_BY_KEY = {record_type_key(name): spec for name, spec in RECORD_TYPES.items()}


@functools.lru_cache(maxsize=1024)  # called for every group; Cost Explorer has a few dozen record types
def record_type(name: str) -> RecordType | None:
    """How an amount of this RECORD_TYPE is shown; None for one AWS has not documented (shown on its own)."""
    return _BY_KEY.get(record_type_key(name))


# Cost Explorer returns no currency for a day without cost groups; its reports are in USD unless told
# otherwise, and a zero is the same in any currency.
FALLBACK_CURRENCY = "USD"
NO_SERVICE = "(no service)"
NO_RECORD_TYPE = "(no record type)"
ZERO = Decimal(0)


# A packed amount: the Decimal's coefficient shifted left by _EXPONENT_BITS, its exponent (biased) in those
# bits. Cost Explorer's amounts have at most 10 decimal places and a line's day fits easily; an amount
# outside the range (or a negative zero, which an integer cannot carry) is SPILLED: kept as its Decimal.
_EXPONENT_BITS = 6
_BIAS = 1 << (_EXPONENT_BITS - 1)
_EXPONENT_MASK = (1 << _EXPONENT_BITS) - 1
_COEFFICIENT_LIMIT = 1 << (63 - _EXPONENT_BITS)  # |coefficient| below this: the packed value fits 64 bits
ABSENT = -(1 << 63)  # no amount for the line that day (not the same as 0: a line with a 0 amount is listed)
SPILLED = ABSENT + 1  # the amount is in Lines.spilled


def _pack(amount: Decimal) -> int | None:
    sign, digits, exponent = amount.as_tuple()
    if not isinstance(exponent, int) or not -_BIAS <= exponent < _BIAS or (sign and digits == (0,)):
        return None
    coefficient = int(amount.scaleb(-exponent, EXACT))  # the digits as an integer, exactly
    if not -_COEFFICIENT_LIMIT < coefficient < _COEFFICIENT_LIMIT:
        return None
    return coefficient << _EXPONENT_BITS | (exponent + _BIAS)


def _pack_text(text: str) -> int | None:
    """_pack(Decimal(text)) for Cost Explorer's plain form ("-12.3456789012"), without making the Decimal;
    None for any other form (an exponent, a sign "+", spaces, a negative zero), which takes _pack's way."""
    whole, _, fraction = text.partition(".")
    digits = whole + fraction
    if not (digits.removeprefix("-").isdecimal() and digits.isascii() and len(fraction) <= _BIAS):
        return None
    coefficient = int(digits)
    if (coefficient == 0 and digits[0] == "-") or not -_COEFFICIENT_LIMIT < coefficient < _COEFFICIENT_LIMIT:
        return None
    return coefficient << _EXPONENT_BITS | (_BIAS - len(fraction))


def _unpack(code: int) -> Decimal:
    """The Decimal that was packed, digit for digit (coefficient and exponent, so 1.50 stays 1.50)."""
    return Decimal(code >> _EXPONENT_BITS).scaleb((code & _EXPONENT_MASK) - _BIAS, EXACT)


class Lines:
    """Every line's amount on each day of a history: one array of packed amounts per line (8 bytes a day),
    so a history of many lines costs a fraction of a dict of Decimals per day. Line names are held once."""

    def __init__(self, days: int) -> None:
        self._absent = array("q", [ABSENT]) * days
        self.codes: dict[str, array[int]] = {}
        self.spilled: dict[str, dict[int, Decimal]] = {}  # line -> day index -> an amount that does not pack
        self._totals: dict[int, Decimal] = {}  # day index -> its lines added up, until the next change

    def day(self, index: int) -> DayLines:
        return DayLines(self, index)

    def get(self, line: str, index: int) -> Decimal | None:
        codes = self.codes.get(line)
        code = ABSENT if codes is None else codes[index]
        if code == ABSENT:
            return None
        return self.spilled[line][index] if code == SPILLED else _unpack(code)

    def items(self, index: int) -> Iterator[tuple[str, Decimal]]:
        """The day's lines and amounts, in one pass over the arrays."""
        for line, codes in self.codes.items():
            code = codes[index]
            if code != ABSENT:
                yield line, (self.spilled[line][index] if code == SPILLED else _unpack(code))

    def total(self, index: int) -> Decimal:
        """The day's amounts added up exactly (as sum(..., ZERO) would), once per day until a change."""
        if index not in self._totals:
            with localcontext(EXACT):
                self._totals[index] = sum((amount for _, amount in self.items(index)), ZERO)
        return self._totals[index]

    def add_text(self, line: str, index: int, code: int) -> None:
        """add() of a packed amount (_pack_text's): when the day had none, stored as it is, no Decimal made."""
        codes = self.codes.get(line)
        if codes is None or codes[index] != ABSENT:
            self.add(line, index, _unpack(code))
            return
        codes[index] = code
        self._totals.pop(index, None)

    def set(self, line: str, index: int, amount: Decimal) -> None:
        self._totals.pop(index, None)
        codes = self.codes.get(line)
        if codes is None:
            codes = self.codes[line] = array("q", self._absent)
        code = _pack(amount)
        if code is None:
            self.spilled.setdefault(line, {})[index] = amount
            code = SPILLED
        elif codes[index] == SPILLED:
            del self.spilled[line][index]
        codes[index] = code

    def add(self, line: str, index: int, amount: Decimal) -> None:
        """The line's amount that day plus this one, exactly (the amount alone if it had none)."""
        current = self.get(line, index)
        if current is not None:
            with localcontext(EXACT):
                amount = current + amount
        self.set(line, index, amount)

    def delete(self, line: str, index: int) -> None:
        self._totals.pop(index, None)
        codes = self.codes[line]
        if codes[index] == SPILLED:
            del self.spilled[line][index]
        codes[index] = ABSENT

    def rename(self, name: Callable[[str], str]) -> None:
        """Each line under name(line), in place; lines given the same name are added up, day by day."""
        codes, spilled = self.codes, self.spilled
        self.codes, self.spilled, self._totals = {}, {}, {}
        for line, amounts in codes.items():
            target = name(line)
            if target not in self.codes:
                self.codes[target] = amounts
                if line in spilled:
                    self.spilled[target] = spilled[line]
                continue
            for index, code in enumerate(amounts):
                if code != ABSENT:
                    self.add(target, index, spilled[line][index] if code == SPILLED else _unpack(code))


class DayLines(MutableMapping[str, Decimal]):
    """One day of a Lines: line -> amount, as a dict of that day's lines would be (lines in the order they
    first appeared in the history)."""

    __slots__ = ("_lines", "_index")

    def __init__(self, lines: Lines, index: int) -> None:
        self._lines, self._index = lines, index

    def __getitem__(self, line: str) -> Decimal:
        amount = self._lines.get(line, self._index)
        if amount is None:
            raise KeyError(line)
        return amount

    def get(self, line: str, default: Any = None) -> Any:  # Mapping.get, without raising KeyError per miss
        amount = self._lines.get(line, self._index)
        return default if amount is None else amount

    def __contains__(self, line: object) -> bool:
        codes = self._lines.codes.get(line) if isinstance(line, str) else None
        return codes is not None and codes[self._index] != ABSENT

    def __setitem__(self, line: str, amount: Decimal) -> None:
        self._lines.set(line, self._index, amount)

    def __delitem__(self, line: str) -> None:
        if line not in self:
            raise KeyError(line)
        self._lines.delete(line, self._index)

    def __iter__(self) -> Iterator[str]:
        index = self._index
        return (line for line, codes in self._lines.codes.items() if codes[index] != ABSENT)

    def __len__(self) -> int:
        index = self._index
        return sum(1 for codes in self._lines.codes.values() if codes[index] != ABSENT)

    def __repr__(self) -> str:
        return repr(dict(self))

    def add_text(self, line: str, code: int) -> None:
        self._lines.add_text(line, self._index, code)

    def items(self) -> ItemsView[str, Decimal]:
        return _DayItems(self)

    def values(self) -> ValuesView[Decimal]:
        return _DayValues(self)

    def total(self) -> Decimal:
        return self._lines.total(self._index)


class _DayItems(ItemsView[str, Decimal]):
    _mapping: DayLines

    def __iter__(self) -> Iterator[tuple[str, Decimal]]:
        return self._mapping._lines.items(self._mapping._index)


class _DayValues(ValuesView[Decimal]):
    _mapping: DayLines

    def __iter__(self) -> Iterator[Decimal]:
        return (amount for _, amount in self._mapping._lines.items(self._mapping._index))


def _total(amounts: MutableMapping[str, Decimal]) -> Decimal:
    """The amounts added up exactly; a parsed day's from its Lines, computed once."""
    if isinstance(amounts, DayLines):
        return amounts.total()
    with localcontext(EXACT):
        return sum(amounts.values(), ZERO)


@dataclass
class Day:
    """One UTC day of the history."""

    day: date
    estimated: bool = False
    has_data: bool = False  # Cost Explorer returned at least one group for the day
    # By service, gross: a dict, or in a parsed history a view of the day in its Lines (the same to a reader).
    charges: MutableMapping[str, Decimal] = field(default_factory=dict)
    one_off_charges: MutableMapping[str, Decimal] = field(default_factory=dict)  # the part of charges that is one-off
    adjustments: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(ADJUSTMENTS, ZERO))
    # Record types the RECORD_TYPES table does not have, by name: in no bucket, but in the net total.
    unclassified: dict[str, Decimal] = field(default_factory=dict)
    one_off: Decimal = ZERO  # the part of the net total from one-off record types

    @property
    def charges_total(self) -> Decimal:
        return _total(self.charges)

    @property
    def total(self) -> Decimal:
        """Net: charges, credits, refunds, discounts, tax and any unclassified record types."""
        with localcontext(EXACT):
            return self.charges_total + sum(self.adjustments.values(), ZERO) + sum(self.unclassified.values(), ZERO)

    @property
    def recurring_charges(self) -> Decimal:
        """Every service's charges without one-off fees, added up: what the movers' baseline judges
        (fetch_costs.mover_baseline)."""
        with localcontext(EXACT):
            return self.charges_total - _total(self.one_off_charges)

    def recurring_charge(self, service: str) -> Decimal:
        """A service's charges without one-off fees (a support fee on the 1st): what movers and anomalies
        compare, so a monthly fee is not an anomaly every month."""
        with localcontext(EXACT):
            return self.charges.get(service, ZERO) - self.one_off_charges.get(service, ZERO)

    def one_off_parts(self) -> dict[str, Decimal]:
        """The one-off part of the day by what it is: each service's one-off charges under its name, tax and
        refunds (ONE_OFF_KINDS) as "Tax" and "Refunds". Nonzero ones only; they add up to `one_off`."""
        parts: dict[str, Decimal] = {}
        with localcontext(EXACT):
            for name, amount in [
                *self.one_off_charges.items(),
                *((k.capitalize(), self.adjustments[k]) for k in ONE_OFF_KINDS),
            ]:
                parts[name] = parts.get(name, ZERO) + amount
        return {name: amount for name, amount in parts.items() if amount != 0}

    @property
    def recurring(self) -> Decimal:
        """The net total without one-off charges: what a day costs going forward."""
        with localcontext(EXACT):
            return self.total - self.one_off


@dataclass(frozen=True)
class CostHistory:
    start: date  # first day of the query
    end: date  # exclusive
    metric: str
    currency: str
    days: tuple[Day, ...]  # one per day from start to end, in order
    requests: int  # Cost Explorer requests made (pages), each billed

    def day(self, day: date) -> Day | None:
        index = (day - self.start).days
        return self.days[index] if 0 <= index < len(self.days) else None

    @property
    def first_data_day(self) -> date | None:
        """The first day with any cost group: days before it are taken as before the account existed."""
        return next((d.day for d in self.days if d.has_data), None)

    @property
    def unclassified_record_types(self) -> list[str]:
        """Record types of any day that the RECORD_TYPES table does not have, sorted."""
        return sorted({name for d in self.days for name in d.unclassified})


def not_ready(history: CostHistory, report_date: date) -> str | None:
    """Why the report day cannot be reported yet, or None when it can.

    A day for which Cost Explorer returns no cost group at all, in an account with groups on earlier days,
    has not been processed yet: reporting it would send "$0.00 (no spend)" for a day that did cost money.
    A day whose groups are all 0 is data (a free-tier day), and an account without a group on any day
    has had no spend yet: both are reported.

    Only the day before counts as "earlier": Cost Explorer processes days in order, so a missing day after
    a day with data is unprocessed, while a missing day after a missing day is spend that stopped (an
    account wound down). Looking further back would fail every run for weeks after spend stops.
    """
    today = history.day(report_date)
    before = history.day(report_date - timedelta(days=1))
    if today is None or today.has_data or before is None or not before.has_data:
        return None
    return (
        f"Cost Explorer has no cost data for {report_date} yet, although the day before has data ({before.day}): "
        "it has "
        f"not processed {report_date}, so its email would wrongly say $0.00. Nothing "
        "was sent and the day is not marked sent. The state machine retries later; if the retries run out, "
        "the run fails, and a redrive once Cost Explorer has the day sends the right email."
    )


def parse_history(
    start: date,
    end: date,
    metric: str,
    pages: Iterable[dict[str, Any]],
    requests: int | None = None,
    name: Callable[[str], str] = str,
) -> CostHistory:
    """Merge the pages of one DAILY, <breakdown> x RECORD_TYPE query into a CostHistory, each page as it
    comes: `pages` may be a generator (fetch_costs.handler's), and none is kept once read. `name` turns a
    group's first key into its line's name (fetch_costs.lines; a service's is its key). It is asked once per
    key, after the last page, so it may depend on every page (an account's name may come on any of them).
    `requests`: the billed requests, if not one per page."""
    count = (end - start).days
    charges, one_off_charges = Lines(count), Lines(count)
    days = {
        start + timedelta(days=n): Day(
            start + timedelta(days=n), charges=charges.day(n), one_off_charges=one_off_charges.day(n)
        )
        for n in range(count)
    }
    seen: set[date] = set()
    currencies: set[str] = set()
    read = 0
    for page in pages:
        read += 1
        _read_page(page, metric, days, seen, currencies)
        del page  # not held while the next one is fetched
    missing = sorted(set(days) - seen)
    if missing:
        raise CostDataInvalid(
            f"Cost Explorer returned no period for {missing[0]}"
            + (f" and {len(missing) - 1} more day(s)" if len(missing) > 1 else "")
            + f" of the requested {start} to {end} (End exclusive); the report would be missing costs"
        )
    currency = _currency(currencies)
    for lines in (charges, one_off_charges):
        lines.rename(lambda key: name(key) or NO_SERVICE)
    return CostHistory(
        start, end, metric, currency, tuple(days[d] for d in sorted(days)), read if requests is None else requests
    )


def _read_page(page: dict[str, Any], metric: str, days: dict[date, Day], seen: set[date], currencies: set[str]) -> None:
    """One page's periods into their days, each group under its raw key (named at the end)."""
    for period in page.get("ResultsByTime") or []:
        day = _period_day(period, days)
        seen.add(day)
        entry = days[day]
        entry.estimated = entry.estimated or bool(period.get("Estimated", False))
        for group in period.get("Groups") or []:
            key, record_type_name = _raw_keys(group)
            value = (group.get("Metrics") or {}).get(metric)
            if not isinstance(value, dict):
                raise CostDataInvalid(f"{day}: group {key or NO_SERVICE!r}/{record_type_name!r} has no {metric} metric")
            currencies.add(str(value.get("Unit", "")))
            raw, spec = value.get("Amount"), record_type(record_type_name)
            code = _pack_text(raw) if spec is _USAGE and isinstance(raw, str) else None
            if code is not None and isinstance(entry.charges, DayLines):  # most groups: usage, in plain form
                entry.has_data = True
                entry.charges.add_text(key, code)
            else:
                _add(entry, key, record_type_name, _amount(raw, key or NO_SERVICE, day))


def _currency(currencies: set[str]) -> str:
    if len(currencies) > 1:
        raise CostDataInvalid(f"Cost Explorer returned more than one currency: {sorted(currencies)}")
    currency = currencies.pop() if currencies else FALLBACK_CURRENCY
    if not is_currency_code(currency):
        raise CostDataInvalid(f"Cost Explorer returned {currency!r} where a currency code was expected")
    return currency


def _period_day(period: dict[str, Any], days: dict[date, Day]) -> date:
    time_period = period.get("TimePeriod") or {}
    raw_start, raw_end = time_period.get("Start"), time_period.get("End")
    try:
        day = date.fromisoformat(str(raw_start)[:10])
        following = date.fromisoformat(str(raw_end)[:10])
    except ValueError:
        raise CostDataInvalid(f"Cost Explorer returned a period with TimePeriod {time_period!r}") from None
    if day not in days or following != day + timedelta(days=1):
        first, last = min(days), max(days)
        raise CostDataInvalid(
            f"Cost Explorer returned the period {raw_start!r} to {raw_end!r}, not one of the days "
            f"{first} to {last} that were asked for"
        )
    return day


def _keys(group: dict[str, Any], name: Callable[[str], str]) -> tuple[str, str]:
    key, record_type_name = _raw_keys(group)
    # Cost Explorer labels spend it cannot attribute with an empty key; keep it, visibly.
    return name(key) or NO_SERVICE, record_type_name


def _raw_keys(group: dict[str, Any]) -> tuple[str, str]:
    """The group's breakdown key as Cost Explorer gave it, and its record type."""
    keys = group.get("Keys") or []
    if len(keys) != 2 or not isinstance(keys[0], str) or not isinstance(keys[1], str):
        raise CostDataInvalid(f"expected a breakdown key and a RECORD_TYPE key per group, got {keys!r}")
    return keys[0], keys[1] or NO_RECORD_TYPE


def _amount(raw: object, service: str, day: date) -> Decimal:
    try:
        amount = Decimal(str(raw))
    except InvalidOperation:
        raise CostDataInvalid(f"{day}: service {service!r} has a non-numeric amount {raw!r}") from None
    if not amount.is_finite():
        raise CostDataInvalid(f"{day}: service {service!r} has a non-finite amount {raw!r}")
    return amount


def _add(entry: Day, service: str, record_type_name: str, amount: Decimal) -> None:
    entry.has_data = True
    spec = record_type(record_type_name)
    with localcontext(EXACT):
        if spec is None:
            entry.unclassified[record_type_name] = entry.unclassified.get(record_type_name, ZERO) + amount
            return
        if spec.kind == CHARGES:
            entry.charges[service] = entry.charges.get(service, ZERO) + amount
        else:
            entry.adjustments[spec.kind] += amount
        if spec.one_off:
            entry.one_off += amount
            if spec.kind == CHARGES:
                entry.one_off_charges[service] = entry.one_off_charges.get(service, ZERO) + amount
