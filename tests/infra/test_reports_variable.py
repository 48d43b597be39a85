"""The `reports` variable accepts exactly the declarations report_contract.spec.parse_reports accepts, and
local.reports writes them as the JSON parse_reports reads.

How the two sides are asked, for every declaration of a table (good ones, and bad ones at and around
every rule and bound of spec.py):

- Terraform, as `terraform plan` would: the value is converted to the variable's type, read from
  variables.tf (a missing optional attribute is null, a missing required one is an error, an attribute
  the type does not name is dropped, strings are NFC-normalised), then every validation condition is
  evaluated (tests/infra/hcl_condition.py).
- ResolveReportDate: parse_reports, on the JSON that local.reports (its own expression in main.tf,
  evaluated) makes of the converted value, as the state machine definition carries it.

A report's chat names channels of another variable, chat_channels, which a validation of `reports` cannot
see (before Terraform 1.9): Terraform's side is then both variables' validations and the preconditions on
the object the declarations are written to (aws_s3_object.reports in storage.tf), as `terraform plan`
evaluates them, and the declarations of the table are asked with the channels CHANNELS declares (or, in
CHANNEL_CASES, with channels of their own).

The two must agree on every declaration, and where they refuse, a failing validation's message names
the field parse_reports names. Where a terraform binary exists (no provider is needed: variables.tf and
the reports' locals alone), `terraform plan` itself is asked every declaration and shows every rendered
JSON, so the Python evaluation of the conditions and of the locals is checked against Terraform's own.
"""

from __future__ import annotations

import concurrent.futures
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from report_contract import limits, spec

from tests.infra.hcl_condition import EvaluationError, evaluate
from tests.infra.terraform import TERRAFORM, Terraform, attr, blocks, parse_files

RECIPIENTS = ["finops@example.com"]
# The deployment's chat channels the table's declarations name (as chat_channels is written).
CHANNELS = {"finops": {"type": "slack"}, "payments-team": {"type": "teams"}}
# The deployment-wide variables local.reports reads, at their defaults (daily_budget set, to see it pass).
DEPLOYMENT = {
    "recipients": RECIPIENTS,
    "cost_metric": "UnblendedCost",
    "top_services": Decimal(10),
    "daily_budget": Decimal("99.50"),
    "monthly_budget": Decimal("2500"),
    "chat_channels": CHANNELS,
}
PYTHON_WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


# --- The variable's type, read from variables.tf, and Terraform's conversion to it ------------------------


class Refused(ValueError):
    """Terraform refuses the value before any validation: it does not convert to the variable's type."""


_TYPE_TOKEN = re.compile(r"\s*(?:#[^\n]*\n|//[^\n]*\n)*\s*([A-Za-z_]+|[(){}=,])")


def _type_tokens(text: str) -> list[str]:
    return [match[1] for match in _TYPE_TOKEN.finditer(text)]


def _parse_type(tokens: list[str]) -> Any:
    """string | number | bool | list(T) | map(T) | object({name = T | optional(T), ...})."""
    word = tokens.pop(0)
    if word in ("string", "number", "bool"):
        return (word,)
    if word in ("list", "map"):
        assert tokens.pop(0) == "("
        inner = _parse_type(tokens)
        assert tokens.pop(0) == ")"
        return (word, inner)
    assert word == "object" and tokens[:2] == ["(", "{"], f"type {word} not understood by this test"
    del tokens[:2]
    attributes: dict[str, tuple[Any, bool]] = {}
    while tokens[0] != "}":
        name = tokens.pop(0)
        assert tokens.pop(0) == "="
        optional = tokens[0] == "optional"
        if optional:
            del tokens[:2]
        attributes[name] = (_parse_type(tokens), optional)
        if optional:
            assert tokens.pop(0) == ")", "optional() with a default is not understood by this test"
        if tokens[0] == ",":
            tokens.pop(0)
    assert tokens[:2] == ["}", ")"]
    del tokens[:2]
    return ("object", attributes)


@functools.cache
def variable_type(name: str) -> Any:
    """The type of a variable of variables.tf, as written (its `type =` line, not a word of its description)."""
    text = (TERRAFORM / "variables.tf").read_text()
    body = text[text.index(f'variable "{name}" {{') :]
    start = re.search(r"^  type\s*=", body, flags=re.MULTILINE)
    assert start, f"variable {name} has no type"
    return _parse_type(_type_tokens(body[start.end() :]))


def reports_type() -> Any:
    return variable_type("reports")


def convert(value: Any, kind: Any, path: str = "var.reports") -> Any:
    """The value as Terraform's type conversion makes it (cty's convert), or Refused."""
    if value is None:
        return None
    if kind[0] == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float, Decimal)):
            return format(Decimal(str(value)).normalize(), "f")
        if isinstance(value, str):
            return unicodedata.normalize("NFC", value)  # Terraform keeps every string in NFC
        raise Refused(f"{path}: string required")
    if kind[0] == "number":
        if isinstance(value, bool):
            raise Refused(f"{path}: number required")
        try:
            number = Decimal(str(value)) if isinstance(value, (int, float, Decimal, str)) else None
        except ArithmeticError:
            number = None
        if number is None or not number.is_finite():
            raise Refused(f"{path}: number required")
        return number  # "7" is 7: Terraform converts a numeric string
    if kind[0] == "list":
        if not isinstance(value, list):
            raise Refused(f"{path}: list required")
        return [convert(item, kind[1], f"{path}[{i}]") for i, item in enumerate(value)]
    if kind[0] == "map":
        if not isinstance(value, dict):
            raise Refused(f"{path}: map required")
        return {key: convert(item, kind[1], f'{path}["{key}"]') for key, item in value.items()}
    if not isinstance(value, dict):
        raise Refused(f"{path}: object required")
    converted = {}
    for name, (attribute, optional) in kind[1].items():
        if name not in value and not optional:
            raise Refused(f'{path}: attribute "{name}" is required')
        converted[name] = convert(value.get(name), attribute, f"{path}.{name}")
    return converted  # an attribute the type does not name is dropped


# --- Both sides -------------------------------------------------------------------------------------------


