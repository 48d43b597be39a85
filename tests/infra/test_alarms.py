"""Every alarm watches a metric that exists, in its namespace, with the dimension that metric is
published with, pointed at the resource this configuration creates; and the alarms the issue asks
for are all there, shaped so that they fire when they should."""

from __future__ import annotations

import ast
import re

from tests.infra.terraform import FUNCTIONS, Terraform, attr, reference

# The metrics and dimensions AWS publishes, per namespace, for the resources alarmed on here.
#   AWS/States: Step Functions Developer Guide, "Monitoring Step Functions metrics using Amazon
#     CloudWatch", execution metrics, dimension StateMachineArn.
#   AWS/Lambda: Lambda Developer Guide, "Types of metrics for Lambda functions", dimension FunctionName.
#   AWS/SQS: Amazon SQS Developer Guide, "Available CloudWatch metrics for Amazon SQS", dimension QueueName.
#   AWS/SES: Amazon SES Developer Guide, "Monitoring your sending activity": the reputation metrics are
#     published for the account with no dimension, and per configuration set (ses:configuration-set)
#     when the set's reputation metrics are enabled.
KNOWN = {
    "AWS/States": {
        "metrics": {
            "ExecutionsStarted",
            "ExecutionsSucceeded",
            "ExecutionsFailed",
            "ExecutionsAborted",
            "ExecutionsTimedOut",
            "ExecutionThrottled",
            "ExecutionTime",
            "ExecutionsRedriven",
        },
        "dimensions": {"StateMachineArn": ("aws_sfn_state_machine", "arn")},
    },
    "AWS/Lambda": {
        "metrics": {"Errors", "Invocations", "Throttles", "Duration", "ConcurrentExecutions"},
        "dimensions": {"FunctionName": ("aws_lambda_function", "function_name")},
    },
    "AWS/SQS": {
        "metrics": {"ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage", "NumberOfMessagesSent"},
        "dimensions": {"QueueName": ("aws_sqs_queue", "name")},
    },
    "AWS/SES": {
        "metrics": {"Reputation.BounceRate", "Reputation.ComplaintRate", "Send", "Delivery", "Bounce", "Complaint"},
        "dimensions": {"ses:configuration-set": ("aws_sesv2_configuration_set", "configuration_set_name")},
    },
}


def alarms(terraform: Terraform) -> dict[str, dict]:
    """Every alarm by address: a for_each over a local map is one alarm per key (execution["executions_failed"]),
    with each.key and each.value written in, so each is checked on its own."""
    found = {}
    for name, body in terraform.resources["aws_cloudwatch_metric_alarm"].items():
        for key, instance in terraform.instances(body).items():
            found[name if key is None else f'{name}["{key}"]'] = instance
    return found


def dimension_target(terraform: Terraform, alarm: dict, expression: str):
    """The resource a dimension value names; `each.value.x` is read through the alarm's for_each."""
    each = re.fullmatch(r"\$\{each\.value\.(\w+)\}", expression)
    if each:
        collection = attr(alarm, "for_each")  # "${aws_x.y}", or "${var.flag ? aws_x.y : {}}"
        match = re.fullmatch(r"\$\{(?:var\.\w+ \? )?([a-z0-9_]+)\.([a-z0-9_]+)(?: : \{\})?\}", collection)
        assert match, f"for_each must be a resource collection, got {collection}"
        return match[1], each[1]
    target = reference(expression)
    assert target, f"dimension value must reference a resource attribute, got {expression}"
    assert target.name in terraform.resources.get(target.type, {}), f"{target.address} is not in this configuration"
    return target.type, target.attr


def custom_metrics() -> set[str]:
    """CostNotifier metrics the functions emit: every metrics.add_metric(name=...) in functions/."""
    names = set()
    for path in FUNCTIONS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_metric":
                for keyword in node.keywords:
                    if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                        names.add(keyword.value.value)
    return names


def test_every_alarm_names_a_metric_its_namespace_publishes(terraform) -> None:
    for name, alarm in alarms(terraform).items():
        namespace = attr(alarm, "namespace")
        assert namespace in KNOWN, f"{name}: namespace {namespace} is not one this test knows"
        assert attr(alarm, "metric_name") in KNOWN[namespace]["metrics"], f"{name}: no such metric in {namespace}"


