"""The post_chat Lambda handler: one message posted to one channel's webhook, over real HTTP to a server on
127.0.0.1 (local/webhook_server.py), with the webhook URL in Secrets Manager (moto). Each answer a webhook
can give, and each way a post can fail, ends as the one error name the state machine's Retry expects; the
URL shows in no log record and no error."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import time
import tomllib
import traceback
from email.utils import formatdate
from pathlib import Path

import pytest
from botocore.stub import Stubber
from moto import mock_aws
from post_chat import handler, secret
from post_chat.errors import (
    ChatSecretNotSet,
    ChatSecretUnavailable,
    ChatSecretUnreadable,
    ChatWebhookFailed,
    ChatWebhookRejected,
    ChatWebhookThrottled,
    ChatWebhookUnanswered,
    ChatWebhookUnreachable,
    ConfigurationError,
    InvalidChatRequest,
)
from post_chat.settings import settings

from local.webhook_server import UNSCRIPTED, Reply, webhook_server
from tests.fixtures.loopback import aws_at, refused_endpoint

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
REGION = "us-east-1"
PREFIX = "cost-notifier/chat/"
# The path of a Slack incoming webhook's URL is its credential; the tests look for this token everywhere.
TOKEN = "xoxTOKEN0123456789abcdef"
PATH = f"/services/T0001/B0001/{TOKEN}"
MESSAGE = {"text": "AWS costs Fri 20 Nov: $1,283.55 (+3.5% vs 7-day avg)", "blocks": [{"type": "section"}]}
SLACK_ARCHIVED = "channel_is_archived"


@pytest.fixture(autouse=True)
def aws(monkeypatch):
    """Secrets Manager in moto, the function's settings at their defaults, nothing kept in memory. The
    function's client is the one the test uses too, and lives across tests (moto's hook is in every client
    made after moto is imported; each test's mock_aws starts from no secrets): making a client takes a
    tenth of a second."""
    for name in ("CHAT_TIMEOUT_SECONDS", "CHAT_SECRET_MAX_AGE_SECONDS", "AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("CHAT_SECRET_PREFIX", PREFIX)  # Terraform's local.chat_secret_prefix
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    forget()
    with mock_aws():
        yield secret._secretsmanager()
    forget()


def forget() -> None:
    settings.cache_clear()
    secret.CACHE.clear()


@pytest.fixture
def reads(aws):
    """How many times the function called GetSecretValue (a botocore hook on its client), by SecretId."""
    calls: list[str] = []
    event_name = "before-parameter-build.secrets-manager.GetSecretValue"
    hook = lambda params, **_: calls.append(params["SecretId"])  # unregistered below
    aws.meta.events.register(event_name, hook)
    yield calls
    aws.meta.events.unregister(event_name, hook)


def store(client, value: str | None, name: str = f"{PREFIX}finops-slack") -> str:
    """The channel's secret as Terraform creates it (no value), or with the webhook URL put in it; its name,
    which the function reads (CHAT_SECRET_PREFIX + the channel's name)."""
    if value is None:
        client.create_secret(Name=name)
    else:
        client.create_secret(Name=name, SecretString=value)
    return name


def event(secret_id: str, kind: str = "slack", name: str | None = None, message: dict | None = None) -> dict:
    """The state's event: the channel by name and type; the function finds its secret by the name."""
    name = name or secret_id.removeprefix(PREFIX)
    return {"channel": {"name": name, "type": kind}, "message": message or MESSAGE}


def post(arn: str, lambda_context, timeout_seconds: int = 60, **changes) -> dict:
    return handler.lambda_handler(event(arn, **changes), lambda_context("post_chat", timeout_seconds=timeout_seconds))


def refused(arn: str, lambda_context, error: type[Exception], timeout_seconds: int = 60, **changes) -> Exception:
    with pytest.raises(error) as raised:
        post(arn, lambda_context, timeout_seconds, **changes)
    assert TOKEN not in "".join(traceback.format_exception(raised.value))
    return raised.value


# --- Success -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "reply"),
    [
        ("slack", Reply(200, body="ok", headers={"Content-Type": "text/plain"})),
        ("teams", Reply(202)),  # a Teams Workflows webhook accepts, and posts later
        ("google_chat", Reply(200, body='{"name": "spaces/AAA/messages/BBB"}')),
        ("webhook", Reply(204)),
    ],
)
def test_a_2xx_posts_the_message_once_and_returns_the_status(aws, lambda_context, kind, reply):
    with webhook_server(reply) as server:
        arn = store(aws, server.url(PATH))
        result = post(arn, lambda_context, kind=kind)

    assert result == {"channel": "finops-slack", "type": kind, "httpStatus": reply.status}
    [received] = server.requests
    assert (received.method, received.path, received.json) == ("POST", PATH, MESSAGE)
    assert received.headers["content-type"] == "application/json; charset=utf-8"
    assert received.headers["user-agent"] == f"aws-cost-notifier/{VERSION} (post_chat)"


