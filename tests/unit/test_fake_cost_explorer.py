"""The fake Cost Explorer: data patterns, GetCostAndUsage semantics, validation, pagination, faults.

Every request these tests send is first checked against botocore's own client-side validation, so
the fake is only ever exercised with requests a real `boto3.client("ce")` would send. The fake answers
the requests this project makes (DAILY cost metrics, by SERVICE and RECORD_TYPE or ungrouped); the
rest of GetCostAndUsage is refused as not modelled, never answered wrongly.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import boto3
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

from local.cost_explorer import METRICS, CostExplorerError, FakeCostExplorer
from local.synthetic_org import (
    BILL_FINALISED_DAY,
    EC2_COMPUTE,
    LineItem,
    SyntheticOrganisation,
)

TODAY = dt.date(2025, 3, 12)  # a Wednesday: today-1 is Tuesday 11th, today-3 Sunday 9th
YESTERDAY = TODAY - dt.timedelta(days=1)

_INPUT_SHAPE = botocore.session.get_session().get_service_model("ce").operation_model("GetCostAndUsage").input_shape


def boto3_valid(params: dict) -> dict:
    """Fail unless botocore's client-side validation accepts params (as boto3 would send them)."""
    report = ParamValidator().validate(params, _INPUT_SHAPE)
    assert not report.has_errors(), report.generate_report()
    return params


def request(start: dt.date, end: dt.date, *, metrics=("UnblendedCost",), group_by=(), granularity="DAILY") -> dict:
    params = {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": granularity,
        "Metrics": list(metrics),
    }
    if group_by:
        params["GroupBy"] = [{"Type": "DIMENSION", "Key": key} for key in group_by]
    return boto3_valid(params)


def day_request(day: dt.date, **kwargs) -> dict:
    return request(day, day + dt.timedelta(days=1), **kwargs)


def amounts_by_key(pages: list[dict], metric="UnblendedCost") -> dict[tuple, Decimal]:
    """(period start, *group keys) -> amount, merging a period split across pages."""
    amounts: dict[tuple, Decimal] = {}
    for page in pages:
        for result in page["ResultsByTime"]:
            for group in result["Groups"]:
                key = (result["TimePeriod"]["Start"], *group["Keys"])
                assert key not in amounts, f"group {key} returned twice"
                amounts[key] = Decimal(group["Metrics"][metric]["Amount"])
    return amounts


def total(response: dict, metric="UnblendedCost") -> Decimal:
    return sum((Decimal(r["Total"][metric]["Amount"]) for r in response["ResultsByTime"]), Decimal(0))


def daily_amounts(pages: list[dict], key: str, metric="UnblendedCost") -> dict[str, Decimal]:
    """Period start -> the amount of one group (0 where the day has none)."""
    amounts = amounts_by_key(pages, metric)
    days = [r["TimePeriod"]["Start"] for page in pages for r in page["ResultsByTime"]]
    return {day: amounts.get((day, key), Decimal(0)) for day in days}


def service_cost(ce: FakeCostExplorer, service: str, day: dt.date) -> Decimal:
    return daily_amounts([ce.get_cost_and_usage(day_request(day, group_by=["SERVICE"]))], service)[day.isoformat()]


@pytest.fixture(scope="module")
def small() -> FakeCostExplorer:
    return FakeCostExplorer(SyntheticOrganisation("small", seed=7, today=TODAY))


@pytest.fixture(scope="module")
def large_org() -> SyntheticOrganisation:
    return SyntheticOrganisation("large-org", seed=7, today=TODAY)


# ---- the synthetic organisation --------------------------------------------------------------


def test_same_inputs_give_byte_identical_responses_and_another_seed_differs():
    params = request(
        dt.date(2025, 2, 25),
        dt.date(2025, 3, 5),
        group_by=["SERVICE", "RECORD_TYPE"],
        metrics=["UnblendedCost", "NetAmortizedCost"],
    )

    def answer(seed: int) -> str:
        ce = FakeCostExplorer(SyntheticOrganisation("small", seed=seed, today=TODAY))
        return json.dumps(ce.all_pages(params), sort_keys=True)

    assert answer(7) == answer(7)
    assert answer(7) != answer(8)


def test_unknown_profile_is_refused_naming_the_profiles():
    with pytest.raises(ValueError, match="small, large-org"):
        SyntheticOrganisation("medium")


def test_default_today_is_the_real_utc_day():
    assert SyntheticOrganisation().today == dt.datetime.now(dt.UTC).date()


def test_small_profile_has_a_few_dozen_real_services_with_sub_cent_and_zero_ones(small):
    groups = small.get_cost_and_usage(day_request(YESTERDAY, group_by=["SERVICE"]))
    amounts = {
        g["Keys"][0]: Decimal(g["Metrics"]["UnblendedCost"]["Amount"]) for g in groups["ResultsByTime"][0]["Groups"]
    }
    assert 30 <= len(amounts) <= 40
    for real in (
        "Amazon Elastic Compute Cloud - Compute",
        "EC2 - Other",
        "AWS Lambda",
        "Amazon Simple Storage Service",
        "Amazon Virtual Private Cloud",
    ):
        assert real in amounts
    assert any(0 < amount < Decimal("0.01") for amount in amounts.values())
    assert any(amount == 0 for amount in amounts.values())
    # CE precision: up to 10 decimal places, plain digits.
    for group in groups["ResultsByTime"][0]["Groups"]:
        text = group["Metrics"]["UnblendedCost"]["Amount"]
        assert "E" not in text and len(text.partition(".")[2]) <= 10


