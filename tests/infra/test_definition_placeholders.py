"""templatefile() fills exactly the placeholders each state machine definition has: none missing (the
definition would deploy with a literal ${...} in it) and none unused (a value someone thinks is used)."""

from __future__ import annotations

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
    assert set(terraform.locals[variables_local]) == set(definition_variables("sender@example.com"))


def test_the_reports_are_not_in_the_definition() -> None:
    # Terraform writes them to S3 (config/reports.json); each report's recipients travel in its request.
    assert "${reports}" not in STATE_MACHINE.read_text()
    assert '"ToAddresses.$": "$.request.recipients"' in STATE_MACHINE.read_text()


def test_the_definition_has_no_template_directive_that_templatefile_would_interpret() -> None:
    for asl in (STATE_MACHINE, NOTIFIER):
        text = asl.read_text()
        assert "%{" not in text, f"{asl.name}: %{{ starts a template directive in templatefile()"
