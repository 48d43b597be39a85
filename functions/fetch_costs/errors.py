"""Every error fetch_costs raises on purpose, by what went wrong. The class name is the error name Step
Functions sees, so the definition's Retry lists (CostExplorerThrottled, CostDataNotReady) match these.
"""

from __future__ import annotations


class ConfigurationError(RuntimeError):
    """An environment variable of the function has a value it cannot use (settings.SETTINGS says what it
    may be). The message names the variable, the value and what is allowed. No Retry matches it."""


class InvalidFetchRequest(Exception):
    """The state machine passed something other than {"reportDate": "YYYY-MM-DD"}."""


class CostExplorerThrottled(Exception):
    """Cost Explorer's LimitExceededException. The state machine retries this with backoff."""


class CostDataUnavailable(Exception):
    """Cost Explorer has no data for the day (not yet processed, or older than it keeps)."""


class CostDataNotReady(Exception):
    """Cost Explorer answered, but with no cost group at all for the report day while earlier days have
    some: it has not processed the day yet. The state machine retries this over hours, then fails the run
    without marking the day sent, so that a later redrive sends the right email instead of "$0.00"."""


class CostExplorerAccessDenied(Exception):
    """The function's role may not call ce:GetCostAndUsage, or Cost Explorer is not enabled."""


class CostDataIncomplete(Exception):
    """Pagination did not end within COST_EXPLORER_MAX_REQUESTS requests: a runaway NextPageToken must not
    bill the user without limit."""


class CostDataInvalid(Exception):
    """Cost Explorer answered with something that cannot be turned into a correct report."""


class ReportDoesNotReconcile(Exception):
    """The services table does not add up to the day's charges: a bug, which must never reach an inbox."""


class ReportDayNotInHistory(Exception):
    """summarise was handed a history that does not cover the report day: a bug in the caller."""


class CostExplorerUnreachable(Exception):
    """No answer from Cost Explorer: the connection failed or timed out (botocore's error is the cause).
    Transient as far as anyone can tell; the state machine retries it."""


class BudgetsAccessDenied(Exception):
    """AWS Budgets refused DescribeBudget: the role lacks budgets:ViewBudget on the budget MONTHLY_BUDGET_NAME
    names (terraform/iam.tf grants it when monthly_budget_name is set). No Retry matches it."""


class BudgetsThrottled(Exception):
    """AWS Budgets still throttled DescribeBudget after botocore's retries (fetch_costs.budgets). The run fails
    before anything is sent; redrive it."""
