"""Finalised months of a query's answer, kept in S3 so that a daily report asks Cost Explorer only for the
days that can still change (docs/decisions/0015-history-cache.md).

A daily report's query runs from the 1st of the previous month to the report day (query.report_window):
29 to 62 days. Once AWS has finalised the previous month's bill (in the first days of the next month:
"within the first 5-7 days", local/cost_explorer.py cites the pages), Cost Explorer returns its days with
`Estimated: false` and their amounts no longer change. Such a month is cached here the first time a query
returns it whole and final, and later reports of the same shape read it instead of asking for it again:
their query then starts at the 1st of the report's month. Days still Estimated are never cached, so the
report is what Cost Explorer says today (fetch_costs.revised shows that estimated days do move).

    key     objects.history_key(digest, month): history/<digest>/<YYYY-MM>.json.gz
    digest  SHA-256 of the canonical JSON of what decides the answer: the request without TimePeriod and
            NextPageToken (Granularity, Metrics, GroupBy, Filter) and FORMAT. Another metric, scope or
            breakdown is another digest, so a month is only ever read by the query that would return it.
    body    gzip (mtime 0) of canonical JSON (sorted keys, days in order, groups sorted by their keys):
            {"format", "digest", "request": <the digest's inputs>, "month": "YYYY-MM",
             "ResultsByTime": <the month's days exactly as Cost Explorer returned them, merged across
             pages>, "DimensionValueAttributes": <those of the answer naming a key of the month>}.
            The same month of the same query is always the same bytes: two executions writing it at
            once, or a retry writing it again after a lost answer, write what is already there.

A month is used only if its object validates (validate): the right digest and inputs, every day of the
month exactly once, every day Estimated false, and every group as history.parse_history reads it (_check_groups).
Anything else (a missing object, a corrupt one, an S3 error, an unset bucket) is a warning at most, and
the month is queried: the report never fails because of this cache. A write that fails is a warning too.

Pure but for read and store, which call S3 through fetch_costs.sharing's client and bucket.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]
from report_contract import objects
from report_contract.currency import is_currency_code
from report_contract.period import first_of_next_month

from fetch_costs import sharing
from fetch_costs.errors import ConfigurationError

logger = Logger(service="cost-notifier", child=True)

# Part of every digest: a change to what a body holds or how it is read gets a new FORMAT, so objects of
# the old format are not read (they expire, objects.HISTORY_EXPIRE_DAYS).
FORMAT = 1
# The request's members that decide its answer, besides TimePeriod (and NextPageToken, a page of it).
DIGEST_FIELDS = ("Granularity", "Metrics", "GroupBy", "Filter")
# How S3 says there is no object at a key: NoSuchKey with s3:ListBucket, AccessDenied without it (the
# functions are not granted ListBucket: terraform/iam.tf), as GetObject's reference says
# (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "Permissions").
_MISSING = frozenset({"NoSuchKey", "404", "AccessDenied", "403"})


class InvalidCachedMonth(Exception):
    """A cached object that must not be used: why."""


def digest_inputs(request: dict[str, Any]) -> dict[str, Any]:
    """What decides the answer to `request`, besides its days: the digest's inputs, kept in the body."""
    return {"format": FORMAT, **{name: request[name] for name in DIGEST_FIELDS if name in request}}


def canonical(document: object) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(request: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(digest_inputs(request))).hexdigest()


def whole_months(start: date, end: date) -> list[date]:
    """The 1st of each calendar month lying wholly in [start, end) (end exclusive), in order."""
    month = start if start.day == 1 else first_of_next_month(start)
    months = []
    while first_of_next_month(month) <= end:
        months.append(month)
        month = first_of_next_month(month)
    return months


def leading_months(start: date, end: date) -> list[date]:
    """The whole months the window [start, end) begins with, in order: those a cached answer can replace,
    as the query that remains must be one span, from the first day not cached to `end`. None when the
    window starts inside a month."""
    return whole_months(start, end) if start.day == 1 else []


def key(request: dict[str, Any], month: date) -> str:
    return objects.history_key(digest(request), month)


