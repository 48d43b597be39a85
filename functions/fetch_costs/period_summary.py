"""A weekly or monthly report model from its period buckets. Pure: no boto3, no environment, no clock.

The same summary as the daily report's, over periods instead of days:

* the period's total and breakdown, each service's amount: its days (weekly) or Cost Explorer's month
  (monthly) added up exactly; the services table against the previous period, and a trend of the last
  8 weeks or 13 months;
* comparisons: the previous period, the mean of the 4 weeks or 3 months before it, and (monthly) the same
  month last year;
* movers: each service's recurring charges in the period against their mean over those 4 weeks or 3
  months; anomalies: against the median of the earlier periods of the trend (7 weeks, 12 months), only
  when at least MIN_BASELINE_PERIODS of them are known; new services: a first cost within the period in an
  account with cost data before it.

The daily ideas keep their true values but the email leaves them out: month to date (the weekly report's
is the 1st of the Sunday's month to the Sunday; the monthly report's is the month), the month-end forecast
(the monthly report's month has ended, so it is the month's total), `dayBefore`, `average` and `daily`
(null and empty: `comparisons` has them), and no daily budget. A monthly report carries the monthly budget
(its month is compared with it); a weekly report does not (a week is not a month).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from report_contract import (
    Anomaly,
    Comparisons,
    CostReport,
    DayTotal,
    Forecast,
    Mover,
    NewService,
    OtherLine,
    PeriodAverage,
    PeriodTotal,
    ServiceLine,
)
from report_contract.comparisons import last_year
from report_contract.limits import AVERAGE_PERIODS, FLAG_ANOMALY, FLAG_NEW, MAX_LISTED, MIN_BASELINE_PERIODS
from report_contract.model import DEFAULT_IDENTITY, ReportIdentity

from fetch_costs.anomalies import find_anomalies, find_new_services
from fetch_costs.currency import rounds_to_zero
from fetch_costs.forecast import month_end_forecast
from fetch_costs.history import ZERO, Day
from fetch_costs.movers import find_movers
from fetch_costs.periods import Bucket, PeriodHistory
from fetch_costs.settings import ReportSettings
from fetch_costs.summarise import Known, _mean, _sum, breakdown, check_reconciles, first_costs, month_totals, thresholds


@dataclass(frozen=True)
class _Findings:
    increases: tuple[Mover, ...]
    decreases: tuple[Mover, ...]
    anomalies: list[Anomaly]
    baseline_periods: int
    new_services: list[NewService]


def summarise_period(
    history: PeriodHistory, settings: ReportSettings, identity: ReportIdentity = DEFAULT_IDENTITY
) -> CostReport:
    """The report model of a week or a month: every figure the email shows, checked to add up."""
    period, current = history.period, _costs(history.buckets[-1])
    findings = _find_news(history, settings)
    top, other = _services_table(history, findings, settings.top_services)
    to_date, last_to_date, last, forecast = _month_figures(history)
    report = CostReport(
        report_date=period.last_day,
        metric=history.metric,
        currency=history.currency,
        estimated=current.estimated,
        requests=history.requests,
        history_start=history.start,
        breakdown=breakdown(current),
        one_off=current.one_off,
        daily=(),
        day_before=None,
        average=None,
        month_to_date=to_date,
        last_month_to_date=last_to_date,
        last_month=last,
        forecast=forecast,
        budget=None,
        monthly_budget=settings.monthly_budget if period.kind == "month" else None,
        service_count=len(current.charges),
        top=top,
        other=other,
        increases=findings.increases,
        decreases=findings.decreases,
        anomalies=tuple(findings.anomalies[:MAX_LISTED]),
        anomaly_count=len(findings.anomalies),
        baseline_days=findings.baseline_periods,
        new_services=tuple(findings.new_services[:MAX_LISTED]),
        new_service_count=len(findings.new_services),
        settings=thresholds(settings),
        period=period,
        comparisons=comparisons(history),
        report=identity,
    )
    check_reconciles(report)
    return report


def _costs(bucket: Bucket) -> Day:
    if bucket.costs is None:  # periods.py always knows the report's period
        raise ValueError(f"the period {bucket.period.key} has no costs")
    return bucket.costs


def period_total(bucket: Bucket) -> PeriodTotal | None:
    if bucket.costs is None:
        return None
    return PeriodTotal(bucket.first_day, bucket.period.last_day, bucket.costs.total, bucket.costs.estimated)


def _baseline(history: PeriodHistory) -> list[Bucket]:
    """The known periods of the 4 weeks or 3 months before the report's."""
    before = history.buckets[-1 - AVERAGE_PERIODS[history.period.kind] : -1]
    return [b for b in before if b.costs is not None]


