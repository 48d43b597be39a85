"""A real HTTP server on 127.0.0.1 for tests of code that posts to webhooks: it answers with a script of
replies, in order, and records every request it receives.

    with webhook_server(Reply(429, headers={"Retry-After": "1"}), Reply(200, body="ok")) as server:
        url = server.url("/services/T000/B000/XXXX")   # http://127.0.0.1:<ephemeral port>/services/...
        ...                                            # the code under test posts to url
        assert [r.json for r in server.requests] == [message, message]

The server is http.server.ThreadingHTTPServer in a thread, on a port the system picks: the code under test
makes real connections, reads real status lines and headers, and meets real timeouts. A request beyond the
script gets 500 "unscripted request" (and is recorded), so a test sees a post it did not expect, unless the
server has a `default` reply (the demo's webhooks answer every post as the platform would).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

UNSCRIPTED = 500


@dataclass(frozen=True)
class Reply:
    """One scripted answer. `delay`: seconds between reading the request (it is recorded first) and
    answering. `drop`: after the delay, close the connection without answering."""

    status: int = 200
    body: str | bytes = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


# What each platform's webhook answers a post it took: Slack 200 "ok", a Teams Workflows webhook 202
# Accepted, Google Chat 200 with the message it created, a generic webhook any 2xx (here 204).
PLATFORM_SUCCESS = {
    "slack": Reply(200, body="ok", headers={"Content-Type": "text/plain"}),
    "teams": Reply(202),
    "google_chat": Reply(
        200, body='{"name": "spaces/AAAA/messages/BBBB"}', headers={"Content-Type": "application/json"}
    ),
    "webhook": Reply(204),
}


@dataclass(frozen=True)
class Received:
    """One request as the server read it. `headers` has lower-case names; `json` is the parsed body, or
    None when the body is not JSON."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any
    at: float  # time.monotonic() when the request had been read: for the time between two requests
    wall: float  # time.time() then: to compare with a date the server sent (an HTTP-date Retry-After)


class WebhookServer:
    def __init__(self, replies: tuple[Reply, ...], default: Reply | None = None) -> None:
        self._replies = list(replies)
        self._default = default
        self._requests: list[Received] = []
        self._given: list[Reply] = []  # the reply each request got, in order
        self._lock = threading.Lock()
        self.stopping = threading.Event()  # ends every delay at once when the block ends
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.httpd.daemon_threads = True
        self.port: int = self.httpd.server_address[1]

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, *replies: Reply) -> None:
        """More replies, served after the ones already scripted."""
        with self._lock:
            self._replies.extend(replies)

    @property
    def requests(self) -> list[Received]:
        with self._lock:
            return list(self._requests)

    @property
    def taken(self) -> int:
        """How many posts the webhook took: requests it answered 2xx, or read and then did not answer (a
        delay beyond the client's timeout, a dropped connection: a real webhook has the message then)."""
        with self._lock:
            return sum(1 for reply in self._given if reply.drop or reply.delay or 200 <= reply.status < 300)

    def _take(self, received: Received) -> Reply:
        with self._lock:
            self._requests.append(received)
            if self._replies:
                reply = self._replies.pop(0)
            else:
                reply = self._default or Reply(UNSCRIPTED, body="unscripted request")
            self._given.append(reply)
            return reply


def _handler_for(server: WebhookServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self._answer()

        def do_GET(self) -> None:
            self._answer()

        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            headers = {name.lower(): value for name, value in self.headers.items()}
            reply = server._take(
                Received(self.command, self.path, headers, body, parsed, time.monotonic(), time.time())
            )
            if reply.delay:
                server.stopping.wait(reply.delay)
            self.close_connection = True
            if reply.drop or server.stopping.is_set():
                return
            content = reply.body.encode() if isinstance(reply.body, str) else reply.body
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(content)
            except OSError:  # the client gave up waiting (its timeout) and closed the connection
                pass

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the test asserts on server.requests

    return Handler


@contextlib.contextmanager
def webhook_server(*replies: Reply, default: Reply | None = None) -> Iterator[WebhookServer]:
    """A WebhookServer serving until the block ends; then every pending delay ends and the port closes."""
    server = WebhookServer(replies, default)
    thread = threading.Thread(target=server.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.httpd.shutdown()
        server.httpd.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def channel_webhooks(channels: Mapping[str, str], replies: Mapping[str, tuple[Reply, ...]] | None = None):
    """A webhook server per chat channel (name -> type), each answering its scripted `replies[name]` first,
    then every post as its platform does on success. Yields the servers by channel name; a channel's URL
    (its secret's value) is `server.url(f"/hooks/{name}")`."""
    replies = replies or {}
    with contextlib.ExitStack() as stack:
        yield {
            name: stack.enter_context(webhook_server(*replies.get(name, ()), default=PLATFORM_SUCCESS[kind]))
            for name, kind in channels.items()
        }


def hook_url(server: WebhookServer, channel: str) -> str:
    return server.url(f"/hooks/{channel}")
