"""The catalogue's side-effect faults: for every Task whose call has an effect (a claim, the fence, the
send, the record, the billed Cost Explorer requests), a fault BEFORE the effect (nothing happened) and a
fault AFTER it (it happened; the answer was lost), each resolved by the Retry and, when it outlasts the
retries, by a redrive. Then the interleavings a single fault can't show: forced resends against
redrives of older runs, and scheduled, manual and forced runs at the same moment.

Faults are StateFault (local/runtime.py): the error is built as botocore builds AWS's answer, so the
integration names it as AWS does. Step Functions Local's mock file cannot say "after the effect", so
these live here rather than in MockConfigFile.json.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

from local.runtime import Execution, StateFault
from tests.catalogue.datasets import Dataset, every_day
from tests.catalogue.scenarios import (
    DAY,
    REPORT_DAY,
    SCHEDULED,
    Outcome,
    Run,
    Scenario,
    expect_failed_at,
    expect_record,
    expect_sent,
)
from tests.definition import backoff, max_attempts

FORCED = {"date": DAY, "force": True}


@dataclass(frozen=True)
class Effect:
    """A Task with an effect, and the realistic error on each side of it."""

    state: str
    effect: str
    before: str  # an error the service returns without acting (throttling)
    after: str | None  # an error that can come back after it acted (5xx; None: a lost connection)
    forced: bool = False  # the state is on the forced-resend path only


EFFECTS = (
    Effect("ClaimReport", "the claim is written", "ProvisionedThroughputExceededException", "InternalServerError"),
    Effect("ClaimForResend", "the forced claim is written", "RequestLimitExceeded", None, forced=True),
    # FetchCosts also writes the months Cost Explorer has finalised to the history cache (decision 0015): the
    # scenarios' first attempt writes October, and a retry or a redrive reads it instead of querying it.
    Effect(
        "FetchCosts",
        "Cost Explorer requests are made and billed and finalised months cached",
        "TooManyRequestsException",
        "ServiceException",
    ),
    Effect("BeginSending", "the record moves to SENDING", "ThrottlingException", "InternalServerError"),
    Effect("SendEmail", "SES accepts the message", "TooManyRequestsException", "InternalFailure"),
    Effect("MarkSent", "the SENT record is written", "ProvisionedThroughputExceededException", None),
)


def _first_run(run: Run, effect: Effect) -> tuple[dict, int]:
    """The execution input that reaches `effect.state`, and the emails the day should end with."""
    if effect.forced:
        expect_sent(run.run({"date": DAY}))  # a sent day, for the forced run to send again
        return FORCED, 2
    return SCHEDULED, 1


def _error_name(execution: Execution, state: str) -> str:
    errors = execution.failed_attempts(state)
    assert errors, f"no fault was seen at {state}"
    return errors[0]


def retried(effect: Effect, after: bool) -> Callable[[Run], Outcome]:
    """One fault, then the Retry: the run goes on and sends once (a retry that meets its own write
    accepts it). An error after SES accepted is not retried; see answer_lost_at_send."""

    def check(run: Run) -> Outcome:
        execution_input, expected = _first_run(run, effect)
        requests_before = len(run.aws.cost_explorer.requests)
        fault = StateFault.on(effect.state, effect.after if after else effect.before, after_effect=after)
        execution = run.run(execution_input, faults=(fault,))
        error = _error_name(execution, effect.state)
        assert max_attempts(effect.state, error) > 0, f"{error} at {effect.state} is not retried"
        expect_sent(execution)
        assert run.aws.retry_sleeps == backoff(effect.state, error, 1)
        assert run.emails() == expected
        expect_record(run.aws, "SENT", executionArn=execution.arn, messageId=execution.output["messageId"])
        billed = len(run.aws.cost_explorer.requests) - requests_before
        return run.outcome(
            expected,
            f"{error} {'after' if after else 'before'} the effect, retried, sent once; "
            f"{billed} Cost Explorer request(s) (${billed / 100:.2f})",
        )

    return check


def redriven(effect: Effect, after: bool) -> Callable[[Run], Outcome]:
    """The fault outlasts the retries: the run fails at the state (the failed-run alarm fires), holding
    the day; a run started meanwhile does not send; the redrive resumes at the state and sends once."""

    def check(run: Run) -> Outcome:
        execution_input, expected = _first_run(run, effect)
        code = effect.after if after else effect.before
        # Enough faults to outlast any Retry the definition could give this state.
        fault = StateFault.on(effect.state, code, attempts=range(10), after_effect=after)
        failed = run.run(execution_input, faults=(fault,))
        error = _error_name(failed, effect.state)
        expect_failed_at(failed, effect.state, error)
        assert run.aws.retry_sleeps == backoff(effect.state, error)
        record = run.aws.report_record(DAY)
        held = record is not None and record["executionArn"] == failed.arn
        if after or effect.state not in ("ClaimReport", "ClaimForResend"):
            # Nothing silently lost: the day is the failed run's, and its failure is what raises the alarm.
            assert held and record["status"] in ("CLAIMED", "SENDING", "SENT"), record
        meanwhile = run.run(SCHEDULED)
        assert meanwhile.status == "SUCCEEDED" and meanwhile.output["outcome"] in (
            "duplicate",
            "already sent",
            "sent",
        ), meanwhile.output
        if meanwhile.output["outcome"] == "sent":
            # Only where the failed run never got the day (its claim was refused before it was written).
            assert not held, "a run sent while another execution held the day"
            late = run.redrive(failed)
            assert late.output["outcome"] == "duplicate" and run.emails() == expected, late.output
            return run.outcome(
                expected,
                f"{error} x{len(failed.failed_attempts(effect.state))} before the claim was "
                "written; the next run sent once; the redrive then lost the claim race",
            )
        redrive = run.redrive(failed)
        expect_sent(redrive)
        assert redrive.entered_states()[0] == effect.state, "a redrive resumes at the state that failed"
        assert run.emails() == expected, f"{run.emails()} emails, expected {expected}"
        expect_record(run.aws, "SENT", executionArn=failed.arn, messageId=redrive.output["messageId"])
        assert run.run(SCHEDULED if not effect.forced else {"date": DAY}).output["outcome"] == "already sent"
        return run.outcome(
            expected,
            f"{error} x{len(failed.failed_attempts(effect.state))} "
            f"{'after' if after else 'before'} the effect; failed holding the day "
            f"({record['status'] if record else 'nothing written'}); "
            f"a run meanwhile: {meanwhile.output['outcome']}; redriven, sent once",
        )

    return check


def answer_lost_at_send(run: Run) -> Outcome:
    """The one case the protocol cannot make safe (docs/reliability.md, "The limit"): SES accepted the
    message and its answer was lost. Not retried; no run, forced or not, sends again; only an operator's
    redrive of that run can, and it does."""
    fault = StateFault.on("SendEmail", "InternalFailure", after_effect=True)
    failed = run.run(SCHEDULED, faults=(fault,))
    expect_failed_at(failed, "SendEmail", "SesV2.SesV2Exception")
    assert len(failed.failed_attempts("SendEmail")) == 1 and run.aws.retry_sleeps == [], (
        "an unknown outcome is not retried"
    )
    assert run.emails() == 1
    expect_record(run.aws, "SENDING", executionArn=failed.arn)
    for later_input in (SCHEDULED, FORCED):
        later = run.run(later_input)
        assert later.output["outcome"] == "duplicate" and later.entered_states()[-1] == "SendingByAnotherExecution", (
            later.output
        )
        assert later.output["claimedBy"] == failed.arn
    assert run.emails() == 1, "neither a new run nor a forced run sends a day that may be with SES"
    redrive = run.redrive(failed)
    expect_sent(redrive)
    assert run.emails() == 2
    return run.outcome(
        1,
        "not retried; a new and a forced run both refused; the operator's redrive sent a second "
        "email (the documented limit)",
        documented_limit=1,
    )


# -- interleavings --------------------------------------------------------------------------------


def forced_then_redrive_of_older_run(run: Run) -> Outcome:
    # GIVEN a run that claimed the day and failed at FetchCosts
    older = run.run(SCHEDULED, faults=(StateFault.on("FetchCosts", "ServiceException", attempts=range(10)),))
    expect_failed_at(older, "FetchCosts", "Lambda.ServiceException")
    # AND a forced run that took the day over and sent it
    forced = run.run(FORCED)
    expect_sent(forced)
    # WHEN someone redrives the older run
    redrive = run.redrive(older)
    # THEN it stops at the fence, having sent nothing, and says why
    assert redrive.status == "SUCCEEDED" and redrive.output["outcome"] == "superseded", redrive.output
    assert redrive.entered_states()[-2:] == ["BeginSending", "ClaimTakenOver"]
    assert run.emails() == 1
    expect_record(run.aws, "SENT", executionArn=forced.arn)
    return run.outcome(1, "the forced run sent; the older run's redrive stopped at BeginSending")


def forced_while_older_run_is_sending(run: Run) -> Outcome:
    # GIVEN a run that passed the fence and then failed at SendEmail before SES accepted (throttled)
    older = run.run(SCHEDULED, faults=(StateFault.on("SendEmail", "TooManyRequestsException", attempts=range(10)),))
    expect_failed_at(older, "SendEmail", "SesV2.TooManyRequestsException")
    # WHEN a forced run starts for the day
    forced = run.run(FORCED)
    # THEN it does not take over a day that may be with SES: it names the holder
    assert forced.output["outcome"] == "duplicate" and forced.output["claimedBy"] == older.arn, forced.output
    # AND the redrive of the older run sends once
    expect_sent(run.redrive(older))
    assert run.emails() == 1
    return run.outcome(1, "the forced run refused a SENDING day; the redrive sent once")


def forced_after_mark_sent_failed(run: Run) -> Outcome:
    # GIVEN SES accepted and MarkSent outlasted its retries: the day is SENDING
    older = run.run(SCHEDULED, faults=(StateFault.on("MarkSent", "InternalServerError", attempts=range(10)),))
    expect_failed_at(older, "MarkSent", "DynamoDB.InternalServerError")
    forced = run.run(FORCED)
    assert forced.entered_states()[-1] == "SendingByAnotherExecution"
    redrive = run.redrive(older)
    assert redrive.entered_states() == ["MarkSent", "PostToChat", "ReportSent"]
    # THEN once recorded, a forced run may resend, once
    expect_sent(run.run(FORCED))
    assert run.emails() == 2
    return run.outcome(2, "forced run refused while SENDING; redrive recorded it; a later forced run resent once")


def forced_while_mark_sent_answer_is_lost(run: Run) -> Outcome:
    """Found by the model check: our SENT write went through, its answer was lost, and before the retry a
    forced run took the (now SENT) day over. The retry's condition fails; the day is fine, so the run
    must end as sent, not fail with an alarm that no redrive can clear."""
    forced: list[Execution] = []
    fault = StateFault.on(
        "MarkSent", "InternalServerError", after_effect=True, meanwhile=lambda: forced.append(run.run(FORCED))
    )
    first = run.run(SCHEDULED, faults=(fault,))
    [resend] = forced
    expect_sent(resend)
    assert first.status == "SUCCEEDED" and first.output["outcome"] == "sent", (first.status, first.error)
    assert first.failed_attempts("MarkSent") == [
        "DynamoDB.InternalServerError",
        "DynamoDB.ConditionalCheckFailedException",
    ]
    assert run.emails() == 2
    expect_record(run.aws, "SENT", executionArn=resend.arn, forced=True)
    return run.outcome(
        2,
        "MarkSent's answer lost; a forced run resent meanwhile; the retry found the day taken "
        "over and ended as sent, no false alarm",
    )


def at_once(
    inputs: list[dict],
    expected_emails: Callable[[int], int],
    before: Callable[[Run], int] | None = None,
    hold: str = "dynamodb:PutItem",
) -> Callable[[Run], Outcome]:
    """Start executions together and line them up at the same DynamoDB call, so they all read before
    any of them writes."""

    def check(run: Run) -> Outcome:
        sent_before = before(run) if before else 0
        run.aws.hold_together(hold, parties=len(inputs))
        arns = [run.start(execution_input, name=f"together-{n}") for n, execution_input in enumerate(inputs)]
        with ThreadPoolExecutor(max_workers=len(inputs)) as pool:
            executions = [run.keep(e) for e in pool.map(run.aws.wait, arns)]
        assert all(e.status == "SUCCEEDED" for e in executions), [(e.status, e.error) for e in executions]
        outcomes = sorted(e.output["outcome"] for e in executions)
        expected = expected_emails(sent_before)
        assert run.emails() == expected, (run.emails(), outcomes)
        expect_record(run.aws, "SENT")
        return run.outcome(expected, f"{len(inputs)} at once: {', '.join(outcomes)}")

    return check


def _send_first(run: Run) -> int:
    expect_sent(run.run({"date": DAY}))
    return 1


# -- Cost Explorer has not processed the day yet ----------------------------------------------------


def _late_day(available_from_request: int) -> Dataset:
    """Spend on every day, but the report day only shows up from the n-th request on (1-based)."""
    spend = every_day([("Amazon EC2", "Usage", Decimal("12.34"))])
    dataset: Dataset

    def rows(day):
        if day == REPORT_DAY and len(dataset.requests) < available_from_request:
            return []
        return spend(day)

    dataset = Dataset(rows)
    return dataset


def not_ready_then_ready(run: Run) -> Outcome:
    run.aws.answer_cost_explorer = _late_day(available_from_request=2)
    execution = run.run(SCHEDULED)
    expect_sent(execution)
    assert execution.failed_attempts("FetchCosts") == ["CostDataNotReady"]
    assert run.aws.retry_sleeps == backoff("FetchCosts", "CostDataNotReady", 1)
    assert Decimal(execution.output["total"]) == Decimal("12.34")
    return run.outcome(1, f"retried after {run.aws.retry_sleeps[0] / 3600:g} h; sent the processed day, $12.34")


def never_ready_in_time(run: Run) -> Outcome:
    dataset = _late_day(available_from_request=10**6)
    run.aws.answer_cost_explorer = dataset
    failed = run.run(SCHEDULED)
    expect_failed_at(failed, "FetchCosts", "CostDataNotReady")
    assert run.aws.retry_sleeps == backoff("FetchCosts", "CostDataNotReady")
    assert run.emails() == 0
    expect_record(run.aws, "CLAIMED", executionArn=failed.arn)  # not SENT: nothing claims the day is done
    # WHEN the day is processed and the run is redriven
    run.aws.answer_cost_explorer = _late_day(available_from_request=0)
    redrive = run.redrive(failed)
    expect_sent(redrive)
    assert Decimal(redrive.output["total"]) == Decimal("12.34")
    hours = sum(run.aws.retry_sleeps) / 3600
    return run.outcome(1, f"waited {hours:g} h, failed holding the day, no $0.00 email; the redrive sent $12.34")


def _scenarios() -> list[Scenario]:
    scenarios = []
    for effect in EFFECTS:
        for after in (False, True):
            code = effect.after if after else effect.before
            when = "after" if after else "before"
            fault = f"{code or 'connection lost'} {when} {effect.effect}"
            if effect.state == "SendEmail" and after:
                scenarios.append(
                    Scenario(
                        "SendEmailAnswerLost",
                        "after the effect",
                        fault,
                        "not retried; no new or forced run sends; a redrive can send twice (the documented limit)",
                        answer_lost_at_send,
                    )
                )
                continue
            category = f"{when} the effect"
            scenarios.append(
                Scenario(
                    f"{effect.state}{when.title()}EffectRetried",
                    category,
                    f"{fault}, once",
                    "retried, sent once",
                    retried(effect, after),
                )
            )
            scenarios.append(
                Scenario(
                    f"{effect.state}{when.title()}EffectRedriven",
                    category,
                    f"{fault}, beyond the retries",
                    "fails holding the day; nothing sent meanwhile; redrive sends once",
                    redriven(effect, after),
                )
            )
    scenarios += [
        Scenario(
            "ForcedThenRedriveOfOlderRun",
            "interleaved",
            "a forced resend, then a redrive of an older failed run",
            "the redrive stops at BeginSending",
            forced_then_redrive_of_older_run,
        ),
        Scenario(
            "ForcedWhileOlderRunSending",
            "interleaved",
            "a forced run while an older run is SENDING",
            "refused; the redrive sends once",
            forced_while_older_run_is_sending,
        ),
        Scenario(
            "ForcedAfterMarkSentFailed",
            "interleaved",
            "SES accepted, MarkSent failed, then forced runs",
            "refused until recorded, then one resend",
            forced_after_mark_sent_failed,
        ),
        Scenario(
            "ForcedWhileMarkSentAnswerLost",
            "interleaved",
            "MarkSent's answer lost, and a forced run resends before the retry",
            "the first run ends as sent, no false alarm",
            forced_while_mark_sent_answer_is_lost,
        ),
        Scenario(
            "ScheduledAndManualAtOnce",
            "interleaved",
            "a scheduled and a manual run at the claim together",
            "one email",
            at_once([SCHEDULED, {"date": DAY}], lambda sent: 1),
        ),
        Scenario(
            "ScheduledAndForcedAtOnce",
            "interleaved",
            "a scheduled and a forced run at the claim together",
            "one email",
            at_once([SCHEDULED, FORCED], lambda sent: 1),
        ),
        Scenario(
            "TwoForcedResendsAtOnce",
            "interleaved",
            "two forced runs for a sent day, at the claim together",
            "one resend",
            at_once([FORCED, FORCED], lambda sent: sent + 1, before=_send_first),
        ),
        Scenario(
            "DayNotProcessedYet",
            "late data",
            "no cost for the day yet, earlier days have some",
            "CostDataNotReady, retried after an hour, then sent",
            not_ready_then_ready,
        ),
        Scenario(
            "DayNotProcessedInTime",
            "late data",
            "the day stays unprocessed through every retry",
            "fails holding the day, no $0.00 email; redrive sends",
            never_ready_in_time,
        ),
    ]
    return scenarios


EFFECT_SCENARIOS = _scenarios()
