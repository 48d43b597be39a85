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

output "alarm_topic_arn" {
  description = "The SNS topic every alarm, failed-run message and SES bounce or complaint is published to. Subscribe more endpoints to it as needed."
  value       = aws_sns_topic.alarms.arn
}

output "manual_run_command" {
  description = "A ready AWS CLI command that reports on one day now: set DAY to the UTC day (YYYY-MM-DD) first. Add \"force\": true to the input to send a day that was already sent."
  value       = "DAY=YYYY-MM-DD; aws stepfunctions start-execution --region ${local.region} --state-machine-arn ${aws_sfn_state_machine.cost_notifier.arn} --name \"manual-$DAY-$(date +%s)\" --input \"{\\\"date\\\": \\\"$DAY\\\"}\""
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