def test_the_message_is_posted_as_utf8_json_as_it_came(aws, lambda_context):
    message = {"text": "Coûts AWS: 1 283,55 € ⚠", "blocks": [{"type": "divider"}], "n": 1.5}
    with webhook_server(Reply(200, body="ok")) as server:
        post(store(aws, server.url(PATH)), lambda_context, message=message)
    [received] = server.requests
    assert received.json == message
    assert "€".encode() in received.body


def test_blanks_around_the_secrets_value_are_dropped(aws, lambda_context):
    with webhook_server(Reply(200, body="ok")) as server:
        assert post(store(aws, f"  {server.url(PATH)}\n"), lambda_context)["httpStatus"] == 200
    assert [r.path for r in server.requests] == [PATH]


def test_a_post_is_counted_by_channel_type_and_logged_without_the_url(aws, lambda_context, capsys, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, botocore's included
    with webhook_server(Reply(200, body="ok")) as server:
        arn = store(aws, server.url(PATH))
        caplog.clear()  # the test's own CreateSecret request, which botocore logs with the value
        post(arn, lambda_context, kind="teams")

    [emf] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["ChannelType", "service"]]
    assert (emf["ChatPosts"], emf["ChannelType"], emf["channel"]) == ([1.0], "teams", "finops-slack")
    [posted] = [json.loads(line) for line in logged(caplog) if "Posted the chat message" in line]
    assert (posted["channel"], posted["channelType"], posted["secret"], posted["httpStatus"]) == (
        "finops-slack",
        "teams",
        arn,
        200,
    )
    assert TOKEN not in "".join(logged(caplog))


def logged(caplog) -> list[str]:
    """Every record as it would be written: the function's own as Powertools' JSON lines (with the keys
    the handler appended), the others (botocore, urllib3, moto) as text with all their attributes."""
    formatter = handler.logger.registered_formatter
    return [
        formatter.format(record)
        if record.name.startswith("cost-notifier")
        else f"{record.getMessage()} {record.__dict__!r}"
        for record in caplog.records
    ]


# --- Throttled -----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_429_with_retry_after_1_is_waited_for_and_posted_again(aws, lambda_context):
    with webhook_server(Reply(429, headers={"Retry-After": "1"}), Reply(200, body="ok")) as server:
        assert post(store(aws, server.url(PATH)), lambda_context)["httpStatus"] == 200
    first, second = server.requests
    assert second.at - first.at >= 1.0
    assert first.json == second.json == MESSAGE


@pytest.mark.slow
def test_a_429_with_an_http_date_retry_after_is_waited_for_until_that_date(aws, lambda_context):
    # GIVEN a Retry-After as an HTTP-date (whole seconds) at least 2 s ahead when the webhook is first posted to
    with webhook_server() as server:
        arn = store(aws, server.url(PATH))
        date = int(time.time()) + 3
        server.script(Reply(429, headers={"Retry-After": formatdate(date, usegmt=True)}), Reply(200))
        assert post(arn, lambda_context)["httpStatus"] == 200
    first, second = server.requests
    assert second.wall >= date  # not before the date it was given
    assert 1.0 <= second.at - first.at < 3.0


def test_an_http_date_retry_after_beyond_the_invocation_is_throttled(aws, lambda_context):
    later = formatdate(time.time() + 3600, usegmt=True)
    with webhook_server(Reply(429, headers={"Retry-After": later})) as server:
        error = refused(store(aws, server.url(PATH)), lambda_context, ChatWebhookThrottled)
    assert len(server.requests) == 1
    assert f"Retry-After: {later}" in str(error)


