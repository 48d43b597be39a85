"""Reports of one shape share their Cost Explorer query: through the real definition on the embedded AWS,
the scheduled run fetches one set of requests per shape (FetchSharedCosts), each report's child slices
its part, and the emails are the ones each report's own query would have made."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from local.cost_explorer import SyntheticOrganisation
from local.runtime import DISPATCH, EmbeddedAWS, StateFault

NOW = datetime(2026, 11, 30, 8, 0, 5, tzinfo=UTC)
SCHEDULED = {"scheduledTime": "2026-11-30T08:00:00Z"}
DAY = "2026-11-29"
TEAMS = sorted(set(SyntheticOrganisation("large-org", seed=7, today=NOW.date()).account_categories.values()))


def team_reports(teams: list[str]) -> dict[str, dict]:
    reports: dict[str, dict] = {"daily": {"recipients": ["finops@example.com"]}}
    for team in teams:
        reports[f"team-{team.lower()}"] = {
            "name": f"{team} team",
            "scope": {"cost_category": {"name": "Team", "values": [team]}},
            "recipients": [f"{team.lower()}@example.com"],
        }
    return reports


def run_all(teams: list[str]) -> tuple[int, dict[str, str]]:
    """(Cost Explorer requests of the scheduled run, each report's email text)."""
    with EmbeddedAWS(profile="large-org", now=NOW, reports=team_reports(teams)) as aws:
        run = aws.run(SCHEDULED, follow=False, timeout=300)
        children = aws.children(run, timeout=300)
        assert {report: child.status for report, child in children.items()} == dict.fromkeys(children, "SUCCEEDED")
        texts = {report: _email_text(aws, child) for report, child in children.items()}
        return len(aws.cost_explorer.requests), texts


def _email_text(aws: EmbeddedAWS, child) -> str:
    [email] = [e for e in aws.mailbox if e.message_id == child.output["messageId"]]
    # The footer says how many requests this report made itself (0 for a slice of the shared answer).
    return re.sub(r"Fetched with .*? Cost Explorer requests?[^\n]*", "", email.text)


def test_team_reports_of_one_shape_cost_the_same_requests_for_4_teams_and_for_every_team():
    few, _ = run_all(TEAMS[:4])
    every, _ = run_all(TEAMS)
    # The organisation's own report (alone in its shape) pays for its query; the team reports share one
    # set of 3 queries over every team (their pages: the large organisation's 62 days of every team and
    # service take a few each), however many teams have a report.
    assert len(TEAMS) >= 20
    assert few == every, (few, every)
    own = len(TEAMS) + 2  # each team's own query is at least one request; the organisation's takes 2
    assert every < own, (every, own)


def test_a_slice_of_the_shared_answer_is_the_email_its_own_query_would_make():
    teams = TEAMS[:5]
    _, shared = run_all(teams)
    with EmbeddedAWS(profile="large-org", now=NOW, reports=team_reports(teams)) as aws:
        for team in teams:  # each report alone: a manual run of one report queries for itself
            report = f"team-{team.lower()}"
            child = aws.run({"report": report, "period": DAY, "trigger": "schedule"}, timeout=120)
            assert child.state_output("FetchCosts")["fetched"]["report"]["costExplorerRequests"] >= 1
            assert _email_text(aws, child) == shared[report], report


def test_if_the_shared_queries_fail_every_report_queries_for_itself():
    fault = StateFault.on("FetchSharedCosts", "ServiceException", attempts=range(10), report=DISPATCH)
    with EmbeddedAWS(profile="large-org", now=NOW, reports=team_reports(TEAMS[:4])) as aws:
        run = aws.run(SCHEDULED, faults=(fault,), follow=False, timeout=300)
        assert run.status == "SUCCEEDED" and "sharedError" in run.state_output("FetchSharedCosts")
        children = aws.children(run, timeout=300)
        assert len(aws.mailbox) == len(children) == 5
        for child in children.values():
            assert child.state_output("FetchCosts")["fetched"]["report"]["costExplorerRequests"] >= 1


def test_a_slice_that_cannot_be_read_leaves_the_report_to_query_for_itself():
    # GIVEN the run shared the teams' query, and the slices are gone before the children read them
    import boto3

    from local.runtime import SHARED_COSTS_BUCKET

    def delete_the_slices() -> None:  # only the slices: the bucket also holds the reports and run lists
        s3 = boto3.client("s3", region_name="us-east-1")
        for item in s3.list_objects_v2(Bucket=SHARED_COSTS_BUCKET, Prefix="shared/").get("Contents", []):
            s3.delete_object(Bucket=SHARED_COSTS_BUCKET, Key=item["Key"])

    # (each child's first FetchCosts attempt is throttled, and meanwhile the slices are deleted: its retry
    # finds no slice)
    fault = StateFault.on("FetchCosts", "TooManyRequestsException", attempts=(0,), meanwhile=delete_the_slices)
    with EmbeddedAWS(profile="large-org", now=NOW, reports=team_reports(TEAMS[:4])) as aws:
        run = aws.run(SCHEDULED, faults=(fault,), follow=False, timeout=300)
        children = aws.children(run, timeout=300)
        # THEN every report is still sent, each from its own query
        assert len(aws.mailbox) == len(children) == 5
        assert all(
            c.state_output("FetchCosts")["fetched"]["report"]["costExplorerRequests"] >= 1 for c in children.values()
        )


def test_shared_slices_written_then_the_answer_lost_are_written_again_and_each_report_sent_once():
    # GIVEN FetchSharedCosts runs, writes every slice to S3, and its answer is lost: the retry runs it again
    # (same run, same keys: the slices are overwritten, not doubled) and pays for the shared queries again,
    # but for October, final, which the first attempt wrote to the history cache
    fault = StateFault.on("FetchSharedCosts", "ServiceException", after_effect=True, report=DISPATCH)
    with EmbeddedAWS(profile="large-org", now=NOW, reports=team_reports(TEAMS[:4])) as aws:
        run = aws.run(SCHEDULED, faults=(fault,), follow=False, timeout=300)
        assert run.failed_attempts("FetchSharedCosts") == ["Lambda.ServiceException"]
        shared = run.state_output("FetchSharedCosts")["due"]
        children = aws.children(run, timeout=300)

        import boto3
        from report_contract.objects import SHARED_PREFIX

        from local.runtime import SHARED_COSTS_BUCKET

        listed = boto3.client("s3").list_objects_v2(Bucket=SHARED_COSTS_BUCKET, Prefix=SHARED_PREFIX)
        keys = [o["Key"] for o in listed["Contents"]]  # the slices (the run's lists are under runs/)
        # THEN one slice per team report, each report sent once, the teams from their slices
        assert len(keys) == 4 and shared["sharedQueries"] == 1
        assert len(aws.mailbox) == len(children) == 5
        teams = [c for report, c in children.items() if report != "daily"]
        assert all(c.state_output("FetchCosts")["fetched"]["report"]["costExplorerRequests"] == 0 for c in teams)
        # Each attempt paid for the shared queries (documented in cost.md): the first for 1 Oct to 29 Nov, the
        # retry (whose count the state has) for November only, October read from the history cache.
        retry, daily = shared["costExplorerRequests"], children["daily"].output["costExplorerRequests"]
        starts = [request["TimePeriod"]["Start"] for request in aws.cost_explorer.requests]
        assert starts.count("2026-11-01") == retry
        first_attempt = starts.count("2026-10-01") - daily  # the daily report's own query starts on 1 Oct too
        assert first_attempt > retry and len(starts) == first_attempt + retry + daily
