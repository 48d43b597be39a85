"""The large organisation's shared answers sliced for every breakdown and both metrics, against each
value's own query: 8 values of each scope kind (accounts, the team tag, the Team cost category), 240
reports' own queries. The unit lane (tests/unit/test_shared_queries.py) checks every value of one
breakdown per scope kind and stays fast."""

from __future__ import annotations

import pytest

from tests.unit.test_shared_queries import BREAKDOWNS, METRICS, SCOPES, World, check


@pytest.fixture(scope="module")
def world() -> World:
    return World()


@pytest.mark.parametrize("breakdown", BREAKDOWNS, ids=lambda b: b.by)
@pytest.mark.parametrize("kind", sorted(SCOPES))
def test_large_org_every_value_breakdown_and_metric_slices_to_its_own_querys_report(world, kind, breakdown):
    for metric in METRICS:
        assert check(world, "large-org", kind, breakdown, metric, reports=2, limit=8) == 8