def terraform_side(terraform: Terraform, declaration: Any, channels: Any = CHANNELS) -> tuple[bool, list[str], Any]:
    """(accepted, the failing validations' and preconditions' messages, the converted value) as
    `terraform plan` decides: each variable converted to its type and validated; then, if they pass, the
    preconditions of the object the declarations are written to."""
    try:
        value = convert(declaration, reports_type_map())
        chat_channels = convert(channels, variable_type("chat_channels"), "var.chat_channels")
    except Refused as refused:
        return False, [str(refused)], None
    failing = []
    for name, given in (("reports", value), ("chat_channels", chat_channels)):
        for validation in blocks(terraform.variables[name], "validation"):
            try:
                passed = evaluate(attr(validation, "condition"), {name: given}) is True
            except EvaluationError:
                passed = False
            if not passed:
                failing.append(attr(validation, "error_message"))
    if failing:
        return False, failing, value
    variables = {**DEPLOYMENT, "reports": value, "chat_channels": chat_channels}
    for precondition in declarations_preconditions(terraform):
        if evaluate(attr(precondition, "condition"), variables, terraform.locals) is not True:
            failing.append(render_message(attr(precondition, "error_message"), variables, terraform.locals))
    return not failing, failing, value


def declarations_preconditions(terraform: Terraform) -> list[dict]:
    """The preconditions of aws_s3_object.reports (storage.tf): what `reports` cannot check alone."""
    (lifecycle,) = blocks(terraform.resources["aws_s3_object"]["reports"], "lifecycle")
    return blocks(lifecycle, "precondition")


def render_message(template: str, variables: dict, local_values: dict) -> str:
    """An error_message with its ${...} interpolations evaluated, as Terraform prints it."""
    if template.startswith('${"') and template.endswith('"}'):  # how the parser renders a template
        template = template[3:-2]
    parts, position = [], 0
    while (start := template.find("${", position)) >= 0:
        depth, end = 0, start + 1
        for end in range(start + 1, len(template)):
            depth += {"{": 1, "}": -1}.get(template[end], 0)
            if depth == 0:
                break
        parts += [template[position:start], str(evaluate(template[start : end + 1], variables, local_values))]
        position = end + 1
    return "".join(parts) + template[position:]


def reports_type_map() -> Any:
    kind = reports_type()
    assert kind[0] == "map", "reports is a map from a report id to a report"
    return kind


def rendered(terraform: Terraform, value: Any, channels: Any = CHANNELS) -> dict:
    """local.reports for var.reports = value: main.tf's own expression, evaluated."""
    variables = {**DEPLOYMENT, "reports": value, "chat_channels": channels}
    return evaluate(terraform.locals["reports"], variables, terraform.locals)


def as_json(value: Any) -> str:
    """jsonencode(): numbers as JSON numbers."""

    def number(item: Any) -> Any:
        if isinstance(item, Decimal):
            return int(item) if item == item.to_integral_value() else float(item)
        raise TypeError(item)

    return json.dumps(value, default=number)


def spec_side(document: str) -> tuple[bool, str]:
    try:
        spec.parse_reports(json.loads(document))
    except spec.InvalidReportSpec as refused:
        return False, str(refused)
    return True, ""


def field_named(message: str) -> str:
    """What a Terraform message must name for parse_reports' refusal: its field path; for a refusal of an
    item of a list (chat[1].type), the list (chat)."""
    match = re.match(r'reports\["[^"]*"\]\.([\w.\[\]]+):', message)
    if match:
        return re.sub(r"\[\d+\].*", "", match[1])
    if "report id" in message:
        return "report id"
    return f"1 to {spec.MAX_REPORTS:,}"


# --- The table -------------------------------------------------------------------------------------------


def one(**report: Any) -> dict:
    return {"team": report}


def ws_cases() -> list:
    cases = []
    for char in PYTHON_WHITESPACE:
        code = f"U+{ord(char):04X}"
        cases += [
            pytest.param(one(name=char), id=f"name only {code}"),
            pytest.param(one(name=f"x{char}"), id=f"name x then {code}"),
            pytest.param(one(scope={"tag": {"key": char, "values": ["v"]}}), id=f"tag key only {code}"),
            pytest.param(one(recipients=[f"a{char}b@example.com"]), id=f"recipient with {code}"),
        ]
    return cases


