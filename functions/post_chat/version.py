"""The project's version, for the User-Agent the webhooks see.

The version is stated once, in pyproject.toml (CONTRIBUTING.md). pyproject.toml is not in the Lambda zip,
so scripts/package.py writes the version into it as post_chat/VERSION; run from the source tree (the tests,
the embedded runtime), the function reads pyproject.toml itself.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

VERSION_FILE = "VERSION"
_PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


@functools.cache
def project_version() -> str:
    shipped = Path(__file__).with_name(VERSION_FILE)
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8").strip()
    if _PYPROJECT.is_file():
        return str(tomllib.loads(_PYPROJECT.read_text(encoding="utf-8"))["project"]["version"])
    return "unknown"  # neither: a zip built by hand; the User-Agent is no reason to fail a post


def user_agent() -> str:
    return f"aws-cost-notifier/{project_version()} (post_chat)"
