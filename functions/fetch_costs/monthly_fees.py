"""Services that bill a monthly fee as ordinary Usage on the 1st of the month. Pure: no boto3, no clock.

Cost Explorer gives most monthly fees a record type of their own (RIFee, Support fee: history.RECORD_TYPES
makes them one-off). Some services put theirs under the record type Usage, next to their daily usage, so
on the 1st of a month their day jumps by the month's fee. For a service of MONTHLY_FEE_SERVICES, on the
1st, the part of its recurring charges above its usual day counts as one-off:

    usual   = the median of its recurring charges on the history's other known days (not a 1st; a day
              without its cost counts as 0), never below 0
    one-off = its recurring charges on the 1st - usual, never below 0

A median, so that the 1st of another month in the history, or a spike, does not move its usual day. Without
any other known day (an account whose history starts on the 1st) nothing is moved: its usual day is not
known, and such an account has no day to compare the 1st with anyway. This only moves amounts between
recurring and one-off: every charge, total and line stays exactly what Cost Explorer says.

Only for a report whose lines are services (the table's names are SERVICE values): an account's or a
tag's line mixes the fee with everything else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, localcontext

from report_contract.wire import EXACT

from fetch_costs.anomalies import median
from fetch_costs.history import ZERO, CostHistory, Day


@dataclass(frozen=True)
class MonthlyFee:
    """Why a service's 1st of the month holds a monthly fee, and the AWS page that says so."""

    why: str
    page: str


_SUPPORT = MonthlyFee(
    "a support plan is charged by the month (a minimum monthly fee or a share of the month's usage); when Cost "
    "Explorer gives it the record type Usage rather than Support fee, it still lands on the 1st",
    "https://aws.amazon.com/premiumsupport/pricing/",
)

# The SERVICE values, exactly as Cost Explorer spells them, whose Usage holds a monthly fee on the 1st.
# AWS Marketplace subscriptions are not here: Cost Explorer names each by its product, not by one service
# name, so no table of names can hold them (their monthly fees mostly come as the record type Fee, which is
# one-off already).
MONTHLY_FEE_SERVICES: dict[str, MonthlyFee] = {
    "AWS Shield": MonthlyFee(
        "Shield Advanced's subscription: a one-year commitment paid as a monthly fee per organisation, on "
        "top of its data transfer usage",
        "https://aws.amazon.com/shield/pricing/",
    ),
    "Amazon Route 53": MonthlyFee(
        "a hosted zone's monthly fee is charged in full, not prorated for partial months ('I was billed twice "
        "for the same hosted zone'); the queries beside it are daily usage",
        "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/troubleshooting-billed-twice.html",
    ),
    "Amazon WorkSpaces": MonthlyFee(
        "a WorkSpace on monthly billing (BillingMode MONTHLY) is a fixed monthly rate per WorkSpace; hourly "
        "ones are daily usage",
        "https://docs.aws.amazon.com/workspaces-instances/latest/api/API_BillingConfiguration.html",
    ),
    "AWS Support (Developer)": _SUPPORT,
    "AWS Support (Business)": _SUPPORT,
    "AWS Support (Enterprise On-Ramp)": _SUPPORT,
    "AWS Support (Enterprise)": _SUPPORT,
}


def mark_monthly_fees(history: CostHistory, lines_by: str = "service") -> CostHistory:
    """The history with, on each 1st of a month, each MONTHLY_FEE_SERVICES service's charges above its usual
    day counted as one-off (the module's rule). The days are copies: the history given is not changed. A
    history whose lines are not services (`lines_by`, the report's breakdown) is returned as it is: a fee is
    told apart by its service's name."""
    first_data = history.first_data_day
    if lines_by != "service" or first_data is None:
        return history
    known = [d for d in history.days if d.day >= first_data]
    others = [d for d in known if d.day.day != 1]
    if not others:
        return history
    usual = {
        name: max(ZERO, median([d.recurring_charge(name) for d in others]))
        for name in MONTHLY_FEE_SERVICES
        if any(name in d.charges for d in known)
    }
    days = tuple(_marked(d, usual) if d.day.day == 1 and d.day >= first_data else d for d in history.days)
    return replace(history, days=days)


def _marked(day: Day, usual: dict[str, Decimal]) -> Day:
    one_off_charges, one_off = dict(day.one_off_charges), day.one_off
    with localcontext(EXACT):
        for name, typical in usual.items():
            excess = max(ZERO, day.recurring_charge(name) - typical)
            if excess:
                one_off_charges[name] = one_off_charges.get(name, ZERO) + excess
                one_off += excess
    return replace(day, one_off_charges=one_off_charges, one_off=one_off)
