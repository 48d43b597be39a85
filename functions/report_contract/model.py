"""The report model: what FetchCosts returns and RenderEmail draws, defined once for both.

FetchCosts builds a CostReport and sends `to_state()`; RenderEmail reads it back with `from_state()`,
which refuses (InvalidReport) anything outside the contract: a field missing or of the wrong form, a bound
broken (report_contract.limits), or figures that do not add up exactly (services to charges, charges and
adjustments to the total), because a cost report must never be silently wrong. Fields it does not know are
ignored, so FetchCosts can add one before RenderEmail draws it.

Amounts are Decimals here and plain decimal strings on the wire: exact where the email adds them up (the
day's total and its breakdown, each service's amount and day-before amount), rounded to 4 decimal places
where they are averages, medians or forecasts, and to 2 where they only size a trend bar. Each class's
WIRE lists its fields as they travel, with their form and meaning: docs/report.md's table is generated
from it (`python -m scripts.report_contract_doc`) and a test holds `to_state()` to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple

from report_contract.limits import (
    AVERAGE_DAYS,
    FLAGS,
    MAX_COUNT,
    MAX_OTHER_ADJUSTMENTS,
    MAX_PERIOD_DAYS,
    MAX_SECONDARY_ROWS,
    MAX_WINDOW_DAYS,
    MIN_WEEKDAY_DAYS,
    MOVER_BASELINES,
    MOVER_DAYS_BEFORE,
    MOVER_SAME_WEEKDAY,
    NAME_CHARS,
    NEW_SERVICE_DAYS_MAX,
    NEW_SERVICE_DAYS_MIN,
    PERIOD_TRENDS,
    SCOPE_CHARS,
    SECONDARY_TOP,
    TOP_SERVICES_MAX,
    TOP_SERVICES_MIN,
    TREND_DAYS,
    WEEKDAY_WEEKS,
)
from report_contract.spec import (
    BREAKDOWNS,
    DEFAULT_REPORT_ID,
    MAX_SCOPE_VALUES,
    REPORT_ID,
    REPORT_ID_CHARS,
    SCOPES,
    TAG_KEY_CHARS,
    VALUE_CHARS,
)
from report_contract.wire import (
    InvalidReport,
    as_object,
    bar,
    cut,
    exact_sum,
    optional,
    plain,
    read_amount,
    read_bool,
    read_choice,
    read_choices,
    read_date,
    read_int,
    read_items,
    read_list,
    read_name,
    read_optional_amount,
    read_series,
    require,
    rounded,
    show,
)

# A service's trend: TREND_DAYS days, or a weekly or monthly report's periods (CostReport.check holds which).
MAX_SERIES = max(PERIOD_TRENDS.values())
_SERIES = f"list of {TREND_DAYS} amounts (weekly {PERIOD_TRENDS['week']}, monthly {PERIOD_TRENDS['month']}), 2 places"


class Field(NamedTuple):
    """One field as it travels: its key (dotted inside the report's groups), its form and its meaning."""

    key: str
    form: str
    meaning: str
    of: type | None = None  # the contract class of the object, or of the list's items
    optional: bool = False  # absent when empty


# Forms, as docs/report.md states them.
EXACT_AMOUNT = "amount, exact"
AVERAGE_AMOUNT = "amount, 4 places"
BAR_AMOUNT = "amount, 2 places"
DATE = "date"
FLAG = "true or false"
NAME = f"text, at most {NAME_CHARS} characters"


def whole(low: int, high: int = MAX_COUNT) -> str:
    return f"whole number {low} to {high:,}"


def items(max_items: int, what: str = "objects") -> str:
    return f"list of {what}, at most {max_items}"


def or_null(form: str) -> str:
    return f"{form}, or null"


@dataclass(frozen=True)
class DayTotal:
    day: date
    total: Decimal | None  # None: before the account's first cost data
    one_off: Decimal = Decimal(0)  # the part of `total` that is one-off charges (tax and support on the 1st)

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("date", DATE, "the day"),
        Field("total", or_null(BAR_AMOUNT), "its net total; null before the account's first cost data"),
        Field(
            "oneOff",
            BAR_AMOUNT,
            "the part of `total` that is one-off charges (the chart draws the day without them); absent when none, "
            "so a day without them reads as it always did",
            optional=True,
        ),
    )

    @property
    def recurring(self) -> Decimal | None:
        """The day without its one-off charges: what the chart draws, so a 1st of the month's tax and support
        do not dwarf the other days for two weeks. None before the account's first cost data."""
        return None if self.total is None else self.total - self.one_off

    def to_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"date": self.day.isoformat(), "total": optional(self.total, bar)}
        if self.total is not None and bar(self.one_off) != "0":
            state["oneOff"] = bar(self.one_off)
        return state

    @classmethod
    def from_state(cls, value: Any, path: str) -> DayTotal:
        data = as_object(value, path, "date and total")
        total = read_optional_amount(data, "total", path)
        one_off = read_amount(data, "oneOff", path) if "oneOff" in data else Decimal(0)
        if total is None and one_off:
            raise InvalidReport(f"{path}.oneOff: a day without data ({path}.total is null) has no one-off charges")
        return cls(read_date(data, "date", path), total, one_off)


