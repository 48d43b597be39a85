# What an operator needs, by name: docs/runbook.md and docs/deploy.md read these with
# `terraform output -no-color -raw NAME` (tests/infra/test_docs_commands.py checks that every name the
# docs use is here). The runbook also finds each one without Terraform state, from the AWS APIs.

output "region" {
  description = "The AWS Region everything was deployed to (var.region). Every AWS CLI command of the runbook needs it: export AWS_REGION to this value."
  value       = local.region
}

output "account_id" {
  description = "The AWS account the report was deployed to; `aws sts get-caller-identity` must show the same account before the runbook's commands can find anything."
  value       = local.account_id
}

output "name_prefix" {
  description = "The prefix of every resource name (var.name_prefix): the state machine is <prefix>, the table <prefix>-reports, the alarms <prefix>-..."
  value       = var.name_prefix
}

output "state_machine_arn" {
  description = "ARN of the daily cost report state machine."
  value       = aws_sfn_state_machine.cost_notifier.arn
}

output "state_machine_console_url" {
  description = "The state machine in the Step Functions console: every run, its graph, each state's input and output, and Redrive for a failed run."
  value       = local.state_machine_console
}

output "table_name" {
  description = "The DynamoDB table that records, per report day, the claim and then the sent receipt."
  value       = aws_dynamodb_table.reports.name
}

output "shared_costs_bucket" {
  description = "The S3 bucket where a scheduled run leaves the Cost Explorer answers it fetched once for several reports (shared/<day>/<execution>/...json), read by each report's FetchCosts within 30 minutes; objects expire after a day."
  value       = aws_s3_bucket.shared_costs.bucket
}

output "alarm_topic_arn" {
  description = "The SNS topic every alarm, failed-run message and SES bounce or complaint is published to. Subscribe more endpoints to it as needed."
  value       = aws_sns_topic.alarms.arn
}

output "manual_run_command" {
  description = "A ready AWS CLI command that reports on one day now: DAY defaults to yesterday in UTC (GNU date, else BSD/macOS date); set DAY=YYYY-MM-DD first for another day. Add \"force\": true to the input to send a day that was already sent."
  value       = "DAY=$${DAY:-$(date -u -d yesterday +%F 2>/dev/null || date -u -v-1d +%F)}; aws stepfunctions start-execution --region ${local.region} --state-machine-arn ${aws_sfn_state_machine.cost_notifier.arn} --name \"manual-$DAY-$(date +%s)\" --input \"{\\\"date\\\": \\\"$DAY\\\"}\""
}

output "sender_identity" {
  description = "The SES identity of the sender. Its status stays pending until the link in SES's verification email is clicked; no report can be sent before."
  value       = aws_sesv2_email_identity.sender.email_identity
}

output "dead_letter_queue_url" {
  description = "The SQS queue that holds a start the schedule gave up on, or an event EventBridge could not deliver to the failure notifier."
  value       = aws_sqs_queue.dead_letters.url
}

output "dashboard_url" {
  description = "The CloudWatch dashboard: runs, durations, failures and the daily total reported (null when create_dashboard is false)."
  value       = var.create_dashboard ? "https://${local.region}.${local.console_domain}/cloudwatch/home?region=${local.region}#dashboards/dashboard/${var.name_prefix}" : null
}

output "state_machine_name" {
  description = "Name of the daily cost report state machine, as the Step Functions console lists it."
  value       = aws_sfn_state_machine.cost_notifier.name
}

output "execution_console_url_prefix" {
  description = "Append an execution ARN to this to open that run in the Step Functions console (its graph, each state's error and cause, and Redrive)."
  value       = local.execution_console_prefix
}

output "state_machine_log_group" {
  description = "CloudWatch log group of the report state machine: failed states with their input, at the default ERROR level."
  value       = aws_cloudwatch_log_group.state_machine.name
}

output "function_names" {
  description = "The four Lambda functions' names, by function (resolve_report_date, fetch_costs, render_email, post_chat). A map: read it with terraform output -json function_names."
  value       = local.function_names
}

output "function_log_groups" {
  description = "The four Lambda functions' CloudWatch log groups, by function. A map: read it with terraform output -json function_log_groups."
  value       = { for function, group in aws_cloudwatch_log_group.function : function => group.name }
}

output "notify_failure_state_machine_arn" {
  description = "ARN of the small state machine that sends the failed-run message (state, error, console link) when a report run fails, times out or is aborted."
  value       = aws_sfn_state_machine.notify_failure.arn
}

output "notify_failure_log_group" {
  description = "CloudWatch log group of the failed-run notifier state machine, at the ERROR level."
  value       = aws_cloudwatch_log_group.notify_failure.name
}

output "schedule_name" {
  description = "Name of the EventBridge Scheduler schedule that starts the report daily, in the schedule group default (aws scheduler get-schedule --name ...)."
  value       = aws_scheduler_schedule.daily_report.name
}

output "dead_letter_queue_console_url" {
  description = "The dead-letter queue in the Amazon SQS console, where Send and receive messages -> Poll for messages shows each message with its attributes."
  value       = "https://${local.region}.${local.console_domain}/sqs/v3/home?region=${local.region}#/queues/${urlencode(aws_sqs_queue.dead_letters.url)}"
}

output "ses_configuration_set" {
  description = "The SES configuration set every report is sent with: TLS required, reputation metrics, bounces and complaints to the alarm topic."
  value       = aws_sesv2_configuration_set.this.configuration_set_name
}

output "recipients" {
  description = "The deployment-wide recipients: the default report's, and those of every declared report that names none of its own."
  value       = var.recipients
}

output "reports" {
  description = "The reports written into the deployed state machine definition (local.reports: each report's declaration, recipients filled in). A run (and its redrive) uses the reports that were deployed when it started."
  value       = local.reports
}

output "chat_secrets" {
  description = "Each chat channel's Secrets Manager secret, by channel name: its ARN and a ready AWS CLI command that puts the channel's webhook URL in it (replace <webhook URL>; the URL is a credential and never passes through Terraform). Empty without chat_channels. A map: read it with terraform output -json chat_secrets (docs/chat-setup.md)."
  value = {
    for name, secret in aws_secretsmanager_secret.chat : name => {
      arn                     = secret.arn
      set_webhook_url_command = "aws secretsmanager put-secret-value --region ${local.region} --secret-id ${secret.arn} --secret-string '<webhook URL>'"
    }
  }
}

output "ses_console_url" {
  description = "The SES console's identities in this Region: the sender's (and, while ses_sandbox is true, each recipient's) verification status."
  value       = "https://${local.region}.${local.console_domain}/ses/home?region=${local.region}#/identities"
}

output "runbook_environment" {
  description = "The shell variables docs/runbook.md uses, ready to paste (or eval) into a shell: AWS_REGION, PREFIX, SM, TABLE, DLQ, TOPIC and SENDER."
  value       = <<-EOT
    export AWS_REGION='${local.region}'
    PREFIX='${var.name_prefix}'
    SM='${aws_sfn_state_machine.cost_notifier.arn}'
    TABLE='${aws_dynamodb_table.reports.name}'
    DLQ='${aws_sqs_queue.dead_letters.url}'
    TOPIC='${aws_sns_topic.alarms.arn}'
    SENDER='${aws_sesv2_email_identity.sender.email_identity}'
  EOT
}
