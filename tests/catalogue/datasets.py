"""Cost Explorer answers built to order, for the bad-data scenarios: whatever day range and grouping
the fetch function asks for, answered from a small table of rows, as GetCostAndUsage shapes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Callable

Row = tuple[str, str, Decimal]  # service, record type, amount


@dataclass
class Dataset:
    rows: Callable[[date], list[Row]]
    currency: str = "USD"
    estimated_from: date | None = None  # days on or after this one are Estimated
    endless_pages: bool = False
    requests: list[dict] = field(default_factory=list)

    def __call__(self, params: dict) -> dict:
        self.requests.append(params)
        if params.get("Granularity") != "DAILY":
            raise AssertionError(f"these datasets answer DAILY queries only, got {params.get('Granularity')}")
        if params.get("Filter"):
            raise AssertionError("these datasets do not implement Filter; extend them if fetch_costs filters")
        keys = [group["Key"] for group in params.get("GroupBy", [])]
        if set(keys) - {"SERVICE", "RECORD_TYPE"}:
            raise AssertionError(f"these datasets group by SERVICE and RECORD_TYPE only, got {keys}")
        start = date.fromisoformat(params["TimePeriod"]["Start"])
        end = date.fromisoformat(params["TimePeriod"]["End"])
        results = []
        day = start
        while day < end:
            results.append(self._period(day, keys, params["Metrics"]))
            day += timedelta(days=1)
        response = {"ResultsByTime": results, "DimensionValueAttributes": []}
        if keys:
            response["GroupDefinitions"] = [{"Type": "DIMENSION", "Key": key} for key in keys]
        if self.endless_pages:
            response["NextPageToken"] = f"page-{len(self.requests) + 1}"
        return response

    def _period(self, day: date, keys: list[str], metrics: list[str]) -> dict:
        period = {
            "TimePeriod": {"Start": day.isoformat(), "End": (day + timedelta(days=1)).isoformat()},
            "Estimated": bool(self.estimated_from and day >= self.estimated_from),
        }
        if not keys:
            total = sum((amount for _, _, amount in self.rows(day)), Decimal(0))
            period["Total"] = {m: {"Amount": str(total), "Unit": self.currency} for m in metrics}
            period["Groups"] = []
            return period
        grouped: dict[tuple[str, ...], Decimal] = {}
        for service, record_type, amount in self.rows(day):
            key = tuple(service if k == "SERVICE" else record_type for k in keys)
            grouped[key] = grouped.get(key, Decimal(0)) + amount
        period["Total"] = {}
        period["Groups"] = [
            {"Keys": list(key), "Metrics": {m: {"Amount": str(amount), "Unit": self.currency} for m in metrics}}
            for key, amount in grouped.items()
        ]
        return period


def every_day(rows: list[Row]) -> Callable[[date], list[Row]]:
    return lambda day: rows


def only_on(report_day: date, rows: list[Row]) -> Callable[[date], list[Row]]:
    return lambda day: rows if day == report_day else []
