"""What a run does, and for which report and period. Pure: no boto3, no environment, no clock (the caller
passes the time and the deployment's reports).

A run either dispatches or reports. A scheduled run ({"scheduledTime"}) or a manual run for a day
({"date"}) dispatches: it names every report due and the period each covers, and the state machine starts
one child execution per report. A child (or a manual run of one report, {"report", "period" | "date"})
reports on one (report, period).

A scheduled run is keyed by the time it was *scheduled* for, never by when it happens to execute:
EventBridge Scheduler puts `<aws.scheduler.scheduled-time>` into the input, and the periods end with the
last complete UTC day before it (due.py). A late, retried or redriven execution therefore reports on the
same periods. Cost Explorer days are UTC days, so periods are UTC days; a report's time zone only says
which day of the week or month it is where its readers are.

The DynamoDB key of a (report, period) record is ReportRequest.report_key: for the default report the
period's key alone, as records have always been keyed. ReportRequest.previous_key is the previous period's,
built the same way.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from report_contract.excerpt import excerpt
from report_contract.period import CADENCE_PERIOD, InvalidPeriod, ReportPeriod
from report_contract.spec import ReportSpec

from resolve_report_date.due import due_reports
from resolve_report_date.errors import InvalidReportRequest

SCHEDULED_FIELDS = frozenset({"scheduledTime"})
MANUAL_FIELDS = frozenset({"date", "force"})
ALLOWED_FIELDS = SCHEDULED_FIELDS | MANUAL_FIELDS
# A child execution's input, and a manual run of one report. Step Functions reads
# AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID to link a child to its parent in the console
# (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-nested-workflows.html).
PARENT_FIELD = "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"
# "shared": the run's shared Cost Explorer answer for the report's shape (fetch_costs.sharing), or null.
REPORT_FIELDS = frozenset({"report", "period", "date", "force", "trigger", "shared", PARENT_FIELD})
TRIGGERS = ("schedule", "manual")

EXAMPLES = (
    'a scheduled run sends {"scheduledTime": "2026-11-21T08:00:00Z"}; '
    'a manual run sends {"date": "2026-11-20"} or {"date": "2026-11-20", "force": true} (every daily report), '
    'or {"report": "<id>", "period": "2026-11-20" | "2026-W47" | "2026-11"} (one report)'
)
_KEY_EXAMPLES = {"day": "2026-11-20", "week": "2026-W47", "month": "2026-11"}

_DATE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")  # \Z, not $: "$" also matches before a trailing newline

# How many unknown field names a refusal lists before it only counts the rest.
LISTED_NAMES = 5


@dataclass(frozen=True)
class ReportRequest:
    """One report for one period: what a per-report run claims, fetches, renders and sends."""

    spec: ReportSpec
    period: ReportPeriod
    trigger: str  # "schedule" or "manual"
    force: bool
    expires_at: int  # epoch seconds for the DynamoDB TTL of the period's record
    shared: dict[str, str] | None = None  # the run's shared answer for the report's shape, if any

    @property
    def report_date(self) -> date:
        """The period's last day (the day itself, for a daily report)."""
        return self.period.last_day

    @property
    def report_key(self) -> str:
        """The DynamoDB key of the (report, period) record: what marks it claimed and sent. For the default
        report, the period's key alone ("2026-11-20", as records were keyed before reports existed); for
        any other, "<report id>/<period key>" ("team-payments/2026-W47")."""
        return self.record_key(self.period)

    @property
    def previous_key(self) -> str:
        """The key of the previous period's record ("2026-11-19" before "2026-11-20"): ReadPreviousReport
        reads what the previous report said when it was sent, for the "Revised" line (fetch_costs.revised)."""
        return self.record_key(self.period.previous())

    def record_key(self, period: ReportPeriod) -> str:
        """The key of this report's record for `period`: the one definition of how records are keyed."""
        return self.spec.record_prefix + period.key

    def to_state(self) -> dict[str, object]:
        return {
            "reportId": self.spec.id,
            "reportDate": self.report_date.isoformat(),
            "trigger": self.trigger,
            "force": self.force,
            # DynamoDB's N type travels as a string in the typed JSON the state machine writes.
            "expiresAt": str(self.expires_at),
            "period": self.period.to_state(),
            "reportKey": self.report_key,
            "previousKey": self.previous_key,
            "recipients": list(self.spec.recipients),
            "report": self.spec.to_state(),
            "shared": self.shared,
        }