def test_large_org_has_hundreds_of_services_and_dozens_of_named_accounts(large_org):
    assert len(large_org.service_names) >= 300
    assert 50 <= len(large_org.accounts) <= 80
    assert len(set(large_org.accounts.values())) == len(large_org.accounts)


def test_compute_costs_dip_at_weekends(small):
    pages = small.all_pages(request(dt.date(2025, 2, 1), dt.date(2025, 3, 1), group_by=["SERVICE"]))
    weekday, weekend = [], []
    for start, amount in daily_amounts(pages, EC2_COMPUTE).items():
        (weekend if dt.date.fromisoformat(start).weekday() >= 5 else weekday).append(amount)
    assert max(weekend) < min(weekday)
    assert sum(weekend) / len(weekend) < Decimal("0.7") * sum(weekday) / len(weekday)


def test_spike_service_jumps_on_the_day_before_today(small):
    service = small.org.spike_service
    spike = service_cost(small, service, YESTERDAY)
    usual = [service_cost(small, service, YESTERDAY - dt.timedelta(days=n)) for n in range(2, 9)]
    assert spike > 4 * max(usual)


def test_new_service_has_its_first_cost_three_days_before_today(small):
    service = small.org.new_service
    pages = small.all_pages(request(TODAY - dt.timedelta(days=10), TODAY + dt.timedelta(days=1), group_by=["SERVICE"]))
    days_with_service = sorted(day for day, name in amounts_by_key(pages) if name == service)
    assert days_with_service == [(TODAY - dt.timedelta(days=n)).isoformat() for n in (3, 2, 1, 0)]


def test_today_is_partial(small):
    today = total(small.get_cost_and_usage(day_request(TODAY)))
    week = [total(small.get_cost_and_usage(day_request(TODAY - dt.timedelta(days=7))))]
    assert 0 < today < Decimal("0.6") * week[0]


def month_by(pages: list[dict], metric="UnblendedCost") -> dict[tuple, Decimal]:
    """Group keys -> the sum over every day in the pages."""
    sums: dict[tuple, Decimal] = {}
    for (_, *keys), amount in amounts_by_key(pages, metric).items():
        sums[tuple(keys)] = sums.get(tuple(keys), Decimal(0)) + amount
    return sums


def test_credits_are_negative_and_record_types_add_up_to_the_total(small):
    february = request(dt.date(2025, 2, 1), dt.date(2025, 3, 1), group_by=["RECORD_TYPE"])
    by_type = month_by(small.all_pages(february))
    ungrouped = total(small.get_cost_and_usage({k: v for k, v in february.items() if k != "GroupBy"}))
    assert by_type[("Credit",)] < 0
    assert by_type[("Refund",)] < 0
    assert by_type[("Tax",)] > 0 and by_type[("Support fee",)] > 0
    assert sum(by_type.values()) == ungrouped

    pages = small.all_pages(request(dt.date(2025, 2, 1), dt.date(2025, 3, 1), group_by=["SERVICE", "RECORD_TYPE"]))
    services = {service for service, record_type in month_by(pages) if record_type == "Credit"}
    assert services == set(small.org.credit_services)


def test_support_fee_and_tax_are_charged_on_the_first_of_the_month(small):
    response = small.get_cost_and_usage(request(dt.date(2025, 2, 1), dt.date(2025, 2, 4), group_by=["RECORD_TYPE"]))
    by_day = amounts_by_key([response])
    assert by_day[("2025-02-01", "Support fee")] >= 100
    assert ("2025-02-02", "Support fee") not in by_day and ("2025-02-02", "Tax") not in by_day
    february = request(dt.date(2025, 2, 1), dt.date(2025, 3, 1), group_by=["RECORD_TYPE"], metrics=["NetUnblendedCost"])
    usage = month_by(small.all_pages(february), "NetUnblendedCost")
    taxable = usage[("Usage",)] + usage[("Support fee",)]
    assert by_day[("2025-02-01", "Tax")] == (taxable * small.org.tax_rate).quantize(Decimal("1E-10"))


@pytest.mark.parametrize("group_by", [["SERVICE"], ["RECORD_TYPE"], ["SERVICE", "RECORD_TYPE"]])
def test_every_grouping_adds_up_to_the_ungrouped_total(small, group_by):
    plain = request(dt.date(2025, 2, 20), dt.date(2025, 3, 3), metrics=["UnblendedCost", "NetUnblendedCost"])
    expected = total(small.get_cost_and_usage(plain))

    pages = small.all_pages(request(dt.date(2025, 2, 20), dt.date(2025, 3, 3), group_by=group_by))

    assert sum(amounts_by_key(pages).values()) == expected


