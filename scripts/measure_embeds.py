"""Measure every embeddable view's height in Chromium and write app/pages/embed_sizes.json, the table
/oembed answers from (app/pages/oembed.py, docs/EMBED.md).

    .venv/bin/python scripts/measure_embeds.py            # measure and write the file
    .venv/bin/python scripts/measure_embeds.py --check    # measure and compare; exit 1 if it differs

Serves the app as the tests do (tests/live.py: uvicorn in a thread on a free loopback port) and drives
Debian's Chromium (/usr/bin/chromium) with the browser tests' options; the measurement itself is
tests/browser/measure.py, the same one tests/browser/test_oembed_sizes.py repeats. Run it after any
change to what an embed shows (templates, CSS, the player's panels): that test fails until you do.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from app.main import app  # noqa: E402
from app.pages.oembed import SIZES_FILE, VIEWS, load_heights  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PAGE_TIMEOUT_MS  # noqa: E402
from tests.browser.measure import WIDTHS, document_height  # noqa: E402
from tests.live import live_server  # noqa: E402

ABOUT = (
    "Written by scripts/measure_embeds.py (the method: tests/browser/measure.py): for each view and width, the "
    "height in CSS px of the frame that /embed/{view}, with its default parameters and options, fills exactly in "
    "Debian's Chromium (the players size their canvases from the frame's height too). /oembed answers the widest "
    "width within maxwidth and its height."
)


def measure() -> dict[str, dict[str, int]]:
    heights: dict[str, dict[str, int]] = {}
    with live_server(app) as live, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context()
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        page = context.new_page()
        for view in VIEWS:
            heights[view] = {str(width): document_height(page, live.base_url, view, width) for width in WIDTHS}
            print(view, heights[view], file=sys.stderr)
        browser.close()
    return heights


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the file instead of writing it")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: apt-get install -y chromium", file=sys.stderr)
        return 2
    heights = measure()
    if args.check:
        table = {view: {str(w): h for w, h in row.items()} for view, row in load_heights().items()}
        if table != heights:
            print(f"{SIZES_FILE.relative_to(ROOT)} differs from what was measured", file=sys.stderr)
            return 1
        return 0
    SIZES_FILE.write_text(json.dumps({"about": ABOUT, "heights": heights}, indent=2) + "\n")
    print(f"wrote {SIZES_FILE.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
