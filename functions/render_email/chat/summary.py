"""What every chat message says, taken from the email's view (render_email.view.ReportView): the same
strings the email shows, so that chat and email never disagree on a figure. Nothing here computes money
from the report; the one sum, the amount of a longer "Other", adds rows the view has already rounded, which
add up to the email's charges to the minor unit (tables.py), so it is what the email's rows add up to.

A Budget says how much of each list a message holds; render_email.chat.fit lowers it until the message fits
its platform.
"""

from __future__ import annotations

from dataclasses import dataclass

from report_contract.limits import (
    ALERT_ANOMALY,
    ALERT_NEW_SERVICE,
    ALERT_OVER_BUDGET,
    ALERT_OVER_MONTHLY_BUDGET,
    ALERTS,
)
from report_contract.period import ReportPeriod

from render_email.chat.limits import LABEL_CHARS, SCOPE_CHARS, TITLE_CHARS
from render_email.headline import DAILY_BUDGET_LABEL, MONTHLY_BUDGET_LABEL, RESENT
from render_email.labels import ALERT_LABELS, WARNING_ALERTS, plural, shorten
from render_email.money import Currency, format_money
from render_email.view import ReportView, Row, Stat

LINK_TEXT = "Open in Cost Explorer"
EMAIL_NOTE = "Full report in email."
# What a flag is about: an alert (report_contract.limits.ALERTS), or one of these.
FLAG_RESENT, FLAG_ESTIMATED, FLAG_NO_SPEND = "resent", "estimated", "noSpend"
FLAG_KINDS = (FLAG_RESENT, *ALERTS, FLAG_ESTIMATED, FLAG_NO_SPEND)  # the order a message lists them in


@dataclass(frozen=True)
class Budget:
    """How many of each list a message shows: the report's lines, the movers, and the anomalies and new
    services (each)."""

    lines: int
    movers: int
    listed: int


@dataclass(frozen=True)
class Figure:
    """A headline figure, as the email shows it: "vs Thu 19 Nov", "+$43.47", "+36%; was $120.48"."""

    label: str
    value: str
    note: str


@dataclass(frozen=True)
class LineItem:
    """One of the report's lines: a service, an account, a tag value; `units` are the email's minor units."""

    label: str
    amount: str
    units: int
    change: str  # against the period before, as the email's table shows it ("▲ 613%"), or "-" for no data
    share: str
    flags: tuple[str, ...]  # "Anomaly", "New"


@dataclass(frozen=True)
class OtherItem:
    """The lines not shown, added up: "Other (30 services)"."""

    label: str
    count: int  # how many lines it adds up
    amount: str
    units: int
    change: str  # the email's, when it is the email's Other row; "" when the message folded more rows in


@dataclass(frozen=True)
class MoverItem:
    direction: str  # "up" or "down"
    arrow: str
    label: str
    amount: str
    average: str
    change: str  # "+$43.88 (+610%)"


@dataclass(frozen=True)
class Flag:
    """Something to look at: `kind` is one of FLAG_KINDS; `label` the line it is about, if any; `more` how many
    more of its kind it stands for ("and 3 more anomalies"), else 0."""

    kind: str
    text: str
    label: str = ""
    more: int = 0


@dataclass(frozen=True)
class Summary:
    report_id: str
    title: str  # the report's name, or for the default report the email's title ("AWS daily cost")
    kind: str  # the email's title, "AWS daily cost", "AWS weekly cost"
    scope: str  # what a named report covers, "" for the default report
    period: ReportPeriod
    date_label: str
    subject: str
    alerts: tuple[str, ...]
    resent: bool
    status: str  # the subject's status words: "Resent · ⚠ Anomaly · New service", or ""
    warning: bool  # an alert the subject marks with ⚠
    total: str
    total_units: int
    currency: str
    total_label: str
    estimated: bool
    changes: tuple[Figure, ...]
    stats: tuple[Figure, ...]
    lines_label: str  # what a line is: "Service", "Account", "Tag value"
    lines_heading: str  # "Top services (vs day before)"
    lines: tuple[LineItem, ...]
    other: OtherItem | None
    movers_heading: str  # "Biggest movers (vs average of the last 4 Mondays)": the email's movers label
    movers: tuple[MoverItem, ...]
    movers_more: int
    flags: tuple[Flag, ...]
    console_url: str
    emailed: bool


def summarise(view: ReportView, *, emailed: bool, budget: Budget) -> Summary:
    lines, other = _lines(view, budget.lines)
    movers = _movers(view)
    return Summary(
        report_id=view.report_id,
        title=shorten(view.lines_of.title or view.wording.title, TITLE_CHARS),
        kind=view.wording.title,
        scope=shorten(view.lines_of.scope, SCOPE_CHARS),
        period=view.period,
        date_label=view.date_label,
        subject=view.subject,
        alerts=view.alert_codes,
        resent=bool(view.resent),
        status=status_text(view.alert_codes, resent=bool(view.resent)),
        warning=any(code in WARNING_ALERTS for code in view.alert_codes),
        total=view.total,
        total_units=view.total_units,
        currency=view.currency,
        total_label=view.total_label,
        estimated=view.estimated,
        changes=tuple(_figure(stat) for stat in view.changes),
        stats=tuple(_figure(stat) for stat in view.stats),
        lines_label=view.lines_of.label,
        lines_heading=f"Top {view.lines_of.noun}s ({view.wording.change_head})",
        lines=lines,
        other=other,
        movers_heading=f"Biggest movers (vs {view.movers_label})",
        movers=movers[: budget.movers],
        movers_more=max(0, len(movers) - budget.movers),
        flags=_flags(view, budget.listed),
        console_url=view.console_url,
        emailed=emailed,
    )


