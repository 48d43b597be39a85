"""A weekly or monthly report's Cost Explorer queries, and their answers as period buckets. Pure: no boto3.

Each request (page) is billed $0.01, so each kind has the fewest requests that answer every figure exactly:

* week: one DAILY query for the WEEK_TREND (8) weeks ending with the report's week, Monday of the first to
  the Monday after the report's Sunday (End is exclusive): 56 days, the same size as the daily report's
  query, so the same number of pages (1 for the small profile, 2 for the 350-service organisation). The
  weeks are added up from the days (Cost Explorer has no WEEKLY granularity).
* month: one MONTHLY query for the MONTH_TREND (13) months ending with the report's, from the same month
  last year (13 results: about 40 groups a month for a small account, 700 for the large organisation, so 1
  page where DAILY over the same 13 months would be 395 days: 1 page small, 14 large); and one DAILY query
  for the month's last two days, the only way to tell a month whose last day Cost Explorer has not processed
  (CostDataNotReady) from one whose spend stopped: 2 requests in all.

A MONTHLY result's amount is its month's days added up, and it is Estimated while the month's bill is not
final: the monthly report's "not yet finalised" note.

If Cost Explorer keeps nothing as old as the first period (a manual run for an old period, or the 14 months
it keeps by default), the query is asked again for the report's period alone: the report then has no
comparisons, and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import localcontext
from typing import Any

from report_contract.comparisons import trend_periods
from report_contract.currency import is_currency_code
from report_contract.period import ReportPeriod
from report_contract.wire import EXACT

from fetch_costs.errors import CostDataInvalid

# history's group readers, shared so that a MONTHLY answer is read by exactly the rules of a DAILY one.
from fetch_costs.history import ZERO, CostHistory, Day, _add, _amount, _keys


@dataclass(frozen=True)
class Query:
    """One GetCostAndUsage query: its TimePeriod (End exclusive) and granularity."""

    start: date
    end: date
    granularity: str  # "DAILY" or "MONTHLY"


def queries(period: ReportPeriod, short: bool = False) -> tuple[Query, ...]:
    """The report's queries; `short`: for the period alone (Cost Explorer keeps nothing older)."""
    first = period.start if short else trend_periods(period)[0].start
    if period.kind == "week":
        return (Query(first, period.end, "DAILY"),)
    return (Query(first, period.end, "MONTHLY"), Query(period.last_day - timedelta(days=1), period.end, "DAILY"))


@dataclass(frozen=True)
class Bucket:
    """One period of the trend: its costs added up, or None where unknown (not fetched, or before the
    account's first cost data). `first_day`: its first known day (later than its start for a young account)."""

    period: ReportPeriod
    costs: Day | None
    first_day: date


@dataclass(frozen=True)
class PeriodHistory:
    period: ReportPeriod
    start: date  # first day fetched
    metric: str
    currency: str
    buckets: tuple[Bucket, ...]  # the trend's periods, oldest first, the report's last (always known)
    daily: CostHistory  # the days fetched DAILY: the 8 weeks, or the month's last two days
    first_data: date | None  # the first period start (month) or day (week) with cost data
    requests: int


def merge(first: date, days: Iterable[Day]) -> Day:
    """Days added up into one bucket, exactly, kept apart by service and record type as the days are."""
    out = Day(first)
    with localcontext(EXACT):
        for d in days:
            out.estimated, out.has_data = out.estimated or d.estimated, out.has_data or d.has_data
            for target, source in (
                (out.charges, d.charges),
                (out.one_off_charges, d.one_off_charges),
                (out.adjustments, d.adjustments),
                (out.unclassified, d.unclassified),
            ):
                for key, amount in source.items():
                    target[key] = target.get(key, ZERO) + amount
            out.one_off += d.one_off
    return out


