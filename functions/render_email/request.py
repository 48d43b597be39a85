"""The render_email input: parsed and validated once, at the edge, into frozen dataclasses.

A malformed event raises InvalidRenderRequest (the error name Step Functions sees) with a
message that names the field, what was wrong and what is allowed. Nothing is coerced or
guessed: a cost report must never be silently wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

# Cost Explorer cost metrics, with the label the email uses and the console's name for it.
METRICS: dict[str, tuple[str, str]] = {
    "UnblendedCost": ("Unblended cost", "unBlendedCost"),
    "BlendedCost": ("Blended cost", "blendedCost"),
    "AmortizedCost": ("Amortized cost", "amortizedCost"),
    "NetUnblendedCost": ("Net unblended cost", "netUnblendedCost"),
    "NetAmortizedCost": ("Net amortized cost", "netAmortizedCost"),
}

# Bounds that keep every amount exactly representable and every formatted amount short.
MAX_DECIMAL_PLACES = 30
MAX_MAGNITUDE = Decimal(10) ** 15

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")


class InvalidRenderRequest(ValueError):
    """The event given to render_email is malformed; the email is not rendered."""


def _show(value: Any) -> str:
    """A short repr of a bad value for an error message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _require(data: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in data:
        raise InvalidRenderRequest(f"{path}.{key} is missing" if path else f"{key} is missing")
    return data[key]


def _object(value: Any, path: str, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidRenderRequest(f"{path}: expected an object ({what}), got {type(value).__name__} {_show(value)}")
    return value


def parse_date(value: Any, path: str) -> date:
    allowed = 'a calendar date as "YYYY-MM-DD", e.g. "2026-11-20"'
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise InvalidRenderRequest(f"{path}: {_show(value)} is not {allowed}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRenderRequest(f"{path}: {_show(value)} is not {allowed}") from None


def parse_amount(value: Any, path: str) -> Decimal:
    allowed = (
        f'a decimal string such as "12.34" or "-0.5" (at most {MAX_DECIMAL_PLACES} decimal places, '
        f"magnitude below 10^15)"
    )
    if not isinstance(value, str):
        raise InvalidRenderRequest(f"{path}: expected {allowed}, got {type(value).__name__} {_show(value)}")
    if not _DECIMAL.fullmatch(value):
        raise InvalidRenderRequest(f"{path}: {_show(value)} is not {allowed}")
    amount = Decimal(value)
    decimal_places = -amount.as_tuple().exponent  # type: ignore[operator]  # finite: regex
    if decimal_places > MAX_DECIMAL_PLACES or abs(amount) >= MAX_MAGNITUDE:
        raise InvalidRenderRequest(f"{path}: {_show(value)} is out of range; expected {allowed}")
    return amount


@dataclass(frozen=True)
class ServiceCost:
    """One service's cost for the day (credits are netted in, so it may be negative)."""

    name: str
    amount: Decimal


@dataclass(frozen=True)
class DailyCosts:
    """One day's costs by service, as FetchCosts returns them."""

    report_date: date
    metric: str
    currency: str
    total: Decimal
    estimated: bool
    services: tuple[ServiceCost, ...]

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise InvalidRenderRequest(f"costs.metric: {_show(self.metric)} is not one of {', '.join(METRICS)}")
        if not isinstance(self.currency, str) or not _CURRENCY.fullmatch(self.currency):
            raise InvalidRenderRequest(
                f"costs.currency: {_show(self.currency)} is not an ISO 4217 code (3 uppercase letters, e.g. USD)"
            )
        services_sum = sum((Fraction(s.amount) for s in self.services), Fraction(0))
        if Fraction(self.total) != services_sum:
            exact_sum = Decimal(services_sum.numerator) / Decimal(services_sum.denominator)
            raise InvalidRenderRequest(
                f"costs.total: {self.total} does not equal the sum of costs.services[].amount ({exact_sum} over "
                f"{len(self.services)} services); the total must be the exact sum, so the report is refused"
            )

    @property
    def no_spend(self) -> bool:
        """True when no service has any cost at all (not merely a total that nets to zero)."""
        return all(service.amount == 0 for service in self.services)

    @classmethod
    def from_dict(cls, value: Any, path: str = "costs") -> DailyCosts:
        data = _object(value, path, "the FetchCosts result")
        services_value = _require(data, "services", path)
        if not isinstance(services_value, list):
            raise InvalidRenderRequest(
                f"{path}.services: expected a list of {{name, amount}} objects (may be empty), "
                f"got {type(services_value).__name__} {_show(services_value)}"
            )
        services = []
        for index, item in enumerate(services_value):
            item_path = f"{path}.services[{index}]"
            entry = _object(item, item_path, "with name and amount")
            name = _require(entry, "name", item_path)
            if not isinstance(name, str):
                raise InvalidRenderRequest(
                    f"{item_path}.name: expected a string, got {type(name).__name__} {_show(name)}"
                )
            amount = parse_amount(_require(entry, "amount", item_path), f"{item_path}.amount")
            services.append(ServiceCost(name=name, amount=amount))
        estimated = _require(data, "estimated", path)
        if not isinstance(estimated, bool):
            raise InvalidRenderRequest(f"{path}.estimated: expected true or false, got {_show(estimated)}")
        metric = _require(data, "metric", path)
        if not isinstance(metric, str):
            raise InvalidRenderRequest(f"{path}.metric: {_show(metric)} is not one of {', '.join(METRICS)}")
        return cls(
            report_date=parse_date(_require(data, "reportDate", path), f"{path}.reportDate"),
            metric=metric,
            currency=_require(data, "currency", path),
            total=parse_amount(_require(data, "total", path), f"{path}.total"),
            estimated=estimated,
            services=tuple(services),
        )


@dataclass(frozen=True)
class RenderRequest:
    """What the state machine passes to RenderEmail: {"reportDate": ..., "costs": {...}}."""

    report_date: date
    costs: DailyCosts

    def __post_init__(self) -> None:
        if self.costs.report_date != self.report_date:
            raise InvalidRenderRequest(
                f"costs.reportDate: {self.costs.report_date.isoformat()} is not the day being reported "
                f"(reportDate {self.report_date.isoformat()}); both must name the same day"
            )

    @classmethod
    def from_event(cls, event: Any) -> RenderRequest:
        data = _object(event, "event", 'with "reportDate" and "costs"')
        report_date = parse_date(_require(data, "reportDate", ""), "reportDate")
        costs = DailyCosts.from_dict(_require(data, "costs", ""), "costs")
        return cls(report_date=report_date, costs=costs)
