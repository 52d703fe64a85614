"""The conv2d player page in a real Chromium, checked against the API's own trace.

The page must never compute geometry or values itself: every window, output value and
message it shows is compared here with the NDJSON trace (or 422 body) that the live
server gives for the very query the page sent.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from . import players
from .conftest import Console, OpenPage
from .players import Trace, next_frame

PLAYER = "/play/conv2d"
TRACE_URL = re.compile(r"/api/conv2d/(check|trace)\?")  # the page checks, then streams, with one query
LABEL_BAND = 20  # SIZES.labelHeight in static/js/core/config.js: the slice label above each grid
BIG = "in_channels=3&height=32&width=32&out_channels=6&kernel_size=5&padding=2"
GROUPS = "in_channels=4&out_channels=6&groups=2"  # filters 0-2 read channels 0,1; filters 3-5 read 2,3


def api_trace(base_url: str, query: str) -> Trace:
    return players.api_trace(base_url, "conv2d", query)


def api_error(base_url: str, query: str) -> tuple[int, str]:
    response = httpx.get(f"{base_url}/api/conv2d/trace?{query}", timeout=30)
    return response.status_code, response.json()["message"]


def open_player(page: Page, base_url: str, query: str = "", until: str = "complete") -> str:
    """Open the conv2d player with `query`; wait for `convscope.<until>`; return the query the page sent."""
    return players.open_player(page, base_url, "conv2d", query, until)


def at(page: Page) -> dict[str, Any]:
    return page.evaluate(
        "({step: convscope.step, total: convscope.total, window: convscope.window,"
        " label: document.getElementById('step-label').textContent})"
    )


def check_step(page: Page, trace: Trace, i: int) -> None:
    state = at(page)
    assert state["step"] == i
    assert state["window"] == trace.windows()[i], f"step {i}"
    assert state["label"] == f"step {i + 1} / {trace.total}"


def speed(page: Page) -> str:
    return page.locator("#speed").input_value()


# --- loading and the final output --------------------------------------------------------


def test_page_loads_ready_without_console_errors(page: Page, base_url: str) -> None:
    sent = open_player(page, base_url, until="ready")
    assert dict(parse_qsl(sent)) == {"detail": "auto"}
    assert page.evaluate("convscope.error") is None
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("#step-label")).to_have_text("step 1 / 25")


@pytest.mark.parametrize(
    "query",
    ["", "stride=2", BIG, "dilation=2&padding=2&padding_mode=reflect", GROUPS],
    ids=["default", "stride2", "32x32x3", "dilation-reflect", "groups2"],
)
def test_output_at_the_end_equals_the_api_output(page: Page, base_url: str, query: str) -> None:
    sent = open_player(page, base_url, query)
    params = dict(parse_qsl(sent))
    assert params.pop("detail") == "auto"
    assert params == dict(parse_qsl(query)), "the page must send the URL's parameters to the API"
    trace = api_trace(base_url, sent)
    page.evaluate("convscope.seek(convscope.total - 1)")
    got = page.evaluate(
        "({step: convscope.step, total: convscope.total, shape: convscope.header.output_shape,"
        " output: convscope.output})"
    )
    assert got["total"] == trace.total
    assert got["step"] == trace.total - 1
    assert got["shape"] == trace.header["output_shape"]
    assert got["output"] == trace.done["output"]


# --- stepping follows the trace's windows ------------------------------------------------


@pytest.mark.parametrize("query", ["", GROUPS, "stride=2&padding=1&dilation=2"], ids=["default", "groups2", "dilated"])
def test_every_step_window_is_the_trace_window(page: Page, base_url: str, query: str) -> None:
    trace = api_trace(base_url, open_player(page, base_url, query))
    seen = page.evaluate(
        "Array.from({length: convscope.total}, (_, i) => { convscope.seek(i); return convscope.window; })"
    )
    assert seen == trace.windows()


def test_buttons_step_across_filters_as_the_trace_says(page: Page, base_url: str) -> None:
    trace = api_trace(base_url, open_player(page, base_url, GROUPS))
    per_map = trace.total // trace.header["output_shape"][0]
    forward, back = page.locator("#btn-forward"), page.locator("#btn-back")
    page.evaluate(f"convscope.seek({per_map - 2})")
    check_step(page, trace, per_map - 2)
    for i in range(per_map - 1, per_map + 2):  # into filter 1 (same channels)
        forward.click()
        check_step(page, trace, i)
    for i in range(per_map, per_map - 3, -1):
        back.click()
        check_step(page, trace, i)
    page.evaluate(f"convscope.seek({3 * per_map - 1})")
    forward.click()  # filter 3: the second group, channels 2 and 3
    check_step(page, trace, 3 * per_map)
    assert at(page)["window"]["channels"] == [2, 3]
    page.locator("#btn-end").click()
    check_step(page, trace, trace.total - 1)
    forward.click()
    check_step(page, trace, trace.total - 1)
    page.locator("#btn-start").click()
    check_step(page, trace, 0)
    back.click()
    check_step(page, trace, 0)


def test_arrow_keys_walk_every_step_and_back(page: Page, base_url: str) -> None:
    trace = api_trace(base_url, open_player(page, base_url))
    check_step(page, trace, 0)
    for i in range(1, trace.total):
        page.keyboard.press("ArrowRight")
        check_step(page, trace, i)
    page.keyboard.press("ArrowRight")
    check_step(page, trace, trace.total - 1)
    for i in range(trace.total - 2, trace.total - 8, -1):
        page.keyboard.press("ArrowLeft")
        check_step(page, trace, i)


# --- keyboard shortcuts ------------------------------------------------------------------


def test_space_plays_and_pauses(page: Page, base_url: str) -> None:
    open_player(page, base_url, "height=12&width=12&speed=30")  # 100 steps at 30/s: over 3 s of playing
    play = page.locator("#btn-play")
    page.keyboard.press("Space")
    page.wait_for_function("() => convscope.step >= 3")
    expect(play).to_have_attribute("aria-pressed", "true")
    expect(play).to_have_text(re.compile("Pause"))
    page.keyboard.press("Space")
    expect(play).to_have_attribute("aria-pressed", "false")
    stopped = page.evaluate("convscope.step")
    assert 3 <= stopped < 99
    page.wait_for_timeout(300)
    assert page.evaluate("convscope.step") == stopped, "the player moved after Space paused it"


def test_step_keys_home_end_and_shift(page: Page, base_url: str) -> None:
    trace = api_trace(base_url, open_player(page, base_url))
    keys = [
        ("ArrowRight", 1),
        ("Shift+ArrowRight", 11),
        ("Shift+ArrowRight", 21),
        ("Shift+ArrowRight", 24),  # clamped at the last step
        ("ArrowLeft", 23),
        ("Shift+ArrowLeft", 13),
        ("Home", 0),
        ("ArrowLeft", 0),
        ("End", 24),
        ("Shift+ArrowLeft", 14),
    ]
    for key, step in keys:
        page.keyboard.press(key)
        check_step(page, trace, step)


def test_plus_and_minus_change_the_speed(page: Page, base_url: str) -> None:
    open_player(page, base_url)
    assert speed(page) == "2"
    page.keyboard.type("+")
    assert speed(page) == "4"
    page.keyboard.press("Equal")  # the unshifted "+" key
    assert speed(page) == "8"
    page.keyboard.press("Minus")
    assert speed(page) == "4"
    for _ in range(12):
        page.keyboard.press("Minus")
    assert speed(page) == "0.5"
    page.wait_for_function("() => new URLSearchParams(location.search).get('speed') === '0.5'")


def test_keys_typed_in_a_form_field_do_not_move_the_player(page: Page, base_url: str) -> None:
    open_player(page, base_url)
    page.evaluate("convscope.seek(5)")
    for name in ("kernel_size", "seed"):  # a text field and a number field
        field = page.locator(f"#params [name={name}]")
        before = field.input_value()
        field.focus()
        for key in ("ArrowRight", "ArrowLeft", "Shift+ArrowRight", "Home", "End"):
            page.keyboard.press(key)
        assert field.input_value() == before
        assert page.evaluate("convscope.step") == 5, f"keys in {name} moved the player"
    assert speed(page) == "2"
    expect(page.locator("#btn-play")).to_have_attribute("aria-pressed", "false")


# --- the URL ------------------------------------------------------------------------------


def test_url_restores_parameters_step_and_speed(page: Page, base_url: str) -> None:
    sent = open_player(page, base_url, "stride=2&padding=1&kernel_size=3&seed=5&step=4&speed=8")
    form = {
        name: page.locator(f"#params [name={name}]").input_value()
        for name in ("stride", "padding", "kernel_size", "seed")
    }
    assert form == {"stride": "2", "padding": "1", "kernel_size": "3", "seed": "5"}
    assert page.evaluate("convscope.step") == 4
    assert speed(page) == "8"
    trace = api_trace(base_url, sent)
    assert trace.header["output_shape"] == [1, 4, 4]
    assert page.evaluate("convscope.header.output_shape") == [1, 4, 4]
    output = page.evaluate("convscope.output")
    assert [len(output), len(output[0]), len(output[0][0])] == [1, 4, 4]
    check_step(page, trace, 4)

    with page.expect_request(TRACE_URL) as request:
        page.locator("#params [name=stride]").fill("3")
        page.locator("#params [name=stride]").dispatch_event("change")
    new_trace = api_trace(base_url, urlsplit(request.value.url).query)
    assert new_trace.total == 9  # (7 - 3 + 2)/3 + 1 = 3 per axis
    page.wait_for_function(f"() => convscope.complete && convscope.total === {new_trace.total}")
    search = dict(parse_qsl(page.evaluate("location.search.slice(1)")))
    assert search["stride"] == "3" and search["padding"] == "1" and search["seed"] == "5"
    assert "step" not in search, "a new trace starts at step 0"
    assert page.evaluate("convscope.step") == 0


def test_changing_a_field_keeps_the_speed_in_the_url(page: Page, base_url: str) -> None:
    open_player(page, base_url, "stride=2&speed=8")
    page.locator("#params [name=stride]").fill("3")
    page.locator("#params [name=stride]").dispatch_event("change")
    page.wait_for_function("() => convscope.complete && convscope.total === 4")
    assert speed(page) == "8"
    assert dict(parse_qsl(page.evaluate("location.search.slice(1)"))).get("speed") == "8"


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["kernel_size=9", "stride=0", "padding=same&stride=2", "input=1,2;3"],
    ids=["kernel-too-big", "stride0", "same-strided", "ragged-input"],
)
def test_an_invalid_combination_shows_the_server_message(
    page: Page, base_url: str, console: Console, query: str
) -> None:
    # The page asks /check first (always 200), so an invalid setting logs no failed request.
    sent = open_player(page, base_url, query, until="ready")
    status, message = api_error(base_url, sent)
    assert status == 422
    error = page.locator("#error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text(message)
    assert page.evaluate("convscope.error") == message
    expect(page.locator("#cv-input")).to_be_hidden()
    expect(page.locator("#btn-play")).to_be_hidden()


def test_fixing_the_error_brings_the_player_back(page: Page, base_url: str, console: Console) -> None:
    open_player(page, base_url, "kernel_size=9", until="ready")
    expect(page.locator("#error")).to_be_visible()
    page.locator("#params [name=kernel_size]").fill("5")
    page.locator("#params [name=kernel_size]").dispatch_event("change")
    page.wait_for_function("() => convscope.complete && convscope.total === 9")
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("#cv-input")).to_be_visible()


# --- hover mapping ------------------------------------------------------------------------


def cell_pixels(page: Page, canvas: str, rows: int, cols: int) -> list[list[list[int]]]:
    """One pixel in each cell of a one-slice grid: a quarter in from the cell's top-left corner,
    clear of the outline and of the number drawn at the centre. Read from a copy made for
    reading, so the page's own canvas is never read back (Chromium warns when it is, repeatedly)."""
    return page.evaluate(
        """([id, rows, cols, band]) => {
            const canvas = document.getElementById(id);
            const copy = document.createElement('canvas');
            copy.width = canvas.width;
            copy.height = canvas.height;
            const ctx = copy.getContext('2d', {willReadFrequently: true});
            ctx.drawImage(canvas, 0, 0);
            const data = ctx.getImageData(0, 0, copy.width, copy.height).data;
            const dpr = canvas.width / canvas.getBoundingClientRect().width;
            const cell = canvas.getBoundingClientRect().width / cols;
            const pixel = (x, y) => {
                const i = (Math.round(y * dpr) * copy.width + Math.round(x * dpr)) * 4;
                return Array.from(data.slice(i, i + 4));
            };
            return Array.from({length: rows}, (_, r) => Array.from({length: cols},
                (_, c) => pixel((c + 0.25) * cell, band + (r + 0.25) * cell)));
        }""",
        [canvas, rows, cols, LABEL_BAND],
    )


