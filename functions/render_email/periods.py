"""A weekly or monthly report's email: the daily view (render.build_view) with what names or compares the
period replaced. Pure: no environment, clock or AWS.

* subject and header name the period: "Week 47 (16–22 Nov 2026)", "November 2026";
* the headline compares with the previous period ("vs previous week", "vs October"), the average of the
  periods before ("vs 4-week average", "vs 3-month average") and, monthly, the same month last year
  ("vs November 2025"); month to date, the forecast and the daily budget are daily ideas and are left out;
  a monthly report shows its month against the monthly budget (a weekly report has none);
* the chart and each service's trend show the periods; no "yesterday" or "report day" wording (the
  secondary section, if any, is against the previous period too);
* a month Cost Explorer still marks estimated says it is not yet finalised.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from report_contract import Comparisons, CostReport, PeriodTotal
from report_contract.comparisons import trend_periods
from report_contract.limits import AVERAGE_PERIODS, MIN_BASELINE_PERIODS, PERIOD_TRENDS
from report_contract.period import ReportPeriod

from render_email.charts import daily_bars, sparkline
from render_email.headline import MAX_PREHEADER_CHARS, before_credits, fitted_subject, monthly_budget
from render_email.labels import (
    clean_name,
    date_label,
    day_range,
    metric_label,
    month_name,
    number,
    plural,
    shorten,
)
from render_email.money import Money
from render_email.text import text_secondary, text_services
from render_email.view import Alerts, ReportView, SecondaryTable, Stat, Wording

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def period_label(period: ReportPeriod) -> str:
    """ "Week 47 (16–22 Nov 2026)", "Week 53 (28 Dec 2026–3 Jan 2027)", "November 2026"."""
    if period.kind == "month":
        return f"{month_name(period.start)} {period.start.year}"
    start, last = period.start, period.last_day
    week = start.isocalendar()[1]
    if start.year != last.year:
        return f"Week {week} ({start.day} {_MONTHS[start.month - 1]} {start.year}–{day_range(last, last)} {last.year})"
    return f"Week {week} ({day_range(start, last)} {last.year})"


def _short_label(period: ReportPeriod) -> str:
    """ "Week 47", "Nov 2026": the chart's caption."""
    if period.kind == "month":
        return f"{_MONTHS[period.start.month - 1]} {period.start.year}"
    return f"Week {period.start.isocalendar()[1]}"


def previous_label(period: ReportPeriod) -> str:
    """ "previous week", "October"."""
    return "previous week" if period.kind == "week" else month_name(period.previous().start)


def average_label(report: CostReport, period: ReportPeriod) -> str:
    """ "4-week average", "3-month average" (fewer for a young account)."""
    average = report.comparisons.average if report.comparisons else None
    count = average.periods if average is not None else AVERAGE_PERIODS[period.kind]
    return f"{count}-{period.kind} average"


def wording(report: CostReport, period: ReportPeriod) -> Wording:
    kind, label = period.kind, period_label(period)
    compared = previous_label(period)
    estimated = f"AWS has not finalised the costs for this {kind} yet, so these figures may still change."
    if kind == "month":
        estimated = (
            f"Cost Explorer still marks {label} as estimated: AWS finalises a month's bill some days into the "
            "next month, so these figures may still change."
        )
    return Wording(
        title=f"AWS {'weekly' if kind == 'week' else 'monthly'} cost",
        unit=kind,
        change_head=f"vs {compared}",
        change_column=kind.capitalize(),
        change_text=f"{kind} = change against {'the previous week' if kind == 'week' else compared}",
        trend_head=f"last {PERIOD_TRENDS[kind]} {kind}s",
        estimated_title="Estimated." if kind == "week" else "Not yet finalised.",
        estimated_text=estimated,
        first_cost="first cost on" if kind == "week" else "first cost in",
        amount_when=f"in the {kind}" if kind == "week" else f"in {month_name(period.start)}",
    )


def _stat(label: str, money: Money, total: Decimal, base: PeriodTotal | None, note: str) -> Stat | None:
    if base is None:
        return None
    change = money.change(total, base.total)
    parts = (change.percent, f"{note} {money(base.total)}{' (estimated)' if base.estimated else ''}")
    return Stat(f"vs {label}", change.money, "; ".join(p for p in parts if p), change.tone)


def changes(report: CostReport, period: ReportPeriod, money: Money, comparisons: Comparisons) -> tuple[Stat, ...]:
    """Against the previous period, the average of the periods before it, and (monthly) last year."""
    found = [_stat(previous_label(period), money, report.total, comparisons.previous, "was")]
    average = comparisons.average
    if average is not None:
        change = money.change(report.total, average.total)
        note = "; ".join(p for p in (change.percent, f"average {money(average.total)}") if p)
        found.append(Stat(f"vs {average_label(report, period)}", change.money, note, change.tone))
    year = comparisons.last_year
    if year is not None:
        found.append(_stat(f"{month_name(year.start)} {year.start.year}", money, report.total, year, "was"))
    return tuple(stat for stat in found if stat is not None)


