"""Weekly and monthly reports: their queries, their requests, their exact sums, and the contract's refusals.

The requests are counted on the embedded Cost Explorer (local/cost_explorer.py, GROUPS_PER_PAGE as assumed
there), through FetchCosts' handler functions with the fake in place of the boto3 client.
"""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from fetch_costs import handler
from fetch_costs.errors import CostDataNotReady
from fetch_costs.history import Day
from fetch_costs.period_summary import summarise_period
from fetch_costs.periods import Query, queries
from fetch_costs.secondary import compared, period_query
from fetch_costs.settings import ReportSettings
from report_contract import CostReport, InvalidReport
from report_contract.comparisons import trend_periods
from report_contract.period import ReportPeriod
from report_contract.spec import Breakdown

from local.cost_explorer import CostExplorerError, FakeCostExplorer, SyntheticOrganisation
from tests.fixtures.cost_explorer_answers import answer

pytestmark = pytest.mark.unit
GOLDEN = Path(__file__).resolve().parent.parent / "golden"


class _Client:
    """The fake behind boto3's get_cost_and_usage(**request) signature, raising ClientError as boto3 does."""

    def __init__(self, fake: FakeCostExplorer) -> None:
        self.fake = fake

    def get_cost_and_usage(self, **request: object) -> dict:
        try:
            return self.fake.get_cost_and_usage(copy.deepcopy(request))
        except CostExplorerError as error:
            raise ClientError({"Error": {"Code": error.code, "Message": error.message}}, "GetCostAndUsage") from None


def period_history(period):
    """FetchCosts' queries for the default report's week or month, every page, on the embedded Cost Explorer."""
    return handler.fetch_period_history(period, handler.report_query(handler.DEFAULT_REPORT, "UnblendedCost", 10))


def fake(monkeypatch, profile: str, today: date) -> FakeCostExplorer:
    ce = FakeCostExplorer(SyntheticOrganisation(profile, seed=7, today=today))
    monkeypatch.setattr(handler, "cost_explorer", lambda: _Client(ce))
    return ce


def week(key: str) -> ReportPeriod:
    return ReportPeriod.from_key("week", key)


def month(key: str) -> ReportPeriod:
    return ReportPeriod.from_key("month", key)


# ---- the queries ----------------------------------------------------------------------------------


def test_a_week_is_one_daily_query_of_its_eight_weeks():
    assert queries(week("2026-W47")) == (Query(date(2026, 9, 28), date(2026, 11, 23), "DAILY"),)


def test_iso_week_53_spans_the_new_year_and_its_trend_ends_with_it():
    period = week("2026-W53")  # 2026 starts on a Thursday: it has 53 ISO weeks
    assert (period.start, period.last_day) == (date(2026, 12, 28), date(2027, 1, 3))
    assert queries(period) == (Query(date(2026, 11, 9), date(2027, 1, 4), "DAILY"),)
    assert [p.key for p in trend_periods(period)][-2:] == ["2026-W52", "2026-W53"]
    assert week("2027-W01").previous() == period


def test_a_month_is_a_monthly_query_of_thirteen_months_and_a_daily_one_of_its_last_two_days():
    assert queries(month("2026-10")) == (  # 31 days
        Query(date(2025, 10, 1), date(2026, 11, 1), "MONTHLY"),
        Query(date(2026, 10, 30), date(2026, 11, 1), "DAILY"),
    )


def test_a_leap_february_ends_on_the_29th():
    assert queries(month("2028-02")) == (
        Query(date(2027, 2, 1), date(2028, 3, 1), "MONTHLY"),
        Query(date(2028, 2, 28), date(2028, 3, 1), "DAILY"),
    )


def test_januarys_previous_month_is_last_years_december():
    january = month("2027-01")
    assert january.previous() == month("2026-12")
    assert [p.key for p in trend_periods(january)][:2] == ["2026-01", "2026-02"]  # the first is last year's January


