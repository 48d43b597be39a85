# The shared-costs bucket: where a scheduled run's FetchSharedCosts leaves the Cost Explorer answers
# it fetched once for several reports (functions/fetch_costs/sharing.py), and each report's FetchCosts
# reads its slice. One JSON object per report's slice, under shared/<day>/<execution>/<shape>/<report>.json,
# written once and read within minutes: an answer older than 30 minutes is not used
# (sharing.SHARED_ANSWER_MAX_AGE), so the objects are throwaway. They hold cost data: confidential,
# not secret.
#
# The name. Bucket names are global (per partition) and at most 63 characters. The prefix (at most 32,
# var.name_prefix's validation) plus "-shared-costs-" plus the account id is at most 58. The Region is
# not in it: "<prefix>-shared-costs-<account>-<region>" would be up to 73 with the longest Regions
# (ap-southeast-1, 14 characters), and it adds no uniqueness this deployment does not already need:
# the IAM roles (<prefix>-fetch-costs, ...) are global per account too, so a second deployment in the
# same account, in any Region, must use another prefix already. tests/infra/test_storage.py proves the
# longest name fits.
#
# Versioning stays off (checkov's CKV_AWS_21 is skipped, with the reason, below): every key is new (it
# holds the run's execution name), nothing is ever overwritten or deleted by the code, and the objects
# are worth nothing after 30 minutes. With versioning on, the expiration below would only add a delete
# marker and keep each answer as a noncurrent version, which would then need its own expiration.

locals {
  shared_costs_bucket = "${var.name_prefix}-shared-costs-${local.account_id}"
  # The key prefix fetch_costs writes and reads under (sharing.object_key): the function's IAM grant
  # and the expiration rule are both limited to it.
  shared_costs_prefix = "shared/"
}

resource "aws_s3_bucket" "shared_costs" {
  #checkov:skip=CKV_AWS_18:Server access logs would record only the scheduled run writing and its own children reading throwaway objects; CloudTrail already records the bucket's management calls, and a log bucket would need its own retention.
  #checkov:skip=CKV_AWS_21:Versioning would keep every expired answer as a noncurrent version; each key is written once by one run, never overwritten, and worthless after 30 minutes, so there is nothing to recover.
  #checkov:skip=CKV_AWS_144:Cross-Region replication would copy answers that expire after a day and are refetched from Cost Explorer when missing; a second bucket in another Region buys nothing here.
  #checkov:skip=CKV_AWS_145:Encrypted at rest with SSE-S3 (AES256); a customer managed KMS key would cost $1 a month (over three times this whole system) plus a request charge per object, for cost data that holds no secret.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to these objects: the same run that writes them passes each key to its children in their input, so event notifications would have no consumer.
  bucket = local.shared_costs_bucket

  # `terraform destroy` empties it first: its objects are throwaway, and without this a destroy within
  # a day of a run (before the expiration below) fails with BucketNotEmpty.
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

  rule {
    # One day is the shortest expiration S3 lifecycle allows; the answers are useful for 30 minutes.
    id     = "expire-shared-answers"
    status = "Enabled"

    filter {
      prefix = local.shared_costs_prefix
    }

    expiration {
      days = 1
    }
  }

  rule {
    # The function writes small JSON objects with PutObject (never multipart); this only keeps a stray
    # upload from lingering, anywhere in the bucket.
    id     = "abort-incomplete-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
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