@dataclass(frozen=True)
class OtherAdjustment:
    """The report day's amount of a record type FetchCosts does not classify, shown as a line of its own under
    Cost Explorer's name for it; or, past MAX_OTHER_ADJUSTMENTS, the rest of them added up."""

    record_type: str
    amount: Decimal

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("recordType", NAME, "Cost Explorer's name for the record type (or `N more record types`)"),
        Field("amount", EXACT_AMOUNT, "its amount on the report day"),
    )

    def to_state(self) -> dict[str, Any]:
        return {"recordType": cut(self.record_type), "amount": plain(self.amount)}

    @classmethod
    def from_state(cls, value: Any, path: str) -> OtherAdjustment:
        data = as_object(value, path, "recordType, amount")
        return cls(read_name(data, "recordType", path), read_amount(data, "amount", path))


_ADJUSTMENTS = ("credits", "refunds", "discounts", "tax")


@dataclass(frozen=True)
class Breakdown:
    """The report day: gross charges, then each kind of adjustment. Their sum is the net total."""

    charges: Decimal
    credits: Decimal
    refunds: Decimal
    discounts: Decimal
    tax: Decimal
    other: tuple[OtherAdjustment, ...] = ()  # unclassified record types, at most MAX_OTHER_ADJUSTMENTS

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("charges", EXACT_AMOUNT, "gross charges: every service's cost, before adjustments"),
        Field("credits", EXACT_AMOUNT, "credits (negative)"),
        Field("refunds", EXACT_AMOUNT, "refunds (negative)"),
        Field("discounts", EXACT_AMOUNT, "discounts, Savings Plans negation (negative)"),
        Field("tax", EXACT_AMOUNT, "tax"),
        Field(
            "other",
            items(MAX_OTHER_ADJUSTMENTS),
            "record types the report does not classify, each a line of its own and in the sum "
            "(absent otherwise, so every other day's payload is unchanged)",
            OtherAdjustment,
            optional=True,
        ),
    )

    @property
    def lines(self) -> tuple[Decimal, ...]:
        """Charges, credits, refunds, discounts, tax, then each unclassified record type: they add up to the total."""
        return (self.charges, self.credits, self.refunds, self.discounts, self.tax, *(o.amount for o in self.other))

    @property
    def total(self) -> Decimal:
        return exact_sum(self.lines)

    @property
    def adjusted(self) -> bool:
        """True when there is anything besides gross charges."""
        return bool(self.other) or any(v != 0 for v in self.lines[1:])

    def to_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"charges": plain(self.charges)}
        state.update((key, plain(getattr(self, key))) for key in _ADJUSTMENTS)
        if self.other:  # only on a day that has them: every other day's payload stays as it was
            state["other"] = [o.to_state() for o in self.other]
        return state

    @classmethod
    def from_state(cls, value: Any, path: str) -> Breakdown:
        data = as_object(value, path, "charges, credits, refunds, discounts, tax")
        amounts = {key: read_amount(data, key, path) for key in ("charges", *_ADJUSTMENTS)}
        other: tuple[OtherAdjustment, ...] = ()
        if "other" in data:  # absent on the days without such record types
            other = read_items(
                data, "other", path, "record types and amounts", MAX_OTHER_ADJUSTMENTS, OtherAdjustment.from_state
            )
        return cls(**amounts, other=other)


@dataclass(frozen=True)
class OneOffCharge:
    """One of the report day's largest one-off charges: a service's fees (its monthly fee, a support plan,
    an RI's or a Savings Plan's fee) under its name, or the day's tax or refunds."""

    name: str
    amount: Decimal

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("name", NAME, "the service whose fee it is, or `Tax` or `Refunds`"),
        Field("amount", EXACT_AMOUNT, "its one-off amount on the report day"),
    )

    def to_state(self) -> dict[str, Any]:
        return {"name": cut(self.name), "amount": plain(self.amount)}

    @classmethod
    def from_state(cls, value: Any, path: str) -> OneOffCharge:
        data = as_object(value, path, "name, amount")
        return cls(read_name(data, "name", path), read_amount(data, "amount", path))