@dataclass(frozen=True)
class DueReport:
    """A report a dispatching run starts as a child execution of its own, with a name that is the same
    whenever this run asks again (a retry after a lost answer starts no second child)."""

    spec: ReportSpec
    period: ReportPeriod
    trigger: str
    force: bool
    parent_name: str

    @property
    def child_name(self) -> str:
        # At most 40 + 1 + 10 + 1 + 12 = 64 of the 80 characters an execution name may have, each a letter,
        # digit or dash (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
        digest = hashlib.sha256(self.parent_name.encode()).hexdigest()[:12]
        return f"{self.spec.id}-{self.period.key}-{digest}"

    def to_state(self) -> dict[str, object]:
        return {
            "name": self.child_name,
            "input": {
                "report": self.spec.id,
                "period": self.period.key,
                "force": self.force,
                "trigger": self.trigger,
                "shared": None,  # FetchSharedCosts fills it for a report whose shape's answer the run shares
            },
        }


@dataclass(frozen=True)
class Resolved:
    """What ResolveReportDate returns: one report to send (a per-report run), or the reports due (a
    dispatching run). The other is null, so the state machine's Choice reads one shape."""

    request: ReportRequest | None = None
    due: tuple[DueReport, ...] | None = None

    def to_state(self, due_key: str | None = None, concurrency: int = 1) -> dict[str, object]:
        """The state: the request, or the due reports' count, the day their daily reports cover and where
        their list is (`due_key`, written by the handler: due_items()), with how many children to start a
        second. Never the list itself: the state is the same size for 2 reports or 10,000."""
        if self.request is not None:
            return {"request": self.request.to_state(), "due": None}
        due = self.due or ()
        days = sorted({report.period.last_day for report in due if report.period.kind == "day"})
        return {
            "request": None,
            "due": {
                "count": len(due),
                # The day the run's daily reports cover (FetchSharedCosts shares their queries), or null.
                "reportDate": days[0].isoformat() if days else None,
                "key": due_key,
                "concurrency": concurrency,
            },
        }

    def due_items(self) -> list[dict[str, object]]:
        """One item per due report, for the Distributed Map's ItemReader: the child's name and input."""
        return [report.to_state() for report in self.due or ()]


def resolve(
    execution_input: object,
    started_at: datetime,
    history_months: int,
    reports: tuple[ReportSpec, ...],
    execution_name: str = "",
) -> Resolved:
    """Validate the execution input and say what this run does.

    * {"report": id, "period": key | "date": day, "force"?}: run that one report for that period (the
      input of each child execution, and a manual run of one report);
    * {"scheduledTime": ...}: start a child for every report due at that time (a scheduled run);
    * {"date": day, "force"?}: start a child for every daily report, for that day (a manual run).

    `started_at` is the execution's start time: it bounds "the future" (a period is reportable once it
    has ended in UTC) and stays the same when the execution is redriven.
    """
    fields = _fields(execution_input)
    today = started_at.astimezone(UTC).date()
    if "report" in fields:
        return Resolved(request=_one_report(fields, today, history_months, reports))
    if "scheduledTime" in fields:
        if set(fields) - SCHEDULED_FIELDS:
            raise InvalidReportRequest(
                f"give either scheduledTime (a scheduled run) or date (a manual run), not both; {EXAMPLES}"
            )
        scheduled_at = _parse_timestamp(fields["scheduledTime"])
        due = due_reports(reports, scheduled_at)
        trigger, force = "schedule", False
    elif "date" in fields:
        day = _parse_date(fields["date"], "date")
        due = [(spec, ReportPeriod.day(day)) for spec in reports if spec.cadence == "daily"]
        trigger, force = "manual", _force(fields)
    else:
        raise InvalidReportRequest(f"no report day given; {EXAMPLES}")
    for _, period in due:
        _check_reportable(period, today, history_months, "scheduledTime" if "scheduledTime" in fields else "date")
    return Resolved(due=tuple(DueReport(spec, period, trigger, force, execution_name) for spec, period in due))


