"""Month-end forecast from the fetched history (no GetCostForecast request). Pure.

    forecast = month to date + remaining days x run rate
    run rate = the mean of the last 7 days' recurring net cost (ending on the report day), never below 0

* "Recurring" leaves out one-off record types (tax and support charged on the 1st, refunds, upfront
  fees): they are already in the month to date and will not repeat daily. Credits and discounts stay in:
  they recur with the usage they offset.
* The mean of 7 days holds each weekday once, so weekend dips neither inflate nor deflate it (a median
  of 7 days would pick a weekday and overshoot).
* The 7 days may reach into the previous month: on the 1st of the month, month to date is one day and
  the rate still rests on a week.
* A young account: the mean of the days it has, from MIN_BASIS_DAYS; with fewer, no number ("not enough
  history") rather than a silly one.
* Never below the month to date: a negative rate (credits or a refund larger than the usage) is floored at
  0, so the forecast only ever adds what the account is currently spending.
* On the last day of the month nothing remains and the forecast is the month to date.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal, localcontext

from report_contract import Forecast
from report_contract.limits import FORECAST_BASIS_DAYS as BASIS_DAYS
from report_contract.limits import MIN_FORECAST_DAYS as MIN_BASIS_DAYS
from report_contract.wire import EXACT

from fetch_costs.history import ZERO, CostHistory


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_end_forecast(history: CostHistory, report_date: date, month_to_date: Decimal) -> Forecast:
    last = month_end(report_date)
    remaining = (last - report_date).days
    first_data = history.first_data_day
    basis = []
    for back in range(BASIS_DAYS):
        day = history.day(report_date - timedelta(days=back))
        if day is None or first_data is None or day.day < first_data:
            break
        basis.append(day.recurring)
    if remaining == 0:
        return Forecast(last, month_to_date, None, len(basis), 0)
    if len(basis) < MIN_BASIS_DAYS:
        return Forecast(last, None, None, len(basis), remaining)
    with localcontext(EXACT):
        run_rate = max(ZERO, sum(basis, ZERO) / len(basis))
        return Forecast(last, month_to_date + remaining * run_rate, run_rate, len(basis), remaining)