def subject(report: CostReport, period: ReportPeriod, money: Money, total: str, *, resent: bool = False) -> str:
    """The worst status first, then the period, its total and the change against the previous period."""
    previous = report.comparisons.previous if report.comparisons else None
    change = ""
    if report.no_spend:
        change = " (no spend)"
    elif previous is not None and previous.total > 0:
        change = f" ({money.change(report.total, previous.total).percent} vs {previous_label(period)})"
    return fitted_subject(report, period_label(period), total, change, resent=resent)


def preheader(report: CostReport, money: Money, stats: tuple[Stat, ...]) -> str:
    """The inbox preview: the first anomaly, the first new service, then the first two comparisons."""
    parts = [f"{clean_name(a.name)} {money(a.amount)}, usually {money(a.baseline)}" for a in report.anomalies[:1]]
    parts += [f"new: {clean_name(n.name)}" for n in report.new_services[:1]]
    parts += [f"{stat.label} {stat.value}" for stat in stats[:2]]
    return shorten(" · ".join(parts), MAX_PREHEADER_CHARS)


def notes(report: CostReport, period: ReportPeriod, money: Money) -> tuple[str, ...]:
    kind, t = period.kind, report.settings
    days = "UTC days, Monday to Sunday (ISO weeks)" if kind == "week" else "calendar months (UTC)"
    found = [
        f"{metric_label(report.metric)} in {report.currency} from AWS Cost Explorer, {days}; the rows are rounded "
        "so that they add up exactly to the totals."
    ]
    if report.breakdown.adjusted:
        found.append(
            "Services are shown gross; credits, refunds, discounts and tax are their own lines, "
            f"and the net total is what the {kind} costs."
        )
    if report.breakdown.other:
        names = ", ".join(clean_name(o.record_type) for o in report.breakdown.other)
        found.append(f"Not classified: {names}. Each is a line of its own under Cost Explorer's name, in the total.")
    since = f"{month_name(report.history_start)} {report.history_start.year}" if kind == "month" else "the week"
    first = date_label(report.history_start) if kind == "week" else since
    found += [
        f"Movers: changes of each service's recurring cost against its {average_label(report, period)} of at "
        f"least {money(t.mover_min_amount)} and {number(t.mover_min_percent)}%.",
        f"Anomaly: more than {number(t.anomaly_threshold)} median absolute deviations above the service's median "
        f"of the {plural(report.baseline_days, kind)} before, and at least {money(t.anomaly_min_amount)} and "
        f"{number(t.anomaly_min_percent)}% above it. New: first cost in this {kind}, none since {first}.",
    ]
    return tuple(found)


def _alerts(alerts: Alerts, report: CostReport, kind: str) -> Alerts:
    note = ""
    if report.baseline_days < MIN_BASELINE_PERIODS:
        note = (
            f"Anomaly checks start once there are {MIN_BASELINE_PERIODS} earlier {kind}s of history; "
            f"this account has {plural(report.baseline_days, kind)}."
        )
    anomalies = alerts.anomalies
    if kind == "month":  # a month's new service has no first day to name
        anomalies = tuple(dataclasses.replace(a, new_since="") for a in anomalies)
    return dataclasses.replace(alerts, anomaly_note=note, anomalies=anomalies)


def _new_first(view: ReportView, period: ReportPeriod) -> Alerts:
    if period.kind == "week":
        return view.alerts
    rows = tuple(dataclasses.replace(n, first=month_name(period.start)) for n in view.alerts.new_services)
    return dataclasses.replace(view.alerts, new_services=rows)


def period_view(view: ReportView, report: CostReport, money: Money) -> ReportView:
    """The daily view of a weekly or monthly report, with its period's words and comparisons."""
    period, comparisons = report.report_period, report.comparisons
    if comparisons is None:
        return view
    words = wording(report, period)
    stats = changes(report, period, money, comparisons)
    trend, first = [point.total for point in comparisons.trend], trend_periods(period)[0]
    return dataclasses.replace(
        view,
        subject=subject(report, period, money, view.total, resent=bool(view.resent)),
        preheader=preheader(report, money, stats),
        date_label=period_label(period),
        changes=stats,
        stats=tuple(
            stat for stat in (monthly_budget(report, money), before_credits(report, money)) if stat is not None
        ),
        one_off_note=view.one_off_note.replace("the days", "the weeks") if period.kind == "week" else "",
        daily_bars=daily_bars(trend),
        daily_caption=f"{words.title[4:].capitalize()}, {_short_label(first)} to {_short_label(period)}",
        daily_spark=sparkline(trend),
        alerts=_alerts(_new_first(view, period), report, period.kind),
        movers_label=average_label(report, period),
        notes=notes(report, period, money),
        text_services=text_services(
            view.services, view.lines_of.label, words.change_column, words.trend_head.capitalize()
        ),
        secondary=_secondary(view.secondary, words),
        wording=words,
    )


def _secondary(section: SecondaryTable | None, words: Wording) -> SecondaryTable | None:
    """The secondary table's text with the period's change column ("Week", "Month")."""
    if section is None:
        return None
    return dataclasses.replace(section, text=text_secondary(section.label, section.rows, words.change_column))
