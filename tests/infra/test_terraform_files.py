"""The configuration is well-formed and explains itself: every file parses, every variable is typed and
described, the risky ones are validated (and the validations accept and refuse what they should),
every output is described, and the example tfvars would pass."""

from __future__ import annotations

import re
import zoneinfo

import pytest

from tests.infra.terraform import TERRAFORM, Terraform, attr, blocks, parse_files
from tests.infra.terraform import validation_regexes as regexes

# Variables where a typo would deploy something broken, so Terraform must refuse it at plan time.
MUST_VALIDATE = {
    "region",
    "name_prefix",
    "sender_email",
    "recipients",
    "schedule_expression",
    "schedule_timezone",
    "cost_metric",
    "top_services",
    "cost_explorer_history_months",
    # ...and every other setting a function reads (test_settings_variables checks there are no others).
    "daily_budget",
    "monthly_budget",
    "anomaly_threshold",
    "anomaly_min_amount",
    "anomaly_min_percent",
    "mover_min_amount",
    "mover_min_percent",
    "revised_min_amount",
    "revised_min_percent",
    "new_service_days",
    "cost_explorer_max_requests",
    "log_level",
    "extra_function_environment",
    "powertools_layer_arn",
    "dynamodb_kms_key_arn",
    "log_retention_days",
    "state_machine_log_level",
    "alarm_emails",
    "reports",
    "chat_channels",
}


def accepted(terraform: Terraform, variable: str, value: str, only: int | None = None) -> bool:
    patterns = regexes(terraform, variable)
    if only is not None:
        patterns = patterns[only : only + 1]
    assert patterns, f"{variable} has no regex validation"
    return all(re.search(pattern, value) for pattern in patterns)


def test_every_tf_file_parses(terraform) -> None:
    assert terraform.errors == {}
    assert sorted(terraform.files) == sorted(path.name for path in TERRAFORM.glob("*.tf"))


def test_the_configuration_has_one_file_per_concern(terraform) -> None:
    expected = {
        "versions.tf",
        "variables.tf",
        "outputs.tf",
        "main.tf",
        "lambda.tf",
        "state_machine.tf",
        "dynamodb.tf",
        "ses.tf",
        "schedule.tf",
        "iam.tf",
        "monitoring.tf",
        "notifications.tf",
    }
    assert expected <= set(terraform.files)


def test_every_variable_has_a_type_and_a_description(terraform) -> None:
    for name, body in terraform.variables.items():
        assert attr(body, "type"), f"variable {name} has no type"
        description = attr(body, "description") or ""
        assert len(description.split()) >= 5, f"variable {name} needs a description that says what it does"


def test_every_risky_variable_has_a_validation_with_a_message(terraform) -> None:
    assert MUST_VALIDATE <= set(terraform.variables), "a variable this test expects was renamed or removed"
    for name in MUST_VALIDATE:
        validations = blocks(terraform.variables[name], "validation")
        assert validations, f"variable {name} can be mistyped but has no validation"
        for validation in validations:
            assert attr(validation, "condition")
            assert (attr(validation, "error_message") or "").endswith("."), f"{name}: error_message must be a sentence"


def test_every_output_has_a_description(terraform) -> None:
    expected = {"state_machine_arn", "state_machine_console_url", "table_name", "alarm_topic_arn", "manual_run_command"}
    assert expected <= set(terraform.outputs)
    for name, body in terraform.outputs.items():
        assert len((attr(body, "description") or "").split()) >= 5, f"output {name} needs a description"


def test_every_regex_validation_is_anchored(terraform) -> None:
    # can(regex()) is true when the pattern matches anywhere, so an unanchored pattern accepts junk around a good value.
    for name in terraform.variables:
        for pattern in regexes(terraform, name):
            assert pattern.startswith("^") and pattern.endswith("$"), f"{name}: {pattern!r} is not anchored"


def test_the_example_tfvars_pass_the_validations(terraform) -> None:
    example = parse_files([TERRAFORM / "terraform.tfvars.example"])["terraform.tfvars.example"]
    assert "error" not in example, example
    values = {name: value[0] for name, value in example.items()}
    assert set(values) <= set(terraform.variables)
    assert {"sender_email", "recipients"} <= set(values), "the example must set the variables without defaults"
    assert accepted(terraform, "region", values["region"])
    assert accepted(terraform, "sender_email", values["sender_email"])
    for address in values["recipients"] + values["alarm_emails"]:
        assert accepted(terraform, "recipients", address)
    assert 1 <= len(values["recipients"]) <= 50


def test_the_defaults_pass_their_own_validations(terraform) -> None:
    for name in ("region", "name_prefix", "schedule_timezone"):
        assert accepted(terraform, name, attr(terraform.variables[name], "default")), name
    assert accepted(terraform, "schedule_expression", attr(terraform.variables["schedule_expression"], "default"))


