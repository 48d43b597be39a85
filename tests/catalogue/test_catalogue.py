"""The fault catalogue (tests/catalogue/scenarios.py), one test per scenario, with a summary line at
the end of the run: scenarios, faults injected, handled as designed, duplicate emails, lost reports."""

from __future__ import annotations

import dataclasses

import pytest

from local.mock_config import MockConfigError
from tests.catalogue.scenarios import SCENARIOS, mock_config, run_scenario

# Each scenario's outcome travels in its test report's user_properties (as a dict, None when its checks
# failed), which pytest-xdist carries from the worker that ran it; tests/conftest.py adds them up.
OUTCOME = "catalogue_outcome"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_is_handled_as_designed(scenario, record_property):
    try:
        outcome = run_scenario(scenario)
    except BaseException:
        record_property(OUTCOME, None)
        raise
    record_property(OUTCOME, dataclasses.asdict(outcome))
    assert outcome.duplicates == 0, f"{outcome.duplicates} duplicate email(s)"
    assert outcome.lost == 0, f"{outcome.lost} lost report(s)"


def test_every_mock_config_test_case_is_used_by_a_scenario():
    import inspect

    from tests.catalogue import scenarios

    source = inspect.getsource(scenarios)
    unused = [case for case in mock_config().test_case_names("cost-notifier") if f'"{case}"' not in source]
    assert unused == []


def test_a_mock_config_naming_a_state_the_definition_lacks_is_refused():
    from local.mock_config import MockConfig

    raw = {
        "StateMachines": {"cost-notifier": {"TestCases": {"Typo": {"FetchCost": "R"}}}},
        "MockedResponses": {"R": {"0": {"Throw": {"Error": "E", "Cause": "C"}}}},
    }
    with pytest.raises(MockConfigError, match="'FetchCost', which is not a state"):
        MockConfig(raw, "test", {"FetchCosts"})


@pytest.mark.parametrize(
    ("responses", "message"),
    [
        ({"0": {"Throw": {"Error": "E", "Cause": "C"}}, "2": {"Return": {}}}, "no gap or overlap"),
        ({"1": {"Return": {}}}, "must start at 0"),
        ({"0": {"Throw": {"Error": "E"}}}, "needs string Error and Cause"),
        ({"zero": {"Return": {}}}, "expected a number"),
    ],
)
def test_malformed_mocked_responses_are_refused_with_the_reason(responses, message):
    from local.mock_config import MockConfig

    raw = {"StateMachines": {"cost-notifier": {"TestCases": {}}}, "MockedResponses": {"R": responses}}
    with pytest.raises(MockConfigError, match=message):
        MockConfig(raw, "test")


def test_completed_mock_config_runs_under_step_functions_local_rules():
    # GIVEN the catalogue's test cases completed with what each Task returned on the embedded runtime
    from tests.catalogue.sfn_local import complete, prove_strict

    completed, expected = complete(mock_config())
    # THEN every Task on every path is mocked, and running it with no real service at all (Step
    # Functions Local's rule: an attempt without a mocked response fails) gives the same outcomes
    assert set(expected) == set(mock_config().test_case_names("cost-notifier"))
    assert prove_strict(completed, expected) == []


def test_step_functions_local_target_stops_clearly_without_docker(monkeypatch, capsys):
    from tests.catalogue import sfn_local

    monkeypatch.setattr(sfn_local, "docker_problem", lambda: "no Docker engine answers")
    assert sfn_local.main([]) == 2
    assert "needs a Docker engine" in capsys.readouterr().err
