"""Fixtures shared by every test folder."""

from __future__ import annotations

import pytest

from local.lambda_context import LocalLambdaContext


@pytest.fixture
def lambda_context():
    """Build a Lambda context for a handler test: lambda_context("fetch_costs")."""
    return LocalLambdaContext


def pytest_terminal_summary(terminalreporter):
    """The fault catalogue's figures, when it ran (tests/catalogue)."""
    try:
        from tests.catalogue.test_catalogue import RESULTS
    except ImportError:
        return
    if not RESULTS:
        return
    from tests.catalogue.scenarios import summary

    terminalreporter.write_line(f"Fault catalogue: {summary([outcome for _, outcome in RESULTS])}")
