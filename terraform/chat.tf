# Chat delivery's secrets: one Secrets Manager secret per channel of var.chat_channels, holding that
# channel's webhook URL. A webhook URL is a credential (anyone who holds it can post to the channel), so
# Terraform creates each secret empty and never sees the URL: there is no aws_secretsmanager_secret_version
# here, and the URL is set with `aws secretsmanager put-secret-value` (output chat_secrets has the
# command; docs/chat-setup.md the steps), so it enters no variable, plan or state. post_chat reads it when
# it posts, by name: CHAT_SECRET_PREFIX (lambda.tf) followed by the channel's name.
#
# The names, <name_prefix>/chat/<channel>, use only characters a secret name may hold (ASCII letters,
# digits and /_+=.@-; CreateSecret in the Secrets Manager API Reference,
# https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html), and are at most
# 32 + 6 + 40 = 78 of the 512 allowed. CreateSecret advises against a name ending in a hyphen and six
# characters (finops-alerts does), because the ARN adds "-" and six random characters and a PARTIAL ARN
# becomes ambiguous; post_chat asks for the secret by its name and iam.tf grants the full ARNs, so no
# partial ARN is ever used.

locals {
  chat_secret_prefix = "${var.name_prefix}/chat/"
}

resource "aws_secretsmanager_secret" "chat" {
  #checkov:skip=CKV_AWS_149:Encrypted with the AWS managed key aws/secretsmanager, which AWS recommends for most secrets and which costs nothing; a customer managed KMS key would cost $1 a month per key (more than the secrets themselves) and need a key policy and kms:Decrypt for post_chat, for no reader beyond this account.
  #checkov:skip=CKV2_AWS_57:A webhook URL is issued by Slack, Microsoft Teams or Google Chat and can only be replaced in their consoles, so no rotation function can rotate it; a new URL is put with put-secret-value (docs/chat-setup.md) and post_chat reads it within CHAT_SECRET_MAX_AGE_SECONDS.
  for_each = var.chat_channels

  name        = "${local.chat_secret_prefix}${each.key}"
  description = "The webhook URL of the ${each.value.type} chat channel ${each.key} of the cost report ${var.name_prefix}, read by its post_chat function. Terraform creates it empty; set the URL with: aws secretsmanager put-secret-value --secret-id <this secret's ARN> --secret-string '<webhook URL>' (docs/chat-setup.md)."

  # Seven days, the shortest recovery window Secrets Manager allows (7 to 30; DeleteSecret in the
  # Secrets Manager API Reference, https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html):
  # a channel removed from chat_channels, or a `terraform destroy` run by mistake, can be restored with
  # `aws secretsmanager restore-secret` and its URL is not lost; a channel removed on purpose frees its
  # name a week later (until then, declaring it again fails at apply: docs/chat-setup.md says what to do).
  # 0, deletion at once, would leave no way back from a mistake.
  recovery_window_in_days = 7
}
