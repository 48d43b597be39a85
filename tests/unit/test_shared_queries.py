"""The shared query of a shape (fetch_costs.shared): every report's slice is exactly its own query.

The proof is on the embedded Cost Explorer (local.cost_explorer), which is as strict as AWS: for every scope
value of the small and large-org organisations (each account, each `team` tag value, each `Team` cost
category value), the history parsed from the slice equals the history parsed from the report's own filtered
query, day by day and line by line, and so does the report summarised from it. The small organisation is
checked with every breakdown and both metrics here; the large one with one shape per scope kind, every
value, as a filtered query of it takes its Cost Explorer about 50 ms. tests/workflow/test_shared_slices.py
(the slow lane) checks every breakdown and both metrics of the large one for 8 values of each kind.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import botocore.session
import pytest
from botocore.validate import ParamValidator
from fetch_costs.errors import CostDataInvalid
from fetch_costs.history import CHARGES, CREDITS, RECORD_TYPES, CostHistory, parse_history, record_type
from fetch_costs.lines import line_namer, report_identity
from fetch_costs.query import build_request, report_window
from fetch_costs.settings import ReportSettings
from fetch_costs.shared import (
    ADJUSTMENT_LINE,
    MAX_SHARED_REQUESTS,
    ONE_OFF_CHARGE,
    ONE_OFF_CHARGE_TYPES,
    RECURRING_CHARGE,
    RECURRING_CHARGE_TYPES,
    Shape,
    ShapeSlices,
    SliceInexact,
    shape_of,
    shape_requests,
    slice_answers,
)
from fetch_costs.summarise import summarise
from report_contract.spec import Breakdown, ReportSpec, Scope

from local.cost_explorer import FakeCostExplorer, SyntheticOrganisation

# The 1st (tax, support fee) and the previous month's 1st are in the window; February is final (Estimated
# false) and March is not, so both flags are sliced.
TODAY = date(2025, 3, 6)
REPORT_DAY = date(2025, 3, 5)
START, END = report_window(REPORT_DAY)
METRICS = ("UnblendedCost", "AmortizedCost")
BREAKDOWNS = (
    Breakdown("service"),
    Breakdown("account"),
    Breakdown("region"),
    Breakdown("tag", "team"),
    Breakdown("cost_category", "Team"),
)
# Each scope kind of a report, on the dimension the synthetic organisations carry.
SCOPES = {"accounts": ("accounts", None), "tag": ("tag", "team"), "cost_category": ("cost_category", "Team")}
PROFILES = ("small", "large-org")


class World:
    """Each organisation's Cost Explorer, and each shape's answers, made once for the module."""

    def __init__(self) -> None:
        self.fakes = {p: FakeCostExplorer(SyntheticOrganisation(p, seed=7, today=TODAY)) for p in PROFILES}
        self.answers: dict[tuple[str, Shape], list[list[dict]]] = {}
        self.values: dict[tuple[str, str], tuple[str, ...]] = {}

    def shared(self, profile: str, shape: Shape) -> list[list[dict]]:
        if (profile, shape) not in self.answers:
            self.answers[profile, shape] = shared_answers(self.fakes[profile], shape)
        return self.answers[profile, shape]

    def values_of(self, profile: str, kind: str) -> tuple[str, ...]:
        if (profile, kind) not in self.values:
            breakdown, metric = LARGE_ORG_FAST[kind]
            shape = shape_of(spec(scope_of(kind, ("any",)), breakdown), metric)
            self.values[profile, kind] = values_of(self.shared(profile, shape), shape)
        return self.values[profile, kind]


@pytest.fixture(scope="module")
def world() -> World:
    return World()


@pytest.fixture(scope="module")
def fakes(world) -> dict[str, FakeCostExplorer]:
    return world.fakes


def spec(scope: Scope = Scope(), breakdown: Breakdown = Breakdown()) -> ReportSpec:
    return ReportSpec("team", "Team", recipients=("finops@example.com",), scope=scope, breakdown=breakdown)


def scope_of(kind: str, values: tuple[str, ...]) -> Scope:
    scope_kind, key = SCOPES[kind]
    return Scope(scope_kind, key, values)  # type: ignore[arg-type]


def history(pages: list[dict], breakdown: Breakdown, metric: str) -> CostHistory:
    return parse_history(START, END, metric, pages, requests=0, name=line_namer(breakdown, pages))


def report_state(report: ReportSpec, pages: list[dict], metric: str) -> dict:
    state = summarise(
        history(pages, report.breakdown, metric), REPORT_DAY, ReportSettings(metric=metric), report_identity(report)
    ).to_state()
    state.pop("costExplorerRequests")
    return state


def own_pages(ce: FakeCostExplorer, report: ReportSpec, metric: str) -> list[dict]:
    """The report's own query, every page: GroupBy [breakdown, RECORD_TYPE], Filter = its scope."""
    request = build_request(
        START,
        END,
        metric,
        group_by=report.breakdown.group_by(),
        scope_filter=report.scope.cost_explorer_filter(),
    )
    return ce.all_pages(request)


