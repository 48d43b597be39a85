"""The failure notifier (terraform/notify_failure.asl.json) runs for real on the embedded AWS: a report
run fails, the notifier is started with the EventBridge event that failure produces, and the alarm
topic receives one message naming the state the run stopped at, the error, and the console link."""

from __future__ import annotations

import json

import boto3
import botocore.session
import pytest
from moto.sns.models import sns_backends
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
    StateTaskServiceAwsSdk,
)

from local.lambda_context import ACCOUNT_ID, REGION
from local.runtime import EmbeddedAWS
from local.template import fill
from tests.infra.terraform import TERRAFORM

CONSOLE = f"https://{REGION}.console.aws.amazon.com/states/home?region={REGION}#/v2/executions/details/"


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
        "version": "0", "id": "3b0c8f2e-0000-0000-0000-000000000000", "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states", "account": ACCOUNT_ID, "time": "2026-11-21T08:00:05Z", "region": REGION,
        "resources": [execution_arn], "detail": detail,
    }


def notify(aws: EmbeddedAWS, event: dict) -> tuple[str, list[tuple[str, str]]]:
    """Deploy the notifier as Terraform would, start it with the event, return its status and the messages."""
    topic = boto3.client("sns", region_name=REGION).create_topic(Name="cost-notifier-alarms")["TopicArn"]
    definition = fill((TERRAFORM / "notify_failure.asl.json").read_text(), {
        "alarm_topic_arn": topic, "name_prefix": "cost-notifier", "execution_console_prefix": CONSOLE,
    })
    sfn = boto3.client("stepfunctions", region_name=REGION)
    notifier = sfn.create_state_machine(
        name="cost-notifier-notify-failure", definition=definition,
        roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/cost-notifier-notify-failure",
    )["stateMachineArn"]
    run = aws.wait(sfn.start_execution(stateMachineArn=notifier, name="notify-1", input=json.dumps(event))["executionArn"])
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    sent = sns_backends[ACCOUNT_ID][REGION].topics[topic].sent_notifications
    return run.status, [(subject, message) for _, message, subject, _, _ in sent]


def test_a_run_refused_at_its_first_state_is_reported_with_that_state_and_its_error() -> None:
    with EmbeddedAWS(profile="small") as aws:
        failed = aws.run({"date": "2026-02-30"})
        assert failed.status == "FAILED"
        event = status_change_event(boto3.client("stepfunctions", region_name=REGION), failed.arn)
        _, messages = notify(aws, event)

    (subject, message), = messages
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

    (subject, message), = messages
    assert subject == "cost-notifier: daily cost report FAILED at RenderEmail"
    assert "Error: Lambda.ServiceException" in message


def test_an_aborted_run_without_error_or_cause_is_still_reported() -> None:
    with EmbeddedAWS(profile="small") as aws:
        failed = aws.run({"date": "2026-02-30"})
        event = status_change_event(boto3.client("stepfunctions", region_name=REGION), failed.arn,
                                    drop=("error", "cause"))
        event["detail"]["status"] = "ABORTED"
        _, messages = notify(aws, event)

    (subject, message), = messages
    assert subject == "cost-notifier: daily cost report ABORTED at ResolveReportDate"
    assert "Error: (none)" in message and "Cause: (none)" in message


@pytest.mark.parametrize("prefix", ["cost-notifier", "a" * 32])
def test_the_subject_stays_within_the_100_characters_sns_allows(prefix) -> None:
    # The longest status (TIMED_OUT) and a state name as long as the report workflow's longest.
    states = json.loads((TERRAFORM.parent / "state_machine" / "cost_notifier.asl.json").read_text())["States"]
    longest = max(states, key=len)
    subject = f"{prefix}: daily cost report TIMED_OUT at {longest}"
    assert len(subject) <= 100, subject
