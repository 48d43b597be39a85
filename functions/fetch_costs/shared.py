"""One set of Cost Explorer requests for every daily report of a shape, sliced per report. Pure: no boto3,
no environment, no clock.

A report's own query is GetCostAndUsage DAILY, GroupBy [breakdown, RECORD_TYPE], Filter = its scope
(fetch_costs.query). Every page is billed ($0.01), so N team reports scoped to one cost category (Team =
Payments, Team = Billing, ...) cost N queries. Reports whose scope is on the same dimension (the same cost
category name, the same tag key, linked accounts, or the whole organisation), with the same breakdown and
metric, are one Shape: they share one set of at most MAX_SHARED_REQUESTS requests (plus their pages), and
slice_answers cuts each report's part out of the answers, in the form its own query returns, ready for
history.parse_history(start, end, metric, pages, name=line_namer(breakdown, pages)).

Why three requests. A slice needs three things per amount: the scope value (whose report it is), the line
(the breakdown's key) and the record type (where parse_history puts it). GetCostAndUsage groups by two keys
at most ("You can group Amazon Web Services costs using up to two different groups", GroupBy in
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html; MAX_GROUP_BY).
So the record type goes into Filters instead, split by what parse_history does with it (history.RECORD_TYPES):

    (1) GroupBy [scope, breakdown], Filter RECORD_TYPE = every spelling of a recurring charge (kind
        CHARGES, not one-off: Usage, DiscountedUsage, ...): the lines' recurring charges, rebuilt per day as
        the group [line, RECURRING_CHARGE];
    (2) the same with every spelling of a one-off charge (RIFee, Fee, Support fee, ...): rebuilt as
        [line, ONE_OFF_CHARGE], so the line's one-off part is right too (forecast, movers, anomalies);
    (3) GroupBy [scope, RECORD_TYPE], no Filter: every record type. Those that are not charges (credits,
        refunds, discounts, tax, and any type the table does not know) are rebuilt as [ADJUSTMENT_LINE,
        record type]: parse_history reads a non-charge group's line for nothing (its amount goes to the
        adjustment of its kind, or to Day.unclassified under the record type's own name), so its line need
        not be known. Charge types are skipped here: (1) and (2) carry them with their lines.

Every amount of the scope is in exactly one of these, so parse_history of a slice gives the same charges per
line (and their one-off part), the same adjustments, the same unclassified types and the same days with data
as the report's own query. A record type that classifies as a charge but is not spelt as any filter value
(another case or spacing of a known one: record_type() ignores both, while "Valid values for MatchOptions for
Dimensions are EQUALS and CASE_SENSITIVE", same page, Filter) would reach only (3), without its line:
slice_answers refuses it with SliceInexact, and the report runs its own query. A filter value Cost Explorer
does not have matches nothing. The record-type lists are part of Shape.key, so answers fetched with other
lists are never sliced.

When a single request does: the whole organisation (scope None) shares the report's own query, no Filter,
and the slice is the answer unchanged. A scope on the breakdown's own dimension (accounts by account, tag
"team" by tag "team", cost category "Team" by cost category "Team") shares GroupBy [breakdown, RECORD_TYPE]
unfiltered, and a slice keeps the groups of its values. Otherwise a shape is worth its three requests from
four reports on (fetch_costs.sharing decides).

The slice. A group is the report's when its scope key is one of the report's values, in the form Cost
Explorer writes group keys: an account's bare id, a tag's "<key>$<value>" ("team$payments"), a cost
category's "<name>$<value>" ("Team$Payments"); lines.py and local/cost_explorer.py say where each form comes
from. Amounts of the same rebuilt group (several values, or a group repeated across pages) are added exactly.
Every day of the answers is kept, with its TimePeriod and Estimated flag, even with no group for the slice
(as Cost Explorer returns a day without cost); units are kept; with an account breakdown,
DimensionValueAttributes names each account of the slice (so line_namer names them). The slice is one page:
its page count is not a request count (pass parse_history's `requests`).

What could make a slice differ from the report's own query on AWS (the embedded Cost Explorer is exact, and
tests/unit/test_shared_queries.py holds every scope value, breakdown and metric to it there):
    * Cost Explorer can answer the same costs differently by grouping: grouped by LINKED_ACCOUNT it has
      left out a pro-rated support fee (and its tax) that a LINKED_ACCOUNT Filter kept
      (https://github.com/boto/boto3/issues/2140). An accounts-scoped shape groups by LINKED_ACCOUNT where
      the report's own query filters by it.
    * Amounts come rounded per group: a line's charge here is the sum of its (scope value, line) groups per
      record-type class, there one group per (line, record type); the last digits (1E-10) may differ.
    * Cost categories with split-charge rules: no AWS page this project could check says whether a Filter
      and a GroupBy on a cost category apply them alike.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation, localcontext
from itertools import count
from operator import itemgetter
from typing import Any, cast

from report_contract.spec import Breakdown, ReportSpec
from report_contract.wire import EXACT

from fetch_costs.errors import CostDataInvalid
from fetch_costs.history import CHARGES, RECORD_TYPES, record_type
from fetch_costs.query import RECORD_TYPE, build_request

# GetCostAndUsage: "up to two different groups" (GroupBy, the page in the module docstring).
MAX_GROUP_BY = 2
MAX_SHARED_REQUESTS = 3
# The record types' spellings each charge request filters on, from the one table that classifies them.
RECURRING_CHARGE_TYPES = tuple(name for name, t in RECORD_TYPES.items() if t.kind == CHARGES and not t.one_off)
ONE_OFF_CHARGE_TYPES = tuple(name for name, t in RECORD_TYPES.items() if t.kind == CHARGES and t.one_off)
# The record type a rebuilt charge group carries: one spelling of its class (tests hold them to the table).
RECURRING_CHARGE = "Usage"
ONE_OFF_CHARGE = "Fee"
# The line of a rebuilt non-charge group: parse_history does not read it (Cost Explorer's own key for cost it
# cannot attribute, shown "(no service)" if it ever were).
ADJUSTMENT_LINE = ""
# Changes whenever what a shape's answers mean changes, so an answer stored by other code is never sliced.
SHAPE_FORMAT = 1

_SCOPE_TYPES = {"accounts": "DIMENSION", "tag": "TAG", "cost_category": "COST_CATEGORY"}
_CHARGE_SPELLINGS = frozenset(RECURRING_CHARGE_TYPES + ONE_OFF_CHARGE_TYPES)


class SliceInexact(Exception):
    """The shared answers hold an amount a slice cannot place as the report's own query would (a charge
    whose record type is spelt as none of the filter values): the report must run its own query."""


@dataclass(frozen=True)
class Shape:
    """What a set of reports has in common that lets them share one set of requests."""

    scope: tuple[str, str] | None  # the scope's GroupBy (Type, Key); None: the whole organisation
    breakdown: Breakdown
    metric: str

    @property
    def key(self) -> str:
        """A stable short id: the same in every process, different for any difference in the requests."""
        canonical = {
            "format": SHAPE_FORMAT,
            "scope": None if self.scope is None else list(self.scope),
            "breakdown": self.breakdown.to_state(),
            "metric": self.metric,
            "recurring": list(RECURRING_CHARGE_TYPES),
            "oneOff": list(ONE_OFF_CHARGE_TYPES),
        }
        text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def scope_group_by(self) -> dict[str, str] | None:
        return None if self.scope is None else {"Type": self.scope[0], "Key": self.scope[1]}

    @property
    def single(self) -> bool:
        """One request answers every report of the shape: the whole organisation, or a scope on the
        breakdown's own dimension."""
        return self.scope is None or self.scope_group_by == self.breakdown.group_by()

    def scope_key(self, value: str) -> str:
        """A scope value as Cost Explorer writes it in a group's keys."""
        kind, key = cast(tuple[str, str], self.scope)
        return value if kind == "DIMENSION" else f"{key}${value}"


