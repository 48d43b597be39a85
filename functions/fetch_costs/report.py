"""The report model FetchCosts builds: the contract shared with RenderEmail (functions/report_contract/).

Nothing is defined here: the classes, their wire form (`to_state`) and every bound come from
report_contract, packaged into this function's zip beside `fetch_costs/`. This module names them for
fetch_costs' own modules, so that they import the model from one place in their package.
"""

from __future__ import annotations

from report_contract import (
    Anomaly,
    Average,
    Breakdown,
    CostReport,
    DayTotal,
    Forecast,
    Mover,
    NewService,
    OtherAdjustment,
    OtherLine,
    PeriodTotal,
    ServiceLine,
)
from report_contract.limits import (
    FLAG_ANOMALY,
    FLAG_NEW,
    MAX_LISTED,
    MAX_MOVERS,
    MAX_OTHER_ADJUSTMENTS,
    TREND_DAYS,
)
from report_contract.wire import plain

__all__ = [
    "FLAG_ANOMALY",
    "FLAG_NEW",
    "MAX_LISTED",
    "MAX_MOVERS",
    "MAX_OTHER_ADJUSTMENTS",
    "TREND_DAYS",
    "Anomaly",
    "Average",
    "Breakdown",
    "CostReport",
    "DayTotal",
    "Forecast",
    "Mover",
    "NewService",
    "OtherAdjustment",
    "OtherLine",
    "PeriodTotal",
    "ServiceLine",
    "plain",
]