def test_a_retry_after_longer_than_the_invocation_has_left_is_throttled_after_one_post(aws, lambda_context):
    with webhook_server(Reply(429, body="rate_limited", headers={"Retry-After": "120"})) as server:
        error = refused(store(aws, server.url(PATH)), lambda_context, ChatWebhookThrottled, timeout_seconds=60)
    assert len(server.requests) == 1
    message = str(error)
    assert message.startswith("channel finops-slack: the webhook is throttling (HTTP 429 Too Many Requests")
    assert "'rate_limited'" in message and "it asked to wait 120 s (Retry-After: 120)" in message


def test_a_wait_fits_only_with_a_full_timeout_and_the_margin_after_it(aws, lambda_context, monkeypatch):
    # 4 s wait + CHAT_TIMEOUT_SECONDS 10 + the 1 s margin = 15 s: more than a 15 s invocation has left once started
    monkeypatch.setenv("CHAT_TIMEOUT_SECONDS", "10")
    with webhook_server(Reply(429, headers={"Retry-After": "4"})) as server:
        refused(store(aws, server.url(PATH)), lambda_context, ChatWebhookThrottled, timeout_seconds=15)
    assert len(server.requests) == 1


def test_a_429_without_retry_after_is_throttled_at_once(aws, lambda_context):
    with webhook_server(Reply(429, body="rate_limited")) as server:
        error = refused(store(aws, server.url(PATH)), lambda_context, ChatWebhookThrottled)
    assert len(server.requests) == 1
    assert "it gave no Retry-After this function can read" in str(error)


def test_after_three_waits_a_fourth_429_is_left_to_the_state_machine(aws, lambda_context):
    with webhook_server(*[Reply(429, headers={"Retry-After": "0"})] * 5) as server:
        error = refused(store(aws, server.url(PATH)), lambda_context, ChatWebhookThrottled)
    assert len(server.requests) == 4  # the post and three more, one after each wait
    assert "it asked again after the 3 waits this invocation makes" in str(error)


def test_a_503_with_retry_after_is_waited_for_like_a_429(aws, lambda_context):
    with webhook_server(Reply(503, headers={"Retry-After": "0"}), Reply(200, body="ok")) as server:
        assert post(store(aws, server.url(PATH)), lambda_context)["httpStatus"] == 200
    assert len(server.requests) == 2


# --- Failed, rejected ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 408])
def test_a_5xx_or_408_failed_and_is_left_to_the_state_machine(aws, lambda_context, status):
    with webhook_server(Reply(status, body="upstream error")) as server:
        error = refused(store(aws, server.url(PATH)), lambda_context, ChatWebhookFailed)
    assert len(server.requests) == 1
    assert f"HTTP {status}" in str(error) and "it did not take the message" in str(error)


def test_a_504_may_have_posted_and_is_unanswered(aws, lambda_context):
    with webhook_server(Reply(504)) as server:
        error = refused(store(aws, server.url(PATH)), lambda_context, ChatWebhookUnanswered)
    assert len(server.requests) == 1
    assert "may have posted the message. Check the channel before redriving" in str(error)


@pytest.mark.parametrize(("status", "body"), [(410, SLACK_ARCHIVED), (404, "no_service"), (403, "invalid_token")])
def test_a_revoked_webhook_is_rejected_with_slacks_reason_and_not_the_url(aws, lambda_context, status, body):
    with webhook_server(Reply(status, body=body)) as server:
        arn = store(aws, server.url(PATH))
        error = refused(arn, lambda_context, ChatWebhookRejected)
    assert len(server.requests) == 1
    message = str(error)
    assert message.startswith(f"channel finops-slack: the webhook refused the message (HTTP {status} ")
    assert f"answering {body!r}" in message
    assert f"aws secretsmanager put-secret-value --secret-id {arn} --secret-string '<webhook URL>'" in message
    assert TOKEN not in message and str(server.port) not in message


def test_an_answer_that_echoes_the_url_is_quoted_without_it(aws, lambda_context):
    with webhook_server(Reply(404, body=f"<h1>Not Found</h1><p>{PATH} was not found on this server</p>")) as server:
        error = refused(store(aws, server.url(PATH)), lambda_context, ChatWebhookRejected)
    assert "<webhook URL> was not found on this server" in str(error)


