"""What the report contains and how it judges a day: the fetch_costs function's environment variables.

Each variable's bounds, default and meaning are defined once, in the SETTINGS table below; Terraform's
variable validations and the docs mirror them (read the table: `from fetch_costs.settings import SETTINGS`).

Read at call time, once: the handler calls `settings()`, which builds a ReportSettings from os.environ on
first use and caches it for the life of the execution environment (as the Powertools handler cookbook
does). `load_settings` is the pure part: it takes the environment as a mapping, so every rule is tested
without touching the process. A bad value raises ConfigurationError naming the variable, the value and
what is allowed; the invocation fails with that sentence, and so does every later one until the setting
is fixed. Unset, empty or blank means the default. Tests build a ReportSettings directly, or set the
environment and call `settings.cache_clear()`.

Sender and recipients are not here: the email is sent by the state machine (SES SDK integration), so they
are `${sender_email}` and `${recipients}` in the definition, filled by Terraform.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

# The bounds the report contract holds too (render_email refuses a report outside them) are its.
from report_contract.limits import (
    METRICS as COST_METRICS,
)
from report_contract.limits import (
    NEW_SERVICE_DAYS_MAX,
    NEW_SERVICE_DAYS_MIN,
    TOP_SERVICES_MAX,
    TOP_SERVICES_MIN,
)

from fetch_costs.errors import ConfigurationError

__all__ = [
    "COST_METRICS",
    "SETTINGS",
    "TOP_SERVICES_MAX",
    "TOP_SERVICES_MIN",
    "ConfigurationError",
    "ReportSettings",
    "Setting",
    "load_settings",
    "settings",
]

# Amounts are in the report's currency; percentages are of the baseline. Bounds keep them meaningful.
AMOUNT_MAX = Decimal(10) ** 12
PERCENT_MAX = Decimal(10_000)

Kind = Literal["choice", "whole", "number", "name"]

# An AWS Budgets budget's name, as DescribeBudget takes it: 1 to 100 characters, no ":" or "\\", and not
# containing "/action/" (botocore's model of the Budgets API, shape BudgetName: "The : and \\ characters,
# and the "/action/" substring, aren't allowed in BudgetName";
# https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Budget.html).
BUDGET_NAME = re.compile(r"(?![^:\\]*/action/)[^:\\]{1,100}")


# What leaving a setting without a default unset means, as its refusal says it; "no budget" for the rest.
# (A module constant, not a field: every function's Setting has the same shape, tests/unit/test_settings.py.)
UNSET_MEANS = {"CREDIT_BALANCE": "no credit balance", "MONTHLY_BUDGET_NAME": "MONTHLY_BUDGET"}


@dataclass(frozen=True)
class Setting:
    """One environment variable: what it may be, what it is when unset, and what it does.

    kind "choice": one of `allowed`; "whole": a whole number; "number": a plain decimal such as 2.5 (not
    2,5 or 1e3). Numbers lie from `minimum` to `maximum` inclusive, or strictly between them when
    `exclusive`. `default` is the value as the variable would be written; None means unset is "off".
    """

    name: str
    kind: Kind
    default: str | None
    description: str
    minimum: int | Decimal | None = None  # int for a "whole" setting
    maximum: int | Decimal | None = None
    allowed: tuple[str, ...] = ()
    exclusive: bool = False

    def allowed_text(self) -> str:
        """What the setting accepts, as a refusal says it."""
        if self.kind == "choice":
            return f"use one of {', '.join(self.allowed)}"
        if self.kind == "name":
            return (
                f"set it to a budget's name: {self.minimum} to {self.maximum} characters, without : or \\ or "
                f"/action/, or leave it unset for {UNSET_MEANS[self.name]}"
            )
        if self.default is None:  # an optional amount: unset means off (DAILY_BUDGET, MONTHLY_BUDGET)
            off = UNSET_MEANS.get(self.name, "no budget")
            return (
                f"set it to an amount in the report's currency greater than {self.minimum} and below "
                f"{self.maximum:,}, such as 150 or 99.50, or leave it unset for {off}"
            )
        if self.kind == "whole":
            return f"set it to a whole number from {self.minimum} to {self.maximum} (default {self.default})"
        return f"set it to a number from {self.minimum} to {self.maximum:,} such as 2.5 (default {self.default})"


SETTINGS: tuple[Setting, ...] = (
    Setting("COST_METRIC", "choice", "UnblendedCost", "the Cost Explorer metric every figure is", allowed=COST_METRICS),
    Setting(
        "TOP_SERVICES",
        "whole",
        "10",
        "services listed by name before Other",
        minimum=TOP_SERVICES_MIN,
        maximum=TOP_SERVICES_MAX,
    ),
    Setting(
        "DAILY_BUDGET",
        "number",
        None,
        "the day's recurring spend (net total minus one-off charges) is compared with it; Over budget in the subject",
        minimum=Decimal(0),
        maximum=AMOUNT_MAX,
        exclusive=True,
    ),
    Setting(
        "MONTHLY_BUDGET",
        "number",
        None,
        "month to date and the month-end forecast are compared with it; Over monthly budget in the subject",
        minimum=Decimal(0),
        maximum=AMOUNT_MAX,
        exclusive=True,
    ),
    Setting(
        "MONTHLY_BUDGET_NAME",
        "name",
        None,
        "the monthly budget is this AWS Budgets budget's amount (DescribeBudget), instead of MONTHLY_BUDGET",
        minimum=1,
        maximum=100,
    ),
    Setting(
        "CREDIT_BALANCE",
        "number",
        None,
        "the credits remaining on the 1st of the report's month: the email says how many days they last",
        minimum=Decimal(0),
        maximum=AMOUNT_MAX,
        exclusive=True,
    ),
    Setting(
        "ANOMALY_THRESHOLD",
        "number",
        "3",
        "scaled MADs above the 14-day median",
        minimum=Decimal(1),
        maximum=Decimal(20),
    ),
    Setting(
        "ANOMALY_MIN_AMOUNT",
        "number",
        "5",
        "an anomaly is at least this much above the median...",
        minimum=Decimal(0),
        maximum=AMOUNT_MAX,
    ),
    Setting(
        "ANOMALY_MIN_PERCENT",
        "number",
        "50",
        "...and at least this many percent above it",
        minimum=Decimal(0),
        maximum=PERCENT_MAX,
    ),
    Setting(
        "MOVER_MIN_AMOUNT",
        "number",
        "1",
        "a mover changed by at least this much against its average (of the 7 days before, or of the same weekday)...",
        minimum=Decimal(0),
        maximum=AMOUNT_MAX,
    ),
    Setting(
        "MOVER_MIN_PERCENT",
        "number",
        "10",
        "...and by at least this many percent",
        minimum=Decimal(0),
        maximum=PERCENT_MAX,
    ),
    Setting(
        "REVISED_MIN_AMOUNT",
        "number",
        "1",
        "the day before is shown as revised when its total now differs from the sent one by at least this much...",
        minimum=Decimal(0),
        maximum=AMOUNT_MAX,
    ),
    Setting(
        "REVISED_MIN_PERCENT",
        "number",
        "1",
        "...and by at least this many percent of the sent total",
        minimum=Decimal(0),
        maximum=PERCENT_MAX,
    ),
    Setting(
        "NEW_SERVICE_DAYS",
        "whole",
        "7",
        '"new" means a first cost within this many days',
        minimum=NEW_SERVICE_DAYS_MIN,
        maximum=NEW_SERVICE_DAYS_MAX,
    ),
    Setting(
        "COST_EXPLORER_MAX_REQUESTS",
        "whole",
        "10",
        "most Cost Explorer requests (pages, $0.01 each) one report may make; "
        "a shared query this many per report it serves",
        minimum=1,
        maximum=100,
    ),
)
BY_NAME: Mapping[str, Setting] = {setting.name: setting for setting in SETTINGS}

_WHOLE = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
# The environment in which every setting has its default.
_UNSET: Mapping[str, str] = {}


def _raw(environ: Mapping[str, str], name: str) -> str | None:
    """The variable's text, or its default when it is unset, empty or blank."""
    return environ.get(name, "").strip() or BY_NAME[name].default


