"""The failure notifier (state_machine/notify_failure.asl.json) runs for real on the embedded AWS: a report
run fails, the notifier is started with the EventBridge event that failure produces, and the alarm
topic receives one message naming the state the run stopped at, the error, and the console link."""

from __future__ import annotations

import json
import re
import string

import boto3
import botocore.session
import pytest
from moto.sns.models import sns_backends
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
    StateTaskServiceAwsSdk,
)
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from local.lambda_context import ACCOUNT_ID, REGION
from local.runtime import EmbeddedAWS
from local.template import fill
from tests.infra.terraform import NOTIFIER, STATE_MACHINE, attr, validation_regexes

CONSOLE = f"https://{REGION}.console.aws.amazon.com/states/home?region={REGION}#/v2/executions/details/"

# SNS Publish refuses a Subject that is 100 characters or longer. The SNS API Reference, Publish,
# Subject (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html) says: "Subjects must be ASCII
# text that begins with a letter, number, or punctuation mark; must not include line breaks or control
# characters; and must be less than 100 characters long" (the current text, and botocore's model of it,
# say "UTF-8 text with no line breaks or control characters, and less than 100 characters long"; the
# subject here keeps to the stricter older rule). moto refuses only more than 100, so the tests check.
SNS_SUBJECT_LIMIT = 100  # characters; a subject must be shorter

# The statuses the EventBridge rule starts the notifier for (notifications.tf), so the ones a subject
# can carry; test_the_rule_sends_only_the_statuses_the_subject_was_checked_with keeps them in step.
STOPPED_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")


@pytest.fixture(autouse=True)
def aws_sdk_member_casing(monkeypatch):
    """AWS SDK integrations take and return the API's members in PascalCase, whatever the API's wire
    casing ("ExecutionArn" in, "Events"/"StateEnteredEventDetails"/"Name" out, for Step Functions' own
    camelCase API). moto's copy of LocalStack's interpreter carries the two conversions
    (_to_boto_request, _from_boto_response) but does not call them for aws-sdk tasks; this calls them,
    as LocalStack does. Without it moto would hand "ExecutionArn" to the API unchanged."""
    session = botocore.session.get_session()

    def operation_model(task):
        model = session.get_service_model(task._get_boto_service_name())
        action = task.resource.api_action
        return model.operation_model(action[0].upper() + action[1:])

    def normalise_parameters(self, parameters, boto_service_name=None, service_action_name=None):
        self._to_boto_request(parameters, operation_model(self).input_shape)

    def normalise_response(self, response, boto_service_name=None, service_action_name=None):
        self._from_boto_response(response, operation_model(self).output_shape)

    monkeypatch.setattr(StateTaskServiceAwsSdk, "_normalise_parameters", normalise_parameters)
    monkeypatch.setattr(StateTaskServiceAwsSdk, "_normalise_response", normalise_response)


def status_change_event(sfn, execution_arn: str, drop: tuple[str, ...] = ()) -> dict:
    """The "Step Functions Execution Status Change" event: its detail is what DescribeExecution says."""
    described = sfn.describe_execution(executionArn=execution_arn)
    detail = {
        "executionArn": described["executionArn"],
        "stateMachineArn": described["stateMachineArn"],
        "name": described["name"],
        "status": described["status"],
        "startDate": int(described["startDate"].timestamp() * 1000),
        "stopDate": int(described["stopDate"].timestamp() * 1000),
        "input": described.get("input"),
        "output": None,
        "error": described.get("error"),
        "cause": described.get("cause"),
    }
    for key in drop:
        detail.pop(key)
    return {
        "version": "0",
        "id": "3b0c8f2e-0000-0000-0000-000000000000",
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "account": ACCOUNT_ID,
        "time": "2026-11-21T08:00:05Z",
        "region": REGION,
        "resources": [execution_arn],
        "detail": detail,
    }


def notify(
    aws: EmbeddedAWS, event: dict, name_prefix: str = "cost-notifier", run_name: str = "notify-1"
) -> tuple[str, list[tuple[str, str]]]:
    """Deploy the notifier as Terraform would, start it with the event, return its status and the
    messages this run sent."""
    topic = boto3.client("sns", region_name=REGION).create_topic(Name=f"{name_prefix}-alarms")["TopicArn"]
    definition = fill(
        NOTIFIER.read_text(),
        {
            "alarm_topic_arn": topic,
            "name_prefix": name_prefix,
            "execution_console_prefix": CONSOLE,
        },
    )
    sfn = boto3.client("stepfunctions", region_name=REGION)
    notifier = sfn.create_state_machine(
        name=f"{name_prefix}-notify-failure",
        definition=definition,
        roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{name_prefix}-notify-failure",
    )["stateMachineArn"]
    sent = sns_backends[ACCOUNT_ID][REGION].topics[topic].sent_notifications
    before = len(sent)
    run = aws.wait(
        sfn.start_execution(stateMachineArn=notifier, name=run_name, input=json.dumps(event))["executionArn"]
    )
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    return run.status, [(subject, message) for _, message, subject, _, _ in sent[before:]]


