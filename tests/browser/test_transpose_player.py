"""The conv_transpose2d player in a real Chromium, against the live server's own trace.

Both views end in the API's output; the view toggle keeps the output cell (gather -> scatter: the
step that finishes the current output cell; scatter -> gather: the furthest output cell already
finished), writes `view` in the URL, and the URL restores it. Any console error fails a test.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from .players import Trace, api_trace, next_frame, open_player, seek_and_draw
from .test_embed import host_url, open_host, send  # noqa: F401 (host_url: the host page fixture)

OP = "conv_transpose2d"
QUERY = "stride=2&height=3&width=3&kernel_size=3&out_channels=2&seed=4"
SHOTS = Path("/tmp")


def last_writers(trace: Trace) -> np.ndarray:
    """Per output cell (flat), the scatter step that writes it last (-1: never), from the step columns."""
    h = trace.header
    maps, ho, wo = h["output_shape"]
    last = np.full(maps * ho * wo, -1)
    for step, (c, rows, cols) in enumerate(
        zip(trace.column("channel"), trace.column("rows"), trace.column("cols"), strict=True)
    ):
        for o in h["channel_outputs"][c]:
            for r in rows:
                for q in cols:
                    if 0 <= r < ho and 0 <= q < wo:
                        last[(o * ho + r) * wo + q] = step
    return last


@pytest.mark.parametrize("view", ["scatter", "gather"])
def test_the_final_output_is_the_apis_in_both_views(page: Page, base_url: str, view: str) -> None:
    sent = open_player(page, base_url, OP, f"{QUERY}&view={view}")
    assert dict(parse_qsl(sent)).get("view", "scatter") == view  # the default is left out, as every default
    trace = api_trace(base_url, OP, sent)
    assert page.evaluate("convscope.total") == trace.total
    seek_and_draw(page, trace.total - 1)
    assert page.evaluate("convscope.output") == trace.done["output"]
    page.screenshot(path=str(SHOTS / f"transpose-{view}.png"), full_page=True)


def test_the_scatter_view_adds_each_block_as_the_trace_says(page: Page, base_url: str) -> None:
    sent = open_player(page, base_url, OP, QUERY)
    trace = api_trace(base_url, OP, sent)
    _, ho, wo = trace.header["output_shape"]
    seek_and_draw(page, 4)  # the middle input cell: its block overlaps its neighbours'
    window = page.evaluate("convscope.window")
    step = {name: trace.column(name)[4] for name in ("channel", "y", "x", "rows", "cols", "after")}
    assert window["channels"] == [step["channel"]] and window["rows"] == [step["y"]] and window["cols"] == [step["x"]]
    output = page.evaluate("convscope.output")
    for k, o in enumerate(trace.header["channel_outputs"][step["channel"]]):
        for i, r in enumerate(step["rows"]):
            for j, q in enumerate(step["cols"]):
                if 0 <= r < ho and 0 <= q < wo:
                    assert output[o][r][q] == step["after"][k][i][j]
    arith = page.locator("#arith").inner_text()
    assert f"row {step['y']}, column {step['x']}" in arith and "+=" in arith


@pytest.mark.parametrize("start", ["scatter", "gather"])
def test_the_toggle_keeps_the_output_cell(page: Page, base_url: str, start: str) -> None:
    other = "gather" if start == "scatter" else "scatter"
    sent = open_player(page, base_url, OP, f"{QUERY}&view={start}")
    scatter = api_trace(base_url, OP, sent.replace(f"view={start}", "view=scatter"))
    last = last_writers(scatter)
    at = 4 if start == "scatter" else 40
    expected = (
        int(max([g for g, s in enumerate(last) if 0 <= s <= at], default=0))
        if start == "scatter"
        else max(0, int(last[at]))
    )
    seek_and_draw(page, at)
    expect(page.locator("#view-toggle-note")).to_contain_text("keeps the output cell")
    page.locator(f"#view-toggle button[data-value={other}]").click()
    page.wait_for_function(f"() => convscope.complete && convscope.header.params.view === '{other}'")
    assert page.evaluate("convscope.step") == expected
    expect(page.locator(f"#view-toggle button[data-value={other}]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#params [name=view]")).to_have_value(other)
    url = dict(parse_qsl(page.evaluate("location.search.slice(1)")))
    assert url.get("view", "scatter") == other and int(url.get("step", "0")) == expected
    # the URL restores the view and the step
    page.reload()
    page.wait_for_function("() => window.convscope && convscope.complete")
    assert page.evaluate("convscope.header.params.view") == other
    assert page.evaluate("convscope.step") == expected


def test_gather_then_scatter_finishes_the_same_cell(page: Page, base_url: str) -> None:
    """Going gather -> scatter shows the step after which the gather step's output value is final."""
    open_player(page, base_url, OP, f"{QUERY}&view=gather")
    seek_and_draw(page, 12)  # output cell (0, 1, 5) of 2 x 7 x 7
    value = page.evaluate("convscope.output[0][1][5]")
    assert value is not None
    page.evaluate("convscope.switchTo('scatter')")
    page.wait_for_function("() => convscope.complete && convscope.header.params.view === 'scatter'")
    next_frame(page)
    assert page.evaluate("convscope.output[0][1][5]") == value


