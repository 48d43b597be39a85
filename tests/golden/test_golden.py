"""Golden emails: fixed datasets through the real pipeline must give exactly the stored report model,
HTML and text. Any change to the output fails here; if it is intended, run `make golden` and review
the diff of tests/golden/ like code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden.datasets import DATASETS, files

HERE = Path(__file__).resolve().parent


@pytest.mark.parametrize("dataset", DATASETS, ids=[d.name for d in DATASETS])
def test_the_email_is_exactly_the_golden_one(dataset):
    for name, content in files(dataset).items():
        path = HERE / name
        assert path.exists(), f"tests/golden/{name} is missing: run `make golden`"
        assert path.read_text(encoding="utf-8") == content, (
            f"tests/golden/{name} differs from what the code now produces ({dataset.description}). "
            "If the change is intended, run `make golden` and review `git diff tests/golden/`."
        )
