"""What a run does: which reports are due when, for which period, the record keys, and every refusal,
with the clock passed in."""

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_contract.excerpt import excerpt
from report_contract.period import ReportPeriod
from report_contract.spec import parse_reports
from resolve_report_date.errors import MESSAGE_LIMIT, STEP_FUNCTIONS_CAUSE_LIMIT
from resolve_report_date.report_date import (
    InvalidReportRequest,
    Resolved,
    earliest_reportable_day,
)
from resolve_report_date.report_date import (
    resolve as resolve_run,
)

STARTED = datetime(2026, 11, 21, 8, 0, 3, tzinfo=UTC)
# The default deployment: one daily report, keyed as records always were.
DEFAULT = parse_reports({"daily": {"recipients": ["finops@example.com"]}})


def resolve(execution_input, started=STARTED, months=13, reports=DEFAULT) -> Resolved:
    return resolve_run(execution_input, started, months, reports, "run-1")


def only(execution_input, started=STARTED, months=13):
    """The one report a run of the default deployment sends: a dispatch's single child, resolved as that
    child resolves its own input."""
    resolved = resolve(execution_input, started, months)
    if resolved.request is not None:
        return resolved.request
    assert resolved.due is not None and len(resolved.due) == 1
    child = resolved.due[0].to_state()["input"]
    request = resolve(child, started, months).request
    assert request is not None
    return request


def test_scheduled_run_reports_on_the_utc_day_before_its_scheduled_time():
    request = only({"scheduledTime": "2026-11-21T08:00:00Z"})
    assert (request.report_date, request.trigger, request.force) == (date(2026, 11, 20), "schedule", False)


def test_late_or_redriven_run_still_reports_on_the_scheduled_day():
    two_days_late = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert only({"scheduledTime": "2026-11-21T08:00:00Z"}, two_days_late).report_date == date(2026, 11, 20)


def test_scheduled_time_with_an_offset_is_converted_to_utc_first():
    # 00:30 in Berlin on the 21st is 23:30 UTC on the 20th: the last complete UTC day is the 19th.
    assert only({"scheduledTime": "2026-11-21T00:30:00+01:00"}).report_date == date(2026, 11, 19)


def test_manual_run_names_the_day_and_can_force_a_resend():
    request = only({"date": "2026-11-02", "force": True})
    assert (request.report_date, request.trigger, request.force) == (date(2026, 11, 2), "manual", True)


def test_state_payload_is_small_and_typed_for_dynamodb():
    state = only({"date": "2026-11-20"}).to_state()
    assert state == {
        "reportId": "daily",
        "reportDate": "2026-11-20",
        "trigger": "manual",
        "force": False,
        "expiresAt": state["expiresAt"],
        "period": {"kind": "day", "start": "2026-11-20", "end": "2026-11-21"},
        "reportKey": "2026-11-20",
        "previousKey": "2026-11-19",
        "recipients": ["finops@example.com"],
        "report": DEFAULT[0].to_state(),
        "shared": None,
    }
    assert state["expiresAt"].isdigit()


@pytest.mark.parametrize(
    ("execution_input", "day"),
    [
        ({"scheduledTime": "2026-11-21T08:00:00Z"}, "2026-11-20"),
        ({"date": "2026-02-28"}, "2026-02-28"),
        ({"date": "2025-12-31", "force": True}, "2025-12-31"),
        ({"date": "2026-11-01"}, "2026-11-01"),
    ],
)
def test_the_daily_report_key_is_the_day_itself_so_records_keyed_by_report_date_stay_readable(execution_input, day):
    # Records written before periods existed are keyed by reportDate; the same day must find them.
    state = only(execution_input).to_state()
    assert state["reportKey"] == state["reportDate"] == day


