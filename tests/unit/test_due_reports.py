"""Which reports a run sends, for which periods, under which record keys: the dispatch rules of
resolve_report_date (due.py, report_date.py) with the clock passed in."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_contract.period import ReportPeriod
from report_contract.spec import parse_reports
from resolve_report_date.due import due_reports
from resolve_report_date.report_date import InvalidReportRequest, resolve

TO = ["finops@example.com"]
REPORTS = parse_reports(
    {
        "daily": {"recipients": TO},
        "team-payments": {"recipients": TO, "scope": {"cost_category": {"name": "Team", "values": ["Payments"]}}},
        "accounts-weekly": {"recipients": TO, "cadence": "weekly", "day_of_week": "monday"},
        "org-monthly": {"recipients": TO, "cadence": "monthly"},
        "auckland-weekly": {"recipients": TO, "cadence": "weekly", "time_zone": "Pacific/Auckland"},
        "mid-month": {"recipients": TO, "cadence": "monthly", "day_of_month": 15, "time_zone": "America/Los_Angeles"},
    }
)
STARTED = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)


def due_at(instant: datetime) -> dict[str, str]:
    return {spec.id: period.key for spec, period in due_reports(REPORTS, instant)}


def test_daily_reports_are_due_every_day_for_the_last_complete_utc_day():
    # Tuesday 1 December 2026, 08:00 UTC: neither a Monday nor the 15th.
    assert due_at(datetime(2026, 12, 1, 8, 0, tzinfo=UTC)) == {
        "daily": "2026-11-30",
        "team-payments": "2026-11-30",
        "org-monthly": "2026-11",  # the 1st: last month has ended
    }


def test_a_weekly_report_on_monday_covers_the_iso_week_that_ended_on_sunday():
    due = due_at(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # Monday 30 November
    assert due["accounts-weekly"] == "2026-W48"
    assert ReportPeriod.from_key("week", "2026-W48") == ReportPeriod("week", date(2026, 11, 23), date(2026, 11, 30))


def test_the_time_zone_decides_the_day_but_the_period_ends_with_the_last_complete_utc_day():
    # Sunday 29 November 20:00 UTC is Monday 30 November 09:00 in Auckland: the Auckland report is due,
    # and only UTC Saturday is complete, so the latest ended ISO week is the one before (W47).
    instant = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
    due = due_at(instant)
    assert due["auckland-weekly"] == "2026-W47"
    assert "accounts-weekly" not in due  # still Sunday in UTC


def test_a_monthly_report_is_due_on_its_day_where_its_readers_are():
    # 15 December 07:00 UTC is still the 14th in Los Angeles; 16 December 07:00 UTC is the 15th there.
    assert "mid-month" not in due_at(datetime(2026, 12, 15, 7, 0, tzinfo=UTC))
    assert due_at(datetime(2026, 12, 16, 7, 0, tzinfo=UTC))["mid-month"] == "2026-11"


def test_monthly_on_the_first_covers_the_previous_month_across_a_year_end_and_a_leap_february():
    assert due_at(datetime(2027, 1, 1, 8, 0, tzinfo=UTC))["org-monthly"] == "2026-12"
    assert due_at(datetime(2028, 3, 1, 8, 0, tzinfo=UTC))["org-monthly"] == "2028-02"
    assert ReportPeriod.from_key("month", "2028-02").days == 29


def test_iso_week_53_and_the_week_spanning_a_new_year():
    # Monday 4 January 2021: the week that ended on Sunday 3 January is ISO week 53 of 2020.
    spec = REPORTS[0].__class__(id="w", name="w", recipients=tuple(TO), cadence="weekly")
    [(_, period)] = due_reports((spec,), datetime(2021, 1, 4, 6, 0, tzinfo=UTC))
    assert (period.key, period.start, period.end) == ("2020-W53", date(2020, 12, 28), date(2021, 1, 4))


@given(st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)))
def test_every_due_period_has_ended_and_is_the_latest_of_its_kind_to_have_ended(instant):
    last_complete = instant.date() - timedelta(days=1)
    for spec, period in due_reports(REPORTS, instant):
        assert period.end <= instant.date(), spec.id
        assert period.last_day <= last_complete < period.end + timedelta(days=period.days + 1)
        assert ReportPeriod.latest_complete(period.kind, last_complete) == period


def test_a_named_report_keys_its_records_by_report_and_period_and_the_default_by_period_alone():
    keys = {}
    for report_id, period in (("daily", "2026-11-20"), ("team-payments", "2026-11-20"), ("org-monthly", "2026-11")):
        request = resolve({"report": report_id, "period": period}, STARTED, 13, REPORTS).request
        assert request is not None
        keys[report_id] = request.report_key
    assert keys == {
        "daily": "2026-11-20",
        "team-payments": "team-payments/2026-11-20",
        "org-monthly": "org-monthly/2026-11",
    }


def test_the_previous_report_s_key_is_the_previous_period_keyed_as_the_report_keys_its_records():
    # ReadPreviousReport reads it for the "Revised" line: across a month and a year end, and a week.
    cases = (("daily", "2026-12-01", "2026-11-30"), ("team-payments", "2026-01-01", "team-payments/2025-12-31"))
    cases += (("org-monthly", "2026-01", "org-monthly/2025-12"),)
    for report_id, period, previous in cases:
        request = resolve({"report": report_id, "period": period}, STARTED, 13, REPORTS).request
        assert request is not None
        assert request.previous_key == previous


def test_a_manual_run_of_one_report_may_name_any_day_of_its_period():
    request = resolve({"report": "org-monthly", "date": "2026-10-15"}, STARTED, 13, REPORTS).request
    assert request is not None and request.period == ReportPeriod.month_of(date(2026, 10, 1))
    assert request.report_date == date(2026, 10, 31)  # the period's last day, what FetchCosts is given


def test_a_period_that_has_not_ended_is_refused_naming_the_latest_that_has():
    with pytest.raises(
        InvalidReportRequest, match="month 2026-12 has not ended yet in UTC.*latest complete month is 2026-11"
    ):
        resolve({"report": "org-monthly", "period": "2026-12"}, STARTED, 13, REPORTS)


def test_a_manual_run_for_a_day_sends_every_daily_report_and_no_other():
    due = resolve({"date": "2026-11-30", "force": True}, STARTED, 13, REPORTS, "run-1").due
    assert due is not None
    assert sorted(report.spec.id for report in due) == ["daily", "team-payments"]
    assert {report.to_state()["input"]["force"] for report in due} == {True}


def test_child_names_are_fixed_by_run_and_report_short_and_distinct_between_runs():
    def names(run: str) -> list[str]:
        due = resolve({"scheduledTime": "2026-12-01T08:00:00Z"}, STARTED, 13, REPORTS, run).due or ()
        return [report.child_name for report in due]

    first, again, other = names("run-1"), names("run-1"), names("run-2")
    assert first == again  # a retry of the dispatch finds the same children
    assert not set(first) & set(other)  # a second run (a manual one, a redrive's twin) starts its own
    long_id = parse_reports({"a" * 40: {"recipients": TO, "cadence": "monthly"}})
    [long] = resolve({"scheduledTime": "2026-12-01T08:00:00Z"}, STARTED, 13, long_id, "x" * 80).due or ()
    assert len(long.child_name) <= 80 and long.child_name.startswith("a" * 40 + "-2026-11-")


def test_a_dispatch_passes_each_child_only_what_it_needs_to_resolve_itself():
    due = resolve({"scheduledTime": "2026-12-01T08:00:00Z"}, STARTED, 13, REPORTS, "run-1").due or ()
    for report in due:
        child = report.to_state()["input"]
        assert set(child) == {"report", "period", "force", "trigger", "shared"} and child["shared"] is None
        request = resolve(child, STARTED, 13, REPORTS).request
        assert request is not None and (request.spec, request.period, request.trigger) == (
            report.spec,
            report.period,
            "schedule",
        )
