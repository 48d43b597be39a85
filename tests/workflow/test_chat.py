"""Chat delivery on the real definition (PostToChat, decision 0012): each report's channels posted once, after
its email, each to a real HTTP server on 127.0.0.1 standing in for the webhook, through post_chat reading the
URL from the channel's secret. For each effect (the fence, the post, the record) the cases AWS can produce:
the effect done and its answer lost, a retry, a redrive, a forced resend, a second run at the same moment.

Counting posts: a server records every request it received, answered or not; `posted()` counts those it
answered with success (its scripted failures come first, then its default success)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from local.runtime import CHAT_SECRET_PREFIX, REGION, StateFault
from local.webhook_server import Reply
from tests.definition import backoff
from tests.workflow.conftest import SCHEDULED, YESTERDAY, chat_deployment

FOUR = {"ops-slack": "slack", "ops-teams": "teams", "team-space": "google_chat", "audit": "webhook"}
THREE = {"first": "slack", "second": "teams", "third": "webhook"}
ONE = {"ops": "slack"}
FORCED = {"date": YESTERDAY, "force": True}


def posted(server, failures: int = 0) -> int:
    """The posts a server answered with success: every request after its `failures` scripted failures."""
    return max(0, len(server.requests) - failures)


def messages(execution) -> dict[str, dict]:
    """What RenderEmail rendered for each channel, by channel name."""
    return {item["channel"]["name"]: item["message"] for item in execution.state_output("RenderEmail")["email"]["chat"]}


def channel_status(aws, channel: str) -> str | None:
    return (aws.report_record(YESTERDAY) or {}).get(f"chat:{channel}")


def test_every_channel_gets_its_rendered_message_once_after_the_email():
    with chat_deployment(FOUR) as (aws, servers):
        execution = aws.run(SCHEDULED)

        assert execution.status == "SUCCEEDED", execution.cause
        assert len(aws.mailbox) == 1
        rendered = messages(execution)
        for name, server in servers.items():
            [request] = server.requests
            assert request.json == rendered[name]  # posted exactly what RenderEmail rendered
            assert channel_status(aws, name) == "POSTED"
        # One iteration per channel, in the report's order, after the email is recorded.
        entered = execution.entered_states()
        assert entered.index("MarkSent") < entered.index("PostToChat") < entered.index("BeginPosting")
        assert entered.count("PostToChannel") == 4
        receipts = execution.output["chat"]
        assert [(r["channel"], r["type"], r["outcome"]) for r in receipts] == [
            (name, kind, "posted") for name, kind in FOUR.items()
        ]
        assert [r["httpStatus"] for r in receipts] == [200, 202, 200, 204]
        # The email was sent before the first post.
        first_post = min(server.requests[0].wall for server in servers.values())
        assert aws.mailbox[0].sent_at.timestamp() <= first_post


def test_a_second_run_for_the_day_posts_nothing():
    with chat_deployment(ONE) as (aws, servers):
        assert aws.run(SCHEDULED).status == "SUCCEEDED"
        again = aws.run(SCHEDULED)
        assert again.output["outcome"] == "already sent"
        assert posted(servers["ops"]) == 1 and len(aws.mailbox) == 1


def test_a_report_without_channels_posts_nowhere_and_still_passes_through_post_to_chat():
    with chat_deployment({}) as (aws, _):
        execution = aws.run(SCHEDULED)
        assert execution.status == "SUCCEEDED"
        assert execution.output["chat"] == []
        assert "BeginPosting" not in execution.entered_states()


def test_a_revoked_webhook_fails_its_channel_and_the_redrive_posts_it_and_the_rest_once():
    # GIVEN three channels, the second one's webhook revoked (Slack answers 410 channel_is_archived)
    gone = Reply(410, body="channel_is_archived")
    with chat_deployment(THREE, replies={"second": (gone,)}) as (aws, servers):
        failed = aws.run(SCHEDULED)

        # THEN the run fails at that channel, not retried; the first is posted, the third not yet started
        assert failed.status == "FAILED" and failed.error == "ChatWebhookRejected"
        assert "410" in failed.cause and "channel_is_archived" in failed.cause
        assert "/hooks/second" not in failed.cause  # the URL is the credential
        assert failed.failed_attempts("PostToChannel") == ["ChatWebhookRejected"]
        assert (posted(servers["first"]), posted(servers["second"], 1), posted(servers["third"])) == (1, 0, 0)
        assert channel_status(aws, "first") == "POSTED" and channel_status(aws, "second") == "POSTING"
        assert len(aws.mailbox) == 1

        # WHEN the user has replaced the URL (the same server answers now) and redrives
        redriven = aws.redrive(failed)

        # THEN the second and third are posted once each; the first and the email are not sent again
        assert redriven.status == "SUCCEEDED", redriven.cause
        assert (posted(servers["first"]), posted(servers["second"], 1), posted(servers["third"])) == (1, 1, 1)
        assert len(aws.mailbox) == 1
        assert {name: channel_status(aws, name) for name in THREE} == dict.fromkeys(THREE, "POSTED")
        outcomes = {r["channel"]: r["outcome"] for r in redriven.output["chat"]}
        assert outcomes == {"first": "not posted again", "second": "posted", "third": "posted"}


def test_a_5xx_is_retried_in_the_definition_and_posted_once():
    with chat_deployment(ONE, replies={"ops": (Reply(500, body="rollup_error"),)}) as (aws, servers):
        execution = aws.run(SCHEDULED)
        assert execution.status == "SUCCEEDED", execution.cause
        assert execution.failed_attempts("PostToChannel") == ["ChatWebhookFailed"]
        assert posted(servers["ops"], 1) == 1
        assert aws.retry_sleeps == backoff("PostToChannel", "ChatWebhookFailed", 1)


def test_a_429_whose_retry_after_fits_is_waited_out_by_the_function_not_the_definition():
    throttled = Reply(429, body="rate_limited", headers={"Retry-After": "1"})
    with chat_deployment(ONE, replies={"ops": (throttled,)}) as (aws, servers):
        execution = aws.run(SCHEDULED)
        assert execution.status == "SUCCEEDED", execution.cause
        assert execution.failed_attempts("PostToChannel") == []
        first, second = servers["ops"].requests
        assert second.at - first.at >= 1.0
        assert posted(servers["ops"], 1) == 1


def test_a_429_without_retry_after_is_backed_off_for_seconds_by_the_definition():
    with chat_deployment(ONE, replies={"ops": (Reply(429),)}) as (aws, servers):
        execution = aws.run(SCHEDULED)
        assert execution.status == "SUCCEEDED", execution.cause
        assert execution.failed_attempts("PostToChannel") == ["ChatWebhookThrottled"]
        assert aws.retry_sleeps == backoff("PostToChannel", "ChatWebhookThrottled", 1) == [30]
        assert posted(servers["ops"], 1) == 1


def test_a_post_whose_answer_is_lost_is_not_retried_and_the_redrive_posts_it_again():
    # GIVEN a webhook that takes the post and does not answer within CHAT_TIMEOUT_SECONDS
    slow = Reply(200, body="ok", delay=2.5)
    environment = {"CHAT_TIMEOUT_SECONDS": "1"}
    with chat_deployment(ONE, replies={"ops": (slow,)}, function_environment=environment) as (aws, servers):
        failed = aws.run(SCHEDULED)

        # THEN the run fails there, not retried: the message may be in the channel
        assert failed.status == "FAILED" and failed.error == "ChatWebhookUnanswered"
        assert failed.failed_attempts("PostToChannel") == ["ChatWebhookUnanswered"]
        assert len(servers["ops"].requests) == 1
        # AND the documented limit: a redrive without looking first posts it again
        assert aws.redrive(failed).status == "SUCCEEDED"
        assert len(servers["ops"].requests) == 2
        assert len(aws.mailbox) == 1


def test_the_runbooks_way_after_a_lost_answer_marks_the_channel_posted_and_the_redrive_skips_it():
    slow = Reply(200, body="ok", delay=2.5)
    channels = {"ops": "slack", "later": "webhook"}
    with chat_deployment(channels, replies={"ops": (slow,)}, function_environment={"CHAT_TIMEOUT_SECONDS": "1"}) as (
        aws,
        servers,
    ):
        failed = aws.run(SCHEDULED)
        assert failed.error == "ChatWebhookUnanswered"
        # The operator found the message in the channel and records it (docs/runbook.md, ChatWebhookUnanswered).
        boto3.client("dynamodb", region_name=REGION).update_item(
            TableName="cost-notifier-reports",
            Key={"reportDate": {"S": YESTERDAY}},
            UpdateExpression="SET #c = :p",
            ExpressionAttributeNames={"#c": "chat:ops"},
            ExpressionAttributeValues={":p": {"S": "POSTED"}},
        )
        redriven = aws.redrive(failed)
        assert redriven.status == "SUCCEEDED"
        assert (len(servers["ops"].requests), posted(servers["later"])) == (1, 1)


@pytest.mark.parametrize(
    ("fault", "retried"),
    [
        (StateFault.on("BeginPosting", "InternalServerError", after_effect=True), ["DynamoDB.InternalServerError"]),
        (StateFault.on("BeginPosting", "ThrottlingException"), ["DynamoDB.ThrottlingException"]),
        (StateFault.on("MarkPosted", "InternalServerError", after_effect=True), ["DynamoDB.InternalServerError"]),
        (StateFault.on("MarkPosted", None, after_effect=True), ["DynamoDB.AmazonDynamoDBException"]),
    ],
    ids=["fence-answer-lost", "fence-throttled", "record-answer-lost", "record-connection-lost"],
)
def test_a_record_write_retried_after_a_lost_answer_finds_its_own_write_and_posts_once(fault, retried):
    with chat_deployment(ONE) as (aws, servers):
        execution = aws.run(SCHEDULED, faults=(fault,))
        assert execution.status == "SUCCEEDED", execution.cause
        assert execution.failed_attempts(fault.state) == retried
        assert posted(servers["ops"]) == 1
        assert channel_status(aws, "ops") == "POSTED"


def test_the_record_failing_for_good_after_the_post_ends_the_channel_as_posted_not_failed():
    # A failed iteration is re-run by a redrive, which would post again: the post is known to be out.
    beyond_retries = StateFault.on("MarkPosted", "ProvisionedThroughputExceededException", attempts=range(10))
    with chat_deployment(ONE) as (aws, servers):
        execution = aws.run(SCHEDULED, faults=(beyond_retries,))
        assert execution.status == "SUCCEEDED", execution.cause
        assert len(execution.failed_attempts("MarkPosted")) == 4
        assert execution.output["chat"][0]["outcome"] == "posted"
        assert posted(servers["ops"]) == 1
        assert channel_status(aws, "ops") == "POSTING"  # left behind; only this execution would read it


def test_a_lambda_error_after_the_function_posted_is_not_retried():
    # Lambda.ServiceException can come after the function ran: retrying could post twice.
    after = StateFault.on("PostToChannel", "ServiceException", after_effect=True)
    with chat_deployment(ONE) as (aws, servers):
        failed = aws.run(SCHEDULED, faults=(after,))
        assert failed.status == "FAILED" and failed.error == "Lambda.ServiceException"
        assert posted(servers["ops"]) == 1


def test_lambda_throttling_the_invoke_is_retried_and_posts_once():
    with chat_deployment(ONE) as (aws, servers):
        execution = aws.run(SCHEDULED, faults=(StateFault.on("PostToChannel", "TooManyRequestsException"),))
        assert execution.status == "SUCCEEDED"
        assert execution.failed_attempts("PostToChannel") == ["Lambda.TooManyRequestsException"]
        assert posted(servers["ops"]) == 1


def test_a_channel_whose_url_was_never_set_says_how_and_the_redrive_posts_once_it_is():
    with chat_deployment(ONE) as (aws, servers):
        secrets = boto3.client("secretsmanager", region_name=REGION)
        url = secrets.get_secret_value(SecretId=f"{CHAT_SECRET_PREFIX}ops")["SecretString"]
        secrets.delete_secret(SecretId=f"{CHAT_SECRET_PREFIX}ops", ForceDeleteWithoutRecovery=True)
        secrets.create_secret(Name=f"{CHAT_SECRET_PREFIX}ops")  # as Terraform leaves it: no value

        failed = aws.run(SCHEDULED)
        assert failed.error == "ChatSecretNotSet"
        assert f"aws secretsmanager put-secret-value --secret-id {CHAT_SECRET_PREFIX}ops" in failed.cause
        assert failed.failed_attempts("PostToChannel") == ["ChatSecretNotSet"]  # final: not retried

        secrets.put_secret_value(SecretId=f"{CHAT_SECRET_PREFIX}ops", SecretString=url)
        assert aws.redrive(failed).status == "SUCCEEDED"
        assert posted(servers["ops"]) == 1 and len(aws.mailbox) == 1


def test_a_forced_resend_posts_every_channel_again_once():
    with chat_deployment(THREE) as (aws, servers):
        assert aws.run(SCHEDULED).status == "SUCCEEDED"
        forced = aws.run(FORCED)
        assert forced.status == "SUCCEEDED" and forced.output["outcome"] == "sent"
        assert [posted(server) for server in servers.values()] == [2, 2, 2]
        assert len(aws.mailbox) == 2


def test_force_then_redrive_posts_each_channel_once_per_holder_never_twice():
    # GIVEN a run that sent the email and failed at its channel (5xx through every retry)
    failures = tuple(Reply(500) for _ in range(5))
    with chat_deployment(ONE, replies={"ops": failures}) as (aws, servers):
        older = aws.run(SCHEDULED)
        assert older.status == "FAILED" and older.error == "ChatWebhookFailed"
        assert posted(servers["ops"], 5) == 0

        # WHEN a forced run resends the day (email and channel), and then the older run is redriven
        forced = aws.run(FORCED)
        assert forced.status == "SUCCEEDED"
        redriven = aws.redrive(older)

        # THEN the redrive finds the day taken over and posts nothing: one post, the forced run's
        assert redriven.status == "SUCCEEDED"
        assert redriven.output["chat"][0]["outcome"] == "not posted again"
        assert posted(servers["ops"], 5) == 1
        assert len(aws.mailbox) == 2  # the first send and the forced resend


def test_two_runs_for_the_day_at_the_same_moment_post_each_channel_once():
    with chat_deployment(THREE) as (aws, servers):
        with ThreadPoolExecutor(2) as pool:
            started = list(pool.map(lambda _: aws.start({"date": YESTERDAY}), range(2)))
        ended = [aws.wait(arn) for arn in started]
        assert all(e.status == "SUCCEEDED" for e in ended)
        assert [posted(server) for server in servers.values()] == [1, 1, 1]
        assert len(aws.mailbox) == 1


def test_the_report_state_stays_small_with_every_channel():
    with chat_deployment(FOUR) as (aws, _):
        execution = aws.run(SCHEDULED)
        # Four messages travel with the email in the state: far below Step Functions' 256 KiB.
        assert execution.largest_payload_bytes() < 100_000
