"""`make preview`: tomorrow's email from your own account's real costs, before deploying anything.

    python -m local.preview [--date YYYY-MM-DD] [--aws-profile NAME] [--metric M] [--top N]
                            [--budget AMOUNT] [--settings FILE] [--set NAME=VALUE ...] [--yes]

It runs the two Lambda handlers that build the report, fetch_costs and render_email, on this machine
with your AWS credentials: the same code, the same settings (read from the same environment
variables), the same Cost Explorer query. It calls sts:GetCallerIdentity and
organizations:DescribeOrganization (both free) to say which account it is looking at, then, once you
agree, ce:GetCostAndUsage ($0.01 per request). It never sends email, never posts to a chat webhook and never
writes DynamoDB: it creates no SES, DynamoDB, Secrets Manager or Step Functions client at all. The email goes
to out/preview/, with the chat message each platform would get in out/preview/chat/. If AWS cannot
be reached it says so in one line within seconds (CLIENT_CONFIG), instead of waiting minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import sys
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    NoCredentialsError,
    ProfileNotFound,
    ProxyConnectionError,
    ReadTimeoutError,
    SSLError,
)
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from local.environ import patched_environ
from local.lambda_context import LocalLambdaContext

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
IAM_NEEDED = '{"Effect": "Allow", "Action": "ce:GetCostAndUsage", "Resource": "*"}'
EXIT_REFUSED, EXIT_AWS = 2, 3
# One chat message of each kind (report_contract.spec.CHANNEL_TYPES), rendered as RenderEmail renders a
# report's channels: what each platform would show. Nothing is posted.
PREVIEW_CHANNELS = [
    {"name": name.replace("_", "-"), "type": name} for name in ("slack", "teams", "google_chat", "webhook")
]

# Every client the preview's session creates starts from these bounds: its own STS and Organizations
# clients, the Cost Explorer client fetch_costs creates, and the clients botocore creates to resolve
# credentials (SSO, AssumeRole). botocore's defaults (60 s to connect, 60 s to read, legacy retries) make an
# unreachable or silent endpoint a wait of minutes. A client's own Config wins where it sets a value:
# fetch_costs sets one attempt and a longer read timeout for Cost Explorer's slower pages (its handler.py).
# Worst case here: 2 attempts x 5 s for STS, the first call, so the answer comes within about 10 s.
CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=5, retries={"total_max_attempts": 2, "mode": "standard"})
NETWORK_ADVICE = (
    "Check the network connection, any proxy (HTTPS_PROXY) or VPN, and the endpoint and Region "
    "(AWS_ENDPOINT_URL, AWS_REGION, or the profile's endpoint_url and region)."
)


class PreviewError(Exception):
    """Something the user can act on; the message says what to do."""

    def __init__(self, message: str, code: int = EXIT_AWS):
        super().__init__(message)
        self.code = code


def main(
    argv: list[str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    session_factory: Callable[..., boto3.Session] = boto3.Session,
) -> int:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    args = _parse_args(argv)
    try:
        with _network_errors():
            return _preview(args, stdin, stdout, session_factory)
    except PreviewError as error:
        print(f"preview: {error}", file=stdout)
        return error.code


def _preview(args, stdin: TextIO, stdout: TextIO, session_factory) -> int:
    say = lambda text="": print(text, file=stdout)  # noqa: E731
    if str(FUNCTIONS_DIR) not in sys.path:
        sys.path.insert(0, str(FUNCTIONS_DIR))
    environment = _function_environment(args)
    report_day = _report_day(args.date)
    settings = _settings(environment)

    session = _session(session_factory, args.aws_profile)
    account = _account(session)
    say(f"Account {account['Account']} ({account['Arn']})")
    say(f"Organisation: {_organisation(session, account['Account'])}")

    from fetch_costs.query import report_window

    start, end = report_window(report_day)
    say(
        f"\nReport day {report_day} (UTC). Cost Explorer query: GetCostAndUsage, DAILY, {start} to {end} "
        f"(End exclusive), grouped by SERVICE and RECORD_TYPE, metric {settings.metric}."
    )
    say(
        f"Cost: 1 request ($0.01) for most accounts. A large organisation may need more pages, $0.01 each, "
        f"at most {settings.max_requests} (${settings.max_requests / 100:.2f}; COST_EXPLORER_MAX_REQUESTS)."
    )
    if not args.yes:
        if not stdin.isatty():
            raise PreviewError(
                "add --yes to agree to the Cost Explorer charge when not running interactively", EXIT_REFUSED
            )
        print("Make the request? [y/N] ", end="", file=stdout, flush=True)
        if stdin.readline().strip().lower() not in ("y", "yes"):
            say("Nothing was requested.")
            return 0

    with _lambda_environment(environment), _default_session(session):
        fetch, render = _fresh_handler("fetch_costs"), _fresh_handler("render_email")
        costs = _fetch(fetch, report_day)
        email = render.lambda_handler(
            {"reportDate": report_day.isoformat(), "costs": costs, "channels": PREVIEW_CHANNELS},
            LocalLambdaContext(function_name="render_email"),
        )

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.html").write_text(email["html"], encoding="utf-8")
    (out / "report.txt").write_text(email["text"], encoding="utf-8")
    (out / "costs.json").write_text(json.dumps(costs, indent=2) + "\n", encoding="utf-8")
    (out / "chat").mkdir(exist_ok=True)
    for item in email["chat"]:
        message = json.dumps(item["message"], indent=2, ensure_ascii=False) + "\n"
        (out / "chat" / f"{item['channel']['name']}.json").write_text(message, encoding="utf-8")
    say()
    say(f"Subject: {email['subject']}")
    for line in _headline(costs):
        say(f"  {line}")
    say(f"Cost Explorer requests made: {costs['costExplorerRequests']} (${costs['costExplorerRequests'] / 100:.2f})")
    say(
        f"Wrote {out / 'report.html'}, {out / 'report.txt'}, {out / 'costs.json'} (the FetchCosts output) and the "
        f"chat messages, {out / 'chat'}/<{'|'.join(c['name'] for c in PREVIEW_CHANNELS)}>.json. Nothing was sent "
        "or posted."
    )
    return 0


# -- settings and input, checked before anything is requested ------------------------------------------


def _function_environment(args) -> dict[str, str]:
    """The fetch_costs settings, as the Lambda would get them: a settings file, then --set, then options."""
    environment: dict[str, str] = {}
    if args.settings:
        path = Path(args.settings)
        if not path.is_file():
            raise PreviewError(f"--settings {path}: no such file", EXIT_REFUSED)
        for number, line in enumerate(path.read_text().splitlines(), 1):
            line = line.strip()
            if line and not line.startswith("#"):
                environment.update(_assignment(line, f"{path}:{number}"))
    for assignment in args.set or []:
        environment.update(_assignment(assignment, "--set"))
    for name, value in (("COST_METRIC", args.metric), ("TOP_SERVICES", args.top), ("DAILY_BUDGET", args.budget)):
        if value is not None:
            environment[name] = str(value)
    return environment


def _assignment(text: str, where: str) -> dict[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.strip().isidentifier():
        raise PreviewError(f"{where}: expected NAME=VALUE, e.g. TOP_SERVICES=15, got {text!r}", EXIT_REFUSED)
    return {name.strip(): value.strip()}


def _settings(environment: dict[str, str]):
    from fetch_costs.settings import ConfigurationError, load_settings

    try:
        return load_settings(environment)
    except ConfigurationError as error:
        raise PreviewError(str(error), EXIT_REFUSED) from None


def _report_day(raw: str | None):
    """The same rules as the workflow's first state. The default, yesterday (UTC), is the day this
    morning's scheduled run reports on: the latest complete day."""
    from report_contract.spec import ReportSpec
    from resolve_report_date.report_date import InvalidReportRequest, resolve
    from resolve_report_date.settings import Settings

    now = datetime.now(UTC)
    day = raw or (now.date() - timedelta(days=1)).isoformat()
    preview = (ReportSpec("daily", "daily", recipients=()),)  # the default report: the whole organisation by service
    try:
        request = resolve({"report": "daily", "date": day}, now, Settings().history_months, preview).request
        assert request is not None  # a run of one report always resolves to it
        return request.report_date
    except InvalidReportRequest as error:
        raise PreviewError(f"--date {error}", EXIT_REFUSED) from None