def test_a_400_says_the_message_is_not_one_the_webhook_takes(aws, lambda_context):
    with webhook_server(Reply(400, body="invalid_payload")) as server:
        error = refused(store(aws, server.url(PATH)), lambda_context, ChatWebhookRejected, kind="slack")
    assert "'invalid_payload'" in str(error) and "check the message rendered for a slack channel" in str(error)


def test_a_long_answer_is_quoted_to_its_first_200_characters(aws, lambda_context):
    with webhook_server(Reply(400, body="x" * 5000)) as server:
        error = refused(store(aws, server.url(PATH)), lambda_context, ChatWebhookRejected)
    assert f"'{'x' * 200}'" in str(error) and "x" * 201 not in str(error)


def test_a_redirect_is_not_followed_and_is_rejected(aws, lambda_context):
    with webhook_server(Reply(302, headers={"Location": "/elsewhere"})) as server:
        error = refused(store(aws, server.url(PATH)), lambda_context, ChatWebhookRejected)
    assert [r.path for r in server.requests] == [PATH]
    assert "A webhook never redirects" in str(error)


# --- A rotated webhook URL -----------------------------------------------------------------------------------


def test_a_403_to_a_kept_url_reads_the_secret_again_and_posts_once_to_the_new_url(aws, lambda_context, reads):
    # GIVEN a first post kept the URL in memory, and the user then replaced the webhook and stored its new URL
    with webhook_server(Reply(200, body="ok"), Reply(403, body="invalid_token"), Reply(200, body="ok")) as server:
        arn = store(aws, server.url("/old"))
        post(arn, lambda_context)
        aws.put_secret_value(SecretId=arn, SecretString=server.url("/new"))
        # WHEN the next post meets the old webhook's 403
        result = post(arn, lambda_context)
    # THEN the secret is read again and the message is posted to the new URL, once
    assert result["httpStatus"] == 200
    assert [r.path for r in server.requests] == ["/old", "/old", "/new"]
    assert len(reads) == 2


def test_a_403_to_a_kept_url_the_secret_still_holds_is_rejected(aws, lambda_context, reads):
    with webhook_server(Reply(200, body="ok"), Reply(403, body="invalid_token")) as server:
        arn = store(aws, server.url(PATH))
        post(arn, lambda_context)
        error = refused(arn, lambda_context, ChatWebhookRejected)
    assert len(server.requests) == 2 and len(reads) == 2
    assert "the secret was read again: it holds this URL" in str(error)


def test_a_403_to_a_url_just_read_is_rejected_without_reading_again(aws, lambda_context, reads):
    with webhook_server(Reply(403, body="invalid_token")) as server:
        refused(store(aws, server.url(PATH)), lambda_context, ChatWebhookRejected)
    assert len(server.requests) == 1 and len(reads) == 1


# --- No connection, no answer ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_webhook_slower_than_the_timeout_is_unanswered_and_did_receive_the_post(aws, lambda_context, monkeypatch):
    monkeypatch.setenv("CHAT_TIMEOUT_SECONDS", "1")
    with webhook_server(Reply(200, body="ok", delay=5)) as server:
        started = time.monotonic()
        error = refused(store(aws, server.url(PATH)), lambda_context, ChatWebhookUnanswered)
        took = time.monotonic() - started
        [received] = server.requests  # the webhook has the message: it may post it
    assert received.json == MESSAGE
    assert 1.0 <= took < 3.0
    assert str(error) == (
        "channel finops-slack: the message was sent to 127.0.0.1 and no answer came within 1 s (timed out): "
        "it may have been posted. Check the channel before redriving"
    )


def test_a_connection_dropped_after_the_post_is_unanswered(aws, lambda_context):
    with webhook_server(Reply(drop=True)) as server:
        error = refused(store(aws, server.url(PATH)), lambda_context, ChatWebhookUnanswered)
    assert len(server.requests) == 1
    assert "and the connection ended before an answer (RemoteDisconnected: " in str(error)
    assert "it may have been posted" in str(error)


