"""Movers against the same weekday (fetch_costs/mover_baseline.py): when the fetched history follows a weekly
cycle, a Monday's movers are judged against the Mondays before, not against a week that holds a weekend;
otherwise against the 7 days before, as the headline's average. No boto3, no clock."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from fetch_costs.history import parse_history
from fetch_costs.mover_baseline import days_before, mover_baseline, weekly_cycle
from fetch_costs.movers import moves
from fetch_costs.query import build_request, report_window
from fetch_costs.settings import ReportSettings
from fetch_costs.summarise import Known, summarise
from render_email.chat import render_chat
from render_email.render import build_view, render_report
from report_contract import CostReport, InvalidReport, MoverBaseline
from report_contract.limits import MOVER_DAYS_BEFORE, MOVER_SAME_WEEKDAY, WEEKDAY_WEEKS

from local.cost_explorer import FakeCostExplorer, SyntheticOrganisation
from tests.fixtures.cost_explorer_answers import answer

MONDAY = date(2026, 11, 23)
D = Decimal


def history(rows, report_date: date):
    start, end = report_window(report_date)
    return parse_history(start, end, "UnblendedCost", answer(start, end, rows))


def report(rows, report_date: date = MONDAY) -> CostReport:
    return summarise(history(rows, report_date), report_date, ReportSettings())


def baseline(rows, report_date: date = MONDAY) -> MoverBaseline | None:
    known = Known(history(rows, report_date), report_date)
    return mover_baseline(known.day, report_date, known.first)[0]


def office_hours(weekday: str, weekend: str, since: date | None = None):
    """EC2 at `weekday` Monday to Friday and `weekend` on Saturday and Sunday; a steady $10 of Lambda."""

    def rows(day: date) -> list[tuple[str, str, str]]:
        if since is not None and day < since:
            return []  # before the account's first cost data
        ec2 = weekend if day.weekday() >= 5 else weekday
        return [("Amazon EC2", "Usage", ec2), ("AWS Lambda", "Usage", "10")]

    return rows


def noisy(day: date) -> list[tuple[str, str, str]]:
    """$80 to $120 a day at random, the same whatever the weekday: no weekly cycle."""
    return [("Amazon EC2", "Usage", str(random.Random(day.toordinal()).randint(80, 120)))]


def test_a_monday_after_a_weekend_dip_is_compared_with_the_mondays_before_and_is_no_mover():
    # GIVEN EC2 at $100 on weekdays and $40 at weekends, and a Monday like every Monday
    r = report(office_hours("100", "40"))
    # THEN the movers are against the last 4 Mondays, and the weekend's end is not news
    assert r.mover_baseline == MoverBaseline(MOVER_SAME_WEEKDAY, WEEKDAY_WEEKS)
    assert r.increases == () and r.decreases == ()
    # (against its average of the 7 days before, $82.86 with the weekend in it, EC2 would move by +21%)
    settings = ReportSettings()
    assert moves(D(100), D(580) / 7, settings.mover_min_amount, settings.mover_min_percent, "USD")


def test_a_real_rise_on_a_monday_is_a_mover_against_the_mondays_before():
    cycle = office_hours("100", "40")
    r = report(lambda day: [(n, t, "130" if day == MONDAY and n == "Amazon EC2" else a) for n, t, a in cycle(day)])
    assert [(m.name, m.amount, m.average) for m in r.increases] == [("Amazon EC2", D(130), D(100))]


def test_a_saturday_in_a_weekly_cycle_is_compared_with_the_saturdays_before():
    saturday = MONDAY - timedelta(days=2)
    r = report(office_hours("100", "40"), saturday)
    assert r.mover_baseline == MoverBaseline(MOVER_SAME_WEEKDAY, WEEKDAY_WEEKS) and r.decreases == ()


@pytest.mark.parametrize(
    "rows",
    [noisy, office_hours("100", "100")],
    ids=["random daily noise", "the same every day"],
)
def test_a_history_without_a_weekly_cycle_keeps_the_7_days_before(rows):
    assert baseline(rows) == MoverBaseline(MOVER_DAYS_BEFORE, 7)


def test_a_young_account_with_one_earlier_monday_keeps_the_days_before_whatever_its_cycle():
    # GIVEN a strong weekend dip, but cost data only from 10 days before the Monday: one earlier Monday
    since = MONDAY - timedelta(days=10)
    assert baseline(office_hours("100", "10", since)) == MoverBaseline(MOVER_DAYS_BEFORE, 7)


def test_a_weekly_cycle_is_judged_on_at_least_a_week_of_days_with_two_earlier_same_weekdays():
    # 20 days of data: the days from its 15th on have two earlier same weekdays, 6 of them before the Monday
    cycle = office_hours("100", "10", MONDAY - timedelta(days=20))
    known = Known(history(cycle, MONDAY), MONDAY)
    assert not weekly_cycle(known.day, MONDAY, known.first)
    # one more day of history makes it 7 judged days, and the cycle shows
    cycle = office_hours("100", "10", MONDAY - timedelta(days=21))
    assert baseline(cycle) == MoverBaseline(MOVER_SAME_WEEKDAY, 3)


def test_a_monthly_fee_on_a_monday_the_first_is_no_mover_against_the_mondays_before():
    first = date(2027, 3, 1)  # a Monday
    cycle = office_hours("100", "40")
    fee = lambda day: cycle(day) + ([("AWS Support (Business)", "Support fee", "100")] if day.day == 1 else [])
    r = report(fee, first)
    assert r.mover_baseline == MoverBaseline(MOVER_SAME_WEEKDAY, WEEKDAY_WEEKS)
    assert r.increases == () and r.decreases == ()


def test_the_email_says_which_baseline_the_movers_are_against():
    cycle = office_hours("100", "40")
    r = report(lambda day: [(n, t, "130" if day == MONDAY and n == "Amazon EC2" else a) for n, t, a in cycle(day)])
    email, view = render_report(r), build_view(r)
    assert view.movers_label == "average of the last 4 Mondays"
    assert "Amount &amp; average of the last 4 Mondays" in email.html
    assert "Top movers (against each service's average of the last 4 Mondays):" in email.text
    assert any("the costs follow a weekly cycle" in note for note in view.notes)
    assert "vs average of the 7 days before" in " ".join(email.text.split())  # the headline keeps its average
    for kind in ("slack", "teams", "google_chat"):
        assert "Biggest movers (vs average of the last 4 Mondays)" in json.dumps(render_chat(kind, view, emailed=True))
    # AND without a cycle the movers are against the headline's average, with no word of a cycle
    flat = build_view(report(lambda day: [("Amazon EC2", "Usage", "130" if day == MONDAY else "100")]))
    assert flat.movers_label == "average of the 7 days before"
    assert not any("weekly cycle" in note for note in flat.notes)


def test_the_report_refuses_a_baseline_outside_the_contract_and_reads_one_from_before_it_as_none():
    state = report(office_hours("100", "40")).to_state()
    assert state["movers"]["baseline"] == {"kind": "sameWeekday", "days": 4}
    for bad, error in [
        ({"kind": "weekly", "days": 4}, "costs.movers.baseline.kind: 'weekly' is not one of daysBefore, sameWeekday"),
        ({"kind": "sameWeekday", "days": 5}, "costs.movers.baseline.days: expected a whole number from 2 to 4, got 5"),
        ({"kind": "daysBefore", "days": 0}, "costs.movers.baseline.days: expected a whole number from 1 to 7, got 0"),
    ]:
        with pytest.raises(InvalidReport, match=error.replace(".", r"\.")):
            CostReport.from_state({**state, "movers": {**state["movers"], "baseline": bad}})
    before = {k: v for k, v in state["movers"].items() if k != "baseline"}
    assert CostReport.from_state({**state, "movers": before}).mover_baseline is None


def test_the_demo_monday_30_november_compares_with_the_mondays_before_and_ec2_is_no_longer_a_mover():
    # GIVEN the synthetic small account (`make demo DATE=2026-11-30`), whose compute usage dips at weekends
    day = date(2026, 11, 30)
    ce = FakeCostExplorer(SyntheticOrganisation("small", seed=7, today=day + timedelta(days=1)))
    start, end = report_window(day)
    history_ = parse_history(start, end, "UnblendedCost", ce.all_pages(build_request(start, end, "UnblendedCost")))
    r = summarise(history_, day, ReportSettings())
    # THEN the movers are against the last 4 Mondays: the CloudWatch spike and the new Bedrock, not EC2
    assert r.mover_baseline == MoverBaseline(MOVER_SAME_WEEKDAY, WEEKDAY_WEEKS)
    assert [m.name for m in r.increases] == ["Amazon CloudWatch", "Amazon Bedrock"] and r.decreases == ()
    # (EC2's Monday, $43.28, against the 7 days before with the weekend in them, $36.07, is +20%: it was a mover)
    ec2 = "Amazon Elastic Compute Cloud - Compute"
    known = Known(history_, day)
    week = [d.recurring_charge(ec2) for d in days_before(known.day, day)]
    assert known.today.recurring_charge(ec2) > sum(week) / len(week) * D("1.1")
