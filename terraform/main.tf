# Names, ARNs and settings shared by the other files. One name per idea: the state FetchCosts, the
# folder functions/fetch_costs, the resource key fetch_costs, the deployed function <prefix>-fetch-costs.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = var.region

  table_name             = "${var.name_prefix}-reports"
  configuration_set_name = var.name_prefix
  state_machine_name     = var.name_prefix
  notifier_name          = "${var.name_prefix}-notify-failure"

  # The EventBridge Scheduler schedule group the daily schedule is in: "default", which every account
  # has in every Region. schedule.tf puts the schedule in it and iam.tf's trust policy names it,
  # because Scheduler identifies itself to the execution role by the group, not the schedule.
  schedule_group_name = "default"

  # Known before apply, so the IAM policies and alarms can name them without a dependency cycle.
  state_machine_arn   = "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${local.state_machine_name}"
  execution_arn_match = "arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${local.state_machine_name}:*"
  # The child workflow executions of this state machine's Distributed Map runs: a Map Run's children are
  # "labelled executions", execution:<state machine>/<Map Run label>:<id> (Service Authorization
  # Reference for Step Functions), so this matches none of the report runs execution_arn_match matches.
  map_run_execution_arn_match = "arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${local.state_machine_name}/*"

  # The Step Functions console page of an execution: its graph, each state's input and output, and the
  # Redrive button, which resumes a failed run from the state that failed.
  console_domain           = lookup({ "aws" = "console.aws.amazon.com", "aws-cn" = "console.amazonaws.cn", "aws-us-gov" = "console.amazonaws-us-gov.com" }, local.partition, "console.aws.amazon.com")
  state_machine_console    = "https://${local.region}.${local.console_domain}/states/home?region=${local.region}#/statemachines/view/${local.state_machine_arn}"
  execution_console_prefix = "https://${local.region}.${local.console_domain}/states/home?region=${local.region}#/v2/executions/details/"

  # The AWS-published Powertools layer (Powertools for AWS Lambda, Python, v3) for python3.13 on arm64:
  # version 27 is the one the Powertools documentation lists; the same version number exists in every
  # commercial Region. The China Regions publish it from another account.
  powertools_layer_account = local.partition == "aws-cn" ? "498634801083" : "017000801446"
  powertools_layer_arn     = coalesce(var.powertools_layer_arn, "arn:${local.partition}:lambda:${local.region}:${local.powertools_layer_account}:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27")

  # Every function gets these; each function's own settings are in lambda.tf.
  common_environment = {
    POWERTOOLS_SERVICE_NAME      = "cost-notifier"
    POWERTOOLS_METRICS_NAMESPACE = "CostNotifier"
    POWERTOOLS_LOG_LEVEL         = var.log_level
  }

  # EventBridge Scheduler, Step Functions and EventBridge assume their roles only for this account.
  confused_deputy_account = [local.account_id]
}

# --- The reports -----------------------------------------------------------------------------------

locals {
  # The reports, as the JSON the state machine definition carries and ResolveReportDate reads with
  # parse_reports (functions/report_contract/spec.py): snake_case, every attribute present, null where
  # the declaration leaves it to parse_reports (cadence daily, day_of_week monday, day_of_month 1,
  # time_zone UTC, the whole organisation, by service, the id as the name) or to the functions'
  # settings (metric: COST_METRIC, top_n: TOP_SERVICES). recipients defaults to var.recipients here.
  # budget and monthly_budget are written with tostring() so that an amount reaches the functions digit
  # for digit. chat, which a report declares as channel names, is written as the channels themselves,
  # {name, type}, the type from var.chat_channels: an unset chat is every channel (in name order), [] none.
  # A name chat_channels does not declare gets type null (try()), which parse_reports would refuse by
  # name; the preconditions on aws_s3_object.reports (storage.tf) refuse it at plan first.
  # Unset, var.reports is the one report deployments had before: id "daily" (spec.DEFAULT_REPORT_ID,
  # whose records keep the bare day as their key), with the deployment-wide variables.
  default_reports = {
    daily = {
      name                = null
      cadence             = "daily"
      day_of_week         = null
      day_of_month        = null
      time_zone           = null
      scope               = null
      breakdown           = { by = "service", key = null }
      secondary_breakdown = null
      recipients          = var.recipients
      metric              = var.cost_metric
      top_n               = var.top_services
      budget              = var.daily_budget == null ? null : tostring(var.daily_budget)
      monthly_budget      = var.monthly_budget == null ? null : tostring(var.monthly_budget)
      chat                = local.every_chat_channel
    }
  }
  reports = var.reports == null ? local.default_reports : {
    for id, report in var.reports : id => {
      name                = report.name
      cadence             = report.cadence
      day_of_week         = report.day_of_week
      day_of_month        = report.day_of_month
      time_zone           = report.time_zone
      scope               = report.scope
      breakdown           = report.breakdown
      secondary_breakdown = report.secondary_breakdown
      recipients          = report.recipients == null ? var.recipients : report.recipients
      metric              = report.metric
      top_n               = report.top_n
      budget              = report.budget == null ? null : tostring(report.budget)
      monthly_budget      = report.monthly_budget == null ? null : tostring(report.monthly_budget)
      chat                = report.chat == null ? local.every_chat_channel : [for name in report.chat : { name = name, type = try(var.chat_channels[name].type, null) }]
    }
  }
  every_chat_channel = [for name, channel in var.chat_channels : { name = name, type = channel.type }]

  # What the preconditions on aws_s3_object.reports refuse, each naming the report: a channel its chat
  # names that chat_channels does not declare, and more channels than a report may post to
  # (spec.MAX_CHANNELS), which an unset chat reaches when chat_channels declares more than 10.
  undeclared_chat_channels = flatten([
    for id, report in local.reports : [
      for channel in report.chat : format("reports[%q].chat names %s", id, channel.name) if channel.type == null
    ]
  ])
  overfull_chat = [for id, report in local.reports : format("reports[%q].chat has %d channels", id, length(report.chat)) if length(report.chat) > 10]

  # Every address any report is sent to (ses.tf verifies them in the SES sandbox).
  report_recipients = distinct(flatten([for report in values(local.reports) : report.recipients]))
}

# Alarms with nobody subscribed still change state, but nobody hears them. A warning, not an error.
check "alarms_reach_someone" {
  assert {
    condition     = length(var.alarm_emails) > 0
    error_message = "alarm_emails is empty: the alarms (failed run, missing run, bounces) will fire with nobody subscribed to hear them."
  }
}
