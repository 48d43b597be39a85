"""The render_email pure logic: money formatting, reconciliation, content, size, escaping."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from render_email.money import Currency, format_money, format_share, largest_remainder
from render_email.render import (
    HTML_NAME_CHARS,
    MAX_HTML_BYTES,
    RenderSettings,
    build_view,
    display_width,
    render_report,
)
from render_email.request import DailyCosts, RenderRequest, ServiceCost

DAY = date(2026, 11, 20)  # a Friday
DEFAULT = RenderSettings()


def daily(*services: tuple[str, str], currency: str = "USD", estimated: bool = False, metric: str = "UnblendedCost") -> DailyCosts:
    """DailyCosts whose total is the exact sum of the given (name, amount) services."""
    items = tuple(ServiceCost(name=name, amount=Decimal(amount)) for name, amount in services)
    with localcontext(prec=80):
        total = sum((s.amount for s in items), Decimal(0))
    return DailyCosts(report_date=DAY, metric=metric, currency=currency, total=total, estimated=estimated, services=items)


def shown(money: str) -> Decimal:
    """The amount a reader sees in a formatted string: "-$1,234.57" -> Decimal("-1234.57")."""
    return Decimal(re.sub(r"[^0-9.\-]", "", money))


def table_lines(text: str) -> list[str]:
    """The lines of the text part's services table, header to total."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Service "))
    end = next(i for i, line in enumerate(lines) if line.startswith("Total ") and i > start)
    return lines[start : end + 1]


# --- Money formatting per currency ---------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "code", "units", "expected"),
    [
        ("usd symbol, thousands, cents", "USD", 123457, "$1,234.57"),
        ("usd negative credit", "USD", -120, "-$1.20"),
        ("usd zero", "USD", 0, "$0.00"),
        ("usd below one dollar", "USD", 5, "$0.05"),
        ("usd billions", "USD", 100_000_000_000, "$1,000,000,000.00"),
        ("euro symbol", "EUR", 123457, "€1,234.57"),
        ("pound symbol", "GBP", 99, "£0.99"),
        ("yen has no decimals", "JPY", 1235, "¥1,235"),
        ("won has no decimals", "KRW", -5000, "-₩5,000"),
        ("dinar has three decimals", "KWD", 1234567, "KWD 1,234.567"),
        ("unknown symbol shows the code", "CHF", 123457, "CHF 1,234.57"),
        ("code with negative amount", "SEK", -50, "-SEK 0.50"),
    ],
)
def test_format_money(scenario: str, code: str, units: int, expected: str) -> None:
    assert format_money(units, Currency.of(code)) == expected


@pytest.mark.parametrize(("tenths", "expected"), [(658, "65.8%"), (1000, "100.0%"), (0, "0.0%"), (-3, "-0.3%")])
def test_format_share(tenths: int, expected: str) -> None:
    assert format_share(tenths) == expected


def test_largest_remainder_gives_the_missing_units_to_the_largest_remainders() -> None:
    values = [Fraction(1, 3)] * 3  # 0.33 + 0.33 + 0.33 would show 0.99 of a 1.00 total
    assert largest_remainder([v * 3 for v in values], 3) == [1, 1, 1]
    assert largest_remainder([Fraction("0.5"), Fraction("0.5"), Fraction("0.2")], 1) == [1, 0, 0]
    assert largest_remainder([Fraction("-0.4"), Fraction("-0.4"), Fraction("-0.2")], -1) == [0, -1, 0]


def test_yen_report_rounds_to_whole_yen_everywhere() -> None:
    email = render_report(daily(("Amazon EC2", "1234.5"), ("AWS Lambda", "10.2"), currency="JPY"), DEFAULT)
    assert email.subject == "AWS costs Fri 20 Nov 2026: ¥1,245"
    assert "¥1,235" in email.html and "¥10" in email.html
    assert "¥1,245" in email.text and "$" not in email.text


def test_currency_is_never_assumed_to_be_dollars() -> None:
    email = render_report(daily(("Amazon EC2", "99.99"), currency="EUR"), DEFAULT)
    assert "€99.99" in email.subject and "€99.99" in email.html and "€99.99" in email.text
    assert "$" not in email.subject + email.html + email.text


# --- Reconciliation: displayed rows add up to the displayed total, to the cent --------------


