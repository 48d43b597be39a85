"""The email's links into Cost Explorer (render_email/links.py): each line of a table opens the console on
that line, for the report's period and metric, inside the report's scope; the total opens the report's view;
a line the console cannot filter on has no link; and the links never take the HTML past its size cap."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fetch_costs.lines import line_namer
from render_email.links import line_filter, line_url, report_url
from render_email.render import MAX_HTML_BYTES, build_view, render_report
from report_contract import CostReport, Grouping
from report_contract.spec import Breakdown

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def golden(name: str) -> CostReport:
    return CostReport.from_state(json.loads((GOLDEN / f"{name}.costs.json").read_text(encoding="utf-8")))


def query(url: str) -> dict[str, Any]:
    """The console view a link opens: its fragment's query, filter and groupBy read as JSON."""
    fragment = urlsplit(url).fragment
    assert fragment.startswith("/cost-explorer?")
    found = {key: values[0] for key, values in parse_qs(fragment.split("?", 1)[1]).items()}
    return {**found, "filter": json.loads(found["filter"]), "groupBy": json.loads(found["groupBy"])}


def service_row(name: str) -> dict[str, Any]:
    return {
        "dimension": {"id": "Service", "displayValue": "Service"},
        "operator": "INCLUDES",
        "values": [{"value": name, "displayValue": name}],
    }


def test_each_service_row_opens_that_service_for_the_report_day_and_metric() -> None:
    report = golden("small")
    view = build_view(report)
    named = [row for row in view.rows if not row.is_other]

    for row, line in zip(named, report.top, strict=True):
        opened = query(row.url)
        assert opened["filter"] == [service_row(line.name)]
        assert opened["startDate"] == opened["endDate"] == "2026-11-20" and opened["granularity"] == "Daily"
        assert opened["costAggregate"] == "unBlendedCost" and opened["groupBy"] == ["Service"]
    assert [row.url for row in view.rows if row.is_other] == [""]  # Other is many lines: no one filter


def test_the_links_are_in_the_html_escaped_and_not_in_the_text_part() -> None:
    report = golden("small")
    view, email = build_view(report), render_report(report)
    first = view.rows[0]

    assert f'<a href="{first.url.replace("&", "&amp;")}"' in email.html
    assert f'<a href="{view.console_url.replace("&", "&amp;")}"' in email.html  # the headline's total
    assert first.url not in email.text  # the text part keeps the one link, to stay readable


def test_a_scoped_report_keeps_its_scope_in_every_link() -> None:
    report = golden("team-payments")  # tag team = payments, by service, secondary by account
    scope = {
        "dimension": {"id": "TagKey", "displayValue": "Tag"},
        "operator": "INCLUDES",
        "values": [{"value": "payments", "displayValue": "payments"}],
        "growableValue": {"value": "team", "displayValue": "team"},
    }
    view = build_view(report)

    assert query(view.console_url)["filter"] == [scope]
    assert query(view.rows[0].url)["filter"] == [scope, service_row(report.top[0].name)]
    assert view.secondary is not None
    account = query(view.secondary.rows[0].url)["filter"][1]
    assert account["dimension"]["id"] == "LinkedAccount"
    assert report.secondary is not None and report.secondary.top[0].name.endswith(f"({account['values'][0]['value']})")


def test_an_accounts_scope_is_a_linked_account_filter_and_the_view_groups_by_the_breakdown() -> None:
    report = golden("per-account")
    scoped = replace(
        report, report=replace(report.report, scope_kind="accounts", scope_values=("111111111111", "222222222222"))
    )

    opened = query(report_url(scoped))

    assert opened["groupBy"] == ["LinkedAccount"]
    assert opened["filter"][0]["dimension"]["id"] == "LinkedAccount"
    assert [v["value"] for v in opened["filter"][0]["values"]] == ["111111111111", "222222222222"]


@pytest.mark.parametrize(
    ("breakdown", "key", "value"),
    [
        (Breakdown("service"), "Amazon Simple Storage Service", "Amazon Simple Storage Service"),
        (Breakdown("region"), "eu-west-1", "eu-west-1"),
        (Breakdown("account"), "405243198805", "405243198805"),
        (Breakdown("tag", "team"), "team$payments", "payments"),
    ],
)
def test_a_line_named_by_fetch_costs_filters_on_the_value_cost_explorer_returned(breakdown, key, value) -> None:
    """The names FetchCosts gives lines (fetch_costs.lines) read back to the key they came from."""
    pages = [{"DimensionValueAttributes": [{"Value": "405243198805", "Attributes": {"description": "prod (x)"}}]}]
    name = line_namer(breakdown, pages)(key)

    row = line_filter(Grouping(breakdown.by, breakdown.label, breakdown.key), name)

    assert row is not None and [v["value"] for v in row["values"]] == [value]