# -- AWS: who and where ---------------------------------------------------------------------------------


def _session(session_factory, profile: str | None) -> boto3.Session:
    core = botocore.session.get_session()
    core.set_default_client_config(CLIENT_CONFIG)
    try:
        session = session_factory(botocore_session=core, profile_name=profile)
    except ProfileNotFound:
        raise PreviewError(f"no AWS profile named {profile!r}; list yours with `aws configure list-profiles`") from None
    if session.get_credentials() is None:
        raise PreviewError(
            "no AWS credentials found. Sign in first (`aws sso login --profile NAME`, or `aws configure`), "
            'then run `make preview ARGS="--aws-profile NAME"` (or set AWS_PROFILE).'
        )
    return session


def _account(session: boto3.Session) -> dict:
    try:
        return session.client("sts", region_name="us-east-1").get_caller_identity()
    except NoCredentialsError:
        raise PreviewError("no AWS credentials found; sign in with `aws sso login` or `aws configure`") from None
    except ClientError as error:
        code = error.response["Error"]["Code"]
        raise PreviewError(
            f"AWS refused these credentials ({code}: {error.response['Error']['Message']}). "
            "They may have expired: sign in again (`aws sso login`) and retry."
        ) from None


def _organisation(session: boto3.Session, account_id: str) -> str:
    try:
        organisation = session.client("organizations", region_name="us-east-1").describe_organization()["Organization"]
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code == "AWSOrganizationsNotInUseException":
            return "none: a standalone account, so the report covers this account's costs only."
        if code == "AccessDeniedException":
            return (
                "unknown (organizations:DescribeOrganization is not allowed; not needed for the report). "
                "A member account sees only its own costs, and only if the management account allows it."
            )
        raise
    if organisation["MasterAccountId"] == account_id:
        return f"{organisation['Id']}, and this is its management account: the report covers every member account."
    return (
        f"{organisation['Id']}, as a member account: the report covers this account only, if the management "
        f"account ({organisation['MasterAccountId']}) gives member accounts Cost Explorer access."
    )