def test_large_org_net_cost_is_after_the_discount_program(large_org):
    ce = FakeCostExplorer(large_org)
    params = day_request(
        dt.date(2025, 2, 10),
        metrics=["UnblendedCost", "NetUnblendedCost", "AmortizedCost", "BlendedCost"],
        group_by=["RECORD_TYPE"],
    )
    groups = {g["Keys"][0]: g["Metrics"] for g in ce.get_cost_and_usage(params)["ResultsByTime"][0]["Groups"]}
    usage, discount = groups["Usage"], groups["Enterprise Discount Program Discount"]
    assert Decimal(usage["NetUnblendedCost"]["Amount"]) < Decimal(usage["UnblendedCost"]["Amount"])
    assert Decimal(discount["UnblendedCost"]["Amount"]) < 0
    assert Decimal(discount["NetUnblendedCost"]["Amount"]) == 0
    assert usage["AmortizedCost"] == usage["UnblendedCost"]  # nothing to amortise
    assert usage["BlendedCost"] != usage["UnblendedCost"]  # EC2 blended rates differ per account
    ungrouped = ce.get_cost_and_usage({k: v for k, v in params.items() if k != "GroupBy"})
    totals = ungrouped["ResultsByTime"][0]["Total"]
    assert totals["NetUnblendedCost"]["Amount"] == totals["UnblendedCost"]["Amount"]


# ---- periods, Estimated and availability --------------------------------------------------------


def test_end_is_exclusive_so_one_day_gives_one_result(small):
    response = small.get_cost_and_usage(day_request(YESTERDAY))
    assert [r["TimePeriod"] for r in response["ResultsByTime"]] == [
        {"Start": YESTERDAY.isoformat(), "End": TODAY.isoformat()}
    ]


def test_grouped_results_have_an_empty_total_and_ungrouped_ones_no_groups(small):
    grouped = small.get_cost_and_usage(day_request(YESTERDAY, group_by=["SERVICE"]))
    assert grouped["ResultsByTime"][0]["Total"] == {}
    assert grouped["GroupDefinitions"] == [{"Type": "DIMENSION", "Key": "SERVICE"}]
    ungrouped = small.get_cost_and_usage(day_request(YESTERDAY))
    assert ungrouped["ResultsByTime"][0]["Groups"] == []
    assert "GroupDefinitions" not in ungrouped and "NextPageToken" not in ungrouped
    assert ungrouped["DimensionValueAttributes"] == []


def test_days_after_today_are_empty_and_estimated(small):
    first_of_next_month = dt.date(2025, 4, 1)
    response = small.get_cost_and_usage(request(TODAY, first_of_next_month))
    later = response["ResultsByTime"][1:]
    assert len(later) == (first_of_next_month - TODAY).days - 1
    assert all(r["Total"]["UnblendedCost"] == {"Amount": "0", "Unit": "USD"} for r in later)
    assert all(r["Estimated"] for r in response["ResultsByTime"])
    grouped = small.get_cost_and_usage(request(TODAY, first_of_next_month, group_by=["SERVICE"]))
    assert all(r["Groups"] == [] and r["Total"] == {} for r in grouped["ResultsByTime"][1:])


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        # today, {month: Estimated}: the previous month stays estimated until its invoice (the 5th).
        (dt.date(2025, 3, BILL_FINALISED_DAY - 1), {"2025-01-01": False, "2025-02-01": True, "2025-03-01": True}),
        (dt.date(2025, 3, BILL_FINALISED_DAY), {"2025-01-01": False, "2025-02-01": False, "2025-03-01": True}),
    ],
)
def test_estimated_while_the_billing_month_is_open(today, expected):
    ce = FakeCostExplorer(SyntheticOrganisation("small", today=today))
    response = ce.get_cost_and_usage(request(dt.date(2025, 1, 1), dt.date(2025, 4, 1)))
    estimated = {r["TimePeriod"]["Start"]: r["Estimated"] for r in response["ResultsByTime"]}
    assert {day: estimated[day] for day in expected} == expected
    # Every day of a month is estimated, or not, with its month.
    assert {(day[:7], flag) for day, flag in estimated.items()} == {(day[:7], flag) for day, flag in expected.items()}


def test_history_starts_on_the_first_of_the_month_thirteen_months_ago(small):
    response = small.get_cost_and_usage(day_request(dt.date(2024, 2, 1)))
    assert total(response) > 0
    with pytest.raises(CostExplorerError, match="historical data beyond 14 months"):
        small.get_cost_and_usage(day_request(dt.date(2024, 1, 31)))


# ---- validation -------------------------------------------------------------------------------


