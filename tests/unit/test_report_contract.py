"""The report contract (functions/report_contract/) is the one definition of what FetchCosts sends and
RenderEmail reads: every report FetchCosts writes reads back to the same JSON, each class writes exactly
the fields its WIRE lists (so docs/report.md's generated table is the wire), and the bounds that the
producer's settings, the consumer's labels and the docs state are the contract's."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import report_contract
from fetch_costs import forecast, history
from fetch_costs.settings import SETTINGS
from render_email.labels import ALERT_LABELS, FLAG_LABELS, METRIC_LABELS
from report_contract import CostReport, Field, InvalidReport, OtherAdjustment, ServiceLine, Thresholds, limits, wire

from scripts import report_contract_doc

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.costs.json"))
D = Decimal


def golden(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def flattened(state: dict[str, Any], fields: tuple[Field, ...]) -> list[str]:
    """The state's keys, the report's groups (`services`: {...}) written as WIRE writes them (`services.top`)."""
    listed = {field.key for field in fields}
    keys = []
    for key, value in state.items():
        if key not in listed and isinstance(value, dict):
            keys += [f"{key}.{inner}" for inner in value]
        else:
            keys.append(key)
    return keys


def wire_keys(fields: tuple[Field, ...], state: dict[str, Any]) -> list[str]:
    """WIRE's keys, less the optional ones the state leaves out (absent when empty)."""
    return [field.key for field in fields if not field.optional or field.key in state]


def objects(report: CostReport) -> list[Any]:
    """Every contract object inside a report, the report first."""
    found: list[Any] = [report, report.breakdown, *report.breakdown.other, report.forecast, report.settings]
    found += [p for p in (report.average, report.month_to_date, report.last_month_to_date, report.last_month) if p]
    found += [*report.daily, *report.top, *([report.other] if report.other else [])]
    found += [report.mover_baseline] if report.mover_baseline else []
    return found + [*report.increases, *report.decreases, *report.anomalies, *report.new_services]


