"""The ResolveReportDate handler: the event the state machine builds, in and out."""

import importlib

import pytest

from resolve_report_date import handler
from resolve_report_date.report_date import InvalidReportRequest


def test_handler_returns_the_report_day_from_the_scheduled_input(lambda_context):
    event = {"input": {"scheduledTime": "2026-11-21T08:00:00Z"}, "executionStartTime": "2026-11-21T08:00:01.250Z"}
    result = handler.lambda_handler(event, lambda_context("resolve_report_date"))
    assert result["reportDate"] == "2026-11-20" and result["trigger"] == "schedule"


def test_handler_refuses_an_event_without_the_execution_start_time(lambda_context):
    with pytest.raises(InvalidReportRequest, match="executionStartTime"):
        handler.lambda_handler({"input": {"date": "2026-11-20"}}, lambda_context("resolve_report_date"))


def test_bad_history_setting_fails_at_cold_start_naming_the_variable(monkeypatch):
    monkeypatch.setenv("COST_EXPLORER_HISTORY_MONTHS", "12")
    with pytest.raises(RuntimeError, match="COST_EXPLORER_HISTORY_MONTHS='12' is not allowed: use a whole number from 13 to 38"):
        importlib.reload(handler)
    monkeypatch.delenv("COST_EXPLORER_HISTORY_MONTHS")
    importlib.reload(handler)


def test_an_empty_history_setting_means_the_default_as_in_fetch_costs(monkeypatch):
    monkeypatch.setenv("COST_EXPLORER_HISTORY_MONTHS", "")
    assert importlib.reload(handler).HISTORY_MONTHS == 13
    monkeypatch.delenv("COST_EXPLORER_HISTORY_MONTHS")
    importlib.reload(handler)
