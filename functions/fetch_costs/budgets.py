"""The monthly budget read from AWS Budgets (MONTHLY_BUDGET_NAME) instead of a number typed in Terraform, so
the report compares the month with the budget the organisation already keeps.

One DescribeBudget request per report that needs a monthly budget (a daily or monthly report without its
own `monthly_budget`): it reads a budget, it is not a Cost Explorer request (no $0.01 charge).
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_DescribeBudget.html

- AccountId: the budget's account is the function's own (budgets live in the account that pays, where
  Cost Explorer's organisation-wide answers come from too), read from the invocation's function ARN, so no
  sts:GetCallerIdentity call or permission is needed.
- The amount: the budget must be a COST budget with TimeUnit MONTHLY; its limit for the report's month is
  PlannedBudgetLimits' entry for that month ("the key is the start of the month, UTC in epoch seconds"),
  or BudgetLimit; its Unit must be the report's currency (a budget in USD cannot judge costs in EUR).
- Errors: a budget that does not exist, or that is of the wrong kind or currency, is a ConfigurationError
  naming MONTHLY_BUDGET_NAME; AccessDeniedException is BudgetsAccessDenied (the role lacks
  budgets:ViewBudget on that budget's ARN, terraform/iam.tf). Throttling is retried here by botocore's
  standard mode, which retries the throttling errors it documents (ThrottlingException among them,
  https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html), BUDGETS_ATTEMPTS times in
  all; the DescribeBudget errors AWS documents are InternalErrorException, InvalidParameterException,
  NotFoundException, AccessDeniedException and ThrottlingException. Still throttled: BudgetsThrottled.
"""

from __future__ import annotations

import functools
from calendar import timegm
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from fetch_costs.errors import BudgetsAccessDenied, BudgetsThrottled, ConfigurationError
from fetch_costs.settings import AMOUNT_MAX

SETTING = "MONTHLY_BUDGET_NAME"
BUDGETS_ATTEMPTS = 3  # the first request and two retries, botocore's standard mode's default
# AWS Budgets' endpoint is global, in us-east-1 (budgets.amazonaws.com).
BUDGETS_REGION = "us-east-1"


@functools.cache
def budgets() -> Any:
    """Created on first use, not at import, so the embedded runtime and moto are active first."""
    config = Config(
        connect_timeout=5, read_timeout=20, retries={"total_max_attempts": BUDGETS_ATTEMPTS, "mode": "standard"}
    )
    return boto3.client("budgets", region_name=BUDGETS_REGION, config=config)


def account_of(function_arn: str) -> str:
    """arn:aws:lambda:<region>:<account>:function:<name>[:<alias>] -> the account id."""
    return function_arn.split(":")[4]


def budget_arn(account_id: str, name: str) -> str:
    """The budget's ARN, as IAM names it: arn:aws:budgets::<account>:budget/<name>."""
    return f"arn:aws:budgets::{account_id}:budget/{name}"


def month_key(month: date) -> str:
    """PlannedBudgetLimits' key for a month: its first day at 00:00 UTC, in epoch seconds."""
    return str(timegm(month.replace(day=1).timetuple()))


def read_monthly_budget(name: str, account_id: str, month: date, currency: str) -> Decimal:
    """The budget's amount for the month of `month`, in `currency`."""
    try:
        answer = budgets().describe_budget(AccountId=account_id, BudgetName=name)
    except ClientError as error:
        raise _refusal(error, name, account_id) from error
    return budget_amount(answer["Budget"], name, month, currency)


def _refusal(error: Any, name: str, account_id: str) -> Exception:
    """What a DescribeBudget error means for the report; any other error is raised as botocore raised it."""
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", "")
    if code == "NotFoundException":
        return ConfigurationError(
            f"{SETTING}={name!r}: AWS Budgets has no budget of that name in account {account_id} ({code}: "
            f"{message}). Set it to the name of a budget of this account (Billing console, Budgets), or unset it"
        )
    if code == "AccessDeniedException":
        return BudgetsAccessDenied(
            f"AWS Budgets refused DescribeBudget for {budget_arn(account_id, name)} ({code}: {message}). Grant "
            "the fetch_costs role budgets:ViewBudget on that ARN (terraform/iam.tf does when monthly_budget_name "
            "is set)"
        )
    if code == "ThrottlingException":
        return BudgetsThrottled(f"AWS Budgets throttled DescribeBudget {BUDGETS_ATTEMPTS} times ({message})")
    refused: Exception = error
    return refused


def budget_amount(budget: dict[str, Any], name: str, month: date, currency: str) -> Decimal:
    """The amount a budget sets for the month, refused by name when it cannot be the report's monthly budget."""
    kind, unit_of_time = budget.get("BudgetType"), budget.get("TimeUnit")
    if kind != "COST" or unit_of_time != "MONTHLY":
        raise ConfigurationError(
            f"{SETTING}={name!r} is a {unit_of_time} {kind} budget; the report's monthly budget must be a "
            "MONTHLY COST budget"
        )
    limit = (budget.get("PlannedBudgetLimits") or {}).get(month_key(month)) or budget.get("BudgetLimit")
    if not limit:
        raise ConfigurationError(f"{SETTING}={name!r} has no amount for {month:%B %Y} (no BudgetLimit)")
    if limit.get("Unit") != currency:
        raise ConfigurationError(
            f"{SETTING}={name!r} is in {limit.get('Unit')}, but the report's costs are in {currency}: use a "
            f"budget in {currency}, or unset it and set MONTHLY_BUDGET"
        )
    try:
        amount = Decimal(limit["Amount"])
    except (InvalidOperation, KeyError, TypeError):
        amount = Decimal(-1)
    if not amount.is_finite() or not 0 < amount < AMOUNT_MAX:
        raise ConfigurationError(
            f"{SETTING}={name!r} sets {limit.get('Amount')!r} {currency} for {month:%B %Y}; the monthly budget "
            f"must be an amount greater than 0 and below {AMOUNT_MAX:,}"
        )
    return amount
