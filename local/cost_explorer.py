"""A fake Cost Explorer that answers GetCostAndUsage like the real service, from a synthetic org.

    org = SyntheticOrganisation("small", seed=7, today=date(2025, 3, 12))
    ce = FakeCostExplorer(org)
    ce.get_cost_and_usage({"TimePeriod": {...}, "Granularity": "DAILY", "Metrics": [...]})

``params`` is the request body: the same keys as ``boto3.client("ce").get_cost_and_usage(**params)``.
The answer is shaped like AWS's JSON (amounts are strings); errors raise ``CostExplorerError`` with
the AWS error code. Every call, failed or not, each page included, is appended to ``requests``:
AWS bills each one ($0.01).

Data availability [1][2][3]
    * data exists from the 1st of the month 13 months before today's month, through today (today is
      partial). A Start before that raises ValidationException "You haven't enabled historical
      data beyond 14 months." (the message live accounts get [4]; 14 = 13 previous months + this).
    * Start after today raises ValidationException [2]; End may run up to the 1st of next month, no
      further ("end date past the beginning of next month" [3]). Days after today inside that
      window come back as periods with no groups (zero Totals when ungrouped), Estimated true:
      nothing has been billed for them yet.

The Estimated flag [5][6][7]
    A result is Estimated while the billing period (calendar month) it falls in is not final: every
    period of the current month, and periods of the previous month until BILL_FINALISED_DAY (the
    5th) of the current month, when AWS has issued the invoice. Older months: Estimated false.
    (AWS bills "finalize within the first 5-7 days of the following month" [5], "generally ...
    around the 5th" [6]; support fees for the prior month land on the 6th or 7th [7].)

Pagination
    Grouped results page through the flattened list of (period, group) pairs, GROUPS_PER_PAGE groups
    a page; a period split across pages appears on each page with its share of the groups (as AWS
    does: callers must merge same-period results). Ungrouped answers are one page. The NextPageToken
    is opaque and bound to the request that produced it: a token that does not decode raises
    InvalidNextTokenException; a valid token sent with different parameters raises
    RequestChangedException (both in botocore's model of GetCostAndUsage's errors, with its wording).

    The page size is an assumption, not a fact: AWS documents none (GetCostAndUsage has no MaxResults;
    the pricing page only says each page is billed). Public hints disagree and none is verified: a
    comment in one project's code says Cost Explorer "paginates at ~20 000 rows", another project's
    notes claim 100 groups a page while saying they never came near it. GROUPS_PER_PAGE takes the only
    one that reads as an observation at face value, 20,000; it was not tuned to the report's targets
    (an earlier, arbitrary 250 would bill the small profile 9 requests a day). What it means for the
    report's one query (DAILY, by SERVICE and RECORD_TYPE, 29 to 62 days), measured on these profiles
    (tests/bench/bench_report.py):
        small       about 36 groups a day, at most 2,241 groups:          1 page
        large-org   about 697 groups a day (350 services, each with a usage and an Enterprise
                    Discount Program line), up to 43,226 groups:        2 pages for windows of up to
                                                                        57 days, 3 for the longest
    In general requests = ceil(groups / page size); docs/performance.md has the table for other
    page sizes. Pass ``groups_per_page`` to FakeCostExplorer to try one (the tests use 7 and 250 to
    exercise merging across pages).

Validation
    First against botocore's service model (required members, types, lengths, patterns), worded
    like AWS's framework ("1 validation error detected: Value ... at 'timePeriod.start' failed to
    satisfy constraint: ..."); then the semantics AWS checks, with the real messages where public
    responses show them:
        "Start date (and hour) should be before end date (and hour)"      Start >= End
        "end date past the beginning of next month"                        End too late
        "You haven't enabled historical data beyond 14 months."            Start too early
        "Group Definition type is invalid."                                GroupBy Type unknown
        "Group Definition is invalid. Both type an key need to be set to a non-empty value."
        "Group Definition dimension is invalid. Valid values are ..."      GroupBy Key unknown
        "Dimension RESOURCE_ID is not allowed."                            Filter key not allowed
        "And expression must have at least 2 operands"                     And/Or with < 2
        "Expression has more than one roots. Only one root operator is allowed for each
         expression: And, Or, Not, Dimensions, Tags, CostCategories"       (from the API docs)
        AccessDeniedException "HOURLY data is not publicly supported yet, please reach out to
         customer service to opt in for private Beta."                     HOURLY (not opted in)
    Other messages (bad Granularity, unknown metric, > 2 GroupBy, malformed date, bad MatchOptions)
    are ours: they name the field, the bad value and what is allowed. Dimensions AWS accepts but this
    fake does not model (AZ, INSTANCE_TYPE, ...) raise ValidationException saying so, rather than
    being silently ignored. Unknown request keys raise too (botocore would refuse them client-side).
    Metric names are accepted in both spellings AWS accepts ("UnblendedCost", "UNBLENDED_COST" [8]);
    the answer keys the metric as the request spelled it.

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
    [8] https://github.com/withcoral/coral/pull/1062 (tested against live Cost Explorer)
    Real error messages: zoph-io/instance-watcher#18 (Start/End order), aws-samples/
    aws-cost-explorer-report#27 (And operands), aws/aws-sdk-php#1590 (Group Definition type),
    FittedCloud/costreporter#5 (empty Group Definition), aws/aws-cli#8536 (Dimension not allowed),
    aws/aws-sdk-java#1645 and the Expression API reference (roots); the HOURLY and "Group
    Definition dimension" messages are quoted in public code comments.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import hashlib
import hmac
import json
import operator
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from local.synthetic_org import AMOUNT_QUANTUM, ZERO, LineItem, SyntheticOrganisation

__all__ = ["CostExplorerError", "FakeCostExplorer", "SyntheticOrganisation", "GROUPS_PER_PAGE", "METRICS"]

# Groups per page of a grouped answer. AWS does not document its page size: an assumption, see the
# module docstring ("Pagination") and docs/performance.md.
GROUPS_PER_PAGE = 20_000

OPERATION = "GetCostAndUsage"

METRICS = (
    "AmortizedCost",
    "BlendedCost",
    "NetAmortizedCost",
    "NetUnblendedCost",
    "NormalizedUsageAmount",
    "UnblendedCost",
    "UsageQuantity",
)
# AWS also takes the UPPER_SNAKE spelling of each metric name.
_METRIC_ALIASES = {re.sub(r"(?<!^)(?=[A-Z])", "_", m).upper(): m for m in METRICS}
_COST_METRICS = {"AmortizedCost", "BlendedCost", "NetAmortizedCost", "NetUnblendedCost", "UnblendedCost"}
# Which LineItem field each metric sums. No RIs or Savings Plans are modelled, so amortised cost is
# the unblended cost (see local.synthetic_org).
_METRIC_FIELD = {
    "UnblendedCost": LineItem._fields.index("unblended"),
    "AmortizedCost": LineItem._fields.index("unblended"),
    "BlendedCost": LineItem._fields.index("blended"),
    "NetUnblendedCost": LineItem._fields.index("net_unblended"),
    "NetAmortizedCost": LineItem._fields.index("net_unblended"),
    "UsageQuantity": LineItem._fields.index("usage_quantity"),
    "NormalizedUsageAmount": LineItem._fields.index("normalized_usage"),
}
_ACCOUNT_INDEX = LineItem._fields.index("account")
_UNIT_INDEX = LineItem._fields.index("unit")
_USAGE_INDEX = LineItem._fields.index("usage_quantity")
MIXED_UNITS = "N/A"  # the Unit CE reports when usage of different units is added up

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
# Dimension keys a GetCostAndUsage Filter may never use (AWS: "Dimension X is not allowed.").
_FILTER_FORBIDDEN_DIMENSIONS = {
    "LINKED_ACCOUNT_NAME",
    "SERVICE_CODE",
    "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
    "ANOMALY_TOTAL_IMPACT_PERCENTAGE",
    "PRODUCT_ATTRIBUTE",
    "RESOURCE_ID",
    "RIGHTSIZING_TYPE",
    "AGREEMENT_END_DATE_TIME_AFTER",
    "AGREEMENT_END_DATE_TIME_BEFORE",
}
# The dimensions the synthetic data has, and the LineItem field each reads.
_MODELLED_DIMENSIONS = {
    "LINKED_ACCOUNT": LineItem._fields.index("account"),
    "SERVICE": LineItem._fields.index("service"),
    "REGION": LineItem._fields.index("region"),
    "USAGE_TYPE": LineItem._fields.index("usage_type"),
    "RECORD_TYPE": LineItem._fields.index("record_type"),
}
_EXPRESSION_ROOTS = ("And", "Or", "Not", "Dimensions", "Tags", "CostCategories", "ProductAttributes")

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


# --------------------------------------------------------------------------------------------
# Parsed request
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Period:
    start: dt.date
    end: dt.date  # exclusive


@dataclass(frozen=True)
class _Query:
    periods: tuple[_Period, ...]
    metrics: tuple[str, ...]  # as the request spelled them (deduplicated, in order)
    group_by: tuple[tuple[str, str], ...]  # (Type, Key)
    predicate: Callable[[LineItem], bool] | None
    filter_accounts: frozenset[str]  # LINKED_ACCOUNT values the filter names
    fingerprint: str  # identifies the request, NextPageToken aside
    page_offset: int


@dataclass
class _PeriodResult:
    """One period's sums, kept unrendered: only the groups on the page asked for get rendered."""

    period: _Period
    estimated: bool
    keys: list  # group keys in answer order ([()] when ungrouped)
    sums: list[dict]  # per requested metric: group key -> Decimal
    units: dict | None  # group key -> set of usage units (only when UsageQuantity is asked for)


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
        self._results: OrderedDict[str, list[_PeriodResult]] = OrderedDict()
        self._lock = threading.Lock()  # the local AWS may call from several threads at once
        # Tokens are signed so a forged or corrupted one is refused, as AWS refuses it.
        self._token_key = hashlib.sha256(
            f"{org.profile}|{org.seed}|{org.today}|{org.currency}|next-page-token".encode()
        ).digest()

    # ---- public API --------------------------------------------------------------------------

    def all_pages(self, params: dict) -> list[dict]:
        """Every page of one query, following NextPageToken as a caller must (each page is a request)."""
        pages = [self.get_cost_and_usage(params)]
        while "NextPageToken" in pages[-1]:
            pages.append(self.get_cost_and_usage({**params, "NextPageToken": pages[-1]["NextPageToken"]}))
        return pages

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
        granularity = params["Granularity"]
        if granularity not in ("DAILY", "MONTHLY", "HOURLY"):
            raise _validation(f"Granularity should be one of 'DAILY', 'MONTHLY' or 'HOURLY', got {granularity!r}")
        if granularity == "HOURLY":
            raise CostExplorerError(
                "AccessDeniedException",
                "HOURLY data is not publicly supported yet, please reach out to customer service "
                "to opt in for private Beta.",
            )
        metrics = _parse_metrics(params["Metrics"])
        start, end = self._parse_time_period(params["TimePeriod"])
        group_by = _parse_group_by(params.get("GroupBy"))
        predicate, accounts = (None, frozenset())
        if params.get("Filter") is not None:
            predicate, accounts = _compile_filter(params["Filter"], self.org, "Filter")
        self._check_billing_view(params.get("BillingViewArn"))

        request = {k: v for k, v in params.items() if k != "NextPageToken"}
        fingerprint = hashlib.sha256(json.dumps(request, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        offset = 0
        if params.get("NextPageToken"):
            offset = self._decode_token(params["NextPageToken"], fingerprint)
        return _Query(_periods(start, end, granularity), metrics, group_by, predicate, accounts, fingerprint, offset)

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

    def _check_billing_view(self, arn: str | None) -> None:
        """Only the management account's primary billing view exists in the synthetic org."""
        if arn is None:
            return
        primary = f"arn:aws:billing::{self.org.management_account_id}:billingview/primary"
        if arn != primary:
            raise CostExplorerError(
                "ResourceNotFoundException", f"The specified ARN in the request doesn't exist: {arn}"
            )

    # ---- pagination tokens -----------------------------------------------------------------------

    def _encode_token(self, offset: int, fingerprint: str) -> str:
        payload = f"{offset}:{fingerprint}".encode()
        signature = hmac.new(self._token_key, payload, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(payload + b":" + signature).decode().rstrip("=")

    def _decode_token(self, token: str, fingerprint: str) -> int:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            payload, signature = raw[:-17], raw[-16:]
            expected = hmac.new(self._token_key, payload, hashlib.sha256).digest()[:16]
            if raw[-17:-16] != b":" or not hmac.compare_digest(signature, expected):
                raise ValueError("bad signature")
            offset_text, token_fingerprint = payload.decode().split(":")
            offset = int(offset_text)
        except (ValueError, UnicodeDecodeError):
            raise CostExplorerError("InvalidNextTokenException", _INVALID_TOKEN) from None
        if token_fingerprint != fingerprint:
            raise CostExplorerError("RequestChangedException", _REQUEST_CHANGED)
        return offset

    # ---- evaluation --------------------------------------------------------------------------------

    def _results_for(self, query: _Query) -> list[_PeriodResult]:
        """The whole (unpaginated) answer, cached so following pages cost nothing to compute."""
        cached = self._results.get(query.fingerprint)
        if cached is not None:
            self._results.move_to_end(query.fingerprint)
            return cached
        results = [self._evaluate_period(query, period) for period in query.periods]
        self._results[query.fingerprint] = results
        if len(self._results) > self.RESULT_CACHE_SIZE:
            self._results.popitem(last=False)
        return results

    def _evaluate_period(self, query: _Query, period: _Period) -> _PeriodResult:
        """Sum the period's line items per group. This is the hot loop of the fake (a 60-day query
        of a large organisation reads about a quarter of a million line items), hence the
        specialised single-metric path and the key function built from itemgetter."""
        key_of, _ = _group_key_function(query.group_by, self.org)
        fields = [_METRIC_FIELD[_canonical_metric(m)] for m in query.metrics]
        sums: list[dict] = [{} for _ in fields]
        want_units = any(_canonical_metric(m) == "UsageQuantity" for m in query.metrics)
        units: dict | None = {} if want_units else None
        predicate = query.predicate
        day = period.start
        while day < period.end:
            lines = self.org.lines_for_day(day)
            if predicate is not None:
                lines = [line for line in lines if predicate(line)]
            if len(fields) == 1 and not want_units:
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
                    if want_units:
                        seen = units.setdefault(key, set())
                        if line[_USAGE_INDEX]:
                            seen.add(line[_UNIT_INDEX])
            day += dt.timedelta(days=1)

        keys = sorted(sums[0]) if query.group_by else [key_of(None)]
        return _PeriodResult(period, self.org.is_estimated(period.start), keys, sums, units)

    def _render_metrics(self, metrics: tuple[str, ...], result: _PeriodResult, key) -> dict:
        rendered = {}
        for name, metric_sums in zip(metrics, result.sums, strict=True):
            canonical = _canonical_metric(name)
            if canonical in _COST_METRICS:
                unit = self.org.currency
            elif canonical == "UsageQuantity":
                seen = result.units.get(key, ())
                unit = next(iter(seen)) if len(seen) == 1 else MIXED_UNITS
            else:
                unit = MIXED_UNITS
            rendered[name] = {"Amount": _format_amount(metric_sums.get(key, ZERO)), "Unit": unit}
        return rendered

    # ---- pages and rendering -------------------------------------------------------------------

    def _page(self, results: list[_PeriodResult], query: _Query):
        """The periods on the page starting at query.page_offset, each with the slice of its group
        keys on that page, and the offset of the next page (None on the last page)."""
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
                # A period with no groups rides on the page its position falls in.
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
            response["NextPageToken"] = self._encode_token(next_offset, query.fingerprint)
        if query.group_by:
            response["GroupDefinitions"] = [{"Type": t, "Key": k} for t, k in query.group_by]
        _, key_to_list = _group_key_function(query.group_by, self.org)
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
                    "TimePeriod": {"Start": result.period.start.isoformat(), "End": result.period.end.isoformat()},
                    "Total": total,
                    "Groups": groups,
                    "Estimated": result.estimated,
                }
            )
        response["ResultsByTime"] = results_by_time
        response["DimensionValueAttributes"] = self._dimension_value_attributes(query, page, key_to_list)
        return response

    def _dimension_value_attributes(self, query: _Query, page, key_to_list) -> list[dict]:
        """Account names for the LINKED_ACCOUNT values on this page (grouped) or in the filter."""
        positions = [i for i, (t, k) in enumerate(query.group_by) if t == "DIMENSION" and k == "LINKED_ACCOUNT"]
        accounts = set(query.filter_accounts)
        if positions:
            for _, keys in page:
                for key in keys:
                    values = key_to_list(key)
                    accounts.update(values[i] for i in positions)
        return [
            {"Value": account, "Attributes": {"description": self.org.accounts[account]}}
            for account in sorted(accounts)
            if account in self.org.accounts
        ]


# --------------------------------------------------------------------------------------------
# Validation against botocore's model
# --------------------------------------------------------------------------------------------


@functools.cache
def _input_shape():
    import botocore.session  # imported lazily: only validation needs it

    model = botocore.session.get_session().get_service_model("ce")
    return model.operation_model(OPERATION).input_shape


# Enums whose violations the semantic checks report, with AWS's own wording.
_ENUMS_CHECKED_LATER = {"Granularity", "GroupDefinitionType", "Dimension"}


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


def _periods(start: dt.date, end: dt.date, granularity: str) -> tuple[_Period, ...]:
    """DAILY: one period per day. MONTHLY: one per calendar month, the first and last cut to the
    requested range (as AWS does)."""
    periods = []
    cursor = start
    while cursor < end:
        if granularity == "DAILY":
            following = cursor + dt.timedelta(days=1)
        else:
            index = cursor.year * 12 + cursor.month  # first day of the next month
            following = min(dt.date(index // 12, index % 12 + 1, 1), end)
        periods.append(_Period(cursor, following))
        cursor = following
    return tuple(periods)


def _canonical_metric(name: str) -> str:
    return _METRIC_ALIASES.get(name, name)


def _parse_metrics(metrics: list[str]) -> tuple[str, ...]:
    if not metrics:
        raise _validation(
            "Metrics is required for GetCostAndUsage requests: give at least one of " + ", ".join(METRICS)
        )
    unknown = [m for m in metrics if _canonical_metric(m) not in METRICS]
    if unknown:
        raise _validation(
            f"Invalid metric name(s) {unknown}: valid values are {', '.join(METRICS)} (or {', '.join(_METRIC_ALIASES)})"
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
    parsed = []
    for definition in group_by:
        kind, key = definition.get("Type"), definition.get("Key")
        if not kind or not key:
            raise _validation("Group Definition is invalid. Both type an key need to be set to a non-empty value.")
        if kind not in ("DIMENSION", "TAG", "COST_CATEGORY", "PRODUCT_ATTRIBUTE"):
            raise _validation("Group Definition type is invalid.")
        if kind == "DIMENSION":
            if key not in GROUPABLE_DIMENSIONS:
                raise _validation(
                    "Group Definition dimension is invalid. Valid values are " + ", ".join(GROUPABLE_DIMENSIONS)
                )
            if key not in _MODELLED_DIMENSIONS:
                raise _validation(_not_modelled(f"GroupBy dimension {key}"))
        if kind == "PRODUCT_ATTRIBUTE":
            raise _validation(_not_modelled(f"GroupBy type PRODUCT_ATTRIBUTE (key {key!r})"))
        parsed.append((kind, key))
    return tuple(parsed)


def _not_modelled(what: str) -> str:
    return (
        f"{what} is valid in Cost Explorer but not modelled by this fake; supported: "
        f"DIMENSION {', '.join(sorted(_MODELLED_DIMENSIONS))}, TAG and COST_CATEGORY"
    )


def _group_key_function(group_by: tuple[tuple[str, str], ...], org: SyntheticOrganisation):
    """(line -> group key, group key -> the answer's "Keys" list). Keys are spelled as CE spells
    them: dimension values as they are, tags and cost categories as "Key$value"."""
    if not group_by:
        return (lambda line: ()), (lambda key: [])
    if all(kind == "DIMENSION" for kind, _ in group_by):
        # itemgetter runs in C; with one index it returns the value itself, not a tuple.
        getter = operator.itemgetter(*(_MODELLED_DIMENSIONS[key] for _, key in group_by))
        return getter, ((lambda key: [key]) if len(group_by) == 1 else list)
    parts = []
    for kind, key in group_by:
        if kind == "DIMENSION":
            parts.append(operator.itemgetter(_MODELLED_DIMENSIONS[key]))
        elif kind == "TAG":
            parts.append(lambda line, k=key: f"{k}${org.tag_value(k, line)}")
        else:  # COST_CATEGORY
            parts.append(lambda line, k=key: f"{k}${org.cost_category_value(k, line[_ACCOUNT_INDEX])}")
    return (lambda line: tuple(part(line) for part in parts)), list


# ---- Filter ----------------------------------------------------------------------------------


def _compile_filter(expression: dict, org: SyntheticOrganisation, path: str):
    """Filter expression -> (predicate over LineItem, LINKED_ACCOUNT values it names)."""
    roots = [name for name in _EXPRESSION_ROOTS if expression.get(name) is not None]
    if len(roots) > 1:
        raise _validation(
            "Expression has more than one roots. Only one root operator is allowed "
            "for each expression: And, Or, Not, Dimensions, Tags, CostCategories"
        )
    if not roots:
        raise _validation(
            f"Expression has zero or more than one roots ({path} is empty). Only one "
            "root operator is allowed for each expression: And, Or, Not, Dimensions, "
            "Tags, CostCategories"
        )
    root = roots[0]
    value = expression[root]
    if root in ("And", "Or"):
        if len(value) < 2:
            raise _validation(f"{root} expression must have at least 2 operands")
        compiled = [_compile_filter(e, org, f"{path}.{root}[{i}]") for i, e in enumerate(value)]
        predicates = [p for p, _ in compiled]
        accounts = frozenset().union(*(a for _, a in compiled))
        if root == "And":
            return (lambda line: all(p(line) for p in predicates)), accounts
        return (lambda line: any(p(line) for p in predicates)), accounts
    if root == "Not":
        inner, accounts = _compile_filter(value, org, f"{path}.Not")
        return (lambda line: not inner(line)), accounts
    if root == "Dimensions":
        return _compile_dimension_filter(value, path)
    if root == "Tags":
        key, values, absent = _key_values(value, f"{path}.Tags", ("EQUALS", "ABSENT", "CASE_SENSITIVE"))
        return (
            lambda line: (org.tag_value(key, line) == "") if absent else org.tag_value(key, line) in values
        ), frozenset()
    if root == "CostCategories":
        key, values, absent = _key_values(value, f"{path}.CostCategories", ("EQUALS", "ABSENT", "CASE_SENSITIVE"))
        return (
            lambda line: (
                (org.cost_category_value(key, line[_ACCOUNT_INDEX]) == "")
                if absent
                else org.cost_category_value(key, line[_ACCOUNT_INDEX]) in values
            )
        ), frozenset()
    raise _validation(_not_modelled(f"{path}.ProductAttributes"))


def _compile_dimension_filter(value: dict, path: str):
    key = value.get("Key")
    if not key:
        raise _validation(f"{path}.Dimensions.Key is required: give one of " + ", ".join(sorted(_MODELLED_DIMENSIONS)))
    if key in _FILTER_FORBIDDEN_DIMENSIONS or key not in _dimension_enum():
        raise _validation(f"Dimension {key} is not allowed.")
    if key not in _MODELLED_DIMENSIONS:
        raise _validation(_not_modelled(f"{path}.Dimensions key {key}"))
    _, values, _ = _key_values(value, f"{path}.Dimensions", ("EQUALS", "CASE_SENSITIVE"))
    index = _MODELLED_DIMENSIONS[key]
    accounts = frozenset(values) if key == "LINKED_ACCOUNT" else frozenset()
    return (lambda line: line[index] in values), accounts


@functools.cache
def _dimension_enum() -> frozenset[str]:
    """Every Dimension value botocore's model knows."""
    dimensions = _input_shape().members["Filter"].members["Dimensions"]
    return frozenset(dimensions.members["Key"].enum)


def _key_values(value: dict, path: str, allowed_options: tuple[str, ...]):
    """Check Key/Values/MatchOptions of a Dimensions, Tags or CostCategories filter."""
    key = value.get("Key")
    if not key:
        raise _validation(f"{path}.Key is required")
    options = value.get("MatchOptions") or ["EQUALS"]
    bad = [o for o in options if o not in allowed_options]
    if bad:
        raise _validation(
            f"{path}.MatchOptions {bad} not supported by GetCostAndUsage: valid values are {', '.join(allowed_options)}"
        )
    absent = "ABSENT" in options
    values = value.get("Values") or []
    if not values and not absent:
        raise _validation(f"{path}.Values must list at least one value for key {key!r}")
    return key, frozenset(values), absent


# ---- amounts ------------------------------------------------------------------------------------


def _format_amount(amount: Decimal) -> str:
    """CE-style amount string: at most 10 decimal places, no exponent, no trailing zeros, "0"."""
    amount = amount.quantize(AMOUNT_QUANTUM)
    if not amount:
        return "0"
    text = format(amount, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
