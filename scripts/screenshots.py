"""Screenshots for people to look at, not tests: a picture cannot fail a build.

    .venv/bin/python scripts/screenshots.py                 # into artifacts/screenshots/ (git-ignored)
    .venv/bin/python scripts/screenshots.py --out /tmp/shots

Serves the app as the tests do (tests/live.py: uvicorn in a thread, on a free loopback port) and
drives Debian's Chromium (/usr/bin/chromium) with the browser tests' options. It writes:

- ``present-{page}-controls.png`` and ``present-{page}-idle.png`` for each presentation-mode page
  (the conv2d and relu players at step 7, the stack builder, the first lesson) at 1920x1080: with the
  controls shown after a mouse move, then after 3.2 s at rest, once they have faded. The steps are
  tests/browser/test_present.py's own helpers, so the pictures show the states that file tests
  (``test_controls_hide_after_rest_and_return_on_mouse_move`` checks the fade on every page).

The browser tests that check a page and keep a picture of what they checked write theirs to
artifacts/screenshots/ too (players, stack builder, transfer page, embeds, lessons, image and
augmentation pages). Exit status 1 when a page logged a console error or warning.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import BrowserContext, Page, sync_playwright  # noqa: E402

from app.main import app  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PAGE_TIMEOUT_MS, Console, OpenPage  # noqa: E402
from tests.browser.test_present import (  # noqa: E402
    IDLE_WAIT_MS,
    PAGES,
    PLAYERS,
    controls_shown,
    move_mouse,
    open_at,
    path_of,
    with_present,
)
from tests.live import live_server  # noqa: E402


def present(open_page: OpenPage, base_url: str, out: Path) -> list[Path]:
    written = []
    for name in PAGES:
        page = open_at(open_page, base_url, with_present(path_of(name, base_url)))
        if name in PLAYERS:
            page.evaluate("convscope.seek(7)")
        move_mouse(page)
        controls_shown(page)
        written.append(out / f"present-{name}-controls.png")
        page.screenshot(path=str(written[-1]))
        page.wait_for_timeout(IDLE_WAIT_MS)
        written.append(out / f"present-{name}-idle.png")
        page.screenshot(path=str(written[-1]))
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "artifacts" / "screenshots", help="folder to write into")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: apt-get install -y chromium", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    console = Console()
    contexts: list[BrowserContext] = []
    with live_server(app) as live, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)

        def open_page(viewport: dict[str, int] | None = None, **options: object) -> Page:
            context = browser.new_context(viewport=viewport or DESKTOP, **options)  # type: ignore[arg-type]
            contexts.append(context)
            context.set_default_timeout(PAGE_TIMEOUT_MS)
            page = context.new_page()
            page.on("console", console.on_console)
            page.on("pageerror", console.on_page_error)
            return page

        written = present(open_page, live.base_url, args.out)
        for context in contexts:
            context.close()
        browser.close()
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    for message in console.messages:
        print(message, file=sys.stderr)
    return 1 if console.messages else 0


if __name__ == "__main__":
    raise SystemExit(main())
