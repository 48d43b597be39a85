"""Every error post_chat raises on purpose, by what went wrong. The class name is the error name Step
Functions sees, so the PostToChannel task's Retry lists match these names; each docstring says whether the
state machine retries it, and why.

No message names the webhook URL, its path or its query: the URL is the credential (whoever has a Slack,
Teams or Google Chat webhook URL can post to the channel). A message names the channel and the name of the
secret that holds the URL instead.
"""

from __future__ import annotations


class ConfigurationError(RuntimeError):
    """An environment variable of the function has a value it cannot use (settings.SETTINGS says what it
    may be). The message names the variable, the value and what is allowed. Not retried: every invocation
    fails the same way until the setting is fixed."""


class InvalidChatRequest(Exception):
    """The event is not {"channel": {"name", "type", "secret"}, "message": {...}}: the message names the
    field, the value and what is allowed. Not retried: the same event fails the same way."""


class ChatSecretNotSet(Exception):
    """The channel's secret has no webhook URL: the secret does not exist, has no current value yet
    (Terraform creates it empty), or its value is not a URL this function posts to. The message says how to
    set it. Not retried: no retry sets the value; after `put-secret-value`, redrive the execution."""


class ChatSecretUnavailable(Exception):
    """Secrets Manager did not give the value: throttled, a 5xx, or unreachable. Retried with backoff:
    these pass, and nothing has been posted yet."""


class ChatSecretUnreadable(Exception):
    """Secrets Manager refused the read for a reason no retry changes: the function's role may not read
    the secret or decrypt it with its KMS key, or the secret is scheduled for deletion. The message names
    Secrets Manager's error code. Not retried: it is a deployment problem, and nothing has been posted."""


class ChatWebhookRejected(Exception):
    """The webhook answered with a 4xx other than 408 and 429 (400: the payload is invalid; 403, 404, 410:
    the webhook was revoked or its channel archived or deleted), or with a redirect, which a webhook never
    sends. Not retried: the same post gets the same answer, and nothing was posted. The message holds the
    status, the start of the webhook's answer (Slack's says why, e.g. channel_is_archived) and what to do."""


class ChatWebhookThrottled(Exception):
    """The webhook answered 429 (or 503 with Retry-After) and the wait it asked for does not fit in what
    is left of the invocation, or it asked again after the waits the function makes itself, or a 429 gave
    no Retry-After. Retried with backoff: the service asked to be called again later, and nothing was
    posted."""


class ChatWebhookFailed(Exception):
    """The webhook answered with a 5xx (or 408: it gave up waiting for the request): it answered and did
    not take the message. Retried with backoff: server errors pass, and nothing was posted."""


class ChatWebhookUnreachable(Exception):
    """The request could not be sent: the host's name did not resolve, the connection was refused or timed
    out, or the TLS handshake failed. Retried with backoff: nothing was posted, so a retry cannot post
    twice."""


class ChatWebhookUnanswered(Exception):
    """The request was sent and no answer came within the timeout (CHAT_TIMEOUT_SECONDS), the connection
    dropped after it was sent, or a gateway said the service behind it did not answer in time (504): the
    message MAY have been posted. Not retried, so that nothing is posted twice on its own: check the channel,
    and redrive the execution only if the message is not there."""
