"""render_email configuration, read from the Lambda environment once, at cold start."""

from __future__ import annotations

import re
from collections.abc import Mapping

from render_email.render import TOP_SERVICES_DEFAULT, TOP_SERVICES_MAX, TOP_SERVICES_MIN, RenderSettings

_WHOLE_NUMBER = re.compile(r"[0-9]+")


class ConfigurationError(ValueError):
    """An environment variable of the render_email function has a value it cannot use."""


def load_settings(environ: Mapping[str, str]) -> RenderSettings:
    """RenderSettings from environment variables; unset or empty means the default.

    TOP_SERVICES: services listed by name before "Other", a whole number from 1 to 50 (default 10).
    """
    raw = environ.get("TOP_SERVICES", "").strip()
    if not raw:
        return RenderSettings()
    allowed = f"a whole number from {TOP_SERVICES_MIN} to {TOP_SERVICES_MAX} (default {TOP_SERVICES_DEFAULT})"
    if not _WHOLE_NUMBER.fullmatch(raw) or not TOP_SERVICES_MIN <= int(raw) <= TOP_SERVICES_MAX:
        raise ConfigurationError(f"TOP_SERVICES={environ['TOP_SERVICES']!r} is not allowed: set it to {allowed}")
    return RenderSettings(top_services=int(raw))
