"""FetchCosts: one day's cost per service from Cost Explorer, small enough for a state payload."""

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

from fetch_costs.costs import COST_METRICS, build_request, summarise

logger = Logger(service="cost-notifier")
tracer = Tracer(service="cost-notifier")
metrics = Metrics(namespace="CostNotifier", service="cost-notifier")

# A runaway NextPageToken must not bill the user without limit: a day grouped by service is one page
# for almost every account, and a handful for the largest organisations.
MAX_PAGES = 10


class InvalidFetchRequest(Exception):
    """The state machine passed something other than {"reportDate": "YYYY-MM-DD"}."""


class CostExplorerThrottled(Exception):
    """Cost Explorer's LimitExceededException. The state machine retries this with backoff."""


class CostDataUnavailable(Exception):
    """Cost Explorer has no data for the day (not yet processed, or older than it keeps)."""


class CostExplorerAccessDenied(Exception):
    """The function's role may not call ce:GetCostAndUsage, or Cost Explorer is not enabled."""


class CostDataIncomplete(Exception):
    """Pagination did not end within MAX_PAGES requests."""


@dataclass(frozen=True)
class Settings:
    metric: str

    @classmethod
    def from_environment(cls, environ: dict) -> "Settings":
        metric = environ.get("COST_METRIC", "UnblendedCost")
        if metric not in COST_METRICS:
            raise RuntimeError(f"COST_METRIC={metric!r} is not allowed: use one of {', '.join(COST_METRICS)}")
        return cls(metric=metric)


@dataclass(frozen=True)
class FetchRequest:
    report_date: date

    @classmethod
    def from_event(cls, event: object) -> "FetchRequest":
        if not isinstance(event, dict) or set(event) != {"reportDate"}:
            raise InvalidFetchRequest(f'expected {{"reportDate": "YYYY-MM-DD"}}, got {event!r:.200}')
        raw = event["reportDate"]
        if not isinstance(raw, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise InvalidFetchRequest(f"reportDate: expected YYYY-MM-DD, got {raw!r}")
        try:
            return cls(report_date=date.fromisoformat(raw))
        except ValueError:
            raise InvalidFetchRequest(f"reportDate: {raw} is not a real calendar day") from None


SETTINGS = Settings.from_environment(dict(os.environ))


@functools.cache
def cost_explorer():
    """Created on first use, not at import. Cost Explorer has one endpoint, in us-east-1.
    botocore's own retries are off: every retried request is billed, and retry policy belongs to the
    state machine, where it is visible and the same for every task."""
    return boto3.client("ce", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    request = FetchRequest.from_event(event)
    pages = fetch_pages(request.report_date, SETTINGS.metric)
    costs = summarise(request.report_date, SETTINGS.metric, pages)
    metrics.add_metric(name="CostExplorerRequests", unit=MetricUnit.Count, value=costs.requests)
    metrics.add_metric(name="ReportedDailyTotal", unit=MetricUnit.NoUnit, value=float(costs.total))
    logger.info(
        "Costs fetched",
        extra={"reportDate": request.report_date.isoformat(), "services": len(costs.services),
               "total": str(costs.total), "currency": costs.currency, "requests": costs.requests},
    )
    return costs.to_state()


@tracer.capture_method
def fetch_pages(report_date: date, metric: str) -> list[dict]:
    pages: list[dict] = []
    token = None
    while True:
        if len(pages) == MAX_PAGES:
            raise CostDataIncomplete(
                f"Cost Explorer was still paginating after {MAX_PAGES} requests for {report_date}; "
                "stopped to avoid unbounded charges. Report this with the execution ARN."
            )
        pages.append(_get_cost_and_usage(build_request(report_date, metric, token)))
        token = pages[-1].get("NextPageToken")
        if not token:
            return pages


def _get_cost_and_usage(request: dict) -> dict:
    try:
        return cost_explorer().get_cost_and_usage(**request)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        day = request["TimePeriod"]["Start"]
        if code == "LimitExceededException":
            raise CostExplorerThrottled(f"Cost Explorer throttled the request for {day}: {message}") from error
        if code in ("DataUnavailableException", "BillExpirationException"):
            raise CostDataUnavailable(
                f"Cost Explorer has no data for {day} ({code}: {message}). Data for a day is usually "
                "complete within 24 hours; days older than Cost Explorer keeps cannot be reported."
            ) from error
        if code in ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation"):
            raise CostExplorerAccessDenied(
                f"Cost Explorer refused the request ({code}: {message}). Grant the fetch_costs role "
                "ce:GetCostAndUsage, and enable Cost Explorer in the Billing console if it never was."
            ) from error
        raise
