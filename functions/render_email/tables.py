"""The email's lists: the services table with the lines under it, the movers, the anomalies and new services.

What reconciles: the services rows (top services and Other) add up to the displayed charges, and the
charges and adjustment lines add up to the displayed total, to the last minor unit (largest-remainder
rounding of exact values, money.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from report_contract import CostReport, Mover
from report_contract.limits import FLAG_ANOMALY, MIN_BASELINE_DAYS, MOVER_SAME_WEEKDAY

from render_email.charts import sparkline, trend_bars
from render_email.headline import average_label
from render_email.labels import FLAG_LABELS, line_noun, plural, service_label, short_date, weekday_name
from render_email.links import line_url
from render_email.money import Money, format_money, format_share, largest_remainder
from render_email.text import text_secondary
from render_email.view import Alerts, AnomalyRow, Line, MoverRow, NewRow, Row, SecondaryTable, ServicesTable

# The secondary table's row for charges its query did not attribute (report_contract.Secondary.unattributed).
UNATTRIBUTED = "Unattributed (Cost Explorer's answers differ)"
_KINDS = ("Charges", "Credits", "Refunds", "Discounts", "Tax")  # the Breakdown lines, in its order


@dataclass(frozen=True)
class _Item:
    """A services row before rounding: a top service or Other."""

    label: str
    amount: Decimal
    day_before: Decimal
    trend: tuple[Decimal, ...]
    flags: tuple[str, ...] = ()
    is_other: bool = False
    count: int = 1
    url: str = ""


def _lines(report: CostReport, money: Money) -> tuple[Line, ...]:
    """Charges and each adjustment that is not 0 (an unclassified record type always), then the net total."""
    b = report.breakdown
    labels = [*_KINDS, *(service_label(o.record_type) for o in b.other)]
    total_units = money.units(report.total)
    total = format_money(total_units, money.currency)
    if not b.adjusted:
        return (Line("Total", total_units, total, is_total=True),)
    units = money.parts(b.lines, total_units)
    shown = [
        Line("Charges (gross)" if i == 0 else label, u, format_money(u, money.currency))
        for i, (label, value, u) in enumerate(zip(labels, b.lines, units, strict=True))
        if i == 0 or i >= len(_KINDS) or value != 0
    ]
    return (*shown, Line("Net total", total_units, total, is_total=True))


def _items(report: CostReport) -> list[_Item]:
    lines = report.report.lines
    items = [
        _Item(service_label(s.name), s.amount, s.day_before, s.trend, s.flags, url=line_url(report, lines, s.name))
        for s in report.top
    ]
    if report.other is not None:
        o = report.other
        noun = line_noun(report.report.lines.by)
        label = f"Other ({plural(o.count, noun)})"
        items.append(_Item(label, o.amount, o.day_before, o.trend, is_other=True, count=o.count))
    return items


def _row(item: _Item, units: int, share: str, money: Money) -> Row:
    change = money.change(item.amount, item.day_before) if (item.amount != 0 or item.day_before != 0) else None
    return Row(
        item.label,
        units,
        format_money(units, money.currency),
        share,
        change,
        trend_bars(item.trend, FLAG_ANOMALY in item.flags),
        sparkline(item.trend),
        tuple(FLAG_LABELS[f] for f in item.flags),
        item.is_other,
        item.count,
        item.url,
    )


def services_table(report: CostReport, money: Money) -> ServicesTable:
    lines = _lines(report, money)
    charges_units = lines[0].units if report.breakdown.adjusted else lines[-1].units
    items = _items(report)
    row_units = money.parts([i.amount for i in items], charges_units) if items else []
    charges = Fraction(report.breakdown.charges)
    has_shares = charges > 0 and bool(items)
    shares = largest_remainder([Fraction(i.amount) / charges * 1000 for i in items], 1000) if has_shares else []
    rows = tuple(
        _row(item, units, format_share(shares[n]) if has_shares else "", money)
        for n, (item, units) in enumerate(zip(items, row_units, strict=True))
    )
    return ServicesTable(rows, lines, has_shares)


def secondary_table(report: CostReport, money: Money) -> SecondaryTable | None:
    """The secondary breakdown's rows, rounded to add up to the displayed charges like the main table's."""
    section = report.secondary
    if section is None:
        return None
    items = [
        _Item(
            service_label(line.name), line.amount, line.day_before, (), url=line_url(report, section.lines, line.name)
        )
        for line in section.top
    ]
    if section.other is not None:
        o = section.other
        label = f"Other ({plural(o.count, line_noun(section.lines.by))})"
        items.append(_Item(label, o.amount, o.day_before, (), is_other=True, count=o.count))
    charges_units = money.parts(report.breakdown.lines, money.units(report.total))[0]
    if section.unattributed != 0:  # Cost Explorer's two answers disagree: shown, never dropped
        items.append(_Item(UNATTRIBUTED, section.unattributed, Decimal(0), (), is_other=True, count=0))
    units = money.parts([i.amount for i in items], charges_units) if items else []
    rows = tuple(
        _row(item, u, "", money) if item.label != UNATTRIBUTED else replace(_row(item, u, "", money), change=None)
        for item, u in zip(items, units, strict=True)
        if item.label != UNATTRIBUTED or u != 0  # a difference that rounds to nothing takes no row
    )
    label = service_label(section.lines.label)
    return SecondaryTable(f"By {label[:1].lower()}{label[1:]}", label, rows, text_secondary(label, rows))


def movers_label(report: CostReport) -> str:
    """What a daily report's movers are against (report_contract.MoverBaseline): "average of the last 4
    Mondays" when the history follows a weekly cycle, else the headline's "average of the 7 days before"."""
    baseline = report.mover_baseline
    if baseline is not None and baseline.kind == MOVER_SAME_WEEKDAY:
        return f"average of the last {baseline.days} {weekday_name(report.report_date)}s"
    return average_label(report)


def mover_rows(movers: tuple[Mover, ...], money: Money) -> tuple[MoverRow, ...]:
    return tuple(
        MoverRow(service_label(m.name), money(m.amount), money(m.average), money.change(m.amount, m.average))
        for m in movers
    )


def alerts(report: CostReport, money: Money) -> Alerts:
    """Anomalies, then new services; a new service that is also an anomaly is listed once, as the anomaly."""
    new_since = {n.name: short_date(n.first_day) for n in report.new_services}
    anomalies = tuple(
        AnomalyRow(
            service_label(a.name),
            money(a.amount),
            money(a.baseline),
            money.change(a.amount, a.baseline),
            new_since.get(a.name, ""),
        )
        for a in report.anomalies
    )
    listed = {a.name for a in report.anomalies}
    new_services = tuple(
        NewRow(service_label(n.name), short_date(n.first_day), money(n.amount))
        for n in report.new_services
        if n.name not in listed
    )
    note = ""
    if report.baseline_days < MIN_BASELINE_DAYS:
        note = (
            f"Anomaly checks start once there are {MIN_BASELINE_DAYS} days of history before the report day; "
            f"this account has {plural(report.baseline_days, 'day')}."
        )
    return Alerts(
        anomalies,
        max(0, report.anomaly_count - len(anomalies)),
        note,
        new_services,
        max(0, report.new_service_count - len(report.new_services)),
    )
