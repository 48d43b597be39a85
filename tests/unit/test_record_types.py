"""Where each RECORD_TYPE's amount goes (a service's charges, credits, refunds, discounts, tax, or a line of
its own), under each of the five cost metrics, for an account with Reserved Instances, Savings Plans and
an Enterprise Discount Program: the service rows, the gross charges, the discounts line and the net total,
from the Cost Explorer answer to the email, reconciled to the cent."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from fetch_costs.history import (
    CHARGES,
    CREDITS,
    DISCOUNTS,
    NO_RECORD_TYPE,
    RECORD_TYPES,
    REFUNDS,
    TAX,
    parse_history,
    record_type,
)
from fetch_costs.query import report_window
from fetch_costs.settings import ReportSettings
from fetch_costs.summarise import summarise
from render_email.render import build_view, render_report
from render_email.request import MAX_OTHER_ADJUSTMENTS as RENDER_MAX_OTHER_ADJUSTMENTS
from render_email.request import RenderRequest
from report_contract.limits import MAX_OTHER_ADJUSTMENTS

from tests.fixtures.cost_explorer_answers import answer

D = Decimal
DAY = date(2026, 11, 20)  # mid-month: the monthly RI and Savings Plans fees were charged on the 1st
EC2 = "Amazon Elastic Compute Cloud - Compute"
SAVINGS_PLANS = "Savings Plans for AWS Compute usage"
EDP = "Enterprise Discount Program Discount"


# One day of the same account under each metric. It runs $10 of on-demand EC2, $8 (on-demand) of EC2
# covered by a Reserved Instance whose effective cost is $5 a day, and $20 (on-demand) of EC2 covered by a
# Compute Savings Plan that costs $14 at its rate; its EDP takes 6% off the on-demand usage.
#
#   UnblendedCost     cash: RI-covered usage costs 0 (DiscountedUsage 0), Savings Plans covered usage is at
#                     on-demand rates and its negation takes it off again; the EDP discount is its own line.
#   AmortizedCost     RI-covered usage at the RI's effective cost (DiscountedUsage 5), covered usage at the
#                     Savings Plan rate (14), negation 0.
#   BlendedCost       as Unblended, but RI-covered usage at the organisation's blended rate (6).
#   Net...            as the metric without Net, with the EDP discount inside the usage (9.40) and 0 on
#                     its own line.
DAILY = {
    "UnblendedCost": [
        (EC2, "Usage", "10"),
        (EC2, "DiscountedUsage", "0"),
        (EC2, "SavingsPlanCoveredUsage", "20"),
        (EC2, "SavingsPlanNegation", "-20"),
        (EC2, EDP, "-0.60"),
    ],
    "AmortizedCost": [
        (EC2, "Usage", "10"),
        (EC2, "DiscountedUsage", "5"),
        (EC2, "SavingsPlanCoveredUsage", "14"),
        (EC2, "SavingsPlanNegation", "0"),
        (EC2, EDP, "-0.60"),
    ],
    "BlendedCost": [
        (EC2, "Usage", "10"),
        (EC2, "DiscountedUsage", "6"),
        (EC2, "SavingsPlanCoveredUsage", "20"),
        (EC2, "SavingsPlanNegation", "-20"),
        (EC2, EDP, "-0.60"),
    ],
    "NetUnblendedCost": [
        (EC2, "Usage", "9.40"),
        (EC2, "DiscountedUsage", "0"),
        (EC2, "SavingsPlanCoveredUsage", "20"),
        (EC2, "SavingsPlanNegation", "-20"),
        (EC2, EDP, "0"),
    ],
    "NetAmortizedCost": [
        (EC2, "Usage", "9.40"),
        (EC2, "DiscountedUsage", "5"),
        (EC2, "SavingsPlanCoveredUsage", "14"),
        (EC2, "SavingsPlanNegation", "0"),
        (EC2, EDP, "0"),
    ],
}
# On the 1st of the month, the monthly fees: the RI's recurring fee and the Savings Plan's commitment under
# the cash metrics; under the amortized ones (whose daily view also puts them on the 1st) only the unused
# part of the RI and of the commitment (https://docs.aws.amazon.com/cost-management/latest/userguide/ce-advanced.html).
CASH_FEES = [(EC2, "RIFee", "90"), (SAVINGS_PLANS, "SavingsPlanRecurringFee", "450")]
AMORTIZED_FEES = [(EC2, "RIFee", "15"), (SAVINGS_PLANS, "SavingsPlanRecurringFee", "30")]
FEES = {metric: AMORTIZED_FEES if "Amortized" in metric else CASH_FEES for metric in DAILY}


@dataclass(frozen=True)
class Expected:
    rows: dict[str, str]  # the services table: name -> amount (gross)
    charges: str
    discounts: str
    net: str
    lines: list[tuple[str, str]]  # the email's lines under the services


EXPECTED = {
    "UnblendedCost": Expected(
        {EC2: "30"},
        "30",
        "-20.60",
        "9.40",
        [("Charges (gross)", "$30.00"), ("Discounts", "-$20.60"), ("Net total", "$9.40")],
    ),
    "AmortizedCost": Expected(
        {EC2: "29"},
        "29",
        "-0.60",
        "28.40",
        [("Charges (gross)", "$29.00"), ("Discounts", "-$0.60"), ("Net total", "$28.40")],
    ),
    "BlendedCost": Expected(
        {EC2: "36"},
        "36",
        "-20.60",
        "15.40",
        [("Charges (gross)", "$36.00"), ("Discounts", "-$20.60"), ("Net total", "$15.40")],
    ),
    "NetUnblendedCost": Expected(
        {EC2: "29.40"},
        "29.40",
        "-20",
        "9.40",
        [("Charges (gross)", "$29.40"), ("Discounts", "-$20.00"), ("Net total", "$9.40")],
    ),
    "NetAmortizedCost": Expected(
        {EC2: "28.40"}, "28.40", "0", "28.40", [("Total", "$28.40")]
    ),  # nothing to adjust: the net is the charges
}


def costs_state(rows, metric: str, report_date: date = DAY) -> dict:
    """FetchCosts' result for the dataset, as JSON travels through the state machine."""
    start, end = report_window(report_date)
    history = parse_history(start, end, metric, answer(start, end, rows, metric=metric))
    return json.loads(json.dumps(summarise(history, report_date, ReportSettings(metric=metric)).to_state()))


