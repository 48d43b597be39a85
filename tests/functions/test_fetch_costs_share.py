"""FetchSharedCosts' call of the FetchCosts handler ({"share": ...}, fetch_costs.sharing), on moto's S3 and
the embedded Cost Explorer: the due list and the declarations are read from the data bucket, each report
of a shared shape gets its slice, the list with the slices goes back to S3, and the state gets references
and counts only, the same size however many reports are due. Its refusals name the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fetch_costs import handler, sharing
from fetch_costs.errors import ConfigurationError, InvalidFetchRequest
from fetch_costs.query import report_window
from fetch_costs.settings import settings
from fetch_costs.shared import shape_of, slice_answers
from report_contract import objects
from report_contract.spec import ReportSpec

from local.cost_explorer import SyntheticOrganisation
from tests.functions.conftest import DATA_BUCKET
from tests.functions.test_fetch_costs_reports import DAY, Client

BUCKET = DATA_BUCKET
RUN = "scheduled-2026-11-21"
LARGE_ORG_TEAMS = sorted(set(SyntheticOrganisation("large-org", seed=7, today=DAY).account_categories.values()))
# The small organisation's one team and teams without cost (sliced too: every day, no group), so the
# handler lane stays fast; the large organisation's teams are the slow test's.
TEAMS = ["Shared"] + [f"Nocost{n}" for n in range(47)]
# Within the shared answers' 30 minutes of the report day's run.
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def bucket(data_bucket_module):
    """moto's S3 with the data bucket (tests/functions/conftest.py), for the module, emptied for each test."""
    return data_bucket_module


@pytest.fixture
def s3(bucket, monkeypatch):
    for key in keys(bucket):
        bucket.delete_object(Bucket=BUCKET, Key=key)
    monkeypatch.setattr(sharing, "now", lambda: NOW)
    settings.cache_clear()
    yield bucket
    settings.cache_clear()


@pytest.fixture
def ce(monkeypatch) -> Client:
    client = Client("small")
    monkeypatch.setattr(handler, "cost_explorer", lambda: client)
    return client


@pytest.fixture
def no_ce(monkeypatch) -> None:
    """A refusal comes before any request."""

    def refused() -> None:
        raise AssertionError("a refused request must not reach Cost Explorer")

    monkeypatch.setattr(handler, "cost_explorer", refused)


def declarations(teams: list[str]) -> dict[str, dict]:
    """The organisation's own report and one report per team, as Terraform writes config/reports.json."""
    reports: dict[str, dict] = {"daily": {"recipients": ["finops@example.com"]}}
    for team in teams:
        reports[f"team-{team.lower()}"] = {
            "scope": {"cost_category": {"name": "Team", "values": [team]}},
            "recipients": [f"{team.lower()}@example.com"],
        }
    return reports


def item(report: str, period: str = DAY.isoformat()) -> dict:
    """A child item as ResolveReportDate writes it into the due list."""
    return {
        "name": f"{report}-{period}-0123456789ab",
        "input": {"report": report, "period": period, "force": False, "trigger": "schedule", "shared": None},
    }


def put(s3, key: str, document: object) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(document).encode())


def get(s3, key: str) -> object:
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def keys(s3) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def share(count: int, run: str = RUN, concurrency: int = 40) -> dict:
    day = DAY.isoformat()
    return {
        "share": {
            "reportDate": day,
            "run": run,
            "due": {"count": count, "reportDate": day, "key": objects.due_key(run), "concurrency": concurrency},
        }
    }


def given_run(s3, teams: list[str]) -> list[dict]:
    """GIVEN the deployment's declarations and the run's due list in the bucket."""
    reports = declarations(teams)
    put(s3, objects.REPORTS_KEY, reports)
    due = [item(report) for report in sorted(reports)]
    put(s3, objects.due_key(RUN), due)
    return due


def call(event: dict, lambda_context) -> dict:
    return handler.lambda_handler(event, lambda_context("fetch_costs"))


# --------------------------------------------------------------------------------------------
# The contract
# --------------------------------------------------------------------------------------------


