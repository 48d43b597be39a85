"""Workflow tests run the real definition on the embedded AWS (local/runtime.py).

The execution clock is the real one (moto stamps StartTime with the current time), so the tests use
days relative to today, and the synthetic organisation is anchored on the same today.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from local.runtime import EmbeddedAWS

TODAY = datetime.now(timezone.utc).date()
YESTERDAY = (TODAY - timedelta(days=1)).isoformat()
SCHEDULED = {"scheduledTime": f"{TODAY.isoformat()}T08:00:00Z"}


@pytest.fixture
def aws():
    with EmbeddedAWS(profile="small", today=TODAY) as runtime:
        yield runtime
