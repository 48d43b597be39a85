"""The email's trends: bars for the HTML part (table cells with a height and a bgcolor, drawn by the template's
`bars` macro), block-character sparklines for the text part. Heights are relative to the largest value; a
day without data (before the account's first cost data) has no bar at all, and a day of $0 a 1 px baseline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from render_email.money import round_half_up

TREND_BAR_PX = 16  # height of a service's trend
DAILY_BAR_PX = 40  # height of the headline's chart of the daily total
_SPARKS = "▁▂▃▄▅▆▇█"

# Colours of the bars: mid-tones with at least 3:1 contrast (WCAG 2.1 1.4.11, non-text) both on the white card
# and on a dark canvas, so they stay readable whichever way a forced-dark client turns them (a dark grey "today"
# became near-black on black there). The report day is blue, or red when it is an anomaly: hue, not shade.
BAR = "#7c8594"
BAR_TODAY = "#2563eb"
BAR_ALERT = "#dc2626"
BAR_ONE_OFF = "#d97706"  # a day of the daily chart with one-off charges, drawn without them (amber: 3.2:1 on white)
BAR_NONE = "#d1d5db"  # the 1 px baseline of a day with no data or nothing spent: not data, no contrast needed
BAR_COLOURS = (BAR, BAR_TODAY, BAR_ALERT, BAR_ONE_OFF)


@dataclass(frozen=True)
class Bar:
    height: int | None  # px; 0: a flat baseline (nothing spent); None: no bar (no data that day)
    color: str


def bar_heights(values: Sequence[Decimal | None], height: int) -> list[int | None]:
    """Pixel heights of bars for the values, the largest `height`; None stays None (no data)."""
    top = max((v for v in values if v is not None and v > 0), default=Decimal(0))
    if top <= 0:
        return [None if v is None else 0 for v in values]
    return [None if v is None else max(0, round_half_up(Fraction(v) / Fraction(top) * height)) for v in values]


def sparkline(values: Sequence[Decimal | None]) -> str:
    """The trend in text: one block character per day, " " for no data."""
    heights = bar_heights(values, len(_SPARKS) - 1)
    return "".join(" " if h is None else _SPARKS[h] for h in heights)


def bars(values: Sequence[Decimal | None], height: int, today: str = BAR_TODAY) -> tuple[Bar, ...]:
    """The days oldest first, the last one (the report day) in `today`'s colour; 0 is flat, no data no bar."""
    heights = bar_heights(values, height)
    last = len(heights) - 1
    return tuple(Bar(h, BAR_NONE if not h else today if n == last else BAR) for n, h in enumerate(heights))


def trend_bars(trend: Sequence[Decimal], anomaly: bool) -> tuple[Bar, ...]:
    """A service's trend: the report day red when it is an anomaly."""
    return bars(trend, TREND_BAR_PX, BAR_ALERT if anomaly else BAR_TODAY)


def daily_bars(totals: Sequence[Decimal | None], one_off: Sequence[bool] = ()) -> tuple[Bar, ...]:
    """The headline's chart. `one_off` marks the days (before the report day) that had one-off charges: the
    totals given are then without them, and those bars are amber, so the 1st's tax and support neither dwarf
    the other days for two weeks nor pass for usage."""
    drawn = bars(totals, DAILY_BAR_PX)
    last = len(drawn) - 1
    return tuple(
        Bar(b.height, BAR_ONE_OFF) if n < last and b.height and n < len(one_off) and one_off[n] else b
        for n, b in enumerate(drawn)
    )