CASES = [
    pytest.param(None, id="unset: the single daily report"),
    pytest.param({"daily": {}}, id="one report, every attribute unset"),
    # An organisation's reports, at the bound and one past it (10,000 and 10,001 since they moved out of
    # the definition into S3: report_contract/objects.py).
    pytest.param({f"r{i}": {} for i in range(spec.MAX_REPORTS)}, id=f"{spec.MAX_REPORTS} reports"),
    pytest.param({f"r{i}": {} for i in range(spec.MAX_REPORTS + 1)}, id=f"{spec.MAX_REPORTS + 1} reports"),
    pytest.param({}, id="no report"),
    *(pytest.param({rid: {}}, id=f"id {rid!r}") for rid in ("a", "9", "team-payments", "a-", "a" * 40)),
    *(pytest.param({rid: {}}, id=f"id {rid!r}") for rid in ("", "-a", "A", "a_b", "a.b", "é", "a" * 41, "a b")),
    *(pytest.param(one(name=n), id=f"name {n[:12]!r}") for n in ("Payments", "  Payments  ", "x" * 100, "é" * 100)),
    pytest.param(one(name="e\u0301" * 100), id="name of 100 e + combining acute: NFC makes 100 characters"),
    *(pytest.param(one(name=n), id=f"name {str(n)[:12]!r}") for n in ("", "x" * 101, 5)),
    *(pytest.param(one(cadence=c), id=f"cadence {c!r}") for c in (*spec.CADENCES, "Daily", "hourly", "")),
    *(pytest.param(one(cadence="weekly", day_of_week=d), id=f"day_of_week {d!r}") for d in spec.DAYS_OF_WEEK),
    *(pytest.param(one(day_of_week=d), id=f"day_of_week {d!r}") for d in ("Monday", "mon", "")),
    *(pytest.param(one(cadence="monthly", day_of_month=d), id=f"day_of_month {d!r}") for d in (1, 28, 28.0, "7")),
    *(pytest.param(one(day_of_month=d), id=f"day_of_month {d!r}") for d in (0, 29, 1.5, -1, "x", True)),
    *(
        pytest.param(one(time_zone=z), id=f"time_zone {z!r}")
        for z in ("UTC", "GMT", "Etc/GMT+14", "Etc/GMT-0", "Europe/Paris", "America/Argentina/Buenos_Aires")
    ),
    *(
        pytest.param(one(time_zone=z), id=f"time_zone {z!r}")
        for z in ("utc", "Europe", "Paris", "UTC+2", "Europe/Paris/", "Mars/Olympus_Mons", " UTC", "Etc/GMT+15", "")
    ),
    pytest.param(one(scope={}), id="scope {}: the whole organisation"),
    pytest.param(one(scope={"accounts": ["111111111111"]}), id="scope one account"),
    pytest.param(one(scope={"accounts": ["111111111111"] * 2}), id="scope an account twice"),
    pytest.param(one(scope={"accounts": [f"{i:012d}" for i in range(100)]}), id="scope 100 accounts"),
    pytest.param(one(scope={"accounts": [f"{i:012d}" for i in range(101)]}), id="scope 101 accounts"),
    *(
        pytest.param(one(scope={"accounts": a}), id=f"scope accounts {a!r}")
        for a in ([], ["123"], ["12345678901a"], [""], ["1111111111111"], [None], [111111111111])
    ),
    pytest.param(one(scope={"tag": {"key": "team", "values": ["payments"]}}), id="scope tag"),
    pytest.param(one(scope={"cost_category": {"name": "Team", "values": ["Payments"]}}), id="scope cost category"),
    pytest.param(
        one(scope={"accounts": ["111111111111"], "tag": {"key": "team", "values": ["a"]}}), id="scope two at once"
    ),
    pytest.param(
        one(scope={"tag": {"key": "t", "values": ["a"]}, "cost_category": {"name": "C", "values": ["b"]}}),
        id="scope tag and cost category",
    ),
    *(
        pytest.param(one(scope={"tag": {"key": k, "values": ["v"]}}), id=f"tag key {k[:12]!r}")
        for k in ("t", " team ", "k" * 128, "", "k" * 129)
    ),
    pytest.param(one(scope={"tag": {"key": None, "values": ["v"]}}), id="tag key null"),
    pytest.param(one(scope={"tag": {"values": ["v"]}}), id="tag without key"),
    pytest.param(one(scope={"tag": {"key": "t"}}), id="tag without values"),
    *(
        pytest.param(
            one(scope={"tag": {"key": "t", "values": v}}), id=f"tag values {len(v)} of {len(v[0]) if v else 0}"
        )
        for v in ([], [""], ["v" * 256], ["v" * 257], ["v"] * 100, ["v"] * 101, ["a", "a"])
    ),
    pytest.param(one(scope={"tag": {"key": "t", "values": [None]}}), id="tag values [null]"),
    *(
        pytest.param(one(scope={"cost_category": {"name": n, "values": ["v"]}}), id=f"cost category name {n[:9]!r}")
        for n in ("C", "c" * 50, "c" * 51, "", "   ")
    ),
    pytest.param(one(scope={"cost_category": {"name": "C", "values": []}}), id="cost category values []"),
    pytest.param(one(scope="everything"), id="scope a string"),
    *(pytest.param(one(breakdown={"by": by}), id=f"breakdown by {by}") for by in ("service", "account", "region")),
    pytest.param(one(breakdown={"by": "tag", "key": "team"}), id="breakdown by tag team"),
    pytest.param(one(breakdown={"by": "cost_category", "key": "Team"}), id="breakdown by cost category Team"),
    pytest.param(one(breakdown={"by": "tag", "key": "k" * 128}), id="breakdown tag key of 128"),
    pytest.param(one(breakdown={"by": "tag", "key": "k" * 129}), id="breakdown tag key of 129"),
    pytest.param(one(breakdown={"by": "cost_category", "key": "c" * 50}), id="breakdown cost category key of 50"),
    pytest.param(one(breakdown={"by": "cost_category", "key": "c" * 51}), id="breakdown cost category key of 51"),
    pytest.param(one(breakdown={"by": "tag"}), id="breakdown by tag without key"),
    pytest.param(one(breakdown={"by": "tag", "key": ""}), id="breakdown by tag key empty"),
    pytest.param(one(breakdown={"by": "cost_category"}), id="breakdown by cost category without key"),
    pytest.param(one(breakdown={"by": "service", "key": "team"}), id="breakdown by service with a key"),
    pytest.param(one(breakdown={"by": "region", "key": ""}), id="breakdown by region with an empty key"),
    *(pytest.param(one(breakdown={"by": by}), id=f"breakdown by {by!r}") for by in ("Service", "linked_account", "")),
    pytest.param(one(breakdown={"by": None}), id="breakdown by null"),
    pytest.param(one(breakdown={}), id="breakdown without by"),
    pytest.param(
        one(breakdown={"by": "service"}, secondary_breakdown={"by": "account"}), id="secondary breakdown by account"
    ),
    pytest.param(one(secondary_breakdown={"by": "tag", "key": "team"}), id="secondary breakdown by tag team"),
    pytest.param(one(secondary_breakdown={"by": "tag"}), id="secondary breakdown by tag without key"),
    pytest.param(one(secondary_breakdown={"by": "account", "key": "x"}), id="secondary breakdown account with key"),
    pytest.param(one(secondary_breakdown={"by": "day"}), id="secondary breakdown by day"),
    pytest.param(one(recipients=["a@example.com"]), id="recipients one"),
    pytest.param(one(recipients=[f"r{i}@example.com" for i in range(50)]), id="recipients 50"),
    pytest.param(one(recipients=[f"r{i}@example.com" for i in range(51)]), id="recipients 51"),
    pytest.param(one(recipients=["a@example.com", "A@example.com"]), id="recipients differing in case"),
    *(
        pytest.param(one(recipients=r), id=f"recipients {r!r}")
        for r in (
            [],
            ["a@example.com", "a@example.com"],
            ["not-an-email"],
            ["a@b"],
            ["a b@example.com"],
            ["a@@example.com"],
            ["Team <a@example.com>"],
            [""],
            [None],
        )
    ),
    pytest.param(one(recipients="a@example.com"), id="recipients a string"),
    *(pytest.param(one(metric=m), id=f"metric {m}") for m in (*limits.METRICS, "unblendedcost", "Cost", "")),
    *(pytest.param(one(top_n=n), id=f"top_n {n!r}") for n in (1, 20, 20.0, "7", 0, 21, 2.5, -1, "abc")),
    *(
        pytest.param(one(budget=b), id=f"budget {b!r}")
        for b in (0.01, 150, "99.50", 999999999999.99, 0, -1, 10**12, "x", "1e3")
    ),
    *(
        pytest.param(one(monthly_budget=b), id=f"monthly_budget {b!r}")
        for b in (0.01, 5000, "99.50", 999999999999.99, 0, -1, 10**12, "x", "1e3")
    ),
    pytest.param(
        {
            "org": {},
            "payments": {"scope": {"cost_category": {"name": "Team", "values": ["Payments"]}}},
            "accounts": {
                "cadence": "weekly",
                "day_of_week": "monday",
                "scope": {"accounts": ["111111111111", "222222222222"]},
                "breakdown": {"by": "account"},
                "recipients": ["platform@example.com"],
            },
            "monthly": {
                "cadence": "monthly",
                "breakdown": {"by": "service"},
                "secondary_breakdown": {"by": "account"},
                "budget": 3000,
                "monthly_budget": 2800,
            },
        },
        id="four reports",
    ),
    pytest.param({"team": {}, "Team": {}}, id="two reports, one id in capitals"),
    # Chat, with CHANNELS declared: unset is every channel, [] none; a name must be declared, once.
    pytest.param(one(chat=["finops"]), id="chat one channel"),
    pytest.param(one(chat=["payments-team", "finops"]), id="chat both channels, in its own order"),
    pytest.param(one(chat=[]), id="chat []: email only"),
    pytest.param(one(chat=None), id="chat null: every channel"),
    pytest.param({"team": {"chat": ["finops"]}, "org": {}}, id="chat on one report, every channel on the other"),
    pytest.param(one(chat=["ops"]), id="chat an undeclared channel"),
    pytest.param(one(chat=["finops", "ops"]), id="chat a declared and an undeclared channel"),
    pytest.param({"a": {"chat": ["ops"]}, "b": {"chat": ["zz"]}}, id="chat two reports, undeclared channels"),
    pytest.param(one(chat=["a" * 40]), id="chat an undeclared name of 40"),
    *(pytest.param(one(chat=[n]), id=f"chat name {n[:9]!r}") for n in ("Finops", "a" * 41, "-ops", "a_b", "", " ")),
    pytest.param(one(chat=[None]), id="chat [null]"),
    pytest.param(one(chat=["finops", "finops"]), id="chat a channel twice"),
    pytest.param(one(chat=[f"c{i}" for i in range(spec.MAX_CHANNELS + 1)]), id="chat 11 channels"),
    pytest.param(one(chat="finops"), id="chat a string"),
    *ws_cases(),
]