def test_a_refused_connection_is_unreachable_and_posted_nothing(aws, lambda_context):
    with refused_endpoint() as url:
        error = refused(store(aws, url + PATH), lambda_context, ChatWebhookUnreachable)
    assert str(error).startswith("channel finops-slack: could not connect to the webhook's host 127.0.0.1 (")
    assert "ConnectionRefusedError" in str(error) and str(error).endswith("nothing was posted")


def test_a_host_whose_name_does_not_resolve_is_unreachable(aws, lambda_context, monkeypatch):
    def no_such_host(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    error = refused(store(aws, f"https://hooks.example.invalid{PATH}"), lambda_context, ChatWebhookUnreachable)
    assert "hooks.example.invalid (gaierror: " in str(error)


def test_a_failed_tls_handshake_is_unreachable_and_posted_nothing(aws, lambda_context):
    # GIVEN an https URL to a server that speaks plain HTTP: the handshake fails before any request is sent
    with webhook_server(Reply(200)) as server:
        url = server.url(PATH).replace("http://", "https://")
        error = refused(store(aws, url), lambda_context, ChatWebhookUnreachable)
    assert server.requests == []
    assert "SSL" in str(error)


# --- The secret --------------------------------------------------------------------------------------------------


def test_a_secret_without_a_value_says_how_to_set_it(aws, lambda_context):
    with webhook_server() as server:
        arn = store(aws, None)  # as Terraform creates it
        error = refused(arn, lambda_context, ChatSecretNotSet)
    assert server.requests == []
    message = str(error)
    assert message.startswith(f"channel finops-slack: the secret {arn} holds no webhook URL: it does not exist")
    assert "can't find the specified secret value for staging label: AWSCURRENT" in message
    assert f"aws secretsmanager put-secret-value --secret-id {arn} --secret-string '<webhook URL>'" in message


def test_a_secret_that_does_not_exist_is_not_set(aws, lambda_context):
    arn = f"{PREFIX}gone"  # never created
    assert "put-secret-value" in str(refused(arn, lambda_context, ChatSecretNotSet))


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (f"http://hooks.example.com{PATH}", "is an http URL: a webhook URL must be https"),
        (f"ftp://hooks.example.com{PATH}", "is not an https URL"),
        (f"hooks.slack.com{PATH}", "is not an https URL"),
        (json.dumps({"url": f"https://hooks.slack.com{PATH}"}), "is JSON: store the webhook URL alone"),
        (f"https://hooks.slack.com{PATH} https://hooks.slack.com{PATH}", "contains spaces or control characters"),
        (f"https://user:{TOKEN}@hooks.example.com/hook", "has a user name or password in it"),
    ],
)
def test_a_value_that_is_not_an_allowed_url_is_not_set_and_not_shown(aws, lambda_context, value, why):
    error = refused(store(aws, value), lambda_context, ChatSecretNotSet)
    assert f"its value {why}" in str(error) and "put-secret-value" in str(error)
    assert "hooks." not in str(error)


def test_a_binary_secret_is_not_set(aws, lambda_context):
    arn = aws.create_secret(Name=f"{PREFIX}binary", SecretBinary=f"https://hooks.slack.com{PATH}".encode())["Name"]
    assert "its value is binary (SecretBinary)" in str(refused(arn, lambda_context, ChatSecretNotSet))


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("ThrottlingException", 400, ChatSecretUnavailable),
        ("InternalServiceError", 500, ChatSecretUnavailable),
        ("AccessDeniedException", 400, ChatSecretUnreadable),
        ("DecryptionFailure", 400, ChatSecretUnreadable),
        ("InvalidRequestException", 400, ChatSecretUnreadable),
    ],
)
def test_secrets_manager_refusals_are_named_for_whether_a_retry_helps(aws, lambda_context, code, status, error):
    arn = store(aws, f"https://hooks.slack.com{PATH}")
    with Stubber(secret._secretsmanager()) as stubber:
        stubber.add_client_error("get_secret_value", code, "refused", http_status_code=status)
        raised = refused(arn, lambda_context, error)
    assert f"({code}: refused)" in str(raised) and arn in str(raised)


