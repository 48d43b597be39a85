"""Least privilege, derived rather than listed: what each role needs is computed from what its principal
does (the Task resources of the two ASL files, the boto3 calls in functions/, the schedule's and the
rule's targets, logging and tracing settings), then compared with what iam.tf grants. A needed
action that is missing fails, and so does anything granted beyond it.

Resource "*" appears only for actions AWS documents as having no resource types."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

import botocore.session
from botocore import xform_name

from tests.infra.terraform import (
    FUNCTIONS,
    TERRAFORM,
    Terraform,
    as_list,
    attr,
    blocks,
    definition_file,
    reference,
)

# --- What AWS documents -------------------------------------------------------------------------------

# Step Functions Developer Guide, "IAM policies for integrated services": each optimized or AWS SDK
# integration needs the IAM action of the API it calls, on the resource named by these parameters.
INTEGRATIONS = {
    "arn:aws:states:::lambda:invoke": ("lambda:InvokeFunction", ("FunctionName",)),
    "arn:aws:states:::dynamodb:getItem": ("dynamodb:GetItem", ("TableName",)),
    "arn:aws:states:::dynamodb:putItem": ("dynamodb:PutItem", ("TableName",)),
    "arn:aws:states:::dynamodb:updateItem": ("dynamodb:UpdateItem", ("TableName",)),
    # SES v2 authorises SendEmail against the From identity and the configuration set (Service
    # Authorization Reference, Amazon SES v2: SendEmail, resource types identity and configuration-set).
    "arn:aws:states:::aws-sdk:sesv2:sendEmail": ("ses:SendEmail", ("FromEmailAddress", "ConfigurationSetName")),
    "arn:aws:states:::sns:publish": ("sns:Publish", ("TopicArn",)),
    "arn:aws:states:::aws-sdk:sfn:getExecutionHistory": ("states:GetExecutionHistory", ("ExecutionArn",)),
    # Step Functions starting an execution (of itself: one child per due report). "IAM policies for AWS
    # Step Functions", https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html:
    # StartExecution on the state machine, for the asynchronous and the synchronous integration alike.
    "arn:aws:states:::states:startExecution": ("states:StartExecution", ("StateMachineArn",)),
    "arn:aws:states:::states:startExecution.sync": ("states:StartExecution", ("StateMachineArn",)),
    "arn:aws:states:::states:startExecution.sync:2": ("states:StartExecution", ("StateMachineArn",)),
}

# The same page, Synchronous: a .sync integration also follows the child, on the started state machine's
# executions (DescribeExecution, StopExecution), and through the EventBridge rule Step Functions manages
# for it (PutTargets, PutRule, DescribeRule on rule/StepFunctionsGetEventsForStepFunctionsExecutionRule).
# Both are granted for this state machine, the only one it starts.
SYNC_INTEGRATIONS = ("arn:aws:states:::states:startExecution.sync", "arn:aws:states:::states:startExecution.sync:2")
SYNC_NEEDS = {
    ("states:DescribeExecution", "local.execution_arn_match"),
    ("states:StopExecution", "local.execution_arn_match"),
    # (a local naming arn:...:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule, if ever needed)
    ("events:PutTargets", "local.sync_executions_rule_arn"),
    ("events:PutRule", "local.sync_executions_rule_arn"),
    ("events:DescribeRule", "local.sync_executions_rule_arn"),
}
MANAGED_RULE = "rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"

# A Map state in Distributed mode ("IAM policies for using Distributed Map states",
# https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html). Its ItemReader and
# ResultWriter call S3 like a Task: the ItemReader's s3:getObject needs GetObject on the key it reads,
# the ResultWriter's s3:putObject writes the Map Run's results under its Prefix, with multipart uploads
# (these four actions, as that page lists them). Its child workflow executions are executions of this
# same state machine, labelled with the Map Run (execution:<name>/<label>:<id>, Service Authorization
# Reference for Step Functions): the role starts them (StartExecution on the state machine), follows and
# stops them (DescribeExecution, StopExecution), and redrives the failed ones when the run is redriven.
ITEM_READERS = {"arn:aws:states:::s3:getObject": ("s3:GetObject",)}
RESULT_WRITERS = {
    "arn:aws:states:::s3:putObject": (
        "s3:PutObject",
        "s3:GetObject",
        "s3:ListMultipartUploadParts",
        "s3:AbortMultipartUpload",
    )
}
MAP_RUN_CHILDREN = "local.map_run_execution_arn_match"
DISTRIBUTED_NEEDS = {
    ("states:StartExecution", "local.state_machine_arn"),
    ("states:DescribeExecution", MAP_RUN_CHILDREN),
    ("states:StopExecution", MAP_RUN_CHILDREN),
    ("states:RedriveExecution", MAP_RUN_CHILDREN),
}
# The keys the ItemReader reads are named at run time (States.Format('runs/{}/due.json', $$.Execution.Name)):
# the grant is on the prefix the template starts with, which must be one of report_contract.objects'.
_KEY_TEMPLATE = re.compile(r"^States\.Format\('([^'{]*)")

# Context object paths a parameter may read, and the resource each one is: "$$.StateMachine.Id" is the ARN
# of the state machine running the state (the fan-out starts executions of itself).
CONTEXT_PATHS = {"$$.StateMachine.Id": "local.state_machine_arn"}

# A parameter read from the state's input ("ExecutionArn.$": "$.detail.executionArn") has no placeholder
# to follow: the notifier reads the history of executions of the report state machine, which the
# EventBridge rule that starts it filters on (test_the_notifier_is_started_only_for_this_state_machine).
FROM_INPUT = {("states:GetExecutionHistory", "ExecutionArn"): "local.execution_arn_match"}

# While in the SES sandbox, SES also checks SendEmail against each recipient's identity (the
# "not authorized to perform ses:SendEmail on resource .../identity/<recipient>" error).
SANDBOX_RECIPIENTS = "aws_sesv2_email_identity.recipient[*].arn"

# Step Functions Developer Guide, "IAM policies for logging to CloudWatch Logs": vended log delivery.
STATES_LOG_DELIVERY = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
# Step Functions Developer Guide, "IAM policies for AWS X-Ray".
STATES_XRAY = ("xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets")
# Lambda Developer Guide, "Visualize Lambda function invocations using AWS X-Ray": with active tracing the
# execution role needs these two (what AWSXRayDaemonWriteAccess's write part grants).
LAMBDA_XRAY = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
# Lambda Developer Guide, "Lambda execution role": writing to the function's log group (created by
# Terraform, so no logs:CreateLogGroup).
LAMBDA_LOGS = ("logs:CreateLogStream", "logs:PutLogEvents")

# Actions with no resource types in the Service Authorization Reference: "*" is the only Resource.
DOCUMENTED_STAR = {
    "ce:GetCostAndUsage": "AWS Cost Explorer Service: no ce: action has resource types",
    "ses:GetAccount": "Amazon Simple Email Service v2: GetAccount has no resource types",
    **{action: "AWS X-Ray: trace and sampling actions have no resource types" for action in STATES_XRAY},
    **{
        action: "Step Functions logging to CloudWatch Logs: vended log delivery actions"
        for action in STATES_LOG_DELIVERY
    },
}

# How to scope an action a function's boto3 calls need. S3: GetObject and PutObject are authorised on
# the "object" resource type, arn:${Partition}:s3:::${BucketName}/${ObjectName} (Service Authorization
# Reference, "Actions, resources, and condition keys for Amazon S3",
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html), so each grant
# names the objects the function reads or writes, as report_contract/objects.py lays them out: which
# function touches which keys is written here (the code names keys at run time), and an S3 action is
# needed only if the function's code makes that call.
BUCKET = "aws_s3_bucket.shared_costs.arn"
REPORTS_OBJECT = f"{BUCKET}/local.reports_key"  # config/reports.json
RUNS_OBJECTS = f"{BUCKET}/local.runs_prefix*"  # runs/<run>/due.json, runs/<run>/shared.json
SHARED_OBJECTS = f"{BUCKET}/local.shared_costs_prefix*"  # shared/<day>/<run>/<shape>/<report>.json
HISTORY_OBJECTS = f"{BUCKET}/local.history_prefix*"  # history/<digest>/<YYYY-MM>.json.gz
FUNCTION_OBJECTS = {
    # Reads the declarations, writes the run's due list.
    "resolve_report_date": {("s3:GetObject", REPORTS_OBJECT), ("s3:PutObject", RUNS_OBJECTS)},
    # FetchSharedCosts reads the declarations and the due list, writes the list with the slices and the
    # slices; each report's FetchCosts reads its slice, and reads and writes the history cache's months.
    "fetch_costs": {
        ("s3:GetObject", REPORTS_OBJECT),
        ("s3:GetObject", RUNS_OBJECTS),
        ("s3:PutObject", RUNS_OBJECTS),
        ("s3:GetObject", SHARED_OBJECTS),
        ("s3:PutObject", SHARED_OBJECTS),
        ("s3:GetObject", HISTORY_OBJECTS),
        ("s3:PutObject", HISTORY_OBJECTS),
    },
    "render_email": set(),
    "post_chat": set(),
}
# The Secrets Manager secrets a function reads, by function: post_chat reads the webhook URL of the channel
# it posts to (SecretId <name_prefix>/chat/<channel>), one of the chat secrets (chat.tf), so it may read
# exactly those, on the "Secret" resource type (Service Authorization Reference, "Actions, resources, and
# condition keys for AWS Secrets Manager"). Which channel is named at run time.
CHAT_SECRETS = "aws_secretsmanager_secret.chat[*].arn"
FUNCTION_SECRETS = {"post_chat": {("secretsmanager:GetSecretValue", CHAT_SECRETS)}}
# The AWS Budgets budget fetch_costs reads when monthly_budget_name is set (DescribeBudget), on the "budget"
# resource type, in the function's account (Service Authorization Reference, "Actions, resources, and
# condition keys for Amazon Budget Service"); iam.tf's statement applies only with a name, and is read here
# as if it applied.
MONTHLY_BUDGET = "arn:local.partition:budgets::local.account_id:budget/var.monthly_budget_name"
FUNCTION_BUDGETS = {"fetch_costs": {("budgets:ViewBudget", MONTHLY_BUDGET)}}
# Actions with no resource types, for a function.
FUNCTION_UNSCOPED = {"ce:GetCostAndUsage", "ses:GetAccount"}
# The IAM action of an API operation, where AWS names them differently: DescribeBudget is authorised by
# budgets:ViewBudget (the same reference's table of API operations).
IAM_ACTION_OF = {"budgets:DescribeBudget": "budgets:ViewBudget"}

# --- Reading iam.tf ------------------------------------------------------------------------------------

_INTERPOLATION = re.compile(r"\$\{([^{}]+)\}")
_FOR_EACH_ARN = re.compile(r"^\$\{\[for (\w+) in ([\w.]+) : \1\.(\w+)\]\}$")
_QUOTED_TEMPLATE = re.compile(r'^\$\{"(.*)"\}$')  # how the parser renders "${a.b}:*" inside a list


def normalise(resource: str) -> str:
    """'${aws_x.y.arn}:*' -> 'aws_x.y.arn:*'; '[for i in aws_x.y : i.arn]' -> 'aws_x.y[*].arn'."""
    loop = _FOR_EACH_ARN.match(resource)
    if loop:
        return f"{loop[2]}[*].{loop[3]}"
    quoted = _QUOTED_TEMPLATE.match(resource)
    if quoted:
        resource = quoted[1]
    return _INTERPOLATION.sub(lambda match: match[1], resource)


def statements(document: dict) -> list[dict]:
    found = blocks(document, "statement")
    for dynamic in blocks(document, "dynamic"):
        if "statement" in dynamic:
            found.extend(blocks(dynamic["statement"], "content"))
    return found


def granted(document: dict, denials: bool = False) -> set[tuple[str, str]]:
    """(action, resource) pairs a policy allows. A Deny statement fails, unless denials=True (a resource
    policy's guard, such as the bucket's TLS-only Deny), when it is left out: it grants nothing."""
    pairs = set()
    for statement in statements(document):
        if denials and attr(statement, "effect", "Allow") == "Deny":
            continue
        assert attr(statement, "effect", "Allow") == "Allow"
        assert not statement.get("not_actions") and not statement.get("not_resources")
        for action in as_list(attr(statement, "actions")):
            assert "*" not in action, f"wildcard action {action}"
            for resource in as_list(attr(statement, "resources")):
                pairs.add((action, normalise(resource)))
    return pairs


def role_policy_document(terraform: Terraform, role_arn: str, key: str | None = None) -> dict:
    """From a principal's role_arn to the one policy document attached to that role."""
    role = reference(role_arn, each_key=key)
    assert role and role.type == "aws_iam_role", f"role must be an aws_iam_role reference, got {role_arn}"
    assert not attr(terraform.resources["aws_iam_role"][role.name], "managed_policy_arns")
    documents = []
    for policy in terraform.resources["aws_iam_role_policy"].values():
        attached = reference(attr(policy, "role"), each_key=key)
        if attached and attached.name == role.name and attached.key == role.key:
            expression = attr(policy, "policy")
            document = reference(expression, each_key=key)  # policy_document.function[each.key]: this key's
            assert document and document.type == "data.aws_iam_policy_document", expression
            documents.append(terraform.resource(document))
    assert len(documents) == 1, f"{role.address} must have exactly one inline policy, has {len(documents)}"
    return documents[0]


