"""Cold starts and packages: how long each Lambda function takes to import, cold, from its own zip, and how
big that zip is. A benchmark, not a test: it prints medians, with the goal beside each (issue 16).

    python -m scripts.bench_cold [--runs 7] [--no-first-call] [--json] [function ...]
    python -m scripts.bench_cold --zips before=/tmp/zips-before --zips now=build    (compare builds)

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

To compare builds (before and after a change), build each commit's zips with its own scripts/package.py
(`git worktree add /tmp/before <commit>; cd /tmp/before; python scripts/package.py --out /tmp/zips-before`)
and give each folder with --zips: their runs are interleaved, so that the machine's load weighs on each alike.
"""

from __future__ import annotations

import argparse
import contextlib
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


SAMPLES = ("import_ms", "import_cpu_ms", "import_untraced_ms", "first_call_ms", "first_call_cpu_ms")


def sample(python: str, site: Path, root: Path, function: str, first: tuple | None, work: Path) -> dict[str, float]:
    """One cold start with the Tracer on (then the first call, if `first` gives its event and stubs), and one
    with it off: their times, named as SAMPLES names them."""
    event, stubs = first or (None, [])
    spec = {"root": str(root), "site": str(site), "function": function, "event": event, "stubs": stubs}
    traced = run_child(python, spec, environment(function, root, traced=True), work)
    spec.update(event=None, stubs=[])
    untraced = run_child(python, spec, environment(function, root, traced=False), work)
    return {**traced, "import_untraced_ms": untraced["import_ms"]}


def row(function: str, build: str, zip_path: Path, samples: dict[str, list[float]]) -> dict[str, Any]:
    stored, on_disk, deflated = zip_sizes(zip_path)
    with zipfile.ZipFile(zip_path) as archive:
        has_bytecode = any(name.endswith(".pyc") for name in archive.namelist())
    medians = {key: statistics.median(samples[key]) if samples.get(key) else None for key in SAMPLES}
    return {
        "function": function,
        "build": build,
        **medians,
        "goal_ms": GOALS[function],
        "zip_stored_bytes": stored,
        "zip_bytes": on_disk,
        "deflated": deflated,
        "bytecode": has_bytecode,
    }


def task_roots(folders: dict[str, Path], functions: tuple[str, ...], into: Path) -> dict[tuple[str, str], Path]:
    """Each build's zip of each function extracted into a folder of its own: the task root Lambda would have."""
    roots = {}
    for build, folder in folders.items():
        for function in functions:
            roots[build, function] = into / build / function
            with zipfile.ZipFile(folder / f"{function}.zip") as archive:
                archive.extractall(roots[build, function])
    return roots


def measure(
    runs: int = 7,
    first_calls: bool = True,
    functions: tuple[str, ...] = package.FUNCTIONS,
    builds: dict[str, Path] | None = None,
) -> list[dict[str, Any]]:
    """Per function: cold import median (ms, wall and CPU) with the Tracer on, and off, the first call's median
    (ms) after a cold import (None without first_calls), and the zip's size. Each row's "machine" describes
    the run (the interpreter, the platform, the load average: on a shared machine the wall times swing
    with it, and the CPU times much less).

    `builds` (a name for each folder of zips, e.g. built by another commit's scripts/package.py) measures
    those instead of this tree's zips, interleaved run by run so that the machine's load weighs on each alike:
    a before-and-after comparison. Without it, this tree's zips, built here, as build "now"."""
    python, which = interpreter()
    site = layer_site(python)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as temporary, contextlib.ExitStack() as stack:
        work = Path(temporary)
        folders = builds or {"now": work / "zips"}
        if not builds:
            for function in functions:
                package.build(function, folders["now"])
        roots = task_roots(folders, functions, work / "task")
        first: dict[str, tuple | None] = dict.fromkeys(functions)
        if first_calls:
            from local.webhook_server import Reply, webhook_server

            webhook = stack.enter_context(webhook_server(default=Reply(200, body="ok"))).url("/hook")
            first = {function: first_call(function, webhook) for function in functions}
        samples: dict[tuple[str, str], dict[str, list[float]]] = {key: {} for key in roots}
        for _ in range(runs):
            for (build, function), root in roots.items():
                for key, value in sample(python, site, root, function, first[function], work).items():
                    samples[build, function].setdefault(key, []).append(value)
        for function in functions:
            for build, folder in folders.items():
                rows.append(row(function, build, folder / f"{function}.zip", samples[build, function]))
    start = interpreter_start_ms(python, runs)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    machine = (
        f"{which}, {platform.platform()}, {os.cpu_count()} CPUs, load average {load}; "
        f"interpreter start {start:.0f} ms (not counted); {runs} runs"
    )
    for each in rows:
        each["machine"] = machine
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
        "Goals against the wall time; CPU is the process's own CPU time, which other load on the machine (its",
        "load average is in the last line) disturbs much less. First call: the handler once after the cold",
        "import, its AWS clients stubbed, so that cost moved from the import to the first call shows.",
        "",
        "| function | cold import, Tracer on | CPU | Tracer off | first call (CPU) | import + first call "
        "| zip: stored bytes | zip on disk | deflated, bytecode |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    several = len({each["build"] for each in rows}) > 1
    for each in rows:
        first = each["first_call_ms"]
        total = f"{each['import_ms'] + first:.0f} ms" if first is not None else "-"
        first_text = f"{first:.0f} ms ({each['first_call_cpu_ms']:.0f})" if first is not None else "-"
        name = f"{each['function']} ({each['build']})" if several else each["function"]
        lines.append(
            f"| {name} | {_verdict(each['import_ms'], each['goal_ms'])} | {each['import_cpu_ms']:.0f} ms "
            f"| {each['import_untraced_ms']:.0f} ms | {first_text} | {total} "
            f"| {each['zip_stored_bytes']:,} | {each['zip_bytes']:,} "
            f"| {'yes' if each['deflated'] else 'no'}, {'yes' if each['bytecode'] else 'no'} |"
        )
    lines.append("")
    for render in (each for each in rows if each["function"] == "render_email"):
        build = f" ({render['build']})" if several else ""
        deflated = "deflated (meets)" if render["deflated"] else "not deflated (**misses**)"
        lines.append(f"render_email zip{build}: {deflated}.")
    lines.append("Byte-for-byte reproducible: tests/infra/test_package.py builds twice and compares.")
    lines += ["", f"Machine: {rows[0]['machine']}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per function and mode (default 7)")
    parser.add_argument("--no-first-call", action="store_true", help="time the imports only")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    parser.add_argument(
        "--zips",
        action="append",
        metavar="NAME=FOLDER",
        help="measure the zips in FOLDER (e.g. another commit's `scripts/package.py --out FOLDER`) as build NAME, "
        "interleaved with the other --zips; repeat it to compare builds (default: this tree's, built now)",
    )
    parser.add_argument("functions", nargs="*", metavar="function", help="default: all")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.functions) - set(package.FUNCTIONS))
    if unknown:
        parser.error(f"unknown function(s) {', '.join(unknown)}; choose from {', '.join(package.FUNCTIONS)}")
    builds = {}
    for given in args.zips or []:
        name, _, folder = given.partition("=")
        if not folder or not Path(folder).is_dir():
            parser.error(f"--zips {given}: give NAME=FOLDER, a folder of <function>.zip")
        builds[name] = Path(folder)
    rows = measure(args.runs, not args.no_first_call, tuple(args.functions) or package.FUNCTIONS, builds or None)
    if args.json:
        print(json.dumps(rows, indent=1))
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
