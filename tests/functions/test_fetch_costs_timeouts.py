"""FetchCosts when Cost Explorer is out of reach: the invocation fails with botocore's error name before the
function's Lambda timeout, after one request (a retried request is billed), instead of "Task timed out".
Loopback endpoints only (tests/fixtures/loopback.py)."""

import re
from pathlib import Path

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from fetch_costs import handler

from tests.fixtures.loopback import aws_at, refused_endpoint, silent_endpoint

EVENT = {"reportDate": "2026-11-20"}
LAMBDA_TF = Path(__file__).resolve().parents[2] / "terraform" / "lambda.tf"


@pytest.fixture
def fresh_client():
    """The cached client is built again from the patched environment and constants, and forgotten after."""
    handler.cost_explorer.cache_clear()
    yield
    handler.cost_explorer.cache_clear()


def lambda_timeout_seconds(function: str) -> int:
    block = re.search(rf"^    {function} = {{(.*?)^    }}", LAMBDA_TF.read_text(), re.S | re.M)
    assert block, f"no {function} block in {LAMBDA_TF}"
    return int(re.search(r"^\s*timeout\s*=\s*(\d+)", block.group(1), re.M).group(1))


def test_the_client_gives_up_before_lambda_would_time_the_function_out(fresh_client):
    config = handler.cost_explorer().meta.config
    assert (config.connect_timeout, config.read_timeout) == (
        handler.CONNECT_TIMEOUT_SECONDS,
        handler.READ_TIMEOUT_SECONDS,
    )
    assert config.retries["total_max_attempts"] == 1
    assert config.connect_timeout + config.read_timeout < lambda_timeout_seconds("fetch_costs")


def test_cost_explorer_that_never_answers_is_a_named_error_after_one_request(monkeypatch, fresh_client, lambda_context):
    # GIVEN a Cost Explorer endpoint that takes the connection and never answers (read timeout cut to 1 s)
    monkeypatch.setattr(handler, "READ_TIMEOUT_SECONDS", 1)
    with silent_endpoint() as endpoint:
        aws_at(monkeypatch, endpoint.url)
        # WHEN the function runs, THEN it fails with the name the state machine retries, botocore's error as cause
        with pytest.raises(handler.CostExplorerUnreachable) as raised:
            handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
        assert isinstance(raised.value.__cause__, ReadTimeoutError)
    assert endpoint.connections == 1, "botocore must not retry: each request is billed"


def test_cost_explorer_that_refuses_the_connection_is_a_named_error(monkeypatch, fresh_client, lambda_context):
    with refused_endpoint() as url:
        aws_at(monkeypatch, url)
        with pytest.raises(handler.CostExplorerUnreachable, match=re.escape(url)) as raised:
            handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
        assert isinstance(raised.value.__cause__, EndpointConnectionError)