def test_a_day_period_runs_to_the_next_day_exclusive_across_month_and_year_ends():
    assert ReportPeriod.day(date(2025, 12, 31)).to_state() == {
        "kind": "day",
        "start": "2025-12-31",
        "end": "2026-01-01",
    }
    assert ReportPeriod.day(date(2024, 2, 28)).end == date(2024, 2, 29)  # a leap year
    period = ReportPeriod.day(date(2026, 11, 20))
    assert (period.kind, period.key) == ("day", "2026-11-20")
    assert (period.end - period.start).days == 1


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_any_day_is_one_day_long_and_keyed_by_its_iso_date(day):
    period = ReportPeriod.day(day)
    state = period.to_state()
    assert period.key == day.isoformat() == state["start"]
    assert date.fromisoformat(state["end"]) == date.fromordinal(day.toordinal() + 1)
    assert "/" not in period.key  # the separator a named report's key uses


def test_the_period_is_the_report_day_of_the_request():
    request = only({"date": "2026-11-02", "force": True})
    assert request.period == ReportPeriod("day", date(2026, 11, 2), date(2026, 11, 3))


@pytest.mark.parametrize("months", [13, 38])
def test_record_outlives_the_last_day_the_report_day_can_be_asked_for(months):
    # 2026-10-01 stays reportable until earliest_reportable_day moves past it: the 1st of the month
    # `months + 1` months later.
    request = only({"date": "2026-10-01"}, STARTED, months)
    year, month = divmod(2026 * 12 + 10 - 1 + months + 1, 12)
    no_longer_reportable = datetime(year, month + 1, 1, tzinfo=UTC)
    assert earliest_reportable_day(no_longer_reportable.date(), months) > date(2026, 10, 1)
    assert request.expires_at > no_longer_reportable.timestamp()


@pytest.mark.parametrize(
    ("execution_input", "message"),
    [
        ({"date": "2026-02-30"}, "2026-02-30 is not a real calendar day"),
        ({"date": "2026-13-01"}, "is not a real calendar day"),
        ({"date": "20-11-2026"}, "expected a day as YYYY-MM-DD"),
        ({"date": 20261120}, "expected a day as YYYY-MM-DD"),
        ({"date": "2026-11-20\n"}, "expected a day as YYYY-MM-DD"),  # a regex "$" would let the newline through
        ({"date": "2026-11-21"}, "has not ended yet in UTC"),
        ({"date": "2027-01-01"}, "the latest complete day is 2026-11-20"),
        ({"report": "daily", "date": "2026-11-21"}, "day 2026-11-21 has not ended yet in UTC"),
        ({"report": "weekly"}, "is not a report of this deployment; its reports are daily"),
        ({"report": "daily"}, "give the period to report on as period (e.g. 2026-11-20) or as date"),
        ({"report": "daily", "period": "2026-11-20", "date": "2026-11-20"}, "not both or neither"),
        ({"report": "daily", "period": "2026-W46"}, "'2026-W46' is not a day: expected e.g. 2026-11-20"),
        ({"report": "daily", "date": "2026-11-20", "trigger": "cron"}, "trigger: 'cron' is not allowed"),
        ({"report": "daily", "date": "2026-11-20", "scheduledTime": "x"}, "unknown field(s) scheduledTime"),
        ({"date": "2025-09-30"}, "the earliest day it holds is 2025-10-01"),
        ({"date": "2026-11-20", "force": "yes"}, "force: must be true or false"),
        ({"Comment": "Insert your JSON here"}, "unknown field(s) Comment"),
        ({}, "no report day given"),
        ({"scheduledTime": "2026-11-21T08:00:00Z", "date": "2026-11-20"}, "not both"),
        ({"scheduledTime": "2026-11-21T08:00:00Z", "force": True}, "not both"),
        ({"scheduledTime": "2026-11-21 08:00"}, "has no time zone"),
        ({"scheduledTime": "yesterday"}, "is not an ISO 8601 time"),
        ({"scheduledTime": "2026-11-23T08:00:00Z"}, "has not ended yet"),
        (["2026-11-20"], "must be a JSON object"),
    ],
)
def test_bad_input_is_refused_with_a_message_that_says_what_was_wrong(execution_input, message):
    with pytest.raises(InvalidReportRequest, match=None) as refused:
        only(execution_input)
    assert message in str(refused.value)


def test_multi_year_history_accepts_older_days():
    assert only({"date": "2024-01-15"}, STARTED, 38).report_date == date(2024, 1, 15)