@pytest.mark.parametrize(
    ("lines", "name"),
    [
        (Grouping("service", "Service"), "A" * 99 + "…"),  # cut by the contract: no longer the service's name
        (Grouping("tag", "Tag team", "team"), "(no team tag)"),  # untagged: no value to filter on
        (Grouping("cost_category", "Cost category Team", "Team"), "Payments"),  # the console's form is unknown
        (Grouping("account", "Account"), "an account without its id"),
    ],
)
def test_a_line_the_console_cannot_filter_on_has_no_link(lines: Grouping, name: str) -> None:
    assert line_filter(lines, name) is None
    assert line_url(golden("small"), lines, name) == ""


def test_a_cost_category_scope_gives_no_line_links_rather_than_unscoped_ones() -> None:
    report = golden("small")
    scoped = replace(
        report, report=replace(report.report, scope_kind="cost_category", scope_key="Team", scope_values=("Data",))
    )

    assert all(row.url == "" for row in build_view(scoped).rows)
    assert query(report_url(scoped))["filter"] == []  # the report's view: of the whole organisation


def test_a_weekly_report_links_each_line_to_its_week_daily() -> None:
    report = golden("weekly")

    opened = query(build_view(report).rows[0].url)

    assert (opened["startDate"], opened["endDate"], opened["granularity"]) == ("2026-11-16", "2026-11-22", "Daily")


def test_names_are_percent_encoded_so_no_markup_reaches_the_html() -> None:
    report = golden("small")
    hostile = replace(report.top[0], name='<b>"x" & y</b>')
    email = render_report(replace(report, top=(hostile, *report.top[1:])))

    assert query(build_view(replace(report, top=(hostile, *report.top[1:]))).rows[0].url)["filter"] == [
        service_row('<b>"x" & y</b>')
    ]
    assert "%3Cb%3E%5C%22x%5C%22%20%26%20y%3C%2Fb%3E" in email.html  # the JSON's \" and &, percent-encoded
    assert '<b>"x"' not in email.html


def test_every_line_of_the_golden_emails_links_and_stays_under_the_html_cap() -> None:
    """Measured: a link adds about 800 bytes a line (large-org 38.8 -> 47.7 KB, team-payments 36.5 -> 50.6 KB)."""
    for name in ("large-org", "per-account", "team-payments", "monthly"):
        report = golden(name)
        html = render_report(report).html
        assert len(html.encode()) <= MAX_HTML_BYTES
        view = build_view(report)
        rows = view.rows + (view.secondary.rows if view.secondary else ())
        assert html.count("text-decoration:underline;") == sum(1 for row in rows if row.url) > 0
        assert all(row.url for row in rows if not row.is_other)


def test_the_largest_report_keeps_its_one_link_and_drops_the_lines_links_to_stay_under_the_cap() -> None:
    from render_email.request import RenderRequest

    from tests.unit.test_render import DAY, worst_case

    costs = RenderRequest.from_event({"reportDate": DAY.isoformat(), "costs": worst_case('"')}).costs
    view, html = build_view(costs), render_report(costs).html

    assert all(row.url for row in view.rows if not row.is_other)  # the view has them...
    assert len(html.encode()) <= MAX_HTML_BYTES and "text-decoration:underline;" not in html  # ...this email not
    assert f'href="{view.console_url.replace("&", "&amp;")}"' in html


def test_the_scope_and_breakdown_key_travel_in_the_contract_and_a_bad_value_is_refused_by_name() -> None:
    from report_contract import InvalidReport

    state = json.loads((GOLDEN / "team-payments.costs.json").read_text(encoding="utf-8"))
    assert (state["report"]["scopeKey"], state["report"]["scopeValues"]) == ("team", ["payments"])
    assert CostReport.from_state(state).to_state() == state

    state["report"]["scopeValues"] = ["payments", 7]
    with pytest.raises(InvalidReport, match=r"costs\.report\.scopeValues\[1\]: 7 is not a value of the scope"):
        CostReport.from_state(state)
