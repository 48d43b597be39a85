"""Golden emails: fixed datasets through the real pipeline must give exactly the stored report model,
HTML and text, and chat messages (tests/golden/chat/: each channel type's, emailed). Any change to the
output fails here; if it is intended, run `make golden` and review the diff of tests/golden/ like code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from render_email.chat import CHANNEL_TYPES
from render_email.chat.limits import message_bytes

from tests.golden.datasets import DATASETS, chat_sizes_table, files, with_chat_sizes
from tests.json_schema import errors

HERE = Path(__file__).resolve().parent
SCHEMA = json.loads((HERE.parents[1] / "docs" / "chat-webhook.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("dataset", DATASETS, ids=[d.name for d in DATASETS])
def test_the_email_is_exactly_the_golden_one(dataset):
    for name, content in files(dataset).items():
        path = HERE / name
        assert path.exists(), f"tests/golden/{name} is missing: run `make golden`"
        assert path.read_text(encoding="utf-8") == content, (
            f"tests/golden/{name} differs from what the code now produces ({dataset.description}). "
            "If the change is intended, run `make golden` and review `git diff tests/golden/`."
        )


@pytest.mark.parametrize("dataset", DATASETS, ids=[d.name for d in DATASETS])
def test_the_golden_chat_messages_are_every_channel_types_and_the_json_follows_its_schema(dataset):
    messages = json.loads((HERE / "chat" / f"{dataset.name}.json").read_text(encoding="utf-8"))
    assert tuple(messages) == CHANNEL_TYPES
    assert errors(messages["webhook"], SCHEMA) == []
    assert all(message_bytes(message, utf16=True) < 16_000 for message in messages.values())  # compact


def test_the_message_sizes_in_docs_chat_md_are_the_golden_messages():
    messages = {d.name: json.loads((HERE / "chat" / f"{d.name}.json").read_text(encoding="utf-8")) for d in DATASETS}
    document = (HERE.parents[1] / "docs" / "chat.md").read_text(encoding="utf-8")
    assert with_chat_sizes(document, chat_sizes_table(messages)) == document, "run `make golden`"