def _with(**changes) -> dict:
    params = day_request(YESTERDAY)
    params.update(changes)
    return params


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        (
            _with(Granularity="WEEKLY"),
            "ValidationException",
            "Value 'WEEKLY' at 'granularity' failed to satisfy constraint: Member must satisfy enum value set",
        ),
        (_with(Granularity="HOURLY"), "AccessDeniedException", "HOURLY data is not publicly supported"),
        (_with(Metrics=["Cost"]), "ValidationException", "Invalid metric name(s) ['Cost']"),
        (
            _with(Metrics=["UsageQuantity"]),
            "ValidationException",
            "Metric UsageQuantity is valid in Cost Explorer but not",
        ),
        (
            _with(Metrics=["UNBLENDED_COST"]),
            "ValidationException",
            "Metric UNBLENDED_COST is valid in Cost Explorer but",
        ),
        (_with(Metrics=[]), "ValidationException", "Metrics is required"),
        (
            {k: v for k, v in day_request(YESTERDAY).items() if k != "Metrics"},
            "ValidationException",
            "Value null at 'metrics' failed to satisfy constraint: Member must not be null",
        ),
        (
            _with(TimePeriod={"Start": "2025-03-11", "End": "2025-03-11"}),
            "ValidationException",
            "Start date (and hour) should be before end date (and hour)",
        ),
        (
            _with(TimePeriod={"Start": "2025-03-11", "End": "2025-03-01"}),
            "ValidationException",
            "Start date (and hour) should be before end date (and hour)",
        ),
        (
            _with(TimePeriod={"Start": "2025/03/11", "End": "2025-03-12"}),
            "ValidationException",
            "Value '2025/03/11' at 'timePeriod.start' failed to satisfy constraint: Member must satisfy "
            "regular expression pattern",
        ),
        (
            _with(TimePeriod={"Start": "2025-02-30", "End": "2025-03-12"}),
            "ValidationException",
            "TimePeriod.Start '2025-02-30' is not a valid date",
        ),
        (
            _with(TimePeriod={"Start": "2025-03-11", "End": "2025-04-02"}),
            "ValidationException",
            "end date past the beginning of next month",
        ),
        (
            _with(TimePeriod={"Start": "2025-03-13", "End": "2025-03-14"}),
            "ValidationException",
            "is after the current date 2025-03-12",
        ),
        (
            _with(TimePeriod={"Start": "2023-12-01", "End": "2024-01-01"}),
            "ValidationException",
            "You haven't enabled historical data beyond 14 months.",
        ),
        (
            _with(GroupBy=[{"Type": "DIMENSION", "Key": k} for k in ("SERVICE", "REGION", "RECORD_TYPE")]),
            "ValidationException",
            "GroupBy has 3 group definitions: you can group by at most two",
        ),
        (
            _with(GroupBy=[{"Type": "LINKED_ACCOUNT", "Key": "SERVICE"}]),
            "ValidationException",
            "Group Definition type is invalid.",
        ),
        (
            _with(GroupBy=[{"Type": "DIMENSION", "Key": ""}]),
            "ValidationException",
            "Group Definition is invalid. Both type an key need to be set to a non-empty value.",
        ),
        (
            _with(GroupBy=[{"Type": "DIMENSION", "Key": "RESOURCE_ID"}]),
            "ValidationException",
            "Group Definition dimension is invalid. Valid values are AZ, INSTANCE_TYPE, LINKED_ACCOUNT",
        ),
        (
            _with(GroupBy=[{"Type": "DIMENSION", "Key": "USAGE_TYPE"}]),
            "ValidationException",
            "GroupBy dimension USAGE_TYPE is valid in Cost Explorer but not modelled by this fake",
        ),
        (
            _with(GroupBy=[{"Type": "PRODUCT_ATTRIBUTE", "Key": "instanceType"}]),
            "ValidationException",
            "GroupBy type PRODUCT_ATTRIBUTE (key 'instanceType') is valid in Cost Explorer but not modelled",
        ),
        (
            _with(GroupBy=[{"Type": "TAG", "Key": "team"}, {"Type": "TAG", "Key": "team"}]),
            "ValidationException",
            "GroupBy names TAG 'team' twice",
        ),
        (
            _with(Filter={"Dimensions": {"Key": "USAGE_TYPE", "Values": ["Tax"]}}),
            "ValidationException",
            "Filter.Dimensions on dimension USAGE_TYPE is valid in Cost Explorer but not modelled by this fake",
        ),
        (
            _with(
                Filter={
                    "Tags": {"Key": "team", "Values": ["payments"]},
                    "Dimensions": {"Key": "SERVICE", "Values": ["Tax"]},
                }
            ),
            "ValidationException",
            "Filter: an Expression must hold exactly one of And, Or, Not, Dimensions, Tags, CostCategories; "
            "it holds Dimensions, Tags",
        ),
        (
            _with(Filter={"Not": {"Tags": {"Key": "team", "Values": ["a"], "MatchOptions": ["ABSENT"]}}}),
            "ValidationException",
            "Filter.Not.Tags MatchOptions ['ABSENT'] is valid in Cost Explorer but not modelled by this fake",
        ),
        (
            _with(Filter={"Dimensions": {"Key": "SERVICE", "Values": ["Tax"], "MatchOptions": ["FUZZY"]}}),
            "ValidationException",
            "Member must satisfy enum value set: [EQUALS, ABSENT",
        ),
        (
            _with(BillingViewArn="arn:aws:billing::111111111111:billingview/primary"),
            "ValidationException",
            "BillingViewArn is valid in Cost Explorer but not modelled by this fake",
        ),
        (_with(Metrics="UnblendedCost"), "SerializationException", "Expected a list at 'metrics'"),
        (
            _with(Filters={"Dimensions": {"Key": "SERVICE", "Values": ["Tax"]}}),
            "ValidationException",
            "Unknown parameter(s) ['Filters']",
        ),
    ],
    ids=lambda value: None,
)
def test_bad_requests_are_refused_as_aws_refuses_them(small, params, code, message):
    before = len(small.requests)
    with pytest.raises(CostExplorerError) as raised:
        small.get_cost_and_usage(params)
    assert raised.value.code == code
    assert raised.value.status == 400
    assert message in raised.value.message
    assert len(small.requests) == before + 1  # a refused request is still a (billed) request


