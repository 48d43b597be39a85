"""parse_history fed one page at a time (issue 16): the same history as from a list of pages, no page kept,
account names from any page, and history.Lines, the compact store of each line's amounts, exact to the
digit (Decimal's coefficient and exponent, not just its value)."""

from __future__ import annotations

import random
import weakref
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal, localcontext

import pytest
from fetch_costs.history import CREDITS, Day, DayLines, Lines, parse_history
from fetch_costs.lines import LineNames, line_namer
from report_contract.spec import Breakdown
from report_contract.wire import EXACT

START = date(2026, 11, 1)
END = date(2026, 11, 4)
D = Decimal


class Page(dict):
    """A page as boto3 returns it (a dict); a subclass, so a weak reference can tell whether it is alive."""


def period(day: date, groups: list[tuple[str, str, str]]) -> dict:
    return {
        "TimePeriod": {"Start": day.isoformat(), "End": (day + timedelta(days=1)).isoformat()},
        "Total": {},
        "Groups": [{"Keys": [k, t], "Metrics": {"UnblendedCost": {"Amount": a, "Unit": "USD"}}} for k, t, a in groups],
        "Estimated": False,
    }


# The 1st split across the first two pages; S3's usage on the 1st on both (a group repeated across pages, as
# a caller must merge); the 2nd and 3rd on the last page.
PAGES = [
    {"ResultsByTime": [period(START, [("S3", "Usage", "1.5"), ("EC2", "Usage", "2.10")])]},
    {"ResultsByTime": [period(START, [("S3", "Usage", "0.25"), ("EC2", "Credit", "-1"), ("EC2", "RIFee", "3")])]},
    {
        "ResultsByTime": [
            period(START + timedelta(days=1), [("S3", "Usage", "0.0000000001"), ("", "Tax", "0.3")]),
            period(START + timedelta(days=2), []),
        ]
    },
]


def streamed(contents: list[dict], alive_when_fetched: list[int]) -> Iterator[Page]:
    """The pages one at a time, noting how many earlier ones are still alive when each is made."""
    refs: list[weakref.ref] = []
    for content in contents:
        alive_when_fetched.append(sum(ref() is not None for ref in refs))
        page = Page(content)
        refs.append(weakref.ref(page))
        yield page
        del page


def test_a_day_split_across_pages_and_a_group_repeated_across_pages_merge_as_from_a_list():
    # GIVEN the same three pages, as a list and streamed one at a time
    listed = parse_history(START, END, "UnblendedCost", PAGES)
    alive: list[int] = []
    history = parse_history(START, END, "UnblendedCost", streamed(PAGES, alive))
    # THEN the streamed history is the listed one, day by day, and counts one request per page
    assert history.days == listed.days and history.requests == listed.requests == 3
    first, second, third = history.days
    assert dict(first.charges) == {"S3": D("1.75"), "EC2": D("5.10")}
    assert first.charges["EC2"].as_tuple() == D("5.10").as_tuple()  # 2.10 + 3: the digits as Decimal adds them
    assert dict(first.one_off_charges) == {"EC2": D("3")} and first.adjustments[CREDITS] == D("-1")
    assert first.total == D("5.85") and first.recurring_charges == D("3.85")  # 1.75 + 2.10
    assert dict(second.charges) == {"S3": D("0.0000000001")} and second.unclassified == {}
    assert second.total == D("0.3000000001") and not third.has_data and len(third.charges) == 0
    assert "EC2" not in second.charges and second.charges.get("EC2") is None


def test_pages_are_not_kept_each_is_dropped_before_the_next_is_fetched():
    alive: list[int] = []
    refs: list[weakref.ref] = []

    def pages() -> Iterator[Page]:
        for page in streamed(PAGES, alive):
            refs.append(weakref.ref(page))
            yield page
            del page

    history = parse_history(START, END, "UnblendedCost", pages())
    # No earlier page was alive when the next was made, and none is once the history is built.
    assert alive == [0, 0, 0]
    assert [ref() for ref in refs] == [None, None, None]
    assert history.days[0].charges["S3"] == D("1.75")


def test_an_account_named_on_a_later_page_than_its_groups_is_named():
    pages = [
        {"ResultsByTime": [period(START, [("111111111111", "Usage", "1")])], "DimensionValueAttributes": []},
        {
            "ResultsByTime": [period(START + timedelta(days=1), []), period(START + timedelta(days=2), [])],
            "DimensionValueAttributes": [{"Value": "111111111111", "Attributes": {"description": "prod"}}],
        },
    ]
    names = LineNames(Breakdown("account"))
    history = parse_history(START, END, "UnblendedCost", names.watch(iter(pages)), name=names)
    assert dict(history.days[0].charges) == {"prod (111111111111)": D("1")}
    assert (
        history.days
        == parse_history(START, END, "UnblendedCost", pages, name=line_namer(Breakdown("account"), pages)).days
    )


def test_two_keys_with_one_name_are_added_up_as_one_line():
    # A tag's untagged cost ("team$") is "(no team tag)"; a key already spelt that way is the same line.
    pages = [
        {"ResultsByTime": [period(START, [("team$", "Usage", "1.5"), ("(no team tag)", "Usage", "0.25")])]},
        {"ResultsByTime": [period(START + timedelta(days=1), []), period(START + timedelta(days=2), [])]},
    ]
    names = LineNames(Breakdown("tag", "team"))
    history = parse_history(START, END, "UnblendedCost", iter(pages), name=names)
    assert dict(history.days[0].charges) == {"(no team tag)": D("1.75")}


AMOUNTS = [
    "0",
    "-0",
    "0.00",
    "-0.000",
    "1.50",
    "-12.3456789012",
    "1E+5",
    "-7E-40",
    "123456789012345678901234.5",
    "0.0000000001",
    "99999999999999999",
]


@pytest.mark.parametrize("text", AMOUNTS)
def test_lines_keep_each_amount_digit_for_digit(text):
    lines = Lines(2)
    lines.set("a", 1, D(text))
    assert lines.get("a", 1).as_tuple() == D(text).as_tuple() and lines.get("a", 0) is None


def test_lines_add_exactly_as_decimal_does():
    rng = random.Random(16)
    lines, expected = Lines(3), {}
    for _ in range(2_000):
        with localcontext(EXACT):  # as parse_history adds
            amount = D(rng.choice(AMOUNTS)) * D(rng.randint(-(10**6), 10**6)).scaleb(-rng.randint(0, 12))
            key = (rng.choice("abc"), rng.randrange(3))
            expected[key] = expected[key] + amount if key in expected else amount
        lines.add(*key, amount)
    for (line, index), amount in expected.items():
        assert lines.get(line, index).as_tuple() == amount.as_tuple()


def test_a_day_of_lines_is_a_mapping_like_a_dict():
    lines = Lines(2)
    day, other = lines.day(0), lines.day(1)
    day["b"], day["a"], other["c"] = D("1"), D("2.5"), D("-1")
    assert isinstance(day, DayLines) and list(day) == ["b", "a"] and len(day) == 2 and day == {"b": D(1), "a": D("2.5")}
    assert day.total() == D("3.5") and other.total() == D("-1")
    day["a"] = D("7E+80")  # too large to pack: kept as the Decimal
    assert day["a"] == D("7E+80") and day.total() == D("7E+80") + 1
    del day["a"]
    assert dict(day) == {"b": D(1)} and "a" not in day and day.total() == D(1)
    with pytest.raises(KeyError):
        del day["a"]
    assert Day(START, charges=day) == Day(START, charges={"b": D(1)})
