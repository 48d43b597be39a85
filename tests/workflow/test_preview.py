"""`make preview`: the real functions' code on the user's account, never sending anything; and a
sentence that says what to do for each error a user will meet."""

from __future__ import annotations

import io
import json
import time
import warnings
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

from local import preview
from local.runtime import EmbeddedAWS
from tests.fixtures.loopback import aws_at, refused_endpoint, silent_endpoint

NOW = datetime(2026, 11, 21, 8, 0, 5, tzinfo=UTC)


def run_preview(*args: str, stdin: str = "", session_factory=boto3.Session) -> tuple[int, str]:
    out = io.StringIO()
    code = preview.main(list(args), stdin=io.StringIO(stdin), stdout=out, session_factory=session_factory)
    return code, out.getvalue()


def test_preview_renders_the_email_from_the_same_code_the_workflow_runs_and_sends_nothing(tmp_path):
    with EmbeddedAWS(now=datetime.now(UTC)) as aws:
        code, printed = run_preview("--yes", "--out", str(tmp_path))

        assert code == 0, printed
        assert "Organisation: none: a standalone account" in printed
        assert "Cost: 1 request ($0.01)" in printed and "Subject: " in printed
        assert (tmp_path / "report.html").stat().st_size > 0 and (tmp_path / "report.txt").stat().st_size > 0
        assert aws.mailbox == [] and aws.table_items() == [], "a preview never sends and never writes DynamoDB"
        assert len(aws.cost_explorer.requests) == 1
        # One chat message of each kind, as RenderEmail renders a report's channels; nothing is posted (the
        # preview has no webhook and creates no Secrets Manager client).
        kinds = {"slack": "blocks", "teams": "attachments", "google-chat": "cardsV2", "webhook": "schema"}
        for name, key in kinds.items():
            assert key in json.loads((tmp_path / "chat" / f"{name}.json").read_text()), name
        assert "chat messages" in printed and "Nothing was sent or posted" in printed

        # The same day through the deployed workflow gives the same report model.
        preview_costs = json.loads((tmp_path / "costs.json").read_text())
        execution = aws.run({"date": preview_costs["reportDate"]})
        assert execution.report() == preview_costs


def test_the_settings_a_preview_is_given_are_its_own_and_not_the_workflows_after_it(tmp_path):
    with EmbeddedAWS(now=datetime.now(UTC)) as aws:
        code, printed = run_preview("--yes", "--top", "1", "--out", str(tmp_path))
        assert code == 0, printed
        preview_costs = json.loads((tmp_path / "costs.json").read_text())
        assert preview_costs["settings"]["topServices"] == 1

        execution = aws.run({"date": preview_costs["reportDate"]})
        assert execution.report()["settings"]["topServices"] == 10  # the function's own environment


def test_preview_names_the_management_account_of_an_organisation(tmp_path):
    with EmbeddedAWS(now=datetime.now(UTC)):
        boto3.client("organizations", region_name="us-east-1").create_organization(FeatureSet="ALL")
        code, printed = run_preview("--yes", "--out", str(tmp_path))
    assert code == 0 and "this is its management account: the report covers every member account" in printed


def test_preview_asks_before_paying_and_refuses_silently_agreeing_when_not_interactive(tmp_path):
    with EmbeddedAWS(now=datetime.now(UTC)) as aws:
        code, printed = run_preview("--out", str(tmp_path))
        assert code == 2 and "add --yes" in printed
        assert aws.cost_explorer.requests == []


def test_bad_settings_and_dates_are_refused_before_any_aws_call():
    def no_session(**_):
        raise AssertionError("no AWS call may happen before the options are checked")

    code, printed = run_preview("--top", "99", session_factory=no_session)
    assert code == 2 and "TOP_SERVICES='99' is not allowed" in printed
    code, printed = run_preview("--date", "2026-02-30", session_factory=no_session)
    assert code == 2 and "2026-02-30 is not a real calendar day" in printed
    code, printed = run_preview("--set", "TOP_SERVICES", session_factory=no_session)
    assert code == 2 and "expected NAME=VALUE" in printed


