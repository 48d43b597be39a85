"""Workflow tests run the real definition on the embedded AWS (local/runtime.py), at a pinned instant:
`now=` fixes $$.Execution.StartTime and Cost Explorer's "today", so no test depends on the wall clock
(a run that crosses midnight UTC must not change which days are "future")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from local.runtime import EmbeddedAWS

NOW = datetime(2026, 11, 21, 8, 0, 5, tzinfo=UTC)
TODAY = NOW.date()
YESTERDAY = (TODAY - timedelta(days=1)).isoformat()
SCHEDULED = {"scheduledTime": f"{TODAY.isoformat()}T08:00:00Z"}


@pytest.fixture
def aws():
    with EmbeddedAWS(profile="small", now=NOW) as runtime:
        yield runtime
