"""Posting one message to one channel: the URL from the secret, the POST, the waits a throttled webhook
asks for, one post to a rotated URL, and what the last answer means (errors.py's names).

Any 2xx is success (Slack answers 200 "ok", Teams Workflows 202 Accepted, Google Chat 200 with the message).
Otherwise, by the last answer:
- 429, or 503 with Retry-After: wait and post again while the wait fits in the invocation (at most MAX_WAITS
  times), then ChatWebhookThrottled.
- 403, 404, 410 to a URL kept in memory: read the secret again; a new URL gets one post, the same URL is
  ChatWebhookRejected.
- 3xx (never followed: a webhook does not redirect), other 4xx but 408: ChatWebhookRejected.
- 504: ChatWebhookUnanswered (the gateway lost the service's answer: it may have posted).
- 408, other 5xx: ChatWebhookFailed.
- No connection: ChatWebhookUnreachable; sent and no answer: ChatWebhookUnanswered.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from post_chat.errors import (
    ChatWebhookFailed,
    ChatWebhookRejected,
    ChatWebhookThrottled,
    ChatWebhookUnanswered,
    ChatWebhookUnreachable,
)
from post_chat.request import Channel, ChatRequest
from post_chat.secret import CACHE, UrlCache
from post_chat.settings import Settings
from post_chat.version import user_agent
from post_chat.webhook import (
    ANSWER_EXCERPT,
    Answer,
    NoAnswer,
    NotSent,
    WebhookUrl,
    post_json,
    retry_after_seconds,
)

logger = Logger(service="cost-notifier", child=True)

# The waits for Retry-After one invocation makes itself before it leaves the next one to the state
# machine's Retry (ChatWebhookThrottled).
MAX_WAITS = 3
# What an invocation keeps for itself after its last request: to log, count and return.
MARGIN_SECONDS = 1.0
# The answers of a revoked webhook, or of one whose channel was archived or deleted. A kept URL that gets
# one is read again: the user may have rotated the webhook and stored the new URL since it was read.
REVOKED = frozenset({403, 404, 410})
# RFC 9110, 15.6.5: 504 "did not receive a timely response from an upstream server": the service behind
# the gateway may have taken the message. 408, 15.5.9: the server gave up waiting for the request.
GATEWAY_TIMEOUT = 504
REQUEST_TIMEOUT = 408


@dataclass
class Delivery:
    """One invocation's post of one message: what it may spend (time, waits) and what it has done."""

    request: ChatRequest
    settings: Settings
    remaining_seconds: Callable[[], float]  # the invocation's (context.get_remaining_time_in_millis)
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    cache: UrlCache = CACHE
    waits_left: int = MAX_WAITS
    posts: int = 0
    reread: bool = False  # the secret was read again after the webhook refused a kept URL
    body: bytes = field(init=False)

    def __post_init__(self) -> None:
        self.body = json.dumps(self.request.message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @property
    def channel(self) -> Channel:
        return self.request.channel

    def run(self) -> int:
        """Post the message; the webhook's 2xx status, or one of errors.py's exceptions."""
        max_age = self.settings.secret_max_age_seconds
        url, kept = self.cache.get(self.channel, max_age)
        answer = self.post_until_not_throttled(url)
        if answer.status in REVOKED and kept:
            fresh, _ = self.cache.get(self.channel, max_age, fresh=True)
            self.reread = True
            if fresh.value != url.value:
                logger.info(
                    "The webhook refused the URL kept in memory and the secret holds a new one: posting to it",
                    extra={"httpStatus": answer.status, "host": fresh.host},
                )
                answer = self.post_until_not_throttled(fresh)
        return self.verdict(answer)

    def post_until_not_throttled(self, url: WebhookUrl) -> Answer:
        """Post, and post again after each wait a throttled webhook asks for while the wait fits in the
        invocation and waits are left; the last answer."""
        while True:
            answer = self.post(url)
            wait = self.throttle_wait(answer)
            if wait is None or self.waits_left == 0 or not self.fits(wait):
                return answer
            self.waits_left -= 1
            logger.info(
                "The webhook is throttling: waiting the Retry-After it asked for, then posting again",
                extra={"httpStatus": answer.status, "retryAfter": answer.retry_after, "waitSeconds": wait},
            )
            self.sleep(wait)

    def post(self, url: WebhookUrl) -> Answer:
        timeout = max(1.0, min(float(self.settings.timeout_seconds), self.remaining_seconds() - MARGIN_SECONDS))
        self.posts += 1
        try:
            answer = post_json(url, self.body, timeout, user_agent())
        except NotSent as error:
            raise ChatWebhookUnreachable(
                f"channel {self.channel.name}: could not connect to the webhook's host {url.host} ({error}); "
                "nothing was posted"
            ) from error
        except NoAnswer as error:
            what = (
                f"no answer came within {timeout:g} s" if error.timed_out else "the connection ended before an answer"
            )
            raise ChatWebhookUnanswered(
                f"channel {self.channel.name}: the message was sent to {url.host} and {what} ({error}): it may have "
                "been posted. Check the channel before redriving"
            ) from error
        logger.info(
            "The webhook answered",
            extra={"httpStatus": answer.status, "post": self.posts, "elapsedMs": round(answer.elapsed_seconds * 1000)},
        )
        return answer

    def throttle_wait(self, answer: Answer) -> float | None:
        """The seconds a throttled answer asks to wait before the next post, or None (not throttled, or
        throttled without a Retry-After this function can read)."""
        if answer.status not in (429, 503):
            return None
        return retry_after_seconds(answer.retry_after, self.now())

    def fits(self, wait: float) -> bool:
        """Whether the wait, another post's full timeout and the margin fit in what is left."""
        return wait + self.settings.timeout_seconds + MARGIN_SECONDS <= self.remaining_seconds()

    def verdict(self, answer: Answer) -> int:
        status = answer.status
        if 200 <= status < 300:
            return status
        said = f"HTTP {status} {answer.reason}".strip() + (
            f", answering {answer.body[:ANSWER_EXCERPT]!r}" if answer.body else ""
        )
        name = self.channel.name
        if status == 429 or (status == 503 and answer.retry_after is not None):
            raise ChatWebhookThrottled(
                f"channel {name}: the webhook is throttling ({said}); {self.why_not_waited(answer)}"
            )
        if status == GATEWAY_TIMEOUT:
            raise ChatWebhookUnanswered(
                f"channel {name}: a gateway in front of the webhook answered {said}: the service behind it did not "
                "answer in time, and may have posted the message. Check the channel before redriving"
            )
        if status == REQUEST_TIMEOUT or status >= 500:
            raise ChatWebhookFailed(f"channel {name}: the webhook failed ({said}); it did not take the message")
        raise ChatWebhookRejected(f"channel {name}: the webhook refused the message ({said}). {self.advice(status)}")

    def why_not_waited(self, answer: Answer) -> str:
        wait = self.throttle_wait(answer)
        if wait is None:
            return "it gave no Retry-After this function can read; nothing was posted"
        if self.waits_left == 0:
            return f"it asked again after the {MAX_WAITS} waits this invocation makes; nothing was posted"
        return (
            f"it asked to wait {wait:g} s (Retry-After: {answer.retry_after}), more than the "
            f"{self.remaining_seconds():.0f} s this invocation has left for a wait and a post; nothing was posted"
        )

    def advice(self, status: int) -> str:
        secret = self.channel.secret
        store = f"aws secretsmanager put-secret-value --secret-id {secret} --secret-string '<webhook URL>'"
        if 300 <= status < 400:
            return (
                "A webhook never redirects: the secret probably holds a page's address, not the webhook's. "
                f"Store the webhook URL: {store}"
            )
        if status in (401, *REVOKED):
            again = " (the secret was read again: it holds this URL)" if self.reread else ""
            return (
                f"The webhook was revoked, or its channel archived or deleted{again}. Create a new webhook for "
                f"the channel and store its URL: {store}; then redrive the execution"
            )
        if status in (400, 413, 422):
            return (
                f"The webhook does not take this message: check the message rendered for a {self.channel.type} "
                "channel; posting it again will not help"
            )
        return f"Check the webhook, and the URL in the secret {secret}"
