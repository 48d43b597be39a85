"""Whether the day before the report day has changed since its report was sent. Pure: no boto3, no clock.

ReadPreviousReport (the state before FetchCosts) reads the previous period's record with GetItem and
passes its answer as it is: {"Item": {"status": {"S": "SENT"}, "total": {"N": "..."}, "sentAt": {"S":
"..."}, "currency": {"S": "USD"}}}; {} when there is no record (the first report, or one expired by its
TTL); {"Error", "Cause"} when the read failed (its Catch). Cost Explorer keeps revising recent days (it
marks them estimated until the month's bill is final), so the figure a report sent can move afterwards.
A daily report says so when the day before, as it now shows it (`dayBefore`), differs from the total its
report sent by at least REVISED_MIN_AMOUNT and REVISED_MIN_PERCENT % of it. Anything else says nothing:
the line is optional, and a record it cannot read is never an error.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from report_contract import CostReport, Revised

from fetch_costs.settings import ReportSettings

SENT = "SENT"  # the record's status once MarkSent has stored its total and sentAt


def revised(previous: object, report: CostReport, settings: ReportSettings) -> Revised | None:
    """The Revised figure of the day before, or None: no sent record, another currency, a weekly or
    monthly report, no figure now, or a change under the thresholds."""
    if report.period is not None or report.day_before is None:
        return None
    sent = sent_record(previous)
    if sent is None or sent[2] != report.currency:
        return None
    sent_total, sent_at, _ = sent
    change = abs(report.day_before - sent_total)
    if change == 0 or change < settings.revised_min_amount:
        return None
    if sent_total != 0 and change * 100 < settings.revised_min_percent * abs(sent_total):
        return None
    return Revised(report.report_date - timedelta(days=1), sent_total, report.day_before, sent_at)


def sent_record(previous: object) -> tuple[Decimal, datetime, str] | None:
    """(total, sentAt, currency) of a SENT record in GetItem's typed JSON; None for anything else."""
    item = previous.get("Item") if isinstance(previous, dict) else None
    if not isinstance(item, dict) or _text(item, "status", "S") != SENT:
        return None
    total, sent_at, currency = _text(item, "total", "N"), _text(item, "sentAt", "S"), _text(item, "currency", "S")
    if total is None or sent_at is None or currency is None:
        return None
    try:
        amount, when = Decimal(total), datetime.fromisoformat(sent_at)
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or when.tzinfo is None:
        return None
    return amount, when, currency


def _text(item: dict[str, object], name: str, kind: str) -> str | None:
    value = item.get(name)
    found = value.get(kind) if isinstance(value, dict) else None
    return found if isinstance(found, str) else None
