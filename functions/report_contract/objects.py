"""Where a deployment's run data lives in its data bucket (Terraform's `aws_s3_bucket.shared_costs`, the
Lambda environment variable SHARED_COSTS_BUCKET), defined once for the functions, the definition's tests
and Terraform's lifecycle rules and IAM policies.

Nothing that grows with the number of reports travels in a state's input or output (256 KiB at most:
https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html); it travels here:

* config/reports.json: the deployment's report declarations, Terraform's `reports` variable written by
  Terraform (aws_s3_object). Read by ResolveReportDate and FetchSharedCosts at call time. Never expires.
* runs/<run>/due.json: a dispatching run's due reports, one child item each (ResolveReportDate writes it;
  the Distributed Map's ItemReader reads it). runs/<run>/shared.json: the same items with their shared
  slices (FetchSharedCosts). runs/map-results/: the Map's ResultWriter. Kept 15 days: a failed run can be
  redriven for 14 days (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html) and
  its redrive reads the same list.
* shared/<day>/<run>/<shape>/<report>.json: a report's slice of its shape's shared answer (fetch_costs
  .sharing). Kept 1 day: used within 30 minutes of the query.
* history/<digest>/<YYYY-MM>.json.gz: a month of a query's answer that Cost Explorer has finalised
  (fetch_costs.history_cache; <digest> names the query's metric, scope and breakdown). Kept 40 days
  (HISTORY_EXPIRE_DAYS): a month is written once final, on the 1st of the next month at the earliest, and
  read by daily reports until the last day of that next month, at most 31 days later; S3 counts from the
  object's creation, rounded up to the next midnight UTC, and an expired month is just queried and written
  again.
"""

from __future__ import annotations

from datetime import date

REPORTS_KEY = "config/reports.json"
RUNS_PREFIX = "runs/"
SHARED_PREFIX = "shared/"
MAP_RESULTS_PREFIX = "runs/map-results"
HISTORY_PREFIX = "history/"

RUNS_EXPIRE_DAYS = 15
SHARED_EXPIRE_DAYS = 1
HISTORY_EXPIRE_DAYS = 40


def due_key(run: str) -> str:
    """The due reports ResolveReportDate lists for the run (execution name) `run`."""
    return f"{RUNS_PREFIX}{run}/due.json"


def shared_due_key(run: str) -> str:
    """The same list with each shared report's slice, written by FetchSharedCosts."""
    return f"{RUNS_PREFIX}{run}/shared.json"


def history_key(digest: str, month: date) -> str:
    """A finalised month of the answer to the query whose digest is `digest` (fetch_costs.history_cache)."""
    return f"{HISTORY_PREFIX}{digest}/{month.isoformat()[:7]}.json.gz"
