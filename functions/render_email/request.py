"""The render_email input: the FetchCosts report model, parsed and validated once, at the edge.

A malformed event raises InvalidRenderRequest (the error name Step Functions sees) with a message that
names the field, what was wrong and what is allowed. Nothing is coerced or guessed: a cost report must
never be silently wrong, so a report whose figures do not add up exactly (services to charges, charges
and adjustments to the total) is refused rather than drawn. Fields this version does not know are
ignored, so FetchCosts can add one before RenderEmail draws it. The contract is in docs/report.md.
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


# The contract's bounds: what keeps the payload and the email small whatever the organisation.
TREND_DAYS = 14
MAX_TOP_SERVICES = 20
MAX_MOVERS = 5
MAX_LISTED = 5
MAX_OTHER_ADJUSTMENTS = 5
MAX_NAME_CHARS = 100
ALERTS = ("anomaly", "overBudget", "newService")
FLAGS = ("new", "anomaly")


def _list(data: Mapping[str, Any], key: str, path: str, what: str, max_items: int) -> list:
    value = _require(data, key, path)
    if not isinstance(value, list):
        raise InvalidRenderRequest(
            f"{path}.{key}: expected a list of {what}, got {type(value).__name__} {_show(value)}"
        )
    if len(value) > max_items:
        raise InvalidRenderRequest(f"{path}.{key}: {len(value)} items, at most {max_items} allowed")
    return value


def _int(data: Mapping[str, Any], key: str, path: str, low: int = 0, high: int = 10**9) -> int:
    value = _require(data, key, path)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidRenderRequest(f"{path}.{key}: expected a whole number from {low} to {high}, got {_show(value)}")
    return value


def _bool(data: Mapping[str, Any], key: str, path: str) -> bool:
    value = _require(data, key, path)
    if not isinstance(value, bool):
        raise InvalidRenderRequest(f"{path}.{key}: expected true or false, got {_show(value)}")
    return value


def _name(data: Mapping[str, Any], key: str, path: str) -> str:
    value = _require(data, key, path)
    if not isinstance(value, str):
        raise InvalidRenderRequest(f"{path}.{key}: expected a string, got {type(value).__name__} {_show(value)}")
    if len(value) > MAX_NAME_CHARS:
        raise InvalidRenderRequest(f"{path}.{key}: {len(value)} characters, at most {MAX_NAME_CHARS} allowed")
    return value


def _amount(data: Mapping[str, Any], key: str, path: str) -> Decimal:
    return parse_amount(_require(data, key, path), f"{path}.{key}")


def _optional_amount(data: Mapping[str, Any], key: str, path: str) -> Decimal | None:
    value = _require(data, key, path)
    return None if value is None else parse_amount(value, f"{path}.{key}")


def _date(data: Mapping[str, Any], key: str, path: str) -> date:
    return parse_date(_require(data, key, path), f"{path}.{key}")


def _optional(data: Mapping[str, Any], key: str, path: str, what: str) -> Mapping[str, Any] | None:
    value = _require(data, key, path)
    return None if value is None else _object(value, f"{path}.{key}", what)


def _trend(data: Mapping[str, Any], key: str, path: str) -> tuple[Decimal, ...]:
    values = _list(data, key, path, "decimal strings", TREND_DAYS)
    if len(values) != TREND_DAYS:
        raise InvalidRenderRequest(f"{path}.{key}: expected {TREND_DAYS} days, got {len(values)}")
    return tuple(parse_amount(value, f"{path}.{key}[{i}]") for i, value in enumerate(values))


def _exact(value: Decimal) -> Fraction:
    return Fraction(value)


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


@dataclass(frozen=True)
class OtherAdjustment:
    """A record type FetchCosts does not classify, as a line of its own under Cost Explorer's name for it."""

    record_type: str
    amount: Decimal

    @classmethod
    def from_dict(cls, value: Any, path: str) -> OtherAdjustment:
        data = _object(value, path, "recordType, amount")
        return cls(_name(data, "recordType", path), _amount(data, "amount", path))