def rendered(costs: dict, report_date: date = DAY):
    return RenderRequest.from_event({"reportDate": report_date.isoformat(), "costs": costs}).costs


def rows_by_name(costs: dict) -> dict[str, Decimal]:
    assert costs["services"]["other"] is None
    return {s["name"]: D(s["amount"]) for s in costs["services"]["top"]}


def assert_email_reconciles(costs: dict, report_date: date = DAY):
    view = build_view(rendered(costs, report_date))
    *parts, total = view.lines
    assert total.is_total and total.amount == view.total
    charges = parts[0].units if parts else total.units
    assert sum(row.units for row in view.rows) == charges
    assert not parts or sum(line.units for line in parts) == total.units
    return view


@pytest.mark.parametrize("metric", list(DAILY))
def test_ri_and_savings_plans_usage_is_charges_of_its_service_under_every_metric(metric):
    # GIVEN a day of an account with RIs, Savings Plans and an EDP, as Cost Explorer answers for the metric
    costs = costs_state(lambda day: DAILY[metric], metric)
    expected = EXPECTED[metric]
    # THEN the service rows are the gross charges of each service, RI and Savings Plans usage included
    assert rows_by_name(costs) == {name: D(amount) for name, amount in expected.rows.items()}
    # ...the gross charges line, the discounts line and the net total are right
    breakdown = costs["breakdown"]
    assert D(breakdown["charges"]) == D(expected.charges)
    assert D(breakdown["discounts"]) == D(expected.discounts)
    assert (D(breakdown["credits"]), D(breakdown["refunds"]), D(breakdown["tax"])) == (0, 0, 0)
    assert D(costs["total"]) == D(expected.net) == sum(D(amount) for _, _, amount in DAILY[metric])
    # ...and the email shows them, rows adding up to the charges and lines to the net total, to the cent
    view = assert_email_reconciles(costs)
    assert [(line.label, line.amount) for line in view.lines] == expected.lines


