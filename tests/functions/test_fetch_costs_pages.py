"""FetchCosts and Cost Explorer's pages (issue 16): each page used as it arrives and dropped, the request cap
kept exactly, and the page metrics (CostExplorerPages, CostExplorerGroupsPerPage) and log fields."""

from __future__ import annotations

import json
import weakref
from datetime import date
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from fetch_costs import handler
from fetch_costs.query import build_request, report_window
from report_contract.spec import Breakdown, ReportSpec

from tests.fixtures.cost_explorer_answers import answer

EVENT = {"reportDate": "2026-11-20"}
DAY = date(2026, 11, 20)
START, END = report_window(DAY)


def rows(day: date) -> list:
    return [
        ("Amazon Elastic Compute Cloud - Compute", "Usage", "41.2039485713"),
        ("AWS Lambda", "Usage", "0.0000001"),
        ("Amazon Elastic Compute Cloud - Compute", "Credit", "-10.3"),
        ("Amazon Simple Storage Service", "Usage", "7.1"),
        ("Amazon CloudWatch", "Usage", "50.4" if day == DAY else "7.2"),
    ]


@pytest.fixture
def ce(monkeypatch):
    client = boto3.client("ce", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    monkeypatch.setattr(handler, "cost_explorer", lambda: client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def expect(ce, pages: list[dict]) -> None:
    token = None
    for page in pages:
        ce.add_response("get_cost_and_usage", page, build_request(START, END, "UnblendedCost", token))
        token = page.get("NextPageToken")


def emitted(capsys, caplog) -> tuple[dict, dict]:
    """The invocation's metrics (the EMF line) and its "Costs fetched" log line, as Powertools writes it."""
    [emf] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    formatter = handler.logger.registered_formatter
    [fetched] = [json.loads(formatter.format(r)) for r in caplog.records if r.getMessage() == "Costs fetched"]
    caplog.clear()
    return emf, fetched


def test_a_three_page_answer_publishes_its_pages_and_each_page_s_groups(ce, lambda_context, capsys, caplog):
    pages = answer(START, END, rows, page_size=100)  # 51 days x 5 groups = 255: 100, 100 and 55 a page
    expect(ce, pages)
    handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
    emf, fetched = emitted(capsys, caplog)
    assert emf["CostExplorerPages"] == [3.0] and emf["CostExplorerRequests"] == [3.0]
    assert emf["CostExplorerGroupsPerPage"] == [100.0, 100.0, 55.0]  # one value a page: Maximum = page size
    units = {m["Name"]: m["Unit"] for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert units["CostExplorerPages"] == units["CostExplorerGroupsPerPage"] == "Count"
    assert (fetched["pages"], fetched["groupsPerPage"], fetched["requests"]) == (3, [100, 100, 55], 3)


def test_a_warm_container_s_second_run_counts_only_its_own_pages(ce, lambda_context, capsys, caplog):
    expect(ce, answer(START, END, rows, page_size=100))
    handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
    emitted(capsys, caplog)
    expect(ce, answer(START, END, rows))  # one page this time
    handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
    emf, fetched = emitted(capsys, caplog)
    assert emf["CostExplorerPages"] == [1.0] and emf["CostExplorerGroupsPerPage"] == [255.0]
    assert (fetched["pages"], fetched["groupsPerPage"]) == (1, [255])


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
