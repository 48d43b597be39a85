"""The real state machine, end to end, for what the fault catalogue (tests/catalogue) does not assert: the
record a sent day leaves, the total reconciling with Cost Explorer, an already-sent day costing no
request, runs started without coordination, Cost Explorer throttling retried by the state machine
alone, a forced resend's record and email, and a large organisation's pages. Retries, redrives, runs held
together at the claim and refused input are the catalogue's scenarios, asserted once there."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import boto3
from report_contract.limits import STATE_PAYLOAD_BYTES as PAYLOAD_LIMIT

from local.runtime import REGION, TABLE_NAME, EmbeddedAWS
from tests.definition import HAPPY_PATH
from tests.workflow.conftest import NOW, SCHEDULED, TODAY, YESTERDAY


def test_scheduled_run_sends_one_report_and_records_it(aws):
    execution = aws.run(SCHEDULED)

    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.entered_states() == HAPPY_PATH
    assert execution.output["outcome"] == "sent" and execution.output["reportDate"] == YESTERDAY
    [email] = aws.mailbox
    assert email.to == list(aws.recipients) and email.request["FromEmailAddress"] == aws.sender
    assert email.message_id == execution.output["messageId"]
    record = aws.report_record(YESTERDAY)
    assert record["status"] == "SENT" and record["messageId"] == email.message_id
    assert record["executionArn"] == execution.arn and record["trigger"] == "schedule"
    assert Decimal(record["total"]) == Decimal(execution.output["total"])
    assert int(record["expiresAt"]) > 0 and record["sentAt"]
    assert len(aws.cost_explorer.requests) == 1
    assert execution.largest_payload_bytes() < PAYLOAD_LIMIT


def test_the_report_total_reconciles_with_cost_explorer(aws):
    execution = aws.run(SCHEDULED)
    costs = execution.report()
    # The rows the email draws (top services and the rest as Other) add up to the day's charges,
    # and charges plus credits, refunds, discounts and tax add up to the net total.
    top, other = costs["services"]["top"], costs["services"]["other"]
    listed = [s["amount"] for s in top] + ([other["amount"]] if other else [])
    assert sum(map(Decimal, listed)) == Decimal(costs["breakdown"]["charges"])
    breakdown = dict(costs["breakdown"])
    unclassified = [line["amount"] for line in breakdown.pop("other", [])]  # record types of their own
    assert sum(map(Decimal, [*breakdown.values(), *unclassified])) == Decimal(costs["total"])
    # Cross-check against an independent ungrouped query of the same fake: no service dropped.
    ungrouped = aws.cost_explorer.get_cost_and_usage(
        {
            "TimePeriod": {"Start": YESTERDAY, "End": TODAY.isoformat()},
            "Granularity": "DAILY",
            "Metrics": ["UnblendedCost"],
        }
    )
    assert Decimal(ungrouped["ResultsByTime"][0]["Total"]["UnblendedCost"]["Amount"]) == Decimal(costs["total"])


def test_second_run_same_day_reports_already_sent(aws):
    first = aws.run(SCHEDULED)
    second = aws.run(SCHEDULED)

    assert second.status == "SUCCEEDED"
    assert second.output == {
        "report": "daily",
        "outcome": "already sent",
        "reportDate": YESTERDAY,
        "messageId": first.output["messageId"],
        "sentAt": first.output["sentAt"],
        "sentBy": first.arn,
    }
    assert second.entered_states() == [
        "ResolveReportDate",
        "OneReportOrMany",
        "CheckAlreadySent",
        "SentOrClaimed",
        "ReportAlreadySent",
    ]
    assert len(aws.mailbox) == 1
    assert len(aws.cost_explorer.requests) == 1, "an already-sent day must not pay for Cost Explorer again"


def test_ten_executions_started_together_without_coordination_still_send_once(aws):
    arns = [aws.start(SCHEDULED, name=f"natural-{n}") for n in range(10)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        executions = list(pool.map(aws.wait, arns))

    outcomes = [e.output["outcome"] for e in executions]
    assert outcomes.count("sent") == 1
    # A loser either lost the claim race or started after the winner had finished.
    assert set(outcomes) - {"sent"} <= {"duplicate", "already sent"}
    assert len(aws.mailbox) == 1


def test_cost_explorer_throttling_is_retried_by_the_state_machine_not_the_function(aws):
    aws.cost_explorer.fail_next("LimitExceededException", times=2)

    execution = aws.run(SCHEDULED)

    assert execution.status == "SUCCEEDED"
    assert execution.failed_attempts("FetchCosts") == ["CostExplorerThrottled"] * 2
    assert aws.retry_sleeps == [1, 2]
    assert len(aws.cost_explorer.requests) == 3, "two throttled requests and one answer, each billed once"


def test_forced_resend_sends_again_and_is_recorded_as_forced(aws):
    first = aws.run({"date": YESTERDAY})
    resend = aws.run({"date": YESTERDAY, "force": True})

    assert resend.status == "SUCCEEDED" and resend.output["outcome"] == "sent"
    assert "ClaimForResend" in resend.entered_states()
    assert len(aws.mailbox) == 2 and resend.output["messageId"] != first.output["messageId"]
    record = aws.report_record(YESTERDAY)
    assert record["forced"] is True and record["executionArn"] == resend.arn and record["trigger"] == "manual"


def test_a_forced_resend_says_resent_with_the_first_send_time_and_the_first_email_does_not(aws):
    first = aws.run({"date": YESTERDAY})
    resend = aws.run({"date": YESTERDAY, "force": True})

    assert resend.status == "SUCCEEDED" and "ClaimForResend" in resend.entered_states()
    sent_at = datetime.fromisoformat(first.output["sentAt"]).astimezone(UTC)
    when = f"{sent_at:%a} {sent_at.day} {sent_at:%b %Y}, {sent_at:%H:%M} UTC"
    original, again = aws.mailbox
    assert again.subject.startswith("Resent · ⚠ Anomaly · ")  # the change makes room for it (docs/report.md)
    for part in (again.html, again.text):
        assert f"Resent on request: first sent {when}" in part
    assert "Resent" not in original.subject + original.html + original.text


def test_a_forced_run_of_a_day_claimed_but_never_sent_is_not_a_resend(aws):
    # GIVEN a run that claimed the day and died before sending: the record is CLAIMED, with no sentAt
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=TABLE_NAME,
        Item={
            "reportDate": {"S": YESTERDAY},
            "status": {"S": "CLAIMED"},
            "executionArn": {"S": "arn:aws:states:us-east-1:123456789012:execution:cost-notifier:died"},
            "claimedAt": {"S": "2026-11-21T08:00:01.000Z"},
            "trigger": {"S": "schedule"},
            "expiresAt": {"N": "1835308800"},
        },
    )

    forced = aws.run({"date": YESTERDAY, "force": True})

    assert forced.status == "SUCCEEDED" and "ClaimForResend" in forced.entered_states()
    [email] = aws.mailbox
    assert "Resent" not in email.subject + email.html + email.text


def test_large_organisation_pages_through_cost_explorer_and_stays_under_the_payload_limit():
    # Pinned to the 21st: the query then covers 51 days. On the 27th to the 31st it covers up to 62,
    # which takes a third page at the assumed page size (docs/performance.md).
    with EmbeddedAWS(profile="large-org", now=NOW) as aws:
        execution = aws.run({"scheduledTime": "2026-11-21T08:00:00Z"})

        assert execution.status == "SUCCEEDED", execution.cause
        costs_requests = aws.cost_explorer.requests
        assert 1 <= len(costs_requests) <= 2
        assert execution.output["costExplorerRequests"] == len(costs_requests)
        assert execution.largest_payload_bytes() < PAYLOAD_LIMIT
        assert len(aws.mailbox[0].html.encode()) <= 100_000
