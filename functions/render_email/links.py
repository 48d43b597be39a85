"""Links into Cost Explorer in the AWS console: the report's view (its period, metric and scope, grouped by its
breakdown) and one view per line of its tables (the same, filtered on that line).

The console keeps a view's state in the URL fragment's query, each filter a JSON row. AWS documents no format
for it; the shapes below are the ones the console itself writes, as captured in public code that builds or
parses these URLs (a filter row {"dimension": {"id", "displayValue"}, "operator": "INCLUDES", "values":
[{"value", "displayValue"}]}; a tag row puts the tag key in "growableValue" and the tag's values in
"values"; groupBy ["Service"], ["LinkedAccount"], ["Region"], ["TagKeyValue:<key>"]). The dimension ids are
the console's names for Cost Explorer's SERVICE, LINKED_ACCOUNT and REGION. How the console writes a cost
category, as a filter or a grouping, is in no source this project could check, so a cost category is never
guessed at: a report broken down by one groups its view by service and its lines have no links, and a report
scoped to one links to the whole organisation's view (docs/report.md says so) rather than to a wrong filter.

Nothing secret is in a link: the period, the metric, service names, account ids, regions and tag values the
email shows anyway. The HTML template escapes each link (jinja2 autoescape), the query is percent-encoded.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, urlencode

from report_contract import CostReport, Grouping, ReportIdentity
from report_contract.period import ReportPeriod

from render_email.labels import METRIC_LABELS

CONSOLE = "https://us-east-1.console.aws.amazon.com/costmanagement/home#/cost-explorer"

# A breakdown as the console's dimension: its id in a filter row and in groupBy, and the row's displayValue.
_DIMENSIONS = {
    "service": ("Service", "Service"),
    "account": ("LinkedAccount", "Linked account"),
    "region": ("Region", "Region"),
}
_TAG, _TAG_GROUP = ("TagKey", "Tag"), "TagKeyValue:"
# An account line is "Name (123456789012)", or the id alone (fetch_costs.lines.line_namer): the id is its value.
_ACCOUNT_ID = re.compile(r"(?:^|\()([0-9]{12})\)?$")
Filter = dict[str, Any]


def _row(dimension: tuple[str, str], values: tuple[str, ...]) -> Filter:
    dimension_id, display = dimension
    return {
        "dimension": {"id": dimension_id, "displayValue": display},
        "operator": "INCLUDES",
        "values": [{"value": v, "displayValue": v} for v in values],
    }


def _tag_row(key: str, values: tuple[str, ...]) -> Filter:
    return {**_row(_TAG, values), "growableValue": {"value": key, "displayValue": key}}


def scope_filter(identity: ReportIdentity) -> list[Filter]:
    """The report's scope as the console's filter rows; none for the whole organisation, or a cost category
    (whose console form is unknown: see the module's docstring)."""
    if identity.scope_kind == "accounts" and identity.scope_values:
        return [_row(_DIMENSIONS["account"], identity.scope_values)]
    if identity.scope_kind == "tag" and identity.scope_key is not None and identity.scope_values:
        return [_tag_row(identity.scope_key, identity.scope_values)]
    return []


def line_filter(lines: Grouping, name: str) -> Filter | None:
    """One line of a table as a filter row, from its name as FetchCosts wrote it (fetch_costs.lines); None
    when the name is no value the console can filter on: cut short, untagged, a cost category."""
    if name.endswith("…"):  # cut at report_contract.limits.NAME_CHARS: no longer the service's name
        return None
    if lines.by in ("service", "region"):
        return _row(_DIMENSIONS[lines.by], (name,))
    if lines.by == "account":
        found = _ACCOUNT_ID.search(name)
        return _row(_DIMENSIONS["account"], (found.group(1),)) if found else None
    if lines.by == "tag" and lines.key is not None and name != f"(no {lines.key} tag)":
        return _tag_row(lines.key, (name,))
    return None


def group_by(lines: Grouping) -> str:
    """The console's groupBy for the report's breakdown; by service for a cost category (unknown form)."""
    if lines.by == "tag" and lines.key is not None:
        return f"{_TAG_GROUP}{lines.key}"
    return _DIMENSIONS.get(lines.by, _DIMENSIONS["service"])[0]


def console_url(period: ReportPeriod, metric: str, filters: list[Filter], group: str = "Service") -> str:
    """Cost Explorer in the console for the period (daily for a day or a week, monthly for a month), the
    metric, filtered and grouped as given. The parameters are those the console writes for such a view."""
    params = {
        "chartStyle": "STACK",
        "costAggregate": METRIC_LABELS[metric][1],
        "endDate": period.last_day.isoformat(),  # the console's end date is inclusive
        "excludeForecasting": "false",
        "filter": json.dumps(filters, separators=(",", ":"), ensure_ascii=False),
        "futureRelativeRange": "CUSTOM",
        "granularity": "Monthly" if period.kind == "month" else "Daily",
        "groupBy": json.dumps([group], ensure_ascii=False),
        "historicalRelativeRange": "CUSTOM",
        "isDefault": "false",
        "showOnlyUncategorized": "false",
        "showOnlyUntagged": "false",
        "startDate": period.start.isoformat(),
        "usageAggregate": "undefined",
        "useNormalizedUnits": "false",
    }
    return f"{CONSOLE}?{urlencode(params, safe=':,', quote_via=quote)}"  # : and , as the console writes them


def report_url(report: CostReport) -> str:
    """The report's view: its period, metric and scope, grouped by its breakdown."""
    identity = report.report
    return console_url(report.report_period, report.metric, scope_filter(identity), group_by(identity.lines))


def line_url(report: CostReport, lines: Grouping, name: str) -> str:
    """The view of one line of a table (of the main breakdown or the secondary one): the report's view
    filtered on it too; "" when the line cannot be filtered on (line_filter)."""
    row = line_filter(lines, name)
    if row is None or report.report.scope_kind == "cost_category":  # a line without its scope would mislead
        return ""
    filters = [*scope_filter(report.report), row]
    return console_url(report.report_period, report.metric, filters, group_by(report.report.lines))