def assume_role_services(terraform: Terraform, role_arn: str, key: str | None = None) -> tuple[set[str], set[str]]:
    role = reference(role_arn, each_key=key)
    document = terraform.resource(reference(attr(terraform.resources["aws_iam_role"][role.name], "assume_role_policy")))
    services, conditions = set(), set()
    for statement in statements(document):
        assert as_list(attr(statement, "actions")) == ["sts:AssumeRole"]
        for principal in blocks(statement, "principals"):
            services |= set(as_list(attr(principal, "identifiers")))
        conditions |= {attr(condition, "variable") for condition in blocks(statement, "condition")}
    return services, conditions


# --- What each principal needs -------------------------------------------------------------------------


def tasks(states: dict):
    for name, state in states.items():
        if state.get("Type") == "Task":
            yield name, state
        for branch in state.get("Branches", []):
            yield from tasks(branch["States"])
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield from tasks(state[key]["States"])


def parameter(state: dict, name: str) -> tuple[str, bool]:
    """(value, is_a_path) of a Task parameter."""
    parameters = state.get("Parameters", {})
    if name in parameters:
        return parameters[name], False
    return parameters[f"{name}.$"], True


def map_states(states: dict):
    for name, state in states.items():
        if state.get("Type") == "Map":
            yield name, state
        for branch in state.get("Branches", []):
            yield from map_states(branch["States"])
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield from map_states(state[key]["States"])


