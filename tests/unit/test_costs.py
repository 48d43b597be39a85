"""Turning Cost Explorer pages into one day's cost per service, with nothing dropped."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from fetch_costs.costs import CostDataInvalid, build_request, summarise

FIXTURES = Path(__file__).parent.parent / "fixtures" / "cost_explorer"
DAY = date(2026, 11, 20)


def page(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_request_covers_exactly_one_utc_day_with_an_exclusive_end():
    request = build_request(DAY, "UnblendedCost")
    assert request["TimePeriod"] == {"Start": "2026-11-20", "End": "2026-11-21"}
    assert request["Granularity"] == "DAILY" and request["Metrics"] == ["UnblendedCost"]
    assert "NextPageToken" not in request


def test_request_for_the_last_day_of_a_year_ends_on_new_year():
    assert build_request(date(2026, 12, 31), "UnblendedCost")["TimePeriod"]["End"] == "2027-01-01"


def test_next_page_request_carries_the_token():
    assert build_request(DAY, "UnblendedCost", "abc")["NextPageToken"] == "abc"


def test_every_page_is_summed_and_a_service_split_across_pages_is_merged():
    costs = summarise(DAY, "UnblendedCost", [page("one_day_by_service_page1.json"), page("one_day_by_service_page2.json")])
    amounts = {s.name: s.amount for s in costs.services}
    assert amounts["AWS Lambda"] == Decimal("-0.40")
    assert len(costs.services) == 4 and costs.requests == 2
    assert costs.total == Decimal("41.2039485713") + Decimal("7.1") + Decimal("-0.40") + Decimal("0.0000001")


def test_services_are_sorted_largest_first_and_total_reconciles_exactly():
    state = summarise(DAY, "UnblendedCost", [page("one_day_by_service_page1.json")]).to_state()
    assert [s["name"] for s in state["services"]][0] == "Amazon Elastic Compute Cloud - Compute"
    assert sum(Decimal(s["amount"]) for s in state["services"]) == Decimal(state["total"])
    assert state["currency"] == "USD" and state["estimated"] is True


def test_tiny_amounts_stay_plain_digits_for_dynamodb_and_people():
    state = summarise(DAY, "UnblendedCost", [page("one_day_by_service_page2.json")]).to_state()
    assert {s["name"]: s["amount"] for s in state["services"]}["Tax"] == "0.0000001"


def test_a_day_without_spend_has_zero_total_and_no_services():
    empty = {"ResultsByTime": [{"TimePeriod": {"Start": "2026-11-20", "End": "2026-11-21"}, "Total": {},
                                "Groups": [], "Estimated": False}]}
    state = summarise(DAY, "UnblendedCost", [empty]).to_state()
    assert (state["total"], state["services"], state["currency"]) == ("0", [], "USD")


def test_currency_comes_from_the_data():
    data = page("one_day_by_service_page2.json")
    for group in data["ResultsByTime"][0]["Groups"]:
        group["Metrics"]["UnblendedCost"]["Unit"] = "EUR"
    assert summarise(DAY, "UnblendedCost", [data]).currency == "EUR"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["ResultsByTime"][0]["Groups"][0]["Metrics"]["UnblendedCost"].update(Unit="EUR"), "more than one currency"),
        (lambda d: d["ResultsByTime"][0]["Groups"][0]["Metrics"]["UnblendedCost"].update(Amount="n/a"), "non-numeric amount"),
        (lambda d: d["ResultsByTime"][0]["Groups"][0]["Metrics"]["UnblendedCost"].update(Amount="NaN"), "non-finite"),
        (lambda d: d["ResultsByTime"][0]["TimePeriod"].update(Start="2026-11-19"), "period starting '2026-11-19'"),
        (lambda d: d["ResultsByTime"][0]["Groups"][0].update(Keys=["a", "b"]), "one SERVICE key"),
        (lambda d: d["ResultsByTime"][0]["Groups"][0]["Metrics"].clear(), "has no UnblendedCost metric"),
    ],
)
def test_an_answer_that_would_make_a_wrong_report_is_refused(mutate, message):
    data = page("one_day_by_service_page1.json")
    mutate(data)
    with pytest.raises(CostDataInvalid, match=None) as refused:
        summarise(DAY, "UnblendedCost", [data])
    assert message in str(refused.value)
