"""The function-length gate: no function or method longer than MAX_LINES, counted from its `def`
line to its last line (the docstring, comments and blank lines inside it count; decorators don't).

    python -m scripts.function_length functions/        # prints each offender, exits 1 if any

`make lint` runs it on functions/, the code that runs in Lambda. ruff's C90 keeps branching in check;
this keeps a function readable on one screen.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

MAX_LINES = 50


def long_functions(source: str, filename: str = "<string>", limit: int = MAX_LINES) -> Iterator[tuple[int, str, int]]:
    """(line, qualified name, length) of every function in `source` longer than `limit` lines."""
    tree = ast.parse(source, filename)
    yield from _walk(tree, "", limit)


def _walk(node: ast.AST, prefix: str, limit: int) -> Iterator[tuple[int, str, int]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            name = f"{prefix}{child.name}"
            if not isinstance(child, ast.ClassDef):
                length = (child.end_lineno or child.lineno) - child.lineno + 1
                if length > limit:
                    yield child.lineno, name, length
            yield from _walk(child, f"{name}.", limit)
        else:
            yield from _walk(child, prefix, limit)


def main(argv: list[str] | None = None) -> int:
    roots = [Path(arg) for arg in (argv if argv is not None else sys.argv[1:])] or [Path("functions")]
    files = sorted(path for root in roots for path in ([root] if root.is_file() else root.rglob("*.py")))
    offenders = [
        f"{path}:{line}: {name} is {length} lines long (limit {MAX_LINES}, def to last line)"
        for path in files
        for line, name, length in long_functions(path.read_text(), str(path))
    ]
    print("\n".join(offenders) if offenders else f"function length: {len(files)} files, none over {MAX_LINES} lines")
    return 1 if offenders else 0


if __name__ == "__main__":
    sys.exit(main())
