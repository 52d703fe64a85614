"""How tall each embeddable view is in Chromium at a given width: the heights /oembed answers.

One definition, used by scripts/measure_embeds.py (which writes app/pages/embed_sizes.json) and by
tests/browser/test_oembed_sizes.py (which measures again and compares): the page /oembed's iframe
loads, ``/embed/{view}`` with its default parameters and options, in a viewport of that width and
``PROBE_HEIGHT`` px; once the view is drawn and its height has stopped changing, the document's
``scrollHeight`` in CSS px. That is the smallest frame height at which the widget does not scroll.
"""

from __future__ import annotations

from playwright.sync_api import Page

WIDTHS = (320, 400, 640, 800)  # px: the iframe widths /oembed answers with
PROBE_HEIGHT = 200  # px: shorter than every view, so scrollHeight is the content's height
PLAYER_DRAWN = "() => Boolean(window.convscope && convscope.complete)"
DRAWN = {  # view -> when it is drawn, for the views that are not an op's player
    "stack": "() => Boolean(window.convscope && convscope.ready && !convscope.pending)",
    "transfer": "() => Boolean(window.convscope && convscope.ready)",
}
SETTLE_MS = 150
SETTLE_TRIES = 40
AFTER_FRAMES = """() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(
  () => resolve(%s))))"""  # read after two frames: layout done
HEIGHT_AFTER_FRAMES = AFTER_FRAMES % "document.documentElement.scrollHeight"
FITS_AFTER_FRAMES = AFTER_FRAMES % "document.documentElement.scrollHeight <= window.innerHeight"


def document_height(page: Page, base_url: str, view: str, width: int) -> int:
    """``/embed/{view}``'s document height at ``width`` px, once drawn and settled."""
    page.set_viewport_size({"width": width, "height": PROBE_HEIGHT})
    page.goto(f"{base_url}/embed/{view}")
    page.wait_for_function(DRAWN.get(view, PLAYER_DRAWN))
    page.evaluate("() => document.fonts.ready.then(() => true)")
    last = -1
    for _ in range(SETTLE_TRIES):
        height: int = page.evaluate(HEIGHT_AFTER_FRAMES)
        if height == last:
            return height
        last = height
        page.wait_for_timeout(SETTLE_MS)
    raise AssertionError(f"/embed/{view} at {width} px: the height kept changing (last {last} px)")


def fits(page: Page, height: int) -> tuple[bool, bool]:
    """Whether the page just measured fits a frame ``height`` px high, and one a pixel shorter
    (the page keeps its width; only the viewport's height changes)."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    answers = []
    for tall in (height, height - 1):
        page.set_viewport_size({"width": width, "height": tall})
        answers.append(bool(page.evaluate(FITS_AFTER_FRAMES)))
    return answers[0], answers[1]