# chat_channels with the reports that use them: the channels are the deployment's, so each case's reports
# post to every channel (an unset chat), and what Terraform refuses in chat_channels parse_reports refuses
# in a report's chat. (A channel no report posts to is still checked, stricter than parse_reports, because
# its secret is created: test_a_channel_no_report_posts_to_is_still_checked.)
MANY = {f"c{i:02d}": {"type": spec.CHANNEL_TYPES[i % 4]} for i in range(spec.MAX_CHANNELS + 1)}
CHANNEL_CASES = [
    *(pytest.param({"ops": {"type": t}}, None, id=f"type {t}") for t in spec.CHANNEL_TYPES),
    *(pytest.param({"ops": {"type": t}}, None, id=f"type {t!r}") for t in ("discord", "Slack", "msteams", "", None)),
    pytest.param({}, None, id="no channel"),
    pytest.param({}, {"team": {}}, id="no channel, a declared report"),
    *(pytest.param({n: {"type": "slack"}}, None, id=f"name {n[:9]!r}") for n in ("a", "9", "a-", "a" * 40)),
    *(pytest.param({n: {"type": "slack"}}, None, id=f"name {n[:9]!r}") for n in ("Ops", "-ops", "a" * 41, "a.b", "")),
    pytest.param(dict(list(MANY.items())[: spec.MAX_CHANNELS]), None, id="10 channels, the default report"),
    pytest.param(MANY, None, id="11 channels, the default report"),
    pytest.param(MANY, {"team": {}, "org": {"chat": ["c00"]}}, id="11 channels, a report with every one"),
    pytest.param(MANY, {"team": {"chat": ["c00", "c10"]}, "org": {"chat": []}}, id="11 channels, chosen"),
    pytest.param({"ops": {}}, None, id="a channel without type"),
    pytest.param({"ops": "slack"}, None, id="a channel as a string"),
]


# --- The tests -----------------------------------------------------------------------------------------


def test_the_variables_type_declares_every_field_parse_reports_reads() -> None:
    kind = reports_type_map()
    attributes = kind[1][1]
    assert set(attributes) == spec.REPORT_FIELDS
    assert all(optional for _, optional in attributes.values()), "every attribute of a report is optional"
    assert attr_names(attributes["scope"][0]) == set(spec.SCOPES)
    assert attr_names(attributes["scope"][0][1]["tag"][0]) == {"key", "values"}
    assert attr_names(attributes["scope"][0][1]["cost_category"][0]) == {"name", "values"}
    assert attr_names(attributes["breakdown"][0]) == attr_names(attributes["secondary_breakdown"][0]) == {"by", "key"}


def attr_names(kind: Any) -> set[str]:
    assert kind[0] == "object"
    return set(kind[1])


def test_the_variable_is_unset_by_default(terraform) -> None:
    assert attr(terraform.variables["reports"], "default", "missing") is None


@pytest.mark.parametrize("declaration", CASES)
def test_terraform_accepts_exactly_the_declarations_parse_reports_accepts(terraform, declaration) -> None:
    accepted, messages, value = terraform_side(terraform, declaration)
    if value is None and declaration is not None:
        # Refused by the type itself; parse_reports refuses the same declaration as written.
        assert not accepted
        assert not spec_side(as_json(_with_recipients(declaration)))[0], messages
        return
    by_spec, refusal = spec_side(as_json(rendered(terraform, value)))
    assert accepted is by_spec, (
        f"terraform {'accepts' if accepted else 'refuses'} ({messages}); {refusal or 'spec accepts'}"
    )
    if not by_spec:
        field = field_named(refusal)
        assert any(field in message for message in messages), f"no message names {field!r}: {messages}"


@pytest.mark.parametrize("channels, declaration", CHANNEL_CASES)
def test_terraform_accepts_exactly_the_chat_channels_parse_reports_accepts(terraform, channels, declaration) -> None:
    try:
        converted = convert(channels, variable_type("chat_channels"), "var.chat_channels")
    except Refused:
        # Refused by the type itself (no type, or not an object): such a channel reaches no report.
        assert not terraform_side(terraform, declaration, channels)[0]
        return
    accepted, messages, value = terraform_side(terraform, declaration, channels)
    by_spec, refusal = spec_side(as_json(rendered(terraform, value, converted)))
    assert accepted is by_spec, (
        f"terraform {'accepts' if accepted else 'refuses'} ({messages}); {refusal or 'spec accepts'}"
    )
    if not by_spec:
        field = field_named(refusal)
        assert any(field in message for message in messages), f"no message names {field!r}: {messages}"