def changed(before: list[list[list[int]]], after: list[list[list[int]]]) -> set[tuple[int, int]]:
    return {(r, c) for r, row in enumerate(before) for c, px in enumerate(row) if px != after[r][c]}


def hover_cell(page: Page, canvas: str, rows: int, cols: int, r: int, c: int) -> None:
    box = page.locator(f"#{canvas}").bounding_box()
    assert box is not None
    cell = box["width"] / cols
    assert abs(box["height"] - (LABEL_BAND + rows * cell)) < 1.5, "one slice expected: a label band then the grid"
    page.mouse.move(box["x"] + (c + 0.5) * cell, box["y"] + LABEL_BAND + (r + 0.5) * cell)
    next_frame(page)


def test_hovering_an_output_cell_marks_its_window_in_the_input(page: Page, base_url: str) -> None:
    trace = api_trace(base_url, open_player(page, base_url))
    _, ho, wo = trace.header["output_shape"]
    _, hp, wp = trace.header["padded_shape"]
    page.mouse.move(0, 0)
    next_frame(page)
    before = cell_pixels(page, "cv-input", hp, wp)
    hover_cell(page, "cv-output", ho, wo, ho - 1, wo - 1)
    after = cell_pixels(page, "cv-input", hp, wp)
    window = trace.windows()[trace.total - 1]  # the last output cell's window, from the trace
    assert changed(before, after) == {(r, c) for r in window["rows"] for c in window["cols"]}
    page.mouse.move(0, 0)
    next_frame(page)
    assert cell_pixels(page, "cv-input", hp, wp) == before, "leaving the canvas must clear the marks"

    hover_cell(page, "cv-output", ho, wo, ho - 1, wo - 1)
    page.mouse.down()  # pin the cell: its marks stay when the pointer leaves
    page.mouse.up()
    page.mouse.move(0, 0)
    next_frame(page)
    assert cell_pixels(page, "cv-input", hp, wp) == after
    page.keyboard.press("Escape")  # unpin
    next_frame(page)
    assert cell_pixels(page, "cv-input", hp, wp) == before


