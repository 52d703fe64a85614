"""The transfer-learning view (/play/transfer, /embed/transfer) in a real Chromium: what it shows
equals what the API answers (layers, filters, activations, the training stream's last line), the
settings live in the URL, a refused setting shows the server's own words, the gallery works from the
keyboard, the embed announces its height to a page on another origin, presentation mode, and
screenshots at 1280x800 and 390x844. The console fixture fails any test whose pages log an error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import numpy as np
import pytest
from playwright.sync_api import Page, expect

from app.images import palette

from .conftest import OpenPage
from .hosting import static_host

READY = "() => Boolean(window.convscope && convscope.ready)"
TRAINED = "() => Boolean(convscope.training.finished || convscope.training.error)"
TRAIN_TIMEOUT_MS = 30_000


def api(base_url: str, path: str) -> Any:
    response = httpx.get(f"{base_url}{path}", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def train_frames(base_url: str, query: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{base_url}/api/transfer/train?{query}", timeout=60)
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines() if line]


def diverging(value: float, max_abs: float) -> list[int]:
    """static/js/render/colors.js rgb(): the one palette's scale (static/palette.json, app/images/palette.py):
    near white at 0, purple (negative) or orange (positive) at the ends, in palette.LEVELS shades a side."""
    color: list[int] = palette.diverging(np.array([value]), max_abs)[0].tolist()
    return color


def share(accuracy: float, total: int) -> str:
    return f"{accuracy * 100:.1f}% ({round(accuracy * total)} of {total})"


def open_view(page: Page, base_url: str, query: str = "") -> None:
    page.goto(f"{base_url}/play/transfer{query}")
    page.wait_for_function(READY)


def shown_index(page: Page) -> int:
    return int(page.evaluate("convscope.activations.index"))


def wait_digit(page: Page, index: int) -> None:
    page.wait_for_function("(i) => convscope.activations && convscope.activations.index === i", arg=index)


def train(page: Page) -> None:
    page.locator("#tl-train").click()
    page.wait_for_function(TRAINED, timeout=TRAIN_TIMEOUT_MS)


# --- the network and its filters ----------------------------------------------------------------------


def test_the_page_shows_the_network_as_the_api_describes_it(page: Page, base_url: str) -> None:
    open_view(page, base_url)
    model = api(base_url, "/api/transfer/model")
    boxes = page.locator("#tl-net > li")
    expect(boxes).to_have_count(len(model["layers"]) + 1)  # the input, then each layer
    for layer in model["layers"]:
        box = page.locator(f'#tl-net > li[data-layer="{layer["name"]}"]')
        expect(box).to_have_attribute("data-role", layer["when_reused"])
        expect(box.locator(".tl-module")).to_have_text(layer["module"])
        expect(box.locator(".tl-out")).to_have_text("out " + "×".join(map(str, layer["output"])))
        words = f"{layer['params']:,} params" if layer["params"] else "no params"
        expect(box.locator(".tl-params")).to_have_text(words)
        badge = "frozen" if layer["when_reused"] == "frozen" else "replaced: trains"
        expect(box.locator(".tl-badge")).to_have_text(badge)
    assert [layer["when_reused"] for layer in model["layers"]].count("replaced") == 1
    expect(page.locator("#tl-net .tl-badge.frozen svg.lock")).to_have_count(7)
    reuse = page.locator("#tl-net-reuse")
    expect(reuse).to_contain_text(f"{model['new_task']['trainable']:,} of the {model['params']:,} parameters")
    expect(page.locator("#tl-net-summary")).to_contain_text(
        f"{model['held_out']['correct']} of {model['held_out']['total']} held-out digits"
    )
    expect(page.locator("#tl-credit")).to_have_text(f"Data: {model['data']}.")


def test_the_filters_are_the_api_filters(page: Page, base_url: str) -> None:
    open_view(page, base_url)
    model = api(base_url, "/api/transfer/model")
    drawn = page.evaluate(
        "[...document.querySelectorAll('#tl-filters canvas')].map((c) => JSON.parse(c.dataset.values))"
    )
    assert drawn == [f[0] for f in model["filters"]]
    assert page.evaluate("convscope.model.filters") == model["filters"]
    # the numbers are in each filter's title, and shown when it takes the focus
    first = page.locator('#tl-filters [data-filter="0"]')
    title = first.get_attribute("title") or ""
    assert title.startswith("filter 1 weights")
    first.focus()
    expect(page.locator("#tl-filter-readout")).to_contain_text("Filter 1 weights [")
    # drawn on the diverging map: some purple (negative) and some orange (positive) pixels
    # each weight's cell has its colour on the diverging map (one scale for all 8 filters)
    centres = page.evaluate(
        """() => [...document.querySelectorAll('#tl-filters canvas')].map((c) => {
             const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;  // one read per canvas
             const cell = c.width / 3; const out = [];
             for (let r = 0; r < 3; r += 1) for (let k = 0; k < 3; k += 1) {
               const at = (Math.floor((r + .5) * cell) * c.width + Math.floor((k + .5) * cell)) * 4;
               out.push([d[at], d[at + 1], d[at + 2]]);
             }
             return out; })"""
    )
    scale = max(abs(w) for f in model["filters"] for row in f[0] for w in row)
    for f, filt in enumerate(model["filters"]):
        for i, w in enumerate(w for row in filt[0] for w in row):
            assert centres[f][i] == diverging(w, scale), (f, i, w)


# --- a digit through every layer ----------------------------------------------------------------------


def layer_counts(page: Page) -> dict[str, int]:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#tl-maps > li')].map((row) =>
             [row.dataset.layer, row.querySelectorAll('canvas, .tl-score, .tl-bar').length]))"""
    )