def test_formula_undoes_and_code_come_from_the_header(page: Page, base_url: str) -> None:
    sent = open_player(page, base_url, OP, "stride=2&height=2&width=2&output_padding=1")
    h = api_trace(base_url, OP, sent).header
    formula = page.locator("#formula")
    expect(formula).to_contain_text(h["geometry"]["height"]["formula"]["substituted"])
    expect(formula).to_contain_text(h["geometry"]["height"]["formula"]["symbolic"])
    expect(page.locator("#undoes")).to_contain_text(h["geometry"]["height"]["undoes"]["text"])
    assert "output_padding 1 picks 6" in h["geometry"]["height"]["undoes"]["text"]
    expect(page.locator("#code")).to_have_text(h["pytorch"]["code"])
    assert "nn.ConvTranspose2d" in h["pytorch"]["code"]


def test_keys_step_and_jump(page: Page, base_url: str) -> None:
    open_player(page, base_url, OP, QUERY)
    total = page.evaluate("convscope.total")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("convscope.step") == 2
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("convscope.step") == 1
    page.keyboard.press("End")
    assert page.evaluate("convscope.step") == total - 1
    page.keyboard.press("Home")
    assert page.evaluate("convscope.step") == 0
    page.keyboard.press(" ")
    assert page.evaluate("convscope.playing") is True
    page.keyboard.press(" ")
    assert page.evaluate("convscope.playing") is False


def test_hover_both_ways_is_the_traces(page: Page, base_url: str) -> None:
    sent = open_player(page, base_url, OP, QUERY)
    trace = api_trace(base_url, OP, sent)
    h = trace.header
    _, ho, wo = h["output_shape"]
    canvas = page.locator("#cv-input")
    box = canvas.bounding_box()
    assert box
    # input cell (0, 1, 1): the output cells its kernels land on, as step 4's rows and cols say
    cell = (box["width"] - 1) / 3
    canvas.hover(position={"x": 1.5 * cell, "y": box["height"] - 1 - 1.5 * cell})
    next_frame(page)
    hovered = page.evaluate("convscope.hovered")
    assert [0, 1, 1] in hovered["input"]
    rows, cols = trace.column("rows")[4], trace.column("cols")[4]
    expected = sorted(
        [o, r, q] for o in h["channel_outputs"][0] for r in rows for q in cols if 0 <= r < ho and 0 <= q < wo
    )
    assert sorted(hovered["output"]) == expected
    # and back: an output cell names the input cells whose blocks reach it
    out = page.locator("#cv-output")
    box = out.bounding_box()
    assert box
    out.hover(position={"x": 5, "y": box["height"] - 5})  # the bottom-left cell of the last map
    next_frame(page)
    hovered = page.evaluate("convscope.hovered")
    [[o, r, q]] = hovered["output"]
    for c, y, x in hovered["input"]:
        step = (c * 3 + y) * 3 + x
        assert r in trace.column("rows")[step] and q in trace.column("cols")[step]


def test_presentation_mode_keeps_the_player(page: Page, base_url: str) -> None:
    open_player(page, base_url, OP, f"{QUERY}&view=gather&present=1")
    assert page.evaluate("document.documentElement.classList.contains('present')")
    page.keyboard.press("End")
    assert page.evaluate("convscope.step") == page.evaluate("convscope.total") - 1
    page.screenshot(path=str(SHOTS / "transpose-present.png"))


def test_the_home_page_and_the_nav_list_it(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    expect(page.locator("main a[href='/play/conv_transpose2d']").first).to_be_visible()
    expect(page.locator("header a[href='/play/conv_transpose2d']")).to_have_count(1)


def test_the_embed_loads_and_answers_messages(page: Page, base_url: str, host_url: str) -> None:  # noqa: F811
    frame = open_host(page, host_url, f"{base_url}/embed/{OP}?{QUERY}&view=gather&step=3")
    assert frame.evaluate("convscope.step") == 3
    send(page, {"type": "convscope:seek", "step": 7})
    frame.wait_for_function("() => convscope.step === 7")
    page.screenshot(path=str(SHOTS / "transpose-embed.png"), full_page=True)
    oembed = page.request.get(f"{base_url}/oembed?url={base_url}/play/{OP}%3Fstride%3D2&format=json")
    assert oembed.status == 200 and "/embed/conv_transpose2d" in oembed.json()["html"]
