"""post_chat's pure parts: which secret values are webhook URLs (https; http only to this machine), that
a WebhookUrl never shows its path, and how long a Retry-After asks to wait (RFC 9110's three date forms
and delay-seconds)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from post_chat.webhook import NotAWebhookUrl, parse_webhook_url, retry_after_seconds

NOW = datetime(2026, 11, 20, 8, 0, 0, tzinfo=UTC)
# Real shapes (made-up credentials) of each kind of webhook's URL.
SLACK = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
TEAMS = (
    "https://prod-00.westeurope.logic.azure.com:443/workflows/0123/triggers/manual/paths/invoke"
    "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SIGNATURE"
)
GOOGLE_CHAT = "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=KEY&token=TOKEN"


@pytest.mark.parametrize(
    ("value", "host", "port", "target"),
    [
        (SLACK, "hooks.slack.com", None, "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
        (TEAMS, "prod-00.westeurope.logic.azure.com", 443, TEAMS.split(":443", 1)[1]),
        (GOOGLE_CHAT, "chat.googleapis.com", None, "/v1/spaces/AAAA/messages?key=KEY&token=TOKEN"),
        ("HTTPS://Hooks.Example.com", "hooks.example.com", None, "/"),
        ("https://hooks.example.com/hook#fragment", "hooks.example.com", None, "/hook"),
        # http, for testing the function against a server on this machine
        ("http://127.0.0.1:8080/hook", "127.0.0.1", 8080, "/hook"),
        ("http://[::1]:8080/hook", "::1", 8080, "/hook"),
        ("http://localhost/hook?x=1", "localhost", None, "/hook?x=1"),
    ],
)
def test_an_https_url_or_an_http_url_to_this_machine_is_a_webhook_url(value, host, port, target):
    url = parse_webhook_url(value)
    assert (url.host, url.port, url.target, url.value) == (host, port, target, value)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("", "is empty"),
        ("http://hooks.slack.com/services/T0/B0/X", "is an http URL: a webhook URL must be https"),
        ("http://127.0.0.2/hook", "is an http URL"),
        ("http://localhost.example.com/hook", "is an http URL"),
        ("http://0.0.0.0/hook", "is an http URL"),
        ("ftp://hooks.example.com/hook", "is not an https URL"),
        ("hooks.slack.com/services/T0/B0/X", "is not an https URL"),
        ("T0/B0/X", "is not an https URL"),
        ("https:///services/T0/B0/X", "is not an https URL"),
        ("https://hooks.example.com:99999/hook", "is not a well-formed URL"),
        ("https://[::1/hook", "is not a well-formed URL"),
        ('{"url": "https://hooks.slack.com/services/T0/B0/X"}', "is JSON"),
        ("https://hooks.slack.com/services/T0/B0/X\nhttps://x", "contains spaces or control characters"),
        ("https://hooks.slack.com/a b", "contains spaces or control characters"),
        ("https://user:pass@hooks.example.com/hook", "has a user name or password"),
        ("https://hooks.example.com/café", "contains characters outside ASCII"),
    ],
)
def test_any_other_value_is_refused_saying_why_without_quoting_it(value, why):
    with pytest.raises(NotAWebhookUrl) as refused:
        parse_webhook_url(value)
    assert str(refused.value).startswith(why)
    assert "hooks" not in str(refused.value) and "T0" not in str(refused.value)


def test_a_webhook_url_shows_neither_its_path_nor_its_query():
    url = parse_webhook_url(TEAMS)
    assert "sig=" not in repr(url) and "workflows" not in repr(url) and url.host in repr(url)
    echoed = f"404 for {TEAMS} ({url.target}; path {url.target.split('?')[0]})"
    assert url.redact(echoed) == "404 for <webhook URL> (<webhook URL>; path <webhook URL>)"
    assert parse_webhook_url("https://hooks.example.com").redact("GET / failed") == "GET / failed"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("0", 0.0),
        ("1", 1.0),
        (" 120 ", 120.0),
        ("Fri, 20 Nov 2026 08:00:30 GMT", 30.0),  # IMF-fixdate
        ("Friday, 20-Nov-26 08:01:00 GMT", 60.0),  # RFC 850, obsolete
        ("Fri Nov 20 08:00:05 2026", 5.0),  # asctime, obsolete, no zone: GMT
        ("Fri, 20 Nov 2026 07:59:00 GMT", 0.0),  # already past
        ("-1", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
    ],
)
def test_retry_after_is_delay_seconds_or_an_http_date(header, seconds):
    assert retry_after_seconds(header, NOW) == seconds
