"""The HTML email against what Outlook on Windows (Word's engine) and Gmail do with CSS, from caniemail's
support data (vendored in tests/fixtures/caniemail/, where it says where and when it came from).

Every inline declaration of every golden email is looked up: a property those clients keep (support "y",
partial "a", or unknown "u") may be used freely; a property one of them drops ("n") only as an enhancement
over a fallback that client reads, which ENHANCEMENTS names and checks on the same element. The bar colours
are held to 3:1 against both the light card and a dark canvas, so a forced-dark client cannot lose them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from render_email.charts import BAR_COLOURS

TESTS = Path(__file__).resolve().parents[1]
SUPPORT = json.loads((TESTS / "fixtures" / "caniemail" / "support.json").read_text(encoding="utf-8"))["features"]
CLIENTS = ("outlook-windows", "gmail-desktop-webmail", "gmail-ios", "gmail-android", "gmail-mobile-webmail")
GOLDEN = sorted((TESTS / "golden").glob("*.html"))

# CSS 1 text properties that caniemail has no page for, because every client keeps them.
BASICS = {"color", "font-family", "font-style"}
# Shorthands' pages cover their longhands: border-bottom is "border", padding-left is "padding".
SHORTHANDS = ("border", "padding", "margin")


class Element:
    """One start tag: its name, attributes and inline declarations (property -> value, lower case)."""

    def __init__(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tag, self.attrs = tag, {name: value or "" for name, value in attrs}
        pairs = (d.split(":", 1) for d in self.attrs.get("style", "").split(";") if ":" in d)
        self.style = {name.strip().lower(): value.strip().lower() for name, value in pairs}

    def __repr__(self) -> str:
        return f"<{self.tag} style={self.attrs.get('style', '')!r}>"


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append(Element(tag, attrs))


def elements(html: str) -> list[Element]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


def feature(name: str, value: str) -> str:
    """caniemail's page for a declaration: `display:none` has its own, `border-bottom` is `border`'s."""
    if name == "display" and f"css-display-{value}" in SUPPORT:
        return f"css-display-{value}"
    if f"css-{name}" in SUPPORT:
        return f"css-{name}"
    shorthand = next((s for s in SHORTHANDS if name.startswith(f"{s}-")), None)
    if shorthand and name not in ("border-radius", "border-collapse", "border-spacing"):
        return f"css-{shorthand}"
    raise LookupError(f"no caniemail page for `{name}`: map it in feature() or BASICS, with the reason")


def dropped_by(name: str, value: str) -> list[str]:
    """The clients that drop the declaration (caniemail: "n" in their newest version)."""
    if name.startswith("mso-") or name in BASICS:
        return []  # mso- properties are Word's own: every other client ignores them, by design
    support = SUPPORT[feature(name, value)]
    return [client for client in CLIENTS if support[client] == "n"]


# --- The enhancements: a dropped property, and the fallback on the same element that the client reads -----


def _fill_they_read(e: Element) -> bool:
    """Rounded corners: without them the box is square, and its colour still shows (bgcolor/background-color)."""
    return "bgcolor" in e.attrs or "background-color" in e.style


def _hidden_preheader(e: Element) -> bool:
    """The preheader: hidden by display:none, by mso-hide:all in Word, by max-height:0 with overflow:hidden
    in Gmail's mobile webmail (which drops display:none); each client reads at least one of them."""
    hiding = {"display": "none", "mso-hide": "all", "max-height": "0", "overflow": "hidden"}
    return all(e.style.get(name) == value for name, value in hiding.items())


def _nowrap_attribute(e: Element) -> bool:
    """white-space:nowrap: Word reads the cell's nowrap attribute instead."""
    return e.tag in ("td", "th") and "nowrap" in e.attrs


ENHANCEMENTS: dict[str, Callable[[Element], bool]] = {
    "border-radius": _fill_they_read,
    "display": _hidden_preheader,  # display:none (display:inline-block is kept: partial support)
    "max-height": _hidden_preheader,
    "overflow": _hidden_preheader,
    "opacity": _hidden_preheader,
    "white-space": _nowrap_attribute,
}


def findings(html: str) -> Iterator[str]:
    """Each declaration a client drops without the fallback it needs, as a sentence naming both."""
    for e in elements(html):
        for name, value in e.style.items():
            clients = dropped_by(name, value)
            if clients and not ENHANCEMENTS.get(name, lambda _: False)(e):
                check = ENHANCEMENTS.get(name)
                needs = " ".join((check.__doc__ or "").split()) if check else "not allowed: no fallback is known"
                yield f"{name}:{value} on {e!r} is dropped by {', '.join(clients)}; {needs}"


