"""Which reports a scheduled run sends, and for which periods. Pure: the caller passes the time.

The periods end with the last complete UTC day before the scheduled time (Cost Explorer's days are UTC
days): a daily report covers that day; a weekly report the latest ISO week (Monday to Sunday) that has
ended by then; a monthly report the latest calendar month that has ended by then. A report's time zone
decides whether it is due: a weekly report on its day_of_week, a monthly report on its day_of_month, each
as the calendar says where its readers are at the scheduled time. So the schedule must run every day
(Terraform refuses a weekly or monthly report with a schedule that does not).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from report_contract.period import CADENCE_PERIOD, ReportPeriod
from report_contract.spec import DAYS_OF_WEEK, ReportSpec


def local_day(spec: ReportSpec, instant: datetime) -> date:
    """The calendar day at `instant` where the report's readers are."""
    return instant.astimezone(ZoneInfo(spec.time_zone)).date()


def is_due(spec: ReportSpec, instant: datetime) -> bool:
    if spec.cadence == "weekly":
        return local_day(spec, instant).weekday() == DAYS_OF_WEEK.index(spec.day_of_week)
    if spec.cadence == "monthly":
        return local_day(spec, instant).day == spec.day_of_month
    return True


def due_reports(reports: tuple[ReportSpec, ...], scheduled_at: datetime) -> list[tuple[ReportSpec, ReportPeriod]]:
    """Every report due at `scheduled_at`, with the period it covers, in the order given."""
    last_complete_day = scheduled_at.astimezone(UTC).date() - timedelta(days=1)
    return [
        (spec, ReportPeriod.latest_complete(CADENCE_PERIOD[spec.cadence], last_complete_day))
        for spec in reports
        if is_due(spec, scheduled_at)
    ]
