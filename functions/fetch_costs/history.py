"""Cost Explorer pages to a day-by-day cost history. Pure: no boto3, no environment, no clock.

Every group of every page is kept: a day split across pages is merged, negative amounts (credits,
refunds, discounts) are kept, a service with no name is kept under "(no service)", and an answer that
would make the report wrong (a missing or unexpected day, a second currency, a non-numeric amount, a
group without the metric) is refused with CostDataInvalid rather than reported.

Each group is (SERVICE, RECORD_TYPE). The record type decides where its amount goes:

    Credit                                   -> credits      (its own line under the services)
    Refund                                   -> refunds      (its own line)
    Tax                                      -> tax          (its own line)
    ...Discount..., Savings Plan Negation    -> discounts    (its own line: EDP, private rates, bundles)
    anything else (Usage, fees, support, RI and Savings Plans fees and covered usage, ...)
                                             -> charges of that service (the gross, per service)

Charges + credits + refunds + discounts + tax = the day's net total, which is what Cost Explorer's
ungrouped total for the metric says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Context, Decimal, InvalidOperation, localcontext

CHARGES, CREDITS, REFUNDS, DISCOUNTS, TAX = "charges", "credits", "refunds", "discounts", "tax"
ADJUSTMENTS = (CREDITS, REFUNDS, DISCOUNTS, TAX)

# Record types charged once (a month, or once ever), not every day: the forecast does not project them
# forward. Tax and support are charged on the 1st of the month; refunds and upfront fees are events.
ONE_OFF_RECORD_TYPES = frozenset({"Tax", "Refund", "Support fee", "Fee", "RIFee"})

# Cost Explorer returns no currency for a day without cost groups; its reports are in USD unless told
# otherwise, and a zero is the same in any currency.
FALLBACK_CURRENCY = "USD"
NO_SERVICE = "(no service)"
# Sums are exact: Cost Explorer's amounts have at most 10 decimal places and stay below 10^15, so 60
# significant digits never round a sum (Decimal's default 28 could, and then nothing would reconcile).
EXACT = Context(prec=60)
ZERO = Decimal(0)


class CostDataInvalid(Exception):
    """Cost Explorer answered with something that cannot be turned into a correct report."""


def category(record_type: str) -> str:
    """Where an amount of this RECORD_TYPE is shown (see the module docstring)."""
    if record_type == "Credit":
        return CREDITS
    if record_type == "Refund":
        return REFUNDS
    if record_type == "Tax":
        return TAX
    if "Discount" in record_type or record_type.replace(" ", "") == "SavingsPlanNegation":
        return DISCOUNTS
    return CHARGES


def is_one_off(record_type: str) -> bool:
    return record_type in ONE_OFF_RECORD_TYPES or "Upfront" in record_type


@dataclass
class Day:
    """One UTC day of the history."""

    day: date
    estimated: bool = False
    has_data: bool = False  # Cost Explorer returned at least one group for the day
    charges: dict[str, Decimal] = field(default_factory=dict)  # by service, gross
    one_off_charges: dict[str, Decimal] = field(default_factory=dict)  # the part of charges that is one-off
    adjustments: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(ADJUSTMENTS, ZERO))
    one_off: Decimal = ZERO  # the part of the net total from one-off record types

    @property
    def charges_total(self) -> Decimal:
        with localcontext(EXACT):
            return sum(self.charges.values(), ZERO)

    @property
    def total(self) -> Decimal:
        """Net: charges, credits, refunds, discounts and tax."""
        with localcontext(EXACT):
            return self.charges_total + sum(self.adjustments.values(), ZERO)

    def recurring_charge(self, service: str) -> Decimal:
        """A service's charges without one-off fees (a support fee on the 1st): what movers and anomalies
        compare, so a monthly fee is not an anomaly every month."""
        with localcontext(EXACT):
            return self.charges.get(service, ZERO) - self.one_off_charges.get(service, ZERO)

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


def parse_history(start: date, end: date, metric: str, pages: list[dict], requests: int | None = None) -> CostHistory:
    """Merge the pages of one DAILY, SERVICE x RECORD_TYPE query into a CostHistory."""
    days = {start + timedelta(days=n): Day(start + timedelta(days=n)) for n in range((end - start).days)}
    seen: set[date] = set()
    currencies: set[str] = set()
    for page in pages:
        for period in page.get("ResultsByTime") or []:
            day = _period_day(period, days)
            seen.add(day)
            entry = days[day]
            entry.estimated = entry.estimated or bool(period.get("Estimated", False))
            for group in period.get("Groups") or []:
                service, record_type = _keys(group)
                value = (group.get("Metrics") or {}).get(metric)
                if not isinstance(value, dict):
                    raise CostDataInvalid(f"{day}: group {service!r}/{record_type!r} has no {metric} metric")
                amount = _amount(value.get("Amount"), service, day)
                currencies.add(str(value.get("Unit", "")))
                _add(entry, service, record_type, amount)
    missing = sorted(set(days) - seen)
    if missing:
        raise CostDataInvalid(
            f"Cost Explorer returned no period for {missing[0]}"
            + (f" and {len(missing) - 1} more day(s)" if len(missing) > 1 else "")
            + f" of the requested {start} to {end} (End exclusive); the report would be missing costs"
        )
    if len(currencies) > 1:
        raise CostDataInvalid(f"Cost Explorer returned more than one currency: {sorted(currencies)}")
    currency = currencies.pop() if currencies else FALLBACK_CURRENCY
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise CostDataInvalid(f"Cost Explorer returned {currency!r} where a currency code was expected")
    return CostHistory(start, end, metric, currency, tuple(days[d] for d in sorted(days)),
                       len(pages) if requests is None else requests)


def _period_day(period: dict, days: dict[date, Day]) -> date:
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


def _keys(group: dict) -> tuple[str, str]:
    keys = group.get("Keys") or []
    if len(keys) != 2 or not all(isinstance(key, str) for key in keys):
        raise CostDataInvalid(f"expected a SERVICE and a RECORD_TYPE key per group, got {keys!r}")
    # Cost Explorer labels spend it cannot attribute with an empty key; keep it, visibly.
    return keys[0] or NO_SERVICE, keys[1]


def _amount(raw: object, service: str, day: date) -> Decimal:
    try:
        amount = Decimal(str(raw))
    except InvalidOperation:
        raise CostDataInvalid(f"{day}: service {service!r} has a non-numeric amount {raw!r}") from None
    if not amount.is_finite():
        raise CostDataInvalid(f"{day}: service {service!r} has a non-finite amount {raw!r}")
    return amount


def _add(entry: Day, service: str, record_type: str, amount: Decimal) -> None:
    entry.has_data = True
    kind = category(record_type)
    with localcontext(EXACT):
        if kind == CHARGES:
            entry.charges[service] = entry.charges.get(service, ZERO) + amount
        else:
            entry.adjustments[kind] += amount
        if is_one_off(record_type):
            entry.one_off += amount
            if kind == CHARGES:
                entry.one_off_charges[service] = entry.one_off_charges.get(service, ZERO) + amount
