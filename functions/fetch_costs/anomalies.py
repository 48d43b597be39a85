"""Anomalies and new services. Pure.

Anomaly: a service whose cost on the report day is far above its own recent baseline.

    baseline   the service's daily cost on the BASELINE_DAYS (14) days before the report day (0 on days
               it had none); days before the account's first cost data are left out, and with fewer
               than MIN_BASELINE_DAYS (7) such days no anomaly is flagged at all
    median m   of the baseline; MAD = median of |day - m|, scaled by 1.4826 so that for normally
               distributed costs it estimates the standard deviation
    anomaly    cost > m + ANOMALY_THRESHOLD x scaled MAD
               and cost - m >= ANOMALY_MIN_AMOUNT
               and cost - m >= ANOMALY_MIN_PERCENT % of m (waived when m is 0)

Median and MAD rather than mean and standard deviation: one spike in the baseline (last week's) or the
weekend dips do not widen the band enough to hide the next spike. The two floors keep a flat service (MAD
0) from being flagged for a cent, and a tiny service from being flagged for doubling from $0.02. Whatever
the floors (both may be 0), a cost or an excess shown as 0 in the report's currency is never an anomaly.

New service: a service whose first cost (the first amount of at least a cent, summarise.py) in the fetched
history (which starts on the 1st of the previous month) falls within the last NEW_SERVICE_DAYS days up to
the report day, in an account that had cost data before that day (in a brand-new account every service is
new, and none is flagged).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal, localcontext

from report_contract import Anomaly, NewService
from report_contract.wire import EXACT

from fetch_costs.currency import rounds_to_zero
from fetch_costs.history import ZERO
from fetch_costs.settings import ReportSettings

MAD_SCALE = Decimal("1.4826")


def median(values: Sequence[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    with localcontext(EXACT):
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def band(baseline: Sequence[Decimal], threshold: Decimal) -> tuple[Decimal, Decimal]:
    """(median, median + threshold x scaled MAD) of a baseline."""
    m = median(baseline)
    with localcontext(EXACT):
        mad = median([abs(value - m) for value in baseline]) * MAD_SCALE
        return m, m + threshold * mad


def is_anomaly(
    amount: Decimal, baseline: Sequence[Decimal], settings: ReportSettings, currency: str
) -> tuple[bool, Decimal, Decimal]:
    m, upper = band(baseline, settings.anomaly_threshold)
    with localcontext(EXACT):
        excess = amount - m
        flagged = (
            amount > upper
            and excess >= settings.anomaly_min_amount
            and excess > 0
            and not rounds_to_zero(amount, currency)
            and not rounds_to_zero(excess, currency)
            and (m <= 0 or excess * 100 >= settings.anomaly_min_percent * m)
        )
    return flagged, m, upper


def find_anomalies(
    services: Mapping[str, tuple[Decimal, Sequence[Decimal]]], settings: ReportSettings, currency: str
) -> list[Anomaly]:
    """services: name -> (amount on the report day, baseline), in `currency`. Largest excess over the median
    first."""
    found = []
    for name, (amount, baseline) in services.items():
        flagged, m, upper = is_anomaly(amount, baseline, settings, currency)
        if flagged:
            found.append(Anomaly(name, amount, m, upper))
    with localcontext(EXACT):
        return sorted(found, key=lambda a: (a.baseline - a.amount, a.name))


def find_new_services(
    first_costs: Mapping[str, date],
    amounts: Mapping[str, Decimal],
    report_date: date,
    first_data_day: date | None,
    days: int,
) -> list[NewService]:
    """first_costs: name -> the first day with a charge of at least a cent. Most recent first, then largest."""
    since = report_date - timedelta(days=days - 1)
    new = [
        NewService(name, first, amounts.get(name, ZERO))
        for name, first in first_costs.items()
        if since <= first <= report_date and first_data_day is not None and first_data_day < first
    ]
    return sorted(new, key=lambda n: (-n.first_day.toordinal(), -n.amount, n.name))