@dataclass(frozen=True)
class Breakdown:
    """The report day: gross charges, then credits, refunds, discounts, tax and the record types FetchCosts
    does not classify (`other`, present only on a day that has them); they add up to the total."""

    charges: Decimal
    credits: Decimal
    refunds: Decimal
    discounts: Decimal
    tax: Decimal
    other: tuple[OtherAdjustment, ...] = ()

    @property
    def total(self) -> Fraction:
        return sum(
            (
                _exact(v)
                for v in (
                    self.charges,
                    self.credits,
                    self.refunds,
                    self.discounts,
                    self.tax,
                    *(o.amount for o in self.other),
                )
            ),
            Fraction(0),
        )

    @property
    def adjusted(self) -> bool:
        return bool(self.other) or any(v != 0 for v in (self.credits, self.refunds, self.discounts, self.tax))

    @classmethod
    def from_dict(cls, value: Any, path: str) -> Breakdown:
        data = _object(value, path, "charges, credits, refunds, discounts, tax")
        amounts = (_amount(data, key, path) for key in ("charges", "credits", "refunds", "discounts", "tax"))
        other = ()
        if "other" in data:  # absent on the days without such record types
            other = tuple(
                OtherAdjustment.from_dict(item, f"{path}.other[{i}]")
                for i, item in enumerate(_list(data, "other", path, "record types and amounts", MAX_OTHER_ADJUSTMENTS))
            )
        return cls(*amounts, other=other)


@dataclass(frozen=True)
class Average:
    days: int
    total: Decimal


@dataclass(frozen=True)
class PeriodTotal:
    start: date
    end: date
    days: int
    total: Decimal
    estimated: bool

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str) -> PeriodTotal:
        start, end = _date(data, "start", path), _date(data, "end", path)
        if end < start:
            raise InvalidRenderRequest(f"{path}: end {end} is before start {start}")
        return cls(
            start, end, _int(data, "days", path, 1, 62), _amount(data, "total", path), _bool(data, "estimated", path)
        )


@dataclass(frozen=True)
class Forecast:
    month_end: date
    total: Decimal | None  # None: not enough history
    run_rate: Decimal | None
    basis_days: int
    remaining_days: int

    @classmethod
    def from_dict(cls, value: Any, path: str) -> Forecast:
        data = _object(value, path, "the month-end forecast")
        return cls(
            _date(data, "monthEnd", path),
            _optional_amount(data, "total", path),
            _optional_amount(data, "runRate", path),
            _int(data, "basisDays", path, 0, 31),
            _int(data, "remainingDays", path, 0, 31),
        )


@dataclass(frozen=True)
class ServiceLine:
    name: str
    amount: Decimal
    day_before: Decimal
    trend: tuple[Decimal, ...]
    flags: tuple[str, ...]

    @classmethod
    def from_dict(cls, value: Any, path: str) -> ServiceLine:
        data = _object(value, path, "name, amount, dayBefore, trend, flags")
        flags = _list(data, "flags", path, "flags", len(FLAGS))
        for i, flag in enumerate(flags):
            if flag not in FLAGS:
                raise InvalidRenderRequest(f"{path}.flags[{i}]: {_show(flag)} is not one of {', '.join(FLAGS)}")
        return cls(
            _name(data, "name", path),
            _amount(data, "amount", path),
            _amount(data, "dayBefore", path),
            _trend(data, "trend", path),
            tuple(flags),
        )


@dataclass(frozen=True)
class OtherLine:
    count: int
    amount: Decimal
    day_before: Decimal
    trend: tuple[Decimal, ...]

    @classmethod
    def from_dict(cls, value: Any, path: str) -> OtherLine:
        data = _object(value, path, "count, amount, dayBefore, trend")
        return cls(
            _int(data, "count", path, 1),
            _amount(data, "amount", path),
            _amount(data, "dayBefore", path),
            _trend(data, "trend", path),
        )


@dataclass(frozen=True)
class Mover:
    name: str
    amount: Decimal
    average: Decimal

    @classmethod
    def from_dict(cls, value: Any, path: str) -> Mover:
        data = _object(value, path, "name, amount, average")
        return cls(_name(data, "name", path), _amount(data, "amount", path), _amount(data, "average", path))


@dataclass(frozen=True)
class Anomaly:
    name: str
    amount: Decimal
    baseline: Decimal
    threshold: Decimal

    @classmethod
    def from_dict(cls, value: Any, path: str) -> Anomaly:
        data = _object(value, path, "name, amount, baseline, threshold")
        return cls(
            _name(data, "name", path),
            _amount(data, "amount", path),
            _amount(data, "baseline", path),
            _amount(data, "threshold", path),
        )


