"""A cost history to the report model. Pure: no boto3, no environment, no clock (the report day is given).

Days before the account's first cost data (a young account) are "unknown", not zero: they are left out
of averages, baselines and the forecast basis, and drawn as gaps. Days after it with no data cost 0.

Amounts shown as 0 in the report's currency (currency.rounds_to_zero) are no news: a service's first cost
is its first day with an amount of at least a cent, and movers and anomalies ignore such amounts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext
from typing import Any

from report_contract import (
    Anomaly,
    Average,
    Breakdown,
    CostReport,
    CreditBalance,
    DayTotal,
    Mover,
    MoverBaseline,
    NewService,
    OneOffCharge,
    OtherAdjustment,
    OtherLine,
    PeriodTotal,
    ReportIdentity,
    Secondary,
    ServiceLine,
    Thresholds,
)
from report_contract.limits import (
    AVERAGE_DAYS,
    BASELINE_DAYS,
    FLAG_ANOMALY,
    FLAG_NEW,
    FORECAST_BASIS_DAYS,
    MAX_LISTED,
    MAX_ONE_OFF_CHARGES,
    MAX_OTHER_ADJUSTMENTS,
    MIN_BASELINE_DAYS,
    TREND_DAYS,
)
from report_contract.model import DEFAULT_IDENTITY
from report_contract.wire import EXACT

from fetch_costs.anomalies import find_anomalies, find_new_services
from fetch_costs.currency import rounds_to_zero
from fetch_costs.errors import ReportDayNotInHistory, ReportDoesNotReconcile
from fetch_costs.forecast import month_end_forecast
from fetch_costs.history import CREDITS, DISCOUNTS, REFUNDS, TAX, ZERO, CostHistory, Day
from fetch_costs.monthly_fees import mark_monthly_fees
from fetch_costs.mover_baseline import mover_baseline
from fetch_costs.movers import find_movers
from fetch_costs.query import first_of_previous_month
from fetch_costs.settings import ReportSettings


class Known:
    """The history's days seen from the report day: which are known, and each service's cost on them."""

    def __init__(self, history: CostHistory, report_date: date) -> None:
        today = history.day(report_date)
        if today is None:
            raise ReportDayNotInHistory(f"the history {history.start} to {history.end} does not hold {report_date}")
        self.history = history
        self.report_date = report_date
        self.today: Day = today
        self.first = history.first_data_day
        # Every service of the history, and the TREND_DAYS days ending on the report day, oldest first.
        self.names = sorted({name for d in history.days for name in d.charges})
        self.trend_days = [report_date - timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]

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

    def cost(self, name: str, day: date) -> Decimal:
        """A service's charges on a day of the history (0 when it has none that day)."""
        entry = self.history.day(day)
        return entry.charges.get(name, ZERO) if entry is not None else ZERO


def _sum(values: Iterable[Decimal]) -> Decimal:
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


@dataclass(frozen=True)
class Months:
    """Month to date, the same days of last month, and last month."""

    to_date: PeriodTotal
    last_to_date: PeriodTotal | None
    last: PeriodTotal | None


@dataclass(frozen=True)
class Findings:
    """What the day's news is: movers, anomalies and new services."""

    increases: tuple[Mover, ...]
    decreases: tuple[Mover, ...]
    mover_baseline: MoverBaseline | None
    anomalies: list[Anomaly]
    baseline_days: int
    new_services: list[NewService]


def summarise(
    history: CostHistory,
    report_date: date,
    settings: ReportSettings,
    identity: ReportIdentity = DEFAULT_IDENTITY,
    secondary: Secondary | None = None,
) -> CostReport:
    """The report model of the report day: every figure the email shows, checked to add up. `identity` says
    which report it is (its lines are of its breakdown); `secondary` is its secondary section, if any."""
    history = mark_monthly_fees(history, identity.lines.by)
    known = Known(history, report_date)
    today, day_before = known.today, known.day(report_date - timedelta(days=1))
    months = month_totals(known)
    findings = find_news(known, settings)
    top, other = services_table(known, findings, settings.top_services)
    report = CostReport(
        report_date=report_date,
        metric=history.metric,
        currency=history.currency,
        estimated=today.estimated,
        requests=history.requests,
        history_start=history.start,
        breakdown=breakdown(today),
        **one_off_figures(today),
        daily=daily_totals(known),
        **day_before_figures(day_before),
        average=average(known.back(1, AVERAGE_DAYS)),
        month_to_date=months.to_date,
        last_month_to_date=months.last_to_date,
        last_month=months.last,
        forecast=month_end_forecast(history, report_date, months.to_date.total),
        **budget_figures(known, settings),
        service_count=len(today.charges),
        top=top,
        other=other,
        increases=findings.increases,
        decreases=findings.decreases,
        mover_baseline=findings.mover_baseline,
        anomalies=tuple(findings.anomalies[:MAX_LISTED]),
        anomaly_count=len(findings.anomalies),
        baseline_days=findings.baseline_days,
        new_services=tuple(findings.new_services[:MAX_LISTED]),
        new_service_count=len(findings.new_services),
        settings=thresholds(settings),
        report=identity,
        secondary=secondary,
    )
    check_reconciles(report)
    return report