def month_page(pages: Iterable[dict[str, Any]], month: date) -> dict[str, Any] | None:
    """The month's days from the pages of one answer, merged (a day split across pages is one result,
    its groups sorted by their keys), as one page with the attributes naming its keys; None unless every
    day of the month is there and none is Estimated: only a finalised month is cached."""
    days: dict[str, dict[str, Any]] = {}
    attributes: dict[str, dict[str, Any]] = {}
    for page in pages:
        for result in page.get("ResultsByTime") or []:
            if _month_of(result) != month.isoformat()[:7]:
                continue
            start = str(result["TimePeriod"]["Start"])[:10]
            merged = days.setdefault(start, {**result, "Groups": []})
            merged["Estimated"] = bool(merged.get("Estimated")) or bool(result.get("Estimated"))
            merged["Groups"].extend(result.get("Groups") or [])
        for item in page.get("DimensionValueAttributes") or []:
            if isinstance(item, dict) and isinstance(item.get("Value"), str):
                attributes[item["Value"]] = item
    if sorted(days) != _days_of(month) or any(result["Estimated"] for result in days.values()):
        return None
    for result in days.values():
        result["Groups"].sort(key=lambda group: canonical(group.get("Keys")))
    named = {k for result in days.values() for group in result["Groups"] for k in group.get("Keys") or []}
    return {
        "ResultsByTime": [days[day] for day in sorted(days)],
        "DimensionValueAttributes": [attributes[value] for value in sorted(attributes) if value in named],
    }


# The most groups FinalMonths keeps to write newly finalised months: about 1 KB each as boto3 parses them, so
# about 50 MB, beside the history's own (flat) memory in a 256 MB function. A large organisation's month is
# about 21,600 groups; a month with more is not cached (it is queried again each day, as before the cache),
# so the run that sees it final never runs out of memory keeping it.
KEEP_GROUPS = 50_000


