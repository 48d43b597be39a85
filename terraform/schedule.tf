# The daily start: EventBridge Scheduler, in the user's time zone, starting the state machine with
# {"scheduledTime": <the time it was scheduled for>}. ResolveReportDate reports on the UTC day before
# that time, so a late or retried start still reports on the right day.

resource "aws_sqs_queue" "dead_letters" {
  name                      = "${var.name_prefix}-dead-letters"
  message_retention_seconds = 1209600 # 14 days, the maximum: time to notice the alarm and look
  sqs_managed_sse_enabled   = true
}

resource "aws_scheduler_schedule" "daily_report" {
  #checkov:skip=CKV_AWS_297:The schedule holds no secret (a cron expression and a fixed input), and is encrypted with an AWS owned key; a customer managed key would cost $1 a month, over three times this whole system.
  name                         = "${var.name_prefix}-daily-report"
  group_name                   = local.schedule_group_name # the group iam.tf's trust policy names
  description                  = "Starts the daily AWS cost report (${var.schedule_expression}, ${var.schedule_timezone})."
  schedule_expression          = var.schedule_expression
  schedule_expression_timezone = var.schedule_timezone
  state                        = var.schedule_enabled ? "ENABLED" : "DISABLED"

  flexible_time_window {
    mode = "OFF"
  }

  # The templated Step Functions target: Scheduler calls StartExecution with this input.
  target {
    arn      = aws_sfn_state_machine.cost_notifier.arn
    role_arn = aws_iam_role.schedule.arn
    input    = jsonencode({ scheduledTime = "<aws.scheduler.scheduled-time>" })

    # Failing to start is retried for up to an hour; the claim makes a duplicate start harmless.
    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 10
    }

    dead_letter_config {
      arn = aws_sqs_queue.dead_letters.arn
    }
  }

  lifecycle {
    # A weekly or monthly report is sent by the run on its day (in its time zone), so the schedule must
    # start a run every day: day-of-month, month, day-of-week and year each * or ?. Checked at plan.
    precondition {
      condition     = alltrue([for report in values(local.reports) : report.cadence == null || report.cadence == "daily"]) || can(regex("^cron\\(\\S+ \\S+ [*?] \\* [*?] \\*\\)$", var.schedule_expression))
      error_message = "schedule_expression must start a run every day (day-of-month, month, day-of-week and year each * or ?, such as cron(0 8 * * ? *)) while reports has a weekly or monthly report: such a report is sent only by the run on its day."
    }
  }
}
