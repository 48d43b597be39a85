"""Slack: the summary as an incoming webhook's Block Kit message, `{"text": ..., "blocks": [...]}`.

`text` is what a notification shows (the email's subject). The blocks: a header (report and period), a
context line (the statuses; what a named report covers), the total with the headline figures as fields, the
flags, the top lines, the biggest movers, a button to Cost Explorer, and the note that the full report is in
email. Names from the report are only ever in plain_text objects, which Slack does not format; mrkdwn holds
only our own words and figures (markup.py says why).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from render_email.chat.fit import Message, Platform
from render_email.chat.limits import (
    SLACK_BLOCKS,
    SLACK_BUTTON_TEXT_CHARS,
    SLACK_CONTEXT_ELEMENTS,
    SLACK_FIELD_CHARS,
    SLACK_HEADER_CHARS,
    SLACK_MESSAGE_BYTES,
    SLACK_SECTION_FIELDS,
    SLACK_SECTION_TEXT_CHARS,
    SLACK_TEXT_CHARS,
    SLACK_TEXT_OBJECT_CHARS,
    SLACK_URL_CHARS,
    TOP_LINES,
    chars,
    message_bytes,
)
from render_email.chat.markup import clip, slack_mrkdwn, slack_text
from render_email.chat.summary import EMAIL_NOTE, LINK_TEXT, Figure, Summary
from render_email.chat.text import flag_lines, line_texts, mover_texts

Block = dict[str, Any]
DIVIDER: Block = {"type": "divider"}


def build(s: Summary) -> Message:
    blocks = [_header(s), *_context(s), *_figures(s), *_flags(s), *_lines(s), *_movers(s), *_link(s), *_note(s)]
    return {"text": _notification(s), "blocks": blocks}


def fits(message: Message) -> bool:
    return len(message["blocks"]) <= SLACK_BLOCKS and message_bytes(message) <= SLACK_MESSAGE_BYTES


PLATFORM = Platform(build, fits, TOP_LINES)


def plain(text: str, limit: int = SLACK_TEXT_OBJECT_CHARS) -> Block:
    """A plain_text object: Slack shows it as written (after decoding &amp; &lt; &gt;)."""
    return {"type": "plain_text", "text": clip(text, limit, slack_text)}


def _mrkdwn(text: str) -> Block:
    """A mrkdwn object of text this module wrote, its parts already escaped."""
    return {"type": "mrkdwn", "text": text}


def _notification(s: Summary) -> str:
    note = f" · {EMAIL_NOTE}" if s.emailed else ""
    return clip(s.subject, SLACK_TEXT_CHARS - chars(note), slack_mrkdwn) + note


def _header(s: Summary) -> Block:
    when = slack_text(f" · {s.date_label}")
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": clip(s.title, SLACK_HEADER_CHARS - chars(when), slack_text) + when},
    }


def _context(s: Summary) -> list[Block]:
    texts = [s.status] if s.status else []
    texts += [f"{s.kind} · {s.scope}"] if s.scope else []
    elements = [plain(text) for text in texts][:SLACK_CONTEXT_ELEMENTS]
    return [{"type": "context", "elements": elements}] if elements else []


def _field(figure: Figure) -> Block:
    head = f"*{slack_mrkdwn(figure.label)}*\n"
    body = figure.value + (f"\n{figure.note}" if figure.note else "")
    return _mrkdwn(head + clip(body, SLACK_FIELD_CHARS - chars(head), slack_mrkdwn))


def _figures(s: Summary) -> list[Block]:
    """The total, then the figures as fields, SLACK_SECTION_FIELDS to a section."""
    estimated = "  ·  _estimated_" if s.estimated else ""
    total = f"*{slack_mrkdwn(s.total)}*  {slack_mrkdwn(s.total_label)} ({s.currency}){estimated}"
    fields = [_field(figure) for figure in (*s.changes, *s.stats)]
    chunks = [fields[i : i + SLACK_SECTION_FIELDS] for i in range(0, len(fields), SLACK_SECTION_FIELDS)]
    sections: list[Block] = [{"type": "section", "text": _mrkdwn(total)}]
    if chunks:
        sections[0]["fields"] = chunks[0]
    sections += [{"type": "section", "fields": chunk} for chunk in chunks[1:]]
    return sections


def _listing(heading: str, lines: Sequence[str]) -> list[Block]:
    """A bold heading (if any), then the lines as plain text, each cut so that together they fit a section."""
    if not lines:
        return []
    each = SLACK_SECTION_TEXT_CHARS // len(lines) - 1  # the newline between two lines
    text = "\n".join(clip(line, each, slack_text) for line in lines)
    head = [{"type": "section", "text": _mrkdwn(f"*{slack_mrkdwn(heading)}*")}] if heading else []
    return [DIVIDER, *head, _section_text(text)]


def _section_text(escaped: str) -> Block:
    return {"type": "section", "text": {"type": "plain_text", "text": escaped}}


def _flags(s: Summary) -> list[Block]:
    return _listing("", flag_lines(s))


def _lines(s: Summary) -> list[Block]:
    return _listing(s.lines_heading, line_texts(s))


def _movers(s: Summary) -> list[Block]:
    return _listing(s.movers_heading, mover_texts(s))


def _link(s: Summary) -> list[Block]:
    if chars(s.console_url) > SLACK_URL_CHARS:  # never so far (about 450): a link cut short would be wrong
        return []
    button = {"type": "button", "text": plain(LINK_TEXT, SLACK_BUTTON_TEXT_CHARS), "url": s.console_url}
    return [{"type": "actions", "elements": [button]}]


def _note(s: Summary) -> list[Block]:
    return [{"type": "context", "elements": [plain(EMAIL_NOTE)]}] if s.emailed else []