def test_every_alarm_dimension_exists_and_points_at_the_right_kind_of_resource(terraform) -> None:
    for name, alarm in alarms(terraform).items():
        known = KNOWN[attr(alarm, "namespace")]["dimensions"]
        dimensions = attr(alarm, "dimensions", {})
        if attr(alarm, "namespace") != "AWS/SES":
            assert dimensions, f"{name}: without a dimension it would watch every resource of the account"
        for dimension, expression in dimensions.items():
            assert dimension in known, f"{name}: {dimension} is not a dimension of {attr(alarm, 'namespace')}"
            assert dimension_target(terraform, alarm, expression) == known[dimension], f"{name}: {dimension}"


def test_every_alarm_notifies_the_topic_and_says_what_to_do(terraform) -> None:
    assert terraform.locals["alarm_actions"] == ["${aws_sns_topic.alarms.arn}"]
    for name, alarm in alarms(terraform).items():
        assert attr(alarm, "alarm_actions") == "${local.alarm_actions}", name
        assert len(attr(alarm, "alarm_description").split()) >= 15, f"{name}: the description is the message people get"
        assert attr(alarm, "treat_missing_data") in {"notBreaching", "breaching"}, name


def test_the_state_machine_failure_alarms_are_all_there(terraform) -> None:
    watched = {
        attr(alarm, "metric_name") for alarm in alarms(terraform).values() if attr(alarm, "namespace") == "AWS/States"
    }
    assert {
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "ExecutionsAborted",
        "ExecutionThrottled",
        "ExecutionsSucceeded",
        "ExecutionTime",
    } <= watched


def test_a_failed_timed_out_aborted_or_throttled_run_alarms_at_once(terraform) -> None:
    for metric in ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted", "ExecutionThrottled"):
        (alarm,) = [a for a in alarms(terraform).values() if attr(a, "metric_name") == metric]
        assert attr(alarm, "statistic") == "Sum"
        assert attr(alarm, "threshold") == 1 and attr(alarm, "comparison_operator") == "GreaterThanOrEqualToThreshold"
        assert attr(alarm, "treat_missing_data") == "notBreaching"  # no data means no failure
        assert attr(alarm, "period") * attr(alarm, "evaluation_periods") <= 300


def test_a_day_without_a_successful_run_alarms(terraform) -> None:
    alarm = alarms(terraform)["missing_run"]
    assert attr(alarm, "metric_name") == "ExecutionsSucceeded" and attr(alarm, "statistic") == "Sum"
    assert attr(alarm, "comparison_operator") == "LessThanThreshold" and attr(alarm, "threshold") == 1
    assert attr(alarm, "treat_missing_data") == "breaching"  # no run at all is exactly the problem
    window = attr(alarm, "period") * attr(alarm, "evaluation_periods")
    assert 86400 <= window <= 90000, "a day, plus at most an hour of slack"
    assert attr(alarm, "datapoints_to_alarm", attr(alarm, "evaluation_periods")) == attr(alarm, "evaluation_periods")


def test_the_slo_alarm_watches_the_p95_run_time_over_30_seconds(terraform) -> None:
    alarm = alarms(terraform)["execution_time_p95"]
    assert attr(alarm, "metric_name") == "ExecutionTime" and attr(alarm, "extended_statistic") == "p95"
    assert attr(alarm, "threshold") == 30000 and attr(alarm, "comparison_operator") == "GreaterThanThreshold"


def test_every_function_has_an_errors_alarm(terraform) -> None:
    (alarm,) = [a for a in alarms(terraform).values() if attr(a, "metric_name") == "Errors"]
    assert attr(alarm, "for_each") == "${var.function_error_alarms ? aws_lambda_function.this : {}}"
    assert attr(terraform.variables["function_error_alarms"], "default") is True


def test_ses_bounce_and_complaint_rates_alarm_at_the_levels_ses_reviews_an_account(terraform) -> None:
    bounce, complaint = alarms(terraform)["ses_bounce_rate"], alarms(terraform)["ses_complaint_rate"]
    assert attr(bounce, "metric_name") == "Reputation.BounceRate" and attr(bounce, "threshold") <= 0.05
    assert attr(complaint, "metric_name") == "Reputation.ComplaintRate" and attr(complaint, "threshold") <= 0.001