def test_a_chosen_digit_shows_the_api_activations(page: Page, base_url: str) -> None:
    open_view(page, base_url)
    gallery = api(base_url, "/api/transfer/gallery")["items"]
    six = next(item for item in gallery if item["label"] == 6)
    page.locator(f'#tl-gallery [data-index="{six["index"]}"]').click()
    wait_digit(page, six["index"])
    expected = api(base_url, f"/api/transfer/activations?index={six['index']}")
    assert page.evaluate("convscope.activations") == expected
    assert layer_counts(page) == {
        "input": 1, "conv1": 8, "relu1": 8, "pool1": 8, "conv2": 16, "relu2": 16, "pool2": 16,
        "flatten": 1, "fc": 5, "softmax": 5,
    }  # fmt: skip
    bars = page.locator("#tl-maps .tl-bar")
    probabilities = [float(bars.nth(i).get_attribute("data-probability") or "nan") for i in range(5)]
    assert probabilities == expected["probabilities"]
    answer = page.locator("#tl-maps .tl-bar.top")
    expect(answer).to_have_attribute("data-class", str(expected["prediction"]))
    expect(answer).to_contain_text("answer")
    assert expected["task"] == "new"
    verdict = page.locator("#tl-verdict")
    expect(verdict).to_have_attribute("data-task", "new")
    expect(verdict).to_contain_text("never saw")
    expect(verdict).to_contain_text(f"here it says {expected['prediction']}")
    expect(page.locator(f'#tl-gallery [data-index="{six["index"]}"]')).to_have_attribute("aria-checked", "true")
    # pointing at a cell shows its value
    canvas = page.locator('#tl-maps li[data-layer="pool2"] canvas').first
    canvas.hover(position={"x": 3, "y": 3})
    value = expected["layers"][6]["values"][0][0][0]
    expect(page.locator("#tl-map-readout")).to_contain_text("pool2 map 1, row 1, column 1: ")
    shown = page.evaluate("(v) => String(Number(v.toFixed(2)))", value)
    assert (page.locator("#tl-map-readout").text_content() or "").endswith(f": {shown}")


def test_a_digit_it_was_trained_on_says_so(page: Page, base_url: str) -> None:
    gallery = api(base_url, "/api/transfer/gallery")["items"]
    two = next(item for item in gallery if item["label"] == 2)
    open_view(page, base_url, f"?index={two['index']}")
    wait_digit(page, two["index"])
    expect(page.locator("#tl-verdict")).to_have_attribute("data-task", "source")
    expect(page.locator("#tl-verdict")).to_contain_text("one of the digits it was trained on")


def test_the_gallery_works_from_the_keyboard(page: Page, base_url: str) -> None:
    open_view(page, base_url)
    items = api(base_url, "/api/transfer/gallery")["items"]
    first = page.locator("#tl-gallery [role=radio]").first
    # Tab from the last filter reaches the gallery's chosen digit, and only it (a roving tab stop)
    page.locator('#tl-filters [data-filter="7"]').focus()
    page.keyboard.press("Tab")
    expect(first).to_be_focused()
    assert page.locator('#tl-gallery [tabindex="0"]').count() == 1
    page.keyboard.press("ArrowRight")
    wait_digit(page, items[1]["index"])
    expect(page.locator(f'#tl-gallery [data-index="{items[1]["index"]}"]')).to_be_focused()
    page.keyboard.press("End")
    wait_digit(page, items[-1]["index"])
    page.keyboard.press("ArrowRight")  # wraps around
    wait_digit(page, items[0]["index"])
    page.keyboard.press("ArrowLeft")
    wait_digit(page, items[-1]["index"])
    page.keyboard.press("Home")
    wait_digit(page, items[0]["index"])
    expected = api(base_url, f"/api/transfer/activations?index={items[0]['index']}")
    assert page.evaluate("convscope.activations") == expected
    expect(page.locator('#tl-gallery [aria-checked="true"]')).to_have_count(1)