def shape_of(spec: ReportSpec, metric: str, breakdown: Breakdown | None = None) -> Shape:
    """The report's shape for its main query (or for `breakdown`, its secondary one), with its metric."""
    scope = spec.scope
    if scope.kind == "organisation":
        entry = None
    elif scope.kind == "accounts":
        entry = ("DIMENSION", "LINKED_ACCOUNT")
    else:
        entry = (_SCOPE_TYPES[scope.kind], cast(str, scope.key))
    return Shape(entry, breakdown or spec.breakdown, metric)


def shape_requests(shape: Shape, start: date, end: date) -> list[dict[str, Any]]:
    """The GetCostAndUsage requests of a shape, DAILY from start to end (exclusive), without NextPageToken:
    one when shape.single, else (1) recurring charges, (2) one-off charges, (3) every record type."""
    if shape.single:
        return [build_request(start, end, shape.metric, group_by=shape.breakdown.group_by())]
    scope = cast(dict[str, str], shape.scope_group_by)
    by_line = [dict(scope), shape.breakdown.group_by()]
    return [
        {**build_request(start, end, shape.metric), "GroupBy": by_line, "Filter": _record_types(types)}
        for types in (RECURRING_CHARGE_TYPES, ONE_OFF_CHARGE_TYPES)
    ] + [build_request(start, end, shape.metric, group_by=scope)]


