"""Fixtures for the deployment checks: the parsed Terraform configuration and the two ASL files."""

from __future__ import annotations

import json

import pytest

from tests.infra.terraform import NOTIFIER, STATE_MACHINE, InfraVenvMissing, Terraform


@pytest.fixture(scope="session")
def terraform() -> Terraform:
    try:
        return Terraform.load()
    except InfraVenvMissing as missing:
        pytest.fail(str(missing), pytrace=False)


@pytest.fixture(scope="session")
def report_definition() -> dict:
    return json.loads(STATE_MACHINE.read_text())


@pytest.fixture(scope="session")
def notifier_definition() -> dict:
    return json.loads(NOTIFIER.read_text())
