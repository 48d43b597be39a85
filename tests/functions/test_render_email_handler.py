"""The render_email Lambda handler: the event in, the email out, malformed events refused."""

from __future__ import annotations

import copy
import importlib
import json
import sys

import pytest

from render_email.config import ConfigurationError, load_settings
from render_email.handler import lambda_handler
from render_email.render import RenderSettings
from render_email.request import InvalidRenderRequest


def event() -> dict:
    """The event the state machine passes, with a total that is the exact sum of the services."""
    return {
        "reportDate": "2026-11-20",
        "costs": {
            "reportDate": "2026-11-20",
            "metric": "UnblendedCost",
            "currency": "USD",
            "total": "1233.1469901",
            "estimated": True,
            "services": [
                {"name": "Amazon Elastic Compute Cloud - Compute", "amount": "812.3456789"},
                {"name": "Amazon Relational Database Service", "amount": "422.0001112"},
                {"name": "Tax", "amount": "0.0012"},
                {"name": "AWS Lambda", "amount": "-1.20"},
            ],
            "costExplorerRequests": 1,
        },
    }


def test_happy_path_returns_subject_html_and_text(lambda_context, capsys) -> None:
    result = lambda_handler(event(), lambda_context("render_email"))

    assert set(result) == {"subject", "html", "text"}
    assert result["subject"] == "AWS costs Fri 20 Nov 2026: $1,233.15 (estimated)"
    assert "$812.35" in result["html"] and "$812.35" in result["text"]
    assert "-$1.20" in result["html"] and "-$1.20" in result["text"]
    assert len(json.dumps(result).encode("utf-8")) < 256 * 1024  # a Step Functions payload
    emitted = capsys.readouterr().out
    assert '"EmailHtmlBytes"' in emitted and '"CostNotifier"' in emitted


def test_a_day_with_no_services_renders(lambda_context) -> None:
    day = event()
    day["costs"].update(services=[], total="0", estimated=False)
    result = lambda_handler(day, lambda_context("render_email"))
    assert result["subject"] == "AWS costs Fri 20 Nov 2026: $0.00"
    assert "No AWS spend" in result["text"]


def test_unknown_extra_fields_are_ignored(lambda_context) -> None:
    day = event()
    day["executionName"] = "2026-11-20"
    day["costs"]["forecast"] = {"later": "issue"}
    assert lambda_handler(day, lambda_context("render_email"))["subject"].startswith("AWS costs")


def _set(path: str, value):
    """A change to the event: set the value at a dotted path (`costs.services.0.amount`)."""

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
    ("reportDate not a calendar date", _set("reportDate", "2026-02-30"), 'reportDate: \'2026-02-30\' is not a calendar date as "YYYY-MM-DD"'),
    ("reportDate in another format", _set("reportDate", "20261120"), "reportDate: '20261120' is not a calendar date"),
    ("costs.reportDate another day", _set("costs.reportDate", "2026-11-19"), "costs.reportDate: 2026-11-19 is not the day being reported"),
    ("amount not a decimal", _set("costs.services.0.amount", "12,34"), "costs.services[0].amount: '12,34' is not a decimal string"),
    ("amount a float", _set("costs.services.0.amount", 812.3456789), "costs.services[0].amount: expected a decimal string"),
    ("amount NaN", _set("costs.services.1.amount", "NaN"), "costs.services[1].amount: 'NaN' is not a decimal string"),
    ("amount too precise", _set("costs.services.2.amount", "1e-40"), "costs.services[2].amount: '1e-40' is out of range"),
    ("amount missing", _delete("costs.services.3.amount"), "costs.services[3].amount is missing"),
    ("service name not a string", _set("costs.services.0.name", None), "costs.services[0].name: expected a string"),
    ("service not an object", _set("costs.services.1", "Tax"), "costs.services[1]: expected an object"),
    ("services not a list", _set("costs.services", {"Tax": "1"}), "costs.services: expected a list"),
    ("total not a decimal", _set("costs.total", "lots"), "costs.total: 'lots' is not a decimal string"),
    ("total not the sum", _set("costs.total", "1234.5678901"), "costs.total: 1234.5678901 does not equal the sum"),
    ("currency lowercase", _set("costs.currency", "usd"), "costs.currency: 'usd' is not an ISO 4217 code (3 uppercase letters"),
    ("currency a symbol", _set("costs.currency", "$"), "costs.currency: '$' is not an ISO 4217 code"),
    ("currency missing", _delete("costs.currency"), "costs.currency is missing"),
    ("estimated not a boolean", _set("costs.estimated", "yes"), "costs.estimated: expected true or false"),
    ("metric not a cost metric", _set("costs.metric", "UsageQuantity"), "costs.metric: 'UsageQuantity' is not one of UnblendedCost"),
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


# --- Configuration from the environment -----------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "top"), [({}, 10), ({"TOP_SERVICES": ""}, 10), ({"TOP_SERVICES": "25"}, 25), ({"TOP_SERVICES": " 1 "}, 1), ({"TOP_SERVICES": "50"}, 50)]
)
def test_top_services_setting(environ, top) -> None:
    assert load_settings(environ) == RenderSettings(top_services=top)


@pytest.mark.parametrize("value", ["0", "51", "-3", "ten", "1.5", "1_0"])
def test_a_bad_top_services_names_variable_value_and_range(value) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings({"TOP_SERVICES": value})
    assert f"TOP_SERVICES={value!r}" in str(raised.value)
    assert "a whole number from 1 to 50" in str(raised.value)


def test_a_bad_top_services_fails_the_cold_start(monkeypatch) -> None:
    monkeypatch.setenv("TOP_SERVICES", "100")
    monkeypatch.delitem(sys.modules, "render_email.handler")  # restored after the test
    with pytest.raises(ConfigurationError, match=r"TOP_SERVICES='100' is not allowed: set it to a whole number from 1 to 50"):
        importlib.import_module("render_email.handler")
