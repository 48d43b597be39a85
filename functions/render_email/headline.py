"""The top of the email: the subject, the inbox preheader, and the headline's figures (the changes against
the day before and the trailing average, month to date, forecast, last month, the budgets, the daily chart)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from report_contract import CostReport, Forecast
from report_contract.limits import AVERAGE_DAYS, FORECAST_BASIS_DAYS, MIN_FORECAST_DAYS

from render_email.labels import (
    ALERT_LABELS,
    WARNING_ALERTS,
    clean_name,
    date_label,
    day_range,
    month_name,
    plural,
    short_date,
    shorten,
)
from render_email.money import Money, round_half_up
from render_email.view import Stat

MAX_SUBJECT_CHARS = 78  # what a phone's inbox shows, about; the worst status comes first anyway
MAX_PREHEADER_CHARS = 140
# The budget figures' labels: the chat messages find the figure an over-budget alert is about by them.
DAILY_BUDGET_LABEL, MONTHLY_BUDGET_LABEL = "Daily budget", "Monthly budget"
RESENT = "Resent"  # the subject's first word for a forced resend (the chat messages' statuses say it too)
REVISED = "Revised"  # the label of the line that says the day before has changed since it was sent


# Two different 7-day figures, each with one label wherever the email names it (docs/report.md, "Two 7-day
# figures"): the average the day is compared with leaves the report day out; the forecast's run rate takes it
# in. The subject's "vs 7-day avg" is the first, shortened to fit MAX_SUBJECT_CHARS.


def average_label(report: CostReport) -> str:
    """ "average of the 7 days before": the mean of the days before the report day (AVERAGE_DAYS; fewer for a
    young account), which the day is compared with."""
    days = report.average.days if report.average else AVERAGE_DAYS
    return f"average of the {plural(days, 'day') if days != 1 else 'day'} before"


def run_rate_label(forecast: Forecast) -> str:
    """ "run rate of the last 7 days": the mean of the days ending on the report day (FORECAST_BASIS_DAYS;
    fewer for a young account), at which the forecast projects the rest of the month."""
    days = forecast.basis_days if forecast.basis_days >= MIN_FORECAST_DAYS else FORECAST_BASIS_DAYS
    return f"run rate of the last {days} days"


def subject(report: CostReport, money: Money, total: str, *, resent: bool = False) -> str:
    """The worst status first, then the day and its total and the change against the average."""
    change = ""
    if report.no_spend:
        change = " (no spend)"
    elif report.average is not None and report.average.total > 0:
        percent = money.change(report.total, report.average.total).percent
        change = f" ({percent} vs {report.average.days}-day avg)"
    return fitted_subject(report, short_date(report.report_date), total, change, resent=resent)


def fitted_subject(report: CostReport, when: str, total: str, change: str, *, resent: bool = False) -> str:
    """The subject of every cadence: "Resent" for a forced resend of a day already sent, then the worst
    status first, then when, which report (a deployment may send several a day), the total and the change.
    What does not fit MAX_SUBJECT_CHARS is dropped in this order: the change, then the other statuses (the
    change back if it then fits), then "Resent"; the worst status is dropped never (it says why to open)."""
    statuses = [ALERT_LABELS[a] for a in report.alerts]
    warn = "⚠ " if any(a in WARNING_ALERTS for a in report.alerts) else ""
    named = "" if report.report.is_default else f", {shorten(clean_name(report.report.name), 30)}"
    core = f"AWS costs {when}{named}: {total}"
    candidates = []
    for again in (f"{RESENT} · ", "") if resent else ("",):
        for kept in (statuses, statuses[:1]):
            prefix = again + (f"{warn}{' · '.join(kept)} · " if kept else "")
            candidates += [prefix + core + change, prefix + core]
    return next((c for c in candidates if len(c) <= MAX_SUBJECT_CHARS), candidates[-1])


def resent_note(first_sent: datetime | None) -> str:
    """ "Resent on request: first sent Sat 21 Nov 2026, 08:00 UTC" for a forced resend, else ""."""
    if first_sent is None:
        return ""
    utc = first_sent.astimezone(UTC)
    return f"Resent on request: first sent {date_label(utc.date())}, {utc:%H:%M} UTC"


def says_estimated(report: CostReport) -> bool:
    """Whether the email says "Estimated": only for a month that has ended and whose bill AWS has not
    finalised yet (a monthly report in the first days of the next month). Cost Explorer marks every day of
    the current month estimated, so a badge on every daily and weekly report would say nothing; a day that
    moves after its report was sent is shown by the next daily report's Revised line (revised_note), and
    last month's figure says "estimated" on its own (stats)."""
    return report.estimated and report.report_period.kind == "month"


def revised_note(report: CostReport, money: Money) -> Stat | None:
    """ "Revised: Mon 30 Nov was $1,204.10 when sent, now $1,262.55 (+$58.45)" when Cost Explorer has changed
    the day before since its report was sent (FetchCosts decides when that is worth saying), else None."""
    revised = report.revised
    if revised is None:
        return None
    change = money.change(revised.now_total, revised.sent_total)
    detail = f"{short_date(revised.day)} was {money(revised.sent_total)} when sent, now {money(revised.now_total)}"
    return Stat(REVISED, f"{detail} ({change.money})")


