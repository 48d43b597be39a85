"""`make bench-org TEAMS="10 100 1000"`: the real workflow on the embedded AWS for a synthetic organisation
of N teams, each with its own daily report (scoped to its value of the Team cost category, by service),
all due in one scheduled run. A benchmark, not a test: it prints a table and, with --write, replaces the
"Organisation scale" section of docs/performance.md (between BEGIN and END below; `make bench` keeps it).

    python -m scripts.bench_org [--teams 10 100 1000] [--runs 3] [--write docs/performance.md]

Measured for each N, on the real state machine (local/runtime.py), the organisation being the synthetic
`teams` profile (local/synthetic_org.py):
* Cost Explorer requests (each page is a billed request, $0.01) and emails sent;
* the largest state payload of the run and of every child execution it started;
* wall time, from starting the scheduled run until every child has ended, and per team (wall / N);
* FetchSharedCosts (the run's one query per shape, sliced into each report's part): its wall time, how
  much of it was the embedded Cost Explorer answering, and the peak resident memory it added;
* what AWS would bill for the day: state transitions, Lambda requests and GB-seconds, S3, DynamoDB and
  SES requests, counted from the run itself and priced from AWS's pricing pages (PRICES).

Runs of the same N repeat --runs times (1 for N over REPEAT_UP_TO: minutes each); figures are medians.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "functions")]  # the Lambda packages, as the embedded runtime imports them

from botocore.client import BaseClient  # noqa: E402
from fetch_costs.query import report_window  # noqa: E402

from local.cost_explorer import GROUPS_PER_PAGE, FakeCostExplorer, SyntheticOrganisation  # noqa: E402
from local.runtime import DEFINITION, EmbeddedAWS, Execution  # noqa: E402

# Tuesday 17 Nov 2026, 08:00 UTC: the daily reports cover Monday 16th, a 47-day query (1 Oct to 16 Nov),
# mid-month, so neither the shortest nor the longest window.
NOW = datetime(2026, 11, 17, 8, 0, 5, tzinfo=UTC)
SCHEDULED = {"scheduledTime": "2026-11-17T08:00:00Z"}
REPORT_DAY = NOW.date() - timedelta(days=1)
DEFAULT_TEAMS = (10, 100, 1_000)
REPEAT_UP_TO = 100  # larger N run once
RUN_TIMEOUT = 4 * 3600.0

# Goals (issue 12). Requests: the same for 10 and 1,000 teams, at most MAX_SHARED_REQUESTS per query
# shape. Payload: every state payload under 64 KiB, at 10,000 teams too. Time per team roughly constant.
MAX_SHARED_REQUESTS = 3
PAYLOAD_GOAL = 64 * 1024

# The section this script owns in docs/performance.md; scripts/bench_report.py keeps it when it rewrites
# the rest of the file.
BEGIN = "<!-- BEGIN bench-org: written by `make bench-org` (scripts/bench_org.py); rerun it, do not edit -->"
END = "<!-- END bench-org -->"

# Published prices, US East (N. Virginia), each with the page it is from.
PRICES = {
    "ce_request": (0.01, "https://aws.amazon.com/aws-cost-management/aws-cost-explorer/pricing/"),
    "sfn_transition": (0.025 / 1_000, "https://aws.amazon.com/step-functions/pricing/"),
    "lambda_request": (0.20 / 1_000_000, "https://aws.amazon.com/lambda/pricing/"),
    "lambda_gb_second_arm": (0.0000133334, "https://aws.amazon.com/lambda/pricing/"),
    "s3_put": (0.005 / 1_000, "https://aws.amazon.com/s3/pricing/"),
    "s3_get": (0.0004 / 1_000, "https://aws.amazon.com/s3/pricing/"),
    "dynamodb_read": (0.125 / 1_000_000, "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    "dynamodb_write": (0.625 / 1_000_000, "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    "ses_message": (0.10 / 1_000, "https://aws.amazon.com/ses/pricing/"),
}
# S3 request classes: PUT, COPY, POST, LIST at the first price; GET and the rest at the second.
S3_PUT_CLASS = ("PutObject", "CopyObject", "ListObjectsV2", "ListObjects", "CreateMultipartUpload")
DYNAMODB_WRITES = ("PutItem", "UpdateItem", "DeleteItem")


def lambda_memory_mb(reports: int) -> dict[str, int]:
    """Each function's memory_size in terraform/lambda.tf for a deployment of `reports` reports (the
    GB-seconds price is per configured GB): a number, or fetch_costs' local.fetch_costs_memory_size,
    evaluated as Terraform would with the variable unset."""
    from tests.infra.hcl_condition import evaluate

    text = (ROOT / "terraform" / "lambda.tf").read_text()
    rule = re.search(r"\n  fetch_costs_memory_size = (.+)", text)
    sizes = {}
    for function in ("resolve_report_date", "fetch_costs", "render_email"):
        block = re.search(rf"\n    {function} = \{{(.*?)\n    \}}", text, re.S)
        match = re.search(r"memory_size\s*=\s*(\d+|local\.fetch_costs_memory_size)", block.group(1) if block else "")
        if match is None or (match.group(1).startswith("local.") and rule is None):
            raise RuntimeError(f"terraform/lambda.tf: no memory_size for {function}")
        if match.group(1).startswith("local.") and rule is not None:
            declared = {"reports": {f"r{i}": {} for i in range(reports)}}
            sizes[function] = int(evaluate("${" + rule.group(1) + "}", {"fetch_costs_memory_size": None}, declared))
        else:
            sizes[function] = int(match.group(1))
    return sizes


def team_reports(org: SyntheticOrganisation) -> dict[str, dict]:
    """One daily report per team, scoped to its Team value and broken down by service, as a deployment
    declares them (report_contract.spec)."""
    reports = {}
    for account in org.team_accounts:
        team = org.accounts[account].split("-", 1)[1]  # "prod-payments-1" -> "payments-1"
        value = org.account_categories[account]  # "Payments-1"
        reports[f"team-{team}"] = {
            "name": f"{value} team",
            "cadence": "daily",
            "scope": {"cost_category": {"name": "Team", "values": [value]}},
            "breakdown": {"by": "service"},
            "recipients": [f"{team}-leads@example.com"],
        }
    return reports


# ---- what the run is measured with -------------------------------------------------------------------


def is_shared_fetch(function: str, event: object) -> bool:
    """FetchSharedCosts' invocation: fetch_costs called with {"share": ...} (fetch_costs.handler)."""
    return function == "fetch_costs" and isinstance(event, dict) and "share" in event