def test_an_unset_chat_is_every_channel_in_name_order_and_an_empty_one_none(terraform) -> None:
    channels = {"ops": {"type": "webhook"}, "finops": {"type": "slack"}, "gchat": {"type": "google_chat"}}
    _, _, value = terraform_side(terraform, {"org": {}, "quiet": {"chat": []}, "team": {"chat": ["ops"]}}, channels)
    reports = {r.id: r for r in spec.parse_reports(json.loads(as_json(rendered(terraform, value, channels))))}
    assert reports["org"].chat == (
        spec.ChatChannel("finops", "slack"),
        spec.ChatChannel("gchat", "google_chat"),
        spec.ChatChannel("ops", "webhook"),
    )
    assert reports["quiet"].chat == ()
    assert reports["team"].chat == (spec.ChatChannel("ops", "webhook"),)
    (default,) = spec.parse_reports(json.loads(as_json(rendered(terraform, None, channels))))
    assert default.chat == reports["org"].chat, "the default report posts to every channel too"
    (without,) = spec.parse_reports(json.loads(as_json(rendered(terraform, None, {}))))
    assert without.chat == (), "no channel declared: email only, as before chat existed"


def test_a_channel_no_report_posts_to_is_still_checked(terraform) -> None:
    # Its secret is created all the same (chat.tf), so its name and type must be good: stricter than
    # parse_reports, which never sees a channel no report names.
    email_only = {"team": {"chat": []}}
    for channels in ({"Ops": {"type": "slack"}}, {"ops": {"type": "discord"}}):
        assert spec_side(as_json(rendered(terraform, terraform_side(terraform, email_only)[2], channels)))[0]
        accepted, messages, _ = terraform_side(terraform, email_only, channels)
        assert not accepted and all(message.startswith("chat_channels") for message in messages), messages


def test_chat_channels_are_at_most_fifty_for_the_iam_policy_that_names_their_secrets(terraform) -> None:
    # Not spec.py's bound: IAM's limit on a role's policies (test_iam_least_privilege renders the policy).
    def channels(count: int) -> dict:
        return {f"c{i:02d}": {"type": "slack"} for i in range(count)}

    email_only = {"team": {"chat": []}}
    assert terraform_side(terraform, email_only, channels(50))[0]
    accepted, messages, _ = terraform_side(terraform, email_only, channels(51))
    assert not accepted and messages == [
        "chat_channels must declare at most 50 channels: post_chat's role names each channel's secret, and IAM "
        "limits a role's policies to 10,240 characters."
    ]


def test_chat_channels_default_to_none_and_null_is_none(terraform) -> None:
    body = terraform.variables["chat_channels"]
    assert attr(body, "default") == {}
    assert attr(body, "nullable") is False, "null would fail every for expression over it; nullable = false is {}"
    assert variable_type("chat_channels") == ("map", ("object", {"type": (("string",), False)}))


def test_an_undeclared_channel_is_refused_at_plan_naming_the_report_and_the_channel(terraform) -> None:
    accepted, messages, _ = terraform_side(terraform, {"payments": {"chat": ["finops", "ops"]}, "org": {}})
    assert not accepted
    assert messages == [
        "Every channel a report's chat names must be declared in chat_channels, with its type: "
        'reports["payments"].chat names ops.'
    ]


def _with_recipients(declaration: dict) -> dict:
    return {
        key: {**report, "recipients": report.get("recipients", RECIPIENTS)} if isinstance(report, dict) else report
        for key, report in declaration.items()
    }


def test_a_typo_in_an_attribute_name_is_dropped_by_terraform_not_refused(terraform) -> None:
    # Terraform's object types drop attributes they do not name, without a warning, for every object
    # variable; parse_reports would refuse the field, but it never reaches it. Documented in
    # docs/configuration.md ("Reports").
    accepted, _, value = terraform_side(terraform, one(cadance="weekly"))
    assert accepted and value["team"]["cadence"] is None
    assert not spec_side(as_json(_with_recipients(one(cadance="weekly"))))[0]


def test_the_default_is_the_single_daily_report_from_the_existing_variables(terraform) -> None:
    (report,) = spec.parse_reports(json.loads(as_json(rendered(terraform, None))))
    assert report == spec.ReportSpec(
        id=spec.DEFAULT_REPORT_ID,
        name=spec.DEFAULT_REPORT_ID,
        recipients=tuple(RECIPIENTS),
        metric=DEPLOYMENT["cost_metric"],
        top_n=10,
        budget=Decimal("99.5"),
        monthly_budget=Decimal("2500"),
        chat=(spec.ChatChannel("finops", "slack"), spec.ChatChannel("payments-team", "teams")),
    )
    assert report.record_prefix == "", "the default report's records keep the bare day as their key"
    without_budget = evaluate(
        terraform.locals["reports"],
        {**DEPLOYMENT, "daily_budget": None, "monthly_budget": None, "reports": None},
        terraform.locals,
    )
    assert without_budget["daily"]["budget"] is None
    assert without_budget["daily"]["monthly_budget"] is None


def test_a_declared_report_takes_the_deployments_recipients_and_leaves_the_settings_to_the_functions(
    terraform,
) -> None:
    _, _, value = terraform_side(terraform, {"team": {"top_n": 5}, "org": {"recipients": ["x@example.com"]}})
    reports = {r.id: r for r in spec.parse_reports(json.loads(as_json(rendered(terraform, value))))}
    assert reports["team"].recipients == tuple(RECIPIENTS)
    assert reports["org"].recipients == ("x@example.com",)
    assert (reports["team"].metric, reports["team"].top_n, reports["team"].budget) == (None, 5, None)
    assert reports["team"].monthly_budget is None, "left to MONTHLY_BUDGET"
    assert (reports["org"].metric, reports["org"].top_n) == (None, None)


def test_the_json_has_every_field_in_snake_case_and_nothing_else(terraform) -> None:
    for value in (None, terraform_side(terraform, {"team": {}})[2]):
        for report in rendered(terraform, value).values():
            assert set(report) == spec.REPORT_FIELDS


def test_budgets_reach_the_functions_digit_for_digit(terraform) -> None:
    _, _, value = terraform_side(terraform, one(budget="123456789012.345678901", monthly_budget="4000.05"))
    assert rendered(terraform, value)["team"]["budget"] == "123456789012.345678901"
    assert rendered(terraform, value)["team"]["monthly_budget"] == "4000.05"


