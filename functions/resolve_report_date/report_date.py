"""Which day a run reports on. Pure: no boto3, no environment, no clock (the caller passes the time).

A scheduled run is keyed by the time it was *scheduled* for, never by when it happens to execute:
EventBridge Scheduler puts `<aws.scheduler.scheduled-time>` into the input, and the report covers the
last complete UTC day before it. A late, retried or redriven execution therefore reports on the same day.
Cost Explorer days are UTC days, so everything here is UTC.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

SCHEDULED_FIELDS = frozenset({"scheduledTime"})
MANUAL_FIELDS = frozenset({"date", "force"})
ALLOWED_FIELDS = SCHEDULED_FIELDS | MANUAL_FIELDS

EXAMPLES = (
    'a scheduled run sends {"scheduledTime": "2026-11-21T08:00:00Z"}; '
    'a manual run sends {"date": "2026-11-20"} or {"date": "2026-11-20", "force": true}'
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidReportRequest(Exception):
    """The execution input cannot name a report day. The class name is the error Step Functions shows."""


@dataclass(frozen=True)
class ReportRequest:
    report_date: date
    trigger: str  # "schedule" or "manual"
    force: bool
    expires_at: int  # epoch seconds for the DynamoDB TTL of this day's record

    def to_state(self) -> dict:
        return {
            "reportDate": self.report_date.isoformat(),
            "trigger": self.trigger,
            "force": self.force,
            # DynamoDB's N type travels as a string in the typed JSON the state machine writes.
            "expiresAt": str(self.expires_at),
        }


def resolve(execution_input: object, started_at: datetime, history_months: int) -> ReportRequest:
    """Validate the execution input and return the day to report on.

    `started_at` is the execution's start time: it bounds "the future" (a day is reportable once it has
    ended in UTC) and stays the same when the execution is redriven.
    """
    if not isinstance(execution_input, dict):
        raise InvalidReportRequest(f"the execution input must be a JSON object; {EXAMPLES}")
    unknown = sorted(set(execution_input) - ALLOWED_FIELDS)
    if unknown:
        raise InvalidReportRequest(
            f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(ALLOWED_FIELDS))}; {EXAMPLES}"
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
            raise InvalidReportRequest(f"force: must be true or false (a JSON boolean), got {force!r}")
        trigger = "manual"

    _check_reportable(report_date, started_at.astimezone(timezone.utc).date(), history_months)
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
        raise InvalidReportRequest(f"date: expected a day as YYYY-MM-DD, e.g. 2026-11-20, got {value!r}")
    year, month, day = (int(part) for part in value.split("-"))
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1] or year < 1:
        raise InvalidReportRequest(f"date: {value} is not a real calendar day")
    return date(year, month, day)


def _parse_timestamp(value: object) -> datetime:
    if not isinstance(value, str):
        raise InvalidReportRequest(
            f"scheduledTime: expected an ISO 8601 time with a zone, e.g. 2026-11-21T08:00:00Z, got {value!r}"
        )
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidReportRequest(
            f"scheduledTime: {value!r} is not an ISO 8601 time; expected e.g. 2026-11-21T08:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise InvalidReportRequest(
            f"scheduledTime: {value!r} has no time zone, so its UTC day is ambiguous; add Z or an offset"
        )
    return parsed.astimezone(timezone.utc)


def _expiry(report_date: date, history_months: int) -> int:
    """Keep the record longer than the day stays reportable (until the end of the month `history_months`
    after its own), so any day a user can still ask for is still remembered as sent."""
    keep_until = report_date + timedelta(days=31 * (history_months + 2))
    return calendar.timegm(datetime.combine(keep_until, time(0), tzinfo=timezone.utc).utctimetuple())
