"""The monthly budget read from AWS Budgets on the embedded AWS: the real definition, FetchCosts calling moto's
Budgets (DescribeBudget) for MONTHLY_BUDGET_NAME, the email judging the month with that budget; and a budget
that does not exist failing the run at FetchCosts, naming the setting, before anything is sent."""

from __future__ import annotations

import boto3

from local.lambda_context import ACCOUNT_ID
from local.runtime import REGION, EmbeddedAWS
from tests.workflow.conftest import NOW, SCHEDULED

BUDGET = "Organisation monthly"


def create_budget(amount: str) -> None:
    boto3.client("budgets", region_name=REGION).create_budget(
        AccountId=ACCOUNT_ID,
        Budget={
            "BudgetName": BUDGET,
            "BudgetLimit": {"Amount": amount, "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
        },
    )


def test_the_named_aws_budget_is_the_reports_monthly_budget():
    with EmbeddedAWS(profile="small", now=NOW, function_environment={"MONTHLY_BUDGET_NAME": BUDGET}) as aws:
        create_budget("2500")

        execution = aws.run(SCHEDULED)

    assert execution.status == "SUCCEEDED"
    assert execution.report()["monthlyBudget"] == "2500"
    assert "overMonthlyBudget" in execution.report()["alerts"]  # the small organisation spends about $4,000 a month
    assert "Monthly budget" in aws.mailbox[0].request["Content"]["Simple"]["Body"]["Text"]["Data"]
    assert len(aws.cost_explorer.requests) == 1  # DescribeBudget is no Cost Explorer request


def test_a_budget_that_does_not_exist_fails_the_run_at_fetch_costs_naming_the_setting():
    with EmbeddedAWS(profile="small", now=NOW, function_environment={"MONTHLY_BUDGET_NAME": "Nope"}) as aws:
        execution = aws.run(SCHEDULED)

    assert execution.status == "FAILED"
    assert execution.entered_states()[-1] == "FetchCosts"
    assert execution.failed_attempts("FetchCosts") == ["ConfigurationError"]  # no Retry matches it
    assert execution.error == "ConfigurationError" and "MONTHLY_BUDGET_NAME='Nope'" in (execution.cause or "")
    assert aws.mailbox == []