def test_every_message_names_the_field_and_what_is_allowed(terraform) -> None:
    messages = [attr(v, "error_message") for v in blocks(terraform.variables["reports"], "validation")]
    assert all(message.startswith("reports") and message.endswith(".") for message in messages)
    text = " ".join(messages)
    for allowed in (*spec.CADENCES, *spec.DAYS_OF_WEEK, *spec.BREAKDOWNS, *limits.METRICS, *spec.SCOPES):
        assert allowed in text, allowed
    for bound in (
        f"1 to {spec.MAX_REPORTS:,}",
        f"1 to {spec.REPORT_ID_CHARS}",
        f"1 to {spec.NAME_CHARS}",
        f"from {spec.DAY_OF_MONTH_MIN} to {spec.DAY_OF_MONTH_MAX}",
        f"1 to {spec.MAX_SCOPE_VALUES}",
        f"1 to {spec.TAG_KEY_CHARS}",
        f"1 to {spec.COST_CATEGORY_NAME_CHARS}",
        f"1 to {spec.VALUE_CHARS}",
        f"1 to {spec.MAX_RECIPIENTS}",
        f"from {limits.TOP_SERVICES_MIN} to {limits.TOP_SERVICES_MAX}",
        f"below {spec.BUDGET_MAX:,}",
        f"at most {spec.MAX_CHANNELS}",
        f"1 to {spec.CHANNEL_NAME_CHARS}",
    ):
        assert bound in text, bound
    channel_messages = [attr(v, "error_message") for v in blocks(terraform.variables["chat_channels"], "validation")]
    assert all(message.startswith("chat_channels") and message.endswith(".") for message in channel_messages)
    for allowed in (*spec.CHANNEL_TYPES, f"1 to {spec.CHANNEL_NAME_CHARS}"):
        assert allowed in " ".join(channel_messages), allowed
    for precondition in declarations_preconditions(terraform):
        assert "chat" in attr(precondition, "error_message")


def test_the_patterns_are_spec_pys(terraform) -> None:
    conditions = " ".join(attr(v, "condition") for v in blocks(terraform.variables["reports"], "validation"))
    patterns = [p.encode().decode("unicode_escape") for p in re.findall(r'regex\("((?:[^"\\]|\\.)*)"', conditions)]
    assert f"^{spec.REPORT_ID.pattern}$" in patterns
    assert f"^{spec.ACCOUNT_ID.pattern}$" in patterns
    assert f"^({spec.TIME_ZONE.pattern})$" in patterns
    assert conditions.count(f'regex("^{spec.CHANNEL_NAME.pattern}$"') == 2, "the report id's and a chat name's"
    channel_conditions = " ".join(
        attr(v, "condition") for v in blocks(terraform.variables["chat_channels"], "validation")
    )
    assert f'regex("^{spec.CHANNEL_NAME.pattern}$"' in channel_conditions
    assert str(list(spec.CHANNEL_TYPES)).replace("'", '"') in channel_conditions.replace("'", '"')
    assert f"<= {spec.MAX_CHANNELS}" in conditions
    assert f"> {spec.MAX_CHANNELS}" in terraform.locals["overfull_chat"]


def test_the_whitespace_class_is_pythons(terraform) -> None:
    # parse_reports refuses a blank name (str.strip()) and an address with whitespace (re's \s): both are
    # str.isspace(). Terraform's trimspace() and RE2's \s know fewer, so the conditions spell the class out.
    conditions = " ".join(attr(v, "condition") for v in blocks(terraform.variables["reports"], "validation"))
    classes = set(
        re.findall(r"\[\^@?((?:\\\\[trx](?:\{[0-9a-f]+\})?(?:-\\\\[trx](?:\{[0-9a-f]+\})?)?)+)\]", conditions)
    )
    assert classes, "no whitespace class found"
    for found in classes:
        members = set()
        for low, high in re.findall(r"(\\\\[trx](?:\{[0-9a-f]+\})?)(?:-(\\\\[trx](?:\{[0-9a-f]+\})?))?", found):
            start, end = _code_point(low), _code_point(high or low)
            members |= {chr(c) for c in range(start, end + 1)}
        assert "".join(sorted(members)) == PYTHON_WHITESPACE


def _code_point(escape: str) -> int:
    escape = escape.replace("\\\\", "\\")
    return {"\\t": 9, "\\r": 13}.get(escape) or int(escape[3:-1], 16)


# --- The documented declarations and the docs' table ----------------------------------------------------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
EXAMPLE = TERRAFORM / "terraform.tfvars.example"


def example_reports(tmp_path: Path, variable: str = "reports") -> dict:
    """The `reports` (or `chat_channels`) terraform.tfvars.example suggests (commented out, as its other
    optional values are)."""
    text = EXAMPLE.read_text()
    block = re.search(rf"^# {variable} = \{{\n(?:#.*\n)*?# \}}\n", text, flags=re.MULTILINE)
    assert block, f"terraform.tfvars.example shows no {variable}"
    return parsed_tfvars(tmp_path, re.sub(r"^# ?", "", block[0], flags=re.MULTILINE), variable)


def doc_reports(tmp_path: Path) -> dict:
    """The `reports` of the hcl example in docs/configuration.md's Reports section."""
    section = DOC.read_text().split("\n## Reports\n", 1)[1].split("\n## ", 1)[0]
    (example,) = re.findall(r"```hcl\n(.*?)```", section, flags=re.DOTALL)
    return parsed_tfvars(tmp_path, example)


def parsed_tfvars(tmp_path: Path, text: str, variable: str = "reports") -> dict:
    path = tmp_path / "example.tfvars"
    path.write_text(text)
    parsed = parse_files([path])[path.name]
    assert "error" not in parsed, parsed
    return parsed[variable][0]


def test_the_example_tfvars_reports_plan_and_parse(terraform, tmp_path) -> None:
    declaration = example_reports(tmp_path)
    channels = example_reports(tmp_path, "chat_channels")
    accepted, messages, value = terraform_side(terraform, declaration, channels)
    assert accepted, messages
    reports = {r.id: r for r in spec.parse_reports(json.loads(as_json(rendered(terraform, value, channels))))}
    organisation = spec.Scope()
    assert [(r.cadence, r.scope, r.breakdown, r.secondary_breakdown) for r in reports.values()] == [
        ("daily", organisation, spec.Breakdown("service"), None),
        ("monthly", organisation, spec.Breakdown("service"), spec.Breakdown("account")),
        ("daily", spec.Scope("cost_category", "Team", ("Payments",)), spec.Breakdown("service"), None),
        ("weekly", spec.Scope("accounts", None, ("111111111111", "222222222222")), spec.Breakdown("account"), None),
    ]
    assert reports[spec.DEFAULT_REPORT_ID].record_prefix == "", "the organisation's daily report keeps its records"
    # One Slack channel for every report, a Teams channel for one of them.
    slack, teams = spec.ChatChannel("finops", "slack"), spec.ChatChannel("payments-teams", "teams")
    assert {r.id: r.chat for r in reports.values()} == {
        "daily": (slack,),
        "monthly": (slack,),
        "payments": (slack, teams),
        "shared-accounts": (slack,),
    }


