"""FetchCosts: the day's report model from one Cost Explorer query, small enough for a state payload.

A thin edge: settings from the environment (once, at cold start), the event validated into a FetchRequest,
the pages fetched, then the pure modules: history.parse_history, history.not_ready, summarise.summarise.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from datetime import date

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config
from botocore.exceptions import ClientError

from fetch_costs.history import CostDataInvalid, not_ready, parse_history
from fetch_costs.query import build_request, report_window, short_window
from fetch_costs.settings import load_settings
from fetch_costs.summarise import summarise

__all__ = ["CostDataInvalid", "CostDataNotReady", "lambda_handler"]

logger = Logger(service="cost-notifier")
tracer = Tracer(service="cost-notifier")
metrics = Metrics(namespace="CostNotifier", service="cost-notifier")

# Read once at cold start: a bad setting fails every invocation with a sentence naming the variable.
SETTINGS = load_settings(os.environ)
# A runaway NextPageToken must not bill the user without limit (COST_EXPLORER_MAX_REQUESTS, default 10).
MAX_PAGES = SETTINGS.max_requests

# The message Cost Explorer gives for a Start older than the history it keeps.
_HISTORY_LIMIT = "historical data beyond"


class InvalidFetchRequest(Exception):
    """The state machine passed something other than {"reportDate": "YYYY-MM-DD"}."""


class CostExplorerThrottled(Exception):
    """Cost Explorer's LimitExceededException. The state machine retries this with backoff."""


class CostDataUnavailable(Exception):
    """Cost Explorer has no data for the day (not yet processed, or older than it keeps)."""


class CostDataNotReady(Exception):
    """Cost Explorer answered, but with no cost group at all for the report day while earlier days have
    some: it has not processed the day yet. The state machine retries this over hours, then fails the run
    without marking the day sent, so that a later redrive sends the right email instead of "$0.00"."""


class CostExplorerAccessDenied(Exception):
    """The function's role may not call ce:GetCostAndUsage, or Cost Explorer is not enabled."""


class CostDataIncomplete(Exception):
    """Pagination did not end within MAX_PAGES requests."""


@dataclass(frozen=True)
class FetchRequest:
    report_date: date

    @classmethod
    def from_event(cls, event: object) -> FetchRequest:
        if not isinstance(event, dict) or set(event) != {"reportDate"}:
            raise InvalidFetchRequest(f'expected {{"reportDate": "YYYY-MM-DD"}}, got {event!r:.200}')
        raw = event["reportDate"]
        if not isinstance(raw, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise InvalidFetchRequest(f"reportDate: expected YYYY-MM-DD, got {raw!r}")
        try:
            return cls(report_date=date.fromisoformat(raw))
        except ValueError:
            raise InvalidFetchRequest(f"reportDate: {raw} is not a real calendar day") from None


@functools.cache
def cost_explorer():
    """Created on first use, not at import. Cost Explorer has one endpoint, in us-east-1.
    botocore's own retries are off: every retried request is billed, and retry policy belongs to the
    state machine, where it is visible and the same for every task."""
    return boto3.client(
        "ce", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1, "mode": "standard"})
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    request = FetchRequest.from_event(event)
    history = fetch_history(request.report_date, SETTINGS.metric)
    reason = not_ready(history, request.report_date)
    if reason is not None:
        raise CostDataNotReady(reason)
    if history.unclassified_record_types:
        # Shown as lines of their own (history.RECORD_TYPES lacks them): the report is right, but the table
        # needs them, with where they belong.
        logger.warning(
            "Cost Explorer returned record types this report does not classify",
            extra={"recordTypes": history.unclassified_record_types},
        )
    report = summarise(history, request.report_date, SETTINGS)
    metrics.add_metric(name="CostExplorerRequests", unit=MetricUnit.Count, value=report.requests)
    metrics.add_metric(name="ReportedDailyTotal", unit=MetricUnit.NoUnit, value=float(report.total))
    metrics.add_metric(name="Anomalies", unit=MetricUnit.Count, value=report.anomaly_count)
    state = report.to_state()
    logger.info(
        "Costs fetched",
        extra={
            "reportDate": state["reportDate"],
            "total": state["total"],
            "currency": state["currency"],
            "requests": report.requests,
            "services": report.service_count,
            "alerts": state["alerts"],
            "historyStart": history.start.isoformat(),
        },
    )
    return state


@tracer.capture_method
def fetch_history(report_date: date, metric: str):
    """The report's history: one query, every page of it. If Cost Explorer keeps nothing before the report
    day's month (a manual run for its oldest month), the query is repeated from the 1st of that month."""
    start, end = report_window(report_date)
    try:
        pages = fetch_pages(report_date, start, end, metric)
        return parse_history(start, end, metric, pages)
    except _HistoryLimit:
        start, end = short_window(report_date)
        logger.warning(
            "Cost Explorer keeps nothing before the report month; fetching from its 1st",
            extra={"start": start.isoformat()},
        )
        pages = fetch_pages(report_date, start, end, metric, already_billed=1)
        return parse_history(start, end, metric, pages, requests=len(pages) + 1)


class _HistoryLimit(Exception):
    pass


def fetch_pages(report_date: date, start: date, end: date, metric: str, already_billed: int = 0) -> list[dict]:
    pages: list[dict] = []
    token = None
    while True:
        if len(pages) + already_billed >= MAX_PAGES:
            raise CostDataIncomplete(
                f"Cost Explorer was still paginating after {MAX_PAGES} requests for {start} to {end}; "
                f"stopped to cap the charge at ${MAX_PAGES / 100:.2f}. An organisation this large needs a "
                "higher COST_EXPLORER_MAX_REQUESTS (up to 100); if it is already high, report this with "
                "the execution ARN."
            )
        pages.append(_get_cost_and_usage(build_request(start, end, metric, token), report_date))
        token = pages[-1].get("NextPageToken")
        if not token:
            return pages


def _get_cost_and_usage(request: dict, report_date: date) -> dict:
    try:
        return cost_explorer().get_cost_and_usage(**request)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        period = f"{request['TimePeriod']['Start']} to {request['TimePeriod']['End']} (End exclusive)"
        if code == "LimitExceededException":
            raise CostExplorerThrottled(
                f"Cost Explorer throttled the request for {report_date} ({period}): {message}"
            ) from error
        if code == "ValidationException" and _HISTORY_LIMIT in message and "NextPageToken" not in request:
            raise _HistoryLimit() from error
        if code in ("DataUnavailableException", "BillExpirationException"):
            raise CostDataUnavailable(
                f"Cost Explorer has no data for {report_date} (asked for {period}; {code}: {message}). Data "
                "for a day is usually complete within 24 hours; days older than Cost Explorer keeps cannot "
                "be reported."
            ) from error
        if code in ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation"):
            raise CostExplorerAccessDenied(
                f"Cost Explorer refused the request ({code}: {message}). Grant the fetch_costs role "
                "ce:GetCostAndUsage, and enable Cost Explorer in the Billing console if it never was."
            ) from error
        raise