def test_hovering_an_input_cell_marks_the_outputs_it_feeds(page: Page, base_url: str) -> None:
    trace = api_trace(base_url, open_player(page, base_url, "stride=2"))
    _, ho, wo = trace.header["output_shape"]
    _, hp, wp = trace.header["padded_shape"]
    page.mouse.move(0, 0)
    next_frame(page)
    before = cell_pixels(page, "cv-output", ho, wo)
    hover_cell(page, "cv-input", hp, wp, 2, 4)
    after = cell_pixels(page, "cv-output", ho, wo)
    fed = {
        (oy, ox)
        for oy, rows in enumerate(trace.header["geometry"]["height"]["taps"])
        for ox, cols in enumerate(trace.header["geometry"]["width"]["taps"])
        if 2 in rows and 4 in cols
    }
    assert fed == {(0, 1), (0, 2), (1, 1), (1, 2)}
    assert changed(before, after) == fed


def test_grids_have_a_right_and_bottom_border(page: Page, base_url: str) -> None:
    trace = api_trace(base_url, open_player(page, base_url))
    _, ho, wo = trace.header["output_shape"]
    page.mouse.move(0, 0)
    next_frame(page)
    edges = page.evaluate(
        """([rows, cols, band]) => {
            const canvas = document.getElementById('cv-output');
            const copy = document.createElement('canvas');
            copy.width = canvas.width;
            copy.height = canvas.height;
            const ctx = copy.getContext('2d', {willReadFrequently: true});
            ctx.drawImage(canvas, 0, 0);
            const dpr = canvas.width / canvas.getBoundingClientRect().width;
            const cell = canvas.getBoundingClientRect().width / cols;
            const px = (x, y) => Array.from(ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data);
            const midY = (band + (rows - 0.5) * cell) * dpr;  // the last row: empty cells at step 0
            const midX = (cols - 0.5) * cell * dpr;           // the last column
            return {
                left: px(0, midY), right: px(copy.width - 1, midY),
                top: px(midX, band * dpr), bottom: px(midX, copy.height - 1),
            };
        }""",
        [ho, wo, LABEL_BAND],
    )
    assert edges["left"] == edges["top"], edges  # the drawn grid line
    assert edges["right"] == edges["left"], edges
    assert edges["bottom"] == edges["top"], edges


