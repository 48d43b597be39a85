"""The FetchCosts handler against botocore's Stubber: the one query and its pages, error mapping, the
history-limit fallback, bad events, and settings read at cold start."""

import importlib
import json
from datetime import date
from decimal import Decimal

import boto3
import pytest
from botocore.stub import Stubber
from fetch_costs import handler
from fetch_costs.query import build_request, report_window, short_window
from fetch_costs.settings import ConfigurationError, ReportSettings, load_settings

from tests.fixtures.cost_explorer_answers import answer

EVENT = {"reportDate": "2026-11-20"}
DAY = date(2026, 11, 20)
D = Decimal
START, END = report_window(DAY)


def rows(day: date) -> list:
    usual = [
        ("Amazon Elastic Compute Cloud - Compute", "Usage", "41.2039485713"),
        ("AWS Lambda", "Usage", "0.0000001"),
        ("Amazon Elastic Compute Cloud - Compute", "Credit", "-10.3"),
        ("Amazon Simple Storage Service", "Usage", "7.1"),
    ]
    return usual + ([("Amazon CloudWatch", "Usage", "50.4")] if day == DAY else [("Amazon CloudWatch", "Usage", "7.2")])


@pytest.fixture
def ce(monkeypatch):
    client = boto3.client("ce", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    monkeypatch.setattr(handler, "cost_explorer", lambda: client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def expect_pages(ce, pages: list[dict], start: date = START, end: date = END) -> None:
    token = None
    for page in pages:
        ce.add_response("get_cost_and_usage", page, build_request(start, end, "UnblendedCost", token))
        token = page.get("NextPageToken")


def test_one_query_every_page_merged_and_each_billed_request_counted(ce, lambda_context):
    pages = answer(START, END, rows, page_size=100)  # 51 days x 4-5 groups: 3 pages, days split between them
    expect_pages(ce, pages)
    result = handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
    assert len(pages) == 3 and result["costExplorerRequests"] == 3
    assert result["total"] == "88.4039486713"  # 41.2039485713 + 0.0000001 - 10.3 + 7.1 + 50.4
    assert result["breakdown"]["credits"] == "-10.3"
    assert [a["name"] for a in result["anomalies"]["services"]] == ["Amazon CloudWatch"]
    assert len(json.dumps(result)) < 10_000


def test_one_page_is_one_request(ce, lambda_context):
    expect_pages(ce, answer(START, END, rows))
    assert handler.lambda_handler(EVENT, lambda_context("fetch_costs"))["costExplorerRequests"] == 1


@pytest.mark.parametrize(
    ("code", "raised", "message"),
    [
        ("LimitExceededException", handler.CostExplorerThrottled, "throttled the request for 2026-11-20"),
        ("DataUnavailableException", handler.CostDataUnavailable, "no data for 2026-11-20"),
        ("BillExpirationException", handler.CostDataUnavailable, "no data for 2026-11-20"),
        ("AccessDeniedException", handler.CostExplorerAccessDenied, "ce:GetCostAndUsage"),
    ],
)
def test_cost_explorer_errors_become_named_errors_the_state_machine_can_match(
    ce, lambda_context, code, raised, message
):
    ce.add_client_error("get_cost_and_usage", service_error_code=code, service_message="nope")
    with pytest.raises(raised, match=message):
        handler.lambda_handler(EVENT, lambda_context("fetch_costs"))


def test_a_day_in_the_oldest_month_cost_explorer_keeps_is_reported_without_last_month(ce, lambda_context):
    # GIVEN Cost Explorer refuses the 1st of last month as older than the history it keeps
    ce.add_client_error(
        "get_cost_and_usage",
        service_error_code="ValidationException",
        service_message="You haven't enabled historical data beyond 14 months.",
    )
    start, end = short_window(DAY)
    expect_pages(ce, answer(start, end, rows), start, end)
    # WHEN the day is fetched
    result = handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
    # THEN the query is repeated from the 1st of the report month, and both requests are counted
    assert result["costExplorerRequests"] == 2
    assert result["lastMonth"] is None and result["lastMonthToDate"] is None
    assert result["monthToDate"]["days"] == 20 and result["newServices"]["since"] == "2026-11-01"


def test_an_answer_missing_a_day_is_refused_as_invalid(ce, lambda_context):
    [page] = answer(START, END, rows)
    page["ResultsByTime"].pop(3)
    expect_pages(ce, [page])
    with pytest.raises(handler.CostDataInvalid, match="no period for 2026-10-04"):
        handler.lambda_handler(EVENT, lambda_context("fetch_costs"))


def test_a_report_day_cost_explorer_has_not_processed_yet_is_not_reported_as_no_spend(ce, lambda_context):
    # GIVEN Cost Explorer has groups for every day before the report day, and none at all for it
    expect_pages(ce, answer(START, END, lambda day: rows(day) if day < DAY else []))
    # WHEN the day is fetched
    with pytest.raises(Exception) as raised:
        handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
    # THEN the run fails with the error the state machine retries, saying which day, why, and what happens
    assert type(raised.value).__name__ == "CostDataNotReady"
    message = str(raised.value)
    assert "no cost data for 2026-11-20" in message and "2026-11-19" in message
    assert "not processed" in message and "retr" in message and "redrive" in message


def test_an_account_with_no_spend_on_any_day_still_gets_its_zero_report(ce, lambda_context):
    expect_pages(ce, answer(START, END, lambda day: []))
    result = handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
    assert (result["total"], result["services"]["top"], result["currency"]) == ("0", [], "USD")


def test_a_report_day_whose_entries_are_all_zero_is_data_not_a_day_to_wait_for(ce, lambda_context):
    expect_pages(
        ce,
        answer(
            START,
            END,
            lambda day: (
                rows(day)
                if day < DAY
                else [("AWS Lambda", "Usage", "0"), ("Amazon Simple Storage Service", "Usage", "0.0000000000")]
            ),
        ),
    )
    result = handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
    assert result["total"] == "0" and result["services"]["count"] == 2
    assert D(result["dayBefore"]) > 0


def test_a_record_type_the_report_does_not_know_is_its_own_line_and_logged_as_a_warning(ce, lambda_context, caplog):
    expect_pages(ce, answer(START, END, lambda day: rows(day) + [("Amazon CloudWatch", "Future Charge Type", "1.25")]))
    result = handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
    assert result["breakdown"]["other"] == [{"recordType": "Future Charge Type", "amount": "1.25"}]
    assert result["total"] == "89.6539486713"  # 88.4039486713 + 1.25, in no other bucket
    assert [(r.getMessage(), r.recordTypes) for r in caplog.records if r.levelname == "WARNING"] == [
        ("Cost Explorer returned record types this report does not classify", ["Future Charge Type"])
    ]


def test_a_page_token_that_never_ends_stops_after_max_pages(ce, lambda_context):
    [endless] = answer(START, END, rows)
    endless["NextPageToken"] = "again"
    for n in range(handler.MAX_PAGES):
        ce.add_response(
            "get_cost_and_usage", endless, build_request(START, END, "UnblendedCost", "again" if n else None)
        )
    with pytest.raises(
        handler.CostDataIncomplete, match=f"after {handler.MAX_PAGES} requests.*COST_EXPLORER_MAX_REQUESTS"
    ):
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


# --- Settings from the environment --------------------------------------------------------------


def test_unset_or_empty_settings_are_the_documented_defaults():
    assert (
        load_settings({})
        == load_settings({name: "" for name in ("COST_METRIC", "TOP_SERVICES", "DAILY_BUDGET")})
        == ReportSettings()
    )
    defaults = ReportSettings()
    assert (defaults.metric, defaults.top_services, defaults.daily_budget, defaults.max_requests) == (
        "UnblendedCost",
        10,
        None,
        10,
    )


def test_every_setting_is_read():
    settings = load_settings(
        {
            "COST_METRIC": "NetAmortizedCost",
            "TOP_SERVICES": " 20 ",
            "DAILY_BUDGET": "150.50",
            "ANOMALY_THRESHOLD": "2.5",
            "ANOMALY_MIN_AMOUNT": "10",
            "ANOMALY_MIN_PERCENT": "25",
            "MOVER_MIN_AMOUNT": "0",
            "MOVER_MIN_PERCENT": "5",
            "NEW_SERVICE_DAYS": "3",
            "COST_EXPLORER_MAX_REQUESTS": "40",
        }
    )
    assert settings == ReportSettings(
        "NetAmortizedCost", 20, Decimal("150.50"), *(Decimal(v) for v in ("2.5", "10", "25", "0", "5")), 3, 40
    )


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        (
            "COST_METRIC",
            "Dollars",
            "use one of UnblendedCost, AmortizedCost, NetUnblendedCost, NetAmortizedCost, BlendedCost",
        ),
        ("TOP_SERVICES", "0", "a whole number from 1 to 20 (default 10)"),
        ("TOP_SERVICES", "21", "a whole number from 1 to 20"),
        ("TOP_SERVICES", "ten", "a whole number from 1 to 20"),
        ("DAILY_BUDGET", "0", "greater than 0"),
        ("DAILY_BUDGET", "$150", "greater than 0"),
        ("DAILY_BUDGET", "-5", "greater than 0"),
        ("ANOMALY_THRESHOLD", "0.5", "a number from 1 to 20"),
        ("ANOMALY_MIN_AMOUNT", "-1", "a number from 0 to"),
        ("ANOMALY_MIN_PERCENT", "NaN", "a number from 0 to 10,000"),
        ("MOVER_MIN_AMOUNT", "1e3", "a number from 0 to"),
        ("MOVER_MIN_PERCENT", "ten", "a number from 0 to 10,000"),
        ("NEW_SERVICE_DAYS", "15", "a whole number from 1 to 14 (default 7)"),
        ("COST_EXPLORER_MAX_REQUESTS", "0", "a whole number from 1 to 100 (default 10)"),
    ],
)
def test_a_bad_setting_names_the_variable_the_value_and_what_is_allowed(name, value, allowed):
    with pytest.raises(ConfigurationError) as refused:
        load_settings({name: value})
    assert isinstance(refused.value, RuntimeError)
    assert f"{name}={value!r} is not allowed" in str(refused.value) and allowed in str(refused.value)


def test_a_bad_setting_fails_the_cold_start(monkeypatch):
    monkeypatch.setenv("COST_METRIC", "Dollars")
    with pytest.raises(RuntimeError, match="COST_METRIC='Dollars' is not allowed: use one of UnblendedCost"):
        importlib.reload(handler)
    monkeypatch.delenv("COST_METRIC")
    importlib.reload(handler)


def test_the_request_cap_is_a_setting(monkeypatch):
    monkeypatch.setenv("COST_EXPLORER_MAX_REQUESTS", "3")
    try:
        assert importlib.reload(handler).MAX_PAGES == 3
    finally:
        monkeypatch.delenv("COST_EXPLORER_MAX_REQUESTS")
        importlib.reload(handler)
