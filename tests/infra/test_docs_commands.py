"""The operator docs' commands match the configuration: every `terraform output NAME` the docs (and the
alarm descriptions) tell someone to run is an output of terraform/outputs.tf, one read with -raw is a
string, no command hands `terraform output` to another command without -no-color, and the runbook's two
ways of setting up a shell (from the AWS APIs, or from the `runbook_environment` output) set the same
variables.

Why: with no Terraform state, `terraform output -raw NAME` prints a "No outputs found" warning on stdout
and exits 0, and with a renamed output it fails; either way a runbook command silently gets garbage.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.infra.terraform import ROOT, TERRAFORM, Terraform, attr

DOCS = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md", TERRAFORM / "README.md"]
RUNBOOK = ROOT / "docs" / "runbook.md"

# `terraform output NAME`, `terraform -chdir=terraform output -no-color -raw NAME`, and the runbook's
# checked reader `tfout NAME`. Only within one line, and output names are lower case, so a code span
# `terraform output` followed by prose does not count as a command.
_OUTPUT_COMMAND = re.compile(
    r"\bterraform(?:[ \t]+-chdir=\S+)?[ \t]+output"
    r"(?P<flags>(?:[ \t]+-[a-z-]+(?:=\S+)?)*)[ \t]+(?P<name>[a-z][a-z0-9_]*)\b"
)
_TFOUT = re.compile(r"\btfout[ \t]+(?P<name>[a-z][a-z0-9_]*)\b")
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"`([^`\n]+)`")


def _code(path: Path) -> str:
    """The commands of a file: for Markdown its fenced blocks and inline code spans, else all of it."""
    text = path.read_text()
    if path.suffix != ".md":
        return text
    blocks = _FENCE.findall(text)
    inline = _INLINE.findall(_FENCE.sub("", text))
    return "\n".join(blocks + inline)


def _mentions() -> list[tuple[str, str, str]]:
    """(file, output name, flags) for every terraform output command in the docs and the .tf files."""
    found = []
    for path in DOCS + sorted(TERRAFORM.glob("*.tf")):
        if not path.exists():
            continue
        code = _code(path)
        where = str(path.relative_to(ROOT))
        found += [(where, m["name"], m["flags"]) for m in _OUTPUT_COMMAND.finditer(code)]
        found += [(where, m["name"], "-raw") for m in _TFOUT.finditer(code) if m["name"] != "name"]
    return found


def _is_collection(terraform: Terraform, value: str) -> bool:
    """Whether an output's value is a map or a list (which `terraform output -raw` refuses)."""
    if value.startswith(("${{", "${[")):
        return True
    if match := re.fullmatch(r"\$\{local\.([a-z0-9_]+)\}", value):
        return _is_collection(terraform, str(terraform.locals.get(match[1], "")))
    if match := re.fullmatch(r"\$\{var\.([a-z0-9_]+)\}", value):
        kind = str(attr(terraform.variables.get(match[1], {}), "type") or "")
        return kind.startswith(("${list", "${map", "${set", "${object", "${tuple"))
    return False


def test_the_docs_mention_terraform_outputs() -> None:
    # Guards the scan itself: if the pattern stopped matching, every test below would pass vacuously.
    names = {name for _, name, _ in _mentions()}
    assert {"manual_run_command", "runbook_environment", "region", "state_machine_console_url"} <= names


def test_every_terraform_output_the_docs_name_exists(terraform) -> None:
    missing = sorted({(where, name) for where, name, _ in _mentions() if name not in terraform.outputs})
    assert not missing, f"the docs run `terraform output NAME` for outputs outputs.tf does not define: {missing}"


def test_every_output_read_with_raw_is_a_string(terraform) -> None:
    collections = sorted(
        {
            (where, name)
            for where, name, flags in _mentions()
            if "-raw" in flags.split()
            and name in terraform.outputs
            and _is_collection(terraform, str(attr(terraform.outputs[name], "value")))
        }
    )
    assert not collections, f"`terraform output -raw` fails on a map or a list; use -json for: {collections}"


@pytest.mark.parametrize("path", [p for p in DOCS if p.exists()], ids=lambda p: str(p.relative_to(ROOT)))
def test_no_doc_hands_terraform_output_to_another_command_unchecked(path: Path) -> None:
    # `$(terraform output ...)` or `terraform output ... | cmd` consumes whatever is on stdout, which without
    # state is Terraform's warning: such a command needs -no-color and a check (the runbook's tfout).
    unchecked = []
    for line in _code(path).splitlines():
        for match in re.finditer(r"\$\(\s*terraform\b[^)]*\boutput\b[^)]*\)", line):
            if "-no-color" not in match[0]:
                unchecked.append(match[0])
        if re.search(r"\bterraform\b.*\boutput\b[^|]*\|(?!\|)", line) and "-no-color" not in line:
            unchecked.append(line.strip())
    assert not unchecked, f"{path.name}: terraform output handed on without -no-color and a check: {unchecked}"


def test_the_runbook_sets_up_the_same_variables_either_way(terraform) -> None:
    # GIVEN the runbook's first block (names from the AWS APIs) and the runbook_environment output
    blocks = _FENCE.findall(RUNBOOK.read_text())
    from_apis = set(re.findall(r"^(?:export\s+)?([A-Z][A-Z0-9_]*)=", blocks[0], re.MULTILINE))
    environment = str(attr(terraform.outputs["runbook_environment"], "value"))
    from_outputs = set(re.findall(r"^(?:export\s+)?([A-Z][A-Z0-9_]*)=", environment, re.MULTILINE))
    # THEN both set the same names (DAY is set by hand in both), and every one the runbook's commands use
    assert from_apis - {"DAY"} == from_outputs
    used = {name for block in blocks for name in re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", block)}
    assert {"AWS_REGION", "SM", "TABLE", "DLQ", "SENDER", "DAY"} <= from_apis
    unset = used - from_apis - {"ARN"}  # ARN: the execution at hand, set by the reader
    assert not unset, f"the runbook uses variables its set-up never sets: {unset}"


def test_every_output_in_the_runbooks_table_exists(terraform) -> None:
    # The runbook's "What the runbook uses, by output" table: the first column names outputs.
    lines = RUNBOOK.read_text().splitlines()
    start = lines.index("| Output | What | Without state |")
    table = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        table.append(line)
    named = {name for line in table for name in re.findall(r"`([a-z][a-z0-9_]*)`", line.split("|")[1])}
    assert {"region", "state_machine_arn", "dead_letter_queue_url", "runbook_environment"} <= named
    missing = sorted(named - set(terraform.outputs))
    assert not missing, f"the runbook's output table names outputs outputs.tf does not define: {missing}"