def bucket_objects(state_name: str, parameters: dict, variables: dict) -> set[str]:
    """The object ARN patterns (as iam.tf writes them, normalised) an ItemReader or ResultWriter names."""
    from report_contract import objects

    bucket = re.fullmatch(r"\$\{(\w+)\}", parameters.get("Bucket", ""))
    assert bucket, f"{state_name}: the bucket must be a ${{placeholder}}, got {parameters}"
    assert variables[bucket[1]] == "${aws_s3_bucket.shared_costs.bucket}", f"{state_name}: not the shared-costs bucket"
    prefixes = {
        objects.RUNS_PREFIX: "local.runs_prefix",
        objects.MAP_RESULTS_PREFIX: "local.map_results_prefix",
        objects.SHARED_PREFIX: "local.shared_costs_prefix",
    }
    if "Prefix" in parameters:  # the ResultWriter writes <Prefix>/<map run id>/...
        assert parameters["Prefix"] in prefixes, f"{state_name}: Prefix {parameters['Prefix']} is not in objects.py"
        return {f"{BUCKET}/{prefixes[parameters['Prefix']]}/*"}
    if "Key" in parameters:
        assert parameters["Key"] == objects.REPORTS_KEY, f"{state_name}: reads {parameters['Key']}"
        return {REPORTS_OBJECT}
    if parameters.get("Key.$") == "$.due.key":
        # The key the run's state carries: ResolveReportDate's due list or FetchSharedCosts' list with the
        # slices (report_contract.objects), runs/<run>/due.json or runs/<run>/shared.json: those two only.
        names = {objects.due_key("<run>").removeprefix(f"{objects.RUNS_PREFIX}<run>"),
                 objects.shared_due_key("<run>").removeprefix(f"{objects.RUNS_PREFIX}<run>")}  # fmt: skip
        return {f"{BUCKET}/{prefixes[objects.RUNS_PREFIX]}*{name}" for name in names}
    template = _KEY_TEMPLATE.match(parameters.get("Key.$", ""))
    assert template, f"{state_name}: the key must be $.due.key or a States.Format template, got {parameters}"
    (prefix,) = [p for p in prefixes if template[1].startswith(p) and p.endswith("/")]
    return {f"{BUCKET}/{prefixes[prefix]}*"}


