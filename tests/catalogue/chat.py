"""The catalogue's chat scenarios (PostToChat, decision 0012): for every chat Task whose call has an effect
(the fence on the day's record, the post to the webhook, the record of the post), a fault BEFORE the effect
and a fault AFTER it, each once (the Retry) and beyond the retries (a redrive); then the interleavings a
single fault can't show. The report has one Slack channel whose webhook is a real server on 127.0.0.1;
each scenario counts the posts it took beside the emails: one of each, except where docs/reliability.md
("Chat channels") says a second post can happen (a lost answer, then the operator's redrive), counted
apart as the documented limit."""

from __future__ import annotations

from collections.abc import Callable

from local.runtime import StateFault
from local.webhook_server import Reply
from tests.catalogue.effects import FORCED, Effect
from tests.catalogue.scenarios import DAY, SCHEDULED, Outcome, Run, Scenario, expect_failed_at, expect_sent
from tests.definition import backoff, max_attempts

CHANNEL = "ops"
CHAT = {CHANNEL: "slack"}

CHAT_EFFECTS = (
    Effect("BeginPosting", "the channel is marked POSTING", "ThrottlingException", "InternalServerError"),
    # Before: Lambda refused the invoke (the function did not run). After: the function posted, then
    # Lambda's answer was an error (ServiceException can come after the function ran).
    Effect("PostToChannel", "the webhook takes the post", "TooManyRequestsException", "ServiceException"),
    Effect("MarkPosted", "the channel is marked POSTED", "ProvisionedThroughputExceededException", None),
)


def _channel(run: Run) -> str | None:
    return (run.aws.report_record(DAY) or {}).get(f"chat:{CHANNEL}")


def retried(effect: Effect, after: bool) -> Callable[[Run], Outcome]:
    """One fault, then the Retry: the channel is posted once. (An error after the post is not retried:
    posted_answer_lost.)"""

    def check(run: Run) -> Outcome:
        fault = StateFault.on(effect.state, effect.after if after else effect.before, after_effect=after)
        execution = run.run(SCHEDULED, faults=(fault,))
        [error] = execution.failed_attempts(effect.state)
        assert max_attempts(effect.state, error) > 0, f"{error} at {effect.state} is not retried"
        expect_sent(execution)
        assert run.aws.retry_sleeps == backoff(effect.state, error, 1)
        assert _channel(run) == "POSTED" and run.posts() == 1
        when = "after" if after else "before"
        return run.outcome(1, f"{error} {when} the effect, retried, posted once", expected_posts=1)

    return check


def redriven(effect: Effect, after: bool) -> Callable[[Run], Outcome]:
    """The fault outlasts the retries: the run fails at the state with the email sent and the channel not
    posted (alarm); a run meanwhile posts nothing; the redrive posts once and sends no second email."""

    def check(run: Run) -> Outcome:
        code = effect.after if after else effect.before
        fault = StateFault.on(effect.state, code, attempts=range(10), after_effect=after)
        failed = run.run(SCHEDULED, faults=(fault,))
        error = failed.failed_attempts(effect.state)[0]
        expect_failed_at(failed, effect.state, error)
        assert run.emails() == 1 and run.posts() == 0
        meanwhile = run.run(SCHEDULED)
        assert meanwhile.output["outcome"] == "already sent" and run.posts() == 0
        redrive = run.redrive(failed)
        expect_sent(redrive)
        assert run.emails() == 1 and run.posts() == 1 and _channel(run) == "POSTED"
        attempts = len(failed.failed_attempts(effect.state))
        return run.outcome(
            1,
            f"{error} x{attempts} {'after' if after else 'before'} the effect; failed with the email sent and the "
            "channel not posted; a run meanwhile: already sent; redriven, posted once",
            expected_posts=1,
        )

    return check


def record_failing_for_good(run: Run) -> Outcome:
    """MarkPosted beyond its retries after the post went out: the channel ends as posted, not failed (a
    redrive re-runs a failed iteration, which would post again)."""
    fault = StateFault.on("MarkPosted", "ProvisionedThroughputExceededException", attempts=range(10))
    execution = run.run(SCHEDULED, faults=(fault,))
    expect_sent(execution)
    assert execution.output["chat"][0]["outcome"] == "posted"
    assert _channel(run) == "POSTING" and run.posts() == 1
    return run.outcome(1, "retried 3x, then ended as posted (record left POSTING); posted once", expected_posts=1)