@dataclass(frozen=True)
class Average:
    days: int  # how many days the average is over (7, or fewer for a young account)
    total: Decimal
    # Their mean recurring total (net total without one-off charges), when any of them had one-off charges;
    # None when none had (it is then `total`). CostReport.versus_average decides what the day is compared with.
    recurring: Decimal | None = None

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("days", whole(1, MAX_WINDOW_DAYS), "days before the report day it is the mean of"),
        Field("total", AVERAGE_AMOUNT, "their mean net total"),
        Field(
            "recurring",
            AVERAGE_AMOUNT,
            "their mean recurring total (net total minus one-off charges); absent when none of them had one-off "
            "charges",
            optional=True,
        ),
    )

    @property
    def recurring_total(self) -> Decimal:
        """Their mean recurring total: `total` when none of them had one-off charges."""
        return self.total if self.recurring is None else self.recurring

    def to_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"days": self.days, "total": rounded(self.total)}
        if self.recurring is not None:
            state["recurring"] = rounded(self.recurring)
        return state

    @classmethod
    def from_state(cls, value: Any, path: str) -> Average:
        data = as_object(value, path, "days and total")
        recurring = read_amount(data, "recurring", path) if "recurring" in data else None
        return cls(read_int(data, "days", path, 1, MAX_WINDOW_DAYS), read_amount(data, "total", path), recurring)


@dataclass(frozen=True)
class PeriodTotal:
    """A sum of days: month to date, the same days of last month, or last month."""

    start: date
    end: date  # inclusive
    total: Decimal
    estimated: bool

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("start", DATE, "first day"),
        Field("end", DATE, "last day, inclusive"),
        Field("days", whole(1, MAX_PERIOD_DAYS), "days from start to end"),
        Field("total", EXACT_AMOUNT, "their net total"),
        Field("estimated", FLAG, "any of them not final yet"),
    )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def to_state(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": self.days,
            "total": plain(self.total),
            "estimated": self.estimated,
        }

    @classmethod
    def from_state(cls, value: Any, path: str) -> PeriodTotal:
        data = as_object(value, path, "start, end, days, total, estimated")
        start, end = read_date(data, "start", path), read_date(data, "end", path)
        if end < start:
            raise InvalidReport(f"{path}: end {end} is before start {start}")
        period = cls(start, end, read_amount(data, "total", path), read_bool(data, "estimated", path))
        days = read_int(data, "days", path, 1, MAX_PERIOD_DAYS)
        if days != period.days:
            raise InvalidReport(f"{path}.days: {days}, but {start} to {end} is {period.days} days")
        return period


@dataclass(frozen=True)
class Revised:
    """The day before the report day as the previous report sent it, and as Cost Explorer has it now: set by
    FetchCosts only when the two differ by at least `REVISED_MIN_AMOUNT` and `REVISED_MIN_PERCENT` % of the
    sent total, in the same currency (fetch_costs.revised)."""

    day: date
    sent_total: Decimal
    now_total: Decimal
    sent_at: datetime

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("day", DATE, "the day before the report day, which the previous report covered"),
        Field("sentTotal", EXACT_AMOUNT, "its net total when that report was sent (its record's `total`)"),
        Field("nowTotal", EXACT_AMOUNT, "its net total now: the report's `dayBefore`"),
        Field("sentAt", "ISO 8601 time", "when that report was sent (its record's `sentAt`)"),
    )

    def to_state(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "sentTotal": plain(self.sent_total),
            "nowTotal": plain(self.now_total),
            "sentAt": self.sent_at.isoformat(),
        }

    @classmethod
    def from_state(cls, value: Any, path: str) -> Revised:
        data = as_object(value, path, "day, sentTotal, nowTotal, sentAt")
        sent_at = require(data, "sentAt", path)
        try:
            when = datetime.fromisoformat(sent_at) if isinstance(sent_at, str) else None
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            raise InvalidReport(f"{path}.sentAt: {show(sent_at)} is not an ISO 8601 time with its offset")
        return cls(
            read_date(data, "day", path),
            read_amount(data, "sentTotal", path),
            read_amount(data, "nowTotal", path),
            when,
        )