@pytest.mark.parametrize(
    ("today", "months", "earliest"),
    [
        (date(2026, 11, 21), 13, date(2025, 10, 1)),
        (date(2026, 1, 1), 13, date(2024, 12, 1)),
        (date(2026, 12, 31), 38, date(2023, 10, 1)),
    ],
)
def test_earliest_reportable_day_is_the_current_month_and_the_n_before_it(today, months, earliest):
    assert earliest_reportable_day(today, months) == earliest


# A bad value is quoted in the refusal, and the refusal becomes the failed execution's cause. Step
# Functions input can be up to 256 KiB, so each message quotes a bounded excerpt of the value (with its
# full length) instead of the value itself, and still says which field was wrong and what it accepts.
HUGE = "x" * 200 * 1024


@pytest.mark.parametrize(
    ("execution_input", "names", "accepts", "length"),
    [
        ({"date": HUGE}, "date:", "YYYY-MM-DD", "204,800 characters"),
        ({"date": "2026-11-20", "force": HUGE}, "force:", "true or false", "204,800 characters"),
        ({"scheduledTime": HUGE}, "scheduledTime:", "2026-11-21T08:00:00Z", "204,800 characters"),
        # Python reads any number of fractional digits, so this one is a time without a zone.
        (
            {"scheduledTime": "2026-11-21T08:00:00." + "0" * (len(HUGE) - 20)},
            "scheduledTime:",
            "add Z or an offset",
            "204,800 characters",
        ),
        (
            {"date": "2026-11-20", HUGE: 1},
            "unknown field(s)",
            "allowed: date, force, scheduledTime",
            "204,800 characters",
        ),
        (HUGE, "the execution input must be a JSON object", '{"date": "2026-11-20"}', "204,800 characters"),
        (
            [HUGE],
            "the execution input must be a JSON object",
            '{"date": "2026-11-20"}',
            "204,804 characters written out",
        ),
    ],
    ids=[
        "date",
        "force",
        "scheduledTime",
        "scheduledTime-without-zone",
        "unknown-field-name",
        "string-input",
        "list-input",
    ],
)
def test_a_200_kb_bad_value_gives_a_short_refusal_that_still_names_the_field(execution_input, names, accepts, length):
    with pytest.raises(InvalidReportRequest) as refused:
        resolve(execution_input, STARTED, 13)
    message = str(refused.value)
    assert len(message) < 1_000, f"{len(message):,} characters"
    assert names in message and accepts in message
    assert f"... ({length})" in message  # an excerpt, saying how long the value really was


def test_thousands_of_unknown_fields_are_counted_not_listed():
    execution_input = {"date": "2026-11-20", **{f"field{i:05}": True for i in range(20_000)}}
    with pytest.raises(InvalidReportRequest) as refused:
        resolve(execution_input, STARTED, 13)
    message = str(refused.value)
    assert len(message) < 1_000
    assert message.startswith("unknown field(s) field00000, field00001") and "and 19,995 more" in message


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-11-20", "'2026-11-20'"),
        (20261120, "20261120"),
        ("y" * 80, repr("y" * 80)[:80] + "... (80 characters)"),
        ("z" * 5000, "'" + "z" * 79 + "... (5,000 characters)"),
        (
            list(range(1000)),
            repr(list(range(1000)))[:80] + f"... ({len(repr(list(range(1000)))):,} characters written out)",
        ),
    ],
    ids=["short-string", "number", "just-over-80-quoted", "long-string", "long-list"],
)
def test_an_excerpt_keeps_80_characters_and_says_how_long_the_value_was(value, shown):
    assert excerpt(value) == shown


def test_a_refusal_is_capped_even_if_a_future_message_forgets_the_excerpt():
    message = str(InvalidReportRequest("date: " + HUGE))
    assert len(message) <= MESSAGE_LIMIT < STEP_FUNCTIONS_CAUSE_LIMIT
    assert message.startswith("date: xxx") and message.endswith(
        f"... (message cut; {len('date: ' + HUGE):,} characters)"
    )
