# Least privilege, one role per principal: each function, the state machine, the schedule, the
# failure notifier and the EventBridge rule that starts it. Every statement names the exact ARNs it
# needs. The only Resource "*" statements are for actions that have no resource-level permissions
# (Cost Explorer, SES v2's GetAccount, X-Ray, and CloudWatch Logs' vended log delivery), each with the
# AWS document that says so. tests/infra derives the needed actions from the two ASL files and from the boto3 calls in
# functions/, and fails if one is missing here or if anything more is granted.

# --- Who may assume what --------------------------------------------------------------------------
# One trust policy per principal, from one document with for_each. Every service role but the
# functions' names, in aws:SourceArn, the one resource allowed to assume it, with aws:SourceAccount:
# the confused-deputy guard AWS recommends. Lambda documents no aws:SourceArn for an execution role.

locals {
  assume_role = {
    lambda = {
      sid        = "LambdaRunsTheFunction"
      service    = "lambda.amazonaws.com"
      source_arn = null
    }
    state_machine = {
      sid        = "StepFunctionsRunsTheReport"
      service    = "states.amazonaws.com"
      source_arn = { test = "ArnLike", arn = "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${local.state_machine_name}" }
    }
    notify_failure = {
      sid        = "StepFunctionsRunsTheNotifier"
      service    = "states.amazonaws.com"
      source_arn = { test = "ArnLike", arn = "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${local.notifier_name}" }
    }
    # EventBridge Scheduler assumes the role with aws:SourceArn set to the SCHEDULE GROUP's ARN, not
    # the schedule's: "The value of aws:SourceArn must be your EventBridge Scheduler schedule group
    # ARN ... Do not scope the aws:SourceArn statement to a specific schedule or a schedule name
    # prefix" (EventBridge Scheduler User Guide, "Confused deputy prevention",
    # https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html).
    # A condition naming .../schedule/default/<name> never matches, so the schedule could never start
    # a run. The group is local.schedule_group_name, the one schedule.tf puts the schedule in (taking
    # the schedule's own group_name here would be a cycle: the schedule needs this role).
    schedule = {
      sid        = "SchedulerStartsTheReport"
      service    = "scheduler.amazonaws.com"
      source_arn = { test = "ArnEquals", arn = "arn:${local.partition}:scheduler:${local.region}:${local.account_id}:schedule-group/${local.schedule_group_name}" }
    }
    run_stopped = {
      sid        = "EventBridgeStartsTheNotifier"
      service    = "events.amazonaws.com"
      source_arn = { test = "ArnLike", arn = "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${var.name_prefix}-run-stopped" }
    }
  }
}

data "aws_iam_policy_document" "assume_role" {
  for_each = local.assume_role

  statement {
    sid     = each.value.sid
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = [each.value.service]
    }

    # source_arn[*] is [] for the functions' role (null) and [source_arn] for the others.
    dynamic "condition" {
      for_each = each.value.source_arn[*]

      content {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = local.confused_deputy_account
      }
    }

    dynamic "condition" {
      for_each = each.value.source_arn[*]

      content {
        test     = condition.value.test
        variable = "aws:SourceArn"
        values   = [condition.value.arn]
      }
    }
  }
}

# --- The functions ---------------------------------------------------------------------------------
# Each writes only to its own log group, and sends its X-Ray segments (tracing is Active). Beyond
# that, a function gets the AWS calls its code makes, and nothing else (tests/infra derives them from
# the boto3 calls in functions/).

