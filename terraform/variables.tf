# Inputs. Every one has a type and a description; the ones a typo could break have a validation that
# says what is allowed. terraform.tfvars.example sets the four you must choose.

# --- Where and what -----------------------------------------------------------------------------

variable "region" {
  description = "AWS Region for everything this deploys (SES sends from here). Cost Explorer is global and always called in us-east-1, whatever this is."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]+$", var.region))
    error_message = "region must be an AWS Region code such as us-east-1 or eu-west-2."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name: <prefix>-fetch-costs, <prefix>-reports, the state machine <prefix>. Lowercase letters, digits and hyphens, at most 32 characters so that derived names stay within AWS limits (64 for Lambda functions and IAM roles)."
  type        = string
  default     = "cost-notifier"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 2 to 32 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "tags" {
  description = "Tags added to every resource, on top of Project = aws-cost-notifier and ManagedBy = terraform."
  type        = map(string)
  default     = {}
}

# --- Email --------------------------------------------------------------------------------------

variable "sender_email" {
  description = "The From address of the report. Terraform creates it as an SES email identity; SES mails it a verification link that must be clicked once before the first report can go out."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$", var.sender_email))
    error_message = "sender_email must be a plain email address such as cost-report@example.com (no display name)."
  }
}

variable "recipients" {
  description = "Who gets the report: 1 to 50 distinct addresses (SES accepts at most 50 recipients per message). The state machine receives them joined with commas."
  type        = list(string)

  validation {
    condition     = length(var.recipients) >= 1 && length(var.recipients) <= 50
    error_message = "recipients must list between 1 and 50 addresses: SES sends one message to at most 50 recipients."
  }

  validation {
    condition     = alltrue([for address in var.recipients : can(regex("^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$", address))])
    error_message = "every recipient must be a plain email address such as finops@example.com (no display names, no commas)."
  }

  validation {
    condition     = length(distinct([for address in var.recipients : lower(address)])) == length(var.recipients)
    error_message = "recipients must not repeat an address: each would receive the report twice."
  }
}

variable "ses_sandbox" {
  description = "True while the account's SES is in the sandbox (every new account is): SES then only delivers to verified addresses, so Terraform also creates an email identity for each recipient (each gets a verification email) and grants SendEmail on them. Set to false once SES production access is granted."
  type        = bool
  default     = true
}

# --- Schedule -----------------------------------------------------------------------------------

variable "schedule_expression" {
  description = "When the report runs: an EventBridge Scheduler cron expression with six fields (minutes hours day-of-month month day-of-week year), one of the two day fields being ?. The missing-run alarm expects at least one successful run every 25 hours, so keep it daily."
  type        = string
  default     = "cron(0 8 * * ? *)"

  validation {
    condition     = can(regex("^cron\\([0-9*,/-]+ [0-9*,/-]+ [0-9*,/?LW-]+ [0-9A-Za-z*,/-]+ [0-9A-Za-z*,/?L#-]+ [0-9*,/-]+\\)$", var.schedule_expression))
    error_message = "schedule_expression must be cron(minutes hours day-of-month month day-of-week year), for example cron(0 8 * * ? *)."
  }

  validation {
    condition     = can(regex("^cron\\(\\S+ \\S+ (\\? \\S+ \\S+|\\S+ \\S+ \\?) \\S+\\)$", var.schedule_expression))
    error_message = "schedule_expression must set one of day-of-month and day-of-week to ?, as EventBridge Scheduler requires: cron(0 8 * * ? *)."
  }
}

variable "schedule_timezone" {
  description = "IANA time zone the cron expression is read in, such as UTC, Europe/Paris or America/New_York. The report day is always the UTC day before the scheduled time, whatever the zone."
  type        = string
  default     = "UTC"

  validation {
    condition     = can(regex("^(UTC|GMT|Etc/(UTC|GMT|GMT[+-]([0-9]|1[0-4]))|(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)?)$", var.schedule_timezone))
    error_message = "schedule_timezone must be an IANA time zone name: UTC, or Area/Location such as Europe/Paris or America/Argentina/Buenos_Aires."
  }
}

variable "schedule_enabled" {
  description = "Whether the daily schedule is on. Turning it off stops the reports, and the missing-run alarm then fires within 25 hours."
  type        = bool
  default     = true
}

# --- Chat ---------------------------------------------------------------------------------------

# The channels a report can also be posted to, besides its email. Only the name and the platform are
# declared here: a channel's webhook URL is a credential (anyone who holds it can post to the channel),
# so it never enters a variable, the plan or the state. Terraform creates an empty Secrets Manager
# secret per channel (chat.tf) and you put the URL in it yourself (docs/chat-setup.md).

