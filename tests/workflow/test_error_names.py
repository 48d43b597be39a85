"""Every error name a Retry in the definition lists is one AWS raises, and is reachable: the embedded
runtime makes the service answer with the wire error AWS documents for it (tests/aws_contract.py), the
integration names it, and the Retry catches it. A misspelt name (say DynamoDB.InternalServerErrorException
for DynamoDB's InternalServerError) would never match, and the run would fail where it should have
retried: these tests fail on it.

Lambda.AWSLambdaException and Lambda.SdkClientException are the Java SDK's names for an unmodeled
Lambda error and a client-side one; the embedded runtime can only produce them by answering with that
code, so for those two this proves the Retry is wired, not AWS's naming."""

from __future__ import annotations

import pytest

from local.runtime import DISPATCH, EmbeddedAWS, StateFault
from tests.aws_contract import TRANSIENT
from tests.definition import backoff, states
from tests.workflow.conftest import NOW, SCHEDULED, YESTERDAY, chat_deployment

TWO_REPORTS = {"daily": {"recipients": ["a@example.com"]}, "team": {"recipients": ["b@example.com"]}}

CASES = [
    (state, name, code)
    for state, body in states().items()
    if body["Type"] == "Task"
    for name, code in TRANSIENT[body["Resource"]].items()
    if any(name in rule["ErrorEquals"] for rule in body.get("Retry", []))
]
# The scheduled run's own states; the others run in the report's child execution.
DISPATCHING_STATES = ("ResolveReportDate", "FetchSharedCosts", "RunReport")
# The states of a PostToChat iteration run only for a report with a chat channel.
CHAT_STATES = ("BeginPosting", "PostToChannel", "MarkPosted")
# ClaimForResend runs only for a forced run of a day that was sent before.
FORCED = {"date": YESTERDAY, "force": True}


@pytest.mark.parametrize(("state", "name", "code"), CASES, ids=[f"{s}-{n}" for s, n, _ in CASES])
def test_each_retried_error_name_is_what_the_integration_raises_and_is_retried(request, state, name, code):
    if state == "FetchSharedCosts":  # runs only when a run dispatches more than one report
        with EmbeddedAWS(profile="small", now=NOW, reports=TWO_REPORTS) as two:
            _check_retried(two, SCHEDULED, [StateFault.on(state, code, report=DISPATCH)], [], state, name, follow=False)
        return
    if state in CHAT_STATES:
        with chat_deployment({"ops": "slack"}) as (chat, _):
            _check_retried(chat, SCHEDULED, [StateFault.on(state, code)], [], state, name, follow=True)
        return
    aws = request.getfixturevalue("aws")
    execution_input, faults, sleeps = SCHEDULED, [StateFault.on(state, code)], []
    if state == "ClaimForResend":
        assert aws.run({"date": YESTERDAY}).status == "SUCCEEDED"
        execution_input = FORCED
    if state == "ReadTheClaim":
        # ReadTheClaim runs only after a lost claim: throttle our ClaimReport once and, while that answer
        # is in flight, let another run claim and send the day, so the retry loses.
        throttled = "ProvisionedThroughputExceededException"
        faults.append(StateFault.on("ClaimReport", throttled, meanwhile=lambda: aws.run(SCHEDULED)))
        sleeps = backoff("ClaimReport", f"DynamoDB.{throttled}", 1)

    if state in DISPATCHING_STATES:  # a state of the run that starts the report's child, not of the child
        faults = [StateFault.on(state, code, report=DISPATCH)]
    _check_retried(aws, execution_input, faults, sleeps, state, name, follow=state not in DISPATCHING_STATES)


def _check_retried(aws, execution_input, faults, sleeps, state, name, follow) -> None:
    execution = aws.run(execution_input, faults=tuple(faults), follow=follow)
    # RunReport runs in the item executions of StartEachReport's Map Run, which have their own histories.
    attempts = aws.map_items(execution) if state == "RunReport" else execution

    assert attempts.failed_attempts(state) == [name]
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    assert sorted(aws.retry_sleeps) == sorted(sleeps + backoff(state, name, 1))


def test_every_task_with_a_retry_is_covered():
    covered = {state for state, _, _ in CASES}
    assert covered == {name for name, body in states().items() if body["Type"] == "Task" and body.get("Retry")}


def test_a_parameter_aws_would_refuse_fails_the_definition_as_create_state_machine_does(tmp_path, monkeypatch):
    # GIVEN a definition whose claim misspells a parameter (moto alone drops an unknown field of an
    # optimized integration, so the claim would silently become unconditional)
    import json

    import local.runtime as runtime
    from tests.workflow.conftest import NOW

    definition = json.loads(runtime.DEFINITION.read_text())
    claim = definition["States"]["ClaimReport"]["Parameters"]
    claim["ConditionExpresion"] = claim.pop("ConditionExpression")
    path = tmp_path / "typo.asl.json"
    path.write_text(json.dumps(definition))
    monkeypatch.setattr(runtime, "DEFINITION", path)

    # THEN the runtime refuses it at creation, naming the state and the field, as AWS does
    with pytest.raises(runtime.InvalidDefinition, match="state ClaimReport: the field.s. ConditionExpresion"):
        with runtime.EmbeddedAWS(profile="small", now=NOW):
            pass


def test_a_request_that_does_not_fit_the_api_model_fails_at_its_state(aws):
    from local.runtime import InvalidIntegrationRequest, _validate_request

    with pytest.raises(InvalidIntegrationRequest, match="Invalid type for parameter Key.reportDate.S"):
        _validate_request("dynamodb", "get_item", {"TableName": "t", "Key": {"reportDate": {"S": 20261120}}})
    _validate_request("dynamodb", "get_item", {"TableName": "t", "Key": {"reportDate": {"S": "2026-11-20"}}})
