"""The monthly budget read from AWS Budgets (MONTHLY_BUDGET_NAME, fetch_costs/budgets.py): moto's Budgets,
whose requests and answers botocore checks against its model of the API, and Cost Explorer on the Stubber
(tests/functions/test_fetch_costs_handler.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from botocore.validate import ParamValidator
from fetch_costs import budgets, handler
from fetch_costs.budgets import budget_amount, budget_arn, month_key
from fetch_costs.settings import ConfigurationError, settings
from moto import mock_aws

from local.lambda_context import ACCOUNT_ID
from tests.fixtures.cost_explorer_answers import answer
from tests.functions.test_fetch_costs_handler import END, EVENT, START, expect_pages, rows

D = Decimal
NAME = "Organisation monthly"


@pytest.fixture
def aws(monkeypatch):
    """moto's AWS for Budgets; Cost Explorer on the Stubber; the settings read anew around the test."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = budgets.budgets  # a test may replace it: its cache is cleared either way
    settings.cache_clear()
    client.cache_clear()
    ce = boto3.client("ce", region_name="us-east-1")
    monkeypatch.setattr(handler, "cost_explorer", lambda: ce)
    with mock_aws(), Stubber(ce) as stubber:
        yield stubber
    settings.cache_clear()
    client.cache_clear()


def create_budget(amount: str = "5000", unit: str = "USD", time_unit: str = "MONTHLY", **extra) -> None:
    budget = {
        "BudgetName": NAME,
        "BudgetLimit": {"Amount": amount, "Unit": unit},
        "TimeUnit": time_unit,
        "BudgetType": "COST",
        **extra,
    }
    boto3.client("budgets", region_name="us-east-1").create_budget(AccountId=ACCOUNT_ID, Budget=budget)


def test_the_monthly_budget_is_the_named_aws_budget_and_judges_the_forecast(aws, lambda_context, monkeypatch):
    create_budget("100.50")
    monkeypatch.setenv("MONTHLY_BUDGET_NAME", NAME)
    expect_pages(aws, answer(START, END, rows))

    result = handler.lambda_handler(EVENT, lambda_context("fetch_costs"))

    assert result["monthlyBudget"] == "100.5"  # the amount, exact (100.50 as AWS Budgets wrote it)
    assert "overMonthlyBudget" in result["alerts"]  # about $60 a day: the month's forecast is far above it
    assert result["costExplorerRequests"] == 1  # DescribeBudget is no Cost Explorer request


def test_a_budget_that_does_not_exist_is_a_configuration_error_naming_the_setting(aws, lambda_context, monkeypatch):
    monkeypatch.setenv("MONTHLY_BUDGET_NAME", "No such budget")
    expect_pages(aws, answer(START, END, rows))

    with pytest.raises(ConfigurationError, match=r"MONTHLY_BUDGET_NAME='No such budget': AWS Budgets has no budget"):
        handler.lambda_handler(EVENT, lambda_context("fetch_costs"))


@pytest.mark.parametrize(
    ("budget", "refusal"),
    [
        ({"unit": "EUR"}, r"is in EUR, but the report's costs are in USD"),
        ({"time_unit": "QUARTERLY"}, r"is a QUARTERLY COST budget; .* must be a MONTHLY COST budget"),
    ],
    ids=["another currency", "quarterly"],
)
def test_a_budget_that_is_not_the_months_in_the_costs_currency_is_refused_naming_why(
    aws, lambda_context, monkeypatch, budget, refusal
):
    create_budget(**budget)
    monkeypatch.setenv("MONTHLY_BUDGET_NAME", NAME)
    expect_pages(aws, answer(START, END, rows))

    with pytest.raises(ConfigurationError, match=refusal):
        handler.lambda_handler(EVENT, lambda_context("fetch_costs"))


def test_a_reports_own_monthly_budget_wins_and_aws_budgets_is_not_asked(aws, lambda_context, monkeypatch):
    monkeypatch.setenv("MONTHLY_BUDGET_NAME", "No such budget")  # asked, it would fail the run
    expect_pages(aws, answer(START, END, rows))
    report = {"id": "daily", "name": "daily", "recipients": ["a@example.com"], "monthly_budget": "2500"}

    result = handler.lambda_handler({**EVENT, "report": report}, lambda_context("fetch_costs"))

    assert result["monthlyBudget"] == "2500"


