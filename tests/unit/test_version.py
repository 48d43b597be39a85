"""The version is stated once, in pyproject.toml's [project] table. Anything else that names this
project's version (a __version__, a user agent, a Terraform tag, a `version = "..."` or `"version": "..."`
setting) must say the same, and CHANGELOG.md's newest release must be that version."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
SEMVER = r"v?(\d+\.\d+\.\d+(?:[-+.][0-9A-Za-z.]+)?)"
# Ways a file states a version: a setting named version, a __version__, or the project's name with it.
STATEMENTS = re.compile(
    rf"""(?:__version__|\bversion\b)["']?\s*[:=]\s*["']?{SEMVER}["']?|aws-cost-notifier[/ @]{SEMVER}""",
    re.IGNORECASE,
)
SUFFIXES = {".py", ".tf", ".json", ".toml", ".cfg", ".ini", ".yaml", ".yml", ".md", ".txt", ".j2", ".sh", ".example"}
# Hidden folders are virtualenvs and caches, but for CI's; out/ and build/ are generated.
SKIPPED = {"out", "build", "__pycache__", "node_modules"}
# requirements*.txt pin other packages' versions, in their own syntax (name==1.2.3); the changelog names
# every release.
NOT_STATEMENTS = {"requirements-dev.txt", "requirements-infra.txt", "CHANGELOG.md"}


def project_files() -> list[Path]:
    files = []
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in SKIPPED and not _hidden(name)]
        for name in names:
            path = Path(folder) / name
            if (path.suffix in SUFFIXES or path.parent.name == ".ci") and name not in NOT_STATEMENTS:
                files.append(path)
    return [path for path in files if path != Path(__file__).resolve()]  # this file's examples are not statements


def _hidden(name: str) -> bool:
    return name.startswith(".") and name not in (".ci", ".github")


def version_statements(text: str) -> list[str]:
    return [next(group for group in match.groups() if group) for match in STATEMENTS.finditer(text)]


def test_the_version_is_a_semantic_version():
    assert re.fullmatch(SEMVER, VERSION), VERSION


def test_nothing_else_states_a_different_version():
    stated = {}
    for path in project_files():
        for version in version_statements(path.read_text(encoding="utf-8", errors="replace")):
            stated.setdefault(version, []).append(str(path.relative_to(ROOT)))
    others = {version: paths for version, paths in stated.items() if version != VERSION}
    assert others == {}, f"pyproject.toml says {VERSION}; read it from there (importlib.metadata or tomllib)"
    assert stated[VERSION] == ["pyproject.toml"], "a second place states the version: derive it instead"


def test_the_newest_release_in_the_changelog_is_the_version():
    releases = re.findall(r"^## \[(\d[^\]]*)\]", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert releases and releases[0] == VERSION, f"CHANGELOG.md's newest release is {releases[:1]}, not {VERSION}"


def test_a_second_statement_of_another_version_would_be_found():
    # The patterns the scan relies on, each as another file might write it.
    for line in (
        '__version__ = "0.2.0"',
        'version = "0.2.0"',
        '"version": "0.2.0"',
        '  Version = "0.2.0"',
        'user_agent_extra="aws-cost-notifier/0.2.0"',
    ):
        assert version_statements(line) == ["0.2.0"], line
    for line in ('version = ">= 6.0.0, < 7.0.0"', 'python_version = "3.11"', '"version": "0"', "boto3==1.44.5"):
        assert version_statements(line) == [], line
