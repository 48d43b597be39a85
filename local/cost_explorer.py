"""A fake Cost Explorer that answers GetCostAndUsage like the real service, from a synthetic org, for
the requests this project makes: DAILY or MONTHLY cost metrics, ungrouped or grouped by up to two of the
dimensions LINKED_ACCOUNT, REGION, SERVICE and RECORD_TYPE, a tag key and a cost category (a report groups
by its breakdown and RECORD_TYPE), filtered by the same (Dimensions, Tags, CostCategories with EQUALS,
combined with And, Or and Not: a report's scope), paginated with NextPageToken.

    org = SyntheticOrganisation("small", seed=7, today=date(2025, 3, 12))
    ce = FakeCostExplorer(org)
    ce.get_cost_and_usage({"TimePeriod": {...}, "Granularity": "DAILY", "Metrics": [...]})

``params`` is the request body: the same keys as ``boto3.client("ce").get_cost_and_usage(**params)``.
The answer is shaped like AWS's JSON (amounts are strings); errors raise ``CostExplorerError`` with
the AWS error code. Every call, failed or not, each page included, is appended to ``requests``:
AWS bills each one ($0.01).

What is not modelled is refused, never ignored: a request that is valid in Cost Explorer but asks for
something this fake does not answer (PRODUCT_ATTRIBUTE groups, other dimensions, match options other
than EQUALS, usage metrics, a billing view) raises ValidationException saying "... is valid in Cost
Explorer but not modelled by this fake", so a test can never pass on an answer AWS would not give.

Keys and attributes, as GetCostAndUsage answers
(https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html)
    A dimension's value is the key as it is ("111111111111", "eu-west-1"). A tag's key is
    "<tag key>$<value>", and cost without the tag is "<tag key>$" ("all tag values, including empty
    strings", says the GroupBy reference); a cost category's is "<name>$<value>" the same way (by analogy:
    no AWS page shows one). A tag key or cost category name the organisation does not have groups every
    line under the empty value (an assumption: AWS documents no error for it). Grouped by LINKED_ACCOUNT,
    the answer's DimensionValueAttributes names each account on the page (Value = the id,
    Attributes.description = the account's name); otherwise it is an empty list.

Data availability [1][2][3]
    * data exists from the 1st of the month 13 months before today's month, through today (today is
      partial). A Start before that raises ValidationException "You haven't enabled historical
      data beyond 14 months." (the message live accounts get [4]; 14 = 13 previous months + this).
    * Start after today raises ValidationException [2]; End may run up to the 1st of next month, no
      further ("end date past the beginning of next month" [3]). Days after today inside that
      window come back as periods with no groups (zero Totals when ungrouped), Estimated true:
      nothing has been billed for them yet.

Granularity [9]
    DAILY: one result per day, Start to End (exclusive). MONTHLY: one result per calendar month the
    window touches, its TimePeriod cut to the window (Start 2026-10-15, End 2026-12-01 gives
    2026-10-15..2026-11-01 and 2026-11-01..2026-12-01), each group's amount the sum of its days. The
    cut of a partial month is not stated on an AWS page this project could check; the report only asks
    MONTHLY for whole months (Start and End on a 1st), which [9] and [10] describe.

The Estimated flag [5][6][7]
    A result is Estimated while the billing period (calendar month) it falls in is not final (a
    MONTHLY result is one billing period): every
    day of the current month, and days of the previous month until BILL_FINALISED_DAY (the 5th) of
    the current month, when AWS has issued the invoice. Older months: Estimated false.
    (AWS bills "finalize within the first 5-7 days of the following month" [5], "generally ...
    around the 5th" [6]; support fees for the prior month land on the 6th or 7th [7].)

Pagination
    Grouped results page through the flattened list of (day, group) pairs, GROUPS_PER_PAGE groups
    a page; a day split across pages appears on each page with its share of the groups (as AWS
    does: callers must merge same-period results). Ungrouped answers are one page. The NextPageToken
    is opaque and bound to the request that produced it: a token that does not decode raises
    InvalidNextTokenException; a token sent with different parameters raises RequestChangedException
    (both in botocore's model of GetCostAndUsage's errors, with its wording).

    The page size is an assumption, not a fact: AWS documents none (GetCostAndUsage has no MaxResults;
    the pricing page only says each page is billed). Public hints disagree and none is verified: a
    comment in one project's code says Cost Explorer "paginates at ~20 000 rows", another project's
    notes claim 100 groups a page while saying they never came near it. GROUPS_PER_PAGE takes the only
    one that reads as an observation at face value, 20,000; it was not tuned to the report's targets
    (an earlier, arbitrary 250 would bill the small profile 9 requests a day). What it means for the
    report's one query (DAILY, by SERVICE and RECORD_TYPE, 29 to 62 days), measured on these profiles
    (scripts/bench_report.py):
        small       about 36 groups a day, at most 2,241 groups:          1 page
        large-org   about 697 groups a day (350 services, each with a usage and an Enterprise
                    Discount Program line), up to 43,226 groups:        2 pages for windows of up to
                                                                        57 days, 3 for the longest
    With the history cache (functions/fetch_costs/history_cache.py), a report reads the previous month
    once it is final (from BILL_FINALISED_DAY) and asks for the month to date only: large-org then
    makes 1 request on days 5 to 28 and 2 on the others, never 3 (scripts/bench_requests.py: 38
    requests in October 2026 instead of 66). In general requests = ceil(groups / page size);
    docs/performance.md has the table for other page sizes. Pass ``groups_per_page`` to
    FakeCostExplorer to try one (the tests use 7 and 250 to exercise merging across pages).

Validation
    First against botocore's service model (required members, types, lengths, patterns, enums),
    worded like AWS's framework ("1 validation error detected: Value ... at 'timePeriod.start' failed
    to satisfy constraint: ..."); then the semantics AWS checks, with the real messages where public
    responses show them:
        "Start date (and hour) should be before end date (and hour)"      Start >= End
        "end date past the beginning of next month"                        End too late
        "You haven't enabled historical data beyond 14 months."            Start too early
        "Group Definition type is invalid."                                GroupBy Type unknown
        "Group Definition is invalid. Both type an key need to be set to a non-empty value."
        "Group Definition dimension is invalid. Valid values are ..."      GroupBy Key unknown
        AccessDeniedException "HOURLY data is not publicly supported yet, please reach out to
         customer service to opt in for private Beta."                     HOURLY (not opted in)
    Other messages (unknown metric, more than two GroupBy definitions, a group definition given twice, an
    Expression holding other than exactly one of And/Or/Not/Dimensions/Tags/CostCategories, EQUALS without
    Values, malformed date) are ours: they name the field, the bad value and what is allowed. Unknown
    request keys raise too (botocore would refuse them client-side).

Sources
    [1] https://docs.aws.amazon.com/cost-management/latest/userguide/ce-advanced-cost-analysis.html
        "Cost Explorer provides AWS cost and usage data for the current month and up to the
        previous 13 months"
    [2] https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_DateInterval.html
        "The start date must be equal to or no later than the current date to avoid a validation
        error."
    [3] https://github.com/aws/aws-sdk-js/issues/2732 (a real ValidationException)
    [4] quoted from live responses in several public repositories (clamp-and-retry code, tests)
    [5] https://knowledge.broadcom.com/external/article/282937/aws-bill-finalization-timing.html
    [6] https://github.com/aws-samples/aws-cost-explorer-report/issues/5
    [7] https://docs.aws.amazon.com/cur/latest/userguide/view-finalized-cur.html
    [8] https://github.com/withcoral/coral/pull/1062 (UPPER_SNAKE metric names, tested against live
        Cost Explorer)
    [9] https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html
        ("Sets the Amazon Web Services cost granularity to MONTHLY or DAILY, or HOURLY"), and
        https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_ResultByTime.html
        (each result's TimePeriod, Groups and Estimated)
    [10] https://docs.aws.amazon.com/cli/v1/reference/ce/get-cost-and-usage-comparisons.html: the
        comparison APIs take exactly one whole month ("must start and end on the first day of a month,
        with a duration of exactly one month"); not modelled here, see docs/report.md
    Real error messages: zoph-io/instance-watcher#18 (Start/End order), aws/aws-sdk-php#1590 (Group
    Definition type), FittedCloud/costreporter#5 (empty Group Definition); the HOURLY and "Group
    Definition dimension" messages are quoted in public code comments.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import functools
import hashlib
import json
import operator
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal

from local.synthetic_org import AMOUNT_QUANTUM, ZERO, LineItem, SyntheticOrganisation

__all__ = ["CostExplorerError", "FakeCostExplorer", "SyntheticOrganisation", "GROUPS_PER_PAGE", "METRICS"]

# Groups per page of a grouped answer. AWS does not document its page size: an assumption, see the
# module docstring ("Pagination") and docs/performance.md.
GROUPS_PER_PAGE = 20_000

OPERATION = "GetCostAndUsage"

# The cost metrics (the report's COST_METRIC is one of them), and the LineItem field each sums. No RIs
# or Savings Plans are modelled, so amortised cost is the unblended cost (see local.synthetic_org).
_METRIC_FIELD = {
    "AmortizedCost": LineItem._fields.index("unblended"),
    "BlendedCost": LineItem._fields.index("blended"),
    "NetAmortizedCost": LineItem._fields.index("net_unblended"),
    "NetUnblendedCost": LineItem._fields.index("net_unblended"),
    "UnblendedCost": LineItem._fields.index("unblended"),
}
METRICS = tuple(_METRIC_FIELD)
# Metric names AWS also accepts: the usage metrics, and every name in UPPER_SNAKE spelling [8].
_UNMODELLED_METRICS = ("NormalizedUsageAmount", "UsageQuantity")
_UNMODELLED_METRICS += tuple(re.sub(r"(?<!^)(?=[A-Z])", "_", m).upper() for m in METRICS + _UNMODELLED_METRICS)

# DIMENSION keys GetCostAndUsage accepts in GroupBy (the list AWS prints in its error message,
# without RESOURCE_ID, which only GetCostAndUsageWithResources takes).
GROUPABLE_DIMENSIONS = (
    "AZ",
    "INSTANCE_TYPE",
    "LINKED_ACCOUNT",
    "OPERATION",
    "PURCHASE_TYPE",
    "SERVICE",
    "USAGE_TYPE",
    "PLATFORM",
    "TENANCY",
    "RECORD_TYPE",
    "LEGAL_ENTITY_NAME",
    "DEPLOYMENT_OPTION",
    "DATABASE_ENGINE",
    "CACHE_ENGINE",
    "INSTANCE_TYPE_FAMILY",
    "REGION",
    "BILLING_ENTITY",
    "RESERVATION_ID",
    "SAVINGS_PLANS_TYPE",
    "SAVINGS_PLAN_ARN",
    "OPERATING_SYSTEM",
    "INVOICING_ENTITY",
)
# The dimensions a report groups and filters by, and the LineItem field each reads. Grouping by
# LINKED_ACCOUNT also returns DimensionValueAttributes (each account id with its name).
_MODELLED_DIMENSIONS = {
    "LINKED_ACCOUNT": LineItem._fields.index("account"),
    "REGION": LineItem._fields.index("region"),
    "SERVICE": LineItem._fields.index("service"),
    "RECORD_TYPE": LineItem._fields.index("record_type"),
}
# The request members this fake answers; the other members of botocore's model are refused as not modelled.
_MODELLED_MEMBERS = {"TimePeriod", "Granularity", "Metrics", "GroupBy", "Filter", "NextPageToken"}
# An Expression holds exactly one of these (API_Expression: "a list of one or more Expression objects" under
# And and Or, one under Not, or one simple filter).
_EXPRESSION_MEMBERS = ("And", "Or", "Not", "Dimensions", "Tags", "CostCategories")

# Default HTTP status per error code for fail_next (CE's client errors are all 400).
_STATUS_BY_CODE = {
    "InternalServerError": 500,
    "InternalFailure": 500,
    "ServiceUnavailable": 503,
    "ServiceUnavailableException": 503,
}
_DEFAULT_MESSAGES = {
    "LimitExceededException": "You made too many calls in a short period of time. Try again later.",
    "ThrottlingException": "Rate exceeded",
    "DataUnavailableException": "Data is not available. Please try to adjust the time period. "
    "If just enabled Cost Explorer, data might not be ingested yet",
    "AccessDeniedException": "User is not authorized to perform: ce:GetCostAndUsage",
    "InternalServerError": "An internal error occurred.",
    "ServiceUnavailable": "Service is unavailable. Try again later.",
}

_INVALID_TOKEN = "The pagination token is invalid. Try again without a pagination token."
_REQUEST_CHANGED = (
    "Your request parameters changed between pages. Try again with the old parameters or without a pagination token."
)


class CostExplorerError(Exception):
    """An error answer from (fake) Cost Explorer: the AWS error code, message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def _validation(message: str) -> CostExplorerError:
    return CostExplorerError("ValidationException", message)