def needed_by_map_states(definition: dict, variables: dict) -> set[tuple[str, str]]:
    needed = set()
    for state_name, state in map_states(definition["States"]):
        config = state.get("ItemProcessor", {}).get("ProcessorConfig", {})
        if config.get("Mode") != "DISTRIBUTED":
            assert "ItemReader" not in state and "ResultWriter" not in state, state_name
            continue
        needed |= DISTRIBUTED_NEEDS
        for field, table in (("ItemReader", ITEM_READERS), ("ResultWriter", RESULT_WRITERS)):
            if field in state:
                resource = state[field]["Resource"]
                assert resource in table, f"{state_name}.{field} uses {resource}: add its IAM actions"
                targets = bucket_objects(state_name, state[field]["Parameters"], variables)
                needed |= {(action, target) for action in table[resource] for target in targets}
    return needed


def selected_from_context(definition: dict) -> dict[str, str]:
    """For each "$.<field>" a Distributed Map's ItemSelector fills from the context, that context path: in
    the Map's child workflows $$.StateMachine.Id is the Map Run's, so StartEachReport passes the parent's."""
    return {
        f"$.{field.removesuffix('.$')}": value
        for _, state in map_states(definition["States"])
        for field, value in state.get("ItemSelector", {}).items()
        if value in CONTEXT_PATHS
    }


def needed_by_definition(definition: dict, variables: dict, file_name: str) -> set[tuple[str, str]]:
    """What the Task and Map states of a definition need, their ${placeholders} filled from `variables`."""
    needed = needed_by_map_states(definition, variables)
    selected = selected_from_context(definition)
    for state_name, state in tasks(definition["States"]):
        assert state["Resource"] in INTEGRATIONS, (
            f"{file_name}: {state_name} uses {state['Resource']}; add its IAM action to INTEGRATIONS"
        )
        action, parameters = INTEGRATIONS[state["Resource"]]
        for parameter_name in parameters:
            value, is_path = parameter(state, parameter_name)
            if is_path:
                value = selected.get(value, value)
                needed.add((action, CONTEXT_PATHS.get(value) or FROM_INPUT[(action, parameter_name)]))
                continue
            placeholder = re.fullmatch(r"\$\{(\w+)\}", value)
            assert placeholder, f"{state_name}.{parameter_name} must be a ${{placeholder}}, got {value!r}"
            filled = variables[placeholder[1]]
            local = re.fullmatch(r"\$\{(local\.\w+)\}", filled)
            target = reference(filled)
            assert target or local, f"{placeholder[1]} must be a resource attribute or a local, got {filled}"
            needed.add((action, local[1] if local else str(target.with_attr("arn"))))
        if action == "ses:SendEmail":
            needed.add((action, SANDBOX_RECIPIENTS))
        if state["Resource"] in SYNC_INTEGRATIONS:
            needed |= SYNC_NEEDS
    return needed


def needed_by_state_machine(terraform: Terraform, name: str) -> set[tuple[str, str]]:
    body = terraform.resources["aws_sfn_state_machine"][name]
    path, variables_local = definition_file(body)
    needed = needed_by_definition(json.loads(path.read_text()), terraform.locals[variables_local], path.name)
    if blocks(body, "logging_configuration"):
        needed |= {(action, "*") for action in STATES_LOG_DELIVERY}
    if any(attr(block, "enabled") for block in blocks(body, "tracing_configuration")):
        needed |= {(action, "*") for action in STATES_XRAY}
    return needed


