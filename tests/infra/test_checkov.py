"""checkov (pinned in requirements-infra.txt, run offline) finds nothing wrong with terraform/, and
every check it is told to skip has its reason written next to the skip."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from tests.infra.terraform import TERRAFORM, InfraVenvMissing, infra_bin

# "#checkov:skip=CKV_AWS_117:<reason>" inside the resource it applies to.
_SKIP = re.compile(r"#\s*checkov:skip=(CKV2?_AWS_\d+):(.*)$", re.MULTILINE)


@pytest.fixture(scope="module")
def report() -> dict:
    try:
        checkov = infra_bin("checkov")
    except InfraVenvMissing as missing:
        pytest.fail(str(missing), pytrace=False)
    environment = {
        **os.environ,
        "BC_SKIP_MAPPING": "TRUE",  # no download of the check-to-guideline mapping
        "CKV_GITHUB_CONFIG_FETCH_DATA": "False",
        "LOG_LEVEL": "WARNING",
    }
    result = subprocess.run(
        [
            str(checkov),
            "--directory",
            str(TERRAFORM),
            "--framework",
            "terraform",
            "--skip-download",
            "--download-external-modules",
            "false",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
    )
    assert result.returncode in (0, 1), f"checkov crashed:\n{result.stderr[-3000:]}"
    return json.loads(result.stdout)


def test_checkov_finds_no_failed_check(report) -> None:
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}:{c['file_line_range']}): {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]
    assert failed == []
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 100, "checkov ran too few checks: did it read the configuration?"


def test_every_skip_is_justified_next_to_it() -> None:
    for path in TERRAFORM.glob("*.tf"):
        for check, reason in _SKIP.findall(path.read_text()):
            assert len(reason.split()) >= 10, f"{path.name}: the reason for skipping {check} is too short: {reason!r}"


def test_every_skip_in_the_files_is_one_checkov_applied(report) -> None:
    written = {check for path in TERRAFORM.glob("*.tf") for check, _ in _SKIP.findall(path.read_text())}
    applied = {c["check_id"] for c in report["results"]["skipped_checks"]}
    assert written == applied, "a skip that no longer matches a check should be removed"
    for check in report["results"]["skipped_checks"]:
        assert check["check_result"].get("suppress_comment"), f"{check['check_id']} skipped without a comment"
