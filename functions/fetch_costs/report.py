"""The report model: what FetchCosts returns and RenderEmail draws (the contract in docs/report.md).

Small for any organisation: the top services by name, everything else as one "Other" aggregate, and at
most a handful of movers, anomalies and new services; so the state payload does not grow with the number
of services. Amounts travel as plain decimal strings (no exponent): exact where the email adds them up
(the day's total and its breakdown, each service's amount and day-before amount), rounded to 4 decimal
places where they are averages, medians or forecasts, and to 2 where they only size a trend bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from fetch_costs.history import EXACT

# The contract's bounds (render_email checks them too): what keeps the payload and the HTML small.
MAX_MOVERS = 5  # per direction
MAX_LISTED = 5  # anomalies, new services (each list says how many more there are)
MAX_OTHER_ADJUSTMENTS = 5  # lines for unclassified record types; beyond it the rest are added up in one
TREND_DAYS = 14
NAME_CHARS = 100  # longer names (none of AWS's is) are cut: the email shows at most this many characters

ALERT_ANOMALY, ALERT_OVER_BUDGET, ALERT_NEW_SERVICE = "anomaly", "overBudget", "newService"
FLAG_NEW, FLAG_ANOMALY = "new", "anomaly"

_FOUR_PLACES = Decimal("0.0001")
_TWO_PLACES = Decimal("0.01")


def plain(amount: Decimal) -> str:
    """Exact, as plain digits: no exponent, no trailing zeros, no negative zero ("12.5", "0", "-3")."""
    with localcontext(EXACT):
        if amount == 0:
            return "0"
        text = format(amount.normalize(), "f")
    return text


def rounded(amount: Decimal, places: Decimal = _FOUR_PLACES) -> str:
    with localcontext(EXACT):
        return plain(amount.quantize(places, rounding=ROUND_HALF_EVEN))


def bar(amount: Decimal) -> str:
    return rounded(amount, _TWO_PLACES)


def cut(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


@dataclass(frozen=True)
class DayTotal:
    day: date
    total: Decimal | None  # None: before the account's first cost data

    def to_state(self) -> dict:
        return {"date": self.day.isoformat(), "total": None if self.total is None else bar(self.total)}


@dataclass(frozen=True)
class OtherAdjustment:
    """The report day's amount of a record type the report does not classify (history.RECORD_TYPES), shown
    as a line of its own under Cost Explorer's name for it; or, past MAX_OTHER_ADJUSTMENTS, the rest of
    them added up (named "N more record types")."""

    record_type: str
    amount: Decimal

    def to_state(self) -> dict:
        return {"recordType": cut(self.record_type), "amount": plain(self.amount)}


@dataclass(frozen=True)
class Breakdown:
    """The report day: gross charges, then each kind of adjustment. Their sum is the net total."""

    charges: Decimal
    credits: Decimal
    refunds: Decimal
    discounts: Decimal
    tax: Decimal
    other: tuple[OtherAdjustment, ...] = ()  # unclassified record types, at most MAX_OTHER_ADJUSTMENTS

    @property
    def total(self) -> Decimal:
        with localcontext(EXACT):
            return (
                self.charges
                + self.credits
                + self.refunds
                + self.discounts
                + self.tax
                + sum((o.amount for o in self.other), Decimal(0))
            )

    def to_state(self) -> dict:
        state = {
            "charges": plain(self.charges),
            "credits": plain(self.credits),
            "refunds": plain(self.refunds),
            "discounts": plain(self.discounts),
            "tax": plain(self.tax),
        }
        if self.other:  # only on a day that has them: every other day's payload stays as it was
            state["other"] = [o.to_state() for o in self.other]
        return state


@dataclass(frozen=True)
class Average:
    days: int  # how many days the average is over (7, or fewer for a young account)
    total: Decimal

    def to_state(self) -> dict:
        return {"days": self.days, "total": rounded(self.total)}


@dataclass(frozen=True)
class PeriodTotal:
    """A sum of days: month to date, the same days of last month, or last month."""

    start: date
    end: date  # inclusive
    total: Decimal
    estimated: bool

    def to_state(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": (self.end - self.start).days + 1,
            "total": plain(self.total),
            "estimated": self.estimated,
        }


@dataclass(frozen=True)
class Forecast:
    month_end: date
    total: Decimal | None  # None when there is not enough history
    run_rate: Decimal | None
    basis_days: int  # days the run rate is the average of
    remaining_days: int  # days after the report day left in the month

    def to_state(self) -> dict:
        return {
            "monthEnd": self.month_end.isoformat(),
            "total": None if self.total is None else rounded(self.total),
            "runRate": None if self.run_rate is None else rounded(self.run_rate),
            "basisDays": self.basis_days,
            "remainingDays": self.remaining_days,
        }


@dataclass(frozen=True)
class ServiceLine:
    name: str
    amount: Decimal  # the report day, gross
    day_before: Decimal
    trend: tuple[Decimal, ...]  # TREND_DAYS days ending on the report day, oldest first
    flags: tuple[str, ...]  # FLAG_NEW, FLAG_ANOMALY

    def to_state(self) -> dict:
        return {
            "name": cut(self.name),
            "amount": plain(self.amount),
            "dayBefore": plain(self.day_before),
            "trend": [bar(value) for value in self.trend],
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class OtherLine:
    """Every service not listed by name, added up: nothing is ever dropped."""

    count: int  # services with a cost entry on the report day among them
    amount: Decimal
    day_before: Decimal
    trend: tuple[Decimal, ...]

    def to_state(self) -> dict:
        return {
            "count": self.count,
            "amount": plain(self.amount),
            "dayBefore": plain(self.day_before),
            "trend": [bar(value) for value in self.trend],
        }


@dataclass(frozen=True)
class Mover:
    name: str
    amount: Decimal
    average: Decimal  # over the days before the report day (7, or fewer for a young account)

    def to_state(self) -> dict:
        return {"name": cut(self.name), "amount": plain(self.amount), "average": rounded(self.average)}


@dataclass(frozen=True)
class Anomaly:
    name: str
    amount: Decimal
    baseline: Decimal  # median of the baseline days
    threshold: Decimal  # median + k x scaled MAD

    def to_state(self) -> dict:
        return {
            "name": cut(self.name),
            "amount": plain(self.amount),
            "baseline": rounded(self.baseline),
            "threshold": rounded(self.threshold),
        }


@dataclass(frozen=True)
class NewService:
    name: str
    first_day: date
    amount: Decimal  # on the report day

    def to_state(self) -> dict:
        return {"name": cut(self.name), "firstDate": self.first_day.isoformat(), "amount": plain(self.amount)}


@dataclass(frozen=True)
class CostReport:
    report_date: date
    metric: str
    currency: str
    estimated: bool
    requests: int
    history_start: date  # first day of the fetched history
    breakdown: Breakdown
    one_off: Decimal  # the part of the total from one-off charges (tax and support on the 1st, refunds, fees)
    daily: tuple[DayTotal, ...]
    day_before: Decimal | None
    average: Average | None
    month_to_date: PeriodTotal
    last_month_to_date: PeriodTotal | None
    last_month: PeriodTotal | None
    forecast: Forecast
    budget: Decimal | None
    service_count: int  # services with a cost entry on the report day
    top: tuple[ServiceLine, ...]
    other: OtherLine | None
    increases: tuple[Mover, ...]
    decreases: tuple[Mover, ...]
    anomalies: tuple[Anomaly, ...]
    anomaly_count: int  # anomalies found (only the largest MAX_LISTED are listed)
    baseline_days: int  # days of history behind the anomaly baselines
    new_services: tuple[NewService, ...]
    new_service_count: int
    settings: dict

    @property
    def total(self) -> Decimal:
        return self.breakdown.total

    @property
    def alerts(self) -> list[str]:
        """Worst first: what the subject line leads with."""
        alerts = []
        if self.anomaly_count:
            alerts.append(ALERT_ANOMALY)
        if self.budget is not None and self.total > self.budget:
            alerts.append(ALERT_OVER_BUDGET)
        if self.new_service_count:
            alerts.append(ALERT_NEW_SERVICE)
        return alerts

    def to_state(self) -> dict:
        """The Lambda result. Key order is the order the Step Functions console shows."""
        return {
            "reportDate": self.report_date.isoformat(),
            "currency": self.currency,
            "metric": self.metric,
            # The net total of the report day, exact: MarkSent stores it in DynamoDB as a number.
            "total": plain(self.total),
            "estimated": self.estimated,
            "costExplorerRequests": self.requests,
            "alerts": self.alerts,
            "breakdown": self.breakdown.to_state(),
            "oneOff": plain(self.one_off),
            "dayBefore": None if self.day_before is None else plain(self.day_before),
            "average": None if self.average is None else self.average.to_state(),
            "monthToDate": self.month_to_date.to_state(),
            "lastMonthToDate": None if self.last_month_to_date is None else self.last_month_to_date.to_state(),
            "lastMonth": None if self.last_month is None else self.last_month.to_state(),
            "forecast": self.forecast.to_state(),
            "budget": None if self.budget is None else plain(self.budget),
            "daily": [day.to_state() for day in self.daily],
            "services": {
                "count": self.service_count,
                "top": [line.to_state() for line in self.top],
                "other": None if self.other is None else self.other.to_state(),
            },
            "movers": {
                "increases": [m.to_state() for m in self.increases],
                "decreases": [m.to_state() for m in self.decreases],
            },
            "anomalies": {
                "count": self.anomaly_count,
                "baselineDays": self.baseline_days,
                "services": [a.to_state() for a in self.anomalies],
            },
            "newServices": {
                "count": self.new_service_count,
                "since": self.history_start.isoformat(),
                "services": [n.to_state() for n in self.new_services],
            },
            "settings": self.settings,
        }
