"""A message that fits its platform, whatever the size of the organisation.

Each platform's renderer builds a message from a Summary and says whether a message fits (its size in bytes,
and the counts it limits). fitted() starts from the most a message holds (limits.TOP_*) and gives up a line,
then a mover, then a listed anomaly or new service, until the message fits: what is given up is counted in
"Other (N)" or "and N more". Every text in a message is cut to its own limit, so the smallest message (no
lines, movers or listed items) fits every platform; tests/unit/test_chat_messages.py checks that bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from render_email.chat.limits import TOP_LISTED, TOP_MOVERS
from render_email.chat.summary import Budget, Summary, summarise
from render_email.view import ReportView

Message = dict[str, Any]


@dataclass(frozen=True)
class Platform:
    build: Callable[[Summary], Message]
    fits: Callable[[Message], bool]
    top_lines: int  # the report's lines a message holds at most


def budgets(top_lines: int) -> Iterator[Budget]:
    """From the most a message holds to nothing: lines first, then movers, then the listed items."""
    for lines in range(top_lines, -1, -1):
        yield Budget(lines, TOP_MOVERS, TOP_LISTED)
    for movers in range(TOP_MOVERS - 1, -1, -1):
        yield Budget(0, movers, TOP_LISTED)
    for listed in range(TOP_LISTED - 1, -1, -1):
        yield Budget(0, 0, listed)


def fitted(platform: Platform, view: ReportView, *, emailed: bool) -> Message:
    """The fullest message of the view that fits the platform."""
    message: Message = {}
    for budget in budgets(platform.top_lines):
        message = platform.build(summarise(view, emailed=emailed, budget=budget))
        if platform.fits(message):
            return message
    return message  # the smallest message, which fits by construction (every text is cut to its limit)