@dataclass(frozen=True)
class Forecast:
    month_end: date
    total: Decimal | None  # None when there is not enough history
    run_rate: Decimal | None
    basis_days: int  # days the run rate is the average of
    remaining_days: int  # days after the report day left in the month

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("monthEnd", DATE, "the last day of the report's month"),
        Field("total", or_null(AVERAGE_AMOUNT), "the month's forecast; null when there is not enough history"),
        Field("runRate", or_null(AVERAGE_AMOUNT), "the daily rate the remaining days are projected at"),
        Field("basisDays", whole(0, MAX_WINDOW_DAYS), "days the run rate is the mean of (< 3: no forecast)"),
        Field("remainingDays", whole(0, MAX_WINDOW_DAYS), "days after the report day left in the month"),
    )

    def to_state(self) -> dict[str, Any]:
        return {
            "monthEnd": self.month_end.isoformat(),
            "total": optional(self.total, rounded),
            "runRate": optional(self.run_rate, rounded),
            "basisDays": self.basis_days,
            "remainingDays": self.remaining_days,
        }

    @classmethod
    def from_state(cls, value: Any, path: str) -> Forecast:
        data = as_object(value, path, "the month-end forecast")
        return cls(
            read_date(data, "monthEnd", path),
            read_optional_amount(data, "total", path),
            read_optional_amount(data, "runRate", path),
            read_int(data, "basisDays", path, 0, MAX_WINDOW_DAYS),
            read_int(data, "remainingDays", path, 0, MAX_WINDOW_DAYS),
        )


@dataclass(frozen=True)
class CreditBalance:
    """The credits left, when the deployment says how many there were on the 1st of the report's month
    (CREDIT_BALANCE), and how long they last at the rate they are being used."""

    balance: Decimal  # CREDIT_BALANCE: the credits remaining on the 1st of the report's month
    used: Decimal  # credits applied from the 1st to the report day, as a positive amount
    burn: Decimal  # credits used a day: the mean of the FORECAST_BASIS_DAYS days ending on the report day, >= 0
    basis_days: int  # days the burn is the mean of

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("balance", EXACT_AMOUNT, "`CREDIT_BALANCE`: the credits remaining on the 1st of the report's month"),
        Field("used", EXACT_AMOUNT, "credits applied from the 1st to the report day (positive)"),
        Field("burn", AVERAGE_AMOUNT, "credits used a day: the mean of the last 7 days, ending on the report day"),
        Field("basisDays", whole(0, MAX_WINDOW_DAYS), "days the burn is the mean of"),
    )

    @property
    def remaining(self) -> Decimal:
        return exact_sum((self.balance, -self.used))

    @property
    def days_left(self) -> int | None:
        """Whole days the remaining credits last at the burn; 0 once used up; None while none are being used."""
        if self.remaining <= 0:
            return 0
        if self.burn <= 0:
            return None
        return int(self.remaining / self.burn)  # whole days: a part day is not a day left

    def to_state(self) -> dict[str, Any]:
        return {
            "balance": plain(self.balance),
            "used": plain(self.used),
            "burn": rounded(self.burn),
            "basisDays": self.basis_days,
        }

    @classmethod
    def from_state(cls, value: Any, path: str) -> CreditBalance:
        data = as_object(value, path, "balance, used, burn, basisDays")
        burn = read_amount(data, "burn", path)
        if burn < 0:
            raise InvalidReport(f"{path}.burn: {plain(burn)} is negative; credits used a day are at least 0")
        return cls(
            read_amount(data, "balance", path),
            read_amount(data, "used", path),
            burn,
            read_int(data, "basisDays", path, 0, MAX_WINDOW_DAYS),
        )


@dataclass(frozen=True)
class ServiceLine:
    name: str
    amount: Decimal  # the report day, gross
    day_before: Decimal
    trend: tuple[Decimal, ...]  # TREND_DAYS days ending on the report day, oldest first
    flags: tuple[str, ...]  # FLAG_NEW, FLAG_ANOMALY

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("name", NAME, "the service, as Cost Explorer names it (longer names are cut)"),
        Field("amount", EXACT_AMOUNT, "its gross charges on the report day (in the report's period)"),
        Field("dayBefore", EXACT_AMOUNT, "and on the day before (in the previous period)"),
        Field("trend", _SERIES, "the days ending on the report day, oldest first (the periods of `comparisons.trend`)"),
        Field("flags", f"list of {', '.join(FLAGS)}", "new service, anomaly"),
    )

    def to_state(self) -> dict[str, Any]:
        return {
            "name": cut(self.name),
            "amount": plain(self.amount),
            "dayBefore": plain(self.day_before),
            "trend": [bar(value) for value in self.trend],
            "flags": list(self.flags),
        }

    @classmethod
    def from_state(cls, value: Any, path: str) -> ServiceLine:
        data = as_object(value, path, "name, amount, dayBefore, trend, flags")
        return cls(
            read_name(data, "name", path),
            read_amount(data, "amount", path),
            read_amount(data, "dayBefore", path),
            read_series(data, "trend", path, MAX_SERIES),
            read_choices(data, "flags", path, FLAGS),
        )