# --- training -----------------------------------------------------------------------------------------


def test_train_streams_and_shows_the_api_final_figures(page: Page, base_url: str) -> None:
    query = "shots=3&epochs=90&lr=0.02&seed=4"
    frames = train_frames(base_url, query)
    header, epochs, done = frames[0], frames[1:-1], frames[-1]
    open_view(page, base_url, f"?{query}")
    page.locator("#tl-train").click()
    page.wait_for_function("() => convscope.training.header !== null && convscope.training.epochs.length > 0")
    # the curves are drawn at a readable pace: not all 90 epochs at once
    page.wait_for_function("() => convscope.training.shown >= 1")
    assert page.evaluate("convscope.training.finished") is False
    page.wait_for_function(TRAINED, timeout=TRAIN_TIMEOUT_MS)
    state = page.evaluate("convscope.training")
    assert state["error"] is None
    assert state["header"] == header
    assert state["epochs"] == epochs
    assert state["done"] == done
    assert state["shown"] == 90
    # the examples picked, as the header lists them
    expect(page.locator("#tl-examples canvas")).to_have_count(15)
    drawn = page.evaluate("[...document.querySelectorAll('#tl-examples canvas')].map((c) => Number(c.dataset.index))")
    assert sorted(drawn) == sorted(e["index"] for e in header["examples"])
    # the final figures, both of them
    held = header["held_out"]
    sentence = page.locator("#tl-sentence")
    expect(sentence).to_contain_text(f"{share(done['transfer']['test_accuracy'], held)} with frozen features")
    expect(sentence).to_contain_text(f"vs {share(done['scratch']['test_accuracy'], held)} from scratch")
    rows = page.locator("#tl-results tbody tr")
    expect(rows.nth(0).locator("td")).to_have_text(
        [f"{header['trainable']['transfer']:,}", f"{header['trainable']['scratch']:,}"]
    )
    expect(rows.nth(1).locator("td")).to_have_text(
        [share(done["transfer"]["test_accuracy"], held), share(done["scratch"]["test_accuracy"], held)]
    )
    expect(rows.nth(2).locator("td")).to_have_text(
        [share(done[run]["train_accuracy"], len(header["examples"])) for run in ("transfer", "scratch")]
    )
    assert header["trainable"] == {"transfer": 325, "scratch": 1573}
    expect(page.locator('.tl-trainable[data-run="transfer"]')).to_have_text(" (325 trainable parameters)")
    expect(page.locator('.tl-trainable[data-run="scratch"]')).to_have_text(" (1,573 trainable parameters)")
    # no winner is claimed: neither run's column is called better
    text = page.locator("#tl-run").text_content() or ""
    for claim in ("wins", "better", "winner", "beats"):
        assert claim not in text.lower()
    # the curves are on the canvases: the blue and the vermillion both drawn
    for chart in ("#tl-chart-accuracy", "#tl-chart-loss"):
        found = page.evaluate(
            """(sel) => { const c = document.querySelector(sel);
                 const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                 let blue = 0, red = 0; for (let i = 0; i < d.length; i += 4) {
                   if (d[i] < 30 && d[i + 1] > 90 && d[i + 1] < 140 && d[i + 2] > 150) blue += 1;
                   if (d[i] > 190 && d[i + 1] > 70 && d[i + 1] < 120 && d[i + 2] < 30) red += 1; }
                 return [blue, red]; }""",
            chart,
        )
        assert found[0] > 50 and found[1] > 50, (chart, found)
    expect(page.locator("#tl-train")).to_have_text("Train again")


