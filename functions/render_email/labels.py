"""How the email writes dates, counts, names and the report's terms, the same in every locale."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal

from report_contract.limits import (
    ALERT_ANOMALY,
    ALERT_NEW_SERVICE,
    ALERT_OVER_BUDGET,
    ALERT_OVER_MONTHLY_BUDGET,
    FLAG_ANOMALY,
    FLAG_NEW,
)

HTML_NAME_CHARS = 64  # a service name longer than this is cut short in the email (the report carries 100)

# Cost Explorer's cost metrics (report_contract.limits.METRICS): the email's label, the console's name.
METRIC_LABELS: dict[str, tuple[str, str]] = {
    "UnblendedCost": ("Unblended cost", "unBlendedCost"),
    "BlendedCost": ("Blended cost", "blendedCost"),
    "AmortizedCost": ("Amortized cost", "amortizedCost"),
    "NetUnblendedCost": ("Net unblended cost", "netUnblendedCost"),
    "NetAmortizedCost": ("Net amortized cost", "netAmortizedCost"),
}
ALERT_LABELS = {
    ALERT_ANOMALY: "Anomaly",
    ALERT_OVER_BUDGET: "Over budget",
    ALERT_OVER_MONTHLY_BUDGET: "Over monthly budget",
    ALERT_NEW_SERVICE: "New service",
}
WARNING_ALERTS = (ALERT_ANOMALY, ALERT_OVER_BUDGET, ALERT_OVER_MONTHLY_BUDGET)  # the subject starts with ⚠
FLAG_LABELS = {FLAG_NEW: "New", FLAG_ANOMALY: "Anomaly"}

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
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
_SPACES = re.compile(r"\s+")


def date_label(day: date) -> str:
    """ "Fri 20 Nov 2026"."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def weekday_name(day: date) -> str:
    """ "Monday"."""
    return _WEEKDAYS[day.weekday()]


def short_date(day: date) -> str:
    """ "Fri 20 Nov"."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def month_name(day: date) -> str:
    """ "November"."""
    return _MONTH_NAMES[day.month - 1]


def day_range(start: date, end: date) -> str:
    """ "1-20 Oct", "1 Oct", "28 Oct-3 Nov"."""
    if start == end:
        return f"{start.day} {_MONTHS[start.month - 1]}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {_MONTHS[end.month - 1]}"
    return f"{start.day} {_MONTHS[start.month - 1]}–{end.day} {_MONTHS[end.month - 1]}"


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def number(value: Decimal) -> str:
    """A setting as the user wrote it: "2.5", "10", "0"."""
    return format(value.normalize(), "f") if value != 0 else "0"


def clean_name(name: str) -> str:
    """A service name fit for one table cell: no control characters, single spaces."""
    printable = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in name)
    return _SPACES.sub(" ", printable).strip() or "(no service name)"


def shorten(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


def service_label(name: str) -> str:
    """A service or record type name as the email shows it."""
    return shorten(clean_name(name), HTML_NAME_CHARS)


def metric_label(metric: str) -> str:
    """ "Unblended cost"."""
    return METRIC_LABELS[metric][0]


# What one line of a breakdown is called in running text ("across 12 accounts", "Other (3 regions)").
LINE_NOUNS = {
    "service": "service",
    "account": "account",
    "region": "region",
    "tag": "tag value",
    "cost_category": "category value",
}


def line_noun(by: str) -> str:
    """ "account" for a breakdown by account."""
    return LINE_NOUNS[by]