def assert_reconciles(costs: DailyCosts, settings: RenderSettings = DEFAULT) -> None:
    view = build_view(costs, settings)
    assert view.services is not None
    rows, total = view.services.rows, view.services.total
    assert sum(row.units for row in rows) == total.units
    assert sum(shown(row.amount) for row in rows) == shown(total.amount) == shown(view.total)
    cur = Currency.of(costs.currency)
    exact_total = Fraction(costs.total) * cur.scale
    assert abs(total.units - exact_total) <= Fraction(1, 2)  # the total is rounded, not adjusted
    if rows and rows[0].share:
        assert sum(shown(row.share) for row in rows) == Decimal("100.0")


def test_three_half_cents_show_as_two_cents_that_add_up() -> None:
    costs = daily(("A", "0.005"), ("B", "0.005"), ("C", "0.005"))  # total 0.015 -> $0.02
    assert_reconciles(costs)
    view = build_view(costs, DEFAULT)
    assert [row.amount for row in view.services.rows] == ["$0.01", "$0.01", "$0.00"]
    assert view.total == "$0.02"


def test_negative_amounts_reconcile_and_are_shown_with_a_minus_sign() -> None:
    costs = daily(("Amazon EC2", "10.004"), ("Amazon S3", "5.003"), ("AWS Lambda", "-1.006"), ("Tax", "0.0012"))
    assert_reconciles(costs)
    email = render_report(costs, DEFAULT)
    assert "-$1.01" in email.html and "-$1.01" in email.text
    assert "credits or refunds" in email.html and "credits or refunds" in email.text


def test_net_credit_day_reconciles_and_shows_no_shares() -> None:
    costs = daily(("Amazon EC2", "3.333"), ("Credits netted into S3", "-10.006"))
    assert_reconciles(costs)
    view = build_view(costs, DEFAULT)
    assert view.total == "-$6.67" and view.subject.endswith("-$6.67")
    assert all(row.share == "" for row in view.services.rows)
    assert "Share" not in render_report(costs, DEFAULT).html


def test_credits_that_cancel_out_exactly_are_not_a_no_spend_day() -> None:
    costs = daily(("Amazon EC2", "5.00"), ("AWS Lambda", "-5.00"))
    view = build_view(costs, DEFAULT)
    assert not view.no_spend and view.total == "$0.00"
    assert "No AWS spend" not in render_report(costs, DEFAULT).html
    assert_reconciles(costs)


def test_three_hundred_services_reconcile_with_an_other_row() -> None:
    amounts = [Decimal(7919 * i % 100003) / Decimal(10**7) * (-1 if i % 17 == 0 else 1) for i in range(300)]
    costs = daily(*[(f"Service {i}", str(a)) for i, a in enumerate(amounts)])
    assert_reconciles(costs)
    for top in (1, 10, 50):
        assert_reconciles(costs, RenderSettings(top_services=top))


def test_shares_add_up_to_one_hundred_percent() -> None:
    costs = daily(("A", "1"), ("B", "1"), ("C", "1"))  # 33.3 + 33.3 + 33.3 would show 99.9%
    view = build_view(costs, DEFAULT)
    assert sorted(row.share for row in view.services.rows) == ["33.3%", "33.3%", "33.4%"]
    assert view.services.total.share == "100.0%"


# --- The services table: top N, then Other --------------------------------------------------


def test_top_services_then_other_with_the_count_of_the_rest() -> None:
    costs = daily(*[(f"Service {i:02d}", str(100 - i)) for i in range(14)])  # 100, 99, ..., 87
    view = build_view(costs, RenderSettings(top_services=10))
    labels = [row.label for row in view.services.rows]
    assert labels[:10] == [f"Service {i:02d}" for i in range(10)]
    assert labels[10] == "Other (4 services)"
    assert view.services.rows[10].amount == "$354.00"  # 90 + 89 + 88 + 87: no cost is dropped
    assert view.services.rows[10].is_other and not view.services.rows[9].is_other
    assert view.services.service_count == 14
    assert_reconciles(costs, RenderSettings(top_services=10))


def test_one_service_left_over_is_named_instead_of_other_one_service() -> None:
    costs = daily(*[(f"Service {i}", str(10 - i)) for i in range(4)])
    labels = [row.label for row in build_view(costs, RenderSettings(top_services=3)).services.rows]
    assert labels == ["Service 0", "Service 1", "Service 2", "Service 3"]


def test_services_are_ranked_by_amount_even_if_unsorted() -> None:
    costs = daily(("Small", "1.00"), ("Big", "50.00"), ("Credit", "-2.00"), ("Medium", "7.00"))
    labels = [row.label for row in build_view(costs, RenderSettings(top_services=2)).services.rows]
    assert labels == ["Big", "Medium", "Other (2 services)"]


