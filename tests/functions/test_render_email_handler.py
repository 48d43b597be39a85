"""The render_email Lambda handler: the report model in, the email out, malformed or unreconciled events
refused with InvalidRenderRequest naming the field."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest
from fetch_costs.history import parse_history
from fetch_costs.query import report_window
from fetch_costs.settings import ReportSettings
from fetch_costs.summarise import summarise
from render_email.handler import lambda_handler
from render_email.request import InvalidRenderRequest
from report_contract.limits import STATE_PAYLOAD_BYTES

from tests.fixtures.cost_explorer_answers import answer

DAY = date(2026, 11, 20)


def rows(day: date) -> list:
    return [
        ("Amazon Elastic Compute Cloud - Compute", "Usage", "812.3456789"),
        ("Amazon Relational Database Service", "Usage", "422.0001112"),
        ("Tax", "Tax", "0.0012"),
        ("AWS Lambda", "Credit", "-1.20"),
        ("Amazon CloudWatch", "Usage", "50.4" if day == DAY else "7.2"),
    ]


def event() -> dict:
    """The event the state machine passes: the report day and FetchCosts' result, as JSON."""
    start, end = report_window(DAY)
    history = parse_history(start, end, "UnblendedCost", answer(start, end, rows, estimated_from=date(2026, 11, 1)))
    costs = json.loads(json.dumps(summarise(history, DAY, ReportSettings()).to_state()))
    return {"reportDate": DAY.isoformat(), "costs": costs}


def test_happy_path_returns_subject_html_and_text(lambda_context, capsys) -> None:
    result = lambda_handler(event(), lambda_context("render_email"))

    assert set(result) == {"subject", "html", "text", "chat"}
    assert result["chat"] == []  # the report has no chat channels
    assert result["subject"] == "⚠ Anomaly · AWS costs Fri 20 Nov: $1,283.55 (+3.5% vs 7-day avg)"
    assert "$812.35" in result["html"] and "$812.35" in result["text"]
    assert "-$1.20" in result["html"] and "-$1.20" in result["text"]
    assert len(json.dumps(result).encode("utf-8")) < STATE_PAYLOAD_BYTES
    emitted = capsys.readouterr().out
    assert '"EmailHtmlBytes"' in emitted and '"CostNotifier"' in emitted


def test_a_day_with_no_spend_renders(lambda_context) -> None:
    start, end = report_window(DAY)
    history = parse_history(start, end, "UnblendedCost", answer(start, end, lambda day: []))
    costs = json.loads(json.dumps(summarise(history, DAY, ReportSettings()).to_state()))
    result = lambda_handler({"reportDate": DAY.isoformat(), "costs": costs}, lambda_context("render_email"))
    assert result["subject"] == "AWS costs Fri 20 Nov: $0.00 (no spend)"
    assert "No AWS spend" in result["text"]


def test_unknown_extra_fields_are_ignored(lambda_context) -> None:
    day = event()
    day["executionName"] = "2026-11-20"
    day["costs"]["somethingLater"] = {"next": "issue"}
    assert "AWS costs" in lambda_handler(day, lambda_context("render_email"))["subject"]


def _set(path: str, value):
    """A change to the event: set the value at a dotted path (`costs.services.top.0.amount`)."""

    def change(data: dict) -> None:
        *parents, last = path.split(".")
        for key in parents:
            data = data[int(key)] if isinstance(data, list) else data[key]
        if isinstance(data, list):
            data[int(last)] = value
        else:
            data[last] = value

    return change


def _delete(path: str):
    def change(data: dict) -> None:
        *parents, last = path.split(".")
        for key in parents:
            data = data[int(key)] if isinstance(data, list) else data[key]
        del data[last]

    return change