def test_a_run_refused_at_its_first_state_is_reported_with_that_state_and_its_error() -> None:
    with EmbeddedAWS(profile="small") as aws:
        failed = aws.run({"date": "2026-02-30"})
        assert failed.status == "FAILED"
        event = status_change_event(boto3.client("stepfunctions", region_name=REGION), failed.arn)
        _, messages = notify(aws, event)

    ((subject, message),) = messages
    assert subject == "cost-notifier: daily cost report FAILED at ResolveReportDate"
    assert "stopped (FAILED) at the state ResolveReportDate" in message
    assert "Error: InvalidReportRequest" in message
    assert "2026-02-30" in message  # the cause says which day was refused, and the input shows it
    assert message.rstrip().endswith(CONSOLE + failed.arn)
    assert "Redrive" in message


def test_a_run_that_fails_after_its_retries_is_reported_at_the_task_that_failed() -> None:
    with EmbeddedAWS(profile="small") as aws:
        aws.faults.add("lambda:render_email", "ServiceException", times=4)  # one more than the retries
        failed = aws.run({"date": "2026-11-02"})
        assert failed.status == "FAILED"
        event = status_change_event(boto3.client("stepfunctions", region_name=REGION), failed.arn)
        _, messages = notify(aws, event)

    ((subject, message),) = messages
    assert subject == "cost-notifier: daily cost report FAILED at RenderEmail"
    assert "Error: Lambda.ServiceException" in message


def test_an_aborted_run_without_error_or_cause_is_still_reported() -> None:
    with EmbeddedAWS(profile="small") as aws:
        failed = aws.run({"date": "2026-02-30"})
        event = status_change_event(
            boto3.client("stepfunctions", region_name=REGION), failed.arn, drop=("error", "cause")
        )
        event["detail"]["status"] = "ABORTED"
        _, messages = notify(aws, event)

    ((subject, message),) = messages
    assert subject == "cost-notifier: daily cost report ABORTED at ResolveReportDate"
    assert "Error: (none)" in message and "Cause: (none)" in message


def longest_name_prefix(terraform) -> str:
    """The longest name_prefix the variable's validation accepts, read from variables.tf: the widest
    match of its regex(es), and no longer than a length() bound if one is added."""
    patterns = validation_regexes(terraform, "name_prefix")
    widest = min(re._parser.parse(pattern).getwidth()[1] for pattern in patterns)  # the re module's own measure
    condition = " ".join(attr(v, "condition") for v in terraform.variables["name_prefix"]["validation"])
    widest = min([widest, *(int(n) for n in re.findall(r"length\(var\.name_prefix\)\s*<=\s*(\d+)", condition))])
    assert widest < 1_000, "name_prefix has no maximum length, so nothing bounds the failure subject"
    prefix = "a" * widest
    assert all(re.search(pattern, prefix) for pattern in patterns), f"pick another sample: {prefix!r} is refused"
    assert not all(re.search(pattern, prefix + "a") for pattern in patterns), "a longer prefix is accepted"
    # ASCII only: a prefix with a letter beyond ASCII is refused.
    assert not all(re.search(pattern, "\u00e9" + prefix[1:]) for pattern in patterns)
    return prefix


def report_state_names(states: dict | None = None) -> list[str]:
    """Every state name of the report workflow (state_machine/cost_notifier.asl.json, read now, so a
    state added there is covered), nested ones included."""
    if states is None:
        states = json.loads(STATE_MACHINE.read_text())["States"]
    names = list(states)
    for state in states.values():
        for branch in state.get("Branches", []):
            names += report_state_names(branch["States"])
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                names += report_state_names(state[key]["States"])
    return names


