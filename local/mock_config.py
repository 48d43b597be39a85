"""Read a Step Functions Local mock configuration (MockConfigFile.json) into the test cases moto's
interpreter understands, refusing anything Step Functions Local would refuse, and more: a state name
that is not in the definition, which would otherwise mock nothing without a word.

    {"StateMachines": {"cost-notifier": {"TestCases": {"FetchThrottled": {"FetchCosts": "Throttled3x"}}}},
     "MockedResponses": {"Throttled3x": {"0-2": {"Throw": {"Error": "Lambda.TooManyRequestsException",
                                                             "Cause": "..."}}}}}

Ranges are attempt numbers (0 is the first try, 1 the first retry). See docs/reliability.md for how
the embedded runtime and Step Functions Local differ when an attempt is not covered.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from moto.stepfunctions.parser.mocking.mock_config import (
    MockedResponseReturn,
    MockedResponseThrow,
    MockTestCase,
    StateMockedResponses,
)

_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


class MockConfigError(ValueError):
    pass


class MockConfig:
    def __init__(self, raw: dict, source: str = "mock configuration", state_names: set[str] | None = None):
        self.source = source
        self.raw = raw
        _check(raw, source, state_names)

    @classmethod
    def load(cls, path: Path, state_names: set[str] | None = None) -> MockConfig:
        try:
            raw = json.loads(Path(path).read_text())
        except json.JSONDecodeError as error:
            raise MockConfigError(f"{path}: not valid JSON: {error}") from None
        return cls(raw, str(path), state_names)

    def test_case_names(self, state_machine: str) -> list[str]:
        return list(self.raw["StateMachines"].get(state_machine, {}).get("TestCases", {}))

    def test_case(self, state_machine: str, name: str) -> MockTestCase:
        cases = self.raw["StateMachines"].get(state_machine, {}).get("TestCases", {})
        if name not in cases:
            raise MockConfigError(
                f"{self.source}: no test case {name!r} for state machine {state_machine!r}; "
                f"known: {', '.join(sorted(cases)) or 'none'}"
            )
        return MockTestCase(
            state_machine_name=state_machine,
            test_case_name=name,
            state_mocked_responses_list=[
                StateMockedResponses(state, response_name, self._responses(response_name))
                for state, response_name in cases[name].items()
            ],
        )

    def _responses(self, response_name: str) -> list:
        responses = []
        for attempts, response in self.raw["MockedResponses"][response_name].items():
            start, end = _attempts(attempts)
            if "Return" in response:
                responses.append(MockedResponseReturn(start, end, response["Return"]))
            else:
                throw = response["Throw"]
                responses.append(MockedResponseThrow(start, end, throw["Error"], throw["Cause"]))
        return responses


def _attempts(text: str) -> tuple[int, int]:
    match = _RANGE.match(text)
    if not match:
        raise MockConfigError(f'attempt range {text!r}: expected a number like "0" or a range like "1-2"')
    start = int(match.group(1))
    end = int(match.group(2)) if match.group(2) else start
    if end < start:
        raise MockConfigError(f"attempt range {text!r}: the end comes before the start")
    return start, end


def _check(raw: object, source: str, state_names: set[str] | None) -> None:
    if not isinstance(raw, dict) or set(raw) != {"StateMachines", "MockedResponses"}:
        raise MockConfigError(f"{source}: the top level must have exactly StateMachines and MockedResponses")
    responses = raw["MockedResponses"]
    for name, by_attempt in responses.items():
        if not isinstance(by_attempt, dict) or not by_attempt:
            raise MockConfigError(f"{source}: MockedResponses.{name} must map attempt ranges to responses")
        covered: list[int] = []
        for attempts, response in by_attempt.items():
            start, end = _attempts(attempts)
            covered.extend(range(start, end + 1))
            if not isinstance(response, dict) or len(response) != 1 or next(iter(response)) not in ("Return", "Throw"):
                raise MockConfigError(
                    f'{source}: MockedResponses.{name}.{attempts} must be {{"Return": ...}} '
                    'or {"Throw": {"Error": ..., "Cause": ...}}'
                )
            throw = response.get("Throw")
            if throw is not None and (
                set(throw) != {"Error", "Cause"} or not all(isinstance(v, str) for v in throw.values())
            ):
                raise MockConfigError(f"{source}: MockedResponses.{name}.{attempts}.Throw needs string Error and Cause")
        if sorted(covered) != list(range(len(covered))):
            raise MockConfigError(
                f"{source}: MockedResponses.{name}: attempt ranges must start at 0 and leave no "
                f"gap or overlap (got {', '.join(by_attempt)})"
            )
    for machine, body in raw["StateMachines"].items():
        for case, states in body.get("TestCases", {}).items():
            for state, response_name in states.items():
                if response_name not in responses:
                    raise MockConfigError(
                        f"{source}: test case {case} mocks {state} with {response_name!r}, "
                        "which MockedResponses does not define"
                    )
                if state_names is not None and state not in state_names:
                    raise MockConfigError(
                        f"{source}: test case {case} mocks {state!r}, which is not a state of "
                        f"{machine}; states: {', '.join(sorted(state_names))}"
                    )