class FinalMonths:
    """The results of the whole months of a queried range [start, end) that Cost Explorer returns final,
    kept as its pages stream past (watch) so that store() can write them once they are all read: a month
    with an Estimated day is dropped as soon as one is seen, and all of them past KEEP_GROUPS groups. On
    most days the range holds no whole month (it is the report's month so far), and nothing is kept."""

    def __init__(self, start: date, end: date) -> None:
        self._months = {month.isoformat()[:7] for month in whole_months(start, end)}
        self._kept: list[dict[str, Any]] = []
        self._groups = 0

    def watch(self, pages: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for page in pages:
            if self._months:
                self._keep(page)
            yield page
            del page  # not held while the next page is fetched

    def pages(self) -> list[dict[str, Any]]:
        return self._kept if self._months else []

    def _keep(self, page: dict[str, Any]) -> None:
        results = [r for r in page.get("ResultsByTime") or [] if _month_of(r) in self._months]
        for month in {_month_of(r) for r in results if r.get("Estimated")}:
            self._months.discard(month)  # not final: never cached from this answer
        results = [r for r in results if _month_of(r) in self._months]
        self._groups += sum(len(r.get("Groups") or []) for r in results)
        if self._groups > KEEP_GROUPS:
            logger.warning("A finalised month is too large to cache", extra={"groups": self._groups})
            self._months.clear()
        elif results:
            self._kept.append(
                {"ResultsByTime": results, "DimensionValueAttributes": page.get("DimensionValueAttributes") or []}
            )
        if not self._months:
            self._kept.clear()


def _month_of(result: dict[str, Any]) -> str:
    return str((result.get("TimePeriod") or {}).get("Start", ""))[:7]


def _days_of(month: date) -> list[str]:
    return [(month + timedelta(days=n)).isoformat() for n in range((first_of_next_month(month) - month).days)]


def body(request: dict[str, Any], month: date, page: dict[str, Any]) -> bytes:
    """The object's bytes: the same for the same month of the same query, whoever writes them."""
    document = {
        "format": FORMAT,
        "digest": digest(request),
        "request": digest_inputs(request),
        "month": month.isoformat()[:7],
        "ResultsByTime": page["ResultsByTime"],
        "DimensionValueAttributes": page["DimensionValueAttributes"],
    }
    return gzip.compress(canonical(document), mtime=0)


def validate(request: dict[str, Any], month: date, raw: bytes) -> dict[str, Any]:
    """The cached month as a page for parse_history, or InvalidCachedMonth saying why it cannot be used."""
    try:
        document = json.loads(gzip.decompress(raw))
    except (OSError, EOFError, ValueError) as error:  # gzip.BadGzipFile is an OSError; JSON's a ValueError
        raise InvalidCachedMonth(f"not gzip-compressed JSON: {error}") from None
    if not isinstance(document, dict):
        raise InvalidCachedMonth("not a JSON object")
    expected = {"format": FORMAT, "digest": digest(request), "request": digest_inputs(request)}
    if {name: document.get(name) for name in expected} != expected or document.get("month") != month.isoformat()[:7]:
        raise InvalidCachedMonth("written for another query, month or format")
    results = document.get("ResultsByTime")
    attributes = document.get("DimensionValueAttributes")
    if not isinstance(results, list) or not isinstance(attributes, list):
        raise InvalidCachedMonth("ResultsByTime or DimensionValueAttributes is not a list")
    _check_days(results, month)
    for metric in request.get("Metrics") or []:
        _check_groups(results, metric)
    return {"ResultsByTime": results, "DimensionValueAttributes": attributes}


def _check_days(results: list[Any], month: date) -> None:
    if not all(isinstance(result, dict) for result in results):
        raise InvalidCachedMonth("a result is not an object")
    starts = [str((result.get("TimePeriod") or {}).get("Start")) for result in results]
    if starts != _days_of(month):
        raise InvalidCachedMonth(f"does not hold every day of {month.isoformat()[:7]} once, in order")
    if any(result.get("Estimated") is not False for result in results):
        raise InvalidCachedMonth("holds a day Cost Explorer had not finalised")


def _check_groups(results: list[dict[str, Any]], metric: str) -> None:
    """Every group as history.parse_history needs it (two string keys, the metric with a finite amount, one
    currency): a cached month must never be what makes the report fail. Not parse_history itself, which
    would read a large organisation's month twice (0.5 s)."""
    units = set()
    for result in results:
        groups = result.get("Groups")
        if not isinstance(groups, list):
            raise InvalidCachedMonth(f"{result['TimePeriod']['Start']}: Groups is not a list")
        for group in groups:
            keys = group.get("Keys") if isinstance(group, dict) else None
            value = (group.get("Metrics") or {}).get(metric) if isinstance(group, dict) else None
            if not (isinstance(keys, list) and len(keys) == 2 and all(isinstance(k, str) for k in keys)):
                raise InvalidCachedMonth(f"{result['TimePeriod']['Start']}: a group's keys are {keys!r}")
            if not isinstance(value, dict) or not _finite(value.get("Amount")):
                raise InvalidCachedMonth(f"{result['TimePeriod']['Start']}: {keys!r} has no {metric} amount")
            units.add(value.get("Unit"))
    if len(units) > 1 or not all(is_currency_code(unit) for unit in units):
        raise InvalidCachedMonth(f"holds the currencies {sorted(map(str, units))}")


def _finite(amount: object) -> bool:
    try:
        return isinstance(amount, str) and Decimal(amount).is_finite()
    except InvalidOperation:
        return False


@dataclass
class Cached:
    """The whole months of a window read from the cache (pages, one per month, in order) and the first
    day left to query."""

    start: date
    pages: list[dict[str, Any]] = field(default_factory=list)
    months: list[date] = field(default_factory=list)


def read(request: dict[str, Any], start: date, end: date) -> Cached:
    """The months [start, end) begins with that are cached and valid, up to the first that is not."""
    cached = Cached(start)
    for month in leading_months(start, end):
        page = _read_month(request, month)
        if page is None:
            break
        cached.pages.append(page)
        cached.months.append(month)
        cached.start = first_of_next_month(month)
    return cached


def _read_month(request: dict[str, Any], month: date) -> dict[str, Any] | None:
    where = key(request, month)
    try:
        bucket = sharing.bucket()
        raw: bytes = sharing.s3().get_object(Bucket=bucket, Key=where)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _MISSING:
            return None  # not cached yet (or expired): the month is queried
        logger.warning("A cached month cannot be read; querying it", extra={"key": where, "why": str(error)})
        return None
    except (BotoCoreError, ConfigurationError) as error:
        logger.warning("A cached month cannot be read; querying it", extra={"key": where, "why": str(error)})
        return None
    try:
        return validate(request, month, raw)
    except InvalidCachedMonth as error:
        logger.warning("A cached month is not valid; querying it", extra={"key": where, "why": str(error)})
        return None


def store(request: dict[str, Any], start: date, end: date, pages: list[dict[str, Any]]) -> list[date]:
    """Each whole month of the answer [start, end) that Cost Explorer has finalised, written to the cache;
    the months written. A failed write is a warning: the month is queried again next time."""
    written = []
    for month in whole_months(start, end):
        page = month_page(pages, month)
        if page is None:
            continue
        where = key(request, month)
        try:
            sharing.s3().put_object(
                Bucket=sharing.bucket(),
                Key=where,
                Body=body(request, month, page),
                ContentType="application/gzip",
            )
        except (ClientError, BotoCoreError, ConfigurationError) as error:
            logger.warning("A finalised month cannot be cached", extra={"key": where, "why": str(error)})
            continue
        written.append(month)
    return written
