"""FetchCosts' pure logic: the one query, Cost Explorer pages to a history, the history to the report model
(totals, services, movers, anomalies, new services, month to date, forecast). No boto3, no clock."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fetch_costs.anomalies import band, median
from fetch_costs.history import CREDITS, DISCOUNTS, REFUNDS, TAX, CostDataInvalid, not_ready, parse_history
from fetch_costs.query import build_request, report_window
from fetch_costs.settings import ReportSettings
from fetch_costs.summarise import summarise
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_contract.limits import MAX_LISTED, MAX_MOVERS
from report_contract.wire import plain

from local.cost_explorer import FakeCostExplorer, SyntheticOrganisation
from local.runtime import DEFINITION
from tests.fixtures.cost_explorer_answers import answer, every_day

FIXTURES = Path(__file__).parent.parent / "fixtures" / "cost_explorer"
DAY = date(2026, 11, 20)  # a Friday; the window is 2026-10-01 to 2026-11-21 (End exclusive)
DEFAULT = ReportSettings()
D = Decimal


def history(rows, report_date: date = DAY, **kwargs):
    start, end = report_window(report_date)
    return parse_history(start, end, kwargs.pop("metric", "UnblendedCost"), answer(start, end, rows, **kwargs))


def report(rows, report_date: date = DAY, settings_: ReportSettings = DEFAULT, **kwargs):
    return summarise(history(rows, report_date, **kwargs), report_date, settings_)


def fixture_pages() -> list[dict]:
    return [json.loads((FIXTURES / f"service_and_record_type_page{n}.json").read_text()) for n in (1, 2, 3)]


# --- The query -----------------------------------------------------------------------------------


def test_query_runs_from_the_first_of_last_month_to_the_day_after_the_report_day():
    start, end = report_window(DAY)
    assert (start, end) == (date(2026, 10, 1), date(2026, 11, 21))  # End is exclusive: 20 Nov is included
    request = build_request(start, end, "UnblendedCost")
    assert request["TimePeriod"] == {"Start": "2026-10-01", "End": "2026-11-21"}
    assert request["Granularity"] == "DAILY" and request["Metrics"] == ["UnblendedCost"]
    assert request["GroupBy"] == [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "RECORD_TYPE"}]
    assert "NextPageToken" not in request


@pytest.mark.parametrize(
    ("report_day", "start", "end"),
    [
        (date(2027, 1, 1), date(2026, 12, 1), date(2027, 1, 2)),  # new year's day: last month is last year
        (date(2026, 12, 31), date(2026, 11, 1), date(2027, 1, 1)),  # End runs into the next year
        (date(2028, 3, 1), date(2028, 2, 1), date(2028, 3, 2)),  # after a leap February
    ],
)
def test_query_window_at_month_and_year_boundaries(report_day, start, end):
    assert report_window(report_day) == (start, end)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)))
def test_query_window_always_holds_last_month_and_the_14_days_before(report_day):
    start, end = report_window(report_day)
    assert end == report_day + timedelta(days=1)
    assert start.day == 1 and start <= report_day - timedelta(days=14)
    assert 29 <= (end - start).days <= 62


def test_next_page_request_carries_the_token():
    assert build_request(DAY, DAY + timedelta(days=1), "UnblendedCost", "abc")["NextPageToken"] == "abc"


def test_the_request_is_one_cost_explorer_accepts():
    ce = FakeCostExplorer(SyntheticOrganisation("small", seed=7, today=DAY + timedelta(days=1)))
    answer_ = ce.get_cost_and_usage(build_request(*report_window(DAY), "NetAmortizedCost"))
    assert len(answer_["ResultsByTime"]) == 51


# --- Pages to a history ----------------------------------------------------------------------------


def test_every_page_is_merged_and_a_day_split_across_pages_is_whole():
    pages = fixture_pages()
    assert [p["TimePeriod"]["Start"] for page in pages for p in page["ResultsByTime"]].count("2026-11-20") == 2
    h = parse_history(date(2026, 11, 18), date(2026, 11, 21), "UnblendedCost", pages)
    assert h.requests == 3 and h.currency == "USD"
    day = h.day(DAY)
    assert day.charges == {
        "Amazon Elastic Compute Cloud - Compute": D("39.38"),
        "(no service)": D("0.42"),
        "AWS Support (Business)": D("100"),
    }
    assert day.adjustments == {CREDITS: D("-9.845"), REFUNDS: 0, DISCOUNTS: D("-2.3628"), TAX: D("3.01")}
    assert day.total == D("39.38") + D("0.42") + D("100") - D("9.845") - D("2.3628") + D("3.01")
    assert day.estimated and h.day(date(2026, 11, 19)).adjustments[REFUNDS] == D("-2.5")


@pytest.mark.parametrize("profile", ["small", "large-org"])
def test_every_days_net_total_is_cost_explorers_own_total(profile):
    # Cross-check against an independent, ungrouped query of the same (synthetic) organisation.
    ce = FakeCostExplorer(SyntheticOrganisation(profile, seed=7, today=DAY + timedelta(days=1)))
    start, end = date(2026, 10, 28), date(2026, 11, 4)  # a month boundary: tax and support on the 1st
    h = parse_history(start, end, "UnblendedCost", [ce.get_cost_and_usage(build_request(start, end, "UnblendedCost"))])
    ungrouped = ce.get_cost_and_usage(
        {
            "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
            "Granularity": "DAILY",
            "Metrics": ["UnblendedCost"],
        }
    )
    for period, day in zip(ungrouped["ResultsByTime"], h.days, strict=True):
        assert day.total == D(period["Total"]["UnblendedCost"]["Amount"]), day.day


def test_a_missing_day_is_refused():
    pages = fixture_pages()
    pages[0]["ResultsByTime"].pop(0)
    with pytest.raises(CostDataInvalid, match="no period for 2026-11-18"):
        parse_history(date(2026, 11, 18), date(2026, 11, 21), "UnblendedCost", pages)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda g, p: g["Metrics"]["UnblendedCost"].update(Unit="EUR"), "more than one currency"),
        (lambda g, p: g["Metrics"]["UnblendedCost"].update(Amount="n/a"), "non-numeric amount"),
        (lambda g, p: g["Metrics"]["UnblendedCost"].update(Amount="NaN"), "non-finite"),
        (lambda g, p: g["Metrics"]["UnblendedCost"].update(Amount="Infinity"), "non-finite"),
        (lambda g, p: g.update(Keys=["Amazon EC2"]), "a breakdown key and a RECORD_TYPE key"),
        (lambda g, p: g["Metrics"].clear(), "has no UnblendedCost metric"),
        (lambda g, p: p["TimePeriod"].update(Start="2026-11-17", End="2026-11-18"), "not one of the days"),
        (lambda g, p: p["TimePeriod"].update(End="2026-11-20"), "not one of the days"),
    ],
)
def test_an_answer_that_would_make_a_wrong_report_is_refused(mutate, message):
    pages = fixture_pages()
    period = pages[0]["ResultsByTime"][0]
    mutate(period["Groups"][0], period)
    with pytest.raises(CostDataInvalid) as refused:
        parse_history(date(2026, 11, 18), date(2026, 11, 21), "UnblendedCost", pages)
    assert message in str(refused.value)


def test_currency_comes_from_the_data_and_a_day_without_groups_is_usd_zero():
    assert history(every_day([("Amazon EC2", "Usage", "1")]), currency="EUR").currency == "EUR"
    empty = report(lambda day: [])
    assert (empty.currency, empty.total, empty.top, empty.other) == ("USD", 0, (), None)


# --- A report day Cost Explorer has not processed yet ------------------------------------------------


def test_a_report_day_without_any_group_after_a_day_with_data_is_not_ready():
    reason = not_ready(history(lambda day: [("Amazon EC2", "Usage", "10")] if day < DAY else []), DAY)
    assert reason is not None
    assert "no cost data for 2026-11-20 yet" in reason and "the day before has data (2026-11-19)" in reason
    assert "not marked sent" in reason and "retries" in reason and "redrive" in reason


@pytest.mark.parametrize(
    "rows",
    [
        lambda day: [],  # an account without any spend yet
        every_day([("Amazon EC2", "Usage", "10")]),  # the day has data
        every_day([("AWS Lambda", "Usage", "0"), ("Tax", "Tax", "0.0000000000")]),  # all zero: still data
        lambda day: [("Amazon EC2", "Usage", "10")] if day >= DAY else [],  # its first day is the report day
        lambda day: (
            [("Amazon EC2", "Usage", "10")] if day > DAY - timedelta(days=3) or day < DAY - timedelta(days=9) else []
        ),
        # spend stopped: the day before is missing too, so this is not a day Cost Explorer is still processing
        lambda day: [("Amazon EC2", "Usage", "10")] if day < DAY - timedelta(days=1) else [],
    ],
    ids=["no spend on any day", "spend", "all zero", "first day", "gap before the report day", "spend stopped"],
)
def test_a_day_with_groups_or_an_account_without_any_is_ready(rows):
    assert not_ready(history(rows), DAY) is None


# --- The report day: gross, adjustments, net ------------------------------------------------------


def test_usage_is_gross_and_credits_refunds_discounts_tax_are_their_own_lines():
    r = report(
        {
            DAY: [
                ("Amazon EC2", "Usage", "100"),
                ("Amazon EC2", "Credit", "-25"),
                ("Amazon S3", "Usage", "10"),
                ("Amazon S3", "Refund", "-4"),
                ("Amazon EC2", "Enterprise Discount Program Discount", "-6"),
                ("Tax", "Tax", "7.7"),
            ]
        }
    )
    assert r.breakdown.charges == 110 and r.breakdown.credits == -25 and r.breakdown.refunds == -4
    assert r.breakdown.discounts == -6 and r.breakdown.tax == D("7.7")
    assert r.total == D("82.7")
    assert [(s.name, s.amount) for s in r.top] == [("Amazon EC2", 100), ("Amazon S3", 10)]
    state = r.to_state()
    assert state["total"] == "82.7" and state["breakdown"]["credits"] == "-25"


def test_credits_larger_than_usage_make_a_negative_net_total():
    r = report({DAY: [("Amazon EC2", "Usage", "10.00"), ("Amazon EC2", "Credit", "-25.00")]})
    assert r.total == -15 and r.to_state()["total"] == "-15"


def test_amounts_travel_as_plain_digits_dynamodb_accepts():
    r = report({DAY: [("AWS Lambda", "Usage", "0.0000001"), ("Amazon S3", "Usage", "1.10")]})
    assert r.to_state()["total"] == "1.1000001"
    assert plain(D("1E+3")) == "1000" and plain(D("-0.000")) == "0" and plain(D("1.2300")) == "1.23"


# --- Services: top N, then Other -------------------------------------------------------------------


def test_top_services_then_other_and_nothing_is_dropped():
    rows = [(f"Service {i:02d}", "Usage", str(100 - i)) for i in range(14)]
    r = report({DAY: rows}, settings_=ReportSettings(top_services=10))
    assert [s.name for s in r.top] == [f"Service {i:02d}" for i in range(10)]
    assert r.other.count == 4 and r.other.amount == 90 + 89 + 88 + 87
    assert sum(s.amount for s in r.top) + r.other.amount == r.breakdown.charges
    assert r.service_count == 14


def test_one_service_left_over_is_named_instead_of_other_one_service():
    r = report(
        {DAY: [(f"Service {i}", "Usage", str(10 - i)) for i in range(4)]}, settings_=ReportSettings(top_services=3)
    )
    assert [s.name for s in r.top] == ["Service 0", "Service 1", "Service 2", "Service 3"] and r.other is None


def test_other_carries_the_earlier_days_of_services_that_stopped():
    def rows(day):
        base = [(f"Service {i}", "Usage", "5") for i in range(3)]
        return base + ([("Gone", "Usage", "40")] if day < DAY else [])

    r = report(rows, settings_=ReportSettings(top_services=1))
    assert r.other.count == 2 and r.other.amount == 10  # only services with an entry on the day are counted
    assert r.other.day_before == 5 + 5 + 40  # ...but the day before adds up to that day's charges
    assert r.top[0].day_before + r.other.day_before == 5 + 5 + 5 + 40
    assert r.service_count == 3


def test_each_listed_service_has_14_days_of_trend_ending_on_the_report_day():
    r = report(lambda day: [("Amazon EC2", "Usage", str(day.day))])
    assert r.top[0].trend == tuple(D(d) for d in range(7, 21)) and r.top[0].day_before == 19


# --- Movers ---------------------------------------------------------------------------------------


def _steady_then(day_amounts: dict[str, tuple[str, str]]):
    """Each service costs the first amount every day and the second on the report day."""
    return lambda day: [(name, "Usage", today if day == DAY else usual) for name, (usual, today) in day_amounts.items()]


def test_movers_pass_both_the_absolute_and_the_relative_threshold():
    r = report(
        _steady_then(
            {
                "Big and relative": ("10", "20"),  # +$10, +100%: moves
                "Big but small relative": ("1000", "1050"),  # +$50 but +5%: does not
                "Relative but tiny": ("0.10", "0.50"),  # +400% but +$0.40: does not
                "Falls": ("30", "3"),  # -$27, -90%: moves down
                "Starts": ("0", "12"),  # from nothing: moves
            }
        )
    )
    assert [m.name for m in r.increases] == ["Starts", "Big and relative"]
    assert [m.name for m in r.decreases] == ["Falls"] and r.decreases[0].average == 30


def test_at_most_five_movers_each_way_largest_first():
    r = report(_steady_then({f"S{i}": ("10", str(20 + i)) for i in range(8)}))
    assert len(r.increases) == MAX_MOVERS and [m.name for m in r.increases] == ["S7", "S6", "S5", "S4", "S3"]


# --- Anomalies ------------------------------------------------------------------------------------


def test_median_and_mad_band():
    assert median([D(3), D(1), D(2)]) == 2 and median([D(1), D(2), D(3), D(10)]) == D("2.5")
    m, upper = band([D(10)] * 13 + [D(100)], D(3))
    assert m == 10 and upper == 10  # one past spike does not widen the band


def test_a_spike_far_above_the_services_own_baseline_is_an_anomaly():
    r = report(_steady_then({"Amazon CloudWatch": ("7.20", "50.40"), "Amazon EC2": ("100", "104")}))
    assert [a.name for a in r.anomalies] == ["Amazon CloudWatch"] and r.anomalies[0].baseline == D("7.2")
    assert {s.name: s.flags for s in r.top} == {"Amazon EC2": (), "Amazon CloudWatch": ("anomaly",)}
    assert r.alerts == ["anomaly"]


def test_floors_keep_a_flat_service_from_being_flagged_for_small_rises():
    r = report(_steady_then({"Flat": ("100", "104.99"), "Tiny": ("0.02", "0.90")}))
    assert r.anomalies == ()  # Flat: +$4.99 (< $5); Tiny: +$0.88 (< $5)
    loose = ReportSettings(anomaly_min_amount=D("0.5"), anomaly_min_percent=D(1))
    assert [
        a.name
        for a in report(_steady_then({"Flat": ("100", "104.99"), "Tiny": ("0.02", "0.90")}), settings_=loose).anomalies
    ] == ["Flat", "Tiny"]


def test_weekend_dips_in_the_baseline_do_not_make_a_normal_weekday_an_anomaly():
    r = report(lambda day: [("Compute", "Usage", "55" if day.weekday() >= 5 else "100")])
    assert r.anomalies == ()


def test_a_past_spike_does_not_hide_the_next_one():
    r = report(lambda day: [("Svc", "Usage", "80" if day in (DAY, DAY - timedelta(days=6)) else "10")])
    assert [a.name for a in r.anomalies] == ["Svc"]


def test_no_anomaly_checks_without_seven_days_of_history():
    r = report(lambda day: [("Svc", "Usage", "500" if day == DAY else "1")] if day >= DAY - timedelta(days=5) else [])
    assert r.anomalies == () and r.baseline_days == 5


def test_anomalies_listed_are_capped_but_counted():
    r = report(_steady_then({f"S{i:02d}": ("1", "100") for i in range(15)}))
    assert r.anomaly_count == 15 and len(r.anomalies) == MAX_LISTED


# --- New services ---------------------------------------------------------------------------------


def test_a_service_first_seen_three_days_ago_is_new():
    r = report(
        lambda day: (
            [("Amazon EC2", "Usage", "10")]
            + ([("Amazon Bedrock", "Usage", "3.8")] if day >= DAY - timedelta(days=2) else [])
        )
    )
    [new] = r.new_services
    assert (new.name, new.first_day, new.amount) == ("Amazon Bedrock", DAY - timedelta(days=2), D("3.8"))
    assert "newService" in r.alerts and r.top[1].flags == ("new",)


def test_a_service_first_seen_before_the_new_service_window_is_not_new():
    r = report(
        lambda day: (
            [("Amazon EC2", "Usage", "10")]
            + ([("Amazon Bedrock", "Usage", "3.8")] if day >= DAY - timedelta(days=7) else [])
        )
    )
    assert r.new_services == ()
    assert (
        report(
            lambda day: (
                [("Amazon EC2", "Usage", "10")]
                + ([("Amazon Bedrock", "Usage", "3.8")] if day >= DAY - timedelta(days=7) else [])
            ),
            settings_=ReportSettings(new_service_days=8),
        ).new_service_count
        == 1
    )


def test_free_tier_entries_at_zero_are_not_a_first_cost():
    r = report(lambda day: [("Amazon EC2", "Usage", "10"), ("AWS Glue", "Usage", "0" if day < DAY else "2")])
    assert [n.name for n in r.new_services] == ["AWS Glue"]


def test_in_a_brand_new_account_no_service_is_new():
    r = report(lambda day: [("Amazon EC2", "Usage", "10")] if day >= DAY - timedelta(days=1) else [])
    assert r.new_services == () and r.alerts == []


# --- Amounts that round to nothing are no news -------------------------------------------------------
# Cost Explorer has amounts to 10 decimal places; the email shows them to the currency's minor unit. A
# service is never new, a mover or an anomaly (nor flagged as one) for an amount shown as $0.00.

SUB_CENT = ["-0.0000000001", "0.0000000001", "0.0049", "-0.0049"]
NO_NEWS = ReportSettings(
    mover_min_amount=D(0), mover_min_percent=D(0), anomaly_min_amount=D(0), anomaly_min_percent=D(0)
)


@pytest.mark.parametrize("amount", SUB_CENT)
def test_a_sub_cent_amount_does_not_make_a_service_new(amount):
    r = report(lambda day: [("Amazon EC2", "Usage", "10")] + ([("AWS Glue", "Usage", amount)] if day == DAY else []))
    assert r.new_services == () and r.new_service_count == 0 and "newService" not in r.alerts
    assert {s.name: s.flags for s in r.top}["AWS Glue"] == ()


@pytest.mark.parametrize("amount", SUB_CENT)
def test_a_service_is_new_from_its_first_cost_that_shows_as_at_least_a_cent(amount):
    # Sub-cent amounts 10 days ago, its first real cost yesterday: new since yesterday
    r = report(
        lambda day: (
            [("Amazon EC2", "Usage", "10")]
            + ([("AWS Glue", "Usage", amount)] if day == DAY - timedelta(days=10) else [])
            + ([("AWS Glue", "Usage", "3.8")] if day >= DAY - timedelta(days=1) else [])
        )
    )
    assert [(n.name, n.first_day) for n in r.new_services] == [("AWS Glue", DAY - timedelta(days=1))]


@pytest.mark.parametrize(
    ("amount", "currency", "new"),
    [
        ("0.005", "USD", True),
        ("-0.005", "USD", True),
        ("0.4", "JPY", False),
        ("0.5", "JPY", True),
        ("0.0004", "KWD", False),
        ("0.0005", "KWD", True),
    ],
)
def test_what_rounds_to_nothing_is_to_the_minor_unit_of_the_reports_currency(amount, currency, new):
    r = report(
        lambda day: [("Amazon EC2", "Usage", "10")] + ([("AWS Glue", "Usage", amount)] if day == DAY else []),
        currency=currency,
    )
    assert bool(r.new_services) is new


@pytest.mark.parametrize(
    ("usual", "today"),
    [
        ("0", "0.0000000001"),
        ("0", "-0.0000000001"),
        ("0", "0.0049"),
        ("0", "-0.0049"),
        ("0.004", "-0.004"),
        ("-0.0049", "0.0049"),
        ("100", "100.0049"),
        ("100", "99.9951"),
    ],
)
def test_a_change_that_shows_as_nothing_is_not_a_mover_even_with_no_thresholds(usual, today):
    r = report(_steady_then({"Tiny": (usual, today), "Moves": ("1", "1.01")}), settings_=NO_NEWS)
    assert [m.name for m in r.increases + r.decreases] == ["Moves"]  # a cent is a move at thresholds of 0


@pytest.mark.parametrize(
    ("usual", "today"),
    [("0", "0.0000000001"), ("0", "0.0049"), ("-1", "-0.0000000001"), ("-1", "-0.0049"), ("5", "5.0049")],
)
def test_a_sub_cent_amount_or_excess_is_not_an_anomaly_even_with_no_floors(usual, today):
    r = report(_steady_then({"Tiny": (usual, today), "Spikes": ("1", "1.01")}), settings_=NO_NEWS)
    assert [a.name for a in r.anomalies] == ["Spikes"] and r.anomaly_count == 1
    assert {s.name: s.flags for s in r.top}["Tiny"] == ()


def test_the_minor_units_are_the_ones_the_email_rounds_to():
    from render_email.money import Currency
    from report_contract.currency import THREE_DECIMALS, ZERO_DECIMALS, minor_units

    for code in sorted(ZERO_DECIMALS | THREE_DECIMALS | {"USD", "EUR", "GBP", "CHF", "BHD", "JPY", "XYZ"}):
        assert minor_units(code) == Currency.of(code).minor_units, code


# --- Month to date, last month, forecast -----------------------------------------------------------


def test_month_to_date_against_the_same_days_of_last_month_and_last_month():
    r = report(lambda day: [("Svc", "Usage", "10" if day.month == 11 else "8")])
    assert r.month_to_date.total == 200 and (r.month_to_date.start, r.month_to_date.end) == (date(2026, 11, 1), DAY)
    assert r.last_month_to_date.total == 160 and r.last_month_to_date.end == date(2026, 10, 20)
    assert r.last_month.total == 8 * 31 and not r.last_month.estimated


def test_same_days_of_last_month_stop_at_its_last_day():
    r = report(every_day([("Svc", "Usage", "1")]), report_date=date(2027, 3, 30))
    assert (r.last_month_to_date.start, r.last_month_to_date.end) == (date(2027, 2, 1), date(2027, 2, 28))


def test_last_month_is_estimated_until_its_bill_is_final():
    r = report(every_day([("Svc", "Usage", "1")]), report_date=date(2026, 11, 3), estimated_from=date(2026, 10, 1))
    assert r.last_month.estimated and r.month_to_date.estimated


def test_forecast_is_month_to_date_plus_the_remaining_days_at_the_7_day_average():
    r = report(every_day([("Svc", "Usage", "10")]))
    assert (r.forecast.total, r.forecast.run_rate, r.forecast.remaining_days, r.forecast.basis_days) == (300, 10, 10, 7)


def test_forecast_on_the_first_of_the_month_rests_on_the_last_week_not_on_one_day():
    first = date(2026, 12, 1)
    rows = lambda day: (
        [("Svc", "Usage", "10")]
        + ([("Tax", "Tax", "70"), ("AWS Support (Business)", "Support fee", "100")] if day.day == 1 else [])
    )
    r = report(rows, report_date=first)
    assert r.month_to_date.total == 180  # the 1st: usage, tax and support
    assert r.forecast.run_rate == 10 and r.forecast.total == 180 + 30 * 10  # one-off charges are not projected


def test_forecast_says_not_enough_history_for_a_two_day_old_account():
    r = report(lambda day: [("Svc", "Usage", "10")] if day >= DAY - timedelta(days=1) else [])
    assert r.forecast.total is None and r.forecast.basis_days == 2
    assert r.average.days == 1 and r.last_month is None


def test_forecast_never_projects_credits_below_the_month_to_date():
    rows = lambda day: [("Svc", "Usage", "10"), ("Svc", "Credit", "-30" if day >= DAY - timedelta(days=3) else "0")]
    r = report(rows)
    assert r.forecast.run_rate == 0 and r.forecast.total == r.month_to_date.total


def test_a_monthly_support_fee_on_the_first_is_not_an_anomaly_or_a_mover():
    rows = lambda day: (
        [("Svc", "Usage", "10")] + ([("AWS Support (Business)", "Support fee", "100")] if day.day == 1 else [])
    )
    r = report(rows, report_date=date(2026, 12, 1))
    assert r.anomalies == () and r.increases == () and r.top[0].name == "AWS Support (Business)"


def test_a_refund_is_not_projected():
    r = report(lambda day: [("Svc", "Usage", "10")] + ([("Svc", "Refund", "-50")] if day == DAY else []))
    assert r.forecast.run_rate == 10


def test_forecast_on_the_last_day_of_the_month_is_the_month_to_date():
    r = report(every_day([("Svc", "Usage", "10")]), report_date=date(2026, 11, 30))
    assert r.forecast.remaining_days == 0 and r.forecast.total == r.month_to_date.total == 300


# --- Budget, alerts, the state ---------------------------------------------------------------------


def test_over_budget_is_an_alert_after_anomalies():
    rows = _steady_then({"Amazon CloudWatch": ("7.20", "50.40"), "Amazon EC2": ("100", "104")})
    assert report(rows, settings_=ReportSettings(daily_budget=D(150))).alerts == ["anomaly", "overBudget"]
    assert report(rows, settings_=ReportSettings(daily_budget=D(160))).alerts == ["anomaly"]


def test_the_definition_passes_the_state_through_whole_and_it_is_plain_json():
    # The report's fields are defined once, by the report model: the definition lists none of them.
    selected = json.loads(DEFINITION.read_text())["States"]["FetchCosts"]["ResultSelector"]
    assert list(selected.values()) == ["$.Payload"]
    state = report(every_day([("Svc", "Usage", "1")])).to_state()
    assert json.loads(json.dumps(state)) == state  # plain JSON: strings, numbers, booleans, null


def test_the_state_stays_small_for_a_thousand_services_with_long_names():
    rows = [(f"{i:04d} " + "Service with a long name " * 8, "Usage", str(D(i) / 7)) for i in range(1000)]
    state = report(every_day(rows), settings_=ReportSettings(top_services=20)).to_state()
    assert len(json.dumps(state).encode()) < 40_000 and state["services"]["other"]["count"] == 980


@pytest.mark.parametrize("profile", ["small", "large-org"])
def test_the_synthetic_organisation_shows_a_spike_a_new_service_movers_and_credits(profile, synthetic_reports):
    r = synthetic_reports[profile]
    assert [a.name for a in r.anomalies][:1] == ["Amazon CloudWatch"]  # the spike on today - 1
    assert "Amazon Bedrock" in {n.name for n in r.new_services}  # first cost on today - 3
    assert r.increases and r.breakdown.credits < 0
    assert r.alerts[0] == "anomaly"


@pytest.fixture(scope="module")
def synthetic_reports():
    reports = {}
    for profile in ("small", "large-org"):
        ce = FakeCostExplorer(SyntheticOrganisation(profile, seed=7, today=DAY + timedelta(days=1)))
        start, end = report_window(DAY)
        pages = ce.all_pages(build_request(start, end, "UnblendedCost"))
        reports[profile] = summarise(parse_history(start, end, "UnblendedCost", pages), DAY, DEFAULT)
    return reports


# --- Property: any history summarises, reconciles and stays small ---------------------------------

services = st.sampled_from(
    ["Amazon EC2", "AWS Lambda", "", "Tax", "<b>&amp;</b>", "名前 🚀", "x" * 300, "Other (3 services)"]
)
record_types = st.sampled_from(
    [
        "Usage",
        "Usage",
        "Credit",
        "Refund",
        "Tax",
        "Enterprise Discount Program Discount",
        "Support fee",
        "SavingsPlanNegation",
        "DiscountedUsage",
        "RIFee",
        "SavingsPlanCoveredUsage",
        "Future Charge Type",
        "Another New Type",
    ]
)
amounts = st.one_of(
    st.just(D(0)),
    st.decimals(min_value=D("-1000"), max_value=D("1000"), places=10, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=D("-1e14"), max_value=D("1e14"), places=2, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.tuples(st.integers(0, 50), services, record_types, amounts), max_size=60),
    report_day=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
    top=st.integers(1, 20),
    budget=st.one_of(st.none(), st.decimals(min_value=D("0.01"), max_value=D("1e6"), places=2)),
)
def test_any_history_summarises_reconciled_and_small(rows, report_day, top, budget):
    start, end = report_window(report_day)
    by_day: dict[date, list] = {}
    for offset, service, record_type, amount in rows:
        day = end - timedelta(days=1 + offset % (end - start).days)
        by_day.setdefault(day, []).append((service, record_type, amount))
    h = parse_history(start, end, "UnblendedCost", answer(start, end, by_day, page_size=7))
    r = summarise(h, report_day, ReportSettings(top_services=top, daily_budget=budget))
    day_rows = by_day.get(report_day, [])
    assert r.total == sum((D(str(a)) for _, _, a in day_rows), D(0))
    listed = sum((s.amount for s in r.top), D(0)) + (r.other.amount if r.other else 0)
    assert listed == r.breakdown.charges
    assert r.breakdown.total == r.total
    state = json.loads(json.dumps(r.to_state()))
    assert len(json.dumps(state).encode()) < 64 * 1024
    assert D(state["total"]) == r.total and "E" not in state["total"]
    if r.forecast.total is not None:
        assert r.forecast.total >= r.month_to_date.total