INVALID = [
    ("costs missing", _delete("costs"), "costs is missing"),
    ("costs not an object", _set("costs", "nope"), "costs: expected an object"),
    ("reportDate missing", _delete("reportDate"), "reportDate is missing"),
    (
        "reportDate not a calendar date",
        _set("reportDate", "2026-02-30"),
        "reportDate: '2026-02-30' is not a calendar date",
    ),
    ("costs.reportDate another day", _set("costs.reportDate", "2026-11-19"), "is not the report day 2026-11-19"),
    (
        "costs for another day",
        lambda e: e.update(reportDate="2026-11-19"),
        "costs.reportDate: 2026-11-20 is not the day being reported",
    ),
    (
        "amount not a decimal",
        _set("costs.services.top.0.amount", "12,34"),
        "costs.services.top[0].amount: '12,34' is not a decimal string",
    ),
    (
        "amount a float",
        _set("costs.services.top.0.amount", 812.3456789),
        "costs.services.top[0].amount: expected a decimal string",
    ),
    ("amount NaN", _set("costs.breakdown.credits", "NaN"), "costs.breakdown.credits: 'NaN' is not a decimal string"),
    ("amount too precise", _set("costs.breakdown.tax", "1e-40"), "costs.breakdown.tax: '1e-40' is out of range"),
    ("amount missing", _delete("costs.services.top.1.amount"), "costs.services.top[1].amount is missing"),
    (
        "service name not a string",
        _set("costs.services.top.0.name", None),
        "costs.services.top[0].name: expected a string",
    ),
    ("service not an object", _set("costs.services.top.1", "Tax"), "costs.services.top[1]: expected an object"),
    ("services not a list", _set("costs.services.top", {"Tax": "1"}), "costs.services.top: expected a list"),
    (
        "trend too short",
        _set("costs.services.top.0.trend", ["1"] * 13),
        "costs.services.top[0].trend: expected 14 days, got 13",
    ),
    (
        "unknown flag",
        _set("costs.services.top.0.flags", ["hot"]),
        "costs.services.top[0].flags[0]: 'hot' is not one of new, anomaly",
    ),
    (
        "unknown alert",
        _set("costs.alerts", ["panic"]),
        "costs.alerts[0]: 'panic' is not one of anomaly, overBudget, overMonthlyBudget, newService",
    ),
    (
        "too many anomalies",
        _set("costs.anomalies.services", [{"name": "x", "amount": "1", "baseline": "0", "threshold": "0"}] * 6),
        "costs.anomalies.services: 6 items, at most 5 allowed",
    ),
    ("total not a decimal", _set("costs.total", "lots"), "costs.total: 'lots' is not a decimal string"),
    (
        "total not the sum",
        _set("costs.total", "1234.5678901"),
        "costs.total: 1234.5678901 does not equal charges + credits",
    ),
    ("services not the charges", _set("costs.services.top.0.amount", "812.35"), "the services add up to"),
    (
        "currency lowercase",
        _set("costs.currency", "usd"),
        "costs.currency: 'usd' is not an ISO 4217 code (3 uppercase letters",
    ),
    ("currency a symbol", _set("costs.currency", "$"), "costs.currency: '$' is not an ISO 4217 code"),
    ("currency missing", _delete("costs.currency"), "costs.currency is missing"),
    ("estimated not a boolean", _set("costs.estimated", "yes"), "costs.estimated: expected true or false"),
    (
        "metric not a cost metric",
        _set("costs.metric", "UsageQuantity"),
        "costs.metric: 'UsageQuantity' is not one of UnblendedCost",
    ),
    ("forecast missing", _delete("costs.forecast"), "costs.forecast is missing"),
    (
        "requests negative",
        _set("costs.costExplorerRequests", -1),
        "costs.costExplorerRequests: expected a whole number from 0",
    ),
    (
        "other record type not in the total",
        _set("costs.breakdown.other", [{"recordType": "New", "amount": "1"}]),
        "does not equal charges + credits + refunds + discounts + tax + other",
    ),
    (
        "other record types not a list",
        _set("costs.breakdown.other", {"New": "0"}),
        "costs.breakdown.other: expected a list of record types and amounts",
    ),
    (
        "too many other record types",
        _set("costs.breakdown.other", [{"recordType": f"T{i}", "amount": "0"} for i in range(6)]),
        "costs.breakdown.other: 6 items, at most 5 allowed",
    ),
    (
        "other record type unnamed",
        _set("costs.breakdown.other", [{"recordType": None, "amount": "0"}]),
        "costs.breakdown.other[0].recordType: expected a string",
    ),
    (
        "alerts not what the figures say",
        _set("costs.alerts", ["anomaly", "overBudget", "newService"]),
        "costs.alerts: ['anomaly', 'overBudget', 'newService'] is not what the figures say",
    ),
    (
        "period days not its dates",
        _set("costs.monthToDate.days", 19),
        "costs.monthToDate.days: 19, but 2026-11-01 to 2026-11-20 is 20 days",
    ),
    (
        "new-service days beyond what FetchCosts allows",
        _set("costs.settings.newServiceDays", 31),
        "costs.settings.newServiceDays: expected a whole number from 1 to 14, got 31",
    ),
    (
        "a chat channel of an unknown type",
        _set("channels", [{"name": "ops", "type": "discord"}]),
        ".chat[0].type: 'discord' is not allowed: use one of slack, teams, google_chat, webhook",
    ),
    (
        "a chat channel named twice",
        _set("channels", [{"name": "ops", "type": "slack"}, {"name": "ops", "type": "teams"}]),
        ".chat: ['ops', 'ops'] is not allowed: name each channel once",
    ),
    (
        "other record type amount a float",
        _set("costs.breakdown.other", [{"recordType": "New", "amount": 0.0}]),
        "costs.breakdown.other[0].amount: expected a decimal string",
    ),
]