variable "chat_channels" {
  description = "The deployment's chat channels, by name: { finops = { type = \"slack\" } }. type is slack (incoming webhook), teams (a Workflows webhook), google_chat (incoming webhook) or webhook (any HTTPS endpoint taking a JSON POST). Each channel gets a Secrets Manager secret <name_prefix>/chat/<name> for its webhook URL, which you set after the apply (output chat_secrets). A report posts to every channel unless its chat lists some (docs/chat-setup.md)."
  type = map(object({
    type = string # slack, teams, google_chat, webhook
  }))
  default  = {}
  nullable = false

  validation {
    # Not spec.py's bound but IAM's: post_chat's role names each channel's secret ARN (iam.tf), and a
    # role's inline policies may hold at most 10,240 characters, whitespace not counted ("IAM and AWS STS
    # quotas", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html). 50 ARNs of the
    # longest name (prefix of 32, channel of 40, in the longest partition and Region) fit with room to
    # spare; 100 do not (tests/infra/test_iam_least_privilege.py renders that policy).
    condition     = length(var.chat_channels) <= 50
    error_message = "chat_channels must declare at most 50 channels: post_chat's role names each channel's secret, and IAM limits a role's policies to 10,240 characters."
  }

  validation {
    condition     = alltrue([for name in keys(var.chat_channels) : can(regex("^[a-z0-9][a-z0-9-]{0,39}$", name))])
    error_message = "chat_channels: each channel name must be 1 to 40 lower-case letters, digits and dashes, starting with a letter or digit (e.g. finops-alerts): it is part of the channel's secret name, <name_prefix>/chat/<name>."
  }

  validation {
    condition     = alltrue([for channel in values(var.chat_channels) : channel.type == null ? false : contains(["slack", "teams", "google_chat", "webhook"], channel.type)])
    error_message = "chat_channels: each channel's type must be slack, teams, google_chat or webhook."
  }
}

# --- Reports ------------------------------------------------------------------------------------

# The declarations' rules are defined once, in functions/report_contract/spec.py (ResolveReportDate
# reads the JSON Terraform writes with parse_reports); these validations mirror them so that a bad
# declaration stops `terraform plan`. tests/infra/test_reports_variable.py evaluates every condition
# against parse_reports on a table of good and bad declarations. An attribute the type does not name
# (a typo such as `cadance`) is dropped by Terraform without a warning, as for every object variable.
# Each condition is `var.reports == null ? true : ...` and guards every null with ?:, because
# Terraform evaluates both sides of || and && (an attribute of null is an error). Text is measured as
# Python measures it: `^(?s:.{1,N})$` counts code points (length() counts grapheme clusters), and
# [^\t-\r\x{1c}-\x{20}...] is a character that is not whitespace to Python's str.strip() and re's \s
# (trimspace() and RE2's \s know fewer); tests/infra/test_reports_variable.py derives that class.