def _record_types(values: tuple[str, ...]) -> dict[str, Any]:
    return {"Dimensions": {"Key": RECORD_TYPE["Key"], "Values": list(values), "MatchOptions": ["EQUALS"]}}


Rebuild = Callable[[list[str]], tuple[str, str] | None]


def slice_answers(shape: Shape, answers: list[list[dict[str, Any]]], values: tuple[str, ...]) -> list[dict[str, Any]]:
    """One report's pages from its shape's answers (answers[i]: every page of shape_requests(...)[i]), as its
    own query (GroupBy [breakdown, RECORD_TYPE], Filter = the scope with `values`) returns them.

    The definition of a slice: it reads every group of every page, so slicing N reports of a shape this way
    is N passes over the answers. ShapeSlices gives the same pages for many reports in one pass."""
    _check_answers(shape, answers)
    _check_values(shape, values)
    if shape.scope is None:
        return list(answers[0])
    cut = _Slice(shape, {shape.scope_key(value) for value in values})
    for pages, rebuild in zip(answers, _rebuilds(shape), strict=True):
        cut.add(pages, rebuild)
    return [cut.page()]


class ShapeSlices:
    """A shape's answers read once, for slicing many reports: slice(values) is slice_answers(shape, answers,
    values), byte for byte, errors included (tests/unit/test_shared_queries.py holds them equal).

    Why. An organisation's scheduled run can have a report per team, a thousand teams to a shape: slicing
    each by reading every group of every page is reports x groups (about a minute for 1,000 teams, more than
    the function's timeout; the measurement is in decision 0010). Here the groups are partitioned by their
    scope key once, each with its place in the answers; a report's slice reads only its values' groups, in
    that order (so amounts are added, and a bad group refused, exactly as slice_answers does).

    Nothing is copied: the partition holds references to the answers' groups, and the slices share the
    answers' TimePeriod and DimensionValueAttributes items (write them out; do not change them)."""

    def __init__(self, shape: Shape, answers: list[list[dict[str, Any]]]) -> None:
        _check_answers(shape, answers)
        self.shape = shape
        self._whole = answers[0] if shape.scope is None else []
        # Every day of the answers (its first TimePeriod, Estimated if any answer estimates it), and every
        # account's name, as slice_answers collects them for each report: they do not depend on its values.
        self._periods: dict[str, tuple[dict[str, Any], bool]] = {}
        self._names: dict[str, dict[str, Any]] = {}
        # scope key -> (place in the answers, day, how to rebuild it, the group), in the answers' order.
        self._groups: dict[str, list[tuple[int, str, Rebuild, dict[str, Any]]]] = {}
        self._order = count()
        if shape.scope is not None:
            for pages, rebuild in zip(answers, _rebuilds(shape), strict=True):
                self._read(pages, rebuild)

    def _read(self, pages: list[dict[str, Any]], rebuild: Rebuild) -> None:
        for page in pages:
            for item in page.get("DimensionValueAttributes") or []:
                if isinstance(item, dict) and isinstance(item.get("Value"), str):
                    self._names.setdefault(item["Value"], item)
            for result in page.get("ResultsByTime") or []:
                time_period = result.get("TimePeriod") or {}
                start = str(time_period.get("Start"))
                first, estimated = self._periods.get(start, (time_period, False))
                self._periods[start] = first, estimated or bool(result.get("Estimated", False))
                for group in result.get("Groups") or []:
                    keys = group.get("Keys")
                    if isinstance(keys, list) and keys and isinstance(keys[0], str):
                        self._groups.setdefault(keys[0], []).append((next(self._order), start, rebuild, group))

    def slice(self, values: tuple[str, ...]) -> list[dict[str, Any]]:
        """The report's pages, as slice_answers(shape, answers, values) returns them."""
        _check_values(self.shape, values)
        if self.shape.scope is None:
            return list(self._whole)
        scope_keys = {self.shape.scope_key(value) for value in values}
        cut = _Slice(self.shape, scope_keys)
        cut.periods = {start: _Period(first, estimated) for start, (first, estimated) in self._periods.items()}
        cut.names = self._names
        # One value's groups are already in the answers' order; several values' are merged back into it.
        partitions = [self._groups.get(key, []) for key in sorted(scope_keys)]
        for _, start, rebuild, group in heapq.merge(*partitions, key=itemgetter(0)):
            key = rebuild(_keys(group["Keys"]))
            if key is not None:
                cut._add(cut.periods[start], key, group)
        return [cut.page()]


