"""The ResolveReportDate handler: the event the state machine builds, in and out."""

import importlib
import json
import traceback

import pytest
from resolve_report_date import handler
from resolve_report_date.report_date import STEP_FUNCTIONS_CAUSE_LIMIT, InvalidReportRequest

HUGE = "x" * 200 * 1024


def test_handler_returns_the_report_day_from_the_scheduled_input(lambda_context):
    event = {"input": {"scheduledTime": "2026-11-21T08:00:00Z"}, "executionStartTime": "2026-11-21T08:00:01.250Z"}
    result = handler.lambda_handler(event, lambda_context("resolve_report_date"))
    assert result["reportDate"] == "2026-11-20" and result["trigger"] == "schedule"


def test_handler_refuses_an_event_without_the_execution_start_time(lambda_context):
    with pytest.raises(InvalidReportRequest, match="executionStartTime"):
        handler.lambda_handler({"input": {"date": "2026-11-20"}}, lambda_context("resolve_report_date"))


def test_bad_history_setting_fails_at_cold_start_naming_the_variable(monkeypatch):
    monkeypatch.setenv("COST_EXPLORER_HISTORY_MONTHS", "12")
    with pytest.raises(
        RuntimeError, match="COST_EXPLORER_HISTORY_MONTHS='12' is not allowed: use a whole number from 13 to 38"
    ):
        importlib.reload(handler)
    monkeypatch.delenv("COST_EXPLORER_HISTORY_MONTHS")
    importlib.reload(handler)


def test_an_empty_history_setting_means_the_default_as_in_fetch_costs(monkeypatch):
    monkeypatch.setenv("COST_EXPLORER_HISTORY_MONTHS", "")
    assert importlib.reload(handler).HISTORY_MONTHS == 13
    monkeypatch.delenv("COST_EXPLORER_HISTORY_MONTHS")
    importlib.reload(handler)


def test_a_200_kb_execution_start_time_gives_a_short_refusal_naming_it(lambda_context):
    event = {"input": {"date": "2026-11-20"}, "executionStartTime": HUGE}
    with pytest.raises(InvalidReportRequest) as refused:
        handler.lambda_handler(event, lambda_context("resolve_report_date"))
    message = str(refused.value)
    assert len(message) < 1_000, f"{len(message):,} characters"
    assert message.startswith("executionStartTime: 'xxx") and "is not an ISO 8601 time" in message
    assert "204,800 characters" in message


def test_a_200_kb_bad_date_leaves_a_whole_cause_in_the_failed_execution(lambda_context):
    # Step Functions records a failed Lambda task's error payload (errorMessage, errorType, stackTrace,
    # as the Python runtime builds it) as the cause, and keeps at most STEP_FUNCTIONS_CAUSE_LIMIT
    # characters of it: the whole refusal, examples included, must fit.
    event = {"input": {"date": HUGE}, "executionStartTime": "2026-11-21T08:00:01.250Z"}
    context = lambda_context("resolve_report_date")
    with pytest.raises(InvalidReportRequest) as refused:
        handler.lambda_handler(event, context)
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
