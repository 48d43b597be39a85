# The sender, the configuration set every report is sent with, and where bounces and complaints go.

# SES emails this address a verification link when it is created: the one click before the first report.
resource "aws_sesv2_email_identity" "sender" {
  email_identity         = var.sender_email
  configuration_set_name = aws_sesv2_configuration_set.this.configuration_set_name
}

# In the sandbox SES delivers only to verified addresses, and checks SendEmail permission on each
# recipient's identity too: every address of every report (local.report_recipients; with the default
# report, exactly var.recipients, so an existing deployment keeps its identities). The sender, if it
# is also a recipient, is verified already.
resource "aws_sesv2_email_identity" "recipient" {
  for_each = var.ses_sandbox ? toset([for address in local.report_recipients : address if lower(address) != lower(var.sender_email)]) : toset([])

  email_identity = each.value
}

resource "aws_sesv2_configuration_set" "this" {
  configuration_set_name = local.configuration_set_name

  delivery_options {
    tls_policy = "REQUIRE" # cost data never crosses the internet in clear text
  }

  reputation_options {
    reputation_metrics_enabled = true
  }

  sending_options {
    sending_enabled = true
  }
}

# A bounce or a complaint about a report reaches the alarm topic as it happens, with the address.
resource "aws_sesv2_configuration_set_event_destination" "bounces_and_complaints" {
  configuration_set_name = aws_sesv2_configuration_set.this.configuration_set_name
  event_destination_name = "bounces-and-complaints"

  event_destination {
    enabled              = true
    matching_event_types = ["BOUNCE", "COMPLAINT"]

    sns_destination {
      topic_arn = aws_sns_topic.alarms.arn
    }
  }

  depends_on = [aws_sns_topic_policy.alarms]
}