def test_a_refused_setting_shows_the_server_message(page: Page, base_url: str) -> None:
    open_view(page, base_url)
    refused = httpx.get(f"{base_url}/api/transfer/train?shots=21&epochs=100&lr=0.01&seed=0")
    assert refused.status_code == 422
    message = refused.json()["message"]
    assert message == "shots: got 21; must be <= 20"
    page.locator("#tl-shots").fill("21")
    page.locator("#tl-train").click()
    alert = page.locator("#tl-train-error")
    expect(alert).to_be_visible()
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_have_text(f"Not trained: {message}")
    expect(page.locator("#tl-shots")).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("convscope.training.error") == message
    assert parse_qs(urlsplit(page.url).query)["shots"] == ["21"]
    # a typed learning rate the API cannot read, in its words too
    page.locator("#tl-shots").fill("5")
    page.locator("#tl-lr").fill("fast")
    page.locator("#tl-lr").press("Enter")
    expect(alert).to_have_text("Not trained: lr: got 'fast'; must be a number")
    expect(page.locator("#tl-shots")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#tl-lr")).to_have_attribute("aria-invalid", "true")
    # fixed, it trains and the message goes
    page.locator("#tl-lr").fill("0.05")
    page.locator("#tl-epochs").fill("5")
    train(page)
    expect(alert).to_be_hidden()
    assert page.evaluate("convscope.training.done.epochs") == 5


def test_a_bad_index_in_the_link_says_so(page: Page, base_url: str) -> None:
    open_view(page, base_url, "?index=5000")
    expect(page.locator("#tl-error")).to_have_text("This digit cannot be shown: index: got 5000; must be <= 1796")
    expect(page.locator("#tl-filters canvas")).to_have_count(8)  # the rest of the view is there


# --- the URL ------------------------------------------------------------------------------------------


def test_the_url_restores_every_setting(page: Page, base_url: str) -> None:
    items = api(base_url, "/api/transfer/gallery")["items"]
    pick = items[20]
    open_view(page, base_url, f"?index={pick['index']}&shots=4&epochs=30&lr=0.03&seed=9")
    wait_digit(page, pick["index"])
    expect(page.locator(f'#tl-gallery [data-index="{pick["index"]}"]')).to_have_attribute("aria-checked", "true")
    for name, value in {"shots": "4", "epochs": "30", "lr": "0.03", "seed": "9"}.items():
        expect(page.locator(f"#tl-{name}")).to_have_value(value)
    train(page)
    assert page.evaluate("convscope.training.done") == train_frames(base_url, "shots=4&epochs=30&lr=0.03&seed=9")[-1]
    # changes go back into the URL, and a reload restores them
    page.locator(f'#tl-gallery [data-index="{items[3]["index"]}"]').click()
    wait_digit(page, items[3]["index"])
    page.locator("#tl-seed").fill("11")
    page.locator("#tl-seed").dispatch_event("change")
    query = parse_qs(urlsplit(page.url).query)
    settings = {"shots": ["4"], "epochs": ["30"], "lr": ["0.03"], "seed": ["11"]}
    assert query == {"index": [str(items[3]["index"])], **settings}
    page.reload()
    page.wait_for_function(READY)
    assert shown_index(page) == items[3]["index"]
    expect(page.locator("#tl-seed")).to_have_value("11")


def test_the_default_view_writes_its_digit_in_the_url(page: Page, base_url: str) -> None:
    open_view(page, base_url)
    first = api(base_url, "/api/transfer/gallery")["items"][0]["index"]
    assert shown_index(page) == first
    assert parse_qs(urlsplit(page.url).query)["index"] == [str(first)]


# --- presentation mode --------------------------------------------------------------------------------


def test_presentation_mode(open_page: OpenPage, base_url: str, artifacts: Path) -> None:
    page = open_page({"width": 1920, "height": 1080})
    open_view(page, base_url, "?present=1&shots=5&epochs=60")
    assert page.evaluate("document.documentElement.classList.contains('present')")
    expect(page.locator("header.site nav")).to_be_hidden()
    page.keyboard.press("p")
    assert not page.evaluate("document.documentElement.classList.contains('present')")
    assert "present" not in parse_qs(urlsplit(page.url).query)
    page.keyboard.press("p")
    assert parse_qs(urlsplit(page.url).query)["present"] == ["1"]
    train(page)
    assert "present" in parse_qs(urlsplit(page.url).query)  # the page's own URL writes keep presenting
    page.mouse.move(5, 5)
    page.screenshot(path=str(artifacts / "transfer-present-1920.png"), full_page=True)


# --- the embed ----------------------------------------------------------------------------------------

HOST_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lesson</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="host.css"></head>
<body><main><h1>Transfer learning</h1>
<iframe id="widget" title="ConvScope transfer view" width="100%" height="560"></iframe>
<p>The lesson goes on.</p></main><script src="host.js"></script></body></html>
"""
HOST_CSS = "body { margin: 0; font: 17px/1.5 Georgia, serif; } main { max-width: 820px; margin: 0 auto; }"
HOST_JS = """
const frame = document.getElementById("widget");
window.received = [];
window.addEventListener("message", (event) => {
  if (event.source !== frame.contentWindow || !event.data || event.data.source !== "convscope") return;
  window.received.push(Object.assign({ origin: event.origin }, event.data));
  if (event.data.type === "convscope:height") frame.height = String(event.data.height);
});
frame.src = new URLSearchParams(location.search).get("src");
"""


@pytest.fixture(scope="module")
def host_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A course page on another origin (localhost, not 127.0.0.1) that frames the view."""
    files = {"host.html": HOST_HTML, "host.css": HOST_CSS, "host.js": HOST_JS}
    with static_host(tmp_path_factory.mktemp("transfer-host"), files, "transfer-host") as root:
        yield f"{root}host.html"


def test_the_embed_loads_in_a_frame_and_announces_its_height(page: Page, base_url: str, host_url: str) -> None:
    items = api(base_url, "/api/transfer/gallery")["items"]
    src = f"{base_url}/embed/transfer?index={items[16]['index']}&shots=2&epochs=20"
    page.goto(f"{host_url}?src={quote(src, safe='')}")
    page.wait_for_function("() => received.some((m) => m.type === 'convscope:height')")
    frame = page.locator("#widget").element_handle().content_frame()
    assert frame is not None
    frame.wait_for_function(READY)
    assert frame.evaluate("convscope.activations.index") == items[16]["index"]
    assert frame.locator("header.site").count() == 0
    # the frame takes the height the view announces: nothing hidden inside it
    page.wait_for_function(
        "() => document.getElementById('widget').height === String(received.filter("
        "(m) => m.type === 'convscope:height').at(-1).height)"
    )
    height = page.evaluate("received.filter((m) => m.type === 'convscope:height').at(-1)")
    assert height["origin"] == base_url and height["version"] == 1
    assert 1500 < height["height"] < 8000
    before = height["height"]
    frame.locator("#tl-train").click()
    frame.wait_for_function(TRAINED, timeout=TRAIN_TIMEOUT_MS)
    page.wait_for_function(
        "(h) => received.filter((m) => m.type === 'convscope:height').at(-1).height > h", arg=before
    )  # the curves and results made it taller, and it said so
    brand = frame.locator("#embed-brand")
    brand.hover()
    href = brand.get_attribute("href") or ""
    assert href.startswith("/play/transfer?") and f"index={items[16]['index']}" in href and "shots=2" in href


def test_the_embed_takes_its_theme(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/embed/transfer?index=0&theme=dark")
    page.wait_for_function(READY)
    assert page.evaluate("document.documentElement.className") == "embed theme-dark"


# --- screenshots --------------------------------------------------------------------------------------

DEVICES: dict[str, tuple[dict[str, int], dict[str, Any]]] = {
    "desktop": ({"width": 1280, "height": 800}, {}),
    "mobile": ({"width": 390, "height": 844}, {"device_scale_factor": 2, "is_mobile": True, "has_touch": True}),
}


@pytest.mark.parametrize("device", list(DEVICES))
def test_screenshot(open_page: OpenPage, base_url: str, artifacts: Path, device: str) -> None:
    viewport, options = DEVICES[device]
    page = open_page(viewport, **options)
    six = next(item for item in api(base_url, "/api/transfer/gallery")["items"] if item["label"] == 6)
    open_view(page, base_url, f"?index={six['index']}&shots=5&epochs=100&lr=0.01&seed=0")
    train(page)
    assert page.evaluate("convscope.training.error") is None
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the page scrolls sideways"
    overflowing = page.evaluate(
        """[...document.querySelectorAll('#transfer *')].filter((e) => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && (r.right > document.documentElement.clientWidth + 0.5 || r.left < -0.5);
        }).map((e) => e.id || e.className || e.tagName)"""
    )
    assert overflowing == [], "something sticks out of the viewport"
    path = artifacts / f"transfer-{device}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 20_000


def test_screenshot_embed(open_page: OpenPage, base_url: str, artifacts: Path) -> None:
    page = open_page({"width": 760, "height": 900})
    page.goto(f"{base_url}/embed/transfer?index=0&shots=5&epochs=100")
    page.wait_for_function(READY)
    train(page)
    path = artifacts / "transfer-embed-760.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 20_000
