"""Top movers: the services whose cost on the report day moved most against their own recent average. Pure.

A service moves when its change against its average (of the 7 days before the report day, fewer for a
young account, or of the same weekday of the weeks before: fetch_costs/mover_baseline.py) is at least
MOVER_MIN_AMOUNT *and* at least MOVER_MIN_PERCENT of that average (a service that had no cost before passes
the relative test). A change shown as 0 in the report's currency (less than half a cent), or a service shown
as 0 both on the day and on average, is no move whatever the thresholds (both may be 0). The largest
increases and the largest decreases are listed, at most MAX_MOVERS of each.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext

from report_contract import Mover
from report_contract.limits import MAX_MOVERS
from report_contract.wire import EXACT

from fetch_costs.currency import rounds_to_zero
from fetch_costs.settings import ReportSettings


def moves(amount: Decimal, average: Decimal, min_amount: Decimal, min_percent: Decimal, currency: str) -> bool:
    with localcontext(EXACT):
        change = abs(amount - average)
        if rounds_to_zero(change, currency) or change < min_amount:
            return False
        if rounds_to_zero(amount, currency) and rounds_to_zero(average, currency):
            return False
        if average <= 0:
            return True
        return change * 100 >= min_percent * average


def find_movers(
    services: Mapping[str, tuple[Decimal, Decimal]], settings: ReportSettings, currency: str
) -> tuple[tuple[Mover, ...], tuple[Mover, ...]]:
    """services: name -> (amount on the report day, its average over the baseline's days), in `currency`. Returns
    (increases, decreases), largest change first; ties by name."""
    moved = [
        Mover(name, amount, average)
        for name, (amount, average) in services.items()
        if moves(amount, average, settings.mover_min_amount, settings.mover_min_percent, currency)
    ]
    with localcontext(EXACT):
        up = sorted((m for m in moved if m.amount > m.average), key=lambda m: (m.average - m.amount, m.name))
        down = sorted((m for m in moved if m.amount < m.average), key=lambda m: (m.amount - m.average, m.name))
    return tuple(up[:MAX_MOVERS]), tuple(down[:MAX_MOVERS])