def _check_answers(shape: Shape, answers: list[list[dict[str, Any]]]) -> None:
    expected = 1 if shape.single else MAX_SHARED_REQUESTS
    if len(answers) != expected:
        raise ValueError(f"a shape of {expected} request(s) has {expected} answer(s), not {len(answers)}")


def _check_values(shape: Shape, values: tuple[str, ...]) -> None:
    if shape.scope is None and values:
        raise ValueError("the whole organisation's shape takes no scope values")
    if shape.scope is not None and not values:
        raise ValueError("a scoped shape's slice needs the report's scope values")


def _rebuilds(shape: Shape) -> list[Rebuild]:
    """For each of the shape's answers, the group of the report's own query each of its groups becomes."""
    if shape.single:
        return [lambda keys: (keys[0], keys[1])]
    return [lambda keys: (keys[1], RECURRING_CHARGE), lambda keys: (keys[1], ONE_OFF_CHARGE), _adjustment]


def _adjustment(keys: list[str]) -> tuple[str, str] | None:
    """A group of request (3) as the report's own query has it, or None for a charge ((1) or (2) has it)."""
    name = keys[1]
    if name in _CHARGE_SPELLINGS:
        return None
    spec = record_type(name)
    if spec is not None and spec.kind == CHARGES:
        raise SliceInexact(
            f"Cost Explorer returned the charge record type {name!r}, spelt as none of the values the shared "
            "charge requests filter on: its line is unknown; the report must run its own query"
        )
    return ADJUSTMENT_LINE, name


@dataclass
class _Period:
    time_period: dict[str, Any]
    estimated: bool = False
    groups: dict[tuple[str, str], tuple[Decimal, str]] = field(default_factory=dict)