def status_text(alerts: tuple[str, ...], *, resent: bool) -> str:
    """The statuses the subject leads with, all of them ("Resent · ⚠ Anomaly · Over budget"), or ""."""
    labels = [ALERT_LABELS[code] for code in alerts]
    warn = "⚠ " if any(code in WARNING_ALERTS for code in alerts) else ""
    parts = ([RESENT] if resent else []) + ([warn + " · ".join(labels)] if labels else [])
    return " · ".join(parts)


def _figure(stat: Stat) -> Figure:
    return Figure(stat.label, stat.value, stat.note)


def _line(row: Row) -> LineItem:
    change = row.change.short if row.change else "-"  # as the email's text table writes it (text._day)
    return LineItem(shorten(row.label, LABEL_CHARS), row.amount, row.units, change, row.share, row.flags)


def _lines(view: ReportView, keep: int) -> tuple[tuple[LineItem, ...], OtherItem | None]:
    """The first `keep` lines, then Other: the rest, the email's Other with them. A single line left over is
    shown rather than "Other (1 service)", as the email does."""
    if view.no_spend:
        return (), None
    named = [row for row in view.rows if not row.is_other]
    others = [row for row in view.rows if row.is_other]
    if len(named) - keep == 1 and not others:
        keep = len(named)
    items = tuple(_line(row) for row in named[:keep])
    cut = named[keep:] + others
    if len(cut) <= 1 and not named[keep:]:  # nothing folded in: the email's own Other, if any
        return items, (_other_row(cut[0]) if cut else None)
    count, units = sum(row.count for row in cut), sum(row.units for row in cut)
    label = f"Other ({plural(count, view.lines_of.noun)})"
    return items, OtherItem(label, count, format_money(units, Currency.of(view.currency)), units, "")


def _other_row(row: Row) -> OtherItem:
    """The email's own Other row, as it is."""
    return OtherItem(row.label, row.count, row.amount, row.units, row.change.short if row.change else "-")


def _movers(view: ReportView) -> tuple[MoverItem, ...]:
    rows = [("up", row) for row in view.increases] + [("down", row) for row in view.decreases]
    return tuple(
        MoverItem(way, r.change.arrow, shorten(r.label, LABEL_CHARS), r.amount, r.average, r.change.long)
        for way, r in rows
    )


def _flags(view: ReportView, listed: int) -> tuple[Flag, ...]:
    """Resent, over budget, the anomalies and new services (the first `listed` of each, then how many more),
    estimated figures, no spend: in that order, each as the email words it."""
    found = [Flag(FLAG_RESENT, view.resent)] if view.resent else []
    found += _budget_flags(view)
    found += _anomaly_flags(view, listed)
    found += _new_flags(view, listed)
    if view.estimated:
        found.append(Flag(FLAG_ESTIMATED, f"{view.wording.estimated_title} {view.wording.estimated_sentence}"))
    if view.no_spend:
        found.append(Flag(FLAG_NO_SPEND, f"No AWS spend was recorded for {view.date_label}."))
    return tuple(found)


def _budget_flags(view: ReportView) -> list[Flag]:
    found = []
    for code, label in ((ALERT_OVER_BUDGET, DAILY_BUDGET_LABEL), (ALERT_OVER_MONTHLY_BUDGET, MONTHLY_BUDGET_LABEL)):
        stat = next((s for s in view.stats if s.label == label), None)
        if code in view.alert_codes and stat is not None:
            found.append(Flag(code, f"{ALERT_LABELS[code]}: {stat.value} ({stat.note})"))
    return found


def _anomaly_flags(view: ReportView, listed: int) -> list[Flag]:
    kind = ALERT_ANOMALY
    found = [
        Flag(kind, f"Anomaly: {shorten(a.label, LABEL_CHARS)} {a.detail}", shorten(a.label, LABEL_CHARS))
        for a in view.anomalies[:listed]
    ]
    more = max(0, len(view.anomalies) - listed) + view.anomalies_more
    if more:
        found.append(Flag(kind, f"and {more:,} more anomal{'y' if more == 1 else 'ies'}", more=more))
    return found


def _new_flags(view: ReportView, listed: int) -> list[Flag]:
    kind, noun, words = ALERT_NEW_SERVICE, view.lines_of.noun, view.wording
    found = []
    for n in view.new_services[:listed]:
        label = shorten(n.label, LABEL_CHARS)
        text = f"New {noun}: {label}, {words.first_cost} {n.first}; {n.amount} {words.amount_when}"
        found.append(Flag(kind, text, label))
    more = max(0, len(view.new_services) - listed) + view.new_more
    if more:
        found.append(Flag(kind, f"and {more:,} more new {noun}{'' if more == 1 else 's'}", more=more))
    return found