# --- narration and formula ----------------------------------------------------------------


def test_narration_follows_the_step(page: Page, base_url: str) -> None:
    trace = api_trace(base_url, open_player(page, base_url))
    narration = page.locator("#narration")
    expect(narration).to_have_attribute("aria-live", "polite")
    expect(narration).to_contain_text(f"Step 1 of {trace.total}:")
    first = narration.text_content()
    for key, i in (("ArrowRight", 1), ("Shift+ArrowRight", 11), ("End", trace.total - 1)):
        page.keyboard.press(key)
        window = trace.windows()[i]
        text = narration.text_content() or ""
        assert text != first
        assert text.startswith(f"Step {i + 1} of {trace.total}:")
        assert f"padded rows {window['rows'][0]} to {window['rows'][-1]}" in text
        assert f"columns {window['cols'][0]} to {window['cols'][-1]}" in text


def test_formula_for_stride_3_says_what_is_never_covered(page: Page, base_url: str) -> None:
    trace = api_trace(base_url, open_player(page, base_url, "stride=3"))
    formula = page.locator("#formula")
    expect(formula).to_contain_text("7/3")
    expect(formula).to_contain_text("never covered")
    expect(formula).to_contain_text(trace.header["geometry"]["height"]["formula"]["verdict"])
    # With a stride above 1 no padding keeps the size, so the page offers no "Use padding" button.
    assert trace.header["same_padding"]["height"]["exists"] is False
    expect(page.locator("#btn-same")).to_have_count(0)


