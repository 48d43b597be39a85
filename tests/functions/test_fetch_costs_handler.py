"""The FetchCosts handler against botocore's Stubber: pagination, error mapping, bad events."""

import importlib
import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from fetch_costs import handler

FIXTURES = Path(__file__).parent.parent / "fixtures" / "cost_explorer"
EVENT = {"reportDate": "2026-11-20"}


@pytest.fixture
def ce(monkeypatch):
    client = boto3.client("ce", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    monkeypatch.setattr(handler, "cost_explorer", lambda: client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_follows_next_page_token_and_counts_each_billed_request(ce, lambda_context):
    first = {"TimePeriod": {"Start": "2026-11-20", "End": "2026-11-21"}, "Granularity": "DAILY",
             "Metrics": ["UnblendedCost"], "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}]}
    ce.add_response("get_cost_and_usage", fixture("one_day_by_service_page1.json"), first)
    ce.add_response("get_cost_and_usage", fixture("one_day_by_service_page2.json"), {**first, "NextPageToken": "page-2"})
    result = handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
    assert result["costExplorerRequests"] == 2
    assert len(result["services"]) == 4
    assert len(json.dumps(result)) < 2_000


@pytest.mark.parametrize(
    ("code", "raised", "message"),
    [
        ("LimitExceededException", handler.CostExplorerThrottled, "throttled"),
        ("DataUnavailableException", handler.CostDataUnavailable, "no data for 2026-11-20"),
        ("AccessDeniedException", handler.CostExplorerAccessDenied, "ce:GetCostAndUsage"),
    ],
)
def test_cost_explorer_errors_become_named_errors_the_state_machine_can_match(ce, lambda_context, code, raised, message):
    ce.add_client_error("get_cost_and_usage", service_error_code=code, service_message="nope")
    with pytest.raises(raised, match=message):
        handler.lambda_handler(EVENT, lambda_context("fetch_costs"))


def test_a_page_token_that_never_ends_stops_after_max_pages(ce, lambda_context):
    endless = fixture("one_day_by_service_page1.json")
    for _ in range(handler.MAX_PAGES):
        ce.add_response("get_cost_and_usage", endless)
    with pytest.raises(handler.CostDataIncomplete, match=f"after {handler.MAX_PAGES} requests"):
        handler.lambda_handler(EVENT, lambda_context("fetch_costs"))


@pytest.mark.parametrize(
    "event", [{}, {"reportDate": "2026-11-31"}, {"reportDate": "yesterday"}, {"reportDate": "2026-11-20", "x": 1}, []]
)
def test_a_malformed_event_is_refused_before_any_billed_request(ce, lambda_context, event):
    with pytest.raises(handler.InvalidFetchRequest, match="reportDate|expected"):
        handler.lambda_handler(event, lambda_context("fetch_costs"))


def test_the_client_does_not_retry_by_itself_because_every_retry_is_billed():
    handler.cost_explorer.cache_clear()
    client = handler.cost_explorer()
    assert client.meta.config.retries["total_max_attempts"] == 1
    assert client.meta.endpoint_url == "https://ce.us-east-1.amazonaws.com"
    handler.cost_explorer.cache_clear()


def test_unknown_metric_setting_fails_at_cold_start_naming_the_allowed_values(monkeypatch):
    monkeypatch.setenv("COST_METRIC", "Dollars")
    with pytest.raises(RuntimeError, match="COST_METRIC='Dollars' is not allowed: use one of UnblendedCost"):
        importlib.reload(handler)
    monkeypatch.delenv("COST_METRIC")
    importlib.reload(handler)