def shared_answers(ce: FakeCostExplorer, shape: Shape) -> list[list[dict]]:
    return [ce.all_pages(request) for request in shape_requests(shape, START, END)]


def values_of(answers: list[list[dict]], shape: Shape) -> tuple[str, ...]:
    """Every value of the scope's dimension with cost in the window: the first keys of a shape's answer."""
    keys = {g["Keys"][0] for page in answers[-1] for r in page["ResultsByTime"] for g in r["Groups"]}
    values = {key.removeprefix(f"{shape.scope[1]}$") for key in keys}
    return tuple(sorted(value for value in values if value))


def same_bytes(pages: list[dict], others: list[dict]) -> bool:
    """The same pages as they are written to S3."""
    return json.dumps(pages, separators=(",", ":")) == json.dumps(others, separators=(",", ":"))


def assert_same_history(sliced: CostHistory, own: CostHistory, what: str) -> None:
    assert sliced.currency == own.currency, what
    for sliced_day, own_day in zip(sliced.days, own.days, strict=True):
        assert sliced_day == own_day, f"{what}: {own_day.day}"


# --------------------------------------------------------------------------------------------
# Exactness: every scope value, every breakdown, both metrics
# --------------------------------------------------------------------------------------------


def check(
    world: World, profile: str, kind: str, breakdown: Breakdown, metric: str, reports: int = 99, limit: int = 0
) -> int:
    """Every value of the scope's dimension (the first `limit`, if given): its slice of the shape's answers
    against its own query (the history of each; the summarised report of the first `reports` values too).
    Returns how many values."""
    ce, values = world.fakes[profile], world.values_of(profile, kind)
    values = values[:limit] if limit else values
    assert values, f"{profile} has no {kind} value to check"
    shape = shape_of(spec(scope_of(kind, values[:1]), breakdown), metric)
    answers = world.shared(profile, shape)
    one_pass = ShapeSlices(shape, answers)
    for n, value in enumerate(values):
        # WHEN one report's part is sliced out of the shared answers (the one pass gives the same bytes)
        report = spec(scope_of(kind, (value,)), breakdown)
        sliced = slice_answers(shape, answers, (value,))
        assert same_bytes(one_pass.slice((value,)), sliced), value
        own = own_pages(ce, report, metric)
        # THEN its history is the one its own query gives, day by day, line by line, and so is its report
        what = f"{profile} {kind}={value} by {breakdown.label}, {metric}"
        assert_same_history(history(sliced, breakdown, metric), history(own, breakdown, metric), what)
        if n < reports:
            assert report_state(report, sliced, metric) == report_state(report, own, metric), what
    return len(values)


# The large organisation's every scope value against one shape per scope kind.
LARGE_ORG_FAST = {
    "accounts": (Breakdown("region"), "UnblendedCost"),
    "cost_category": (Breakdown("service"), "AmortizedCost"),
    "tag": (Breakdown("account"), "UnblendedCost"),
}


