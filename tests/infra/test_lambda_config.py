"""The Lambda functions are deployed as the code and the state machine expect them: one per folder of
functions/, python3.13 on arm64 with the Powertools layer, each handler where its zip puts it, each
timeout inside its state's, and every setting Terraform sets read by the function it is set on."""

from __future__ import annotations

import ast
import re

from tests.infra.terraform import FUNCTIONS, STATE_MACHINE, attr, blocks, definition_file, reference


def module_constants(tree: ast.Module) -> dict[str, str]:
    """A module's top-level string constants (BUCKET_VARIABLE = "SHARED_COSTS_BUCKET")."""
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def read_environment_variables(function: str) -> set[str]:
    """Names a function reads from its environment: os.environ.get("X"), environ["X"], or a helper
    called with the environment and the name (load_settings' _whole(environ, "X", ...)); the name
    written out or as a module constant (os.environ.get(BUCKET_VARIABLE, ""), sharing.py)."""
    names = set()
    for path in (FUNCTIONS / function).rglob("*.py"):
        tree = ast.parse(path.read_text())
        constants = module_constants(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                arguments = [
                    ast.Constant(constants[a.id]) if isinstance(a, ast.Name) and a.id in constants else a
                    for a in node.args
                ]
                receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
                mentions_environ = any(
                    isinstance(a, ast.Name)
                    and a.id == "environ"
                    or isinstance(a, ast.Attribute)
                    and a.attr == "environ"
                    for a in arguments + ([receiver] if receiver is not None else [])
                )
                if mentions_environ:
                    names |= {a.value for a in arguments if isinstance(a, ast.Constant) and isinstance(a.value, str)}
            if isinstance(node, ast.Subscript) and isinstance(node.slice, (ast.Constant, ast.Name)):
                value = node.value
                if (
                    isinstance(value, ast.Name)
                    and value.id == "environ"
                    or isinstance(value, ast.Attribute)
                    and value.attr == "environ"
                ):
                    key = node.slice
                    names.add(key.value if isinstance(key, ast.Constant) else constants.get(key.id, ""))
    return {name for name in names if re.fullmatch(r"[A-Z][A-Z0-9_]+", name)}


def test_one_function_per_folder_of_functions(terraform) -> None:
    assert sorted(terraform.locals["functions"]) == sorted(p.parent.name for p in FUNCTIONS.glob("*/handler.py"))


def test_the_functions_run_python_3_13_on_arm64_with_the_powertools_layer(terraform) -> None:
    function = terraform.resources["aws_lambda_function"]["this"]
    assert attr(function, "runtime") == "python3.13"
    assert attr(function, "architectures") == ["arm64"]
    assert attr(function, "layers") == ["${local.powertools_layer_arn}"]
    assert "AWSLambdaPowertoolsPythonV3-python313-arm64:" in terraform.locals["powertools_layer_arn"]
    assert [attr(block, "mode") for block in blocks(function, "tracing_config")] == ["Active"]


def test_each_handler_is_the_package_folder_at_the_zip_root(terraform) -> None:
    function = terraform.resources["aws_lambda_function"]["this"]
    assert attr(function, "handler") == "${each.key}.handler.lambda_handler"
    assert '"${path.module}/../build/${function}.zip"' in terraform.locals["function_zips"]
    for name in terraform.locals["functions"]:
        assert "def lambda_handler(" in (FUNCTIONS / name / "handler.py").read_text()


def test_the_code_hash_is_in_the_plan_and_a_missing_zip_is_explained(terraform) -> None:
    function = terraform.resources["aws_lambda_function"]["this"]
    assert "filebase64sha256(local.function_zips[each.key])" in attr(function, "source_code_hash")
    preconditions = blocks(blocks(function, "lifecycle")[0], "precondition")
    (precondition,) = [p for p in preconditions if "fileexists(" in attr(p, "condition")]
    assert "make package" in attr(precondition, "error_message")


def test_each_function_times_out_before_its_state_does(terraform) -> None:
    import json

    definition = json.loads(STATE_MACHINE.read_text())
    _, variables_local = definition_file(terraform.resources["aws_sfn_state_machine"]["cost_notifier"])
    variables = terraform.locals[variables_local]
    invoked = []
    for state_name, state in every_state(definition["States"]):
        if state.get("Resource") != "arn:aws:states:::lambda:invoke":
            continue
        invoked.append(state_name)
        placeholder = state["Parameters"]["FunctionName"].strip("${}")
        function = reference(variables[placeholder]).key
        timeout = terraform.locals["functions"][function]["timeout"]
        assert "TimeoutSeconds" in state, f"{state_name} has no TimeoutSeconds"
        assert timeout < state["TimeoutSeconds"], f"{function} ({timeout} s) must time out before {state_name}"
    assert invoked, "no lambda:invoke state found"


def every_state(states: dict):
    """Every state of a definition, those inside a Map's ItemProcessor (PostToChat's) or a Parallel's
    branches too."""
    for name, state in states.items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from every_state(branch["States"])
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield from every_state(state[key]["States"])


def test_every_setting_terraform_sets_is_read_by_that_function(terraform) -> None:
    for function, settings in terraform.locals["functions"].items():
        read = read_environment_variables(function)
        assert set(settings["environment"]) <= read, f"{function} does not read {set(settings['environment']) - read}"


def test_every_infrastructure_name_terraform_sets_is_read_by_that_function(terraform) -> None:
    infrastructure = terraform.locals["infrastructure_environment"]
    assert set(infrastructure) <= set(terraform.locals["functions"])
    for function, names in infrastructure.items():
        read = read_environment_variables(function)
        assert set(names) <= read, f"{function} does not read {set(names) - read}"


def test_the_infrastructure_names_come_last_in_the_environment(terraform) -> None:
    # merge(): a later map wins, so extra_function_environment cannot replace a bucket name.
    variables = attr(blocks(terraform.resources["aws_lambda_function"]["this"], "environment")[0], "variables")
    assert variables.replace(" ", "").endswith(",lookup(local.infrastructure_environment,each.key,{}))}"), variables


def test_the_typed_settings_cannot_be_shadowed_by_the_extra_environment(terraform) -> None:
    typed = {name for settings in terraform.locals["functions"].values() for name in settings["environment"]}
    conditions = " ".join(
        attr(v, "condition") for v in blocks(terraform.variables["extra_function_environment"], "validation")
    )
    for name in typed:
        assert f"'{name}'" in conditions or f'"{name}"' in conditions, f"{name} could be overridden"


def test_the_functions_get_the_powertools_settings(terraform) -> None:
    assert terraform.locals["common_environment"] == {
        "POWERTOOLS_SERVICE_NAME": "cost-notifier",
        "POWERTOOLS_METRICS_NAMESPACE": "CostNotifier",
        "POWERTOOLS_LOG_LEVEL": "${var.log_level}",
    }