def test_use_padding_button_gives_a_same_size_output(page: Page, base_url: str) -> None:
    open_player(page, base_url)
    button = page.locator("#btn-same")
    expect(button).to_have_text("Use padding 1")
    with page.expect_request(TRACE_URL) as request:
        button.click()
    assert page.locator("#params [name=padding]").input_value() == "1"
    trace = api_trace(base_url, urlsplit(request.value.url).query)
    assert trace.header["output_shape"] == [1, 7, 7]
    page.wait_for_function("() => convscope.complete && convscope.total === 49")
    page.evaluate("convscope.seek(convscope.total - 1)")
    assert page.evaluate("convscope.header.output_shape") == [1, 7, 7]
    assert page.evaluate("convscope.output") == trace.done["output"]
    assert dict(parse_qsl(page.evaluate("location.search.slice(1)"))).get("padding") == "1"


# --- screenshots ----------------------------------------------------------------------------

DEVICES: dict[str, tuple[dict[str, int], dict[str, Any]]] = {  # viewport, other context options
    "desktop": ({"width": 1280, "height": 800}, {}),
    "mobile": ({"width": 390, "height": 844}, {"device_scale_factor": 2, "is_mobile": True, "has_touch": True}),
}
SHOTS = {"default": "", "32x32x3": BIG, "error": "kernel_size=9"}


