"""The generic JSON webhook: the summary as plain data, no markup, for a program to read.

The schema is versioned (`schema`) and written down in docs/chat-webhook.schema.json; docs/chat.md describes
it. Money travels as strings: `amount` an exact decimal in the currency's minor units ("1234.57", "-1.20",
"1235" for yen), `display` the same figure as the email shows it ("$1,234.57"). Other figures (changes, the
month to date, the forecast, movers) are the email's display strings, as they may be words ("Not enough
history"). A change that has no value is null, never "".
"""

from __future__ import annotations

from typing import Any

from render_email.chat.fit import Message, Platform
from render_email.chat.limits import WEBHOOK_MESSAGE_BYTES, WEBHOOK_TOP_LINES, message_bytes
from render_email.chat.summary import Figure, Flag, LineItem, MoverItem, OtherItem, Summary
from render_email.labels import FLAG_LABELS
from render_email.money import Currency, plain_money

SCHEMA = "aws-cost-notifier.report-summary/1"  # a change that breaks a reader is a new number
_FLAG_CODES = {label: code for code, label in FLAG_LABELS.items()}  # a line's "Anomaly" is the report's "anomaly"


def build(s: Summary) -> Message:
    currency = Currency.of(s.currency)
    return {
        "schema": SCHEMA,
        "report": _report(s),
        "subject": s.subject,
        "status": {"alerts": list(s.alerts), "resent": s.resent, "text": s.status},
        "total": {
            "amount": plain_money(s.total_units, currency),
            "currency": s.currency,
            "display": s.total,
            "label": s.total_label,
            "estimated": s.estimated,
        },
        "changes": [_figure(figure) for figure in s.changes],
        "stats": [_figure(figure) for figure in s.stats],
        "lines": [_line(item, currency) for item in s.lines],
        "other": None if s.other is None else _other(s.other, currency),
        "movers": [_mover(mover) for mover in s.movers],
        "moversMore": s.movers_more,
        "flags": [_flag(flag) for flag in s.flags],
        "consoleUrl": s.console_url,
        "emailed": s.emailed,
    }


def fits(message: Message) -> bool:
    return message_bytes(message) <= WEBHOOK_MESSAGE_BYTES


PLATFORM = Platform(build, fits, WEBHOOK_TOP_LINES)


def _report(s: Summary) -> dict[str, Any]:
    return {
        "id": s.report_id,
        "name": s.title,
        "kind": s.kind,
        "scope": s.scope or None,
        "lines": s.lines_label,
        "period": s.period.to_state(),  # end exclusive, as the report contract writes it
        "dateLabel": s.date_label,
    }


def _figure(figure: Figure) -> dict[str, Any]:
    return {"label": figure.label, "value": figure.value, "note": figure.note or None}


def _line(item: LineItem, currency: Currency) -> dict[str, Any]:
    return {
        "label": item.label,
        "amount": plain_money(item.units, currency),
        "display": item.amount,
        "share": item.share or None,
        "change": None if item.change == "-" else item.change,
        "flags": [_FLAG_CODES[label] for label in item.flags],
    }


def _other(other: OtherItem, currency: Currency) -> dict[str, Any]:
    return {
        "label": other.label,
        "count": other.count,
        "amount": plain_money(other.units, currency),
        "display": other.amount,
        "change": None if other.change in ("", "-") else other.change,
    }


def _mover(mover: MoverItem) -> dict[str, Any]:
    return {
        "direction": mover.direction,
        "label": mover.label,
        "display": mover.amount,
        "average": mover.average,
        "change": mover.change,
    }


def _flag(flag: Flag) -> dict[str, Any]:
    return {"kind": flag.kind, "label": flag.label or None, "text": flag.text, "more": flag.more}