# ---- pagination -------------------------------------------------------------------------------


def test_small_profile_one_day_by_service_is_one_page(small):
    before = len(small.requests)
    pages = small.all_pages(day_request(YESTERDAY, group_by=["SERVICE"]))
    assert len(pages) == 1 and "NextPageToken" not in pages[0]
    assert len(small.requests) == before + 1


def test_large_org_service_and_record_type_query_paginates_and_pages_add_up(large_org):
    params = request(YESTERDAY - dt.timedelta(days=2), TODAY, group_by=["SERVICE", "RECORD_TYPE"])
    ce = FakeCostExplorer(large_org, groups_per_page=250)
    pages = ce.all_pages(params)
    assert len(pages) > 3
    assert len(ce.requests) == len(pages)  # every page is a request
    assert all(len(r["Groups"]) <= ce.groups_per_page for p in pages for r in p["ResultsByTime"])
    assert all(p["GroupDefinitions"] == pages[0]["GroupDefinitions"] for p in pages)
    paged = amounts_by_key(pages)

    unpaged = FakeCostExplorer(large_org, groups_per_page=1_000_000)
    [single] = unpaged.all_pages(params)
    assert amounts_by_key([single]) == paged
    ungrouped = unpaged.get_cost_and_usage({k: v for k, v in params.items() if k != "GroupBy"})
    for result in ungrouped["ResultsByTime"]:
        start = result["TimePeriod"]["Start"]
        assert sum(v for k, v in paged.items() if k[0] == start) == Decimal(result["Total"]["UnblendedCost"]["Amount"])


def test_a_day_split_across_pages_appears_on_each_with_its_share_of_the_groups(large_org):
    ce = FakeCostExplorer(large_org, groups_per_page=250)
    pages = ce.all_pages(day_request(YESTERDAY, group_by=["SERVICE"]))
    assert len(pages) == 2
    assert [r["TimePeriod"]["Start"] for p in pages for r in p["ResultsByTime"]] == [
        YESTERDAY.isoformat()
    ] * 2  # the day is split across the pages
    [whole] = FakeCostExplorer(large_org).all_pages(day_request(YESTERDAY, group_by=["SERVICE"]))
    assert [len(r["Groups"]) for p in pages for r in p["ResultsByTime"]] == [
        250,
        len(whole["ResultsByTime"][0]["Groups"]) - 250,
    ]


