"""FetchCosts' memory and time as Cost Explorer's answer grows (issue 16: "flat in the number of pages").

    python -m scripts.bench_memory [--lines 10000 100000 ...] [--runs 3] [--tracemalloc] [--json]

Each size runs in a fresh Python process, so one size's peak does not hide in another's. The child feeds
FetchCosts' real daily fetch path (fetch_costs.handler.fetch_history: fetch_pages, parse_history, the
line names; then summarise.summarise) with a Cost Explorer client that makes each page only when it is
asked for (ENDLESS_PAGES below): the pages a run holds are FetchCosts' doing, not the fake's. The report
is by LINKED_ACCOUNT (a large organisation's accounts, each named on its pages' DimensionValueAttributes)
and RECORD_TYPE, DAILY, over the window of the daily report for REPORT_DAY (47 days), with
local.cost_explorer.GROUPS_PER_PAGE groups a page (an assumption: AWS documents no page size).

Measured: the child's resident high-water mark (Linux VmHWM, reset through /proc/self/clear_refs as
scripts/bench_org.py does) less its resident memory just before the fetch; optionally tracemalloc's peak
(Python's own allocations; slower, so off by default); the wall time; and a digest of the report, so two
versions of the code can be shown to report the same thing.

`measure()` and `markdown()` are what scripts/bench_report.py calls.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from local.cost_explorer import GROUPS_PER_PAGE

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LINES = (10_000, 100_000, 500_000, 1_000_000, 2_000_000)
REPORT_DAY = date(2026, 11, 16)  # a Monday mid-month, as scripts/bench_org.py: a 47-day query
GOAL_MIB = 256  # fetch_costs' memory_size (terraform/lambda.tf): the whole function must fit
# The record types an account's lines carry, in turn: usage every day, and some accounts' tax or credit.
RECORD_TYPES = ("Usage", "Tax", "Credit", "Usage")


class EndlessPages:
    """GetCostAndUsage for `lines` groups over the request's days, each page made when it is asked for.

    Each day has the same accounts; group n of a day is account n // 2 with RECORD_TYPES[n % 4] (a usage
    line and a second line). Amounts differ by account and day, with up to 10 decimal places as Cost
    Explorer gives them."""

    def __init__(self, lines: int, page_size: int) -> None:
        self.lines, self.page_size, self.requests, self.seconds = lines, page_size, 0, 0.0

    def get_cost_and_usage(self, **request: Any) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            return self._page(request)
        finally:
            self.seconds += time.perf_counter() - started

    def _page(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests += 1
        start = date.fromisoformat(request["TimePeriod"]["Start"])
        end = date.fromisoformat(request["TimePeriod"]["End"])
        days = (end - start).days
        per_day = max(1, self.lines // days)
        total = per_day * days
        first = int(request.get("NextPageToken") or 0)
        last = min(total, first + self.page_size)
        metric = request["Metrics"][0]
        results: list[dict[str, Any]] = []
        accounts: set[str] = set()
        for position in range(first, last):
            index, n = divmod(position, per_day)
            day = start + timedelta(days=index)
            if not results or results[-1]["TimePeriod"]["Start"] != day.isoformat():
                results.append(_period(day))
            account = f"{100_000_000_000 + n // 2:012d}"
            accounts.add(account)
            amount = _amount(n, index, RECORD_TYPES[n % 4])
            results[-1]["Groups"].append(
                {"Keys": [account, RECORD_TYPES[n % 4]], "Metrics": {metric: {"Amount": amount, "Unit": "USD"}}}
            )
        page: dict[str, Any] = {
            "GroupDefinitions": request["GroupBy"],
            "ResultsByTime": results,
            "DimensionValueAttributes": [
                {"Value": a, "Attributes": {"description": f"account-{a[-6:]}"}} for a in sorted(accounts)
            ],
        }
        if last < total:
            page["NextPageToken"] = str(last)
        return page


def _period(day: date) -> dict[str, Any]:
    end = day + timedelta(days=1)
    return {
        "TimePeriod": {"Start": day.isoformat(), "End": end.isoformat()},
        "Total": {},
        "Groups": [],
        "Estimated": True,
    }


def _amount(n: int, day: int, record_type: str) -> str:
    """A deterministic amount in Cost Explorer's form ("12.3456789012", at most 10 decimal places)."""
    raw = (n * 7919 + day * 104_729 + (n * day) % 977) % 50_000_000_000
    text = f"{raw // 10**10}.{raw % 10**10:010d}".rstrip("0").rstrip(".")
    return "-" + text if record_type == "Credit" and text != "0" else text


