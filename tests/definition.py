"""What the state machine definition says about retries, read from the definition itself, so a test's
expected backoff schedule cannot drift from the one deployed (state_machine/cost_notifier.asl.json)."""

from __future__ import annotations

import json
from functools import cache

from local.runtime import DEFINITION, every_state

# The protocol as specified: the states a report day goes through when nothing goes wrong. Written out,
# not read from the definition, so that the model check and the workflow tests hold the definition to it.
HAPPY_PATH = [
    "ResolveReportDate",
    "OneReportOrMany",
    "CheckAlreadySent",
    "SentOrClaimed",
    "ClaimReport",
    "ReadPreviousReport",  # a read of the previous period's record, for the "Revised" line
    "FetchCosts",
    "RenderEmail",
    "BeginSending",
    "SendEmail",
    "MarkSent",
    "PostToChat",  # a Map over the report's chat channels: no iteration when it has none
    "ReportSent",
]


@cache
def states() -> dict:
    return every_state(json.loads(DEFINITION.read_text())["States"])


def retrier(state: str, error: str) -> dict | None:
    """The first Retry rule of `state` that matches `error`, as Step Functions picks it (or None)."""
    for rule in states()[state].get("Retry", []):
        if error in rule["ErrorEquals"] or "States.ALL" in rule["ErrorEquals"]:
            return rule
    return None


def max_attempts(state: str, error: str) -> int:
    """How many retries `state` makes after `error` (0 when it is not retried)."""
    rule = retrier(state, error)
    return 0 if rule is None else rule.get("MaxAttempts", 3)


def backoff(state: str, error: str, failures: int | None = None) -> list[float]:
    """The waits before each retry of `state` after `failures` failures with `error` (all of its retries
    when None), by the ASL rule: IntervalSeconds x BackoffRate^n, capped at MaxDelaySeconds."""
    rule = retrier(state, error)
    if rule is None:
        return []
    count = rule.get("MaxAttempts", 3) if failures is None else min(failures, rule.get("MaxAttempts", 3))
    interval, rate = rule.get("IntervalSeconds", 1), rule.get("BackoffRate", 2.0)
    cap = rule.get("MaxDelaySeconds")
    return [min(interval * rate**n, cap) if cap else interval * rate**n for n in range(count)]