def test_after_the_history_limit_the_queries_cover_the_period_alone():
    assert queries(month("2026-11"), short=True)[0] == Query(date(2026, 11, 1), date(2026, 12, 1), "MONTHLY")
    assert queries(week("2026-W47"), short=True) == (Query(date(2026, 11, 16), date(2026, 11, 23), "DAILY"),)


def test_a_periods_secondary_query_is_the_previous_period_and_the_period():
    assert period_query(week("2027-W01")) == Query(date(2026, 12, 28), date(2027, 1, 11), "DAILY")  # W53 too
    assert period_query(month("2027-01")) == Query(date(2026, 12, 1), date(2027, 2, 1), "MONTHLY")  # 2 results
    assert period_query(month("2027-01"), short=True) == Query(date(2027, 1, 1), date(2027, 2, 1), "MONTHLY")


def test_a_periods_secondary_section_adds_up_both_columns_with_lines_only_in_the_previous_period():
    current = Day(date(2026, 11, 1), charges={f"a{n}": Decimal(10 - n) for n in range(7)})
    previous = Day(date(2026, 10, 1), charges={"a0": Decimal("4.5"), "gone": Decimal("0.25")})

    section = compared(current, previous, Breakdown("account"), Decimal(49))

    assert [line.name for line in section.top] == ["a0", "a1", "a2", "a3", "a4"]
    assert section.top[0].day_before == Decimal("4.5") and section.top[1].day_before == 0
    assert section.other is not None and (section.other.count, section.other.amount) == (2, Decimal(9))
    assert section.other.day_before == Decimal("0.25")  # "gone" is in Other's previous period
    assert section.listed == Decimal(49) and section.unattributed == Decimal(0)


# ---- requests, counted -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "kind", "key", "today", "expected"),
    [
        ("small", "week", "2026-W47", date(2026, 11, 24), 1),
        ("small", "month", "2026-11", date(2026, 12, 3), 2),
    ],
)
def test_requests_per_period_kind(monkeypatch, profile, kind, key, today, expected):
    """The large organisation's figures (2 and 2) are measured in docs/cost.md: its 13 months take 12 s."""
    ce = fake(monkeypatch, profile, today)
    history = period_history(ReportPeriod.from_key(kind, key))
    assert history.requests == len(ce.requests) == expected


def test_a_week_older_than_its_trend_cost_explorer_keeps_is_reported_alone_with_the_refused_request_counted(
    monkeypatch,
):
    ce = fake(monkeypatch, "small", date(2026, 12, 3))  # Cost Explorer keeps November 2025 onwards
    history = period_history(week("2025-W48"))  # 24 to 30 November 2025: its eight weeks start in October
    assert history.requests == len(ce.requests) == 2  # refused, then the week alone (its pages streamed)
    assert history.daily.start == date(2025, 11, 24) and history.buckets[-1].costs is not None


def test_a_month_older_than_cost_explorer_keeps_is_reported_alone_with_the_refused_request_counted(monkeypatch):
    ce = fake(monkeypatch, "small", date(2026, 12, 3))  # Cost Explorer keeps November 2025 onwards
    history = period_history(month("2025-11"))
    assert history.requests == len(ce.requests) == 3  # refused, then MONTHLY and DAILY for the month alone
    report = summarise_period(history, ReportSettings())
    assert report.comparisons is not None
    assert report.comparisons.previous is None and report.comparisons.last_year is None
    assert [p.total is None for p in report.comparisons.trend] == [True] * 12 + [False]


# ---- not ready -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "today"),
    [(week("2026-W47"), date(2026, 11, 21)), (month("2026-11"), date(2026, 11, 29))],
)
def test_a_period_whose_last_day_has_no_data_yet_is_not_ready(monkeypatch, lambda_context, period, today):
    """Cost Explorer has the day before the period's last day but not the last day: not processed yet."""
    fake(monkeypatch, "small", today)
    monkeypatch.setattr(handler, "settings", ReportSettings)
    event = {"reportDate": period.last_day.isoformat(), "period": period.to_state()}
    with pytest.raises(CostDataNotReady, match=f"{period.key}: Cost Explorer has no cost data for {period.last_day}"):
        handler.lambda_handler(event, lambda_context("fetch_costs"))


