"""`make demo`: run the real workflow on the embedded AWS and show what happened.

    python -m local.demo [--date YYYY-MM-DD] [--profile small|large-org] [--force] [--fresh]
                         [--fail-at STATE] [--redrive] [--revised]

Without --date the run looks exactly like the daily schedule's: its input carries today's 08:00 UTC as
the scheduled time, so it reports on yesterday. Each profile keeps its own directory (out/ for the
default profile, out/<profile>/ for the others; --out names it): the report, the execution history,
and in .embedded-aws/ the report records, so running it twice for one day shows the `already sent`
path; --fresh forgets the records. --fail-at makes a state's service call fail on every attempt, so
the run fails there; --redrive then redrives that failed execution, as the console's Redrive does.
--revised starts from no records, sends the day before first, then revises that day's usage in the
embedded Cost Explorer (as AWS revises a recent day's estimate), so the report day's email says
"Revised: <day> was $X when sent, now $Y".
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from local import trace
from local.cost_explorer import SyntheticOrganisation
from local.demo_reports import DEFAULT_REPORT, demo_chat, demo_reports
from local.mime import to_eml
from local.runtime import DEFINITION, EmbeddedAWS, Execution, StateFault, every_state
from local.webhook_server import WebhookServer, channel_webhooks, hook_url

DEFAULT_PROFILE = "small"
DEFAULT_SEED = 7
REDRIVABLE = ("FAILED", "TIMED_OUT", "ABORTED")
# The error --fail-at injects, before the call takes effect (nothing written, nothing sent), by the
# service the state calls: each is one the definition retries, so the console shows the retries first.
FAULT_CODES = {
    "states": "ExecutionLimitExceeded",
    "lambda": "ServiceException",
    "dynamodb": "ProvisionedThroughputExceededException",
    "sesv2": "TooManyRequestsException",
}


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    out = _out_dir(args)
    snapshot = out / ".embedded-aws" / "report-table.json"
    if args.redrive:
        return _redrive(args, out, snapshot)
    if args.revised and (args.force or args.fail_at):
        print(
            "REVISED sends the day before, then the report day, each once; it takes no FORCE or FAIL_AT",
            file=sys.stderr,
        )
        return 2
    if (args.fresh or args.revised) and snapshot.exists():  # REVISED: neither day may be sent already
        snapshot.unlink()
    out.mkdir(parents=True, exist_ok=True)

    today = datetime.now(UTC).date()
    if args.date:
        execution_input: dict = {"date": args.date}
        if args.force:
            execution_input["force"] = True
    else:
        if args.force:
            print(
                f"FORCE needs DATE (which day to resend): {_again(args, date='YYYY-MM-DD', force=True)}",
                file=sys.stderr,
            )
            return 2
        execution_input = {"scheduledTime": f"{today.isoformat()}T08:00:00Z"}
    fault = StateFault.on(args.fail_at, _fault_code(args.fail_at), attempts=range(10)) if args.fail_at else None

    started = time.perf_counter()
    reports = demo_reports(args.profile, args.seed, today)
    channels = demo_chat(args.profile)
    with (
        channel_webhooks(channels) as webhooks,
        EmbeddedAWS(
            profile=args.profile,
            seed=args.seed,
            today=today,
            table_snapshot=snapshot,
            reports=reports,
            chat_channels=channels,
            chat_webhooks={name: hook_url(server, name) for name, server in webhooks.items()},
        ) as aws,
    ):
        _print_header(args, aws)
        print(f"Execution input: {json.dumps(execution_input)}")
        if fault is not None:
            print(f"Injected fault: every call {fault.state} makes fails with {fault.code}, before it takes effect")
        print()
        before = 0
        if args.revised:
            report_day = date.fromisoformat(args.date) if args.date else today - timedelta(days=1)
            before = _send_day_before_then_revise(aws, report_day)
        run = aws.run(execution_input, faults=(fault,) if fault else (), follow=False)
        children = aws.children(run)
        if reports is not None:
            children.update(_not_due_today(aws, reports, children, today))
        elapsed = time.perf_counter() - started
        if len(children) <= 1 and reports is None:
            execution = aws.reporting_execution(run)
            if execution is not run:
                print(f"The scheduled run {run.name} started one report, {execution.name}:")
            code = _one_report(aws, execution, out, elapsed, args)
        else:
            code = _many_reports(aws, run, children, out, elapsed, args)
        _write_lambda_logs(out / "lambda.log", aws)
        _write_chat(out / "chat", webhooks)
        requests = len(aws.cost_explorer.requests) - before
        if args.revised:
            print(f"Cost Explorer requests for the day before: {before} (${before / 100:.2f})")
        print(f"Cost Explorer requests: {requests} (${requests / 100:.2f})")
    return code


# REVISED=1: how much AWS revises the day before after it was sent (late usage records: 8% more usage).
REVISION = Decimal("1.08")


def _send_day_before_then_revise(aws: EmbeddedAWS, report_day: date) -> int:
    """Run the day before the report day through the workflow (its record keeps the total it sent), then
    revise that day in the embedded Cost Explorer. Returns the Cost Explorer requests the run made."""
    day_before = report_day - timedelta(days=1)
    run = aws.run({"date": day_before.isoformat()}, follow=False)
    children = aws.children(run) or {DEFAULT_REPORT: run}
    outcomes = ", ".join(
        f"{report_id} {(e.output or {}).get('outcome', e.status)} {(e.output or {}).get('total', '')}".rstrip()
        for report_id, e in sorted(children.items())
    )
    print(f"The day before, {day_before}, first: {outcomes} ({len(aws.cost_explorer.requests)} Cost Explorer requests)")
    aws.cost_explorer.revise(day_before, REVISION)
    print(f"Then AWS revises it: the embedded Cost Explorer now has {day_before}'s usage x{REVISION}\n")
    return len(aws.cost_explorer.requests)


def _write_chat(folder: Path, webhooks: dict[str, WebhookServer]) -> None:
    """Each chat channel's last post, as its webhook (a server on 127.0.0.1) received it: out/chat/<channel>.json."""
    posted = {name: server.requests[-1] for name, server in webhooks.items() if server.requests}
    if not posted:
        return
    folder.mkdir(parents=True, exist_ok=True)
    for name, request in posted.items():
        (folder / f"{name}.json").write_text(json.dumps(request.json, indent=2, ensure_ascii=False) + "\n", "utf-8")
    counts = ", ".join(f"{name} {len(webhooks[name].requests)}" for name in posted)
    print(f"Chat posts (to webhooks on 127.0.0.1): {counts}; wrote {folder}/<channel>.json")


