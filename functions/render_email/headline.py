"""The top of the email: the subject, the inbox preheader, and the headline's figures (the changes against
the day before and the trailing average, month to date, forecast, last month, the budgets, the daily chart)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from report_contract import CostReport, Forecast
from report_contract.cost_report import Versus
from report_contract.limits import AVERAGE_DAYS, FORECAST_BASIS_DAYS, MIN_FORECAST_DAYS
from report_contract.wire import exact_sum

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
from render_email.money import Money, format_money, round_half_up
from render_email.view import Stat

MAX_SUBJECT_CHARS = 78  # what a phone's inbox shows, about; the worst status comes first anyway
MAX_PREHEADER_CHARS = 140
# The budget figures' labels: the chat messages find the figure an over-budget alert is about by them.
DAILY_BUDGET_LABEL, MONTHLY_BUDGET_LABEL = "Daily budget", "Monthly budget"
BEFORE_CREDITS_LABEL, CREDITS_LEFT_LABEL = "Before credits", "Credits left"
RESENT = "Resent"  # the subject's first word for a forced resend (the chat messages' statuses say it too)
# The one word that says a comparison left one-off charges out (CostReport.versus_day_before, versus_average):
# "recurring: $163.77 vs $114.03" in a stat's note.
RECURRING = "recurring"
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
    """The worst status first, then the day and its total and the change against the average (recurring
    against recurring when one-off charges are about: CostReport.versus_average)."""
    change = ""
    if report.no_spend:
        change = " (no spend)"
    elif (versus := report.versus_average) is not None and versus.other > 0 and report.average is not None:
        # Recurring against recurring on a day with one-off charges, unmarked: a word more would cost the
        # percentage its place in MAX_SUBJECT_CHARS, and the headline says "recurring" beside the same figure.
        percent = money.change(versus.amount, versus.other).percent
        change = f" ({percent} vs {report.average.days}-day avg)"
    return fitted_subject(report, short_date(report.report_date), total, change, resent=resent)


def fitted_subject(report: CostReport, when: str, total: str, change: str, *, resent: bool = False) -> str:
    """The subject of every cadence: "Resent" for a forced resend of a day already sent, then the worst
    status first, then when, which report (a deployment may send several a day), the total and the change.
    What does not fit MAX_SUBJECT_CHARS is dropped in this order: the other statuses, then "Resent", then the
    change (and once the change is gone, "Resent" and the other statuses come back while they fit). The worst
    status (why to open) and the total (what it cost) are never dropped; the change goes last of the rest
    because without it the total alone says nothing of the day."""
    statuses = [ALERT_LABELS[a] for a in report.alerts]
    warn = "⚠ " if any(a in WARNING_ALERTS for a in report.alerts) else ""
    named = "" if report.report.is_default else f", {shorten(clean_name(report.report.name), 30)}"
    core = f"AWS costs {when}{named}: {total}"

    def prefix(again: str, kept: list[str]) -> str:
        return again + (f"{warn}{' · '.join(kept)} · " if kept else "")

    again = f"{RESENT} · " if resent else ""
    candidates = [
        prefix(again, statuses) + core + change,
        prefix(again, statuses[:1]) + core + change,
        prefix("", statuses[:1]) + core + change,
        prefix(again, statuses) + core,
        prefix(again, statuses[:1]) + core,
        prefix("", statuses[:1]) + core,
    ]
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


def _change(versus: Versus, label: str, was: str, money: Money) -> Stat:
    """One comparison: the change, then what it was against ("was $122.92"), or, when one-off charges were
    left out, both recurring figures ("recurring: $163.77 vs $122.92")."""
    change = money.change(versus.amount, versus.other)
    basis = f"{RECURRING}: {money(versus.amount)} vs {money(versus.other)}" if versus.recurring else was
    note = "; ".join(p for p in (change.percent, basis) if p)
    return Stat(label, change.money, note, change.tone)


def changes(report: CostReport, money: Money) -> tuple[Stat, ...]:
    """The day against the day before and against the trailing average: recurring spend against recurring
    spend when either side had one-off charges (CostReport.versus_day_before, versus_average)."""
    stats = []
    if (versus := report.versus_day_before) is not None:
        day_before = report.report_date - timedelta(days=1)
        stats.append(_change(versus, f"vs {short_date(day_before)}", f"was {money(versus.other)}", money))
    if (versus := report.versus_average) is not None:
        stats.append(_change(versus, f"vs {average_label(report)}", f"average {money(versus.other)}", money))
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
    """The daily budget against recurring spend (CostReport.over_budget): one-off charges are the monthly
    budget's business, and the note says when some were left out."""
    if report.budget is None:
        return None
    budget, spent = Fraction(report.budget), Fraction(report.recurring)
    used = f"{round_half_up(spent / budget * 100):,}%"
    left_out = f"; one-off {money(report.one_off)} left out" if money.units(report.one_off) else ""
    if report.over_budget:
        return Stat(DAILY_BUDGET_LABEL, f"{money(spent - budget)} over", f"{used} of {money(budget)}{left_out}", "bad")
    return Stat(
        DAILY_BUDGET_LABEL, f"{money(budget - spent)} left", f"{used} of {money(budget)} used{left_out}", "good"
    )


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