def as_if_stopped_before_its_first_state(monkeypatch, execution_arn: str) -> None:
    """Make this execution look, to the notifier, like a run aborted before its first state, which moto
    cannot produce on purpose: GetExecutionHistory leaves out its StateEntered events, and the
    notifier's filter $.Events[?(@.StateEnteredEventDetails)] then finds nothing. AWS answers an
    indefinite path (wildcard, slice or filter) that matches nothing with an empty array, which
    EnteredAnyState handles; moto's copy of the interpreter does so for wildcards and slices only and
    fails on a filter, so the filter is added to its rule here."""
    hidden = execution_arn
    real_history = StepFunctionsParserBackend.get_execution_history

    def history(self, execution_arn: str):
        output = real_history(self, execution_arn)
        if execution_arn == hidden:
            output["events"] = [event for event in output["events"] if "stateEnteredEventDetails" not in event]
        return output

    monkeypatch.setattr(StepFunctionsParserBackend, "get_execution_history", history)
    real_indefinite = json_path._contains_slice_or_wildcard_array
    monkeypatch.setattr(
        json_path, "_contains_slice_or_wildcard_array", lambda path: real_indefinite(path) or "[?(" in path
    )


def assert_sns_accepts(subject: str) -> None:
    assert len(subject) < SNS_SUBJECT_LIMIT, f"{len(subject)} characters: {subject}"
    assert subject.isascii() and subject.isprintable(), subject  # no line break, no control character
    assert subject[0] in string.ascii_letters + string.digits + string.punctuation, subject


def test_the_rule_sends_only_the_statuses_the_subject_was_checked_with(terraform) -> None:
    pattern = attr(terraform.resources["aws_cloudwatch_event_rule"]["run_stopped"], "event_pattern")
    (statuses,) = re.findall(r"'status': \[([^\]]*)\]", pattern)
    assert re.findall(r"'([A-Z_]+)'", statuses) == list(STOPPED_STATUSES)


def test_every_report_state_name_is_ascii_so_the_subject_stays_ascii() -> None:
    # Step Functions accepts non-ASCII state names; the subject takes the name of the state a run
    # stopped at, and SNS's older rule (above) wants ASCII.
    assert [name for name in report_state_names() if not name.isascii() or not name.isprintable()] == []


@pytest.mark.parametrize("status", STOPPED_STATUSES)
def test_the_longest_possible_subject_is_one_sns_accepts(terraform, monkeypatch, status) -> None:
    # The longest name_prefix variables.tf allows, the longest state name of the report workflow, and
    # a run stopped before its first state (the notifier's own words), each with this status: the
    # subjects exactly as the notifier renders them on the embedded Step Functions.
    prefix = longest_name_prefix(terraform)
    longest_state = max(report_state_names(), key=len)
    with EmbeddedAWS(profile="small") as aws:
        sfn = boto3.client("stepfunctions", region_name=REGION)
        stand_in = sfn.create_state_machine(
            name="stops-at-the-longest-state",
            roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/stand-in",
            definition=json.dumps(
                {
                    "StartAt": longest_state,
                    "States": {
                        longest_state: {
                            "Type": "Fail",
                            "Error": "StandIn",
                            "Cause": "a stand-in for the report workflow",
                        }
                    },
                }
            ),
        )["stateMachineArn"]
        stopped = [
            aws.wait(sfn.start_execution(stateMachineArn=stand_in, name=f"run-{i}")["executionArn"]) for i in (1, 2)
        ]
        as_if_stopped_before_its_first_state(monkeypatch, stopped[1].arn)
        subjects = []
        for i, run in enumerate(stopped):
            event = status_change_event(sfn, run.arn)
            event["detail"]["status"] = status
            _, messages = notify(aws, event, name_prefix=prefix, run_name=f"notify-{i}")
            subjects += [subject for subject, _ in messages]

    assert subjects == [
        f"{prefix}: daily cost report {status} at {longest_state}",
        f"{prefix}: daily cost report {status} before its first state",
    ]
    for subject in subjects:
        assert_sns_accepts(subject)


def test_a_status_the_rule_never_sends_does_not_reach_the_subject() -> None:
    # Only a notifier started by hand could get one; its subject must stay bounded all the same.
    with EmbeddedAWS(profile="small") as aws:
        failed = aws.run({"date": "2026-02-30"})
        event = status_change_event(boto3.client("stepfunctions", region_name=REGION), failed.arn)
        event["detail"]["status"] = "NOT_A_STATUS_" * 20
        _, messages = notify(aws, event)

    ((subject, message),) = messages
    assert subject == "cost-notifier: daily cost report STOPPED at ResolveReportDate"
    assert_sns_accepts(subject)
    assert "stopped (STOPPED) at the state ResolveReportDate" in message
