"""Workflow tests run the real definition on the embedded AWS (local/runtime.py), at a pinned instant:
`now=` fixes $$.Execution.StartTime and Cost Explorer's "today", so no test depends on the wall clock
(a run that crosses midnight UTC must not change which days are "future")."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest

from local.runtime import EmbeddedAWS
from local.webhook_server import Reply, webhook_server

NOW = datetime(2026, 11, 21, 8, 0, 5, tzinfo=UTC)
TODAY = NOW.date()
YESTERDAY = (TODAY - timedelta(days=1)).isoformat()
SCHEDULED = {"scheduledTime": f"{TODAY.isoformat()}T08:00:00Z"}


@pytest.fixture
def aws():
    with EmbeddedAWS(profile="small", now=NOW) as runtime:
        yield runtime


@contextlib.contextmanager
def chat_deployment(channels: dict[str, str], replies: dict[str, tuple] | None = None, **options):
    """The embedded AWS with chat channels (name -> type, in the report's order), each channel's webhook a
    real HTTP server on 127.0.0.1 of its own (local/webhook_server.py) whose URL is the channel's secret.
    A server answers its scripted `replies[name]` first, then every post as the platform does on success.
    Yields (aws, servers by channel name)."""
    replies = replies or {}
    with contextlib.ExitStack() as stack:
        servers = {
            name: stack.enter_context(webhook_server(*replies.get(name, ()), default=SUCCESS[kind]))
            for name, kind in channels.items()
        }
        webhooks = {name: server.url(f"/hooks/{name}") for name, server in servers.items()}
        aws = stack.enter_context(
            EmbeddedAWS(profile="small", now=NOW, chat_channels=channels, chat_webhooks=webhooks, **options)
        )
        yield aws, servers


# What each platform's webhook answers a post it took: Slack 200 "ok", a Teams Workflows webhook 202
# Accepted, Google Chat 200 with the message it created, a generic webhook any 2xx.
SUCCESS = {
    "slack": Reply(200, body="ok", headers={"Content-Type": "text/plain"}),
    "teams": Reply(202),
    "google_chat": Reply(
        200, body='{"name": "spaces/AAAA/messages/BBBB"}', headers={"Content-Type": "application/json"}
    ),
    "webhook": Reply(204),
}