def _one_report(aws: EmbeddedAWS, execution: Execution, out: Path, elapsed: float, args: argparse.Namespace) -> int:
    """The default deployment: one report, traced state by state as before reports existed."""
    print(trace.render(execution))
    print()
    _write_execution(out / "execution.json", execution, args)
    if args.fail_at and args.fail_at not in execution.entered_states():
        print(f"This run never entered {args.fail_at}, so the fault did not fire.")
    return _summarise(execution, aws, out, elapsed, args)


def _not_due_today(aws: EmbeddedAWS, reports: dict, started: dict[str, Execution], today) -> dict[str, Execution]:
    """The demo shows every cadence every day: a report the schedule would not send today is run by hand
    for its latest complete period, as an operator would ({"report": ..., "period": ...})."""
    from report_contract.period import CADENCE_PERIOD, ReportPeriod

    ran = {}
    for report_id, declaration in reports.items():
        if report_id in started:
            continue
        kind = CADENCE_PERIOD[declaration.get("cadence") or "daily"]
        period = ReportPeriod.latest_complete(kind, today - timedelta(days=1))
        print(f"{report_id} is not due today ({declaration.get('cadence')}); running it by hand for {period.key}")
        ran[report_id] = aws.run({"report": report_id, "period": period.key}, follow=False)
    return ran


def _due_list(due: dict) -> list[dict]:
    """The run's due reports: FetchSharedCosts' state names their list in the data bucket (decision 0010)."""
    if "key" not in due:  # a definition from before the due list was kept in S3
        return []
    import boto3

    from local.runtime import SHARED_COSTS_BUCKET

    body = boto3.client("s3").get_object(Bucket=SHARED_COSTS_BUCKET, Key=due["key"])["Body"].read()
    items: list[dict] = json.loads(body)
    return items


