"""Cost Explorer answers built to order, for the bad-data scenarios: a responder the embedded runtime
calls instead of the synthetic organisation (`aws.answer_cost_explorer = Dataset(...)`). The answers
themselves come from tests/fixtures/cost_explorer_answers.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from tests.fixtures.cost_explorer_answers import Row, answer, every_day, only_on

__all__ = ["Dataset", "every_day", "only_on"]


@dataclass
class Dataset:
    rows: Callable[[date], list[Row]]
    currency: str = "USD"
    estimated_from: date | None = None  # days on or after this one are Estimated
    endless_pages: bool = False
    requests: list[dict] = field(default_factory=list)

    def __call__(self, params: dict) -> dict:
        self.requests.append(params)
        # The answers are shaped for fetch_costs' query; anything else means the query changed.
        keys = [group["Key"] for group in params.get("GroupBy", [])]
        if (
            params.get("Granularity") != "DAILY"
            or params.get("Filter")
            or keys != ["SERVICE", "RECORD_TYPE"]
            or len(params["Metrics"]) != 1
        ):
            raise AssertionError(
                f"these datasets answer fetch_costs' query (DAILY, one metric, by SERVICE and "
                f"RECORD_TYPE, no Filter); extend them for {params}"
            )
        [page] = answer(
            date.fromisoformat(params["TimePeriod"]["Start"]),
            date.fromisoformat(params["TimePeriod"]["End"]),
            self.rows,
            metric=params["Metrics"][0],
            currency=self.currency,
            estimated_from=self.estimated_from,
        )
        if self.endless_pages:
            page["NextPageToken"] = f"page-{len(self.requests) + 1}"
        return page
