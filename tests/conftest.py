"""Fixtures shared by every test folder."""

from __future__ import annotations

import pytest

from local.lambda_context import LocalLambdaContext


@pytest.fixture
def lambda_context():
    """Build a Lambda context for a handler test: lambda_context("fetch_costs")."""
    return LocalLambdaContext
