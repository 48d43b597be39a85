"""Credits in the headline: the total before credits beside the credits and the net total (adding up to the
cent), and, with CREDIT_BALANCE, the days the credits left last at the burn of the last 7 days."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from fetch_costs.handler import for_report
from fetch_costs.settings import ConfigurationError, ReportSettings, load_settings
from render_email.headline import BEFORE_CREDITS_LABEL, CREDITS_LEFT_LABEL
from render_email.money import Money
from render_email.render import build_view, render_report
from report_contract import CostReport, CreditBalance, InvalidReport
from report_contract.spec import ReportSpec

from tests.fixtures.cost_explorer_answers import every_day
from tests.unit.test_render import model

D = Decimal
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
FUNDED = every_day([("Amazon EC2", "Usage", "50"), ("Credits", "Credit", "-10")])  # $40 net a day


def stat(report: CostReport, label: str):
    return next((s for s in build_view(report).stats if s.label == label), None)


def test_the_credits_left_are_the_balance_less_this_months_credits_lasting_at_the_last_weeks_burn() -> None:
    report = model(FUNDED, settings_=ReportSettings(credit_balance=D(1000)))

    credit = report.credit_balance
    assert credit is not None
    assert (credit.used, credit.burn, credit.basis_days) == (D(200), D(10), 7)  # 1 to 20 Nov, $10 a day
    assert (credit.remaining, credit.days_left) == (D(800), 80)
    found = stat(report, CREDITS_LEFT_LABEL)
    assert found is not None and found.value == "About 80 days"
    assert found.note == "$800.00 left at $10.00 a day, the mean of the last 7 days"


def test_the_burn_is_the_mean_of_the_last_seven_days_so_a_heavier_week_shortens_the_runway() -> None:
    heavier = lambda day: [("Amazon EC2", "Usage", "50"), ("Credits", "Credit", "-31" if day.day >= 14 else "-3")]  # noqa: E731

    credit = model(heavier, settings_=ReportSettings(credit_balance=D(1000))).credit_balance

    assert credit is not None and credit.burn == D(31)  # 14 to 20 Nov: the 7 days ending on the report day
    assert credit.used == 13 * 3 + 7 * 31 and credit.days_left == int((1000 - 256) / 31)


def test_credits_used_up_and_credits_not_being_used_say_so() -> None:
    used_up = model(FUNDED, settings_=ReportSettings(credit_balance=D(150)))
    unused = model(every_day([("Amazon EC2", "Usage", "5")]), settings_=ReportSettings(credit_balance=D(150)))

    found = stat(used_up, CREDITS_LEFT_LABEL)
    assert found is not None and (found.value, found.tone) == ("Used up", "bad")
    assert unused.credit_balance is not None and unused.credit_balance.days_left is None
    found = stat(unused, CREDITS_LEFT_LABEL)
    assert found is not None and found.value == "None used lately"


def test_without_a_credit_balance_there_is_no_credits_left_figure() -> None:
    report = model(FUNDED)

    assert report.credit_balance is None and stat(report, CREDITS_LEFT_LABEL) is None
    assert "creditBalance" not in report.to_state()


def test_a_scoped_report_leaves_out_the_organisations_credit_balance() -> None:
    base = ReportSettings(credit_balance=D(1000))
    team = ReportSpec.from_state("team", {"recipients": ["a@example.com"], "scope": {"accounts": ["123456789012"]}})
    whole = ReportSpec.from_state("org", {"recipients": ["a@example.com"]})

    assert for_report(base, team).credit_balance is None
    assert for_report(base, whole).credit_balance == D(1000)


def test_the_total_before_credits_is_shown_beside_the_credits_and_the_net_to_the_cent() -> None:
    report = CostReport.from_state(json.loads((GOLDEN / "young-account-eur.costs.json").read_text(encoding="utf-8")))
    money = Money(report.currency)

    found = stat(report, BEFORE_CREDITS_LABEL)

    assert found is not None and found.value == "€18.45" and found.note == "credits -€18.40, net €0.05"
    table = {line.label: line.units for line in build_view(report).services.lines}
    assert money.units(D("18.45")) + table["Credits"] == table["Net total"] == money.units(report.total)
    assert "Before credits: €18.45 (credits -€18.40, net €0.05)" in render_report(report).text


@pytest.mark.parametrize("credit", ["-0.004", "-0.006", "-1234.565"])
def test_before_credits_plus_credits_is_the_net_total_whatever_the_rounding(credit: str) -> None:
    report = model(every_day([("A", "Usage", "10.005"), ("B", "Usage", "0.333"), ("C", "Credit", credit)]))
    money = Money(report.currency)

    found = stat(report, BEFORE_CREDITS_LABEL)

    assert found is not None
    table = {line.label: line.units for line in build_view(report).services.lines}
    before = int(found.value.replace("$", "").replace(",", "").replace(".", "").replace("-", "")) * (
        -1 if found.value.startswith("-") else 1
    )
    assert before + table["Credits"] == table["Net total"] == money.units(report.total)


def test_a_day_without_credits_shows_no_before_credits_figure() -> None:
    assert stat(model(every_day([("A", "Usage", "10")])), BEFORE_CREDITS_LABEL) is None


def test_a_negative_burn_is_refused_by_name() -> None:
    state = json.loads((GOLDEN / "first-of-month.costs.json").read_text(encoding="utf-8"))
    assert CostReport.from_state(state).credit_balance == CreditBalance(D(2000), D("21.424306085"), D("20.3787"), 7)
    state["creditBalance"]["burn"] = "-1"

    with pytest.raises(InvalidReport, match=r"costs\.creditBalance\.burn: -1 is negative"):
        CostReport.from_state(state)


@pytest.mark.parametrize("value", ["0", "-5", "1e3", "1000000000000", "lots"])
def test_a_bad_credit_balance_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigurationError, match=rf"CREDIT_BALANCE='{value}' is not allowed: .* for no credit balance"):
        load_settings({"CREDIT_BALANCE": value})
