"""One palette (static/palette.json, docs/PALETTE.md) in a real Chromium: the canvas's own
modules, evaluated in the page, give every value the colour and the text that the PNG/GIF
renderer draws, and the page's CSS custom properties are the palette's."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Page

from app.engine.pool import max_pool2d
from app.engine.relu import relu
from app.export import render_png
from app.export.render_png import GAP, MARGIN, Renderer
from app.images import palette

LEVELS = palette.LEVELS
# Every shade boundary (t = (k + 1/2) / LEVELS, just below, on and above), and a plain sweep.
BOUNDARIES = [s * (k + 0.5) / LEVELS + d for k in range(LEVELS) for s in (-1, 1) for d in (-1e-12, 0.0, 1e-12)]
SWEEP = [round(-1.3 + 0.001 * i, 3) for i in range(2601)]
SPECIAL = [math.inf, -math.inf, math.nan, -0.0, 0.0, 5e-324, -5e-324, 1e308, -1e308]


def colors_module(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    page.evaluate("async () => { window.colors = await import('/static/js/render/colors.js'); }")


def js_rgb(page: Page, values: list[float], scale: float) -> list[list[int]]:
    got: list[list[int]] = page.evaluate("([vs, s]) => vs.map((v) => colors.rgb(v, s))", [values, scale])
    return got


@pytest.mark.parametrize("scale", [1.0, 3.7, 0.001, 255.0, 0.0, math.inf])
def test_the_canvas_and_the_server_give_every_value_one_colour(page: Page, base_url: str, scale: float) -> None:
    colors_module(page, base_url)
    values = [v * (scale if 0 < scale < math.inf else 1) for v in BOUNDARIES + SWEEP] + SPECIAL
    expected = palette.diverging(np.array(values), scale).tolist()
    got = js_rgb(page, values, scale)
    wrong = [(v, g, e) for v, g, e in zip(values, got, expected, strict=True) if g != e]
    assert not wrong, f"{len(wrong)} of {len(values)} differ, e.g. {wrong[:5]}"
    infinities_and_nan = got[len(values) - len(SPECIAL) :][:3]
    ends = [palette.POSITIVE, palette.NEGATIVE] if 0 < scale < math.inf else [palette.ZERO, palette.ZERO]
    assert infinities_and_nan == [list(c) for c in [*ends, palette.EMPTY]]


def cell_pixel(image: Any, grid: render_png.Grid, left: int, slice_: int, row: int, col: int) -> tuple[int, int, int]:
    """A pixel inside cell (row, col), clear of the grid lines (cells are too small for numbers)."""
    ox, oy = grid.origin(slice_)
    pixel: tuple[int, int, int] = image.getpixel((left + ox + col * grid.cell + 3, MARGIN + oy + row * grid.cell + 3))
    return pixel


def test_a_png_cell_and_the_canvas_agree_for_a_sweep_of_values(page: Page, base_url: str) -> None:
    """relu of 400 values from -2 to 1.99: each input and output cell of the PNG has the colour the
    canvas's rgb() gives that value on the same scale (the largest finite |value|)."""
    colors_module(page, base_url)
    values = np.round(np.arange(-200, 200) / 100, 2).reshape(1, 20, 20)
    trace = relu(values)
    cell = 8
    renderer = Renderer(trace, cell)
    image = renderer.frame(399).convert("RGB")  # the whole output filled; the window on the last cell
    scale = palette.finite_scale(values)
    flat = values.reshape(-1).tolist()
    expected_in = js_rgb(page, flat, scale)
    expected_out = js_rgb(page, trace.output.reshape(-1).tolist(), scale)  # relu: the output on the input's scale
    out_x = MARGIN + renderer.grid_in.size[0] + 2 * GAP
    for k in range(399):  # the last cell wears the window's outline
        r, c = divmod(k, 20)
        assert list(cell_pixel(image, renderer.grid_in, MARGIN, 0, r, c)) == expected_in[k], (k, flat[k])
        assert list(cell_pixel(image, renderer.grid_out, out_x, 0, r, c)) == expected_out[k], (k, flat[k])