@pytest.mark.parametrize(("profile", "expected_pages"), [("small", 1), ("large-org", 2)])
def test_the_reports_query_at_the_assumed_page_size(profile, expected_pages, small, large_org):
    # The report's one query: DAILY from the 1st of last month, by SERVICE and RECORD_TYPE (docs/performance.md).
    ce = FakeCostExplorer(small.org if profile == "small" else large_org)
    pages = ce.all_pages(request(dt.date(2025, 2, 1), TODAY, group_by=["SERVICE", "RECORD_TYPE"]))
    groups = sum(len(r["Groups"]) for p in pages for r in p["ResultsByTime"])
    assert len(pages) == expected_pages == -(-groups // ce.groups_per_page)  # requests = ceil(groups / page size)


def test_empty_days_still_appear_on_the_last_page(small):
    ce = FakeCostExplorer(small.org, groups_per_page=7)
    pages = ce.all_pages(request(YESTERDAY, TODAY + dt.timedelta(days=3), group_by=["SERVICE"]))
    starts = [r["TimePeriod"]["Start"] for p in pages for r in p["ResultsByTime"]]
    assert starts[-2:] == [(TODAY + dt.timedelta(days=1)).isoformat(), (TODAY + dt.timedelta(days=2)).isoformat()]
    assert pages[-1]["ResultsByTime"][-1]["Groups"] == []


def test_a_garbled_page_token_is_refused(small):
    with pytest.raises(CostExplorerError) as raised:
        small.get_cost_and_usage({**day_request(YESTERDAY, group_by=["SERVICE"]), "NextPageToken": "bm90LWEtdG9rZW4"})
    assert raised.value.code == "InvalidNextTokenException"


def test_a_page_token_reused_with_other_parameters_is_refused(large_org):
    ce = FakeCostExplorer(large_org, groups_per_page=250)
    first = ce.get_cost_and_usage(day_request(YESTERDAY, group_by=["SERVICE"]))
    other = day_request(YESTERDAY, group_by=["SERVICE"], metrics=["NetUnblendedCost"])
    with pytest.raises(CostExplorerError) as raised:
        ce.get_cost_and_usage({**other, "NextPageToken": first["NextPageToken"]})
    assert raised.value.code == "RequestChangedException"


# ---- faults and request accounting ------------------------------------------------------------


def test_fail_next_raises_the_given_error_then_recovers(small):
    ce = FakeCostExplorer(small.org)
    ce.fail_next("LimitExceededException", times=2)
    for _ in range(2):
        with pytest.raises(CostExplorerError) as raised:
            ce.get_cost_and_usage(day_request(YESTERDAY))
        assert raised.value.code == "LimitExceededException"
    assert ce.get_cost_and_usage(day_request(YESTERDAY))["ResultsByTime"]
    ce.fail_next("InternalServerError", "boom")
    with pytest.raises(CostExplorerError) as raised:
        ce.get_cost_and_usage(day_request(YESTERDAY))
    assert (raised.value.message, raised.value.status) == ("boom", 500)
    assert len(ce.requests) == 4


def test_requests_are_recorded_as_sent(small):
    ce = FakeCostExplorer(small.org)
    params = day_request(YESTERDAY, group_by=["SERVICE"])
    ce.get_cost_and_usage(params)
    params["Metrics"].append("BlendedCost")  # the caller's later edits do not rewrite history
    assert ce.requests == [day_request(YESTERDAY, group_by=["SERVICE"])]


# ---- through a real boto3 client ---------------------------------------------------------------


class _Body:
    def __init__(self, data: bytes):
        self._data = data

    def stream(self, **_):
        yield self._data


def test_a_boto3_client_round_trip_serialises_and_parses_like_aws(small):
    """boto3 serialises the call, the fake answers the JSON body, botocore parses the answer."""
    ce = FakeCostExplorer(small.org)
    client = boto3.client("ce", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")

    def answer(request, **_):
        body = json.loads(request.body)
        try:
            status, payload = 200, ce.get_cost_and_usage(body)
        except CostExplorerError as error:
            status, payload = error.status, {"__type": error.code, "message": error.message}
        return AWSResponse(request.url, status, {"x-amzn-requestid": "fake"}, _Body(json.dumps(payload).encode()))

    client.meta.events.register("before-send.ce.GetCostAndUsage", answer)
    response = client.get_cost_and_usage(
        TimePeriod={"Start": YESTERDAY.isoformat(), "End": TODAY.isoformat()},
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
        GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}],
    )
    assert ce.requests == [day_request(YESTERDAY, group_by=["SERVICE"])]
    assert response["ResultsByTime"][0]["Groups"]
    assert response["GroupDefinitions"] == [{"Type": "DIMENSION", "Key": "SERVICE"}]
    assert response["ResultsByTime"][0]["Estimated"] is True

    with pytest.raises(ClientError) as raised:
        client.get_cost_and_usage(
            TimePeriod={"Start": TODAY.isoformat(), "End": TODAY.isoformat()},
            Granularity="DAILY",
            Metrics=["UnblendedCost"],
        )
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert raised.value.response["Error"]["Message"] == ("Start date (and hour) should be before end date (and hour)")


def test_every_metric_in_one_request(small):
    response = small.get_cost_and_usage(day_request(YESTERDAY, metrics=METRICS))
    assert list(response["ResultsByTime"][0]["Total"]) == list(METRICS)


def test_line_items_read_by_name():
    org = SyntheticOrganisation("small", today=TODAY)
    item = LineItem._make(org.lines_for_day(YESTERDAY)[0])
    assert item.account == "111111111111" and item.record_type == "Usage"
    assert org.lines_for_day(TODAY + dt.timedelta(days=1)) == ()


# ---- scope filters and the breakdowns of declared reports ---------------------------------------------


def grouped(*groups: tuple[str, str]) -> list[dict]:
    return [{"Type": kind, "Key": key} for kind, key in groups]


def team_tag(value: str) -> dict:
    return {"Tags": {"Key": "team", "Values": [value], "MatchOptions": ["EQUALS"]}}


@pytest.mark.parametrize(
    "group_by",
    [
        [("DIMENSION", "LINKED_ACCOUNT")],
        [("DIMENSION", "REGION")],
        [("TAG", "team"), ("DIMENSION", "RECORD_TYPE")],
        [("COST_CATEGORY", "Team"), ("DIMENSION", "RECORD_TYPE")],
        [("DIMENSION", "LINKED_ACCOUNT"), ("DIMENSION", "RECORD_TYPE")],
    ],
)
def test_every_breakdown_of_the_large_org_adds_up_to_the_organisation_total(large_org, group_by):
    ce = FakeCostExplorer(large_org)
    expected = total(ce.get_cost_and_usage(day_request(YESTERDAY)))

    pages = ce.all_pages(boto3_valid({**day_request(YESTERDAY), "GroupBy": grouped(*group_by)}))

    assert sum(amounts_by_key(pages).values()) == expected
    if ("DIMENSION", "LINKED_ACCOUNT") in group_by:
        assert len({key[1] for key in amounts_by_key(pages)}) == len(large_org.accounts)


def test_a_team_reports_total_is_the_sum_of_that_teams_tagged_lines(large_org):
    ce = FakeCostExplorer(large_org)
    by_tag = amounts_by_key(ce.all_pages(boto3_valid({**day_request(YESTERDAY), "GroupBy": grouped(("TAG", "team"))})))

    filtered = ce.get_cost_and_usage(boto3_valid({**day_request(YESTERDAY), "Filter": team_tag("payments")}))

    assert total(filtered) == by_tag[(YESTERDAY.isoformat(), "team$payments")] > 0
    assert by_tag[(YESTERDAY.isoformat(), "team$")] > 0  # untagged cost, under the key with an empty value


