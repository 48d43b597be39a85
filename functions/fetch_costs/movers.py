"""Top movers: the services whose cost on the report day moved most against their own recent average. Pure.

A service moves when its change against the average of the days before the report day (7 days, fewer
for a young account) is at least MOVER_MIN_AMOUNT *and* at least MOVER_MIN_PERCENT of that average (a
service that had no cost before passes the relative test). The largest increases and the largest
decreases are listed, at most MAX_MOVERS of each.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext

from fetch_costs.history import EXACT
from fetch_costs.report import MAX_MOVERS, Mover
from fetch_costs.settings import ReportSettings


def moves(amount: Decimal, average: Decimal, min_amount: Decimal, min_percent: Decimal) -> bool:
    with localcontext(EXACT):
        change = abs(amount - average)
        if change == 0 or change < min_amount:
            return False
        if average <= 0:
            return True
        return change * 100 >= min_percent * average


def find_movers(services: Mapping[str, tuple[Decimal, Decimal]], settings: ReportSettings
                ) -> tuple[tuple[Mover, ...], tuple[Mover, ...]]:
    """services: name -> (amount on the report day, average of the days before). Returns (increases,
    decreases), largest change first; ties by name."""
    moved = [Mover(name, amount, average) for name, (amount, average) in services.items()
             if moves(amount, average, settings.mover_min_amount, settings.mover_min_percent)]
    with localcontext(EXACT):
        up = sorted((m for m in moved if m.amount > m.average), key=lambda m: (m.average - m.amount, m.name))
        down = sorted((m for m in moved if m.amount < m.average), key=lambda m: (m.amount - m.average, m.name))
    return tuple(up[:MAX_MOVERS]), tuple(down[:MAX_MOVERS])
