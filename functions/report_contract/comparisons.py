"""A weekly or monthly report's comparisons: the previous period, the average of the periods before it, the
same month last year, and the trend of the last periods. Absent from a daily report (whose comparisons are
`dayBefore` and `average`), so a daily payload is what it always was and an older payload is a daily report.

In a weekly or monthly report the report's figures are the period's: `breakdown`, `total` and each service's
`amount` add up the period's days, a service's `dayBefore` is its amount in the previous period and its
`trend` holds the last PERIOD_TRENDS[kind] periods (report_contract.limits). check_period refuses a report
whose period, comparisons and trends do not agree with each other, naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from report_contract.limits import AVERAGE_PERIODS, MAX_AVERAGE_PERIODS, MAX_PERIOD_TREND, PERIOD_TRENDS
from report_contract.model import AVERAGE_AMOUNT, DATE, DayTotal, Field, PeriodTotal, items, or_null, whole
from report_contract.period import InvalidPeriod, ReportPeriod
from report_contract.wire import (
    InvalidReport,
    as_object,
    bar,
    read_amount,
    read_date,
    read_int,
    read_items,
    read_optional_object,
    require,
    rounded,
)


@dataclass(frozen=True)
class PeriodAverage:
    """The mean net total of the periods before the report's: 4 weeks, or 3 months (fewer for a young account)."""

    periods: int
    start: date  # first day of the oldest period averaged
    end: date  # last day of the newest, inclusive
    total: Decimal

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("periods", whole(1, MAX_AVERAGE_PERIODS), "periods averaged (4 weeks or 3 months; fewer when young)"),
        Field("start", DATE, "first day of the oldest of them"),
        Field("end", DATE, "last day of the newest of them, inclusive: the day before the period"),
        Field("total", AVERAGE_AMOUNT, "their mean net total"),
    )

    def to_state(self) -> dict[str, Any]:
        return {
            "periods": self.periods,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "total": rounded(self.total),
        }

    @classmethod
    def from_state(cls, value: Any, path: str) -> PeriodAverage:
        data = as_object(value, path, "periods, start, end, total")
        return cls(
            read_int(data, "periods", path, 1, MAX_AVERAGE_PERIODS),
            read_date(data, "start", path),
            read_date(data, "end", path),
            read_amount(data, "total", path),
        )


@dataclass(frozen=True)
class Comparisons:
    previous: PeriodTotal | None  # the period before (null without data)
    average: PeriodAverage | None
    last_year: PeriodTotal | None  # a monthly report's same month a year before
    trend: tuple[DayTotal, ...]  # the last PERIOD_TRENDS[kind] periods, the report's last; `day` is its first day

    WIRE: ClassVar[tuple[Field, ...]] = (
        Field("previous", or_null("object"), "the previous week or month (null without data)", PeriodTotal),
        Field("average", or_null("object"), "the 4 weeks or 3 months before (null without data)", PeriodAverage),
        Field(
            "lastYear",
            or_null("object"),
            "the same month a year before (monthly; null in a weekly report or when Cost Explorer lacks it)",
            PeriodTotal,
        ),
        Field(
            "trend",
            items(MAX_PERIOD_TREND),
            "net total of each of the last 8 weeks or 13 months, oldest first, the report's last; `date` is the "
            "period's first day, `total` null before the account's first cost data",
            DayTotal,
        ),
    )

    def to_state(self) -> dict[str, Any]:
        return {
            "previous": None if self.previous is None else self.previous.to_state(),
            "average": None if self.average is None else self.average.to_state(),
            "lastYear": None if self.last_year is None else self.last_year.to_state(),
            "trend": [point.to_state() for point in self.trend],
        }

    @classmethod
    def from_state(cls, value: Any, path: str) -> Comparisons:
        data = as_object(value, path, "previous, average, lastYear, trend")

        def period(key: str, what: str) -> PeriodTotal | None:
            found = read_optional_object(data, key, path, what)
            return None if found is None else PeriodTotal.from_state(found, f"{path}.{key}")

        average = read_optional_object(data, "average", path, "periods, start, end, total")
        return cls(
            previous=period("previous", "the previous period"),
            average=None if average is None else PeriodAverage.from_state(average, f"{path}.average"),
            last_year=period("lastYear", "the same month last year"),
            trend=read_items(data, "trend", path, "periods", MAX_PERIOD_TREND, DayTotal.from_state),
        )


