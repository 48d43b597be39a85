"""Static checks of state_machine/cost_notifier.asl.json: the properties operators rely on."""

import json
from pathlib import Path

import pytest

from local.runtime import DEFINITION, definition_variables
from local.template import TemplateError, fill, placeholders

RAW = DEFINITION.read_text()
ASL = json.loads(RAW)
STATES = ASL["States"]
TRANSIENT_LAMBDA = {"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
                    "Lambda.TooManyRequestsException"}


def test_definition_is_valid_json_before_substitution_and_uses_jsonpath():
    assert ASL["QueryLanguage"] == "JSONPath"
    assert ASL["StartAt"] == "ResolveReportDate"


def test_every_placeholder_has_a_value_and_every_value_a_placeholder():
    assert placeholders(RAW) == set(definition_variables("a@example.com", ("b@example.com",)))
    json.loads(fill(RAW, definition_variables("a@example.com", ("b@example.com",))))


def test_every_state_has_a_comment():
    assert [name for name, state in STATES.items() if not state.get("Comment")] == []


def test_no_fail_state_so_a_redrive_resumes_at_the_task_that_failed():
    assert [name for name, state in STATES.items() if state["Type"] == "Fail"] == []


def test_catches_only_route_the_lost_claim_race_to_a_successful_end():
    for name, state in STATES.items():
        for catcher in state.get("Catch", []):
            assert catcher["ErrorEquals"] == ["DynamoDB.ConditionalCheckFailedException"], name
            assert STATES[catcher["Next"]]["Type"] == "Pass" and STATES[catcher["Next"]].get("End"), name


@pytest.mark.parametrize("name", [n for n, s in STATES.items() if s["Type"] == "Task"])
def test_every_task_retries_3_times_at_1_2_4_seconds_naming_its_errors(name):
    [retrier] = STATES[name]["Retry"]
    assert (retrier["IntervalSeconds"], retrier["BackoffRate"], retrier["MaxAttempts"]) == (1, 2, 3)
    assert "States.ALL" not in retrier["ErrorEquals"]
    if STATES[name]["Resource"] == "arn:aws:states:::lambda:invoke":
        assert TRANSIENT_LAMBDA <= set(retrier["ErrorEquals"])


def test_fetch_costs_retries_cost_explorer_throttling_raised_by_the_function():
    assert "CostExplorerThrottled" in STATES["FetchCosts"]["Retry"][0]["ErrorEquals"]


def test_tasks_use_the_integrations_the_design_names():
    resources = {name: s.get("Resource") for name, s in STATES.items() if s["Type"] == "Task"}
    assert resources["CheckAlreadySent"] == "arn:aws:states:::dynamodb:getItem"
    assert resources["ClaimReport"] == "arn:aws:states:::dynamodb:putItem"
    assert resources["SendEmail"] == "arn:aws:states:::aws-sdk:sesv2:sendEmail"
    assert resources["MarkSent"] == "arn:aws:states:::dynamodb:putItem"
    assert resources["FetchCosts"] == resources["RenderEmail"] == "arn:aws:states:::lambda:invoke"


def test_claim_is_conditional_so_only_one_execution_per_day_gets_past_it():
    assert STATES["ClaimReport"]["Parameters"]["ConditionExpression"] == "attribute_not_exists(reportDate)"


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
