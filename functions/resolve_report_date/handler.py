"""ResolveReportDate: the first state. Validates the execution input and names the report day and period.

A thin edge: the event checked, then the pure report_date.resolve with the settings (settings.settings(),
read from the environment on first use).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from resolve_report_date.errors import InvalidReportRequest
from resolve_report_date.report_date import excerpt, resolve
from resolve_report_date.settings import settings

logger = Logger(service="cost-notifier")
tracer = Tracer(service="cost-notifier")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    history_months = settings().history_months  # a bad setting fails every invocation, naming the variable
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
    state = resolve(event["input"], started_at, history_months).to_state()
    logger.info("Report day resolved", extra=state)
    return state
