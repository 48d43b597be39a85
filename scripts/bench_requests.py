"""Cost Explorer requests of a daily report, every day of a month, without and with the history cache
(functions/fetch_costs/history_cache.py). A benchmark, not a test: it prints the figures and the goal.

    python -m scripts.bench_requests [--month 2026-10] [--profiles small large-org]

For each synthetic organisation (local/synthetic_org.py) the real FetchCosts handler runs for every day of
the month in order, on moto's S3 (one bucket for the month, so what a day caches the next day reads) and
the embedded Cost Explorer (local/cost_explorer.py), whose "today" is the day after the report day, as for
a scheduled run. "Before" empties the cache before each day (every report asks for its whole window, as
before the cache); "after" keeps it. Each request is a page, billed $0.01.

measure() and markdown() are for `make bench` (scripts/bench_report.py) to call.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "functions")]  # the Lambda packages, as pytest and the Lambda runtime see them

BUCKET = "cost-notifier-shared-costs-bench"
ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "SHARED_COSTS_BUCKET": BUCKET,
    "POWERTOOLS_LOG_LEVEL": "ERROR",  # the handler's INFO lines, 31 a profile, are not the figures
}
GOAL = {"small": "1 every day", "large-org": "1 on most days, never more than 2"}
DOLLARS_PER_REQUEST = 0.01  # GetCostAndUsage, each page (https://aws.amazon.com/aws-cost-management/pricing/)


class _CostExplorer:
    """What handler.cost_explorer() returns: the embedded Cost Explorer, its errors as boto3 raises them."""

    def __init__(self, profile: str, today: date) -> None:
        from local.cost_explorer import FakeCostExplorer, SyntheticOrganisation

        self.fake = FakeCostExplorer(SyntheticOrganisation(profile, seed=7, today=today))

    def get_cost_and_usage(self, **request: Any) -> dict:
        from botocore.exceptions import ClientError

        from local.cost_explorer import CostExplorerError

        try:
            return self.fake.get_cost_and_usage(request)
        except CostExplorerError as error:
            raise ClientError({"Error": {"Code": error.code, "Message": error.message}}, "GetCostAndUsage") from error


def days_of(month: str) -> list[date]:
    first = date.fromisoformat(f"{month}-01")
    following = (first + timedelta(days=32)).replace(day=1)
    return [first + timedelta(days=n) for n in range((following - first).days)]


def _run_month(profile: str, month: str, cached: bool) -> list[int]:
    """Requests per report day, the handler's own count checked against the requests Cost Explorer saw."""
    import boto3
    from fetch_costs import handler, sharing
    from moto import mock_aws

    from local.lambda_context import LocalLambdaContext

    per_day = []
    sharing.s3.cache_clear()
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        for day in days_of(month):
            if not cached:
                for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
                    s3.delete_object(Bucket=BUCKET, Key=item["Key"])
            ce = _CostExplorer(profile, day + timedelta(days=1))
            handler.cost_explorer = lambda ce=ce: ce  # type: ignore[assignment]
            with contextlib.redirect_stdout(io.StringIO()):  # the metrics' EMF line
                state = handler.lambda_handler({"reportDate": day.isoformat()}, LocalLambdaContext("fetch_costs"))
            assert state["costExplorerRequests"] == len(ce.fake.requests), (day, state["costExplorerRequests"])
            per_day.append(len(ce.fake.requests))
    sharing.s3.cache_clear()
    return per_day


def measure(profiles: tuple[str, ...] = ("small", "large-org"), month: str = "2026-10") -> list[dict]:
    """One row per profile and mode ("before": no cache, "after": the history cache): requests per day,
    their median and maximum, and the month's total in dollars."""
    from local.environ import patched_environ

    rows = []
    for profile in profiles:
        for mode in ("before", "after"):
            # The environment only while the handler runs: make bench measures other things after this.
            with patched_environ(ENVIRONMENT):
                per_day = _run_month(profile, month, cached=mode == "after")
            rows.append(
                {
                    "profile": profile,
                    "mode": mode,
                    "month": month,
                    "requests": per_day,
                    "median": statistics.median(per_day),
                    "max": max(per_day),
                    "total": sum(per_day),
                    "dollars": sum(per_day) * DOLLARS_PER_REQUEST,
                }
            )
    return rows


def markdown(rows: list[dict]) -> str:
    lines = [
        "## Cost Explorer requests, every day of a month",
        "",
        f"A daily report for every day of {rows[0]['month']} in order, by the real FetchCosts handler on moto's S3",
        "and the embedded Cost Explorer (its today the day after the report day). Before: no cache, each day",
        "asks for its whole window (the 1st of the previous month to the report day). After: the history",
        "cache (docs/decisions/0015-history-cache.md), kept from day to day, holds the months Cost Explorer",
        "has finalised (`Estimated: false`, from the 5th of the next month in the embedded Cost Explorer).",
        "",
        "| profile | | requests per day (1st to last) | median | max | month | goal |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for row in rows:
        lines.append(
            f"| `{row['profile']}` | {row['mode']} | {' '.join(map(str, row['requests']))} | {row['median']:g} "
            f"| {row['max']} | {row['total']} (${row['dollars']:.2f}) | {GOAL.get(row['profile'], '')} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_requests", description=__doc__.split("\n\n")[0])
    parser.add_argument("--month", default="2026-10", help="YYYY-MM: every day of it is a report day")
    parser.add_argument("--profiles", nargs="+", default=["small", "large-org"])
    args = parser.parse_args(argv)
    print(markdown(measure(tuple(args.profiles), args.month)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