@dataclass(frozen=True)
class OtherLine:
    """Every service not listed by name, added up: nothing is ever dropped."""

    count: int  # services with a cost entry on the report day among them
    amount: Decimal
    day_before: Decimal
    trend: tuple[Decimal, ...]

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("count", whole(1), "services among them with a cost entry on the report day"),
        Field("amount", EXACT_AMOUNT, "their gross charges on the report day"),
        Field("dayBefore", EXACT_AMOUNT, "and on the day before"),
        Field("trend", _SERIES, "the days ending on the report day, oldest first (the periods of `comparisons.trend`)"),
    )

    def to_state(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "amount": plain(self.amount),
            "dayBefore": plain(self.day_before),
            "trend": [bar(value) for value in self.trend],
        }

    @classmethod
    def from_state(cls, value: Any, path: str) -> OtherLine:
        data = as_object(value, path, "count, amount, dayBefore, trend")
        return cls(
            read_int(data, "count", path, 1),
            read_amount(data, "amount", path),
            read_amount(data, "dayBefore", path),
            read_series(data, "trend", path, MAX_SERIES),
        )


@dataclass(frozen=True)
class Mover:
    name: str
    amount: Decimal
    average: Decimal  # over the days before the report day (7, or fewer for a young account)

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("name", NAME, "the service"),
        Field("amount", EXACT_AMOUNT, "its recurring cost on the report day"),
        Field("average", AVERAGE_AMOUNT, "its mean over the days before"),
    )

    def to_state(self) -> dict[str, Any]:
        return {"name": cut(self.name), "amount": plain(self.amount), "average": rounded(self.average)}

    @classmethod
    def from_state(cls, value: Any, path: str) -> Mover:
        data = as_object(value, path, "name, amount, average")
        return cls(read_name(data, "name", path), read_amount(data, "amount", path), read_amount(data, "average", path))


@dataclass(frozen=True)
class MoverBaseline:
    """What every mover's `average` is the mean of: the days before the report day, or the same weekday of
    the weeks before (the history follows a weekly cycle; fetch_costs/mover_baseline.py)."""

    kind: str  # MOVER_BASELINES
    days: int  # how many days the average is over

    # The most days of each kind; a weekday baseline has at least MIN_WEEKDAY_DAYS.
    DAYS: ClassVar[dict[str, tuple[int, int]]] = {
        MOVER_DAYS_BEFORE: (1, AVERAGE_DAYS),
        MOVER_SAME_WEEKDAY: (MIN_WEEKDAY_DAYS, WEEKDAY_WEEKS),
    }
    WIRE: ClassVar[tuple[Field, ...]] = (
        Field(
            "kind",
            f"one of {', '.join(MOVER_BASELINES)}",
            f"`{MOVER_DAYS_BEFORE}`: the days before the report day; `{MOVER_SAME_WEEKDAY}`: the same weekday of "
            "the weeks before, when the history follows a weekly cycle",
        ),
        Field(
            "days",
            f"whole number 1 to {AVERAGE_DAYS} ({MOVER_SAME_WEEKDAY}: {MIN_WEEKDAY_DAYS} to {WEEKDAY_WEEKS})",
            "how many days the movers' averages are over",
        ),
    )

    def to_state(self) -> dict[str, Any]:
        return {"kind": self.kind, "days": self.days}

    @classmethod
    def from_state(cls, value: Any, path: str) -> MoverBaseline:
        data = as_object(value, path, "kind and days")
        kind = read_choice(require(data, "kind", path), f"{path}.kind", MOVER_BASELINES)
        low, high = cls.DAYS[kind]
        return cls(kind, read_int(data, "days", path, low, high))


