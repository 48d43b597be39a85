"""Render the daily cost email: pure (no environment, clock or AWS), settings passed in.

build_view() turns DailyCosts into a ReportView, the one object both templates read;
render_report() renders it. New sections (trends, forecast, movers) grow as new fields of
ReportView and new blocks of the templates, each rendered only when its data is present.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from render_email.money import Currency, exact_minor_units, format_money, format_share, largest_remainder, round_half_up
from render_email.request import METRICS, DailyCosts, ServiceCost

MAX_HTML_BYTES = 100_000  # Gmail clips a message whose HTML is larger than about 102 KB.
HTML_NAME_CHARS = 100  # A service name longer than this is cut short in the HTML table...
TEXT_NAME_WIDTH = 44  # ...and in the text table (in terminal columns).
TOP_SERVICES_MIN, TOP_SERVICES_MAX, TOP_SERVICES_DEFAULT = 1, 50, 10

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CONSOLE = "https://us-east-1.console.aws.amazon.com/costmanagement/home#/cost-explorer"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class RenderSettings:
    """How the email is rendered. top_services: rows before "Other" (TOP_SERVICES)."""

    top_services: int = TOP_SERVICES_DEFAULT

    def __post_init__(self) -> None:
        if isinstance(self.top_services, bool) or not isinstance(self.top_services, int):
            raise ValueError(f"top_services must be an int, got {self.top_services!r}")
        if not TOP_SERVICES_MIN <= self.top_services <= TOP_SERVICES_MAX:
            raise ValueError(
                f"top_services must be from {TOP_SERVICES_MIN} to {TOP_SERVICES_MAX}, got {self.top_services}"
            )


@dataclass(frozen=True)
class Row:
    """One displayed line of the services table (or its total)."""

    label: str
    units: int  # the displayed amount, in minor units
    amount: str  # the displayed amount, formatted
    share: str  # share of the total, formatted; "" when a share means nothing (total <= 0)
    is_other: bool = False

    @property
    def negative(self) -> bool:
        return self.units < 0


@dataclass(frozen=True)
class ServicesTable:
    rows: tuple[Row, ...]  # top services, then "Other (k services)" when k > 1
    total: Row
    service_count: int


@dataclass(frozen=True)
class ReportView:
    """Everything the templates show, already formatted."""

    subject: str
    preheader: str
    report_date: date
    date_label: str  # "Fri 20 Nov 2026"
    total: str  # "$1,234.57"
    total_units: int
    currency: str
    metric_label: str  # "Unblended cost"
    estimated: bool
    no_spend: bool
    services: ServicesTable | None  # None on a day with no spend
    console_url: str


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str

    def to_state(self) -> dict[str, str]:
        """The Lambda result, read by the SendEmail state."""
        return {"subject": self.subject, "html": self.html, "text": self.text}


def date_label(day: date) -> str:
    """"Fri 20 Nov 2026", the same in every locale."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def console_url(day: date, metric: str) -> str:
    """Cost Explorer in the AWS console for one day, daily granularity, grouped by service."""
    params = {
        "chartStyle": "STACK",
        "costAggregate": METRICS[metric][1],
        "endDate": day.isoformat(),  # the console's end date is inclusive
        "excludeForecasting": "false",
        "filter": "[]",
        "futureRelativeRange": "CUSTOM",
        "granularity": "Daily",
        "groupBy": '["Service"]',
        "historicalRelativeRange": "CUSTOM",
        "isDefault": "false",
        "showOnlyUncategorized": "false",
        "showOnlyUntagged": "false",
        "startDate": day.isoformat(),
        "usageAggregate": "undefined",
        "useNormalizedUnits": "false",
    }
    return f"{_CONSOLE}?{urlencode(params, quote_via=quote)}"


def clean_name(name: str) -> str:
    """A service name fit for one table cell: no control characters, single spaces."""
    printable = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in name)
    return _SPACES.sub(" ", printable).strip() or "(no service name)"


