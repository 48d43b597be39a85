# The shared-costs bucket: the deployment's run data, laid out once in functions/report_contract/objects.py
# (tests/infra/test_storage.py holds the literals below equal to it). Nothing that grows with the number
# of reports travels in the state machine's definition or in a state's input (256 KiB at most); it is here:
#
# * config/reports.json: the report declarations (var.reports, as local.reports renders them), written by
#   Terraform below and read by ResolveReportDate and FetchSharedCosts at call time. It is rewritten when
#   the declarations change, and never expires.
# * runs/<run>/due.json and runs/<run>/shared.json: a scheduled run's due reports, which the Distributed
#   Map's ItemReader reads, and runs/map-results/, where its ResultWriter writes. Kept 15 days: a failed
#   run can be redriven for 14 days after it stops (Step Functions Developer Guide, "Redriving state
#   machines", https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html), and its
#   redrive reads the same list.
# * shared/<day>/<execution>/<shape>/<report>.json: the Cost Explorer answers FetchSharedCosts fetched once
#   for several reports (functions/fetch_costs/sharing.py), one slice per report. An answer older than 30
#   minutes is not used (sharing.SHARED_ANSWER_MAX_AGE), so they are kept for the shortest time S3 allows.
# * history/<digest>/<YYYY-MM>.json.gz: a month of a report query's answer that Cost Explorer has finalised
#   (functions/fetch_costs/history_cache.py), so a daily report asks only for the days that can still
#   change (docs/decisions/0015-history-cache.md). Written once the month is final (on the 1st of the next
#   month at the earliest) and read by daily reports until the last day of that next month, at most 31
#   days later: kept 40 days. One that expires while still read is queried and written again.
#
# All of it holds report settings, recipients' addresses or cost data: confidential, not secret.
#
# The name. Bucket names are global (per partition) and at most 63 characters. The prefix (at most 32,
# var.name_prefix's validation) plus "-shared-costs-" plus the account id is at most 58. The Region is
# not in it: "<prefix>-shared-costs-<account>-<region>" would be up to 73 with the longest Regions
# (ap-southeast-1, 14 characters), and it adds no uniqueness this deployment does not already need:
# the IAM roles (<prefix>-fetch-costs, ...) are global per account too, so a second deployment in the
# same account, in any Region, must use another prefix already. tests/infra/test_storage.py proves the
# longest name fits.
#
# Versioning stays off (checkov's CKV_AWS_21 is skipped, with the reason, below). The one key that is
# ever overwritten is config/reports.json, and Terraform is its source: the previous declarations are in
# the Terraform configuration's history, and an apply of that configuration writes them back. Every other
# key holds its run's execution name and is written once. With versioning on, each expiration below would
# only add a delete marker and keep the object as a noncurrent version, which would need its own rule.

locals {
  shared_costs_bucket = "${var.name_prefix}-shared-costs-${local.account_id}"

  # The layout, as functions/report_contract/objects.py defines it (the same literals: Terraform cannot
  # import Python, so tests/infra/test_storage.py compares them). The IAM grants and the lifecycle rules
  # below are each limited to one of these.
  reports_key         = "config/reports.json" # objects.REPORTS_KEY
  runs_prefix         = "runs/"               # objects.RUNS_PREFIX
  map_results_prefix  = "runs/map-results"    # objects.MAP_RESULTS_PREFIX, the ResultWriter's Prefix
  shared_costs_prefix = "shared/"             # objects.SHARED_PREFIX (sharing.object_key's keys)
  runs_expire_days    = 15                    # objects.RUNS_EXPIRE_DAYS
  shared_expire_days  = 1                     # objects.SHARED_EXPIRE_DAYS
  history_prefix      = "history/"            # objects.HISTORY_PREFIX (history_cache.key's keys)
  history_expire_days = 40                    # objects.HISTORY_EXPIRE_DAYS
}

resource "aws_s3_bucket" "shared_costs" {
  #checkov:skip=CKV_AWS_18:Server access logs would record only Terraform writing the declarations and the scheduled runs and their children reading and writing their own keys; CloudTrail already records the bucket's management calls, and a log bucket would need its own retention.
  #checkov:skip=CKV_AWS_21:Versioning would keep every expired run list and answer as a noncurrent version; those keys are written once by one run, and the one key ever overwritten, config/reports.json, is rewritten from the Terraform configuration by an apply.
  #checkov:skip=CKV_AWS_144:Cross-Region replication would copy run data that expires within 15 days and answers that are refetched from Cost Explorer when missing; the declarations are recreated by Terraform, so a second bucket in another Region buys nothing here.
  #checkov:skip=CKV_AWS_145:Encrypted at rest with SSE-S3 (AES256); a customer managed KMS key would cost $1 a month (over three times this whole system) plus a request charge per object, for cost data that holds no secret.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to these objects: each is read by a step of the run that wrote it (or, the declarations, at call time), which is given the key, so event notifications would have no consumer.
  bucket = local.shared_costs_bucket

  # `terraform destroy` empties it first: without this a destroy fails with BucketNotEmpty, always now
  # (config/reports.json never expires). Nothing is lost: the declarations are Terraform's own, and the
  # run data is only needed to redrive a run of this deployment.
  force_destroy = true

  lifecycle {
    precondition {
      # The other bucket naming rules the prefix could break (the length is tests/infra's to prove).
      condition     = !startswith(var.name_prefix, "xn--") && !startswith(var.name_prefix, "sthree-") && !startswith(var.name_prefix, "amzn-s3-demo-")
      error_message = "name_prefix must not start with xn--, sthree- or amzn-s3-demo-: S3 refuses bucket names that do, and the shared-costs bucket is <name_prefix>-shared-costs-<account id>."
    }
  }
}

