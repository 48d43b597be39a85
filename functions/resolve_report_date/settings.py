"""The resolve_report_date function's one environment variable, defined once in the SETTINGS table.

Terraform's `cost_explorer_history_months` validation mirrors it (read the table:
`from resolve_report_date.settings import SETTINGS`). The Setting shape is fetch_costs.settings.Setting's
(the two functions are packaged apart; tests/unit/test_settings.py checks the shapes agree).

Read at call time, once: the handler calls `settings()`, which builds Settings from os.environ on first use
and caches it. A bad value raises ConfigurationError naming the variable, the value and what is allowed;
the invocation fails before anything is claimed. Unset, empty or blank means the default.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from report_contract.excerpt import excerpt

from resolve_report_date.errors import ConfigurationError

__all__ = ["SETTINGS", "ConfigurationError", "Setting", "Settings", "load_settings", "settings"]

Kind = Literal["choice", "whole", "number"]


@dataclass(frozen=True)
class Setting:
    """One environment variable (the same shape as fetch_costs.settings.Setting)."""

    name: str
    kind: Kind
    default: str | None
    description: str
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    allowed: tuple[str, ...] = ()
    exclusive: bool = False


_DEFAULT_HISTORY_MONTHS = 13  # Cost Explorer's own: the current month and the 13 before it
HISTORY_MONTHS = Setting(
    "COST_EXPLORER_HISTORY_MONTHS",
    "whole",
    str(_DEFAULT_HISTORY_MONTHS),
    "months before the current one that Cost Explorer holds (13 is Cost Explorer's default; 38 if "
    "multi-year data is enabled): older report days are refused; also sets the record's TTL (expiresAt)",
    minimum=13,
    maximum=38,
)
SETTINGS: tuple[Setting, ...] = (HISTORY_MONTHS,)

_WHOLE = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Settings:
    history_months: int = _DEFAULT_HISTORY_MONTHS


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Settings from environment variables; raises ConfigurationError on a bad one."""
    raw = environ.get("COST_EXPLORER_HISTORY_MONTHS", "").strip() or HISTORY_MONTHS.default or ""
    low, high = HISTORY_MONTHS.minimum, HISTORY_MONTHS.maximum
    if not _WHOLE.fullmatch(raw) or low is None or high is None or not low <= int(raw) <= high:
        raise ConfigurationError(
            f"{HISTORY_MONTHS.name}={excerpt(raw)} is not allowed: use a whole number from {low} to {high} "
            "(13 is Cost Explorer's default; 38 if multi-year data is enabled)"
        )
    return Settings(history_months=int(raw))


@functools.cache
def settings() -> Settings:
    """The function's settings, read from its environment on first use and kept for the execution
    environment's life."""
    return load_settings(os.environ)
