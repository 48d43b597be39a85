# One item per report day: the claim (CLAIMED) that makes a day send at most once, then the receipt
# (SENT). resolve_report_date sets expiresAt so that a day's record lives as long as Cost Explorer can
# still report that day, then TTL deletes it for free.

resource "aws_dynamodb_table" "reports" {
  #checkov:skip=CKV_AWS_119:Encrypted at rest with an AWS owned key by default; dynamodb_kms_key_arn switches to a customer managed key for those who need one ($1 a month, over three times this whole system).
  name         = local.table_name
  billing_mode = "PAY_PER_REQUEST" # about four requests a day: on-demand costs fractions of a cent
  hash_key     = "reportDate"

  attribute {
    name = "reportDate"
    type = "S"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true # the table holds a few kilobytes: $0.20 per GB-month is nothing
  }

  server_side_encryption {
    enabled     = var.dynamodb_kms_key_arn != null
    kms_key_arn = var.dynamodb_kms_key_arn
  }
}
