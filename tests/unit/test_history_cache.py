"""The history cache's pure parts (fetch_costs.history_cache): which months a window can take from it, the
query digest, the month a finalised answer gives (and the one it must not), and what makes a cached object
unusable. The answers are the embedded Cost Explorer's, paginated small so days are split across pages."""

from __future__ import annotations

import copy
import gzip
import json
from datetime import date

import pytest
from fetch_costs import history_cache as cache
from fetch_costs.history import parse_history
from fetch_costs.query import build_request, report_window
from report_contract import objects
from report_contract.spec import ReportSpec

from local.cost_explorer import FakeCostExplorer, SyntheticOrganisation

OCTOBER = date(2026, 10, 1)
DAY = date(2026, 11, 20)
START, END = report_window(DAY)  # 1 Oct to 21 Nov
RECIPIENTS = {"recipients": ["team@example.com"]}


def request(metric: str = "UnblendedCost", **changes) -> dict:
    return {**build_request(START, END, metric), **changes}


@pytest.fixture(scope="module")
def pages() -> list[dict]:
    """The small organisation's answer for 20 Nov, asked on 21 Nov: October final, November estimated."""
    org = SyntheticOrganisation("small", seed=7, today=date(2026, 11, 21))
    return FakeCostExplorer(org, groups_per_page=250).all_pages(request())


# --- Which months ------------------------------------------------------------------------------------


def test_a_window_from_the_1st_begins_with_its_whole_months_and_not_the_partial_one() -> None:
    assert cache.leading_months(START, END) == [OCTOBER]
    assert cache.leading_months(date(2026, 7, 1), date(2026, 9, 1)) == [date(2026, 7, 1), date(2026, 8, 1)]
    assert cache.leading_months(date(2026, 11, 1), date(2026, 11, 21)) == []  # month to date


def test_a_window_from_inside_a_month_can_take_nothing_from_the_cache() -> None:
    # The query that is left must be one span: a month after a partial one cannot be cut out of it.
    assert cache.whole_months(date(2026, 9, 15), date(2026, 11, 21)) == [OCTOBER]
    assert cache.leading_months(date(2026, 9, 15), date(2026, 11, 21)) == []


def test_whole_months_handle_february_and_the_year_end() -> None:
    assert cache.whole_months(date(2027, 12, 1), date(2028, 3, 1)) == [
        date(2027, 12, 1),
        date(2028, 1, 1),
        date(2028, 2, 1),
    ]
    assert cache.whole_months(date(2028, 2, 1), date(2028, 2, 29)) == []  # 29 Feb not in [start, end)


# --- The digest ----------------------------------------------------------------------------------------


def test_the_digest_ignores_the_days_and_the_page_but_not_what_decides_the_answer() -> None:
    base = cache.digest(request())
    assert cache.digest(build_request(date(2026, 10, 1), date(2026, 11, 2), "UnblendedCost", "token")) == base
    scoped = ReportSpec.from_state("team", {**RECIPIENTS, "scope": {"accounts": ["111111111111"]}})
    by_account = ReportSpec.from_state("accounts", {**RECIPIENTS, "breakdown": {"by": "account"}})
    others = [
        request("AmortizedCost"),
        request(Granularity="MONTHLY"),
        request(Filter=scoped.scope.cost_explorer_filter()),
        request(GroupBy=[by_account.breakdown.group_by(), {"Type": "DIMENSION", "Key": "RECORD_TYPE"}]),
    ]
    digests = {cache.digest(other) for other in others}
    assert base not in digests and len(digests) == len(others)


def test_the_digest_does_not_depend_on_the_order_of_keys_and_names_its_format() -> None:
    shuffled = dict(reversed(list(request().items())))
    assert cache.digest(shuffled) == cache.digest(request())
    assert cache.digest_inputs(request())["format"] == cache.FORMAT
    assert set(cache.digest_inputs(request())) == {"format", "Granularity", "Metrics", "GroupBy"}


def test_the_key_is_the_layout_objects_py_defines() -> None:
    key = cache.key(request(), OCTOBER)
    assert key == f"{objects.HISTORY_PREFIX}{cache.digest(request())}/2026-10.json.gz"
    assert key == objects.history_key(cache.digest(request()), OCTOBER)


