"""scripts/bench_memory.py's pure parts: its fake Cost Explorer answers the asked number of groups, paged
and made one page at a time as Cost Explorer pages, and its table. No memory or time is asserted."""

from __future__ import annotations

from fetch_costs.history import parse_history
from fetch_costs.lines import line_namer
from fetch_costs.query import build_request, report_window
from report_contract.spec import Breakdown

from scripts.bench_memory import REPORT_DAY, EndlessPages, markdown


def test_the_fake_answers_every_group_once_across_pages_of_the_page_size():
    start, end = report_window(REPORT_DAY)  # 47 days
    client = EndlessPages(lines=47 * 30, page_size=100)
    request = build_request(start, end, "UnblendedCost", group_by={"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"})
    pages = [client.get_cost_and_usage(**request)]
    while "NextPageToken" in pages[-1]:
        pages.append(client.get_cost_and_usage(**request, NextPageToken=pages[-1]["NextPageToken"]))
    sizes = [sum(len(p["Groups"]) for p in page["ResultsByTime"]) for page in pages]
    assert sizes == [100] * 14 + [10] and client.requests == 15
    named = {a["Value"] for page in pages for a in page["DimensionValueAttributes"]}
    assert len(named) == 15  # 30 groups a day: 15 accounts, each with a usage line and a second line
    history = parse_history(start, end, "UnblendedCost", pages, name=line_namer(Breakdown("account"), pages))
    assert all(len(day.charges) == 15 for day in history.days)
    assert all(name.startswith("account-") for name in history.days[0].charges)


def test_the_table_gives_the_goal_beside_the_two_million_line_row():
    row = {"lines": 2_000_000, "pages": 100, "peak_mib": 47.5, "baseline_mib": 60.0, "seconds": 31.0, "runs": 3}
    table = markdown([{**row, "lines": 10_000, "pages": 1}, row])
    assert "| 2,000,000 | 100 | 48 | 108 | 31.0 | under 256 MB at 2M lines: meets |" in table
    assert "| 10,000 | 1 | 48 | 108 | 31.0 |  |" in table and "Medians of 3 run(s)" in table
