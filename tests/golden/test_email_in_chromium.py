"""The largest golden email laid out by a real browser engine (headless Chromium, as `make screenshots`
uses) at a phone's 375 px: nothing wider than the screen, and every bar of every chart drawn at the height
it was given, standing on its chart's baseline. Skipped only where Chromium is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.screenshots import find_browser, measure

HERE = Path(__file__).resolve().parent
PHONE = 375
BROWSER = find_browser()


@pytest.fixture(scope="module")
def largest() -> dict:
    if BROWSER is None:
        pytest.skip("Chromium is not installed (sudo apt-get install chromium)")
    golden = max(HERE.glob("*.html"), key=lambda path: path.stat().st_size)
    return measure(BROWSER, golden.read_text(encoding="utf-8"), PHONE)


def test_the_largest_golden_email_fits_a_375_px_screen_without_scrolling_sideways(largest: dict) -> None:
    assert largest["viewport"] == PHONE
    assert largest["scrollWidth"] <= PHONE


def test_every_bar_is_drawn_at_its_height_on_its_charts_baseline(largest: dict) -> None:
    assert len(largest["charts"]) > 10  # the daily chart and each service's trend
    for chart in largest["charts"]:
        assert [bar["drawn"] for bar in chart] == [bar["height"] for bar in chart]
        assert len({bar["above"] for bar in chart}) == 1, "the bars stand on one baseline"
        assert len({bar["width"] for bar in chart}) == 1, "the bars, oldest to newest, are one width"