def daily_totals(known: Known) -> tuple[DayTotal, ...]:
    """The chart's days: each day's net total and its one-off part (None before the first cost data)."""
    days = ((day, known.day(day)) for day in known.trend_days)
    return tuple(DayTotal(day, None) if e is None else DayTotal(day, e.total, e.one_off) for day, e in days)


def average(before: list[Day]) -> Average | None:
    """The mean of the days before, and of their recurring totals when any of them had one-off charges."""
    if not before:
        return None
    recurring = _mean([d.recurring for d in before]) if any(d.one_off != 0 for d in before) else None
    return Average(len(before), _mean([d.total for d in before]), recurring)


def one_off_figures(today: Day) -> dict[str, Any]:
    """The report day's one-off total, and its largest one-off charges by size (MAX_ONE_OFF_CHARGES), then
    by name."""
    parts = today.one_off_parts()
    ranked = sorted(parts, key=lambda name: (-abs(parts[name]), name))[:MAX_ONE_OFF_CHARGES]
    return {"one_off": today.one_off, "one_off_charges": tuple(OneOffCharge(name, parts[name]) for name in ranked)}


def day_before_figures(day_before: Day | None) -> dict[str, Any]:
    """The day before's net total, and its recurring total when it had one-off charges (else None)."""
    if day_before is None:
        return {"day_before": None, "day_before_recurring": None}
    recurring = day_before.recurring if day_before.one_off != 0 else None
    return {"day_before": day_before.total, "day_before_recurring": recurring}


def breakdown(today: Day) -> Breakdown:
    """The report day's gross charges and each kind of adjustment."""
    adjustments = today.adjustments
    return Breakdown(
        today.charges_total,
        adjustments[CREDITS],
        adjustments[REFUNDS],
        adjustments[DISCOUNTS],
        adjustments[TAX],
        other_adjustments(today),
    )


def month_totals(known: Known) -> Months:
    """Month to date, and last month's total and the same days of it (None where not fetched or known)."""
    report_date = known.report_date
    month_start = report_date.replace(day=1)
    to_date = _period(known, month_start, report_date) or PeriodTotal(
        month_start, report_date, ZERO, known.today.estimated
    )
    previous = first_of_previous_month(report_date)
    previous_end = month_start - timedelta(days=1)
    same_days_end = min(previous.replace(day=min(report_date.day, previous_end.day)), previous_end)
    return Months(to_date, _period(known, previous, same_days_end), _period(known, previous, previous_end))


def budget_figures(known: Known, settings: ReportSettings) -> dict[str, Any]:
    """What the day is judged against: the daily and monthly budgets, and the credits left."""
    return {
        "budget": settings.daily_budget,
        "monthly_budget": settings.monthly_budget,
        "credit_balance": credit_balance(known, settings.credit_balance),
    }


def credit_balance(known: Known, balance: Decimal | None) -> CreditBalance | None:
    """The credits left of CREDIT_BALANCE (remaining on the 1st of the report's month) once this month's are
    applied, and the burn: the mean credits used a day over the FORECAST_BASIS_DAYS days ending on the report
    day, the forecast's window (a young account: the days it has). A credit is negative in Cost Explorer;
    used and burn are positive, and a burn below 0 (credits reversed) is 0: nothing is being used up."""
    if balance is None:
        return None
    month = known.between(known.report_date.replace(day=1), known.report_date)
    basis = known.back(0, FORECAST_BASIS_DAYS)
    with localcontext(EXACT):  # a negation rounds to the context's precision: keep it exact
        used = -_sum(d.adjustments[CREDITS] for d in month)
        burn = max(ZERO, -_mean([d.adjustments[CREDITS] for d in basis])) if basis else ZERO
    return CreditBalance(balance, used, burn, len(basis))