class _Boto3Calls(ast.NodeVisitor):
    """boto3 clients a module creates and the methods it calls on them."""

    def __init__(self) -> None:
        self.getters: dict[str, str] = {}  # function returning a client -> service
        self.variables: dict[str, str] = {}  # name bound to a client -> service
        self.calls: set[tuple[str, str]] = set()

    @staticmethod
    def client_service(node: ast.AST) -> str | None:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            return None
        if not (isinstance(node.func.value, ast.Name) and node.func.value.id == "boto3"):
            return None
        assert node.func.attr == "client", f"boto3.{node.func.attr} is not understood by this test: use boto3.client"
        service = node.args[0] if node.args else next(k.value for k in node.keywords if k.arg == "service_name")
        assert isinstance(service, ast.Constant), "boto3.client() with a computed service name"
        return service.value

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        for inner in ast.walk(node):
            if isinstance(inner, ast.Return) and (service := self.client_service(inner.value)):
                self.getters[node.name] = service
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        if service := self.client_service(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.variables[target.id] = service
        self.generic_visit(node)

    def client_of(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return self.getters.get(node.func.id)
        if isinstance(node, ast.Name):
            return self.variables.get(node.id)
        return self.client_service(node)

    def collect(self, tree: ast.AST) -> None:
        self.visit(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                service = self.client_of(node.func.value)
                if service:
                    method = node.func.attr
                    if method == "get_paginator":
                        method = node.args[0].value
                    self.calls.add((service, method))


def boto3_actions(package: Path) -> set[str]:
    """IAM actions of the boto3 calls in a function's package, named by botocore's service models."""
    finder = _Boto3Calls()
    trees = [ast.parse(path.read_text(), str(path)) for path in sorted(package.rglob("*.py"))]
    for tree in trees:
        finder.visit(tree)
    for tree in trees:
        finder.collect(tree)
    session = botocore.session.get_session()
    actions = set()
    for service, method in finder.calls:
        model = session.get_service_model(service)
        operations = {xform_name(operation): operation for operation in model.operation_names}
        assert method in operations, f"{package.name}: {service}.{method} is not an operation of {service}"
        operation = f"{model.signing_name}:{operations[method]}"
        actions.add(IAM_ACTION_OF.get(operation, operation))
    return actions


def needed_by_function(terraform: Terraform, function: str) -> set[tuple[str, str]]:
    lambda_function = terraform.resources["aws_lambda_function"]["this"]
    needed = set()
    objects = FUNCTION_OBJECTS[function] | FUNCTION_SECRETS.get(function, set()) | FUNCTION_BUDGETS.get(function, set())
    called = boto3_actions(FUNCTIONS / function)
    for action in called:
        if action in FUNCTION_UNSCOPED:
            needed.add((action, "*"))
            continue
        scoped = {pair for pair in objects if pair[0] == action}
        assert scoped, f"{function} calls {action}: add what it uses to FUNCTION_OBJECTS or FUNCTION_SECRETS"
        needed |= scoped
    assert {action for action, _ in objects} <= called, (
        f"{function}: FUNCTION_OBJECTS or _SECRETS lists a call it does not make"
    )
    own_log_group = "/aws/lambda/" + attr(lambda_function, "function_name")
    groups = [
        name
        for name, body in terraform.resources["aws_cloudwatch_log_group"].items()
        if attr(body, "name") == own_log_group
    ]
    assert len(groups) == 1, f"no log group named {own_log_group} for the functions"
    needed |= {(action, f'aws_cloudwatch_log_group.{groups[0]}["{function}"].arn:*') for action in LAMBDA_LOGS}
    if any(attr(block, "mode") == "Active" for block in blocks(lambda_function, "tracing_config")):
        needed |= {(action, "*") for action in LAMBDA_XRAY}
    return needed


# --- The tests -----------------------------------------------------------------------------------------


def deployed_functions() -> list[str]:
    return sorted(path.parent.name for path in FUNCTIONS.glob("*/handler.py"))


def test_the_report_state_machine_is_granted_exactly_what_its_definition_uses(terraform) -> None:
    body = terraform.resources["aws_sfn_state_machine"]["cost_notifier"]
    have = granted(role_policy_document(terraform, attr(body, "role_arn")))
    need = needed_by_state_machine(terraform, "cost_notifier")
    assert sorted(need - have) == [], "needed but not granted"
    assert sorted(have - need) == [], "granted but not needed"


def test_the_fan_out_may_start_this_state_machine_only_and_not_follow_or_stop_it(terraform) -> None:
    # The fan-out starts its children and does not wait (decision 0009): StartExecution on this state
    # machine is all it needs. The .sync grants (DescribeExecution, StopExecution, the managed rule) would
    # let a failed run stop its children, which the design rules out.
    body = terraform.resources["aws_sfn_state_machine"]["cost_notifier"]
    have = granted(role_policy_document(terraform, attr(body, "role_arn")))
    assert ("states:StartExecution", "local.state_machine_arn") in have
    assert not {pair for pair in have if pair in SYNC_NEEDS}
    # The Distributed Map's own children are followed and stopped, and only they: labelled executions
    # (<name>/<Map Run label>:<id>), never a report's execution (<name>:<id>).
    assert terraform.locals["map_run_execution_arn_match"] == terraform.locals["execution_arn_match"].replace(
        "${local.state_machine_name}:*", "${local.state_machine_name}/*"
    )
    followed = {resource for action, resource in have if action in ("states:DescribeExecution", "states:StopExecution")}
    assert followed <= {MAP_RUN_CHILDREN}
    assert terraform.locals["state_machine_arn"].endswith(":stateMachine:${local.state_machine_name}")
    assert attr(body, "name") == "${local.state_machine_name}", "the ARN the role names is this state machine's"


def test_the_notifier_is_granted_exactly_what_its_definition_uses(terraform) -> None:
    body = terraform.resources["aws_sfn_state_machine"]["notify_failure"]
    have = granted(role_policy_document(terraform, attr(body, "role_arn")))
    need = needed_by_state_machine(terraform, "notify_failure")
    assert sorted(need - have) == [], "needed but not granted"
    assert sorted(have - need) == [], "granted but not needed"


def test_each_function_is_granted_exactly_what_its_code_calls(terraform) -> None:
    lambda_function = terraform.resources["aws_lambda_function"]["this"]
    assert sorted(terraform.locals["functions"]) == deployed_functions()
    for function in deployed_functions():
        have = granted(role_policy_document(terraform, attr(lambda_function, "role"), key=function))
        need = needed_by_function(terraform, function)
        assert sorted(need - have) == [], f"{function}: needed but not granted"
        assert sorted(have - need) == [], f"{function}: granted but not needed"


def test_the_aws_calls_each_function_makes() -> None:
    # resolve_report_date reads the declarations and the sending quota and writes the due list;
    # fetch_costs queries Cost Explorer, reads the monthly budget's AWS Budgets budget and shares through the
    # bucket; render_email calls nothing;
    # post_chat reads a channel's webhook URL.
    assert {function: boto3_actions(FUNCTIONS / function) for function in deployed_functions()} == {
        "fetch_costs": {"budgets:ViewBudget", "ce:GetCostAndUsage", "s3:GetObject", "s3:PutObject"},
        "post_chat": {"secretsmanager:GetSecretValue"},
        "render_email": set(),
        "resolve_report_date": {"s3:GetObject", "s3:PutObject", "ses:GetAccount"},
    }


def test_the_schedule_may_only_start_the_report_and_dead_letter(terraform) -> None:
    schedule = terraform.resources["aws_scheduler_schedule"]["daily_report"]
    target = blocks(schedule, "target")[0]
    need = {
        ("states:StartExecution", str(reference(attr(target, "arn")))),
        ("sqs:SendMessage", str(reference(attr(blocks(target, "dead_letter_config")[0], "arn")))),
    }
    assert reference(attr(target, "arn")).type == "aws_sfn_state_machine"
    assert granted(role_policy_document(terraform, attr(target, "role_arn"))) == need


def test_the_failure_rule_may_only_start_the_notifier(terraform) -> None:
    target = terraform.resources["aws_cloudwatch_event_target"]["run_stopped"]
    arn = reference(attr(target, "arn"))
    assert arn.type == "aws_sfn_state_machine"
    # Its dead-letter queue is written by EventBridge's service principal, allowed by the queue policy.
    assert granted(role_policy_document(terraform, attr(target, "role_arn"))) == {("states:StartExecution", str(arn))}


def test_the_dead_letter_queue_admits_only_the_failure_rule(terraform) -> None:
    document = terraform.data["aws_iam_policy_document"]["dead_letters_queue"]
    (statement,) = statements(document)
    assert as_list(attr(statement, "actions")) == ["sqs:SendMessage"]
    assert as_list(attr(blocks(statement, "principals")[0], "identifiers")) == ["events.amazonaws.com"]
    (condition,) = blocks(statement, "condition")
    assert attr(condition, "variable") == "aws:SourceArn"
    assert as_list(attr(condition, "values")) == ["${aws_cloudwatch_event_rule.run_stopped.arn}"]


def policy_documents(terraform: Terraform) -> Iterator[tuple[str, dict]]:
    """Every policy document, a for_each one once per key (with each.key and its dynamic blocks written in)."""
    for name, body in terraform.data["aws_iam_policy_document"].items():
        for key, document in terraform.instances(body).items():
            yield (name if key is None else f'{name}["{key}"]'), document


def test_resource_star_is_only_for_actions_without_resource_types(terraform) -> None:
    for name, document in policy_documents(terraform):
        if not any(attr(statement, "resources") for statement in statements(document)):
            continue  # a trust policy
        for action, resource in granted(document, denials=True):
            if resource == "*":
                assert action in DOCUMENTED_STAR, f"{name}: {action} on * but it supports resource-level permissions"


def test_sending_email_is_limited_to_the_sender_address(terraform) -> None:
    for name, document in policy_documents(terraform):
        for statement in statements(document):
            if "ses:SendEmail" in as_list(attr(statement, "actions")):
                conditions = {
                    (attr(c, "test"), attr(c, "variable")): as_list(attr(c, "values"))
                    for c in blocks(statement, "condition")
                }
                assert conditions == {("StringEquals", "ses:FromAddress"): ["${var.sender_email}"]}, name


def test_each_principal_has_its_own_role_trusted_by_only_its_service(terraform) -> None:
    principals = [
        (attr(terraform.resources["aws_sfn_state_machine"]["cost_notifier"], "role_arn"), None, "states.amazonaws.com"),
        (
            attr(terraform.resources["aws_sfn_state_machine"]["notify_failure"], "role_arn"),
            None,
            "states.amazonaws.com",
        ),
        (
            attr(blocks(terraform.resources["aws_scheduler_schedule"]["daily_report"], "target")[0], "role_arn"),
            None,
            "scheduler.amazonaws.com",
        ),
        (
            attr(terraform.resources["aws_cloudwatch_event_target"]["run_stopped"], "role_arn"),
            None,
            "events.amazonaws.com",
        ),
    ] + [
        (attr(terraform.resources["aws_lambda_function"]["this"], "role"), function, "lambda.amazonaws.com")
        for function in deployed_functions()
    ]
    roles = set()
    for role_arn, key, service in principals:
        role = reference(role_arn, each_key=key)
        roles.add((role.name, role.key))
        services, conditions = assume_role_services(terraform, role_arn, key)
        assert services == {service}
        if service != "lambda.amazonaws.com":
            # The confused-deputy guard AWS recommends for service roles.
            assert {"aws:SourceAccount", "aws:SourceArn"} <= conditions, role_arn
    assert len(roles) == len(principals), "two principals share a role"


def literal_locals(terraform: Terraform, text: str) -> str:
    """text with each ${local.x} whose value is a plain literal ("default") written out; any other
    interpolation is left as it is, to be compared as an expression."""

    def value(match: re.Match) -> str:
        local = terraform.locals.get(match[1])
        return local if isinstance(local, str) and "${" not in local else match[0]

    return re.sub(r"\$\{local\.(\w+)\}", value, text)


def source_conditions(terraform: Terraform, role_arn: str) -> dict[str, tuple[str, list[str]]]:
    """The trust policy's conditions of the role a principal uses: {variable: (test, values)}."""
    role = reference(role_arn)
    document = terraform.resource(reference(attr(terraform.resources["aws_iam_role"][role.name], "assume_role_policy")))
    (statement,) = statements(document)
    return {
        attr(condition, "variable"): (attr(condition, "test"), as_list(attr(condition, "values")))
        for condition in blocks(statement, "condition")
    }


def test_the_scheduler_role_trusts_the_schedule_group_the_schedule_is_in(terraform) -> None:
    # EventBridge Scheduler puts its schedule GROUP's ARN in aws:SourceArn when it assumes the execution
    # role: "The value of aws:SourceArn must be your EventBridge Scheduler schedule group ARN ... Do not
    # scope the aws:SourceArn statement to a specific schedule or a schedule name prefix. The ARN you
    # specify must be a schedule group." (EventBridge Scheduler User Guide, "Confused deputy prevention",
    # https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html).
    # A trust naming the schedule itself never matches, and the daily run never starts.
    schedule = terraform.resources["aws_scheduler_schedule"]["daily_report"]
    group = literal_locals(terraform, attr(schedule, "group_name", "default"))  # omitted: the default group
    assert "${" not in group, f"the schedule's group must be a literal or a literal local, got {group}"
    conditions = source_conditions(terraform, attr(blocks(schedule, "target")[0], "role_arn"))

    test, values = conditions["aws:SourceArn"]
    assert test in ("ArnEquals", "ArnLike")
    assert [literal_locals(terraform, value) for value in values] == [
        f"arn:${{local.partition}}:scheduler:${{local.region}}:${{local.account_id}}:schedule-group/{group}"
    ]
    assert conditions["aws:SourceAccount"] == ("StringEquals", ["${local.confused_deputy_account}"])


def test_the_other_service_roles_trust_the_resource_their_service_names_in_source_arn(terraform) -> None:
    # Step Functions assumes a state machine's role with aws:SourceArn set to that state machine's ARN
    # (Step Functions Developer Guide, "Creating an IAM role for your state machine", Prevent
    # cross-service confused deputy issue:
    # https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html). EventBridge
    # assumes a rule target's role with the rule's ARN: "For EventBridge event bus rule targets, the
    # value of aws:SourceArn must be the rule ARN" (EventBridge User Guide, "Cross-service confused
    # deputy prevention",
    # https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html);
    # a rule on the default bus is rule/<name>. Lambda documents no aws:SourceArn for its execution role.
    def arn(service: str, resource: str) -> str:
        return f"arn:${{local.partition}}:{service}:${{local.region}}:${{local.account_id}}:{resource}"

    expected = {}
    for body in terraform.resources["aws_sfn_state_machine"].values():
        expected[attr(body, "role_arn")] = arn("states", "stateMachine:" + attr(body, "name"))
    rule_target = terraform.resources["aws_cloudwatch_event_target"]["run_stopped"]
    rule = terraform.resources["aws_cloudwatch_event_rule"][reference(attr(rule_target, "rule")).name]
    assert attr(rule, "event_bus_name") in (None, "default"), "a rule on another bus has the ARN rule/<bus>/<name>"
    expected[attr(rule_target, "role_arn")] = arn("events", "rule/" + attr(rule, "name"))

    for role_arn, source_arn in expected.items():
        conditions = source_conditions(terraform, role_arn)
        assert conditions["aws:SourceArn"] == ("ArnLike", [source_arn]), role_arn
        assert conditions["aws:SourceAccount"] == ("StringEquals", ["${local.confused_deputy_account}"]), role_arn


def test_no_managed_policy_is_attached_anywhere(terraform) -> None:
    assert "aws_iam_role_policy_attachment" not in terraform.resources
    assert "aws_iam_policy" not in terraform.resources
    text = "".join(path.read_text() for path in TERRAFORM.glob("*.tf"))
    assert "managed_policy_arns" not in text


def test_the_notifier_reads_only_the_report_state_machines_executions(terraform) -> None:
    assert terraform.locals["execution_arn_match"] == (
        "arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${local.state_machine_name}:*"
    )
    assert attr(terraform.resources["aws_sfn_state_machine"]["cost_notifier"], "name") == "${local.state_machine_name}"


def test_the_notifier_is_started_only_for_this_state_machine(terraform) -> None:
    pattern = attr(terraform.resources["aws_cloudwatch_event_rule"]["run_stopped"], "event_pattern")
    for expected in (
        "'aws.states'",
        "'Step Functions Execution Status Change'",
        "'FAILED'",
        "'TIMED_OUT'",
        "'ABORTED'",
        "aws_sfn_state_machine.cost_notifier.arn",
    ):
        assert expected in pattern, expected
    assert "'SUCCEEDED'" not in pattern and "'RUNNING'" not in pattern


def test_every_trust_policy_is_used_by_a_role_and_every_role_uses_one(terraform) -> None:
    # The trust policies are one document with for_each: no key left over that no role uses, and no
    # role with a trust policy written some other way.
    used = set()
    for name, role in terraform.resources["aws_iam_role"].items():
        trust = reference(attr(role, "assume_role_policy"))
        assert trust and trust.type == "data.aws_iam_policy_document", f"{name}: {attr(role, 'assume_role_policy')}"
        used.add(trust.address)
    documents = {
        (f'data.aws_iam_policy_document.{name}["{key}"]' if key else f"data.aws_iam_policy_document.{name}")
        for name, body in terraform.data["aws_iam_policy_document"].items()
        for key, document in terraform.instances(body).items()
        if not any(attr(statement, "resources") for statement in statements(document))
    }
    assert used == documents


# --- The chat secrets ----------------------------------------------------------------------------------


def function_document(terraform: Terraform, function: str) -> dict:
    """The policy document of one function's role, read from iam.tf whether or not its code exists yet."""
    return terraform.instances(terraform.data["aws_iam_policy_document"]["function"])[function]


def test_only_post_chat_may_read_secrets_and_only_the_chat_secrets(terraform) -> None:
    readers = {
        (name, resource)
        for name, document in policy_documents(terraform)
        if any(attr(statement, "resources") for statement in statements(document))  # not a trust policy
        for action, resource in granted(document, denials=True)
        if action.startswith("secretsmanager:")
    }
    assert readers == {('function["post_chat"]', CHAT_SECRETS)}
    grants = {pair for pair in granted(function_document(terraform, "post_chat")) if pair[0].startswith("secret")}
    assert grants == FUNCTION_SECRETS["post_chat"], "GetSecretValue, on exactly the chat secrets' ARNs"


def test_the_chat_secrets_are_one_per_channel_named_as_post_chat_reads_them(terraform) -> None:
    secret = terraform.resources["aws_secretsmanager_secret"]["chat"]
    assert attr(secret, "for_each") == "${var.chat_channels}", "a secret for each channel, and no other"
    assert attr(secret, "name") == "${local.chat_secret_prefix}${each.key}"
    assert terraform.locals["chat_secret_prefix"] == "${var.name_prefix}/chat/"
    # post_chat asks for <CHAT_SECRET_PREFIX><channel>: the prefix the secrets are named with.
    assert terraform.locals["infrastructure_environment"]["post_chat"] == {
        "CHAT_SECRET_PREFIX": "${local.chat_secret_prefix}"
    }
    # The URL never passes through Terraform: no secret version, no secret_string anywhere.
    assert "aws_secretsmanager_secret_version" not in terraform.resources
    assert "secret_string" not in "".join(path.read_text() for path in TERRAFORM.glob("*.tf"))


def test_the_secret_statement_is_left_out_without_channels_as_iam_refuses_an_empty_resource(terraform) -> None:
    from tests.infra.hcl_condition import evaluate

    statements_by_function = terraform.locals["function_secret_statements"]
    assert set(statements_by_function) == set(terraform.locals["functions"])
    for function, sids in statements_by_function.items():
        for channels, expected in (({}, []), ({"finops": {"type": "slack"}}, ["ReadTheChatWebhookUrls"])):
            value = sids if isinstance(sids, list) else evaluate(sids, {"chat_channels": channels})
            assert value == (expected if function == "post_chat" else []), (function, channels)
    (dynamic,) = [
        block["statement"]
        for block in blocks(terraform.data["aws_iam_policy_document"]["function"], "dynamic")
        if "statement" in block
        and attr(block["statement"], "for_each") == "${local.function_secret_statements[each.key]}"
    ]
    (content,) = blocks(dynamic, "content")
    assert [normalise(r) for r in as_list(attr(content, "resources"))] == [CHAT_SECRETS]


# The longest ARN of each kind a deployment can have: the longest partition name (aws-us-gov), a Region
# code longer than any there is (the longest, such as ap-southeast-1, have 14 characters), the longest
# name_prefix (32) and channel name (40), and the "-" and six random characters Secrets Manager adds.
_PARTITION, _REGION, _ACCOUNT = "aws-us-gov", "r" * 20, "1" * 12
_LONGEST = {
    CHAT_SECRETS: f"arn:{_PARTITION}:secretsmanager:{_REGION}:{_ACCOUNT}:secret:{'p' * 32}/chat/{'c' * 40}-AbCdEf",
    'aws_cloudwatch_log_group.function["post_chat"].arn:*': (
        f"arn:{_PARTITION}:logs:{_REGION}:{_ACCOUNT}:log-group:/aws/lambda/{'p' * 32}-post-chat:*"
    ),
    "*": "*",
}
# "Role policy size cannot exceed 10,240 characters", all the role's inline policies together; whitespace
# is not counted (IAM User Guide, "IAM and AWS STS quotas",
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
ROLE_POLICY_CHARACTERS = 10_240


def longest_policy(terraform: Terraform, channels: int) -> str:
    """post_chat's policy as IAM stores it, with `channels` chat secrets of the longest ARN."""
    body = []
    for statement in statements(function_document(terraform, "post_chat")):
        resources = []
        for resource in as_list(attr(statement, "resources")):
            name = normalise(resource)
            resources += [_LONGEST[name]] * (channels if name == CHAT_SECRETS else 1)
        actions = as_list(attr(statement, "actions"))
        body.append(
            {
                "Sid": "ReadTheChatWebhookUrls" if "${" in attr(statement, "sid") else attr(statement, "sid"),
                "Effect": "Allow",
                "Action": actions[0] if len(actions) == 1 else actions,
                "Resource": resources[0] if len(resources) == 1 else resources,
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": body}, separators=(",", ":"))


def test_post_chats_policy_fits_iams_quota_with_the_most_channels_chat_channels_allows(terraform) -> None:
    (most,) = [
        int(match[1])
        for validation in blocks(terraform.variables["chat_channels"], "validation")
        if (match := re.fullmatch(r"\$\{length\(var\.chat_channels\) <= (\d+)\}", attr(validation, "condition")))
    ]
    assert len(longest_policy(terraform, most)) <= ROLE_POLICY_CHARACTERS
    # Why the bound is not 100: that many of the longest ARNs would not fit.
    assert len(longest_policy(terraform, 100)) > ROLE_POLICY_CHARACTERS