def _refuse(environ: Mapping[str, str], name: str) -> ConfigurationError:
    return ConfigurationError(f"{name}={environ[name]!r} is not allowed: {BY_NAME[name].allowed_text()}")


def _in_bounds(setting: Setting, value: int | Decimal) -> bool:
    low, high = setting.minimum, setting.maximum
    if low is None or high is None:
        return True
    return low < value < high if setting.exclusive else low <= value <= high


def _choice(environ: Mapping[str, str], name: str) -> str:
    raw = _raw(environ, name)
    if raw is None or raw not in BY_NAME[name].allowed:
        raise _refuse(environ, name)
    return raw


def _whole(environ: Mapping[str, str], name: str) -> int:
    raw = _raw(environ, name) or ""
    if not _WHOLE.fullmatch(raw) or not _in_bounds(BY_NAME[name], Decimal(raw)):
        raise _refuse(environ, name)
    return int(raw)


def _optional_number(environ: Mapping[str, str], name: str) -> Decimal | None:
    raw = _raw(environ, name)
    if raw is None:
        return None
    # The pattern admits only plain decimals, which Decimal always parses.
    if not _NUMBER.fullmatch(raw) or not _in_bounds(BY_NAME[name], Decimal(raw)):
        raise _refuse(environ, name)
    return Decimal(raw)


def _optional_name(environ: Mapping[str, str], name: str) -> str | None:
    raw = _raw(environ, name)
    if raw is not None and not BUDGET_NAME.fullmatch(raw):
        raise _refuse(environ, name)
    return raw