locals {
  # Statements with Resource "*" a function needs, by sid: actions with no resource types ("Resource
  # types" is empty for them in the Service Authorization Reference). Cost Explorer has none for any
  # ce: action; fetch_costs calls only boto3 ce.get_cost_and_usage. SES v2's GetAccount has none either
  # ("Actions, resources, and condition keys for Amazon Simple Email Service v2",
  # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsimpleemailservicev2.html):
  # resolve_report_date reads the account's sending quota (boto3 sesv2.get_account) before it lists
  # the due reports.
  function_unscoped_statements = {
    resolve_report_date = { ReadTheSendingQuota = ["ses:GetAccount"] }
    fetch_costs         = { ReadCostsForOneDay = ["ce:GetCostAndUsage"] }
    render_email        = {}
    post_chat           = {}
  }

  # Statements on the objects a function reads and writes in the shared-costs bucket (storage.tf), by
  # sid, each on the keys report_contract/objects.py gives that function. GetObject and PutObject are
  # authorised on the "object" resource type, arn:${Partition}:s3:::${BucketName}/${ObjectName}
  # (Service Authorization Reference, "Actions, resources, and condition keys for Amazon S3",
  # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html). No
  # s3:ListBucket: the code never lists, so a missing key answers AccessDenied (403) rather than
  # NoSuchKey (404), which is fine because it reads only the declarations Terraform wrote and keys its
  # own run wrote. No DeleteObject: the lifecycle rules expire them.
  function_object_statements = {
    resolve_report_date = {
      # config/reports.json, the report declarations, and nothing else under config/.
      ReadTheReportDeclarations = {
        actions   = ["s3:GetObject"]
        resources = ["${aws_s3_bucket.shared_costs.arn}/${local.reports_key}"]
      }
      # runs/<run>/due.json, the list the Distributed Map's ItemReader reads.
      ListTheDueReports = {
        actions   = ["s3:PutObject"]
        resources = ["${aws_s3_bucket.shared_costs.arn}/${local.runs_prefix}*"]
      }
    }
    fetch_costs = {
      # FetchSharedCosts reads the declarations and the run's due list, and writes the list again with
      # each report's slice (runs/<run>/shared.json); each report's FetchCosts reads its slice.
      ReadTheReportDeclarations = {
        actions   = ["s3:GetObject"]
        resources = ["${aws_s3_bucket.shared_costs.arn}/${local.reports_key}"]
      }
      ReadAndWriteTheRunsLists = {
        actions   = ["s3:GetObject", "s3:PutObject"]
        resources = ["${aws_s3_bucket.shared_costs.arn}/${local.runs_prefix}*"]
      }
      ShareCostsThroughTheBucket = {
        actions   = ["s3:GetObject", "s3:PutObject"]
        resources = ["${aws_s3_bucket.shared_costs.arn}/${local.shared_costs_prefix}*"]
      }
      # A daily report's FetchCosts reads the finalised months of its query and writes those Cost
      # Explorer has just finalised (history/<digest>/<YYYY-MM>.json.gz, fetch_costs/history_cache.py).
      CacheFinalisedMonths = {
        actions   = ["s3:GetObject", "s3:PutObject"]
        resources = ["${aws_s3_bucket.shared_costs.arn}/${local.history_prefix}*"]
      }
    }
    render_email = {}
    post_chat    = {}
  }

  # The statements on the chat secrets (chat.tf), by function: their sids. post_chat reads one channel's
  # webhook URL per post (boto3 secretsmanager.get_secret_value, SecretId <name_prefix>/chat/<channel>),
  # so it may call GetSecretValue on exactly those secrets' ARNs, the "Secret" resource type (Service
  # Authorization Reference, "Actions, resources, and condition keys for AWS Secrets Manager",
  # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html).
  # Without a channel there is no secret, and a statement must name a resource: no statement then. No
  # kms:Decrypt: the secrets use the AWS managed key aws/secretsmanager, for which GetSecretValue needs
  # no KMS permission of the caller (GetSecretValue, "Required permissions", Secrets Manager API Reference,
  # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html).
  function_secret_statements = {
    resolve_report_date = []
    fetch_costs         = []
    render_email        = []
    post_chat           = length(var.chat_channels) > 0 ? ["ReadTheChatWebhookUrls"] : []
  }

  # The AWS Budgets budget fetch_costs reads when monthly_budget_name is set (fetch_costs/budgets.py:
  # boto3 budgets.describe_budget), by function: its sid. The API operation DescribeBudget is authorised by
  # the IAM action budgets:ViewBudget on the "budget" resource type, arn:${Partition}:budgets::${Account}:
  # budget/${BudgetName} (Service Authorization Reference, "Actions, resources, and condition keys for
  # Amazon Budget Service", https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbudgetservice.html).
  # The budget is in the function's own account; without a name, no statement.
  function_budget_statements = {
    resolve_report_date = []
    fetch_costs         = var.monthly_budget_name == null ? [] : ["ReadTheMonthlyBudget"]
    render_email        = []
    post_chat           = []
  }
}