@dataclass(frozen=True)
class Anomaly:
    name: str
    amount: Decimal
    baseline: Decimal  # median of the baseline days
    threshold: Decimal  # median + k x scaled MAD

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("name", NAME, "the service"),
        Field("amount", EXACT_AMOUNT, "its recurring cost on the report day"),
        Field("baseline", AVERAGE_AMOUNT, "the median of its baseline days"),
        Field("threshold", AVERAGE_AMOUNT, "the median plus ANOMALY_THRESHOLD scaled MADs"),
    )

    def to_state(self) -> dict[str, Any]:
        return {
            "name": cut(self.name),
            "amount": plain(self.amount),
            "baseline": rounded(self.baseline),
            "threshold": rounded(self.threshold),
        }

    @classmethod
    def from_state(cls, value: Any, path: str) -> Anomaly:
        data = as_object(value, path, "name, amount, baseline, threshold")
        return cls(
            read_name(data, "name", path),
            read_amount(data, "amount", path),
            read_amount(data, "baseline", path),
            read_amount(data, "threshold", path),
        )


@dataclass(frozen=True)
class NewService:
    name: str
    first_day: date
    amount: Decimal  # on the report day

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("name", NAME, "the service"),
        Field("firstDate", DATE, "its first day of at least a cent"),
        Field("amount", EXACT_AMOUNT, "its cost on the report day"),
    )

    def to_state(self) -> dict[str, Any]:
        return {"name": cut(self.name), "firstDate": self.first_day.isoformat(), "amount": plain(self.amount)}

    @classmethod
    def from_state(cls, value: Any, path: str) -> NewService:
        data = as_object(value, path, "name, firstDate, amount")
        return cls(read_name(data, "name", path), read_date(data, "firstDate", path), read_amount(data, "amount", path))


@dataclass(frozen=True)
class Thresholds:
    """The settings FetchCosts judged the day with (its environment), stated in the email's footer."""

    top_services: int
    anomaly_threshold: Decimal
    anomaly_min_amount: Decimal
    anomaly_min_percent: Decimal
    mover_min_amount: Decimal
    mover_min_percent: Decimal
    new_service_days: int

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("topServices", whole(TOP_SERVICES_MIN, TOP_SERVICES_MAX), "`TOP_SERVICES`"),
        Field("anomalyThreshold", EXACT_AMOUNT, "`ANOMALY_THRESHOLD`"),
        Field("anomalyMinAmount", EXACT_AMOUNT, "`ANOMALY_MIN_AMOUNT`"),
        Field("anomalyMinPercent", EXACT_AMOUNT, "`ANOMALY_MIN_PERCENT`"),
        Field("moverMinAmount", EXACT_AMOUNT, "`MOVER_MIN_AMOUNT`"),
        Field("moverMinPercent", EXACT_AMOUNT, "`MOVER_MIN_PERCENT`"),
        Field("newServiceDays", whole(NEW_SERVICE_DAYS_MIN, NEW_SERVICE_DAYS_MAX), "`NEW_SERVICE_DAYS`"),
    )

    def to_state(self) -> dict[str, Any]:
        return {
            "topServices": self.top_services,
            "anomalyThreshold": plain(self.anomaly_threshold),
            "anomalyMinAmount": plain(self.anomaly_min_amount),
            "anomalyMinPercent": plain(self.anomaly_min_percent),
            "moverMinAmount": plain(self.mover_min_amount),
            "moverMinPercent": plain(self.mover_min_percent),
            "newServiceDays": self.new_service_days,
        }

    @classmethod
    def from_state(cls, value: Any, path: str) -> Thresholds:
        data = as_object(value, path, "the report's settings")
        return cls(
            read_int(data, "topServices", path, TOP_SERVICES_MIN, TOP_SERVICES_MAX),
            read_amount(data, "anomalyThreshold", path),
            read_amount(data, "anomalyMinAmount", path),
            read_amount(data, "anomalyMinPercent", path),
            read_amount(data, "moverMinAmount", path),
            read_amount(data, "moverMinPercent", path),
            read_int(data, "newServiceDays", path, NEW_SERVICE_DAYS_MIN, NEW_SERVICE_DAYS_MAX),
        )


# --- What the report is: its identity, what its lines are, and its secondary breakdown -------------------

SCOPE_KINDS = ("organisation", *SCOPES)  # report_contract.spec.Scope.kind
SCOPE_KEY_CHARS = TAG_KEY_CHARS  # a tag key; a cost category name is shorter (spec.COST_CATEGORY_NAME_CHARS)