def test_the_other_row_is_in_html_and_text() -> None:
    costs = daily(*[(f"Service {i:02d}", "1.00") for i in range(20)])
    email = render_report(costs, RenderSettings(top_services=5))
    assert "Other (15 services)" in email.html and "Other (15 services)" in email.text
    assert "$15.00" in email.html and "$15.00" in email.text


# --- No spend, estimated ------------------------------------------------------------------


@pytest.mark.parametrize(
    "services", [(), (("Tax", "0"), ("AWS Lambda", "0.0000000000"))], ids=["no services", "only zero amounts"]
)
def test_a_day_with_no_spend_says_so_plainly(services: tuple[tuple[str, str], ...]) -> None:
    email = render_report(daily(*services), DEFAULT)
    assert email.subject == "AWS costs Fri 20 Nov 2026: $0.00"
    assert "No AWS spend was recorded for Fri 20 Nov 2026." in email.html
    assert "No AWS spend was recorded for Fri 20 Nov 2026." in email.text
    assert "Cost by service" not in email.html and "Cost by service" not in email.text
    assert "cost-explorer" in email.html and "cost-explorer" in email.text


def test_estimated_figures_carry_a_note_and_subject_marker() -> None:
    email = render_report(daily(("Amazon EC2", "1.00"), estimated=True), DEFAULT)
    assert email.subject.endswith("(estimated)")
    assert "Estimated." in email.html and "may still change" in email.html
    assert "Estimated:" in email.text and "may still change" in email.text


def test_final_figures_carry_no_estimate_note() -> None:
    email = render_report(daily(("Amazon EC2", "1.00"), estimated=False), DEFAULT)
    assert "estimated" not in email.subject.lower()
    assert "may still change" not in email.html and "may still change" not in email.text


# --- Subject, headline, link ----------------------------------------------------------------


def test_subject_matches_the_house_format() -> None:
    costs = daily(("Amazon Elastic Compute Cloud - Compute", "1234.5678901"), estimated=True)
    email = render_report(costs, DEFAULT)
    assert email.subject == "AWS costs Fri 20 Nov 2026: $1,234.57 (estimated)"
    assert "$1,234.57" in email.html and "Fri 20 Nov 2026" in email.html


@pytest.mark.parametrize("currency", ["USD", "KWD", "CHF"])
def test_subject_stays_phone_short_for_the_largest_amount(currency: str) -> None:
    costs = daily(("Amazon EC2", "999999999999999.999"), ("Credits", "-0.001"), currency=currency, estimated=True)
    assert len(render_report(costs, DEFAULT).subject) <= 78


@pytest.mark.parametrize(
    ("metric", "aggregate"), [("UnblendedCost", "unBlendedCost"), ("AmortizedCost", "amortizedCost"), ("NetUnblendedCost", "netUnblendedCost")]
)
def test_cost_explorer_link_opens_that_day_daily_by_service(metric: str, aggregate: str) -> None:
    view = build_view(daily(("Amazon EC2", "1.00"), metric=metric), DEFAULT)
    url = urlsplit(view.console_url)
    assert url.scheme == "https" and url.netloc == "us-east-1.console.aws.amazon.com"
    query = parse_qs(url.fragment.split("?", 1)[1])
    assert query["startDate"] == query["endDate"] == ["2026-11-20"]
    assert query["granularity"] == ["Daily"]
    assert query["groupBy"] == ['["Service"]']
    assert query["costAggregate"] == [aggregate]
    html = render_report(daily(("Amazon EC2", "1.00"), metric=metric), DEFAULT).html
    assert f'href="{view.console_url.replace("&", "&amp;")}"' in html


# --- HTML that mail clients render ----------------------------------------------------------


def test_html_is_inline_styled_tables_without_external_resources() -> None:
    html = render_report(daily(("Amazon EC2", "10.00"), ("Amazon S3", "2.00"), estimated=True), DEFAULT).html
    assert html.startswith("<!DOCTYPE html>")
    assert "<style" not in html and "<svg" not in html and "<img" not in html and "<link" not in html
    assert "max-width:600px" in html and 'width="100%"' in html
    assert '<th scope="col"' in html and '<th scope="row"' in html
    urls = set(re.findall(r"https?://[^\"'\s<>]+", html))
    assert all(u.startswith("https://us-east-1.console.aws.amazon.com/") for u in urls)
    assert "font-family" in html and "@import" not in html and "url(" not in html


def test_service_names_are_escaped_in_html() -> None:
    costs = daily(("<script>alert(1)</script>", "5.00"), ('Tom & "Jerry" <b>', "1.00"))
    email = render_report(costs, DEFAULT)
    assert "<script>" not in email.html and "<b>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert "Tom &amp; &#34;Jerry&#34; &lt;b&gt;" in email.html
    assert "<script>alert(1)</script>" in email.text  # the text part is not HTML