def comparisons(history: PeriodHistory) -> Comparisons:
    buckets, baseline = history.buckets, _baseline(history)
    average = None
    if baseline:
        mean = _mean([_costs(b).total for b in baseline])
        average = PeriodAverage(len(baseline), baseline[0].first_day, baseline[-1].period.last_day, mean)
    year_ago = None
    if history.period.kind == "month" and buckets[0].period == last_year(history.period):
        year_ago = period_total(buckets[0])
    return Comparisons(
        previous=period_total(buckets[-2]),
        average=average,
        last_year=year_ago,
        trend=tuple(DayTotal(b.period.start, None if b.costs is None else b.costs.total) for b in buckets),
    )


def _find_news(history: PeriodHistory, settings: ReportSettings) -> _Findings:
    """Movers against the baseline's mean, anomalies against the earlier periods, new services."""
    current, currency = _costs(history.buckets[-1]), history.currency
    names = sorted({name for b in history.buckets if b.costs is not None for name in b.costs.charges})
    recurring = {name: current.recurring_charge(name) for name in names}
    baseline = _baseline(history)
    averages = {
        name: (recurring[name], _mean([_costs(b).recurring_charge(name) for b in baseline]))
        for name in (names if baseline else [])
    }
    increases, decreases = find_movers(averages, settings, currency)
    earlier = [_costs(b) for b in history.buckets[:-1] if b.costs is not None]
    anomalies = []
    if len(earlier) >= MIN_BASELINE_PERIODS:
        anomalies = find_anomalies(
            {name: (recurring[name], [d.recurring_charge(name) for d in earlier]) for name in names}, settings, currency
        )
    amounts = {name: current.charges.get(name, ZERO) for name in names}
    period = history.period
    new_services = find_new_services(_first_costs(history), amounts, period.last_day, history.first_data, period.days)
    return _Findings(increases, decreases, anomalies, len(earlier), new_services)


def _first_costs(history: PeriodHistory) -> dict[str, date]:
    """Each service's first day of at least a cent: by day in a weekly report, by month in a monthly one
    (Cost Explorer's MONTHLY answer has no days: the month's 1st)."""
    if history.period.kind == "week":
        return first_costs(Known(history.daily, history.period.last_day))
    found: dict[str, date] = {}
    for bucket in history.buckets:
        for name, amount in (bucket.costs.charges if bucket.costs is not None else {}).items():
            if name not in found and not rounds_to_zero(amount, history.currency):
                found[name] = bucket.period.start
    return found


def _cost(bucket: Bucket, name: str) -> Decimal:
    return bucket.costs.charges.get(name, ZERO) if bucket.costs is not None else ZERO


def _services_table(
    history: PeriodHistory, findings: _Findings, top_services: int
) -> tuple[tuple[ServiceLine, ...], OtherLine | None]:
    """The period's services, top N by amount, then Other; against the previous period, with the trend."""
    buckets, charges = history.buckets, _costs(history.buckets[-1]).charges
    ranked = sorted(charges, key=lambda name: (-charges[name], name))
    shown, rest = ranked[:top_services], ranked[top_services:]
    if len(rest) == 1:
        shown, rest = ranked, []
    flagged = (
        (FLAG_NEW, {n.name for n in findings.new_services}),
        (FLAG_ANOMALY, {a.name for a in findings.anomalies}),
    )
    previous = buckets[-2]
    top = tuple(
        ServiceLine(
            name,
            charges[name],
            _cost(previous, name),
            tuple(_cost(b, name) for b in buckets),
            tuple(flag for flag, names in flagged if name in names),
        )
        for name in shown
    )
    if not rest:
        return top, None
    everyone = {name for b in buckets if b.costs is not None for name in b.costs.charges}
    aggregated = rest + sorted(everyone - set(charges))
    other = OtherLine(
        len(rest),
        _sum(charges[name] for name in rest),
        _sum(_cost(previous, name) for name in aggregated),
        tuple(_sum(_cost(b, name) for name in aggregated) for b in buckets),
    )
    return top, other


def _month_figures(
    history: PeriodHistory,
) -> tuple[PeriodTotal, PeriodTotal | None, PeriodTotal | None, Forecast]:
    """Month to date, the same days of last month, last month and the forecast: true, but not shown."""
    period, current = history.period, _costs(history.buckets[-1])
    if period.kind == "month":
        to_date = PeriodTotal(history.buckets[-1].first_day, period.last_day, current.total, current.estimated)
        forecast = Forecast(period.last_day, current.total, None, 0, 0)
        return to_date, None, period_total(history.buckets[-2]), forecast
    known = Known(history.daily, period.last_day)
    months = month_totals(known)
    return (
        months.to_date,
        months.last_to_date,
        months.last,
        month_end_forecast(history.daily, period.last_day, months.to_date.total),
    )
