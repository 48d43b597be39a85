"""A declared report's content: the query each scope and breakdown makes, how its lines are named, its
secondary section, the contract's new fields (round trip and refusals, each naming the field) and how the
email shows a report other than the default one."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator
from fetch_costs.history import parse_history
from fetch_costs.lines import line_namer, report_identity
from fetch_costs.query import build_request, report_window, secondary_window
from fetch_costs.secondary import secondary_section
from render_email.render import render_report
from report_contract import CostReport, InvalidReport, ReportIdentity
from report_contract import spec as report_spec
from report_contract.model import DEFAULT_IDENTITY
from report_contract.spec import Breakdown, ChatChannel, InvalidReportSpec, ReportSpec, parse_reports

from tests.fixtures.cost_explorer_answers import answer

D = Decimal
DAY = date(2026, 11, 20)
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
_INPUT = botocore.session.get_session().get_service_model("ce").operation_model("GetCostAndUsage").input_shape


def spec(declaration: dict[str, Any], report_id: str = "r") -> ReportSpec:
    return ReportSpec.from_state(report_id, {"recipients": ["a@example.com"], **declaration})


def request_for(report: ReportSpec, breakdown: Breakdown | None = None) -> dict[str, Any]:
    start, end = report_window(DAY)
    group_by = (breakdown or report.breakdown).group_by()
    made = build_request(
        start, end, "UnblendedCost", group_by=group_by, scope_filter=report.scope.cost_explorer_filter()
    )
    validated = ParamValidator().validate(made, _INPUT)
    assert not validated.has_errors(), validated.generate_report()
    return made


# ---- the query -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declaration", "group_by", "expected_filter"),
    [
        ({}, {"Type": "DIMENSION", "Key": "SERVICE"}, None),
        (
            {"scope": {"accounts": ["123456789012", "210987654321"]}, "breakdown": {"by": "region"}},
            {"Type": "DIMENSION", "Key": "REGION"},
            {
                "Dimensions": {
                    "Key": "LINKED_ACCOUNT",
                    "Values": ["123456789012", "210987654321"],
                    "MatchOptions": ["EQUALS"],
                }
            },
        ),
        (
            {"scope": {"tag": {"key": "team", "values": ["payments"]}}, "breakdown": {"by": "account"}},
            {"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"},
            {"Tags": {"Key": "team", "Values": ["payments"], "MatchOptions": ["EQUALS"]}},
        ),
        (
            {
                "scope": {"cost_category": {"name": "Team", "values": ["Data"]}},
                "breakdown": {"by": "tag", "key": "app"},
            },
            {"Type": "TAG", "Key": "app"},
            {"CostCategories": {"Key": "Team", "Values": ["Data"], "MatchOptions": ["EQUALS"]}},
        ),
        (
            {"breakdown": {"by": "cost_category", "key": "Team"}},
            {"Type": "COST_CATEGORY", "Key": "Team"},
            None,
        ),
    ],
)
def test_the_query_filters_by_the_scope_and_groups_by_the_breakdown_then_record_type(
    declaration, group_by, expected_filter
):
    made = request_for(spec(declaration))

    assert made["GroupBy"] == [group_by, {"Type": "DIMENSION", "Key": "RECORD_TYPE"}]
    assert made.get("Filter") == expected_filter
    assert ("Filter" in made) == (expected_filter is not None)


def test_the_secondary_query_covers_the_day_before_and_the_report_day_only():
    assert secondary_window(DAY) == (DAY - timedelta(days=1), DAY + timedelta(days=1))


def test_the_request_holds_a_copy_of_the_scopes_filter():
    report = spec({"scope": {"accounts": ["123456789012"]}})
    made = request_for(report)

    made["Filter"]["Dimensions"]["Values"].append("999999999999")

    assert report.scope.cost_explorer_filter() == {
        "Dimensions": {"Key": "LINKED_ACCOUNT", "Values": ["123456789012"], "MatchOptions": ["EQUALS"]}
    }


# ---- naming lines ----------------------------------------------------------------------------------


def test_accounts_are_named_from_the_answers_attributes_and_fall_back_to_the_id():
    pages = [
        {"DimensionValueAttributes": [{"Value": "123456789012", "Attributes": {"description": "payments-prod"}}]},
        {"DimensionValueAttributes": [{"Value": "210987654321", "Attributes": {"description": " "}}]},
    ]
    name = line_namer(Breakdown("account"), pages)

    assert name("123456789012") == "payments-prod (123456789012)"
    assert name("210987654321") == "210987654321"
    assert name("555555555555") == "555555555555"


@pytest.mark.parametrize(
    ("breakdown", "key", "shown"),
    [
        (Breakdown("tag", "team"), "team$payments", "payments"),
        (Breakdown("tag", "team"), "team$", "(no team tag)"),
        (Breakdown("tag", "team"), "team$a$b", "a$b"),
        (Breakdown("tag", "team"), "payments", "payments"),  # not the documented form: shown as returned
        (Breakdown("cost_category", "Team"), "Team$Payments", "Payments"),
        (Breakdown("cost_category", "Team"), "Team$", "(no Team cost category)"),
        (Breakdown("region"), "eu-west-1", "eu-west-1"),
        (Breakdown("service"), "AWS Lambda", "AWS Lambda"),
    ],
)
def test_tag_and_cost_category_lines_show_the_value_and_name_untagged_cost(breakdown, key, shown):
    assert line_namer(breakdown, [])(key) == shown


def test_the_history_keys_lines_by_their_names():
    def rows(day: date) -> list:
        return [("team$payments", "Usage", "3"), ("team$", "Usage", "1"), ("team$payments", "Credit", "-1")]

    start, end = DAY - timedelta(days=1), DAY + timedelta(days=1)
    history = parse_history(
        start, end, "UnblendedCost", answer(start, end, rows), name=line_namer(Breakdown("tag", "team"), [])
    )

    day = history.day(DAY)
    assert day is not None and day.charges == {"payments": D(3), "(no team tag)": D(1)}


# ---- the secondary section ---------------------------------------------------------------------------


def history_of(today: dict[str, str], before: dict[str, str]):
    start = DAY - timedelta(days=1)

    def rows(day: date) -> list:
        amounts = today if day == DAY else before
        return [(name, "Usage", amount) for name, amount in amounts.items()]

    return parse_history(start, DAY + timedelta(days=1), "UnblendedCost", answer(start, DAY + timedelta(days=1), rows))


def test_the_secondary_section_is_the_top_five_then_other_with_the_day_before():
    today = {f"account-{n}": str(10 - n) for n in range(8)}  # 10, 9, ..., 3
    before = {"account-0": "4", "account-7": "1", "gone": "5"}

    section = secondary_section(history_of(today, before), DAY, Breakdown("account"), D(10 + 9 + 8 + 7 + 6 + 5 + 4 + 3))

    assert section.unattributed == 0
    assert [line.name for line in section.top] == [f"account-{n}" for n in range(5)]
    assert section.top[0].day_before == D(4) and section.top[1].day_before == 0
    assert section.other is not None and section.other.count == 3
    assert section.other.amount == D(5 + 4 + 3) and section.other.day_before == D(1 + 5)  # "gone" too
    assert section.count == 8 and section.listed == sum(D(v) for v in today.values())


def test_a_single_remaining_line_is_listed_instead_of_an_other_of_one():
    today = {f"r{n}": "1" for n in range(6)}

    section = secondary_section(history_of(today, {}), DAY, Breakdown("region"), D(6))

    assert len(section.top) == 6 and section.other is None


def test_charges_the_second_answer_does_not_attribute_are_carried_not_dropped():
    # boto/boto3#2140: grouped by LINKED_ACCOUNT, Cost Explorer once left out a pro-rated support fee.
    section = secondary_section(history_of({"a": "7", "b": "2"}, {}), DAY, Breakdown("account"), D("9.5"))

    assert section.unattributed == D("0.5") and section.listed == D("9.5")


# ---- the contract ----------------------------------------------------------------------------------


def golden(name: str) -> dict[str, Any]:
    return json.loads((GOLDEN / f"{name}.costs.json").read_text(encoding="utf-8"))


def test_a_declared_reports_identity_and_secondary_section_read_back_unchanged():
    state = golden("team-payments")

    report = CostReport.from_state(state)

    assert report.report.id == "team-payments" and report.report.lines.by == "service"
    assert report.secondary is not None and report.secondary.lines.label == "Account"
    assert report.to_state() == state


def test_a_payload_without_report_is_the_default_report():
    report = CostReport.from_state(golden("small"))

    assert report.report == DEFAULT_IDENTITY and report.report.is_default and report.secondary is None


def test_the_default_identity_is_never_written_so_old_and_new_payloads_agree():
    report = CostReport.from_state(golden("small"))
    declared_default = replace(report, report=report_identity(spec({}, "daily")))

    assert "report" not in declared_default.to_state()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("report", "id"), "Payments", "costs.report.id: 'Payments' is not a report id"),
        (("report", "scopeKind"), "team", "costs.report.scopeKind: 'team' is not one of organisation, accounts"),
        (("report", "breakdown", "by"), "team", "costs.report.breakdown.by: 'team' is not one of service, account"),
        (("report", "name"), "x" * 101, "costs.report.name: 101 characters, at most 100 allowed"),
        (("secondary", "breakdown", "label"), None, "costs.secondary.breakdown.label: expected a string"),
        (("secondary", "top", 0, "amount"), "1e", "costs.secondary.top[0].amount: '1e' is not a decimal string"),
        (("secondary", "other"), {"count": 0, "amount": "0", "dayBefore": "0"}, "costs.secondary.other.count"),
    ],
)
def test_a_field_that_breaks_the_contract_is_refused_naming_it(path, value, message):
    state = golden("team-payments")
    target = state
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value

    with pytest.raises(InvalidReport, match=message.replace("[", r"\[").replace("]", r"\]")):
        CostReport.from_state(state)


def test_a_missing_identity_field_is_refused_naming_it():
    state = golden("per-account")
    del state["report"]["scope"]

    with pytest.raises(InvalidReport, match="costs.report.scope is missing"):
        CostReport.from_state(state)


def test_secondary_lines_that_do_not_add_up_to_the_charges_are_refused():
    state = golden("team-payments")
    state["secondary"]["top"][0]["amount"] = str(D(state["secondary"]["top"][0]["amount"]) + D("0.01"))

    with pytest.raises(InvalidReport, match=r"costs.secondary: its lines add up to .*not to costs.breakdown.charges"):
        CostReport.from_state(state)


def test_more_secondary_lines_than_the_bound_are_refused():
    state = golden("team-payments")
    state["secondary"]["top"] = state["secondary"]["top"] * 2

    with pytest.raises(InvalidReport, match="costs.secondary.top: 8 items, at most 6 allowed"):
        CostReport.from_state(state)


# ---- the email ---------------------------------------------------------------------------------------


def test_a_declared_report_is_named_in_the_subject_and_header_and_everything_is_escaped():
    report = CostReport.from_state(golden("team-payments"))
    hostile = replace(
        report,
        report=ReportIdentity("team-x", "<b>Team</b> & co", "tag", 'tag team = <script>"x"', report.report.lines),
    )

    email = render_report(hostile)

    assert "AWS costs Fri 20 Nov, <b>Team</b> & co:" in email.subject
    assert "&lt;b&gt;Team&lt;/b&gt; &amp; co" in email.html and "<b>Team</b>" not in email.html
    assert "&lt;script&gt;" in email.html and "<script>" not in email.html
    assert '<b>Team</b> & co: tag team = <script>"x", by service' in email.text


def test_the_lines_label_heads_the_tables_and_names_other():
    email = render_report(CostReport.from_state(golden("per-account")))

    assert "Account, last 14 days</th>" in email.html and ">Service, last 14 days<" not in email.html
    assert "Other (60 accounts)" in email.html and "across 70 accounts" in email.text
    assert "Cost by account (day = change against the day before):" in email.text


def test_the_secondary_section_is_drawn_after_the_main_table_in_both_parts():
    email = render_report(CostReport.from_state(golden("team-payments")))

    assert email.html.index("Cost by service</h2>") < email.html.index("By account</h2>")
    assert "prod-payments (405243198805)" in email.html
    text = email.text
    assert text.index("By account (day = change against the day before):") > text.index("Net total")


def test_charges_the_secondary_answer_did_not_attribute_get_a_row_of_their_own():
    state = golden("team-payments")
    first = state["secondary"]["top"][0]
    first["amount"] = str(D(first["amount"]) - D("1.5"))
    state["secondary"]["unattributed"] = "1.5"

    email = render_report(CostReport.from_state(state))

    row = next(line for line in email.text.splitlines() if line.startswith("Unattributed"))
    assert row.split()[-2:] == ["$1.50", "-"]
    assert "$300.14" in email.text  # 301.6392946238 - 1.5, still adding up to the charges


def test_a_report_without_a_secondary_breakdown_has_no_such_section():
    with_section = render_report(CostReport.from_state(golden("team-payments")))
    email = render_report(CostReport.from_state(golden("per-account")))

    assert re.search(r">By [^<]*</h2>", with_section.html) and with_section.text.count("(day = change") == 2
    assert not re.search(r">By [^<]*</h2>", email.html) and email.text.count("(day = change") == 1


# --- The declaration's monthly budget ---------------------------------------------------------------------


def test_a_declared_monthly_budget_is_read_exactly_and_survives_the_state_copy():
    declared = ReportSpec.from_state("team", {"recipients": ["a@example.com"], "monthly_budget": 4000.5})
    assert declared.monthly_budget == D("4000.5")
    assert ReportSpec.from_state("team", declared.to_state()) == declared
    unset = ReportSpec.from_state("team", {"recipients": ["a@example.com"]})
    assert unset.monthly_budget is None and unset.to_state()["monthly_budget"] is None


@pytest.mark.parametrize("value", [0, -1, 10**12, "x", True, "NaN"])
def test_a_bad_monthly_budget_is_refused_naming_the_field(value):
    with pytest.raises(InvalidReportSpec) as refused:
        ReportSpec.from_state("team", {"recipients": ["a@example.com"], "monthly_budget": value})
    assert str(refused.value).startswith('reports["team"].monthly_budget: ')
    assert "greater than 0 and below 1,000,000,000,000" in str(refused.value)


# --- The declaration's chat channels ----------------------------------------------------------------------

SLACK = {"name": "finops", "type": "slack"}
TEAMS = {"name": "payments-team", "type": "teams"}


def test_a_reports_chat_channels_are_read_in_order_and_survive_the_state_copy():
    declared = spec({"chat": [TEAMS, SLACK, {"name": "gchat", "type": "google_chat"}]}, "payments")
    assert declared.chat == (
        ChatChannel("payments-team", "teams"),
        ChatChannel("finops", "slack"),
        ChatChannel("gchat", "google_chat"),
    )
    assert declared.to_state()["chat"] == [TEAMS, SLACK, {"name": "gchat", "type": "google_chat"}]
    assert ReportSpec.from_state("payments", declared.to_state()) == declared


@pytest.mark.parametrize("declaration", [{}, {"chat": None}, {"chat": []}], ids=["absent", "null", "empty"])
def test_a_report_without_chat_channels_is_email_only(declaration):
    report = spec(declaration)
    assert report.chat == ()
    assert report.to_state()["chat"] == []


def test_every_channel_type_and_the_most_channels_a_report_may_name_are_accepted():
    channels = [{"name": f"c{i}", "type": report_spec.CHANNEL_TYPES[i % 4]} for i in range(report_spec.MAX_CHANNELS)]
    assert [c.type for c in spec({"chat": channels}).chat] == [c["type"] for c in channels]
    assert {c.type for c in spec({"chat": channels}).chat} == set(report_spec.CHANNEL_TYPES)
    longest = "a" * report_spec.CHANNEL_NAME_CHARS
    assert spec({"chat": [{"name": longest, "type": "webhook"}]}).chat[0].name == longest


def test_a_channel_name_follows_the_report_id_rule():
    # It is part of a Secrets Manager secret's name, <name_prefix>/chat/<name>, as the report id is part of
    # record keys and execution names: the same rule, defined once.
    assert report_spec.CHANNEL_NAME is report_spec.REPORT_ID
    assert report_spec.CHANNEL_TYPES == ("slack", "teams", "google_chat", "webhook")


ELEVEN = [{"name": f"c{i}", "type": "slack"} for i in range(11)]


@pytest.mark.parametrize(
    ("chat", "message"),
    [
        (
            [SLACK, {"name": "ops", "type": "discord"}],
            "reports[\"payments\"].chat[1].type: 'discord' is not allowed: "
            "use one of slack, teams, google_chat, webhook",
        ),
        (
            [{"name": "ops", "type": None}],
            'reports["payments"].chat[0].type: None is not allowed: use one of slack, teams, google_chat, webhook',
        ),
        (
            [{"name": "Ops", "type": "slack"}],
            "reports[\"payments\"].chat[0].name: 'Ops' is not allowed: use 1 to 40 lower-case letters, digits and "
            "dashes, starting with a letter or digit (e.g. finops-alerts)",
        ),
        ([{"name": "a" * 41, "type": "slack"}], 'reports["payments"].chat[0].name: '),
        ([{"name": "-ops", "type": "slack"}], 'reports["payments"].chat[0].name: '),
        ([{"name": 5, "type": "slack"}], 'reports["payments"].chat[0].name: 5 is not allowed'),
        (
            [SLACK, {"name": "finops", "type": "teams"}],
            "reports[\"payments\"].chat: ['finops', 'finops'] is not allowed: name each channel once",
        ),
        (ELEVEN, 'reports["payments"].chat: [{'),
        ("finops", "reports[\"payments\"].chat: 'finops' is not allowed: use a list of 0 to 10 channels"),
        (["finops"], 'reports["payments"].chat[0]: \'finops\' is not allowed: use {"name": ..., "type": ...}'),
        ([{"name": "ops"}], "reports[\"payments\"].chat[0]: {'name': 'ops'} is not allowed"),
        # The webhook URL is a credential: it is never part of a declaration (docs/chat-setup.md).
        ([{**SLACK, "url": "https://hooks.slack.com/services/T0/B0/x"}], 'reports["payments"].chat[0]: '),
    ],
    ids=[
        "unknown type",
        "no type (a channel chat_channels does not declare)",
        "name in capitals",
        "name of 41",
        "name starting with a dash",
        "name a number",
        "a channel twice",
        "eleven channels",
        "not a list",
        "a bare name",
        "no type attribute",
        "a url",
    ],
)
def test_a_bad_chat_declaration_is_refused_naming_the_channel_and_the_field(chat, message):
    with pytest.raises(InvalidReportSpec) as refused:
        parse_reports({"payments": {"recipients": ["a@example.com"], "chat": chat}})
    assert str(refused.value).startswith(message)
