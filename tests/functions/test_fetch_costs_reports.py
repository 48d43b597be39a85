"""FetchCosts for a declared report, against the embedded Cost Explorer (local.cost_explorer): the scope
as the Filter, the breakdown and RECORD_TYPE as GroupBy, the report's own metric, top N and budget, and the
requests each report shape costs (one query; one more for a secondary breakdown), within the cap."""

from datetime import date, timedelta
from decimal import Decimal

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator
from fetch_costs import handler
from fetch_costs.settings import settings
from report_contract.spec import ReportSpec

from local.cost_explorer import CostExplorerError, FakeCostExplorer, SyntheticOrganisation

DAY = date(2026, 11, 20)
_INPUT = botocore.session.get_session().get_service_model("ce").operation_model("GetCostAndUsage").input_shape


class Client:
    """What handler.cost_explorer() returns, answering from the fake; each request checked as boto3 would."""

    def __init__(self, profile: str) -> None:
        self.fake = FakeCostExplorer(SyntheticOrganisation(profile, seed=7, today=DAY + timedelta(days=1)))

    def get_cost_and_usage(self, **request):
        report = ParamValidator().validate(request, _INPUT)
        assert not report.has_errors(), report.generate_report()
        try:
            return self.fake.get_cost_and_usage(request)
        except CostExplorerError as error:  # as boto3 raises it
            raise ClientError({"Error": {"Code": error.code, "Message": error.message}}, "GetCostAndUsage") from error

    @property
    def requests(self) -> list[dict]:
        return self.fake.requests


@pytest.fixture
def environment(monkeypatch):
    settings.cache_clear()
    yield monkeypatch
    settings.cache_clear()


def client(monkeypatch, profile: str = "small") -> Client:
    ce = Client(profile)
    monkeypatch.setattr(handler, "cost_explorer", lambda: ce)
    return ce


def event(report_id: str, declaration: dict) -> dict:
    spec = ReportSpec.from_state(report_id, {"recipients": ["finops@example.com"], **declaration})
    return {"reportDate": DAY.isoformat(), "report": spec.to_state()}


def fetch(ce: Client, incoming: dict, lambda_context) -> dict:
    return handler.lambda_handler(incoming, lambda_context("fetch_costs"))


def test_the_default_report_is_one_unfiltered_query_by_service_and_writes_no_report_field(monkeypatch, lambda_context):
    ce = client(monkeypatch)

    result = fetch(ce, {"reportDate": DAY.isoformat()}, lambda_context)

    assert result["costExplorerRequests"] == len(ce.requests) == 1
    assert "Filter" not in ce.requests[0]
    assert ce.requests[0]["GroupBy"] == [
        {"Type": "DIMENSION", "Key": "SERVICE"},
        {"Type": "DIMENSION", "Key": "RECORD_TYPE"},
    ]
    assert "report" not in result and "secondary" not in result


def test_a_team_report_filters_by_its_tag_and_its_total_is_that_teams_cost(monkeypatch, lambda_context):
    ce = client(monkeypatch, "large-org")
    incoming = event("team-payments", {"scope": {"tag": {"key": "team", "values": ["payments"]}}})

    result = fetch(ce, incoming, lambda_context)

    assert ce.requests[0]["Filter"] == {"Tags": {"Key": "team", "Values": ["payments"], "MatchOptions": ["EQUALS"]}}
    by_tag = ce.fake.get_cost_and_usage(
        {
            "TimePeriod": {"Start": DAY.isoformat(), "End": (DAY + timedelta(days=1)).isoformat()},
            "Granularity": "DAILY",
            "Metrics": ["UnblendedCost"],
            "GroupBy": [{"Type": "TAG", "Key": "team"}],
        }
    )
    team = next(g for g in by_tag["ResultsByTime"][0]["Groups"] if g["Keys"] == ["team$payments"])
    assert Decimal(result["total"]) == Decimal(team["Metrics"]["UnblendedCost"]["Amount"])
    assert result["report"]["scope"] == "tag team = payments" and result["report"]["scopeKind"] == "tag"


