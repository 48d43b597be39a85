"""Render the daily cost email. Pure: no environment, clock or AWS.

build_view() turns the report model (request.CostReport) into a ReportView, every figure already
formatted for the report's currency; both templates read only that. render_report() renders it.

What reconciles: the services rows (top services and Other) add up to the displayed charges, and the
charges and adjustment lines add up to the displayed total, to the last minor unit (largest-remainder
rounding of exact values, money.py). Averages, month totals and forecasts are rounded on their own.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from render_email.money import Currency, exact_minor_units, format_money, format_share, largest_remainder, round_half_up
from render_email.request import METRICS, CostReport, Mover

MAX_HTML_BYTES = 100_000  # Gmail clips a message whose HTML is larger than about 102 KB.
MAX_TEXT_BYTES = 60_000  # The text part travels in the same state payload (256 KiB) as the HTML.
MAX_SUBJECT_CHARS = 78  # What a phone's inbox shows, about; the worst status comes first anyway.
HTML_NAME_CHARS = 64  # A service name longer than this is cut short in the HTML...
TEXT_NAME_WIDTH = 40  # ...and in the text tables (in terminal columns).
TEXT_WIDTH = 78
TREND_BAR_PX = 16  # height of a service's 14-day trend
DAILY_BAR_PX = 40  # height of the headline's 14-day chart
NOTABLE_CHANGE = Fraction(1, 10)  # changes smaller than 10% of their baseline are not coloured

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_CONSOLE = "https://us-east-1.console.aws.amazon.com/costmanagement/home#/cost-explorer"
_SPACES = re.compile(r"\s+")
_SPARKS = "▁▂▃▄▅▆▇█"
ALERT_LABELS = {"anomaly": "Anomaly", "overBudget": "Over budget", "newService": "New service"}
_WARNING_ALERTS = ("anomaly", "overBudget")
FLAG_LABELS = {"new": "New", "anomaly": "Anomaly"}

# Colours: every text colour has at least 4.5:1 contrast on white (WCAG AA).
BAR = "#9ca3af"
BAR_TODAY = "#374151"
BAR_ALERT = "#b91c1c"
BAR_NONE = "#e5e7eb"


# --- Formatting helpers -------------------------------------------------------------------------


def date_label(day: date) -> str:
    """ "Fri 20 Nov 2026", the same in every locale."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def short_date(day: date) -> str:
    """ "Fri 20 Nov"."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def day_range(start: date, end: date) -> str:
    """ "1-20 Oct", "1 Oct", "28 Oct-3 Nov"."""
    if start == end:
        return f"{start.day} {_MONTHS[start.month - 1]}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {_MONTHS[end.month - 1]}"
    return f"{start.day} {_MONTHS[start.month - 1]}–{end.day} {_MONTHS[end.month - 1]}"


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
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


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


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def format_percent(ratio: Fraction) -> str:
    """A change as a percentage: "+12%", "-3.4%" (one decimal below 10%), "0%"."""
    percent = ratio * 100
    if abs(percent) < 10:
        tenths = round_half_up(percent * 10)
        if tenths == 0:
            return "0%"
        sign = "+" if tenths > 0 else "-"
        return f"{sign}{abs(tenths) // 10}.{abs(tenths) % 10}%"
    whole = round_half_up(percent)
    return f"{'+' if whole > 0 else '-'}{abs(whole):,}%"


@dataclass(frozen=True)
class Change:
    """A change against a baseline: money, percent (when the baseline is positive) and its direction."""

    money: str  # "+$12.30"
    percent: str  # "+12%", or "" when the baseline is not positive
    direction: int  # 1 up, -1 down, 0 flat (at the displayed precision)
    notable: bool = True  # coloured: at least NOTABLE_CHANGE of the baseline (or from nothing)

    @property
    def arrow(self) -> str:
        return {1: "▲", -1: "▼", 0: ""}[self.direction]

    @property
    def tone(self) -> str:
        return {1: "up", -1: "down", 0: ""}[self.direction] if self.notable else ""

    @property
    def short(self) -> str:
        """ "▲ 12%" when there is a percentage, else "+$3.78"."""
        if self.percent:
            return f"{self.arrow} {self.percent.lstrip('+-')}".strip() if self.direction else self.percent
        return self.money

    @property
    def long(self) -> str:
        """ "+$12.30 (+12%)"."""
        return f"{self.money} ({self.percent})" if self.percent else self.money


class Money:
    """Formats amounts of one currency."""

    def __init__(self, code: str) -> None:
        self.currency = Currency.of(code)

    def units(self, amount: Decimal | Fraction) -> int:
        return round_half_up(exact_minor_units(amount, self.currency))

    def __call__(self, amount: Decimal | Fraction) -> str:
        return format_money(self.units(amount), self.currency)

    def signed(self, amount: Decimal | Fraction) -> str:
        units = self.units(amount)
        return ("+" if units > 0 else "") + format_money(units, self.currency)

    def change(self, amount: Decimal | Fraction, base: Decimal | Fraction) -> Change:
        delta = Fraction(amount) - Fraction(base)
        units = self.units(delta)
        percent = format_percent(delta / Fraction(base)) if base > 0 else ""
        direction = 1 if units > 0 else -1 if units < 0 else 0
        if percent and direction == 0:
            percent = "0%"
        notable = abs(delta) >= NOTABLE_CHANGE * Fraction(base) if base > 0 else True
        return Change(self.signed(delta), percent, direction, notable)


def bar_heights(values: list[Decimal | None], height: int) -> list[int | None]:
    """Pixel heights of bars for the values, the largest `height`; None stays None (no data)."""
    top = max((v for v in values if v is not None and v > 0), default=Decimal(0))
    if top <= 0:
        return [None if v is None else 0 for v in values]
    return [None if v is None else max(0, round_half_up(Fraction(v) / Fraction(top) * height)) for v in values]


def sparkline(values: list[Decimal | None]) -> str:
    """The trend in text: one block character per day, " " for no data."""
    heights = bar_heights(values, len(_SPARKS) - 1)
    return "".join(" " if h is None else _SPARKS[h] for h in heights)


# --- The view -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    height: int  # px, 0 = a flat baseline
    color: str


@dataclass(frozen=True)
class Stat:
    """One figure of the headline: a label, the value and a note under it."""

    label: str
    value: str
    note: str = ""
    tone: str = ""  # "up", "down", "bad", "good", "credit" or ""


@dataclass(frozen=True)
class Row:
    """One line of the services table."""

    label: str
    units: int
    amount: str
    share: str  # "" when a share means nothing (charges <= 0)
    change: Change | None  # against the day before; None for no data
    bars: tuple[Bar, ...]
    spark: str
    flags: tuple[str, ...]
    is_other: bool = False

    @property
    def negative(self) -> bool:
        return self.units < 0


@dataclass(frozen=True)
class Line:
    """A line under the services: charges, credits, refunds, discounts, tax, a record type FetchCosts does
    not classify (under its own name), total."""

    label: str
    units: int
    amount: str
    is_total: bool = False


@dataclass(frozen=True)
class MoverRow:
    label: str
    amount: str
    average: str
    change: Change


@dataclass(frozen=True)
class AnomalyRow:
    label: str
    amount: str
    usual: str
    change: Change
    new_since: str  # "Wed 18 Nov" when the service is also new, else ""

    @property
    def detail(self) -> str:
        """ "$51.07, usually $7.22: +$43.86 (+608%)"; for a new service, when it started."""
        if self.new_since:
            return f"{self.amount}, new: first cost on {self.new_since}"
        return f"{self.amount}, usually {self.usual}: {self.change.long}"


@dataclass(frozen=True)
class NewRow:
    label: str
    first: str  # "Wed 18 Nov"
    amount: str


@dataclass(frozen=True)
class ReportView:
    """Everything the templates show, already formatted."""

    subject: str
    preheader: str
    report_date: date
    date_label: str
    total: str
    total_units: int
    total_label: str  # "Net unblended cost" when adjustments apply, else "Unblended cost"
    currency: str
    metric_label: str
    estimated: bool
    no_spend: bool
    changes: tuple[Stat, ...]  # against the day before and the trailing average
    one_off_note: str  # "Includes $123.44 of one-off charges ..." on days that have them, else ""
    stats: tuple[Stat, ...]  # month to date, forecast, last month, budget
    daily_bars: tuple[Bar, ...]
    daily_caption: str
    daily_spark: str
    anomalies: tuple[AnomalyRow, ...]
    anomalies_more: int
    anomaly_note: str  # why there are no anomaly checks (young account), else ""
    new_services: tuple[NewRow, ...]
    new_more: int
    service_count: int
    rows: tuple[Row, ...]
    lines: tuple[Line, ...]  # the charges and adjustments, then the total
    has_shares: bool
    increases: tuple[MoverRow, ...]
    decreases: tuple[MoverRow, ...]
    average_label: str  # "7-day average"
    notes: tuple[str, ...]  # how the figures were made
    console_url: str
    requests_note: str
    text_services: tuple[str, ...]  # the services table as aligned text lines
    text_movers: tuple[str, ...]

    @property
    def has_alerts(self) -> bool:
        return bool(self.anomalies or self.new_services)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str

    def to_state(self) -> dict[str, str]:
        """The Lambda result, read by the SendEmail state."""
        return {"subject": self.subject, "html": self.html, "text": self.text}


def _services(report: CostReport, money: Money) -> tuple[tuple[Row, ...], tuple[Line, ...], bool]:
    currency = money.currency
    b = report.breakdown
    names = [
        ("Charges", b.charges),
        ("Credits", b.credits),
        ("Refunds", b.refunds),
        ("Discounts", b.discounts),
        ("Tax", b.tax),
    ]
    kinds = len(names)
    # A record type FetchCosts does not classify is a line of its own, shown even at 0 so that it is seen.
    names += [(shorten(clean_name(o.record_type), HTML_NAME_CHARS), o.amount) for o in b.other]
    exact = [exact_minor_units(value, currency) for _, value in names]
    total_units = money.units(report.total)
    units = largest_remainder(exact, total_units)
    if b.adjusted:
        lines = [
            Line("Charges (gross)" if i == 0 else label, u, format_money(u, currency))
            for i, ((label, value), u) in enumerate(zip(names, units, strict=True))
            if i == 0 or i >= kinds or value != 0
        ]
        lines.append(Line("Net total", total_units, format_money(total_units, currency), is_total=True))
    else:
        lines = [Line("Total", total_units, format_money(total_units, currency), is_total=True)]

    charges_units = units[0]
    items: list[tuple[str, Decimal, Decimal, tuple[Decimal, ...], tuple[str, ...], bool]] = [
        (shorten(clean_name(s.name), HTML_NAME_CHARS), s.amount, s.day_before, s.trend, s.flags, False)
        for s in report.top
    ]
    if report.other is not None:
        o = report.other
        items.append((f"Other ({plural(o.count, 'service')})", o.amount, o.day_before, o.trend, (), True))
    row_units = (
        largest_remainder([exact_minor_units(item[1], currency) for item in items], charges_units) if items else []
    )
    charges = Fraction(b.charges)
    has_shares = charges > 0 and bool(items)
    shares = largest_remainder([Fraction(item[1]) / charges * 1000 for item in items], 1000) if has_shares else []
    rows = []
    for i, ((label, amount, before, trend, flags, is_other), u) in enumerate(zip(items, row_units, strict=True)):
        heights = bar_heights(list(trend), TREND_BAR_PX)
        last = len(heights) - 1
        bars = tuple(
            Bar(h or 0, BAR_NONE if not h else (BAR_ALERT if "anomaly" in flags else BAR_TODAY) if n == last else BAR)
            for n, h in enumerate(heights)
        )
        change = money.change(amount, before) if (amount != 0 or before != 0) else None
        rows.append(
            Row(
                label,
                u,
                format_money(u, currency),
                format_share(shares[i]) if has_shares else "",
                change,
                bars,
                sparkline(list(trend)),
                tuple(FLAG_LABELS[f] for f in flags),
                is_other,
            )
        )
    return tuple(rows), tuple(lines), has_shares


def _average_label(report: CostReport) -> str:
    days = report.average.days if report.average else 7
    return f"{days}-day average"


def _changes(report: CostReport, money: Money) -> tuple[Stat, ...]:
    stats = []
    day_before = report.report_date - timedelta(days=1)
    if report.day_before is not None:
        change = money.change(report.total, report.day_before)
        stats.append(
            Stat(
                f"vs {short_date(day_before)}",
                change.money,
                "; ".join(p for p in (change.percent, f"was {money(report.day_before)}") if p),
                change.tone,
            )
        )
    if report.average is not None:
        change = money.change(report.total, report.average.total)
        stats.append(
            Stat(
                f"vs {_average_label(report)}",
                change.money,
                "; ".join(p for p in (change.percent, f"average {money(report.average.total)}") if p),
                change.tone,
            )
        )
    return tuple(stats)


def _stats(report: CostReport, money: Money) -> tuple[Stat, ...]:
    stats = []
    mtd = report.month_to_date
    note = plural(mtd.days, "day")
    same = report.last_month_to_date
    if same is not None:
        change = money.change(mtd.total, same.total)
        versus = f"{change.percent or change.money} vs {money(same.total)} on {day_range(same.start, same.end)}"
        note = f"{note} · {versus}"
    stats.append(Stat("Month to date", money(mtd.total), note, "credit" if money.units(mtd.total) < 0 else ""))

    f = report.forecast
    month = _MONTH_NAMES[f.month_end.month - 1]
    if f.total is None:
        stats.append(
            Stat(
                f"{month} forecast",
                "Not enough history",
                f"needs 3 days of costs; this account has {plural(f.basis_days, 'day')}",
            )
        )
    elif f.remaining_days == 0:
        stats.append(Stat(f"{month} forecast", money(f.total), "the month ends on the report day"))
    else:
        rate = money(f.run_rate) if f.run_rate is not None else ""
        stats.append(
            Stat(
                f"{month} forecast",
                money(f.total),
                f"{plural(f.remaining_days, 'more day')} at {rate} a day, the {f.basis_days}-day average",
            )
        )

    last = report.last_month
    if last is not None:
        status = "estimated: the bill is not final yet" if last.estimated else "final"
        stats.append(Stat(_MONTH_NAMES[last.start.month - 1], money(last.total), status))

    if report.budget is not None:
        budget = Fraction(report.budget)
        total = Fraction(report.total)
        used = f"{round_half_up(total / budget * 100):,}%"
        if total > budget:
            stats.append(Stat("Daily budget", f"{money(total - budget)} over", f"{used} of {money(budget)}", "bad"))
        else:
            stats.append(
                Stat("Daily budget", f"{money(budget - total)} left", f"{used} of {money(budget)} used", "good")
            )
    return tuple(stats)


def _daily(report: CostReport, money: Money) -> tuple[tuple[Bar, ...], str]:
    values = [total for _, total in report.daily]
    heights = bar_heights(values, DAILY_BAR_PX)
    last = len(heights) - 1
    bars = tuple(Bar(h or 0, BAR_NONE if not h else BAR_TODAY if n == last else BAR) for n, h in enumerate(heights))
    caption = ""
    if report.daily:
        caption = f"Daily cost, {short_date(report.daily[0][0])} to {short_date(report.daily[-1][0])}"
    return bars, caption


def _mover_rows(movers: tuple[Mover, ...], money: Money) -> tuple[MoverRow, ...]:
    return tuple(
        MoverRow(
            shorten(clean_name(m.name), HTML_NAME_CHARS),
            money(m.amount),
            money(m.average),
            money.change(m.amount, m.average),
        )
        for m in movers
    )


def _subject(report: CostReport, money: Money, total: str, no_spend: bool) -> str:
    statuses = [ALERT_LABELS[a] for a in report.alerts]
    warn = "⚠ " if any(a in _WARNING_ALERTS for a in report.alerts) else ""
    core = f"AWS costs {short_date(report.report_date)}: {total}"
    change = ""
    if no_spend:
        change = " (no spend)"
    elif report.average is not None and report.average.total > 0:
        percent = money.change(report.total, report.average.total).percent
        change = f" ({percent} vs {report.average.days}-day avg)"
    candidates = []
    for kept in (statuses, statuses[:1]):
        prefix = f"{warn}{' · '.join(kept)} · " if kept else ""
        candidates += [prefix + core + change, prefix + core]
    return next((c for c in candidates if len(c) <= MAX_SUBJECT_CHARS), candidates[-1])


def _preheader(report: CostReport, money: Money, view_stats: tuple[Stat, ...]) -> str:
    parts = []
    for a in report.anomalies[:1]:
        parts.append(f"{clean_name(a.name)} {money(a.amount)}, usually {money(a.baseline)}")
    for n in report.new_services[:1]:
        parts.append(f"new: {clean_name(n.name)}")
    for stat in view_stats[:2]:
        parts.append(f"{stat.label} {stat.value}")
    return shorten(" · ".join(parts), 140)


def _notes(report: CostReport, money: Money) -> tuple[str, ...]:
    t = report.thresholds
    notes = [
        f"{METRICS[report.metric][0]} in {report.currency} from AWS Cost Explorer, UTC days; the rows are rounded "
        "so that they add up exactly to the totals.",
    ]
    if report.breakdown.adjusted:
        notes.append(
            "Services are shown gross; credits, refunds, discounts and tax are their own lines, "
            "and the net total is what the day costs."
        )
    if report.breakdown.other:
        names = ", ".join(clean_name(o.record_type) for o in report.breakdown.other)
        notes.append(
            f"Not classified: {names}. Cost Explorer returned charges of a type this report does not "
            "know, so each is shown as a line of its own under Cost Explorer's name, and is in the "
            "net total."
        )
    notes += [
        f"Movers: changes against each service's {_average_label(report)} of at least "
        f"{money(t.mover_min_amount)} and {_number(t.mover_min_percent)}%.",
        f"Anomaly: more than {_number(t.anomaly_threshold)} median absolute deviations above the service's median "
        f"of the {report.baseline_days} days before, and at least {money(t.anomaly_min_amount)} and "
        f"{_number(t.anomaly_min_percent)}% above it. New: first cost within {plural(t.new_service_days, 'day')}, "
        f"none since {date_label(report.history_start)}.",
        "Forecast: month to date plus the remaining days at the average daily cost of the last 7 days "
        "(one-off charges such as tax, support and refunds left out; never below the month to date).",
    ]
    return tuple(notes)


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != 0 else "0"


def _text_services(rows: tuple[Row, ...], lines: tuple[Line, ...], has_shares: bool) -> tuple[str, ...]:
    """The services table as text: name, amount, share, change, 14-day sparkline; then the lines."""
    amount_w = max([len("Amount")] + [len(r.amount) for r in rows] + [len(ln.amount) for ln in lines])
    share_w = max([len("Share")] + [len(r.share) for r in rows]) if has_shares else 0
    change_w = max([len("Day")] + [len(r.change.short if r.change else "-") for r in rows])
    fixed = 2 + amount_w + (2 + share_w if has_shares else 0) + 2 + change_w + 2 + 14
    name_w = max(
        12,
        min(
            TEXT_NAME_WIDTH,
            TEXT_WIDTH - fixed,
            max(
                [display_width("Service")]
                + [display_width(r.label) for r in rows]
                + [display_width(ln.label) for ln in lines]
            ),
        ),
    )

    def line(name: str, amount: str, share: str, change: str, trend: str) -> str:
        cells = [pad_right(fit_width(name, name_w), name_w), pad_left(amount, amount_w)]
        if has_shares:
            cells.append(pad_left(share, share_w))
        cells += [pad_left(change, change_w), trend]
        return "  ".join(cells).rstrip()

    out = [
        line("Service", "Amount", "Share", "Day", "Last 14 days"),
        line("-" * name_w, "-" * amount_w, "-" * share_w, "-" * change_w, "-" * 14),
    ]
    for r in rows:
        flags = f" [{', '.join(r.flags)}]" if r.flags else ""
        label = fit_width(r.label, name_w - display_width(flags)) + flags if flags else r.label
        out.append(line(label, r.amount, r.share, r.change.short if r.change else "-", r.spark))
    out.append(line("-" * name_w, "-" * amount_w, "-" * share_w if has_shares else "", "", ""))
    for ln in lines:
        out.append("  ".join([pad_right(fit_width(ln.label, name_w), name_w), pad_left(ln.amount, amount_w)]))
    return tuple(out)


def _text_movers(increases: tuple[MoverRow, ...], decreases: tuple[MoverRow, ...]) -> tuple[str, ...]:
    rows = [*increases, *decreases]
    if not rows:
        return ()
    amount_w = max(len(r.amount) for r in rows)
    average_w = max(len(r.average) for r in rows)
    change_w = max(len(r.change.long) for r in rows)
    name_w = max(
        12,
        min(
            TEXT_NAME_WIDTH,
            TEXT_WIDTH - amount_w - average_w - change_w - 13,
            max(display_width(r.label) for r in rows),
        ),
    )
    return tuple(
        "  ".join(
            [
                r.change.arrow,
                pad_right(fit_width(r.label, name_w), name_w),
                pad_left(r.amount, amount_w),
                "avg " + pad_left(r.average, average_w),
                pad_left(r.change.long, change_w),
            ]
        ).rstrip()
        for r in rows
    )


def build_view(report: CostReport) -> ReportView:
    money = Money(report.currency)
    total_units = money.units(report.total)
    total = format_money(total_units, money.currency)
    no_spend = report.no_spend
    rows, lines, has_shares = _services(report, money)
    changes = _changes(report, money)
    stats = _stats(report, money)
    daily_bars, daily_caption = _daily(report, money)
    increases, decreases = _mover_rows(report.increases, money), _mover_rows(report.decreases, money)
    new_since = {n.name: short_date(n.first_date) for n in report.new_services}
    anomalies = tuple(
        AnomalyRow(
            shorten(clean_name(a.name), HTML_NAME_CHARS),
            money(a.amount),
            money(a.baseline),
            money.change(a.amount, a.baseline),
            new_since.get(a.name, ""),
        )
        for a in report.anomalies
    )
    # A new service that is also an anomaly is listed once, as the anomaly.
    listed = {a.name for a in report.anomalies}
    anomaly_note = ""
    if report.baseline_days < 7:
        anomaly_note = (
            f"Anomaly checks start once there are 7 days of history before the report day; "
            f"this account has {plural(report.baseline_days, 'day')}."
        )
    new_services = tuple(
        NewRow(shorten(clean_name(n.name), HTML_NAME_CHARS), short_date(n.first_date), money(n.amount))
        for n in report.new_services
        if n.name not in listed
    )
    requests = report.requests
    return ReportView(
        subject=_subject(report, money, total, no_spend),
        preheader=_preheader(report, money, changes + stats),
        report_date=report.report_date,
        date_label=date_label(report.report_date),
        total=total,
        total_units=total_units,
        total_label=("Net " + METRICS[report.metric][0].lower())
        if report.breakdown.adjusted
        else METRICS[report.metric][0],
        currency=report.currency,
        metric_label=METRICS[report.metric][0],
        estimated=report.estimated,
        no_spend=no_spend,
        changes=changes,
        one_off_note=(
            f"Includes {money(report.one_off)} of one-off charges (tax, support, refunds, upfront fees), "
            "which the days it is compared with may not have."
        )
        if money.units(report.one_off)
        else "",
        stats=stats,
        daily_bars=daily_bars,
        daily_caption=daily_caption,
        daily_spark=sparkline([total for _, total in report.daily]),
        anomalies=anomalies,
        anomalies_more=max(0, report.anomaly_count - len(anomalies)),
        anomaly_note=anomaly_note,
        new_services=new_services,
        new_more=max(0, report.new_service_count - len(report.new_services)),
        service_count=report.service_count,
        rows=rows,
        lines=lines,
        has_shares=has_shares,
        increases=increases,
        decreases=decreases,
        average_label=_average_label(report),
        notes=_notes(report, money),
        console_url=console_url(report.report_date, report.metric),
        requests_note=(
            f"Fetched with {plural(requests, 'Cost Explorer request')} ({format_money(requests, Currency.of('USD'))})."
        ),
        text_services=_text_services(rows, lines, has_shares),
        text_movers=_text_movers(increases, decreases),
    )


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
_TEMPLATES.filters["wrap"] = lambda text, indent="": textwrap.fill(
    text, TEXT_WIDTH, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
)
_HTML = _TEMPLATES.get_template("report.html.j2")
_TEXT = _TEMPLATES.get_template("report.txt.j2")


def render_report(report: CostReport) -> RenderedEmail:
    """The day's cost email: subject, HTML part and text part."""
    view = build_view(report)
    html = _HTML.render(report=view)
    text = _TEXT.render(report=view)
    return RenderedEmail(subject=view.subject, html=html, text=text)