# ---- exact sums ------------------------------------------------------------------------------------


def _daily_total(ce: FakeCostExplorer, start: date, end: date) -> Decimal:
    pages = ce.all_pages(
        {
            "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
            "Granularity": "DAILY",
            "Metrics": ["UnblendedCost"],
        }
    )
    return sum((Decimal(r["Total"]["UnblendedCost"]["Amount"]) for p in pages for r in p["ResultsByTime"]), Decimal(0))


def test_a_weeks_total_is_its_days_added_up_exactly(monkeypatch):
    ce = fake(monkeypatch, "small", date(2026, 11, 24))
    period = week("2026-W47")
    report = summarise_period(period_history(period), ReportSettings())
    assert report.total == _daily_total(ce, period.start, period.end)
    previous = period.previous()
    assert report.comparisons is not None and report.comparisons.previous is not None
    assert report.comparisons.previous.total == _daily_total(ce, previous.start, previous.end)
    assert report.listed == report.breakdown.charges


def test_a_months_figures_are_cost_explorers_monthly_sums_and_its_days_added_up_exactly(monkeypatch):
    ce = fake(monkeypatch, "small", date(2026, 12, 3))
    period = month("2026-11")
    report = summarise_period(period_history(period), ReportSettings())
    assert report.total == _daily_total(ce, period.start, period.end)
    comparisons = report.comparisons
    assert comparisons is not None and comparisons.last_year is not None and comparisons.average is not None
    assert comparisons.last_year.total == _daily_total(ce, date(2025, 11, 1), date(2025, 12, 1))
    months = [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]
    totals = [_daily_total(ce, a, b) for a, b in zip(months, months[1:], strict=False)]
    assert abs(comparisons.average.total - sum(totals) / 3) < Decimal("1e-40")
    assert report.estimated  # 3 December: November's bill is not final
    assert report.period == period and report.report_date == date(2026, 11, 30)


def test_a_finalised_month_is_not_estimated(monkeypatch):
    fake(monkeypatch, "small", date(2026, 12, 5))
    report = summarise_period(period_history(month("2026-11")), ReportSettings())
    assert not report.estimated


# ---- the contract's refusals -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def weekly_state() -> dict:
    with pytest.MonkeyPatch.context() as monkeypatch:
        fake(monkeypatch, "small", date(2026, 11, 24))
        history = period_history(week("2026-W47"))
    return json.loads(json.dumps(summarise_period(history, ReportSettings()).to_state()))


def test_a_weekly_report_travels_whole(weekly_state):
    report = CostReport.from_state(weekly_state)
    assert report.to_state() == weekly_state


def refused(state: dict, change, message: str) -> None:
    bad = copy.deepcopy(state)
    change(bad)
    with pytest.raises(InvalidReport, match=message):
        CostReport.from_state(bad)


def test_a_daily_period_is_refused_naming_the_field(weekly_state):
    refused(
        weekly_state,
        lambda s: s.update(period={"kind": "day", "start": "2026-11-22", "end": "2026-11-23"}),
        r"costs\.period: a daily report has no period field",
    )


def test_a_period_that_is_not_a_week_is_refused(weekly_state):
    refused(
        weekly_state,
        lambda s: s.update(period={"kind": "week", "start": "2026-11-17", "end": "2026-11-24"}),
        r"costs\.period: 2026-11-17 to 2026-11-24 is not a week",
    )


def test_a_period_that_does_not_end_on_the_report_day_is_refused(weekly_state):
    refused(
        weekly_state,
        lambda s: s.update(period={"kind": "week", "start": "2026-11-09", "end": "2026-11-16"}),
        r"costs\.period: 2026-W46 does not end on the report day 2026-11-22",
    )


def test_comparisons_without_a_period_are_refused(weekly_state):
    refused(weekly_state, lambda s: s.pop("period"), r"costs\.comparisons: only a weekly or monthly report")


def test_a_weekly_report_without_comparisons_is_refused(weekly_state):
    refused(weekly_state, lambda s: s.pop("comparisons"), r"costs\.comparisons")


