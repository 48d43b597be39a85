"""The ResolveReportDate handler: the event the state machine builds, in and out, with the reports and the
due list in S3 (moto) and SESv2 GetAccount answered through botocore's Stubber, which checks the request
and the answer against the API model."""

import json
import traceback

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from report_contract.objects import REPORTS_KEY, due_key
from resolve_report_date import handler, store
from resolve_report_date.errors import STEP_FUNCTIONS_CAUSE_LIMIT, InvalidReportRequest
from resolve_report_date.settings import ConfigurationError, settings

HUGE = "x" * 200 * 1024
BUCKET = "cost-notifier-shared-costs-123456789012"
# The reports as Terraform writes them to S3 (aws_s3_object.reports: jsonencode(local.reports)).
REPORTS = json.dumps({"daily": {"recipients": ["finops@example.com"]}, "team-a": {"recipients": ["a@example.com"]}})
STARTED = "2026-11-21T08:00:01.250Z"


def event(execution_input, started=STARTED):
    return {"input": execution_input, "executionStartTime": started, "executionName": "run-1"}


SCHEDULED_EVENT = event({"scheduledTime": "2026-11-21T08:00:00Z"})


def send_quota(max_send_rate: float) -> dict:
    """GetAccount's answer (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetAccount.html)."""
    return {"SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": max_send_rate, "SentLast24Hours": 0.0}}