@pytest.mark.slow  # the large organisation's shared answers, fetched, then again to compare
def test_each_team_report_gets_its_slice_in_the_list_written_for_the_map(s3, monkeypatch, lambda_context):
    ce = Client("large-org")
    monkeypatch.setattr(handler, "cost_explorer", lambda: ce)
    teams = LARGE_ORG_TEAMS[:5]
    due = given_run(s3, teams)
    # WHEN FetchSharedCosts calls with the run's references
    result = call(share(len(due)), lambda_context)
    # THEN the state gets the same references back, the shared list's key, and what the queries cost
    assert result == {
        "count": 6,
        "reportDate": DAY.isoformat(),
        "key": objects.shared_due_key(RUN),
        "concurrency": 40,
        "sharedQueries": 1,
        "costExplorerRequests": len(ce.requests),
    }
    # AND the shared list is the due list, in its order, each team's child input pointing at its slice
    shared = get(s3, objects.shared_due_key(RUN))
    assert [i["name"] for i in shared] == [i["name"] for i in due]
    assert shared[0]["input"] == due[0]["input"]  # the organisation's own report: alone in its shape
    start, end = report_window(DAY)
    for team, entry in zip(teams, shared[1:], strict=True):
        assert entry["input"] == {**item(f"team-{team.lower()}")["input"], "shared": entry["input"]["shared"]}
        assert entry["input"]["shared"]["fetchedAt"] == NOW.isoformat()
        # AND each slice is the one slice_answers cuts for the team from the shape's answers
        spec = ReportSpec.from_state("t", declarations([team])[f"team-{team.lower()}"])
        shape = shape_of(spec, "UnblendedCost")
        answers = [ce.fake.all_pages(request) for request in handler.shared_requests(shape, start, end)]
        document = get(s3, entry["input"]["shared"]["key"])
        assert document == {
            "shape": shape.key,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "pages": json.loads(json.dumps(slice_answers(shape, answers, (team,)))),
        }


def test_the_answer_is_the_same_few_bytes_for_5_reports_or_49(s3, ce, lambda_context):
    few = call(share(len(given_run(s3, TEAMS[:4]))), lambda_context)
    many = call(share(len(given_run(s3, TEAMS))), lambda_context)
    assert many["count"] == 49 and few["count"] == 5
    assert set(many) == set(few) and abs(len(json.dumps(many)) - len(json.dumps(few))) <= 2
    assert len(json.dumps(many)) < 250


def test_when_no_report_is_sliced_the_due_list_is_the_answer_and_nothing_is_written(s3, ce, lambda_context):
    # GIVEN two reports of different shapes: each is cheaper asking for itself
    due = given_run(s3, TEAMS[:1])
    result = call(share(len(due)), lambda_context)
    assert result["key"] == objects.due_key(RUN) and result["sharedQueries"] == result["costExplorerRequests"] == 0
    assert keys(s3) == sorted([objects.REPORTS_KEY, objects.due_key(RUN)]) and ce.requests == []


def test_a_retry_after_a_lost_answer_rewrites_the_same_objects(s3, ce, lambda_context):
    due = given_run(s3, TEAMS[:4])
    first = call(share(len(due)), lambda_context)
    written, shared = keys(s3), get(s3, objects.shared_due_key(RUN))
    # WHEN the answer is lost and the state calls again with the same input
    again = call(share(len(due)), lambda_context)
    # THEN the same keys, the same list (the due list is read again, not the shared one), the same answer
    assert again == first and keys(s3) == written and get(s3, objects.shared_due_key(RUN)) == shared
    # the declarations, the due list, the shared list, a slice per team, and October (final) of each of the
    # shape's 3 requests in the history cache, which the retry read instead of asking for October again
    assert len(written) == 2 + 1 + 4 + 3
    assert len([key for key in written if key.startswith(objects.HISTORY_PREFIX)]) == 3


def test_a_second_call_reads_the_final_month_of_each_shared_request_from_the_history_cache(s3, ce, lambda_context):
    # GIVEN a first call: each of the shape's requests asked for 1 Oct to 21 Nov; October is final
    due = given_run(s3, TEAMS[:4])
    call(share(len(due)), lambda_context)
    slices = {key: get(s3, key) for key in keys(s3) if key.startswith(objects.SHARED_PREFIX)}
    assert [r["TimePeriod"]["Start"] for r in ce.requests] == ["2026-10-01"] * 3
    # WHEN the state calls again (a lost answer, a redrive)
    again = call(share(len(due)), lambda_context)
    # THEN each request asks from 1 Nov only, and each report's slice is the same
    assert [r["TimePeriod"]["Start"] for r in ce.requests[3:]] == ["2026-11-01"] * 3
    assert again["costExplorerRequests"] == 3
    assert {key: get(s3, key) for key in keys(s3) if key.startswith(objects.SHARED_PREFIX)} == slices


# --------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------


