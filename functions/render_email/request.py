"""The render_email input, parsed and validated once, at the edge.

The report inside it is the contract shared with FetchCosts (report_contract.CostReport.from_state): a
malformed event, or a report whose figures do not reconcile exactly, raises InvalidRenderRequest (the
error name Step Functions sees) with a message that names the field, what was wrong and what is allowed.
Fields this version does not know are ignored, so FetchCosts can add one before RenderEmail draws it.

"channels" is the report's `chat` as ResolveReportDate passed it on (report_contract.spec: {name, type} each;
absent or null: none), refused by the declaration's rules.

The definition also passes the run's "force" and "previous" (the day's record as CheckAlreadySent read
it: the whole GetItem result, `{}` when there was none). When the run is forced and that record was SENT, the email is a
resend and says when the day was first sent (its sentAt). Both are optional, so an event from a definition
that does not pass them yet renders as a first send; present and malformed, they are refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from report_contract import CostReport, InvalidReport
from report_contract.limits import MAX_OTHER_ADJUSTMENTS
from report_contract.spec import ChatChannel, InvalidReportSpec, parse_chat
from report_contract.wire import as_object, read_bool, read_date, read_name, read_object, require, show

__all__ = ["MAX_OTHER_ADJUSTMENTS", "InvalidRenderRequest", "RenderRequest"]  # the first for test_record_types


class InvalidRenderRequest(ValueError):
    """The event given to render_email is malformed; the email is not rendered."""


@dataclass(frozen=True)
class RenderRequest:
    """What the state machine passes to RenderEmail: {"reportDate": ..., "costs": {...}, "force": ...,
    "previous": {...}}."""

    report_date: date
    costs: CostReport
    first_sent: datetime | None = None  # a forced resend of a SENT day: when it was first sent (UTC)
    channels: tuple[ChatChannel, ...] = ()  # the report's chat channels: one message each

    @classmethod
    def from_event(cls, event: Any) -> RenderRequest:
        try:
            data = as_object(event, "event", 'with "reportDate" and "costs"')
            report_date = read_date(data, "reportDate", "")
            costs = CostReport.from_state(require(data, "costs", ""), "costs")
            first_sent = _first_sent(data)
            channels = parse_chat(costs.report.id, data.get("channels"))
        except (InvalidReport, InvalidReportSpec) as error:
            raise InvalidRenderRequest(str(error)) from error
        if costs.report_date != report_date:
            raise InvalidRenderRequest(
                f"costs.reportDate: {costs.report_date.isoformat()} is not the day being reported "
                f"(reportDate {report_date.isoformat()}); both must name the same day"
            )
        return cls(report_date=report_date, costs=costs, first_sent=first_sent, channels=channels)


def _first_sent(data: Any) -> datetime | None:
    """previous.Item.sentAt.S when the run is forced and the record it read was SENT, else None (a first
    send, or a forced run of a day that was claimed but never sent)."""
    force = read_bool(data, "force", "") if "force" in data else False
    previous = read_object(data, "previous", "", "the GetItem result") if "previous" in data else {}
    if not force or "Item" not in previous:
        return None
    item = read_object(previous, "Item", "previous", "the day's record")
    status = read_object(item, "status", "previous.Item", 'a DynamoDB string, {"S": ...}')
    if read_name(status, "S", "previous.Item.status") != "SENT":
        return None
    sent_at = read_object(item, "sentAt", "previous.Item", 'a DynamoDB string, {"S": ...}')
    return _parse_time(read_name(sent_at, "S", "previous.Item.sentAt"), "previous.Item.sentAt.S")


def _parse_time(value: str, path: str) -> datetime:
    allowed = 'an ISO 8601 time in UTC, e.g. "2026-11-21T08:00:07.123Z"'
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidReport(f"{path}: {show(value)} is not {allowed}") from None
    if parsed.utcoffset() is None:
        raise InvalidReport(f"{path}: {show(value)} has no time zone; expected {allowed}")
    return parsed.astimezone(UTC)
