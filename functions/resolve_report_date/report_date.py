"""Which day a run reports on. Pure: no boto3, no environment, no clock (the caller passes the time).

A scheduled run is keyed by the time it was *scheduled* for, never by when it happens to execute:
EventBridge Scheduler puts `<aws.scheduler.scheduled-time>` into the input, and the report covers the
last complete UTC day before it. A late, retried or redriven execution therefore reports on the same day.
Cost Explorer days are UTC days, so everything here is UTC.

The day is also stated as the report's period (ReportPeriod: kind, start, exclusive end) and the DynamoDB
key of its record (report_key): for the daily report, the day itself, as records have always been keyed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from resolve_report_date.errors import InvalidReportRequest

SCHEDULED_FIELDS = frozenset({"scheduledTime"})
MANUAL_FIELDS = frozenset({"date", "force"})
ALLOWED_FIELDS = SCHEDULED_FIELDS | MANUAL_FIELDS

EXAMPLES = (
    'a scheduled run sends {"scheduledTime": "2026-11-21T08:00:00Z"}; '
    'a manual run sends {"date": "2026-11-20"} or {"date": "2026-11-20", "force": true}'
)

_DATE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")  # \Z, not $: "$" also matches before a trailing newline

# How much of a bad value a refusal quotes. The input can be 256 KiB; the person reading the cause
# needs the start of what they sent and its length, not all of it.
EXCERPT_CHARACTERS = 80
# How many unknown field names a refusal lists before it only counts the rest.
LISTED_NAMES = 5


def excerpt(value: object, *, quoted: bool = True) -> str:
    """A bad value as a refusal shows it: repr() (the text itself with quoted=False, for field names),
    whole if it is at most EXCERPT_CHARACTERS long, else its first EXCERPT_CHARACTERS, "..." and its
    length. Every message that quotes the input goes through here."""
    text = repr(value) if quoted or not isinstance(value, str) else value
    if len(text) <= EXCERPT_CHARACTERS:
        return text
    length = f"{len(value):,} characters" if isinstance(value, str) else f"{len(text):,} characters written out"
    return f"{text[:EXCERPT_CHARACTERS]}... ({length})"


@dataclass(frozen=True)
class ReportPeriod:
    """The days one report covers: from `start` up to `end`, exclusive (as Cost Explorer's End is).

    Only "day" exists: the daily report covers one UTC day. A weekly or monthly report would be a kind of
    its own ("week": Monday to the next Monday; "month": the 1st to the next 1st), with its own `key`.
    """

    kind: Literal["day"]
    start: date
    end: date  # exclusive

    @classmethod
    def day(cls, day: date) -> ReportPeriod:
        return cls("day", day, day + timedelta(days=1))

    @property
    def key(self) -> str:
        """The period as its report's key names it: the day, "2026-11-20". A week would be its ISO week,
        "2026-W47", and a month "2026-11": each cadence's keys are distinct from the others'."""
        return self.start.isoformat()

    def to_state(self) -> dict[str, str]:
        return {"kind": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat()}


def report_key(period: ReportPeriod) -> str:
    """The DynamoDB key value of the report for `period`: what marks it claimed and sent.

    For the one report this project sends, the default daily email, it is the period's key alone: the day,
    "2026-11-20", exactly the reportDate key of every record written before periods existed, so those
    records stay readable and a day sent before the change is not sent again. Later reports extend this
    without touching existing keys:

    * a weekly or monthly default report: its period's key, "2026-W47" or "2026-11" (ReportPeriod.key);
    * a named report (a second email with its own recipients or filters): "<report>/<period key>", e.g.
      "finance/2026-11"; a period key never holds "/", so a named key never equals a default one.
    """
    return period.key


@dataclass(frozen=True)
class ReportRequest:
    report_date: date
    trigger: str  # "schedule" or "manual"
    force: bool
    expires_at: int  # epoch seconds for the DynamoDB TTL of this day's record

    @property
    def period(self) -> ReportPeriod:
        return ReportPeriod.day(self.report_date)

    def to_state(self) -> dict[str, object]:
        return {
            "reportDate": self.report_date.isoformat(),
            "trigger": self.trigger,
            "force": self.force,
            # DynamoDB's N type travels as a string in the typed JSON the state machine writes.
            "expiresAt": str(self.expires_at),
            "period": self.period.to_state(),
            "reportKey": report_key(self.period),
        }


def resolve(execution_input: object, started_at: datetime, history_months: int) -> ReportRequest:
    """Validate the execution input and return the day to report on.

    `started_at` is the execution's start time: it bounds "the future" (a day is reportable once it has
    ended in UTC) and stays the same when the execution is redriven.
    """
    if not isinstance(execution_input, dict):
        raise InvalidReportRequest(
            f"the execution input must be a JSON object, got {excerpt(execution_input)}; {EXAMPLES}"
        )
    unknown = sorted(set(execution_input) - ALLOWED_FIELDS)
    if unknown:
        listed = ", ".join(excerpt(name, quoted=False) for name in unknown[:LISTED_NAMES])
        if len(unknown) > LISTED_NAMES:
            listed += f" and {len(unknown) - LISTED_NAMES:,} more"
        raise InvalidReportRequest(
            f"unknown field(s) {listed}; allowed: {', '.join(sorted(ALLOWED_FIELDS))}; {EXAMPLES}"
        )
    scheduled = "scheduledTime" in execution_input
    manual = "date" in execution_input
    if scheduled and (manual or "force" in execution_input):
        raise InvalidReportRequest(
            f"give either scheduledTime (a scheduled run) or date (a manual run), not both; {EXAMPLES}"
        )
    if not scheduled and not manual:
        raise InvalidReportRequest(f"no report day given; {EXAMPLES}")

    if scheduled:
        scheduled_at = _parse_timestamp(execution_input["scheduledTime"])
        report_date = scheduled_at.date() - timedelta(days=1)
        trigger, force = "schedule", False
    else:
        report_date = _parse_date(execution_input["date"])
        force = execution_input.get("force", False)
        if not isinstance(force, bool):
            raise InvalidReportRequest(f"force: must be true or false (a JSON boolean), got {excerpt(force)}")
        trigger = "manual"

    _check_reportable(report_date, started_at.astimezone(UTC).date(), history_months)
    return ReportRequest(report_date, trigger, force, _expiry(report_date, history_months))


def earliest_reportable_day(today: date, history_months: int) -> date:
    """First day Cost Explorer still holds: the current month and the `history_months` before it
    (AWS: "the current month and up to the previous 13 months"; older requests fail with
    "You haven't enabled historical data beyond 14 months")."""
    year, month = divmod(today.year * 12 + today.month - 1 - history_months, 12)
    return date(year, month + 1, 1)


def _check_reportable(report_date: date, today: date, history_months: int) -> None:
    if report_date >= today:
        latest = today - timedelta(days=1)
        raise InvalidReportRequest(
            f"date: {report_date.isoformat()} has not ended yet in UTC (the execution started on "
            f"{today.isoformat()}); the latest complete day is {latest.isoformat()}"
        )
    earliest = earliest_reportable_day(today, history_months)
    if report_date < earliest:
        raise InvalidReportRequest(
            f"date: {report_date.isoformat()} is older than Cost Explorer keeps (the current month and "
            f"the {history_months} before it); "
            f"the earliest day it holds is {earliest.isoformat()}"
        )


def _parse_date(value: object) -> date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise InvalidReportRequest(f"date: expected a day as YYYY-MM-DD, e.g. 2026-11-20, got {excerpt(value)}")
    year, month, day = (int(part) for part in value.split("-"))
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1] or year < 1:
        raise InvalidReportRequest(f"date: {excerpt(value, quoted=False)} is not a real calendar day")
    return date(year, month, day)


def _parse_timestamp(value: object) -> datetime:
    if not isinstance(value, str):
        raise InvalidReportRequest(
            f"scheduledTime: expected an ISO 8601 time with a zone, e.g. 2026-11-21T08:00:00Z, got {excerpt(value)}"
        )
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidReportRequest(
            f"scheduledTime: {excerpt(value)} is not an ISO 8601 time; expected e.g. 2026-11-21T08:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise InvalidReportRequest(
            f"scheduledTime: {excerpt(value)} has no time zone, so its UTC day is ambiguous; add Z or an offset"
        )
    return parsed.astimezone(UTC)


def _expiry(report_date: date, history_months: int) -> int:
    """Keep the record longer than the day stays reportable (until the end of the month `history_months`
    after its own), so any day a user can still ask for is still remembered as sent."""
    keep_until = report_date + timedelta(days=31 * (history_months + 2))
    return calendar.timegm(datetime.combine(keep_until, time(0), tzinfo=UTC).utctimetuple())