@pytest.mark.parametrize(
    "address, ok",
    [
        ("finops@example.com", True),
        ("first.last+costs@sub.example.co.uk", True),
        ("Team <finops@example.com>", False),  # SES wants the bare address here
        ("finops@example", False),
        ("finops@@example.com", False),
        ("a@example.com,b@example.com", False),  # the state machine splits recipients on commas
        ("finops@example.com ", False),
        ("", False),
    ],
)
def test_email_validation(terraform, address, ok) -> None:
    assert accepted(terraform, "sender_email", address) is ok
    assert accepted(terraform, "recipients", address) is ok
    assert accepted(terraform, "alarm_emails", address) is ok


@pytest.mark.parametrize(
    "expression, ok",
    [
        ("cron(0 8 * * ? *)", True),
        ("cron(30 6 ? * MON-FRI *)", True),
        ("cron(0 8 1 * ? *)", True),
        ("cron(0/30 7-9 * * ? *)", True),
        ("cron(0 8 * * *)", False),  # five fields: crontab, not EventBridge
        ("cron(0 8 * * * *)", False),  # neither day field is ?
        ("rate(1 day)", False),
        ("cron(0 8 * * ? *) ", False),
        ("0 8 * * ? *", False),
    ],
)
def test_schedule_expression_validation(terraform, expression, ok) -> None:
    assert accepted(terraform, "schedule_expression", expression) is ok


@pytest.mark.parametrize(
    "zone, ok",
    [
        ("UTC", True),
        ("Europe/Paris", True),
        ("America/Argentina/Buenos_Aires", True),
        ("Etc/GMT+2", True),
        ("Asia/Kolkata", True),
        ("utc", False),
        ("Europe", False),
        ("Paris", False),
        ("UTC+2", False),
        ("Europe/Paris/", False),
        ("Mars/Olympus_Mons", False),
        (" Europe/Paris", False),
    ],
)
def test_schedule_timezone_validation(terraform, zone, ok) -> None:
    assert accepted(terraform, "schedule_timezone", zone) is ok


def test_schedule_timezone_validation_accepts_every_area_location_zone_python_knows(terraform) -> None:
    areas = (
        "Africa/",
        "America/",
        "Antarctica/",
        "Arctic/",
        "Asia/",
        "Atlantic/",
        "Australia/",
        "Europe/",
        "Indian/",
        "Pacific/",
        "Etc/",
    )
    zones = sorted(zone for zone in zoneinfo.available_timezones() if zone.startswith(areas))
    assert len(zones) > 300, "the tz database looks incomplete on this machine"
    refused = [zone for zone in zones if not accepted(terraform, "schedule_timezone", zone)]
    # Etc/ holds a few aliases (Etc/Universal, Etc/Zulu...) that UTC already covers.
    assert [zone for zone in refused if not zone.startswith("Etc/")] == []


@pytest.mark.parametrize(
    "prefix, ok",
    [
        ("cost-notifier", True),
        ("cn", True),
        ("team-a-costs2", True),
        ("a" * 32, True),
        ("a" * 33, False),
        ("Cost-Notifier", False),
        ("cost_notifier", False),
        ("-cost", False),
        ("cost-", False),
        ("9costs", False),
        ("c", False),
    ],
)
def test_name_prefix_validation(terraform, prefix, ok) -> None:
    assert accepted(terraform, "name_prefix", prefix) is ok


@pytest.mark.parametrize(
    "region, ok",
    [
        ("us-east-1", True),
        ("eu-central-2", True),
        ("ap-southeast-4", True),
        ("us-gov-west-1", True),
        ("cn-north-1", True),
        ("US-EAST-1", False),
        ("us-east", False),
        ("useast1", False),
    ],
)
def test_region_validation(terraform, region, ok) -> None:
    assert accepted(terraform, "region", region) is ok


@pytest.mark.parametrize(
    "arn, ok",
    [
        ("arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27", True),
        ("arn:aws-cn:lambda:cn-north-1:498634801083:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27", True),
        ("arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64", False),
        ("AWSLambdaPowertoolsPythonV3-python313-arm64:27", False),
    ],
)
def test_powertools_layer_arn_validation(terraform, arn, ok) -> None:
    assert accepted(terraform, "powertools_layer_arn", arn) is ok


def test_recipients_are_limited_to_fifty_and_must_not_repeat(terraform) -> None:
    conditions = " ".join(attr(v, "condition") for v in blocks(terraform.variables["recipients"], "validation"))
    assert "length(var.recipients) <= 50" in conditions
    assert "distinct(" in conditions