def test_an_unreachable_secrets_manager_is_unavailable(aws, lambda_context, monkeypatch, request):
    arn = store(aws, f"https://hooks.slack.com{PATH}")
    request.addfinalizer(secret._secretsmanager.cache_clear)  # the next test's client talks to moto again
    with refused_endpoint() as url:
        aws_at(monkeypatch, url)
        secret._secretsmanager.cache_clear()
        error = refused(arn, lambda_context, ChatSecretUnavailable)
    assert "Secrets Manager could not be reached" in str(error) and "EndpointConnectionError" in str(error)


def test_two_posts_within_the_max_age_read_the_secret_once(aws, lambda_context, reads):
    with webhook_server(Reply(200), Reply(200)) as server:
        arn = store(aws, server.url(PATH))
        post(arn, lambda_context)
        post(arn, lambda_context)
    assert len(server.requests) == 2 and reads == [arn]


def test_with_max_age_0_every_post_reads_the_secret(aws, lambda_context, reads, monkeypatch):
    monkeypatch.setenv("CHAT_SECRET_MAX_AGE_SECONDS", "0")
    with webhook_server(Reply(200), Reply(200)) as server:
        arn = store(aws, server.url(PATH))
        post(arn, lambda_context)
        post(arn, lambda_context)
    assert len(server.requests) == 2 and reads == [arn, arn]


def test_a_url_older_than_the_max_age_is_read_again(aws, lambda_context, reads, monkeypatch):
    monkeypatch.setenv("CHAT_SECRET_MAX_AGE_SECONDS", "300")
    now = [1000.0]
    monkeypatch.setattr(secret.CACHE, "_clock", lambda: now[0])
    with webhook_server(Reply(200), Reply(200), Reply(200)) as server:
        arn = store(aws, server.url(PATH))
        post(arn, lambda_context)
        now[0] += 299.9
        post(arn, lambda_context)
        now[0] += 0.2  # 300.1 s after the read
        post(arn, lambda_context)
    assert len(reads) == 2


def test_each_secret_is_kept_apart(aws, lambda_context, reads):
    with webhook_server(Reply(200), Reply(200)) as server:
        slack = store(aws, server.url("/slack"), name="cost-notifier/chat/finops-slack")
        teams = store(aws, server.url("/teams"), name="cost-notifier/chat/finops-teams")
        post(slack, lambda_context)
        post(teams, lambda_context, kind="teams", name="finops-teams")
    assert [r.path for r in server.requests] == ["/slack", "/teams"] and reads == [slack, teams]


# --- What is logged, counted and traced --------------------------------------------------------------------


def test_the_url_shows_in_no_log_record_and_no_error(aws, lambda_context, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)  # every logger at DEBUG, botocore's included
    monkeypatch.setenv("CHAT_SECRET_MAX_AGE_SECONDS", "0")  # each post reads the secret
    errors = []
    with webhook_server(
        Reply(200, body="ok"), Reply(429), Reply(410, body=f"{PATH} {SLACK_ARCHIVED}"), Reply(drop=True)
    ) as server:
        arn = store(aws, server.url(PATH))
        caplog.clear()  # the test's own CreateSecret request, which botocore logs with the value
        post(arn, lambda_context)
        for expected in (ChatWebhookThrottled, ChatWebhookRejected, ChatWebhookUnanswered):
            errors.append(refused(arn, lambda_context, expected))
    assert len(server.requests) == 4
    lines = logged(caplog)
    assert sum("The webhook answered" in line for line in lines) == 3
    assert sum("The chat message was not posted" in line for line in lines) == 3
    assert sum("secretsmanager.GetSecretValue" in line for line in lines) >= 4  # botocore's DEBUG lines are there
    everything = "".join(lines) + "".join("".join(traceback.format_exception(e)) for e in errors)
    assert TOKEN not in everything and "/services/" not in everything


def test_a_failure_is_counted_by_error_name(aws, lambda_context, capfd):
    with webhook_server(Reply(500)) as server:
        refused(store(aws, server.url(PATH)), lambda_context, ChatWebhookFailed)
    [emf] = [json.loads(line) for line in capfd.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Error", "service"]]
    assert (emf["ChatPostFailures"], emf["Error"], emf["channelType"]) == ([1.0], "ChatWebhookFailed", "slack")


def test_only_botocore_is_traced_so_x_ray_never_records_the_webhook_url():
    # X-Ray's http.client patch would put each request's URL (its path, the credential) in the trace.
    # In Lambda (LAMBDA_TASK_ROOT set) Powertools' Tracer is on and patches the modules it is given:
    # botocore (Secrets Manager) is traced, http.client is not.
    script = (
        "import http.client, botocore.client, post_chat.handler\n"
        "print(getattr(http.client, '__xray_patched', False), hasattr(botocore.client.BaseClient._make_api_call,"
        " '__wrapped__'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            "PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}",
            "LAMBDA_TASK_ROOT": str(ROOT / "functions"),  # what Powertools takes for "in Lambda"
            "AWS_LAMBDA_FUNCTION_NAME": "post_chat",
            "PATH": "/usr/bin",
        },
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


