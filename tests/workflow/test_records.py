"""The day's record across versions: what a deployment wrote before report periods existed is still the
record of that day, so an upgrade neither resends a day nor forgets one."""

from __future__ import annotations

import boto3

from local.runtime import REGION, TABLE_NAME
from tests.workflow.conftest import SCHEDULED, YESTERDAY

# A SENT record exactly as the first version's MarkSent wrote it (keyed by the day, no period).
V1_SENT = {
    "reportDate": {"S": YESTERDAY},
    "status": {"S": "SENT"},
    "messageId": {"S": "0100018f-v1-message"},
    "sentAt": {"S": "2026-11-21T08:00:07.123Z"},
    "executionArn": {"S": "arn:aws:states:us-east-1:123456789012:execution:cost-notifier:v1-run"},
    "trigger": {"S": "schedule"},
    "forced": {"BOOL": False},
    "total": {"N": "163.95"},
    "currency": {"S": "USD"},
    "expiresAt": {"N": "1835308800"},
}


def test_a_day_sent_before_report_periods_existed_is_still_already_sent(aws):
    boto3.client("dynamodb", region_name=REGION).put_item(TableName=TABLE_NAME, Item=V1_SENT)

    execution = aws.run(SCHEDULED)

    assert execution.output["outcome"] == "already sent", execution.output
    assert execution.output["messageId"] == "0100018f-v1-message"
    assert aws.mailbox == []


def test_the_daily_report_is_keyed_by_its_day(aws):
    execution = aws.run(SCHEDULED)

    assert execution.output["outcome"] == "sent"
    assert [item["reportDate"]["S"] for item in aws.table_items()] == [YESTERDAY]
