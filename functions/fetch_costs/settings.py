"""What the report contains and how it judges a day: read from the Lambda environment once, at cold start.

Pure: `load_settings` takes the environment as a mapping (the handler passes os.environ), so every rule is
unit-tested without touching the process. A bad value raises ConfigurationError (a RuntimeError) naming
the variable, the value and what is allowed; the handler module fails to import, so every invocation
fails with that sentence until the setting is fixed. Unset or empty means the default.

Sender and recipients are not here: the email is sent by the state machine (SES SDK integration), so they
are `${sender_email}` and `${recipients}` in the definition, filled by Terraform.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

COST_METRICS = (
    "UnblendedCost",
    "AmortizedCost",
    "NetUnblendedCost",
    "NetAmortizedCost",
    "BlendedCost",
)
TOP_SERVICES_MIN, TOP_SERVICES_MAX = 1, 20
NEW_SERVICE_DAYS_MIN, NEW_SERVICE_DAYS_MAX = 1, 14
MAX_REQUESTS_MIN, MAX_REQUESTS_MAX = 1, 100
# Amounts are in the report's currency; percentages are of the baseline. Bounds keep them meaningful.
AMOUNT_MAX = Decimal(10) ** 12
PERCENT_MAX = Decimal(10_000)
ANOMALY_THRESHOLD_MIN, ANOMALY_THRESHOLD_MAX = Decimal(1), Decimal(20)

_WHOLE = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


class ConfigurationError(RuntimeError):
    """An environment variable of the fetch_costs function has a value it cannot use."""


@dataclass(frozen=True)
class ReportSettings:
    """Defaults are the documented ones (docs/report.md, "Configuration")."""

    metric: str = "UnblendedCost"  # COST_METRIC
    top_services: int = 10  # TOP_SERVICES: rows before "Other"
    daily_budget: Decimal | None = None  # DAILY_BUDGET, in the report's currency; None = no budget
    anomaly_threshold: Decimal = Decimal(3)  # ANOMALY_THRESHOLD: scaled MADs above the 14-day median
    anomaly_min_amount: Decimal = Decimal(5)  # ANOMALY_MIN_AMOUNT: and at least this much above it...
    anomaly_min_percent: Decimal = Decimal(50)  # ANOMALY_MIN_PERCENT: ...and this many percent above it
    mover_min_amount: Decimal = Decimal(1)  # MOVER_MIN_AMOUNT: change vs the 7-day average, at least...
    mover_min_percent: Decimal = Decimal(10)  # MOVER_MIN_PERCENT: ...this much and this many percent
    new_service_days: int = 7  # NEW_SERVICE_DAYS: "new" = first cost within this many days
    max_requests: int = 10  # COST_EXPLORER_MAX_REQUESTS: pages one report may pay for

    def __post_init__(self) -> None:
        if self.metric not in COST_METRICS:
            raise ValueError(f"metric must be one of {', '.join(COST_METRICS)}, got {self.metric!r}")
        if not TOP_SERVICES_MIN <= self.top_services <= TOP_SERVICES_MAX:
            raise ValueError(f"top_services must be from {TOP_SERVICES_MIN} to {TOP_SERVICES_MAX}")


def load_settings(environ: Mapping[str, str]) -> ReportSettings:
    """ReportSettings from environment variables; raises ConfigurationError on the first bad one."""
    defaults = ReportSettings()
    metric = _text(environ, "COST_METRIC")
    if metric is not None and metric not in COST_METRICS:
        raise ConfigurationError(f"COST_METRIC={metric!r} is not allowed: use one of {', '.join(COST_METRICS)}")
    return ReportSettings(
        metric=metric or defaults.metric,
        top_services=_whole(environ, "TOP_SERVICES", TOP_SERVICES_MIN, TOP_SERVICES_MAX, defaults.top_services),
        daily_budget=_budget(environ),
        anomaly_threshold=_number(
            environ, "ANOMALY_THRESHOLD", ANOMALY_THRESHOLD_MIN, ANOMALY_THRESHOLD_MAX, defaults.anomaly_threshold
        ),
        anomaly_min_amount=_number(environ, "ANOMALY_MIN_AMOUNT", Decimal(0), AMOUNT_MAX, defaults.anomaly_min_amount),
        anomaly_min_percent=_number(
            environ, "ANOMALY_MIN_PERCENT", Decimal(0), PERCENT_MAX, defaults.anomaly_min_percent
        ),
        mover_min_amount=_number(environ, "MOVER_MIN_AMOUNT", Decimal(0), AMOUNT_MAX, defaults.mover_min_amount),
        mover_min_percent=_number(environ, "MOVER_MIN_PERCENT", Decimal(0), PERCENT_MAX, defaults.mover_min_percent),
        new_service_days=_whole(
            environ, "NEW_SERVICE_DAYS", NEW_SERVICE_DAYS_MIN, NEW_SERVICE_DAYS_MAX, defaults.new_service_days
        ),
        max_requests=_whole(
            environ, "COST_EXPLORER_MAX_REQUESTS", MAX_REQUESTS_MIN, MAX_REQUESTS_MAX, defaults.max_requests
        ),
    )


def _text(environ: Mapping[str, str], name: str) -> str | None:
    raw = environ.get(name, "").strip()
    return raw or None


def _refuse(environ: Mapping[str, str], name: str, allowed: str) -> ConfigurationError:
    return ConfigurationError(f"{name}={environ[name]!r} is not allowed: set it to {allowed}")


def _whole(environ: Mapping[str, str], name: str, low: int, high: int, default: int) -> int:
    raw = _text(environ, name)
    if raw is None:
        return default
    if not _WHOLE.fullmatch(raw) or not low <= int(raw) <= high:
        raise _refuse(environ, name, f"a whole number from {low} to {high} (default {default})")
    return int(raw)


def _number(environ: Mapping[str, str], name: str, low: Decimal, high: Decimal, default: Decimal) -> Decimal:
    raw = _text(environ, name)
    if raw is None:
        return default
    allowed = f"a number from {low} to {high:,} such as 2.5 (default {default})"
    if not _NUMBER.fullmatch(raw):
        raise _refuse(environ, name, allowed)
    try:
        value = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
        raise _refuse(environ, name, allowed) from None
    if not low <= value <= high:
        raise _refuse(environ, name, allowed)
    return value


def _budget(environ: Mapping[str, str]) -> Decimal | None:
    raw = _text(environ, "DAILY_BUDGET")
    if raw is None:
        return None
    allowed = (
        f"an amount in the report's currency greater than 0 and below {AMOUNT_MAX:,}, such as 150 "
        "or 99.50, or leave it unset for no budget"
    )
    if not _NUMBER.fullmatch(raw) or not Decimal(0) < Decimal(raw) < AMOUNT_MAX:
        raise _refuse(environ, "DAILY_BUDGET", allowed)
    return Decimal(raw)
