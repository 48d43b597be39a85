"""A run read step by step, as the console's table view shows it: each state's name, duration,
outcome and retries, from the execution history."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from local.runtime import Execution


@dataclass
class StateStep:
    name: str
    state_type: str
    entered: datetime
    exited: datetime | None = None
    failures: list[str] = field(default_factory=list)  # error names of failed task attempts
    next_state: str | None = None
    output: dict | None = None
    caught: str | None = None
    item: str = ""  # the chat channel a PostToChat iteration's state is for: the iteration's item, named

    @property
    def duration_ms(self) -> float:
        end = self.exited or self.entered
        return (end - self.entered).total_seconds() * 1000

    @property
    def retries(self) -> int:
        # Every failed attempt was retried, except the last one when the state did not exit.
        return len(self.failures) if self.exited and not self.caught else max(0, len(self.failures) - 1)

    def outcome(self, execution: Execution) -> str:
        if self.exited is None:
            return f"FAILED {execution.error}" if execution.status == "FAILED" else execution.status
        if self.caught:
            return f"caught {self.caught} -> {self.next_state}"
        if self.state_type == "Choice":
            return f"chose {self.next_state}"
        if self.next_state is None and self.output and "outcome" in self.output:
            return self.output["outcome"]
        return "ok"


def steps(execution: Execution) -> list[StateStep]:
    result: list[StateStep] = []
    last_attempt_failed = False
    for event in execution.history:
        kind = event["type"]
        if "stateEnteredEventDetails" in event:
            if result and result[-1].next_state is None:
                result[-1].next_state = event["stateEnteredEventDetails"]["name"]
            entered = event["stateEnteredEventDetails"]
            step = StateStep(entered["name"], kind[: -len("StateEntered")], event["timestamp"])
            step.item = _channel(entered.get("input"))
            result.append(step)
            last_attempt_failed = False
        elif "stateExitedEventDetails" in event and result:
            result[-1].exited = event["timestamp"]
            output = event["stateExitedEventDetails"].get("output")
            result[-1].output = json.loads(output) if output else None
            if last_attempt_failed:
                # The state exited although its last attempt failed: a Catch took the error.
                result[-1].caught = result[-1].failures[-1]
        elif kind in ("TaskFailed", "LambdaFunctionFailed") and result:
            details = next(value for key, value in event.items() if key.endswith("EventDetails"))
            result[-1].failures.append(details.get("error", "?"))
            last_attempt_failed = True
        elif kind in ("TaskSucceeded", "LambdaFunctionSucceeded"):
            last_attempt_failed = False
    return result


def _channel(state_input: str | None) -> str:
    """The channel a state's input is for ({"channel": {"name": ...}}, as PostToChat gives its items), or ""."""
    try:
        channel = json.loads(state_input or "")["channel"]
        return f"{channel['name']}" if isinstance(channel, dict) else ""
    except (ValueError, KeyError, TypeError):
        return ""


def render(execution: Execution) -> str:
    rows = steps(execution)
    for step in rows:
        if step.item:
            step.name = f"{step.name} [{step.item}]"
    width = max([len(step.name) for step in rows] + [5])
    lines = [f"  {'State':<{width}}  {'Duration':>9}  {'Retries':>7}  Outcome"]
    for step in rows:
        retries = str(step.retries) if step.retries else "-"
        detail = step.outcome(execution)
        if step.retries:
            detail += f" (retried: {', '.join(step.failures[: step.retries])})"
        lines.append(f"  {step.name:<{width}}  {step.duration_ms:>6.0f} ms  {retries:>7}  {detail}")
    return "\n".join(lines)
