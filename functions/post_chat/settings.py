"""The post_chat function's environment variables, defined once in the SETTINGS table.

Terraform's `chat_timeout_seconds` and `chat_secret_max_age_seconds` validations mirror it (read the
table: `from post_chat.settings import SETTINGS`). The Setting shape is resolve_report_date.settings.Setting's
(the functions are packaged apart; tests/unit/test_settings.py checks the shapes agree).

Read at call time, once: the handler calls `settings()`, which builds Settings from os.environ on first use
and caches it. A bad value raises ConfigurationError naming the variable, the value and what is allowed;
the invocation fails before the secret is read or anything is posted. Unset, empty or blank means the default.
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

from post_chat.errors import ConfigurationError

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


_DEFAULT_TIMEOUT_SECONDS = 10
_DEFAULT_SECRET_MAX_AGE_SECONDS = 300
SETTINGS: tuple[Setting, ...] = (
    Setting(
        "CHAT_TIMEOUT_SECONDS",
        "whole",
        str(_DEFAULT_TIMEOUT_SECONDS),
        "seconds a chat webhook has to accept the connection, and then to answer the post; a post sent and "
        "not answered in time fails as ChatWebhookUnanswered (it may have been posted)",
        minimum=1,
        maximum=30,
    ),
    Setting(
        "CHAT_SECRET_MAX_AGE_SECONDS",
        "whole",
        str(_DEFAULT_SECRET_MAX_AGE_SECONDS),
        "seconds a webhook URL read from Secrets Manager is reused by later posts before it is read again "
        "(0: read it for every post)",
        minimum=0,
        maximum=3600,
    ),
)
BY_NAME: Mapping[str, Setting] = {setting.name: setting for setting in SETTINGS}

_WHOLE = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Settings:
    timeout_seconds: int = _DEFAULT_TIMEOUT_SECONDS
    secret_max_age_seconds: int = _DEFAULT_SECRET_MAX_AGE_SECONDS


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Settings from environment variables; raises ConfigurationError on the first bad one."""
    return Settings(
        timeout_seconds=_whole(environ, "CHAT_TIMEOUT_SECONDS"),
        secret_max_age_seconds=_whole(environ, "CHAT_SECRET_MAX_AGE_SECONDS"),
    )


def _whole(environ: Mapping[str, str], name: str) -> int:
    setting = BY_NAME[name]
    raw = environ.get(name, "").strip() or setting.default or ""
    low, high = setting.minimum, setting.maximum
    if not _WHOLE.fullmatch(raw) or low is None or high is None or not low <= int(raw) <= high:
        raise ConfigurationError(
            f"{name}={excerpt(raw)} is not allowed: use a whole number from {low} to {high} (default {setting.default})"
        )
    return int(raw)


@functools.cache
def settings() -> Settings:
    """The function's settings, read from its environment on first use and kept for the execution
    environment's life."""
    return load_settings(os.environ)
