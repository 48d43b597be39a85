"""What a report's lines are (its identity and breakdown, as the contract carries them) and how they are
named: the first key of each group Cost Explorer returns, as the email shows it. Pure: no boto3, no
environment, no clock.

    service          the SERVICE value, as it is ("Amazon Simple Storage Service").
    account          "Name (123456789012)": GetCostAndUsage grouped by LINKED_ACCOUNT returns, in the same
                     answer, DimensionValueAttributes: each account id (Value) with its name
                     (Attributes["description"]). So naming accounts costs no extra request and no
                     organizations:ListAccounts permission. An id without a name is shown alone.
                     https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html
                     ("DimensionValueAttributes: The attributes that apply to a specific dimension value.
                     For example, if the value is a linked account, the attribute is that account name.")
    region           the REGION value ("eu-west-1"; "NoRegion" for tax and support, as Cost Explorer says).
    tag              Cost Explorer returns "<tag key>$<value>" ("team$payments"), and "<tag key>$" for cost
                     without the tag: the value is shown, and untagged cost as "(no team tag)". The
                     GetCostAndUsage reference says grouping by a tag key returns "all tag values, including
                     empty strings" (page above); the "key$value" form is what the API returns (seen in
                     public code that reads live answers; AWS's reference shows no example of it).
    cost_category    "<category name>$<value>" ("Team$Payments") the same way, and cost no rule of the
                     category maps as "(no Team cost category)". This form is taken by analogy with tags:
                     no AWS page this project could reach shows a cost category group's key.

A key without the expected "<key>$" prefix is shown as returned rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from report_contract import Grouping, ReportIdentity
from report_contract.spec import Breakdown, ReportSpec


def account_names(pages: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Account id -> account name, from every page's DimensionValueAttributes (empty names left out)."""
    names: dict[str, str] = {}
    for page in pages:
        for item in page.get("DimensionValueAttributes") or []:
            value = item.get("Value") if isinstance(item, dict) else None
            name = (item.get("Attributes") or {}).get("description") if isinstance(item, dict) else None
            if isinstance(value, str) and isinstance(name, str) and name.strip():
                names[value] = name.strip()
    return names


def _prefixed(prefix: str, missing: str) -> Callable[[str], str]:
    def name(key: str) -> str:
        if not key.startswith(prefix):
            return key
        return key[len(prefix) :] or missing

    return name


class LineNames:
    """The function that turns a group's first key into the line's name, for this breakdown, learning what
    it needs from the pages as they pass (watch): an account's name comes on the pages' DimensionValueAttributes,
    on any page, so ask for names after the last page. Keeps the names, never the pages."""

    def __init__(self, breakdown: Breakdown) -> None:
        self.breakdown = breakdown
        self.accounts: dict[str, str] = {}
        self._name: Callable[[str], str] = str
        if breakdown.by == "tag":
            self._name = _prefixed(f"{breakdown.key}$", f"(no {breakdown.key} tag)")
        elif breakdown.by == "cost_category":
            self._name = _prefixed(f"{breakdown.key}$", f"(no {breakdown.key} cost category)")

    def watch(self, pages: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The pages, each passed on as it comes once its account names are noted."""
        for page in pages:
            if self.breakdown.by == "account":
                self.accounts.update(account_names((page,)))
            yield page
            del page  # not held while the next page is fetched

    def __call__(self, key: str) -> str:
        if self.breakdown.by == "account":
            return f"{self.accounts[key]} ({key})" if key in self.accounts else key
        return self._name(key)


def line_namer(breakdown: Breakdown, pages: Iterable[dict[str, Any]]) -> Callable[[str], str]:
    """The function that turns a group's first key into the line's name, for this breakdown, from every page."""
    names = LineNames(breakdown)
    for _ in names.watch(pages):
        pass
    return names


def grouping(breakdown: Breakdown) -> Grouping:
    """A declaration's breakdown as the contract carries it."""
    return Grouping(breakdown.by, breakdown.label, breakdown.key)


def report_identity(report: ReportSpec) -> ReportIdentity:
    """A declaration as the report names itself: id, name, scope and what its lines are."""
    scope = report.scope
    return ReportIdentity(
        report.id, report.name, scope.kind, scope.description, grouping(report.breakdown), scope.key, scope.values
    )