class _Slice:
    """The report's groups, day by day, as they are added from each answer."""

    def __init__(self, shape: Shape, scope_keys: set[str]) -> None:
        self.shape = shape
        self.scope_keys = scope_keys
        self.periods: dict[str, _Period] = {}
        self.names: dict[str, dict[str, Any]] = {}  # account id -> its DimensionValueAttributes item

    def add(self, pages: Iterable[dict[str, Any]], rebuild: Rebuild) -> None:
        """Every group of one answer's pages whose scope key is the report's, under the key `rebuild` gives."""
        for page in pages:
            for item in page.get("DimensionValueAttributes") or []:
                if isinstance(item, dict) and isinstance(item.get("Value"), str):
                    self.names.setdefault(item["Value"], item)
            for result in page.get("ResultsByTime") or []:
                period = self._period(result)
                for group in result.get("Groups") or []:
                    keys = group.get("Keys")
                    # Only the report's groups are read: the others are not in its own query's answer.
                    if isinstance(keys, list) and keys and isinstance(keys[0], str) and keys[0] in self.scope_keys:
                        key = rebuild(_keys(keys))
                        if key is not None:
                            self._add(period, key, group)

    def _period(self, result: dict[str, Any]) -> _Period:
        time_period = result.get("TimePeriod") or {}
        start = str(time_period.get("Start"))
        period = self.periods.setdefault(start, _Period(dict(time_period)))
        period.estimated = period.estimated or bool(result.get("Estimated", False))
        return period

    def _add(self, period: _Period, key: tuple[str, str], group: dict[str, Any]) -> None:
        value = (group.get("Metrics") or {}).get(self.shape.metric)
        if not isinstance(value, dict):
            raise CostDataInvalid(f"{period.time_period}: group {group.get('Keys')!r} has no {self.shape.metric}")
        try:
            amount = Decimal(str(value.get("Amount")))
        except InvalidOperation:
            raise CostDataInvalid(f"{period.time_period}: non-numeric amount {value.get('Amount')!r}") from None
        unit = str(value.get("Unit", ""))
        if key in period.groups:
            before, before_unit = period.groups[key]
            if before_unit != unit:
                raise CostDataInvalid(f"{period.time_period}: {key!r} in both {before_unit!r} and {unit!r}")
            with localcontext(EXACT):
                amount += before
        period.groups[key] = (amount, unit)

    def page(self) -> dict[str, Any]:
        """The slice as one page of the report's own query."""
        metric = self.shape.metric
        results = [
            {
                "TimePeriod": period.time_period,
                "Total": {},
                "Groups": [
                    {"Keys": list(key), "Metrics": {metric: {"Amount": _plain(amount), "Unit": unit}}}
                    for key, (amount, unit) in sorted(period.groups.items())
                ],
                "Estimated": period.estimated,
            }
            for _, period in sorted(self.periods.items())
        ]
        return {
            "GroupDefinitions": [self.shape.breakdown.group_by(), dict(RECORD_TYPE)],
            "ResultsByTime": results,
            "DimensionValueAttributes": self._attributes(),
        }

    def _attributes(self) -> list[dict[str, Any]]:
        """With an account breakdown, each account of the slice with its name, as Cost Explorer lists them."""
        if self.shape.breakdown.by != "account":
            return []
        lines = {key[0] for period in self.periods.values() for key in period.groups if key[0] != ADJUSTMENT_LINE}
        return [self.names[account] for account in sorted(lines) if account in self.names]


def _keys(keys: list[Any]) -> list[str]:
    if len(keys) != MAX_GROUP_BY or not isinstance(keys[1], str):
        raise CostDataInvalid(f"expected two keys per group of a shared answer, got {keys!r}")
    return keys


def _plain(amount: Decimal) -> str:
    """An amount as Cost Explorer writes it: digits, no exponent."""
    return format(amount, "f")
