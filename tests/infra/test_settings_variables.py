"""Every setting a function reads is a typed Terraform variable whose validation accepts exactly what the
function accepts, so a bad value stops `terraform plan` instead of failing the first run after it has
claimed the day.

How the bounds are compared: not by reading numbers out of the condition text, but by evaluating each
variable's `validation` condition (tests/infra/hcl_condition.py, a tiny evaluator of the subset the
settings use) and asking the function's own Python the same question, for values at and around every
bound either side states: the Python table's minimum and maximum (functions/fetch_costs/settings.py,
SETTINGS) and every number written in the condition, each -1, -0.5, -0.001, +0, +0.001, +0.5, +1, plus
0, -1, the default and null. If the two disagree about any bound, one of these values lies between
them (a Python bound probes at itself, a Terraform bound at itself and either side), so any drift fails.
The value reaches the function as Terraform's tostring() writes it (2.50 -> "2.5").

Non-numbers ("abc") never reach a validation: a `number` variable refuses them when it converts the
value, naming the variable. The last test runs the real terraform binary, where there is one, to show
both refusals happen at plan with the variable's name in the message.
"""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.infra.hcl_condition import EvaluationError, evaluate
from tests.infra.terraform import FUNCTIONS, TERRAFORM, Terraform, attr, blocks
from tests.infra.test_lambda_config import read_environment_variables

DELTAS = tuple(Decimal(d) for d in ("-1", "-0.5", "-0.001", "0", "0.001", "0.5", "1"))
# Values a choice setting must refuse, whatever its list: wrong case, a near miss. (Not padding: the
# function strips blanks, Terraform's contains() does not, and stricter at plan is fine.)
CHOICE_JUNK = ("unblendedcost", "Unblended", "Other", "1")
# Values a name setting (an AWS Budgets budget's name) must refuse: characters and a substring AWS refuses, a
# name too long; and names at its bounds.
NAME_PROBES = ("a:b", "back\\slash", "x/action/y", "line\n/action/", "n" * 101, "n" * 100, "n", "Org monthly")


def variable_for(setting: str) -> str:
    """One name per idea: DAILY_BUDGET is set by var.daily_budget."""
    return setting.lower()


def settings_module(function: str) -> ModuleType | None:
    """functions/<function>/settings.py: load_settings(environ), ConfigurationError and the SETTINGS table."""
    if not (FUNCTIONS / function / "settings.py").exists():
        return None
    return importlib.import_module(f"{function}.settings")


# The environment variables a function reads that are not settings: where a resource Terraform creates
# for it is, set from that resource (lambda.tf's local.infrastructure_environment), with no variable to
# choose it. {(function, name): the resource attribute Terraform sets it from}. Every other name a
# function reads is a setting, and gets every check below.
INFRASTRUCTURE = {
    # The shared-costs bucket (report_contract/objects.py lays it out): sharing.BUCKET_VARIABLE, and
    # resolve_report_date's BUCKET_VARIABLE (the declarations, the due list).
    ("resolve_report_date", "SHARED_COSTS_BUCKET"): "${aws_s3_bucket.shared_costs.bucket}",
    ("fetch_costs", "SHARED_COSTS_BUCKET"): "${aws_s3_bucket.shared_costs.bucket}",
    # Where the chat channels' secrets are (chat.tf): a channel's secret id is this prefix and its name,
    # the same local the secrets are named with.
    ("post_chat", "CHAT_SECRET_PREFIX"): "${local.chat_secret_prefix}",
}


def read_settings() -> dict[str, str]:
    """{setting: function} for every environment variable a function reads: found in its code (as
    test_lambda_config finds them) and in its SETTINGS table, but for its INFRASTRUCTURE names."""
    found: dict[str, str] = {}
    for function in sorted(path.parent.name for path in FUNCTIONS.glob("*/handler.py")):
        module = settings_module(function)
        names = read_environment_variables(function) | {s.name for s in getattr(module, "SETTINGS", ())}
        names -= {name for reader, name in INFRASTRUCTURE if reader == function}
        for name in names:
            assert name not in found, f"{name} is read by {found[name]} and {function}: one setting, one function"
            found[name] = function
    return found


SETTINGS = read_settings()


# --- What each function accepts, asked of its own code --------------------------------------------------


def function_accepts(setting: str, value: str | None) -> bool:
    """Whether the function that reads the setting starts with this value in its environment (None: unset)."""
    module = settings_module(SETTINGS[setting])
    assert module is not None, f"{SETTINGS[setting]} reads {setting} but has no settings.py to ask"
    try:
        module.load_settings({} if value is None else {setting: value})
    except module.ConfigurationError:
        return False
    return True


def python_table(setting: str) -> Any:
    """The setting's row in its function's SETTINGS table (its bounds become probes too), or None."""
    module = settings_module(SETTINGS[setting])
    return {row.name: row for row in getattr(module, "SETTINGS", ())}.get(setting)