@dataclass(frozen=True)
class Grouping:
    """What a table's lines are: the report's breakdown (report_contract.spec.Breakdown) and its label."""

    by: str  # one of report_contract.spec.BREAKDOWNS
    label: str  # "Service", "Account", "Region", "Tag team", "Cost category Team"
    key: str | None = None  # the tag key or cost category name (report_contract.spec.Breakdown.key)

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("by", f"one of {', '.join(BREAKDOWNS)}", "what each line is"),
        Field("label", NAME, "how the email names a line's kind (`Service`, `Account`, `Tag team`)"),
        Field(
            "key",
            f"text, at most {SCOPE_KEY_CHARS} characters",
            "the tag key or cost category name, for the email's Cost Explorer links",
            optional=True,
        ),
    )

    def to_state(self) -> dict[str, Any]:
        return {"by": self.by, "label": cut(self.label), **({} if self.key is None else {"key": self.key})}

    @classmethod
    def from_state(cls, value: Any, path: str) -> Grouping:
        data = as_object(value, path, "by and label")
        key = read_name(data, "key", path, SCOPE_KEY_CHARS) if "key" in data else None
        return cls(
            read_choice(require(data, "by", path), f"{path}.by", BREAKDOWNS), read_name(data, "label", path), key
        )


@dataclass(frozen=True)
class ReportIdentity:
    """Which of the deployment's reports this is, what it covers and what its lines are."""

    id: str
    name: str
    scope_kind: str  # one of SCOPE_KINDS
    scope: str  # what it covers, as the header says it ("tag team = payments")
    lines: Grouping
    # The scope's filter as declared (report_contract.spec.Scope): the tag key or cost category name, and
    # the values (account ids, tag values, cost category values), so the email's Cost Explorer links keep it.
    scope_key: str | None = None
    scope_values: tuple[str, ...] = ()

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("id", f"report id, at most {REPORT_ID_CHARS} characters", "the report's id (`reports` in Terraform)"),
        Field("name", NAME, "its name, as the header and the subject say it"),
        Field("scopeKind", f"one of {', '.join(SCOPE_KINDS)}", "what its scope filters on"),
        Field("scope", f"text, at most {SCOPE_CHARS} characters", "what it covers (`tag team = payments`)"),
        Field("breakdown", "object", "what the lines of `services` are", Grouping),
        Field(
            "scopeKey",
            f"text, at most {SCOPE_KEY_CHARS} characters",
            "the scope's tag key or cost category name",
            optional=True,
        ),
        Field(
            "scopeValues",
            f"list of at most {MAX_SCOPE_VALUES} texts, each at most {VALUE_CHARS} characters",
            "the scope's account ids, tag values or cost category values, for the email's Cost Explorer links",
            optional=True,
        ),
    )

    @property
    def is_default(self) -> bool:
        """The deployment's default report: the whole organisation by service, rendered as it always was."""
        return self.id == DEFAULT_REPORT_ID and self.scope_kind == "organisation" and self.lines.by == "service"

    def to_state(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": cut(self.name),
            "scopeKind": self.scope_kind,
            "scope": cut(self.scope, SCOPE_CHARS),
            "breakdown": self.lines.to_state(),
            **({} if self.scope_key is None else {"scopeKey": self.scope_key}),
            **({"scopeValues": list(self.scope_values)} if self.scope_values else {}),
        }

    @classmethod
    def from_state(cls, value: Any, path: str) -> ReportIdentity:
        data = as_object(value, path, "id, name, scopeKind, scope, breakdown")
        report_id = require(data, "id", path)
        if not isinstance(report_id, str) or not REPORT_ID.fullmatch(report_id):
            raise InvalidReport(
                f"{path}.id: {show(report_id)} is not a report id (1 to {REPORT_ID_CHARS} lower-case letters, "
                "digits and dashes, starting with a letter or digit)"
            )
        return cls(
            report_id,
            read_name(data, "name", path),
            read_choice(require(data, "scopeKind", path), f"{path}.scopeKind", SCOPE_KINDS),
            read_name(data, "scope", path, SCOPE_CHARS),
            Grouping.from_state(require(data, "breakdown", path), f"{path}.breakdown"),
            read_name(data, "scopeKey", path, SCOPE_KEY_CHARS) if "scopeKey" in data else None,
            _scope_values(data, path),
        )


def _scope_values(data: Any, path: str) -> tuple[str, ...]:
    """Absent in a payload of the whole organisation, or from before the links: no values."""
    if "scopeValues" not in data:
        return ()
    values = read_list(data, "scopeValues", path, "texts", MAX_SCOPE_VALUES)
    for i, value in enumerate(values):
        if not isinstance(value, str) or not 1 <= len(value) <= VALUE_CHARS:
            raise InvalidReport(
                f"{path}.scopeValues[{i}]: {show(value)} is not a value of the scope (text of 1 to {VALUE_CHARS} "
                "characters)"
            )
    return tuple(values)