def _fields(execution_input: object) -> dict[str, object]:
    if not isinstance(execution_input, dict):
        raise InvalidReportRequest(
            f"the execution input must be a JSON object, got {excerpt(execution_input)}; {EXAMPLES}"
        )
    allowed = REPORT_FIELDS if "report" in execution_input else ALLOWED_FIELDS
    unknown = sorted(set(execution_input) - allowed)
    if unknown:
        listed = ", ".join(excerpt(name, quoted=False) for name in unknown[:LISTED_NAMES])
        if len(unknown) > LISTED_NAMES:
            listed += f" and {len(unknown) - LISTED_NAMES:,} more"
        raise InvalidReportRequest(f"unknown field(s) {listed}; allowed: {', '.join(sorted(allowed))}; {EXAMPLES}")
    return execution_input


def _force(fields: dict[str, object]) -> bool:
    force = fields.get("force", False)
    if not isinstance(force, bool):
        raise InvalidReportRequest(f"force: must be true or false (a JSON boolean), got {excerpt(force)}")
    return force


def _one_report(
    fields: dict[str, object], today: date, history_months: int, reports: tuple[ReportSpec, ...]
) -> ReportRequest:
    by_id = {spec.id: spec for spec in reports}
    report_id = fields["report"]
    if not isinstance(report_id, str) or report_id not in by_id:
        raise InvalidReportRequest(
            f"report: {excerpt(report_id)} is not a report of this deployment; its reports are "
            f"{excerpt(', '.join(sorted(by_id)), quoted=False)}"
        )
    spec = by_id[report_id]
    kind = CADENCE_PERIOD[spec.cadence]
    if ("period" in fields) == ("date" in fields):
        raise InvalidReportRequest(
            f"give the period to report on as period (e.g. {_KEY_EXAMPLES[kind]}) or as date (a day in it), "
            f"not both or neither; {EXAMPLES}"
        )
    if "period" in fields:
        key = fields["period"]
        try:
            period = ReportPeriod.from_key(kind, key if isinstance(key, str) else repr(key))
        except InvalidPeriod as error:
            raise InvalidReportRequest(f"period: {error} (report {spec.id} is {spec.cadence})") from None
    else:
        period = ReportPeriod.of(kind, _parse_date(fields["date"], "date"))
    trigger = fields.get("trigger", "manual")
    if trigger not in TRIGGERS:
        raise InvalidReportRequest(f"trigger: {excerpt(trigger)} is not allowed: use one of {', '.join(TRIGGERS)}")
    _check_reportable(period, today, history_months, "period" if "period" in fields else "date")
    expiry = _expiry(period.last_day, history_months)
    return ReportRequest(spec, period, str(trigger), _force(fields), expiry, _shared(fields.get("shared")))


def _shared(value: object) -> dict[str, str] | None:
    """The shared answer a dispatching run passed: null, or {"key", "fetchedAt"} (text)."""
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or set(value) != {"key", "fetchedAt"}
        or not all(isinstance(v, str) for v in value.values())
    ):
        raise InvalidReportRequest(
            f'shared: expected null or {{"key": "...", "fetchedAt": "..."}}, got {excerpt(value)}'
        )
    return {"key": value["key"], "fetchedAt": value["fetchedAt"]}


def earliest_reportable_day(today: date, history_months: int) -> date:
    """First day Cost Explorer still holds: the current month and the `history_months` before it
    (AWS: "the current month and up to the previous 13 months"; older requests fail with
    "You haven't enabled historical data beyond 14 months")."""
    year, month = divmod(today.year * 12 + today.month - 1 - history_months, 12)
    return date(year, month + 1, 1)


def _check_reportable(period: ReportPeriod, today: date, history_months: int, field: str) -> None:
    """`field` is the input field the period came from, which the refusal names."""
    if period.end > today:
        latest = ReportPeriod.latest_complete(period.kind, today - timedelta(days=1))
        raise InvalidReportRequest(
            f"{field}: {period.kind} {period.key} has not ended yet in UTC (the execution started on "
            f"{today.isoformat()}); the latest complete {period.kind} is {latest.key}"
        )
    earliest = earliest_reportable_day(today, history_months)
    if period.start < earliest:
        raise InvalidReportRequest(
            f"{field}: {period.kind} {period.key} is older than Cost Explorer keeps (the current month and "
            f"the {history_months} before it); "
            f"the earliest day it holds is {earliest.isoformat()}"
        )


def _parse_date(value: object, field: str) -> date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise InvalidReportRequest(f"{field}: expected a day as YYYY-MM-DD, e.g. 2026-11-20, got {excerpt(value)}")
    year, month, day = (int(part) for part in value.split("-"))
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1] or year < 1:
        raise InvalidReportRequest(f"{field}: {excerpt(value, quoted=False)} is not a real calendar day")
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
