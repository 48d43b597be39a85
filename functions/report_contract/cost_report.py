"""The whole report: FetchCosts' result, RenderEmail's input (its parts are in report_contract.model).

On the wire its lists are grouped (`services`, `movers`, `anomalies`, `newServices`), so WIRE's keys are
dotted inside a group. `total`, `alerts` and each period's `days` are derived from the figures: FetchCosts
writes them, and `from_state` refuses a report whose written value is not what its figures say.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple

from report_contract.comparisons import Comparisons, check_period, check_trends, read_period
from report_contract.limits import (
    ALERTS,
    MAX_LISTED,
    MAX_MOVERS,
    MAX_ONE_OFF_CHARGES,
    MAX_TOP_ROWS,
    MAX_WINDOW_DAYS,
    METRICS,
    TREND_DAYS,
)
from report_contract.model import (
    DATE,
    DEFAULT_IDENTITY,
    EXACT_AMOUNT,
    FLAG,
    Anomaly,
    Average,
    Breakdown,
    CreditBalance,
    DayTotal,
    Field,
    Forecast,
    Mover,
    MoverBaseline,
    NewService,
    OneOffCharge,
    OtherLine,
    PeriodTotal,
    ReportIdentity,
    Revised,
    Secondary,
    ServiceLine,
    Thresholds,
    items,
    or_null,
    whole,
)
from report_contract.period import ReportPeriod
from report_contract.wire import (
    InvalidReport,
    as_object,
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
    read_object,
    read_optional_amount,
    read_optional_object,
    require,
    show,
)

_CURRENCY = re.compile(r"[A-Z]{3}")


class Versus(NamedTuple):
    """One comparison of the headline: the report day's figure against another. Recurring (both without
    one-off charges) when the report day or the days compared with had one-off charges, so that tax and
    support on the 1st do not read as "+590%"; else both are net totals."""

    amount: Decimal
    other: Decimal
    recurring: bool


@dataclass(frozen=True, kw_only=True)
class CostReport:
    report_date: date
    currency: str
    metric: str
    estimated: bool
    requests: int
    breakdown: Breakdown
    one_off: Decimal  # the part of the total from one-off charges (tax and support on the 1st, refunds, fees)
    day_before: Decimal | None
    average: Average | None
    month_to_date: PeriodTotal
    last_month_to_date: PeriodTotal | None
    last_month: PeriodTotal | None
    forecast: Forecast
    budget: Decimal | None
    daily: tuple[DayTotal, ...]
    service_count: int  # services with a cost entry on the report day
    top: tuple[ServiceLine, ...]
    other: OtherLine | None
    increases: tuple[Mover, ...]
    decreases: tuple[Mover, ...]
    # What the movers' averages are over; None: the report's trailing average (a weekly or monthly report's,
    # or a daily report without a day before it).
    mover_baseline: MoverBaseline | None = None
    anomaly_count: int  # anomalies found (only the largest MAX_LISTED are listed)
    baseline_days: int  # days of history behind the anomaly baselines
    anomalies: tuple[Anomaly, ...]
    new_service_count: int
    history_start: date  # first day of the fetched history
    new_services: tuple[NewService, ...]
    settings: Thresholds
    report: ReportIdentity = DEFAULT_IDENTITY  # which report; its lines (`top`, `other`) are of its breakdown
    secondary: Secondary | None = None  # the report day by the report's secondary breakdown, if it has one
    # A weekly or monthly report (report_contract.comparisons); None: the daily report of report_date.
    period: ReportPeriod | None = None
    comparisons: Comparisons | None = None
    # The month's budget: a daily report's month to date and forecast, a monthly report's month, are compared
    # with it. None: no monthly budget (always, in a weekly report).
    monthly_budget: Decimal | None = None
    # The largest one-off charges of the report day (at most MAX_ONE_OFF_CHARGES, largest first by size).
    one_off_charges: tuple[OneOffCharge, ...] = ()
    # The day before without its one-off charges, when it had any (None: it is `day_before`).
    day_before_recurring: Decimal | None = None
    # The day before as the previous report sent it and as it is now, when they differ enough; else None.
    revised: Revised | None = None
    # The credits left and their burn, when CREDIT_BALANCE is set (a daily report); None otherwise.
    credit_balance: CreditBalance | None = None

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("reportDate", DATE, "the day reported (UTC)"),
        Field(
            "report",
            "object",
            "which report this is, what it covers and what its lines are; absent for the default report "
            "(`daily`: the whole organisation by service), so a payload from before reports reads as it",
            ReportIdentity,
            optional=True,
        ),
        Field("currency", "ISO 4217 code", "from Cost Explorer"),
        Field("metric", f"one of {', '.join(METRICS)}", "the Cost Explorer metric every figure is"),
        Field("total", EXACT_AMOUNT, "net total of the report day; `MarkSent` stores it as a DynamoDB number"),
        Field("estimated", FLAG, "the report day is not final yet (Cost Explorer says so)"),
        Field("costExplorerRequests", whole(0), "requests (pages) this report made, each billed $0.01"),
        Field("alerts", f"list of {', '.join(ALERTS)}", "worst first, as the figures say; the subject leads with them"),
        Field("breakdown", "object", "the report day's charges and adjustments; they add up to `total`", Breakdown),
        Field("oneOff", EXACT_AMOUNT, "how much of `total` is one-off charges (tax, support fee, refunds, fees)"),
        Field(
            "oneOffCharges",
            items(MAX_ONE_OFF_CHARGES),
            "the largest of them by size, largest first; with fewer than the most, they add up to `oneOff`",
            OneOffCharge,
            optional=True,
        ),
        Field("dayBefore", or_null(EXACT_AMOUNT), "net total of the day before (null without history)"),
        Field(
            "dayBeforeRecurring",
            EXACT_AMOUNT,
            "the day before's net total minus its one-off charges; absent when it had none (or no history)",
            optional=True,
        ),
        Field(
            "revised",
            "object",
            "the day before as the previous report sent it and as it is now (`nowTotal` is `dayBefore`), when "
            "they differ by `REVISED_MIN_AMOUNT` and `REVISED_MIN_PERCENT` %; absent otherwise, and in a weekly or "
            "monthly report",
            Revised,
            optional=True,
        ),
        Field("average", or_null("object"), "the trailing average (null without history)", Average),
        Field("monthToDate", "object", "the 1st of the month to the report day", PeriodTotal),
        Field("lastMonthToDate", or_null("object"), "the same days of last month (null without data)", PeriodTotal),
        Field("lastMonth", or_null("object"), "last month (null without data)", PeriodTotal),
        Field("forecast", "object", "the month-end forecast", Forecast),
        Field("budget", or_null(EXACT_AMOUNT), "`DAILY_BUDGET`, or null: the recurring total is judged by it"),
        Field(
            "monthlyBudget",
            EXACT_AMOUNT,
            "`MONTHLY_BUDGET` or the report's `monthly_budget`: a daily report's month to date and forecast, a "
            "monthly report's month, are compared with it; absent without one, and in a weekly report",
            optional=True,
        ),
        Field(
            "creditBalance",
            "object",
            "the credits left and how fast they are used, when `CREDIT_BALANCE` is set (a daily report)",
            CreditBalance,
            optional=True,
        ),
        Field("daily", items(TREND_DAYS), "net total of each day ending on the report day", DayTotal),
        Field("services.count", whole(0), "services with a cost entry on the report day"),
        Field(
            "services.top",
            items(MAX_TOP_ROWS),
            "the top `TOP_SERVICES` by gross charges (one more instead of `Other (1 service)`)",
            ServiceLine,
        ),
        Field("services.other", or_null("object"), "every other service added up (null when none)", OtherLine),
        Field("movers.increases", items(MAX_MOVERS), "largest increases against the average", Mover),
        Field("movers.decreases", items(MAX_MOVERS), "largest decreases against the average", Mover),
        Field(
            "movers.baseline",
            or_null("object"),
            "what the movers' averages are over (null: the report's average, as in a weekly or monthly report; "
            "a payload without it reads as null)",
            MoverBaseline,
        ),
        Field("anomalies.count", whole(0), "anomalies found"),
        Field("anomalies.baselineDays", whole(0, MAX_WINDOW_DAYS), "days of history behind the baselines"),
        Field("anomalies.services", items(MAX_LISTED), "the largest anomalies", Anomaly),
        Field("newServices.count", whole(0), "new services found"),
        Field("newServices.since", DATE, "the first day of the fetched history"),
        Field("newServices.services", items(MAX_LISTED), "the largest new services", NewService),
        Field(
            "secondary",
            "object",
            "the report day's charges by the report's secondary breakdown (absent when it has none): its lines, "
            "Other and `unattributed` add up to `breakdown.charges`",
            Secondary,
            optional=True,
        ),
        Field("settings", "object", "the thresholds the day was judged with (the email's footer)", Thresholds),
        Field(
            "period",
            "object: kind week or month, start, end (exclusive)",
            "a weekly or monthly report's period, whose last day is `reportDate`; absent: the daily report",
            optional=True,
        ),
        Field(
            "comparisons",
            "object",
            "a weekly or monthly report's comparisons (absent in a daily report)",
            Comparisons,
            optional=True,
        ),
    )

    def __post_init__(self) -> None:
        if isinstance(self.settings, Mapping):  # FetchCosts' summarise still hands over the wire form
            object.__setattr__(self, "settings", Thresholds.from_state(self.settings, "settings"))

    @property
    def total(self) -> Decimal:
        return self.breakdown.total

    @property
    def recurring(self) -> Decimal:
        """The net total without one-off charges: what the day costs going forward."""
        return exact_sum([self.total, -self.one_off])

    @property
    def versus_day_before(self) -> Versus | None:
        """The day against the day before (None without it): recurring when either had one-off charges."""
        if self.day_before is None:
            return None
        if self.one_off == 0 and self.day_before_recurring is None:
            return Versus(self.total, self.day_before, recurring=False)
        before = self.day_before if self.day_before_recurring is None else self.day_before_recurring
        return Versus(self.recurring, before, recurring=True)

    @property
    def versus_average(self) -> Versus | None:
        """The day against the average of the days before (None without them): recurring when the day or
        any of them had one-off charges."""
        if self.average is None:
            return None
        if self.one_off == 0 and self.average.recurring is None:
            return Versus(self.total, self.average.total, recurring=False)
        return Versus(self.recurring, self.average.recurring_total, recurring=True)

    @property
    def over_budget(self) -> bool:
        """The daily budget judges recurring spend: one-off charges are the monthly budget's business."""
        return self.budget is not None and self.recurring > self.budget

    @property
    def alerts(self) -> list[str]:
        """Worst first: what the subject line leads with."""
        over_budget = self.over_budget
        over_monthly = self.monthly_budget is not None and self.month_projection > self.monthly_budget
        found = (self.anomaly_count > 0, over_budget, over_monthly, self.new_service_count > 0)  # ALERTS' order
        return [alert for alert, on in zip(ALERTS, found, strict=True) if on]

    @property
    def month_projection(self) -> Decimal:
        """What the monthly budget is judged by: a monthly report's month; a daily report's month-end forecast,
        or its month to date while there is no forecast (a young account)."""
        if self.period is not None and self.period.kind == "month":
            return self.total
        return self.forecast.total if self.forecast.total is not None else self.month_to_date.total

    @property
    def listed(self) -> Decimal:
        """The services table added up: the top services and Other. It is the day's charges."""
        return exact_sum([line.amount for line in self.top] + ([self.other.amount] if self.other else []))

    @property
    def no_spend(self) -> bool:
        """True when nothing at all was charged or credited (not merely a total that nets to zero)."""
        rows = [line.amount for line in self.top] + ([self.other.amount] if self.other else [])
        return all(v == 0 for v in (*self.breakdown.lines, *rows))

    def check(self, wire_total: Decimal, wire_alerts: tuple[str, ...], path: str = "costs") -> None:
        """Refuse a report whose figures do not add up exactly, or whose derived fields contradict them."""
        if wire_total != self.total:
            raise InvalidReport(
                f"{path}.total: {plain(wire_total)} does not equal charges + credits + refunds + discounts + tax + "
                f"other ({plain(self.total)}); the figures must reconcile exactly, so the report is refused"
            )
        if self.listed != self.breakdown.charges:
            raise InvalidReport(
                f"{path}.services: the services add up to {plain(self.listed)}, not to {path}.breakdown.charges "
                f"({plain(self.breakdown.charges)}); the figures must reconcile exactly, so the report is refused"
            )
        if self.secondary is not None and self.secondary.listed != self.breakdown.charges:
            raise InvalidReport(
                f"{path}.secondary: its lines add up to {plain(self.secondary.listed)}, not to "
                f"{path}.breakdown.charges ({plain(self.breakdown.charges)}); the figures must reconcile exactly, "
                "so the report is refused"
            )
        if self.month_to_date.end != self.report_date:
            raise InvalidReport(
                f"{path}.monthToDate.end: {self.month_to_date.end} is not the report day {self.report_date}"
            )
        self._check_period(path)
        self._check_one_off(path)
        self._check_revised(path)
        if self.monthly_budget is not None and self.period is not None and self.period.kind == "week":
            raise InvalidReport(
                f"{path}.monthlyBudget: a weekly report has no monthly budget (a week is not a month); leave it out"
            )
        if list(wire_alerts) != self.alerts:
            raise InvalidReport(
                f"{path}.alerts: {list(wire_alerts)} is not what the figures say ({self.alerts}); "
                "the subject must agree with the figures, so the report is refused"
            )

    def _check_one_off(self, path: str) -> None:
        listed = exact_sum(charge.amount for charge in self.one_off_charges)
        # Absent (a payload from before the list, or a day without one-off charges): nothing to hold together.
        if self.one_off_charges and len(self.one_off_charges) < MAX_ONE_OFF_CHARGES and listed != self.one_off:
            raise InvalidReport(
                f"{path}.oneOffCharges: they add up to {plain(listed)}, not to {path}.oneOff ({plain(self.one_off)}), "
                f"and fewer than {MAX_ONE_OFF_CHARGES} are listed; the figures must reconcile exactly, so the report "
                "is refused"
            )
        if self.day_before_recurring is not None and self.day_before is None:
            raise InvalidReport(f"{path}.dayBeforeRecurring: there is no day before (dayBefore is null); leave it out")

    @property
    def report_period(self) -> ReportPeriod:
        """The days the report covers: its period, or the report day."""
        return self.period if self.period is not None else ReportPeriod.day(self.report_date)

    def _check_period(self, path: str) -> None:
        trends = [(n, len(line.trend)) for n, line in enumerate(self.top)]
        trends += [(-1, len(self.other.trend))] if self.other is not None else []
        if self.period is None or self.comparisons is None:
            check_trends("day", trends, path)
            return
        if self.period.last_day != self.report_date:
            raise InvalidReport(f"{path}.period: {self.period.key} does not end on the report day {self.report_date}")
        check_period(self.period, self.comparisons, self.total, trends, path)

    def _check_revised(self, path: str) -> None:
        """A revised figure is the day before's: the email's "now" must be the figure the report shows for it."""
        if self.revised is None:
            return
        if self.period is not None or self.revised.day != self.report_date - timedelta(days=1):
            raise InvalidReport(
                f"{path}.revised.day: {self.revised.day} is not the day before the report day {self.report_date} "
                "(only a daily report says a day was revised)"
            )
        if self.revised.now_total != self.day_before:
            raise InvalidReport(
                f"{path}.revised.nowTotal: {plain(self.revised.now_total)} is not {path}.dayBefore "
                f"({show(None if self.day_before is None else plain(self.day_before))}); the figures must agree"
            )

    def to_state(self) -> dict[str, Any]:
        """The Lambda result. Key order is the order the Step Functions console shows."""
        return {
            "reportDate": self.report_date.isoformat(),
            # Only when it is not the default report: the default report's payload is as it always was.
            **({} if self.report == DEFAULT_IDENTITY else {"report": self.report.to_state()}),
            "currency": self.currency,
            "metric": self.metric,
            "total": plain(self.total),
            "estimated": self.estimated,
            "costExplorerRequests": self.requests,
            "alerts": self.alerts,
            "breakdown": self.breakdown.to_state(),
            "oneOff": plain(self.one_off),
            **({"oneOffCharges": [c.to_state() for c in self.one_off_charges]} if self.one_off_charges else {}),
            "dayBefore": optional(self.day_before),
            **({} if self.day_before_recurring is None else {"dayBeforeRecurring": plain(self.day_before_recurring)}),
            **({} if self.revised is None else {"revised": self.revised.to_state()}),
            "average": None if self.average is None else self.average.to_state(),
            "monthToDate": self.month_to_date.to_state(),
            "lastMonthToDate": None if self.last_month_to_date is None else self.last_month_to_date.to_state(),
            "lastMonth": None if self.last_month is None else self.last_month.to_state(),
            "forecast": self.forecast.to_state(),
            "budget": optional(self.budget),
            **({} if self.monthly_budget is None else {"monthlyBudget": plain(self.monthly_budget)}),
            **({} if self.credit_balance is None else {"creditBalance": self.credit_balance.to_state()}),
            "daily": [day.to_state() for day in self.daily],
            **self._groups_state(),
            **({} if self.secondary is None else {"secondary": self.secondary.to_state()}),
            "settings": self.settings.to_state(),
            **self._period_state(),
        }

    def _period_state(self) -> dict[str, Any]:
        """Only in a weekly or monthly report: a daily payload is what it always was."""
        if self.period is None or self.comparisons is None:
            return {}
        return {"period": self.period.to_state(), "comparisons": self.comparisons.to_state()}

    def _groups_state(self) -> dict[str, Any]:
        return {
            "services": {
                "count": self.service_count,
                "top": [line.to_state() for line in self.top],
                "other": None if self.other is None else self.other.to_state(),
            },
            "movers": {
                "increases": [m.to_state() for m in self.increases],
                "decreases": [m.to_state() for m in self.decreases],
                "baseline": None if self.mover_baseline is None else self.mover_baseline.to_state(),
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
        }

    @classmethod
    def from_state(cls, value: Any, path: str = "costs") -> CostReport:
        data = as_object(value, path, "the FetchCosts result")
        alerts = read_choices(data, "alerts", path, ALERTS)
        report = cls(
            **_read_header(data, path),
            **_read_figures(data, path),
            **_read_services(data, path),
            **_read_findings(data, path),
            **_read_report(data, path),
            settings=Thresholds.from_state(require(data, "settings", path), f"{path}.settings"),
            **read_period(data, path),
        )
        report.check(read_amount(data, "total", path), alerts, path)
        return report


def _read_report(data: Mapping[str, Any], path: str) -> dict[str, Any]:
    """The report's identity (the default report's when absent) and its secondary section (if any)."""
    identity = DEFAULT_IDENTITY
    if "report" in data:
        identity = ReportIdentity.from_state(data["report"], f"{path}.report")
    secondary = None
    if "secondary" in data:
        secondary = Secondary.from_state(data["secondary"], f"{path}.secondary")
    return {"report": identity, "secondary": secondary}


def _read_header(data: Mapping[str, Any], path: str) -> dict[str, Any]:
    currency = require(data, "currency", path)
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise InvalidReport(
            f"{path}.currency: {show(currency)} is not an ISO 4217 code (3 uppercase letters, e.g. USD)"
        )
    return {
        "report_date": read_date(data, "reportDate", path),
        "currency": currency,
        "metric": read_choice(require(data, "metric", path), f"{path}.metric", METRICS),
        "estimated": read_bool(data, "estimated", path),
        "requests": read_int(data, "costExplorerRequests", path),
    }


def _read_figures(data: Mapping[str, Any], path: str) -> dict[str, Any]:
    def period(key: str, what: str) -> PeriodTotal | None:
        found = read_optional_object(data, key, path, what)
        return None if found is None else PeriodTotal.from_state(found, f"{path}.{key}")

    average = read_optional_object(data, "average", path, "days and total")
    revised = data.get("revised")  # absent unless the day before was revised
    return {
        "breakdown": Breakdown.from_state(require(data, "breakdown", path), f"{path}.breakdown"),
        "one_off": read_amount(data, "oneOff", path),
        "one_off_charges": read_items(
            data, "oneOffCharges", path, "one-off charges", MAX_ONE_OFF_CHARGES, OneOffCharge.from_state
        )
        if "oneOffCharges" in data
        else (),
        "day_before": read_optional_amount(data, "dayBefore", path),
        "day_before_recurring": read_amount(data, "dayBeforeRecurring", path) if "dayBeforeRecurring" in data else None,
        "revised": None if revised is None else Revised.from_state(revised, f"{path}.revised"),
        "average": None if average is None else Average.from_state(average, f"{path}.average"),
        "month_to_date": PeriodTotal.from_state(
            read_object(data, "monthToDate", path, "the month to date"), f"{path}.monthToDate"
        ),
        "last_month_to_date": period("lastMonthToDate", "the same days of last month"),
        "last_month": period("lastMonth", "last month"),
        "forecast": Forecast.from_state(require(data, "forecast", path), f"{path}.forecast"),
        "budget": read_optional_amount(data, "budget", path),
        "monthly_budget": read_amount(data, "monthlyBudget", path) if "monthlyBudget" in data else None,
        "credit_balance": (
            CreditBalance.from_state(data["creditBalance"], f"{path}.creditBalance")
            if "creditBalance" in data
            else None
        ),
        "daily": read_items(data, "daily", path, "days", TREND_DAYS, DayTotal.from_state),
    }


def _read_services(data: Mapping[str, Any], path: str) -> dict[str, Any]:
    group = f"{path}.services"
    services = read_object(data, "services", path, "count, top, other")
    other = require(services, "other", group)
    return {
        "service_count": read_int(services, "count", group),
        "top": read_items(services, "top", group, "services", MAX_TOP_ROWS, ServiceLine.from_state),
        "other": None if other is None else OtherLine.from_state(other, f"{group}.other"),
    }


def _read_findings(data: Mapping[str, Any], path: str) -> dict[str, Any]:
    movers = read_object(data, "movers", path, "increases and decreases")
    anomalies = read_object(data, "anomalies", path, "count and services")
    new = read_object(data, "newServices", path, "count and services")
    at_movers, at_anomalies, at_new = f"{path}.movers", f"{path}.anomalies", f"{path}.newServices"
    baseline = movers.get("baseline")
    return {
        "increases": read_items(movers, "increases", at_movers, "movers", MAX_MOVERS, Mover.from_state),
        "decreases": read_items(movers, "decreases", at_movers, "movers", MAX_MOVERS, Mover.from_state),
        # Absent in a payload written before it (a redrive across a deploy): the average, as it then was.
        "mover_baseline": None if baseline is None else MoverBaseline.from_state(baseline, f"{at_movers}.baseline"),
        "anomaly_count": read_int(anomalies, "count", at_anomalies),
        "baseline_days": read_int(anomalies, "baselineDays", at_anomalies, 0, MAX_WINDOW_DAYS),
        "anomalies": read_items(anomalies, "services", at_anomalies, "anomalies", MAX_LISTED, Anomaly.from_state),
        "new_service_count": read_int(new, "count", at_new),
        "history_start": read_date(new, "since", at_new),
        "new_services": read_items(new, "services", at_new, "new services", MAX_LISTED, NewService.from_state),
    }
