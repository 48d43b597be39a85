"""FetchCosts with the history cache (fetch_costs.history_cache), on moto's S3 and the embedded Cost Explorer:
a finalised month is written once and read instead of queried, with the same report; a month still
Estimated is never written; an object that does not validate, one of another query's shape, or an S3 error
costs a query and a warning, never the report; a write whose answer is lost, or two writers at once, leave
the same bytes."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from botocore.exceptions import ClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError
from fetch_costs import handler, history_cache, sharing
from fetch_costs.query import build_request, report_window
from fetch_costs.settings import ReportSettings
from report_contract import objects
from report_contract.spec import ReportSpec

from local.cost_explorer import FakeCostExplorer, SyntheticOrganisation
from tests.functions.conftest import DATA_BUCKET
from tests.functions.test_fetch_costs_reports import Client

DAY = date(2026, 11, 20)  # Cost Explorer's today is the 21st: October final, November estimated
EVENT = {"reportDate": DAY.isoformat()}
START, END = report_window(DAY)
OCTOBER = date(2026, 10, 1)
CAP = ReportSettings().max_requests


@pytest.fixture
def ce(monkeypatch, data_bucket) -> Client:
    client = Client("small")
    monkeypatch.setattr(handler, "cost_explorer", lambda: client)
    return client


def starts(ce: Client) -> list[str]:
    return [request["TimePeriod"]["Start"] for request in ce.requests]


def history_keys(s3) -> list[str]:
    listed = s3.list_objects_v2(Bucket=DATA_BUCKET, Prefix=objects.HISTORY_PREFIX).get("Contents", [])
    return sorted(item["Key"] for item in listed)


def stored(s3, key: str) -> bytes:
    body: bytes = s3.get_object(Bucket=DATA_BUCKET, Key=key)["Body"].read()
    return body


def october_key(metric: str = "UnblendedCost") -> str:
    return history_cache.key(build_request(START, END, metric), OCTOBER)


def test_a_final_month_is_written_once_then_read_and_the_report_is_the_same(ce, data_bucket, lambda_context):
    # GIVEN a first report: the whole window is queried, and October, final, is written
    first = handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
    assert starts(ce) == ["2026-10-01"]
    assert history_keys(data_bucket) == [october_key()]
    # WHEN the same report runs again (a forced run, a redrive, the next report of the same shape)
    second = handler.lambda_handler(EVENT, lambda_context("fetch_costs"))
    # THEN only November is asked for, only its page is counted, and the report is the same to the byte
    assert starts(ce) == ["2026-10-01", "2026-11-01"]
    assert first == second and second["costExplorerRequests"] == 1
    assert second["lastMonth"] is not None


def test_the_next_day_reads_the_month_the_day_before_wrote(ce, data_bucket):
    handler.fetch_history(DAY - timedelta(days=1), "UnblendedCost", CAP)
    history = handler.fetch_history(DAY, "UnblendedCost", CAP)
    assert starts(ce) == ["2026-10-01", "2026-11-01"]
    assert history.start == OCTOBER and history.requests == 1 and len(history.days) == 51


def test_a_month_with_an_estimated_day_is_never_written(monkeypatch, data_bucket):
    # GIVEN Cost Explorer's today is the 3rd: October's bill is not final, its days are Estimated
    ce = Client("small")
    ce.fake = FakeCostExplorer(SyntheticOrganisation("small", seed=7, today=date(2026, 11, 3)))
    monkeypatch.setattr(handler, "cost_explorer", lambda: ce)
    handler.fetch_history(date(2026, 11, 2), "UnblendedCost", CAP)
    handler.fetch_history(date(2026, 11, 2), "UnblendedCost", CAP)
    # THEN nothing is cached, and both reports asked for October
    assert history_keys(data_bucket) == []
    assert starts(ce) == ["2026-10-01", "2026-10-01"]


def test_a_corrupt_object_is_a_warning_and_a_query_and_is_written_again(ce, data_bucket, caplog):
    handler.fetch_history(DAY, "UnblendedCost", CAP)
    good = stored(data_bucket, october_key())
    data_bucket.put_object(Bucket=DATA_BUCKET, Key=october_key(), Body=good[: len(good) // 2])
    history = handler.fetch_history(DAY, "UnblendedCost", CAP)
    assert starts(ce) == ["2026-10-01", "2026-10-01"] and history.requests == 1
    assert "A cached month is not valid; querying it" in [r.getMessage() for r in caplog.records]
    assert stored(data_bucket, october_key()) == good


def test_a_month_cached_for_another_shape_is_not_used(ce, data_bucket):
    # GIVEN October cached for the default report (UnblendedCost, by service, the whole organisation)
    handler.fetch_history(DAY, "UnblendedCost", CAP)
    # WHEN reports of another metric, breakdown and scope run
    handler.fetch_history(DAY, "AmortizedCost", CAP)
    by_region = ReportSpec.from_state("regions", {"recipients": ["a@example.com"], "breakdown": {"by": "region"}})
    handler.fetch_history(DAY, "UnblendedCost", CAP, by_region)
    account = sorted(SyntheticOrganisation("small", seed=7, today=DAY).accounts)[0]
    scoped = ReportSpec.from_state("team", {"recipients": ["a@example.com"], "scope": {"accounts": [account]}})
    handler.fetch_history(DAY, "UnblendedCost", CAP, scoped)
    # THEN each asked for October itself, and cached its own
    assert starts(ce) == ["2026-10-01"] * 4
    assert len(history_keys(data_bucket)) == 4


def test_an_object_copied_from_another_shape_s_key_is_refused(ce, data_bucket, caplog):
    handler.fetch_history(DAY, "AmortizedCost", CAP)
    data_bucket.put_object(
        Bucket=DATA_BUCKET, Key=october_key(), Body=stored(data_bucket, october_key("AmortizedCost"))
    )
    handler.fetch_history(DAY, "UnblendedCost", CAP)
    assert starts(ce) == ["2026-10-01", "2026-10-01"]
    assert any("another query" in str(getattr(r, "why", "")) for r in caplog.records)


def test_an_s3_error_on_read_is_a_warning_and_a_query(ce, data_bucket, monkeypatch, caplog):
    handler.fetch_history(DAY, "UnblendedCost", CAP)
    client = sharing.s3()

    def unavailable(**_):
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "Slow Down"}}, "GetObject")

    monkeypatch.setattr(client, "get_object", unavailable)
    history = handler.fetch_history(DAY, "UnblendedCost", CAP)
    assert starts(ce) == ["2026-10-01", "2026-10-01"] and history.requests == 1
    assert "A cached month cannot be read; querying it" in [r.getMessage() for r in caplog.records]


def test_a_write_whose_answer_is_lost_is_a_warning_and_the_next_report_reads_it(ce, data_bucket, monkeypatch, caplog):
    # GIVEN S3 stores the month, but the answer never reaches the function
    client = sharing.s3()
    put = client.put_object

    def lost(**request):
        put(**request)
        raise BotocoreConnectionError(error="connection reset after the request was sent")

    monkeypatch.setattr(client, "put_object", lost)
    history = handler.fetch_history(DAY, "UnblendedCost", CAP)
    # THEN the report is made, the failure is a warning, and the object is whole
    assert history.requests == 1
    assert "A finalised month cannot be cached" in [r.getMessage() for r in caplog.records]
    monkeypatch.setattr(client, "put_object", put)
    handler.fetch_history(DAY, "UnblendedCost", CAP)
    assert starts(ce) == ["2026-10-01", "2026-11-01"]


def test_a_failed_write_costs_the_report_nothing(ce, data_bucket, monkeypatch):
    def denied(**_):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "PutObject")

    monkeypatch.setattr(sharing.s3(), "put_object", denied)
    assert handler.fetch_history(DAY, "UnblendedCost", CAP).requests == 1
    assert history_keys(data_bucket) == []


def test_two_executions_writing_the_month_at_once_write_the_same_bytes(ce, data_bucket, monkeypatch):
    # GIVEN two reports of the same shape whose writes of October meet at S3
    client = sharing.s3()
    put = client.put_object
    together, one_at_a_time = threading.Barrier(2, timeout=30), threading.Lock()
    bodies: list[bytes] = []

    def meeting(**request):
        together.wait()
        bodies.append(request["Body"])
        # S3 applies each PUT whole, the last one winning (https://docs.aws.amazon.com/AmazonS3/latest/
        # userguide/Welcome.html#ConsistencyModel); moto's in-memory S3 is not safe for two PUTs of one key
        # at the same instant (it closes the object one is still reading), so they reach it in turn.
        with one_at_a_time:
            return put(**request)

    monkeypatch.setattr(client, "put_object", meeting)
    histories = []
    threads = [
        threading.Thread(target=lambda: histories.append(handler.fetch_history(DAY, "UnblendedCost", CAP)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # THEN both wrote the same bytes, which are what a later report reads
    assert len(bodies) == 2 and bodies[0] == bodies[1] == stored(data_bucket, october_key())
    assert len(histories) == 2 and histories[0].days == histories[1].days
    monkeypatch.setattr(client, "put_object", put)
    assert handler.fetch_history(DAY, "UnblendedCost", CAP).days == histories[0].days
    assert starts(ce) == ["2026-10-01", "2026-10-01", "2026-11-01"]


def test_a_window_of_final_months_only_is_read_without_a_request(ce, data_bucket):
    # A manual run for the last day of an old month: August and September are both final
    old = date(2026, 9, 30)
    first = handler.fetch_history(old, "UnblendedCost", CAP)
    second = handler.fetch_history(old, "UnblendedCost", CAP)
    assert starts(ce) == ["2026-08-01"] and second.requests == 0
    assert second.days == first.days and len(history_keys(data_bucket)) == 2


def test_a_missing_month_answered_access_denied_is_not_cached_without_a_warning(ce, data_bucket, monkeypatch, caplog):
    # The role has no s3:ListBucket, so S3 answers a missing key 403 AccessDenied, not 404 NoSuchKey
    # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "Permissions"): every report
    # before the month is final asks for it, and that is not worth a warning.
    def missing(**_):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "GetObject")

    monkeypatch.setattr(sharing.s3(), "get_object", missing)
    assert handler.fetch_history(DAY, "UnblendedCost", CAP).requests == 1
    assert starts(ce) == ["2026-10-01"]
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