@contextlib.contextmanager
def _network_errors():
    """AWS out of reach, from any call the preview or the handler makes: one line that says what to check."""
    try:
        yield
    except (BotocoreConnectionError, HTTPClientError) as error:
        raise PreviewError(f"{_unreachable(error)}. {NETWORK_ADVICE}") from None


def _unreachable(error: Exception) -> str:
    endpoint = getattr(error, "kwargs", {}).get("endpoint_url") or "the AWS endpoint"
    if isinstance(error, ProxyConnectionError):
        return f"could not connect to the proxy {error.kwargs.get('proxy_url')} (on the way to AWS)"
    if isinstance(error, ConnectTimeoutError):
        return f"no connection to {endpoint} in time"
    if isinstance(error, SSLError):
        return f"the TLS handshake with {endpoint} failed (behind a TLS-inspecting proxy, set AWS_CA_BUNDLE to its CA)"
    if isinstance(error, EndpointConnectionError):
        return f"could not connect to {endpoint}"
    if isinstance(error, ReadTimeoutError):
        return f"{endpoint} accepted the connection but did not answer in time"
    if isinstance(error, ConnectionClosedError):
        return f"{endpoint} closed the connection without answering"
    return f"AWS could not be reached ({str(error).splitlines()[0] if str(error) else type(error).__name__})"


# -- running the functions' own code -------------------------------------------------------------------


def _fetch(fetch, report_day) -> dict:
    try:
        return fetch.lambda_handler(
            {"reportDate": report_day.isoformat()}, LocalLambdaContext(function_name="fetch_costs")
        )
    except fetch.CostExplorerAccessDenied as error:
        raise PreviewError(_access_denied_advice(str(error))) from None
    except fetch.CostDataNotReady:
        raise PreviewError(
            f"Cost Explorer has not processed {report_day} yet (it has no cost for it, while the "
            "day before has some): the email would wrongly say $0.00. Try again later, or --date "
            "with an earlier day."
        ) from None
    except fetch.CostDataUnavailable:
        raise PreviewError(
            f"Cost Explorer has no data for {report_day} yet. A day's data is usually complete "
            "within 24 hours; try --date with an earlier day."
        ) from None
    except fetch.CostExplorerUnreachable as error:
        raise PreviewError(f"{_unreachable(error.__cause__ or error)}. {NETWORK_ADVICE}") from None
    except fetch.CostExplorerThrottled:
        raise PreviewError("Cost Explorer is throttling requests from this account; wait a minute and retry.") from None
    except fetch.CostDataIncomplete as error:
        raise PreviewError(f"{error} (raise it here with --set COST_EXPLORER_MAX_REQUESTS=N)") from None
    except NoCredentialsError:
        raise PreviewError("no AWS credentials found; sign in with `aws sso login` or `aws configure`") from None
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code in ("ExpiredTokenException", "UnrecognizedClientException", "InvalidClientTokenId"):
            raise PreviewError(f"AWS refused these credentials ({code}); sign in again and retry.") from None
        raise


