"""The secondary breakdown: the report day's gross charges by a second breakdown, with the day before.
Pure: no boto3, no environment, no clock.

It comes from one more query (query.secondary_window: the day before and the report day only, grouped by
the secondary breakdown and RECORD_TYPE, with the report's Filter), parsed like the main one
(history.parse_history, its lines named by lines.line_namer). Its lines and Other add up to the report
day's charges; summarise.check_reconciles holds them to the main query's.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, localcontext

from report_contract import Secondary, SecondaryLine, SecondaryOther
from report_contract.limits import SECONDARY_TOP
from report_contract.spec import Breakdown
from report_contract.wire import EXACT

from fetch_costs.errors import ReportDayNotInHistory
from fetch_costs.history import ZERO, CostHistory
from fetch_costs.lines import grouping


def secondary_section(history: CostHistory, report_date: date, breakdown: Breakdown, charges: Decimal) -> Secondary:
    """Top SECONDARY_TOP lines of the report day, then Other (a single remaining line is listed instead), and
    what of the report day's `charges` (the main query's) this query did not attribute."""
    today = history.day(report_date)
    if today is None:
        raise ReportDayNotInHistory(f"the history {history.start} to {history.end} does not hold {report_date}")
    before = history.day(report_date - timedelta(days=1))
    before_charges = before.charges if before is not None else {}
    lines = today.charges
    ranked = sorted(lines, key=lambda name: (-lines[name], name))
    shown, rest = ranked[:SECONDARY_TOP], ranked[SECONDARY_TOP:]
    if len(rest) == 1:
        shown, rest = ranked, []
    top = tuple(SecondaryLine(name, lines[name], before_charges.get(name, ZERO)) for name in shown)
    other = None
    if rest:
        # Lines with charges only on the day before belong to Other too, so both columns add up.
        aggregated = set(rest) | (set(before_charges) - set(lines))
        with localcontext(EXACT):
            amount = sum((lines[name] for name in rest), ZERO)
            day_before = sum((before_charges[name] for name in aggregated if name in before_charges), ZERO)
        other = SecondaryOther(len(rest), Decimal(amount), Decimal(day_before))
    with localcontext(EXACT):
        unattributed = charges - today.charges_total
    return Secondary(grouping(breakdown), len(lines), top, other, unattributed)
