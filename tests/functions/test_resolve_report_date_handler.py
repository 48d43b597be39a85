"""The ResolveReportDate handler: the event the state machine builds, in and out."""

import json
import traceback

import pytest
from resolve_report_date import handler
from resolve_report_date.errors import STEP_FUNCTIONS_CAUSE_LIMIT, InvalidReportRequest
from resolve_report_date.settings import ConfigurationError, settings

HUGE = "x" * 200 * 1024
# The reports as Terraform writes them into the definition: JSON text inside the definition's string.
REPORTS = json.dumps({"daily": {"recipients": ["finops@example.com"]}, "team-a": {"recipients": ["a@example.com"]}})
STARTED = "2026-11-21T08:00:01.250Z"


def event(execution_input, started=STARTED, reports=REPORTS):
    return {"input": execution_input, "executionStartTime": started, "executionName": "run-1", "reports": reports}


SCHEDULED_EVENT = event({"scheduledTime": "2026-11-21T08:00:00Z"})


def test_a_scheduled_run_gets_every_due_report_with_its_period_and_child_name(lambda_context):
    result = handler.lambda_handler(SCHEDULED_EVENT, lambda_context("resolve_report_date"))
    assert result["request"] is None and result["due"]["count"] == 2
    children = {item["input"]["report"]: item for item in result["due"]["reports"]}
    assert children["daily"]["input"] == {
        "report": "daily",
        "period": "2026-11-20",
        "force": False,
        "trigger": "schedule",
        "shared": None,  # FetchSharedCosts fills it when the run shares the report's query
    }
    assert children["team-a"]["name"].startswith("team-a-2026-11-20-")
    assert result["due"]["reportDate"] == "2026-11-20"  # the day the run's daily reports cover


def test_a_child_gets_its_report_day_period_key_and_recipients(lambda_context):
    child = {"report": "team-a", "period": "2026-11-20", "force": False, "trigger": "schedule"}
    result = handler.lambda_handler(event(child), lambda_context("resolve_report_date"))
    request = result["request"]
    assert result["due"] is None and request["reportDate"] == "2026-11-20" and request["trigger"] == "schedule"
    assert request["period"] == {"kind": "day", "start": "2026-11-20", "end": "2026-11-21"}
    assert (request["reportKey"], request["recipients"]) == ("team-a/2026-11-20", ["a@example.com"])


@pytest.mark.parametrize(
    ("reports", "message"),
    [
        ("{not json", "reports: not valid JSON"),
        (json.dumps({"Team A": {"recipients": ["a@example.com"]}}), "the report id 'Team A' is not allowed"),
        (
            json.dumps({"a": {"recipients": ["a@example.com"], "time_zone": "Europe/Atlantis"}}),
            "reports[\"a\"].time_zone: 'Europe/Atlantis' is not a time zone of the IANA database",
        ),
    ],
)
def test_a_bad_report_declaration_fails_every_run_naming_the_report_and_field(lambda_context, reports, message):
    with pytest.raises(ConfigurationError) as refused:
        handler.lambda_handler(event({"date": "2026-11-20"}, reports=reports), lambda_context("resolve_report_date"))
    assert message in str(refused.value)


def test_handler_refuses_an_event_without_the_execution_start_time(lambda_context):
    with pytest.raises(InvalidReportRequest, match="executionStartTime"):
        handler.lambda_handler({"input": {"date": "2026-11-20"}}, lambda_context("resolve_report_date"))


@pytest.fixture
def environment(monkeypatch):
    """Set the function's environment for one test: the settings are read anew on the next call, and
    again after the test, so no other test sees them."""
    settings.cache_clear()
    yield monkeypatch
    settings.cache_clear()


def test_a_bad_history_setting_fails_the_invocation_naming_the_variable(lambda_context, environment):
    environment.setenv("COST_EXPLORER_HISTORY_MONTHS", "12")
    with pytest.raises(
        ConfigurationError, match="COST_EXPLORER_HISTORY_MONTHS='12' is not allowed: use a whole number from 13 to 38"
    ):
        handler.lambda_handler(SCHEDULED_EVENT, lambda_context("resolve_report_date"))


def test_the_history_setting_decides_how_old_a_day_may_be(lambda_context, environment):
    old_day = event({"report": "daily", "date": "2024-11-20"})
    with pytest.raises(InvalidReportRequest, match="older than Cost Explorer keeps"):
        handler.lambda_handler(old_day, lambda_context("resolve_report_date"))
    environment.setenv("COST_EXPLORER_HISTORY_MONTHS", "38")
    settings.cache_clear()  # a new execution environment
    request = handler.lambda_handler(old_day, lambda_context("resolve_report_date"))["request"]
    assert request["reportDate"] == "2024-11-20"


def test_a_200_kb_execution_start_time_gives_a_short_refusal_naming_it(lambda_context):
    with pytest.raises(InvalidReportRequest) as refused:
        handler.lambda_handler(event({"date": "2026-11-20"}, started=HUGE), lambda_context("resolve_report_date"))
    message = str(refused.value)
    assert len(message) < 1_000, f"{len(message):,} characters"
    assert message.startswith("executionStartTime: 'xxx") and "is not an ISO 8601 time" in message
    assert "204,800 characters" in message


def test_a_200_kb_bad_date_leaves_a_whole_cause_in_the_failed_execution(lambda_context):
    # Step Functions records a failed Lambda task's error payload (errorMessage, errorType, stackTrace,
    # as the Python runtime builds it) as the cause, and keeps at most STEP_FUNCTIONS_CAUSE_LIMIT
    # characters of it: the whole refusal, examples included, must fit.
    context = lambda_context("resolve_report_date")
    with pytest.raises(InvalidReportRequest) as refused:
        handler.lambda_handler(event({"date": HUGE}), context)
    cause = json.dumps(
        {
            "errorMessage": str(refused.value),
            "errorType": type(refused.value).__name__,
            "requestId": context.aws_request_id,
            "stackTrace": traceback.format_list(traceback.extract_tb(refused.value.__traceback__)),
        }
    )
    assert len(cause) < STEP_FUNCTIONS_CAUSE_LIMIT, f"{len(cause):,} characters"
    assert "date: expected a day as YYYY-MM-DD" in cause
