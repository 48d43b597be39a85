"""`make bench-org` on a small organisation, so the benchmark cannot rot between the runs that take minutes:
the real state machine sends every team its report from one shared set of queries, and the figures the
bench writes are there. Counts only: no timing is asserted (these machines are shared and noisy)."""

from __future__ import annotations

from scripts.bench_org import run_once


def test_five_team_reports_cost_the_three_shared_queries_and_send_five_emails():
    # Five, not fewer: a shape is shared only when its 3 queries are fewer than one query per report.
    row = run_once(5)

    assert row["requests"] == 3 and row["emails"] == 5
    assert row["invocations"] == {"resolve_report_date": 6, "fetch_costs": 6, "render_email": 5}
    assert row["api_calls"]["s3:PutObject"] >= 5 and row["api_calls"]["sesv2:SendEmail"] == 5
    assert 0 < row["largest"] < 64 * 1024
    assert row["transitions"] > 5 * 10  # every child runs its dozen states
