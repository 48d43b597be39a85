"""`make demo`: run the real workflow on the embedded AWS and show what happened.

    python -m local.demo [--date YYYY-MM-DD] [--profile small|large-org] [--force] [--fresh]

Without --date the run looks exactly like the daily schedule's: its input carries today's 08:00 UTC as
the scheduled time, so it reports on yesterday. Report records are kept in out/.embedded-aws/ between
runs, so running it twice for one day shows the `already sent` path; --fresh forgets them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from local import trace
from local.cost_explorer import SyntheticOrganisation
from local.mime import to_eml
from local.runtime import EmbeddedAWS, Execution


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    out = Path(args.out)
    snapshot = out / ".embedded-aws" / "report-table.json"
    if args.fresh and snapshot.exists():
        snapshot.unlink()
    out.mkdir(parents=True, exist_ok=True)

    today = datetime.now(UTC).date()
    if args.date:
        execution_input: dict = {"date": args.date}
        if args.force:
            execution_input["force"] = True
    else:
        if args.force:
            print("--force needs --date (which day to resend)", file=sys.stderr)
            return 2
        execution_input = {"scheduledTime": f"{today.isoformat()}T08:00:00Z"}

    started = time.perf_counter()
    with EmbeddedAWS(profile=args.profile, seed=args.seed, today=today, table_snapshot=snapshot) as aws:
        print(
            f"Embedded AWS: Cost Explorer profile '{args.profile}' (seed {args.seed}), "
            f"state machine {aws.state_machine_arn}"
        )
        print(f"Execution input: {json.dumps(execution_input)}\n")
        execution = aws.run(execution_input)
        elapsed = time.perf_counter() - started
        print(trace.render(execution))
        print()
        _write_execution(out / "execution.json", execution)
        _write_lambda_logs(out / "lambda.log", aws)
        code = _summarise(execution, aws, out, elapsed)
        print(f"Cost Explorer requests: {len(aws.cost_explorer.requests)}")
    return code


def _summarise(execution: Execution, aws: EmbeddedAWS, out: Path, elapsed: float) -> int:
    result = execution.output or {}
    if execution.status != "SUCCEEDED":
        failed_at = next((s.name for s in reversed(trace.steps(execution)) if s.exited is None), "?")
        print(f"Execution {execution.status} at {failed_at}: {execution.error}")
        print(f"  {_cause_message(execution.cause)}")
        print(f"History: {out / 'execution.json'}   Lambda logs: {out / 'lambda.log'}")
        return 1
    outcome = result.get("outcome")
    print(
        f"Execution SUCCEEDED in {execution.duration_seconds():.2f} s: {outcome} "
        f"(report day {result.get('reportDate')}; demo total {elapsed:.1f} s)"
    )
    if outcome == "sent":
        email = next(e for e in aws.mailbox if e.message_id == result["messageId"])
        (out / "report.html").write_text(email.html, encoding="utf-8")
        (out / "report.txt").write_text(email.text, encoding="utf-8")
        (out / "report.eml").write_bytes(to_eml(email))
        print(f"  Subject: {email.subject}")
        print(f"  To: {', '.join(email.to)}   SES message id: {email.message_id}")
        print(
            f"  HTML {len(email.html.encode()):,} bytes; largest state payload "
            f"{execution.largest_payload_bytes():,} bytes (limit 262,144)"
        )
        print(f"Wrote {out / 'report.html'}, {out / 'report.txt'}, {out / 'report.eml'}, {out / 'execution.json'}")
    elif outcome == "already sent":
        print(f"  already sent: message {result.get('messageId')} at {result.get('sentAt')}")
        print(
            "  The report files in out/ are from the run that sent it. To send it again: "
            f"make demo DATE={result.get('reportDate')} FORCE=1"
        )
        print(f"Wrote {out / 'execution.json'}")
    else:
        print(f"  {json.dumps(result)}")
    return 0


def _cause_message(cause: str | None) -> str:
    """A Lambda error's cause is its JSON error payload; show the sentence, not the JSON."""
    try:
        return json.loads(cause or "")["errorMessage"]
    except (ValueError, KeyError, TypeError):
        return cause or ""


def _write_execution(path: Path, execution: Execution) -> None:
    document = {
        "executionArn": execution.arn,
        "status": execution.status,
        "input": execution.input,
        "output": execution.output,
        "error": execution.error,
        "cause": execution.cause,
        "events": execution.history,
    }
    path.write_text(json.dumps(document, indent=2, default=_json_default), encoding="utf-8")


def _write_lambda_logs(path: Path, aws: EmbeddedAWS) -> None:
    with path.open("w", encoding="utf-8") as log:
        for invocation in aws.invocations:
            log.write(
                f"=== {invocation.function} {invocation.request_id} "
                f"({invocation.duration_ms:.0f} ms){' ERROR ' + invocation.error if invocation.error else ''}\n"
            )
            log.write(invocation.logs)


def _json_default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--date", help="report on this UTC day (YYYY-MM-DD), as a manual run would")
    parser.add_argument(
        "--profile",
        default="small",
        choices=SyntheticOrganisation.PROFILES,
        help="the synthetic organisation Cost Explorer answers for (default: small)",
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic data (default: 7)")
    parser.add_argument("--force", action="store_true", help="send again even if the day was already sent")
    parser.add_argument("--fresh", action="store_true", help="forget which days were already sent")
    parser.add_argument("--out", default="out", help="where to write the report and the history (default: out)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