@pytest.mark.parametrize("golden", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_every_inline_property_of_the_golden_emails_survives_outlook_and_gmail(golden: Path) -> None:
    assert list(findings(golden.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize(
    ("markup", "found"),
    [
        ('<table><tr><td style="display:flex">a</td></tr></table>', "display:flex"),
        ('<td bgcolor="#ffffff" style="background-image:url(https://example.com/a.png)">a</td>', "background-image"),
        ('<td style="border-radius:6px;border:1px solid #000">a</td>', "border-radius"),
        ('<td style="white-space:nowrap">$1.00</td>', "white-space"),
        ('<div style="max-height:0;overflow:hidden">preheader</div>', "max-height"),
        ('<p style="box-shadow:0 1px 2px #000">a</p>', "box-shadow"),
    ],
    ids=["flex", "background image", "rounded, no fill", "nowrap, no attribute", "hidden, no mso-hide", "shadow"],
)
def test_a_property_outlook_or_gmail_drops_without_its_fallback_is_found(markup: str, found: str) -> None:
    assert [f for f in findings(markup) if f.startswith(found)], f"{found} should have been found in {markup}"


def test_the_fallbacks_that_make_a_dropped_property_safe_are_accepted() -> None:
    markup = (
        '<td bgcolor="#232f3e" style="border-radius:6px;background-color:#232f3e">'
        '<a style="border-radius:6px;background-color:#232f3e">Open</a></td>'
        '<td nowrap style="white-space:nowrap">$1.00</td>'
        '<div style="display:none;max-height:0;overflow:hidden;opacity:0;mso-hide:all">preheader</div>'
    )
    assert list(findings(markup)) == []


def test_a_property_caniemail_has_no_page_for_is_refused_by_name() -> None:
    with pytest.raises(LookupError, match="`zoom`"):
        list(findings('<td style="zoom:2">a</td>'))


def test_the_vendored_caniemail_data_says_where_it_came_from_and_under_which_licence() -> None:
    document = json.loads((TESTS / "fixtures" / "caniemail" / "support.json").read_text(encoding="utf-8"))
    assert document["commit"] in document["source"] and document["licence"].startswith("MIT")
    assert (TESTS / "fixtures" / "caniemail" / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    # What the rules above rest on: Word drops rounded corners and flexbox, Gmail keeps both.
    assert SUPPORT["css-border-radius"]["outlook-windows"] == "n" and SUPPORT["css-display-flex"]["gmail-ios"] != "n"


# --- Colours that survive a forced-dark client ---------------------------------------------------------


def luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of #rrggbb."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("colour", BAR_COLOURS)
def test_every_bar_colour_keeps_3_to_1_on_the_white_card_and_on_a_dark_canvas(colour: str) -> None:
    # WCAG 2.1 1.4.11 (non-text contrast) asks 3:1. #121212 is the dark canvas Material's dark theme and the
    # Gmail app use; a forced-dark client either keeps a mid-tone or inverts it to another mid-tone.
    assert contrast(colour, "#ffffff") >= 3 and contrast(colour, "#121212") >= 3


def test_every_bar_in_the_golden_emails_is_a_colour_held_to_that_contrast() -> None:
    from render_email.charts import BAR_NONE

    drawn = {e.attrs["bgcolor"] for p in GOLDEN for e in elements(p.read_text(encoding="utf-8")) if _is_bar(e)}
    assert drawn and drawn <= {*BAR_COLOURS, BAR_NONE}


def _is_bar(e: Element) -> bool:
    return e.tag == "td" and "height" in e.attrs and "bgcolor" in e.attrs


def test_the_button_reads_4_5_to_1_and_stands_out_3_to_1_on_a_dark_canvas() -> None:
    golden = (TESTS / "golden" / "small.html").read_text(encoding="utf-8")
    buttons = [e for e in elements(golden) if e.tag == "a" and "background-color" in e.style]
    assert len(buttons) == 1
    fill, ink = buttons[0].style["background-color"], buttons[0].style["color"]
    assert contrast(ink, fill) >= 4.5 and contrast(fill, "#121212") >= 3


# Word's widest border is 6 pt (8 px), so a wider one comes out flattened in Outlook on Windows (issue 14 found
# the charts' bars, 16 and 40 px bottom borders, capped there): a size is drawn with height, not a border.
WORD_MAX_BORDER_PX = 8


def border_widths(e: Element) -> list[int]:
    return [
        int(part[:-2])
        for name, value in e.style.items()
        if name.startswith("border") and name not in ("border-radius", "border-collapse", "border-spacing")
        for part in value.split()
        if part.endswith("px") and part[:-2].isdigit()
    ]


@pytest.mark.parametrize("golden", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_no_border_is_wider_than_word_draws_one(golden: Path) -> None:
    wide = [
        e for e in elements(golden.read_text(encoding="utf-8")) if max(border_widths(e), default=0) > WORD_MAX_BORDER_PX
    ]
    assert wide == [], f"borders wider than {WORD_MAX_BORDER_PX} px, which Outlook on Windows flattens: {wide[:3]}"


def test_a_bar_drawn_as_a_bottom_border_is_too_wide_for_word() -> None:
    assert border_widths(elements('<td width="5" style="border-bottom:16px solid #9ca3af"></td>')[0]) == [16]


# --- Days without data --------------------------------------------------------------------------------


def test_the_days_before_an_accounts_first_cost_data_have_no_bar_not_a_stub() -> None:
    # GIVEN the two-day-old account's email: its daily chart's 12 oldest days have no cost data (null totals)
    html = (TESTS / "golden" / "young-account-eur.html").read_text(encoding="utf-8")
    found = elements(html)
    start = next(n for n, e in enumerate(found) if e.tag == "table" and e.attrs.get("class") == "bars")
    columns = [e for e in found[start + 2 :] if e.tag == "td" and e.attrs.get("width") == "14"]
    # THEN those days are empty columns (no colour at all: the text part's sparkline leaves them blank too),
    # and only the account's two days are drawn
    assert len(columns) == 14
    assert [("bgcolor" in c.attrs) for c in columns] == [False] * 12 + [True] * 2
