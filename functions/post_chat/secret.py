"""The channel's webhook URL: the value of its Secrets Manager secret, read at call time (GetSecretValue,
SecretId = the secret's name) and kept in memory for CHAT_SECRET_MAX_AGE_SECONDS, per secret.

The value is the URL alone (blanks around it are dropped); webhook.parse_webhook_url says which URLs are
allowed. Every failure is one of errors.py's names, and none of their messages shows the value: they name
the channel and the secret's name.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from post_chat.errors import ChatSecretNotSet, ChatSecretUnavailable, ChatSecretUnreadable
from post_chat.request import Channel
from post_chat.webhook import NotAWebhookUrl, WebhookUrl, parse_webhook_url

# botocore logs every answer's body at DEBUG ("Response body", botocore/parsers.py), and GetSecretValue's
# body is the webhook URL. Lambda's log-level setting can put the root logger at DEBUG; this one stays at
# INFO whatever the root's level is.
logging.getLogger("botocore.parsers").setLevel(logging.INFO)

# Below the function's timeout, so an unreachable Secrets Manager fails as ChatSecretUnavailable rather
# than as Lambda's "Task timed out". botocore's defaults are 60 s each; GetSecretValue answers in tens of ms.
CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 5
# Secrets Manager's answers that pass with time: throttling and its own failures (a 5xx is treated the
# same whatever its code). https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
# and https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html
TRANSIENT_CODES = frozenset(
    {"ThrottlingException", "InternalServiceError", "InternalFailure", "ServiceUnavailable", "RequestTimeout"}
)
# What to do about a refusal no retry changes, by Secrets Manager's error code.
_UNREADABLE_ADVICE = {
    "AccessDeniedException": "grant the function's role secretsmanager:GetSecretValue on this secret",
    "DecryptionFailure": "grant the function's role kms:Decrypt on the secret's KMS key",
    "InvalidRequestException": "a secret scheduled for deletion answers this: restore it with "
    "aws secretsmanager restore-secret --secret-id {arn}",
}


@functools.cache
def _secretsmanager() -> Any:
    """Created on first use, in the function's region (Terraform creates the secrets beside it). botocore's
    own retries are off: the state machine's Retry on ChatSecretUnavailable is the one retry policy, visible
    and the same for every task."""
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )
    return boto3.client("secretsmanager", config=config)


@dataclass(frozen=True)
class _Read:
    url: WebhookUrl
    at: float  # time.monotonic() when it was read


class UrlCache:
    """The URLs read in this execution environment, by secret name. An entry is used while younger than
    the max age; max age 0 keeps nothing."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._reads: dict[str, _Read] = {}
        self._clock = clock

    def get(self, channel: Channel, max_age: int, *, fresh: bool = False) -> tuple[WebhookUrl, bool]:
        """The channel's URL and whether it came from memory. fresh=True reads the secret again whatever
        the age of what is kept (after a webhook refused a kept URL: the user may have rotated it)."""
        now = self._clock()
        kept = self._reads.get(channel.secret)
        if kept is not None and not fresh and now - kept.at < max_age:
            return kept.url, True
        self._reads.pop(channel.secret, None)
        url = webhook_url(channel, read_secret(channel))
        if max_age > 0:
            self._reads[channel.secret] = _Read(url, now)
        return url, False

    def clear(self) -> None:
        self._reads.clear()


CACHE = UrlCache()


def read_secret(channel: Channel) -> str:
    """The secret's current value, as text with the blanks around it dropped."""
    try:
        answer = _secretsmanager().get_secret_value(SecretId=channel.secret)
    except ClientError as error:
        raise _refusal(channel, error) from None
    except BotoCoreError as error:  # no connection, a timeout: botocore's message names the endpoint only
        raise ChatSecretUnavailable(
            f"channel {channel.name}: Secrets Manager could not be reached to read the secret {channel.secret} "
            f"({type(error).__name__}: {error}); nothing was posted"
        ) from error
    if "SecretString" not in answer:
        raise ChatSecretNotSet(_not_set(channel, "its value is binary (SecretBinary), not the URL as text"))
    value: str = answer["SecretString"]
    return value.strip()


def webhook_url(channel: Channel, value: str) -> WebhookUrl:
    try:
        return parse_webhook_url(value)
    except NotAWebhookUrl as reason:
        raise ChatSecretNotSet(
            _not_set(
                channel,
                f"its value {reason} (the value must be the webhook URL alone, https; http only to "
                "127.0.0.1, ::1 or localhost)",
            )
        ) from None


def _refusal(channel: Channel, error: ClientError) -> Exception:
    code = error.response.get("Error", {}).get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    said = f"{code}: {error.response.get('Error', {}).get('Message', '')}"
    if code == "ResourceNotFoundException":  # no such secret, or no AWSCURRENT version: never given a value
        return ChatSecretNotSet(_not_set(channel, f"it does not exist or has no value yet (Secrets Manager: {said})"))
    if code in TRANSIENT_CODES or status >= 500:
        return ChatSecretUnavailable(
            f"channel {channel.name}: Secrets Manager did not give the value of the secret {channel.secret} "
            f"({said}); nothing was posted"
        )
    advice = _UNREADABLE_ADVICE.get(code, "check the secret and the function's role").format(arn=channel.secret)
    return ChatSecretUnreadable(
        f"channel {channel.name}: Secrets Manager refused to read the secret {channel.secret} ({said}): "
        f"{advice}; nothing was posted"
    )


def _not_set(channel: Channel, why: str) -> str:
    return (
        f"channel {channel.name}: the secret {channel.secret} holds no webhook URL: {why}. Set it: "
        f"aws secretsmanager put-secret-value --secret-id {channel.secret} --secret-string '<webhook URL>'"
    )