# The report of a payload that carries no `report`: what every report was before reports were declared.
DEFAULT_IDENTITY = ReportIdentity(
    DEFAULT_REPORT_ID, DEFAULT_REPORT_ID, "organisation", "the whole organisation", Grouping("service", "Service")
)


@dataclass(frozen=True)
class SecondaryLine:
    name: str
    amount: Decimal  # the report day, gross
    day_before: Decimal

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("name", NAME, "the line, named as the main table names its lines"),
        Field("amount", EXACT_AMOUNT, "its gross charges on the report day (in the report's period)"),
        Field("dayBefore", EXACT_AMOUNT, "and on the day before (in the previous period)"),
    )

    def to_state(self) -> dict[str, Any]:
        return {"name": cut(self.name), "amount": plain(self.amount), "dayBefore": plain(self.day_before)}

    @classmethod
    def from_state(cls, value: Any, path: str) -> SecondaryLine:
        data = as_object(value, path, "name, amount, dayBefore")
        return cls(
            read_name(data, "name", path), read_amount(data, "amount", path), read_amount(data, "dayBefore", path)
        )


@dataclass(frozen=True)
class SecondaryOther:
    """Every line of the secondary breakdown not listed by name, added up."""

    count: int  # lines with a cost entry on the report day among them
    amount: Decimal
    day_before: Decimal

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("count", whole(1), "lines among them with a cost entry on the report day (in the period)"),
        Field("amount", EXACT_AMOUNT, "their gross charges on the report day (in the report's period)"),
        Field("dayBefore", EXACT_AMOUNT, "and on the day before (in the previous period)"),
    )

    def to_state(self) -> dict[str, Any]:
        return {"count": self.count, "amount": plain(self.amount), "dayBefore": plain(self.day_before)}

    @classmethod
    def from_state(cls, value: Any, path: str) -> SecondaryOther:
        data = as_object(value, path, "count, amount, dayBefore")
        return cls(
            read_int(data, "count", path, 1), read_amount(data, "amount", path), read_amount(data, "dayBefore", path)
        )


@dataclass(frozen=True)
class Secondary:
    """The report day's gross charges by a second breakdown: top SECONDARY_TOP lines, then Other, then what
    its query did not attribute. They add up to the report day's charges, as the main table's lines do.

    It comes from a second query; Cost Explorer's answers grouped two ways can disagree (boto/boto3#2140: a
    pro-rated support fee missing when grouped by LINKED_ACCOUNT). The difference is carried, and shown, as
    `unattributed` (0 when they agree) rather than failing the day's report or hiding it."""

    lines: Grouping
    count: int  # lines with a cost entry on the report day
    top: tuple[SecondaryLine, ...]
    other: SecondaryOther | None
    unattributed: Decimal = Decimal(0)  # the report day's charges less this query's lines

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("breakdown", "object", "what its lines are", Grouping),
        Field("count", whole(0), "lines with a cost entry on the report day (in the period)"),
        Field(
            "top",
            items(MAX_SECONDARY_ROWS),
            f"the top {SECONDARY_TOP} by gross charges (one more instead of an Other of one)",
            SecondaryLine,
        ),
        Field("other", or_null("object"), "every other line added up (null when none)", SecondaryOther),
        Field(
            "unattributed",
            EXACT_AMOUNT,
            "`breakdown.charges` less this query's lines: 0 unless Cost Explorer's two answers disagree",
        ),
    )

    @property
    def listed(self) -> Decimal:
        """Its lines, Other and the unattributed amount: the report day's charges."""
        amounts = [line.amount for line in self.top] + ([self.other.amount] if self.other else [])
        return exact_sum([*amounts, self.unattributed])

    def to_state(self) -> dict[str, Any]:
        return {
            "breakdown": self.lines.to_state(),
            "count": self.count,
            "top": [line.to_state() for line in self.top],
            "other": None if self.other is None else self.other.to_state(),
            "unattributed": plain(self.unattributed),
        }

    @classmethod
    def from_state(cls, value: Any, path: str) -> Secondary:
        data = as_object(value, path, "breakdown, count, top, other, unattributed")
        other = require(data, "other", path)
        return cls(
            Grouping.from_state(require(data, "breakdown", path), f"{path}.breakdown"),
            read_int(data, "count", path),
            read_items(data, "top", path, "lines", MAX_SECONDARY_ROWS, SecondaryLine.from_state),
            None if other is None else SecondaryOther.from_state(other, f"{path}.other"),
            read_amount(data, "unattributed", path),
        )