variable "reports" {
  description = "The reports this deployment sends: a map from a report id (1 to 40 lower-case letters, digits and dashes) to a report. Null (the default) is one report, id daily: the whole organisation by service every day, to recipients, with cost_metric, top_services, daily_budget and monthly_budget. Every attribute is optional; recipients defaults to var.recipients, metric, top_n, budget and monthly_budget to the deployment's settings (budget: none; monthly_budget: monthly_budget), and chat (the chat_channels it is also posted to, at most 10) to every channel of chat_channels ([] is email only). See docs/configuration.md, Reports."
  type = map(object({
    name         = optional(string)
    cadence      = optional(string) # daily (default), weekly, monthly
    day_of_week  = optional(string) # weekly: monday (default) to sunday
    day_of_month = optional(number) # monthly: 1 (default) to 28
    time_zone    = optional(string) # which day it is for the readers (default UTC)
    scope = optional(object({       # at most one; none (the default): the whole organisation
      accounts = optional(list(string))
      tag = optional(object({
        key    = string
        values = list(string)
      }))
      cost_category = optional(object({
        name   = string
        values = list(string)
      }))
    }))
    breakdown = optional(object({ # default: by service
      by  = string                # service, account, region, tag, cost_category
      key = optional(string)      # the tag key or cost category name, for tag and cost_category only
    }))
    secondary_breakdown = optional(object({
      by  = string
      key = optional(string)
    }))
    recipients     = optional(list(string)) # default: var.recipients
    metric         = optional(string)       # default: cost_metric
    top_n          = optional(number)       # default: top_services
    budget         = optional(number)       # for the report's period; default: none
    monthly_budget = optional(number)       # for the month (daily, monthly; weekly ignores it); default: monthly_budget
    chat           = optional(list(string)) # channel names of chat_channels; default: every one; []: email only
  }))
  default = null

  validation {
    # spec.MAX_REPORTS: an organisation's reports. They are config/reports.json in S3 (storage.tf), not
    # in the state machine's definition, and a scheduled run starts them through a Distributed Map.
    condition     = var.reports == null ? true : length(var.reports) >= 1 && length(var.reports) <= 10000
    error_message = "reports must declare 1 to 10,000 reports, or be null (unset) for the single daily report."
  }

  validation {
    condition     = var.reports == null ? true : alltrue([for id in keys(var.reports) : can(regex("^[a-z0-9][a-z0-9-]{0,39}$", id))])
    error_message = "reports: each report id must be 1 to 40 lower-case letters, digits and dashes, starting with a letter or digit (e.g. team-payments)."
  }

  validation {
    condition     = var.reports == null ? true : alltrue([for r in values(var.reports) : r.name == null ? true : can(regex("^(?s:.{1,100})$", r.name)) && can(regex("^(?s:.*)[^\\t-\\r\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}](?s:.*)$", r.name))])
    error_message = "reports: a report's name must be text of 1 to 100 characters, not only spaces (or unset: the report id)."
  }

  validation {
    condition     = var.reports == null ? true : alltrue([for r in values(var.reports) : r.cadence == null ? true : contains(["daily", "weekly", "monthly"], r.cadence)])
    error_message = "reports: a report's cadence must be daily, weekly or monthly (unset: daily)."
  }

  validation {
    condition     = var.reports == null ? true : alltrue([for r in values(var.reports) : r.day_of_week == null ? true : contains(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"], r.day_of_week)])
    error_message = "reports: a report's day_of_week must be monday, tuesday, wednesday, thursday, friday, saturday or sunday, in lower case (unset: monday)."
  }

  validation {
    condition     = var.reports == null ? true : alltrue([for r in values(var.reports) : r.day_of_month == null ? true : r.day_of_month >= 1 && r.day_of_month <= 28 && floor(r.day_of_month) == r.day_of_month])
    error_message = "reports: a report's day_of_month must be a whole number from 1 to 28, so that every month has it (unset: 1)."
  }

  validation {
    condition     = var.reports == null ? true : alltrue([for r in values(var.reports) : r.time_zone == null ? true : can(regex("^(UTC|GMT|Etc/(UTC|GMT|GMT[+-]([0-9]|1[0-4]))|(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)?)$", r.time_zone))])
    error_message = "reports: a report's time_zone must be an IANA time zone name: UTC, or Area/Location such as Europe/Paris (unset: UTC)."
  }

  validation {
    condition     = var.reports == null ? true : alltrue([for r in values(var.reports) : r.scope == null ? true : length([for given in [r.scope.accounts, r.scope.tag, r.scope.cost_category] : given if given != null]) <= 1])
    error_message = "reports: a report's scope must give at most one of accounts, tag and cost_category (none: the whole organisation)."
  }

  validation {
    condition     = var.reports == null ? true : alltrue([for r in values(var.reports) : r.scope == null ? true : r.scope.accounts == null ? true : length(r.scope.accounts) >= 1 && length(r.scope.accounts) <= 100 && alltrue([for account in r.scope.accounts : can(regex("^[0-9]{12}$", account))])])
    error_message = "reports: a report's scope.accounts must list 1 to 100 accounts, each a 12-digit account id."
  }

  validation {
    condition     = var.reports == null ? true : alltrue([for r in values(var.reports) : r.scope == null ? true : r.scope.tag == null ? true : (r.scope.tag.key == null ? false : can(regex("^(?s:.{1,128})$", r.scope.tag.key)) && can(regex("^(?s:.*)[^\\t-\\r\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}](?s:.*)$", r.scope.tag.key)))])
    error_message = "reports: a report's scope.tag.key must be the tag key, 1 to 128 characters."
  }

  validation {
    condition     = var.reports == null ? true : alltrue([for r in values(var.reports) : r.scope == null ? true : r.scope.cost_category == null ? true : (r.scope.cost_category.name == null ? false : can(regex("^(?s:.{1,50})$", r.scope.cost_category.name)) && can(regex("^(?s:.*)[^\\t-\\r\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}](?s:.*)$", r.scope.cost_category.name)))])
    error_message = "reports: a report's scope.cost_category.name must be the cost category's name, 1 to 50 characters."
  }

  validation {
    condition = var.reports == null ? true : alltrue(flatten([for r in values(var.reports) : r.scope == null ? [] : [
      for selector in [r.scope.tag, r.scope.cost_category] : selector == null ? true : (selector.values == null ? false : length(selector.values) >= 1 && length(selector.values) <= 100 && alltrue([for value in selector.values : value == null ? false : can(regex("^(?s:.{1,256})$", value))]))
    ]]))
    error_message = "reports: a report's scope.tag.values and scope.cost_category.values must list 1 to 100 values, each 1 to 256 characters."
  }

  validation {
    condition     = var.reports == null ? true : alltrue(flatten([for r in values(var.reports) : [for breakdown in [r.breakdown, r.secondary_breakdown] : breakdown == null ? true : (breakdown.by == null ? false : contains(["service", "account", "region", "tag", "cost_category"], breakdown.by))]]))
    error_message = "reports: a report's breakdown.by and secondary_breakdown.by must be service, account, region, tag or cost_category."
  }

  validation {
    condition     = var.reports == null ? true : alltrue(flatten([for r in values(var.reports) : [for breakdown in [r.breakdown, r.secondary_breakdown] : breakdown == null ? true : breakdown.by == "tag" ? (breakdown.key == null ? false : can(regex("^(?s:.{1,128})$", breakdown.key))) : breakdown.by == "cost_category" ? (breakdown.key == null ? false : can(regex("^(?s:.{1,50})$", breakdown.key))) : breakdown.key == null]]))
    error_message = "reports: a report's breakdown.key and secondary_breakdown.key must be the tag key (1 to 128 characters) when by is tag, the cost category's name (1 to 50 characters) when by is cost_category, and unset when by is service, account or region."
  }

  validation {
    condition     = var.reports == null ? true : alltrue([for r in values(var.reports) : r.recipients == null ? true : length(r.recipients) >= 1 && length(r.recipients) <= 50 && length(distinct(r.recipients)) == length(r.recipients) && alltrue([for address in r.recipients : can(regex("^[^@\\t-\\r\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]+@[^@\\t-\\r\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]+\\.[^@\\t-\\r\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]+$", address))])])
    error_message = "reports: a report's recipients must list 1 to 50 distinct email addresses such as a@example.com, SES's limit per message (unset: recipients)."
  }

  validation {
    condition     = var.reports == null ? true : alltrue([for r in values(var.reports) : r.metric == null ? true : contains(["UnblendedCost", "AmortizedCost", "NetUnblendedCost", "NetAmortizedCost", "BlendedCost"], r.metric)])
    error_message = "reports: a report's metric must be UnblendedCost, AmortizedCost, NetUnblendedCost, NetAmortizedCost or BlendedCost (unset: cost_metric)."
  }

  validation {
    condition     = var.reports == null ? true : alltrue([for r in values(var.reports) : r.top_n == null ? true : r.top_n >= 1 && r.top_n <= 20 && floor(r.top_n) == r.top_n])
    error_message = "reports: a report's top_n must be a whole number from 1 to 20 (unset: top_services)."
  }

  validation {
    condition     = var.reports == null ? true : alltrue([for r in values(var.reports) : r.budget == null ? true : r.budget > 0 && r.budget < 1000000000000])
    error_message = "reports: a report's budget must be an amount greater than 0 and below 1,000,000,000,000, for the report's period (unset: no budget)."
  }

  validation {
    condition     = var.reports == null ? true : alltrue([for r in values(var.reports) : r.monthly_budget == null ? true : r.monthly_budget > 0 && r.monthly_budget < 1000000000000])
    error_message = "reports: a report's monthly_budget must be an amount greater than 0 and below 1,000,000,000,000, for the month (unset: monthly_budget)."
  }

  # A report's chat names channels of chat_channels, which these validations cannot see (a validation
  # may read another variable only from Terraform 1.9): the names are checked here, and that each is
  # declared, and that an unset chat (every channel) makes at most 10, by preconditions on the object
  # the declarations are written to (storage.tf).

  validation {
    condition     = var.reports == null ? true : alltrue([for r in values(var.reports) : r.chat == null ? true : length(r.chat) <= 10])
    error_message = "reports: a report's chat must name at most 10 channels (unset: every channel of chat_channels; []: email only)."
  }

  validation {
    condition     = var.reports == null ? true : alltrue([for r in values(var.reports) : r.chat == null ? true : alltrue([for name in r.chat : name == null ? false : can(regex("^[a-z0-9][a-z0-9-]{0,39}$", name))])])
    error_message = "reports: a report's chat must list channel names as chat_channels declares them: 1 to 40 lower-case letters, digits and dashes, starting with a letter or digit."
  }

  validation {
    condition     = var.reports == null ? true : alltrue([for r in values(var.reports) : r.chat == null ? true : length(distinct(r.chat)) == length(r.chat)])
    error_message = "reports: a report's chat must name each channel once: it would be posted to twice."
  }
}

# --- What the functions do ----------------------------------------------------------------------

# Every environment variable a function reads is one of these, named as the variable in lower case
# (DAILY_BUDGET is daily_budget), with the bounds the function itself enforces
# (functions/fetch_costs/settings.py and functions/post_chat/settings.py, SETTINGS;
# functions/resolve_report_date/handler.py), so a bad
# value stops `terraform plan` instead of failing the first run after it has claimed the day.
# tests/infra/test_settings_variables.py evaluates each condition at the bounds against the Python.
# Numbers are passed with tostring(): 2.5 reaches the function as "2.5".

variable "cost_metric" {
  description = "The Cost Explorer metric every figure of the report is (fetch_costs reads it as COST_METRIC): UnblendedCost, AmortizedCost, NetUnblendedCost, NetAmortizedCost or BlendedCost."
  type        = string
  default     = "UnblendedCost"

  validation {
    condition     = contains(["UnblendedCost", "AmortizedCost", "NetUnblendedCost", "NetAmortizedCost", "BlendedCost"], var.cost_metric)
    error_message = "cost_metric must be one of UnblendedCost, AmortizedCost, NetUnblendedCost, NetAmortizedCost, BlendedCost."
  }
}

variable "top_services" {
  description = "How many services the report lists by name before grouping the rest as Other: a whole number from 1 to 20 (fetch_costs reads it as TOP_SERVICES)."
  type        = number
  default     = 10

  validation {
    condition     = var.top_services >= 1 && var.top_services <= 20 && floor(var.top_services) == var.top_services
    error_message = "top_services must be a whole number from 1 to 20."
  }
}

variable "daily_budget" {
  description = "The day's recurring spend (its net total minus one-off charges such as tax and support on the 1st) is compared with this amount, in the report's currency, and the subject says Over budget above it: greater than 0 and below 1,000,000,000,000, such as 150 or 99.5. Null (the default) means no budget (fetch_costs reads it as DAILY_BUDGET; unset when null)."
  type        = number
  default     = null

  validation {
    # A conditional, not ||: Terraform evaluates both sides of ||, and null > 0 is an error.
    condition     = var.daily_budget == null ? true : var.daily_budget > 0 && var.daily_budget < 1000000000000
    error_message = "daily_budget must be an amount greater than 0 and below 1,000,000,000,000 (in the report's currency), or null for no budget."
  }
}

variable "monthly_budget" {
  description = "The month to date and the month-end forecast of a daily report (and a monthly report's month) are compared with this amount, in the report's currency, and the subject says Over monthly budget when the forecast is above it: greater than 0 and below 1,000,000,000,000, such as 5000. Null (the default) means no monthly budget (fetch_costs reads it as MONTHLY_BUDGET; unset when null)."
  type        = number
  default     = null

  validation {
    # A conditional, not ||: Terraform evaluates both sides of ||, and null > 0 is an error.
    condition     = var.monthly_budget == null ? true : var.monthly_budget > 0 && var.monthly_budget < 1000000000000
    error_message = "monthly_budget must be an amount greater than 0 and below 1,000,000,000,000 (in the report's currency), or null for no monthly budget."
  }
}

variable "monthly_budget_name" {
  description = "The name of an AWS Budgets budget of this account (a MONTHLY COST budget in the report's currency) whose amount is the monthly budget, read at each run with DescribeBudget instead of typing monthly_budget here: 1 to 100 characters, without : or \\ or /action/. Null (the default) means monthly_budget, as typed. Not with monthly_budget (fetch_costs reads it as MONTHLY_BUDGET_NAME; unset when null; the function may then read that one budget, budgets:ViewBudget)."
  type        = string
  default     = null

  validation {
    # A conditional, not ||: Terraform evaluates both sides of ||, and regex() of null is an error.
    condition     = var.monthly_budget_name == null ? true : can(regex("^[^:\\\\]{1,100}$", var.monthly_budget_name)) && !can(regex("^(.|\\n)*/action/(.|\\n)*$", var.monthly_budget_name))
    error_message = "monthly_budget_name must be the name of a budget: 1 to 100 characters, without : or \\ or /action/, or null to use monthly_budget."
  }
}

variable "credit_balance" {
  description = "The organisation's credits remaining on the 1st of the report's month, in the report's currency, as the Billing console's Credits page shows them: the daily report of the whole organisation then says how many days the rest lasts at the credits used a day over the last 7 days. Greater than 0 and below 1,000,000,000,000, such as 2000; update it each month. Null (the default) means no days of credit left (fetch_costs reads it as CREDIT_BALANCE; unset when null)."
  type        = number
  default     = null

  validation {
    # A conditional, not ||: Terraform evaluates both sides of ||, and null > 0 is an error.
    condition     = var.credit_balance == null ? true : var.credit_balance > 0 && var.credit_balance < 1000000000000
    error_message = "credit_balance must be an amount greater than 0 and below 1,000,000,000,000 (in the report's currency), or null for no credit balance."
  }
}

variable "anomaly_threshold" {
  description = "How unusual a service's day must be to be flagged as an anomaly, in scaled median absolute deviations above its 14-day median: a number from 1 to 20 such as 2.5 (fetch_costs reads it as ANOMALY_THRESHOLD)."
  type        = number
  default     = 3

  validation {
    condition     = var.anomaly_threshold >= 1 && var.anomaly_threshold <= 20
    error_message = "anomaly_threshold must be a number from 1 to 20, such as 2.5."
  }
}

variable "anomaly_min_amount" {
  description = "An anomaly is also at least this much above the service's 14-day median, in the report's currency: a number from 0 to 1,000,000,000,000 (fetch_costs reads it as ANOMALY_MIN_AMOUNT)."
  type        = number
  default     = 5

  validation {
    condition     = var.anomaly_min_amount >= 0 && var.anomaly_min_amount <= 1000000000000
    error_message = "anomaly_min_amount must be a number from 0 to 1,000,000,000,000 (in the report's currency)."
  }
}

variable "anomaly_min_percent" {
  description = "An anomaly is also at least this many percent above the service's 14-day median: a number from 0 to 10,000 (fetch_costs reads it as ANOMALY_MIN_PERCENT)."
  type        = number
  default     = 50

  validation {
    condition     = var.anomaly_min_percent >= 0 && var.anomaly_min_percent <= 10000
    error_message = "anomaly_min_percent must be a number from 0 to 10,000 (percent)."
  }
}

variable "mover_min_amount" {
  description = "A top mover changed by at least this much against its average (of the 7 days before, or of the same weekday when costs follow a weekly cycle), in the report's currency: a number from 0 to 1,000,000,000,000 (fetch_costs reads it as MOVER_MIN_AMOUNT)."
  type        = number
  default     = 1

  validation {
    condition     = var.mover_min_amount >= 0 && var.mover_min_amount <= 1000000000000
    error_message = "mover_min_amount must be a number from 0 to 1,000,000,000,000 (in the report's currency)."
  }
}

variable "mover_min_percent" {
  description = "A top mover also changed by at least this many percent against its 7-day average: a number from 0 to 10,000 (fetch_costs reads it as MOVER_MIN_PERCENT)."
  type        = number
  default     = 10

  validation {
    condition     = var.mover_min_percent >= 0 && var.mover_min_percent <= 10000
    error_message = "mover_min_percent must be a number from 0 to 10,000 (percent)."
  }
}

variable "revised_min_amount" {
  description = "The report says the day before was revised when its total now differs from the total its report sent by at least this much, in the report's currency: a number from 0 to 1,000,000,000,000 (fetch_costs reads it as REVISED_MIN_AMOUNT)."
  type        = number
  default     = 1

  validation {
    condition     = var.revised_min_amount >= 0 && var.revised_min_amount <= 1000000000000
    error_message = "revised_min_amount must be a number from 0 to 1,000,000,000,000 (in the report's currency)."
  }
}

variable "revised_min_percent" {
  description = "The day before is shown as revised only when its change since its report was sent is also at least this many percent of the sent total: a number from 0 to 10,000 (fetch_costs reads it as REVISED_MIN_PERCENT)."
  type        = number
  default     = 1

  validation {
    condition     = var.revised_min_percent >= 0 && var.revised_min_percent <= 10000
    error_message = "revised_min_percent must be a number from 0 to 10,000 (percent)."
  }
}

variable "new_service_days" {
  description = "A service is reported as new when its first cost is within this many days: a whole number from 1 to 14 (fetch_costs reads it as NEW_SERVICE_DAYS)."
  type        = number
  default     = 7

  validation {
    condition     = var.new_service_days >= 1 && var.new_service_days <= 14 && floor(var.new_service_days) == var.new_service_days
    error_message = "new_service_days must be a whole number from 1 to 14."
  }
}

variable "cost_explorer_max_requests" {
  description = "The most Cost Explorer requests (pages, $0.01 each) one report may make before it stops with an error (a query shared by several reports: this many per report): a whole number from 1 to 100 (fetch_costs reads it as COST_EXPLORER_MAX_REQUESTS)."
  type        = number
  default     = 10

  validation {
    condition     = var.cost_explorer_max_requests >= 1 && var.cost_explorer_max_requests <= 100 && floor(var.cost_explorer_max_requests) == var.cost_explorer_max_requests
    error_message = "cost_explorer_max_requests must be a whole number from 1 to 100."
  }
}

variable "cost_explorer_history_months" {
  description = "How many months before the current one Cost Explorer keeps: 13 by default, up to 38 with multi-year data enabled. Older report days are refused (resolve_report_date reads it as COST_EXPLORER_HISTORY_MONTHS)."
  type        = number
  default     = 13

  validation {
    condition     = var.cost_explorer_history_months >= 13 && var.cost_explorer_history_months <= 38 && floor(var.cost_explorer_history_months) == var.cost_explorer_history_months
    error_message = "cost_explorer_history_months must be a whole number from 13 to 38."
  }
}

variable "chat_timeout_seconds" {
  description = "How long post_chat waits for a chat platform to answer one post, in seconds: a whole number from 1 to 30 (post_chat reads it as CHAT_TIMEOUT_SECONDS). The function's own timeout, 50 seconds, leaves room for one wait on a platform's Retry-After."
  type        = number
  default     = 10

  validation {
    condition     = var.chat_timeout_seconds >= 1 && var.chat_timeout_seconds <= 30 && floor(var.chat_timeout_seconds) == var.chat_timeout_seconds
    error_message = "chat_timeout_seconds must be a whole number from 1 to 30."
  }
}

variable "chat_secret_max_age_seconds" {
  description = "How long post_chat reuses a webhook URL it read from Secrets Manager before reading it again, in seconds: a whole number from 0 (read it for every post) to 3600 (post_chat reads it as CHAT_SECRET_MAX_AGE_SECONDS). A URL you change is used within this time, or at once after a platform refuses a post."
  type        = number
  default     = 300

  validation {
    condition     = var.chat_secret_max_age_seconds >= 0 && var.chat_secret_max_age_seconds <= 3600 && floor(var.chat_secret_max_age_seconds) == var.chat_secret_max_age_seconds
    error_message = "chat_secret_max_age_seconds must be a whole number from 0 to 3600."
  }
}

variable "log_level" {
  description = "Log level of the four functions (POWERTOOLS_LOG_LEVEL)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)
    error_message = "log_level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL."
  }
}

variable "extra_function_environment" {
  description = "More environment variables per function, for what is not a setting of this code (a library's own variable, say): { render_email = { NAME = \"value\" } }. Keys are resolve_report_date, fetch_costs, render_email, post_chat. Every setting a function reads has its own typed, validated variable above (the setting's name in lower case: DAILY_BUDGET is daily_budget) and is refused here, so a bad value stops the plan instead of the first run."
  type        = map(map(string))
  default     = {}

  validation {
    condition     = alltrue([for function in keys(var.extra_function_environment) : contains(["resolve_report_date", "fetch_costs", "render_email", "post_chat"], function)])
    error_message = "extra_function_environment keys must be resolve_report_date, fetch_costs, render_email or post_chat."
  }

  validation {
    condition = alltrue(flatten([
      for settings in values(var.extra_function_environment) : [
        for name in keys(settings) : can(regex("^[A-Za-z][A-Za-z0-9_]*$", name)) && !can(regex("^(AWS|POWERTOOLS|LAMBDA)_.*$", name))
      ]
    ]))
    error_message = "extra_function_environment names must be letters, digits and underscores, and must not start with AWS_, POWERTOOLS_ or LAMBDA_ (reserved; log_level sets POWERTOOLS_LOG_LEVEL)."
  }

  validation {
    condition = alltrue(flatten([
      for settings in values(var.extra_function_environment) : [
        for name in keys(settings) : !contains(["COST_METRIC", "TOP_SERVICES", "DAILY_BUDGET", "MONTHLY_BUDGET", "MONTHLY_BUDGET_NAME", "CREDIT_BALANCE", "ANOMALY_THRESHOLD", "ANOMALY_MIN_AMOUNT", "ANOMALY_MIN_PERCENT", "MOVER_MIN_AMOUNT", "MOVER_MIN_PERCENT", "REVISED_MIN_AMOUNT", "REVISED_MIN_PERCENT", "NEW_SERVICE_DAYS", "COST_EXPLORER_MAX_REQUESTS", "COST_EXPLORER_HISTORY_MONTHS", "CHAT_TIMEOUT_SECONDS", "CHAT_SECRET_MAX_AGE_SECONDS"], name)
      ]
    ]))
    error_message = "extra_function_environment must not set COST_METRIC, TOP_SERVICES, DAILY_BUDGET, MONTHLY_BUDGET, MONTHLY_BUDGET_NAME, CREDIT_BALANCE, ANOMALY_THRESHOLD, ANOMALY_MIN_AMOUNT, ANOMALY_MIN_PERCENT, MOVER_MIN_AMOUNT, MOVER_MIN_PERCENT, REVISED_MIN_AMOUNT, REVISED_MIN_PERCENT, NEW_SERVICE_DAYS, COST_EXPLORER_MAX_REQUESTS, COST_EXPLORER_HISTORY_MONTHS, CHAT_TIMEOUT_SECONDS or CHAT_SECRET_MAX_AGE_SECONDS: each has its own validated variable, the name in lower case (DAILY_BUDGET = \"40\" becomes daily_budget = 40)."
  }
}

variable "powertools_layer_arn" {
  description = "ARN of the Powertools for AWS Lambda (Python) layer for python3.13 on arm64. Null (the default) uses the AWS-published layer in this Region: arn:<partition>:lambda:<region>:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27 (498634801083 in the China Regions). Set it to pin another version, or where AWS does not publish the layer."
  type        = string
  default     = null

  validation {
    condition     = var.powertools_layer_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.powertools_layer_arn))
    error_message = "powertools_layer_arn must be a Lambda layer version ARN ending in :<version>, or null for the default."
  }
}