@pytest.mark.parametrize("device", list(DEVICES))
@pytest.mark.parametrize("case", list(SHOTS))
def test_screenshot(
    open_page: OpenPage, console: Console, base_url: str, artifacts: Path, case: str, device: str
) -> None:
    viewport, options = DEVICES[device]
    page = open_page(viewport, **options)
    if case == "error":
        open_player(page, base_url, SHOTS[case], until="ready")
        expect(page.locator("#error")).to_be_visible()
    else:
        open_player(page, base_url, SHOTS[case])
        page.evaluate("convscope.seek(Math.floor(convscope.total / 3))")
    next_frame(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the page scrolls sideways"
    path = artifacts / f"conv2d-{case}-{device}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


# --- accessibility basics -------------------------------------------------------------------


def test_buttons_and_controls_have_names_and_labels(page: Page, base_url: str) -> None:
    open_player(page, base_url)
    page.locator("details.own-numbers summary").click()  # show the "own numbers" fields too
    anything = re.compile(r"\S")
    buttons = page.locator("button")
    assert buttons.count() >= 7
    for button in buttons.all():
        expect(button).to_have_accessible_name(anything)
    controls = page.locator("input, select, textarea")
    for control in controls.all():
        expect(control).to_have_accessible_name(anything)
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('#params input, #params select')]"
        ".filter((e) => e.labels.length === 0).map((e) => e.name)"
    )
    assert unlabelled == []
    expect(page.locator("#scrub")).to_have_attribute("aria-valuetext", "step 1 of 25")


def test_canvases_have_labels(page: Page, base_url: str) -> None:
    open_player(page, base_url)
    canvases = page.locator("canvas")
    assert canvases.count() == 4  # input, kernel, output, and the depth view (shown for 1x1 kernels)
    expect(page.locator("#cv-depth")).to_be_hidden()
    for canvas in canvases.all():
        expect(canvas).to_have_attribute("role", "img")
        expect(canvas).to_have_attribute("aria-label", re.compile(r"\S"))


def test_tab_reaches_the_transport_in_order(page: Page, base_url: str) -> None:
    open_player(page, base_url)
    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("((e) => e.id || e.name || e.tagName)(document.activeElement)"))
        if reached[-1] == "speed":
            break
    transport = [
        i for i in reached if i in ("btn-start", "btn-back", "btn-play", "btn-forward", "btn-end", "scrub", "speed")
    ]
    assert transport == ["btn-start", "btn-back", "btn-play", "btn-forward", "btn-end", "scrub", "speed"], reached
    page.keyboard.press("Shift+Tab")  # back to the scrubber
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "btn-end"
    page.keyboard.press("Enter")  # a focused button works from the keyboard
    assert page.evaluate("convscope.step") == 24


# --- export ---------------------------------------------------------------------------------


def test_download_gif_yields_the_trace_as_a_gif(page: Page, base_url: str, tmp_path: Path) -> None:
    """The player's "Download GIF" link saves a GIF with one frame per step of the trace on screen."""
    from PIL import Image

    trace = api_trace(base_url, open_player(page, base_url, "stride=2&bias=false"))
    with page.expect_download() as download:
        page.locator("#dl-gif").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".gif"
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == trace.total == 9


# --- -0 never on screen ---------------------------------------------------------------------------

MINUS_ZERO = re.compile(r"[-−]0(?![.\d])")  # "-0" or "−0" standing alone, not "-0.5" or "-05"
HAS_MINUS_ZERO = """() => {
  const seen = [];
  const walk = (x) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === "object") Object.values(x).forEach(walk);
    else if (Object.is(x, -0)) seen.push(x);
  };
  walk(convscope.header);
  walk(convscope.output);
  return seen.length;
}"""


def test_products_of_zero_and_a_negative_never_show_minus_zero(page: Page, base_url: str) -> None:
    """0 × (-3) and (-2) × 0 are -0.0 in IEEE arithmetic: the trace carries them as 0.0, so the
    arithmetic text, the grids and the data the page holds have no -0 (0×0 and (-1)×0 too)."""
    sent = open_player(page, base_url, "input=-3,0;0,-1&weight=0,-2;0,0&kernel_size=2&bias=false")
    trace = api_trace(base_url, sent)
    products = [p for row in trace.column("products")[0][0] for p in row]
    assert products == [0, 0, 0, 0] and all(math.copysign(1.0, p) == 1.0 for p in products)  # json keeps -0.0
    players.seek_and_draw(page, 0)
    arith = page.locator("#arith").inner_text()
    assert "(-3)×0 + 0×(-2) + 0×0 + (-1)×0 = 0" in arith, arith
    assert MINUS_ZERO.search(arith) is None, arith
    assert MINUS_ZERO.search(page.locator("#formula").inner_text()) is None
    assert page.evaluate(HAS_MINUS_ZERO) == 0