def test_the_docs_example_plans_and_parses(terraform, tmp_path) -> None:
    accepted, messages, value = terraform_side(terraform, doc_reports(tmp_path))
    assert accepted, messages
    assert spec.parse_reports(json.loads(as_json(rendered(terraform, value))))


def doc_rows() -> dict[str, str]:
    section = DOC.read_text().split("\n## Reports\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 3 and cells[0] not in ("Field", "---"):
            name = re.fullmatch(r"`([\w.]+)`", cells[0])
            rows[name[1] if name else cells[0]] = f"{cells[1]} | {cells[2]}"
    return rows


def test_the_docs_table_states_spec_pys_fields_defaults_and_bounds() -> None:
    rows = doc_rows()
    assert spec.REPORT_FIELDS <= set(rows), (
        f"docs/configuration.md, Reports: no row for {spec.REPORT_FIELDS - set(rows)}"
    )
    defaults = {f.name: f.default for f in spec.ReportSpec.__dataclass_fields__.values()}
    for name in ("cadence", "day_of_week", "day_of_month", "time_zone"):
        assert rows[name].startswith(f"`{defaults[name]}` |"), f"{name}: the default is {defaults[name]}"
    expected = {
        "the report id (the map key)": [
            f"1 to {spec.REPORT_ID_CHARS}",
            f"at most {spec.MAX_REPORTS:,}",
        ],
        "name": [f"1 to {spec.NAME_CHARS}"],
        "cadence": [f"`{c}`" for c in spec.CADENCES],
        "day_of_week": [f"`{d}`" for d in spec.DAYS_OF_WEEK],
        "day_of_month": [f"from {spec.DAY_OF_MONTH_MIN} to {spec.DAY_OF_MONTH_MAX}"],
        "scope": [f"`{s}`" for s in spec.SCOPES],
        "scope.accounts": [f"1 to {spec.MAX_SCOPE_VALUES}", "12-digit"],
        "scope.tag": [f"1 to {spec.TAG_KEY_CHARS}", f"1 to {spec.MAX_SCOPE_VALUES}", f"1 to {spec.VALUE_CHARS}"],
        "scope.cost_category": [f"1 to {spec.COST_CATEGORY_NAME_CHARS}", f"1 to {spec.MAX_SCOPE_VALUES}"],
        "breakdown": [f"`{b}`" for b in spec.BREAKDOWNS]
        + [f"1 to {spec.TAG_KEY_CHARS}", f"1 to {spec.COST_CATEGORY_NAME_CHARS}"],
        "recipients": [f"1 to {spec.MAX_RECIPIENTS}"],
        "metric": [f"`{m}`" for m in limits.METRICS],
        "top_n": [f"from {limits.TOP_SERVICES_MIN} to {limits.TOP_SERVICES_MAX}"],
        "budget": [f"below {spec.BUDGET_MAX:,}"],
        "monthly_budget": [f"below {spec.BUDGET_MAX:,}", "weekly report ignores it"],
        "chat": [f"at most {spec.MAX_CHANNELS}", "`[]`", "`chat_channels`"],
    }
    missing = [f"{row}: {text}" for row, texts in expected.items() for text in texts if text not in rows[row]]
    assert missing == []


# --- What else reads the reports: the schedule and SES's sandbox -----------------------------------------------

WEEKLY = {"weekly": {"cadence": "weekly"}}
MONTHLY = {"monthly": {"cadence": "monthly", "day_of_month": 1}}
SCHEDULE_CASES = [
    pytest.param(None, "cron(30 6 ? * MON-FRI *)", True, id="the default daily report, weekdays only"),
    pytest.param({"a": {}}, "cron(0 8 1 * ? *)", True, id="daily reports, monthly schedule"),
    pytest.param(WEEKLY, "cron(0 8 * * ? *)", True, id="weekly report, every day"),
    pytest.param(WEEKLY, "cron(0 8 ? * * *)", True, id="weekly report, every day (day-of-month ?)"),
    pytest.param(MONTHLY, "cron(0/30 7-9 * * ? *)", True, id="monthly report, every half hour"),
    pytest.param(WEEKLY, "cron(0 8 ? * MON *)", False, id="weekly report, Mondays only"),
    pytest.param(MONTHLY, "cron(0 8 1 * ? *)", False, id="monthly report, the 1st only"),
    pytest.param(MONTHLY, "cron(30 6 ? * MON-FRI *)", False, id="monthly report, weekdays only"),
    pytest.param({**MONTHLY, "a": {}}, "cron(0 8 * 1-6 ? *)", False, id="monthly report, half the year"),
    pytest.param(WEEKLY, "cron(0 8 * * ? 2027)", False, id="weekly report, one year"),
]


def schedule_precondition(terraform: Terraform) -> dict:
    schedule = terraform.resources["aws_scheduler_schedule"]["daily_report"]
    (precondition,) = blocks(blocks(schedule, "lifecycle")[0], "precondition")
    return precondition


@pytest.mark.parametrize("declaration, expression, ok", SCHEDULE_CASES)
def test_the_schedule_must_run_daily_while_a_report_is_weekly_or_monthly(
    terraform, declaration, expression, ok
) -> None:
    accepted, _, value = terraform_side(terraform, declaration)
    assert accepted or declaration is None
    variables = {**DEPLOYMENT, "reports": value, "schedule_expression": expression}
    condition = attr(schedule_precondition(terraform), "condition")
    assert evaluate(condition, variables, terraform.locals) is ok
    assert "schedule_expression" in attr(schedule_precondition(terraform), "error_message")


def test_the_sandbox_verifies_every_reports_recipients_but_the_sender(terraform) -> None:
    declaration = {
        "team": {"recipients": ["team@example.com", "cost-report@example.com"]},
        "org": {},  # the deployment's recipients
    }
    _, _, value = terraform_side(terraform, declaration)
    identities = terraform.resources["aws_sesv2_email_identity"]["recipient"]
    variables = {**DEPLOYMENT, "reports": value, "ses_sandbox": True, "sender_email": "cost-report@example.com"}
    assert set(evaluate(attr(identities, "for_each"), variables, terraform.locals)) == {
        "team@example.com",
        *RECIPIENTS,
    }
    default = evaluate(attr(identities, "for_each"), {**variables, "reports": None}, terraform.locals)
    assert sorted(default) == sorted(RECIPIENTS), "the default report keeps the identities var.recipients had"


# --- With the real terraform binary, where there is one ------------------------------------------------------

TERRAFORM_BIN = shutil.which("terraform")


def reports_locals_block() -> str:
    """main.tf's `locals` block that defines local.reports, as written."""
    text = (TERRAFORM / "main.tf").read_text()
    for match in re.finditer(r"^locals \{$", text, flags=re.MULTILINE):
        block = block_at(text, match.start())
        if re.search(r"^  reports\s+=", block, flags=re.MULTILINE):
            return block
    raise AssertionError("no locals block in main.tf defines reports")


def block_at(text: str, start: int) -> str:
    """The HCL block that starts at `start` (its braces counted), as written."""
    depth = 0
    for position in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[position], 0)
        if depth == 0 and text[position] == "}":
            return text[start : position + 1]
    raise AssertionError("unbalanced braces")