# -- each error a user will meet, against botocore's Stubber -------------------------------------------


class StubbedSession:
    """A boto3 session whose clients answer from Stubbers; `credentials=None` is a machine with none.
    A service in `unstubbed` gets a real client, made as the preview's own session would make it."""

    def __init__(self, credentials=True, unstubbed=()):
        self.credentials = credentials
        self.clients = {}
        self.stubbers = {}
        self.core = None
        for service in {"sts", "organizations", "ce"} - set(unstubbed):
            client = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x").client(
                service, region_name="us-east-1"
            )
            self.clients[service] = client
            self.stubbers[service] = Stubber(client)
            self.stubbers[service].activate()

    def __call__(self, botocore_session=None, **_):
        self.core = botocore_session
        return self

    def get_credentials(self):
        return object() if self.credentials else None

    def client(self, service, **kwargs):
        if service in self.clients:
            return self.clients[service]
        return boto3.session.Session(
            botocore_session=self.core, aws_access_key_id="x", aws_secret_access_key="x"
        ).client(service, **kwargs)

    def account(self, organisation_error="AWSOrganizationsNotInUseException"):
        self.stubbers["sts"].add_response(
            "get_caller_identity",
            {"UserId": "AIDA", "Account": "111122223333", "Arn": "arn:aws:iam::111122223333:user/me"},
        )
        self.stubbers["organizations"].add_client_error("describe_organization", organisation_error)
        return self


def test_no_credentials_says_how_to_sign_in():
    code, printed = run_preview("--yes", session_factory=StubbedSession(credentials=False))
    assert code == 3 and "no AWS credentials found" in printed and "aws sso login" in printed


def test_expired_credentials_say_to_sign_in_again():
    session = StubbedSession()
    session.stubbers["sts"].add_client_error(
        "get_caller_identity", "ExpiredTokenException", "The security token included in the request is expired"
    )
    code, printed = run_preview("--yes", session_factory=session)
    assert code == 3 and "ExpiredTokenException" in printed and "sign in again" in printed


@pytest.mark.parametrize(
    ("code", "message", "advice"),
    [
        (
            "AccessDeniedException",
            "User not enabled for cost explorer access",
            "Cost Explorer has never been enabled for this account",
        ),
        (
            "AccessDeniedException",
            "User: arn:aws:iam::111122223333:user/me is not authorized to perform: ce:GetCostAndUsage on resource: *",
            '"Action": "ce:GetCostAndUsage"',
        ),
        (
            "AccessDeniedException",
            "Linked account doesn't have access to cost explorer.",
            "this is a member (linked) account",
        ),
        ("DataUnavailableException", "Data is not available.", "has no data for"),
        ("LimitExceededException", "Rate exceeded", "wait a minute"),
    ],
)
def test_cost_explorer_errors_come_with_what_to_do(tmp_path, code, message, advice):
    session = StubbedSession().account()
    session.stubbers["ce"].add_client_error("get_cost_and_usage", code, message)
    exit_code, printed = run_preview("--yes", "--out", str(tmp_path), session_factory=session)
    assert exit_code == 3 and advice in printed, printed
    assert not (tmp_path / "report.html").exists()


def test_a_member_account_is_told_whose_permission_it_needs():
    session = StubbedSession()
    session.stubbers["sts"].add_response(
        "get_caller_identity", {"UserId": "AIDA", "Account": "111122223333", "Arn": "arn:aws:iam::111122223333:user/me"}
    )
    session.stubbers["organizations"].add_response(
        "describe_organization",
        {
            "Organization": {
                "Id": "o-abc1234567",
                "MasterAccountId": "999988887777",
                "Arn": "arn:aws:organizations::999988887777:organization/o-abc1234567",
            }
        },
    )
    session.stubbers["ce"].add_client_error(
        "get_cost_and_usage", "AccessDeniedException", "Linked account doesn't have access to cost explorer."
    )
    code, printed = run_preview("--yes", session_factory=session)
    assert "as a member account" in printed and "999988887777" in printed and code == 3


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as done:
        preview.main(["--help"])
    assert done.value.code == 0 and "--aws-profile" in capsys.readouterr().out