def _with(path: str, value: object) -> dict:
    event = share(6)
    target = event["share"]
    *parents, last = path.split(".")
    for name in parents:
        target = target[name]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return event


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("reportDate", "2026-11-31", r"share.reportDate: 2026-11-31 is not a real calendar day"),
        ("reportDate", 20261120, r"share.reportDate: expected YYYY-MM-DD"),
        ("run", "", r"share.run: expected an execution name"),
        ("run", "a/b", r"share.run: expected an execution name"),
        ("run", "x" * 81, r"share.run: expected an execution name"),
        ("due", _DELETE, r"share: expected the fields .*missing \['due'\]"),
        ("reports", "{}", r"share: expected the fields .*extra \['reports'\]"),
        ("due", [], r"share.due: expected an object"),
        ("due.count", "6", r"share.due.count: expected a whole number"),
        ("due.count", True, r"share.due.count: expected a whole number"),
        ("due.count", -1, r"share.due.count: expected a whole number of at least 0"),
        ("due.concurrency", 10_001, r"share.due.concurrency: expected a whole number from 0 to 10,000"),
        ("due.concurrency", _DELETE, r"share.due: expected the fields .*missing \['concurrency'\]"),
        ("due.reportDate", "2026-11-19", r"share.due.reportDate: '2026-11-19' is not share.reportDate 2026-11-20"),
        ("due.key", "runs/other/due.json", r"share.due.key: expected 'runs/scheduled-2026-11-21/due.json'"),
        ("due.reports", [], r"share.due: expected the fields .*extra \['reports'\]"),
    ],
)
def test_a_bad_request_is_refused_naming_the_field(s3, no_ce, lambda_context, path, value, message):
    given_run(s3, TEAMS[:5])
    with pytest.raises(InvalidFetchRequest, match=message):
        call(_with(path, value), lambda_context)


@pytest.mark.parametrize(
    ("due", "message"),
    [
        (None, r"share.due.key: runs/scheduled-2026-11-21/due.json is not in the bucket"),
        ("[", r"runs/scheduled-2026-11-21/due.json: not valid JSON"),
        ([item("daily")], r"runs/scheduled-2026-11-21/due.json: expected a list of share.due.count = 2 reports"),
        ([item("daily"), {"input": {}}], r"due.json\[1\]: expected the fields .*missing \['name'\]"),
        ([item("daily"), item("team-gone")], r"due.json\[1\].input.report: 'team-gone' is not declared in config/"),
        ([item("daily"), item("daily", period=None)], r"due.json\[1\].input.period: expected a period key"),
        (
            [item("daily"), {**item("daily"), "input": {**item("daily")["input"], "shared": {"key": "k"}}}],
            r"due.json\[1\].input.shared: expected null",
        ),
    ],
)
def test_a_bad_due_list_is_refused_naming_the_item_and_field(s3, no_ce, lambda_context, due, message):
    put(s3, objects.REPORTS_KEY, declarations(TEAMS[:1]))
    if isinstance(due, str):
        s3.put_object(Bucket=BUCKET, Key=objects.due_key(RUN), Body=due.encode())
    elif due is not None:
        put(s3, objects.due_key(RUN), due)
    with pytest.raises(InvalidFetchRequest, match=message):
        call(share(2), lambda_context)


@pytest.mark.parametrize(
    ("reports", "message"),
    [
        (None, r"config/reports.json is not in the bucket cost-notifier-shared-costs-test \(Terraform writes it\)"),
        ("{", r"config/reports.json: not valid JSON"),
        ({"daily": {"recipients": ["not an address"]}}, r'reports\["daily"\].recipients.*config/reports.json'),
    ],
)
def test_bad_declarations_are_a_configuration_error(s3, no_ce, lambda_context, reports, message):
    put(s3, objects.due_key(RUN), [item("daily"), item("daily")])
    if isinstance(reports, str):
        s3.put_object(Bucket=BUCKET, Key=objects.REPORTS_KEY, Body=reports.encode())
    elif reports is not None:
        put(s3, objects.REPORTS_KEY, reports)
    with pytest.raises(ConfigurationError, match=message):
        call(share(2), lambda_context)


def test_a_shared_query_may_spend_the_request_budget_of_every_report_it_serves(s3, ce, lambda_context, monkeypatch):
    # GIVEN 5 reports of one shape, each allowed 1 request, and pages small enough that the shape's largest
    # request takes 3 of them (more than one report's budget, less than the five reports')
    due = given_run(s3, TEAMS[:4])
    spec = ReportSpec.from_state("t", declarations(TEAMS[:1])["team-shared"])
    start, end = report_window(DAY)
    groups = max(
        sum(len(result["Groups"]) for result in ce.fake.get_cost_and_usage(dict(request))["ResultsByTime"])
        for request in handler.shared_requests(shape_of(spec, "UnblendedCost"), start, end)
    )
    ce.fake.groups_per_page = -(-groups // 3)
    ce.fake.requests.clear()
    monkeypatch.setenv("COST_EXPLORER_MAX_REQUESTS", "1")
    settings.cache_clear()
    # WHEN FetchSharedCosts fetches the shape
    result = call(share(len(due)), lambda_context)
    # THEN it is not refused at one report's budget (each team would then query for itself)
    assert result["sharedQueries"] == 1 and result["key"] == objects.shared_due_key(RUN)
    assert 3 <= result["costExplorerRequests"] == len(ce.requests)