def test_long_names_are_shortened_and_control_characters_removed() -> None:
    long_name = "Amazon " + "Very" * 100
    email = render_report(daily((long_name, "2.00"), ("Line\nbreak\tand\x00null", "1.00")), DEFAULT)
    assert long_name not in email.html and long_name[: HTML_NAME_CHARS - 1] in email.html
    assert "Line break and null" in email.html and "Line break and null" in email.text
    assert "\x00" not in email.html + email.text
    widths = {display_width(line) for line in table_lines(email.text)}
    assert len(widths) == 1 and widths.pop() <= 78


@pytest.mark.parametrize(
    "name_parts", ['<&">🚀名前', '"', "𝒳"], ids=["mixed", "all escaped (5 bytes each)", "all 4-byte UTF-8"]
)
def test_html_stays_under_the_gmail_clip_size_with_1000_long_names(name_parts: str) -> None:
    services = [(f"{i:04d}" + name_parts * 200, str(Decimal(1000 - i) / 7)[:12]) for i in range(1000)]
    assert min(len(name) for name, _ in services) >= 200
    for top in (10, 50):
        email = render_report(daily(*services, estimated=True), RenderSettings(top_services=top))
        assert len(email.html.encode("utf-8")) <= MAX_HTML_BYTES
        assert len(email.text.encode("utf-8")) <= MAX_HTML_BYTES


# --- Text part ----------------------------------------------------------------------------


def test_text_part_carries_the_same_figures_in_aligned_columns() -> None:
    costs = daily(("Amazon Elastic Compute Cloud - Compute", "812.3456789"), ("AWS 名前 Lambda", "3.5"), ("Tax", "0.0012"), estimated=True)
    email, view = render_report(costs, DEFAULT), build_view(costs, DEFAULT)
    assert "<" not in email.text and "&amp;" not in email.text
    lines = table_lines(email.text)
    assert len({display_width(line) for line in lines if not line.startswith("-")}) == 1
    for row in (*view.services.rows, view.services.total):
        assert row.amount in email.text and row.amount in email.html
        assert row.share in email.text and row.share in email.html
    assert view.console_url in email.text


def test_to_state_is_the_step_functions_result() -> None:
    email = render_report(daily(("Amazon EC2", "1.00")), DEFAULT)
    assert email.to_state() == {"subject": email.subject, "html": email.html, "text": email.text}


@pytest.mark.parametrize("top", [0, 51, -1])
def test_render_settings_refuse_out_of_range_top_services(top: int) -> None:
    with pytest.raises(ValueError, match="1 to 50"):
        RenderSettings(top_services=top)


# --- Property: any costs render, reconcile and fit ------------------------------------------

amounts = st.integers(min_value=0, max_value=10).flatmap(
    lambda places: st.decimals(
        min_value=Decimal("-1000000"), max_value=Decimal("999999999999"), places=places, allow_nan=False, allow_infinity=False
    )
)
names = st.text(min_size=0, max_size=220)
currencies = st.sampled_from(["USD", "EUR", "JPY", "KWD", "CHF", "GBP"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    services=st.lists(st.tuples(names, amounts), max_size=80),
    currency=currencies,
    estimated=st.booleans(),
    top=st.integers(min_value=1, max_value=50),
)
def test_any_costs_render_reconciled_and_under_the_size_cap(services, currency, estimated, top) -> None:
    services = sorted(services, key=lambda s: s[1], reverse=True)
    with localcontext(prec=80):
        total = sum((amount for _, amount in services), Decimal(0))
    event = {
        "reportDate": "2026-11-20",
        "costs": {
            "reportDate": "2026-11-20",
            "metric": "UnblendedCost",
            "currency": currency,
            "total": str(total),
            "estimated": estimated,
            "services": [{"name": name, "amount": str(amount)} for name, amount in services],
        },
    }
    costs = RenderRequest.from_event(event).costs
    settings_ = RenderSettings(top_services=top)
    email = render_report(costs, settings_)
    assert len(email.html.encode("utf-8")) <= MAX_HTML_BYTES
    assert len(email.subject) <= 78
    if costs.no_spend:
        assert "No AWS spend" in email.text
    else:
        assert_reconciles(costs, settings_)
        view = build_view(costs, settings_)
        cur = Currency.of(currency)
        exact_rows = sorted((Fraction(a) for _, a in services), reverse=True)
        for row, exact in zip(view.services.rows, exact_rows):
            if not row.is_other:
                assert abs(row.units - exact * cur.scale) < 1  # never off by a whole cent
