"""What the state machine passes to PostToChannel, validated at the edge into a ChatRequest.

    {"channel": {"name": "finops-slack", "type": "slack",
                 "secret":
                   "arn:aws:secretsmanager:us-east-1:123456789012:secret:cost-notifier/chat/finops-slack-AbCdEf"},
     "message": {...}}

The message is the JSON object the webhook takes, rendered by an earlier state; this function posts it as
it is. Fields it does not know (in the event or the channel) are ignored, so the channel declaration can
grow before this function reads the new field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from report_contract.excerpt import excerpt

from post_chat.errors import InvalidChatRequest

# The kinds of webhook a channel may be. They differ in the message an earlier state renders and in what
# the webhook answers on success (Slack 200 "ok", Teams Workflows 202, Google Chat 200 with the message),
# not in how it is posted.
CHANNEL_TYPES = ("slack", "teams", "google_chat", "webhook")
CHANNEL_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
# A secret's full ARN, as Secrets Manager and Terraform's aws_secretsmanager_secret.arn give it: its name (1 to
# 512 of ASCII letters, digits and /_+=.@-) "followed by six random characters", after a hyphen
# (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html, Name and ARN).
SECRET_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):secretsmanager:(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]+):[0-9]{12}:"
    r"secret:[A-Za-z0-9/_+=.@-]{1,512}-[A-Za-z0-9]{6}"
)


@dataclass(frozen=True)
class Channel:
    name: str
    type: str
    secret: str  # the ARN of the secret whose value is the webhook URL

    @property
    def region(self) -> str:
        """The region the secret is in (Secrets Manager is called there)."""
        match = SECRET_ARN.fullmatch(self.secret)
        assert match is not None  # from_event checked it
        return match["region"]


@dataclass(frozen=True)
class ChatRequest:
    channel: Channel
    message: dict[str, Any]

    @classmethod
    def from_event(cls, event: object) -> ChatRequest:
        if not isinstance(event, dict):
            raise InvalidChatRequest(
                f'expected {{"channel": {{"name", "type", "secret"}}, "message": {{...}}}}, got {_shown(event)}'
            )
        channel = _object(event, "channel", "channel")
        message = _object(event, "message", "message")
        name = _text(channel, "name", "channel.name")
        if not CHANNEL_NAME.fullmatch(name):
            raise InvalidChatRequest(
                f"channel.name: {_shown(name)} is not allowed: use 1 to 40 of lower-case letters, digits and "
                "hyphens, starting with a letter or digit (e.g. finops-slack)"
            )
        kind = _text(channel, "type", "channel.type")
        if kind not in CHANNEL_TYPES:
            raise InvalidChatRequest(
                f"channel.type: {_shown(kind)} is not allowed: use one of {', '.join(CHANNEL_TYPES)}"
            )
        secret = _text(channel, "secret", "channel.secret")
        if not SECRET_ARN.fullmatch(secret):
            raise InvalidChatRequest(
                f"channel.secret: {_shown(secret)} is not allowed: use the full ARN of the Secrets Manager secret that "
                "holds the webhook URL (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)"
            )
        return cls(Channel(name=name, type=kind, secret=secret), message)


def _object(parent: dict[str, Any], key: str, field: str) -> dict[str, Any]:
    if key not in parent:
        raise InvalidChatRequest(f"{field} is missing: expected a JSON object")
    value = parent[key]
    if not isinstance(value, dict):
        raise InvalidChatRequest(f"{field}: expected a JSON object, got {_shown(value)}")
    return value


def _text(parent: dict[str, Any], key: str, field: str) -> str:
    if key not in parent:
        raise InvalidChatRequest(f"{field} is missing: expected a string")
    value = parent[key]
    if not isinstance(value, str):
        raise InvalidChatRequest(f"{field}: expected a string, got {_shown(value)}")
    return value


def _shown(value: object) -> str:
    """A refused value as a message quotes it, unless it holds a URL: that may be the webhook URL itself,
    put in the event by mistake, and no message may show it."""
    return "a value with a URL in it (not shown)" if "://" in repr(value) else excerpt(value)