def posted_answer_lost(run: Run) -> Outcome:
    """The chat twin of SES's limit: the function posted and Lambda's answer was an error. Not retried; a
    new run posts nothing; the operator's redrive posts a second time (documented: look in the channel
    first, and mark it POSTED if the message is there)."""
    fault = StateFault.on("PostToChannel", "ServiceException", after_effect=True)
    failed = run.run(SCHEDULED, faults=(fault,))
    expect_failed_at(failed, "PostToChannel", "Lambda.ServiceException")
    assert len(failed.failed_attempts("PostToChannel")) == 1 and run.aws.retry_sleeps == []
    assert run.posts() == 1 and _channel(run) == "POSTING"
    assert run.run(SCHEDULED).output["outcome"] == "already sent" and run.posts() == 1
    expect_sent(run.redrive(failed))
    assert run.posts() == 2 and run.emails() == 1
    return run.outcome(
        1,
        "not retried; a new run posted nothing; the operator's redrive posted a second time (the documented limit)",
        documented_limit=1,
        expected_posts=1,
    )


def webhook_unanswered(run: Run) -> Outcome:
    """The webhook takes the post and does not answer within CHAT_TIMEOUT_SECONDS (its default, 10 s, is
    what the scenario waits out): ChatWebhookUnanswered, not retried; the redrive, after the runbook's look
    in the channel found it there and marked it POSTED, posts nothing more."""
    import boto3

    run.webhooks[CHANNEL].script(Reply(200, body="ok", delay=12))
    failed = run.run(SCHEDULED)
    expect_failed_at(failed, "PostToChannel", "ChatWebhookUnanswered")
    assert run.posts() == 1 and run.aws.retry_sleeps == []
    boto3.client("dynamodb", region_name="us-east-1").update_item(
        TableName="cost-notifier-reports",
        Key={"reportDate": {"S": DAY}},
        UpdateExpression="SET #c = :p",
        ExpressionAttributeNames={"#c": f"chat:{CHANNEL}"},
        ExpressionAttributeValues={":p": {"S": "POSTED"}},
    )
    redrive = run.redrive(failed)
    expect_sent(redrive)
    assert redrive.output["chat"][0]["outcome"] == "not posted again" and run.posts() == 1
    return run.outcome(
        1, "not retried; marked POSTED as the runbook says; the redrive posted nothing", expected_posts=1
    )


def forced_then_redrive(run: Run) -> Outcome:
    """A run sent the email and failed at its channel (5xx through every retry); a forced run resends
    both; the older run's redrive finds the day taken over and posts nothing."""
    run.webhooks[CHANNEL].script(*(Reply(500, body="rollup_error") for _ in range(5)))
    older = run.run(SCHEDULED)
    expect_failed_at(older, "PostToChannel", "ChatWebhookFailed")
    expect_sent(run.run(FORCED))
    redrive = run.redrive(older)
    expect_sent(redrive)
    assert redrive.output["chat"][0]["outcome"] == "not posted again"
    assert run.posts() == 1 and run.emails() == 2
    return run.outcome(2, "the forced run sent and posted; the older run's redrive posted nothing", expected_posts=1)


def _scenarios() -> list[Scenario]:
    scenarios = []
    for effect in CHAT_EFFECTS:
        for after in (False, True):
            code = effect.after if after else effect.before
            when = "after" if after else "before"
            fault = f"{code or 'connection lost'} {when} {effect.effect}"
            category = f"chat, {when} the effect"
            if effect.state == "PostToChannel" and after:
                scenarios.append(
                    Scenario(
                        "PostToChannelAnswerLost",
                        category,
                        fault,
                        "not retried; a redrive can post twice (the documented limit)",
                        posted_answer_lost,
                        chat=CHAT,
                    )
                )
                continue
            scenarios.append(
                Scenario(
                    f"{effect.state}{when.title()}EffectRetried",
                    category,
                    f"{fault}, once",
                    "retried, posted once",
                    retried(effect, after),
                    chat=CHAT,
                )
            )
            if effect.state == "MarkPosted":
                continue  # beyond its retries it ends as posted: MarkPostedFailingForGood
            scenarios.append(
                Scenario(
                    f"{effect.state}{when.title()}EffectRedriven",
                    category,
                    f"{fault}, beyond the retries",
                    "fails with the email sent; redrive posts once",
                    redriven(effect, after),
                    chat=CHAT,
                )
            )
    return scenarios + [
        Scenario(
            "MarkPostedFailingForGood",
            "chat, before the effect",
            "ProvisionedThroughputExceededException before the channel is marked POSTED, beyond the retries",
            "ends as posted, posted once",
            record_failing_for_good,
            chat=CHAT,
        ),
        Scenario(
            "WebhookUnanswered",
            "chat, after the effect",
            "the webhook takes the post and does not answer in time",
            "not retried; marked POSTED by the operator; the redrive posts nothing",
            webhook_unanswered,
            chat=CHAT,
        ),
        Scenario(
            "ChatForcedThenRedriveOfOlderRun",
            "chat, interleaved",
            "a channel failing through its retries, a forced resend, then the older run's redrive",
            "one post per holder: the redrive posts nothing",
            forced_then_redrive,
            chat=CHAT,
        ),
    ]


CHAT_SCENARIOS = _scenarios()