def _number(environ: Mapping[str, str], name: str) -> Decimal:
    value = _optional_number(environ, name)
    if value is None:  # pragma: no cover - every "number" setting but the budgets has a default
        raise ConfigurationError(f"{name} has no default; the SETTINGS table must give one")
    return value


@dataclass(frozen=True)
class ReportSettings:
    """The typed settings. Each default is the SETTINGS table's (docs/report.md, "Configuration")."""

    metric: str = _choice(_UNSET, "COST_METRIC")
    top_services: int = _whole(_UNSET, "TOP_SERVICES")  # rows before "Other"
    daily_budget: Decimal | None = _optional_number(_UNSET, "DAILY_BUDGET")  # None = no budget
    monthly_budget: Decimal | None = _optional_number(_UNSET, "MONTHLY_BUDGET")  # None = no monthly budget
    monthly_budget_name: str | None = _optional_name(_UNSET, "MONTHLY_BUDGET_NAME")  # None: MONTHLY_BUDGET as typed
    credit_balance: Decimal | None = _optional_number(_UNSET, "CREDIT_BALANCE")  # None = no days of credit left
    anomaly_threshold: Decimal = _number(_UNSET, "ANOMALY_THRESHOLD")  # scaled MADs above the 14-day median
    anomaly_min_amount: Decimal = _number(_UNSET, "ANOMALY_MIN_AMOUNT")  # and at least this much above it...
    anomaly_min_percent: Decimal = _number(_UNSET, "ANOMALY_MIN_PERCENT")  # ...and this many percent above it
    mover_min_amount: Decimal = _number(_UNSET, "MOVER_MIN_AMOUNT")  # change vs the average of the 7 days before...
    mover_min_percent: Decimal = _number(_UNSET, "MOVER_MIN_PERCENT")  # ...this much and this many percent
    new_service_days: int = _whole(_UNSET, "NEW_SERVICE_DAYS")  # "new" = first cost within this many days
    max_requests: int = _whole(_UNSET, "COST_EXPLORER_MAX_REQUESTS")  # pages one report may pay for
    revised_min_amount: Decimal = _number(_UNSET, "REVISED_MIN_AMOUNT")  # the day before moved this much...
    revised_min_percent: Decimal = _number(_UNSET, "REVISED_MIN_PERCENT")  # ...and this many percent since sent

    def __post_init__(self) -> None:
        if self.metric not in COST_METRICS:
            raise ConfigurationError(f"metric must be one of {', '.join(COST_METRICS)}, got {self.metric!r}")
        top = BY_NAME["TOP_SERVICES"]
        if not _in_bounds(top, self.top_services):
            raise ConfigurationError(f"top_services must be from {top.minimum} to {top.maximum}")


def load_settings(environ: Mapping[str, str]) -> ReportSettings:
    """ReportSettings from environment variables; raises ConfigurationError on the first bad one."""
    return ReportSettings(
        metric=_choice(environ, "COST_METRIC"),
        top_services=_whole(environ, "TOP_SERVICES"),
        daily_budget=_optional_number(environ, "DAILY_BUDGET"),
        monthly_budget=_optional_number(environ, "MONTHLY_BUDGET"),
        monthly_budget_name=_budget_source(environ),
        credit_balance=_optional_number(environ, "CREDIT_BALANCE"),
        anomaly_threshold=_number(environ, "ANOMALY_THRESHOLD"),
        anomaly_min_amount=_number(environ, "ANOMALY_MIN_AMOUNT"),
        anomaly_min_percent=_number(environ, "ANOMALY_MIN_PERCENT"),
        mover_min_amount=_number(environ, "MOVER_MIN_AMOUNT"),
        mover_min_percent=_number(environ, "MOVER_MIN_PERCENT"),
        revised_min_amount=_number(environ, "REVISED_MIN_AMOUNT"),
        revised_min_percent=_number(environ, "REVISED_MIN_PERCENT"),
        new_service_days=_whole(environ, "NEW_SERVICE_DAYS"),
        max_requests=_whole(environ, "COST_EXPLORER_MAX_REQUESTS"),
    )


def _budget_source(environ: Mapping[str, str]) -> str | None:
    """MONTHLY_BUDGET_NAME, refused beside MONTHLY_BUDGET: one monthly budget, from one place."""
    name = _optional_name(environ, "MONTHLY_BUDGET_NAME")
    if name is not None and _optional_number(environ, "MONTHLY_BUDGET") is not None:
        raise ConfigurationError(
            f"MONTHLY_BUDGET_NAME={environ['MONTHLY_BUDGET_NAME']!r} and MONTHLY_BUDGET="
            f"{environ['MONTHLY_BUDGET']!r} are both set: the monthly budget comes from one of them; unset one"
        )
    return name


@functools.cache
def settings() -> ReportSettings:
    """The function's settings, read from its environment on first use and kept for the execution
    environment's life (Lambda's environment does not change under a running function)."""
    return load_settings(os.environ)