def test_a_trend_of_the_wrong_periods_is_refused(weekly_state):
    refused(
        weekly_state, lambda s: s["comparisons"]["trend"].pop(0), r"costs\.comparisons\.trend: expected the 8 weeks"
    )


def test_a_trend_whose_last_period_is_not_the_total_is_refused(weekly_state):
    refused(
        weekly_state,
        lambda s: s["comparisons"]["trend"][-1].update(total="1.00"),
        r"costs\.comparisons\.trend: the last week is 1\.00",
    )


def test_a_service_trend_of_days_in_a_weekly_report_is_refused(weekly_state):
    refused(
        weekly_state,
        lambda s: s["services"]["top"][0].update(trend=["1"] * 14),
        r"costs\.services\.top\[0\]\.trend: expected 8 weeks, got 14",
    )


def test_a_previous_period_that_is_not_the_previous_week_is_refused(weekly_state):
    refused(
        weekly_state,
        lambda s: s["comparisons"]["previous"].update(start="2026-11-02", end="2026-11-08"),
        r"costs\.comparisons\.previous: 2026-11-02 to 2026-11-08 is not within 2026-11-09 to 2026-11-15",
    )


def test_last_year_in_a_weekly_report_is_refused(weekly_state):
    refused(
        weekly_state,
        lambda s: s["comparisons"].update(lastYear=s["comparisons"]["previous"]),
        r"costs\.comparisons\.lastYear: only a monthly report",
    )


def test_an_average_over_more_weeks_than_a_weekly_report_has_is_refused(weekly_state):
    refused(
        weekly_state,
        lambda s: s["comparisons"]["average"].update(periods=5),
        r"costs\.comparisons\.average\.periods",
    )


def test_figures_that_do_not_reconcile_are_refused_in_a_weekly_report_too(weekly_state):
    def change(state: dict) -> None:
        state["services"]["top"][0]["amount"] = str(Decimal(state["services"]["top"][0]["amount"]) + Decimal("0.01"))

    refused(weekly_state, change, r"costs\.services: the services add up to")


def test_an_older_payload_is_a_daily_report():
    """A payload without period and comparisons (every daily one) reads as the daily report of reportDate."""
    state = json.loads((GOLDEN / "small.costs.json").read_text(encoding="utf-8"))
    report = CostReport.from_state(state)
    assert report.period is None and report.comparisons is None
    assert report.report_period == ReportPeriod.day(date(2026, 11, 20))
    assert report.to_state() == state


# ---- the email ------------------------------------------------------------------------------------


def _email(name: str, change=None):
    from render_email.render import render_report

    state = json.loads((GOLDEN / f"{name}.costs.json").read_text(encoding="utf-8"))
    if change is not None:
        change(state)
    return render_report(CostReport.from_state(state))


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("2026-W47", "Week 47 (16–22 Nov 2026)"),
        ("2026-W53", "Week 53 (28 Dec 2026–3 Jan 2027)"),
        ("2027-W05", "Week 5 (1–7 Feb 2027)"),
    ],
)
def test_a_week_is_named_by_its_iso_number_and_days(key, label):
    from render_email.periods import period_label

    assert period_label(week(key)) == label


def test_a_month_is_named_by_its_name_and_year():
    from render_email.periods import period_label

    assert period_label(month("2028-02")) == "February 2028"


def test_the_weekly_email_compares_with_the_previous_week_and_the_4_week_average():
    email = _email("weekly")
    assert "AWS costs Week 47 (16–22 Nov 2026): $788.24" in email.subject
    assert "vs previous week: +$18.80" in email.text and "vs 4-week average: -$126.37" in email.text
    assert "Weekly cost, Week 40 to Week 47" in email.text
    for daily_words in ("yesterday", "day before", "report day", "this day", "daily"):
        assert daily_words not in email.text.lower().replace("granularity=daily", "")


