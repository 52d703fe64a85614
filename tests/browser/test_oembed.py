"""oEmbed in a real Chromium: the heights /oembed answers (app/pages/embed_sizes.json) measured again for
every embeddable view at every width, compared exactly; the iframe a consumer (micawber) gets, put in a
course page on another origin, fits its widget; a frame cut by maxheight scrolls; a page of another
origin can read /oembed (CORS) and nothing else; the stack builder embedded.

The heights are compared exactly: the same Chromium and fonts give the same layout to the pixel. When
what an embed shows changes, run scripts/measure_embeds.py to write the table again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Frame, Page

from app.pages.oembed import HEIGHTS, VIEWS
from tests.browser.measure import CONTENT_AFTER_FRAMES, WIDTHS, document_height
from tests.pages.test_oembed_consumer import ROOMY, consumer

from .hosting import static_host

HOST_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A course page</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="host.css"></head>
<body><main><h1>Week 3</h1><div id="slot"></div><p>The course goes on.</p></main>
<script src="host.js"></script></body></html>
"""
HOST_CSS = "body { margin: 0; font: 17px/1.5 Georgia, serif; } main { margin: 0 auto; max-width: 900px; }"
# Puts the html of an oEmbed answer (given in the query, as a platform would store it) into the page.
HOST_JS = """
document.getElementById("slot").innerHTML = new URLSearchParams(location.search).get("html") || "";
window.readable = async (url) => {
  try { return (await fetch(url)).status; } catch (err) { return String(err.name); }
};
"""
SIZE = re.compile(r'<iframe [^>]*width="(\d+)" height="(\d+)"')


@pytest.fixture(scope="module")
def host_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    files = {"host.html": HOST_HTML, "host.css": HOST_CSS, "host.js": HOST_JS}
    with static_host(tmp_path_factory.mktemp("oembed-host"), files, "oembed-host") as root:
        yield f"{root}host.html"


def framed(page: Page, host_url: str, html: str) -> Frame:
    page.goto(f"{host_url}?html={quote(html, safe='')}")
    handle = page.locator("#slot iframe").element_handle()
    frame = handle.content_frame() if handle else None
    assert frame is not None
    return frame


@pytest.mark.parametrize("view", VIEWS)
def test_the_table_holds_the_measured_heights(page: Page, base_url: str, view: str) -> None:
    measured = {width: document_height(page, base_url, view, width) for width in WIDTHS}
    assert measured == HEIGHTS[view], f"/embed/{view} changed height: run scripts/measure_embeds.py"


@pytest.mark.parametrize(("view", "maxwidth"), [("conv2d", 400), ("relu", 700), ("stack", 320), ("transfer", 800)])
def test_the_iframe_a_consumer_gets_fits_its_widget(
    page: Page, base_url: str, host_url: str, view: str, maxwidth: int
) -> None:
    html = consumer(base_url).request(f"{base_url}/play/{view}", maxwidth=maxwidth, maxheight=ROOMY)["html"]
    frame = framed(page, host_url, html)
    found = SIZE.match(html)
    assert found, html
    width, height = int(found[1]), int(found[2])
    assert height == HEIGHTS[view][width]
    assert page.locator("#slot iframe").evaluate("(f) => [f.clientWidth, f.clientHeight]") == [width, height]
    frame.wait_for_function("() => window.convscope && (convscope.complete || (convscope.ready && !convscope.pending))")
    frame.wait_for_timeout(300)
    assert frame.evaluate(CONTENT_AFTER_FRAMES) == height, "the widget fills its frame exactly"
    size = frame.evaluate(
        "[document.documentElement.scrollHeight, innerHeight, document.documentElement.scrollWidth, innerWidth]"
    )
    assert size[0] == size[1] == height, f"and does not scroll: {size}"
    assert size[2] <= size[3], "nothing sticks out sideways"


def test_a_frame_cut_by_maxheight_scrolls_inside(page: Page, base_url: str, host_url: str) -> None:
    html = consumer(base_url).request(f"{base_url}/play/conv2d", maxwidth=640, maxheight=300)["html"]
    assert 'width="640" height="300"' in html
    frame = framed(page, host_url, html)
    frame.wait_for_function("() => window.convscope && convscope.complete")
    assert frame.evaluate("[document.documentElement.scrollHeight, innerHeight]")[0] > 300 + 100
    frame.evaluate("document.getElementById('embed-brand').scrollIntoView()")
    assert frame.evaluate("scrollY") > 0, "the reader can scroll to the rest of the widget"


def test_only_oembed_is_readable_from_another_origin(browser: Browser, base_url: str, host_url: str) -> None:
    """Its own context: the refused fetches log errors in the console, as they should."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(host_url)
    url = quote(f"{base_url}/play/conv2d", safe="")
    assert page.evaluate("(u) => readable(u)", f"{base_url}/oembed?url={url}") == 200
    assert page.evaluate("(u) => readable(u)", f"{base_url}/oembed?url=nope") == 404, "its refusals too"
    assert page.evaluate("(u) => readable(u)", f"{base_url}/api/conv2d/shape") == "TypeError"
    body = page.evaluate("(u) => fetch(u).then((r) => r.json())", f"{base_url}/oembed?url={url}&maxwidth=400")
    assert (body["width"], body["height"]) == (400, HEIGHTS["conv2d"][400])
    context.close()


def test_the_stack_builder_embedded(page: Page, base_url: str, host_url: str) -> None:
    stack = "input=1,16,16&layers=conv2d:out_channels=4,kernel_size=3x3;relu"
    frame = framed(page, host_url, f'<iframe src="{base_url}/embed/stack?{stack}" width="500" height="600"></iframe>')
    frame.wait_for_function("() => window.convscope && convscope.ready && !convscope.pending")
    assert frame.locator("header.site").count() == 0
    assert frame.locator("#final-shape").inner_text() == "14 x 14 x 4"
    frame.locator("button.add-layer[data-type='max_pool2d']").click()
    frame.wait_for_function("() => convscope.ready && !convscope.pending && convscope.body.layers.length === 3")
    frame.locator("#embed-brand").hover()
    href = frame.locator("#embed-brand").get_attribute("href") or ""
    assert href.startswith("/play/stack?input=1,16,16&layers=conv2d:") and ";max_pool2d" in href
