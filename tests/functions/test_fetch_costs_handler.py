"""The FetchCosts handler against botocore's Stubber: the one query and its pages (each used as it arrives
and dropped; the page metrics), error mapping, the history-limit fallback, bad events, and settings read at
call time (their rules: tests/unit/test_settings.py)."""

import json
import weakref
from datetime import date
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from fetch_costs import handler
from fetch_costs.query import build_request, report_window, short_window
from fetch_costs.settings import ConfigurationError, ReportSettings, settings
from report_contract.spec import Breakdown, ReportSpec

from tests.fixtures.cost_explorer_answers import answer

EVENT = {"reportDate": "2026-11-20"}
DAY = date(2026, 11, 20)
D = Decimal
START, END = report_window(DAY)
# The deployment's data bucket, empty for each test: the history cache (fetch_costs.history_cache) writes
# October, which these answers give as final, and must not answer the next test's query.
pytestmark = pytest.mark.usefixtures("data_bucket")


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


def test_the_previous_report_s_record_becomes_a_revised_figure_when_the_day_before_moved(ce, lambda_context):
    # GIVEN ReadPreviousReport's answer: the 19th was sent at $50.00; Cost Explorer now has it at $45.20
    sent = {"status": {"S": "SENT"}, "total": {"N": "50.00"}, "sentAt": {"S": "2026-11-20T08:00:07Z"}}
    previous = {"Item": {**sent, "currency": {"S": "USD"}}}
    expect_pages(ce, answer(START, END, rows))
    result = handler.lambda_handler({**EVENT, "previousReport": previous}, lambda_context("fetch_costs"))
    assert result["revised"] == {
        "day": "2026-11-19",
        "sentTotal": "50",  # plain(): the exact amount, as every amount travels
        "nowTotal": result["dayBefore"],
        "sentAt": "2026-11-20T08:00:07+00:00",
    }
    assert result["dayBefore"] == "45.2039486713"  # 41.2039485713 + 0.0000001 - 10.3 + 7.1 + 7.2


def test_a_failed_read_of_the_previous_report_costs_the_report_nothing(ce, lambda_context):
    # ReadPreviousReport's Catch puts the error where the record would be: the report goes out without the line.
    expect_pages(ce, answer(START, END, rows))
    failed = {"Error": "DynamoDB.AmazonDynamoDBException", "Cause": "no answer"}
    result = handler.lambda_handler({**EVENT, "previousReport": failed}, lambda_context("fetch_costs"))
    assert "revised" not in result and result["total"] == "88.4039486713"


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


def test_a_page_token_that_never_ends_stops_after_the_request_cap(ce, lambda_context):
    cap = ReportSettings().max_requests
    [endless] = answer(START, END, rows)
    endless["NextPageToken"] = "again"
    for n in range(cap):
        ce.add_response(
            "get_cost_and_usage", endless, build_request(START, END, "UnblendedCost", "again" if n else None)
        )
    with pytest.raises(handler.CostDataIncomplete, match=f"after {cap} requests.*COST_EXPLORER_MAX_REQUESTS"):
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


# --- Settings, read at call time ----------------------------------------------------------------


@pytest.fixture
def environment(monkeypatch):
    """Set the function's environment for one test: the settings are read anew on the next call, and
    again after the test, so no other test sees them."""
    settings.cache_clear()
    yield monkeypatch
    settings.cache_clear()


def test_a_bad_setting_fails_the_invocation_naming_it_before_any_billed_request(ce, lambda_context, environment):
    environment.setenv("COST_METRIC", "Dollars")
    with pytest.raises(ConfigurationError, match="COST_METRIC='Dollars' is not allowed: use one of UnblendedCost"):
        handler.lambda_handler(EVENT, lambda_context("fetch_costs"))


def test_the_request_cap_is_a_setting(ce, lambda_context, environment):
    environment.setenv("COST_EXPLORER_MAX_REQUESTS", "3")
    [endless] = answer(START, END, rows)
    endless["NextPageToken"] = "again"
    for n in range(3):
        ce.add_response(
            "get_cost_and_usage", endless, build_request(START, END, "UnblendedCost", "again" if n else None)
        )
    with pytest.raises(handler.CostDataIncomplete, match=r"after 3 requests .* at \$0\.03"):
        handler.lambda_handler(EVENT, lambda_context("fetch_costs"))


def test_the_settings_are_read_once_and_kept_for_later_invocations(ce, lambda_context, environment):
    environment.setenv("COST_METRIC", "AmortizedCost")
    expect_pages_for("AmortizedCost", ce)
    assert handler.lambda_handler(EVENT, lambda_context("fetch_costs"))["metric"] == "AmortizedCost"
    environment.setenv("COST_METRIC", "Dollars")  # Lambda's environment never changes under a function
    # (October, final, is read from the history cache the first call wrote: November is queried)
    expect_pages_for("AmortizedCost", ce, date(2026, 11, 1))
    assert handler.lambda_handler(EVENT, lambda_context("fetch_costs"))["metric"] == "AmortizedCost"