def test_minus_infinity_is_the_scales_negative_end_in_both(page: Page, base_url: str) -> None:
    """A max_pool2d window of padding only is −∞ (docs/TRACE_FORMAT.md section 8): its output cell is
    the negative end in the PNG and on the canvas, and its text is −∞ in both."""
    colors_module(page, base_url)
    trace = max_pool2d(np.array([[[2.0, 1.0, 1.0]]]), (2, 3), padding=(1, 0), dilation=(2, 1))
    assert np.isneginf(trace.output).any()
    renderer = Renderer(trace, 8)
    row, col = (int(i) for i in np.argwhere(np.isneginf(trace.output[0]))[0])
    out_x = MARGIN + renderer.grid_in.size[0] + 2 * GAP
    scale = palette.finite_scale(trace.output)
    full = renderer.frame(int(trace.output.size) - 1).convert("RGB")
    got = list(cell_pixel(full, renderer.grid_out, out_x, 0, row, col))
    assert got == js_rgb(page, [-math.inf], scale)[0] == list(palette.NEGATIVE)
    assert page.evaluate("colors.fmt(-Infinity)") == render_png.fmt(-math.inf) == "−∞"


TEXT_CASES = [
    0.0, -0.0, 1.0, -3.0, 12345.0, -999999.0, 1e15, -1e15, 1e21, 123456789012345.0,
    0.5, -0.5, 0.125, -0.125, 0.375, 2.675, 1.005, 0.005, -0.005, 0.004999, -0.001, 1e-9, -1e-9,
    99.995, 99.994, 100.05, 100.25, 999.95, 999.94, 999.96, -123.45, 123.456,
    1000.5, 1234.5, 1250.5, -1234.5, 9999.5, 9950.5, 99949.9, 1e16 + 2.5, 1.5e300, -2.5e-300,
    math.inf, -math.inf, math.nan,
]  # fmt: skip


def test_the_canvas_and_the_png_write_every_number_alike(page: Page, base_url: str) -> None:
    colors_module(page, base_url)
    rng = np.random.default_rng(11)
    randoms = np.concatenate([rng.normal(0, 1, 300), rng.normal(0, 300, 300), rng.normal(0, 1e6, 100)])
    halves = [k / 8 for k in range(-80, 81)] + [k / 200 for k in range(-400, 401)]
    values = TEXT_CASES + randoms.tolist() + halves
    got = page.evaluate("(vs) => vs.map((v) => colors.fmt(v))", values)
    expected = [render_png.fmt(v) for v in values]
    wrong = [(v, g, e) for v, g, e in zip(values, got, expected, strict=True) if g != e]
    assert not wrong, wrong[:10]
    assert expected[:2] == ["0", "0"] and render_png.fmt(math.inf) == "∞" and render_png.fmt(math.nan) == ""


def test_the_pages_css_properties_are_the_palettes(page: Page, base_url: str) -> None:
    """The stylesheets' variables come from /palette.css, generated from the same file."""
    page.goto(f"{base_url}/play/conv2d")
    root = page.evaluate(
        """(names) => names.map((n) => getComputedStyle(document.documentElement).getPropertyValue(n).trim())""",
        ["--scale-negative", "--scale-zero", "--scale-positive", "--cell-padding", "--fg", "--accent"],
    )
    css = palette.PALETTE["css"][":root"]
    scale, cell = palette.PALETTE["scale"], palette.PALETTE["cell"]
    assert root == [scale["negative"], scale["zero"], scale["positive"], cell["padding"], css["fg"], css["accent"]]
    swatch = page.evaluate(
        """() => { const s = document.createElement('span'); s.className = 'swatch neg'; document.body.append(s);
                   const c = getComputedStyle(s).backgroundColor; s.remove(); return c; }"""
    )
    assert swatch == "rgb({}, {}, {})".format(*palette.NEGATIVE)