def weekly_history(period: ReportPeriod, daily: CostHistory) -> PeriodHistory:
    """The weeks of a DAILY history."""
    first = daily.first_data_day
    buckets = []
    for week in trend_periods(period):
        days = [d for d in daily.days if week.start <= d.day < week.end]
        known = [d for d in days if first is not None and d.day >= first]
        if week == period and not known:  # the report's week is always reported, $0.00 when nothing was spent
            buckets.append(Bucket(week, Day(week.start, estimated=any(d.estimated for d in days)), week.start))
        elif known and len(days) == week.days:
            buckets.append(Bucket(week, merge(week.start, known), known[0].day))
        else:
            buckets.append(Bucket(week, None, week.start))
    return PeriodHistory(
        period, daily.start, daily.metric, daily.currency, tuple(buckets), daily, first, daily.requests
    )


def monthly_history(
    period: ReportPeriod,
    months: Query,
    metric: str,
    pages: list[dict[str, Any]],
    daily: CostHistory,
    requests: int,
    name: Callable[[str], str] = str,
) -> PeriodHistory:
    """The months of a MONTHLY answer, with the DAILY history of the month's last days. `name` turns a
    group's first key into its line's name (fetch_costs.lines)."""
    found, currency = parse_months(months, metric, pages, name)
    if daily.days and any(d.has_data for d in daily.days) and currency not in (daily.currency, None):
        raise CostDataInvalid(f"Cost Explorer returned {currency} by month and {daily.currency} by day")
    first = next((m.day for m in found if m.has_data), None)
    buckets = []
    for month in trend_periods(period):
        costs = next((m for m in found if m.day == month.start), None)
        known = costs is not None and first is not None and month.start >= first
        buckets.append(Bucket(month, costs if known or month == period else None, month.start))
    if buckets[-1].costs is None:
        raise CostDataInvalid(f"Cost Explorer returned no result for the month {period.key}")
    return PeriodHistory(
        period, months.start, metric, currency or daily.currency, tuple(buckets), daily, first, requests
    )


def parse_months(
    query: Query, metric: str, pages: list[dict[str, Any]], name: Callable[[str], str] = str
) -> tuple[list[Day], str | None]:
    """One Day per calendar month of a MONTHLY, SERVICE x RECORD_TYPE answer (a month split across pages is
    merged), and its currency (None when it has no groups)."""
    expected = _month_starts(query.start, query.end)
    months = {start: Day(start) for start in expected}
    currencies: set[str] = set()
    for page in pages:
        for result in page.get("ResultsByTime") or []:
            entry = months[_month_of(result, expected)]
            entry.estimated = entry.estimated or bool(result.get("Estimated", False))
            for group in result.get("Groups") or []:
                service, record_type = _keys(group, name)
                value = (group.get("Metrics") or {}).get(metric)
                if not isinstance(value, dict):
                    raise CostDataInvalid(f"{entry.day}: group {service!r}/{record_type!r} has no {metric} metric")
                currencies.add(str(value.get("Unit", "")))
                _add(entry, service, record_type, _amount(value.get("Amount"), service, entry.day))
    if len(currencies) > 1:
        raise CostDataInvalid(f"Cost Explorer returned more than one currency: {sorted(currencies)}")
    currency = currencies.pop() if currencies else None
    if currency is not None and not is_currency_code(currency):
        raise CostDataInvalid(f"Cost Explorer returned {currency!r} where a currency code was expected")
    return [months[start] for start in expected], currency


def _month_starts(start: date, end: date) -> dict[date, date]:
    """Each month's result as Cost Explorer cuts it to the window: start -> exclusive end."""
    found, first = {}, start
    while first < end:
        following = min(end, ReportPeriod.month_of(first).end)
        found[first] = following
        first = following
    return found


def _month_of(result: dict[str, Any], expected: dict[date, date]) -> date:
    period = result.get("TimePeriod") or {}
    try:
        start, end = date.fromisoformat(str(period.get("Start"))[:10]), date.fromisoformat(str(period.get("End"))[:10])
    except ValueError:
        raise CostDataInvalid(f"Cost Explorer returned a period with TimePeriod {period!r}") from None
    if expected.get(start) != end:
        raise CostDataInvalid(f"Cost Explorer returned {start} to {end}, not one of the months that were asked for")
    return start