def _status_kib(key: str) -> int:
    match = re.search(rf"^{key}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    return int(match.group(1)) if match else 0


def _reset_peak_rss() -> bool:
    """Reset the process's resident-memory high-water mark (Linux: "5" to clear_refs), so VmHWM after a step
    is that step's peak. False where it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


@dataclass
class Probe:
    """What the hooks record during one run."""

    fetch_seconds: float = 0.0
    fetch_peak_mib: float | None = None  # peak resident memory the step added
    fetch_cost_explorer_seconds: float = 0.0
    cost_explorer_seconds: float = 0.0
    in_fetch: bool = False
    api_calls: Counter = field(default_factory=Counter)  # (service, operation) -> calls
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextlib.contextmanager
def instrumented(aws: EmbeddedAWS, probe: Probe) -> Iterator[None]:
    """Time and measure FetchSharedCosts, time the embedded Cost Explorer, and count every AWS API call made
    through botocore (the Lambdas' S3 reads and writes, and the calls moto's Step Functions integrations
    make for DynamoDB, SES and StartExecution). local/runtime.py has no hook for these; they wrap its
    instance and botocore from outside, and are undone on exit."""
    invoke, answer = aws._invoke, aws.cost_explorer.get_cost_and_usage
    make_api_call = BaseClient._make_api_call

    def measured_invoke(function: str, payload: bytes, response_headers: dict) -> bytes:
        if not is_shared_fetch(function, json.loads(payload or b"{}")):
            return invoke(function, payload, response_headers)
        before = _status_kib("VmRSS")
        peak_known = _reset_peak_rss()
        probe.in_fetch = True
        started = time.perf_counter()
        try:
            return invoke(function, payload, response_headers)
        finally:
            probe.fetch_seconds += time.perf_counter() - started
            probe.in_fetch = False
            if peak_known:
                probe.fetch_peak_mib = max(0, _status_kib("VmHWM") - before) / 1024

    def timed_answer(params: dict) -> dict:
        started = time.perf_counter()
        try:
            return answer(params)
        finally:
            elapsed = time.perf_counter() - started
            with probe.lock:
                probe.cost_explorer_seconds += elapsed
                if probe.in_fetch:
                    probe.fetch_cost_explorer_seconds += elapsed

    def counted_call(client, operation_name, api_params):
        with probe.lock:
            probe.api_calls[(client.meta.service_model.service_name, operation_name)] += 1
        return make_api_call(client, operation_name, api_params)

    aws._invoke = measured_invoke  # type: ignore[method-assign]
    aws.cost_explorer.get_cost_and_usage = timed_answer  # type: ignore[method-assign]
    BaseClient._make_api_call = counted_call  # type: ignore[method-assign]
    try:
        yield
    finally:
        BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
        aws.cost_explorer.get_cost_and_usage = answer  # type: ignore[method-assign]
        aws._invoke = invoke  # type: ignore[method-assign]


def definition_parse_seconds(teams: int) -> float:
    """How long moto takes to parse the definition, which it does for every execution it starts (the run
    and each child): its ASL parser is ANTLR's pure-Python runtime. Median of 3."""
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    with EmbeddedAWS(profile="teams", now=NOW, reports={}) as aws:
        definition = aws._definition
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        AmazonStateLanguageParser.parse(definition)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def state_transitions(execution: Execution) -> int:
    """Billed state transitions in one execution's history: one for each state entered."""
    return sum(1 for event in execution.history if event["type"].endswith("StateEntered"))


def distributed_item_transitions() -> int:
    """What each item of a Distributed Map costs in transitions: one for starting its child workflow
    execution ("you are charged one state transition for each child workflow execution that the Distributed
    Map state starts", https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html) plus
    the states it enters. moto keeps no history for an item execution, so those are read from the
    definition: the path from StartAt along Next to End, the path every item takes when its start succeeds.
    0 when the definition has no Distributed Map (an inline Map's iterations are in the run's history)."""
    definition = json.loads(DEFINITION.read_text())
    for state in definition["States"].values():
        processor = state.get("ItemProcessor") or {}
        if state["Type"] != "Map" or processor.get("ProcessorConfig", {}).get("Mode") != "DISTRIBUTED":
            continue
        entered, name = 0, processor["StartAt"]
        while name is not None:
            entered += 1
            name = processor["States"][name].get("Next")
        return 1 + entered
    return 0


# ---- one run -----------------------------------------------------------------------------------------


def run_once(teams: int) -> dict:
    org = SyntheticOrganisation("teams", seed=7, today=NOW.date(), teams=teams)
    start, _ = report_window(REPORT_DAY)
    day = start
    while day <= NOW.date():  # generate the line items first: the organisation's data, not the run's work
        org.lines_for_day(day)
        day += timedelta(days=1)
    reports = team_reports(org)
    aws = EmbeddedAWS(profile="teams", now=NOW, reports=reports)
    # EmbeddedAWS builds its organisation from (profile, seed, today) only: the N-team one is swapped in
    # before it starts (its line items were generated above, outside the timed run).
    aws.cost_explorer = FakeCostExplorer(org)
    probe = Probe()
    with aws, instrumented(aws, probe):
        probe.api_calls.clear()  # provisioning is not the run
        started = time.perf_counter()
        run = aws.run(SCHEDULED, follow=False, timeout=RUN_TIMEOUT)
        children = aws.children(run, timeout=RUN_TIMEOUT)
        wall = time.perf_counter() - started
        if run.status != "SUCCEEDED" or len(children) != teams:
            raise RuntimeError(
                f"{teams} teams: the run {run.status} ({run.error} {run.cause}), {len(children)} children"
            )
        # A failed child is a finding, not a reason to lose the run's figures: its error is kept and shown.
        failures = Counter(f"{c.error}: {(c.cause or '')[:160]}" for c in children.values() if c.status != "SUCCEEDED")
        invocations = Counter(i.function for i in aws.invocations)
        lambda_ms = Counter()
        for invocation in aws.invocations:
            lambda_ms[invocation.function] += invocation.duration_ms
        return {
            "teams": teams,
            "requests": len(aws.cost_explorer.requests),
            "emails": len(aws.mailbox),
            "failed": sum(failures.values()),
            "failures": dict(failures.most_common(5)),
            "largest": max([run.largest_payload_bytes()] + [c.largest_payload_bytes() for c in children.values()]),
            "wall": wall,
            "per_team": wall / teams,
            "fetch_seconds": probe.fetch_seconds,
            "fetch_cost_explorer_seconds": probe.fetch_cost_explorer_seconds,
            "fetch_peak_mib": probe.fetch_peak_mib,
            "cost_explorer_seconds": probe.cost_explorer_seconds,
            "transitions": state_transitions(run)
            + sum(state_transitions(c) for c in children.values())
            + len(children) * distributed_item_transitions(),
            "invocations": dict(invocations),
            "lambda_ms": dict(lambda_ms),
            "api_calls": {f"{service}:{operation}": n for (service, operation), n in sorted(probe.api_calls.items())},
        }


def run_in_new_process(teams: int) -> dict:
    """run_once in a fresh interpreter: each run pays the same imports (as a cold start does), inherits no
    caches or moto state from the one before, and starts from its own resident high-water mark (a process
    reuses memory it has freed, so a second run in the same one would show almost no growth)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "row.json"
        command = [sys.executable, "-m", "scripts.bench_org", "--one", str(teams), "--json", str(out)]
        subprocess.run(command, cwd=ROOT, check=True)
        row: dict = json.loads(out.read_text())
        return row


def measure(teams: int, runs: int) -> dict:
    """Median of `runs` runs for the timings; the counts are the same every run (checked)."""
    results = []
    for _ in range(runs if teams <= REPEAT_UP_TO else 1):
        results.append(run_in_new_process(teams))
        print(f"  {teams:,} teams: run {len(results)} took {results[-1]['wall']:.1f} s", flush=True)
    counts = ("requests", "emails", "largest", "transitions")
    for key in counts:
        if len({r[key] for r in results}) != 1:
            raise RuntimeError(f"{teams} teams: {key} differs between runs: {[r[key] for r in results]}")
    median = dict(results[0])
    for key in ("wall", "per_team", "fetch_seconds", "fetch_cost_explorer_seconds", "cost_explorer_seconds"):
        median[key] = statistics.median(r[key] for r in results)
    peaks = [r["fetch_peak_mib"] for r in results if r["fetch_peak_mib"] is not None]
    median["fetch_peak_mib"] = statistics.median(peaks) if peaks else None
    median["runs"] = len(results)
    return median


# ---- the day's AWS bill ---------------------------------------------------------------------------------


def day_cost(row: dict, memory_mb: dict[str, int]) -> list[tuple[str, str, float]]:
    """(line, quantity as counted, dollars) for one run: the AWS bill of the day, free tiers ignored."""
    price = {name: value for name, (value, _) in PRICES.items()}
    calls = Counter({tuple(k.split(":", 1)): v for k, v in row["api_calls"].items()})
    s3_put = sum(n for (service, op), n in calls.items() if service == "s3" and op in S3_PUT_CLASS)
    s3_get = sum(n for (service, op), n in calls.items() if service == "s3" and op not in S3_PUT_CLASS)
    dynamodb_writes = sum(n for (service, op), n in calls.items() if service == "dynamodb" and op in DYNAMODB_WRITES)
    dynamodb_reads = sum(n for (service, op), n in calls.items() if service == "dynamodb" and op not in DYNAMODB_WRITES)
    gb_seconds = sum(ms / 1000 * memory_mb[f] / 1024 for f, ms in row["lambda_ms"].items())
    requests = sum(row["invocations"].values())
    return [
        ("Cost Explorer", f"{row['requests']:,} requests", row["requests"] * price["ce_request"]),
        ("Step Functions (Standard)", f"{row['transitions']:,} state transitions",
         row["transitions"] * price["sfn_transition"]),
        ("Lambda requests", f"{requests:,} invocations", requests * price["lambda_request"]),
        ("Lambda compute (arm64)", f"{gb_seconds:,.0f} GB-seconds", gb_seconds * price["lambda_gb_second_arm"]),
        ("S3 PUT, COPY, POST, LIST", f"{s3_put:,} requests", s3_put * price["s3_put"]),
        ("S3 GET and other", f"{s3_get:,} requests", s3_get * price["s3_get"]),
        ("DynamoDB on demand", f"{dynamodb_reads:,} reads, {dynamodb_writes:,} writes",
         dynamodb_reads * price["dynamodb_read"] + dynamodb_writes * price["dynamodb_write"]),
        ("SES", f"{row['emails']:,} messages", row["emails"] * price["ses_message"]),
    ]  # fmt: skip


# ---- output -------------------------------------------------------------------------------------------


def verdicts(rows: list[dict]) -> dict[int, dict[str, str]]:
    base = rows[0]
    out = {}
    for row in rows:
        same = row["requests"] == base["requests"]
        shared = row["requests"] <= MAX_SHARED_REQUESTS
        requests = "meets" if same and shared else "**misses**"
        payload = "meets" if row["largest"] < PAYLOAD_GOAL else "**misses**"
        ratio = row["per_team"] / base["per_team"]
        time_mark = f"{ratio:.2f}x the {base['teams']:,}-team figure"
        out[row["teams"]] = {"requests": requests, "payload": payload, "time": time_mark}
    return out


def _failed(row: dict) -> str:
    """The children that failed, and why (the first error), or nothing."""
    if not row.get("failed"):
        return ""
    return f"; **{row['failed']:,} children failed**: {next(iter(row['failures']))}"


def _mib(value: float | None) -> str:
    if value is None:
        return "n/a"
    return "under 1 MiB" if value < 1 else f"{value:,.0f} MiB"


def table(rows: list[dict]) -> list[str]:
    marks = verdicts(rows)
    lines = [
        "| Teams | Runs | Cost Explorer requests | Emails | Largest state payload | Wall time | Per team | "
        "FetchSharedCosts: time (of it Cost Explorer) | FetchSharedCosts: peak memory added |",
        "| ---: | ---: | --- | ---: | --- | ---: | --- | --- | --- |",
    ]
    for row in rows:
        mark = marks[row["teams"]]
        peak = _mib(row["fetch_peak_mib"])
        lines.append(
            f"| {row['teams']:,} | {row['runs']} | {row['requests']} (${row['requests'] / 100:.2f}; goal: as for "
            f"{rows[0]['teams']:,} teams and at most {MAX_SHARED_REQUESTS}: {mark['requests']}) | {row['emails']:,} "
            f"(goal {row['teams']:,}{_failed(row)}) | "
            f"{row['largest']:,} B ({row['largest'] / PAYLOAD_GOAL:.0%} of 64 KiB: "
            f"{mark['payload']}) | {row['wall']:,.1f} s | {row['per_team'] * 1000:,.0f} ms (goal constant: "
            f"{mark['time']}) | {row['fetch_seconds']:,.1f} s ({row['fetch_cost_explorer_seconds']:,.1f} s) | "
            f"{peak} |"
        )
    return lines


def cost_lines(row: dict) -> list[str]:
    memory = lambda_memory_mb(row["teams"])
    items = day_cost(row, memory)
    total = sum(dollars for _, _, dollars in items)
    lines = [
        f"### What a {row['teams']:,}-team day costs on AWS",
        "",
        f"Counted from the {row['teams']:,}-team run above and priced at US East (N. Virginia) list prices, "
        "free tiers ignored:",
        "",
        "| Service | The day's use (counted in the run) | Price | Cost |",
        "| --- | --- | --- | ---: |",
    ]
    price_text = {
        "Cost Explorer": ("$0.01 per request", "ce_request"),
        "Step Functions (Standard)": ("$0.025 per 1,000 transitions", "sfn_transition"),
        "Lambda requests": ("$0.20 per million", "lambda_request"),
        "Lambda compute (arm64)": ("$0.0000133334 per GB-second", "lambda_gb_second_arm"),
        "S3 PUT, COPY, POST, LIST": ("$0.005 per 1,000", "s3_put"),
        "S3 GET and other": ("$0.0004 per 1,000", "s3_get"),
        "DynamoDB on demand": ("$0.125 per million reads, $0.625 per million writes", "dynamodb_read"),
        "SES": ("$0.10 per 1,000 messages", "ses_message"),
    }
    for name, quantity, dollars in items:
        text, key = price_text[name]
        lines.append(f"| {name} | {quantity} | [{text}]({PRICES[key][1]}) | ${dollars:,.4f} |")
    lines += [f"| **Total** | | | **${total:,.2f} a day, about ${total * 30:,.0f} a month** |", ""]
    return lines


def render_section(rows: list[dict], notes: list[str]) -> str:
    machine = f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    lines = [
        BEGIN,
        "## Organisation scale",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine}, by `make bench-org` "
        f"(`scripts/bench_org.py`). A synthetic organisation of N teams (the `teams` profile of",
        "`local/synthetic_org.py`: one account per team, each with a handful of services, mapped by the `Team`",
        "cost category to its team) and N daily reports, one per team (its Team value, by service), all due in",
        f"one scheduled run of the real state machine on the embedded AWS (report day {REPORT_DAY:%a %d %b %Y}, a",
        f"{(REPORT_DAY - report_window(REPORT_DAY)[0]).days + 1}-day query). Timings are medians of the runs "
        f"given (N up to {REPEAT_UP_TO}); larger N ran once.",
        "",
        *table(rows),
        "",
        *notes,
    ]
    big = [row for row in rows if row["teams"] == 1_000]
    if big:
        lines += cost_lines(big[0])
    lines += ["Prices: " + ", ".join(f"{name.replace('_', ' ')} {url}" for name, (_, url) in PRICES.items()) + ".", ""]
    return "\n".join(lines + [END]) + "\n"


def notes_for(rows: list[dict], parse_seconds: float) -> list[str]:
    last = rows[-1]
    slicing = last["fetch_seconds"] - last["fetch_cost_explorer_seconds"]
    return [
        "Where the time goes on the embedded AWS (not on AWS):",
        "",
        f"- moto parses the whole definition for every execution it starts: {parse_seconds * 1000:,.0f} ms here "
        f"(ANTLR's pure-Python runtime), {parse_seconds / last['per_team']:.0%} of the {last['teams']:,}-team",
        "  run's time per team. The rest of a child is its dozen states, FetchCosts reading and summarising",
        "  its slice and RenderEmail; children share one interpreter lock, so more of them at once is not faster",
        "  (the runtime keeps 16 running at once: docs/embedded-runtime.md).",
        f"- FetchSharedCosts at {last['teams']:,} teams: {last['fetch_seconds']:,.1f} s, of which the embedded Cost "
        f"Explorer {last['fetch_cost_explorer_seconds']:,.1f} s;",
        f"  the other {slicing:,.1f} s are the function's own: parsing the pages, slicing them (one pass) and",
        "  writing one slice a report to S3.",
        "- The deployment keeps the default `COST_EXPLORER_MAX_REQUESTS` (10 per report): a shared query may",
        "  make that many per report it serves, so a thousand teams' dozen pages are within it.",
        "",
        "What the goals say:",
        "",
        '- **Requests** miss "the same for 10 and 1,000 teams": the run makes 3 queries for any number of',
        "  teams, but their answers have a group per team, service and day over the 47 days the report reads,",
        "  so their pages grow with the teams (18 requests, $0.18, at 1,000, against at least 1,000 without",
        '  sharing). Reaching 3 needs a shorter query: the per-day history cache of the "fast and frugal"',
        "  issue, which asks only for the days that can still change.",
        "- **Payload**: the run's own states carry a key, a count and a pace: the same bytes for 3 reports or",
        "  20 on the embedded AWS (tests/workflow/test_reports.py) and for 2 or 2,000 in ResolveReportDate's",
        "  own test (tests/functions/test_resolve_report_date_handler.py); the",
        "  largest state is a child's SendEmail input, its own team's email, whatever N is. 10,000 teams were",
        "  not run (about 85 minutes here at this per-team time); their largest payload is that same child's.",
        "- **Memory**: the peak above is the process's, Cost Explorer fake and moto included. Terraform sizes",
        "  fetch_costs by the number of reports unless `fetch_costs_memory_size` is set: 256 MB below 100",
        "  reports, 756 MB for 1,000 (docs/configuration.md).",
        "",
        "How to read it:",
        "",
        "- **Requests** are every GetCostAndUsage page the run asked for (the embedded Cost Explorer counts",
        f"  each; it assumes {GROUPS_PER_PAGE:,} groups a page, `GROUPS_PER_PAGE`, an assumption: AWS documents",
        "  none). The team reports are one shape, so FetchSharedCosts asks 3 queries for all of them; each",
        "  query's answer grows with the teams (a group per team and service per day), so its pages do too.",
        "- **Wall time** runs from starting the scheduled run until every child execution has ended, on the",
        "  embedded AWS: moto interprets the definition, the Lambdas run in this process (one Python process,",
        "  so children share one interpreter lock). It is not what AWS would take; how it grows with N is the",
        "  point.",
        "- **FetchSharedCosts** is the run's fetch-and-slice step. Its time includes the embedded Cost",
        "  Explorer computing the answers (in brackets), which on AWS is the service's. Its memory is the",
        "  growth of the process's resident high-water mark during the step (Linux VmHWM, reset before it),",
        "  the embedded Cost Explorer's answers and moto's S3 included: an upper bound on the function's own.",
        "",
    ]


def replace_section(document: str, section: str) -> str:
    """The document with its bench-org section replaced by `section` (appended when it has none)."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", re.S)
    if pattern.search(document):
        return pattern.sub(lambda _: section, document, count=1)
    return document.rstrip("\n") + "\n\n" + section


