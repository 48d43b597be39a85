"""ResolveReportDate: the first state. Validates the execution input and names the report day."""

from __future__ import annotations

import os
from datetime import datetime

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from resolve_report_date.report_date import InvalidReportRequest, excerpt, resolve

logger = Logger(service="cost-notifier")
tracer = Tracer(service="cost-notifier")


def _history_months() -> int:
    """COST_EXPLORER_HISTORY_MONTHS: months before the current one that Cost Explorer holds; 13 by
    default, up to 38 for accounts with multi-year data enabled."""
    raw = os.environ.get("COST_EXPLORER_HISTORY_MONTHS", "").strip() or "13"  # unset or empty: the default
    if not raw.isdigit() or not 13 <= int(raw) <= 38:
        raise RuntimeError(
            f"COST_EXPLORER_HISTORY_MONTHS={excerpt(raw)} is not allowed: use a whole number from 13 to 38 "
            "(13 is Cost Explorer's default; 38 if multi-year data is enabled)"
        )
    return int(raw)


# Read once at cold start: a bad setting fails every invocation with the same clear message.
HISTORY_MONTHS = _history_months()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    if not isinstance(event, dict) or "input" not in event or "executionStartTime" not in event:
        raise InvalidReportRequest(
            "the state machine must pass {'input': <execution input>, 'executionStartTime': $$.Execution.StartTime}"
        )
    try:
        started_at = datetime.fromisoformat(event["executionStartTime"])
    except (TypeError, ValueError):
        raise InvalidReportRequest(
            f"executionStartTime: {excerpt(event['executionStartTime'])} is not an ISO 8601 time"
        ) from None
    request = resolve(event["input"], started_at, HISTORY_MONTHS)
    logger.info("Report day resolved", extra=request.to_state())
    return request.to_state()