@pytest.mark.parametrize(("scenario", "change", "message"), INVALID, ids=[case[0] for case in INVALID])
def test_malformed_events_raise_invalid_render_request(lambda_context, scenario, change, message) -> None:
    bad = copy.deepcopy(event())
    change(bad)
    with pytest.raises(InvalidRenderRequest) as raised:
        lambda_handler(bad, lambda_context("render_email"))
    assert type(raised.value).__name__ == "InvalidRenderRequest"  # the error name Step Functions sees
    assert message in str(raised.value)


def test_an_event_that_is_not_an_object_is_refused(lambda_context) -> None:
    with pytest.raises(InvalidRenderRequest, match="event: expected an object"):
        lambda_handler(["not", "an", "event"], lambda_context("render_email"))


def test_render_has_no_settings_of_its_own(monkeypatch, lambda_context) -> None:
    # What the report contains is decided by FetchCosts (its environment); RenderEmail draws what it gets.
    monkeypatch.setenv("TOP_SERVICES", "not a number")
    assert lambda_handler(event(), lambda_context("render_email"))["subject"]


# --- A forced resend: the run's force flag and the record CheckAlreadySent read ---------------------------

SENT_RECORD = {
    "reportDate": {"S": "2026-11-20"},
    "status": {"S": "SENT"},
    "messageId": {"S": "0100018f-first"},
    "sentAt": {"S": "2026-11-21T08:00:07.123Z"},
    "executionArn": {"S": "arn:aws:states:us-east-1:123456789012:execution:cost-notifier:first"},
}
CLAIMED_RECORD = {key: value for key, value in SENT_RECORD.items() if key not in ("messageId", "sentAt")} | {
    "status": {"S": "CLAIMED"}
}
RESENT = "Resent on request: first sent Sat 21 Nov 2026, 08:00 UTC"


def rendered(lambda_context, force, previous) -> dict:
    return lambda_handler(event() | {"force": force, "previous": previous}, lambda_context("render_email"))


def test_a_forced_run_of_a_sent_day_renders_as_a_resend_with_the_first_send_time(lambda_context) -> None:
    result = rendered(lambda_context, True, {"Item": SENT_RECORD})
    assert result["subject"].startswith("Resent · ⚠ Anomaly · AWS costs Fri 20 Nov")
    assert RESENT in result["html"] and RESENT in result["text"]


