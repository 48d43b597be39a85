"""The end of the email: the notes on how the figures were made and judged (the metric, the rounding, the
thresholds FetchCosts used, the forecast's method, the requests). The link to Cost Explorer: links.py."""

from __future__ import annotations

from report_contract import CostReport
from report_contract.limits import AVERAGE_DAYS, MOVER_SAME_WEEKDAY

from render_email.headline import average_label, run_rate_label
from render_email.labels import clean_name, date_label, line_noun, metric_label, number, plural
from render_email.money import Currency, Money, format_money
from render_email.tables import movers_label

REQUEST_PRICE = Currency.of("USD")  # each Cost Explorer request costs $0.01: one cent a request


def requests_note(report: CostReport) -> str:
    cost = format_money(report.requests, REQUEST_PRICE)
    return f"Fetched with {plural(report.requests, 'Cost Explorer request')} ({cost})."


def _adjustment_notes(report: CostReport) -> list[str]:
    notes = []
    if report.breakdown.adjusted:
        lines = line_noun(report.report.lines.by).capitalize()
        notes.append(
            f"{lines}s are shown gross; credits, refunds, discounts and tax are their own lines, "
            "and the net total is what the day costs."
        )
    if report.breakdown.other:
        names = ", ".join(clean_name(o.record_type) for o in report.breakdown.other)
        notes.append(
            f"Not classified: {names}. Cost Explorer returned charges of a type this report does not "
            "know, so each is shown as a line of its own under Cost Explorer's name, and is in the "
            "net total."
        )
    return notes


def _weekly_cycle_note(report: CostReport) -> str:
    """Why the movers are against the same weekday, when they are (fetch_costs/mover_baseline.py)."""
    baseline = report.mover_baseline
    if baseline is None or baseline.kind != MOVER_SAME_WEEKDAY:
        return ""
    return (
        " (the costs follow a weekly cycle: over the fetched history the same weekday predicted each day better "
        f"than the {AVERAGE_DAYS} days before did)"
    )


def _judged_notes(report: CostReport, money: Money) -> list[str]:
    t, noun = report.settings, line_noun(report.report.lines.by)
    return [
        f"Movers: changes against each {noun}'s {movers_label(report)} of at least "
        f"{money(t.mover_min_amount)} and {number(t.mover_min_percent)}%{_weekly_cycle_note(report)}.",
        f"Anomaly: more than {number(t.anomaly_threshold)} median absolute deviations above the {noun}'s median "
        f"of the {plural(report.baseline_days, 'day')} before, and at least {money(t.anomaly_min_amount)} and "
        f"{number(t.anomaly_min_percent)}% above it. New: first cost within {plural(t.new_service_days, 'day')}, "
        f"none since {date_label(report.history_start)}.",
        f"Forecast: month to date plus the remaining days at the {run_rate_label(report.forecast)}, the mean "
        "daily cost of the days ending on the report day, which the "
        f"{average_label(report)} leaves out (one-off charges such as tax, support and refunds left out; never "
        "below the month to date).",
    ]


def notes(report: CostReport, money: Money) -> tuple[str, ...]:
    source = (
        f"{metric_label(report.metric)} in {report.currency} from AWS Cost Explorer, UTC days; the rows are rounded "
        "so that they add up exactly to the totals."
    )
    return (source, *_adjustment_notes(report), *_judged_notes(report, money))