def test_not_a_filter_keeps_exactly_the_rest_and_or_keeps_either(small):
    everything = total(small.get_cost_and_usage(day_request(YESTERDAY)))
    payments = total(small.get_cost_and_usage(boto3_valid({**day_request(YESTERDAY), "Filter": team_tag("payments")})))
    others = total(
        small.get_cost_and_usage(boto3_valid({**day_request(YESTERDAY), "Filter": {"Not": team_tag("payments")}}))
    )
    data = total(small.get_cost_and_usage(boto3_valid({**day_request(YESTERDAY), "Filter": team_tag("data")})))
    either = total(
        small.get_cost_and_usage(
            boto3_valid({**day_request(YESTERDAY), "Filter": {"Or": [team_tag("payments"), team_tag("data")]}})
        )
    )
    both = {"And": [team_tag("payments"), {"Dimensions": {"Key": "RECORD_TYPE", "Values": ["Usage"]}}]}
    usage_only = total(small.get_cost_and_usage(boto3_valid({**day_request(YESTERDAY), "Filter": both})))

    assert payments > 0 and data > 0
    assert payments + others == everything
    assert either == payments + data
    assert usage_only <= payments + Decimal("0.0000000001") and usage_only > 0


def test_an_account_filter_keeps_that_accounts_cost_only(large_org):
    ce = FakeCostExplorer(large_org)
    by_account = amounts_by_key(
        ce.all_pages(boto3_valid({**day_request(YESTERDAY), "GroupBy": grouped(("DIMENSION", "LINKED_ACCOUNT"))}))
    )
    account = sorted(large_org.accounts)[3]
    accounts_filter = {"Dimensions": {"Key": "LINKED_ACCOUNT", "Values": [account], "MatchOptions": ["EQUALS"]}}

    filtered = ce.get_cost_and_usage(boto3_valid({**day_request(YESTERDAY), "Filter": accounts_filter}))

    assert total(filtered) == by_account[(YESTERDAY.isoformat(), account)]


