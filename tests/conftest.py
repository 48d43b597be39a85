"""Fixtures shared by every test folder, and the lanes: each folder's tests carry its marker."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.lambda_context import LocalLambdaContext

TESTS = Path(__file__).parent

# The folder a test lives in says what it proves (pyproject.toml describes each marker); `make test-fast`
# and `pytest -m` select by these.
LANES = {
    "unit": "unit",
    "functions": "handler",
    "golden": "golden",
    "workflow": "workflow",
    "catalogue": "catalogue",
    "model": "model",
    "infra": "infra",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        folder = item.path.relative_to(TESTS).parts[0] if item.path.is_relative_to(TESTS) else item.path.parent.name
        if folder not in LANES:
            raise pytest.UsageError(f"{item.nodeid}: tests/{folder}/ has no lane; add it to LANES in tests/conftest.py")
        item.add_marker(LANES[folder])
        shared = _module_fixtures(item)
        if shared:
            item.add_marker(pytest.mark.xdist_group(f"{item.path.name}:{'+'.join(shared)}"))


def _module_fixtures(item) -> list[str]:
    """The module-scoped fixtures a test uses. pytest-xdist (`make test`, --dist loadgroup) runs the tests
    that share them on one worker, so each is built once: the model check's explorations take minutes, and
    split over two workers each would build them twice."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    return sorted(
        name
        for name in info.names_closure
        if any(definition.scope == "module" for definition in info.name2fixturedefs.get(name, ()))
    )


@pytest.fixture
def lambda_context():
    """Build a Lambda context for a handler test: lambda_context("fetch_costs")."""
    return LocalLambdaContext


# The catalogue scenarios' outcomes, from their reports (tests/catalogue/test_catalogue.py records each as a
# user property): the reports reach this process from every pytest-xdist worker, the outcomes themselves
# stay in the worker that ran the scenario.
CATALOGUE_OUTCOMES: list[dict | None] = []


def pytest_runtest_logreport(report):
    if report.when != "call":
        return
    for name, value in report.user_properties:
        if name == "catalogue_outcome":
            CATALOGUE_OUTCOMES.append(value)


def pytest_terminal_summary(terminalreporter):
    """The fault catalogue's figures, when it ran (tests/catalogue)."""
    if not CATALOGUE_OUTCOMES:
        return
    from tests.catalogue.scenarios import Outcome, summary

    outcomes = [Outcome(**value) if value is not None else None for value in CATALOGUE_OUTCOMES]
    terminalreporter.write_line(f"Fault catalogue: {summary(outcomes)}")