def _access_denied_advice(message: str) -> str:
    lowered = message.lower()
    if "not enabled for cost explorer" in lowered:
        return (
            "Cost Explorer has never been enabled for this account. Open the Billing and Cost Management "
            "console -> Cost Explorer and launch it once; data appears within about 24 hours."
        )
    if "linked account" in lowered:
        return (
            "this is a member (linked) account, and the organisation's management account has not given "
            "member accounts Cost Explorer access. Ask its owner to allow it (Cost Management preferences -> "
            "linked account access), or preview with the management account's credentials."
        )
    return (
        f"your credentials may not call Cost Explorer. Grant them {IAM_NEEDED} "
        f"(Cost Explorer has no resource-level permissions). AWS said: {message}"
    )


def _fresh_handler(function: str):
    """Import the handler anew so its Powertools logger and metrics read this environment, as at a Lambda
    cold start (its settings are read on first use: _lambda_environment clears them)."""
    sys.modules.pop(f"{function}.handler", None)
    return importlib.import_module(f"{function}.handler")


@contextlib.contextmanager
def _lambda_environment(settings: dict[str, str]):
    from fetch_costs.settings import settings as fetch_costs_settings

    # The handlers' structured logs and metrics are for CloudWatch; here they would drown the output.
    with (
        patched_environ(
            {
                **settings,
                "POWERTOOLS_LOG_LEVEL": "ERROR",
                "POWERTOOLS_METRICS_DISABLED": "true",
                "POWERTOOLS_TRACE_DISABLED": "true",
            }
        ),
        warnings.catch_warnings(),
    ):
        # Powertools warns when a handler raises before adding a metric: here that would print two lines of
        # its source under the preview's one-line error.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        # fetch_costs reads its settings on first use and keeps them: read these, and keep them from
        # whatever runs in this process after the preview.
        fetch_costs_settings.cache_clear()
        try:
            yield
        finally:
            fetch_costs_settings.cache_clear()


@contextlib.contextmanager
def _default_session(session: boto3.Session):
    """The handler creates its client with boto3.client(...), as in Lambda; here that must use the
    chosen profile."""
    saved = boto3.DEFAULT_SESSION
    boto3.DEFAULT_SESSION = session
    try:
        yield
    finally:
        boto3.DEFAULT_SESSION = saved
        fetch = sys.modules.get("fetch_costs.handler")
        if fetch is not None:
            fetch.cost_explorer.cache_clear()


def _headline(costs: dict) -> list[str]:
    """The headline figures, formatted as the email formats money."""
    from decimal import Decimal

    from render_email.money import Currency, exact_minor_units, format_money, round_half_up

    currency = Currency.of(costs["currency"])

    def money(amount: str) -> str:
        return format_money(round_half_up(exact_minor_units(Decimal(amount), currency)), currency)

    estimated = " (estimated)" if costs["estimated"] else ""
    lines = [f"Total {money(costs['total'])}{estimated}, {costs['metric']}"]
    if costs.get("dayBefore") is not None:
        lines.append(f"Day before {money(costs['dayBefore'])}")
    if costs.get("average"):
        lines.append(f"Average of the {costs['average']['days']} days before {money(costs['average']['total'])}")
    if costs.get("monthToDate"):
        lines.append(f"Month to date {money(costs['monthToDate']['total'])} ({costs['monthToDate']['days']} days)")
    forecast = costs.get("forecast") or {}
    lines.append(
        f"Month-end forecast {money(forecast['total'])}"
        if forecast.get("total") is not None
        else "Month-end forecast: not enough history yet"
    )
    if costs.get("alerts"):
        lines.append(f"Alerts: {', '.join(costs['alerts'])}")
    return lines


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="make preview ARGS=...",
        description=__doc__.split("\n\n")[0],
        epilog="Exit codes: 0 done (or declined), 2 bad option or refused charge, "
        "3 AWS said no or could not be reached (the message says what to do).",
    )
    parser.add_argument("--date", help="the report day, YYYY-MM-DD (default: yesterday, UTC)")
    parser.add_argument("--aws-profile", help="a named AWS profile (default: the usual credential chain)")
    parser.add_argument("--metric", help="COST_METRIC: UnblendedCost (default), AmortizedCost, NetUnblendedCost, ...")
    parser.add_argument("--top", type=int, help="TOP_SERVICES: services listed before 'Other' (default 10)")
    parser.add_argument("--budget", help="DAILY_BUDGET: a daily budget in the report's currency (default: none)")
    parser.add_argument("--settings", help="a file of NAME=VALUE lines: the fetch_costs settings to use")
    parser.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="one fetch_costs setting, e.g. --set ANOMALY_THRESHOLD=4 (repeatable)",
    )
    parser.add_argument("--yes", action="store_true", help="agree to the Cost Explorer charge without asking")
    parser.add_argument("--out", default="out/preview", help="where to write the email (default: out/preview)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