def find_news(known: Known, settings: ReportSettings) -> Findings:
    """Movers against the days before or the same weekday (mover_baseline), anomalies against the baseline,
    and new services.

    Movers and anomalies compare recurring charges: a support fee on the 1st is not news every month."""
    currency, names = known.history.currency, known.names
    recurring = {name: known.today.recurring_charge(name) for name in names}
    baseline, compared = mover_baseline(known.day, known.report_date, known.first)
    averages = (
        {name: (recurring[name], _mean([d.recurring_charge(name) for d in compared])) for name in names}
        if compared
        else {}
    )
    increases, decreases = find_movers(averages, settings, currency)
    baseline_days = known.back(1, BASELINE_DAYS)
    anomalies = []
    if len(baseline_days) >= MIN_BASELINE_DAYS:
        anomalies = find_anomalies(
            {name: (recurring[name], [d.recurring_charge(name) for d in baseline_days]) for name in names},
            settings,
            currency,
        )
    amounts = {name: known.today.charges.get(name, ZERO) for name in names}
    new_services = find_new_services(
        first_costs(known), amounts, known.report_date, known.first, settings.new_service_days
    )
    return Findings(increases, decreases, baseline, anomalies, len(baseline_days), new_services)


def first_costs(known: Known) -> dict[str, date]:
    """Each service's first day, up to the report day, with an amount not shown as 0 in the currency."""
    found: dict[str, date] = {}
    for entry in known.history.days:
        if entry.day > known.report_date:
            break
        for name, amount in entry.charges.items():
            if name not in found and not rounds_to_zero(amount, known.history.currency):
                found[name] = entry.day
    return found


def services_table(
    known: Known, findings: Findings, top_services: int
) -> tuple[tuple[ServiceLine, ...], OtherLine | None]:
    """The services with a cost entry on the report day, top N by amount, then Other.

    "Other (1 service)" would hide a name to save no space: a single remaining service is shown instead."""
    charges = known.today.charges
    ranked = sorted(charges, key=lambda name: (-charges[name], name))
    shown, rest = ranked[:top_services], ranked[top_services:]
    if len(rest) == 1:
        shown, rest = ranked, []
    flagged = (
        (FLAG_NEW, {n.name for n in findings.new_services}),
        (FLAG_ANOMALY, {a.name for a in findings.anomalies}),
    )
    day_before = known.report_date - timedelta(days=1)
    top = tuple(
        ServiceLine(
            name,
            charges[name],
            known.cost(name, day_before),
            tuple(known.cost(name, day) for day in known.trend_days),
            tuple(flag for flag, names in flagged if name in names),
        )
        for name in shown
    )
    if not rest:
        return top, None
    # Services with no entry on the report day cost 0 that day; their earlier days belong to Other too, so
    # the day-before amounts and the trends of all rows add up to the day's charges as well.
    aggregated = rest + sorted(set(known.names) - set(charges))
    other = OtherLine(
        len(rest),
        _sum(charges[name] for name in rest),
        _sum(known.cost(name, day_before) for name in aggregated),
        tuple(_sum(known.cost(name, day) for name in aggregated) for day in known.trend_days),
    )
    return top, other


def other_adjustments(day: Day) -> tuple[OtherAdjustment, ...]:
    """The day's unclassified record types, each a line of its own, by name. More than fit the bound (never
    seen: AWS adds a record type rarely) keep the largest by magnitude and add the rest up in a last line."""
    lines = sorted(day.unclassified.items())
    if len(lines) > MAX_OTHER_ADJUSTMENTS:
        by_size = sorted(lines, key=lambda item: (-abs(item[1]), item[0]))
        kept, rest = by_size[: MAX_OTHER_ADJUSTMENTS - 1], by_size[MAX_OTHER_ADJUSTMENTS - 1 :]
        lines = sorted(kept) + [(f"{len(rest)} more record types", _sum(amount for _, amount in rest))]
    return tuple(OtherAdjustment(name, amount) for name, amount in lines)


def thresholds(settings: ReportSettings) -> Thresholds:
    """The thresholds the report was judged with, so the email can state them."""
    return Thresholds(
        top_services=settings.top_services,
        anomaly_threshold=settings.anomaly_threshold,
        anomaly_min_amount=settings.anomaly_min_amount,
        anomaly_min_percent=settings.anomaly_min_percent,
        mover_min_amount=settings.mover_min_amount,
        mover_min_percent=settings.mover_min_percent,
        new_service_days=settings.new_service_days,
    )


def check_reconciles(report: CostReport) -> None:
    """Rows and Other add up to the charges exactly, or ReportDoesNotReconcile."""
    listed = _sum([line.amount for line in report.top] + ([report.other.amount] if report.other else []))
    if listed != report.breakdown.charges:
        raise ReportDoesNotReconcile(f"services add up to {listed}, charges are {report.breakdown.charges}")
    if report.secondary is not None and report.secondary.listed != report.breakdown.charges:
        raise ReportDoesNotReconcile(
            f"the secondary breakdown ({report.secondary.lines.label}) adds up to {report.secondary.listed}, "
            f"charges are {report.breakdown.charges}"
        )