resource "aws_s3_bucket_public_access_block" "shared_costs" {
  bucket = aws_s3_bucket.shared_costs.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "shared_costs" {
  bucket = aws_s3_bucket.shared_costs.id

  rule {
    # ACLs disabled: the bucket owner owns every object, and only IAM and the bucket policy grant access.
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "shared_costs" {
  bucket = aws_s3_bucket.shared_costs.id

  rule {
    # SSE-S3, as S3 does by default since January 2023, written down so the plan shows it. Not a
    # customer managed KMS key, for the same reason as the table and the log groups: $1 a month plus
    # requests, for data that is confidential but not secret.
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "shared_costs" {
  bucket = aws_s3_bucket.shared_costs.id

  # No rule for config/: the declarations are kept until Terraform rewrites or destroys them.

  rule {
    # One day is the shortest expiration S3 lifecycle allows; the answers are useful for 30 minutes.
    id     = "expire-shared-answers"
    status = "Enabled"

    filter {
      prefix = local.shared_costs_prefix
    }

    expiration {
      days = local.shared_expire_days
    }
  }

  rule {
    # A run's due lists and the Map's results, kept one day beyond the 14 days a failed run can be
    # redriven (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html), because
    # its redrive reads the same list: the 14 days count from the run's end, these from the object's
    # creation early in the run (rounded up to the next midnight UTC, S3 User Guide, "Expiring objects",
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html).
    id     = "expire-run-lists"
    status = "Enabled"

    filter {
      prefix = local.runs_prefix
    }

    expiration {
      days = local.runs_expire_days
    }
  }

  rule {
    # A finalised month is read by the daily reports of the month after it (those whose query starts on
    # its 1st), up to 31 days after it is first written; a few days more cover S3's rounding to the next
    # midnight UTC and a month written a little late. An object that expires while still read costs one
    # query, which writes it again (history_cache reads a missing month as "not cached").
    id     = "expire-history-months"
    status = "Enabled"

    filter {
      prefix = local.history_prefix
    }

    expiration {
      days = local.history_expire_days
    }
  }

  rule {
    # The Distributed Map's ResultWriter may write its results under runs/map-results/ with a multipart
    # upload (its role may abort one: iam.tf); the functions and Terraform write small objects with
    # PutObject. Whatever stays incomplete is removed, anywhere in the bucket, a day after it began: no
    # scheduled run lasts a day.
    id     = "abort-incomplete-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

# --- The report declarations -----------------------------------------------------------------------
# config/reports.json: jsonencode(local.reports), the same JSON the definition's ${reports} placeholder
# carried, which report_contract.spec.parse_reports reads. Rewritten by an apply when the declarations
# change (the content is in the plan); the state machine depends on it (state_machine.tf), so a first
# apply writes it before any run can start, and a later one before the definition that reads it.

resource "aws_s3_object" "reports" {
  bucket       = aws_s3_bucket.shared_costs.id
  key          = local.reports_key
  content      = jsonencode(local.reports)
  content_type = "application/json"

  # SSE-S3, as the bucket's default (above) already does; written here too so the plan shows it. Not a
  # customer managed KMS key, for the bucket's reason: report settings and addresses, no secret.
  server_side_encryption = "AES256"

  # A report's chat channels are checked against chat_channels here, at plan, because the variables'
  # validations cannot see each other before Terraform 1.9 (main.tf writes the two lists).
  lifecycle {
    precondition {
      condition     = length(local.undeclared_chat_channels) == 0
      error_message = "Every channel a report's chat names must be declared in chat_channels, with its type: ${join("; ", local.undeclared_chat_channels)}."
    }

    precondition {
      # spec.MAX_CHANNELS: a report left without chat posts to every channel of chat_channels.
      condition     = length(local.overfull_chat) == 0
      error_message = "A report posts to at most 10 chat channels, and one left without chat posts to every channel of chat_channels: ${join("; ", local.overfull_chat)}. List the report's channels in its chat."
    }
  }

  # Written over TLS by the provider; after the bucket's settings, so that S3 does not refuse a
  # concurrent change to the same bucket (OperationAborted).
  depends_on = [
    aws_s3_bucket_server_side_encryption_configuration.shared_costs,
    aws_s3_bucket_ownership_controls.shared_costs,
    aws_s3_bucket_public_access_block.shared_costs,
  ]
}

data "aws_iam_policy_document" "shared_costs_bucket" {
  statement {
    # Every request must use TLS ("Enforce encryption of data in transit" in the S3 User Guide's
    # security best practices): a Deny on aws:SecureTransport = false, for every principal.
    sid       = "DenyRequestsWithoutTls"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.shared_costs.arn, "${aws_s3_bucket.shared_costs.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "shared_costs" {
  bucket = aws_s3_bucket.shared_costs.id
  policy = data.aws_iam_policy_document.shared_costs_bucket.json

  # S3 refuses concurrent changes to one bucket's configuration (OperationAborted): the policy waits
  # for the public access block.
  depends_on = [aws_s3_bucket_public_access_block.shared_costs]
}