def before_credits(report: CostReport, money: Money) -> Stat | None:
    """With credits: the total before them, beside the credits and the net total, so an organisation whose
    credits pay for everything (net $0.00) sees what it uses. The figures are the services table's, rounded
    the same way (largest remainder over the breakdown's lines), so before credits + credits = net, to the
    minor unit."""
    if report.breakdown.credits >= 0:
        return None
    total = money.units(report.total)
    credits = money.parts(report.breakdown.lines, total)[1]  # the lines' order: charges, credits, ...
    net, used = format_money(total, money.currency), format_money(credits, money.currency)
    return Stat(BEFORE_CREDITS_LABEL, format_money(total - credits, money.currency), f"credits {used}, net {net}")


def credits_left(report: CostReport, money: Money) -> Stat | None:
    """With CREDIT_BALANCE: how many days the credits left last at the burn of the last 7 days."""
    credit = report.credit_balance
    if credit is None:
        return None
    start = f"{money(credit.balance)} on the 1st, {money(credit.used)} used since"
    days = credit.days_left
    if days == 0:
        return Stat(CREDITS_LEFT_LABEL, "Used up", start, "bad")
    if days is None:
        return Stat(CREDITS_LEFT_LABEL, "None used lately", f"{start}; none in the last {credit.basis_days} days")
    burn = f"{money(credit.burn)} a day, the mean of the last {plural(credit.basis_days, 'day')}"
    return Stat(CREDITS_LEFT_LABEL, f"About {plural(days, 'day')}", f"{money(credit.remaining)} left at {burn}")


def stats(report: CostReport, money: Money) -> tuple[Stat, ...]:
    """Month to date, the forecast, last month, the budgets, the credits (the last ones when there are any)."""
    found = [_month_to_date(report, money), _forecast(report.forecast, money)]
    last = report.last_month
    if last is not None:
        status = "estimated: the bill is not final yet" if last.estimated else "final"
        found.append(Stat(month_name(last.start), money(last.total), status))
    optional = (_budget, monthly_budget, before_credits, credits_left)
    found += [stat for stat in (figure(report, money) for figure in optional) if stat is not None]
    return tuple(found)


def daily_caption(report: CostReport) -> str:
    if not report.daily:
        return ""
    span = f"{short_date(report.daily[0].day)} to {short_date(report.daily[-1].day)}"
    if not any(day.one_off for day in report.daily):
        return f"Daily cost, {span}"
    # The chart leaves one-off charges out (charts.daily_bars): say so; the HTML's key says which bars had them.
    return f"Daily cost without one-off charges, {span}"


def daily_key(report: CostReport) -> str:
    """The HTML chart's key to its amber bars (charts.BAR_ONE_OFF), when a day before the report day has one."""
    return "Amber: a day that had one-off charges." if any(day.one_off for day in report.daily[:-1]) else ""


def one_off_note(report: CostReport, money: Money) -> str:
    """The report day's one-off charges on a line of their own, the largest named: "One-off charges $123.44:
    AWS Support (Business) $100.00, Tax $23.44. The changes and the daily budget leave them out." A weekly or
    monthly report compares totals with them in, and says so."""
    if not money.units(report.one_off):
        return ""
    if report.period is not None:
        return (
            f"Includes {money(report.one_off)} of one-off charges (tax, support, refunds, upfront fees), "
            "which the days it is compared with may not have."
        )
    # Past MAX_ONE_OFF_CHARGES the rest is added up; the parts are rounded to add up to the total shown.
    rest = exact_sum([report.one_off, *(-c.amount for c in report.one_off_charges)])
    parts = [(clean_name(c.name), c.amount) for c in report.one_off_charges]
    parts += [("other", rest)] if parts and rest != 0 else []
    units = money.parts([amount for _, amount in parts], money.units(report.one_off)) if parts else []
    named = [f"{name} {format_money(n, money.currency)}" for (name, _), n in zip(parts, units, strict=True) if n]
    line = f"One-off charges {money(report.one_off)}" + (f": {', '.join(named)}." if named else ".")
    compared = report.day_before is not None or report.average is not None
    left_out = [what for what, on in (("changes", compared), ("daily budget", report.budget is not None)) if on]
    if not left_out:
        return line
    return f"{line} The {' and the '.join(left_out)} {'leave' if compared else 'leaves'} them out."