@pytest.mark.parametrize("metric", list(DAILY))
def test_monthly_ri_and_savings_plans_fees_are_charges_of_their_service_and_one_off(metric):
    # GIVEN the 1st of the month, when the monthly RI and Savings Plans fees are charged
    first = date(2026, 12, 1)
    costs = costs_state(lambda day: DAILY[metric] + (FEES[metric] if day.day == 1 else []), metric, first)
    expected = EXPECTED[metric]
    ri_fee, sp_fee = (D(amount) for _, _, amount in FEES[metric])
    # THEN each fee is a charge of its service: the RI's in EC2's row, the commitment in its own
    assert rows_by_name(costs) == {EC2: D(expected.rows[EC2]) + ri_fee, SAVINGS_PLANS: sp_fee}
    assert D(costs["breakdown"]["charges"]) == D(expected.charges) + ri_fee + sp_fee
    assert D(costs["breakdown"]["discounts"]) == D(expected.discounts)
    assert D(costs["total"]) == D(expected.net) + ri_fee + sp_fee
    # ...and one-off: in the month to date, but not projected as if charged every day
    assert D(costs["oneOff"]) == ri_fee + sp_fee
    assert D(costs["forecast"]["runRate"]) == D(expected.net)
    assert D(costs["monthToDate"]["total"]) == D(expected.net) + ri_fee + sp_fee
    assert_email_reconciles(costs, first)


def test_a_record_type_no_one_has_documented_is_its_own_line_and_the_email_still_reconciles():
    # GIVEN a day with a record type this version does not know, next to usage and a credit
    rows = [(EC2, "Usage", "10.00"), (EC2, "Credit", "-2.00"), (EC2, "Future Charge Type", "2.505")]
    costs = costs_state(lambda day: rows if day == DAY else [(EC2, "Usage", "10")], "UnblendedCost")
    # THEN it is not added to the service's charges, nor to any other bucket, but carried under its own name
    assert [(s["name"], s["amount"]) for s in costs["services"]["top"]] == [(EC2, "10")]
    assert costs["breakdown"]["charges"] == "10" and costs["breakdown"]["credits"] == "-2"
    assert costs["breakdown"]["other"] == [{"recordType": "Future Charge Type", "amount": "2.505"}]
    assert costs["total"] == "10.505"
    # ...and the email shows it as a line of its own, between the adjustments and the net total, to the cent
    view = build_view(rendered(costs))
    assert [(line.label, line.amount) for line in view.lines] == [
        ("Charges (gross)", "$10.00"),
        ("Credits", "-$2.00"),
        ("Future Charge Type", "$2.51"),
        ("Net total", "$10.51"),
    ]
    assert sum(line.units for line in view.lines[:-1]) == view.lines[-1].units
    email = render_report(rendered(costs))
    assert "Future Charge Type" in email.html and re.search(r"Future Charge Type\s+\$2\.51", email.text)
    assert "Not classified: Future Charge Type." in " ".join(email.text.split())
    assert "Not classified: Future Charge Type." in email.html


def test_more_record_types_than_the_bound_keep_the_largest_and_add_up_the_rest():
    unknown = [(EC2, f"New Type {i}", str(i)) for i in range(1, 9)]  # 8 record types, $1 to $8
    costs = costs_state(lambda day: [(EC2, "Usage", "100")] + unknown, "UnblendedCost")
    other = costs["breakdown"]["other"]
    assert len(other) == MAX_OTHER_ADJUSTMENTS == RENDER_MAX_OTHER_ADJUSTMENTS
    assert other == [{"recordType": f"New Type {i}", "amount": str(i)} for i in (5, 6, 7, 8)] + [
        {"recordType": "4 more record types", "amount": "10"}
    ]
    assert costs["total"] == "136"
    view = assert_email_reconciles(costs)
    assert [line.label for line in view.lines][-2:] == ["4 more record types", "Net total"]


# --- The table ---------------------------------------------------------------------------------------

