"""Every bound of the report contract, defined once: FetchCosts builds within them, RenderEmail refuses
what is outside them, fetch_costs' settings and docs/report.md state them from here.

They keep the report small whatever the organisation (the state payload does not grow with the number of
services) and keep the email under Gmail's clipping size for the largest report they allow.
"""

from __future__ import annotations

from decimal import Decimal

TREND_DAYS = 14  # each service's trend and the daily chart: the days ending on the report day
TOP_SERVICES_MIN, TOP_SERVICES_MAX = 1, 20  # TOP_SERVICES: 20 keeps the HTML under 100 KB for any input
MAX_TOP_ROWS = TOP_SERVICES_MAX + 1  # a single remaining service is listed instead of "Other (1 service)"
MAX_MOVERS = 5  # per direction
SECONDARY_TOP = 5  # lines of the secondary breakdown before its Other
MAX_SECONDARY_ROWS = SECONDARY_TOP + 1  # a single remaining line is listed instead of "Other (1 ...)"
SCOPE_CHARS = 300  # what a report covers ("accounts 111111111111, ..."), as its header says it; cut beyond
MAX_LISTED = 5  # anomalies, new services (each list says how many more there are)
MAX_ONE_OFF_CHARGES = 3  # the largest one-off charges named in the headline ("tax $23.44"); the rest added up
MAX_OTHER_ADJUSTMENTS = 5  # lines for unclassified record types; beyond it the rest are added up in one
NAME_CHARS = 100  # service and record type names: FetchCosts cuts longer ones (none of AWS's is)
NEW_SERVICE_DAYS_MIN, NEW_SERVICE_DAYS_MAX = 1, 14  # NEW_SERVICE_DAYS: "new" = first cost within them
MAX_WINDOW_DAYS = 31  # the trailing average, the anomaly baseline and the forecast's days lie within a month
MAX_PERIOD_DAYS = 31  # month to date, the same days of last month, last month: within one month
MAX_COUNT = 10**9  # counts of services, anomalies, requests

# How FetchCosts judges a day, which the email states (its notes, "needs 3 days of costs").
AVERAGE_DAYS = 7  # the trailing average: the days before the report day (fewer for a young account)
BASELINE_DAYS = 14  # an anomaly's baseline: the days before the report day
MIN_BASELINE_DAYS = 7  # no anomaly checks with less history than this
FORECAST_BASIS_DAYS = 7  # the forecast's run rate: the mean of the days ending on the report day
MIN_FORECAST_DAYS = 3  # no forecast with less history than this

# What the movers are compared with (fetch_costs/mover_baseline.py, the report's `movers.baseline`): the
# average of the days before (AVERAGE_DAYS), or, when the history follows a weekly cycle, the average of the
# same weekday of the weeks before, so that on a Monday the end of the weekend is not the news.
MOVER_DAYS_BEFORE, MOVER_SAME_WEEKDAY = "daysBefore", "sameWeekday"
MOVER_BASELINES = (MOVER_DAYS_BEFORE, MOVER_SAME_WEEKDAY)
WEEKDAY_WEEKS = 4  # the same weekday of the last 4 weeks: the fetched history (from the 1st of last month) holds them
MIN_WEEKDAY_DAYS = 2  # fewer earlier same weekdays (a young account) is one sample, not a pattern
MIN_JUDGED_DAYS = 7  # a weekly cycle is judged on at least a week of days, each weekday once
# The same weekday is used when, over the history, it predicted each day's recurring charges with a mean
# absolute error of at most this share of the days-before average's error. Measured: a weekend dip (the
# synthetic accounts) 0.03 to 0.28, a flat history with random daily noise 0.9 to 1.2 (an average of 4 days
# is noisier than one of 7); between the two, so noise does not flip the baseline from day to day.
WEEKDAY_ERROR_RATIO = Decimal("0.75")

# A weekly or monthly report (report_contract.comparisons): its trend, its average, its anomaly baseline.
WEEK_TREND = 8  # the chart and each service's trend: the 8 weeks ending with the report's
MONTH_TREND = 13  # 13 months ending with the report's: the first is the same month last year
PERIOD_TRENDS = {"day": TREND_DAYS, "week": WEEK_TREND, "month": MONTH_TREND}  # values in each service's trend
MAX_PERIOD_TREND = max(WEEK_TREND, MONTH_TREND)
AVERAGE_PERIODS = {"week": 4, "month": 3}  # "vs 4-week average", "vs 3-month average"
MAX_AVERAGE_PERIODS = max(AVERAGE_PERIODS.values())
MIN_BASELINE_PERIODS = 6  # anomaly checks against the earlier periods of the trend: at least this many known

# Amounts: decimal strings, bounded so that every amount is exact and every formatted amount short.
MAX_DECIMAL_PLACES = 30
MAX_MAGNITUDE = Decimal(10) ** 15

# Cost Explorer's cost metrics (GetCostAndUsage `Metrics`), the ones a cost report can be in.
METRICS = ("UnblendedCost", "AmortizedCost", "NetUnblendedCost", "NetAmortizedCost", "BlendedCost")

ALERT_ANOMALY, ALERT_OVER_BUDGET, ALERT_NEW_SERVICE = "anomaly", "overBudget", "newService"
# A daily report whose month-end forecast (the month to date without one) is above the monthly budget; a
# monthly report whose month is.
ALERT_OVER_MONTHLY_BUDGET = "overMonthlyBudget"
ALERTS = (
    ALERT_ANOMALY,
    ALERT_OVER_BUDGET,
    ALERT_OVER_MONTHLY_BUDGET,
    ALERT_NEW_SERVICE,
)  # worst first: the subject's order
FLAG_NEW, FLAG_ANOMALY = "new", "anomaly"
FLAGS = (FLAG_NEW, FLAG_ANOMALY)

# Step Functions passes the report between states: each state's input and output is at most 256 KiB of
# UTF-8 (hard quota; "Quotas related to state machine executions",
# https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). Exceeding it fails the run
# with States.DataLimitExceeded, which States.ALL does not catch.
STATE_PAYLOAD_BYTES = 256 * 1024
