"""One query per shape, for the reports a scheduled run sends together, kept in S3 for their children.

FetchSharedCosts (a state of the dispatching run, before StartEachReport) calls FetchCosts with
{"share": {"reportDate", "run", "due": {"count", "reportDate", "key", "concurrency"}}} (ShareRequest): the
run's due reports are not in the state, which holds 256 KiB at most, but in S3 at due.key
(report_contract.objects.due_key, written by ResolveReportDate), and their declarations at
objects.REPORTS_KEY. Of the daily reports due, those whose scope is on the same dimension and whose
breakdown and metric are the same (fetch_costs.shared.Shape) are answered by one set of requests (at most
3, plus pages) instead of one query each, when that is fewer requests. The answers are sliced there, every
report of a shape in one pass (fetch_costs.shared.ShapeSlices), and each report's slice goes to S3: its
child item gets {"shared": {"key", "fetchedAt"}}, the items go to objects.shared_due_key(run) for the
Distributed Map to read, and the state gets the same four fields back with that key (due.key unchanged
when no report got a slice) and the requests made: the same few bytes for 2 reports or 10,000. Its
FetchCosts reads its slice (the pages its own query would have returned, a fraction of the shape's answer)
instead of asking Cost Explorer, as long as the slice is fresh (SHARED_ANSWER_MAX_AGE); on a later retry or
redrive it asks for itself, so a day Cost Explorer had not finished is fetched again, not read stale.

A retry after a lost answer reads the same due list and writes the same keys again (a slice's key is its
day, run, shape and report; the list's is the run's): nothing is left twice.

The bucket is the environment variable SHARED_COSTS_BUCKET (Terraform's `aws_s3_bucket.shared_costs`;
objects.py says how long each prefix is kept). Nothing here decides what a report says: the slices are the
pages the report's own query would have returned (tests/unit/test_shared_queries.py proves it on the
embedded Cost Explorer for every scope value, breakdown and metric).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.exceptions import ClientError  # type: ignore[import-untyped]
from report_contract import objects
from report_contract.excerpt import excerpt
from report_contract.spec import InvalidReportSpec, ReportSpec, parse_reports

from fetch_costs.errors import ConfigurationError, InvalidFetchRequest
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


# StartExecution's rules for an execution name, which is part of the run's keys: 1 to 80 characters, none
# of white space, brackets, wildcards, " # % \\ ^ | ~ ` $ & , ; : / or control characters
# (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html, name).
EXECUTION_NAME = re.compile(r'[^\s<>{}\[\]?*"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,80}')
# A Distributed Map runs at most 10,000 child executions at once; 0 is no limit
# (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-asl-use-map-state-distributed.html).
MAX_CONCURRENCY = 10_000
SHARE_FIELDS = frozenset({"reportDate", "run", "due"})
DUE_FIELDS = frozenset({"count", "reportDate", "key", "concurrency"})
ITEM_FIELDS = frozenset({"name", "input"})
# A child's input as ResolveReportDate writes it (resolve_report_date.report_date.DueReport.to_state).
ITEM_INPUT_FIELDS = frozenset({"report", "period", "force", "trigger", "shared"})


@dataclass(frozen=True)
class ShareRequest:
    """What FetchSharedCosts passes: {"share": {"reportDate": "YYYY-MM-DD", "run": <execution name>,
    "due": {"count": <reports due>, "reportDate": <the same day>, "key": "runs/<run>/due.json",
    "concurrency": <the Map's, echoed>}}}. Only references: the reports are in S3 at `key`."""

    report_date: date
    run: str
    count: int
    key: str
    concurrency: int

    @classmethod
    def from_event(cls, share: object) -> ShareRequest:
        fields = _fields("share", share, SHARE_FIELDS)
        day, run = _day("reportDate", fields["reportDate"]), fields["run"]
        if not isinstance(run, str) or not EXECUTION_NAME.fullmatch(run):
            raise InvalidFetchRequest(f"share.run: expected an execution name (1 to 80 characters), got {excerpt(run)}")
        due = _fields("share.due", fields["due"], DUE_FIELDS)
        if due["reportDate"] != fields["reportDate"]:
            raise InvalidFetchRequest(
                f"share.due.reportDate: {excerpt(due['reportDate'])} is not share.reportDate {fields['reportDate']}"
            )
        if due["key"] != objects.due_key(run):
            raise InvalidFetchRequest(f"share.due.key: expected {objects.due_key(run)!r}, got {excerpt(due['key'])}")
        count = _whole("share.due.count", due["count"], 0)  # held to the list's length when it is read
        concurrency = _whole("share.due.concurrency", due["concurrency"], 0, MAX_CONCURRENCY)
        return cls(day, run, count, due["key"], concurrency)

    def to_state(self, key: str, shared_queries: int, requests: int) -> dict[str, Any]:
        """The state's answer: the due list at `key` (the shared one, or the same), the same size always."""
        return {
            "count": self.count,
            "reportDate": self.report_date.isoformat(),
            "key": key,
            "concurrency": self.concurrency,
            "sharedQueries": shared_queries,
            "costExplorerRequests": requests,
        }


def _fields(name: str, value: object, expected: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidFetchRequest(f"{name}: expected an object with {sorted(expected)}, got {excerpt(value)}")
    missing, unknown = sorted(expected - set(value)), sorted(set(value) - expected)
    if missing or unknown:
        raise InvalidFetchRequest(f"{name}: expected the fields {sorted(expected)}; missing {missing}, extra {unknown}")
    return value


def _day(name: str, value: object) -> date:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise InvalidFetchRequest(f"share.{name}: expected YYYY-MM-DD, got {excerpt(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidFetchRequest(f"share.{name}: {value} is not a real calendar day") from None


def _whole(name: str, value: object, least: int, most: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least or (most is not None and value > most):
        allowed = f"from {least} to {most:,}" if most is not None else f"of at least {least}"
        raise InvalidFetchRequest(f"{name}: expected a whole number {allowed}, got {excerpt(value)}")
    return value


def read_reports() -> dict[str, ReportSpec]:
    """The deployment's declarations, by id, from objects.REPORTS_KEY (Terraform writes them). A bad one is
    a ConfigurationError, as ResolveReportDate refuses it: every run fails until it is fixed."""
    try:
        raw = json.loads(_read(objects.REPORTS_KEY))
        return {spec.id: spec for spec in parse_reports(raw)}
    except _Missing:
        raise ConfigurationError(
            f"{objects.REPORTS_KEY} is not in the bucket {bucket()} (Terraform writes it)"
        ) from None
    except json.JSONDecodeError as error:
        raise ConfigurationError(f"{objects.REPORTS_KEY}: not valid JSON ({error})") from None
    except InvalidReportSpec as error:
        raise ConfigurationError(f"{error} ({objects.REPORTS_KEY}, the Terraform variable reports)") from None


def read_due(request: ShareRequest, specs: dict[str, ReportSpec]) -> list[Due]:
    """The run's due reports from request.key, each item checked and paired with its declaration."""
    try:
        items = json.loads(_read(request.key))
    except _Missing:
        raise InvalidFetchRequest(f"share.due.key: {request.key} is not in the bucket {bucket()}") from None
    except json.JSONDecodeError as error:
        raise InvalidFetchRequest(f"{request.key}: not valid JSON ({error})") from None
    if not isinstance(items, list) or len(items) != request.count:
        raise InvalidFetchRequest(
            f"{request.key}: expected a list of share.due.count = {request.count} reports, got {excerpt(items)}"
        )
    return [_due(f"{request.key}[{n}]", item, specs) for n, item in enumerate(items)]


def _due(name: str, item: object, specs: dict[str, ReportSpec]) -> Due:
    fields = _fields(name, item, ITEM_FIELDS)
    if not isinstance(fields["name"], str) or not EXECUTION_NAME.fullmatch(fields["name"]):
        raise InvalidFetchRequest(f"{name}.name: expected a child execution name, got {excerpt(fields['name'])}")
    given = _fields(f"{name}.input", fields["input"], ITEM_INPUT_FIELDS)
    report, period = given["report"], given["period"]
    if not isinstance(report, str) or report not in specs:
        raise InvalidFetchRequest(f"{name}.input.report: {excerpt(report)} is not declared in {objects.REPORTS_KEY}")
    if not isinstance(period, str):
        raise InvalidFetchRequest(f"{name}.input.period: expected a period key, got {excerpt(period)}")
    if given["shared"] is not None:
        raise InvalidFetchRequest(f"{name}.input.shared: expected null, as written, got {excerpt(given['shared'])}")
    return Due(fields, specs[report])


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


def store(key: str, document: object) -> None:
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


class _Missing(Exception):
    """S3 has no object at the key."""


def _read(key: str) -> bytes:
    try:
        body: bytes = s3().get_object(Bucket=bucket(), Key=key)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            raise _Missing(key) from error
        raise
    return body


def is_fresh(fetched_at: str, now: datetime) -> bool:
    try:
        fetched = datetime.fromisoformat(fetched_at)
    except (TypeError, ValueError):
        return False
    return fetched.tzinfo is not None and timedelta(0) <= now - fetched <= SHARED_ANSWER_MAX_AGE


def now() -> datetime:
    return datetime.now(UTC)
