"""`make bench`: what one report costs and how big it gets, for the synthetic `small` and `large-org`
organisations. A benchmark, not a test: it prints medians and writes docs/performance.md.

    python -m scripts.bench_report [--runs 15] [--write docs/performance.md]

Measured per profile, for a fixed report day (20 Nov 2026, a 51-day query) and for the longest query
the design makes (31 Aug, from 1 Jul: 62 days):
* Cost Explorer requests (pages) at the assumed page size, and the groups they carry;
* summarise time: FetchCosts' pure work (pages to history, history to report model), median of runs;
* render time: RenderEmail's pure work (parse the model, build the view, both templates), median;
* HTML and text bytes;
* the largest state payload: SendEmail's input (the execution input, the request, the claim read, the
  report model and the email), as UTF-8 JSON, escaped or not, whichever is larger; and, as a cross-check,
  the largest payload of a real run of the state machine on the embedded AWS (today's date).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "functions")]  # the Lambda packages, as pytest and the Lambda runtime see them

from fetch_costs.history import parse_history  # noqa: E402
from fetch_costs.query import build_request, report_window  # noqa: E402
from fetch_costs.settings import ReportSettings  # noqa: E402
from fetch_costs.summarise import summarise  # noqa: E402
from render_email.render import MAX_HTML_BYTES, render_report  # noqa: E402
from render_email.request import RenderRequest  # noqa: E402
from report_contract.limits import STATE_PAYLOAD_BYTES as PAYLOAD_LIMIT  # noqa: E402

from local.cost_explorer import GROUPS_PER_PAGE, FakeCostExplorer, SyntheticOrganisation  # noqa: E402
from scripts.bench_org import existing_section  # noqa: E402

PROFILES = ("small", "large-org")
TYPICAL = date(2026, 11, 20)  # a 51-day query (1 Oct to 20 Nov)
LONGEST = date(2026, 8, 31)  # a 62-day query (1 Jul to 31 Aug): the most groups a report ever asks for
PAGE_SIZES = (100, 1_000, 5_000, GROUPS_PER_PAGE, 50_000)
RENDER_TARGET_MS = 100
REQUEST_TARGETS = {"small": 1, "large-org": 2}
LARGE_ORG_ACCOUNTS = len(SyntheticOrganisation("large-org", seed=7, today=TYPICAL).accounts)


def fetch(profile: str, report_date: date, page_size: int = GROUPS_PER_PAGE) -> tuple[list[dict], int]:
    """Every page of the report's query, and the number of groups in them."""
    ce = FakeCostExplorer(
        SyntheticOrganisation(profile, seed=7, today=report_date + timedelta(days=1)), groups_per_page=page_size
    )
    start, end = report_window(report_date)
    pages = ce.all_pages(build_request(start, end, "UnblendedCost"))
    return pages, sum(len(period["Groups"]) for page in pages for period in page["ResultsByTime"])