def _many_reports(
    aws: EmbeddedAWS, run: Execution, children: dict[str, Execution], out: Path, elapsed: float, args
) -> int:
    """A deployment of several reports: the dispatching run, then one line per report; each report's email,
    history and trace under reports/<id>/, and the default report's also where a single report's go."""
    print(trace.render(run))
    print()
    if "FetchSharedCosts" in run.entered_states():
        shared = run.state_output("FetchSharedCosts")["due"]
        sharing = [r for r in _due_list(shared) if r["input"].get("shared")]
        print(
            f"Shared queries: {shared.get('sharedQueries', 0)} shape(s), {shared.get('costExplorerRequests', 0)} "
            f"Cost Explorer requests, sliced by {len(sharing)} reports (decision 0010)"
        )
    print(f"{'Report':<20} {'Status':<10} {'Outcome':<14} Detail")
    failed = 0
    for report_id, execution in sorted(children.items()):
        folder = out / "reports" / report_id
        folder.mkdir(parents=True, exist_ok=True)
        _write_execution(folder / "execution.json", execution, args)
        (folder / "trace.txt").write_text(trace.render(execution) + "\n", encoding="utf-8")
        result = execution.output or {}
        detail = _write_email(aws, result, folder) if result.get("outcome") == "sent" else (execution.error or "")
        print(f"{report_id:<20} {execution.status:<10} {result.get('outcome', '-'):<14} {detail}")
        failed += execution.status != "SUCCEEDED"
        if report_id == DEFAULT_REPORT:  # existing scripts read out/report.* and out/execution.json
            _write_execution(out / "execution.json", execution, args)
            if result.get("outcome") == "sent":
                _write_email(aws, result, out)
    print()
    print(f"{len(children)} reports in {elapsed:.1f} s: {len(children) - failed} succeeded, {failed} failed")
    sent_before = [r for r, e in sorted(children.items()) if (e.output or {}).get("outcome") == "already sent"]
    if sent_before:
        day = (children.get(DEFAULT_REPORT) or children[sent_before[0]]).output["reportDate"]
        print(f"Already sent: {', '.join(sent_before)}. To send it again: {_again(args, date=day, force=True)}")
        print("  (DATE with FORCE resends every daily report for that day)")
    print(f"Wrote {out / 'reports'}/<report>/report.html, report.txt, report.eml, execution.json, trace.txt")
    if failed:
        print(f"To redrive the failed report runs (each resumes at its failed step): {_again(args, redrive=True)}")
    return 1 if failed else 0


def _write_email(aws: EmbeddedAWS, result: dict, folder: Path) -> str:
    email = next(e for e in aws.mailbox if e.message_id == result["messageId"])
    (folder / "report.html").write_text(email.html, encoding="utf-8")
    (folder / "report.txt").write_text(email.text, encoding="utf-8")
    (folder / "report.eml").write_bytes(to_eml(email))
    return f"{email.subject} ({result.get('costExplorerRequests', '?')} Cost Explorer requests)"


def _redrive(args: argparse.Namespace, out: Path, snapshot: Path) -> int:
    """Redrive the failed execution the last run in `out` left, as the console's Actions -> Redrive:
    the same execution resumes at the state that failed, with the input that state had."""
    if args.date or args.force or args.fresh or args.fail_at or args.revised:
        print(
            "REDRIVE resumes the last failed run as it was; it takes no DATE, FORCE, FRESH or FAIL_AT", file=sys.stderr
        )
        return 2
    path = out / "execution.json"
    if not path.exists():
        print(f"Nothing to redrive: no earlier run in {out}/ ({path} is missing)", file=sys.stderr)
        return 2
    document = json.loads(path.read_text(encoding="utf-8"))
    failed = _load_execution(document)
    if failed.status not in REDRIVABLE:
        print(
            f"Nothing to redrive: execution {failed.name} {failed.status}; only a failed, timed-out or "
            "aborted execution can be redriven",
            file=sys.stderr,
        )
        return 2
    seed = document.get("demo", {}).get("seed", args.seed)
    redrive_count = document.get("redriveCount", 0) + 1
    resume_at = failed.entered_states()[-1]

    args.seed = seed  # the failed run's, so FetchCosts sees the same organisation
    started = time.perf_counter()
    today = datetime.now(UTC).date()
    channels = demo_chat(args.profile)
    with (
        channel_webhooks(channels) as webhooks,
        EmbeddedAWS(
            profile=args.profile,
            seed=seed,
            today=today,
            table_snapshot=snapshot,
            reports=demo_reports(args.profile, seed, today),
            chat_channels=channels,
            chat_webhooks={name: hook_url(server, name) for name, server in webhooks.items()},
        ) as aws,
    ):
        _print_header(args, aws)
        print(
            f"Redrive {redrive_count} of execution {failed.name} ({failed.status} at {resume_at}: {failed.error}): "
            f"it resumes at {resume_at} with the input that state had; the states before it are not run again.\n"
        )
        redriven = aws.redrive(failed)
        elapsed = time.perf_counter() - started
        print(trace.render(redriven))
        print()
        whole = _redriven_execution(failed, redriven, redrive_count)
        _write_execution(path, whole, args, redrive_count=redrive_count)
        _write_lambda_logs(out / "lambda.log", aws, append=True)  # like CloudWatch Logs, after the failed run's
        print(f"Redrive count: {redrive_count} (the history goes on after an ExecutionRedriven event)")
        code = _summarise(redriven, aws, out, elapsed, args)
        print(f"Emails SES accepted in this redrive: {len(aws.mailbox)}")
        _write_chat(out / "chat", webhooks)
        print(f"Cost Explorer requests: {len(aws.cost_explorer.requests)}")
    return code


