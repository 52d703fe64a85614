"""How tall each embeddable view is in Chromium at a given width: the heights /oembed answers.

One definition, used by scripts/measure_embeds.py (which writes app/pages/embed_sizes.json) and by
tests/browser/test_oembed.py (which measures again and compares): the page /oembed's iframe loads,
``/embed/{view}`` with its default parameters and options, in a frame (here a viewport) of that width.

The players size their canvases from the frame's height too (static/js/render/windowed.js: up to 0.6
of ``innerHeight``, at most 560 px), so a view's height depends on the height it is given. The height
measured is the one at which the view, loaded in a frame that high, fills it exactly: its content is
that high, nothing scrolls and nothing is left empty. It is found from the top: load the view in a
frame ``START_HEIGHT`` high (every canvas at its largest), take its content's height, load it again in
a frame that high, and so on until the content is as high as the frame. The heights only go down, so
the widget gets the largest frame in which it fits exactly: the size it has when given the room.
"""

from __future__ import annotations

from playwright.sync_api import Page

WIDTHS = (320, 400, 640, 800)  # px: the iframe widths /oembed answers with
START_HEIGHT = 2000  # px: more than any canvas grows for (0.6 x 2000 > 560)
MAX_LOADS = 12
PLAYER_DRAWN = "() => Boolean(window.convscope && convscope.complete)"
DRAWN = {  # view -> when it is drawn, for the views that are not an op's player
    "stack": "() => Boolean(window.convscope && convscope.ready && !convscope.pending)",
    "transfer": "() => Boolean(window.convscope && convscope.ready)",
}
SETTLE_MS = 150
SETTLE_TRIES = 40
# The content's height: what overflows the frame, or else the bottom of the document's box (rounded up).
CONTENT_AFTER_FRAMES = """() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => {
  const html = document.documentElement;
  resolve(html.scrollHeight > innerHeight ? html.scrollHeight : Math.ceil(html.getBoundingClientRect().height));
})))"""


def content_height(page: Page, url: str, view: str, width: int, height: int) -> int:
    """The content's height of ``url`` loaded in a ``width`` x ``height`` frame, once drawn and settled."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    page.wait_for_function(DRAWN.get(view, PLAYER_DRAWN))
    page.evaluate("() => document.fonts.ready.then(() => true)")
    last = -1
    for _ in range(SETTLE_TRIES):
        now: int = page.evaluate(CONTENT_AFTER_FRAMES)
        if now == last:
            return now
        last = now
        page.wait_for_timeout(SETTLE_MS)
    raise AssertionError(f"{url} at {width}x{height}: the height kept changing (last {last} px)")


def document_height(page: Page, base_url: str, view: str, width: int) -> int:
    """The height of the frame ``width`` px wide that ``/embed/{view}`` fills exactly (see above)."""
    url = f"{base_url}/embed/{view}"
    height = content_height(page, url, view, width, START_HEIGHT)
    for _ in range(MAX_LOADS):
        content = content_height(page, url, view, width, height)
        if content == height:
            return height
        height = content
    raise AssertionError(f"{url} at {width} px: no frame height it fills after {MAX_LOADS} loads (last {height})")