def test_grouping_by_linked_account_names_each_account_on_the_page(large_org):
    ce = FakeCostExplorer(large_org)
    params = boto3_valid({**day_request(YESTERDAY), "GroupBy": grouped(("DIMENSION", "LINKED_ACCOUNT"))})

    page = ce.get_cost_and_usage(params)

    attributes = {item["Value"]: item["Attributes"] for item in page["DimensionValueAttributes"]}
    assert attributes["111111111111"] == {"description": "management"}
    assert set(attributes) == {group["Keys"][0] for r in page["ResultsByTime"] for group in r["Groups"]}
    assert all(attributes[a]["description"] == large_org.accounts[a] for a in attributes)
    assert page["GroupDefinitions"] == [{"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}]


def test_tag_and_cost_category_keys_are_written_key_dollar_value_and_nothing_else_returns_attributes(small):
    params = boto3_valid({**day_request(YESTERDAY), "GroupBy": grouped(("COST_CATEGORY", "Team"), ("TAG", "team"))})

    page = small.get_cost_and_usage(params)

    keys = [group["Keys"] for r in page["ResultsByTime"] for group in r["Groups"]]
    assert ["Team$Payments", "team$payments"] in keys and ["Team$", "team$"] in keys
    assert all(k[0].startswith("Team$") and k[1].startswith("team$") for k in keys)
    assert page["DimensionValueAttributes"] == []
    assert page["GroupDefinitions"] == [{"Type": "COST_CATEGORY", "Key": "Team"}, {"Type": "TAG", "Key": "team"}]


def test_a_tag_key_no_line_carries_groups_everything_as_untagged(small):
    everything = total(small.get_cost_and_usage(day_request(YESTERDAY)))
    params = boto3_valid({**day_request(YESTERDAY), "GroupBy": grouped(("TAG", "cost-centre"))})

    assert amounts_by_key([small.get_cost_and_usage(params)]) == {(YESTERDAY.isoformat(), "cost-centre$"): everything}


def test_teams_are_drawn_from_the_seed_some_cost_untagged():
    a = SyntheticOrganisation("large-org", seed=7, today=TODAY)
    b = SyntheticOrganisation("large-org", seed=7, today=TODAY)
    other = SyntheticOrganisation("large-org", seed=8, today=TODAY)

    assert a.team_tags == b.team_tags and a.team_tags != other.team_tags
    assert "" in a.team_tags.values() and {"payments", "platform"} <= set(a.team_tags.values())
    assert a.account_categories["111111111111"] == "Shared"


def test_the_teams_profile_has_one_account_per_team_each_its_own_team_category_value():
    org = SyntheticOrganisation("teams", seed=7, today=TODAY, teams=30)

    assert len(org.team_accounts) == 30 and len(org.accounts) == 31  # and the management account
    categories = [org.account_categories[account] for account in org.team_accounts]
    assert categories[:2] == ["Payments-1", "Checkout-1"] and len(set(categories)) == 30
    by_team = FakeCostExplorer(org).get_cost_and_usage(
        boto3_valid({**day_request(YESTERDAY), "GroupBy": grouped(("COST_CATEGORY", "Team"), ("DIMENSION", "SERVICE"))})
    )
    services: dict[str, set[str]] = {}
    for group in by_team["ResultsByTime"][0]["Groups"]:
        services.setdefault(group["Keys"][0], set()).add(group["Keys"][1])
    assert set(services) == {f"Team${team}" for team in categories} | {"Team$Shared"}
    assert all(4 <= len(services[f"Team${team}"]) <= 8 for team in categories)  # a handful (+ Bedrock for one)


def test_a_team_costs_the_same_whatever_the_number_of_teams():
    few = SyntheticOrganisation("teams", seed=7, today=TODAY, teams=3)
    many = SyntheticOrganisation("teams", seed=7, today=TODAY, teams=200)
    team = few.team_accounts[2]

    def lines(org: SyntheticOrganisation) -> list[tuple]:
        return [line for line in org.lines_for_day(YESTERDAY) if line[0] == team]

    assert many.team_accounts[2] == team and lines(few) == lines(many) and lines(few)


def test_only_the_teams_profile_takes_a_team_count():
    with pytest.raises(ValueError, match="teams=5 is for the 'teams' profile"):
        SyntheticOrganisation("large-org", teams=5)
    with pytest.raises(ValueError, match="teams must be a whole number from 1 to 20,000"):
        SyntheticOrganisation("teams", teams=0)


# ---- MONTHLY granularity ----------------------------------------------------------------------


def test_monthly_gives_one_result_per_calendar_month_cut_to_the_window(small):
    response = small.get_cost_and_usage(request(dt.date(2024, 10, 15), dt.date(2024, 12, 3), granularity="MONTHLY"))
    periods = [(r["TimePeriod"]["Start"], r["TimePeriod"]["End"]) for r in response["ResultsByTime"]]
    assert periods == [("2024-10-15", "2024-11-01"), ("2024-11-01", "2024-12-01"), ("2024-12-01", "2024-12-03")]


def test_a_monthly_group_is_the_exact_sum_of_its_days(small):
    """A month's amount per (service, record type) is its days' amounts added up, to the last digit."""
    group_by = ["SERVICE", "RECORD_TYPE"]
    monthly = amounts_by_key(
        small.all_pages(request(dt.date(2024, 11, 1), dt.date(2024, 12, 1), group_by=group_by, granularity="MONTHLY"))
    )
    daily = amounts_by_key(small.all_pages(request(dt.date(2024, 11, 1), dt.date(2024, 12, 1), group_by=group_by)))
    summed: dict[tuple, Decimal] = {}
    for (_, *keys), amount in daily.items():
        summed[("2024-11-01", *keys)] = summed.get(("2024-11-01", *keys), Decimal(0)) + amount
    assert monthly == summed
    assert len({keys[1] for keys in monthly}) > 10  # services, each with its record types


def test_a_monthly_result_is_estimated_with_its_billing_month():
    # today 2025-03-04: February's bill is not final until the 5th, January's is.
    ce = FakeCostExplorer(SyntheticOrganisation("small", today=dt.date(2025, 3, BILL_FINALISED_DAY - 1)))
    response = ce.get_cost_and_usage(request(dt.date(2025, 1, 1), dt.date(2025, 4, 1), granularity="MONTHLY"))
    assert {r["TimePeriod"]["Start"]: r["Estimated"] for r in response["ResultsByTime"]} == {
        "2025-01-01": False,
        "2025-02-01": True,
        "2025-03-01": True,
    }


def test_monthly_keeps_the_time_period_rules(small):
    with pytest.raises(CostExplorerError, match="historical data beyond 14 months"):
        small.get_cost_and_usage(request(dt.date(2024, 1, 1), dt.date(2024, 3, 1), granularity="MONTHLY"))
    with pytest.raises(CostExplorerError, match="end date past the beginning of next month"):
        small.get_cost_and_usage(request(dt.date(2025, 2, 1), dt.date(2025, 5, 1), granularity="MONTHLY"))


@pytest.mark.slow  # the large synthetic organisation: seconds, so not in make test-fast
def test_thirteen_months_by_service_and_record_type_is_one_page_even_for_the_large_org(large_org):
    ce = FakeCostExplorer(large_org)
    first = dt.date(TODAY.year - 1, TODAY.month, 1)
    pages = ce.all_pages(
        request(first, TODAY.replace(day=1), group_by=["SERVICE", "RECORD_TYPE"], granularity="MONTHLY")
    )
    assert len(pages) == 1
    assert len(pages[0]["ResultsByTime"]) == 12


def test_monthly_answers_page_like_daily_ones_and_the_pages_merge_to_the_one_page_answer():
    org = SyntheticOrganisation("small", seed=7, today=TODAY)
    params = request(
        dt.date(2024, 11, 1), dt.date(2025, 2, 1), group_by=["SERVICE", "RECORD_TYPE"], granularity="MONTHLY"
    )
    paged = FakeCostExplorer(org, groups_per_page=7).all_pages(params)
    whole = FakeCostExplorer(org).all_pages(params)
    assert len(whole) == 1 and len(paged) > 3
    assert amounts_by_key(paged) == amounts_by_key(whole)
