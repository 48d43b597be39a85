"""How long the two commands take: a warm `make demo` and the tests (the fast lane, and with --all-tests
the whole of `make test`). Part of `make bench` (scripts/bench_report.py calls measure() and markdown());
runs on its own too:

    python -m scripts.bench_times [--demo-runs 5] [--all-tests]

Each figure is a fresh process's wall time, as a developer waits for it: the demo runs the real workflow on
the embedded AWS (`python -m local.demo --fresh=1`, what `make demo` runs, into a temporary folder so out/
is left alone); the first run warms the parsed-definition cache (build/asl-cache), as any second
`make demo` finds it, and is reported apart. The tests run as the Makefile runs them (pytest-xdist, one
worker per core), without the gates (ruff and mypy time depends on their caches, not on this project).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# The goals of the "fast and frugal" issue, quoted beside each figure.
WARM_DEMO_GOAL_S = 2.0
FAST_LANE_GOAL_S = 10.0
ALL_TESTS_GOAL_S = 90.0
# The Makefile's fast lane (FAST_LANES), read from it so the two cannot drift apart.
FAST_LANES = re.search(r"^FAST_LANES := (.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE).group(1).strip()


def _timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""})
    return time.perf_counter() - started, result


def demo_times(runs: int) -> dict:
    """The first run, with the parsed-definition cache emptied first (it parses), and the median of the
    rest (warm: the cache as a second `make demo` finds it)."""
    from local.runtime import PARSE_CACHE

    for cached in PARSE_CACHE.glob("*.pickle"):
        cached.unlink()
    seconds = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(runs + 1):
            elapsed, result = _timed([PYTHON, "-m", "local.demo", "--fresh=1", "--out", out])
            if result.returncode != 0:
                raise SystemExit(f"the demo failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
            seconds.append(elapsed)
    requests = re.search(r"Cost Explorer requests: (\d+)", result.stdout)
    return {
        "first_s": seconds[0],
        "warm_s": statistics.median(seconds[1:]),
        "runs": runs,
        "requests": int(requests.group(1)) if requests else None,
    }


def test_time(marker: str | None) -> dict:
    command = [PYTHON, "-m", "pytest", "-q", "-n", "auto", "--dist", "loadgroup", "-p", "no:randomly"]
    if marker:
        command += ["-m", marker]
    elapsed, result = _timed(command)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-500:]
    if result.returncode != 0:
        raise SystemExit(f"the tests failed ({' '.join(command)}):\n{result.stdout[-3000:]}")
    return {"seconds": elapsed, "summary": summary}


def measure(demo_runs: int = 5, all_tests: bool = False) -> dict:
    return {
        "demo": demo_times(demo_runs),
        "fast": test_time(FAST_LANES),
        "all": test_time(None) if all_tests else None,
        "cpus": os.cpu_count(),
    }


def _goal(value: float, goal: float) -> str:
    return f"goal under {goal:g} s: " + ("meets" if value < goal else "**misses**")


def markdown(times: dict) -> str:
    demo, fast, every = times["demo"], times["fast"], times["all"]
    lines = [
        "## The two commands",
        "",
        f"Wall time of a fresh process each, on {times['cpus']} CPUs (`scripts/bench_times.py`).",
        "",
        "| Command | Time | Goal |",
        "| --- | ---: | --- |",
        f"| `make demo`, warm (median of {demo['runs']}; Cost Explorer requests: {demo['requests']}) "
        f"| {demo['warm_s']:.1f} s | {_goal(demo['warm_s'], WARM_DEMO_GOAL_S)} |",
        f"| `make demo`, first run (build/asl-cache emptied: it parses the definition) | {demo['first_s']:.1f} s | |",
        f"| fast lane, `{FAST_LANES}` ({fast['summary']}) | {fast['seconds']:.1f} s "
        f"| {_goal(fast['seconds'], FAST_LANE_GOAL_S)} |",
    ]
    if every is not None:
        lines.append(
            f"| every test, as `make test` runs them ({every['summary']}) | {every['seconds']:.0f} s "
            f"| {_goal(every['seconds'], ALL_TESTS_GOAL_S)} |"
        )
    else:
        lines.append("| every test | not measured in this run (`make bench TESTS=all`) | under 90 s |")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo-runs", type=int, default=5)
    parser.add_argument("--all-tests", action="store_true", help="also time every test (minutes)")
    args = parser.parse_args(argv)
    print(markdown(measure(args.demo_runs, args.all_tests)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