def test_a_per_account_report_names_each_account_and_adds_up_to_the_organisation(monkeypatch, lambda_context):
    ce = client(monkeypatch, "large-org")
    whole = fetch(ce, {"reportDate": DAY.isoformat()}, lambda_context)

    result = fetch(ce, event("accounts", {"breakdown": {"by": "account"}}), lambda_context)

    assert ce.requests[-1]["GroupBy"][0] == {"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}
    assert result["total"] == whole["total"] and result["breakdown"] == whole["breakdown"]
    names = [line["name"] for line in result["services"]["top"]]
    org = ce.fake.org
    assert all(name == f"{org.accounts[name[-13:-1]]} ({name[-13:-1]})" for name in names)
    assert result["report"]["breakdown"] == {"by": "account", "label": "Account"}
    assert result["costExplorerRequests"] == 1  # the names came with the answer: no other request


def test_a_secondary_breakdown_is_one_more_request_for_the_report_day_and_the_day_before(monkeypatch, lambda_context):
    ce = client(monkeypatch)
    declaration = {
        "scope": {"cost_category": {"name": "Team", "values": ["Payments", "Data"]}},
        "breakdown": {"by": "tag", "key": "team"},
        "secondary_breakdown": {"by": "region"},
    }

    result = fetch(ce, event("teams", declaration), lambda_context)

    main, extra = ce.requests
    assert result["costExplorerRequests"] == 2
    assert extra["TimePeriod"] == {"Start": "2026-11-19", "End": "2026-11-21"}
    assert extra["GroupBy"] == [{"Type": "DIMENSION", "Key": "REGION"}, {"Type": "DIMENSION", "Key": "RECORD_TYPE"}]
    assert (
        extra["Filter"]
        == main["Filter"]
        == {"CostCategories": {"Key": "Team", "Values": ["Payments", "Data"], "MatchOptions": ["EQUALS"]}}
    )
    assert {line["name"] for line in result["services"]["top"]} == {"payments", "data"}
    secondary = result["secondary"]
    listed = [Decimal(line["amount"]) for line in secondary["top"]]
    other = [Decimal(secondary["other"]["amount"])] if secondary["other"] else []
    assert sum(listed + other) == Decimal(result["breakdown"]["charges"])
    assert secondary["breakdown"] == {"by": "region", "label": "Region"}


def test_the_report_sets_its_own_metric_top_n_and_budget(monkeypatch, lambda_context):
    ce = client(monkeypatch)
    declaration = {"metric": "AmortizedCost", "top_n": 3, "budget": "150", "breakdown": {"by": "service"}}

    result = fetch(ce, event("tight", declaration), lambda_context)

    assert ce.requests[0]["Metrics"] == ["AmortizedCost"] and result["metric"] == "AmortizedCost"
    assert result["settings"]["topServices"] == 3 and len(result["services"]["top"]) == 3
    assert result["budget"] == "150"


def test_the_secondary_query_counts_against_the_reports_request_cap(monkeypatch, lambda_context, environment):
    ce = client(monkeypatch)
    environment.setenv("COST_EXPLORER_MAX_REQUESTS", "1")
    declaration = {"secondary_breakdown": {"by": "account"}}

    with pytest.raises(handler.CostDataIncomplete, match="after 1 requests"):
        fetch(ce, event("capped", declaration), lambda_context)

    assert len(ce.requests) == 1  # the main query's one page; the secondary one was never sent


def test_on_the_oldest_day_cost_explorer_keeps_both_queries_fall_back_and_every_request_is_counted(
    monkeypatch, lambda_context
):
    ce = client(monkeypatch)
    oldest = ce.fake.org.earliest_available  # the 1st of the oldest month: the day before is not kept
    incoming = {**event("teams", {"secondary_breakdown": {"by": "region"}}), "reportDate": oldest.isoformat()}

    result = fetch(ce, incoming, lambda_context)

    starts = [r["TimePeriod"]["Start"] for r in ce.requests]
    day_before = (oldest - timedelta(days=1)).isoformat()
    assert starts[1] == oldest.isoformat() and starts[2:] == [day_before, oldest.isoformat()]
    assert result["costExplorerRequests"] == len(ce.requests) == 4
    assert result["secondary"]["top"] and result["lastMonth"] is None