# --- Storage, logs, monitoring ------------------------------------------------------------------

variable "dynamodb_kms_key_arn" {
  description = "Customer managed KMS key for the report table. Null (the default) keeps DynamoDB's default encryption with an AWS owned key, at no cost. A customer key costs $1 a month; its key policy must let principals of this account use it through DynamoDB (kms:ViaService = dynamodb.<region>.amazonaws.com), as AWS's example key policy does."
  type        = string
  default     = null

  validation {
    condition     = var.dynamodb_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.dynamodb_kms_key_arn))
    error_message = "dynamodb_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), or null."
  }
}

variable "fetch_costs_memory_size" {
  description = "Memory of the fetch_costs function in MB, which also buys its CPU (1,769 MB is one vCPU). null (the default) sizes it by the number of reports: 256 below 100 reports, else 256 plus half a MB per report (756 for 1,000), because one shared query serves them all and holds its whole answer while it slices it (docs/performance.md measures the peak at 1,000 teams)."
  type        = number
  default     = null

  validation {
    # "You can configure memory between 128 MB and 10,240 MB in 1-MB increments":
    # https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
    condition     = var.fetch_costs_memory_size == null ? true : (var.fetch_costs_memory_size == floor(var.fetch_costs_memory_size) && var.fetch_costs_memory_size >= 128 && var.fetch_costs_memory_size <= 10240)
    error_message = "fetch_costs_memory_size must be null (sized by the number of reports) or a whole number of MB from 128 to 10240 (Lambda's limits)."
  }
}

