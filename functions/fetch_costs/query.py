"""The one GetCostAndUsage query a report needs. Pure: no boto3, no environment, no clock.

Every page of the answer is a billed request ($0.01), so one query carries everything the report shows:

* DAILY, so any day, week or month can be added up from it, UTC days as Cost Explorer keeps them;
* from the 1st of the previous month (last month's total, and month to date against the same days of
  last month; this is always earlier than the report day - 14, which the trends and baselines need)
  to the report day + 1, because Cost Explorer's End is exclusive;
* grouped by the report's breakdown (SERVICE for the default report; LINKED_ACCOUNT, REGION, a tag key or
  a cost category) and RECORD_TYPE (Cost Explorer allows two GroupBy keys), so usage can be shown gross
  with credits, refunds, discounts and tax as their own lines;
* filtered to the report's scope (its accounts, tag values or cost category values; no Filter for the
  whole organisation);
* with the report's cost metric.

A report with a secondary breakdown makes one more query (secondary_window: the report day and the day
before only; a weekly or monthly report's, secondary.period_query: its period and the one before),
grouped by that breakdown and RECORD_TYPE, with the same Filter.

The forecast is computed from this history (forecast.py), not with a GetCostForecast request.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

SERVICE = {"Type": "DIMENSION", "Key": "SERVICE"}
RECORD_TYPE = {"Type": "DIMENSION", "Key": "RECORD_TYPE"}
GROUP_BY = (SERVICE, RECORD_TYPE)  # the default report's
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


def secondary_window(report_date: date) -> tuple[date, date]:
    """(Start, End) of the secondary breakdown's query: the day before and the report day."""
    return report_date - timedelta(days=1), report_date + timedelta(days=1)


def build_request(
    start: date,
    end: date,
    metric: str,
    page_token: str | None = None,
    granularity: str = "DAILY",
    *,
    group_by: Mapping[str, str] = SERVICE,
    scope_filter: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """GetCostAndUsage arguments, exactly as boto3's get_cost_and_usage(**request) takes them: grouped by
    `group_by` (a breakdown's GroupBy entry) and RECORD_TYPE, filtered by `scope_filter` when there is one
    (MONTHLY granularity: a monthly report's months, fetch_costs.periods)."""
    request: dict[str, Any] = {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": granularity,
        "Metrics": [metric],
        "GroupBy": [dict(group_by), dict(RECORD_TYPE)],
    }
    if scope_filter is not None:
        request["Filter"] = copy.deepcopy(dict(scope_filter))
    if page_token:
        request["NextPageToken"] = page_token
    return request