def _print_header(args: argparse.Namespace, aws: EmbeddedAWS) -> None:
    print(
        f"Embedded AWS: Cost Explorer profile '{args.profile}' (seed {args.seed}), "
        f"state machine {aws.state_machine_arn}"
    )


def _summarise(execution: Execution, aws: EmbeddedAWS, out: Path, elapsed: float, args: argparse.Namespace) -> int:
    result = execution.output or {}
    if execution.status != "SUCCEEDED":
        failed_at = next((s.name for s in reversed(trace.steps(execution)) if s.exited is None), "?")
        print(f"Execution {execution.status} at {failed_at}: {execution.error}")
        print(f"  {_cause_message(execution.cause)}")
        print(f"History: {out / 'execution.json'}   Lambda logs: {out / 'lambda.log'}")
        print(f"To redrive it (resume at {failed_at}, as the console's Redrive does): {_again(args, redrive=True)}")
        return 1
    outcome = result.get("outcome")
    print(
        f"Execution SUCCEEDED in {execution.duration_seconds():.2f} s: {outcome} "
        f"(report day {result.get('reportDate')}; demo total {elapsed:.1f} s)"
    )
    sent_here = any(e.message_id == result.get("messageId") for e in aws.mailbox)
    if outcome == "sent" and not sent_here:
        # A redrive that resumed after SendEmail (MarkSent, a chat channel): the email went out before it.
        print(f"  The email was sent before this redrive (SES message id {result.get('messageId')}); not sent again.")
        print(f"  The report files in {out}/ are from the run that sent it. Wrote {out / 'execution.json'}")
    elif outcome == "sent":
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
            f"  The report files in {out}/ are from the run that sent it. To send it again: "
            f"{_again(args, date=result.get('reportDate'), force=True)}"
        )
        print(f"Wrote {out / 'execution.json'}")
    else:
        print(f"  {json.dumps(result)}")
    return 0


def _again(args: argparse.Namespace, date: str | None = None, force: bool = False, redrive: bool = False) -> str:
    """The command that repeats this run's options with a change, in the terms the run was given in:
    `make demo ...`, or `python -m local.demo --out ...` when the directory was named."""
    options: list[tuple[str, str, str | None]] = []  # (make variable, flag, value; None: a switch)
    if args.profile != DEFAULT_PROFILE:
        options.append(("PROFILE", "--profile", args.profile))
    if args.seed != DEFAULT_SEED and not redrive:
        options.append(("SEED", "--seed", str(args.seed)))
    if redrive:
        options.append(("REDRIVE", "--redrive", None))
    elif date:
        options.append(("DATE", "--date", date))
    if force:
        options.append(("FORCE", "--force", None))
    if args.out is None:
        return " ".join(["make demo"] + [f"{var}={value or 1}" for var, _, value in options])
    words = ["python -m local.demo --out", args.out] + [
        f"{flag} {value}" if value else flag for _, flag, value in options
    ]
    return " ".join(words)


def _out_dir(args: argparse.Namespace) -> Path:
    if args.out is not None:
        return Path(args.out)
    return Path("out") if args.profile == DEFAULT_PROFILE else Path("out") / args.profile


def _fault_code(state: str) -> str:
    resource = every_state(json.loads(DEFINITION.read_text(encoding="utf-8"))["States"])[state]["Resource"]
    service = resource.split(":")[5]
    if service == "aws-sdk":
        service = resource.split(":")[6]
    return FAULT_CODES[service]


def _task_states() -> list[str]:
    """The states --fail-at can fail: those that call a service (a Lambda function, DynamoDB, SES)."""
    states = every_state(json.loads(DEFINITION.read_text(encoding="utf-8"))["States"])
    return [name for name, state in states.items() if "Resource" in state]


def _cause_message(cause: str | None) -> str:
    """A Lambda error's cause is its JSON error payload; show the sentence, not the JSON."""
    try:
        return json.loads(cause or "")["errorMessage"]
    except (ValueError, KeyError, TypeError):
        return cause or ""