@pytest.fixture(autouse=True)
def aws(monkeypatch):
    """The function's bucket with the deployment's reports in it, and an SES account sending 14 a second."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv(store.BUCKET_VARIABLE, BUCKET)
    store._client.cache_clear()
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        s3.put_object(Bucket=BUCKET, Key=REPORTS_KEY, Body=REPORTS.encode())
        ses = store._client("sesv2")
        with Stubber(ses) as stubber:
            for _ in range(3):  # one answer per dispatching invocation of a test
                stubber.add_response("get_account", send_quota(14.0), {})
            yield s3
    store._client.cache_clear()


def declare(s3, reports: str) -> None:
    s3.put_object(Bucket=BUCKET, Key=REPORTS_KEY, Body=reports.encode())


def due_list(s3, run="run-1") -> list:
    return json.loads(s3.get_object(Bucket=BUCKET, Key=due_key(run))["Body"].read())


def test_a_scheduled_run_gets_every_due_report_with_its_period_and_child_name(lambda_context, aws):
    result = handler.lambda_handler(SCHEDULED_EVENT, lambda_context("resolve_report_date"))
    assert result["request"] is None and result["due"]["count"] == 2
    # The list is in S3 for the Distributed Map; the state carries its key and the pace (14 a second, one
    # recipient each: at most the 2 reports due).
    assert result["due"] == {"count": 2, "reportDate": "2026-11-20", "key": "runs/run-1/due.json", "concurrency": 2}
    children = {item["input"]["report"]: item for item in due_list(aws)}
    assert children["daily"]["input"] == {
        "report": "daily",
        "period": "2026-11-20",
        "force": False,
        "trigger": "schedule",
        "shared": None,  # FetchSharedCosts fills it when the run shares the report's query
    }
    assert children["team-a"]["name"].startswith("team-a-2026-11-20-")
    assert result["due"]["reportDate"] == "2026-11-20"  # the day the run's daily reports cover


def test_a_child_gets_its_report_day_period_key_and_recipients(lambda_context):
    child = {"report": "team-a", "period": "2026-11-20", "force": False, "trigger": "schedule"}
    result = handler.lambda_handler(event(child), lambda_context("resolve_report_date"))
    request = result["request"]
    assert result["due"] is None and request["reportDate"] == "2026-11-20" and request["trigger"] == "schedule"
    assert request["period"] == {"kind": "day", "start": "2026-11-20", "end": "2026-11-21"}
    assert (request["reportKey"], request["recipients"]) == ("team-a/2026-11-20", ["a@example.com"])


@pytest.mark.parametrize(
    ("reports", "message"),
    [
        ("{not json", "reports: not valid JSON"),
        (json.dumps({"Team A": {"recipients": ["a@example.com"]}}), "the report id 'Team A' is not allowed"),
        (
            json.dumps({"a": {"recipients": ["a@example.com"], "time_zone": "Europe/Atlantis"}}),
            "reports[\"a\"].time_zone: 'Europe/Atlantis' is not a time zone of the IANA database",
        ),
    ],
)
def test_a_bad_report_declaration_fails_every_run_naming_the_report_and_field(lambda_context, aws, reports, message):
    declare(aws, reports)
    with pytest.raises(ConfigurationError) as refused:
        handler.lambda_handler(event({"date": "2026-11-20"}), lambda_context("resolve_report_date"))
    assert message in str(refused.value)


def test_missing_reports_object_is_a_configuration_error_saying_terraform_writes_it(lambda_context, aws):
    aws.delete_object(Bucket=BUCKET, Key=REPORTS_KEY)
    with pytest.raises(ConfigurationError, match=r"config/reports.json does not exist: Terraform writes"):
        handler.lambda_handler(SCHEDULED_EVENT, lambda_context("resolve_report_date"))


def test_the_state_is_the_same_size_for_2_reports_or_2000(lambda_context, aws):
    sizes = {}
    for count in (2, 2000):
        declare(aws, json.dumps({f"team-{i}": {"recipients": ["a@example.com"]} for i in range(count)}))
        state = handler.lambda_handler(SCHEDULED_EVENT, lambda_context("resolve_report_date"))
        sizes[count] = len(json.dumps(state))
        assert len(due_list(aws)) == count
    # The same fields: only the digits of the count and the pace differ (2 -> 2000, 2 -> 14).
    assert sizes[2000] - sizes[2] == len("2000") - len("2") + len("14") - len("2") and sizes[2000] < 200


@pytest.mark.parametrize(
    ("send_rate", "recipients", "due", "expected"),
    [
        (14.0, 1, 1000, 14),  # 14 children a second, each one email to one recipient
        (14.0, 3, 1000, 4),  # SES counts recipients: 3 each, so 4 reports a second (12 recipients)
        (1.0, 1, 1000, 1),  # a sandbox account
        (1.0, 5, 1000, 1),  # never 0: throttled sends are retried in the child
        (200.0, 1, 3, 3),  # never more than the reports due
        (14.5, 1, 1000, 14),  # the rate may be fractional
    ],
)
def test_children_are_started_at_the_account_send_rate_in_recipients(send_rate, recipients, due, expected):
    assert store.concurrency(send_rate, recipients, due) == expected


def test_handler_refuses_an_event_without_the_execution_start_time(lambda_context):
    with pytest.raises(InvalidReportRequest, match="executionStartTime"):
        handler.lambda_handler({"input": {"date": "2026-11-20"}}, lambda_context("resolve_report_date"))


@pytest.fixture
def environment(monkeypatch):
    """Set the function's environment for one test: the settings are read anew on the next call, and
    again after the test, so no other test sees them."""
    settings.cache_clear()
    yield monkeypatch
    settings.cache_clear()


def test_a_bad_history_setting_fails_the_invocation_naming_the_variable(lambda_context, environment):
    environment.setenv("COST_EXPLORER_HISTORY_MONTHS", "12")
    with pytest.raises(
        ConfigurationError, match="COST_EXPLORER_HISTORY_MONTHS='12' is not allowed: use a whole number from 13 to 38"
    ):
        handler.lambda_handler(SCHEDULED_EVENT, lambda_context("resolve_report_date"))


def test_the_history_setting_decides_how_old_a_day_may_be(lambda_context, environment):
    old_day = event({"report": "daily", "date": "2024-11-20"})
    with pytest.raises(InvalidReportRequest, match="older than Cost Explorer keeps"):
        handler.lambda_handler(old_day, lambda_context("resolve_report_date"))
    environment.setenv("COST_EXPLORER_HISTORY_MONTHS", "38")
    settings.cache_clear()  # a new execution environment
    request = handler.lambda_handler(old_day, lambda_context("resolve_report_date"))["request"]
    assert request["reportDate"] == "2024-11-20"


def test_a_200_kb_execution_start_time_gives_a_short_refusal_naming_it(lambda_context):
    with pytest.raises(InvalidReportRequest) as refused:
        handler.lambda_handler(event({"date": "2026-11-20"}, started=HUGE), lambda_context("resolve_report_date"))
    message = str(refused.value)
    assert len(message) < 1_000, f"{len(message):,} characters"
    assert message.startswith("executionStartTime: 'xxx") and "is not an ISO 8601 time" in message
    assert "204,800 characters" in message


def test_a_200_kb_bad_date_leaves_a_whole_cause_in_the_failed_execution(lambda_context):
    # Step Functions records a failed Lambda task's error payload (errorMessage, errorType, stackTrace,
    # as the Python runtime builds it) as the cause, and keeps at most STEP_FUNCTIONS_CAUSE_LIMIT
    # characters of it: the whole refusal, examples included, must fit.
    context = lambda_context("resolve_report_date")
    with pytest.raises(InvalidReportRequest) as refused:
        handler.lambda_handler(event({"date": HUGE}), context)
    cause = json.dumps(
        {
            "errorMessage": str(refused.value),
            "errorType": type(refused.value).__name__,
            "requestId": context.aws_request_id,
            "stackTrace": traceback.format_list(traceback.extract_tb(refused.value.__traceback__)),
        }
    )
    assert len(cause) < STEP_FUNCTIONS_CAUSE_LIMIT, f"{len(cause):,} characters"
    assert "date: expected a day as YYYY-MM-DD" in cause