# --- The month a finalised answer gives ------------------------------------------------------------------


def test_a_final_month_is_every_day_once_merged_across_pages_as_the_report_reads_it(pages) -> None:
    assert len(pages) > 2  # days split across pages
    month = cache.month_page(pages, OCTOBER)
    assert month is not None
    assert [r["TimePeriod"]["Start"] for r in month["ResultsByTime"]] == [f"2026-10-{d:02}" for d in range(1, 32)]
    assert not any(r["Estimated"] for r in month["ResultsByTime"])
    # the same days as parse_history makes of the pages themselves
    from_pages = parse_history(START, END, "UnblendedCost", pages)
    from_month = parse_history(OCTOBER, date(2026, 11, 1), "UnblendedCost", [month])
    assert from_month.days == from_pages.days[:31]


def test_a_month_is_the_same_bytes_however_its_answer_was_paged(pages) -> None:
    # A day split across pages, merged in another order (pages given last to first), is the same month.
    org = SyntheticOrganisation("small", seed=7, today=date(2026, 11, 21))
    one_page = FakeCostExplorer(org).all_pages(request())
    assert len(one_page) == 1
    assert cache.body(request(), OCTOBER, cache.month_page(list(reversed(pages)), OCTOBER)) == cache.body(
        request(), OCTOBER, cache.month_page(one_page, OCTOBER)
    )


def test_a_month_with_one_estimated_day_is_not_cached(pages) -> None:
    changed = json.loads(json.dumps(pages))
    changed[0]["ResultsByTime"][4]["Estimated"] = True
    assert cache.month_page(changed, OCTOBER) is None
    assert cache.month_page(pages, date(2026, 11, 1)) is None  # the report's month: estimated, and partial


def test_a_month_missing_a_day_is_not_cached(pages) -> None:
    changed = json.loads(json.dumps(pages))
    for page in changed:
        page["ResultsByTime"] = [r for r in page["ResultsByTime"] if r["TimePeriod"]["Start"] != "2026-10-09"]
    assert cache.month_page(changed, OCTOBER) is None


def test_the_month_keeps_only_the_account_names_of_its_own_groups() -> None:
    page = {
        "ResultsByTime": [
            {"TimePeriod": {"Start": f"2026-10-{d:02}", "End": "x"}, "Estimated": False, "Groups": []}
            for d in range(1, 32)
        ],
        "DimensionValueAttributes": [
            {"Value": "222222222222", "Attributes": {"description": "New in November"}},
            {"Value": "111111111111", "Attributes": {"description": "Payments"}},
        ],
    }
    page["ResultsByTime"][0]["Groups"] = [{"Keys": ["111111111111", "Usage"], "Metrics": {}}]
    month = cache.month_page([page], OCTOBER)
    assert month is not None
    assert month["DimensionValueAttributes"] == [{"Value": "111111111111", "Attributes": {"description": "Payments"}}]


# --- What a reader accepts ---------------------------------------------------------------------------------


def stored(pages: list[dict], edit=None, req: dict | None = None) -> bytes:
    month = json.loads(json.dumps(cache.month_page(pages, OCTOBER)))
    if edit is not None:
        edit(month)
    return cache.body(req or request(), OCTOBER, month)


def test_a_stored_month_reads_back_as_the_page_it_was(pages) -> None:
    raw = stored(pages)
    assert cache.validate(request(), OCTOBER, raw) == cache.month_page(pages, OCTOBER)
    assert len(raw) < len(gzip.decompress(raw)) / 4  # gzip: JSON of amounts and names compresses well


