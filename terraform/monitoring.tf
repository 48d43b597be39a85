# Being told. One SNS topic receives every alarm, the "run stopped" message (notifications.tf) and SES
# bounce and complaint events (ses.tf). The alarms watch this state machine's AWS/States metrics, the
# functions' errors, SES reputation and the dead-letter queue. AWS/States metrics are emitted only
# when something happens, so missing data means "nothing happened": not breaching, except for the
# missing-run alarm, where nothing happening is the problem.

resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:The AWS managed key alias/aws/sns cannot be used by CloudWatch alarms, EventBridge or SES (its key policy cannot be changed to let them publish), and a customer managed key would cost $1 a month, over three times this whole system. Messages carry a state name, an error and a link, no secrets.
  name = "${var.name_prefix}-alarms"
}

resource "aws_sns_topic_subscription" "alarm_email" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

# Who may publish: this account's CloudWatch alarms and SES configuration set. The notifier publishes
# with its role (iam.tf), which the account's own identity policies already allow.
data "aws_iam_policy_document" "alarms_topic" {
  statement {
    sid       = "CloudWatchAlarmsOfThisAccount"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = local.confused_deputy_account
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name_prefix}-*"]
    }
  }

  statement {
    sid       = "SesBouncesAndComplaints"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["ses.amazonaws.com"]
    }

    # Only SES acting for this account. (Which ARN SES puts in aws:SourceArn for event publishing is
    # not documented as clearly as the account, so the account is the guard here.)
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = local.confused_deputy_account
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

locals {
  alarm_actions = [aws_sns_topic.alarms.arn]
  console_hint  = "Step Functions console: ${local.state_machine_console}"
}

# --- The state machine -----------------------------------------------------------------------------

