"""One-off charges apart (tax, support and fees on the 1st of a month, refunds): the changes and the daily
budget judge recurring spend, the headline names the one-offs on a line of their own, and the total stays
the exact net total. Report models are made the way production makes them (summarise, JSON, RenderEmail's
parser), so these tests hold the contract too."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from fetch_costs.history import parse_history
from fetch_costs.query import report_window
from fetch_costs.settings import ReportSettings
from fetch_costs.summarise import summarise
from render_email.render import build_view, render_report
from render_email.request import RenderRequest
from report_contract import CostReport, InvalidReport

from tests.fixtures.cost_explorer_answers import answer

D = Decimal
FIRST = date(2026, 12, 1)  # a Tuesday
EC2, SUPPORT = "Amazon Elastic Compute Cloud - Compute", "AWS Support (Business)"


def state(rows, report_date: date = FIRST, settings_: ReportSettings = ReportSettings()) -> dict:
    start, end = report_window(report_date)
    history = parse_history(start, end, "UnblendedCost", answer(start, end, rows))
    return json.loads(json.dumps(summarise(history, report_date, settings_).to_state()))


def model(rows, report_date: date = FIRST, settings_: ReportSettings = ReportSettings()) -> CostReport:
    return RenderRequest.from_event(
        {"reportDate": report_date.isoformat(), "costs": state(rows, report_date, settings_)}
    ).costs


def usage_with_fees_on_the_1st(day: date) -> list[tuple[str, str, str]]:
    """$20 of EC2 every day; on the 1st of each month $100 of support and $12 of tax on top."""
    rows = [(EC2, "Usage", "20")]
    if day.day == 1:
        rows += [(SUPPORT, "Support fee", "100"), ("Tax", "Tax", "12")]
    return rows


def test_on_the_1st_tax_and_support_make_no_jump_against_the_day_before_or_the_average():
    # GIVEN a flat $20 a day, and $112 of support and tax on the 1st (the total is $132, +560%)
    view = build_view(model(usage_with_fees_on_the_1st))

    vs_day_before, vs_average = view.changes
    assert (vs_day_before.value, vs_day_before.note) == ("$0.00", "0%; recurring: $20.00 vs $20.00")
    assert (vs_average.value, vs_average.note) == ("$0.00", "0%; recurring: $20.00 vs $20.00")
    assert view.subject == "AWS costs Tue 1 Dec: $132.00 (0% vs 7-day avg)"
    assert view.total == "$132.00"  # the total stays the exact net total


def test_the_days_after_the_1st_are_compared_without_the_1sts_fees():
    # GIVEN the 2nd: the day before had $112 of one-offs and the average's days include it
    report = model(usage_with_fees_on_the_1st, date(2026, 12, 2))
    view = build_view(report)

    assert report.one_off == 0 and report.day_before == D(132) and report.day_before_recurring == D(20)
    assert report.average is not None and report.average.recurring == D(20) and report.average.total == D(36)
    assert [stat.note for stat in view.changes] == [
        "0%; recurring: $20.00 vs $20.00",
        "0%; recurring: $20.00 vs $20.00",
    ]
    assert "-44%" not in view.subject and view.subject.endswith("(0% vs 7-day avg)")
    assert view.one_off_note == ""


def test_a_day_without_one_off_charges_about_compares_net_totals_as_before():
    view = build_view(
        model(lambda day: [(EC2, "Usage", "30" if day == date(2026, 11, 20) else "20")], date(2026, 11, 20))
    )

    assert [stat.note for stat in view.changes] == ["+50%; was $20.00", "+50%; average $20.00"]
    assert "dayBeforeRecurring" not in state(lambda day: [(EC2, "Usage", "20")], date(2026, 11, 20))


def test_tax_and_support_on_the_1st_do_not_make_the_daily_budget_over():
    # GIVEN a $50 daily budget: the $132 total is over it, the $20 of recurring spend is not
    report = model(usage_with_fees_on_the_1st, settings_=ReportSettings(daily_budget=D(50)))
    budget = next(stat for stat in build_view(report).stats if stat.label == "Daily budget")

    assert "overBudget" not in report.alerts
    assert (budget.value, budget.note, budget.tone) == (
        "$30.00 left",
        "40% of $50.00 used; one-off $112.00 left out",
        "good",
    )


def test_recurring_spend_above_the_daily_budget_is_over_budget_on_the_1st_too():
    rows = lambda day: [(EC2, "Usage", "60" if day == FIRST else "20")] + usage_with_fees_on_the_1st(day)[1:]  # noqa: E731
    report = model(rows, settings_=ReportSettings(daily_budget=D(50)))
    budget = next(stat for stat in build_view(report).stats if stat.label == "Daily budget")

    assert "overBudget" in report.alerts and "Over budget" in build_view(report).subject
    assert (budget.value, budget.note) == ("$10.00 over", "120% of $50.00; one-off $112.00 left out")


def test_the_one_off_line_names_the_largest_three_and_adds_the_rest_up_to_the_total_shown():
    rows = lambda day: (
        [(EC2, "Usage", "20")]
        + (  # noqa: E731
            [
                (SUPPORT, "Support fee", "100"),
                ("Tax", "Tax", "12.345"),
                (EC2, "RIFee", "30.333"),
                ("Amazon Relational Database Service", "RIFee", "4.001"),
                ("Amazon ElastiCache", "RIFee", "1.002"),
            ]
            if day == FIRST
            else []
        )
    )
    report = model(rows, settings_=ReportSettings(daily_budget=D(50)))

    assert [(c.name, c.amount) for c in report.one_off_charges] == [
        (SUPPORT, D(100)),
        (EC2, D("30.333")),
        ("Tax", D("12.345")),
    ]
    assert build_view(report).one_off_note == (
        "One-off charges $147.68: AWS Support (Business) $100.00, Amazon Elastic Compute Cloud - Compute $30.33, "
        "Tax $12.35, other $5.00. The changes and the daily budget leave them out."
    )


def test_the_one_off_line_is_in_the_text_part_as_in_the_html():
    email = render_report(model(usage_with_fees_on_the_1st))

    line = "One-off charges $112.00: AWS Support (Business) $100.00, Tax $12.00."
    assert line in " ".join(email.text.split()) and line in email.html


def test_a_refund_is_one_off_and_named_as_refunds():
    rows = lambda day: [(EC2, "Usage", "20")] + ([("AWS Lambda", "Refund", "-15")] if day == FIRST else [])  # noqa: E731
    report = model(rows)

    assert [(c.name, c.amount) for c in report.one_off_charges] == [("Refunds", D(-15))]
    assert report.versus_day_before == (D(20), D(20), True)  # a refund does not read as a drop either


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"oneOffCharges": [{"name": "Tax", "amount": "12"}]},
            r"costs.oneOffCharges: they add up to 12, not to costs.oneOff \(112\)",
        ),
        ({"dayBefore": None, "dayBeforeRecurring": "20"}, r"costs.dayBeforeRecurring: there is no day before"),
        (
            {"average": {"days": 7, "total": "20", "recurring": "twenty"}},
            r"costs.average.recurring: 'twenty' is not a decimal string",
        ),
    ],
)
def test_one_off_figures_that_do_not_hold_together_are_refused_naming_the_field(change, message):
    costs = {**state(usage_with_fees_on_the_1st), **change}

    with pytest.raises(InvalidReport, match=message):
        CostReport.from_state(costs)


def test_a_payload_from_before_the_recurring_fields_reads_and_compares_as_before():
    costs = state(usage_with_fees_on_the_1st, date(2026, 12, 2))
    costs.pop("dayBeforeRecurring")
    costs["average"].pop("recurring")

    report = CostReport.from_state(costs)

    assert report.versus_day_before == (D(20), D(132), False)


# --- The daily chart ------------------------------------------------------------------------------


def test_the_chart_draws_each_day_without_its_one_off_charges_and_marks_the_earlier_ones_amber():
    from render_email.charts import BAR_ONE_OFF, BAR_TODAY

    # GIVEN the 3rd: $20 of EC2 a day, and $112 of support and tax on the 1st
    view = build_view(model(usage_with_fees_on_the_1st, date(2026, 12, 3)))

    # THEN the 1st is as tall as the other days (its usage), not 6.6 times taller, and amber
    first = len(view.daily_bars) - 3
    heights = {bar.height for bar in view.daily_bars}
    assert heights == {40}, heights
    assert view.daily_bars[first].color == BAR_ONE_OFF
    assert [b.color for b in view.daily_bars].count(BAR_ONE_OFF) == 1
    assert view.daily_bars[-1].color == BAR_TODAY
    # AND the caption says so, the HTML's key names the colour, and the text part's sparkline is flat
    assert view.daily_caption == "Daily cost without one-off charges, Fri 20 Nov to Thu 3 Dec"
    assert view.daily_key == "Amber: a day that had one-off charges."
    assert view.daily_spark == "█" * 14
    assert "Amber" not in render_report(model(usage_with_fees_on_the_1st, date(2026, 12, 3))).text


def test_without_one_off_charges_in_the_window_the_chart_is_the_daily_total():
    view = build_view(model(lambda day: [(EC2, "Usage", "20" if day.day % 2 else "10")], date(2026, 11, 20)))

    assert view.daily_caption == "Daily cost, Sat 7 Nov to Fri 20 Nov" and view.daily_key == ""
    assert [bar.height for bar in view.daily_bars][:2] == [40, 20]


def test_a_day_s_one_off_part_travels_only_when_it_has_one_and_never_on_a_day_without_data():
    costs = state(usage_with_fees_on_the_1st, date(2026, 12, 3))
    days = {day["date"]: day for day in costs["daily"]}
    assert days["2026-12-01"] == {"date": "2026-12-01", "total": "132", "oneOff": "112"}
    assert days["2026-12-02"] == {"date": "2026-12-02", "total": "20"}

    costs["daily"][0] = {"date": costs["daily"][0]["date"], "total": None, "oneOff": "1"}
    with pytest.raises(InvalidReport, match=r"daily\[0\]\.oneOff: a day without data"):
        CostReport.from_state(costs)