@pytest.mark.parametrize(
    ("why", "raw_of"),
    [
        ("not gzip", lambda pages: b'{"format": 1}'),
        ("truncated", lambda pages: stored(pages)[:-40]),
        ("not JSON", lambda pages: gzip.compress(b"{not json", mtime=0)),
        ("a list", lambda pages: gzip.compress(b"[]", mtime=0)),
        ("another metric", lambda pages: stored(pages, req=request("AmortizedCost"))),
        (
            "another breakdown",
            lambda pages: stored(pages, req=request(GroupBy=[{"Type": "DIMENSION", "Key": "REGION"}])),
        ),
        ("a day missing", lambda pages: stored(pages, lambda m: m["ResultsByTime"].pop(9))),
        ("a day twice", lambda pages: stored(pages, lambda m: m["ResultsByTime"].insert(3, m["ResultsByTime"][2]))),
        ("an estimated day", lambda pages: stored(pages, lambda m: m["ResultsByTime"][30].update(Estimated=True))),
        ("no Estimated", lambda pages: stored(pages, lambda m: m["ResultsByTime"][30].pop("Estimated"))),
        ("a bad amount", lambda pages: stored(pages, lambda m: bad_amount(m, "12..5"))),
        ("an infinite amount", lambda pages: stored(pages, lambda m: bad_amount(m, "Infinity"))),
        ("one key", lambda pages: stored(pages, lambda m: m["ResultsByTime"][1]["Groups"][0].update(Keys=["EC2"]))),
        ("no metric", lambda pages: stored(pages, lambda m: m["ResultsByTime"][1]["Groups"][0].update(Metrics={}))),
        ("two currencies", lambda pages: stored(pages, lambda m: unit(m, "EUR"))),
    ],
)
def test_an_object_that_does_not_validate_is_refused_saying_why(pages, why, raw_of) -> None:
    with pytest.raises(cache.InvalidCachedMonth):
        cache.validate(request(), OCTOBER, raw_of(pages))


def test_an_object_of_another_month_is_refused(pages) -> None:
    with pytest.raises(cache.InvalidCachedMonth, match="another query, month or format"):
        cache.validate(request(), date(2026, 9, 1), stored(pages))


def bad_amount(month: dict, amount: str) -> None:
    month["ResultsByTime"][1]["Groups"][0]["Metrics"]["UnblendedCost"]["Amount"] = amount


def unit(month: dict, currency: str) -> None:
    month["ResultsByTime"][1]["Groups"][0]["Metrics"]["UnblendedCost"]["Unit"] = currency


# ---- FinalMonths: what a streamed answer keeps to write to the cache --------------------------------------


def streamed(start: date, end: date, source: list[dict]) -> cache.FinalMonths:
    final = cache.FinalMonths(start, end)
    for _ in final.watch(iter(source)):
        pass
    return final


def test_a_streamed_answer_keeps_exactly_the_final_whole_months_month_page_would_cache(pages) -> None:
    # GIVEN the answer of 1 Oct to 21 Nov, read a page at a time (October final, November estimated)
    answer = pages
    final = streamed(START, END, answer)
    # THEN what it kept makes the same October page as the whole answer, and no November day is kept
    assert cache.month_page(final.pages(), OCTOBER) == cache.month_page(answer, OCTOBER) is not None
    kept_days = {r["TimePeriod"]["Start"][:7] for page in final.pages() for r in page["ResultsByTime"]}
    assert kept_days == {"2026-10"}


def test_a_range_without_a_whole_month_keeps_nothing(pages) -> None:
    # GIVEN the report's month so far, the query of most days once the previous month is cached
    answer = pages
    assert streamed(date(2026, 11, 1), END, answer).pages() == []


def test_a_month_with_an_estimated_day_is_not_kept(pages) -> None:
    answer = copy.deepcopy(pages)
    for page in answer:
        for result in page["ResultsByTime"]:
            if result["TimePeriod"]["Start"] == "2026-10-31":
                result["Estimated"] = True
    assert streamed(START, END, answer).pages() == []


def test_more_groups_than_keep_groups_keeps_nothing_so_memory_stays_bounded(pages, monkeypatch) -> None:
    answer = pages
    october_groups = sum(
        len(r["Groups"]) for p in answer for r in p["ResultsByTime"] if r["TimePeriod"]["Start"] < "2026-11"
    )
    monkeypatch.setattr(cache, "KEEP_GROUPS", october_groups - 1)
    assert streamed(START, END, answer).pages() == []
    monkeypatch.setattr(cache, "KEEP_GROUPS", october_groups)
    assert streamed(START, END, answer).pages() != []
