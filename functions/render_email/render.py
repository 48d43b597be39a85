"""Render the daily cost email. Pure: no environment, clock or AWS.

build_view() turns the report (report_contract.CostReport) into a ReportView, every figure already formatted
for the report's currency (its parts: headline.py, tables.py, text.py, notes.py); both templates read only
that. render_report() renders it. Averages, month totals and forecasts are rounded on their own; the
services table and the lines under it reconcile to the minor unit (tables.py).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, Environment, FileSystemLoader, ModuleLoader, StrictUndefined, select_autoescape
from report_contract import CostReport
from report_contract.spec import ChatChannel

from render_email import headline, links, notes, tables
from render_email.charts import daily_bars, sparkline
from render_email.chat import render_chat
from render_email.labels import clean_name, date_label, line_noun, metric_label, service_label
from render_email.money import Money, format_money
from render_email.periods import period_view
from render_email.text import TEXT_WIDTH, text_movers, text_services
from render_email.view import Lines, ReportView, Row

MAX_HTML_BYTES = 100_000  # Gmail clips a message whose HTML is larger than about 102 KB
MAX_TEXT_BYTES = 60_000  # the text part travels in the same state payload (256 KiB) as the HTML


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str

    def to_state(self) -> dict[str, str]:
        """The Lambda result, read by the SendEmail state."""
        return {"subject": self.subject, "html": self.html, "text": self.text}


def build_view(report: CostReport, first_sent: datetime | None = None) -> ReportView:
    """The email's view; `first_sent` is when the day was first sent, for a forced resend of it."""
    money = Money(report.currency)
    total_units = money.units(report.total)
    total = format_money(total_units, money.currency)
    changes, stats = headline.changes(report, money), headline.stats(report, money)
    services = tables.services_table(report, money)
    lines_of = lines(report)
    increases, decreases = tables.mover_rows(report.increases, money), tables.mover_rows(report.decreases, money)
    label = metric_label(report.metric)
    view = ReportView(
        subject=headline.subject(report, money, total, resent=first_sent is not None),
        preheader=headline.preheader(report, money, changes + stats),
        date_label=date_label(report.report_date),
        total=total,
        total_units=total_units,
        # The metric's own name, never "Net Net unblended cost": the total includes the adjustments the
        # breakdown table lists (credits, discounts, tax), which the word "net" would make a metric's name.
        total_label=f"{label} incl. adjustments" if report.breakdown.adjusted else label,
        currency=report.currency,
        estimated=headline.says_estimated(report),
        no_spend=report.no_spend,
        changes=changes,
        one_off_note=headline.one_off_note(report, money),
        revised=headline.revised_note(report, money),
        stats=stats,
        daily_bars=daily_bars([day.recurring for day in report.daily], [bool(day.one_off) for day in report.daily]),
        daily_caption=headline.daily_caption(report),
        daily_key=headline.daily_key(report),
        daily_spark=sparkline([day.recurring for day in report.daily]),
        alerts=tables.alerts(report, money),
        service_count=report.service_count,
        services=services,
        increases=increases,
        decreases=decreases,
        movers_label=tables.movers_label(report),
        notes=notes.notes(report, money),
        console_url=links.report_url(report),
        requests_note=notes.requests_note(report),
        text_services=text_services(services, lines_of.label),
        text_movers=text_movers(increases, decreases),
        report_id=report.report.id,
        period=report.report_period,
        alert_codes=tuple(report.alerts),
        lines_of=lines_of,
        secondary=tables.secondary_table(report, money),
        resent=headline.resent_note(first_sent),
    )
    return period_view(view, report, money) if report.period is not None else view


def lines(report: CostReport) -> Lines:
    """What the report's lines are; for a report other than the default one, its name and what it covers."""
    identity = report.report
    label = service_label(identity.lines.label)
    noun = line_noun(identity.lines.by)
    if identity.is_default:
        return Lines(label, noun)
    scope = f"{clean_name(identity.scope)}, by {label[:1].lower()}{label[1:]}"
    return Lines(label, noun, service_label(identity.name), scope)


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, TEXT_WIDTH, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
# The templates compiled to Python modules (jinja2's Environment.compile_templates), which scripts/package.py
# writes into the Lambda zip only: loading one is an import of its shipped bytecode, where compiling both
# templates from TEMPLATE_DIR at every cold start took about 60 ms. In the source tree (tests, the demo) this
# folder does not exist and the templates are compiled from TEMPLATE_DIR, by the same jinja2 and options.
PRECOMPILED_DIR = Path(__file__).resolve().parent / "templates_compiled"


def _loader() -> BaseLoader:
    if PRECOMPILED_DIR.is_dir():
        return ModuleLoader(PRECOMPILED_DIR)
    return FileSystemLoader(TEMPLATE_DIR)


TEMPLATES = Environment(
    loader=_loader(),
    autoescape=select_autoescape(
        enabled_extensions=("html", "html.j2"), disabled_extensions=("txt", "txt.j2"), default=True
    ),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
TEMPLATES.filters["wrap"] = _wrap
_HTML = TEMPLATES.get_template("report.html.j2")
_TEXT = TEMPLATES.get_template("report.txt.j2")


def render_report(report: CostReport, first_sent: datetime | None = None) -> RenderedEmail:
    """The day's cost email: subject, HTML part and text part; a forced resend says so, with `first_sent`."""
    return render_email(build_view(report, first_sent))


def render_email(view: ReportView) -> RenderedEmail:
    html = _HTML.render(report=view)
    if len(html.encode()) > MAX_HTML_BYTES:
        # A link on each line costs about 700 bytes (more for long names that escape to several bytes a
        # character): the largest reports the contract allows would pass Gmail's clip with them, so there the
        # lines lose their links and the report keeps its one (the total and the button).
        html = _HTML.render(report=without_line_links(view))
    return RenderedEmail(subject=view.subject, html=html, text=_TEXT.render(report=view))


def _unlinked(rows: tuple[Row, ...]) -> tuple[Row, ...]:
    return tuple(replace(row, url="") for row in rows)


def without_line_links(view: ReportView) -> ReportView:
    secondary = view.secondary and replace(view.secondary, rows=_unlinked(view.secondary.rows))
    return replace(view, services=replace(view.services, rows=_unlinked(view.services.rows)), secondary=secondary)


def render_messages(view: ReportView, channels: tuple[ChatChannel, ...]) -> list[dict[str, Any]]:
    """One chat message per channel, in the report's order (PostToChat posts them one at a time): the
    channel, and the JSON body for its platform. Every report is emailed, so each message says the full
    report is in email."""
    return [
        {"channel": channel.to_state(), "message": render_chat(channel.type, view, emailed=True)}
        for channel in channels
    ]
