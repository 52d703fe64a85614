"""The player pages of relu, the three poolings, dropout and the 1x1 convolution in a real
Chromium, checked against the live server's own trace for the very query each page sent.

Every value, mask, window and max-pooling marker the page shows must be the trace's: the
page never works anything out itself. Any console error or warning fails a test (conftest).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Page, expect

from .conftest import OpenPage
from .players import api_error, api_params, api_trace, fmt, next_frame, open_player, seek_and_draw

CONV_1X1 = "kernel_size=1&in_channels=6&out_channels=3&height=5&width=5"
OPS = ("relu", "max_pool2d", "avg_pool2d", "lp_pool2d", "dropout", "conv2d")
PANELS = {  # app/pages/players.py PLAYERS: the canvases of each op's page
    "relu": ["input", "mask", "output", "curve"],
    "max_pool2d": ["input", "output"],
    "avg_pool2d": ["input", "output"],
    "lp_pool2d": ["input", "output"],
    "dropout": ["input", "mask", "output"],
    "conv2d": ["input", "kernel", "output", "depth"],
}


def seek_end(page: Page) -> None:
    seek_and_draw(page, page.evaluate("convscope.total") - 1)


def form_value(page: Page, name: str) -> str:
    field = page.locator(f"#params [name={name}]")
    if field.get_attribute("type") == "checkbox":
        return "true" if field.is_checked() else "false"
    return field.input_value()


def nan_as_null(output: list[list[list[float | None]]]) -> list[list[list[float | None]]]:
    """convscope.output holds a computed non-finite value as a number (a max-pooling window of
    padding only is −∞, a NaN stays NaN), null meaning "not computed yet"; the API sends both as null."""
    return [[[None if x is not None and not math.isfinite(x) else x for x in row] for row in plane] for plane in output]


def url_params(page: Page) -> dict[str, str]:
    return dict(parse_qsl(page.evaluate("location.search.slice(1)")))


# --- the values on the page are the API's ---------------------------------------------------

OUTPUTS = {
    "relu": ("relu", ""),
    "max_pool2d-2ch": ("max_pool2d", "in_channels=2"),
    "max_pool2d-only-padding": ("max_pool2d", "input=2,1,1&kernel_size=2,3&padding=1,0&dilation=2,1"),  # output −∞
    "avg_pool2d": ("avg_pool2d", "kernel_size=3&stride=2&padding=1&count_include_pad=false"),
    "lp_pool2d-ceil-p3": ("lp_pool2d", "height=5&width=5&ceil_mode=true&norm_type=3"),
    "dropout": ("dropout", "seed=7"),
    "dropout-p0.2": ("dropout", "p=0.2&in_channels=2&input_seed=3"),
    "dropout2d": ("dropout", "variant=dropout2d&in_channels=4&seed=1"),
    "conv2d-1x1": ("conv2d", CONV_1X1),
}


@pytest.mark.parametrize("case", list(OUTPUTS))
def test_output_windows_and_mask_equal_the_api(page: Page, base_url: str, case: str) -> None:
    op, query = OUTPUTS[case]
    sent = open_player(page, base_url, op, query)
    params = dict(parse_qsl(sent))
    assert params.pop("detail") == "auto"
    assert params == api_params(query), "the page must send the URL's parameters to the API"
    trace = api_trace(base_url, op, sent)
    windows = page.evaluate(
        "Array.from({length: convscope.total}, (_, i) => { convscope.seek(i); return convscope.window; })"
    )
    assert windows == trace.windows()
    seek_end(page)
    got = page.evaluate(
        "({step: convscope.step, total: convscope.total, shape: convscope.header.output_shape,"
        " output: convscope.output, mask: convscope.mask, error: convscope.error})"
    )
    assert got["error"] is None
    assert (got["total"], got["step"]) == (trace.total, trace.total - 1)
    assert got["shape"] == trace.header["output_shape"]
    assert nan_as_null(got["output"]) == trace.done["output"]
    if op in ("relu", "dropout"):
        assert got["mask"] == trace.done["mask"]
    else:
        assert got["mask"] is None
    expect(page.locator("#error")).to_be_hidden()


def test_mask_fills_in_step_by_step(page: Page, base_url: str) -> None:
    trace = api_trace(base_url, "dropout", open_player(page, base_url, "dropout", "height=2&width=3&seed=7"))
    seek_and_draw(page, 2)
    mask = trace.done["mask"]
    assert page.evaluate("convscope.mask") == [[mask[0][0], [None, None, None]]]
    assert page.evaluate("convscope.output") == [[trace.done["output"][0][0], [None, None, None]]]


# --- max pooling: the marker is the trace's argmax -------------------------------------------

MAXIMA = {
    "2ch": "in_channels=2",
    "pad1-ceil-5x5": "height=5&width=5&kernel_size=3&stride=2&padding=1&ceil_mode=true",
    "ceil-overhang": "kernel_size=3&stride=2&padding=1&ceil_mode=true",
    "dilated": "height=7&width=7&kernel_size=3&dilation=2&stride=1",
    "tie": "input=1,3,3;3,2,1&kernel_size=2&stride=1",
    "negative-padded": "input=-1,-2;-3,-4&kernel_size=2&padding=1",
}


@pytest.mark.parametrize("case", list(MAXIMA))
def test_max_pool_marker_sits_on_the_trace_argmax(page: Page, base_url: str, case: str) -> None:
    trace = api_trace(base_url, "max_pool2d", open_player(page, base_url, "max_pool2d", MAXIMA[case]))
    seen = page.evaluate(
        """async () => {
            const seen = [];
            for (let i = 0; i < convscope.total; i += 1) {
                convscope.seek(i);
                await new Promise((drawn) => requestAnimationFrame(drawn));  // after the page's own draw
                const arith = document.getElementById("arith");
                seen.push({marker: convscope.marker, sum: arith.querySelector("p.sum").textContent,
                           text: arith.textContent});
            }
            return seen;
        }"""
    )
    padded = trace.header["padded"]
    steps = zip(
        trace.column("channel"),
        trace.column("rows"),
        trace.column("cols"),
        trace.column("argmax_tap"),
        trace.column("value"),
        seen,
        strict=True,
    )
    for i, (channel, rows, cols, (ti, tj), value, got) in enumerate(steps):
        marker = got["marker"]
        assert marker == {"channel": channel, "row": rows[ti], "col": cols[tj]}, f"step {i}"
        assert padded[channel][marker["row"]][marker["col"]] == value, f"step {i}: the marked cell is not the max"
        assert got["sum"].startswith("max(") and got["sum"].endswith(f") = {fmt(value)}"), f"step {i}: {got['sum']!r}"
        assert f"window row {ti}, column {tj}" in got["text"], f"step {i}: {got['text']!r}"
    if case == "ceil-overhang":  # the last window reaches one row and column past the padded input
        assert trace.header["geometry"]["height"]["overhang"] == 1
    if case == "tie":  # [[1, 3], [3, 2]]: PyTorch keeps the first maximum in row-major order
        assert trace.column("argmax_tap") == [[0, 1], [0, 0]]
    if case == "negative-padded":
        assert all("padding never wins" in got["text"] for got in seen)


def test_a_window_of_padding_only_has_no_marker(page: Page, base_url: str) -> None:
    query = "input=2,1,1&kernel_size=2,3&padding=1,0&dilation=2,1"
    trace = api_trace(base_url, "max_pool2d", open_player(page, base_url, "max_pool2d", query))
    assert trace.column("argmax_tap") == [[-1, -1]]
    next_frame(page)
    assert page.evaluate("convscope.marker") is None
    expect(page.locator("#arith")).to_contain_text("reads only padding")


# --- average and Lp pooling: the arithmetic panel ------------------------------------------

ARTICLE = "input=1,2,3;4,5,6;7,8,9&kernel_size=3&stride=2&padding=1"


@pytest.mark.parametrize(
    ("extra", "sum_text", "divisor"),
    [
        ("", "(0 + 0 + 0 + 0 + 1 + 2 + 0 + 4 + 5) / 9 = 12 / 9 = 1.33", 9),
        ("&count_include_pad=false", "(1 + 2 + 4 + 5) / 4 = 12 / 4 = 3", 4),
    ],
    ids=["count-pad", "skip-pad"],
)
def test_avg_pool_arithmetic_shows_the_divisor(
    page: Page, base_url: str, extra: str, sum_text: str, divisor: int
) -> None:
    trace = api_trace(base_url, "avg_pool2d", open_player(page, base_url, "avg_pool2d", ARTICLE + extra))
    assert trace.column("divisor")[0] == divisor
    next_frame(page)
    arith = page.locator("#arith")
    expect(arith).to_contain_text(f"/ {divisor}")
    expect(arith).to_contain_text(fmt(trace.column("value")[0]))
    expect(arith.locator("p.sum")).to_have_text(sum_text)
    expect(arith).to_contain_text(f"Divided by {divisor}")


@pytest.mark.parametrize(
    ("op", "query", "text"),
    [
        ("max_pool2d", "", "(36 values in, 9 out). Each window keeps only its maximum: 9 of the 36 input values "),
        (
            "avg_pool2d",
            "",
            "(36 values in, 9 out). No value is discarded: each of the 36 input values counts in the mean",
        ),
        ("avg_pool2d", "kernel_size=2&stride=1&padding=1", "(36 values in, 49 out). No value is discarded"),
        ("lp_pool2d", "", "No value is discarded: each of the 36 input values counts in the power sum Σ xᵖ"),
        ("lp_pool2d", "height=7&width=7", "13 of the 49 input values lie in rows or columns no window reaches"),
    ],
    ids=["max", "avg", "avg-overlapping", "lp", "lp-unread"],
)
def test_pool_side_panel_says_only_max_pooling_discards(
    page: Page, base_url: str, op: str, query: str, text: str
) -> None:
    """Only max pooling discards values; an average or a power sum uses every value a window reads."""
    trace = api_trace(base_url, op, open_player(page, base_url, op, query))
    expect(page.locator("#formula")).to_contain_text(text)
    expect(page.locator("#formula")).to_contain_text(trace.header["reduction"])
    if not query:
        assert trace.header["discarded_share"] == 0.75
        if op == "max_pool2d":
            assert "and the other 27 (75%) are discarded." in trace.header["reduction"]
        else:
            assert "discarded" not in trace.header["reduction"].replace("No value is discarded", "")


@pytest.mark.parametrize(("query", "root"), [("", "sqrt("), ("norm_type=3", ")^(1/3)")], ids=["p2", "p3"])
def test_lp_pool_arithmetic_shows_the_root_and_the_value(page: Page, base_url: str, query: str, root: str) -> None:
    trace = api_trace(base_url, "lp_pool2d", open_player(page, base_url, "lp_pool2d", query))
    for i in (0, trace.total // 2, trace.total - 1):
        seek_and_draw(page, i)
        text = page.locator("#arith p.sum").text_content() or ""
        assert root in text, text
        assert text.endswith(f" = {fmt(trace.column('value')[i])}"), text
        assert f"({fmt(trace.column('sum')[i])})" in text, text


# --- dropout -----------------------------------------------------------------------------------


def test_dropout_in_evaluation_passes_the_input_unchanged(page: Page, base_url: str) -> None:
    open_player(page, base_url, "dropout", "seed=3")
    seek_end(page)
    assert any(0 in row for row in page.evaluate("convscope.mask")[0]), "seed 3 should drop something in training"
    with page.expect_request(re.compile(r"/api/dropout/trace\?")) as request:
        page.locator("#params [name=training]").uncheck()
    page.wait_for_function("() => convscope.complete && convscope.header.params.training === false")
    trace = api_trace(base_url, "dropout", urlsplit(request.value.url).query)
    assert url_params(page).get("training") == "false"
    seek_end(page)
    got = page.evaluate("({output: convscope.output, input: convscope.header.input, mask: convscope.mask})")
    assert got["output"] == got["input"] == trace.header["input"]
    assert {v for channel in got["mask"] for row in channel for v in row} == {1}
    expect(page.locator("#formula")).to_contain_text("evaluation: y = x")
    expect(page.locator("#formula")).to_contain_text("the output equals the input")
    expect(page.locator("#arith")).to_contain_text("passes every value through unchanged")
    expect(page.locator("#cap-mask")).to_have_text("evaluation: all kept")


def test_same_seed_same_mask_after_reload_new_seed_new_mask(page: Page, base_url: str) -> None:
    sent = open_player(page, base_url, "dropout", "seed=5")
    trace = api_trace(base_url, "dropout", sent)
    seek_end(page)
    first = page.evaluate("({mask: convscope.mask, input: convscope.header.input})")
    assert first["mask"] == trace.done["mask"]

    page.reload()
    page.wait_for_function("() => window.convscope && convscope.complete")
    assert form_value(page, "seed") == "5"
    seek_end(page)
    assert page.evaluate("convscope.mask") == first["mask"], "the same seed must give the same mask"

    with page.expect_request(re.compile(r"/api/dropout/trace\?")) as request:
        page.locator("#btn-new-mask").click()
    page.wait_for_function("() => convscope.complete && convscope.header.params.seed === 6")
    assert form_value(page, "seed") == "6"
    assert url_params(page).get("seed") == "6"
    seek_end(page)
    second = page.evaluate("({mask: convscope.mask, input: convscope.header.input})")
    assert second["input"] == first["input"], "a new mask must not change the activations"
    assert second["mask"] != first["mask"]
    assert second["mask"] == api_trace(base_url, "dropout", urlsplit(request.value.url).query).done["mask"]


def test_dropout2d_drops_whole_channels(page: Page, base_url: str) -> None:
    trace = api_trace(
        base_url, "dropout", open_player(page, base_url, "dropout", "variant=dropout2d&in_channels=4&seed=1")
    )
    seek_end(page)
    mask = page.evaluate("convscope.mask")
    per_channel = [{v for row in channel for v in row} for channel in mask]
    assert all(len(values) == 1 for values in per_channel), per_channel
    assert {v for values in per_channel for v in values} == {0, 1}, "seed 1 should keep some channels, drop others"
    scale = trace.header["scale"]
    output = page.evaluate("convscope.output")
    for c, channel in enumerate(trace.header["input"]):
        kept = per_channel[c] == {1}
        assert output[c] == [[x * scale if kept else 0.0 for x in row] for row in channel]
    expect(page.locator("#formula")).to_contain_text("Each channel is dropped with probability p = 0.5")


# --- relu ---------------------------------------------------------------------------------------


def test_relu_mask_is_zero_exactly_where_the_input_is_not_positive(page: Page, base_url: str) -> None:
    trace = api_trace(base_url, "relu", open_player(page, base_url, "relu", "in_channels=2&height=5&width=5"))
    seek_end(page)
    got = page.evaluate("({mask: convscope.mask, input: convscope.header.input})")
    # PyTorch's mask: 1 where x > 0, so 0 at an exact 0 (the gradient there is 0)
    assert got["mask"] == [[[1 if x > 0 else 0 for x in row] for row in channel] for channel in got["input"]]
    flat = [x for channel in got["input"] for row in channel for x in row]
    assert min(flat) < 0 and 0 in flat, "the case should have negative values and zeros"
    expect(page.locator("#cv-curve")).to_be_visible()
    box = page.locator("#cv-curve").bounding_box()
    assert box is not None and box["width"] >= 160 and box["height"] >= 160
    negative = next(i for i, x in enumerate(trace.column("input")) if x < 0)
    seek_and_draw(page, negative)
    x = trace.column("input")[negative]
    expect(page.locator("#arith")).to_contain_text(f"max(0, {fmt(x)}) = 0")
    expect(page.locator("#arith")).to_contain_text("mask 0")
    zero = trace.column("input").index(0)
    seek_and_draw(page, zero)
    expect(page.locator("#arith")).to_contain_text("max(0, 0) = 0")
    expect(page.locator("#arith")).to_contain_text("Zero: the output is 0 either way; the mask is 0")
    zeroed = trace.done["zeroed"]
    assert zeroed == sum(1 for x in trace.column("input") if x <= 0)
    expect(page.locator("#formula")).to_contain_text(
        f"{trace.total - zeroed} of {trace.total} values were positive and pass (mask 1); "
        f"{zeroed} were negative or 0 and are now 0 (mask 0)."
    )


# --- the 1x1 convolution's depth view --------------------------------------------------------


def test_1x1_conv_shows_the_depth_view_and_one_line_per_channel(page: Page, base_url: str) -> None:
    trace = api_trace(base_url, "conv2d", open_player(page, base_url, "conv2d", CONV_1X1))
    seek_and_draw(page, 7)
    expect(page.locator("figure.panel-depth")).to_be_visible()
    expect(page.locator("#cv-depth")).to_be_visible()
    lines = page.locator("#arith p.sum")
    expect(lines).to_have_count(6)
    for c, line in enumerate(lines.all()):
        expect(line).to_have_text(
            re.compile(rf"^channel {c}: .* = {re.escape(fmt(trace.column('partial_sums')[7][c]))}$")
        )
    expect(page.locator("#arith p.total")).to_have_text(re.compile(rf"= {re.escape(fmt(trace.column('value')[7]))}$"))
    expect(page.locator("#cap-depth")).to_contain_text("6 channels → 3 maps")

    page.locator("#params [name=kernel_size]").fill("3")
    page.locator("#params [name=kernel_size]").dispatch_event("change")
    page.wait_for_function("() => convscope.complete && convscope.header.params.kernel_size[0] === 3")
    next_frame(page)
    expect(page.locator("figure.panel-depth")).to_be_hidden()


# --- URL state, keyboard, accessibility, per op ------------------------------------------------

URLS = {
    "relu": "height=4&width=5&seed=3&step=7&speed=8",
    "max_pool2d": "kernel_size=3&stride=2&padding=1&step=2&speed=8",
    "avg_pool2d": "kernel_size=3&stride=2&padding=1&count_include_pad=false&step=2&speed=8",
    "lp_pool2d": "kernel_size=3&stride=1&norm_type=3&in_channels=2&step=5&speed=8",
    "dropout": "p=0.25&seed=4&variant=dropout2d&in_channels=3&step=5&speed=8",
    "conv2d": f"{CONV_1X1}&step=30&speed=8",
}


@pytest.mark.parametrize("op", OPS)
def test_url_restores_form_step_and_speed(page: Page, base_url: str, op: str) -> None:
    query = URLS[op]
    sent = open_player(page, base_url, op, query)
    params = api_params(query)
    assert {name: form_value(page, name) for name in params} == params
    step = int(dict(parse_qsl(query))["step"])
    trace = api_trace(base_url, op, sent)
    assert page.evaluate("convscope.step") == step
    assert page.locator("#speed").input_value() == "8"
    expect(page.locator("#step-label")).to_have_text(f"step {step + 1} / {trace.total}")
    assert page.evaluate("convscope.window") == trace.windows()[step]
    assert url_params(page) == dict(parse_qsl(query)), "the restored URL must stay as it was"


@pytest.mark.parametrize("op", OPS)
def test_keys_move_the_step(page: Page, base_url: str, op: str) -> None:
    trace = api_trace(base_url, op, open_player(page, base_url, op))
    last = trace.total - 1
    for key, step in [
        ("ArrowRight", 1),
        ("ArrowRight", 2),
        ("ArrowLeft", 1),
        ("End", last),
        ("ArrowRight", last),
        ("ArrowLeft", last - 1),
        ("Home", 0),
        ("ArrowLeft", 0),
        ("Shift+ArrowRight", min(10, last)),
    ]:
        page.keyboard.press(key)
        state = page.evaluate("({step: convscope.step, window: convscope.window})")
        assert state["step"] == step, f"{key}: {state['step']} != {step}"
        assert state["window"] == trace.windows()[step]
        expect(page.locator("#step-label")).to_have_text(f"step {step + 1} / {trace.total}")
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('step') === '{min(10, last)}'")


@pytest.mark.parametrize("op", OPS)
def test_controls_have_names_and_canvases_are_labelled_images(page: Page, base_url: str, op: str) -> None:
    open_player(page, base_url, op)
    page.locator("details.own-numbers summary").click()
    anything = re.compile(r"\S")
    for button in page.locator("button").all():
        expect(button).to_have_accessible_name(anything)
    for control in page.locator("input, select, textarea").all():
        expect(control).to_have_accessible_name(anything)
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('#params input, #params select')]"
        ".filter((e) => e.labels.length === 0).map((e) => e.name)"
    )
    assert unlabelled == []
    canvases = page.locator("canvas")
    assert [c.get_attribute("id") for c in canvases.all()] == [f"cv-{name}" for name in PANELS[op]]
    for canvas in canvases.all():
        expect(canvas).to_have_attribute("role", "img")
        expect(canvas).to_have_attribute("aria-label", anything)
    if op == "dropout":
        expect(page.locator("#btn-new-mask")).to_have_accessible_name(re.compile("New mask"))


# --- errors -------------------------------------------------------------------------------------

INVALID = {
    "relu": "input=1,2;3",
    "max_pool2d": "padding=2",
    "avg_pool2d": "kernel_size=7",
    "lp_pool2d": "norm_type=0",
    "dropout": "p=1",
    "conv2d": "in_channels=3&groups=2",
}


@pytest.mark.parametrize("op", OPS)
def test_an_invalid_combination_shows_the_server_message(page: Page, base_url: str, op: str) -> None:
    sent = open_player(page, base_url, op, INVALID[op], until="ready")
    status, body = api_error(base_url, op, sent)
    assert status == 422
    message = body["message"]
    error = page.locator("#error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text(message)
    assert page.evaluate("convscope.error") == message
    expect(page.locator("#cv-input")).to_be_hidden()
    expect(page.locator("#btn-play")).to_be_hidden()
    param = body["detail"][0]["param"]
    field = page.locator(f"#params [name={param}]")
    if field.count():
        expect(field).to_have_attribute("aria-invalid", "true")


# --- screenshots --------------------------------------------------------------------------------

DEVICES: dict[str, tuple[dict[str, int], dict[str, Any]]] = {
    "desktop": ({"width": 1280, "height": 800}, {}),
    "mobile": ({"width": 390, "height": 844}, {"device_scale_factor": 2, "is_mobile": True, "has_touch": True}),
}
SHOTS = [
    ("relu", "default", "", "desktop"),
    ("relu", "default", "", "mobile"),
    ("max_pool2d", "default", "", "desktop"),
    ("max_pool2d", "padded-2ch", "kernel_size=3&stride=2&padding=1&in_channels=2", "desktop"),
    ("avg_pool2d", "article", ARTICLE, "desktop"),
    ("lp_pool2d", "default", "", "desktop"),
    ("dropout", "default", "", "desktop"),
    ("dropout", "default", "", "mobile"),
    ("dropout", "dropout2d", "variant=dropout2d&in_channels=3", "desktop"),
    ("dropout", "eval", "training=false", "mobile"),
    ("conv2d", "1x1", CONV_1X1, "desktop"),
]


@pytest.mark.parametrize(("op", "case", "query", "device"), SHOTS, ids=[f"{s[0]}-{s[1]}-{s[3]}" for s in SHOTS])
def test_screenshot(
    open_page: OpenPage, base_url: str, artifacts: Path, op: str, case: str, query: str, device: str
) -> None:
    viewport, options = DEVICES[device]
    page = open_page(viewport, **options)
    open_player(page, base_url, op, query)
    seek_and_draw(page, page.evaluate("Math.floor(convscope.total / 3)"))
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the page scrolls sideways"
    path = artifacts / f"{op}-{case}-{device}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


# --- legibility: what the screenshots showed ---------------------------------------------------

COPY_CANVAS = """(id) => {
    const canvas = document.getElementById(id);
    const copy = document.createElement("canvas");
    copy.width = canvas.width;
    copy.height = canvas.height;
    const ctx = copy.getContext("2d", {willReadFrequently: true});
    ctx.drawImage(canvas, 0, 0);
    return {ctx, dpr: canvas.width / canvas.getBoundingClientRect().width,
            cssWidth: canvas.getBoundingClientRect().width};
}"""

CELL_CONTRAST = f"""([id, rows, cols, band]) => {{
    const {{ctx, dpr, cssWidth}} = ({COPY_CANVAS})(id);  // a copy: the page's canvas is never read back
    const cell = (cssWidth - 1) / cols;  // one slice: cols cells and the closing grid line
    const linear = (v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
    const lum = ([r, g, b]) => 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);  // WCAG 2
    const ratio = (a, b) => {{
        const [x, y] = [lum(a), lum(b)];
        return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
    }};
    return Array.from({{length: rows}}, (_, r) => Array.from({{length: cols}}, (_, c) => {{
        // the middle of the cell, where its number is drawn: clear of the outline and the max marker
        const x = Math.round((c + 0.25) * cell * dpr), y = Math.round((band + (r + 0.36) * cell) * dpr);
        const w = Math.round(0.37 * cell * dpr), h = Math.round(0.39 * cell * dpr);
        const data = ctx.getImageData(x, y, w, h).data;
        const pixels = [], counts = new Map();
        for (let i = 0; i < data.length; i += 4) {{
            const p = [data[i], data[i + 1], data[i + 2]];
            pixels.push(p);
            counts.set(p.join(), (counts.get(p.join()) || 0) + 1);
        }}
        const background = [...counts].sort((a, b) => b[1] - a[1])[0][0].split(",").map(Number);
        return Math.max(...pixels.map((p) => ratio(p, background)));  // the number's ink against its cell
    }}));
}}"""


def number_contrast(page: Page, rows: int, cols: int) -> list[list[float]]:
    return page.evaluate(CELL_CONTRAST, ["cv-input", rows, cols, 20])


def test_numbers_outside_the_window_meet_wcag_aa(page: Page, base_url: str) -> None:
    open_player(page, base_url, "max_pool2d")
    seek_and_draw(page, 0)
    window = page.evaluate("convscope.window")
    contrast = number_contrast(page, 6, 6)
    outside = [contrast[r][c] for r in range(6) for c in range(6) if r not in window["rows"] or c not in window["cols"]]
    assert min(outside) >= 4.5, contrast


def test_numbers_inside_the_window_meet_wcag_aa(page: Page, base_url: str) -> None:
    open_player(page, base_url, "max_pool2d")
    for step in (0, 3):
        seek_and_draw(page, step)
        window = page.evaluate("convscope.window")
        contrast = number_contrast(page, 6, 6)
        inside = {(r, c): contrast[r][c] for r in window["rows"] for c in window["cols"]}
        assert min(inside.values()) >= 4.5, f"step {step}: {inside}"


RECORD_TEXT = """
window.__drawnText = [];
const fillText = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (text, x, y, ...rest) {
    window.__drawnText.push({canvas: this.canvas.id, text: String(text), width: this.measureText(text).width});
    return fillText.call(this, text, x, y, ...rest);
};
"""


def test_output_numbers_fit_inside_their_cells(page: Page, base_url: str) -> None:
    page.add_init_script(RECORD_TEXT)
    trace = api_trace(base_url, "lp_pool2d", open_player(page, base_url, "lp_pool2d"))
    _, rows, cols = trace.header["output_shape"]
    page.evaluate("window.__drawnText = []")
    seek_end(page)
    drawn = page.evaluate("window.__drawnText.filter((t) => t.canvas === 'cv-output')")
    cell = (page.locator("#cv-output").bounding_box() or {"width": 0})["width"] - 1
    cell /= cols
    outline = min(4, cell / 6)  # SIZES.windowLine + 1: the current step's outline, inside the cell
    numbers = [t for t in drawn if re.fullmatch(r"-?[\d.]+", t["text"])]
    assert len(numbers) == rows * cols
    too_wide = [(t["text"], round(t["width"], 1)) for t in numbers if t["width"] > cell - 2 * outline]
    assert too_wide == [], f"cells are {cell:.0f} px"


def test_relu_curve_label_does_not_cover_the_marker(page: Page, base_url: str) -> None:
    trace = api_trace(base_url, "relu", open_player(page, base_url, "relu"))
    inputs = trace.column("input")
    step = inputs.index(max(abs(x) for x in inputs))
    seek_and_draw(page, step)
    dark = page.evaluate(
        f"""() => {{
            const {{ctx, dpr}} = ({COPY_CANVAS})("cv-curve");
            const {{width, height}} = ctx.canvas;
            const data = ctx.getImageData(0, 0, width, height).data;
            const at = (x, y) => Array.from(data.slice((y * width + x) * 4, (y * width + x) * 4 + 3));
            let n = 0, sx = 0, sy = 0;  // the marker: COLORS.hover, #0072b2
            for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) {{
                const [r, g, b] = at(x, y);
                if (Math.abs(r - 0) + Math.abs(g - 114) + Math.abs(b - 178) < 30) {{ n += 1; sx += x; sy += y; }}
            }}
            const cx = Math.round(sx / n), cy = Math.round(sy / n), radius = Math.floor(5 * dpr);
            let covered = 0;  // dark text pixels inside the dot (the curve ends under it, covered by the dot)
            for (let y = cy - radius; y <= cy + radius; y += 1) for (let x = cx - radius; x <= cx + radius; x += 1) {{
                if ((x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2 && Math.max(...at(x, y)) < 90) covered += 1;
            }}
            return {{marker: n, covered}};
        }}"""
    )
    assert dark["marker"] > 20, "the marker dot was not found"
    assert dark["covered"] == 0, dark


def test_a_window_of_padding_only_says_minus_infinity(page: Page, base_url: str) -> None:
    open_player(page, base_url, "max_pool2d", "input=2,1,1&kernel_size=2,3&padding=1,0&dilation=2,1")
    next_frame(page)
    assert (page.locator("#arith p.sum").text_content() or "").endswith("= −∞")
    assert (page.locator("#narration").text_content() or "").endswith("Value −∞.")


def test_no_use_padding_button_when_the_padding_already_keeps_the_size(page: Page, base_url: str) -> None:
    trace = api_trace(base_url, "conv2d", open_player(page, base_url, "conv2d", CONV_1X1))
    assert trace.header["params"]["padding"] == [0, 0]
    assert trace.header["same_padding"]["height"]["before"] == 0
    expect(page.locator("#formula")).to_contain_text("keeps the output the size of the input")
    expect(page.locator("#btn-same")).to_have_count(0)