@pytest.mark.parametrize(
    ("code", "raised", "message"),
    [
        ("AccessDeniedException", handler.BudgetsAccessDenied, "budgets:ViewBudget on that ARN"),
        ("ThrottlingException", handler.BudgetsThrottled, "throttled DescribeBudget 3 times"),
    ],
)
def test_budgets_errors_are_named(aws, lambda_context, monkeypatch, code, raised, message):
    monkeypatch.setenv("MONTHLY_BUDGET_NAME", NAME)
    expect_pages(aws, answer(START, END, rows))
    client = boto3.client("budgets", region_name="us-east-1")
    monkeypatch.setattr(budgets, "budgets", lambda: client)

    with Stubber(client) as stub, pytest.raises(raised, match=message) as refused:
        stub.add_client_error("describe_budget", service_error_code=code, service_message="nope")
        handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
    assert budget_arn(ACCOUNT_ID, NAME) in str(refused.value) or code == "ThrottlingException"


def test_an_unexpected_budgets_error_is_raised_as_botocore_raised_it(aws, lambda_context, monkeypatch):
    monkeypatch.setenv("MONTHLY_BUDGET_NAME", NAME)
    expect_pages(aws, answer(START, END, rows))
    client = boto3.client("budgets", region_name="us-east-1")
    monkeypatch.setattr(budgets, "budgets", lambda: client)

    with Stubber(client) as stub, pytest.raises(ClientError, match="InternalErrorException"):
        stub.add_client_error("describe_budget", service_error_code="InternalErrorException")
        handler.lambda_handler(EVENT, lambda_context("fetch_costs"))


def test_throttling_is_retried_by_botocores_standard_mode():
    budgets.budgets.cache_clear()
    retries = budgets.budgets().meta.config.retries
    budgets.budgets.cache_clear()

    assert retries == {"total_max_attempts": budgets.BUDGETS_ATTEMPTS, "mode": "standard"}


def test_the_request_is_what_botocores_model_of_describe_budget_accepts():
    shape = botocore.session.get_session().get_service_model("budgets").operation_model("DescribeBudget").input_shape

    assert not ParamValidator().validate({"AccountId": ACCOUNT_ID, "BudgetName": NAME}, shape).has_errors()


def test_a_planned_budgets_amount_for_the_month_is_used():
    budget = {
        "BudgetType": "COST",
        "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": "1000", "Unit": "USD"},
        "PlannedBudgetLimits": {month_key(date(2026, 11, 1)): {"Amount": "1200", "Unit": "USD"}},
    }

    assert month_key(date(2026, 11, 20)) == "1793491200"  # 2026-11-01T00:00:00Z
    assert budget_amount(budget, NAME, date(2026, 11, 20), "USD") == D(1200)
    assert budget_amount(budget, NAME, date(2026, 12, 3), "USD") == D(1000)  # no plan for December


@pytest.mark.parametrize("amount", ["0", "-5", "NaN", "1000000000000", "lots"])
def test_a_budget_amount_outside_the_monthly_budgets_bounds_is_refused(amount: str):
    budget = {"BudgetType": "COST", "TimeUnit": "MONTHLY", "BudgetLimit": {"Amount": amount, "Unit": "USD"}}

    with pytest.raises(ConfigurationError, match=rf"sets '{amount}' USD for November 2026"):
        budget_amount(budget, NAME, date(2026, 11, 20), "USD")


def test_a_weekly_report_does_not_ask_for_a_monthly_budget(lambda_context):
    from fetch_costs.settings import ReportSettings
    from report_contract.period import ReportPeriod

    given = ReportSettings(monthly_budget_name=NAME)
    week = ReportPeriod.week_of(date(2026, 11, 20))

    assert handler.with_budget(given, week, "USD", lambda_context("fetch_costs")) is given