def test_the_dead_letter_queue_alarms_on_its_first_message(terraform) -> None:
    alarm = alarms(terraform)["dead_letters"]
    assert attr(alarm, "metric_name") == "ApproximateNumberOfMessagesVisible" and attr(alarm, "threshold") == 1
    queue = reference(attr(alarm, "dimensions")["QueueName"])
    schedule_target = terraform.resources["aws_scheduler_schedule"]["daily_report"]["target"][0]
    assert reference(schedule_target["dead_letter_config"][0]["arn"][0]).name == queue.name


def test_the_dashboard_shows_metrics_that_exist(terraform) -> None:
    body = attr(terraform.resources["aws_cloudwatch_dashboard"]["cost_notifier"], "dashboard_body")
    rows = re.findall(r"\['([\w/]+)', '([\w.]+)', '([\w:-]+)'", body)
    assert rows, "no metric rows found in the dashboard"
    emitted = custom_metrics()
    for namespace, metric, dimension in rows:
        if namespace == "CostNotifier":
            assert metric in emitted and dimension == "service", metric
        else:
            assert metric in KNOWN[namespace]["metrics"] and dimension in KNOWN[namespace]["dimensions"], metric
    shown = {metric for _, metric, _ in rows}
    assert {
        "ExecutionsStarted",
        "ExecutionsSucceeded",
        "ExecutionTime",
        "ExecutionsFailed",
        "ReportedDailyTotal",
    } <= shown


def test_the_dashboards_custom_metrics_use_the_functions_namespace_and_service() -> None:
    for path in FUNCTIONS.glob("*/handler.py"):
        text = path.read_text()
        if "Metrics(" in text:
            assert 'Metrics(namespace="CostNotifier", service="cost-notifier")' in text, path


# The four AWS/States alarms that were separate resources until they became one for_each: their old
# addresses and the alarm names deployments already have.
FORMER_EXECUTION_ALARMS = {
    "executions_failed": ("ExecutionsFailed", "executions-failed"),
    "executions_timed_out": ("ExecutionsTimedOut", "executions-timed-out"),
    "executions_aborted": ("ExecutionsAborted", "executions-aborted"),
    "execution_throttled": ("ExecutionThrottled", "execution-throttled"),
}


def moved_blocks(terraform: Terraform) -> dict[str, str]:
    """{from: to} of every moved block, as addresses."""
    found = {}
    for body in terraform.files.values():
        for moved in body.get("moved", []):
            found[attr(moved, "from").strip("${}")] = attr(moved, "to").strip("${}")
    return found


def test_each_execution_alarm_keeps_its_address_by_a_moved_block_and_its_name(terraform) -> None:
    # GIVEN deployments created the four alarms as separate resources, WHEN they became one for_each,
    # THEN each old address moves to its key (not destroy-and-create) and the alarm keeps its name.
    moved = moved_blocks(terraform)
    for old, (metric, alarm_name) in FORMER_EXECUTION_ALARMS.items():
        address = f"aws_cloudwatch_metric_alarm.{old}"
        assert old not in terraform.resources["aws_cloudwatch_metric_alarm"], f"{address} is still declared"
        assert address in moved, f"{address} has no moved block: applying would recreate it"
        new_name = moved[address].removeprefix("aws_cloudwatch_metric_alarm.")
        assert new_name in alarms(terraform), f"{address} moves to {moved[address]}, which does not exist"
        alarm = alarms(terraform)[new_name]
        assert attr(alarm, "metric_name") == metric
        assert attr(alarm, "alarm_name") == '${var.name_prefix}-${replace(each.key, "_", "-")}'
        assert old.replace("_", "-") == alarm_name


def test_every_moved_block_leads_from_a_gone_address_to_one_that_exists(terraform) -> None:
    for source, target in moved_blocks(terraform).items():
        type_, name = source.split(".")
        assert name not in terraform.resources.get(type_, {}), f"{source} is moved but still declared"
        match = re.fullmatch(r'([a-z0-9_]+)\.([a-z0-9_]+)\["([a-z0-9_]+)"\]', target)
        assert match, f"{target}: expected an instance of a for_each"
        body = terraform.resources[match[1]][match[2]]
        assert match[3] in terraform.instances(body), f"{target}: no such key"


def test_every_alarm_has_its_own_message(terraform) -> None:
    descriptions = [attr(alarm, "alarm_description") for alarm in alarms(terraform).values()]
    assert len(set(descriptions)) == len(descriptions), "two alarms would send the same message"
