"""Text from the report (service, account and tag names, the report's name) made inert for each platform's
markup, and cut to a limit without breaking an escape.

Every renderer passes whatever it did not write itself through one of these: a name such as `*prod_db*`,
`a|b` or `<!channel>` is shown as written and never formats, links or mentions.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from render_email.chat.limits import chars

ELLIPSIS = "…"


def slack_text(text: str) -> str:
    """Slack: "Slack uses &, <, and > as control characters for special parsing in text objects, so they must
    be converted to HTML entities" -- in plain_text and mrkdwn alike
    (https://docs.slack.dev/messaging/formatting-message-text#escaping). Only these three are decoded."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# mrkdwn has no escape for its formatting characters: a backslash does not escape them (Slack's answer in
# https://github.com/slackhq/slack-api-docs/issues/34), and a zero-width space is no escape either
# (converters such as https://github.com/jsarafajr/slackify-markdown put one beside a marker to make Slack
# format it). So data never goes into mrkdwn where it can be avoided (the blocks carry names as plain_text);
# where it must (the notification `text`), each formatting character is replaced by a look-alike that Slack
# does not parse.
_SLACK_LOOKALIKES = str.maketrans(
    {
        "*": "\u2217",  # ∗ ASTERISK OPERATOR
        "_": "\u02cd",  # ˍ MODIFIER LETTER LOW MACRON
        "~": "\u223c",  # ∼ TILDE OPERATOR
        "`": "\u02cb",  # ˋ MODIFIER LETTER GRAVE ACCENT
        "|": "\u2223",  # ∣ DIVIDES
    }
)


def slack_mrkdwn(text: str) -> str:
    """Slack mrkdwn: the three control characters escaped, the formatting characters replaced by look-alikes."""
    return slack_text(text).translate(_SLACK_LOOKALIKES)


# Adaptive Cards' TextBlock and FactSet text is "a subset of the Commonmark Markdown syntax"
# (https://learn.microsoft.com/en-us/adaptive-cards/authoring-cards/text-features; Teams: "Markdown is
# supported in Adaptive Card Textblock field, and Fact.Title and Fact.Value",
# https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/cards-format).
# CommonMark lets a backslash escape any ASCII punctuation. Escaped are the characters that format inline
# (emphasis, code, a link's brackets -- a parenthesis links nothing without them -- HTML and entities)
# always, and a line's first characters only where they would start a heading or a list: as few backslashes
# as possible, as Teams' mobile clients have shown escapes literally
# (https://github.com/microsoft/AdaptiveCards/issues/5590), so money such as "-$1.20" is left as it is.
_MARKDOWN_INLINE = re.compile(r"([\\`*_~\[\]<>&])")
_MARKDOWN_BLOCK = re.compile(r"(?m)^([ \t]*)([#+\-])(?=\s|$)")
_MARKDOWN_NUMBERED = re.compile(r"(?m)^([ \t]*\d{1,9})([.)])(?=\s|$)")


def teams_markdown(text: str) -> str:
    """Adaptive Card markdown: every formatting character backslash-escaped (CommonMark)."""
    escaped = _MARKDOWN_INLINE.sub(r"\\\1", text)
    escaped = _MARKDOWN_BLOCK.sub(r"\1\\\2", escaped)
    return _MARKDOWN_NUMBERED.sub(r"\1\\\2", escaped)


def chat_html(text: str) -> str:
    """Google Chat card text, "simple HTML formatted text": <, > and & as entities, so that a name is text
    (https://developers.google.com/workspace/chat/format-messages#format-card-messages)."""
    return html.escape(text, quote=False)


def clip(text: str, limit: int, escape: Callable[[str], str] = str) -> str:
    """`text` escaped, and if that is longer than `limit` characters (chars()), cut and ended with "…" so
    that it fits: the text is cut before escaping, so an escape (&amp;, \\*) is never cut in half."""
    escaped = escape(text)
    keep = len(text)
    while chars(escaped) > limit and keep > 0:
        # Each character cut shortens the escaped text by at least one unit: cut the overflow at once.
        keep = max(0, keep - max(1, chars(escaped) - limit))
        escaped = escape(text[:keep].rstrip() + ELLIPSIS)
    return escaped
