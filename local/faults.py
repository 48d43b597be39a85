"""Errors the embedded runtime raises on purpose, as AWS would, to exercise the state machine's Retry."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    code: str  # the AWS error code, e.g. "TooManyRequestsException"
    message: str
    remaining: int


class Faults:
    """Per target ("lambda:fetch_costs", "sesv2:SendEmail"), a queue of errors to raise next."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, list[Fault]] = {}
        self.raised: list[tuple[str, str]] = []

    def add(self, target: str, code: str, times: int = 1, message: str | None = None) -> None:
        with self._lock:
            self._faults.setdefault(target, []).append(
                Fault(code, message or f"{code} injected by the embedded runtime", times)
            )

    def take(self, target: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(target, [])
            if not queue:
                return None
            fault = queue[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.pop(0)
            self.raised.append((target, fault.code))
            return fault
