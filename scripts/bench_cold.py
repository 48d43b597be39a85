"""Cold starts and packages: how long each Lambda function takes to import, cold, from its own zip, and how
big that zip is. A benchmark, not a test: it prints medians, with the goal beside each (issue 16).

    python -m scripts.bench_cold [--runs 7] [--no-first-call]

`measure()` gives the rows and `markdown()` the section "## Cold starts and packages" (scripts/bench_report.py
can call both). Per function, as Lambda runs it:
* each zip is built by scripts/package.py (as `make package` builds it) and extracted into a folder: the task
  root (/var/task), the first entry on sys.path. Python may not write bytecode there (Lambda's task root is
  read-only): the child runs with PYTHONDONTWRITEBYTECODE=1 and no PYTHONPYCACHEPREFIX, so a zip without .pyc
  is compiled from source on every cold start, as in Lambda;
* boto3, botocore, aws_lambda_powertools and aws_xray_sdk come from the Lambda runtime and the Powertools
  layer, both of which ship compiled bytecode: here, a site-packages of the versions requirements-dev.txt pins,
  installed once into build/bench-site-<version>/ and compiled, placed after the task root on sys.path;
* the environment is Lambda's (AWS_REGION, AWS_LAMBDA_FUNCTION_NAME, LAMBDA_TASK_ROOT, which turns the
  Powertools Tracer on as in Lambda, the settings terraform/lambda.tf gives: dummy valid values);
* cold import: a fresh interpreter per run (CPython 3.13, the runtime terraform/lambda.tf names, when it is
  found; else this interpreter, and the section says so), timing `import <function>.handler` with
  time.perf_counter inside the child. The interpreter's own start is measured apart (`-c pass`) and left out;
* with the Tracer on (as deployed) and off (POWERTOOLS_TRACE_DISABLED=true);
* first call: the same fresh interpreter then calls the handler once with a representative event, the AWS
  clients it makes answered by botocore's Stubber (no network; the client, its service model and the
  request's validation are real), timed from the end of the import: so a lazy import that moves cost from
  the import to the first call shows there. The sum is what a cold invocation costs.

Zip sizes: the bytes its entries take in the zip (compressed) and the zip file on disk.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "functions")]  # functions/: for the fetch_costs event's query window

from scripts import package  # noqa: E402  (the zips as `make package` builds them)

RUNTIME = "3.13"  # terraform/lambda.tf: runtime = "python3.13"
# Goals of issue 16, in milliseconds of cold import with the Tracer on (None: measured, no goal).
GOALS: dict[str, float | None] = {
    "resolve_report_date": 120,
    "fetch_costs": 250,
    "render_email": 200,
    "post_chat": None,
}
# What the runtime and the Powertools layer provide (requirements-dev.txt pins their versions).
LAYER = ("aws-lambda-powertools", "aws-xray-sdk", "boto3")
# Settings as terraform/lambda.tf sets them, at terraform/variables.tf's defaults
# (their rules: functions/<f>/settings.py).
SETTINGS: dict[str, dict[str, str]] = {
    "resolve_report_date": {"COST_EXPLORER_HISTORY_MONTHS": "13", "SHARED_COSTS_BUCKET": "cost-notifier-data"},
    "fetch_costs": {
        "COST_METRIC": "UnblendedCost",
        "TOP_SERVICES": "10",
        "ANOMALY_THRESHOLD": "3",
        "ANOMALY_MIN_AMOUNT": "5",
        "ANOMALY_MIN_PERCENT": "50",
        "MOVER_MIN_AMOUNT": "1",
        "MOVER_MIN_PERCENT": "10",
        "REVISED_MIN_AMOUNT": "1",
        "REVISED_MIN_PERCENT": "1",
        "NEW_SERVICE_DAYS": "7",
        "COST_EXPLORER_MAX_REQUESTS": "10",
        "SHARED_COSTS_BUCKET": "cost-notifier-data",
    },
    "render_email": {},
    "post_chat": {
        "CHAT_TIMEOUT_SECONDS": "10",
        "CHAT_SECRET_MAX_AGE_SECONDS": "300",
        "CHAT_SECRET_PREFIX": "cost-notifier/chat/",
    },
}
# An X-Ray trace header as Lambda sets it for an active-tracing invocation (the SDK's facade segment).
TRACE_ID = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

CHILD = r"""
import time
import json, sys
with open(sys.argv[1], encoding="utf-8") as spec_file:
    spec = json.load(spec_file)
