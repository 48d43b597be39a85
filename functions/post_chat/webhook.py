"""One POST of a JSON body to a chat webhook, with the standard library's http.client, and the pure parts
around it: which secret values are webhook URLs, and how long a Retry-After asks to wait.

The request is made in two phases, because a failure means something different in each:
- connect: the host's name resolved, the TCP connection made and, for https, the TLS handshake done.
  A failure here sent nothing (NotSent): nothing can have been posted.
- send and answer: once the request may have left, a failure (no answer in time, the connection dropped)
  may hide a message the webhook did post (NoAnswer).

Nothing here logs, and no exception or value it makes shows the URL's path or query: a chat webhook's
URL is its credential.
"""

from __future__ import annotations

import functools
import http.client
import re
import ssl
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

# http is allowed only to this machine: for testing the function locally against a server on the
# loopback interface. Anywhere else the URL (its path is the credential) and the message would cross the
# network in clear text.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
# How much of a webhook's answer an error message quotes: Slack's reason (channel_is_archived,
# invalid_token, no_text) fits many times over, an HTML error page is cut.
ANSWER_EXCERPT = 200
_ANSWER_READ_BYTES = 4096  # what is read of an answer's body; only its start is ever shown
_DELAY_SECONDS = re.compile(r"[0-9]+")


class NotAWebhookUrl(ValueError):
    """A secret's value that is not a URL this function posts to. The message says why without quoting
    any of the value."""


class NotSent(Exception):
    """The connection could not be made: nothing was sent."""


class NoAnswer(Exception):
    """The request was (or may have been) sent and no answer came: it may have been posted. `timed_out`:
    the time ran out (rather than the connection ending)."""

    def __init__(self, reason: str, *, timed_out: bool) -> None:
        super().__init__(reason)
        self.timed_out = timed_out


@dataclass(frozen=True)
class WebhookUrl:
    """A webhook URL taken apart for http.client. Only the scheme, host and port show in its repr."""

    scheme: str
    host: str
    port: int | None
    target: str = field(repr=False)  # path and query: the credential
    value: str = field(repr=False)  # the URL as the secret holds it

    def redact(self, text: str) -> str:
        """The text with the URL, and its path and query, cut out (a server may echo them in its answer)."""
        for secret in sorted({self.value, self.target, self.target.split("?", 1)[0]}, key=len, reverse=True):
            if len(secret) > 1:  # not the bare "/"
                text = text.replace(secret, "<webhook URL>")
        return text


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    retry_after: str | None  # the Retry-After header, as sent
    body: str  # the start of the answer's body, the URL cut out, whitespace runs as one space
    elapsed_seconds: float


def parse_webhook_url(value: str) -> WebhookUrl:
    """The secret's value as a WebhookUrl; NotAWebhookUrl says what is wrong with it, quoting none of it."""
    if not value:
        raise NotAWebhookUrl("is empty")
    if value.startswith(("{", "[")):
        raise NotAWebhookUrl("is JSON: store the webhook URL alone, not a JSON document")
    if any(character.isspace() or not character.isprintable() for character in value):
        raise NotAWebhookUrl("contains spaces or control characters inside it")
    if not value.isascii():  # http.client sends the request line as ASCII
        raise NotAWebhookUrl("contains characters outside ASCII: percent-encode them (and use the host's xn-- form)")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise NotAWebhookUrl("is not a well-formed URL (its host or port cannot be read)") from None
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("https", "http") or not host:
        raise NotAWebhookUrl("is not an https URL")
    if parts.scheme.lower() == "http" and host not in LOOPBACK_HOSTS:
        raise NotAWebhookUrl("is an http URL: a webhook URL must be https")
    if parts.username is not None or parts.password is not None:
        raise NotAWebhookUrl("has a user name or password in it, which a chat webhook URL never has")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return WebhookUrl(scheme=parts.scheme.lower(), host=host, port=port, target=target, value=value)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """The wait a Retry-After header asks for: delay-seconds, or an HTTP-date less now (RFC 9110, 10.2.3:
    `Retry-After = HTTP-date / delay-seconds`; all three HTTP-date forms, 5.6.7). None when there is no
    header or it is neither; 0 for a date already past."""
    if value is None:
        return None
    text = value.strip()
    if _DELAY_SECONDS.fullmatch(text):
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # the asctime form has no zone; every HTTP-date is in GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


@functools.cache
def _tls() -> ssl.SSLContext:
    """Certificates verified against the system's trust store, host names checked (once per environment)."""
    return ssl.create_default_context()


def _connection(url: WebhookUrl, timeout: float) -> http.client.HTTPConnection:
    if url.scheme == "https":
        return http.client.HTTPSConnection(url.host, url.port, timeout=timeout, context=_tls())
    return http.client.HTTPConnection(url.host, url.port, timeout=timeout)


def post_json(url: WebhookUrl, body: bytes, timeout: float, user_agent: str) -> Answer:
    """POST the body once; no redirect is followed. The whole exchange gets `timeout` seconds: connecting
    may take all of them, sending and the answer what connecting left (each read of the socket waits at
    most that long). Raises NotSent or NoAnswer."""
    started = time.monotonic()
    connection = _connection(url, timeout)
    try:
        try:
            connection.connect()  # name, TCP and TLS: nothing has been sent yet
        except (OSError, http.client.HTTPException, UnicodeError) as error:  # gaierror, refused, timeout, TLS
            raise NotSent(url.redact(_describe(error))) from error
        try:
            if connection.sock is not None:
                connection.sock.settimeout(max(0.001, started + timeout - time.monotonic()))
            connection.request("POST", url.target, body=body, headers=_headers(user_agent))
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as error:  # a timeout, a reset, a closed connection
            raise NoAnswer(url.redact(_describe(error)), timed_out=isinstance(error, TimeoutError)) from error
        return Answer(
            status=response.status,
            reason=response.reason,
            retry_after=response.getheader("Retry-After"),
            body=url.redact(_read_start(response)),
            elapsed_seconds=time.monotonic() - started,
        )
    finally:
        connection.close()


def _headers(user_agent: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "Accept": "application/json, text/plain;q=0.9, */*;q=0.1",
        "User-Agent": user_agent,
        "Connection": "close",
    }


def _read_start(response: http.client.HTTPResponse) -> str:
    """The start of the answer's body. The status is the webhook's verdict, so a body that cannot be read
    (cut off, too slow) leaves it blank rather than failing the post."""
    try:
        raw = response.read(_ANSWER_READ_BYTES)
    except (OSError, http.client.HTTPException):
        raw = b""
    return " ".join(raw.decode("utf-8", errors="replace").split())


def _describe(error: BaseException) -> str:
    """What went wrong, as the socket or TLS layer says it (these never include the URL's path)."""
    text = str(error).strip()
    if isinstance(error, TimeoutError) and text in ("", "timed out"):
        return "timed out"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
