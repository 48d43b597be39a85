"""Microsoft Teams: the summary as an Adaptive Card, in the message a Workflows webhook ("Post to a channel
when a webhook request is received") posts: `{"type": "message", "attachments": [{"contentType":
"application/vnd.microsoft.card.adaptive", "contentUrl": null, "content": <card>}]}`
(https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using).

The card: the report and period as its title, the statuses, the total, the headline figures as a FactSet,
the flags, the top lines and the biggest movers as FactSets, the note that the full report is in email, and
an Action.OpenUrl to Cost Explorer. Emphasis comes from TextBlock properties, not markdown, so every text
goes through markup.teams_markdown: names are shown as written.
"""

from __future__ import annotations

from typing import Any

from render_email.chat.fit import Message, Platform
from render_email.chat.limits import TEAMS_MESSAGE_BYTES, TOP_LINES, message_bytes
from render_email.chat.markup import teams_markdown
from render_email.chat.summary import EMAIL_NOTE, LINK_TEXT, Summary
from render_email.chat.text import (
    flag_mark,
    line_label,
    line_value,
    mover_label,
    mover_value,
    movers_more,
    other_value,
)

Element = dict[str, Any]
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# The card declares schema 1.4, but everything in it is in 1.0 (TextBlock, FactSet, Action.OpenUrl), so a
# client that renders an older schema shows it all.
CARD_VERSION = "1.4"


def build(s: Summary) -> Message:
    card = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        # "You can expand the width of an Adaptive Card using the width object" (cards-format, markup.py)
        "msteams": {"width": "Full"},
        "body": [*_heading(s), *_figures(s), *_flags(s), *_lines(s), *_movers(s), *_note(s)],
        "actions": [{"type": "Action.OpenUrl", "title": LINK_TEXT, "url": s.console_url}],
    }
    return {"type": "message", "attachments": [{"contentType": CARD_TYPE, "contentUrl": None, "content": card}]}


def fits(message: Message) -> bool:
    return message_bytes(message, utf16=True) <= TEAMS_MESSAGE_BYTES


PLATFORM = Platform(build, fits, TOP_LINES)


def text_block(text: str, **style: Any) -> Element:
    """A TextBlock of `text`, shown as written (markdown escaped), wrapped rather than cut at the card's edge."""
    return {"type": "TextBlock", "text": teams_markdown(text), "wrap": True, **style}


def fact_set(facts: list[tuple[str, str]], **style: Any) -> Element:
    rows = [{"title": teams_markdown(title), "value": teams_markdown(value)} for title, value in facts]
    return {"type": "FactSet", "facts": rows, **style}


def _heading(s: Summary) -> list[Element]:
    found = [text_block(f"{s.title} · {s.date_label}", size="Large", weight="Bolder")]
    if s.status:
        found.append(text_block(s.status, weight="Bolder", color="Attention" if s.warning else "Default"))
    if s.scope:
        found.append(text_block(f"{s.kind} · {s.scope}", isSubtle=True, spacing="None"))
    return found


def _figures(s: Summary) -> list[Element]:
    estimated = " (estimated)" if s.estimated else ""
    found = [
        text_block(s.total + estimated, size="ExtraLarge", weight="Bolder"),
        text_block(f"{s.total_label} ({s.currency})", isSubtle=True, spacing="None"),
    ]
    figures = [(f.label, f.value + (f" ({f.note})" if f.note else "")) for f in (*s.changes, *s.stats)]
    return found + ([fact_set(figures)] if figures else [])


def _flags(s: Summary) -> list[Element]:
    return [
        text_block(f"{flag_mark(flag)} {flag.text}", color="Attention" if flag_mark(flag) == "⚠" else "Default")
        for flag in s.flags
    ]


def _lines(s: Summary) -> list[Element]:
    facts = [(line_label(item), line_value(item)) for item in s.lines]
    facts += [(s.other.label, other_value(s.other))] if s.other else []
    if not facts:
        return []
    return [text_block(s.lines_heading, weight="Bolder", separator=True), fact_set(facts, spacing="Small")]


def _movers(s: Summary) -> list[Element]:
    facts = [(mover_label(mover), mover_value(mover)) for mover in s.movers]
    if not facts:
        return []
    more = [text_block(movers_more(s), isSubtle=True, spacing="None")] if s.movers_more else []
    return [text_block(s.movers_heading, weight="Bolder", separator=True), fact_set(facts, spacing="Small"), *more]


def _note(s: Summary) -> list[Element]:
    return [text_block(EMAIL_NOTE, isSubtle=True, separator=True)] if s.emailed else []