sys.path[0:1] = [spec["root"], spec["site"]]  # the task root first, then the runtime and the layer
import_start, import_cpu = time.perf_counter(), time.process_time()
module = __import__(spec["function"] + ".handler", fromlist=["lambda_handler"])
imported, imported_cpu = time.perf_counter(), time.process_time()
assert module.__file__.startswith(spec["root"]), module.__file__
result = {"import_ms": (imported - import_start) * 1000, "import_cpu_ms": (imported_cpu - import_cpu) * 1000}
if spec["event"] is not None:
    import importlib, io

    class Context:  # the attributes Powertools reads from Lambda's context object
        function_name = spec["function"]
        memory_limit_in_mb = 256
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + spec["function"]
        aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
        def get_remaining_time_in_millis(self):
            return 30000

    call_start, call_cpu = time.perf_counter(), time.process_time()
    stubbers = []
    if spec["stubs"]:
        from botocore.response import StreamingBody
        from botocore.stub import Stubber
    for factory, responses in spec["stubs"]:
        owner, name = factory.rsplit(":", 1)
        client = getattr(importlib.import_module(owner), name)()  # cached: the handler gets this client
        stubber = Stubber(client)
        for operation, response in responses:
            if "Body" in response:
                data = response["Body"].encode()
                response = {**response, "Body": StreamingBody(io.BytesIO(data), len(data))}
            stubber.add_response(operation, response)
        stubber.activate()
        stubbers.append(stubber)
    module.lambda_handler(spec["event"], Context())
    result["first_call_ms"] = (time.perf_counter() - call_start) * 1000
    result["first_call_cpu_ms"] = (time.process_time() - call_cpu) * 1000
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
print(json.dumps(result))
"""


def interpreter() -> tuple[str, str]:
    """CPython 3.13 (the Lambda runtime) if this machine has it, else this interpreter; and which it is."""
    found = package.runtime_python()
    if found:
        return found, f"CPython {RUNTIME} ({found})"
    return sys.executable, f"{sys.executable}: CPython {RUNTIME} was not found, so not the Lambda runtime's Python"


def version_of(python: str) -> str:
    command = [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def layer_site(python: str) -> Path:
    """site-packages with what the Lambda runtime and the Powertools layer provide, compiled, built once."""
    pins = [line for line in package.CONSTRAINTS.read_text().splitlines() if line and not line.startswith("#")]
    site = ROOT / "build" / f"bench-site-{version_of(python)}"
    stamp = site / ".pins"
    if stamp.exists() and stamp.read_text() == "\n".join(pins):
        return site
    shutil.rmtree(site, ignore_errors=True)
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target", str(site)]
    subprocess.run([*pip, "--constraint", str(package.CONSTRAINTS), *LAYER], check=True)
    subprocess.run([python, "-m", "compileall", "-q", "-j", "0", str(site)], check=True)
    stamp.write_text("\n".join(pins))
    return site


def environment(function: str, root: Path, traced: bool) -> dict[str, str]:
    """Lambda's environment for the function (its settings: terraform/lambda.tf), nothing of this shell's."""
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",  # the task root is read-only in Lambda
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "bench-secret",
        "AWS_LAMBDA_FUNCTION_NAME": f"cost-notifier-{function.replace('_', '-')}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "LAMBDA_TASK_ROOT": str(root),  # Powertools' Tracer is on only where this is set, as in Lambda
        "_X_AMZN_TRACE_ID": TRACE_ID,
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "POWERTOOLS_SERVICE_NAME": "cost-notifier",
        "POWERTOOLS_METRICS_NAMESPACE": "CostNotifier",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        **SETTINGS[function],
    }
    if not traced:
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    return env


def first_call(function: str, webhook: str) -> tuple[dict[str, Any], list[tuple[str, list[list[Any]]]]]:
    """A representative event for the function, and the answers its AWS clients give (botocore Stubber)."""
    if function == "render_email":
        costs = json.loads((ROOT / "tests" / "golden" / "small.costs.json").read_text(encoding="utf-8"))
        return {"reportDate": costs["reportDate"], "costs": costs}, []
    if function == "resolve_report_date":
        reports = {"team-a": {"recipients": ["a@example.com"], "time_zone": "Europe/London"}}
        event = {
            "input": {"report": "team-a", "period": "2026-11-20", "trigger": "schedule"},
            "executionStartTime": "2026-11-21T08:00:01Z",
            "executionName": "run-1",
        }
        return event, [("resolve_report_date.store:_s3", [["get_object", {"Body": json.dumps(reports)}]])]
    if function == "fetch_costs":
        from fetch_costs.query import report_window

        from tests.fixtures.cost_explorer_answers import answer

        day = date(2026, 11, 20)
        services = [f"Service {n:02d}" for n in range(40)]
        pages = answer(*report_window(day), lambda d: [(s, "Usage", f"{1 + i}.25") for i, s in enumerate(services)])
        return {"reportDate": day.isoformat()}, [
            ("fetch_costs.handler:cost_explorer", [["get_cost_and_usage", page] for page in pages])
        ]
    secret = {"Name": "cost-notifier/chat/finops-slack", "SecretString": webhook}
    event = {"channel": {"name": "finops-slack", "type": "slack"}, "message": {"text": "AWS costs: $12.34"}}
    return event, [("post_chat.secret:_secretsmanager", [["get_secret_value", secret]])]


def run_child(python: str, spec: dict[str, Any], env: dict[str, str], cwd: Path) -> dict[str, float]:
    spec_path = cwd / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    command = [python, "-s", "-c", CHILD, str(spec_path)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd)
    if result.returncode != 0:
        raise RuntimeError(f"{spec['function']}: the cold start failed:\n{result.stderr[-3000:]}")
    measured: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def interpreter_start_ms(python: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([python, "-s", "-c", "pass"], check=True, env={"PATH": "/usr/bin:/bin"})
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def zip_sizes(path: Path) -> tuple[int, int, bool]:
    """The bytes the entries take in the zip, the zip's size on disk, and whether every entry is deflated."""
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    stored = sum(info.compress_size for info in infos)
    return stored, path.stat().st_size, all(info.compress_type == zipfile.ZIP_DEFLATED for info in infos)


