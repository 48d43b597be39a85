"""Google Chat: the summary as an incoming webhook's card message, `{"fallbackText": ..., "cardsV2": [...]}`
(https://developers.google.com/workspace/chat/api/reference/rest/v1/spaces.messages).

The card: a header (the kind of report and the period), the statuses, the report's name and scope, the
total and the headline figures, the flags, the top lines, the biggest movers, a button to Cost Explorer and
the note that the full report is in email.

`fallbackText`, not `text`: "A plain-text description of the message's cards, used when the actual cards
can't be displayed -- for example, mobile notifications" is what Slack's `text` is; a `text` would also be
shown above the card, saying the subject twice. Names from the report go only where Chat reads "simple HTML
formatted text" (a textParagraph's text, a decoratedText's text), escaped; headers, labels and buttons hold
only our own words, as it is not documented whether those parse HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from render_email.chat.fit import Message, Platform
from render_email.chat.limits import (
    GOOGLE_CHAT_CARD_WIDGETS,
    GOOGLE_CHAT_MESSAGE_BYTES,
    GOOGLE_CHAT_TEXT_CHARS,
    TOP_LINES,
    chars,
    message_bytes,
)
from render_email.chat.markup import chat_html, clip
from render_email.chat.summary import EMAIL_NOTE, LINK_TEXT, Summary
from render_email.chat.text import flag_lines, line_texts, mover_texts

Widget = dict[str, Any]
CARD_ID = "cost-report"
WARNING_COLOR = "#b91c1c"  # the email's colour for a bad figure (templates/report.html.j2)


def build(s: Summary) -> Message:
    sections = [
        {"widgets": [*_heading(s), *_figures(s)]},
        *_listing("", flag_lines(s)),
        *_listing(s.lines_heading, line_texts(s)),
        *_listing(s.movers_heading, mover_texts(s)),
        {"widgets": _link(s)},
    ]
    card = {"header": {"title": s.kind, "subtitle": s.date_label}, "sections": sections}
    note = f" · {EMAIL_NOTE}" if s.emailed else ""
    return {
        "fallbackText": clip(s.subject, GOOGLE_CHAT_TEXT_CHARS - chars(note)) + note,
        "cardsV2": [{"cardId": CARD_ID, "card": card}],
    }


def widget_count(message: Message) -> int:
    return sum(len(section["widgets"]) for card in message["cardsV2"] for section in card["card"]["sections"])


def fits(message: Message) -> bool:
    return widget_count(message) <= GOOGLE_CHAT_CARD_WIDGETS and message_bytes(message) <= GOOGLE_CHAT_MESSAGE_BYTES


PLATFORM = Platform(build, fits, TOP_LINES)


def paragraph(html: str) -> Widget:
    return {"textParagraph": {"text": html}}


def _heading(s: Summary) -> list[Widget]:
    found = []
    if s.status:
        status = chat_html(s.status)
        found.append(paragraph(f'<font color="{WARNING_COLOR}"><b>{status}</b></font>' if s.warning else status))
    if s.scope:  # a named report: its name, then what it covers
        found.append(paragraph(f"<b>{chat_html(s.title)}</b><br>{chat_html(s.scope)}"))
    return found


def _figures(s: Summary) -> list[Widget]:
    total: Widget = {"topLabel": f"{s.total_label} ({s.currency})", "text": f"<b>{chat_html(s.total)}</b>"}
    if s.estimated:
        total["bottomLabel"] = "Estimated"
    found = [{"decoratedText": total}]
    for figure in (*s.changes, *s.stats):
        shown: Widget = {"topLabel": figure.label, "text": chat_html(figure.value)}
        if figure.note:
            shown["bottomLabel"] = figure.note
        found.append({"decoratedText": shown})
    return found


def _listing(heading: str, lines: Sequence[str]) -> list[Widget]:
    """A section of lines in one paragraph (one widget, however many lines), under `heading` if any."""
    if not lines:
        return []
    section: Widget = {"widgets": [paragraph("<br>".join(chat_html(line) for line in lines))]}
    return [{"header": heading, **section} if heading else section]


def _link(s: Summary) -> list[Widget]:
    button = {"text": LINK_TEXT, "onClick": {"openLink": {"url": s.console_url}}}
    note = [paragraph(f"<i>{EMAIL_NOTE}</i>")] if s.emailed else []
    return [{"buttonList": {"buttons": [button]}}, *note]
