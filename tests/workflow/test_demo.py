"""`make demo`: what a newcomer sees, and the files it leaves in out/."""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime, timedelta
from email import policy

from local import demo


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

    assert demo.main(["--out", str(out)]) == 0
    second = capsys.readouterr().out
    assert "already sent" in second and "ReportAlreadySent" in second
    assert "Cost Explorer requests: 0" in second


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