data "aws_iam_policy_document" "function" {
  for_each = local.functions

  dynamic "statement" {
    for_each = local.function_unscoped_statements[each.key]

    content {
      sid       = statement.key
      actions   = statement.value
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = local.function_object_statements[each.key]

    content {
      sid       = statement.key
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }

  dynamic "statement" {
    for_each = local.function_secret_statements[each.key]

    content {
      sid       = statement.value
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [for secret in aws_secretsmanager_secret.chat : secret.arn]
    }
  }

  dynamic "statement" {
    for_each = local.function_budget_statements[each.key]

    content {
      sid       = statement.value
      actions   = ["budgets:ViewBudget"]
      resources = ["arn:${local.partition}:budgets::${local.account_id}:budget/${var.monthly_budget_name}"]
    }
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }

  statement {
    # X-Ray's PutTraceSegments and PutTelemetryRecords have no resource types: the Service
    # Authorization Reference for AWS X-Ray lists none, so "*" is the only possible Resource.
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name               = local.function_names[each.key]
  description        = "Runs the ${each.key} function of the daily cost report."
  assume_role_policy = data.aws_iam_policy_document.assume_role["lambda"].json
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions

  name   = each.key
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}

# --- The report state machine ------------------------------------------------------------------------

data "aws_iam_policy_document" "state_machine" {
  statement {
    # post_chat from PostToChat, the Map that posts a sent report to each of its chat channels.
    sid     = "InvokeTheFunctions"
    actions = ["lambda:InvokeFunction"]
    resources = [
      aws_lambda_function.this["resolve_report_date"].arn,
      aws_lambda_function.this["fetch_costs"].arn,
      aws_lambda_function.this["render_email"].arn,
      aws_lambda_function.this["post_chat"].arn,
    ]
  }

  statement {
    # GetItem, PutItem and UpdateItem (BeginSending) on the report table, through the optimized
    # DynamoDB integrations: each needs the IAM action of its API on the table ("DynamoDB" in "IAM
    # policies for integrated services", Step Functions Developer Guide,
    # https://docs.aws.amazon.com/step-functions/latest/dg/dynamo-iam.html).
    sid       = "ClaimAndRecordTheDay"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.reports.arn]
  }

  statement {
    # SES authorises SendEmail against the sending identity and the configuration set.
    sid       = "SendTheReport"
    actions   = ["ses:SendEmail"]
    resources = [aws_sesv2_email_identity.sender.arn, aws_sesv2_configuration_set.this.arn]

    condition {
      test     = "StringEquals"
      variable = "ses:FromAddress"
      values   = [var.sender_email]
    }
  }

  dynamic "statement" {
    # In the sandbox SES also authorises SendEmail against each recipient's identity (ses.tf creates
    # them while ses_sandbox is true; none when the only recipient is the sender).
    for_each = length(aws_sesv2_email_identity.recipient) > 0 ? ["sandbox"] : []

    content {
      sid       = "SendToVerifiedRecipients"
      actions   = ["ses:SendEmail"]
      resources = [for identity in aws_sesv2_email_identity.recipient : identity.arn]

      condition {
        test     = "StringEquals"
        variable = "ses:FromAddress"
        values   = [var.sender_email]
      }
    }
  }

  # --- One child execution per due report ---
  # A scheduled run starts one execution of this same state machine per due report, through the
  # optimized integration arn:aws:states:::states:startExecution, and does not wait for it (decision
  # 0009): the request-response pattern needs states:StartExecution on the state machine only ("IAM
  # policies for AWS Step Functions", https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html;
  # the DescribeExecution, StopExecution and EventBridge-rule statements there are for .sync). Its ARN
  # is built from its name (local.state_machine_arn): the resource's own arn would make the role's
  # policy depend on the state machine, which depends on the role.

  statement {
    # Also what the Distributed Map needs to start its Map Run's child workflow executions, which are
    # executions of this same state machine ("IAM policies for using Distributed Map states",
    # https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html).
    sid       = "StartOneRunPerReport"
    actions   = ["states:StartExecution"]
    resources = [local.state_machine_arn]
  }

  # --- The Distributed Map that starts them ---
  # A scheduled run reads its due list from S3 (runs/<run>/due.json or shared.json), so up to 10,000
  # reports never travel in a state's input, and runs its items as a Map Run: child workflow executions
  # (ProcessorConfig DISTRIBUTED, STANDARD), each starting one report's execution and waiting. What the
  # role needs for that is in "IAM policies for using Distributed Map states",
  # https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html.

  statement {
    # Step Functions follows and stops the Map Run's own child workflow executions (a failed Map Run
    # stops the rest, and redriving the run redrives its failed children). Scoped to the labelled
    # executions, execution:<name>/<Map Run label>:<id>: never a report's own execution (<name>:<id>),
    # which a scheduled run starts and does not follow (decision 0009).
    sid       = "RunTheMapRunsChildren"
    actions   = ["states:DescribeExecution", "states:StopExecution", "states:RedriveExecution"]
    resources = [local.map_run_execution_arn_match]
  }

  statement {
    # The ItemReader (arn:aws:states:::s3:getObject) reads the run's due list: GetObject on the key the
    # run's state names, runs/<run>/due.json or, with the shared slices, runs/<run>/shared.json
    # (report_contract/objects.py), and on nothing else under runs/.
    sid     = "ReadTheDueList"
    actions = ["s3:GetObject"]
    resources = [
      "${aws_s3_bucket.shared_costs.arn}/${local.runs_prefix}*/due.json",
      "${aws_s3_bucket.shared_costs.arn}/${local.runs_prefix}*/shared.json",
    ]
  }

  statement {
    # The ResultWriter (arn:aws:states:::s3:putObject, Prefix runs/map-results) writes the Map Run's
    # manifest and results, with multipart uploads for large ones: these four actions, on its prefix.
    sid       = "WriteTheMapRunResults"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"]
    resources = ["${aws_s3_bucket.shared_costs.arn}/${local.map_results_prefix}/*"]
  }

  statement {
    # Step Functions documents this policy for logging to CloudWatch Logs ("IAM policies for logging
    # to CloudWatch Logs" in the Step Functions Developer Guide): the vended log delivery actions
    # have no resource types, so "*" is required.
    sid = "DeliverExecutionLogs"
    actions = [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }

  statement {
    # The policy Step Functions documents for X-Ray tracing ("IAM policies for AWS X-Ray" in the
    # Step Functions Developer Guide); X-Ray's actions have no resource types.
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }
}

resource "aws_iam_role" "state_machine" {
  name               = "${var.name_prefix}-state-machine"
  description        = "Runs the daily cost report state machine."
  assume_role_policy = data.aws_iam_policy_document.assume_role["state_machine"].json
}

resource "aws_iam_role_policy" "state_machine" {
  name   = "run-the-report"
  role   = aws_iam_role.state_machine.id
  policy = data.aws_iam_policy_document.state_machine.json
}

# --- The schedule ----------------------------------------------------------------------------------

data "aws_iam_policy_document" "schedule" {
  statement {
    sid       = "StartTheReport"
    actions   = ["states:StartExecution"]
    resources = [aws_sfn_state_machine.cost_notifier.arn]
  }

  statement {
    sid       = "DeadLetterAFailedStart"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn]
  }
}

resource "aws_iam_role" "schedule" {
  name               = "${var.name_prefix}-schedule"
  description        = "Lets EventBridge Scheduler start the daily cost report."
  assume_role_policy = data.aws_iam_policy_document.assume_role["schedule"].json
}

resource "aws_iam_role_policy" "schedule" {
  name   = "start-the-report"
  role   = aws_iam_role.schedule.id
  policy = data.aws_iam_policy_document.schedule.json
}

# --- The failure notifier and the rule that starts it ---------------------------------------------

data "aws_iam_policy_document" "notify_failure" {
  statement {
    sid       = "ReadTheStoppedRunsHistory"
    actions   = ["states:GetExecutionHistory"]
    resources = [local.execution_arn_match]
  }

  statement {
    sid       = "TellTheAlarmTopic"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
  }

  statement {
    sid = "DeliverExecutionLogs"
    actions = [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }
}

resource "aws_iam_role" "notify_failure" {
  name               = local.notifier_name
  description        = "Runs the state machine that emails the state and error of a stopped cost report run."
  assume_role_policy = data.aws_iam_policy_document.assume_role["notify_failure"].json
}

resource "aws_iam_role_policy" "notify_failure" {
  name   = "tell-the-alarm-topic"
  role   = aws_iam_role.notify_failure.id
  policy = data.aws_iam_policy_document.notify_failure.json
}

data "aws_iam_policy_document" "run_stopped" {
  statement {
    sid       = "StartTheNotifier"
    actions   = ["states:StartExecution"]
    resources = [aws_sfn_state_machine.notify_failure.arn]
  }
}

resource "aws_iam_role" "run_stopped" {
  name               = "${var.name_prefix}-run-stopped"
  description        = "Lets EventBridge start the failure notifier when a cost report run stops."
  assume_role_policy = data.aws_iam_policy_document.assume_role["run_stopped"].json
}

resource "aws_iam_role_policy" "run_stopped" {
  name   = "start-the-notifier"
  role   = aws_iam_role.run_stopped.id
  policy = data.aws_iam_policy_document.run_stopped.json
}