# --- What Terraform accepts ------------------------------------------------------------------------------


def tostring(value: Decimal) -> str:
    """Terraform's tostring() of a number: no exponent, no trailing zeros (2.50 -> "2.5", 1e3 -> "1000")."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def terraform_accepts(terraform: Terraform, variable: str, value: Any) -> bool:
    """Whether every validation of the variable passes; an evaluation error fails the plan, so it refuses."""
    for validation in blocks(terraform.variables[variable], "validation"):
        try:
            if evaluate(attr(validation, "condition"), {variable: value}) is not True:
                return False
        except EvaluationError:
            return False
    return True


def numeric(terraform: Terraform, variable: str) -> bool:
    return attr(terraform.variables[variable], "type") == "${number}"


def probes(terraform: Terraform, setting: str) -> Iterator[Any]:
    variable = variable_for(setting)
    body = terraform.variables[variable]
    table = python_table(setting)
    if not numeric(terraform, variable):
        yield from getattr(table, "allowed", ())
        conditions = " ".join(attr(v, "condition") for v in blocks(body, "validation"))
        yield from re.findall(r"['\"](\w+)['\"]", conditions)
        yield from CHOICE_JUNK
        yield from NAME_PROBES
        return
    bounds = {Decimal(0), Decimal(-1)}
    for validation in blocks(body, "validation"):
        bounds |= {
            Decimal(number) for number in re.findall(r"(?<![\w.])[0-9]+(?:\.[0-9]+)?", attr(validation, "condition"))
        }
    for bound in (getattr(table, "minimum", None), getattr(table, "maximum", None)):
        if bound is not None:
            bounds.add(Decimal(bound))
    for bound in sorted(bounds):
        for delta in DELTAS:
            yield bound + delta
    default = attr(body, "default")
    yield None if default is None else Decimal(str(default))  # null: the variable unset (daily_budget)


def as_environment(value: Any) -> str | None:
    """What the function's environment holds for a Terraform value (lambda.tf leaves null unset)."""
    if value is None:
        return None
    return tostring(value) if isinstance(value, Decimal) else value


# --- The tests ---------------------------------------------------------------------------------------------


def test_the_functions_read_settings_this_test_knows_how_to_ask() -> None:
    assert SETTINGS, "no settings found: has read_environment_variables stopped finding them?"
    for function in set(SETTINGS.values()):
        module = settings_module(function)
        assert module is not None and hasattr(module, "load_settings"), f"{function}: no settings.load_settings"


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_every_setting_a_function_reads_is_a_typed_documented_validated_variable(terraform, setting) -> None:
    variable = variable_for(setting)
    assert variable in terraform.variables, f"{SETTINGS[setting]} reads {setting}: declare variable {variable}"
    body = terraform.variables[variable]
    assert attr(body, "type") in ("${number}", "${string}"), f"{variable}: a setting is a number or a string"
    assert setting in attr(body, "description"), f"{variable}: the description names the variable it sets"
    validations = blocks(body, "validation")
    assert validations, f"{variable} has no validation"
    for validation in validations:
        assert attr(validation, "error_message").startswith(variable), "the message names the variable"


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_each_setting_reaches_the_function_that_reads_it_from_its_variable(terraform, setting) -> None:
    environment = terraform.locals["functions"][SETTINGS[setting]]["environment"]
    expression = environment.get(setting)
    variable = variable_for(setting)
    assert expression in (f"${{var.{variable}}}", f"${{tostring(var.{variable})}}"), (
        f"lambda.tf must set {setting} on {SETTINGS[setting]} from var.{variable}, got {expression!r}"
    )


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_terraform_accepts_exactly_the_values_the_function_accepts(terraform, setting) -> None:
    variable = variable_for(setting)
    disagreements = []
    for value in probes(terraform, setting):
        by_terraform = terraform_accepts(terraform, variable, value)
        by_function = function_accepts(setting, as_environment(value))
        if by_terraform != by_function:
            disagreements.append(
                f"{value}: terraform {'accepts' if by_terraform else 'refuses'}, "
                f"{SETTINGS[setting]} {'accepts' if by_function else 'refuses'}"
            )
    assert disagreements == [], f"{variable} and {setting} disagree"


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_the_variables_default_is_the_functions_default(terraform, setting) -> None:
    # The function's default applies when the variable is unset; Terraform always sets it (but null),
    # so the two defaults must give the same settings.
    default = attr(terraform.variables[variable_for(setting)], "default")
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        default = Decimal(str(default))
    assert terraform_accepts(terraform, variable_for(setting), default)
    load_settings = settings_module(SETTINGS[setting]).load_settings
    environment = as_environment(default)
    assert load_settings({} if environment is None else {setting: environment}) == load_settings({})


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_a_setting_that_takes_numbers_is_a_number_variable(terraform, setting) -> None:
    # The function refuses "abc" for a number setting; Terraform refuses it earlier, when it converts
    # the value to the variable's type (the real-binary test below shows the message). A name that may be
    # all digits (a budget named "5") takes text too: a string variable.
    takes_numbers = any(function_accepts(setting, str(n)) for n in range(101))
    takes_text = function_accepts(setting, "abc")
    assert numeric(terraform, variable_for(setting)) is (takes_numbers and not takes_text), (
        f"{variable_for(setting)}: wrong type"
    )