def measure_function(function: str, python: str, site: Path, work: Path, runs: int, webhook: str) -> dict[str, Any]:
    zip_path = package.build(function, work / "zips")
    root = work / "task" / function
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root)
    event, stubs = first_call(function, webhook) if webhook is not None else (None, [])
    samples: dict[str, list[float]] = {key: [] for key in ("traced", "traced_cpu", "untraced", "first", "first_cpu")}
    for _ in range(runs):
        for traced in (True, False):
            spec = {"root": str(root), "site": str(site), "function": function, "event": None, "stubs": []}
            if traced and event is not None:
                spec.update(event=event, stubs=stubs)
            out = run_child(python, spec, environment(function, root, traced), work)
            samples["traced" if traced else "untraced"].append(out["import_ms"])
            if traced:
                samples["traced_cpu"].append(out["import_cpu_ms"])
            if "first_call_ms" in out:
                samples["first"].append(out["first_call_ms"])
                samples["first_cpu"].append(out["first_call_cpu_ms"])
    stored, on_disk, deflated = zip_sizes(zip_path)
    has_bytecode = any(name.endswith(".pyc") for name in zipfile.ZipFile(zip_path).namelist())
    median = {key: statistics.median(values) if values else None for key, values in samples.items()}
    return {
        "function": function,
        "import_ms": median["traced"],
        "import_cpu_ms": median["traced_cpu"],
        "import_untraced_ms": median["untraced"],
        "first_call_ms": median["first"],
        "first_call_cpu_ms": median["first_cpu"],
        "goal_ms": GOALS[function],
        "zip_stored_bytes": stored,
        "zip_bytes": on_disk,
        "deflated": deflated,
        "bytecode": has_bytecode,
    }