def existing_section(document: str) -> str | None:
    """The bench-org section of a document, for scripts/bench_report.py to keep when it rewrites the rest."""
    match = re.search(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", document, re.S)
    return match.group(0) if match else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench-org", description=__doc__.split("\n\n")[0])
    parser.add_argument("--teams", type=int, nargs="+", default=list(DEFAULT_TEAMS), help="team counts to run")
    parser.add_argument("--runs", type=int, default=3, help=f"runs per N up to {REPEAT_UP_TO} (larger N: 1)")
    parser.add_argument("--write", metavar="PATH", help="replace the Organisation scale section of this file")
    parser.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    parser.add_argument("--from-json", metavar="PATH", help="write the figures a --json run saved, without running")
    parser.add_argument("--one", type=int, metavar="N", help=argparse.SUPPRESS)  # one run, in this process
    args = parser.parse_args(argv)
    # Powertools warns once per invocation that a run published no metrics (FetchSharedCosts publishes none).
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    if args.one:
        Path(args.json).write_text(json.dumps(run_once(args.one)))
        return 0

    if args.from_json:  # the figures of an earlier run, written again (the text around them changed)
        saved = json.loads(Path(args.from_json).read_text())
        if isinstance(saved, list):  # saved before the parse time was
            saved = {"rows": saved, "parse_seconds": definition_parse_seconds(saved[-1]["teams"])}
        rows, parse_seconds = saved["rows"], saved["parse_seconds"]
    else:
        rows = []
        for teams in sorted(set(args.teams)):
            print(f"{teams:,} teams ...", flush=True)
            rows.append(measure(teams, args.runs))
        parse_seconds = definition_parse_seconds(rows[-1]["teams"])
    print("\n".join(table(rows)))
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "parse_seconds": parse_seconds}, indent=1, default=str))
    if args.write:
        path = Path(args.write)
        document = path.read_text(encoding="utf-8") if path.exists() else ""
        section = render_section(rows, notes_for(rows, parse_seconds))
        path.write_text(replace_section(document, section), encoding="utf-8")
        print(f"Wrote the Organisation scale section of {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