@pytest.mark.parametrize("function, name", sorted(INFRASTRUCTURE))
def test_an_infrastructure_name_is_set_from_its_resource_and_is_no_setting(terraform, function, name) -> None:
    expression = INFRASTRUCTURE[(function, name)]
    assert name in read_environment_variables(function), f"{function} no longer reads {name}: remove it here"
    module = settings_module(function)
    assert name not in {row.name for row in getattr(module, "SETTINGS", ())}, f"{name} is in the SETTINGS table"
    assert variable_for(name) not in terraform.variables, f"{name} is set by Terraform, not by var.{variable_for(name)}"
    assert name not in terraform.locals["functions"][function]["environment"], "it is no setting: not with them"
    assert terraform.locals["infrastructure_environment"][function].get(name) == expression


def test_only_the_infrastructure_names_bypass_the_settings_rule(terraform) -> None:
    written = {
        (function, name) for function, names in terraform.locals["infrastructure_environment"].items() for name in names
    }
    assert written == set(INFRASTRUCTURE)


def test_the_extra_environment_refuses_every_setting_by_name(terraform) -> None:
    conditions = " ".join(
        attr(v, "condition") for v in blocks(terraform.variables["extra_function_environment"], "validation")
    )
    for setting in SETTINGS:
        assert f"'{setting}'" in conditions or f'"{setting}"' in conditions, f"{setting} could be set there"


# --- With the real terraform binary, where there is one ----------------------------------------------------

TERRAFORM_BIN = shutil.which("terraform")


def plan(directory: Path, **values: str) -> subprocess.CompletedProcess:
    arguments = [f"-var={name}={value}" for name, value in values.items()]
    return subprocess.run(
        [TERRAFORM_BIN, "plan", "-input=false", "-no-color", "-lock=false", *arguments],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
        env={"TF_IN_AUTOMATION": "1", "TF_CLI_CONFIG_FILE": "/dev/null", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )


@pytest.fixture(scope="module")
def variables_only(tmp_path_factory) -> Path:
    """variables.tf alone: no provider to download, so `terraform plan` runs offline and checks the inputs."""
    directory = tmp_path_factory.mktemp("variables")
    shutil.copy(TERRAFORM / "variables.tf", directory / "variables.tf")
    (directory / "required.auto.tfvars").write_text(
        'sender_email = "cost-report@example.com"\nrecipients = ["finops@example.com"]\n'
    )
    return directory


@pytest.mark.skipif(TERRAFORM_BIN is None, reason="no terraform binary on this machine")
def test_terraform_plan_refuses_a_bad_setting_naming_its_variable(terraform, variables_only) -> None:
    assert plan(variables_only).returncode == 0, plan(variables_only).stderr
    failures = []
    for setting in sorted(SETTINGS):
        variable = variable_for(setting)
        bad = (
            ["abc"]
            if numeric(terraform, variable)
            else [v for v in ("unblendedcost", "a:b") if not function_accepts(setting, v)][:1]
        )
        if numeric(terraform, variable):
            refused = [v for v in probes(terraform, setting) if not terraform_accepts(terraform, variable, v)]
            bad += [tostring(min(refused, key=abs)), tostring(max(refused))]
        for value in bad:
            result = plan(variables_only, **{variable: value})
            if result.returncode == 0 or f"var.{variable}" not in result.stderr:
                failures.append(f"{variable}={value}: {result.stderr[-300:]}")
    extra = plan(variables_only, extra_function_environment='{fetch_costs={DAILY_BUDGET="40"}}')
    if extra.returncode == 0 or "daily_budget" not in extra.stderr:
        failures.append(f"extra_function_environment DAILY_BUDGET: {extra.stderr[-300:]}")
    assert failures == [], "\n".join(failures)


def test_the_settings_the_example_tfvars_suggests_pass_their_validations(terraform) -> None:
    # terraform.tfvars.example lists each setting commented out; uncommented, each must plan.
    example = (TERRAFORM / "terraform.tfvars.example").read_text()
    suggested = dict(re.findall(r"^# (\w+)\s*= (\S+)", example, flags=re.MULTILINE))
    for setting in SETTINGS:
        variable = variable_for(setting)
        assert variable in suggested, f"terraform.tfvars.example does not show {variable}"
        text = suggested[variable]
        value = text.strip('"') if text.startswith('"') else Decimal(text)
        assert terraform_accepts(terraform, variable, value), f"{variable} = {text}"
