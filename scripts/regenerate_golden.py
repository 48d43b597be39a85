"""Rewrite the golden files from the current code: `make golden` (python -m scripts.regenerate_golden).

Review the diff before committing it: a golden file changes only when the report or the email does.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "tests" / "golden"
sys.path[:0] = [str(ROOT / "functions")]  # the Lambda packages, as pytest puts them

from tests.golden.datasets import DATASETS, chat_sizes_table, files, with_chat_sizes  # noqa: E402

CHAT_DOC = ROOT / "docs" / "chat.md"


def main() -> int:
    changed = 0
    messages = {}
    for dataset in DATASETS:
        contents = files(dataset)
        messages[dataset.name] = json.loads(contents[f"chat/{dataset.name}.json"])
        for name, content in contents.items():
            path = HERE / name
            old = path.read_text(encoding="utf-8") if path.exists() else None
            if old != content:
                path.parent.mkdir(parents=True, exist_ok=True)  # tests/golden/chat/
                path.write_text(content, encoding="utf-8")
                changed += 1
                print(f"{'updated' if old is not None else 'created'} tests/golden/{name}")
    document = CHAT_DOC.read_text(encoding="utf-8")
    if with_chat_sizes(document, chat_sizes_table(messages)) != document:
        CHAT_DOC.write_text(with_chat_sizes(document, chat_sizes_table(messages)), encoding="utf-8")
        changed += 1
        print("updated the message sizes in docs/chat.md")
    print(
        f"{changed} golden file(s) changed; review them with `git diff tests/golden/`."
        if changed
        else "Golden files are up to date."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
