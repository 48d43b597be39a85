"""Faults in a run of several reports: the dispatching run starts one child execution per report
(decision 0009). One report failing, a lost answer from StartExecution, StartExecution refused until the
run is redriven, and two dispatching runs at once: every report still goes out exactly once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from local.runtime import DISPATCH, StateFault
from tests.catalogue.scenarios import DAY, Outcome, Run, Scenario

TO = ["finops@example.com"]
# Three daily reports: the organisation's and two teams' (the catalogue's day, 20 Nov 2026).
THREE = {
    "daily": {"recipients": TO},
    "team-a": {"name": "Team A", "recipients": ["team-a@example.com"]},
    "team-b": {"name": "Team B", "recipients": ["team-b@example.com"]},
}
DISPATCH_INPUT = {"scheduledTime": "2026-11-21T08:00:00Z"}


def _records(run: Run) -> dict[str, str]:
    return {item["reportDate"]["S"]: item["status"]["S"] for item in run.aws.table_items()}


def _children(run: Run, parent) -> dict:
    children = run.aws.children(parent)
    for child in children.values():
        run.keep(child)
    return children


def _every_report_sent_once(run: Run) -> None:
    assert _records(run) == {DAY: "SENT", f"team-a/{DAY}": "SENT", f"team-b/{DAY}": "SENT"}, _records(run)
    assert sorted(email.to[0] for email in run.aws.mailbox) == sorted(r["recipients"][0] for r in THREE.values())


def one_report_fails_the_others_are_sent(run: Run) -> Outcome:
    fault = StateFault.on("FetchCosts", "ServiceException", attempts=range(10), report="team-a")
    parent = run.keep(run.aws.run(DISPATCH_INPUT, faults=(fault,), follow=False))
    children = _children(run, parent)
    assert parent.status == "SUCCEEDED" and children["team-a"].status == "FAILED"
    assert run.emails() == 2, "the other reports do not wait for team-a"
    run.redrive(children["team-a"])
    _every_report_sent_once(run)
    return run.outcome(3, "team-a failed at FetchCosts, the others sent; its redrive sent it alone")


def start_answer_lost(run: Run) -> Outcome:
    fault = StateFault.on("RunReport", "AWSStepFunctions", after_effect=True, report=DISPATCH)
    parent = run.keep(run.aws.run(DISPATCH_INPUT, faults=(fault,), follow=False))
    assert parent.status == "SUCCEEDED" and len(_children(run, parent)) == 3
    _every_report_sent_once(run)
    return run.outcome(3, "each retry found its child by name: 3 children, 3 emails")


def start_refused_then_redriven(run: Run) -> Outcome:
    fault = StateFault.on("RunReport", "ExecutionLimitExceeded", attempts=range(10), report=DISPATCH)
    failed = run.keep(run.aws.run(DISPATCH_INPUT, faults=(fault,), follow=False))
    # Each item of StartEachReport's Map Run failed with StartExecution's error after its retries; no item
    # may fail (ToleratedFailureCount 0), so the Map Run fails and with it the run.
    assert (failed.status, failed.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    items = run.aws.map_items(failed)
    assert items.failed_attempts("RunReport")[-1] == "StepFunctions.ExecutionLimitExceededException"
    redriven = run.redrive(failed)
    assert redriven.status == "SUCCEEDED" and len(_children(run, redriven)) == 3
    _every_report_sent_once(run)
    return run.outcome(3, "the run failed starting children; its redrive started each once")


def two_dispatches_at_once(run: Run) -> Outcome:
    run.aws.hold_together("dynamodb:PutItem", parties=6)  # both runs' three children read, then all claim
    arns = [run.aws.start(DISPATCH_INPUT, name="scheduled"), run.aws.start({"date": DAY}, name="manual")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        parents = [run.keep(p) for p in pool.map(lambda arn: run.aws.wait(arn, follow=False), arns)]
    outcomes = sorted(child.output["outcome"] for parent in parents for child in _children(run, parent).values())
    assert outcomes == ["duplicate"] * 3 + ["sent"] * 3, outcomes
    _every_report_sent_once(run)
    return run.outcome(3, "the scheduled and a manual run at once: each report sent by one child")


REPORT_SCENARIOS = [
    Scenario(
        "OneReportFailsOthersSent",
        "many reports",
        "team-a's FetchCosts fails on every attempt",
        "the others sent; a redrive of team-a's child sends it alone",
        one_report_fails_the_others_are_sent,
        reports=THREE,
    ),
    Scenario(
        "StartExecutionAnswerLost",
        "many reports",
        "StartExecution starts the child, its answer is lost",
        "the retry finds the child by name: no second child",
        start_answer_lost,
        reports=THREE,
    ),
    Scenario(
        "StartExecutionRefusedThenRedriven",
        "many reports",
        "StartExecution refused (ExecutionLimitExceeded) on every attempt",
        "the run fails at StartEachReport (its Map Run's items failed); its redrive starts each report once",
        start_refused_then_redriven,
        reports=THREE,
    ),
    Scenario(
        "TwoDispatchingRunsAtOnce",
        "many reports",
        "the scheduled run and a manual run for the day, lined up at the claim",
        "each report sent once",
        two_dispatches_at_once,
        reports=THREE,
    ),
]