# --- The event and the settings ------------------------------------------------------------------------------

CHANNEL = {"name": "finops-slack", "type": "slack"}


@pytest.mark.parametrize(
    ("bad", "said"),
    [
        ([], 'expected {"channel": {"name", "type"}, "message": {...}}, got []'),
        ({"message": MESSAGE}, "channel is missing: expected a JSON object"),
        ({"channel": CHANNEL}, "message is missing: expected a JSON object"),
        ({"channel": CHANNEL, "message": "hello"}, "message: expected a JSON object, got 'hello'"),
        (
            {"channel": {**CHANNEL, "name": "FinOps"}, "message": MESSAGE},
            "channel.name: 'FinOps' is not allowed: use 1",
        ),
        ({"channel": {**CHANNEL, "name": "-slack"}, "message": MESSAGE}, "channel.name: '-slack' is not allowed"),
        ({"channel": {**CHANNEL, "name": "a" * 41}, "message": MESSAGE}, "is not allowed: use 1 to 40 of lower-case"),
        ({"channel": {**CHANNEL, "name": 7}, "message": MESSAGE}, "channel.name: expected a string, got 7"),
        (
            {"channel": {**CHANNEL, "type": "discord"}, "message": MESSAGE},
            "channel.type: 'discord' is not allowed: use one of slack, teams, google_chat, webhook",
        ),
        (
            {"channel": {**CHANNEL, "name": f"https://hooks.slack.com{PATH}"}, "message": MESSAGE},
            "channel.name: a value with a URL in it (not shown) is not allowed",
        ),
    ],
)
def test_a_malformed_event_is_refused_naming_the_field_and_posts_nothing(lambda_context, reads, bad, said):
    with pytest.raises(InvalidChatRequest) as raised:
        handler.lambda_handler(bad, lambda_context("post_chat"))
    assert said in str(raised.value)
    assert TOKEN not in str(raised.value)
    assert reads == []


def test_a_channel_field_this_version_does_not_know_is_ignored(aws, lambda_context):
    with webhook_server(Reply(200)) as server:
        arn = store(aws, server.url(PATH))
        changed = event(arn)
        changed["channel"]["mentions"] = ["@here"]
        changed["executionName"] = "run-1"
        assert handler.lambda_handler(changed, lambda_context("post_chat"))["httpStatus"] == 200


def test_a_bad_setting_fails_the_invocation_naming_the_variable_before_reading_the_secret(
    aws, lambda_context, reads, monkeypatch
):
    monkeypatch.setenv("CHAT_TIMEOUT_SECONDS", "60")
    with webhook_server() as server:
        with pytest.raises(ConfigurationError, match=r"^CHAT_TIMEOUT_SECONDS='60' is not allowed: use a whole number"):
            post(store(aws, server.url(PATH)), lambda_context)
    assert server.requests == [] and reads == []


def test_the_unscripted_reply_of_the_test_server_is_a_500():
    # The helper's own contract: a post the script did not expect is answered, recorded and visible.
    import urllib.request

    with webhook_server() as server:
        request = urllib.request.Request(server.url(), data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as answered:
            urllib.request.urlopen(request, timeout=5)
    assert answered.value.code == UNSCRIPTED and len(server.requests) == 1


def test_without_the_secret_prefix_the_invocation_fails_naming_the_variable(aws, lambda_context, reads, monkeypatch):
    monkeypatch.delenv("CHAT_SECRET_PREFIX")
    with pytest.raises(ConfigurationError, match="^CHAT_SECRET_PREFIX is not set"):
        post(store(aws, "https://hooks.slack.com/x"), lambda_context)
    assert reads == []
