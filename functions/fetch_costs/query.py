"""The one GetCostAndUsage query a report needs. Pure: no boto3, no environment, no clock.

Every page of the answer is a billed request ($0.01), so one query carries everything the report shows:

* DAILY, so any day, week or month can be added up from it, UTC days as Cost Explorer keeps them;
* from the 1st of the previous month (last month's total, and month to date against the same days of
  last month; this is always earlier than the report day - 14, which the trends and baselines need)
  to the report day + 1, because Cost Explorer's End is exclusive;
* grouped by SERVICE and RECORD_TYPE (Cost Explorer allows two GroupBy keys), so usage can be shown
  gross with credits, refunds, discounts and tax as their own lines;
* with the one configured cost metric.

The forecast is computed from this history (forecast.py), not with a GetCostForecast request.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

GROUP_BY = ({"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "RECORD_TYPE"})
# The trends need 14 days and the anomaly baseline the 14 days before the report day.
HISTORY_DAYS = 14


def first_of_previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def report_window(report_date: date) -> tuple[date, date]:
    """(Start, End) of the query: End is exclusive, so End is the day after the report day."""
    start = min(first_of_previous_month(report_date), report_date - timedelta(days=HISTORY_DAYS))
    return start, report_date + timedelta(days=1)


def short_window(report_date: date) -> tuple[date, date]:
    """The fallback when Cost Explorer holds nothing before the report's month (a manual run for a day in
    the oldest month it keeps): the report then has no last-month figures, and says so."""
    return report_date.replace(day=1), report_date + timedelta(days=1)


def build_request(
    start: date, end: date, metric: str, page_token: str | None = None, granularity: str = "DAILY"
) -> dict[str, Any]:
    """GetCostAndUsage arguments, exactly as boto3's get_cost_and_usage(**request) takes them (MONTHLY: a
    monthly report's months, fetch_costs.periods)."""
    request: dict[str, Any] = {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": granularity,
        "Metrics": [metric],
        "GroupBy": [dict(group) for group in GROUP_BY],
    }
    if page_token:
        request["NextPageToken"] = page_token
    return request