@dataclass(frozen=True)
class NewService:
    name: str
    first_date: date
    amount: Decimal

    @classmethod
    def from_dict(cls, value: Any, path: str) -> NewService:
        data = _object(value, path, "name, firstDate, amount")
        return cls(_name(data, "name", path), _date(data, "firstDate", path), _amount(data, "amount", path))


@dataclass(frozen=True)
class Thresholds:
    """The settings FetchCosts judged the day with (its environment), stated in the email's footer."""

    top_services: int
    anomaly_threshold: Decimal
    anomaly_min_amount: Decimal
    anomaly_min_percent: Decimal
    mover_min_amount: Decimal
    mover_min_percent: Decimal
    new_service_days: int

    @classmethod
    def from_dict(cls, value: Any, path: str) -> Thresholds:
        data = _object(value, path, "the report's settings")
        return cls(
            _int(data, "topServices", path, 1, MAX_TOP_SERVICES),
            _amount(data, "anomalyThreshold", path),
            _amount(data, "anomalyMinAmount", path),
            _amount(data, "anomalyMinPercent", path),
            _amount(data, "moverMinAmount", path),
            _amount(data, "moverMinPercent", path),
            _int(data, "newServiceDays", path, 1, 31),
        )


@dataclass(frozen=True)
class CostReport:
    """The day's report model, as FetchCosts returns it (docs/report.md, "The report model")."""

    report_date: date
    currency: str
    metric: str
    total: Decimal
    estimated: bool
    requests: int
    alerts: tuple[str, ...]
    breakdown: Breakdown
    one_off: Decimal
    day_before: Decimal | None
    average: Average | None
    month_to_date: PeriodTotal
    last_month_to_date: PeriodTotal | None
    last_month: PeriodTotal | None
    forecast: Forecast
    budget: Decimal | None
    daily: tuple[tuple[date, Decimal | None], ...]
    service_count: int
    top: tuple[ServiceLine, ...]
    other: OtherLine | None
    increases: tuple[Mover, ...]
    decreases: tuple[Mover, ...]
    anomalies: tuple[Anomaly, ...]
    anomaly_count: int
    baseline_days: int
    new_services: tuple[NewService, ...]
    new_service_count: int
    history_start: date
    thresholds: Thresholds

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise InvalidRenderRequest(f"costs.metric: {_show(self.metric)} is not one of {', '.join(METRICS)}")
        if not isinstance(self.currency, str) or not _CURRENCY.fullmatch(self.currency):
            raise InvalidRenderRequest(
                f"costs.currency: {_show(self.currency)} is not an ISO 4217 code (3 uppercase letters, e.g. USD)"
            )
        if _exact(self.total) != self.breakdown.total:
            raise InvalidRenderRequest(
                f"costs.total: {self.total} does not equal charges + credits + refunds + discounts + tax + other "
                f"({_decimal(self.breakdown.total)}); the figures must reconcile exactly, so the report is refused"
            )
        listed = sum((_exact(s.amount) for s in self.top), Fraction(0))
        if self.other is not None:
            listed += _exact(self.other.amount)
        if listed != _exact(self.breakdown.charges):
            raise InvalidRenderRequest(
                f"costs.services: the services add up to {_decimal(listed)}, not to costs.breakdown.charges "
                f"({self.breakdown.charges}); the figures must reconcile exactly, so the report is refused"
            )
        if self.month_to_date.end != self.report_date:
            raise InvalidRenderRequest(
                f"costs.monthToDate.end: {self.month_to_date.end} is not the report day {self.report_date}"
            )

    @property
    def no_spend(self) -> bool:
        """True when nothing at all was charged or credited (not merely a total that nets to zero)."""
        b = self.breakdown
        return (
            all(v == 0 for v in (b.charges, b.credits, b.refunds, b.discounts, b.tax, *(o.amount for o in b.other)))
            and all(s.amount == 0 for s in self.top)
            and (self.other is None or self.other.amount == 0)
        )

    @classmethod
    def from_dict(cls, value: Any, path: str = "costs") -> CostReport:
        data = _object(value, path, "the FetchCosts result")
        alerts = _list(data, "alerts", path, "alert names", len(ALERTS))
        for i, alert in enumerate(alerts):
            if alert not in ALERTS:
                raise InvalidRenderRequest(f"{path}.alerts[{i}]: {_show(alert)} is not one of {', '.join(ALERTS)}")
        average = _optional(data, "average", path, "days and total")
        mtd = _object(_require(data, "monthToDate", path), f"{path}.monthToDate", "the month to date")
        last_same = _optional(data, "lastMonthToDate", path, "the same days of last month")
        last = _optional(data, "lastMonth", path, "last month")
        daily = []
        for i, item in enumerate(_list(data, "daily", path, "days", TREND_DAYS)):
            entry = _object(item, f"{path}.daily[{i}]", "date and total")
            daily.append(
                (_date(entry, "date", f"{path}.daily[{i}]"), _optional_amount(entry, "total", f"{path}.daily[{i}]"))
            )
        services = _object(_require(data, "services", path), f"{path}.services", "count, top, other")
        other = _require(services, "other", f"{path}.services")
        movers = _object(_require(data, "movers", path), f"{path}.movers", "increases and decreases")
        anomalies = _object(_require(data, "anomalies", path), f"{path}.anomalies", "count and services")
        new = _object(_require(data, "newServices", path), f"{path}.newServices", "count and services")
        metric = _require(data, "metric", path)
        if not isinstance(metric, str):
            raise InvalidRenderRequest(f"{path}.metric: {_show(metric)} is not one of {', '.join(METRICS)}")
        return cls(
            report_date=_date(data, "reportDate", path),
            currency=_require(data, "currency", path),
            metric=metric,
            total=_amount(data, "total", path),
            estimated=_bool(data, "estimated", path),
            requests=_int(data, "costExplorerRequests", path),
            alerts=tuple(alerts),
            breakdown=Breakdown.from_dict(_require(data, "breakdown", path), f"{path}.breakdown"),
            one_off=_amount(data, "oneOff", path),
            day_before=_optional_amount(data, "dayBefore", path),
            average=None
            if average is None
            else Average(_int(average, "days", f"{path}.average", 1, 31), _amount(average, "total", f"{path}.average")),
            month_to_date=PeriodTotal.from_dict(mtd, f"{path}.monthToDate"),
            last_month_to_date=None
            if last_same is None
            else PeriodTotal.from_dict(last_same, f"{path}.lastMonthToDate"),
            last_month=None if last is None else PeriodTotal.from_dict(last, f"{path}.lastMonth"),
            forecast=Forecast.from_dict(_require(data, "forecast", path), f"{path}.forecast"),
            budget=_optional_amount(data, "budget", path),
            daily=tuple(daily),
            service_count=_int(services, "count", f"{path}.services"),
            top=tuple(
                ServiceLine.from_dict(item, f"{path}.services.top[{i}]")
                for i, item in enumerate(_list(services, "top", f"{path}.services", "services", MAX_TOP_SERVICES + 1))
            ),
            other=None if other is None else OtherLine.from_dict(other, f"{path}.services.other"),
            increases=tuple(
                Mover.from_dict(item, f"{path}.movers.increases[{i}]")
                for i, item in enumerate(_list(movers, "increases", f"{path}.movers", "movers", MAX_MOVERS))
            ),
            decreases=tuple(
                Mover.from_dict(item, f"{path}.movers.decreases[{i}]")
                for i, item in enumerate(_list(movers, "decreases", f"{path}.movers", "movers", MAX_MOVERS))
            ),
            anomalies=tuple(
                Anomaly.from_dict(item, f"{path}.anomalies.services[{i}]")
                for i, item in enumerate(_list(anomalies, "services", f"{path}.anomalies", "anomalies", MAX_LISTED))
            ),
            anomaly_count=_int(anomalies, "count", f"{path}.anomalies"),
            baseline_days=_int(anomalies, "baselineDays", f"{path}.anomalies", 0, 31),
            new_services=tuple(
                NewService.from_dict(item, f"{path}.newServices.services[{i}]")
                for i, item in enumerate(_list(new, "services", f"{path}.newServices", "new services", MAX_LISTED))
            ),
            new_service_count=_int(new, "count", f"{path}.newServices"),
            history_start=_date(new, "since", f"{path}.newServices"),
            thresholds=Thresholds.from_dict(_require(data, "settings", path), f"{path}.settings"),
        )


@dataclass(frozen=True)
class RenderRequest:
    """What the state machine passes to RenderEmail: {"reportDate": ..., "costs": {...}}."""

    report_date: date
    costs: CostReport

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
        costs = CostReport.from_dict(_require(data, "costs", ""), "costs")
        return cls(report_date=report_date, costs=costs)
