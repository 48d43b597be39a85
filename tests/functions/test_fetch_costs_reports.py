"""FetchCosts for a declared report, against the embedded Cost Explorer (local.cost_explorer): the scope
as the Filter, the breakdown and RECORD_TYPE as GroupBy, the report's own metric, top N and budget, and the
requests each report shape costs (one query; one more for a secondary breakdown), within the cap."""

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator
from fetch_costs import handler
from fetch_costs.settings import settings
from report_contract.period import ReportPeriod
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


@pytest.mark.slow  # the large synthetic organisation: seconds, so not in make test-fast
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


def test_the_reports_monthly_budget_replaces_the_deployments(monkeypatch, lambda_context, environment):
    ce = client(monkeypatch)
    environment.setenv("MONTHLY_BUDGET", "9000")

    declared = fetch(ce, event("own", {"monthly_budget": "4000.5"}), lambda_context)
    inherited = fetch(ce, event("inherits", {}), lambda_context)

    assert (declared["monthlyBudget"], inherited["monthlyBudget"]) == ("4000.5", "9000")


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


# ---- a weekly or monthly report's secondary breakdown ------------------------------------------------

WEEK, MONTH = ReportPeriod.from_key("week", "2026-W47"), ReportPeriod.from_key("month", "2026-11")
TODAY = {"week": date(2026, 11, 24), "month": date(2026, 12, 3)}  # the period's last day is processed
BY_ACCOUNT = {"secondary_breakdown": {"by": "account"}}


def period_client(monkeypatch, period: ReportPeriod, profile: str = "large-org", today: date | None = None) -> Client:
    ce = Client(profile)
    ce.fake = FakeCostExplorer(SyntheticOrganisation(profile, seed=7, today=today or TODAY[period.kind]))
    monkeypatch.setattr(handler, "cost_explorer", lambda: ce)
    return ce


def period_event(period: ReportPeriod, declaration: dict) -> dict:
    spec = ReportSpec.from_state("org", {"recipients": ["finops@example.com"], **declaration})
    return {"reportDate": period.last_day.isoformat(), "period": period.to_state(), "report": spec.to_state()}


def _amounts(section: dict, field: str) -> list[Decimal]:
    other = [Decimal(section["other"][field])] if section["other"] else []
    return [Decimal(line[field]) for line in section["top"]] + other


@pytest.mark.parametrize(
    ("period", "granularity", "start"),
    [(WEEK, "DAILY", "2026-11-09"), (MONTH, "MONTHLY", "2026-10-01")],
    ids=["week", "month"],
)
@pytest.mark.slow  # the large synthetic organisation: seconds, so not in make test-fast
def test_a_weekly_or_monthly_report_has_its_secondary_section_for_one_more_query(
    monkeypatch, lambda_context, period, granularity, start
):
    ce = period_client(monkeypatch, period)
    plain = fetch(ce, period_event(period, {}), lambda_context)
    sent = len(ce.requests)

    result = fetch(ce, period_event(period, BY_ACCOUNT), lambda_context)

    assert "secondary" not in plain
    assert result["costExplorerRequests"] == len(ce.requests) - sent == plain["costExplorerRequests"] + 1 == sent + 1
    extra = ce.requests[-1]
    assert extra["TimePeriod"] == {"Start": start, "End": period.end.isoformat()}
    assert extra["Granularity"] == granularity and "Filter" not in extra
    assert extra["GroupBy"] == [
        {"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"},
        {"Type": "DIMENSION", "Key": "RECORD_TYPE"},
    ]
    secondary = result["secondary"]
    assert secondary["breakdown"] == {"by": "account", "label": "Account"} and secondary["other"]
    assert secondary["unattributed"] == "0"
    charges = Decimal(result["breakdown"]["charges"])
    assert sum(_amounts(secondary, "amount")) == charges == Decimal(plain["breakdown"]["charges"])
    # The previous period's column: each account's figure in the previous period's own report, and in all the
    # previous period's charges, as the services table has them.
    previous = fetch(ce, period_event(period.previous(), BY_ACCOUNT), lambda_context)
    amounts = {line["name"]: line["amount"] for line in previous["secondary"]["top"]}
    shared = [line for line in secondary["top"] if line["name"] in amounts]
    assert shared and all(line["dayBefore"] == amounts[line["name"]] for line in shared)
    assert sum(_amounts(secondary, "dayBefore")) == Decimal(previous["breakdown"]["charges"])
    assert sum(_amounts(result["services"], "dayBefore")) == Decimal(previous["breakdown"]["charges"])


@pytest.mark.parametrize("period", [WEEK, MONTH], ids=["week", "month"])
def test_render_email_accepts_and_shows_a_periods_secondary_section(monkeypatch, lambda_context, period):
    from render_email.render import render_report
    from render_email.request import RenderRequest

    state = fetch(period_client(monkeypatch, period, "small"), period_event(period, BY_ACCOUNT), lambda_context)
    report = RenderRequest.from_event(
        {"reportDate": period.last_day.isoformat(), "costs": json.loads(json.dumps(state))}
    )

    email = render_report(report.costs)

    assert report.costs.secondary is not None and report.costs.period == period
    name = state["secondary"]["top"][0]["name"]
    assert "By account" in email.text and name in email.text
    assert "By account</h2>" in email.html and name in email.html
    # Against the previous period, in the period's words, as the main table is: never "day before".
    words = {"week": ("week", "the previous week", "Week"), "month": ("month", "October", "Month")}[period.kind]
    section = email.html[email.html.index("By account</h2>") :]
    assert f">vs {words[1].removeprefix('the ')}</th>" in section and "day before" not in section
    assert f"By account ({words[0]} = change against {words[1]}):" in email.text
    assert re.search(rf"^Account +Amount +{words[2]}$", email.text, re.M) and "day before" not in email.text


@pytest.mark.parametrize("period", [WEEK, MONTH], ids=["week", "month"])
def test_a_periods_secondary_query_counts_against_the_reports_request_cap(
    monkeypatch, lambda_context, environment, period
):
    main = fetch(period_client(monkeypatch, period, "small"), period_event(period, {}), lambda_context)
    ce = period_client(monkeypatch, period, "small")
    environment.setenv("COST_EXPLORER_MAX_REQUESTS", str(main["costExplorerRequests"]))
    settings.cache_clear()  # read again, with the cap

    with pytest.raises(handler.CostDataIncomplete, match=f"after {main['costExplorerRequests']} requests"):
        fetch(ce, period_event(period, BY_ACCOUNT), lambda_context)

    assert len(ce.requests) == main["costExplorerRequests"]  # the secondary query was never sent


def test_a_month_whose_previous_month_is_not_kept_has_its_section_alone_and_every_request_counted(
    monkeypatch, lambda_context
):
    oldest = ReportPeriod.from_key("month", "2025-11")  # Cost Explorer keeps November 2025 onwards
    ce = period_client(monkeypatch, oldest, "small", today=date(2026, 12, 3))

    result = fetch(ce, period_event(oldest, BY_ACCOUNT), lambda_context)

    starts = [r["TimePeriod"]["Start"] for r in ce.requests]
    assert starts[-2:] == ["2025-10-01", "2025-11-01"]  # refused, then the month alone
    assert result["costExplorerRequests"] == len(ce.requests) == 5  # 3 for the main queries, as without it
    assert sum(_amounts(result["secondary"], "amount")) == Decimal(result["breakdown"]["charges"])
    assert set(_amounts(result["secondary"], "dayBefore")) == {Decimal(0)}
