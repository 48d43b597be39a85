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
    handled = sum(1 for _, outcome in RESULTS if outcome and outcome.duplicates == 0 and outcome.lost == 0)
    faults = sum(outcome.faults for _, outcome in RESULTS if outcome)
    duplicates = sum(outcome.duplicates for _, outcome in RESULTS if outcome)
    lost = sum(outcome.lost for _, outcome in RESULTS if outcome)
    terminalreporter.write_line(
        f"Fault catalogue: {len(RESULTS)} scenarios run, {faults} faults injected, {handled} handled as designed, "
        f"{duplicates} duplicate emails, {lost} lost reports"
    )