def median_ms(action, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def send_email_input(report_date: date, costs: dict, email: dict) -> dict:
    return {
        "scheduledTime": f"{(report_date + timedelta(days=1)).isoformat()}T08:00:00Z",
        "request": {
            "reportDate": report_date.isoformat(),
            "trigger": "schedule",
            "force": False,
            "expiresAt": "1900000000",
        },
        "existing": {},
        "costs": costs,
        "email": email,
    }


def payload_bytes(document: dict) -> int:
    return max(len(json.dumps(document, ensure_ascii=flag).encode()) for flag in (True, False))


def measure(profile: str, report_date: date, runs: int) -> dict:
    pages, groups = fetch(profile, report_date)
    start, end = report_window(report_date)
    settings = ReportSettings()

    def summarise_once():
        return summarise(parse_history(start, end, settings.metric, pages), report_date, settings).to_state()

    costs = json.loads(json.dumps(summarise_once()))
    event = {"reportDate": report_date.isoformat(), "costs": costs}

    def render_once():
        return render_report(RenderRequest.from_event(event).costs)

    email = render_once()
    return {
        "profile": profile,
        "report_date": report_date,
        "days": (end - start).days,
        "groups": groups,
        "requests": len(pages),
        "summarise_ms": median_ms(summarise_once, max(3, runs // 3)),
        "render_ms": median_ms(render_once, runs),
        "html": len(email.html.encode()),
        "text": len(email.text.encode()),
        "costs": len(json.dumps(costs).encode()),
        "payload": payload_bytes(send_email_input(report_date, costs, email.to_state())),
        "subject": email.subject,
    }


def workflow_payload(profile: str) -> tuple[str, int, int]:
    """(report day, requests, largest state payload) of a real run of the state machine, today."""
    from local.runtime import EmbeddedAWS

    today = datetime.now(UTC).date()
    with EmbeddedAWS(profile=profile, today=today) as aws:
        execution = aws.run({"scheduledTime": f"{today.isoformat()}T08:00:00Z"})
        if execution.status != "SUCCEEDED":
            raise RuntimeError(f"the {profile} run failed: {execution.error} {execution.cause}")
        return execution.output["reportDate"], len(aws.cost_explorer.requests), execution.largest_payload_bytes()


def many_reports(day: date) -> dict:
    """The large-org demo deployment's seven reports (local/demo_reports.py), made due together on `day`:
    each report's Cost Explorer requests, the run's total, its wall time and the largest state payload of
    every execution (the dispatching run and each child)."""
    from local.demo_reports import demo_chat, demo_reports
    from local.runtime import EmbeddedAWS
    from local.webhook_server import channel_webhooks, hook_url

    reports = demo_reports("large-org", 7, day)
    assert reports is not None
    for declaration in reports.values():  # due on `day` whatever its weekday: a weekly on it, a monthly on the 1st
        declaration.pop("day_of_month", None)
    reports["accounts-weekly"]["day_of_week"] = day.strftime("%A").lower()
    started = time.perf_counter()
    channels = demo_chat("large-org")  # the demo's reports post to its chat channels: deploy them too
    with (
        channel_webhooks(channels) as webhooks,
        EmbeddedAWS(
            profile="large-org",
            today=day,
            reports=reports,
            chat_channels=channels,
            chat_webhooks={name: hook_url(server, name) for name, server in webhooks.items()},
        ) as aws,
    ):
        run = aws.run({"scheduledTime": f"{day.isoformat()}T08:00:00Z"}, timeout=300, follow=False)
        # A run that fails measures nothing: say why rather than print "0 emails, 0 requests".
        assert run.status == "SUCCEEDED", f"the seven reports' run {run.status}: {run.error}: {run.cause}"
        children = aws.children(run, timeout=300)
        elapsed = time.perf_counter() - started
        rows = {
            report: {
                "status": child.status,
                "period": (child.output or {}).get("reportDate"),
                "requests": (child.output or {}).get("costExplorerRequests"),
                "payload": child.largest_payload_bytes(),
            }
            for report, child in sorted(children.items())
        }
        return {
            "day": day,
            "reports": rows,
            "requests": len(aws.cost_explorer.requests),
            "emails": len(aws.mailbox),
            "seconds": elapsed,
            "largest": max([run.largest_payload_bytes()] + [row["payload"] for row in rows.values()]),
        }


def pagination_table() -> list[dict]:
    rows = []
    for profile in PROFILES:
        for label, day in (("typical (51 days)", TYPICAL), ("longest (62 days)", LONGEST)):
            _, groups = fetch(profile, day, page_size=10**9)
            rows.append(
                {
                    "profile": profile,
                    "window": label,
                    "groups": groups,
                    "per_day": groups / ((report_window(day)[1] - report_window(day)[0]).days),
                    "pages": {size: math.ceil(groups / size) for size in PAGE_SIZES},
                }
            )
    return rows


def pct(value: float, target: float) -> str:
    return f"{value / target:.0%} of target"


def many_reports_markdown(many: dict) -> list[str]:
    lines = [
        "",
        "## Many reports from one deployment",
        "",
        f"The large-org demo deployment's seven reports, all due on {many['day']} (a real run of the state",
        "machine: the scheduled run starts one child execution per report). Requests are Cost Explorer's",
        "billed pages ($0.01 each).",
        "",
        "| Report | Status | Report day | Cost Explorer requests | Largest state payload |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    for report, row in many["reports"].items():
        lines.append(f"| {report} | {row['status']} | {row['period']} | {row['requests']} | {row['payload']:,} B |")
    lines += [
        "",
        f"The run: {many['emails']} emails, {many['requests']} Cost Explorer requests "
        f"(${many['requests'] / 100:.2f}), {many['seconds']:.1f} s wall time here, largest state payload "
        f"{many['largest']:,} B ({many['largest'] / PAYLOAD_LIMIT:.0%} of 256 KiB). The four team reports are",
        "one shape (the Team cost category, by service): the run's FetchSharedCosts made "
        f"{many['requests'] - sum(row['requests'] or 0 for row in many['reports'].values())} requests for them",
        "(3 queries over every team, with their pages) and each team's child sliced its part (0 requests of its",
        "own); the others queried for themselves (decision 0010). Each team alone would have made at least one.",
    ]
    return lines


def render_markdown(
    results: list[dict], workflow: dict, pagination: list[dict], runs: int, many: dict | None = None
) -> str:
    machine = f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    lines = [
        "# Performance and cost",
        "",
        "Written by `make bench` (`scripts/bench_report.py`); do not edit by hand, rerun it. A benchmark,",
        "not a test: these machines are shared and noisy, so the test suite asserts sizes and reconciliation,",
        "never time. Timings are medians; each figure is quoted against its target.",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine}; {runs} render runs and "
        f"{max(3, runs // 3)} summarise runs per row.",
        "",
        "## One report",
        "",
        "| Profile | Report day | Query | Groups | Cost Explorer requests, nothing cached | Summarise | Render | "
        "HTML bytes | Largest state payload |",
        "| --- | --- | --- | ---: | --- | ---: | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r['profile']} | {r['report_date']:%a %d %b %Y} | {r['days']} days | {r['groups']:,} | "
            f"{r['requests']} (a first run) | "
            f"{r['summarise_ms']:.0f} ms | {r['render_ms']:.1f} ms ({pct(r['render_ms'], RENDER_TARGET_MS)}) | "
            f"{r['html']:,} ({pct(r['html'], MAX_HTML_BYTES)}) | "
            f"{r['payload']:,} ({pct(r['payload'], PAYLOAD_LIMIT)}) |"
        )
    lines += [
        "",
        "The requests are a first run's, with the history cache empty (decision 0015): the whole window is",
        "queried. On every later day the finalised previous month comes from the cache; the requests of",
        "every day of a month are in",
        "[Cost Explorer requests, every day of a month](#cost-explorer-requests-every-day-of-a-month).",
        "Targets: 1 request for `small`, at most 2 for `large-org`, on every day (judged there, where the",
        "cache is as a deployment has it); render under 100 ms for `large-org`; HTML at",
        "most 100,000 bytes (Gmail clips larger bodies); every state payload at most 256 KiB (262,144 bytes).",
        "Summarise is FetchCosts' own work on the pages (the Cost Explorer round trips come on top); render is",
        "RenderEmail's. The largest state payload is SendEmail's input, which carries the report model and the",
        "email together; the report model alone is",
        ", ".join(f"{r['costs']:,} bytes ({r['profile']}, {r['days']} days)" for r in results) + ".",
        "",
        "Cross-check on the real state machine (embedded AWS, report day "
        f"{workflow['small'][0]}): largest payload {workflow['small'][2]:,} bytes for `small` "
        f"({workflow['small'][1]} request), {workflow['large-org'][2]:,} bytes for `large-org` "
        f"({workflow['large-org'][1]} requests).",
        "",
        "The largest report the contract allows (20 services and Other, 5 + 5 movers, 5 anomalies, 5 new",
        'services, every name 100 characters of `"` or 4-byte characters, every amount near 10^14) is held',
        "under the same limits by `tests/unit/test_render.py::test_the_largest_report_the_contract_allows_*`.",
        "",
        "## Cost Explorer requests: the query and the page size",
        "",
        "Each report makes one `GetCostAndUsage` query (`functions/fetch_costs/query.py`): DAILY, from the 1st",
        "of the previous month to the report day (End exclusive, so End is the day after), grouped by SERVICE",
        "and RECORD_TYPE, with the configured metric. Everything in the email comes from it, the forecast",
        "included (no `GetCostForecast`). The window is 29 to 62 days: last month's total and the same days of",
        "last month need the whole previous month, and the trends need the 14 days before the report day",
        "(always inside it); the months of it Cost Explorer has finalised come from the history cache after",
        "the first run (decision 0015), so the query starts at the first day not cached. Each page of the",
        "answer is a billed request ($0.01), so:",
        "",
        "    requests per report = ceil(groups / page size)",
        "    groups = sum over the days of the (service, record type) pairs with a cost entry that day",
        "",
        "**The page size is not documented by AWS.** `GetCostAndUsage` has no `MaxResults`, and AWS says only",
        "that each page is billed. Public hints disagree and none is verified: a comment in one project's code",
        'says Cost Explorer "paginates at ~20 000 rows"; another project\'s notes claim 100 groups a page while',
        "saying they never came near it. The fake Cost Explorer (`local/cost_explorer.py`, `GROUPS_PER_PAGE`)",
        f"assumes {GROUPS_PER_PAGE:,}, the only hint that reads as an observation, taken at face value rather",
        "than tuned to the targets (an earlier, arbitrary 250 would have billed the small account 9 requests a",
        "day). Whatever the real size, the report is the same: pages are merged (a day split across pages",
        "included; tested at page sizes of 7, 100 and 250), every request is counted and shown in the email's",
        "footer, logged, and published as the `CostExplorerRequests` metric, with `CostExplorerPages` and",
        "`CostExplorerGroupsPerPage` (one value a page: its Maximum in a real account is the page size AWS does",
        "not document), and `COST_EXPLORER_MAX_REQUESTS`",
        "(default 10, up to 100) caps what one report may spend; beyond it the run stops with",
        "`CostDataIncomplete` naming the setting, rather than billing without limit.",
        "",
        "Groups the report's query returns, and the requests they would take at other page sizes:",
        "",
        "| Profile | Query | Groups | Per day | "
        + " | ".join(f"{size:,} a page" + (" (assumed)" if size == GROUPS_PER_PAGE else "") for size in PAGE_SIZES)
        + " |",
        "| --- | --- | ---: | ---: | " + " | ".join("---:" for _ in PAGE_SIZES) + " |",
    ]
    for row in pagination:
        lines.append(
            f"| {row['profile']} | {row['window']} | {row['groups']:,} | {row['per_day']:.0f} | "
            + " | ".join(str(row["pages"][size]) for size in PAGE_SIZES)
            + " |"
        )
    large = next(row for row in pagination if row["profile"] == "large-org" and row["window"].startswith("longest"))
    per_day = large["per_day"]
    two_pages = math.floor(2 * GROUPS_PER_PAGE / per_day)
    lines += [
        "",
        "What this means:",
        "",
        "- **A normal account** (`small`: 37 services, credits on two) has about 36 groups a day, so about",
        "  2,200 at most: one request at any page size from 2,300 up. An account fits one page while",
        f"  (service, record type) pairs x 62 days stay under the page size: about {GROUPS_PER_PAGE // 62:,} pairs at",
        f"  the assumed {GROUPS_PER_PAGE:,}.",
        f"- **A large organisation** (`large-org`: 350 services in {LARGE_ORG_ACCOUNTS} accounts, "
        "an Enterprise Discount",
        f"  Program) has about {per_day:.0f} groups a day: every service has a usage line and a discount line,",
        "  which doubles the groups. At the assumed page size that is 2 requests for queries of up to",
        f"  {two_pages} days, i.e. report days up to the {two_pages - 31}th after a 31-day month (the "
        f"{two_pages - 30}th after a 30-day one),",
        f"  and 3 requests on the last days of the month ({large['groups']:,} groups in the longest query) when",
        "  the whole window is queried. With the history cache (decision 0015) the previous month is read from",
        "  the data bucket once Cost Explorer calls it final, so the query covers the report's month only (and",
        "  the previous month's days until it is final): 1 request while the month to date is at most",
        f"  {math.floor(GROUPS_PER_PAGE / per_day)} days, 2 after, never 3. Last month's total still needs the whole",
        "  previous month daily (for the same days of last month), the gross-and-credits split needs RECORD_TYPE,",
        "  and Cost Explorer groups by at most two keys: the cache, not the query, is what saves the requests.",
        "- **A larger organisation** should expect ceil(groups / page size) requests: count roughly",
        "  (services x record types with costs) x 62 for the longest query. 1,000 services with discounts",
        f"  (about 2,000 groups a day, 124,000 groups) would be {math.ceil(124_000 / GROUPS_PER_PAGE)} requests "
        "at the assumed",
        "  page size, and need `COST_EXPLORER_MAX_REQUESTS` raised if the real page size is much smaller.",
        "  The first run's email footer and the `CostExplorerRequests` metric say what it really is.",
        "",
        "Reproduce: `make bench` (minutes: the cold starts, memory up to 2M lines, every day of a month for",
        "both profiles and the demo and test times below are measured too; `make bench TESTS=all` also times",
        "every test).",
        "",
    ]
    if many is not None:
        lines += many_reports_markdown(many)[1:] + [""]
    return "\n".join(lines)


def measured_sections(all_tests: bool) -> list[str]:
    """The issue-16 figures, each measured by its own module and printed as it comes: Cost Explorer requests
    on every day of a month (the history cache), cold starts and zips, FetchCosts' memory as the lines grow
    (10k to 2M), and the two commands' times."""
    from scripts import bench_cold, bench_memory, bench_requests, bench_times

    # The handlers' loggers exist already (the runs above imported them), so bench_requests' own
    # POWERTOOLS_LOG_LEVEL comes too late for them: their INFO lines, a few a day, are not the figures.
    logging.getLogger("cost-notifier").setLevel(logging.ERROR)
    sections = []
    for name, section in (
        ("requests on every day of a month", lambda: bench_requests.markdown(bench_requests.measure())),
        ("cold starts and zips", lambda: bench_cold.markdown(bench_cold.measure())),
        ("FetchCosts' memory as the lines grow", lambda: bench_memory.markdown(bench_memory.measure())),
        ("the demo and the tests", lambda: bench_times.markdown(bench_times.measure(all_tests=all_tests))),
    ):
        print(f"measuring {name} ...", flush=True)
        sections.append(section())
        print(sections[-1], flush=True)
    return sections


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="render runs per row (summarise: a third)")
    parser.add_argument("--write", metavar="PATH", help="also write the results as Markdown, e.g. docs/performance.md")
    parser.add_argument("--all-tests", action="store_true", help="also time every test, as make test runs them")
    args = parser.parse_args(argv)

    results = []
    for profile in PROFILES:
        for day in (TYPICAL, LONGEST):
            r = measure(profile, day, args.runs)
            results.append(r)
            print(
                f"{profile:9}  {day}  {r['days']:2} days  {r['groups']:6,} groups  {r['requests']} request(s) "
                f"(target {REQUEST_TARGETS[profile]})  summarise {r['summarise_ms']:6.1f} ms  "
                f"render {r['render_ms']:5.1f} ms ({r['render_ms'] / RENDER_TARGET_MS:.0%} of 100 ms)  "
                f"HTML {r['html']:,} B ({r['html'] / MAX_HTML_BYTES:.0%})  "
                f"payload {r['payload']:,} B ({r['payload'] / PAYLOAD_LIMIT:.0%})"
            )
    workflow = {profile: workflow_payload(profile) for profile in PROFILES}
    for profile, (day, requests, largest) in workflow.items():
        print(
            f"{profile:9}  real state machine, report day {day}: {requests} request(s), "
            f"largest payload {largest:,} B ({largest / PAYLOAD_LIMIT:.0%} of 256 KiB)"
        )
    many = many_reports(date(2026, 12, 1))
    for report, row in many["reports"].items():
        print(f"many reports  {report:16} {row['status']}  {row['requests']} request(s)  payload {row['payload']:,} B")
    print(f"many reports  total: {many['emails']} emails, {many['requests']} requests, {many['seconds']:.1f} s")
    pagination = pagination_table()
    for row in pagination:
        print(
            f"{row['profile']:9}  {row['window']:18} {row['groups']:6,} groups: "
            + ", ".join(f"{row['pages'][size]} at {size:,}" for size in PAGE_SIZES)
        )
    sections = measured_sections(args.all_tests)
    if args.write:
        path = Path(args.write)
        # `make bench-org` owns a section of the same file (minutes to measure): keep it as it is.
        kept = existing_section(path.read_text(encoding="utf-8")) if path.exists() else None
        markdown = render_markdown(results, workflow, pagination, args.runs, many) + "\n" + "\n".join(sections)
        path.write_text(markdown + ("\n" + kept if kept else ""), encoding="utf-8")
        print(f"Wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
