"""One day's cost per service from Cost Explorer responses. Pure: no boto3, no environment, no clock.

The handler sends what `build_request` returns, follows NextPageToken, and hands every page to
`summarise`. Each page is a billed request ($0.01), so the query asks for exactly one day grouped by
SERVICE and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation, localcontext

COST_METRICS = (
    "UnblendedCost",
    "AmortizedCost",
    "NetUnblendedCost",
    "NetAmortizedCost",
    "BlendedCost",
)
# Cost Explorer returns no currency for a day with no cost groups; its reports are in USD unless
# told otherwise, and a zero is the same in any currency.
FALLBACK_CURRENCY = "USD"
# Sums are exact: Decimal's default 28 significant digits could round a long sum, and then the
# total would not reconcile with the services (render refuses such a report).
EXACT_DIGITS = 60


class CostDataInvalid(Exception):
    """Cost Explorer answered with something that cannot be turned into a correct report."""


@dataclass(frozen=True)
class ServiceCost:
    name: str
    amount: Decimal


@dataclass(frozen=True)
class DayCosts:
    report_date: date
    metric: str
    currency: str
    estimated: bool
    services: tuple[ServiceCost, ...]  # sorted by amount, largest first
    requests: int

    @property
    def total(self) -> Decimal:
        with localcontext(prec=EXACT_DIGITS):
            return sum((service.amount for service in self.services), Decimal(0))

    def to_state(self) -> dict:
        return {
            "reportDate": self.report_date.isoformat(),
            "metric": self.metric,
            "currency": self.currency,
            "total": _plain(self.total),
            "estimated": self.estimated,
            "services": [{"name": s.name, "amount": _plain(s.amount)} for s in self.services],
            "costExplorerRequests": self.requests,
        }


def build_request(report_date: date, metric: str, page_token: str | None = None) -> dict:
    """GetCostAndUsage arguments for one UTC day (End is exclusive), grouped by service."""
    request = {
        "TimePeriod": {
            "Start": report_date.isoformat(),
            "End": (report_date + timedelta(days=1)).isoformat(),
        },
        "Granularity": "DAILY",
        "Metrics": [metric],
        "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}],
    }
    if page_token:
        request["NextPageToken"] = page_token
    return request


def summarise(report_date: date, metric: str, pages: list[dict]) -> DayCosts:
    """Add up every group of every page. Nothing is dropped: a service in two pages is summed,
    negative amounts (credits, refunds) are kept, and a mixed currency is refused."""
    amounts: dict[str, Decimal] = {}
    currencies: set[str] = set()
    estimated = False
    for page in pages:
        for period in page.get("ResultsByTime", []):
            start = period.get("TimePeriod", {}).get("Start")
            if start != report_date.isoformat():
                raise CostDataInvalid(
                    f"Cost Explorer returned the period starting {start!r} for a request "
                    f"about {report_date.isoformat()}"
                )
            estimated = estimated or bool(period.get("Estimated", False))
            for group in period.get("Groups", []):
                name = _service_name(group)
                value = group.get("Metrics", {}).get(metric)
                if value is None:
                    raise CostDataInvalid(f"group {name!r} has no {metric} metric")
                with localcontext(prec=EXACT_DIGITS):
                    amounts[name] = amounts.get(name, Decimal(0)) + _amount(value.get("Amount"), name)
                currencies.add(value.get("Unit", ""))
    if len(currencies) > 1:
        raise CostDataInvalid(f"Cost Explorer returned more than one currency: {sorted(currencies)}")
    currency = currencies.pop() if currencies else FALLBACK_CURRENCY
    if len(currency) != 3 or not currency.isalpha():
        raise CostDataInvalid(f"Cost Explorer returned {currency!r} where a currency code was expected")
    services = tuple(
        ServiceCost(name, amount)
        for name, amount in sorted(amounts.items(), key=lambda item: (-item[1], item[0]))
    )
    return DayCosts(report_date, metric, currency, estimated, services, requests=len(pages))


def _service_name(group: dict) -> str:
    keys = group.get("Keys") or []
    if len(keys) != 1 or not isinstance(keys[0], str):
        raise CostDataInvalid(f"expected one SERVICE key per group, got {keys!r}")
    # Cost Explorer labels spend it cannot attribute with an empty key; keep it, visibly.
    return keys[0] or "(no service)"


def _amount(raw: object, name: str) -> Decimal:
    try:
        amount = Decimal(str(raw))
    except InvalidOperation:
        raise CostDataInvalid(f"service {name!r} has a non-numeric amount {raw!r}") from None
    if not amount.is_finite():
        raise CostDataInvalid(f"service {name!r} has a non-finite amount {raw!r}")
    return amount


def _plain(amount: Decimal) -> str:
    """Decimal as plain digits (no exponent, no negative zero): what DynamoDB's N and humans expect."""
    return format(amount + 0, "f")
