"""The Revised line's rule (fetch_costs.revised): when the day before, as Cost Explorer has it now, differs
from what its report sent, and what a previous record that cannot be used means (nothing)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fetch_costs.history import parse_history
from fetch_costs.query import report_window
from fetch_costs.revised import revised
from fetch_costs.settings import ReportSettings
from fetch_costs.summarise import summarise
from report_contract import CostReport, Revised
from report_contract.period import ReportPeriod

from tests.fixtures.cost_explorer_answers import answer

DAY = date(2026, 12, 1)  # a Tuesday; the day before, Mon 30 Nov, is in the previous month
SETTINGS = ReportSettings(revised_min_amount=Decimal(1), revised_min_percent=Decimal(1))


def report(day_before: str = "120.00", currency: str = "USD") -> CostReport:
    start, end = report_window(DAY)
    rows = lambda day: [("Amazon EC2", "Usage", day_before if day == date(2026, 11, 30) else "100")]  # noqa: E731
    history = parse_history(start, end, "UnblendedCost", answer(start, end, rows, currency=currency))
    return summarise(history, DAY, SETTINGS)


def record(total: str = "100.00", status: str = "SENT", currency: str = "USD") -> dict:
    """ReadPreviousReport's answer: GetItem's, with its ProjectionExpression's four attributes."""
    return {
        "Item": {
            "status": {"S": status},
            "total": {"N": total},
            "sentAt": {"S": "2026-12-01T08:00:07.123Z"},
            "currency": {"S": currency},
        }
    }


def test_a_day_that_moved_since_it_was_sent_is_revised_with_what_was_sent_and_when():
    found = revised(record("100.00"), report("120.00"), SETTINGS)
    sent_at = datetime(2026, 12, 1, 8, 0, 7, 123000, tzinfo=UTC)
    assert found == Revised(date(2026, 11, 30), Decimal("100.00"), Decimal("120.00"), sent_at)
    # It travels, and RenderEmail reads it back against the report's own dayBefore.
    with_it = replace(report("120.00"), revised=found)
    assert CostReport.from_state(with_it.to_state()).revised == found


@pytest.mark.parametrize(
    ("sent", "now", "shown"),
    [
        ("100.00", "100.99", False),  # under REVISED_MIN_AMOUNT ($1)
        ("100.00", "101.00", True),  # $1 and 1%: both thresholds reached
        ("1000.00", "1009.99", False),  # $9.99 is under 1% of $1,000
        ("1000.00", "990.00", True),  # downwards too: a credit applied late
        ("0", "1.00", True),  # from nothing: any change of at least the amount
        ("120.00", "120.00", False),  # unchanged
    ],
)
def test_a_change_is_shown_only_when_it_reaches_both_thresholds(sent, now, shown):
    assert (revised(record(sent), report(now), SETTINGS) is not None) is shown


@pytest.mark.parametrize(
    "previous",
    [
        None,  # an execution of the definition before ReadPreviousReport
        {},  # no record: the first report, or one expired by its TTL
        {"Error": "DynamoDB.AmazonDynamoDBException", "Cause": "no answer"},  # the read failed (its Catch)
        record(status="CLAIMED"),  # that day's report was never sent
        record(status="SENDING"),
        record(total="not a number"),
        record(total="NaN"),
        {"Item": {"status": {"S": "SENT"}, "total": {"N": "100"}}},  # a record from before sentAt was stored
        {
            "Item": {
                "status": {"S": "SENT"},
                "total": {"N": "100"},
                "sentAt": {"S": "yesterday"},
                "currency": {"S": "USD"},
            }
        },
    ],
)
def test_a_previous_record_that_cannot_be_used_means_no_line_never_an_error(previous):
    assert revised(previous, report("120.00"), SETTINGS) is None


def test_a_total_sent_in_another_currency_is_not_compared():
    assert revised(record(currency="EUR"), report("120.00"), SETTINGS) is None


def test_a_weekly_or_monthly_report_has_no_revised_line():
    # Its previous period's figure is in its comparisons; the rule is the daily report's.
    daily = report("120.00")
    for period in (ReportPeriod.week_of(DAY), ReportPeriod.month_of(DAY)):
        assert revised(record(), replace(daily, period=period), SETTINGS) is None