variable "log_retention_days" {
  description = "How long the functions' and state machines' CloudWatch log groups keep logs. A run writes a few kilobytes, so a year costs well under a cent."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "state_machine_log_level" {
  description = "What the state machine writes to its log group under /aws/vendedlogs/states/: ERROR (the default) logs failed states with their input, ALL logs every step, FATAL only failed executions. The execution history in the console has every step either way."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["ALL", "ERROR", "FATAL"], var.state_machine_log_level)
    error_message = "state_machine_log_level must be ALL, ERROR or FATAL."
  }
}

variable "alarm_emails" {
  description = "Who is told when a run fails or does not happen: email addresses subscribed to the alarm topic (each confirms its subscription once, from the email SNS sends). Empty means the alarms fire but nobody hears them."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for address in var.alarm_emails : can(regex("^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$", address))])
    error_message = "every alarm_emails entry must be a plain email address such as oncall@example.com."
  }
}

variable "function_error_alarms" {
  description = "Whether each function gets an Errors alarm (four alarms). A function error that the retries do not absorb already fails the run, which the failure alarms and the failed-run message report; these add the errors that were retried away. CloudWatch's free tier covers 10 alarms per account and this configuration creates 13 with them, 9 without (docs/cost.md)."
  type        = bool
  default     = true
}

variable "create_dashboard" {
  description = "Whether to create the CloudWatch dashboard (runs, durations, failures, the daily total). Free while the account has at most 3 dashboards; $3 a month each beyond that (docs/cost.md)."
  type        = bool
  default     = true
}
