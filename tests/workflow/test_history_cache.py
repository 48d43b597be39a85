"""The history cache (fetch_costs.history_cache) in the real workflow on the embedded AWS: a large
organisation's report for one day writes the previous month, final, to the data bucket, and the next day's
report reads it and asks Cost Explorer for the month to date only (docs/decisions/0015-history-cache.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from report_contract import objects

from local.runtime import SHARED_COSTS_BUCKET, EmbeddedAWS

# Cost Explorer's today is 7 Oct: September's bill is final (the 5th, local/synthetic_org.py), October not.
NOW = datetime(2026, 10, 7, 8, 0, 5, tzinfo=UTC)


def test_the_next_day_of_a_large_organisation_asks_only_for_the_month_to_date():
    with EmbeddedAWS(profile="large-org", now=NOW) as aws:
        # GIVEN the report for 5 Oct: 1 Sep to 5 Oct, 35 days of about 697 groups, 2 pages
        first = aws.run({"date": "2026-10-05"})
        first_requests = list(aws.cost_explorer.requests)
        listed = boto3.client("s3").list_objects_v2(Bucket=SHARED_COSTS_BUCKET, Prefix=objects.HISTORY_PREFIX)
        cached = [item["Key"] for item in listed.get("Contents", [])]
        # WHEN the report for 6 Oct runs
        second = aws.run({"date": "2026-10-06"})
        second_requests = aws.cost_explorer.requests[len(first_requests) :]
    # THEN both are sent; the first cached September, and the second asked for 1 to 6 Oct only, in 1 request
    assert first.status == second.status == "SUCCEEDED"
    assert first.output["outcome"] == second.output["outcome"] == "sent"
    assert [r["TimePeriod"]["Start"] for r in first_requests] == ["2026-09-01", "2026-09-01"]
    assert len(cached) == 1 and cached[0].endswith("/2026-09.json.gz")
    assert [r["TimePeriod"]["Start"] for r in second_requests] == ["2026-10-01"]
    assert second.report()["costExplorerRequests"] == 1
    assert second.report()["lastMonth"]["days"] == 30
