"""Workflow tests run the real definition on the embedded AWS (local/runtime.py), at a pinned instant:
`now=` fixes $$.Execution.StartTime and Cost Explorer's "today", so no test depends on the wall clock
(a run that crosses midnight UTC must not change which days are "future")."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest

from local.runtime import EmbeddedAWS
from local.webhook_server import channel_webhooks, hook_url

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
    with channel_webhooks(channels, replies) as servers:
        webhooks = {name: hook_url(server, name) for name, server in servers.items()}
        with EmbeddedAWS(profile="small", now=NOW, chat_channels=channels, chat_webhooks=webhooks, **options) as aws:
            yield aws, servers