def expect_pages_for(metric: str, ce, start: date = START) -> None:
    ce.add_response("get_cost_and_usage", answer(start, END, rows, metric=metric)[0], build_request(start, END, metric))


# ---- pages (issue 16): each used as it arrives and dropped; the page metrics ---------------------------


def emitted(capsys, caplog) -> tuple[dict, dict]:
    """The invocation's metrics (the EMF line) and its "Costs fetched" log line, as Powertools writes it."""
    [emf] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    formatter = handler.logger.registered_formatter
    [fetched] = [json.loads(formatter.format(r)) for r in caplog.records if r.getMessage() == "Costs fetched"]
    caplog.clear()
    return emf, fetched


def test_a_three_page_answer_publishes_its_pages_and_each_page_s_groups(ce, lambda_context, capsys, caplog):
    pages = answer(START, END, rows, page_size=100)  # 51 days x 5 groups = 255: 100, 100 and 55 a page
    expect_pages(ce, pages)
    handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
    emf, fetched = emitted(capsys, caplog)
    assert emf["CostExplorerPages"] == [3.0] and emf["CostExplorerRequests"] == [3.0]
    assert emf["CostExplorerGroupsPerPage"] == [100.0, 100.0, 55.0]  # one value a page: Maximum = page size
    units = {m["Name"]: m["Unit"] for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert units["CostExplorerPages"] == units["CostExplorerGroupsPerPage"] == "Count"
    assert (fetched["pages"], fetched["groupsPerPage"], fetched["requests"]) == (3, [100, 100, 55], 3)


def test_a_warm_container_s_second_run_counts_only_its_own_pages(ce, lambda_context, capsys, caplog):
    expect_pages(ce, answer(START, END, rows, page_size=100))
    handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
    emitted(capsys, caplog)
    # one page this time: November's 20 days (October, final, is read from the history cache the first wrote)
    expect_pages(ce, answer(date(2026, 11, 1), END, rows), start=date(2026, 11, 1))
    handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
    emf, fetched = emitted(capsys, caplog)
    assert emf["CostExplorerPages"] == [1.0] and emf["CostExplorerGroupsPerPage"] == [100.0]
    assert (fetched["pages"], fetched["groupsPerPage"]) == (1, [100])


class Page(dict):
    """A page as boto3 returns it; a subclass, so a weak reference can tell whether it is still alive."""


class Pages:
    """Cost Explorer's answer by LINKED_ACCOUNT, each page made when asked for, its account named only on
    the last page (Cost Explorer may name an account on any page). Notes how many pages it made are still
    alive when it is asked for the next."""

    def __init__(self, contents: list[dict]) -> None:
        self.contents, self.refs, self.alive_when_asked = contents, [], []

    def get_cost_and_usage(self, **request: Any) -> Page:
        self.alive_when_asked.append(sum(ref() is not None for ref in self.refs))
        page = Page(self.contents[len(self.refs)])
        self.refs.append(weakref.ref(page))
        return page


def by_account(page_size: int) -> list[dict]:
    pages = answer(START, END, lambda day: [("111111111111", "Usage", "2.5")], page_size=page_size)
    for page in pages:
        page["GroupDefinitions"][0]["Key"] = "LINKED_ACCOUNT"
        page["DimensionValueAttributes"] = []
    pages[-1]["DimensionValueAttributes"] = [{"Value": "111111111111", "Attributes": {"description": "prod"}}]
    return pages


ACCOUNTS = ReportSpec("accounts", "Accounts", recipients=(), breakdown=Breakdown("account"))


def test_fetch_history_holds_one_page_at_a_time_and_none_after(monkeypatch):
    client = Pages(by_account(page_size=20))  # 51 days, one group each: 3 pages
    monkeypatch.setattr(handler, "cost_explorer", lambda: client)
    history = handler.fetch_history(DAY, "UnblendedCost", 10, ACCOUNTS)
    assert client.alive_when_asked == [0, 0, 0] and [ref() for ref in client.refs] == [None, None, None]
    assert history.requests == 3
    assert dict(history.day(DAY).charges) == {"prod (111111111111)": Decimal("2.5")}  # named from the last page


def test_the_request_cap_stops_the_stream_at_the_same_request(monkeypatch):
    client = Pages(by_account(page_size=20))
    monkeypatch.setattr(handler, "cost_explorer", lambda: client)
    with pytest.raises(handler.CostDataIncomplete, match="still paginating after 2 requests"):
        handler.fetch_history(DAY, "UnblendedCost", 2, ACCOUNTS)
    assert len(client.refs) == 2  # the third page was never asked for
