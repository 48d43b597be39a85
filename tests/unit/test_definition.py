"""Static checks of state_machine/cost_notifier.asl.json: the properties operators rely on."""

import json

import pytest

from local.runtime import DEFINITION, FUNCTIONS, definition_variables, every_state
from local.template import TemplateError, fill, placeholders
from tests.aws_contract import (
    CAUGHT,
    LAMBDA_BEFORE_RUN,
    LAMBDA_INVOKE,
    SES_FINAL,
    SES_SEND,
    SES_UNKNOWN_OUTCOME,
    TRANSIENT,
    UNREPEATABLE_FUNCTIONS,
)

DYNAMODB_UPDATE = "arn:aws:states:::dynamodb:updateItem"
RAW = DEFINITION.read_text()
ASL = json.loads(RAW)


STATES = every_state(ASL["States"])
TASKS = [n for n, s in STATES.items() if s["Type"] == "Task"]
FUNCTIONS_DIR = DEFINITION.parent.parent / "functions"


def function_error_names() -> set[str]:
    """The exception classes the functions define: the error names Step Functions sees when one is raised."""
    import ast

    names = set()
    for function in FUNCTIONS:
        for path in (FUNCTIONS_DIR / function).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ClassDef) and any(
                    isinstance(base, ast.Name) and base.id.endswith(("Exception", "Error")) for base in node.bases
                ):
                    names.add(node.name)
    return names


def test_definition_is_valid_json_before_substitution_and_uses_jsonpath():
    assert ASL["QueryLanguage"] == "JSONPath"
    assert ASL["StartAt"] == "ResolveReportDate"


def test_every_placeholder_has_a_value_and_every_value_a_placeholder():
    assert placeholders(RAW) == set(definition_variables("a@example.com"))
    filled = json.loads(fill(RAW, definition_variables("a@example.com")))
    # The reports are in S3 (config/reports.json), not in the definition or any payload: a definition of
    # 10,000 reports is the definition of one.
    payload = filled["States"]["ResolveReportDate"]["Parameters"]["Payload"]
    assert set(payload) == {"input.$", "executionStartTime.$", "executionName.$"}


def test_every_state_has_a_comment():
    assert [name for name, state in STATES.items() if not state.get("Comment")] == []


def test_no_fail_state_so_a_redrive_resumes_at_the_task_that_failed():
    assert [name for name, state in STATES.items() if state["Type"] == "Fail"] == []


# The one Catch that does not end the run: the shared queries are an optimisation, and without them each
# report's child queries Cost Explorer for itself, so their failure goes on to start the reports.
# ReadPreviousReport's likewise: the "Revised" line is optional, so a read that fails goes on to FetchCosts.
FALLBACKS = {"FetchSharedCosts": "StartEachReport", "ReadPreviousReport": "FetchCosts"}


def test_the_shared_queries_failing_falls_back_to_each_report_querying_for_itself():
    [catcher] = STATES["FetchSharedCosts"]["Catch"]
    assert catcher["ErrorEquals"] == ["States.ALL"] and catcher["Next"] == FALLBACKS["FetchSharedCosts"]
    assert catcher["ResultPath"] not in ("$", "$.due"), "the due reports must survive the failure"
    assert STATES["FetchSharedCosts"]["Next"] == catcher["Next"]