def _status_kib(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def child(lines: int, trace: bool) -> dict[str, Any]:
    """One size, in this process: fetch, parse, summarise; what it cost in memory and time."""
    sys.path[:0] = [str(ROOT / "functions"), str(ROOT)]
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    import tracemalloc

    from fetch_costs import handler
    from fetch_costs.lines import report_identity
    from fetch_costs.settings import load_settings
    from fetch_costs.summarise import summarise
    from report_contract.spec import Breakdown, ReportSpec

    client = EndlessPages(lines, GROUPS_PER_PAGE)
    handler.cost_explorer = lambda: client  # type: ignore[assignment]  # read at each request
    spec = ReportSpec("accounts", "Accounts", recipients=(), breakdown=Breakdown("account"))
    report_settings = load_settings({})
    gc.collect()
    before = _status_kib("VmRSS")
    peak_known = _reset_peak()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    history = handler.fetch_history(REPORT_DAY, report_settings.metric, 10_000, spec)
    report = summarise(history, REPORT_DAY, report_settings, report_identity(spec))
    seconds = time.perf_counter() - started - client.seconds  # FetchCosts' time, not the fake's
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    peak = (_status_kib("VmHWM") - before) / 1024 if peak_known else None
    state = json.dumps(report.to_state(), sort_keys=True).encode()
    return {
        "lines": lines,
        "pages": client.requests,
        "requests": report.requests,
        "peak_mib": peak,
        "baseline_mib": before / 1024,
        "tracemalloc_mib": traced,
        "seconds": seconds,
        "fake_seconds": client.seconds,
        "report_sha256": hashlib.sha256(state).hexdigest()[:16],
    }


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def measure(lines: tuple[int, ...] = DEFAULT_LINES, trace: bool = False, runs: int = 1) -> list[dict[str, Any]]:
    """One row per size: the medians of `runs` runs, each in a fresh subprocess."""
    rows = []
    for count in lines:
        measured = [_run_child(count, trace) for _ in range(runs)]
        row = dict(measured[0], runs=runs)
        for key in ("peak_mib", "tracemalloc_mib", "seconds", "fake_seconds"):
            values = [m[key] for m in measured if m[key] is not None]
            row[key] = statistics.median(values) if values else None
        if len({m["report_sha256"] for m in measured}) != 1:
            raise RuntimeError(f"{count} lines: the runs reported different reports")
        rows.append(row)
    return rows


def _run_child(count: int, trace: bool) -> dict[str, Any]:
    command = [sys.executable, "-m", "scripts.bench_memory", "--child", str(count)]
    done = subprocess.run(
        command + (["--tracemalloc"] if trace else []), cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{count} lines: the child failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def markdown(rows: list[dict[str, Any]]) -> str:
    """The section for docs/performance.md."""
    traced = any(row.get("tracemalloc_mib") is not None for row in rows)
    out = [
        "## FetchCosts memory and time as the data grows",
        "",
        f"Medians of {rows[0].get('runs', 1)} run(s) a size, each in a fresh process. The daily report's fetch "
        "(fetch_history: every page, parse_history, the account names) and summarise, by LINKED_ACCOUNT over the "
        f"{REPORT_DAY} report's 47-day window, {GROUPS_PER_PAGE:,} groups a page (assumed: AWS documents no page "
        "size), pages made one at a time by a fake client whose time is left out. Peak memory added: the "
        "process's resident high-water mark less its resident memory just before the fetch; resident peak adds "
        f"that memory back (Python and the modules, about {rows[0]['baseline_mib']:.0f} MiB here), which is what "
        f"fetch_costs' {GOAL_MIB} MB must hold."
        + (" tracemalloc: Python's own allocations at their peak (the run is slower with it on)." if traced else ""),
        "",
        "| lines | pages | peak memory added (MiB) | resident peak (MiB) |"
        + (" tracemalloc peak (MiB) |" if traced else "")
        + " time (s) | goal |",
        "|---:|---:|---:|---:|" + ("---:|" if traced else "") + "---:|---|",
    ]
    for row in rows:
        known = row["peak_mib"] is not None
        peak = f"{row['peak_mib']:.0f}" if known else "n/a"
        resident = f"{row['peak_mib'] + row['baseline_mib']:.0f}" if known else "n/a"
        trace = ""
        if traced:
            trace = " n/a |" if row.get("tracemalloc_mib") is None else f" {row['tracemalloc_mib']:.0f} |"
        goal = ""
        if row["lines"] == 2_000_000:
            meets = known and (row["peak_mib"] + row["baseline_mib"]) * 1.048576 < GOAL_MIB  # MiB to MB
            goal = f"under {GOAL_MIB} MB at 2M lines: " + ("meets" if meets else "**misses**")
        out.append(
            f"| {row['lines']:,} | {row['pages']} | {peak} | {resident} |{trace} {row['seconds']:.1f} | {goal} |"
        )
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, nargs="+", default=list(DEFAULT_LINES))
    parser.add_argument("--tracemalloc", action="store_true", help="also Python's allocation peak (slower)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=1, help="runs of each size (the figures are medians)")
    parser.add_argument("--json", action="store_true", help="the rows as JSON, not markdown")
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.tracemalloc)))
        return
    rows = measure(tuple(args.lines), args.tracemalloc, args.runs)
    print(json.dumps(rows, indent=1) if args.json else markdown(rows))


if __name__ == "__main__":
    main()
