"""The catalogue's mock-config test cases on the second executor: amazon/aws-stepfunctions-local.

    python -m tests.catalogue.sfn_local            # make test-sfn-local: needs a Docker engine
    python -m tests.catalogue.sfn_local --write-only

Step Functions Local mocks every attempt of a state a test case lists, and calls the real service for
states it does not list. tests/catalogue/MockConfigFile.json lists only the faults, because the embedded
runtime runs the rest for real. So this module first *completes* it: it runs each test case on the
embedded runtime and records what every Task on the path returned, then writes a file in which every
Task of every test case is mocked (the faults as written, then the recorded Return). The completed file
is proven here under Step Functions Local's own rule (EmbeddedAWS(strict_mocks=True): an attempt without
a mocked response is an error) and then, where Docker is available, run in the container and compared
with the embedded results: same status, same error, same states entered.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from local.mock_config import MockConfig
from local.runtime import NAME_PREFIX, EmbeddedAWS, Execution, definition_variables
from tests.catalogue.scenarios import NOW, SCHEDULED, mock_config

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "sfn-local"
IMAGE = "amazon/aws-stepfunctions-local"
PORT = 8083


def task_results(execution: Execution) -> dict[str, list[dict]]:
    """Per Task state, each attempt's outcome in order: {"Throw": ...} or {"Return": raw task result}."""
    attempts: dict[str, list[dict]] = {}
    current = None
    for event in execution.history:
        if "stateEnteredEventDetails" in event:
            current = event["stateEnteredEventDetails"]["name"]
        elif event["type"] == "TaskFailed":
            details = event["taskFailedEventDetails"]
            attempts.setdefault(current, []).append(
                {"Throw": {"Error": details.get("error", ""), "Cause": details.get("cause", "")}}
            )
        elif event["type"] == "TaskSucceeded":
            attempts.setdefault(current, []).append(
                {"Return": json.loads(event["taskSucceededEventDetails"]["output"])}
            )
    return attempts


def _as_ranges(attempts: list[dict]) -> dict[str, dict]:
    """[a, a, b] -> {"0-1": a, "2": b}: consecutive equal responses share a range, as people write them."""
    ranges: dict[str, dict] = {}
    start = 0
    for index in range(1, len(attempts) + 1):
        if index == len(attempts) or attempts[index] != attempts[start]:
            ranges[str(start) if index - 1 == start else f"{start}-{index - 1}"] = attempts[start]
            start = index
    return ranges


def complete(config: MockConfig) -> tuple[dict, dict]:
    """The completed mock configuration, and what each test case should do (from the embedded run)."""
    cases: dict[str, dict] = {}
    responses: dict[str, dict] = {}
    expected: dict[str, dict] = {}
    for case in config.test_case_names(NAME_PREFIX):
        with EmbeddedAWS(now=NOW) as aws:
            execution = aws.run(SCHEDULED, test_case=config.test_case(NAME_PREFIX, case))
        cases[case] = {}
        for state, attempts in task_results(execution).items():
            name = f"{case}.{state}"
            responses[name] = _as_ranges(attempts)
            cases[case][state] = name
        expected[case] = _summary(execution)
    return {"StateMachines": {NAME_PREFIX: {"TestCases": cases}}, "MockedResponses": responses}, expected


def _summary(execution: Execution) -> dict:
    return {"status": execution.status, "error": execution.error, "states": execution.entered_states()}


def prove_strict(completed: dict, expected: dict) -> list[str]:
    """Run the completed file the way Step Functions Local would (every attempt mocked, nothing real);
    return the test cases whose outcome differs from the embedded run."""
    config = MockConfig(completed, "completed mock configuration")
    differences = []
    for case, wanted in expected.items():
        with EmbeddedAWS(now=NOW, strict_mocks=True) as aws:
            got = _summary(aws.run(SCHEDULED, test_case=config.test_case(NAME_PREFIX, case)))
            if aws.mailbox or aws.invocations or aws.cost_explorer.requests:
                differences.append(f"{case}: a real service was called although every Task is mocked")
        if got != wanted:
            differences.append(f"{case}: expected {wanted}, got {got}")
    return differences


def write(completed: dict, expected: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "MockConfigFile.json").write_text(json.dumps(completed, indent=2) + "\n")
    (OUT / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")


def docker_problem() -> str | None:
    if shutil.which("docker") is None:
        return "the docker command is not installed"
    probe = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"no Docker engine answers (docker info: {(probe.stderr or probe.stdout).strip()[:200]})"
    return None


def run_in_container(expected: dict) -> list[str]:
    import boto3

    container = subprocess.run(
        [
            "docker",
            "run",
            "--detach",
            "--rm",
            "-p",
            f"{PORT}:8083",
            "--mount",
            f"type=bind,readonly,source={OUT / 'MockConfigFile.json'},destination=/home/MockConfigFile.json",
            "-e",
            "SFN_MOCK_CONFIG=/home/MockConfigFile.json",
            IMAGE,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    try:
        sfn = boto3.client(
            "stepfunctions",
            endpoint_url=f"http://localhost:{PORT}",
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        _wait_until_up(sfn)
        definition = (ROOT / "state_machine" / "cost_notifier.asl.json").read_text()
        from local.template import fill

        arn = sfn.create_state_machine(
            name=NAME_PREFIX,
            roleArn="arn:aws:iam::123456789012:role/DummyRole",
            definition=fill(definition, definition_variables("cost-report@example.com")),
        )["stateMachineArn"]
        differences = []
        for case, wanted in expected.items():
            execution_arn = sfn.start_execution(
                stateMachineArn=f"{arn}#{case}", name=case, input=json.dumps(SCHEDULED)
            )["executionArn"]
            while (described := sfn.describe_execution(executionArn=execution_arn))["status"] == "RUNNING":
                time.sleep(0.2)
            events = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
            got = {
                "status": described["status"],
                "error": described.get("error"),
                "states": [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e],
            }
            print(f"  {case:<34} {got['status']:<10} {got['error'] or ''}")
            if got != wanted:
                differences.append(f"{case}: embedded {wanted}, Step Functions Local {got}")
        return differences
    finally:
        subprocess.run(["docker", "stop", container], capture_output=True)


def _wait_until_up(sfn, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            sfn.list_state_machines()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make test-sfn-local", description=__doc__.split("\n\n")[0])
    parser.add_argument("--write-only", action="store_true", help="write build/sfn-local/ and stop (no Docker)")
    args = parser.parse_args(argv)
    if not args.write_only:
        problem = docker_problem()
        if problem:
            print(
                f"make test-sfn-local needs a Docker engine to run {IMAGE}, and {problem}.\n"
                "Nothing was tested. The same catalogue runs without Docker in `make test` (tests/catalogue).",
                file=sys.stderr,
            )
            return 2
    completed, expected = complete(mock_config())
    differences = prove_strict(completed, expected)
    write(completed, expected)
    print(f"Wrote {OUT / 'MockConfigFile.json'}: {len(expected)} test cases, every Task mocked.")
    if differences:
        print(
            "The completed file does not reproduce the embedded runs:\n  " + "\n  ".join(differences), file=sys.stderr
        )
        return 1
    if args.write_only:
        return 0
    differences = run_in_container(expected)
    if differences:
        print(
            "Step Functions Local disagrees with the embedded runtime:\n  " + "\n  ".join(differences), file=sys.stderr
        )
        return 1
    print(f"Step Functions Local: {len(expected)} test cases, same outcome as the embedded runtime.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
