# "Your run stopped at FetchCosts: CostDataUnavailable, here is the link." When a report run fails,
# times out or is aborted, EventBridge starts a small state machine
# (state_machine/notify_failure.asl.json, next to the report's definition) that reads the run's
# history for the state it stopped at (the event itself carries the error but not the state) and
# publishes one message to the alarm topic with a console link, where Redrive is one click.

locals {
  # Exactly the placeholders of state_machine/notify_failure.asl.json (tests/infra checks it).
  notify_failure_variables = {
    alarm_topic_arn          = aws_sns_topic.alarms.arn
    name_prefix              = var.name_prefix
    execution_console_prefix = local.execution_console_prefix
  }
}

resource "aws_cloudwatch_event_rule" "run_stopped" {
  name        = "${var.name_prefix}-run-stopped"
  description = "A daily cost report run failed, timed out or was aborted."

  event_pattern = jsonencode({
    source        = ["aws.states"]
    "detail-type" = ["Step Functions Execution Status Change"]
    detail = {
      status          = ["FAILED", "TIMED_OUT", "ABORTED"]
      stateMachineArn = [aws_sfn_state_machine.cost_notifier.arn]
    }
  })
}

resource "aws_cloudwatch_event_target" "run_stopped" {
  rule     = aws_cloudwatch_event_rule.run_stopped.name
  arn      = aws_sfn_state_machine.notify_failure.arn
  role_arn = aws_iam_role.run_stopped.arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 10
  }

  # An event EventBridge could not deliver lands next to the schedule's, under the same alarm.
  dead_letter_config {
    arn = aws_sqs_queue.dead_letters.arn
  }
}

# EventBridge writes undeliverable events to the queue with its own service principal, so the queue
# allows exactly this rule to send to it.
data "aws_iam_policy_document" "dead_letters_queue" {
  statement {
    sid       = "RunStoppedRuleDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.run_stopped.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "dead_letters" {
  queue_url = aws_sqs_queue.dead_letters.id
  policy    = data.aws_iam_policy_document.dead_letters_queue.json
}

resource "aws_cloudwatch_log_group" "notify_failure" {
  #checkov:skip=CKV_AWS_158:Log data is encrypted at rest by CloudWatch Logs by default; a customer managed KMS key would cost $1 a month (over three times this whole system) for logs that hold no secrets.
  name              = "/aws/vendedlogs/states/${local.notifier_name}"
  retention_in_days = var.log_retention_days
}

resource "aws_sfn_state_machine" "notify_failure" {
  name       = local.notifier_name
  type       = "STANDARD" # a few executions a year at most: inside the free tier, with a history to read
  role_arn   = aws_iam_role.notify_failure.arn
  definition = templatefile("${path.module}/../state_machine/notify_failure.asl.json", local.notify_failure_variables)

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.notify_failure.arn}:*"
    include_execution_data = true
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }

  depends_on = [aws_iam_role_policy.notify_failure]
}