def read_period(data: Mapping[str, Any], path: str) -> dict[str, Any]:
    """`period` and `comparisons` as CostReport takes them; both absent is a daily report."""
    if "period" not in data or data["period"] is None:
        if data.get("comparisons") is not None:
            raise InvalidReport(f"{path}.comparisons: only a weekly or monthly report has them, and it has no period")
        return {}
    try:
        period = ReportPeriod.from_state(data["period"])
    except InvalidPeriod as error:
        raise InvalidReport(f"{path}.period: {error}") from None
    if period.kind == "day":
        raise InvalidReport(f"{path}.period: a daily report has no period field (it is the day reportDate)")
    comparisons = Comparisons.from_state(require(data, "comparisons", path), f"{path}.comparisons")
    return {"period": period, "comparisons": comparisons}


def _check_span(found: PeriodTotal | None, expected: ReportPeriod, key: str) -> None:
    """A compared period ends on its period's last day and starts within it (later for a young account)."""
    if found is not None and not (expected.start <= found.start and found.end == expected.last_day):
        raise InvalidReport(
            f"{key}: {found.start} to {found.end} is not within {expected.start} to {expected.last_day}"
        )


def check_period(
    period: ReportPeriod, comparisons: Comparisons, total: Decimal, trends: Sequence[tuple[int, int]], path: str
) -> None:
    """The period, its comparisons and the services' trends agree (trends: (row index, trend length))."""
    kind, at = period.kind, f"{path}.comparisons"
    _check_span(comparisons.previous, period.previous(), f"{at}.previous")
    if kind == "month":
        _check_span(comparisons.last_year, last_year(period), f"{at}.lastYear")
    elif comparisons.last_year is not None:
        raise InvalidReport(f"{at}.lastYear: only a monthly report compares with last year")
    average = comparisons.average
    if average is not None and (average.end != period.start - timedelta(days=1) or average.start > average.end):
        raise InvalidReport(
            f"{at}.average: {average.start} to {average.end} does not end the day before {period.start}"
        )
    if average is not None and average.periods > AVERAGE_PERIODS[kind]:
        raise InvalidReport(
            f"{at}.average.periods: {average.periods}, more than the {AVERAGE_PERIODS[kind]} a {kind} has"
        )
    expected = [p.start for p in trend_periods(period)]
    if [point.day for point in comparisons.trend] != expected:
        raise InvalidReport(
            f"{at}.trend: expected the {len(expected)} {kind}s starting {expected[0]} to {expected[-1]}"
        )
    last = comparisons.trend[-1].total
    if last is None or bar(last) != bar(total):
        raise InvalidReport(f"{at}.trend: the last {kind} is {last}, not the report's total rounded ({bar(total)})")
    check_trends(kind, trends, path)


def check_trends(kind: str, trends: Sequence[tuple[int, int]], path: str) -> None:
    """Each services row's trend has one value per day (daily) or period of the trend."""
    length = PERIOD_TRENDS[kind]
    for row, found in trends:
        if found != length:
            where = f"{path}.services.other" if row < 0 else f"{path}.services.top[{row}]"
            raise InvalidReport(f"{where}.trend: expected {length} {kind}s, got {found}")


def trend_periods(period: ReportPeriod) -> list[ReportPeriod]:
    """The periods a report's trend shows, oldest first, ending with the report's."""
    found = [period]
    while len(found) < PERIOD_TRENDS[period.kind]:
        found.insert(0, found[0].previous())
    return found


def last_year(period: ReportPeriod) -> ReportPeriod:
    """The same month a year before."""
    return ReportPeriod.month_of(period.start.replace(year=period.start.year - 1))
