"""Every bound of the chat messages, defined once: what a message holds, and each platform's limits with the
page that states them. The renderers cut to these; tests/unit/test_chat_messages.py checks a worst case
against them.

Characters are counted as UTF-16 code units (`chars`), never fewer than the code points: an emoji is one
code point but two units, and a platform that counts either way is within its limit. Message sizes are the
JSON body's bytes however the poster serialises it (`message_bytes`).
"""

from __future__ import annotations

import json
from typing import Any

from render_email.labels import HTML_NAME_CHARS

# --- What a message holds: a summary read in ten seconds, the email has the rest ---------------------------
TOP_LINES = 5  # the report's largest lines (services, accounts, ...), then "Other (N)" with the rest
WEBHOOK_TOP_LINES = 10  # the generic webhook's JSON is read by programs: more lines, still bounded
TOP_MOVERS = 3  # the biggest movers, increases first, then "and N more movers"
TOP_LISTED = 3  # anomalies, and new services, each: then "and N more anomalies"
LABEL_CHARS = HTML_NAME_CHARS  # a line's name, cut as the email cuts it (64)
TITLE_CHARS = 100  # the report's name in a title
SCOPE_CHARS = 150  # what a named report covers ("tag team = payments, by service")

# --- Slack: an incoming webhook's Block Kit message -----------------------------------------------------
# https://docs.slack.dev/reference/block-kit/blocks ("You can include up to 50 blocks in each message")
SLACK_BLOCKS = 50
# https://docs.slack.dev/reference/block-kit/blocks/section-block: text 3,000 characters; fields at most 10,
# each 2,000 characters
SLACK_SECTION_TEXT_CHARS = 3000
SLACK_SECTION_FIELDS = 10
SLACK_FIELD_CHARS = 2000
# https://docs.slack.dev/reference/block-kit/blocks/header-block: plain_text, at most 150 characters
SLACK_HEADER_CHARS = 150
# https://docs.slack.dev/reference/block-kit/blocks/context-block: at most 10 elements
SLACK_CONTEXT_ELEMENTS = 10
# https://docs.slack.dev/reference/block-kit/composition-objects/text-object: 1 to 3,000 characters
SLACK_TEXT_OBJECT_CHARS = 3000
# https://docs.slack.dev/reference/block-kit/block-elements/button-element: text 75 characters, url 3,000
SLACK_BUTTON_TEXT_CHARS = 75
SLACK_URL_CHARS = 3000
# https://api.slack.com/changelog/2018-04-truncating-really-long-messages: `text` is cut beyond 40,000
SLACK_TEXT_CHARS = 40_000
# Slack documents no limit on a whole message, but refuses blocks it finds too long (msg_blocks_too_long)
# from about 13,200 characters of block text (https://github.com/slackapi/bolt-js/issues/2509): a message
# stays under this many bytes of JSON, which is fewer characters than that.
SLACK_MESSAGE_BYTES = 12_000

# --- Microsoft Teams: a Workflows "Post to a channel when a webhook request is received" Adaptive Card ----
# https://learn.microsoft.com/en-us/connectors/teams/ (Known issues and limitations): "When an action posts
# a message, the message size limit is approximately 28 KB ... the action fails with the following error:
# 'Request Entity too large'". Teams counts the payload encoded as UTF-16 (the bot message limit, "the
# entire message payload encoded as UTF-16",
# https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/format-your-bot-messages), and a
# webhook refused 14,000 UTF-8 bytes that were 28 KB in UTF-16
# (https://techqa.club/v/q/ms-teams-webhook-returns-error-413-on-small-messages-78034694): the card is
# measured both ways.
TEAMS_MESSAGE_BYTES = 28_000

# --- Google Chat: an incoming webhook's card message (cardsV2) ------------------------------------------
# https://developers.google.com/workspace/chat/api/reference/rest/v1/spaces.messages/create: "The maximum
# message size, including the message contents, is 32,000 bytes"
GOOGLE_CHAT_MESSAGE_BYTES = 32_000
# A message's plain text: Chat answers 400 "Maximum length of the field is 4096" beyond it (not on a
# reference page; https://github.com/googleworkspace/hubot-google-hangouts-chat/issues/12). The card
# message's fallbackText is held to it too.
GOOGLE_CHAT_TEXT_CHARS = 4096
# https://developers.google.com/workspace/chat/api/reference/rest/v1/cards ("You can add up to 100 widgets
# per card. Any widgets beyond this limit are ignored.")
GOOGLE_CHAT_CARD_WIDGETS = 100

# --- The generic JSON webhook (docs/chat-webhook.schema.json): our own bound, the smallest chat platform's --
WEBHOOK_MESSAGE_BYTES = 32_000


def chars(text: str) -> int:
    """Characters as a platform may count them: UTF-16 code units (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def message_bytes(body: dict[str, Any], *, utf16: bool = False) -> int:
    """The body's size as the poster may send it: JSON with non-ASCII escaped (\\uXXXX) or as UTF-8, whichever
    is larger; with `utf16`, also the UTF-16 encoding a platform may count (Teams)."""
    encoded = [json.dumps(body, ensure_ascii=flag) for flag in (True, False)]
    sizes = [len(text.encode("utf-8")) for text in encoded]
    if utf16:
        sizes.append(len(encoded[1].encode("utf-16-le")))
    return max(sizes)
