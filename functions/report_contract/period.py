"""A report's period, defined once: the days one report covers and how its record's key names them.

UTC days, as Cost Explorer keeps them; `end` is exclusive, as Cost Explorer's End is.

* "day": one day; key "2026-11-20".
* "week": an ISO week, Monday to the next Monday; key "2026-W47" (ISO year and week number).
* "month": a calendar month, the 1st to the next 1st; key "2026-11".

The three key forms never equal each other, and none holds "/" (the separator of a named report's key,
report_contract.spec.ReportSpec.record_prefix). Standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from report_contract.excerpt import excerpt

PeriodKind = Literal["day", "week", "month"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("day", "week", "month")
# The period each cadence reports on.
CADENCE_PERIOD: dict[str, PeriodKind] = {"daily": "day", "weekly": "week", "monthly": "month"}

_DAY_KEY = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})\Z")
_WEEK_KEY = re.compile(r"\A(\d{4})-W(\d{2})\Z")
_MONTH_KEY = re.compile(r"\A(\d{4})-(\d{2})\Z")


class InvalidPeriod(ValueError):
    """A period key or period object that names no real period of its kind."""


def first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass(frozen=True)
class ReportPeriod:
    kind: PeriodKind
    start: date
    end: date  # exclusive

    @classmethod
    def day(cls, day: date) -> ReportPeriod:
        return cls("day", day, day + timedelta(days=1))

    @classmethod
    def week_of(cls, day: date) -> ReportPeriod:
        """The ISO week (Monday to Sunday) holding `day`."""
        monday = day - timedelta(days=day.weekday())
        return cls("week", monday, monday + timedelta(days=7))

    @classmethod
    def month_of(cls, day: date) -> ReportPeriod:
        first = day.replace(day=1)
        return cls("month", first, first_of_next_month(first))

    @classmethod
    def of(cls, kind: PeriodKind, day: date) -> ReportPeriod:
        """The period of `kind` that holds `day`."""
        if kind == "week":
            return cls.week_of(day)
        if kind == "month":
            return cls.month_of(day)
        return cls.day(day)

    @classmethod
    def latest_complete(cls, kind: PeriodKind, last_complete_day: date) -> ReportPeriod:
        """The latest period of `kind` that has ended by the end of `last_complete_day`."""
        period = cls.of(kind, last_complete_day)
        if period.end - timedelta(days=1) == last_complete_day:
            return period
        return cls.of(kind, period.start - timedelta(days=1))

    @classmethod
    def from_key(cls, kind: PeriodKind, key: str) -> ReportPeriod:
        """The period a key names ("2026-11-20", "2026-W47", "2026-11"); InvalidPeriod if it names none."""
        pattern = {"day": _DAY_KEY, "week": _WEEK_KEY, "month": _MONTH_KEY}[kind]
        match = pattern.match(key)
        try:
            if match is None:
                raise ValueError
            numbers = [int(part) for part in match.groups()]
            if kind == "week":
                return cls.week_of(date.fromisocalendar(numbers[0], numbers[1], 1))
            if kind == "month":
                return cls.month_of(date(numbers[0], numbers[1], 1))
            return cls.day(date(*numbers))
        except ValueError:
            example = {"day": "2026-11-20", "week": "2026-W47", "month": "2026-11"}[kind]
            raise InvalidPeriod(f"{excerpt(key)} is not a {kind}: expected e.g. {example}") from None

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def key(self) -> str:
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return self.start.isoformat()

    def previous(self) -> ReportPeriod:
        """The period of the same kind just before this one."""
        return ReportPeriod.of(self.kind, self.start - timedelta(days=1))

    def to_state(self) -> dict[str, str]:
        return {"kind": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_state(cls, raw: Any) -> ReportPeriod:
        """A period as a state carries it, checked to be a real period of its kind."""
        if not isinstance(raw, dict) or set(raw) != {"kind", "start", "end"} or raw["kind"] not in PERIOD_KINDS:
            raise InvalidPeriod(f'expected {{"kind": day|week|month, "start": ..., "end": ...}}, got {excerpt(raw)}')
        try:
            start, end = date.fromisoformat(raw["start"]), date.fromisoformat(raw["end"])
        except (TypeError, ValueError):
            raise InvalidPeriod(f"start and end must be YYYY-MM-DD days, got {excerpt(raw)}") from None
        period = cls.of(raw["kind"], start)
        if (period.start, period.end) != (start, end):
            raise InvalidPeriod(
                f"{start} to {end} is not a {raw['kind']} (a {raw['kind']} is {period.start} to {period.end})"
            )
        return period