@pytest.mark.parametrize("kind", sorted(SCOPES))
def test_small_every_value_breakdown_and_metric_slices_to_its_own_querys_report(world, kind):
    checked = sum(check(world, "small", kind, b, metric) for b in BREAKDOWNS for metric in METRICS)
    assert checked == len(world.values_of("small", kind)) * len(BREAKDOWNS) * len(METRICS)


@pytest.mark.slow  # the large synthetic organisation: seconds, so not in make test-fast
@pytest.mark.parametrize("kind", sorted(SCOPES))
def test_large_org_every_value_slices_to_its_own_querys_history(world, kind):
    breakdown, metric = LARGE_ORG_FAST[kind]
    check(world, "large-org", kind, breakdown, metric, reports=2)


@pytest.mark.parametrize("kind", sorted(SCOPES))
def test_a_scope_of_several_values_is_sliced_as_its_own_query_adds_them(world, kind):
    breakdown, metric = LARGE_ORG_FAST[kind]
    values = world.values_of("large-org", kind)[1:6]
    report = spec(scope_of(kind, values), breakdown)
    shape = shape_of(report, metric)
    sliced = slice_answers(shape, world.shared("large-org", shape), values)
    own = own_pages(world.fakes["large-org"], report, metric)
    assert_same_history(history(sliced, breakdown, metric), history(own, breakdown, metric), kind)
    assert report_state(report, sliced, metric) == report_state(report, own, metric)


def test_the_whole_organisation_shares_the_reports_own_query_unchanged(fakes):
    ce = fakes["small"]
    for breakdown in BREAKDOWNS:
        report = spec(Scope(), breakdown)
        shape = shape_of(report, "AmortizedCost")
        requests = shape_requests(shape, START, END)
        own_request = build_request(START, END, "AmortizedCost", group_by=breakdown.group_by())
        assert requests == [own_request]
        answers = shared_answers(ce, shape)
        assert slice_answers(shape, answers, ()) == answers[0] == ce.all_pages(own_request)


# --------------------------------------------------------------------------------------------
# The requests
# --------------------------------------------------------------------------------------------


def every_shape() -> list[Shape]:
    shapes = [shape_of(spec(Scope(), b), metric) for b in BREAKDOWNS for metric in METRICS]
    scopes = [scope_of(kind, ("a",)) for kind in SCOPES] + [Scope("tag", "Environment", ("prod",))]
    return shapes + [shape_of(spec(s, b), metric) for s in scopes for b in BREAKDOWNS for metric in METRICS]


@cache
def get_cost_and_usage_input():
    model = botocore.session.get_session().get_service_model("ce")
    return model.operation_model("GetCostAndUsage").input_shape


@pytest.mark.parametrize("shape", every_shape(), ids=lambda s: f"{s.scope}-{s.breakdown.by}-{s.metric}")
def test_a_shapes_requests_are_at_most_three_and_valid_for_botocore(shape):
    requests = shape_requests(shape, START, END)
    assert 1 <= len(requests) <= MAX_SHARED_REQUESTS
    for request in requests:
        assert len(request["GroupBy"]) <= 2
        assert request["Granularity"] == "DAILY" and "NextPageToken" not in request
        report = ParamValidator().validate(request, get_cost_and_usage_input())
        assert not report.has_errors(), report.generate_report()


def test_a_hundred_values_share_the_same_three_requests(fakes):
    # GIVEN a hundred reports, one per team (most teams have no cost at all)
    ce = fakes["small"]
    shapes = {shape_of(spec(scope_of("cost_category", (f"Team{n}",))), "UnblendedCost") for n in range(100)}
    # THEN they are one shape, of three requests: one per record-type class
    assert len(shapes) == 1
    shape = shapes.pop()
    before = len(ce.requests)
    answers = shared_answers(ce, shape)
    assert len(answers) == 3 and len(ce.requests) - before == sum(len(pages) for pages in answers)
    recurring, one_off, every = shape_requests(shape, START, END)
    assert recurring["GroupBy"] == one_off["GroupBy"] == [shape.scope_group_by, {"Type": "DIMENSION", "Key": "SERVICE"}]
    assert recurring["Filter"]["Dimensions"]["Values"] == list(RECURRING_CHARGE_TYPES)
    assert one_off["Filter"]["Dimensions"]["Values"] == list(ONE_OFF_CHARGE_TYPES)
    assert every["GroupBy"] == [shape.scope_group_by, {"Type": "DIMENSION", "Key": "RECORD_TYPE"}]
    assert "Filter" not in every