def test_reading_the_previous_report_is_a_read_of_another_record_that_never_stops_the_email():
    state = STATES["ReadPreviousReport"]
    # A read, of the previous period's record, never of the one this run claimed.
    assert state["Resource"] == "arn:aws:states:::dynamodb:getItem"
    assert state["Parameters"]["Key"] == {"reportDate": {"S.$": "$.request.previousKey"}}
    # Both claims go through it; it goes on to FetchCosts whether the read works or fails for good.
    assert STATES["ClaimReport"]["Next"] == STATES["ClaimForResend"]["Next"] == "ReadPreviousReport"
    [catcher] = state["Catch"]
    assert (
        catcher["ErrorEquals"] == ["States.ALL"] and catcher["Next"] == state["Next"] == FALLBACKS["ReadPreviousReport"]
    )
    # The answer and the error land where FetchCosts reads them, so its payload's path always exists (a
    # missing path would be a States.Runtime error, which no Catch catches).
    assert (
        state["ResultPath"]
        == catcher["ResultPath"]
        == STATES["FetchCosts"]["Parameters"]["Payload"]["previousReport.$"]
    )
    # Only what FetchCosts needs travels: a ProjectionExpression, not a ResultSelector (whose path into an
    # absent Item, on the first day, would be that uncatchable error).
    assert "ResultSelector" not in state
    names = state["Parameters"]["ExpressionAttributeNames"]
    projected = {names[name.strip()] for name in state["Parameters"]["ProjectionExpression"].split(",")}
    assert projected == {"status", "total", "sentAt", "currency"}
    # ...each of which MarkSent writes.
    assert projected <= set(STATES["MarkSent"]["Parameters"]["Item"])


# The one Catch of errors that are not a lost claim: once a chat post is known to have gone out, MarkPosted
# failing for good ends the channel as posted, because a redrive re-runs a failed Map iteration from its
# start and would post again (decision 0012).
POSTED_NOT_RECORDED = {"MarkPosted": {"DynamoDB.ConditionalCheckFailedException", *TRANSIENT[DYNAMODB_UPDATE]}}


def test_catches_only_route_a_lost_claim_to_a_successful_end():
    for name, state in STATES.items():
        if name in FALLBACKS:
            continue
        for catcher in state.get("Catch", []):
            allowed = POSTED_NOT_RECORDED.get(name) or CAUGHT.get(state["Resource"], set())
            assert set(catcher["ErrorEquals"]) <= allowed, name
            # It ends successfully, through nothing but reads (ReadTheClaim names the holder), or, after the
            # email went out (MarkSent), through PostToChat, whose every post is fenced on the holder.
            target = catcher["Next"]
            if target == "PostToChat":
                assert STATES["BeginPosting"]["Parameters"]["ConditionExpression"].startswith("executionArn = :me")
                target = STATES[target]["Next"]
            while STATES[target]["Type"] == "Task":
                assert STATES[target]["Resource"] == "arn:aws:states:::dynamodb:getItem", (name, target)
                target = STATES[target]["Next"]
            assert STATES[target]["Type"] == "Pass" and STATES[target].get("End"), (name, target)


@pytest.mark.parametrize("name", TASKS)
def test_every_task_retries_exactly_the_transient_errors_aws_documents_for_its_integration(name):
    # GIVEN the names AWS documents for this Task's integration (tests/aws_contract.py)
    resource = STATES[name]["Resource"]
    retried = [error for rule in STATES[name]["Retry"] for error in rule["ErrorEquals"]]
    transient = TRANSIENT[resource]
    if STATES[name].get("Parameters", {}).get("FunctionName") in UNREPEATABLE_FUNCTIONS:
        # a function whose work cannot be repeated: only the errors that come before it runs
        transient = LAMBDA_BEFORE_RUN
        assert not (set(TRANSIENT[resource]) - set(transient)) & set(retried)
    # THEN it retries all of them, each once, and nothing else but errors its own function raises
    assert set(transient) <= set(retried)
    assert len(retried) == len(set(retried)), "an error named by two Retry rules: only the first would apply"
    extra = set(retried) - set(transient)
    assert resource == LAMBDA_INVOKE or not extra, extra
    assert extra <= function_error_names(), f"{extra}: no function raises an exception of that name"
    assert "States.ALL" not in retried and "States.TaskFailed" not in retried


@pytest.mark.parametrize("name", TASKS)
def test_service_errors_are_retried_within_seconds(name):
    for rule in STATES[name]["Retry"]:
        if (
            set(rule["ErrorEquals"]) <= set(TRANSIENT[STATES[name]["Resource"]])
            and STATES[name]["Resource"] != SES_SEND
        ):
            assert (rule["IntervalSeconds"], rule["BackoffRate"], rule["MaxAttempts"]) == (1, 2, 3)


