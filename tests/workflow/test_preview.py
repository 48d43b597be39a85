"""`make preview`: the real functions' code on the user's account, never sending anything; and a
sentence that says what to do for each error a user will meet."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

from local import preview
from local.runtime import EmbeddedAWS

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
    """A boto3 session whose clients answer from Stubbers; `credentials=None` is a machine with none."""

    def __init__(self, credentials=True):
        self.credentials = credentials
        self.clients = {}
        self.stubbers = {}
        for service in ("sts", "organizations", "ce"):
            client = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x").client(
                service, region_name="us-east-1"
            )
            self.clients[service] = client
            self.stubbers[service] = Stubber(client)
            self.stubbers[service].activate()

    def __call__(self, **_):
        return self

    def get_credentials(self):
        return object() if self.credentials else None

    def client(self, service, **_):
        return self.clients[service]

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