@pytest.mark.parametrize(
    ("scope", "breakdown"),
    [
        (Scope("accounts", None, ("111111111111",)), Breakdown("account")),
        (Scope("tag", "team", ("payments",)), Breakdown("tag", "team")),
        (Scope("cost_category", "Team", ("Payments",)), Breakdown("cost_category", "Team")),
    ],
)
def test_a_scope_on_the_breakdowns_own_dimension_is_one_unfiltered_request(scope, breakdown):
    shape = shape_of(spec(scope, breakdown), "UnblendedCost")
    assert shape_requests(shape, START, END) == [
        build_request(START, END, "UnblendedCost", group_by=breakdown.group_by())
    ]


def test_the_record_type_classes_are_the_tables_and_the_rebuilt_groups_keep_their_class():
    assert all(record_type(name).kind == CHARGES and not record_type(name).one_off for name in RECURRING_CHARGE_TYPES)
    assert all(record_type(name).kind == CHARGES and record_type(name).one_off for name in ONE_OFF_CHARGE_TYPES)
    assert RECURRING_CHARGE in RECURRING_CHARGE_TYPES and ONE_OFF_CHARGE in ONE_OFF_CHARGE_TYPES
    charges = {name for name, kind in RECORD_TYPES.items() if kind.kind == CHARGES}
    assert set(RECURRING_CHARGE_TYPES) | set(ONE_OFF_CHARGE_TYPES) == charges
    assert not set(RECURRING_CHARGE_TYPES) & set(ONE_OFF_CHARGE_TYPES)


# --------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------


def test_team_reports_of_one_cost_category_breakdown_and_metric_are_one_shape():
    payments = spec(Scope("cost_category", "Team", ("Payments",)))
    billing = spec(Scope("cost_category", "Team", ("Billing", "Fraud")))
    assert shape_of(payments, "UnblendedCost") == shape_of(billing, "UnblendedCost")
    assert shape_of(payments, "UnblendedCost").key == shape_of(billing, "UnblendedCost").key
    others = [
        shape_of(payments, "AmortizedCost"),
        shape_of(replace(payments, breakdown=Breakdown("region")), "UnblendedCost"),
        shape_of(spec(Scope("cost_category", "Squad", ("Payments",))), "UnblendedCost"),
        shape_of(spec(Scope("tag", "Team", ("Payments",))), "UnblendedCost"),
        shape_of(spec(Scope("accounts", None, ("111111111111",))), "UnblendedCost"),
        shape_of(spec(), "UnblendedCost"),
    ]
    keys = {shape.key for shape in others} | {shape_of(payments, "UnblendedCost").key}
    assert len(keys) == len(others) + 1


def test_a_secondary_breakdown_has_its_own_shape():
    report = replace(spec(Scope("tag", "team", ("payments",))), secondary_breakdown=Breakdown("region"))
    shape = shape_of(report, "UnblendedCost", Breakdown("region"))
    assert shape.breakdown == Breakdown("region") and shape.scope == ("TAG", "team")


def test_the_shape_key_is_short_and_the_same_in_every_process():
    shape = shape_of(spec(Scope("cost_category", "Team", ("Payments",))), "UnblendedCost")
    code = (
        "from fetch_costs.shared import Shape; from report_contract.spec import Breakdown; "
        "print(Shape(('COST_CATEGORY', 'Team'), Breakdown('service'), 'UnblendedCost').key)"
    )
    other = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2] / "functions",
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    assert other.stdout.strip() == shape.key
    assert len(shape.key) == 16 and int(shape.key, 16) >= 0


# --------------------------------------------------------------------------------------------
# Slicing, on answers shaped exactly like Cost Explorer's
# --------------------------------------------------------------------------------------------

TEAM = shape_of(spec(Scope("tag", "team", ("payments",))), "UnblendedCost")
DAYS = ("2025-03-04", "2025-03-05")


