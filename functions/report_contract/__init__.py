"""The report contract between FetchCosts (producer) and RenderEmail (consumer), defined once.

One package, copied into both functions' zips by scripts/package.py (so `import report_contract` works
from each zip's root, as `fetch_costs` and `render_email` do): the typed model (cost_report, model), how
values travel (wire) and every bound (limits). Standard library only. docs/decisions/0007-report-contract.md
says why; docs/report.md's field table is generated from it.
"""

from report_contract.comparisons import Comparisons, PeriodAverage
from report_contract.cost_report import CostReport
from report_contract.model import (
    Anomaly,
    Average,
    Breakdown,
    CreditBalance,
    DayTotal,
    Field,
    Forecast,
    Grouping,
    Mover,
    MoverBaseline,
    NewService,
    OneOffCharge,
    OtherAdjustment,
    OtherLine,
    PeriodTotal,
    ReportIdentity,
    Revised,
    Secondary,
    SecondaryLine,
    SecondaryOther,
    ServiceLine,
    Thresholds,
)
from report_contract.wire import InvalidReport

__all__ = [
    "Anomaly",
    "Average",
    "Breakdown",
    "CreditBalance",
    "Comparisons",
    "CostReport",
    "DayTotal",
    "Field",
    "Forecast",
    "Grouping",
    "InvalidReport",
    "Mover",
    "MoverBaseline",
    "NewService",
    "OneOffCharge",
    "OtherAdjustment",
    "OtherLine",
    "PeriodAverage",
    "PeriodTotal",
    "ReportIdentity",
    "Revised",
    "Secondary",
    "SecondaryLine",
    "SecondaryOther",
    "ServiceLine",
    "Thresholds",
]