# A run that stops without a report, or a start Step Functions refuses: one alarm each, at the first
# occurrence, each with its own message (the description is the email people get). One resource with
# for_each, keyed by the names the four separate resources had, so each alarm keeps its name.
locals {
  execution_alarms = {
    executions_failed = {
      metric      = "ExecutionsFailed"
      description = "A daily cost report run failed: the report was not sent. A separate message names the state and the error. Fix the cause, then Redrive the execution from the console: it resumes at the failed state and never sends twice. ${local.console_hint}"
    }
    executions_timed_out = {
      metric      = "ExecutionsTimedOut"
      description = "A daily cost report run hit the state machine's 12-hour timeout: the report was not sent. A separate message names the state it was in. Redrive it from the console once the cause is fixed. ${local.console_hint}"
    }
    executions_aborted = {
      metric      = "ExecutionsAborted"
      description = "A daily cost report run was stopped by hand (aborted) before it finished. If that was not intended, Redrive it from the console. ${local.console_hint}"
    }
    execution_throttled = {
      metric      = "ExecutionThrottled"
      description = "Step Functions throttled the cost report state machine. The schedule retries a start for an hour and the claim keeps duplicates harmless; if the report did not arrive, start a manual run (terraform output manual_run_command). ${local.console_hint}"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "execution" {
  for_each = local.execution_alarms

  alarm_name          = "${var.name_prefix}-${replace(each.key, "_", "-")}"
  alarm_description   = each.value.description
  namespace           = "AWS/States"
  metric_name         = each.value.metric
  dimensions          = { StateMachineArn = aws_sfn_state_machine.cost_notifier.arn }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}

# They were four resources (executions_failed, ...): moved, not destroyed and recreated, so an existing
# deployment keeps its alarms, their state and their history.
moved {
  from = aws_cloudwatch_metric_alarm.executions_failed
  to   = aws_cloudwatch_metric_alarm.execution["executions_failed"]
}

moved {
  from = aws_cloudwatch_metric_alarm.executions_timed_out
  to   = aws_cloudwatch_metric_alarm.execution["executions_timed_out"]
}

moved {
  from = aws_cloudwatch_metric_alarm.executions_aborted
  to   = aws_cloudwatch_metric_alarm.execution["executions_aborted"]
}

moved {
  from = aws_cloudwatch_metric_alarm.execution_throttled
  to   = aws_cloudwatch_metric_alarm.execution["execution_throttled"]
}

# No successful run in 25 consecutive hours: a day plus an hour of slack, so a run that starts a few
# seconds later than yesterday's does not raise a false alarm (a single 24-hour window would). It
# catches what the failure alarms cannot: a disabled or deleted schedule, a start that never
# happened, a run stuck past the day. Missing data is breaching, so it is in ALARM from the apply
# until the first successful run: do the first manual run (docs/deploy.md) right away.
resource "aws_cloudwatch_metric_alarm" "missing_run" {
  alarm_name          = "${var.name_prefix}-missing-run"
  alarm_description   = "No daily cost report run has succeeded for 25 hours: the report did not arrive. Check that the schedule is enabled and whether the dead-letter queue holds a failed start, then start a manual run (terraform output manual_run_command). ${local.console_hint}"
  namespace           = "AWS/States"
  metric_name         = "ExecutionsSucceeded"
  dimensions          = { StateMachineArn = aws_sfn_state_machine.cost_notifier.arn }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = 25
  datapoints_to_alarm = 25
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# The SLO: a run takes under 30 seconds, 95% of the time (it usually takes 2 to 5).
resource "aws_cloudwatch_metric_alarm" "execution_time_p95" {
  alarm_name          = "${var.name_prefix}-execution-time-p95"
  alarm_description   = "The p95 duration of daily cost report runs is over 30 seconds (the SLO). Look for retries in the execution's history, usually Cost Explorer throttling or a slow page. ${local.console_hint}"
  namespace           = "AWS/States"
  metric_name         = "ExecutionTime"
  dimensions          = { StateMachineArn = aws_sfn_state_machine.cost_notifier.arn }
  extended_statistic  = "p95"
  period              = 3600
  evaluation_periods  = 1
  threshold           = 30000 # ExecutionTime is in milliseconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}

# --- The functions ---------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "function_errors" {
  for_each = var.function_error_alarms ? aws_lambda_function.this : {}

  alarm_name          = "${each.value.function_name}-errors"
  alarm_description   = "The ${each.key} function raised an error. The state machine retries transient errors, so the run may still have succeeded; if it failed, a separate message names the error. Logs: CloudWatch log group /aws/lambda/${each.value.function_name}."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}

# --- SES reputation ----------------------------------------------------------------------------------
# Account-level rates, the ones SES acts on: it reviews an account at a 5% bounce rate or a 0.1%
# complaint rate (Amazon SES Developer Guide, "Reputation metrics"). Each bounce or complaint about a
# report also arrives on the topic as it happens, through the configuration set's event destination.

resource "aws_cloudwatch_metric_alarm" "ses_bounce_rate" {
  alarm_name          = "${var.name_prefix}-ses-bounce-rate"
  alarm_description   = "The account's SES bounce rate reached 5%, where SES puts an account under review. Remove or fix the bouncing recipients (the bounce messages on this topic name them) and check the SES reputation page."
  namespace           = "AWS/SES"
  metric_name         = "Reputation.BounceRate"
  statistic           = "Maximum"
  period              = 3600
  evaluation_periods  = 1
  threshold           = 0.05
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "ses_complaint_rate" {
  alarm_name          = "${var.name_prefix}-ses-complaint-rate"
  alarm_description   = "The account's SES complaint rate reached 0.1%, where SES puts an account under review: a recipient marked the report as spam. Remove that recipient and check the SES reputation page."
  namespace           = "AWS/SES"
  metric_name         = "Reputation.ComplaintRate"
  statistic           = "Maximum"
  period              = 3600
  evaluation_periods  = 1
  threshold           = 0.001
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}

# --- The dead-letter queue ---------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${var.name_prefix}-dead-letters"
  alarm_description   = "The schedule could not start the report for an hour, or EventBridge could not start the failure notifier: the message in the dead-letter queue says why (often a permission or a deleted state machine). Read it in the SQS console (${aws_sqs_queue.dead_letters.name}), fix the cause, start a manual run, then purge the queue."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dead_letters.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}

# --- The dashboard -----------------------------------------------------------------------------------

resource "aws_cloudwatch_dashboard" "cost_notifier" {
  count = var.create_dashboard ? 1 : 0

  dashboard_name = var.name_prefix

  dashboard_body = jsonencode({
    widgets = [
      {
        type   = "metric"
        x      = 0
        y      = 0
        width  = 12
        height = 6

        properties = {
          title   = "Runs per day"
          region  = local.region
          view    = "timeSeries"
          stacked = false
          period  = 86400
          stat    = "Sum"
          metrics = [
            ["AWS/States", "ExecutionsStarted", "StateMachineArn", aws_sfn_state_machine.cost_notifier.arn],
            ["AWS/States", "ExecutionsSucceeded", "StateMachineArn", aws_sfn_state_machine.cost_notifier.arn],
          ]
        }
      },
      {
        type   = "metric"
        x      = 12
        y      = 0
        width  = 12
        height = 6

        properties = {
          title  = "Run duration (ms): p50, p95 and max; the SLO is p95 under 30,000"
          region = local.region
          view   = "timeSeries"
          period = 86400
          metrics = [
            ["AWS/States", "ExecutionTime", "StateMachineArn", aws_sfn_state_machine.cost_notifier.arn, { stat = "p50" }],
            ["AWS/States", "ExecutionTime", "StateMachineArn", aws_sfn_state_machine.cost_notifier.arn, { stat = "p95" }],
            ["AWS/States", "ExecutionTime", "StateMachineArn", aws_sfn_state_machine.cost_notifier.arn, { stat = "Maximum" }],
          ]
          annotations = { horizontal = [{ label = "SLO", value = 30000 }] }
        }
      },
      {
        type   = "metric"
        x      = 0
        y      = 6
        width  = 12
        height = 6

        properties = {
          title   = "Failures per day"
          region  = local.region
          view    = "timeSeries"
          stacked = true
          period  = 86400
          stat    = "Sum"
          metrics = [
            ["AWS/States", "ExecutionsFailed", "StateMachineArn", aws_sfn_state_machine.cost_notifier.arn],
            ["AWS/States", "ExecutionsTimedOut", "StateMachineArn", aws_sfn_state_machine.cost_notifier.arn],
            ["AWS/States", "ExecutionsAborted", "StateMachineArn", aws_sfn_state_machine.cost_notifier.arn],
            ["AWS/States", "ExecutionThrottled", "StateMachineArn", aws_sfn_state_machine.cost_notifier.arn],
            ["AWS/Lambda", "Errors", "FunctionName", aws_lambda_function.this["resolve_report_date"].function_name],
            ["AWS/Lambda", "Errors", "FunctionName", aws_lambda_function.this["fetch_costs"].function_name],
            ["AWS/Lambda", "Errors", "FunctionName", aws_lambda_function.this["render_email"].function_name],
            ["AWS/Lambda", "Errors", "FunctionName", aws_lambda_function.this["post_chat"].function_name],
          ]
        }
      },
      {
        type   = "metric"
        x      = 12
        y      = 6
        width  = 12
        height = 6

        properties = {
          title  = "Daily total reported (the report's currency) and Cost Explorer requests ($0.01 each)"
          region = local.region
          view   = "timeSeries"
          period = 86400
          metrics = [
            ["CostNotifier", "ReportedDailyTotal", "service", "cost-notifier", { stat = "Maximum" }],
            ["CostNotifier", "CostExplorerRequests", "service", "cost-notifier", { stat = "Sum", yAxis = "right" }],
          ]
        }
      },
      {
        type   = "metric"
        x      = 0
        y      = 12
        width  = 12
        height = 6

        properties = {
          # AWS documents no page size for GetCostAndUsage: the largest page of a day is the size it uses.
          title  = "Cost Explorer pages per day, and groups on the largest page (the page size)"
          region = local.region
          view   = "timeSeries"
          period = 86400
          metrics = [
            ["CostNotifier", "CostExplorerPages", "service", "cost-notifier", { stat = "Sum" }],
            ["CostNotifier", "CostExplorerGroupsPerPage", "service", "cost-notifier", { stat = "Maximum", yAxis = "right" }],
          ]
        }
      },
    ]
  })
}