def test_the_monthly_email_compares_with_last_month_the_3_month_average_and_last_year():
    email = _email("monthly")
    assert email.subject.endswith("AWS costs November 2026: $4,037.26 (-3.1% vs October)")
    for label in ("vs October: ", "vs 3-month average: ", "vs November 2025: "):
        assert label in email.text
    assert "Not yet finalised. Cost Explorer still marks November 2026 as estimated" in email.text
    assert "Not yet finalised." in email.html
    words = email.text.lower().split("https://")[0]  # the console link has its own "excludeForecasting"
    for daily_words in ("yesterday", "day before", "report day", "this day", "forecast", "month to date"):
        assert daily_words not in words


def test_a_finalised_month_has_no_note():
    def final(state: dict) -> None:
        state["estimated"] = False

    email = _email("monthly", final)
    assert "finalised" not in email.text and "finalised" not in email.html


def test_the_handler_returns_a_weekly_report_that_render_email_accepts(monkeypatch, lambda_context):
    from render_email.request import RenderRequest

    ce = fake(monkeypatch, "small", date(2026, 11, 24))
    monkeypatch.setattr(handler, "settings", ReportSettings)
    period = week("2026-W47")
    event = {"reportDate": "2026-11-22", "period": period.to_state()}
    state = json.loads(json.dumps(handler.lambda_handler(event, lambda_context("fetch_costs"))))
    assert state["period"] == period.to_state() and state["costExplorerRequests"] == len(ce.requests) == 1
    assert RenderRequest.from_event({"reportDate": "2026-11-22", "costs": state}).costs.period == period


# ---- accounts without spend, young accounts ---------------------------------------------------------


def _empty_months(query: Query) -> list[dict]:
    results = [
        {"TimePeriod": {"Start": p.start.isoformat(), "End": p.end.isoformat()}, "Total": {}, "Groups": []}
        for p in trend_periods(ReportPeriod.month_of(query.end - timedelta(days=1)))
    ]
    return [{"ResultsByTime": results, "DimensionValueAttributes": []}]


def test_an_account_without_spend_gets_its_zero_weekly_and_monthly_emails():
    from fetch_costs.history import parse_history
    from fetch_costs.periods import monthly_history, weekly_history
    from render_email.render import render_report

    for period in (week("2026-W47"), month("2026-11")):
        first = queries(period)
        daily_query = first[-1]
        daily = parse_history(
            daily_query.start, daily_query.end, "UnblendedCost", answer(daily_query.start, daily_query.end, {})
        )
        if period.kind == "week":
            history = weekly_history(period, daily)
        else:
            history = monthly_history(period, first[0], "UnblendedCost", _empty_months(first[0]), daily, 2)
        report = CostReport.from_state(json.loads(json.dumps(summarise_period(history, ReportSettings()).to_state())))
        assert report.total == 0 and report.comparisons is not None and report.comparisons.previous is None
        email = render_report(report)
        assert "(no spend)" in email.subject
        assert f"No AWS spend was recorded for {email.subject.split('AWS costs ')[1].split(':')[0]}" in email.text


def test_a_young_accounts_week_starts_on_its_first_day_and_anomaly_checks_wait():
    from fetch_costs.history import parse_history
    from fetch_costs.periods import weekly_history
    from render_email.render import render_report

    period = week("2026-W47")
    (query,) = queries(period)
    rows = [("Amazon Simple Storage Service", "Usage", "1.25")]
    pages = answer(query.start, query.end, lambda day: rows if day >= date(2026, 11, 12) else [])
    report = summarise_period(
        weekly_history(period, parse_history(query.start, query.end, "UnblendedCost", pages)), ReportSettings()
    )
    comparisons = report.comparisons
    assert comparisons is not None and comparisons.previous is not None and comparisons.average is not None
    assert (comparisons.previous.start, comparisons.previous.total) == (date(2026, 11, 12), Decimal("5.00"))
    assert comparisons.average.periods == 1 and report.total == Decimal("8.75")
    assert [p.total is None for p in comparisons.trend] == [True] * 6 + [False, False]
    assert "Anomaly checks start once there are 6 earlier weeks of history; this account has 1 week." in render_report(
        report
    ).text.replace("\n", " ")
