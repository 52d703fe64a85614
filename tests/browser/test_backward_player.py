"""The conv2d_backward player in a real Chromium, against the live server's own trace: the forward
window and the backward step on the same cells, the gradient toggle, and the done frame's three
gradients read back from the page. Any console error fails a test."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from playwright.sync_api import Page, expect

from .players import api_trace, fmt, open_player, seek_and_draw
from .test_embed import host_url, open_host, send  # noqa: F401 (host_url: the host page fixture)

OP = "conv2d_backward"
QUERY = "in_channels=2&out_channels=2&height=5&width=5&padding=1&stride=2&seed=3"
SHOTS = Path("/tmp")


def grids(page: Page, name: str) -> dict[str, list[list[float]]]:
    """The page's grid tables of one gradient, by their index ("f,c" or the channel), as exact numbers."""
    return page.evaluate(
        """(name) => Object.fromEntries([...document.querySelectorAll(`table.grad-grid[data-grad=${name}]`)].map(
            (t) => [t.dataset.index, [...t.rows].map((r) => [...r.cells].map((c) => Number(c.dataset.value)))]))""",
        name,
    )


@pytest.mark.parametrize("gradient", ["grad_input", "grad_weight", "grad_bias"])
def test_the_done_gradients_on_the_page_are_the_apis(page: Page, base_url: str, gradient: str) -> None:
    sent = open_player(page, base_url, OP, f"{QUERY}&gradient={gradient}")
    assert dict(parse_qsl(sent)).get("gradient", "grad_input") == gradient
    trace = api_trace(base_url, OP, sent)
    done = trace.done
    weight = grids(page, "grad_weight")
    assert {key: value for key, value in weight.items()} == {
        f"{f},{c}": kernel for f, kernels in enumerate(done["grad_weight"]) for c, kernel in enumerate(kernels)
    }
    texts = page.locator("table.grad-grid[data-grad=grad_weight] td").all_inner_texts()
    assert texts == [fmt(v) for kernels in done["grad_weight"] for k in kernels for row in k for v in row]
    assert grids(page, "grad_input") == {str(c): plane for c, plane in enumerate(done["grad_input"])}
    assert grids(page, "grad_bias") == {"": [done["grad_bias"]]}
    seek_and_draw(page, trace.total - 1)
    shown = page.evaluate("convscope.output")
    assert (
        shown
        == {"grad_input": done["grad_input"], "grad_weight": done["grad_weight"], "grad_bias": done["grad_bias"]}[
            gradient
        ]
    )
    page.screenshot(path=str(SHOTS / f"backward-{gradient}.png"), full_page=True)


def test_the_forward_window_and_the_backward_step_touch_the_same_cells(page: Page, base_url: str) -> None:
    sent = open_player(page, base_url, OP, QUERY)
    trace = api_trace(base_url, OP, sent)
    h = trace.header
    for step in (0, 5, trace.total - 1):
        seek_and_draw(page, step)
        window = page.evaluate("convscope.window")
        f = trace.column("filter")[step]
        cells = [[r, q] for r in trace.column("rows")[step] for q in trace.column("cols")[step]]
        expected = [[c, cells] for c in h["filter_channels"][f]]
        assert window["forward"] == expected and window["result"] == expected
        assert window["grad"] == [[f, [[trace.column("oy")[step], trace.column("ox")[step]]]]]


def test_grad_weight_steps_fill_the_weights_gradient(page: Page, base_url: str) -> None:
    sent = open_player(page, base_url, OP, f"{QUERY}&gradient=grad_weight")
    trace = api_trace(base_url, OP, sent)
    seek_and_draw(page, 3)
    arith = page.locator("#arith").inner_text()
    assert f"= {fmt(trace.column('value')[3])}" in arith and "Σ input × grad_output" in arith
    window = page.evaluate("convscope.window")
    rows, cols = trace.column("rows")[3], trace.column("cols")[3]
    assert window["forward"] == [[trace.column("input_channel")[3], [[r, q] for r in rows for q in cols]]]


def test_the_gradient_toggle_switches_the_steps_and_the_url(page: Page, base_url: str) -> None:
    open_player(page, base_url, OP, QUERY)
    seek_and_draw(page, 4)
    expect(page.locator("#view-toggle button[data-value=grad_input]")).to_have_attribute("aria-pressed", "true")
    page.locator("#view-toggle button[data-value=grad_weight]").click()
    page.wait_for_function("() => convscope.complete && convscope.header.params.gradient === 'grad_weight'")
    assert page.evaluate("convscope.step") == 0  # a gradient's steps are other things: it starts again
    assert page.evaluate("convscope.total") == 2 * 2 * 3 * 3
    assert dict(parse_qsl(page.evaluate("location.search.slice(1)")))["gradient"] == "grad_weight"
    expect(page.locator("#params [name=gradient]")).to_have_value("grad_weight")
    page.keyboard.press("End")
    assert page.evaluate("convscope.step") == 35
    page.reload()
    page.wait_for_function("() => window.convscope && convscope.complete")
    assert page.evaluate("convscope.header.params.gradient") == "grad_weight"
    assert page.evaluate("convscope.step") == 35


def test_the_embed_loads(page: Page, base_url: str, host_url: str) -> None:  # noqa: F811 (the fixture)
    frame = open_host(page, host_url, f"{base_url}/embed/{OP}?{QUERY}&gradient=grad_weight&step=2")
    assert frame.evaluate("convscope.step") == 2
    send(page, {"type": "convscope:step", "delta": 3})
    frame.wait_for_function("() => convscope.step === 5")
    page.screenshot(path=str(SHOTS / "backward-embed.png"), full_page=True)
