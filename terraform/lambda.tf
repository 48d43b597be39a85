# The four functions: python3.13 on arm64 (Graviton: about 20% cheaper per GB-second than x86_64, and
# nothing here needs x86), Powertools from the AWS-published layer, code from `make package`.
#
# Sizing. Memory also buys CPU (1,769 MB is one vCPU), and cold starts import boto3, Powertools and
# the X-Ray SDK, so 256 MB keeps a cold start near a second; a run uses about 3 x 1 s x 0.25 GB =
# 0.75 GB-seconds, plus about a second per chat post, against a free tier of 400,000 a month. Each
# timeout is below the TimeoutSeconds of its state in the ASL, so a hung function ends with Lambda's own
# "Task timed out" line in its log group, and the state's timeout stays the backstop for invoke overhead.

locals {
  # fetch_costs' memory: the variable, or by the number of reports (var.fetch_costs_memory_size says why).
  # At most 256 + 10,000 / 2 = 5,256 MB, within Lambda's 10,240.
  fetch_costs_memory_size = var.fetch_costs_memory_size == null ? (length(local.reports) < 100 ? 256 : 256 + floor(length(local.reports) / 2)) : var.fetch_costs_memory_size

  functions = {
    resolve_report_date = {
      description = "ResolveReportDate: the report day and, for a scheduled run, the due reports (S3: the declarations and the run's due list)."
      memory_size = 256
      timeout     = 10 # the state allows 30; the work is date arithmetic
      environment = {
        COST_EXPLORER_HISTORY_MONTHS = tostring(var.cost_explorer_history_months)
      }
    }
    fetch_costs = {
      description = "FetchCosts: one day's cost per service from Cost Explorer (ce:GetCostAndUsage, us-east-1)."
      memory_size = local.fetch_costs_memory_size
      timeout     = 60 # the state allows 120; a page takes 1 to 3 s and the function stops at 10 pages
      environment = {
        COST_METRIC                = var.cost_metric
        TOP_SERVICES               = tostring(var.top_services)
        DAILY_BUDGET               = tostring(var.daily_budget)   # null (no budget): left unset
        MONTHLY_BUDGET             = tostring(var.monthly_budget) # null (no budget): left unset
        MONTHLY_BUDGET_NAME        = var.monthly_budget_name      # null (MONTHLY_BUDGET as typed): left unset
        CREDIT_BALANCE             = tostring(var.credit_balance) # null (no credit balance): left unset
        ANOMALY_THRESHOLD          = tostring(var.anomaly_threshold)
        ANOMALY_MIN_AMOUNT         = tostring(var.anomaly_min_amount)
        ANOMALY_MIN_PERCENT        = tostring(var.anomaly_min_percent)
        MOVER_MIN_AMOUNT           = tostring(var.mover_min_amount)
        MOVER_MIN_PERCENT          = tostring(var.mover_min_percent)
        REVISED_MIN_AMOUNT         = tostring(var.revised_min_amount)
        REVISED_MIN_PERCENT        = tostring(var.revised_min_percent)
        NEW_SERVICE_DAYS           = tostring(var.new_service_days)
        COST_EXPLORER_MAX_REQUESTS = tostring(var.cost_explorer_max_requests)
      }
    }
    render_email = {
      description = "RenderEmail: the email's subject, HTML and text from the day's report (jinja2). No AWS calls."
      memory_size = 256
      timeout     = 30 # the state allows 60; rendering hundreds of services takes well under a second
      environment = {} # what the report contains is decided by fetch_costs and arrives in the event
    }
    post_chat = {
      description = "PostToChat: one report's message to one chat channel's webhook, its URL read from Secrets Manager (secretsmanager:GetSecretValue)."
      memory_size = 256
      # The state allows 60. One post waits at most chat_timeout_seconds (30 at most), and a platform that
      # answers 429 may ask for a wait (Retry-After) that the function sits out once before it retries.
      timeout = 50
      environment = {
        CHAT_TIMEOUT_SECONDS        = tostring(var.chat_timeout_seconds)
        CHAT_SECRET_MAX_AGE_SECONDS = tostring(var.chat_secret_max_age_seconds)
      }
    }
  }

  # Not settings: where the resources Terraform creates for a function are. Each is set from the
  # resource itself, comes last in the environment (extra_function_environment cannot replace it), and
  # has no variable (tests/infra/test_settings_variables.py lists them as INFRASTRUCTURE).
  infrastructure_environment = {
    resolve_report_date = {
      SHARED_COSTS_BUCKET = aws_s3_bucket.shared_costs.bucket # storage.tf: config/reports.json, runs/<run>/due.json
    }
    fetch_costs = {
      SHARED_COSTS_BUCKET = aws_s3_bucket.shared_costs.bucket # storage.tf: read by fetch_costs/sharing.py
    }
    post_chat = {
      CHAT_SECRET_PREFIX = local.chat_secret_prefix # chat.tf: a channel's secret is this prefix and its name
    }
  }

  function_names = { for function in keys(local.functions) : function => "${var.name_prefix}-${replace(function, "_", "-")}" }

  # Built by `make package` (scripts/package.py): byte-for-byte reproducible, so plans don't churn.
  function_zips = { for function in keys(local.functions) : function => "${path.module}/../build/${function}.zip" }
}

resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_158:Log data is encrypted at rest by CloudWatch Logs by default; a customer managed KMS key would cost $1 a month (over three times this whole system) for logs that hold no secrets.
  for_each = local.functions

  name              = "/aws/lambda/${local.function_names[each.key]}"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_115:Reserved concurrency is refused on new accounts (their limit of 10 must stay unreserved), and the state machine invokes each function once per run.
  #checkov:skip=CKV_AWS_116:A dead-letter queue only applies to asynchronous invokes; the state machine invokes synchronously, retries next to each Task and reports failures itself.
  #checkov:skip=CKV_AWS_117:The functions reach only public endpoints (Cost Explorer, S3, Secrets Manager, and the chat platforms' webhooks on the internet); a VPC would need a NAT gateway (about $32 a month) for no benefit.
  #checkov:skip=CKV_AWS_173:The environment holds only non-secret settings (a metric name, thresholds and counts, a log level, a bucket name, the chat secrets' name prefix, never a webhook URL), encrypted at rest by Lambda's default AWS managed key.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile; the zips are built reproducibly from this repository by `make package` and their hash is in the plan.
  for_each = local.functions

  function_name = local.function_names[each.key]
  description   = each.value.description
  role          = aws_iam_role.function[each.key].arn
  handler       = "${each.key}.handler.lambda_handler"
  runtime       = "python3.13"
  architectures = ["arm64"]
  memory_size   = each.value.memory_size
  timeout       = each.value.timeout
  layers        = [local.powertools_layer_arn]

  filename         = local.function_zips[each.key]
  source_code_hash = try(filebase64sha256(local.function_zips[each.key]), null)

  environment {
    # The typed settings come after extra_function_environment, whose validation keeps them apart
    # anyway, and the infrastructure names last. A null setting (daily_budget, monthly_budget, monthly_budget_name, credit_balance) is left out: unset
    # means the function's default.
    variables = merge(
      local.common_environment,
      lookup(var.extra_function_environment, each.key, {}),
      { for name, value in each.value.environment : name => value if value != null },
      lookup(local.infrastructure_environment, each.key, {}),
    )
  }

  tracing_config {
    mode = "Active"
  }

  lifecycle {
    precondition {
      condition     = fileexists(local.function_zips[each.key])
      error_message = "build/${each.key}.zip is missing: run `make package` in the repository root first."
    }
    # One monthly budget, from one place: fetch_costs refuses both too (settings.py, ConfigurationError).
    precondition {
      condition     = var.monthly_budget == null || var.monthly_budget_name == null
      error_message = "monthly_budget and monthly_budget_name are both set: the monthly budget is typed here or read from AWS Budgets, not both; set one to null."
    }
  }

  # The log group exists first, with its retention, instead of Lambda creating one that never expires.
  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.function]
}