def _not_modelled(what: str) -> CostExplorerError:
    return _validation(
        f"{what} is valid in Cost Explorer but not modelled by this fake; it answers DAILY or MONTHLY "
        f"{', '.join(METRICS)}, grouped by at most two of DIMENSION {', '.join(_MODELLED_DIMENSIONS)}, TAG and "
        "COST_CATEGORY (or not at all), filtered by those dimensions, tags and cost categories with EQUALS"
    )


# --------------------------------------------------------------------------------------------
# Parsed request
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Query:
    periods: tuple[tuple[dt.date, dt.date], ...]  # (start, exclusive end) of each result, in order
    metrics: tuple[str, ...]  # as the request spelled them (deduplicated, in order)
    group_by: tuple[tuple[str, str], ...]  # (Type, Key) of each GroupBy definition
    filter: dict | None  # the request's Filter (an Expression), checked
    fingerprint: str  # identifies the request, NextPageToken aside
    page_offset: int


@dataclass
class _DayResult:
    """One result's sums (a day, or a month's part of the window), kept unrendered: only the groups on the
    page asked for get rendered."""

    day: dt.date  # its first day
    estimated: bool
    keys: list  # group keys in answer order ([()] when ungrouped)
    sums: list[dict]  # per requested metric: group key -> Decimal
    end: dt.date  # exclusive


# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------


class FakeCostExplorer:
    """GetCostAndUsage over a SyntheticOrganisation. See the module docstring."""

    RESULT_CACHE_SIZE = 32

    def __init__(self, org: SyntheticOrganisation, *, groups_per_page: int = GROUPS_PER_PAGE):
        if groups_per_page < 1:
            raise ValueError("groups_per_page must be at least 1")
        self.org = org
        self.groups_per_page = groups_per_page
        self.requests: list[dict] = []
        self._faults: list[CostExplorerError] = []
        self._results: OrderedDict[str, list[_DayResult]] = OrderedDict()
        self._lock = threading.Lock()  # the local AWS may call from several threads at once

    # ---- public API --------------------------------------------------------------------------

    def all_pages(self, params: dict) -> list[dict]:
        """Every page of one query, following NextPageToken as a caller must (each page is a request)."""
        pages = [self.get_cost_and_usage(params)]
        while "NextPageToken" in pages[-1]:
            pages.append(self.get_cost_and_usage({**params, "NextPageToken": pages[-1]["NextPageToken"]}))
        return pages

    def revise(self, day: dt.date, factor: Decimal) -> None:
        """AWS revising a recent day's estimate (SyntheticOrganisation.revise): later answers show the day's
        usage times `factor`; the answers cached so far are dropped, as they no longer hold."""
        with self._lock:
            self.org.revise(day, factor)
            self._results.clear()

    def fail_next(self, code: str, message: str | None = None, times: int = 1, status: int | None = None) -> None:
        """Make the next `times` requests raise this error (they still count as requests)."""
        if times < 1:
            raise ValueError("times must be at least 1")
        error = CostExplorerError(
            code,
            message if message is not None else _DEFAULT_MESSAGES.get(code, f"{code} (injected)"),
            status if status is not None else _STATUS_BY_CODE.get(code, 400),
        )
        self._faults.extend([error] * times)

    def get_cost_and_usage(self, params: dict) -> dict:
        """Answer one GetCostAndUsage request (one page); raise CostExplorerError on error."""
        with self._lock:
            self.requests.append(copy.deepcopy(params))
            if self._faults:
                raise self._faults.pop(0)
            query = self._parse(params)
            results = self._results_for(query)
            page, next_offset = self._page(results, query)
            return self._render(query, page, next_offset)

    # ---- request parsing and validation --------------------------------------------------------

    def _parse(self, params: dict) -> _Query:
        _validate_against_model(params)
        unmodelled = sorted(set(params) - _MODELLED_MEMBERS)
        if unmodelled:
            raise _not_modelled(unmodelled[0])
        if params["Granularity"] == "HOURLY":
            raise CostExplorerError(
                "AccessDeniedException",
                "HOURLY data is not publicly supported yet, please reach out to customer service "
                "to opt in for private Beta.",
            )
        if params["Granularity"] not in ("DAILY", "MONTHLY"):
            raise _not_modelled(f"Granularity {params['Granularity']}")
        metrics = _parse_metrics(params["Metrics"])
        start, end = self._parse_time_period(params["TimePeriod"])
        group_by = _parse_group_by(params.get("GroupBy"))
        if params.get("Filter") is not None:
            _check_expression(params["Filter"], "Filter")
        request = {k: v for k, v in params.items() if k != "NextPageToken"}
        fingerprint = hashlib.sha256(json.dumps(request, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        offset = _decode_token(params["NextPageToken"], fingerprint) if params.get("NextPageToken") else 0
        periods = _periods(params["Granularity"], start, end)
        return _Query(periods, metrics, group_by, params.get("Filter"), fingerprint, offset)

    def _parse_time_period(self, period: dict) -> tuple[dt.date, dt.date]:
        start = _parse_date(period["Start"], "TimePeriod.Start")
        end = _parse_date(period["End"], "TimePeriod.End")
        if start >= end:
            raise _validation("Start date (and hour) should be before end date (and hour)")
        if end > self.org.first_day_of_next_month:
            raise _validation("end date past the beginning of next month")
        if start > self.org.today:
            raise _validation(
                f"Start date {start.isoformat()} is after the current date "
                f"{self.org.today.isoformat()}: the start date must be equal to or no later "
                "than the current date"
            )
        if start < self.org.earliest_available:
            raise _validation("You haven't enabled historical data beyond 14 months.")
        return start, end

    # ---- evaluation --------------------------------------------------------------------------------

    def _results_for(self, query: _Query) -> list[_DayResult]:
        """The whole (unpaginated) answer, cached so following pages cost nothing to compute."""
        cached = self._results.get(query.fingerprint)
        if cached is not None:
            self._results.move_to_end(query.fingerprint)
            return cached
        results = [self._evaluate_period(query, start, end) for start, end in query.periods]
        self._results[query.fingerprint] = results
        if len(self._results) > self.RESULT_CACHE_SIZE:
            self._results.popitem(last=False)
        return results

    def _evaluate_period(self, query: _Query, start: dt.date, end: dt.date) -> _DayResult:
        """Sum the line items of the days start..end (exclusive) per group. This is the hot loop of the
        fake (a 60-day query of a large organisation reads about a quarter of a million line items), hence
        the key function built from itemgetter and the single-metric path."""
        key_of = self._group_key_function(query.group_by)
        fields = [_METRIC_FIELD[m] for m in query.metrics]
        sums: list[dict] = [{} for _ in fields]
        lines = [
            line for n in range((end - start).days) for line in self.org.lines_for_day(start + dt.timedelta(days=n))
        ]
        if query.filter is not None:
            keep = self._predicate(query.filter)
            lines = [line for line in lines if keep(line)]
        if len(fields) == 1:
            sums0, field = sums[0], fields[0]
            get = sums0.get
            for line in lines:
                key = key_of(line)
                sums0[key] = get(key, ZERO) + line[field]
        else:
            for line in lines:
                key = key_of(line)
                for metric_sums, field in zip(sums, fields, strict=True):
                    metric_sums[key] = metric_sums.get(key, ZERO) + line[field]
        keys = sorted(sums[0]) if query.group_by else [()]
        return _DayResult(start, self.org.is_estimated(start), keys, sums, end)

    def _reader(self, kind: str, key: str):
        """line -> its value for one GroupBy definition or simple filter: a dimension's, a tag's, a cost
        category's ("" when the line has none)."""
        if kind == "DIMENSION":
            return operator.itemgetter(_MODELLED_DIMENSIONS[key])
        if kind == "TAG":
            return self.org.tag_reader(key)
        return self.org.cost_category_reader(key)

    def _group_key_function(self, group_by: tuple[tuple[str, str], ...]):
        """line -> group key: the value with one GroupBy definition, a tuple of them with two, () with none.
        Dimensions only: one itemgetter, which runs in C (with one index it returns the value itself)."""
        if not group_by:
            return lambda line: ()
        if all(kind == "DIMENSION" for kind, _ in group_by):
            return operator.itemgetter(*(_MODELLED_DIMENSIONS[key] for _, key in group_by))
        readers = [self._reader(kind, key) for kind, key in group_by]
        if len(readers) == 1:
            return readers[0]
        first, second = readers
        return lambda line: (first(line), second(line))

    def _predicate(self, expression: dict):
        """line -> whether the Filter (an Expression, already checked by _check_expression) keeps it."""
        if expression.get("And") is not None:
            parts = [self._predicate(e) for e in expression["And"]]
            return lambda line: all(p(line) for p in parts)
        if expression.get("Or") is not None:
            parts = [self._predicate(e) for e in expression["Or"]]
            return lambda line: any(p(line) for p in parts)
        if expression.get("Not") is not None:
            inner = self._predicate(expression["Not"])
            return lambda line: not inner(line)
        kind, member = next((k, m) for m, k in _SIMPLE_FILTERS.items() if expression.get(m) is not None)
        values = frozenset(expression[member].get("Values") or ())
        read = self._reader(kind, expression[member]["Key"])
        return lambda line: read(line) in values

    def _render_metrics(self, metrics: tuple[str, ...], result: _DayResult, key) -> dict:
        return {
            name: {"Amount": _format_amount(metric_sums.get(key, ZERO)), "Unit": self.org.currency}
            for name, metric_sums in zip(metrics, result.sums, strict=True)
        }

    # ---- pages and rendering -------------------------------------------------------------------

    def _page(self, results: list[_DayResult], query: _Query):
        """The days on the page starting at query.page_offset, each with the slice of its group keys
        on that page, and the offset of the next page (None on the last page)."""
        if not query.group_by:
            if query.page_offset:
                raise CostExplorerError("InvalidNextTokenException", _INVALID_TOKEN)
            return [(r, r.keys) for r in results], None
        size = self.groups_per_page
        total = sum(len(r.keys) for r in results)
        last_page_start = max(0, (total - 1) // size * size)
        first = query.page_offset
        if first % size or first > last_page_start:
            raise CostExplorerError("InvalidNextTokenException", _INVALID_TOKEN)
        last = first + size
        page, position = [], 0
        for result in results:
            count = len(result.keys)
            if count == 0:
                # A day with no groups rides on the page its position falls in.
                if first <= position < last or (position == total and first == last_page_start):
                    page.append((result, []))
            else:
                lo, hi = max(first, position), min(last, position + count)
                if lo < hi:
                    page.append((result, result.keys[lo - position : hi - position]))
            position += count
        return page, (last if last < total else None)

    def _render(self, query: _Query, page, next_offset: int | None) -> dict:
        response: dict = {}
        if next_offset is not None:
            response["NextPageToken"] = _encode_token(next_offset, query.fingerprint)
        if query.group_by:
            response["GroupDefinitions"] = [{"Type": kind, "Key": key} for kind, key in query.group_by]
        key_to_list = _key_renderer(query.group_by)
        results_by_time = []
        for result, keys in page:
            if query.group_by:
                total = {}
                groups = [
                    {"Keys": key_to_list(key), "Metrics": self._render_metrics(query.metrics, result, key)}
                    for key in keys
                ]
            else:
                total = self._render_metrics(query.metrics, result, keys[0])
                groups = []
            results_by_time.append(
                {
                    "TimePeriod": {"Start": result.day.isoformat(), "End": result.end.isoformat()},
                    "Total": total,
                    "Groups": groups,
                    "Estimated": result.estimated,
                }
            )
        response["ResultsByTime"] = results_by_time
        response["DimensionValueAttributes"] = self._account_attributes(query, page)
        return response

    def _account_attributes(self, query: _Query, page) -> list[dict]:
        """Grouped by LINKED_ACCOUNT: each account id on the page with its name (Attributes.description), as
        GetCostAndUsage answers; otherwise empty."""
        positions = [n for n, group in enumerate(query.group_by) if group == ("DIMENSION", "LINKED_ACCOUNT")]
        if not positions:
            return []
        single = len(query.group_by) == 1
        accounts = sorted({key if single else key[positions[0]] for _, keys in page for key in keys})
        return [
            {"Value": account, "Attributes": {"description": self.org.accounts[account]}}
            for account in accounts
            if account in self.org.accounts
        ]


def _periods(granularity: str, start: dt.date, end: dt.date) -> tuple[tuple[dt.date, dt.date], ...]:
    """The results' TimePeriods: each day, or each calendar month cut to the window."""
    periods = []
    first = start
    while first < end:
        if granularity == "MONTHLY":
            following = min(end, dt.date(first.year + first.month // 12, first.month % 12 + 1, 1))
        else:
            following = first + dt.timedelta(days=1)
        periods.append((first, following))
        first = following
    return tuple(periods)


# ---- pagination tokens: opaque to the caller, bound to the request -------------------------------


def _encode_token(offset: int, fingerprint: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}:{fingerprint}".encode()).decode().rstrip("=")


def _decode_token(token: str, fingerprint: str) -> int:
    try:
        offset_text, token_fingerprint = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().split(":")
        offset = int(offset_text)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise CostExplorerError("InvalidNextTokenException", _INVALID_TOKEN) from None
    if token_fingerprint != fingerprint:
        raise CostExplorerError("RequestChangedException", _REQUEST_CHANGED)
    return offset


# --------------------------------------------------------------------------------------------
# Validation against botocore's model
# --------------------------------------------------------------------------------------------


@functools.cache
def _input_shape():
    import botocore.session  # imported lazily: only validation needs it

    model = botocore.session.get_session().get_service_model("ce")
    return model.operation_model(OPERATION).input_shape


# The enum whose violation the semantic checks report, with AWS's own wording ("Group Definition type is
# invalid.").
_ENUMS_CHECKED_LATER = {"GroupDefinitionType"}


def _validate_against_model(params: dict) -> None:
    if not isinstance(params, dict):
        raise CostExplorerError("SerializationException", "The request body must be a JSON object")
    errors: list[str] = []
    _check_shape(_input_shape(), params, "", errors)
    if errors:
        count = len(errors)
        raise _validation(f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(errors))


def _member_path(parent: str, name: str) -> str:
    camel = name[:1].lower() + name[1:]
    return f"{parent}.{camel}" if parent else camel


def _check_shape(shape, value, path: str, errors: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise CostExplorerError(
                "SerializationException", f"Expected an object at '{path or 'request'}', got {_json_type(value)}"
            )
        unknown = sorted(set(value) - set(shape.members))
        if unknown:
            raise _validation(
                f"Unknown parameter(s) {unknown} in '{path or 'request'}'; valid parameters: {sorted(shape.members)}"
            )
        for name in shape.required_members:
            if value.get(name) is None:
                errors.append(
                    f"Value null at '{_member_path(path, name)}' failed to satisfy constraint: Member must not be null"
                )
        for name, member in shape.members.items():
            if value.get(name) is not None:
                _check_shape(member, value[name], _member_path(path, name), errors)
    elif kind == "list":
        if not isinstance(value, list):
            raise CostExplorerError("SerializationException", f"Expected a list at '{path}', got {_json_type(value)}")
        _check_length(shape, len(value), value, path, errors)
        for index, item in enumerate(value, start=1):
            _check_shape(shape.member, item, f"{path}.{index}.member", errors)
    elif kind == "string":
        if not isinstance(value, str):
            raise CostExplorerError("SerializationException", f"Expected a string at '{path}', got {_json_type(value)}")
        _check_length(shape, len(value), value, path, errors)
        pattern = shape.metadata.get("pattern")
        if pattern and not _compiled_pattern(pattern).fullmatch(value):
            errors.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: Member must "
                f"satisfy regular expression pattern: {pattern}"
            )
        enum = shape.enum
        if enum and value not in enum and shape.name not in _ENUMS_CHECKED_LATER:
            errors.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: Member must "
                f"satisfy enum value set: [{', '.join(enum)}]"
            )
    elif kind == "map":
        if not isinstance(value, dict):
            raise CostExplorerError(
                "SerializationException", f"Expected an object at '{path}', got {_json_type(value)}"
            )
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise CostExplorerError(
                "SerializationException", f"Expected a boolean at '{path}', got {_json_type(value)}"
            )
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            raise CostExplorerError(
                "SerializationException", f"Expected an integer at '{path}', got {_json_type(value)}"
            )


def _check_length(shape, length: int, value, path: str, errors: list[str]) -> None:
    shown = value if isinstance(value, str) else "[...]"
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and length < low:
        errors.append(
            f"Value '{shown}' at '{path}' failed to satisfy constraint: Member must have "
            f"length greater than or equal to {low}"
        )
    if high is not None and length > high:
        errors.append(
            f"Value '{shown}' at '{path}' failed to satisfy constraint: Member must have "
            f"length less than or equal to {high}"
        )


@functools.cache
def _compiled_pattern(pattern: str) -> re.Pattern:
    """AWS writes patterns for Java's regex engine; translate the Unicode classes Python lacks."""
    translated = (
        pattern.replace(r"\p{Z}-_", r"\s\-_").replace(r"\p{L}", r"\w").replace(r"\p{N}", r"\d").replace(r"\p{Z}", r"\s")
    )
    return re.compile(translated, re.DOTALL)


def _json_type(value) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


# --------------------------------------------------------------------------------------------
# Semantic checks
# --------------------------------------------------------------------------------------------


def _parse_date(text: str, field: str) -> dt.date:
    date_text, _, time_text = text.partition("T")
    try:
        day = dt.date.fromisoformat(date_text)
    except ValueError:
        raise _validation(f"{field} {text!r} is not a valid date: expected YYYY-MM-DD") from None
    if time_text and time_text != "00:00:00Z":
        raise _validation(
            f"{field} {text!r} has a time of day; only HOURLY granularity takes times other than midnight (T00:00:00Z)"
        )
    return day


def _parse_metrics(metrics: list[str]) -> tuple[str, ...]:
    if not metrics:
        raise _validation(
            "Metrics is required for GetCostAndUsage requests: give at least one of " + ", ".join(METRICS)
        )
    for metric in metrics:
        if metric in _UNMODELLED_METRICS:
            raise _not_modelled(f"Metric {metric}")
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise _validation(
            f"Invalid metric name(s) {unknown}: valid values are {', '.join(METRICS + _UNMODELLED_METRICS[:2])}"
        )
    return tuple(dict.fromkeys(metrics))


def _parse_group_by(group_by: list[dict] | None) -> tuple[tuple[str, str], ...]:
    if not group_by:
        return ()
    if len(group_by) > 2:
        raise _validation(
            f"GroupBy has {len(group_by)} group definitions: you can group by at most "
            "two (dimensions, tag keys, cost categories or product attributes)"
        )
    groups = []
    for definition in group_by:
        kind, key = definition.get("Type"), definition.get("Key")
        if not kind or not key:
            raise _validation("Group Definition is invalid. Both type an key need to be set to a non-empty value.")
        if kind not in ("DIMENSION", "TAG", "COST_CATEGORY", "PRODUCT_ATTRIBUTE"):
            raise _validation("Group Definition type is invalid.")
        if kind == "PRODUCT_ATTRIBUTE":
            raise _not_modelled(f"GroupBy type {kind} (key {key!r})")
        if kind == "DIMENSION":
            if key not in GROUPABLE_DIMENSIONS:
                raise _validation(
                    "Group Definition dimension is invalid. Valid values are " + ", ".join(GROUPABLE_DIMENSIONS)
                )
            if key not in _MODELLED_DIMENSIONS:
                raise _not_modelled(f"GroupBy dimension {key}")
        groups.append((kind, key))
    if len(set(groups)) != len(groups):
        raise _validation(f"GroupBy names {groups[0][0]} {groups[0][1]!r} twice: each group definition must differ")
    return tuple(groups)


# The simple filters of an Expression: member -> the GroupBy type whose values it reads.
_SIMPLE_FILTERS = {"Dimensions": "DIMENSION", "Tags": "TAG", "CostCategories": "COST_CATEGORY"}


def _check_expression(expression: dict, path: str) -> None:
    """Refuse a Filter Cost Explorer would refuse, or one this fake does not answer (named as such)."""
    given = [name for name in _EXPRESSION_MEMBERS if expression.get(name) is not None]
    if len(given) != 1:
        raise _validation(
            f"{path}: an Expression must hold exactly one of {', '.join(_EXPRESSION_MEMBERS)}; it holds "
            f"{', '.join(given) if given else 'none'}"
        )
    member = given[0]
    if member in ("And", "Or"):
        if len(expression[member]) < 1:
            raise _validation(f"{path}.{member}: give at least one Expression")
        for index, inner in enumerate(expression[member]):
            _check_expression(inner, f"{path}.{member}[{index}]")
        return
    if member == "Not":
        _check_expression(expression["Not"], f"{path}.Not")
        return
    _check_simple_filter(expression[member], member, f"{path}.{member}")


def _check_simple_filter(values: dict, member: str, path: str) -> None:
    key = values.get("Key")
    if not key:
        raise _not_modelled(f"{path} without a Key (the ABSENT match over every key)")
    if member == "Dimensions" and key not in _MODELLED_DIMENSIONS:
        raise _not_modelled(f"{path} on dimension {key}")
    options = [option for option in values.get("MatchOptions") or [] if option != "EQUALS"]
    if options:
        raise _not_modelled(f"{path} MatchOptions {options}")
    if not values.get("Values"):
        raise _validation(f"{path}: Values is required with the EQUALS match option; give at least one value")


def _key_renderer(group_by: tuple[tuple[str, str], ...]):
    """A group key -> the answer's Keys list: a dimension's value as it is; a tag's or a cost category's
    as "<key>$<value>" ("team$payments", "team$" for cost without the tag), as Cost Explorer writes them."""
    prefixes = [None if kind == "DIMENSION" else f"{key}$" for kind, key in group_by]
    if len(group_by) == 1:
        prefix = prefixes[0]
        return (lambda key: [key]) if prefix is None else (lambda key: [prefix + key])
    return lambda key: [value if p is None else p + value for p, value in zip(prefixes, key, strict=True)]


# ---- amounts ------------------------------------------------------------------------------------


def _format_amount(amount: Decimal) -> str:
    """CE-style amount string: at most 10 decimal places, no exponent, no trailing zeros, "0"."""
    amount = amount.quantize(AMOUNT_QUANTUM)
    if not amount:
        return "0"
    text = format(amount, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
