# The workflow: state_machine/cost_notifier.asl.json, the same file `make demo` and the workflow tests
# run, with its ${placeholders} filled here. A Standard workflow: exactly-once claims, a 90-day
# execution history in the console, and redrive of a failed run from the state that failed.

locals {
  # Exactly the placeholders of the ASL, no more and no fewer (tests/infra checks it). The embedded
  # runtime fills the same ones in local/runtime.py:definition_variables().
  definition_variables = {
    resolve_report_date_function_arn = aws_lambda_function.this["resolve_report_date"].arn
    fetch_costs_function_arn         = aws_lambda_function.this["fetch_costs"].arn
    render_email_function_arn        = aws_lambda_function.this["render_email"].arn
    post_chat_function_arn           = aws_lambda_function.this["post_chat"].arn # each item of PostToChat
    table_name                       = aws_dynamodb_table.reports.name
    sender_email                     = aws_sesv2_email_identity.sender.email_identity
    ses_configuration_set            = aws_sesv2_configuration_set.this.configuration_set_name
    # The bucket the Distributed Map's ItemReader reads a run's due list from and its ResultWriter writes
    # to. The report declarations are no longer in the definition (up to 10,000 of them would not fit
    # its 1 MB, nor a state's 256 KiB input): they are config/reports.json in this bucket (storage.tf).
    shared_costs_bucket = aws_s3_bucket.shared_costs.bucket
  }
}

resource "aws_cloudwatch_log_group" "state_machine" {
  #checkov:skip=CKV_AWS_158:Log data is encrypted at rest by CloudWatch Logs by default; a customer managed KMS key would cost $1 a month (over three times this whole system) for logs that hold no secrets.
  # Under /aws/vendedlogs/ so that Step Functions' log delivery does not grow the account's
  # CloudWatch Logs resource policy, which is limited to 5,120 characters.
  name              = "/aws/vendedlogs/states/${local.state_machine_name}"
  retention_in_days = var.log_retention_days
}

resource "aws_sfn_state_machine" "cost_notifier" {
  name       = local.state_machine_name
  type       = "STANDARD"
  role_arn   = aws_iam_role.state_machine.arn
  definition = templatefile("${path.module}/../state_machine/cost_notifier.asl.json", local.definition_variables)

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    include_execution_data = true # with level ERROR: a failed state's input, which is what you need to diagnose it
    level                  = var.state_machine_log_level
  }

  tracing_configuration {
    enabled = true
  }

  # The role's policy first, and the report declarations: the first step of every run reads them, so
  # they are written before a run can start (and, on a later apply, before the definition that reads them).
  depends_on = [aws_iam_role_policy.state_machine, aws_s3_object.reports]
}