def preheader(report: CostReport, money: Money, stats: tuple[Stat, ...]) -> str:
    """The inbox preview: the first anomaly, the first new service, then the first two figures."""
    parts = [f"{clean_name(a.name)} {money(a.amount)}, usually {money(a.baseline)}" for a in report.anomalies[:1]]
    parts += [f"new: {clean_name(n.name)}" for n in report.new_services[:1]]
    parts += [f"{stat.label} {stat.value}" for stat in stats[:2]]
    return shorten(" · ".join(parts), MAX_PREHEADER_CHARS)


def changes(report: CostReport, money: Money) -> tuple[Stat, ...]:
    """The day against the day before and against the trailing average."""
    stats = []
    if report.day_before is not None:
        change = money.change(report.total, report.day_before)
        note = "; ".join(p for p in (change.percent, f"was {money(report.day_before)}") if p)
        day_before = report.report_date - timedelta(days=1)
        stats.append(Stat(f"vs {short_date(day_before)}", change.money, note, change.tone))
    if report.average is not None:
        change = money.change(report.total, report.average.total)
        note = "; ".join(p for p in (change.percent, f"average {money(report.average.total)}") if p)
        stats.append(Stat(f"vs {average_label(report)}", change.money, note, change.tone))
    return tuple(stats)


def _month_to_date(report: CostReport, money: Money) -> Stat:
    mtd = report.month_to_date
    note = plural(mtd.days, "day")
    same = report.last_month_to_date
    if same is not None:
        change = money.change(mtd.total, same.total)
        versus = f"{change.percent or change.money} vs {money(same.total)} on {day_range(same.start, same.end)}"
        note = f"{note} · {versus}"
    return Stat("Month to date", money(mtd.total), note, "credit" if money.units(mtd.total) < 0 else "")


def _forecast(forecast: Forecast, money: Money) -> Stat:
    label = f"{month_name(forecast.month_end)} forecast"
    if forecast.total is None:
        have = plural(forecast.basis_days, "day")
        return Stat(label, "Not enough history", f"needs {MIN_FORECAST_DAYS} days of costs; this account has {have}")
    if forecast.remaining_days == 0:
        return Stat(label, money(forecast.total), "the month ends on the report day")
    rate = money(forecast.run_rate) if forecast.run_rate is not None else ""
    remaining = plural(forecast.remaining_days, "more day")
    return Stat(label, money(forecast.total), f"{remaining} at {rate} a day, the {run_rate_label(forecast)}")


def _budget(report: CostReport, money: Money) -> Stat | None:
    if report.budget is None:
        return None
    budget, total = Fraction(report.budget), Fraction(report.total)
    used = f"{round_half_up(total / budget * 100):,}%"
    if total > budget:
        return Stat(DAILY_BUDGET_LABEL, f"{money(total - budget)} over", f"{used} of {money(budget)}", "bad")
    return Stat(DAILY_BUDGET_LABEL, f"{money(budget - total)} left", f"{used} of {money(budget)} used", "good")


def _percent_of(amount: Decimal, budget: Decimal) -> str:
    return f"{round_half_up(Fraction(amount) / Fraction(budget) * 100):,}%"


def monthly_budget(report: CostReport, money: Money) -> Stat | None:
    """A daily report: month to date against the monthly budget, and the month-end forecast (which decides
    "Over monthly budget"). A monthly report: its month against it. None without a monthly budget."""
    budget = report.monthly_budget
    if budget is None:
        return None
    projected = report.month_projection
    over, tone = (projected - budget, "bad") if projected > budget else (budget - projected, "good")
    if report.period is not None:  # a monthly report: the month itself
        month = month_name(report.report_period.start)
        note = f"{month} {money(report.total)} of {money(budget)} budget ({_percent_of(report.total, budget)})"
        return Stat(MONTHLY_BUDGET_LABEL, f"{money(over)} {'over' if tone == 'bad' else 'left'}", note, tone)
    mtd = report.month_to_date.total
    note = f"Month to date {money(mtd)} of {money(budget)} budget ({_percent_of(mtd, budget)})"
    if report.forecast.total is None:
        value = f"{money(over)} {'over' if tone == 'bad' else 'left'}"
        return Stat(MONTHLY_BUDGET_LABEL, value, f"{note}; no forecast yet", tone)
    value = f"{money(over)} {'over' if tone == 'bad' else 'under'} at the forecast"
    return Stat(MONTHLY_BUDGET_LABEL, value, f"{note}; forecast {money(report.forecast.total)}", tone)


def stats(report: CostReport, money: Money) -> tuple[Stat, ...]:
    """Month to date, the forecast, last month, the budgets (the last three when there are any)."""
    found = [_month_to_date(report, money), _forecast(report.forecast, money)]
    last = report.last_month
    if last is not None:
        status = "estimated: the bill is not final yet" if last.estimated else "final"
        found.append(Stat(month_name(last.start), money(last.total), status))
    found += [stat for stat in (_budget(report, money), monthly_budget(report, money)) if stat is not None]
    return tuple(found)


def daily_caption(report: CostReport) -> str:
    if not report.daily:
        return ""
    return f"Daily cost, {short_date(report.daily[0].day)} to {short_date(report.daily[-1].day)}"


def one_off_note(report: CostReport, money: Money) -> str:
    if not money.units(report.one_off):
        return ""
    return (
        f"Includes {money(report.one_off)} of one-off charges (tax, support, refunds, upfront fees), "
        "which the days it is compared with may not have."
    )
