"""Monthly fees billed as ordinary Usage on the 1st (fetch_costs.monthly_fees): on the 1st of a month, the
part of a MONTHLY_FEE_SERVICES service's charges above its usual day is one-off, and nothing else moves."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from fetch_costs.history import parse_history
from fetch_costs.monthly_fees import MONTHLY_FEE_SERVICES, mark_monthly_fees
from fetch_costs.query import report_window
from fetch_costs.settings import ReportSettings
from fetch_costs.summarise import summarise
from report_contract import Grouping, ReportIdentity

from tests.fixtures.cost_explorer_answers import answer

D = Decimal
FIRST = date(2026, 12, 1)
SHIELD, ROUTE_53, EC2 = "AWS Shield", "Amazon Route 53", "Amazon Elastic Compute Cloud - Compute"


def history(rows, report_date: date = FIRST):
    start, end = report_window(report_date)
    return parse_history(start, end, "UnblendedCost", answer(start, end, rows))


def usual_then_first(usual: dict[str, str], first: dict[str, str]):
    """Every day each service at its usual amount, and on every 1st of a month at the given one."""
    return lambda day: [(name, "Usage", (first if day.day == 1 else usual)[name]) for name in usual]


def test_a_monthly_fee_service_above_its_usual_day_on_the_1st_has_the_excess_counted_as_one_off():
    # GIVEN Shield at $1 a day of usage, and $3,001 on the 1st (the subscription's monthly fee)
    raw = history(usual_then_first({SHIELD: "1", EC2: "40"}, {SHIELD: "3001", EC2: "40"}))

    marked = mark_monthly_fees(raw)

    first = marked.day(FIRST)
    assert first.one_off_charges == {SHIELD: D(3000)} and first.one_off == D(3000)
    assert first.recurring_charge(SHIELD) == D(1) and first.recurring_charge(EC2) == D(40)
    # only what is called one-off moves: every charge and total is Cost Explorer's
    assert first.charges == raw.day(FIRST).charges and first.total == raw.day(FIRST).total == D(3041)
    assert marked.day(date(2026, 11, 30)).one_off == 0


def test_a_monthly_fee_service_at_or_below_its_usual_day_on_the_1st_has_no_one_off_part():
    marked = mark_monthly_fees(history(usual_then_first({ROUTE_53: "2.50"}, {ROUTE_53: "1.75"})))

    assert marked.day(FIRST).one_off == 0 and marked.day(FIRST).one_off_charges == {}


def test_the_usual_day_is_the_median_so_another_1st_in_the_history_does_not_raise_it():
    # GIVEN the history holds 1 Nov too, with the same $500 fee: the median of the other days stays $1
    marked = mark_monthly_fees(history(usual_then_first({SHIELD: "1"}, {SHIELD: "501"})))

    assert marked.day(date(2026, 11, 1)).one_off_charges == {SHIELD: D(500)}
    assert marked.day(FIRST).one_off_charges == {SHIELD: D(500)}


def test_a_day_that_is_not_the_1st_is_never_marked_however_high():
    day = date(2026, 12, 2)
    rows = lambda d: [(SHIELD, "Usage", "3001" if d == day else "1")]  # noqa: E731

    marked = mark_monthly_fees(history(rows, day))

    assert all(d.one_off == 0 for d in marked.days)


def test_a_service_not_in_the_table_is_never_marked_on_the_1st():
    marked = mark_monthly_fees(history(usual_then_first({EC2: "40"}, {EC2: "900"})))

    assert marked.day(FIRST).one_off == 0


def test_a_young_account_whose_history_starts_on_the_1st_has_no_usual_day_and_nothing_is_moved():
    rows = lambda d: [(SHIELD, "Usage", "3001")] if d == FIRST else []  # noqa: E731

    marked = mark_monthly_fees(history(rows))

    assert marked.day(FIRST).one_off == 0 and marked.day(FIRST).one_off_charges == {}


def test_a_day_without_the_services_cost_counts_as_zero_in_its_usual_day():
    # GIVEN Route 53 appears only on the 1st ($0.50 a hosted zone): its usual day is $0, so all of it is one-off
    rows = lambda d: [(EC2, "Usage", "40")] + ([(ROUTE_53, "Usage", "0.50")] if d.day == 1 else [])  # noqa: E731

    assert mark_monthly_fees(history(rows)).day(FIRST).one_off_charges == {ROUTE_53: D("0.50")}


def test_a_support_fee_already_one_off_by_its_record_type_is_not_counted_twice():
    support = "AWS Support (Business)"
    rows = lambda d: [(support, "Support fee", "100")] if d.day == 1 else [(EC2, "Usage", "40")]  # noqa: E731

    first = mark_monthly_fees(history(rows)).day(FIRST)

    assert first.one_off_charges == {support: D(100)} and first.one_off == D(100)


def test_the_report_of_the_1st_compares_without_the_fee_and_keeps_the_exact_total():
    report = summarise(
        history(usual_then_first({SHIELD: "1", EC2: "40"}, {SHIELD: "3001", EC2: "40"})), FIRST, ReportSettings()
    )

    assert report.total == D(3041) and report.one_off == D(3000)
    assert report.versus_day_before == (D(41), D(41), True)
    assert report.forecast.run_rate == D(41)  # the fee is not projected onto every remaining day
    assert not report.increases and not report.anomalies  # a monthly fee is not news every month


def test_a_report_by_account_leaves_its_lines_alone_they_are_not_services():
    by_account = ReportIdentity(
        "by-account", "By account", "organisation", "the whole organisation", Grouping("account", "Account")
    )
    rows = usual_then_first({SHIELD: "1"}, {SHIELD: "3001"})

    report = summarise(history(rows), FIRST, ReportSettings(), by_account)

    assert report.one_off == 0


@pytest.mark.parametrize("name", sorted(MONTHLY_FEE_SERVICES))
def test_each_monthly_fee_service_says_why_and_cites_an_aws_page(name):
    fee = MONTHLY_FEE_SERVICES[name]

    assert fee.why and urlsplit(fee.page).scheme == "https"
    assert urlsplit(fee.page).hostname in {"aws.amazon.com", "docs.aws.amazon.com"}
