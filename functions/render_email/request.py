"""The render_email input, parsed and validated once, at the edge.

The report inside it is the contract shared with FetchCosts (report_contract.CostReport.from_state): a
malformed event, or a report whose figures do not reconcile exactly, raises InvalidRenderRequest (the
error name Step Functions sees) with a message that names the field, what was wrong and what is allowed.
Fields this version does not know are ignored, so FetchCosts can add one before RenderEmail draws it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from report_contract import CostReport, InvalidReport
from report_contract.limits import MAX_OTHER_ADJUSTMENTS
from report_contract.wire import as_object, read_date, require

__all__ = ["MAX_OTHER_ADJUSTMENTS", "InvalidRenderRequest", "RenderRequest"]  # the first for test_record_types


class InvalidRenderRequest(ValueError):
    """The event given to render_email is malformed; the email is not rendered."""


@dataclass(frozen=True)
class RenderRequest:
    """What the state machine passes to RenderEmail: {"reportDate": ..., "costs": {...}}."""

    report_date: date
    costs: CostReport

    @classmethod
    def from_event(cls, event: Any) -> RenderRequest:
        try:
            data = as_object(event, "event", 'with "reportDate" and "costs"')
            report_date = read_date(data, "reportDate", "")
            costs = CostReport.from_state(require(data, "costs", ""), "costs")
        except InvalidReport as error:
            raise InvalidRenderRequest(str(error)) from error
        if costs.report_date != report_date:
            raise InvalidRenderRequest(
                f"costs.reportDate: {costs.report_date.isoformat()} is not the day being reported "
                f"(reportDate {report_date.isoformat()}); both must name the same day"
            )
        return cls(report_date=report_date, costs=costs)
