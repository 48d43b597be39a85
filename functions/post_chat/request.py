"""What the state machine passes to PostToChannel, validated at the edge into a ChatRequest.

    {"channel": {"name": "finops-slack", "type": "slack"}, "message": {...}}

The channel is one of the report's `chat` (report_contract.spec.ChatChannel), checked by the same rules.
Its webhook URL is the value of the Secrets Manager secret CHAT_SECRET_PREFIX + its name
("cost-notifier/chat/finops-slack"): Terraform creates that secret per channel (terraform/chat.tf) and sets
the prefix in this function's environment, so the URL never travels in a state.

The message is the JSON object the webhook takes, rendered by an earlier state; this function posts it as
it is. Fields it does not know (in the event or the channel) are ignored, so the channel declaration can
grow before this function reads the new field.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from report_contract.excerpt import excerpt
from report_contract.spec import CHANNEL_NAME, CHANNEL_NAME_CHARS, CHANNEL_TYPES

from post_chat.errors import ConfigurationError, InvalidChatRequest

# The name of the environment variable Terraform sets to the chat secrets' common prefix (local.chat_secret_prefix).
SECRET_PREFIX_VARIABLE = "CHAT_SECRET_PREFIX"


def secret_prefix() -> str:
    """The chat secrets' prefix ("cost-notifier/chat/"), read at call time like the other functions' names
    of what Terraform created."""
    prefix = os.environ.get(SECRET_PREFIX_VARIABLE, "").strip()
    if not prefix:
        raise ConfigurationError(
            f"{SECRET_PREFIX_VARIABLE} is not set: Terraform sets it to the chat secrets' prefix (<name_prefix>/chat/)"
        )
    return prefix


@dataclass(frozen=True)
class Channel:
    name: str
    type: str
    secret: str  # the name of the secret whose value is the webhook URL: CHAT_SECRET_PREFIX + the name


@dataclass(frozen=True)
class ChatRequest:
    channel: Channel
    message: dict[str, Any]

    @classmethod
    def from_event(cls, event: object, secret_prefix: str) -> ChatRequest:
        if not isinstance(event, dict):
            raise InvalidChatRequest(
                f'expected {{"channel": {{"name", "type"}}, "message": {{...}}}}, got {_shown(event)}'
            )
        channel = _object(event, "channel", "channel")
        message = _object(event, "message", "message")
        name = _text(channel, "name", "channel.name")
        if not CHANNEL_NAME.fullmatch(name):
            raise InvalidChatRequest(
                f"channel.name: {_shown(name)} is not allowed: use 1 to {CHANNEL_NAME_CHARS} of lower-case letters, "
                "digits and hyphens, starting with a letter or digit (e.g. finops-slack)"
            )
        kind = _text(channel, "type", "channel.type")
        if kind not in CHANNEL_TYPES:
            raise InvalidChatRequest(
                f"channel.type: {_shown(kind)} is not allowed: use one of {', '.join(CHANNEL_TYPES)}"
            )
        return cls(Channel(name=name, type=kind, secret=secret_prefix + name), message)


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
