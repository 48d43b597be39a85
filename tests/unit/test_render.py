"""RenderEmail's pure logic: money, reconciliation, the subject and headline, the sections, HTML that mail
clients render, the text part, and the size caps. Report models are made the way production makes them
(FetchCosts' summarise, then JSON, then RenderEmail's parser), so these tests hold the contract too."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fetch_costs.history import parse_history
from fetch_costs.query import report_window
from fetch_costs.settings import ReportSettings
from fetch_costs.summarise import summarise
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from render_email.charts import BAR, BAR_ALERT, BAR_TODAY
from render_email.headline import MAX_SUBJECT_CHARS, fitted_subject
from render_email.labels import HTML_NAME_CHARS
from render_email.money import Currency, format_money, format_percent, format_share, largest_remainder
from render_email.render import MAX_HTML_BYTES, MAX_TEXT_BYTES, build_view, render_report
from render_email.request import RenderRequest
from render_email.text import display_width
from report_contract import CostReport, InvalidReport, Revised
from report_contract.limits import STATE_PAYLOAD_BYTES as PAYLOAD_LIMIT

from tests.fixtures.cost_explorer_answers import answer, every_day

DAY = date(2026, 11, 20)  # a Friday
D = Decimal
GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def state(rows, report_date: date = DAY, settings_: ReportSettings = ReportSettings(), **kwargs) -> dict:
    """The FetchCosts result for a dataset, as it travels through the state machine (JSON)."""
    start, end = report_window(report_date)
    history = parse_history(start, end, kwargs.get("metric", "UnblendedCost"), answer(start, end, rows, **kwargs))
    return json.loads(json.dumps(summarise(history, report_date, settings_).to_state()))


def model(rows, report_date: date = DAY, settings_: ReportSettings = ReportSettings(), **kwargs) -> CostReport:
    return RenderRequest.from_event(
        {"reportDate": report_date.isoformat(), "costs": state(rows, report_date, settings_, **kwargs)}
    ).costs


def only_today(rows, report_date: date = DAY):
    return lambda day: rows if day == report_date else []


def steady_then(day_amounts: dict[str, tuple[str, str]], report_date: date = DAY):
    return lambda day: [
        (n, "Usage", today if day == report_date else usual) for n, (usual, today) in day_amounts.items()
    ]


def shown(money: str) -> Decimal:
    """The amount a reader sees: "-$1,234.57" -> Decimal("-1234.57")."""
    return Decimal(re.sub(r"[^0-9.\-]", "", money))


def send_email_input(costs: dict, email: dict) -> dict:
    """The largest state document: what SendEmail receives (request, claim read, costs and the email)."""
    return {
        "scheduledTime": "2026-11-21T08:00:00Z",
        "request": {"reportDate": DAY.isoformat(), "trigger": "schedule", "force": False, "expiresAt": "1800000000"},
        "existing": {},
        "costs": costs,
        "email": email,
    }


def payload_bytes(document: dict) -> int:
    return max(len(json.dumps(document, ensure_ascii=flag).encode()) for flag in (True, False))


# --- Money formatting per currency ---------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "units", "expected"),
    [
        ("USD", 123457, "$1,234.57"),
        ("USD", -120, "-$1.20"),
        ("USD", 0, "$0.00"),
        ("USD", 5, "$0.05"),
        ("USD", 100_000_000_000, "$1,000,000,000.00"),
        ("EUR", 123457, "€1,234.57"),
        ("GBP", 99, "£0.99"),
        ("JPY", 1235, "¥1,235"),
        ("KRW", -5000, "-₩5,000"),
        ("KWD", 1234567, "KWD 1,234.567"),
        ("CHF", 123457, "CHF 1,234.57"),
        ("SEK", -50, "-SEK 0.50"),
    ],
)
def test_format_money(code: str, units: int, expected: str) -> None:
    assert format_money(units, Currency.of(code)) == expected


@pytest.mark.parametrize(("tenths", "expected"), [(658, "65.8%"), (1000, "100.0%"), (0, "0.0%"), (-3, "-0.3%")])
def test_format_share(tenths: int, expected: str) -> None:
    assert format_share(tenths) == expected


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (Fraction(12, 100), "+12%"),
        (Fraction(-34, 1000), "-3.4%"),
        (Fraction(0), "0%"),
        (Fraction(1, 10**6), "0%"),
        (Fraction(6), "+600%"),
        (Fraction(-1), "-100%"),
        (Fraction(123456), "+12,345,600%"),
    ],
)
def test_format_percent(ratio: Fraction, expected: str) -> None:
    assert format_percent(ratio) == expected


def test_largest_remainder_gives_the_missing_units_to_the_largest_remainders() -> None:
    assert largest_remainder([Fraction(1)] * 3, 3) == [1, 1, 1]
    assert largest_remainder([Fraction("0.5"), Fraction("0.5"), Fraction("0.2")], 1) == [1, 0, 0]
    assert largest_remainder([Fraction("-0.4"), Fraction("-0.4"), Fraction("-0.2")], -1) == [0, -1, 0]


def test_yen_report_rounds_to_whole_yen_everywhere() -> None:
    email = render_report(
        model(only_today([("Amazon EC2", "Usage", "1234.5"), ("AWS Lambda", "Usage", "10.2")]), currency="JPY")
    )
    assert email.subject == "AWS costs Fri 20 Nov: ¥1,245"
    assert "¥1,235" in email.html and "¥10" in email.html
    assert "¥1,245" in email.text and "$" not in email.text.split("Fetched with")[0]


def test_currency_is_never_assumed_to_be_dollars() -> None:
    email = render_report(model(every_day([("Amazon EC2", "Usage", "99.99")]), currency="EUR"))
    assert "€99.99" in email.subject and "€99.99" in email.html and "€99.99" in email.text
    assert "$" not in email.subject
    # The only dollars are Cost Explorer's own price, which AWS charges in USD.
    assert re.findall(r"\$[0-9.,]+", email.html + email.text) == ["$0.01"] * 2


# --- Reconciliation: rows add up to the lines, the lines to the total, to the cent ------------


def assert_reconciles(report: CostReport) -> None:
    view = build_view(report)
    *parts, total = view.lines
    assert total.is_total and total.amount == view.total
    if view.lines[0].label == "Charges (gross)":
        assert sum(line.units for line in parts) == total.units
        charges = parts[0].units
    else:
        charges = total.units
    if view.rows:
        assert sum(row.units for row in view.rows) == charges
    if view.has_shares:
        assert sum(shown(row.share) for row in view.rows) == Decimal("100.0")
    exact = Fraction(report.total) * Currency.of(report.currency).scale
    assert abs(total.units - exact) <= Fraction(1, 2)  # the total is rounded, never adjusted


def test_three_half_cents_show_as_two_cents_that_add_up() -> None:
    report = model(only_today([("A", "Usage", "0.005"), ("B", "Usage", "0.005"), ("C", "Usage", "0.005")]))
    assert_reconciles(report)
    view = build_view(report)
    assert [row.amount for row in view.rows] == ["$0.01", "$0.01", "$0.00"] and view.total == "$0.02"


def test_credits_refunds_discounts_and_tax_are_lines_between_the_gross_and_the_net() -> None:
    report = model(
        only_today(
            [
                ("Amazon EC2", "Usage", "100.004"),
                ("Amazon EC2", "Credit", "-25.003"),
                ("Amazon S3", "Usage", "10.001"),
                ("Amazon S3", "Refund", "-4.004"),
                ("Amazon EC2", "Enterprise Discount Program Discount", "-6.003"),
                ("Tax", "Tax", "7.7"),
            ]
        )
    )
    assert_reconciles(report)
    view = build_view(report)
    assert [(line.label, line.amount) for line in view.lines] == [
        ("Charges (gross)", "$110.00"),
        ("Credits", "-$25.00"),
        ("Refunds", "-$4.00"),
        ("Discounts", "-$6.00"),
        ("Tax", "$7.70"),
        ("Net total", "$82.70"),
    ]  # 110.005 - 25.003 - 4.004 - 6.003 + 7.7 = 82.695
    email = render_report(report)
    for label in ("Charges (gross)", "Credits", "Refunds", "Discounts", "Net total"):
        assert label in email.html and label in email.text
    assert "Unblended cost incl. adjustments (USD)" in email.text
    # The metric's name is never made into another metric's: "Net unblended cost" is NetUnblendedCost.
    assert "Net unblended cost" not in email.text


@pytest.mark.parametrize(
    ("metric", "label"),
    [
        ("UnblendedCost", "Unblended cost"),
        ("NetUnblendedCost", "Net unblended cost"),
        ("AmortizedCost", "Amortized cost"),
    ],
)
def test_the_total_is_labelled_with_its_metric_and_says_when_it_includes_adjustments(metric, label) -> None:
    report = replace(model(only_today([("Amazon EC2", "Usage", "10"), ("Amazon EC2", "Credit", "-2")])), metric=metric)
    assert build_view(report).total_label == f"{label} incl. adjustments"
    assert "Net net" not in build_view(report).total_label


def test_a_change_that_rounds_to_0_percent_shows_its_money_not_an_empty_arrow() -> None:
    from render_email.money import Money

    change = Money("USD").change(Decimal("1000.30"), Decimal("1000"))
    assert change.direction == 1 and not any(c in "123456789" for c in change.percent)
    assert change.short == "+$0.30"
    assert Money("USD").change(Decimal("1000"), Decimal("1000")).short in ("0%", "0.0%")  # flat: no arrow
    assert Money("USD").change(Decimal("1012"), Decimal("1000")).short == "▲ 1.2%"


def test_without_adjustments_there_is_one_total_line() -> None:
    view = build_view(model(only_today([("Amazon EC2", "Usage", "10")])))
    assert [(line.label, line.amount) for line in view.lines] == [("Total", "$10.00")]


def test_a_net_credit_day_reconciles_and_is_shown_negative() -> None:
    report = model(only_today([("Amazon EC2", "Usage", "10.00"), ("Amazon EC2", "Credit", "-25.00")]))
    assert_reconciles(report)
    email = render_report(report)
    assert "-$15.00" in email.subject and "-$15.00" in email.html and "-$15.00" in email.text


def test_credits_that_cancel_out_exactly_are_not_a_no_spend_day() -> None:
    view = build_view(model(only_today([("Amazon EC2", "Usage", "5.00"), ("Amazon EC2", "Credit", "-5.00")])))
    assert not view.no_spend and view.total == "$0.00"


def test_shares_add_up_to_one_hundred_percent() -> None:
    view = build_view(model(only_today([("A", "Usage", "1"), ("B", "Usage", "1"), ("C", "Usage", "1")])))
    assert sorted(row.share for row in view.rows) == ["33.3%", "33.3%", "33.4%"]


def test_no_shares_when_the_charges_are_not_positive() -> None:
    view = build_view(model(only_today([("A", "Usage", "-1"), ("B", "Usage", "0.5")])))
    assert not view.has_shares and all(row.share == "" for row in view.rows)


# --- The services table -------------------------------------------------------------------------


def test_top_services_then_other_with_the_count_of_the_rest() -> None:
    report = model(
        only_today([(f"Service {i:02d}", "Usage", str(100 - i)) for i in range(14)]),
        settings_=ReportSettings(top_services=10),
    )
    view = build_view(report)
    assert [row.label for row in view.rows][-1] == "Other (4 services)" and view.rows[-1].is_other
    assert view.rows[-1].amount == "$354.00"
    email = render_report(report)
    assert "Other (4 services)" in email.html and "Other (4 services)" in email.text
    assert_reconciles(report)
    assert [row.count for row in view.rows] == [1] * 10 + [4]  # how many lines each row adds up


def test_the_view_names_the_report_its_period_and_its_alerts_worst_first() -> None:
    report = model(every_day([("Svc", "Usage", "10")]), settings_=ReportSettings(daily_budget=D("9")))
    view = build_view(report)
    assert (view.report_id, view.period.kind, view.period.start) == ("daily", "day", DAY)
    assert view.alert_codes == ("overBudget",) == tuple(report.alerts)


def test_each_row_has_a_14_day_trend_and_the_change_against_the_day_before() -> None:
    report = model(steady_then({"Amazon CloudWatch": ("7.20", "50.40"), "Amazon EC2": ("100", "101")}))
    rows = {row.label: row for row in build_view(report).rows}
    watch = rows["Amazon CloudWatch"]
    assert len(watch.bars) == 14 and watch.bars[-1].height == 16 and watch.bars[0].height == 2
    assert watch.bars[-1].color == BAR_ALERT and watch.flags == ("Anomaly",)  # the anomalous day stands out
    ec2 = rows["Amazon EC2"].bars
    assert {bar.color for bar in ec2[:-1]} == {BAR} and ec2[-1].color == BAR_TODAY  # the report day in its own hue
    assert watch.change.short == "▲ 600%" and watch.change.tone == "up"
    assert rows["Amazon EC2"].change.short == "▲ 1.0%" and rows["Amazon EC2"].change.tone == ""  # not notable
    assert watch.spark == "▂" * 13 + "█"
    assert watch.spark in render_report(report).text


# --- Headline: comparisons, month to date, forecast, last month, budget -------------------------


def test_headline_compares_with_the_day_before_and_the_7_day_average() -> None:
    report = model(
        lambda day: [("Svc", "Usage", "120" if day == DAY else "100" if day == DAY - timedelta(days=1) else "90")]
    )
    view = build_view(report)
    assert [(s.label, s.value, s.note) for s in view.changes] == [
        ("vs Thu 19 Nov", "+$20.00", "+20%; was $100.00"),
        ("vs average of the 7 days before", "+$28.57", "+31%; average $91.43"),
    ]


def test_month_to_date_forecast_and_last_month_are_in_the_headline() -> None:
    view = build_view(model(lambda day: [("Svc", "Usage", "10" if day.month == 11 else "8")]))
    stats = {s.label: s for s in view.stats}
    assert stats["Month to date"].value == "$200.00"
    assert stats["Month to date"].note == "20 days · +25% vs $160.00 on 1–20 Oct"
    assert stats["November forecast"].value == "$300.00"
    assert stats["November forecast"].note == "10 more days at $10.00 a day, the run rate of the last 7 days"
    assert (stats["October"].value, stats["October"].note) == ("$248.00", "final")


def test_a_young_account_gets_no_silly_forecast() -> None:
    report = model(lambda day: [("Svc", "Usage", "10")] if day >= DAY - timedelta(days=1) else [])
    view = build_view(report)
    stats = {s.label: s for s in view.stats}
    assert stats["November forecast"].value == "Not enough history"
    assert "this account has 2 days" in stats["November forecast"].note
    assert "October" not in stats and "Anomaly checks start once there are 7 days" in view.anomaly_note
    assert "(+0%" not in view.subject and view.subject.endswith("$10.00 (0% vs 1-day avg)")


@pytest.mark.parametrize(
    ("budget", "value", "note", "alert"),
    [("9", "$1.00 over", "111% of $9.00", True), ("12.5", "$2.50 left", "80% of $12.50 used", False)],
)
def test_budget_says_how_the_day_compares(budget: str, value: str, note: str, alert: bool) -> None:
    report = model(every_day([("Svc", "Usage", "10")]), settings_=ReportSettings(daily_budget=D(budget)))
    view = build_view(report)
    stat = next(s for s in view.stats if s.label == "Daily budget")
    assert (stat.value, stat.note) == (value, note)
    assert view.subject.startswith("⚠ Over budget · ") is alert


# --- Subject ----------------------------------------------------------------------------------


def test_subject_leads_with_the_worst_status_then_day_total_and_change() -> None:
    report = model(
        lambda day: (
            [("Amazon CloudWatch", "Usage", "50.40" if day == DAY else "7.20"), ("Amazon EC2", "Usage", "100")]
            + ([("Amazon Bedrock", "Usage", "3.78")] if day >= DAY - timedelta(days=2) else [])
        ),
        settings_=ReportSettings(daily_budget=D(150)),
    )
    assert report.alerts == ["anomaly", "overBudget", "newService"]
    subject = build_view(report).subject
    assert (
        subject == "⚠ Anomaly · Over budget · New service · AWS costs Fri 20 Nov: $154.18 (+43% vs 7-day avg)"
        or len(subject) <= MAX_SUBJECT_CHARS
    )
    assert subject.startswith("⚠ Anomaly · ") and "AWS costs Fri 20 Nov: $154.18" in subject
    assert len(subject) <= MAX_SUBJECT_CHARS


def test_subject_on_a_quiet_day() -> None:
    assert (
        build_view(model(every_day([("Svc", "Usage", "10")]))).subject
        == "AWS costs Fri 20 Nov: $10.00 (0% vs 7-day avg)"
    )


@pytest.mark.parametrize("currency", ["USD", "KWD", "CHF"])
def test_subject_stays_phone_short_for_the_largest_amount(currency: str) -> None:
    report = model(
        lambda day: (
            [("Amazon EC2", "Usage", "99999999999999.999" if day == DAY else "1")]
            + ([("New", "Usage", "1")] if day == DAY else [])
        ),
        currency=currency,
        settings_=ReportSettings(daily_budget=D(1)),
    )
    subject = build_view(report).subject
    assert len(subject) <= MAX_SUBJECT_CHARS and subject.startswith("⚠ Anomaly")


# --- A forced resend ---------------------------------------------------------------------------

FIRST_SENT = datetime(2026, 11, 21, 8, 0, 7, 123000, tzinfo=UTC)
RESENT = "Resent on request: first sent Sat 21 Nov 2026, 08:00 UTC"


def test_a_forced_resend_says_so_in_the_subject_and_the_header_with_the_first_send_time() -> None:
    report = model(every_day([("Svc", "Usage", "10")]))

    resend, first = render_report(report, FIRST_SENT), render_report(report)

    assert resend.subject == "Resent · AWS costs Fri 20 Nov: $10.00 (0% vs 7-day avg)"
    assert RESENT in resend.html and RESENT in resend.text.splitlines()[1]
    assert "Resent" not in first.subject + first.html + first.text


def test_the_first_send_time_is_shown_in_utc_whatever_its_offset() -> None:
    in_paris = FIRST_SENT.astimezone(timezone(timedelta(hours=1)))
    assert RESENT in render_report(model(every_day([("Svc", "Usage", "10")])), in_paris).text


def test_a_resent_weekly_or_monthly_report_says_so_too() -> None:
    report = CostReport.from_state(json.loads((GOLDEN / "monthly.costs.json").read_text(encoding="utf-8")))

    email = render_report(report, FIRST_SENT)

    assert email.subject.startswith("Resent · ") and "November 2026" in email.subject
    assert RESENT in email.html and RESENT in email.text


def test_the_other_statuses_go_first_then_resent_then_the_change_and_never_the_worst_status() -> None:
    report = model(
        lambda day: (
            [("Amazon CloudWatch", "Usage", "50.40" if day == DAY else "7.20"), ("Amazon EC2", "Usage", "100")]
            + ([("Amazon Bedrock", "Usage", "3.78")] if day >= DAY - timedelta(days=2) else [])
        ),
        settings_=ReportSettings(daily_budget=D(150)),
    )
    shapes = []
    for digits in range(1, 60):  # an ever longer total squeezes the rest out, one part at a time
        subject = fitted_subject(report, "Fri 20 Nov", "$" + "9" * digits, " (+43% vs 7-day avg)", resent=True)
        shape = (subject.startswith("Resent · "), subject.count(" · "), subject.endswith("avg)"))
        if not shapes or shapes[-1] != shape:
            shapes.append(shape)
        assert "⚠ Anomaly · AWS costs" in subject or "Over budget · New service · AWS costs" in subject

    # All three statuses do not fit even with the shortest total: the other statuses go first, then Resent,
    # then the change (Resent back while it then fits); the worst status and the total stay.
    assert shapes == [(True, 2, True), (False, 1, True), (True, 2, False), (False, 1, False)]


# --- Alerts and movers --------------------------------------------------------------------------


def test_anomalies_and_new_services_are_listed_before_the_services() -> None:
    report = model(
        lambda day: (
            [("Amazon CloudWatch", "Usage", "50.40" if day == DAY else "7.20"), ("Amazon EC2", "Usage", "100")]
            + ([("Amazon Bedrock", "Usage", "3.78")] if day >= DAY - timedelta(days=2) else [])
        )
    )
    email = render_report(report)
    assert "Anomaly: Amazon CloudWatch</strong> $50.40, usually $7.20: +$43.20 (+600%)" in email.html
    assert "New service: Amazon Bedrock</strong> first cost on Wed 18 Nov; $3.78 on the report day" in email.html
    assert email.html.index("Anomaly: Amazon CloudWatch") < email.html.index("Cost by service")
    text = " ".join(email.text.split())  # the text part wraps at 78 columns
    assert "! Anomaly: Amazon CloudWatch $50.40, usually $7.20: +$43.20 (+600%)" in text
    assert "* New service: Amazon Bedrock, first cost on Wed 18 Nov; $3.78 on the report day" in text


def test_a_new_service_that_is_also_an_anomaly_is_listed_once() -> None:
    report = model(
        lambda day: [("Amazon EC2", "Usage", "100")] + ([("Amazon Bedrock", "Usage", "80")] if day == DAY else [])
    )
    view = build_view(report)
    assert [a.detail for a in view.anomalies] == ["$80.00, new: first cost on Fri 20 Nov"] and view.new_services == ()


def test_movers_show_the_average_and_the_change() -> None:
    report = model(steady_then({"Up": ("10", "20"), "Down": ("30", "3"), "Flat": ("50", "50")}))
    view = build_view(report)
    assert [(m.label, m.amount, m.average, m.change.long) for m in view.increases + view.decreases] == [
        ("Up", "$20.00", "$10.00", "+$10.00 (+100%)"),
        ("Down", "$3.00", "$30.00", "-$27.00 (-90%)"),
    ]
    email = render_report(report)
    assert "Top movers" in email.html and "Top movers" in email.text
    assert "▼  Down" in email.text and "-$27.00 (-90%)" in email.text


# --- No spend, estimated, link -------------------------------------------------------------------


@pytest.mark.parametrize(
    "rows",
    [lambda day: [], every_day([("Tax", "Tax", "0"), ("AWS Lambda", "Usage", "0.0000000000")])],
    ids=["no groups", "only zero amounts"],
)
def test_a_day_with_no_spend_says_so_plainly(rows) -> None:
    email = render_report(model(rows))
    assert email.subject == "AWS costs Fri 20 Nov: $0.00 (no spend)"
    assert "No AWS spend was recorded for Fri 20 Nov 2026." in email.html
    assert "No AWS spend was recorded for Fri 20 Nov 2026." in email.text
    assert "Cost by service" not in email.html and "Cost by service" not in email.text


def test_an_estimated_day_of_the_current_month_carries_no_badge_but_an_unfinal_last_month_says_so() -> None:
    # Cost Explorer marks every day of the current month estimated: a badge every day says nothing.
    report = model(every_day([("Svc", "Usage", "1")]), estimated_from=date(2026, 10, 1))
    assert report.estimated and report.last_month is not None and report.last_month.estimated
    email = render_report(report)
    assert "Estimated" not in email.html and "may still change" not in email.html
    assert "(estimated)" not in email.text and "may still change" not in email.text
    assert "estimated: the bill is not final yet" in email.html  # October's figure, which is compared
    assert "estimated: the bill is not final yet" in email.text


def test_a_revised_day_before_is_shown_with_both_figures_in_both_parts() -> None:
    report = model(every_day([("Svc", "Usage", "1")]))
    assert report.day_before == Decimal("1")
    sent = datetime(2026, 11, 20, 8, 0, 7, tzinfo=UTC)
    email = render_report(replace(report, revised=Revised(date(2026, 11, 19), Decimal("0.80"), Decimal("1"), sent)))
    line = "Revised: Thu 19 Nov was $0.80 when sent, now $1.00 (+$0.20)"
    assert line in email.text
    assert "<strong>Revised:</strong> Thu 19 Nov was $0.80 when sent, now $1.00 (+$0.20)" in email.html
    assert "Revised" not in render_report(report).text


def test_a_revised_figure_that_is_not_the_day_before_s_is_refused() -> None:
    # The email's "now" must be the figure the report shows for the day before, or the two would disagree.
    report = model(every_day([("Svc", "Usage", "1")]))
    sent = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    state = replace(report, revised=Revised(date(2026, 11, 19), Decimal("0.80"), Decimal("1.01"), sent)).to_state()
    with pytest.raises(InvalidReport, match=r"revised.nowTotal: 1.01 is not costs.dayBefore"):
        CostReport.from_state(state)
    state["revised"] = {**state["revised"], "nowTotal": "1", "day": "2026-11-18"}
    with pytest.raises(InvalidReport, match=r"revised.day: 2026-11-18 is not the day before the report day"):
        CostReport.from_state(state)


def test_final_figures_carry_no_estimate_note() -> None:
    email = render_report(model(every_day([("Svc", "Usage", "1")])))
    assert "may still change" not in email.html and "may still change" not in email.text


@pytest.mark.parametrize(
    ("metric", "aggregate"),
    [("UnblendedCost", "unBlendedCost"), ("AmortizedCost", "amortizedCost"), ("NetUnblendedCost", "netUnblendedCost")],
)
def test_cost_explorer_link_opens_that_day_daily_by_service(metric: str, aggregate: str) -> None:
    view = build_view(model(every_day([("Svc", "Usage", "1")]), metric=metric))
    query = parse_qs(urlsplit(view.console_url).fragment.split("?", 1)[1])
    assert query["startDate"] == query["endDate"] == ["2026-11-20"]
    assert query["granularity"] == ["Daily"] and query["groupBy"] == ['["Service"]']
    assert query["costAggregate"] == [aggregate]
    assert (
        f'href="{view.console_url.replace("&", "&amp;")}"'
        in render_report(model(every_day([("Svc", "Usage", "1")]), metric=metric)).html
    )


# --- HTML that mail clients render ------------------------------------------------------------


def test_html_is_inline_styled_tables_without_external_resources() -> None:
    html = render_report(
        model(
            steady_then({"Amazon CloudWatch": ("7.20", "50.40"), "Amazon EC2": ("100", "101")}),
            estimated_from=date(2026, 11, 1),
        )
    ).html
    assert html.startswith("<!DOCTYPE html>")
    # The one <style> block is in a comment only Outlook on Windows opens: no other client sees a style block.
    for_others = re.sub(r"<!--\[if mso\]>.*?<!\[endif\]-->", "", html, flags=re.S)
    assert "<style" in html and "<style" not in for_others
    assert "<svg" not in html and "<img" not in html and "<link" not in html
    assert "max-width:600px" in html and 'width="100%"' in html
    assert '<th scope="col"' in html and '<th scope="row"' in html
    assert set(re.findall(r"https?://[^\"'\s<>]+", html)) <= {
        u
        for u in re.findall(r"https?://[^\"'\s<>]+", html)
        if u.startswith("https://us-east-1.console.aws.amazon.com/")
    }
    assert "url(" not in html and "@import" not in html
    assert 'aria-hidden="true"' in html  # the bars are decoration: every figure is also written out


def test_service_names_are_data_not_markup() -> None:
    report = model(only_today([("<script>alert(1)</script>", "Usage", "5.00"), ('Tom & "Jerry" <b>', "Usage", "1.00")]))
    email = render_report(report)
    assert "<script>" not in email.html and "<b>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html and "Tom &amp; &#34;Jerry&#34; &lt;b&gt;" in email.html
    assert "<script>alert(1)</script>" in email.text  # the text part is not HTML


def test_long_names_are_shortened_and_control_characters_removed() -> None:
    long_name = "Amazon " + "Very" * 40
    email = render_report(
        model(only_today([(long_name, "Usage", "2.00"), ("Line\nbreak\tand\x00null", "Usage", "1.00")]))
    )
    assert long_name not in email.html and long_name[: HTML_NAME_CHARS - 1] in email.html
    assert "Line break and null" in email.html and "Line break and null" in email.text
    assert "\x00" not in email.html + email.text


def test_text_part_has_the_same_figures_in_columns_that_fit_78() -> None:
    report = model(
        steady_then(
            {
                "Amazon Elastic Compute Cloud - Compute": ("800", "812.3456789"),
                "AWS 名前 Lambda": ("3", "3.5"),
                "Amazon CloudWatch": ("7.20", "50.40"),
            }
        )
    )
    email, view = render_report(report), build_view(report)
    assert "<" not in email.text and "&amp;" not in email.text
    table = view.text_services
    assert len({display_width(line) for line in table[1 : 2 + len(view.rows)]}) == 1  # separator and rows
    assert table[0].index("Amount") + len("Amount") == table[2].index("$812.35") + len("$812.35")
    assert all(display_width(line) <= 78 for line in email.text.splitlines() if not line.startswith("https://"))
    for row in view.rows:
        assert row.amount in email.text and row.amount in email.html and row.share in email.text
    for stat in view.changes + view.stats:
        assert stat.value in email.text and stat.value in email.html
    assert view.console_url in email.text


def test_to_state_is_the_step_functions_result() -> None:
    email = render_report(model(every_day([("Svc", "Usage", "1")])))
    assert email.to_state() == {"subject": email.subject, "html": email.html, "text": email.text}


# --- Size: the largest report the contract allows -------------------------------------------------


def worst_case(name_part: str) -> dict:
    """A report model at every bound of the contract: 21 service rows (20 and the one left over), 5 + 5 movers,
    5 anomalies and 5 new services, 5 unclassified record types, every name 100 characters, every amount near 10^15,
    every trend falling day by day (each bar but the tallest is drawn in a table of its own: the most markup)."""
    costs = state(steady_then({"Svc": ("1", "2")}), settings_=ReportSettings(top_services=20))
    name = lambda i: (f"{i:03d}" + name_part * 100)[:100]
    big = "-99999999999999.99"  # totals must stay below 10^15
    trend = [str(D("999999999999.99") - 50_000_000_000 * day) for day in range(14)]
    top = [
        {"name": name(i), "amount": "1" if i else big, "dayBefore": big, "trend": trend, "flags": ["new", "anomaly"]}
        for i in range(21)
    ]
    adjustment = "-99999999999999.99"
    costs["breakdown"] = {
        "charges": str(D(big) + 20 + D("-99999999999999")),
        "credits": adjustment,
        "refunds": adjustment,
        "discounts": adjustment,
        "tax": adjustment,
    }
    other = [{"recordType": name(200 + i), "amount": "-9999999999999.99"} for i in range(5)]
    costs["services"] = {
        "count": 10**6,
        "top": top,
        "other": {"count": 10**6, "amount": "-99999999999999", "dayBefore": big, "trend": trend},
    }
    costs["total"] = str(sum(D(v) for v in costs["breakdown"].values()) + sum(D(o["amount"]) for o in other))
    costs["breakdown"]["other"] = other
    mover = lambda i: {"name": name(i), "amount": big, "average": "99999999999999.99"}
    costs["movers"] = {"increases": [mover(i) for i in range(5)], "decreases": [mover(i) for i in range(5)]}
    costs["anomalies"] = {
        "count": 10**6,
        "baselineDays": 14,
        "services": [{"name": name(i), "amount": big, "baseline": big, "threshold": big} for i in range(5)],
    }
    costs["newServices"] = {
        "count": 10**6,
        "since": "2026-10-01",
        "services": [{"name": name(100 + i), "firstDate": "2026-11-20", "amount": big} for i in range(5)],
    }
    costs["budget"] = "0.01"
    over_budget = D(costs["total"]) > D(costs["budget"])  # the contract refuses alerts the figures do not give
    costs["alerts"] = ["anomaly", *(["overBudget"] if over_budget else []), "newService"]
    return costs


@pytest.mark.parametrize(
    "name_part", ['<&">🚀名前', '"', "𝒳"], ids=["mixed", "all escaped (5 bytes each)", "all 4-byte UTF-8"]
)
def test_the_largest_report_the_contract_allows_fits_gmail_and_the_state_payload(name_part: str) -> None:
    costs = worst_case(name_part)
    request = RenderRequest.from_event({"reportDate": DAY.isoformat(), "costs": costs})
    email = render_report(request.costs)
    assert len(request.costs.breakdown.other) == 5 and len(build_view(request.costs).lines) == 11
    assert len(email.html.encode()) <= MAX_HTML_BYTES
    assert len(email.text.encode()) <= MAX_TEXT_BYTES
    assert payload_bytes(send_email_input(costs, email.to_state())) <= PAYLOAD_LIMIT


# --- Property: any dataset renders, reconciles and fits --------------------------------------------

names = st.text(min_size=0, max_size=220)
record_types = st.sampled_from(
    [
        "Usage",
        "Usage",
        "Usage",
        "Credit",
        "Refund",
        "Tax",
        "Enterprise Discount Program Discount",
        "DiscountedUsage",
        "SavingsPlanNegation",
        "Future Charge Type",
    ]
)
amounts = st.integers(min_value=0, max_value=10).flatmap(
    lambda places: st.decimals(
        min_value=D("-1000000"), max_value=D("99999999999999"), places=places, allow_nan=False, allow_infinity=False
    )
)
currencies = st.sampled_from(["USD", "EUR", "JPY", "KWD", "CHF", "GBP"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    rows=st.lists(st.tuples(st.integers(0, 20), names, record_types, amounts), max_size=80),
    currency=currencies,
    top=st.integers(min_value=1, max_value=20),
    budget=st.one_of(st.none(), st.decimals(min_value=D("0.01"), max_value=D("1e9"), places=2)),
)
def test_any_dataset_renders_reconciled_under_the_size_caps(rows, currency, top, budget) -> None:
    by_day: dict[date, list] = {}
    for offset, name, record_type, amount in rows:
        by_day.setdefault(DAY - timedelta(days=offset), []).append((name, record_type, amount))
    costs = state(
        by_day,
        settings_=ReportSettings(top_services=top, daily_budget=budget),
        currency=currency,
        estimated_from=date(2026, 11, 1),
    )
    report = RenderRequest.from_event({"reportDate": DAY.isoformat(), "costs": copy.deepcopy(costs)}).costs
    email = render_report(report)
    assert len(email.html.encode()) <= MAX_HTML_BYTES and len(email.text.encode()) <= MAX_TEXT_BYTES
    assert len(email.subject) <= MAX_SUBJECT_CHARS
    assert payload_bytes(send_email_input(costs, email.to_state())) <= PAYLOAD_LIMIT
    if report.no_spend:
        assert "No AWS spend" in email.text
    else:
        assert_reconciles(report)
        view = build_view(report)
        cur = Currency.of(currency)
        # No Other row when other is None: zip stops at the rows.
        for row, line in zip(view.rows, [*report.top, report.other], strict=False):
            assert abs(row.units - Fraction(line.amount) * cur.scale) < 1  # never off by a whole cent


# --- The monthly budget (every day $10: $200 to date on the 20th, $300 forecast) -----------------------------


@pytest.mark.parametrize(
    ("budget", "value", "note", "tone"),
    [
        (
            "250",
            "$50.00 over at the forecast",
            "Month to date $200.00 of $250.00 budget (80%); forecast $300.00",
            "bad",
        ),
        (
            "400",
            "$100.00 under at the forecast",
            "Month to date $200.00 of $400.00 budget (50%); forecast $300.00",
            "good",
        ),
    ],
)
def test_monthly_budget_shows_month_to_date_and_the_forecast_against_it(budget, value, note, tone) -> None:
    report = model(every_day([("Svc", "Usage", "10")]), settings_=ReportSettings(monthly_budget=D(budget)))
    view = build_view(report)
    stat = next(s for s in view.stats if s.label == "Monthly budget")
    assert (stat.value, stat.note, stat.tone) == (value, note, tone)
    over = tone == "bad"
    assert ("overMonthlyBudget" in report.alerts) is over
    assert view.subject.startswith("⚠ Over monthly budget · AWS costs Fri 20 Nov") is over
    email = render_report(report)
    assert "Monthly budget" in email.html and f"Monthly budget: {value}" in email.text


def test_the_forecast_not_the_month_to_date_decides_over_monthly_budget() -> None:
    # GIVEN $200 spent of $250: under so far, but the forecast ($300) is over
    report = model(every_day([("Svc", "Usage", "10")]), settings_=ReportSettings(monthly_budget=D(250)))
    assert report.month_to_date.total < D(250) < report.forecast.total
    assert report.alerts == ["overMonthlyBudget"]


def test_without_a_monthly_budget_there_is_no_monthly_budget_line_or_alert() -> None:
    report = model(every_day([("Svc", "Usage", "10")]))
    email = render_report(report)
    assert report.monthly_budget is None and report.alerts == []
    assert "Monthly budget" not in email.html + email.text and "monthlyBudget" not in state(
        every_day([("Svc", "Usage", "10")])
    )


def test_a_monthly_budget_without_a_forecast_judges_the_month_to_date() -> None:
    # GIVEN a two-day-old account: no forecast yet
    rows = lambda day: [("Svc", "Usage", "10")] if day >= DAY - timedelta(days=1) else []  # noqa: E731
    report = model(rows, settings_=ReportSettings(monthly_budget=D(15)))
    stat = next(s for s in build_view(report).stats if s.label == "Monthly budget")
    assert report.forecast.total is None and report.alerts[-1:] == ["overMonthlyBudget"]
    assert (stat.value, stat.note) == ("$5.00 over", "Month to date $20.00 of $15.00 budget (133%); no forecast yet")


# --- One label for each 7-day figure ------------------------------------------------------------------------


def test_the_average_and_the_run_rate_each_have_one_label_in_both_parts() -> None:
    report = model(steady_then({"Svc": ("10", "40")}))
    email = render_report(report)
    for part in (email.html.replace("&#39;", "'"), email.text.replace("\n", " ")):
        flat = " ".join(part.split())
        assert "vs average of the 7 days before" in flat
        assert "run rate of the last 7 days" in flat
        assert "7-day average" not in flat, "the old label, which named both figures"
        assert "average daily cost of the last" not in flat
    view = build_view(report)
    assert view.movers_label == "average of the 7 days before"
    assert any("run rate of the last 7 days" in s.note for s in view.stats)


def test_a_monthly_report_compares_its_month_and_a_weekly_one_ignores_the_monthly_budget() -> None:
    from tests.golden.datasets import DATASETS, PeriodDataset, build

    periods = {d.name: d for d in DATASETS if isinstance(d, PeriodDataset)}
    # GIVEN November 2026 ($4,037.26) against a $4,000 monthly budget
    costs, email = build(replace(periods["monthly"], settings=ReportSettings(monthly_budget=D(4000))))
    assert costs["monthlyBudget"] == "4000" and "overMonthlyBudget" in costs["alerts"]
    # (with "New service" too the subject is over 78 characters: the other status goes, the change stays)
    assert email.subject == "⚠ Over monthly budget · AWS costs November 2026: $4,037.26 (-3.1% vs October)"
    assert "Monthly budget: $37.26 over (November $4,037.26 of $4,000.00 budget (101%))" in email.text
    # AND a week, whatever the monthly budget, has no monthly budget
    costs, email = build(replace(periods["weekly"], settings=ReportSettings(monthly_budget=D(1))))
    assert "monthlyBudget" not in costs and "overMonthlyBudget" not in costs["alerts"]
    assert "Monthly budget" not in email.text