@pytest.fixture(scope="module")
def reports_module(tmp_path_factory) -> Path:
    """variables.tf and the reports' locals alone, with local.reports as an output and the schedule's
    precondition on a terraform_data (Terraform's built-in provider): nothing to download."""
    directory = tmp_path_factory.mktemp("reports")
    shutil.copy(TERRAFORM / "variables.tf", directory / "variables.tf")
    schedule = (TERRAFORM / "schedule.tf").read_text()
    precondition = block_at(schedule, schedule.index("precondition {"))
    storage = (TERRAFORM / "storage.tf").read_text()
    declarations = block_at(storage, storage.index('resource "aws_s3_object" "reports" {'))
    lifecycle = block_at(declarations, declarations.index("lifecycle {"))
    (directory / "reports.tf").write_text(
        reports_locals_block()
        + '\n\noutput "reports" {\n  value = jsonencode(local.reports)\n}\n'
        + f'\nresource "terraform_data" "schedule" {{\n  lifecycle {{\n    {precondition}\n  }}\n}}\n'
        + f'\nresource "terraform_data" "reports" {{\n  {lifecycle}\n}}\n'
    )
    return directory


def tfvars(declaration: Any, schedule_expression: str = "cron(0 8 * * ? *)", channels: Any = CHANNELS) -> str:
    values = {
        "sender_email": "cost-report@example.com",
        "recipients": RECIPIENTS,
        "daily_budget": 99.5,
        "monthly_budget": 2500,
        "reports": declaration,
        "schedule_expression": schedule_expression,
        "chat_channels": channels,
    }
    return json.dumps(values, default=lambda d: float(d) if isinstance(d, Decimal) else str(d))


def terraform_plan(
    module: Path, name: str, declaration: Any, schedule: str = "cron(0 8 * * ? *)", channels: Any = CHANNELS
) -> tuple[bool, Any, str]:
    """(accepted, local.reports as JSON when accepted, stderr) from `terraform plan` itself."""
    directory = module.parent / f"{module.name}-{name}"
    shutil.copytree(module, directory, dirs_exist_ok=True)
    (directory / "terraform.tfvars.json").write_text(tfvars(declaration, schedule, channels))
    environment = {"TF_IN_AUTOMATION": "1", "TF_CLI_CONFIG_FILE": "/dev/null", "PATH": "/usr/bin:/bin"}
    run = [TERRAFORM_BIN, "plan", "-input=false", "-no-color", "-lock=false", "-out=plan"]
    result = subprocess.run(run, cwd=directory, capture_output=True, text=True, env=environment, timeout=60)
    if result.returncode != 0:
        return False, None, result.stderr
    show = subprocess.run(
        [TERRAFORM_BIN, "show", "-json", "plan"], cwd=directory, capture_output=True, text=True, env=environment
    )
    plan = json.loads(show.stdout)
    return True, json.loads(plan["planned_values"]["outputs"]["reports"]["value"]), ""


PLAN_MAX_REPORTS = 100


def convert_channels(channels: Any) -> Any:
    return convert(channels, variable_type("chat_channels"), "var.chat_channels")


@pytest.mark.skipif(TERRAFORM_BIN is None, reason="no terraform binary on this machine")
def test_terraform_plan_agrees_with_this_evaluation_on_every_declaration(terraform, reports_module) -> None:
    # But for the 10,000 and 10,001 reports: terraform plan takes over a minute to evaluate every
    # validation on 10,000 objects, where this evaluation takes under a second. Their one condition
    # of their own, length(var.reports) <= 10000, is the one this evaluation checks above, and plan
    # still agrees on the empty map, which the same condition refuses.
    cases = [
        (case.id, case.values[0], CHANNELS)
        for case in CASES
        if not (isinstance(case.values[0], dict) and len(case.values[0]) > PLAN_MAX_REPORTS)
    ] + [(f"chat_channels {case.id}", case.values[1], case.values[0]) for case in CHANNEL_CASES]
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 4) as pool:
        plans = list(
            pool.map(lambda c: terraform_plan(reports_module, str(cases.index(c)), c[1], channels=c[2]), cases)
        )
    disagreements = []
    for (name, declaration, channels), (accepted, document, stderr) in zip(cases, plans, strict=True):
        by_python, messages, value = terraform_side(terraform, declaration, channels)
        if accepted is not by_python:
            disagreements.append(
                f"{name}: plan {'accepts' if accepted else 'refuses'}; here {messages} {stderr[-300:]}"
            )
        elif accepted and json.loads(as_json(rendered(terraform, value, convert_channels(channels)))) != document:
            disagreements.append(f"{name}: local.reports differs: plan {document}")
        elif (
            not accepted
            and value is not None
            and not all(" ".join(m.split()) in " ".join(stderr.split()) for m in messages)
        ):
            disagreements.append(f"{name}: the plan's message is not this one: {messages} {stderr[-300:]}")
    assert disagreements == []


@pytest.mark.skipif(TERRAFORM_BIN is None, reason="no terraform binary on this machine")
def test_terraform_plan_refuses_a_schedule_that_skips_a_reports_day(reports_module) -> None:
    wrong = []
    for number, case in enumerate(SCHEDULE_CASES):
        declaration, expression, ok = case.values
        accepted, _, stderr = terraform_plan(reports_module, f"schedule-{number}", declaration, expression)
        if accepted is not ok or (not ok and "Resource precondition failed" not in stderr):
            wrong.append(f"{case.id}: {'accepted' if accepted else stderr[-300:]}")
    assert wrong == []