def test_ses_refusals_are_retried_for_minutes_not_seconds():
    # AWS: "If you exceed your maximum sending rate ... back off" and the daily quota refills over 24 h
    # (https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html); waits of 1-4 s would just
    # burn the retries inside one throttled window.
    from tests.definition import backoff

    for error in TRANSIENT[SES_SEND]:
        waits = backoff("SendEmail", error)
        assert waits[0] >= 60 and sum(waits) >= 10 * 60, waits


def test_send_never_retries_an_error_whose_outcome_is_unknown_or_final():
    retried = {error for rule in STATES["SendEmail"]["Retry"] for error in rule["ErrorEquals"]}
    assert not retried & (SES_FINAL | {SES_UNKNOWN_OUTCOME, "States.Timeout", "States.TaskFailed"})


def test_cost_data_not_ready_is_retried_for_hours_within_the_execution_timeout():
    from tests.definition import backoff

    waits = backoff("FetchCosts", "CostDataNotReady")
    assert waits[0] >= 3600 and sum(waits) >= 6 * 3600, waits
    # Every wait of every Task, one after the other, still fits in the execution's TimeoutSeconds.
    worst = sum(
        sum(backoff(name, error))
        for name in TASKS
        for rule in STATES[name]["Retry"]
        for error in rule["ErrorEquals"][:1]
    )
    assert worst < ASL["TimeoutSeconds"], (worst, ASL["TimeoutSeconds"])


def test_fetch_costs_retries_cost_explorer_throttling_raised_by_the_function():
    assert "CostExplorerThrottled" in STATES["FetchCosts"]["Retry"][0]["ErrorEquals"]


def test_tasks_use_the_integrations_the_design_names():
    resources = {name: s.get("Resource") for name, s in STATES.items() if s["Type"] == "Task"}
    assert resources["CheckAlreadySent"] == "arn:aws:states:::dynamodb:getItem"
    assert resources["ClaimReport"] == "arn:aws:states:::dynamodb:putItem"
    assert resources["SendEmail"] == "arn:aws:states:::aws-sdk:sesv2:sendEmail"
    assert resources["MarkSent"] == "arn:aws:states:::dynamodb:putItem"
    assert resources["FetchCosts"] == resources["RenderEmail"] == "arn:aws:states:::lambda:invoke"


def test_every_write_is_conditional_on_this_executions_own_claim():
    # The protocol itself is checked by tests/model (every interleaving) and the catalogue (AWS's
    # semantics on the embedded runtime); this pins the writes to the record to conditional ones that
    # name this execution, so a retry after a lost answer finds its own write and goes on.
    for name in ("ClaimReport", "ClaimForResend", "BeginSending", "MarkSent"):
        parameters = STATES[name]["Parameters"]
        assert "executionArn = :me" in parameters["ConditionExpression"], name
        assert parameters["ExpressionAttributeValues"][":me"] == {"S.$": "$$.Execution.Id"}, name
    assert STATES["ClaimReport"]["Parameters"]["ConditionExpression"].startswith("attribute_not_exists(reportDate)")


def test_only_the_fence_leads_to_the_send():
    leading = [name for name, state in STATES.items() if state.get("Next") == "SendEmail"]
    assert leading == ["BeginSending"]
    assert STATES["BeginSending"]["Resource"] == "arn:aws:states:::dynamodb:updateItem"


@pytest.mark.parametrize(
    ("template", "variables", "message"),
    [
        ("${a}", {}, "no value for placeholder(s): a"),
        ("x", {"a": "1"}, "does not use: a"),
        ("${a.b}", {"a.b": "1"}, "is an expression"),
        ("%{ if x }", {}, "directives"),
    ],
)
def test_template_fill_refuses_what_templatefile_would_treat_differently(template, variables, message):
    with pytest.raises(TemplateError, match=None) as refused:
        fill(template, variables)
    assert message in str(refused.value)


def test_template_fill_keeps_the_dollar_brace_escape():
    assert fill("$${literal} ${name}", {"name": "x"}) == "${literal} x"
