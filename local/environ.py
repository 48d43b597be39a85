"""Set environment variables for a block, and put back exactly what was there (or nothing)."""

from __future__ import annotations

import contextlib
import os


@contextlib.contextmanager
def patched_environ(values: dict[str, str]):
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
