"""What the movers compare the report day with: the days before it, or the same weekday of the weeks before.
Pure.

Usage that follows the working week (instances stopped at weekends) makes every Monday look like a rise and
every Saturday like a fall against the 7 days before. So the history the report already fetched (from the
1st of last month) is asked which baseline would have predicted its own days better:

    days before   = mean recurring charges of the AVERAGE_DAYS days before a day
    same weekday  = mean recurring charges of the same weekday of the WEEKDAY_WEEKS weeks before it
                    (at least MIN_WEEKDAY_DAYS of them known)
    weekly cycle  = over the known days before the report day that have both (at least MIN_JUDGED_DAYS),
                    mean |day - same weekday| <= WEEKDAY_ERROR_RATIO x mean |day - days before|

With a weekly cycle each mover's average is its mean over the report day's same weekdays; without one (a
flat or noisy history, or a young account with fewer than MIN_WEEKDAY_DAYS earlier same weekdays) it is
its mean over the days before, as before. The rule looks at the report's whole recurring charges, so the
movers of one report share one baseline and the email names it once. One-off charges (a support fee on the
1st) are left out, as the movers leave them out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal, localcontext

from report_contract import MoverBaseline
from report_contract.limits import (
    AVERAGE_DAYS,
    MIN_JUDGED_DAYS,
    MIN_WEEKDAY_DAYS,
    MOVER_DAYS_BEFORE,
    MOVER_SAME_WEEKDAY,
    WEEKDAY_ERROR_RATIO,
    WEEKDAY_WEEKS,
)
from report_contract.wire import EXACT

from fetch_costs.history import ZERO, Day

KnownDay = Callable[[date], Day | None]  # a day of the history if it is known (summarise.Known.day)


def days_before(known: KnownDay, day: date) -> list[Day]:
    """The known days of the AVERAGE_DAYS before `day`, newest first."""
    return _known(known, (day - timedelta(days=n) for n in range(1, AVERAGE_DAYS + 1)))


def same_weekdays(known: KnownDay, day: date) -> list[Day]:
    """The known same weekdays of the WEEKDAY_WEEKS weeks before `day`, newest first."""
    return _known(known, (day - timedelta(weeks=n) for n in range(1, WEEKDAY_WEEKS + 1)))


def _known(known: KnownDay, days: Iterable[date]) -> list[Day]:
    return [entry for entry in map(known, days) if entry is not None]


def _mean(days: list[Day]) -> Decimal:
    with localcontext(EXACT):
        return sum((day.recurring_charges for day in days), ZERO) / len(days)


def weekly_cycle(known: KnownDay, report_date: date, first: date | None) -> bool:
    """Whether the same weekday predicted the known days from `first` to the day before the report day
    better, by WEEKDAY_ERROR_RATIO, than the days before did (the rule in the module's docstring)."""
    if first is None:
        return False
    weekday_error = days_error = ZERO
    judged = 0
    with localcontext(EXACT):
        for offset in range(1, (report_date - first).days + 1):
            day = known(report_date - timedelta(days=offset))
            if day is None:
                continue
            weekdays = same_weekdays(known, day.day)
            if len(weekdays) < MIN_WEEKDAY_DAYS:
                continue  # too early in the history for a weekday baseline: not judged
            actual = day.recurring_charges
            weekday_error += abs(actual - _mean(weekdays))
            days_error += abs(actual - _mean(days_before(known, day.day)))
            judged += 1
        # A history the days before predicted perfectly (every day the same) has no cycle to find.
        return judged >= MIN_JUDGED_DAYS and days_error > 0 and weekday_error <= WEEKDAY_ERROR_RATIO * days_error


def mover_baseline(known: KnownDay, report_date: date, first: date | None) -> tuple[MoverBaseline | None, list[Day]]:
    """The report day's baseline and the days it averages; (None, []) when no day before it is known."""
    weekdays = same_weekdays(known, report_date)
    if len(weekdays) >= MIN_WEEKDAY_DAYS and weekly_cycle(known, report_date, first):
        return MoverBaseline(MOVER_SAME_WEEKDAY, len(weekdays)), weekdays
    before = days_before(known, report_date)
    return (MoverBaseline(MOVER_DAYS_BEFORE, len(before)), before) if before else (None, [])
