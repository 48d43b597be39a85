"""A cost history to the report model. Pure: no boto3, no environment, no clock (the report day is given).

Days before the account's first cost data (a young account) are "unknown", not zero: they are left out
of averages, baselines and the forecast basis, and drawn as gaps. Days after it with no data cost 0.

Amounts shown as 0 in the report's currency (currency.rounds_to_zero) are no news: a service's first cost
is its first day with an amount of at least a cent, and movers and anomalies ignore such amounts.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, localcontext

from fetch_costs.anomalies import BASELINE_DAYS, MIN_BASELINE_DAYS, find_anomalies, find_new_services
from fetch_costs.currency import rounds_to_zero
from fetch_costs.forecast import month_end_forecast
from fetch_costs.history import CREDITS, DISCOUNTS, EXACT, REFUNDS, TAX, ZERO, CostHistory, Day
from fetch_costs.movers import find_movers
from fetch_costs.query import first_of_previous_month
from fetch_costs.report import (
    FLAG_ANOMALY,
    FLAG_NEW,
    MAX_LISTED,
    MAX_OTHER_ADJUSTMENTS,
    TREND_DAYS,
    Average,
    Breakdown,
    CostReport,
    DayTotal,
    OtherAdjustment,
    OtherLine,
    PeriodTotal,
    ServiceLine,
    plain,
)
from fetch_costs.settings import ReportSettings

AVERAGE_DAYS = 7


class Known:
    """The history's days seen from the report day: which are known, and each service's cost on them."""

    def __init__(self, history: CostHistory, report_date: date) -> None:
        if history.day(report_date) is None:
            raise ValueError(f"the history {history.start} to {history.end} does not hold {report_date}")
        self.history = history
        self.report_date = report_date
        self.first = history.first_data_day

    def day(self, day: date) -> Day | None:
        """The day if it is known: in the history, on or after the first data day, not after the report."""
        if self.first is None or day < self.first or day > self.report_date:
            return None
        return self.history.day(day)

    def back(self, first_offset: int, days: int) -> list[Day]:
        """Known days from report - first_offset going back `days` days (newest first)."""
        found = []
        for offset in range(first_offset, first_offset + days):
            entry = self.day(self.report_date - timedelta(days=offset))
            if entry is not None:
                found.append(entry)
        return found

    def between(self, start: date, end: date) -> list[Day]:
        """Known days from start to end, both inclusive."""
        return [d for d in self.history.days if start <= d.day <= end and self.day(d.day) is not None]


def _sum(values) -> Decimal:
    with localcontext(EXACT):
        return sum(values, ZERO)


def _mean(values: list[Decimal]) -> Decimal:
    with localcontext(EXACT):
        return _sum(values) / len(values)


def _period(known: Known, start: date, end: date) -> PeriodTotal | None:
    if start < known.history.start:
        return None  # not fetched: older than Cost Explorer keeps
    days = known.between(start, end)
    if not days:
        return None
    # A young account's period starts on its first day with cost data: "2 days", not "20 days".
    return PeriodTotal(days[0].day, end, _sum(d.total for d in days), any(d.estimated for d in days))


def summarise(history: CostHistory, report_date: date, settings: ReportSettings) -> CostReport:
    known = Known(history, report_date)
    today = history.day(report_date)
    assert today is not None  # Known checked it
    day_before = known.day(report_date - timedelta(days=1))

    breakdown = Breakdown(
        today.charges_total,
        today.adjustments[CREDITS],
        today.adjustments[REFUNDS],
        today.adjustments[DISCOUNTS],
        today.adjustments[TAX],
        other_adjustments(today),
    )
    before = known.back(1, AVERAGE_DAYS)
    average = Average(len(before), _mean([d.total for d in before])) if before else None

    month_start = report_date.replace(day=1)
    month_to_date = _period(known, month_start, report_date) or PeriodTotal(
        month_start, report_date, ZERO, today.estimated
    )
    previous = first_of_previous_month(report_date)
    previous_end = month_start - timedelta(days=1)
    same_days_end = min(previous.replace(day=min(report_date.day, previous_end.day)), previous_end)

    # Per service: its cost on each day of the history (0 when it has none that day).
    names = sorted({name for d in history.days for name in d.charges})
    trend_days = [report_date - timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]

    def cost(name: str, day: date) -> Decimal:
        entry = history.day(day)
        return entry.charges.get(name, ZERO) if entry is not None else ZERO

    amounts = {name: today.charges.get(name, ZERO) for name in names}
    present = {name for name in names if name in today.charges}

    # Movers and anomalies compare recurring charges: a support fee on the 1st is not news every month.
    recurring = {name: today.recurring_charge(name) for name in names}
    averages = (
        {name: (recurring[name], _mean([d.recurring_charge(name) for d in before])) for name in names} if before else {}
    )
    increases, decreases = find_movers(averages, settings, history.currency)

    baseline_days = known.back(1, BASELINE_DAYS)
    anomalies = []
    if len(baseline_days) >= MIN_BASELINE_DAYS:
        anomalies = find_anomalies(
            {name: (recurring[name], [d.recurring_charge(name) for d in baseline_days]) for name in names},
            settings,
            history.currency,
        )

    first_costs = {}
    for entry in history.days:
        for name, amount in entry.charges.items():
            if name not in first_costs and entry.day <= report_date and not rounds_to_zero(amount, history.currency):
                first_costs[name] = entry.day
    new_services = find_new_services(first_costs, amounts, report_date, known.first, settings.new_service_days)

    # The services table: the services with a cost entry on the report day, top N by amount, then Other.
    # "Other (1 service)" would hide a name to save no space: a single remaining service is shown instead.
    ranked = sorted(present, key=lambda name: (-amounts[name], name))
    shown, rest = ranked[: settings.top_services], ranked[settings.top_services :]
    if len(rest) == 1:
        shown, rest = ranked, []
    flagged_new = {n.name for n in new_services}
    flagged_anomaly = {a.name for a in anomalies}
    top = tuple(
        ServiceLine(
            name,
            amounts[name],
            cost(name, report_date - timedelta(days=1)),
            tuple(cost(name, day) for day in trend_days),
            tuple(
                flag for flag, flagged in ((FLAG_NEW, flagged_new), (FLAG_ANOMALY, flagged_anomaly)) if name in flagged
            ),
        )
        for name in shown
    )
    other = None
    if rest:
        # Services with no entry on the report day cost 0 that day; their earlier days belong to Other
        # too, so the day-before amounts and the trends of all rows add up to the day's charges as well.
        aggregated = rest + sorted(set(names) - present)
        other = OtherLine(
            len(rest),
            _sum(amounts[name] for name in rest),
            _sum(cost(name, report_date - timedelta(days=1)) for name in aggregated),
            tuple(_sum(cost(name, day) for name in aggregated) for day in trend_days),
        )

    daily = tuple(DayTotal(day, entry.total if (entry := known.day(day)) is not None else None) for day in trend_days)

    report = CostReport(
        report_date=report_date,
        metric=history.metric,
        currency=history.currency,
        estimated=today.estimated,
        requests=history.requests,
        history_start=history.start,
        breakdown=breakdown,
        one_off=today.one_off,
        daily=daily,
        day_before=day_before.total if day_before is not None else None,
        average=average,
        month_to_date=month_to_date,
        last_month_to_date=_period(known, previous, same_days_end),
        last_month=_period(known, previous, previous_end),
        forecast=month_end_forecast(history, report_date, month_to_date.total),
        budget=settings.daily_budget,
        service_count=len(present),
        top=top,
        other=other,
        increases=increases,
        decreases=decreases,
        anomalies=tuple(anomalies[:MAX_LISTED]),
        anomaly_count=len(anomalies),
        baseline_days=len(baseline_days),
        new_services=tuple(new_services[:MAX_LISTED]),
        new_service_count=len(new_services),
        settings=settings_state(settings),
    )
    _check_reconciles(report)
    return report


def other_adjustments(day: Day) -> tuple[OtherAdjustment, ...]:
    """The day's unclassified record types, each a line of its own, by name. More than fit the bound (never
    seen: AWS adds a record type rarely) keep the largest by magnitude and add the rest up in a last line."""
    lines = sorted(day.unclassified.items())
    if len(lines) > MAX_OTHER_ADJUSTMENTS:
        by_size = sorted(lines, key=lambda item: (-abs(item[1]), item[0]))
        kept, rest = by_size[: MAX_OTHER_ADJUSTMENTS - 1], by_size[MAX_OTHER_ADJUSTMENTS - 1 :]
        lines = sorted(kept) + [(f"{len(rest)} more record types", _sum(amount for _, amount in rest))]
    return tuple(OtherAdjustment(name, amount) for name, amount in lines)


def settings_state(settings: ReportSettings) -> dict:
    """The thresholds the report was judged with, so the email can state them."""
    return {
        "topServices": settings.top_services,
        "anomalyThreshold": plain(settings.anomaly_threshold),
        "anomalyMinAmount": plain(settings.anomaly_min_amount),
        "anomalyMinPercent": plain(settings.anomaly_min_percent),
        "moverMinAmount": plain(settings.mover_min_amount),
        "moverMinPercent": plain(settings.mover_min_percent),
        "newServiceDays": settings.new_service_days,
    }


def _check_reconciles(report: CostReport) -> None:
    """Rows and Other add up to the charges exactly; a bug here must never reach an inbox."""
    listed = _sum([line.amount for line in report.top] + ([report.other.amount] if report.other else []))
    if listed != report.breakdown.charges:
        raise AssertionError(f"services add up to {listed}, charges are {report.breakdown.charges}")
