"""The report as a chat message: a compact summary of the email for Slack, Microsoft Teams, Google Chat or a
generic JSON webhook, built from the email's view so that chat and email never disagree on a figure.

    view = render.build_view(report, first_sent)
    body = render_chat("slack", view, emailed=True)   # the JSON body to POST to the channel's webhook

Pure: no environment, clock or network. docs/chat.md says what each message holds; limits.py holds every
bound, with the page that states it; fit.py cuts a message until it fits its platform.
"""

from __future__ import annotations

from typing import Any

from report_contract.spec import CHANNEL_TYPES

from render_email.chat import google_chat, slack, teams, webhook
from render_email.chat.fit import Platform, fitted
from render_email.view import ReportView

__all__ = ["CHANNEL_TYPES", "render_chat"]

_PLATFORMS: dict[str, Platform] = dict(
    zip(CHANNEL_TYPES, (slack.PLATFORM, teams.PLATFORM, google_chat.PLATFORM, webhook.PLATFORM), strict=True)
)


def render_chat(kind: str, view: ReportView, *, emailed: bool) -> dict[str, Any]:
    """The JSON body to POST to a `kind` webhook for this report. `emailed`: the report also goes by email,
    so the message ends with a note that the full report is in email."""
    platform = _PLATFORMS.get(kind)
    if platform is None:
        raise ValueError(f"unknown chat channel type {kind!r}: expected one of {', '.join(CHANNEL_TYPES)}")
    return fitted(platform, view, emailed=emailed)
