"""`make demo`: what a newcomer sees, and the files it leaves in out/."""

from __future__ import annotations

import email
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from email import policy

import pytest

from local import demo
from local.demo_reports import demo_chat
from local.runtime import ROOT


def test_demo_sends_writes_the_report_files_and_a_second_run_says_already_sent(tmp_path, capsys):
    out = tmp_path / "out"

    assert demo.main(["--out", str(out)]) == 0
    first = capsys.readouterr().out
    assert "ResolveReportDate" in first and "MarkSent" in first and "Cost Explorer requests: 1" in first
    for name in ("report.html", "report.txt", "report.eml", "execution.json", "lambda.log"):
        assert (out / name).stat().st_size > 0, name
    history = json.loads((out / "execution.json").read_text())
    assert history["status"] == "SUCCEEDED" and history["events"][0]["type"] == "ExecutionStarted"
    message = email.message_from_bytes((out / "report.eml").read_bytes(), policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    # The message is in wire format (CRLF line ends, as SMTP requires); the HTML is the same text.
    html = message.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert html == (out / "report.html").read_text()

    # Each chat channel's post, as its webhook on 127.0.0.1 received it: the message RenderEmail rendered.
    rendered = next(
        json.loads(e["stateExitedEventDetails"]["output"])["email"]["chat"]
        for e in history["events"]
        if e.get("stateExitedEventDetails", {}).get("name") == "RenderEmail"
    )
    assert sorted(p.name for p in (out / "chat").iterdir()) == [f"{name}.json" for name in sorted(demo_chat("small"))]
    for item in rendered:
        assert json.loads((out / "chat" / f"{item['channel']['name']}.json").read_text()) == item["message"]
    assert "Chat posts (to webhooks on 127.0.0.1): slack 1, teams 1, google-chat 1, webhook 1" in first

    assert demo.main(["--out", str(out)]) == 0
    second = capsys.readouterr().out
    assert "already sent" in second and "ReportAlreadySent" in second
    assert "Cost Explorer requests: 0" in second and "Chat posts" not in second


def test_a_run_failed_at_a_chat_channel_is_redriven_there_without_a_second_email(tmp_path, capsys):
    assert demo.main(["--out", str(tmp_path), "--fail-at", "PostToChannel"]) == 1
    assert "Execution FAILED at PostToChannel: Lambda.ServiceException" in capsys.readouterr().out
    assert demo.main(["--out", str(tmp_path), "--redrive"]) == 0
    redriven = capsys.readouterr().out
    assert "The email was sent before this redrive" in redriven and "Emails SES accepted in this redrive: 0" in redriven
    assert "slack 1, teams 1, google-chat 1, webhook 1" in redriven


def test_demo_for_an_impossible_day_fails_at_the_first_state_and_says_why(tmp_path, capsys):
    assert demo.main(["--out", str(tmp_path), "--date", "2026-02-30"]) == 1
    printed = capsys.readouterr().out
    assert "FAILED at ResolveReportDate: InvalidReportRequest" in printed
    assert "2026-02-30 is not a real calendar day" in printed


def test_demo_forced_resend_of_a_named_day(tmp_path, capsys):
    # The demo runs on the real clock, like `make demo`; two days back stays valid across midnight.
    day = (datetime.now(UTC).date() - timedelta(days=2)).isoformat()
    assert demo.main(["--out", str(tmp_path), "--date", day]) == 0
    assert demo.main(["--out", str(tmp_path), "--date", day, "--force"]) == 0
    assert "ClaimForResend" in capsys.readouterr().out


def test_a_run_failed_with_fail_at_is_redriven_at_that_state_and_sends_once(tmp_path, capsys):
    # GIVEN a run whose SendEmail calls all fail (throttled before SES acts: nothing is sent)
    assert demo.main(["--out", str(tmp_path), "--fail-at", "SendEmail"]) == 1
    failed = capsys.readouterr().out
    assert "Execution FAILED at SendEmail: SesV2.TooManyRequestsException" in failed
    assert f"python -m local.demo --out {tmp_path} --redrive" in failed
    assert not (tmp_path / "report.html").exists()
    failed_arn = json.loads((tmp_path / "execution.json").read_text())["executionArn"]

    # WHEN it is redriven, in a later run of the demo
    assert demo.main(["--out", str(tmp_path), "--redrive"]) == 0

    # THEN the same execution resumes at SendEmail (nothing before it runs again) and sends one email
    redriven = capsys.readouterr().out
    assert "it resumes at SendEmail" in redriven
    table = redriven.split("State", 1)[1].split("\n\n", 1)[0]
    assert "SendEmail" in table and "MarkSent" in table and "FetchCosts" not in table
    assert "Emails SES accepted in this redrive: 1" in redriven and "Cost Explorer requests: 0" in redriven
    assert (tmp_path / "report.html").stat().st_size > 0
    history = json.loads((tmp_path / "execution.json").read_text())
    assert history["executionArn"] == failed_arn and history["redriveCount"] == 1
    assert history["status"] == "SUCCEEDED"
    assert [e["type"] for e in history["events"]].count("ExecutionRedriven") == 1
    # A succeeded execution cannot be redriven again.
    assert demo.main(["--out", str(tmp_path), "--redrive"]) == 2
    assert "only a failed, timed-out or aborted execution can be redriven" in capsys.readouterr().err


def test_each_profile_keeps_its_own_records_and_files_and_its_hints_name_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # `make demo` runs in the repository: its out/ is relative
    assert demo.main([]) == 0
    small_html = (tmp_path / "out" / "report.html").read_text()
    capsys.readouterr()

    # The same day for another profile is that organisation's first report, written to its own folder.
    assert demo.main(["--profile", "large-org"]) == 0
    first = capsys.readouterr().out
    assert re.search(r"^daily +SUCCEEDED +sent ", first, re.M) and "already sent" not in first
    assert (tmp_path / "out" / "large-org" / "report.html").read_text() != small_html
    assert (tmp_path / "out" / "report.html").read_text() == small_html

    assert demo.main(["--profile", "large-org"]) == 0
    again = capsys.readouterr().out
    day = json.loads((tmp_path / "out" / "large-org" / "execution.json").read_text())["output"]["reportDate"]
    assert f"To send it again: make demo PROFILE=large-org DATE={day} FORCE=1" in again


def test_force_fresh_and_redrive_read_0_false_no_and_off_as_no(tmp_path, capsys):
    for word in ("0", "false", "no", "off", "NO", ""):
        args = demo._parse_args([f"--force={word}", f"--fresh={word}", f"--redrive={word}"])
        assert (args.force, args.fresh, args.redrive) == (False, False, False), word
    args = demo._parse_args(["--force", "--fresh=1", "--redrive=yes"])
    assert (args.force, args.fresh, args.redrive) == (True, True, True)

    # FORCE=0 on a day already sent takes the `already sent` path, not a forced resend.
    day = (datetime.now(UTC).date() - timedelta(days=2)).isoformat()
    assert demo.main(["--out", str(tmp_path), "--date", day]) == 0
    capsys.readouterr()
    assert demo.main(["--out", str(tmp_path), "--date", day, "--force=0"]) == 0
    printed = capsys.readouterr().out
    assert "already sent" in printed and "ClaimForResend" not in printed


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_passes_the_switches_through_and_help_fits_every_target_name(tmp_path):
    make = ["make", "--no-print-directory", "-C", str(ROOT)]
    command = subprocess.run(
        [*make, "-n", "demo", "STAMP=", "FORCE=0", "FRESH=no", "REDRIVE=1", "FAIL_AT=SendEmail"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--force='0' --fresh='no' --fail-at SendEmail --redrive='1'" in command

    longer = tmp_path / "longer.mk"
    longer.write_text("a-target-name-longer-than-any-real-one: ## Only here to test the width\n")
    help_text = subprocess.run(
        [*make, "-f", "Makefile", "-f", str(longer), "help"], capture_output=True, text=True, check=True
    ).stdout
    rows = [line for line in help_text.splitlines() if line.startswith("  make ")]
    assert any("a-target-name-longer-than-any-real-one" in row for row in rows)
    description_columns = {re.match(r"  make \S+ +", row).end() for row in rows}
    assert len(description_columns) == 1, help_text


def test_the_large_org_demo_sends_four_reports_each_in_its_own_folder(tmp_path, capsys):
    # GIVEN the large-org demo deployment: the organisation daily, a team daily, accounts weekly, the
    # organisation monthly (local/demo_reports.py)
    out = tmp_path / "out"

    assert demo.main(["--profile", "large-org", "--out", str(out)]) == 0

    printed = capsys.readouterr().out
    reports = ("daily", "team-payments", "accounts-weekly", "org-monthly")
    for report in reports:
        folder = out / "reports" / report
        for name in ("report.html", "report.txt", "report.eml", "execution.json", "trace.txt"):
            assert (folder / name).stat().st_size > 0, (report, name)
        assert re.search(rf"^{report} +SUCCEEDED +sent +", printed, re.M), printed
        assert json.loads((folder / "execution.json").read_text())["status"] == "SUCCEEDED"
    # The default report's email is also where a single report's has always been.
    assert (out / "report.html").read_text() == (out / "reports" / "daily" / "report.html").read_text()
    assert "Week " in (out / "reports" / "accounts-weekly" / "report.txt").read_text()
    assert "Payments team" in (out / "reports" / "team-payments" / "report.txt").read_text()
    # The run's Cost Explorer requests, all reports together, and what they cost.
    requests = int(re.search(r"^Cost Explorer requests: (\d+) \(\$", printed, re.M).group(1))
    assert requests >= len(reports)


def test_demo_revised_sends_the_day_before_revises_it_and_the_report_day_says_so(tmp_path, capsys):
    # GIVEN a report day whose day before goes through the workflow first, then is revised by "AWS"
    day = datetime.now(UTC).date() - timedelta(days=2)
    assert demo.main(["--out", str(tmp_path), "--date", day.isoformat(), "--revised"]) == 0
    out = capsys.readouterr().out
    # THEN each run made its own one request, and the report day's email carries the Revised line with the
    # total the day before's report sent and the figure Cost Explorer has now
    before = (day - timedelta(days=1)).isoformat()
    assert f"The day before, {before}, first: daily sent" in out
    assert "Cost Explorer requests for the day before: 1 ($0.01)" in out and "Cost Explorer requests: 1 ($0.01)" in out
    record = {
        item["reportDate"]["S"]: item
        for item in json.loads((tmp_path / ".embedded-aws" / "report-table.json").read_text())
    }
    sent = record[before]["total"]["N"]
    [line] = [line for line in (tmp_path / "report.txt").read_text().splitlines() if line.startswith("Revised:")]
    assert re.fullmatch(
        r"Revised: \w{3} \d{1,2} \w{3} was \$[\d,]+\.\d\d when sent, now \$[\d,]+\.\d\d \(\+\$[\d,]+\.\d\d\)", line
    )
    assert f"was ${Decimal(sent).quantize(Decimal('0.01'), ROUND_HALF_UP):,} when sent" in line