@pytest.mark.parametrize("path", GOLDEN, ids=[p.name for p in GOLDEN])
def test_every_golden_report_reads_back_and_writes_the_same_json_byte_for_byte(path: Path) -> None:
    state = golden(path)

    again = CostReport.from_state(state).to_state()

    assert json.dumps(again, indent=2, ensure_ascii=False) == json.dumps(state, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("path", GOLDEN, ids=[p.name for p in GOLDEN])
def test_each_class_writes_exactly_the_fields_its_wire_lists_in_that_order(path: Path) -> None:
    report = CostReport.from_state(golden(path))
    with_other = replace(report.breakdown, other=(OtherAdjustment("NewRecordType", D("0")),))

    for item in [*objects(report), with_other]:
        state = item.to_state()
        assert flattened(state, item.WIRE) == wire_keys(item.WIRE, state), type(item).__name__


def test_every_contract_class_is_reached_from_the_reports_wire() -> None:
    reached, todo = set(), [CostReport]
    while todo:
        cls = todo.pop()
        reached.add(cls)
        todo += [f.of for f in cls.WIRE if f.of is not None and f.of not in reached]

    report = CostReport.from_state(golden(GOLDEN[0]))
    assert {type(item) for item in objects(report)} <= reached
    exported = {getattr(report_contract, name) for name in report_contract.__all__}
    assert {cls for cls in exported if hasattr(cls, "WIRE")} == reached  # no class off the wire, none unlisted


def test_docs_report_md_field_table_is_what_the_generator_writes() -> None:
    doc = report_contract_doc.DOC.read_text(encoding="utf-8")

    assert report_contract_doc.written(doc) == doc, "run `python -m scripts.report_contract_doc`"


def test_fetch_costs_settings_that_reach_the_report_keep_the_contracts_bounds() -> None:
    by_name = {setting.name: setting for setting in SETTINGS}

    top, new = by_name["TOP_SERVICES"], by_name["NEW_SERVICE_DAYS"]
    assert (top.minimum, top.maximum) == (limits.TOP_SERVICES_MIN, limits.TOP_SERVICES_MAX)
    assert (new.minimum, new.maximum) == (limits.NEW_SERVICE_DAYS_MIN, limits.NEW_SERVICE_DAYS_MAX)
    assert set(by_name["COST_METRIC"].allowed) == set(limits.METRICS)
    for setting in SETTINGS:  # every threshold FetchCosts accepts is an amount RenderEmail accepts
        if setting.kind == "number":
            assert setting.maximum is not None and setting.maximum < limits.MAX_MAGNITUDE, setting.name


def test_the_windows_the_email_states_fit_the_periods_it_accepts() -> None:
    # FetchCosts takes these windows and its summing precision from the contract (no copies to drift).
    assert max(limits.AVERAGE_DAYS, limits.BASELINE_DAYS, limits.FORECAST_BASIS_DAYS) <= limits.MAX_WINDOW_DAYS
    assert history.EXACT is wire.EXACT and forecast.BASIS_DAYS == limits.FORECAST_BASIS_DAYS


def test_render_email_has_a_label_for_every_metric_alert_and_flag_of_the_contract() -> None:
    assert set(METRIC_LABELS) == set(limits.METRICS)
    assert set(ALERT_LABELS) == set(limits.ALERTS)
    assert set(FLAG_LABELS) == set(limits.FLAGS)


def test_a_name_longer_than_the_limit_is_cut_by_the_producer_and_read_back_by_the_consumer() -> None:
    line = ServiceLine("x" * (limits.NAME_CHARS + 50), D("1"), D("0"), (D(0),) * limits.TREND_DAYS, ())

    state = line.to_state()

    assert len(state["name"]) == limits.NAME_CHARS and state["name"].endswith("…")
    assert ServiceLine.from_state(state, "line").name == state["name"]
    with pytest.raises(InvalidReport, match=f"line.name: 101 characters, at most {limits.NAME_CHARS} allowed"):
        ServiceLine.from_state({**state, "name": "y" * (limits.NAME_CHARS + 1)}, "line")


def test_new_service_days_beyond_what_fetch_costs_allows_is_refused_naming_the_bound() -> None:
    # The consumer used to accept 1 to 31 while FetchCosts allows 1 to 14: now both read the contract's bound.
    settings = Thresholds(10, D(3), D(5), D(50), D(1), D(10), 7).to_state()

    with pytest.raises(InvalidReport, match="settings.newServiceDays: expected a whole number from 1 to 14, got 15"):
        Thresholds.from_state({**settings, "newServiceDays": 15}, "settings")


def test_summarise_hands_over_settings_in_wire_form_and_the_report_holds_them_typed() -> None:
    # FetchCosts' summarise still builds the settings as a dict; the model reads it with the consumer's rules.
    state = golden(GOLDEN[0])
    report = CostReport.from_state(state)

    rebuilt = replace(report, settings=state["settings"])

    assert isinstance(rebuilt.settings, Thresholds) and rebuilt.settings == report.settings


def test_amounts_are_written_plain_exact_or_rounded_half_even() -> None:
    assert [wire.plain(D(v)) for v in ("12.50", "-0", "1E+3", "0.000")] == ["12.5", "0", "1000", "0"]
    assert wire.rounded(D("7.19555")) == "7.1956" and wire.rounded(D("7.19565")) == "7.1956"
    assert wire.bar(D("51.0735624")) == "51.07"


# --- The monthly budget ------------------------------------------------------------------------------------


def golden_named(name: str) -> dict[str, Any]:
    return golden(ROOT / "tests" / "golden" / f"{name}.costs.json")


def test_a_monthly_budget_reads_back_exactly_and_is_absent_without_one() -> None:
    state = golden_named("first-of-month")
    report = CostReport.from_state(state)
    assert report.monthly_budget == D("5000") and report.to_state() == state
    without = {key: value for key, value in state.items() if key != "monthlyBudget"}
    assert CostReport.from_state(without).monthly_budget is None, "a payload from before it reads as none"
    assert "monthlyBudget" not in CostReport.from_state(without).to_state()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "costs.monthlyBudget: expected a decimal string"),
        (5000, "costs.monthlyBudget: expected a decimal string"),
        ("lots", "costs.monthlyBudget: 'lots' is not a decimal string"),
    ],
)
def test_a_bad_monthly_budget_is_refused_naming_the_field(value: object, message: str) -> None:
    with pytest.raises(InvalidReport, match=message):
        CostReport.from_state({**golden_named("first-of-month"), "monthlyBudget": value})


def test_alerts_must_agree_with_the_monthly_budget() -> None:
    # GIVEN a forecast ($3,906.91) above a monthly budget the written alerts do not mention
    with pytest.raises(InvalidReport, match=r"costs.alerts: .* is not what the figures say"):
        CostReport.from_state({**golden_named("first-of-month"), "monthlyBudget": "3000"})
    over = {**golden_named("first-of-month"), "monthlyBudget": "3000"}
    over["alerts"] = ["anomaly", "overMonthlyBudget", "newService"]
    assert CostReport.from_state(over).alerts == over["alerts"]


def test_a_weekly_report_carrying_a_monthly_budget_is_refused() -> None:
    with pytest.raises(InvalidReport, match="costs.monthlyBudget: a weekly report has no monthly budget"):
        CostReport.from_state({**golden_named("weekly"), "monthlyBudget": "3000"})
