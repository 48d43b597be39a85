"""The secondary breakdown: the report's gross charges by a second breakdown, with the day or period before.
Pure: no boto3, no environment, no clock.

A daily report's comes from one more query (query.secondary_window: the day before and the report day only,
grouped by the secondary breakdown and RECORD_TYPE, with the report's Filter), parsed like the main one
(history.parse_history, its lines named by lines.line_namer). A weekly or monthly report's comes from one
more query too (period_query): the previous period and the period, DAILY for weeks (14 days, added up per
week by periods.merge), MONTHLY for months (2 results, read by periods.parse_months). Its lines and Other
add up to the report day's or period's charges; summarise.check_reconciles holds them to the main query's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal, localcontext
from typing import Any

from report_contract import Secondary, SecondaryLine, SecondaryOther
from report_contract.limits import SECONDARY_TOP
from report_contract.period import ReportPeriod
from report_contract.spec import Breakdown
from report_contract.wire import EXACT

from fetch_costs.errors import ReportDayNotInHistory
from fetch_costs.history import ZERO, CostHistory, Day, parse_history
from fetch_costs.lines import grouping
from fetch_costs.periods import Query, merge, parse_months


def secondary_section(history: CostHistory, report_date: date, breakdown: Breakdown, charges: Decimal) -> Secondary:
    """The report day's section: its lines against the day before (see compared)."""
    today = history.day(report_date)
    if today is None:
        raise ReportDayNotInHistory(f"the history {history.start} to {history.end} does not hold {report_date}")
    return compared(today, history.day(report_date - timedelta(days=1)), breakdown, charges)


def compared(current: Day, before: Day | None, breakdown: Breakdown, charges: Decimal) -> Secondary:
    """Top SECONDARY_TOP lines of `current` (the report day or period), then Other (a single remaining line is
    listed instead), each with its amount in `before` (the day or period before; None: not fetched), and what
    of `charges` (the main query's for `current`) this query did not attribute."""
    before_charges = before.charges if before is not None else {}
    lines = current.charges
    ranked = sorted(lines, key=lambda name: (-lines[name], name))
    shown, rest = ranked[:SECONDARY_TOP], ranked[SECONDARY_TOP:]
    if len(rest) == 1:
        shown, rest = ranked, []
    top = tuple(SecondaryLine(name, lines[name], before_charges.get(name, ZERO)) for name in shown)
    other = None
    if rest:
        # Lines with charges only in the day or period before belong to Other too, so both columns add up.
        aggregated = set(rest) | (set(before_charges) - set(lines))
        with localcontext(EXACT):
            amount = sum((lines[name] for name in rest), ZERO)
            day_before = sum((before_charges[name] for name in aggregated if name in before_charges), ZERO)
        other = SecondaryOther(len(rest), Decimal(amount), Decimal(day_before))
    with localcontext(EXACT):
        unattributed = charges - current.charges_total
    return Secondary(grouping(breakdown), len(lines), top, other, unattributed)


def period_query(period: ReportPeriod, short: bool = False) -> Query:
    """A weekly or monthly report's secondary query: the previous period and the period, DAILY for weeks
    (Cost Explorer has no WEEKLY granularity), MONTHLY for months; `short`: the period alone (Cost Explorer
    keeps nothing as old as the previous period)."""
    start = period.start if short else period.previous().start
    return Query(start, period.end, "DAILY" if period.kind == "week" else "MONTHLY")


def period_costs(
    period: ReportPeriod, query: Query, metric: str, pages: list[dict[str, Any]], name: Callable[[str], str] = str
) -> tuple[Day, Day | None]:
    """The period's and the previous period's costs (None when the query did not cover it) from the pages
    of `query` (period_query's), each added up exactly as the main query's periods are."""
    if query.granularity == "MONTHLY":
        months = {month.day: month for month in parse_months(query, metric, pages, name)[0]}
        return months[period.start], months.get(period.previous().start)
    days = parse_history(query.start, query.end, metric, pages, name=name).days
    previous = period.previous()
    before = [d for d in days if previous.start <= d.day < previous.end]
    current = merge(period.start, [d for d in days if period.start <= d.day < period.end])
    return current, merge(previous.start, before) if before else None
