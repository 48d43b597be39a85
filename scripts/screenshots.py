"""`make screenshots`: the demo email in headless Chromium at a phone's width (375 px), at the 600 px
the email is designed for and in a 1,024 px desktop window, as out/report-375.png, out/report-600.png and
out/report-1024.png; and twice in dark mode at 600 px: out/report-dark.png as a forced-dark client draws
it (the Gmail and Outlook apps invert light colours whatever the email declares: Chromium's own forced
dark, with the email's color-scheme meta removed because Chromium, unlike those clients, honours it) and
out/report-prefers-dark.png as a client that honours the declaration does (Apple Mail: as drawn).

    python -m scripts.screenshots [--html out/report.html] [--profile small|large-org]

Chromium is not installed for you: on Debian or Ubuntu, `sudo apt-get install chromium`. If
out/report.html does not exist, the demo is run first to make it. Each screenshot is taken in a
window taller than the email and then trimmed to the email's height (no image library needed).
measure() is what tests/golden/test_email_in_chromium.py reads: the layout at a width, from the DOM.
"""

from __future__ import annotations

import argparse
import html as html_escape
import json
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = (375, 600, 1024)
DARK_WIDTH = 600
WINDOW_HEIGHT = 6000
# Chromium's forced dark (the algorithm Android WebView and the Gmail app build on), and
# prefers-color-scheme: dark for the page.
FORCED_DARK = ("--blink-settings=forceDarkModeEnabled=true", "--force-dark-mode")
PREFERS_DARK = ("--force-dark-mode",)
COLOR_SCHEME_META = re.compile(r'<meta name="(?:color-scheme|supported-color-schemes)"[^>]*>\n?')
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def find_browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def screenshot(browser: str, html: Path, png: Path, width: int, extra: tuple[str, ...] = ()) -> None:
    with tempfile.TemporaryDirectory(prefix="cost-notifier-chromium-") as profile:
        subprocess.run(
            [
                browser,
                *FLAGS,
                *extra,
                f"--user-data-dir={profile}",
                f"--screenshot={png}",
                f"--window-size={width},{WINDOW_HEIGHT}",
                html.resolve().as_uri(),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )
    trim_bottom(png)


def forced_dark(browser: str, html: Path, png: Path) -> None:
    """The email as a forced-dark client draws it: Chromium inverts only pages that do not declare dark support."""
    with tempfile.TemporaryDirectory(prefix="cost-notifier-dark-") as folder:
        copy = Path(folder) / "report.html"
        copy.write_text(COLOR_SCHEME_META.sub("", html.read_text(encoding="utf-8")), encoding="utf-8")
        screenshot(browser, copy, png, DARK_WIDTH, FORCED_DARK)


# --- Measuring the layout: the email in an iframe of the given width (a headless window is at least 500 px
# wide), a script writes what it finds into the DOM, and --dump-dom prints it. --------------------------

_MEASURE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="email" width="%(width)d" height="%(height)d" style="border:0" srcdoc="%(email)s"></iframe>
<script>
document.getElementById("email").addEventListener("load", (event) => {
  const doc = event.target.contentDocument;
  const charts = [...doc.querySelectorAll("table.bars")].map((table) => {
    const box = table.getBoundingClientRect();
    return [...table.querySelectorAll("td[bgcolor]")].map((cell) => {
      const bar = cell.getBoundingClientRect();
      return {height: Number(cell.getAttribute("height")), drawn: bar.height, width: bar.width,
              above: box.bottom - bar.bottom, colour: cell.getAttribute("bgcolor")};
    });
  });
  const out = document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify({viewport: doc.documentElement.clientWidth,
    scrollWidth: doc.documentElement.scrollWidth, charts: charts});
  document.body.appendChild(out);
});
</script></body></html>"""


def measure(browser: str, html: str, width: int) -> dict:
    """The email at `width` px: {"viewport", "scrollWidth", "charts": [[{height, drawn, width, above, colour}]]}."""
    page = _MEASURE % {"width": width, "height": WINDOW_HEIGHT, "email": html_escape.escape(html, quote=True)}
    with tempfile.TemporaryDirectory(prefix="cost-notifier-measure-") as folder:
        path = Path(folder) / "measure.html"
        path.write_text(page, encoding="utf-8")
        done = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={folder}/profile", "--dump-dom", path.as_uri()],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
    found = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout, re.S)
    if found is None:
        raise RuntimeError(f"Chromium printed no measurement for the email at {width} px")
    return json.loads(html_escape.unescape(found.group(1)))


# --- PNG: read rows, drop the trailing background, write back (8-bit RGB or RGBA, not interlaced) ----


def _chunks(data: bytes):
    position = 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        yield kind, data[position + 8 : position + 8 + length]
        position += 12 + length


def _unfilter(raw: bytes, width: int, height: int, channels: int) -> list[bytearray]:
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            up_left = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 0xFF
        rows.append(line)
        previous = line
    return rows


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def trim_bottom(png: Path, margin: int = 24) -> None:
    """Cut the rows below the last one that differs from the page background (the bottom-left pixel)."""
    data = png.read_bytes()
    header = next(body for kind, body in _chunks(data) if kind == b"IHDR")
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or color not in (2, 6) or interlace:
        return  # not what Chromium writes today: leave the file as it is
    channels = 3 if color == 2 else 4
    rows = _unfilter(
        zlib.decompress(b"".join(body for kind, body in _chunks(data) if kind == b"IDAT")), width, height, channels
    )
    background = bytes(rows[-1])
    last = max((y for y, row in enumerate(rows) if bytes(row) != background), default=height - 1)
    keep = min(height, last + 1 + margin)
    raw = b"".join(b"\x00" + bytes(row) for row in rows[:keep])
    png.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, keep, 8, color, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make screenshots", description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="small", help="demo profile to run when the HTML is missing")
    parser.add_argument("--html", help="the email to render (default: the profile's demo output)")
    parser.add_argument("--out", help="where to write report-<width>.png (default: the profile's demo folder)")
    args = parser.parse_args(argv)
    # The demo keeps each profile apart: out/ for small, out/<profile>/ for the others (local/demo.py).
    folder = ROOT / "out" if args.profile == "small" else ROOT / "out" / args.profile
    args.html = args.html or str(folder / "report.html")
    args.out = args.out or str(folder)

    browser = find_browser()
    if browser is None:
        print(
            "Chromium is not installed, and `make screenshots` does not install it for you.\n"
            "On Debian or Ubuntu: sudo apt-get install chromium   (then run make screenshots again)",
            file=sys.stderr,
        )
        return 2
    html = Path(args.html)
    if not html.exists():
        print(f"{html} does not exist yet: running the demo (profile {args.profile}) to make it")
        demo = subprocess.run(
            [sys.executable, "-m", "local.demo", "--profile", args.profile, "--fresh", "--out", str(html.parent)],
            cwd=ROOT,
        )
        if demo.returncode or not html.exists():
            print("The demo did not produce the email; see its output above.", file=sys.stderr)
            return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        png = out / f"report-{width}.png"
        screenshot(browser, html, png, width)
        print(f"Wrote {png} ({width} px wide) from {html}")
    forced_dark(browser, html, out / "report-dark.png")
    print(f"Wrote {out / 'report-dark.png'} (forced dark, {DARK_WIDTH} px) from {html}")
    screenshot(browser, html, out / "report-prefers-dark.png", DARK_WIDTH, PREFERS_DARK)
    print(f"Wrote {out / 'report-prefers-dark.png'} (prefers-color-scheme: dark, {DARK_WIDTH} px) from {html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
