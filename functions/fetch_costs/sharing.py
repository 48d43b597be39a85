"""One query per shape, for the reports a scheduled run sends together, kept in S3 for their children.

FetchSharedCosts (a state of the dispatching run, before StartEachReport) calls FetchCosts with
{"share": {...}}: of the daily reports due, those whose scope is on the same dimension and whose
breakdown and metric are the same (fetch_costs.shared.Shape) are answered by one set of requests (at most
3, plus pages) instead of one query each, when that is fewer requests. The answers are sliced there, one
report at a time (fetch_costs.shared.slice_answers), and each report's slice goes to S3: its child input
gets {"shared": {"key", "fetchedAt"}}, and its FetchCosts reads its slice (the pages its own query would
have returned, a fraction of the shape's answer) instead of asking Cost Explorer, as long as the slice is
fresh (SHARED_ANSWER_MAX_AGE); on a later retry or redrive it asks for itself, so a
day Cost Explorer had not finished is fetched again, not read stale.

The bucket is the environment variable SHARED_COSTS_BUCKET (Terraform's `aws_s3_bucket.shared_costs`;
objects expire after a day). Nothing here decides what a report says: the slices are the pages the
report's own query would have returned (tests/unit/test_shared_queries.py proves it on the embedded
Cost Explorer for every scope value, breakdown and metric).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3  # type: ignore[import-untyped]
from report_contract.spec import ReportSpec

from fetch_costs.errors import ConfigurationError
from fetch_costs.shared import Shape, shape_of, shape_requests

BUCKET_VARIABLE = "SHARED_COSTS_BUCKET"
# A shared answer older than this is not used: the child asks Cost Explorer itself. A scheduled run's
# children start within seconds of it; a retry after CostDataNotReady (hours later) or a redrive must not
# read a day Cost Explorer had not finished.
SHARED_ANSWER_MAX_AGE = timedelta(minutes=30)


@functools.cache
def s3() -> Any:
    return boto3.client("s3")


def bucket() -> str:
    name = os.environ.get(BUCKET_VARIABLE, "").strip()
    if not name:
        raise ConfigurationError(f"{BUCKET_VARIABLE} is not set: Terraform sets it to the shared-costs bucket")
    return name


@dataclass(frozen=True)
class Due:
    """One report of the run: its child's name and input, and its declaration."""

    item: dict[str, Any]
    spec: ReportSpec


def shared_groups(due: list[Due], metric_of: Callable[[ReportSpec], str]) -> dict[Shape, list[Due]]:
    """The daily reports of one day, by shape."""
    groups: dict[Shape, list[Due]] = {}
    for report in due:
        if report.spec.cadence == "daily":
            groups.setdefault(shape_of(report.spec, metric_of(report.spec)), []).append(report)
    return groups


def worth_sharing(shape: Shape, reports: list[Due], start: date, end: date) -> bool:
    """Fewer requests than each report asking for itself (one query each, one page each at least)."""
    return len(reports) > len(shape_requests(shape, start, end))


def object_key(day: date, run: str, shape: Shape, report_id: str) -> str:
    """Where a report's slice of its shape's shared answer is kept (the prefix is Terraform's too)."""
    return f"shared/{day.isoformat()}/{run}/{shape.key}/{report_id}.json"


def store(key: str, document: dict[str, Any]) -> None:
    s3().put_object(
        Bucket=bucket(),
        Key=key,
        Body=json.dumps(document, separators=(",", ":")).encode(),
        ContentType="application/json",
    )


def load(key: str) -> dict[str, Any]:
    body = s3().get_object(Bucket=bucket(), Key=key)["Body"].read()
    document: dict[str, Any] = json.loads(body)
    return document


def is_fresh(fetched_at: str, now: datetime) -> bool:
    try:
        fetched = datetime.fromisoformat(fetched_at)
    except (TypeError, ValueError):
        return False
    return fetched.tzinfo is not None and timedelta(0) <= now - fetched <= SHARED_ANSWER_MAX_AGE


def now() -> datetime:
    return datetime.now(UTC)