def _write_execution(path: Path, execution: Execution, args: argparse.Namespace, redrive_count: int = 0) -> None:
    """The history as the console exports it, plus what a later --redrive needs (name, profile, seed)."""
    document = {
        "executionArn": execution.arn,
        "name": execution.name,
        "status": execution.status,
        "redriveCount": redrive_count,
        "input": execution.input,
        "output": execution.output,
        "error": execution.error,
        "cause": execution.cause,
        "demo": {"profile": args.profile, "seed": args.seed},
        "events": execution.history,
    }
    path.write_text(json.dumps(document, indent=2, default=_json_default), encoding="utf-8")


def _load_execution(document: dict) -> Execution:
    history = [
        {**event, "timestamp": datetime.fromisoformat(event["timestamp"])} if "timestamp" in event else event
        for event in document["events"]
    ]
    return Execution(
        arn=document["executionArn"],
        name=document.get("name") or document["executionArn"].rsplit(":", 1)[-1],
        status=document["status"],
        input=document["input"],
        output=document.get("output"),
        error=document.get("error"),
        cause=document.get("cause"),
        history=history,
    )


def _redriven_execution(failed: Execution, redriven: Execution, redrive_count: int) -> Execution:
    """One execution, as the console shows a redriven one: the failed run's events, an ExecutionRedriven
    event, then the redrive's (numbered on from the failed run's)."""
    history = list(failed.history)
    offset = history[-1]["id"]
    history.append(
        {
            "timestamp": redriven.history[0]["timestamp"],
            "type": "ExecutionRedriven",
            "id": offset + 1,
            "previousEventId": offset,
            "executionRedrivenEventDetails": {"redriveCount": redrive_count},
        }
    )
    for event in redriven.history[1:]:  # its own ExecutionStarted is the ExecutionRedriven above
        history.append({**event, "id": event["id"] + offset, "previousEventId": event["previousEventId"] + offset})
    return Execution(
        arn=failed.arn,
        name=failed.name,
        status=redriven.status,
        input=failed.input,
        output=redriven.output,
        error=redriven.error,
        cause=redriven.cause,
        history=history,
    )


def _write_lambda_logs(path: Path, aws: EmbeddedAWS, append: bool = False) -> None:
    with path.open("a" if append else "w", encoding="utf-8") as log:
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


def yes_or_no(value: str) -> bool:
    """A make variable's yes or no: FORCE=1/true/yes/on is yes; FORCE=0/false/no/off (or empty) is no."""
    word = value.strip().lower()
    if word in ("", "0", "false", "no", "n", "off"):
        return False
    if word in ("1", "true", "yes", "y", "on"):
        return True
    raise argparse.ArgumentTypeError(f"expected 1/0, true/false, yes/no or on/off, not {value!r}")


def _switch(parser: argparse.ArgumentParser, flag: str, help: str) -> None:
    """`--force` alone is yes; `--force=0` (what `make demo FORCE=0` passes) is no."""
    parser.add_argument(flag, nargs="?", const=True, default=False, type=yes_or_no, metavar="yes|no", help=help)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--date", help="report on this UTC day (YYYY-MM-DD), as a manual run would")
    parser.add_argument(
        "--profile",
        default=DEFAULT_PROFILE,
        choices=SyntheticOrganisation.PROFILES,
        help=f"the synthetic organisation Cost Explorer answers for (default: {DEFAULT_PROFILE})",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"seed of the synthetic data (default: {DEFAULT_SEED})"
    )
    _switch(parser, "--force", "send again even if the day was already sent (needs --date)")
    _switch(parser, "--fresh", "forget which days were sent (this profile's records)")
    parser.add_argument(
        "--fail-at",
        choices=_task_states(),
        metavar="STATE",
        help="make every call this state makes fail before it takes effect, so the run fails there "
        f"(one of: {', '.join(_task_states())})",
    )
    _switch(parser, "--redrive", "redrive the failed execution the last run left, where it failed")
    _switch(
        parser,
        "--revised",
        "send the day before first, then revise it in the embedded Cost Explorer, so the report says Revised "
        "(starts from no records, as --fresh)",
    )
    parser.add_argument(
        "--out",
        help="the directory for the report, the history and the records (default: out/ for the "
        f"{DEFAULT_PROFILE} profile, out/<profile>/ for the others)",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    exit_code = main()
    # Exit without tearing the interpreter down: freeing moto's and botocore's objects one by one takes
    # most of a second and proves nothing (mypy exits the same way). Everything is written and closed.
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(exit_code)