def period(day: str, groups: list[tuple[str, str, str]], estimated: bool = True) -> dict:
    following = {"2025-03-04": "2025-03-05", "2025-03-05": "2025-03-06"}[day]
    return {
        "TimePeriod": {"Start": day, "End": following},
        "Total": {},
        "Groups": [
            {"Keys": [a, b], "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}} for a, b, amount in groups
        ],
        "Estimated": estimated,
    }


def page(*periods: dict, token: str | None = None) -> dict:
    result = {"GroupDefinitions": [], "ResultsByTime": list(periods), "DimensionValueAttributes": []}
    return result | ({"NextPageToken": token} if token else {})


def two_days(groups: list[tuple[str, str, str]]) -> list[dict]:
    return [page(period(DAYS[0], groups), period(DAYS[1], []))]


def parsed(pages: list[dict]) -> CostHistory:
    return parse_history(date(2025, 3, 4), date(2025, 3, 6), "UnblendedCost", pages)


def test_a_value_without_any_cost_gives_every_day_with_no_groups(world):
    breakdown, metric = LARGE_ORG_FAST["cost_category"]
    report = spec(scope_of("cost_category", ("No such team",)), breakdown)
    shape = shape_of(report, metric)
    sliced = slice_answers(shape, world.shared("large-org", shape), ("No such team",))
    days = [result for page in sliced for result in page["ResultsByTime"]]
    assert [r["TimePeriod"]["Start"] for r in days] == [(START + timedelta(n)).isoformat() for n in range(len(days))]
    assert START + timedelta(len(days)) == END
    assert all(result["Groups"] == [] for result in days)
    empty = history(sliced, breakdown, metric)
    assert empty.first_data_day is None and all(day.total == 0 for day in empty.days)
    assert_same_history(empty, history(own_pages(world.fakes["large-org"], report, metric), breakdown, metric), "none")


def test_unknown_record_types_stay_unclassified_and_adjustments_keep_their_kind():
    answers = [
        two_days([("team$payments", "AWS Lambda", "5")]),
        two_days([("team$payments", "AWS Support (Business)", "100")]),
        two_days(
            [
                ("team$payments", "Usage", "5"),
                ("team$payments", "Support fee", "100"),
                ("team$payments", "Credit", "-2"),
                ("team$payments", "Carbon offset", "0.5"),
                ("team$billing", "Mystery", "9"),
            ]
        ),
    ]
    day = parsed(slice_answers(TEAM, answers, ("payments",))).days[0]
    assert day.charges == {"AWS Lambda": 5, "AWS Support (Business)": 100}
    assert day.one_off_charges == {"AWS Support (Business)": 100}
    assert day.adjustments[CREDITS] == -2
    assert day.unclassified == {"Carbon offset": Decimal("0.5")}  # team billing's "Mystery" is not the slice's
    assert day.total == Decimal("103.5")


def test_a_group_repeated_across_pages_and_values_is_added_once_each():
    charges = [
        page(period(DAYS[0], [("team$payments", "AWS Lambda", "1.25")]), token="t"),
        page(
            period(DAYS[0], [("team$payments", "AWS Lambda", "0.0000000001"), ("team$billing", "AWS Lambda", "2")]),
            period(DAYS[1], [("team$billing", "Amazon S3", "3")]),
        ),
    ]
    answers = [charges, two_days([]), two_days([])]
    one = slice_answers(TEAM, answers, ("payments",))
    assert one[0]["ResultsByTime"][0]["Groups"] == [
        {
            "Keys": ["AWS Lambda", RECURRING_CHARGE],
            "Metrics": {"UnblendedCost": {"Amount": "1.2500000001", "Unit": "USD"}},
        }
    ]
    assert "NextPageToken" not in one[0] and one[0]["ResultsByTime"][1]["Groups"] == []
    both = parsed(slice_answers(TEAM, answers, ("payments", "billing")))
    assert both.days[0].charges == {"AWS Lambda": parsed(one).days[0].charges["AWS Lambda"] + 2}
    assert both.days[1].charges == {"Amazon S3": 3}


def test_the_estimated_flag_the_time_periods_and_the_unit_are_kept():
    answers = [
        [page(period(DAYS[0], [("team$payments", "AWS Lambda", "1")], estimated=False))],
        two_days([]),
        [page(period(DAYS[0], [], estimated=False), period(DAYS[1], [("team$payments", "Tax", "0.1")]))],
    ]
    results = slice_answers(TEAM, answers, ("payments",))[0]["ResultsByTime"]
    assert [(r["TimePeriod"], r["Estimated"]) for r in results] == [
        ({"Start": DAYS[0], "End": DAYS[1]}, True),  # answer (2) still estimates the day
        ({"Start": DAYS[1], "End": "2025-03-06"}, True),
    ]
    assert results[1]["Groups"] == [
        {"Keys": [ADJUSTMENT_LINE, "Tax"], "Metrics": {"UnblendedCost": {"Amount": "0.1", "Unit": "USD"}}}
    ]


def test_account_names_of_the_slice_travel_with_it():
    shape = shape_of(spec(Scope("tag", "team", ("payments",)), Breakdown("account")), "UnblendedCost")
    names = [
        {"Value": "222222222222", "Attributes": {"description": "prod-payments"}},
        {"Value": "333333333333", "Attributes": {"description": "prod-billing"}},
    ]
    charges = two_days([("team$payments", "222222222222", "4"), ("team$billing", "333333333333", "6")])
    charges[0]["DimensionValueAttributes"] = names
    sliced = slice_answers(shape, [charges, two_days([]), two_days([])], ("payments",))
    assert sliced[0]["DimensionValueAttributes"] == names[:1]
    assert parsed(sliced).days[0].charges == {"222222222222": 4}
    named = parse_history(
        date(2025, 3, 4), date(2025, 3, 6), "UnblendedCost", sliced, name=line_namer(Breakdown("account"), sliced)
    )
    assert named.days[0].charges == {"prod-payments (222222222222)": 4}


def test_a_charge_spelt_unlike_every_filter_value_is_refused_so_the_report_asks_for_itself():
    answers = [two_days([]), two_days([]), two_days([("team$payments", "savings plan covered usage", "3")])]
    with pytest.raises(SliceInexact, match="savings plan covered usage"):
        slice_answers(TEAM, answers, ("payments",))


def test_answers_that_do_not_fit_the_shape_are_refused():
    with pytest.raises(ValueError, match="3 answer"):
        slice_answers(TEAM, [two_days([])], ("payments",))
    with pytest.raises(ValueError, match="scope values"):
        slice_answers(TEAM, [two_days([])] * 3, ())
    with pytest.raises(ValueError, match="no scope values"):
        slice_answers(shape_of(spec(), "UnblendedCost"), [two_days([])], ("payments",))


@pytest.mark.parametrize(
    ("group", "message"),
    [
        ({"Keys": ["team$payments", "AWS Lambda", "Usage"]}, "two keys"),
        ({"Keys": ["team$payments", "AWS Lambda"], "Metrics": {}}, "has no UnblendedCost"),
        (
            {"Keys": ["team$payments", "AWS Lambda"], "Metrics": {"UnblendedCost": {"Amount": "n/a", "Unit": "USD"}}},
            "non-numeric",
        ),
    ],
)
def test_a_group_of_the_slice_that_would_make_a_wrong_report_is_refused(group, message):
    charges = [page(period(DAYS[0], []), period(DAYS[1], []))]
    charges[0]["ResultsByTime"][0]["Groups"] = [group]
    with pytest.raises(CostDataInvalid, match=message):
        slice_answers(TEAM, [charges, two_days([]), two_days([])], ("payments",))


# --------------------------------------------------------------------------------------------
# One pass for every report of a shape (ShapeSlices): the same slices as one report at a time
# --------------------------------------------------------------------------------------------


def one_report_at_a_time_and_in_one_pass(shape: Shape, answers: list[list[dict]], reports: list[tuple[str, ...]]):
    """Each report's slice_answers, and ShapeSlices' for the same reports, as results or the error raised."""

    def outcome(cut) -> object:
        try:
            return json.dumps(cut(), separators=(",", ":"))
        except (SliceInexact, CostDataInvalid, ValueError) as error:
            return type(error).__name__, str(error)

    one_pass = ShapeSlices(shape, answers)
    each = [outcome(lambda v=values: slice_answers(shape, answers, v)) for values in reports]
    together = [outcome(lambda v=values: one_pass.slice(v)) for values in reports]
    return each, together


@pytest.mark.slow  # every value of the large organisation, each sliced alone too
@pytest.mark.parametrize("kind", sorted(SCOPES))
def test_one_pass_gives_every_report_of_a_shape_the_slice_it_gets_alone(world, kind):
    # GIVEN a report per value, reports of several values, and values without cost
    breakdown, metric = LARGE_ORG_FAST[kind]
    values = world.values_of("large-org", kind)
    shape = shape_of(spec(scope_of(kind, values[:1]), breakdown), metric)
    reports = [(value,) for value in values] + [values[1:6], values[::-1][:3], ("No such value",), values]
    # WHEN they are sliced in one pass, and each alone
    each, together = one_report_at_a_time_and_in_one_pass(shape, world.shared("large-org", shape), reports)
    # THEN the slices are the same, byte for byte
    assert together == each


def test_one_pass_adds_repeated_groups_names_accounts_and_refuses_as_one_report_at_a_time():
    # GIVEN answers with a group repeated across pages and values, names of accounts, an unknown record type,
    # a charge spelt like no filter value and groups that would make a wrong report, each on its own value
    shape = shape_of(spec(Scope("tag", "team", ("payments",)), Breakdown("account")), "UnblendedCost")
    names = [{"Value": "222222222222", "Attributes": {"description": "prod-payments"}}]
    first = page(period(DAYS[0], [("team$payments", "222222222222", "1.25"), ("team$billing", "2", "2")]), token="t")
    first["DimensionValueAttributes"] = names
    recurring = [
        first,
        page(
            period(DAYS[0], [("team$payments", "222222222222", "0.0000000001"), ("team$billing", "2", "-0")]),
            period(DAYS[1], [("team$billing", "2", "3"), ("team$payments", "222222222222", "4.50")], estimated=False),
        ),
    ]
    recurring[1]["ResultsByTime"][0]["Groups"] += [
        {"Keys": ["team$broken", "1"], "Metrics": {}},
        {"Keys": ["team$units", "1"], "Metrics": {"UnblendedCost": {"Amount": "1", "Unit": "USD"}}},
    ]
    first["ResultsByTime"][0]["Groups"].append(
        {"Keys": ["team$units", "1"], "Metrics": {"UnblendedCost": {"Amount": "1", "Unit": "EUR"}}}
    )
    one_off = two_days([("team$payments", "222222222222", "100")])
    every = two_days(
        [
            ("team$payments", "Credit", "-2"),
            ("team$billing", "Carbon offset", "0.5"),
            ("team$inexact", "savings plan covered usage", "3"),
        ]
    )
    values = [("payments",), ("billing",), ("payments", "billing"), ("billing", "payments"), ("broken",)]
    values += [("units",), ("inexact",), ("payments", "inexact"), ("nobody",)]
    # WHEN each is sliced alone and all in one pass
    each, together = one_report_at_a_time_and_in_one_pass(shape, [recurring, one_off, every], values)
    # THEN the same slices and the same refusals
    assert together == each
    assert [type(outcome) for outcome in each].count(tuple) == 4  # broken, units, inexact twice


def test_one_pass_of_the_whole_organisation_is_its_answer_unchanged():
    shape = shape_of(spec(), "UnblendedCost")
    answer = two_days([("AWS Lambda", "Usage", "1")])
    assert ShapeSlices(shape, [answer]).slice(()) == answer == slice_answers(shape, [answer], ())
    with pytest.raises(ValueError, match="no scope values"):
        ShapeSlices(shape, [answer]).slice(("payments",))
    with pytest.raises(ValueError, match="3 answer"):
        ShapeSlices(TEAM, [answer])