def shorten(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


def display_width(text: str) -> int:
    """Terminal columns: wide East Asian characters take two, combining marks none."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text
    )


def fit_width(text: str, width: int) -> str:
    """Cut text to at most `width` terminal columns, marking the cut with "…"."""
    if display_width(text) <= width:
        return text
    kept, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        kept.append(ch)
        used += w
    return "".join(kept).rstrip() + "…"


def pad_right(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def pad_left(text: str, width: int) -> str:
    return " " * max(0, width - display_width(text)) + text


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def build_services_table(costs: DailyCosts, currency: Currency, top: int) -> ServicesTable:
    """Top services by amount, then Other; displayed amounts and shares reconcile exactly."""
    ranked = sorted(costs.services, key=lambda s: s.amount, reverse=True)  # stable: ties keep input order
    # "Other (1 service)" would hide a name to save no space: show that one service instead.
    shown = ranked if len(ranked) <= top + 1 else ranked[:top]
    rest: list[ServiceCost] = ranked[len(shown) :]
    labels = [clean_name(s.name) for s in shown]
    exact = [Fraction(s.amount) for s in shown]
    if rest:
        labels.append(f"Other ({_plural(len(rest), 'service')})")
        exact.append(sum((Fraction(s.amount) for s in rest), Fraction(0)))
    total = Fraction(costs.total)

    total_units = round_half_up(exact_minor_units(total, currency))
    units = largest_remainder([exact_minor_units(x, currency) for x in exact], total_units)
    if total > 0:
        shares = largest_remainder([x / total * 1000 for x in exact], 1000)
        share_labels = [format_share(s) for s in shares]
        total_share = format_share(1000)
    else:  # a share of nothing, or of a net credit, means nothing
        share_labels = [""] * len(exact)
        total_share = ""

    other_index = len(exact) - 1 if rest else None
    rows = tuple(
        Row(label=label, units=u, amount=format_money(u, currency), share=share, is_other=i == other_index)
        for i, (label, u, share) in enumerate(zip(labels, units, share_labels))
    )
    total_row = Row(label="Total", units=total_units, amount=format_money(total_units, currency), share=total_share)
    return ServicesTable(rows=rows, total=total_row, service_count=len(ranked))


def build_view(costs: DailyCosts, settings: RenderSettings) -> ReportView:
    currency = Currency.of(costs.currency)
    day = date_label(costs.report_date)
    no_spend = costs.no_spend
    services = None if no_spend else build_services_table(costs, currency, settings.top_services)
    total_units = services.total.units if services else 0
    total = format_money(total_units, currency)
    estimated_suffix = " (estimated)" if costs.estimated else ""

    if services is None:
        preheader = f"No AWS spend recorded for {day}."
    else:
        top = services.rows[0]
        preheader = (
            f"{total} across {_plural(services.service_count, 'service')}{estimated_suffix}. "
            f"Largest: {shorten(top.label, 60)} {top.amount}."
        )
    return ReportView(
        subject=f"AWS costs {day}: {total}{estimated_suffix}",
        preheader=preheader,
        report_date=costs.report_date,
        date_label=day,
        total=total,
        total_units=total_units,
        currency=costs.currency,
        metric_label=METRICS[costs.metric][0],
        estimated=costs.estimated,
        no_spend=no_spend,
        services=services,
        console_url=console_url(costs.report_date, costs.metric),
    )


def _text_columns(view: ReportView) -> dict[str, int]:
    """Column widths for the text table, headings included."""
    rows = (*view.services.rows, view.services.total) if view.services else ()
    return {
        "name": max([display_width("Service")] + [display_width(fit_width(r.label, TEXT_NAME_WIDTH)) for r in rows]),
        "amount": max([len("Amount")] + [len(r.amount) for r in rows]),
        "share": max([len("Share")] + [len(r.share) for r in rows]),
    }


_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(
        enabled_extensions=("html", "html.j2"), disabled_extensions=("txt", "txt.j2"), default=True
    ),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_TEMPLATES.filters.update(
    fit_width=fit_width, shorten=shorten, pad_left=pad_left, pad_right=pad_right, display_width=display_width
)
_HTML = _TEMPLATES.get_template("report.html.j2")
_TEXT = _TEMPLATES.get_template("report.txt.j2")


def render_report(costs: DailyCosts, settings: RenderSettings) -> RenderedEmail:
    """The day's cost email: subject, HTML part and text part."""
    view = build_view(costs, settings)
    html = _HTML.render(report=view, html_name_chars=HTML_NAME_CHARS)
    text = _TEXT.render(report=view, columns=_text_columns(view), text_name_width=TEXT_NAME_WIDTH)
    return RenderedEmail(subject=view.subject, html=html, text=text)