# Every RECORD_TYPE value AWS documents: (value, where it goes, one-off).
DOCUMENTED = [
    ("Usage", CHARGES, False),
    ("DiscountedUsage", CHARGES, False),
    ("SavingsPlanCoveredUsage", CHARGES, False),
    ("SavingsPlanNegation", DISCOUNTS, False),
    ("SavingsPlanUpfrontFee", CHARGES, True),
    ("SavingsPlanRecurringFee", CHARGES, True),
    ("RIFee", CHARGES, True),
    ("Fee", CHARGES, True),
    ("Tax", TAX, True),
    ("Credit", CREDITS, False),
    ("Refund", REFUNDS, True),
    ("Discount", DISCOUNTS, False),
    ("BundledDiscount", DISCOUNTS, False),
    ("EdpDiscount", DISCOUNTS, False),
    ("PrivateRateDiscount", DISCOUNTS, False),
    ("Distributor Discount", DISCOUNTS, False),
    ("Solution Provider Program Discount", DISCOUNTS, False),
    ("Enterprise Discount Program Discount", DISCOUNTS, False),
    ("Support fee", CHARGES, True),
    ("Reservation applied usage", CHARGES, False),
    ("Recurring reservation fee", CHARGES, True),
    ("Upfront reservation fee", CHARGES, True),
    ("Other out-of-cycle charges", CHARGES, True),
]


@pytest.mark.parametrize(("name", "kind", "one_off"), DOCUMENTED, ids=[d[0] for d in DOCUMENTED])
def test_each_documented_record_type_has_its_place_in_the_one_table(name, kind, one_off):
    assert name in RECORD_TYPES
    spec = record_type(name)
    assert (spec.kind, spec.one_off) == (kind, one_off)


@pytest.mark.parametrize(
    ("spelling", "documented"),
    [
        ("Savings Plan Negation", "SavingsPlanNegation"),
        ("Savings Plan negation", "SavingsPlanNegation"),
        ("Savings Plan covered usage", "SavingsPlanCoveredUsage"),
        ("Savings Plan recurring fee", "SavingsPlanRecurringFee"),
        ("Savings Plan upfront fee", "SavingsPlanUpfrontFee"),
        ("Bundled Discount", "BundledDiscount"),
        ("Private Rate Discount", "PrivateRateDiscount"),
        ("DistributorDiscount", "Distributor Discount"),
        ("Support Fee", "Support fee"),
        ("  Usage ", "Usage"),
    ],
)
def test_aws_spelling_a_record_type_with_spaces_or_another_case_is_the_same_record_type(spelling, documented):
    assert record_type(spelling) == record_type(documented) is not None


@pytest.mark.parametrize(
    "name", ["Something new", "Mystery Discount", "Upfront Thing", "Usage Credit", "Taxes", "RI Fee Adjustment", ""]
)
def test_a_value_the_table_lacks_is_not_guessed_from_a_word_in_it(name):
    assert record_type(name) is None


def test_no_two_entries_of_the_table_are_the_same_record_type():
    keys = ["".join(name.split()).casefold() for name in RECORD_TYPES]
    assert len(set(keys)) == len(keys)


def test_an_unclassified_record_type_is_kept_by_name_on_its_day_and_in_the_total():
    start, end = date(2026, 11, 19), date(2026, 11, 21)
    h = parse_history(
        start,
        end,
        "UnblendedCost",
        answer(
            start,
            end,
            {
                DAY: [
                    (EC2, "Usage", "3"),
                    (EC2, "Future Charge Type", "1.5"),
                    ("Amazon S3", "Future Charge Type", "0.5"),
                    (EC2, "", "0.25"),
                ]
            },
        ),
    )
    day = h.day(DAY)
    assert day.charges == {EC2: 3}
    assert day.unclassified == {"Future Charge Type": 2, NO_RECORD_TYPE: D("0.25")}
    assert day.total == D("5.25") and day.one_off == 0
    assert h.unclassified_record_types == [NO_RECORD_TYPE, "Future Charge Type"]
    assert h.day(date(2026, 11, 19)).unclassified == {}
