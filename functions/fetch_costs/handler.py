"""FetchCosts: the day's report model from one Cost Explorer query, small enough for a state payload.

A thin edge: the settings (settings.settings(), read from the environment on first use), the event
validated into a FetchRequest, the pages fetched, then the pure modules: history.parse_history,
history.not_ready, summarise.summarise.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, Protocol, cast

import boto3  # type: ignore[import-untyped]
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import (  # type: ignore[import-untyped]
    ClientError,
    HTTPClientError,
)
from botocore.exceptions import ConnectionError as BotocoreConnectionError
from report_contract import CostReport, Secondary, objects
from report_contract.period import InvalidPeriod, ReportPeriod
from report_contract.spec import DEFAULT_REPORT_ID, Breakdown, InvalidReportSpec, ReportSpec

from fetch_costs import history_cache, sharing
from fetch_costs.budgets import account_of, read_monthly_budget
from fetch_costs.errors import (
    BudgetsAccessDenied,
    BudgetsThrottled,
    CostDataIncomplete,
    CostDataInvalid,
    CostDataNotReady,
    CostDataUnavailable,
    CostExplorerAccessDenied,
    CostExplorerThrottled,
    CostExplorerUnreachable,
    InvalidFetchRequest,
)
from fetch_costs.history import CostHistory, Day, not_ready, parse_history
from fetch_costs.lines import LineNames, line_namer, report_identity
from fetch_costs.period_summary import summarise_period
from fetch_costs.periods import PeriodHistory, monthly_history, queries, weekly_history
from fetch_costs.query import build_request, report_window, secondary_window, short_window
from fetch_costs.revised import revised
from fetch_costs.secondary import compared, period_costs, period_query, secondary_section
from fetch_costs.settings import ReportSettings, settings
from fetch_costs.shared import Shape, ShapeSlices, SliceInexact, shape_of
from fetch_costs.shared import shape_requests as shared_requests
from fetch_costs.summarise import check_reconciles, summarise

__all__ = [
    "BudgetsAccessDenied",
    "BudgetsThrottled",
    "CostDataIncomplete",
    "CostDataInvalid",
    "CostDataNotReady",
    "CostDataUnavailable",
    "CostExplorerAccessDenied",
    "CostExplorerThrottled",
    "CostExplorerUnreachable",
    "InvalidFetchRequest",
    "lambda_handler",
]

logger = Logger(service="cost-notifier")
# Only botocore (Cost Explorer, Budgets, S3), not Powertools' default patch_all, which imports and patches
# every library X-Ray supports that is installed (sqlite3 among them), none of which this function uses.
tracer = Tracer(service="cost-notifier", patch_modules=["botocore"])
metrics = Metrics(namespace="CostNotifier", service="cost-notifier")
# S3 PUTs of slices in flight at once (FetchSharedCosts): enough to write a thousand slices in seconds,
# few enough for the function's 256 MB and S3's 3,500 PUTs a second per prefix
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html).
SLICE_WRITERS = 16

# The report a payload without "report" is: the whole organisation by service.
DEFAULT_REPORT = ReportSpec(DEFAULT_REPORT_ID, DEFAULT_REPORT_ID, recipients=())

# The message Cost Explorer gives for a Start older than the history it keeps.
_HISTORY_LIMIT = "historical data beyond"


@dataclass(frozen=True)
class FetchRequest:
    """What the state machine passes: {"reportDate": <the period's last day>, "period": {...}, "report": {...}}.

    `period` (report_contract.period) and `report` (the report's declaration, report_contract.spec) may be
    absent: a payload from the definition before reports existed (an execution still running during a
    deployment) is the default report, the whole organisation by service, for the day reportDate."""

    report_date: date
    period: ReportPeriod
    report: ReportSpec
    # The run's shared answer for this report's shape ({"key", "fetchedAt"}, fetch_costs.sharing), if any.
    shared: dict[str, str] | None = None
    # ReadPreviousReport's answer: the previous period's record as GetItem returns it, {} or its error
    # (fetch_costs.revised reads it; anything unreadable just means no "Revised" line).
    previous_report: object = None

    @classmethod
    def from_event(cls, event: object) -> FetchRequest:
        fields = {"reportDate", "period", "report", "shared", "previousReport"}
        if not isinstance(event, dict) or "reportDate" not in event or set(event) - fields:
            raise InvalidFetchRequest(
                f'expected {{"reportDate": "YYYY-MM-DD", "period": {{...}}, "report": {{...}}}}, got {event!r:.200}'
            )
        raw = event["reportDate"]
        if not isinstance(raw, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise InvalidFetchRequest(f"reportDate: expected YYYY-MM-DD, got {raw!r}")
        try:
            report_date = date.fromisoformat(raw)
        except ValueError:
            raise InvalidFetchRequest(f"reportDate: {raw} is not a real calendar day") from None
        try:
            period = ReportPeriod.from_state(event["period"]) if "period" in event else ReportPeriod.day(report_date)
            report = (
                ReportSpec.from_state(event["report"].get("id"), event["report"])
                if isinstance(event.get("report"), dict)
                else DEFAULT_REPORT
            )
        except (InvalidPeriod, InvalidReportSpec) as error:
            raise InvalidFetchRequest(str(error)) from None
        if period.last_day != report_date:
            raise InvalidFetchRequest(f"reportDate: {raw} is not the last day of the period {period.key}")
        shared = event.get("shared")
        if shared is not None and not (isinstance(shared, dict) and {"key", "fetchedAt"} <= set(shared)):
            raise InvalidFetchRequest(f'shared: expected null or {{"key": ..., "fetchedAt": ...}}, got {shared!r:.200}')
        return cls(
            report_date=report_date,
            period=period,
            report=report,
            shared=shared,
            previous_report=event.get("previousReport"),
        )


# Below the function's 60 s Lambda timeout (terraform/lambda.tf), so a Cost Explorer endpoint that cannot be
# reached, or that never answers, fails the invocation with botocore's error name (ConnectTimeoutError,
# ReadTimeoutError) in the state's output instead of Lambda's "Task timed out". botocore's defaults are 60 s
# each. A page usually takes 1 to 3 s; 20 s leaves room for a slow one.
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 20


@functools.cache
def cost_explorer() -> Any:
    """Created on first use, not at import. Cost Explorer has one endpoint, in us-east-1.
    botocore's own retries are off: every retried request is billed, and retry policy belongs to the
    state machine, where it is visible and the same for every task."""
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )
    return boto3.client("ce", region_name="us-east-1", config=config)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    base_settings = settings()  # a bad setting fails every invocation, naming the variable
    PAGE_GROUPS.clear()  # this invocation's pages only (a warm container keeps the module)
    if isinstance(event, dict) and set(event) == {"share"}:  # FetchSharedCosts, in the dispatching run
        return share_costs(event["share"], base_settings)
    request = FetchRequest.from_event(event)
    report_settings = for_report(base_settings, request.report)
    if request.period.kind != "day":  # a weekly or monthly report: fetch_costs.periods
        return _period_report(request.period, report_settings, request.report, context)
    history = shared_history(request, report_settings) or fetch_history(
        request.report_date, report_settings.metric, report_settings.max_requests, request.report
    )
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
    report = build_report(request, with_budget(report_settings, request.period, history.currency, context), history)
    figures = request_metrics(report.requests)
    metrics.add_metric(name="ReportedDailyTotal", unit=MetricUnit.NoUnit, value=float(report.total))
    metrics.add_metric(name="Anomalies", unit=MetricUnit.Count, value=report.anomaly_count)
    state = report.to_state()
    logger.info(
        "Costs fetched",
        extra={
            "reportDate": state["reportDate"],
            "report": request.report.id,
            "total": state["total"],
            "currency": state["currency"],
            **figures,
            "services": report.service_count,
            "alerts": state["alerts"],
            "historyStart": history.start.isoformat(),
        },
    )
    return state


def share_costs(share: object, base: ReportSettings) -> dict[str, Any]:
    """FetchSharedCosts (fetch_costs.sharing): the run's due reports and their declarations from S3, one
    query per shape for its daily reports, each report's slice in S3, and the due list, each sliced report's
    child input given {"shared": ...}, written to objects.shared_due_key(run). Returns references and
    counts (sharing.ShareRequest.to_state), never the list: the same size for 2 reports or 10,000."""
    request = sharing.ShareRequest.from_event(share)
    due = sharing.read_due(request, sharing.read_reports())
    day, window = request.report_date, report_window(request.report_date)
    fetched_at = sharing.now().isoformat()
    billed = shapes = sliced = 0
    for shape, reports in sharing.shared_groups(due, lambda spec: for_report(base, spec).metric).items():
        if not sharing.worth_sharing(shape, reports, *window) or reports[0].item["input"]["period"] != day.isoformat():
            continue
        # The shape's query answers for all its reports, so it may spend what they may (the setting is per
        # report): a thousand teams' answer is a dozen pages, which a one-report budget of 10 would refuse,
        # sending every team back to a query of its own (a thousand requests).
        answers, requests = _shared_answers(day, shape, window, base.max_requests * len(reports))
        billed, shapes = billed + requests, shapes + 1
        slices = ShapeSlices(shape, answers)  # every report of the shape in one pass over the answers
        for report, key in zip(reports, _store_slices(day, request.run, slices, reports, window), strict=True):
            if key is not None:
                report.item["input"]["shared"] = {"key": key, "fetchedAt": fetched_at}
                sliced += 1
        del answers, slices  # one shape's answers in memory at a time: the next shape's are fetched next
    key = request.key  # no report got a slice: the children read the list ResolveReportDate wrote
    if sliced:
        key = objects.shared_due_key(request.run)
        sharing.store(key, [report.item for report in due])
    figures = request_metrics(billed)
    logger.info(
        "Shared queries fetched",
        extra={
            "shapes": shapes,
            **figures,
            "reports": request.count,
            "sliced": sliced,
            "key": key,
        },
    )
    return request.to_state(key, shapes, billed)


def _shared_answers(
    day: date, shape: Shape, window: tuple[date, date], max_requests: int
) -> tuple[list[list[dict[str, Any]]], int]:
    """Every page of each of the shape's requests, without boto3's ResponseMetadata (dropped in place: the
    answers can be most of the function's memory, so they are not copied), and the requests billed: each
    request's finalised months come from the history cache as a report's own query's do."""
    start, end = window
    answers, billed = [], 0
    for request in shared_requests(shape, start, end):
        cached = history_cache.read(request, start, end)
        remaining = {**request, "TimePeriod": {"Start": cached.start.isoformat(), "End": end.isoformat()}}
        pages = fetch_pages(day, cached.start, end, _Fixed(remaining, max_requests)) if cached.start < end else []
        for page in pages:
            page.pop("ResponseMetadata", None)
        history_cache.store(request, cached.start, end, pages)
        answers.append(cached.pages + pages)
        billed += len(pages)
    return answers, billed


def _store_slices(
    day: date, run: str, slices: ShapeSlices, reports: list[sharing.Due], window: tuple[date, date]
) -> list[str | None]:
    """Each report's slice stored (_store_slice), SLICE_WRITERS at a time: a PUT takes tens of milliseconds,
    so a thousand slices written one after another would outlast the function's 60 s timeout. The client
    is made before the threads (making a boto3 client is not thread-safe; using one is)."""
    sharing.s3()
    with ThreadPoolExecutor(max_workers=SLICE_WRITERS) as pool:
        return list(pool.map(lambda report: _store_slice(day, run, slices, report, window), reports))


def _store_slice(
    day: date, run: str, slices: ShapeSlices, report: sharing.Due, window: tuple[date, date]
) -> str | None:
    """The report's part of the shape's answers, in S3 for its child: exactly the pages its own query would
    return, so the child reads its slice, not every report's. None when it cannot be sliced exactly (the
    child then queries for itself)."""
    try:
        pages = slices.slice(report.spec.scope.values)
    except SliceInexact as error:  # a charge Cost Explorer spelt as no filter value
        logger.warning("A shared answer cannot be sliced exactly", extra={"report": report.spec.id, "why": str(error)})
        return None
    shape = slices.shape
    key = sharing.object_key(day, run, shape, report.spec.id)
    start, end = window
    sharing.store(key, {"shape": shape.key, "start": start.isoformat(), "end": end.isoformat(), "pages": pages})
    return key


@dataclass(frozen=True)
class _Fixed:
    """A request given whole (a shape's), paged by fetch_pages like a report's own query."""

    fixed: dict[str, Any]
    max_requests: int

    def request(self, start: date, end: date, token: str | None) -> dict[str, Any]:
        return {**self.fixed, **({"NextPageToken": token} if token else {})}


def shared_history(request: FetchRequest, report_settings: ReportSettings) -> CostHistory | None:
    """The report's history from its slice of the run's shared answer, or None when it has none, or a stale
    one, or one of another shape (then the report asks Cost Explorer itself)."""
    if request.shared is None or not sharing.is_fresh(request.shared["fetchedAt"], sharing.now()):
        return None
    shape = shape_of(request.report, report_settings.metric)
    try:
        document = sharing.load(request.shared["key"])
    except (ClientError, BotocoreConnectionError, HTTPClientError, ValueError) as error:
        # Only an optimisation: without its slice the report asks Cost Explorer itself.
        logger.warning("The report's shared slice cannot be read; querying for it", extra={"why": str(error)})
        return None
    if document.get("shape") != shape.key:
        return None
    start, end, pages = date.fromisoformat(document["start"]), date.fromisoformat(document["end"]), document["pages"]
    name = line_namer(shape.breakdown, pages)
    return parse_history(start, end, report_settings.metric, pages, requests=0, name=name)


def for_report(base: ReportSettings, report: ReportSpec) -> ReportSettings:
    """The deployment's settings with what the report's declaration sets instead: metric, top N, budgets.
    The credit balance is the organisation's: a scoped report's credits are only part of what uses it up."""
    return replace(
        base,
        metric=report.metric or base.metric,
        top_services=report.top_n or base.top_services,
        daily_budget=report.budget if report.budget is not None else base.daily_budget,
        monthly_budget=report.monthly_budget if report.monthly_budget is not None else base.monthly_budget,
        credit_balance=base.credit_balance if report.scope.kind == "organisation" else None,
        # A report's own monthly_budget is its budget: AWS Budgets is not asked for it.
        monthly_budget_name=base.monthly_budget_name if report.monthly_budget is None else None,
    )


def with_budget(
    report_settings: ReportSettings, period: ReportPeriod, currency: str, context: LambdaContext
) -> ReportSettings:
    """The report's monthly budget from AWS Budgets when MONTHLY_BUDGET_NAME names one (fetch_costs.budgets),
    in the currency of the costs; a weekly report has no monthly budget, so it does not ask."""
    name = report_settings.monthly_budget_name
    if name is None or period.kind == "week":
        return report_settings
    amount = read_monthly_budget(name, account_of(context.invoked_function_arn), period.last_day, currency)
    logger.info("Monthly budget read from AWS Budgets", extra={"budget": name, "amount": str(amount)})
    return replace(report_settings, monthly_budget=amount)


def build_report(request: FetchRequest, report_settings: ReportSettings, history: CostHistory) -> CostReport:
    """The report model; with a secondary breakdown, after its one extra query (counted in the requests)."""
    secondary = None
    breakdown = request.report.secondary_breakdown
    if breakdown is not None:
        extra = fetch_secondary(request, report_settings, history.requests)
        secondary = secondary_section(extra, request.report_date, breakdown, report_day_charges(history, request))
        history = replace(history, requests=history.requests + extra.requests)
        if secondary.unattributed != 0:
            logger.warning(
                "Cost Explorer's answer by the secondary breakdown does not add up to the main one's charges",
                extra={"breakdown": breakdown.label, "unattributed": str(secondary.unattributed)},
            )
    report = summarise(history, request.report_date, report_settings, report_identity(request.report), secondary)
    return replace(report, revised=revised(request.previous_report, report, report_settings))


def report_day_charges(history: CostHistory, request: FetchRequest) -> Decimal:
    """The main query's gross charges on the report day (0 if it lacks the day: summarise refuses that)."""
    day = history.day(request.report_date)
    return day.charges_total if day is not None else Decimal(0)


@tracer.capture_method
def fetch_history(report_date: date, metric: str, max_requests: int, report: ReportSpec | None = None) -> CostHistory:
    """The report's history: one query, every page of it, but for the whole months at its start that Cost
    Explorer has finalised and the history cache holds (_cached_history); each page is folded in as it
    arrives and dropped (the memory is one page's, however many there are). If Cost Explorer keeps nothing
    before the report day's month (a manual run for its oldest month), the query is repeated from the 1st
    of that month."""
    report = report or DEFAULT_REPORT
    query = _Query.of(report, report.breakdown, metric, max_requests)
    start, end = report_window(report_date)
    names = LineNames(query.breakdown)
    try:
        return _cached_history(report_date, start, end, query, names)
    except _HistoryLimit:
        start, end = short_window(report_date)
        logger.warning(
            "Cost Explorer keeps nothing before the report month; fetching from its 1st",
            extra={"start": start.isoformat()},
        )
        pages = names.watch(iter_pages(report_date, start, end, query, already_billed=1))
        history = parse_history(start, end, metric, pages, name=names)
        return replace(history, requests=history.requests + 1)


def _cached_history(report_date: date, start: date, end: date, query: _Query, names: LineNames) -> CostHistory:
    """The window's finalised months from the history cache, the rest from Cost Explorer, streamed (only its
    pages billed), and the months it has finalised since written to the cache (fetch_costs.history_cache):
    while the pages pass, history_cache.FinalMonths keeps those months' results, and nothing else."""
    described = query.request(start, end, None)
    cached = history_cache.read(described, start, end)
    final = history_cache.FinalMonths(cached.start, end)
    billed = [0]

    def queried() -> Iterator[dict[str, Any]]:
        if cached.start < end:
            for page in final.watch(iter_pages(report_date, cached.start, end, query)):
                billed[0] += 1
                yield page
                del page  # not held while the next page is fetched

    pages = names.watch(itertools.chain(cached.pages, queried()))
    history = parse_history(start, end, query.metric, pages, name=names)
    history_cache.store(described, cached.start, end, final.pages())
    if cached.months:
        logger.info(
            "Finalised months read from the history cache", extra={"months": [m.isoformat()[:7] for m in cached.months]}
        )
    return replace(history, requests=billed[0])


@tracer.capture_method
def fetch_secondary(request: FetchRequest, report_settings: ReportSettings, already_billed: int) -> CostHistory:
    """The secondary breakdown's query: the day before and the report day, every page of it (the report day
    alone when the day before is older than Cost Explorer keeps, as the main query falls back too)."""
    breakdown = cast(Breakdown, request.report.secondary_breakdown)
    query = _Query.of(request.report, breakdown, report_settings.metric, report_settings.max_requests)
    start, end = secondary_window(request.report_date)
    names = LineNames(breakdown)  # its pages streamed as the main query's (fetch_history)
    try:
        pages = names.watch(iter_pages(request.report_date, start, end, query, already_billed=already_billed))
        return parse_history(start, end, query.metric, pages, name=names)
    except _HistoryLimit:
        start = request.report_date
        pages = names.watch(iter_pages(request.report_date, start, end, query, already_billed=already_billed + 1))
        history = parse_history(start, end, query.metric, pages, name=names)
        return replace(history, requests=history.requests + 1)


@dataclass(frozen=True)
class _Query:
    """What one GetCostAndUsage query asks for, and the cap on the report's requests."""

    breakdown: Breakdown
    scope_filter: dict[str, Any] | None
    metric: str
    max_requests: int
    granularity: str = "DAILY"  # MONTHLY: a monthly report's months (fetch_costs.periods)

    @classmethod
    def of(cls, report: ReportSpec, breakdown: Breakdown, metric: str, max_requests: int) -> _Query:
        return cls(breakdown, report.scope.cost_explorer_filter(), metric, max_requests)

    def request(self, start: date, end: date, token: str | None) -> dict[str, Any]:
        group_by = self.breakdown.group_by()
        return build_request(
            start, end, self.metric, token, self.granularity, group_by=group_by, scope_filter=self.scope_filter
        )


def _period_report(
    period: ReportPeriod, report_settings: ReportSettings, spec: ReportSpec, context: LambdaContext
) -> dict[str, Any]:
    history = fetch_period_history(period, report_query(spec, report_settings.metric, report_settings.max_requests))
    reason = not_ready(history.daily, period.last_day)
    if reason is not None:
        raise CostDataNotReady(f"{period.key}: {reason}")
    report_settings = with_budget(report_settings, period, history.daily.currency, context)
    secondary, extra = _period_secondary(period, spec, report_settings, history)
    report = summarise_period(
        replace(history, requests=history.requests + extra), report_settings, report_identity(spec)
    )
    if secondary is not None:
        report = replace(report, secondary=secondary)
        check_reconciles(report)
    figures = request_metrics(report.requests)
    state = report.to_state()
    logger.info(
        "Costs fetched",
        extra={"period": period.key, "total": state["total"], **figures, "alerts": state["alerts"]},
    )
    return state


def _period_secondary(
    period: ReportPeriod, spec: ReportSpec, report_settings: ReportSettings, history: PeriodHistory
) -> tuple[Secondary | None, int]:
    """A weekly or monthly report's secondary section (None without a secondary breakdown) and the requests
    its query made, after the main queries' (within the report's cap)."""
    breakdown = spec.secondary_breakdown
    if breakdown is None:
        return None, 0
    current = history.buckets[-1].costs
    charges = current.charges_total if current is not None else Decimal(0)
    query = _Query.of(spec, breakdown, report_settings.metric, report_settings.max_requests)
    (costs, before), billed = fetch_period_secondary(period, query, history.requests)
    secondary = compared(costs, before, breakdown, charges)
    if secondary.unattributed != 0:
        logger.warning(
            "Cost Explorer's answer by the secondary breakdown does not add up to the main one's charges",
            extra={"breakdown": breakdown.label, "unattributed": str(secondary.unattributed)},
        )
    return secondary, billed


@tracer.capture_method
def fetch_period_secondary(
    period: ReportPeriod, query: _Query, already_billed: int
) -> tuple[tuple[Day, Day | None], int]:
    """The secondary breakdown's query of a weekly or monthly report (secondary.period_query), every page of
    it, and the requests it made; the period alone when Cost Explorer keeps nothing as old as the previous
    period (the refused request counted)."""
    window, refused = period_query(period), 0
    try:
        pages = fetch_pages(
            period.last_day, window.start, window.end, replace(query, granularity=window.granularity), already_billed
        )
    except _HistoryLimit:
        window, refused = period_query(period, short=True), 1
        pages = fetch_pages(
            period.last_day,
            window.start,
            window.end,
            replace(query, granularity=window.granularity),
            already_billed + 1,
        )
    name = line_namer(query.breakdown, pages)
    return period_costs(period, window, query.metric, pages, name), len(pages) + refused


@tracer.capture_method
def fetch_period_history(period: ReportPeriod, query: _Query) -> PeriodHistory:
    """A weekly or monthly report's queries (fetch_costs.periods), every page of each, with the report's
    scope and breakdown. If Cost Explorer keeps nothing as old as the first period, they are asked again
    for the report's period alone."""
    try:
        return _fetch_period(period, query, short=False, billed=0)
    except _HistoryLimit as limit:
        logger.warning("Cost Explorer keeps nothing as old as the trend; fetching the period alone")
        return _fetch_period(period, query, short=True, billed=limit.billed)


def _fetch_period(period: ReportPeriod, query: _Query, short: bool, billed: int) -> PeriodHistory:
    if period.kind == "week":
        return _fetch_weeks(period, query, short, billed)
    answers = []
    for window in queries(period, short):
        try:
            pages = fetch_pages(
                period.last_day, window.start, window.end, replace(query, granularity=window.granularity), billed
            )
        except _HistoryLimit:
            raise _HistoryLimit(billed + 1) from None
        billed += len(pages)
        answers.append((window, pages))
    daily_window, daily_pages = answers[-1]
    name = line_namer(query.breakdown, [page for _, pages in answers for page in pages])
    daily = parse_history(daily_window.start, daily_window.end, query.metric, daily_pages, requests=billed, name=name)
    months, month_pages = answers[0]
    return monthly_history(period, months, query.metric, month_pages, daily, billed, name)


def _fetch_weeks(period: ReportPeriod, query: _Query, short: bool, billed: int) -> PeriodHistory:
    """A weekly report's one DAILY query (fetch_costs.periods.queries), its pages streamed as fetch_history's:
    the eight weeks of a large organisation are as many pages as a daily report's window."""
    [window] = queries(period, short)
    names = LineNames(query.breakdown)
    pages = iter_pages(
        period.last_day, window.start, window.end, replace(query, granularity=window.granularity), billed
    )
    try:
        daily = parse_history(window.start, window.end, query.metric, names.watch(pages), name=names)
    except _HistoryLimit:
        raise _HistoryLimit(billed + 1) from None
    return weekly_history(period, replace(daily, requests=billed + daily.requests))


def report_query(report: ReportSpec, metric: str, max_requests: int) -> _Query:
    """The main query of a report: its scope, its breakdown, the metric, the cap on its requests."""
    return _Query.of(report, report.breakdown, metric, max_requests)


class _HistoryLimit(Exception):
    """Cost Explorer keeps nothing before the query's Start: fetch_history repeats it, shorter. `billed`:
    the requests made so far, the refused one included."""

    def __init__(self, billed: int = 1) -> None:
        super().__init__(billed)
        self.billed = billed


class _Paged(Protocol):
    """What fetch_pages asks: the request for a page, and the cap on the requests."""

    @property
    def max_requests(self) -> int: ...

    def request(self, start: date, end: date, token: str | None) -> dict[str, Any]: ...


# Each Cost Explorer page's group count in this invocation, in the order fetched: what the page metrics and
# the "Costs fetched" log line report (AWS documents no page size; these show it).
PAGE_GROUPS: list[int] = []


def request_metrics(requests: int) -> dict[str, Any]:
    """The invocation's Cost Explorer figures as metrics, and as the fields its log line carries.
    CostExplorerRequests: the billed requests. CostExplorerPages: the pages this invocation read (every
    query's). CostExplorerGroupsPerPage: each page's group count, one value a page (Powertools sends a metric
    added several times as one list of values), so CloudWatch's Maximum is the page size Cost Explorer uses
    (every page but a query's last is full) and its SampleCount the pages."""
    metrics.add_metric(name="CostExplorerRequests", unit=MetricUnit.Count, value=requests)
    metrics.add_metric(name="CostExplorerPages", unit=MetricUnit.Count, value=len(PAGE_GROUPS))
    for groups in PAGE_GROUPS:
        metrics.add_metric(name="CostExplorerGroupsPerPage", unit=MetricUnit.Count, value=groups)
    return {"requests": requests, "pages": len(PAGE_GROUPS), "groupsPerPage": list(PAGE_GROUPS)}


def fetch_pages(
    report_date: date, start: date, end: date, query: _Paged, already_billed: int = 0
) -> list[dict[str, Any]]:
    """Every page of one query, all held (iter_pages gives them one at a time)."""
    return list(iter_pages(report_date, start, end, query, already_billed))


def iter_pages(
    report_date: date, start: date, end: date, query: _Paged, already_billed: int = 0
) -> Iterator[dict[str, Any]]:
    """Every page of one query, each asked for when the one before has been used, stopping with
    CostDataIncomplete before the report's request number max_requests + 1 (already_billed counts its
    requests before this query)."""
    token = None
    max_requests = query.max_requests
    fetched = 0
    while True:
        if fetched + already_billed >= max_requests:
            raise CostDataIncomplete(
                f"Cost Explorer was still paginating after {max_requests} requests for {start} to {end}; "
                f"stopped to cap the charge at ${max_requests / 100:.2f}. An organisation this large needs a "
                "higher COST_EXPLORER_MAX_REQUESTS (up to 100); if it is already high, report this with "
                "the execution ARN."
            )
        page = _get_cost_and_usage(query.request(start, end, token), report_date)
        fetched += 1
        PAGE_GROUPS.append(sum(len(period.get("Groups") or []) for period in page.get("ResultsByTime") or []))
        token = page.get("NextPageToken")
        yield page
        del page  # not held while the next page is fetched
        if not token:
            return


def _get_cost_and_usage(request: dict[str, Any], report_date: date) -> dict[str, Any]:
    try:
        page: dict[str, Any] = cost_explorer().get_cost_and_usage(**request)
        return page
    except (BotocoreConnectionError, HTTPClientError) as error:  # refused, timed out, closed: no answer
        raise CostExplorerUnreachable(
            f"Cost Explorer did not answer the request for {report_date}: {error}. The state machine retries; "
            "a request that reached it may have been billed ($0.01)."
        ) from error
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
