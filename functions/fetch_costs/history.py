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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

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


def record_type(name: str) -> RecordType | None:
    """How an amount of this RECORD_TYPE is shown; None for one AWS has not documented (shown on its own)."""
    return _BY_KEY.get(record_type_key(name))


# Cost Explorer returns no currency for a day without cost groups; its reports are in USD unless told
# otherwise, and a zero is the same in any currency.
FALLBACK_CURRENCY = "USD"
NO_SERVICE = "(no service)"
NO_RECORD_TYPE = "(no record type)"
ZERO = Decimal(0)


@dataclass
class Day:
    """One UTC day of the history."""

    day: date
    estimated: bool = False
    has_data: bool = False  # Cost Explorer returned at least one group for the day
    charges: dict[str, Decimal] = field(default_factory=dict)  # by service, gross
    one_off_charges: dict[str, Decimal] = field(default_factory=dict)  # the part of charges that is one-off
    adjustments: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(ADJUSTMENTS, ZERO))
    # Record types the RECORD_TYPES table does not have, by name: in no bucket, but in the net total.
    unclassified: dict[str, Decimal] = field(default_factory=dict)
    one_off: Decimal = ZERO  # the part of the net total from one-off record types

    @property
    def charges_total(self) -> Decimal:
        with localcontext(EXACT):
            return sum(self.charges.values(), ZERO)

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
            return self.charges_total - sum(self.one_off_charges.values(), ZERO)

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
    pages: list[dict[str, Any]],
    requests: int | None = None,
    name: Callable[[str], str] = str,
) -> CostHistory:
    """Merge the pages of one DAILY, <breakdown> x RECORD_TYPE query into a CostHistory. `name` turns a
    group's first key into its line's name (fetch_costs.lines; a service's is its key)."""
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
                service, record_type = _keys(group, name)
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
    return CostHistory(
        start, end, metric, currency, tuple(days[d] for d in sorted(days)), len(pages) if requests is None else requests
    )


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
    keys = group.get("Keys") or []
    if len(keys) != 2 or not all(isinstance(key, str) for key in keys):
        raise CostDataInvalid(f"expected a breakdown key and a RECORD_TYPE key per group, got {keys!r}")
    # Cost Explorer labels spend it cannot attribute with an empty key; keep it, visibly.
    return name(keys[0]) or NO_SERVICE, keys[1] or NO_RECORD_TYPE


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