def measure(
    runs: int = 7, first_calls: bool = True, functions: tuple[str, ...] = package.FUNCTIONS
) -> list[dict[str, Any]]:
    """Per function: cold import median (ms, wall and CPU) with the Tracer on, and off, the first call's median
    (ms) after a cold import (None without first_calls), and the zip's size. Each row's "machine" describes
    the run (the interpreter, the platform, the load average: on a shared machine the wall times swing
    with it, and the CPU times much less)."""
    python, which = interpreter()
    site = layer_site(python)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as temporary:
        work = Path(temporary)
        webhook_context = None
        webhook: str | None = None
        if first_calls:
            from local.webhook_server import Reply, webhook_server

            webhook_context = webhook_server(default=Reply(200, body="ok"))
            webhook = webhook_context.__enter__().url("/hook")
        try:
            for function in functions:
                rows.append(measure_function(function, python, site, work, runs, webhook))
        finally:
            if webhook_context is not None:
                webhook_context.__exit__(None, None, None)
    start = interpreter_start_ms(python, runs)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    machine = (
        f"{which}, {platform.platform()}, {os.cpu_count()} CPUs, load average {load}; "
        f"interpreter start {start:.0f} ms (not counted); {runs} runs"
    )
    for row in rows:
        row["machine"] = machine
    return rows


def _verdict(value: float | None, goal: float | None) -> str:
    if value is None:
        return "-"
    if goal is None:
        return f"{value:.0f} ms"
    return f"{value:.0f} ms ({'meets' if value < goal else '**misses**'} < {goal:.0f})"


def markdown(rows: list[dict[str, Any]]) -> str:
    """The section "## Cold starts and packages": a table, the goal beside each figure, and the machine."""
    lines = [
        "## Cold starts and packages",
        "",
        "Each function's zip (scripts/package.py) extracted as the task root, boto3 and Powertools after it on",
        "sys.path, compiled, as the runtime and the layer ship them; a fresh interpreter per run, medians",
        "(`python -m scripts.bench_cold`; method: scripts/bench_cold.py, docs/decisions/0014-cold-starts.md).",
        "",
        "| function | cold import, Tracer on | CPU | Tracer off | first call (CPU) | import + first call "
        "| zip: stored bytes | zip on disk | deflated, bytecode |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        first = row["first_call_ms"]
        total = f"{row['import_ms'] + first:.0f} ms" if first is not None else "-"
        first_text = f"{first:.0f} ms ({row['first_call_cpu_ms']:.0f})" if first is not None else "-"
        lines.append(
            f"| {row['function']} | {_verdict(row['import_ms'], row['goal_ms'])} | {row['import_cpu_ms']:.0f} ms "
            f"| {row['import_untraced_ms']:.0f} ms | {first_text} | {total} "
            f"| {row['zip_stored_bytes']:,} | {row['zip_bytes']:,} "
            f"| {'yes' if row['deflated'] else 'no'}, {'yes' if row['bytecode'] else 'no'} |"
        )
    for render in (row for row in rows if row["function"] == "render_email"):
        lines += [
            "",
            f"render_email zip: {'deflated (meets)' if render['deflated'] else 'not deflated (**misses**)'}; "
            "byte-for-byte reproducible: tests/infra/test_package.py builds twice and compares.",
        ]
    lines += ["", f"Machine: {rows[0]['machine']}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per function and mode (default 7)")
    parser.add_argument("--no-first-call", action="store_true", help="time the imports only")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    parser.add_argument("functions", nargs="*", metavar="function", help="default: all")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.functions) - set(package.FUNCTIONS))
    if unknown:
        parser.error(f"unknown function(s) {', '.join(unknown)}; choose from {', '.join(package.FUNCTIONS)}")
    rows = measure(args.runs, not args.no_first_call, tuple(args.functions) or package.FUNCTIONS)
    if args.json:
        print(json.dumps(rows, indent=1))
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