@pytest.mark.parametrize(
    ("force", "previous"),
    [
        (True, {"Item": CLAIMED_RECORD}),  # claimed but never sent: nothing was sent before
        (True, {}),  # no record: a forced run of a new day is a first send
        (False, {}),  # the ordinary run
        (False, {"Item": SENT_RECORD}),  # not forced: only a forced run resends
    ],
    ids=["forced-claimed", "forced-new-day", "first-send", "not-forced"],
)
def test_anything_but_a_forced_run_of_a_sent_day_is_not_a_resend(lambda_context, force, previous) -> None:
    result = rendered(lambda_context, force, previous)
    assert "Resent" not in result["subject"] + result["html"] + result["text"]


def test_sdk_metadata_next_to_the_item_is_ignored(lambda_context) -> None:
    previous = {"Item": SENT_RECORD, "SdkHttpMetadata": {"HttpStatusCode": 200}, "SdkResponseMetadata": {}}
    assert rendered(lambda_context, True, previous)["subject"].startswith("Resent · ")


INVALID_RESEND = [
    ("force not a boolean", "yes", {}, "force: expected true or false, got 'yes'"),
    ("previous not an object", True, "SENT", "previous: expected an object (the GetItem result)"),
    ("item not an object", True, {"Item": []}, "previous.Item: expected an object (the day's record)"),
    (
        "sent without sentAt",
        True,
        {"Item": {k: v for k, v in SENT_RECORD.items() if k != "sentAt"}},
        "previous.Item.sentAt is missing",
    ),
    (
        "sentAt not a time",
        True,
        {"Item": SENT_RECORD | {"sentAt": {"S": "yesterday"}}},
        "previous.Item.sentAt.S: 'yesterday' is not an ISO 8601 time in UTC",
    ),
    (
        "sentAt without a zone",
        True,
        {"Item": SENT_RECORD | {"sentAt": {"S": "2026-11-21T08:00:07"}}},
        "previous.Item.sentAt.S: '2026-11-21T08:00:07' has no time zone",
    ),
    ("status not a string", True, {"Item": SENT_RECORD | {"status": {"S": 1}}}, "previous.Item.status.S: expected"),
]


@pytest.mark.parametrize(
    ("scenario", "force", "previous", "message"), INVALID_RESEND, ids=[case[0] for case in INVALID_RESEND]
)
def test_a_malformed_force_or_previous_record_is_refused_by_name(
    lambda_context, scenario, force, previous, message
) -> None:
    with pytest.raises(InvalidRenderRequest) as raised:
        rendered(lambda_context, force, previous)
    assert message in str(raised.value)


def test_each_chat_channel_gets_its_platforms_message_in_the_reports_order(lambda_context) -> None:
    channels = [
        {"name": "finops-slack", "type": "slack"},
        {"name": "team-chat", "type": "google_chat"},
        {"name": "ops-teams", "type": "teams"},
        {"name": "audit", "type": "webhook"},
    ]
    result = lambda_handler({**event(), "channels": channels}, lambda_context("render_email"))

    assert [message["channel"] for message in result["chat"]] == channels
    slack, google_chat, teams, webhook = (message["message"] for message in result["chat"])
    assert "blocks" in slack and "cardsV2" in google_chat
    assert webhook["schema"] == "aws-cost-notifier.report-summary/1"
    assert teams["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    # The same figures as the email: the total of the subject is in every message.
    for message in (slack, google_chat, teams, webhook):
        assert "$1,283.55" in json.dumps(message, ensure_ascii=False)
    # Every message travels in the state with the email, within Step Functions' 256 KiB.
    assert len(json.dumps(result).encode("utf-8")) < STATE_PAYLOAD_BYTES


def test_null_channels_is_email_only(lambda_context) -> None:
    assert lambda_handler({**event(), "channels": None}, lambda_context("render_email"))["chat"] == []
