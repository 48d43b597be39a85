"""templatefile() fills exactly the placeholders each state machine definition has: none missing (the
definition would deploy with a literal ${...} in it) and none unused (a value someone thinks is used)."""

from __future__ import annotations

import json

import pytest

from local.runtime import definition_variables
from tests.infra.terraform import NOTIFIER, STATE_MACHINE, definition_file, placeholder_names


@pytest.mark.parametrize(
    "state_machine, asl",
    [
        ("cost_notifier", STATE_MACHINE),
        ("notify_failure", NOTIFIER),
    ],
)
def test_templatefile_variables_match_the_definition_placeholders(terraform, state_machine, asl) -> None:
    body = terraform.resources["aws_sfn_state_machine"][state_machine]
    path, variables_local = definition_file(body)
    assert path == asl.resolve()
    variables = terraform.locals[variables_local]
    in_definition = placeholder_names(asl.read_text())
    assert in_definition, f"{asl.name} has no placeholders: is it the right file?"
    assert sorted(in_definition - set(variables)) == [], "placeholders Terraform does not fill"
    assert sorted(set(variables) - in_definition) == [], "variables no placeholder uses"


def test_terraform_and_the_embedded_runtime_fill_the_same_placeholders(terraform) -> None:
    _, variables_local = definition_file(terraform.resources["aws_sfn_state_machine"]["cost_notifier"])
    local_runtime = definition_variables("sender@example.com", {"daily": {"recipients": ["a@example.com"]}})
    assert set(terraform.locals[variables_local]) == set(local_runtime)


def test_the_reports_reach_the_definition_as_json_text_inside_its_json_string(terraform) -> None:
    # "reports": "${reports}" keeps the file valid JSON before it is filled; Terraform fills it with the
    # reports JSON-encoded twice, without the outer quotes, as the embedded runtime does.
    _, variables_local = definition_file(terraform.resources["aws_sfn_state_machine"]["cost_notifier"])
    expression = terraform.locals[variables_local]["reports"].replace(" ", "")
    assert expression == '${trimsuffix(trimprefix(jsonencode(jsonencode(local.reports)),"\\""),"\\"")}'
    assert '"reports": "${reports}"' in STATE_MACHINE.read_text()
    reports = {"daily": {"recipients": ['a"quote@example.com'], "name": "Team \\ back"}}
    filled = definition_variables("sender@example.com", reports)["reports"]
    assert json.loads(json.loads(f'"{filled}"')) == reports  # what ResolveReportDate reads back
    # Each report's recipients travel in its request, not in the definition.
    assert '"ToAddresses.$": "$.request.recipients"' in STATE_MACHINE.read_text()


def test_the_definition_has_no_template_directive_that_templatefile_would_interpret() -> None:
    for asl in (STATE_MACHINE, NOTIFIER):
        text = asl.read_text()
        assert "%{" not in text, f"{asl.name}: %{{ starts a template directive in templatefile()"
