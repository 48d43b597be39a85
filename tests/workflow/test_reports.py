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
