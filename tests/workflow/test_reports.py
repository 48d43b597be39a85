"""Many reports from one deployment, through the real definition on the embedded AWS: which reports a run
starts, one report failing while the others are sent, a redrive that resumes only the failed one, and
exactly once per (report, period) when runs overlap."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from local.runtime import DISPATCH, EmbeddedAWS, StateFault

TO = ["finops@example.com"]
REPORTS = {
    "daily": {"recipients": TO},
    "team-a": {"name": "Team A", "recipients": ["team-a@example.com"]},
    "weekly": {"cadence": "weekly", "day_of_week": "monday", "recipients": ["weekly@example.com"]},
    "monthly": {"cadence": "monthly", "recipients": ["monthly@example.com"], "time_zone": "Pacific/Auckland"},
}
MONDAY_30_NOV = datetime(2026, 11, 30, 8, 0, 5, tzinfo=UTC)


def scheduled(instant: datetime) -> dict:
    return {"scheduledTime": instant.replace(second=0).isoformat().replace("+00:00", "Z")}


@pytest.fixture
def aws():
    with EmbeddedAWS(profile="small", now=MONDAY_30_NOV, reports=REPORTS) as runtime:
        yield runtime


def records(aws: EmbeddedAWS) -> dict[str, str]:
    return {item["reportDate"]["S"]: item["status"]["S"] for item in aws.table_items()}


def test_a_scheduled_run_starts_one_child_per_due_report_and_each_sends_its_own_email(aws):
    run = aws.run(scheduled(MONDAY_30_NOV), follow=False)

    assert run.status == "SUCCEEDED"
    children = aws.children(run)
    assert sorted((report, child.input["period"]) for report, child in children.items()) == [
        ("daily", "2026-11-29"),
        ("team-a", "2026-11-29"),
        ("weekly", "2026-W48"),
    ]  # Monday: the weekly report is due; the monthly one (the 1st, in Auckland) is not yet
    assert {report: child.status for report, child in children.items()} == dict.fromkeys(
        ("daily", "team-a", "weekly"), "SUCCEEDED"
    )
    # Each (report, period) has its record: the default report's keyed by the day alone, as ever.
    assert records(aws) == {"2026-11-29": "SENT", "team-a/2026-11-29": "SENT", "weekly/2026-W48": "SENT"}
    assert sorted(tuple(email.to) for email in aws.mailbox) == [
        ("finops@example.com",),
        ("team-a@example.com",),
        ("weekly@example.com",),
    ]


def test_the_monthly_report_is_due_when_it_is_the_1st_where_its_readers_are():
    # 30 November 12:00 UTC is already 1 December in Auckland (UTC+13): November has ended in UTC? No:
    # the last complete UTC day is 29 November, so the latest ended month is October.
    instant = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    with EmbeddedAWS(profile="small", now=instant, reports=REPORTS) as aws:
        run = aws.run(scheduled(instant), follow=False)
        started = {report: child.input["period"] for report, child in aws.children(run).items()}
    assert started["monthly"] == "2026-10"


def test_one_report_failing_does_not_hold_up_the_others_and_its_redrive_sends_only_it(aws):
    # GIVEN team-a's Cost Explorer query fails on every attempt (its child only)
    fault = StateFault.on("FetchCosts", "ServiceException", attempts=range(10), report="team-a")
    run = aws.run(scheduled(MONDAY_30_NOV), faults=(fault,), follow=False)

    # THEN the run succeeds, having started every report; team-a's child stops at its failed step
    assert run.status == "SUCCEEDED"
    children = aws.children(run)
    failed = children["team-a"]
    assert (failed.status, failed.entered_states()[-1]) == ("FAILED", "FetchCosts")
    assert {r: c.status for r, c in children.items() if r != "team-a"} == {"daily": "SUCCEEDED", "weekly": "SUCCEEDED"}
    assert len(aws.mailbox) == 2 and records(aws)["team-a/2026-11-29"] == "CLAIMED"

    # WHEN that child is redriven (the console's Redrive on the failed report's execution)
    redriven = aws.redrive(failed)

    # THEN it resumes at FetchCosts, sends team-a's email, and nothing else is sent again
    assert redriven.status == "SUCCEEDED" and redriven.entered_states()[0] == "FetchCosts"
    assert len(aws.mailbox) == 3 and aws.mailbox[-1].to == ["team-a@example.com"]
    assert set(records(aws).values()) == {"SENT"}


def test_overlapping_runs_send_each_report_once_per_period(aws):
    # GIVEN the scheduled run and a manual run for the same day, lined up so every child of both reads
    # the record before any writes its claim
    aws.hold_together("dynamodb:PutItem", parties=4)  # the two daily reports of each run
    arns = [aws.start(scheduled(MONDAY_30_NOV), name="scheduled"), aws.start({"date": "2026-11-29"}, name="manual")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda arn: aws.wait(arn, follow=False), arns))
    outcomes: dict[str, list[str]] = {}
    for run in runs:
        for report, child in aws.children(run).items():
            outcomes.setdefault(report, []).append(child.output["outcome"])

    # THEN each (report, period) was sent by exactly one child; the other child of that report lost
    assert sorted(outcomes["daily"]) == sorted(outcomes["team-a"]) == ["duplicate", "sent"]
    assert outcomes["weekly"] == ["sent"]  # only the scheduled run sends weekly reports
    assert len(aws.mailbox) == 3


def test_a_lost_answer_when_starting_a_child_starts_no_second_child(aws):
    # GIVEN StartExecution starts daily's child, and the answer is lost: the retry asks again by name
    fault = StateFault.on("RunReport", "AWSStepFunctions", after_effect=True, report=DISPATCH)
    run = aws.run({"date": "2026-11-29"}, faults=(fault,), follow=False)

    assert run.status == "SUCCEEDED"
    assert set(aws.children(run)) == {"daily", "team-a"}
    assert len(aws.mailbox) == 2  # one email per report, not one per attempt


def test_a_run_that_could_not_start_a_child_fails_there_and_its_redrive_starts_the_rest_once(aws):
    # GIVEN StartExecution keeps refusing (too many open executions)
    fault = StateFault.on("RunReport", "ExecutionLimitExceeded", attempts=range(10), report=DISPATCH)
    run = aws.run({"date": "2026-11-29"}, faults=(fault,), follow=False)
    assert (run.status, run.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert len(aws.mailbox) == 0

    # WHEN the run is redriven once the quota allows
    redriven = aws.redrive(run)

    # THEN each report is started and sent once
    assert redriven.status == "SUCCEEDED"
    assert len(aws.children(redriven)) == 2 and len(aws.mailbox) == 2


def test_a_manual_run_of_one_weekly_report_names_its_week(aws):
    execution = aws.run({"report": "weekly", "period": "2026-W47"})
    assert execution.output["outcome"] == "sent"
    assert records(aws) == {"weekly/2026-W47": "SENT"}
    request = execution.state_output("ResolveReportDate")["request"]
    assert request["period"] == {"kind": "week", "start": "2026-11-16", "end": "2026-11-23"}
    assert request["reportDate"] == "2026-11-22"


def test_a_report_whose_scope_has_no_spend_is_sent_and_says_so():
    # GIVEN a report scoped to an account with no cost at all in the organisation
    reports = {"empty": {"name": "Sandbox account", "scope": {"accounts": ["999999999999"]}, "recipients": TO}}
    with EmbeddedAWS(profile="small", now=MONDAY_30_NOV, reports=reports) as aws:
        execution = aws.run({"report": "empty", "period": "2026-11-29"})

        # THEN it is sent (not held as "not ready": nothing in its scope costs anything, on any day)
        assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
        assert execution.output["outcome"] == "sent" and execution.output["total"] == "0"
        [email] = aws.mailbox
        assert "(no spend)" in email.subject and "Sandbox account" in email.subject
        assert len(aws.cost_explorer.requests) == 1


def _teams(count: int) -> dict[str, dict]:
    return {f"team-{i:03d}": {"recipients": [f"team-{i:03d}@example.com"]} for i in range(count)}


def test_the_run_state_is_the_same_size_for_3_reports_or_20_and_each_is_sent_once():
    # Nothing that grows with the reports passes through the dispatching run's states (decision 0011): the
    # declarations and the due list are in S3; the run carries a key, a count and a pace.
    sizes = {}
    for count in (3, 20):
        with EmbeddedAWS(profile="small", now=MONDAY_30_NOV, reports=_teams(count)) as aws:
            run = aws.run({"date": "2026-11-29"}, follow=False)
            assert run.status == "SUCCEEDED", (run.error, run.cause)
            children = aws.children(run)
            assert len(children) == count and {c.status for c in children.values()} == {"SUCCEEDED"}
            assert sorted(email.to[0] for email in aws.mailbox) == sorted(f"{r}@example.com" for r in children)
            # One item per report, each waiting its second after its start.
            assert aws.waits == [1] * count
            sizes[count] = run.largest_payload_bytes()
    assert abs(sizes[20] - sizes[3]) <= 8, sizes  # a digit or two of a count and a pace
    assert sizes[20] < 4 * 1024


def test_reports_start_at_the_send_rate_ses_allows_in_recipients():
    # 14 a second, three recipients a report: at most 4 reports start a second (12 recipients).
    reports = {f"team-{i}": {"recipients": [f"a{j}@example.com" for j in range(3)]} for i in range(6)}
    with EmbeddedAWS(profile="small", now=MONDAY_30_NOV, reports=reports, ses_max_send_rate=14.0) as aws:
        run = aws.run({"date": "2026-11-29"}, follow=False)
        assert run.state_output("ResolveReportDate")["due"]["concurrency"] == 4
        assert len(aws.children(run)) == 6


def test_when_the_send_rate_cannot_be_read_reports_start_one_a_second_and_are_all_sent(aws):
    # GIVEN SES GetAccount keeps failing (throttled, or a role without ses:GetAccount)
    aws.faults.add("sesv2:GetAccount", "TooManyRequestsException", times=10)
    run = aws.run({"date": "2026-11-29"}, follow=False)

    # THEN the run goes on at the slowest pace SES ever allows (the sandbox's 1 a second), and says why
    assert run.status == "SUCCEEDED" and run.state_output("ResolveReportDate")["due"]["concurrency"] == 1
    assert len(aws.children(run)) == 2 and len(aws.mailbox) == 2


def test_the_due_list_written_then_the_answer_lost_is_written_again_and_a_redrive_starts_each_once(aws):
    # GIVEN ResolveReportDate writes the run's due list to S3 and its answer is lost, on every attempt:
    # each Retry writes the same list under the same key (the run's name), then the run fails there
    fault = StateFault.on(
        "ResolveReportDate", "ServiceException", attempts=range(10), after_effect=True, report=DISPATCH
    )
    failed = aws.run({"date": "2026-11-29"}, faults=(fault,), follow=False)
    assert (failed.status, failed.entered_states()[-1]) == ("FAILED", "ResolveReportDate")
    assert failed.failed_attempts("ResolveReportDate") == ["Lambda.ServiceException"] * 4
    assert aws.children(failed) == {} and aws.mailbox == []
    written = _due_list(failed.name)  # the effect happened: the list is there, its answer was lost
    assert sorted(item["input"]["report"] for item in written) == ["daily", "team-a"]

    # WHEN the run is redriven: ResolveReportDate runs again under the same name, the same list
    redriven = aws.redrive(failed)

    # THEN every report is started once and sent once
    assert redriven.status == "SUCCEEDED"
    assert set(aws.children(redriven)) == {"daily", "team-a"} and len(aws.mailbox) == 2
    assert records(aws) == {"2026-11-29": "SENT", "team-a/2026-11-29": "SENT"}
    assert _due_list(failed.name) == written  # the redrive rewrote the same list under the same key


def _due_list(run: str) -> list:
    import json

    import boto3
    from report_contract.objects import due_key

    from local.runtime import SHARED_COSTS_BUCKET

    body = boto3.client("s3").get_object(Bucket=SHARED_COSTS_BUCKET, Key=due_key(run))["Body"].read()
    return json.loads(body)


def test_a_forced_dispatch_at_the_same_moment_as_the_scheduled_one_sends_each_report_once_or_resends_it(aws):
    # GIVEN the scheduled run and a forced run for the same day, started together: each writes its own due
    # list (keyed by its name) and starts its own children, which meet at each report's record
    arns = [aws.start(scheduled(MONDAY_30_NOV), name="scheduled"), aws.start({"date": "2026-11-29", "force": True})]
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda arn: aws.wait(arn, follow=False), arns))

    # THEN both runs succeed, every daily report is sent (a forced child may resend it: that is what force
    # asks), never more than once per run, and each record ends SENT
    assert [run.status for run in runs] == ["SUCCEEDED", "SUCCEEDED"]
    children = [child for run in runs for child in aws.children(run).values()]  # each waited for to its end
    assert len(children) == 5 and {child.status for child in children} == {"SUCCEEDED"}
    sent = [email.to[0] for email in aws.mailbox]
    for address in ("finops@example.com", "team-a@example.com"):
        assert 1 <= sent.count(address) <= 2, sent
    assert sent.count("weekly@example.com") == 1  # only the scheduled run sends the weekly report
    assert set(records(aws).values()) == {"SENT"}