def test_a_day_cost_explorer_has_not_processed_is_not_previewed_as_no_spend(tmp_path):
    # GIVEN Cost Explorer has cost for every day before 2026-11-20 and none at all for it
    from datetime import date

    from fetch_costs.query import report_window

    from tests.fixtures.cost_explorer_answers import answer

    day = date(2026, 11, 20)
    start, end = report_window(day)
    session = StubbedSession().account()
    for page in answer(start, end, lambda d: [("Amazon EC2", "Usage", "10")] if d < day else []):
        session.stubbers["ce"].add_response("get_cost_and_usage", page)
    # WHEN it is previewed
    exit_code, printed = run_preview(
        "--yes", "--date", day.isoformat(), "--out", str(tmp_path), session_factory=session
    )
    # THEN it says the day is not processed yet, instead of rendering "$0.00"
    assert exit_code == 3 and "has not processed 2026-11-20 yet" in printed, printed
    assert not (tmp_path / "report.html").exists()


# -- AWS out of reach: one line that says what to check, within seconds --------------------------------
# Loopback endpoints only (tests/fixtures/loopback.py): AWS_ENDPOINT_URL sends every client there.


def test_a_refused_connection_is_one_line_naming_the_endpoint_and_what_to_check(monkeypatch):
    with refused_endpoint() as url:
        aws_at(monkeypatch, url)
        code, printed = run_preview("--yes")
    assert code == 3
    assert printed.splitlines() == [printed.strip()], "one line, not a traceback"
    assert printed.startswith(f"preview: could not connect to {url}")
    for what in ("network", "proxy", "VPN", "AWS_ENDPOINT_URL", "Region"):
        assert what in printed


def test_an_endpoint_that_never_answers_ends_in_one_line_within_seconds_not_minutes(monkeypatch):
    # GIVEN an endpoint that takes the connection and never answers (botocore alone would wait 60 s a try)
    with silent_endpoint() as endpoint:
        aws_at(monkeypatch, endpoint.url)
        # WHEN the preview asks STS who the caller is
        started = time.monotonic()
        code, printed = run_preview("--yes")
        elapsed = time.monotonic() - started
    # THEN one line, after the bounded attempts of preview.CLIENT_CONFIG (2 x 5 s: about 10 s when measured)
    assert code == 3 and printed.splitlines() == [printed.strip()]
    assert f"{endpoint.url}/ accepted the connection but did not answer in time" in printed
    assert "proxy" in printed and "VPN" in printed
    assert endpoint.connections == preview.CLIENT_CONFIG.retries["total_max_attempts"]
    assert elapsed < 60, f"{elapsed:.1f} s"


def test_cost_explorer_out_of_reach_is_one_line_after_the_account_is_named(monkeypatch, tmp_path):
    # GIVEN STS and Organizations answer, and the Cost Explorer client fetch_costs creates cannot connect
    session = StubbedSession(unstubbed=("ce",)).account()
    with refused_endpoint() as url, warnings.catch_warnings(record=True) as warned:
        aws_at(monkeypatch, url)
        warnings.simplefilter("always")
        code, printed = run_preview("--yes", "--out", str(tmp_path), session_factory=session)
    # THEN the last line says so; fetch_costs' own Config (one attempt, no billed retry) applied under the
    # preview's bounds
    assert code == 3 and "Account 111122223333" in printed, printed
    assert printed.splitlines()[-1].startswith(f"preview: could not connect to {url}"), printed
    assert "Traceback" not in printed and not (tmp_path / "report.html").exists()
    assert [str(warning.message) for warning in warned] == [], "nothing printed under the one line"
