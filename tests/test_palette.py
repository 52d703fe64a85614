"""app/images/palette.py and static/palette.json: one home for every colour. The file parses, the
PNG renderer, the feature maps, the heat map and /palette.css all read it, and no stylesheet or
script keeps a colour of its own. (The canvas reading it is proven in Chromium:
tests/browser/test_palette.py.)"""

from __future__ import annotations

import base64
import io
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.engine.conv2d import conv2d
from app.engine.dropout import dropout
from app.engine.pool import avg_pool2d, max_pool2d
from app.engine.relu import relu
from app.export import render_png
from app.images import augment, palette, uploads

ROOT = Path(__file__).resolve().parent.parent
COLOUR = re.compile(r"(?<![\w-])#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})(?![\w-])|\brgba?\(\s*\d")


def colours(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [c for key, value in node.items() if key != "about" for c in colours(value)]
    if isinstance(node, list):
        return [c for value in node for c in colours(value)]
    return [node] if isinstance(node, str) else []


def test_every_colour_in_the_file_parses() -> None:
    found = colours(palette.PALETTE)
    assert len(found) > 90
    for colour in found:
        (r, g, b), alpha = palette.parse(colour)
        assert all(0 <= v <= 255 for v in (r, g, b)) and 0 <= alpha <= 1, colour
    with pytest.raises(ValueError, match="is not #rrggbb"):
        palette.parse("purple")


def test_the_scale_is_its_stops_in_levels_shades() -> None:
    assert len(palette.SHADES) == 2 * palette.LEVELS + 1
    assert palette.SHADES[0] == palette.NEGATIVE and palette.SHADES[-1] == palette.POSITIVE
    assert palette.SHADES[palette.LEVELS] == palette.ZERO
    got = palette.diverging(np.array([-math.inf, -2.0, -1.0, -0.0, 0.0, 1.0, 9.0, math.inf, math.nan]), 1.0)
    ends = [palette.NEGATIVE] * 3 + [palette.ZERO] * 2 + [palette.POSITIVE] * 3 + [palette.EMPTY]
    assert [tuple(c) for c in got.tolist()] == ends
    # rounding: t = 0.5 / LEVELS is a tie, away from zero; just below it stays at zero
    tie = 0.5 / palette.LEVELS
    assert palette.levels(np.array([tie, -tie, tie * 0.999]), 1.0).tolist() == [64, 62, 63]
    assert palette.levels(np.array([1.0, math.inf, math.nan]), 0.0).tolist() == [63, 63, -1]


def test_no_stylesheet_or_script_keeps_a_colour_of_its_own() -> None:
    files = sorted((ROOT / "static" / "css").glob("*.css")) + sorted((ROOT / "static" / "js").rglob("*.js"))
    assert len(files) > 20
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.relative_to(ROOT)}:{number}"
            assert not COLOUR.search(line), f"{where}: a colour belongs in static/palette.json"


def test_every_css_variable_used_is_generated(client: TestClient) -> None:
    css = client.get("/palette.css").text
    defined = set(re.findall(r"--([\w-]+):", css))
    for path in sorted((ROOT / "static" / "css").glob("*.css")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"--[\w-]+\s*:", text), f"{path.name} defines a colour variable: palette.json does"
        used = set(re.findall(r"var\(--([\w-]+)\)", text))
        assert used <= defined, f"{path.name}: {sorted(used - defined)} not in /palette.css"


def test_palette_css_is_served_cached_and_linked_first(client: TestClient) -> None:
    r = client.get("/palette.css")
    assert r.status_code == 200 and r.headers["content-type"] == "text/css; charset=utf-8"
    assert r.headers["cache-control"] == "public, max-age=3600" and r.headers["etag"]
    assert "--scale-negative: #542788;" in r.text and "html.theme-dark {" in r.text
    assert r.text.index(":root") < r.text.index("html.theme-dark") < r.text.index("html.present {")
    for url in ("/", "/play/conv2d", "/embed/conv2d", "/embed/transfer"):
        page = client.get(url).text
        sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
        # /palette.css itself, or the page's bundle, which opens with it (app/http/assets.py)
        assert client.get(sheets[0]).text.startswith(r.text), (url, sheets)


def png_pixels(b64: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB"))


def test_the_feature_maps_and_the_heat_map_are_the_palettes() -> None:
    values = np.array([[-3.0, -1.0, 0.0], [0.5, 2.0, 3.0]])
    assert (png_pixels(uploads.feature_png(values)) == palette.diverging(values, 3.0)).all()
    diff = np.zeros((1, 3, 3), dtype=np.int16)
    diff[0, 1] = 255
    diff[0, 2] = (255, 0, 0)
    heat = augment.heat_map(diff)
    stops = [palette.rgb(c) for c in palette.PALETTE["heat"]["stops"]]
    assert tuple(heat[0, 0]) == stops[0] and tuple(heat[0, 1]) == stops[-1]
    assert tuple(heat[0, 2]) == tuple(np.round(np.array(stops[1]) * (2 / 3) + np.array(stops[2]) * (1 / 3)).astype(int))


TRACES = {
    "conv2d": lambda x: conv2d(x, np.ones((2, 2, 3, 3)), stride=2, padding=1, groups=1),
    "max_pool2d": lambda x: max_pool2d(x, 2, stride=3, padding=1),
    "avg_pool2d": lambda x: avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
    "relu": relu,
    "dropout": lambda x: dropout(x, 0.5, seed=3),
}


@pytest.mark.parametrize("op", TRACES)
def test_every_trace_says_what_to_draw(op: str) -> None:
    """The drawing protocol (app/engine/drawing.py) each trace answers, checked against its steps."""
    x = np.arange(-24, 26, dtype=np.float64).reshape(2, 5, 5)
    trace = TRACES[op](x)
    panel = trace.input_panel()
    windowed = hasattr(trace, "padded")
    assert panel.values is (trace.padded.values if windowed else trace.input)
    assert trace.output_on_input_scale() is not windowed
    for step in (0, trace.total_steps // 2, trace.total_steps - 1):
        row = {name: column[0] for name, column in trace.steps(step, step + 1).items()}
        mark = trace.highlight(step)
        if windowed:
            assert (mark.out_slice, mark.out_cell) == (row.get("filter", row.get("channel")), (row["oy"], row["ox"]))
            assert mark.cells == tuple((int(r), int(c)) for r in row["rows"] for c in row["cols"])
        else:
            assert mark.channels == (row["channel"],) and mark.cells == ((row["y"], row["x"]),)
    if op == "max_pool2d":  # windows at padded 0-1 and 3-4 of 7: input rows and columns 1 and 4 are never read
        lines = {2, 5}  # in padded coordinates (padding 1)
        expected = {(r, c) for r in range(1, 6) for c in range(1, 6) if r in lines or c in lines}
        assert len(panel.uncovered) == len(expected) and set(panel.uncovered) == expected


def test_the_renderer_names_no_op() -> None:
    source = Path(render_png.__file__).read_text(encoding="utf-8")
    assert "isinstance" not in source and "Conv2dTrace" not in source and "PoolTrace" not in source


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"), (-0.0, "0"), (-0.001, "0"), (7.0, "7"), (-12345.0, "-12345"), (0.5, "0.5"), (0.125, "0.13"),
        (-0.125, "-0.13"), (2.675, "2.67"), (123.45, "123.5"), (999.96, "1000"), (1234.5, "1.2e+3"),
        (9999.5, "1.0e+4"), (1e15, "1.0e+15"), (math.inf, "∞"), (-math.inf, "−∞"), (math.nan, ""),
    ],
)  # fmt: skip
def test_the_number_rule(value: float, text: str) -> None:
    assert render_png.fmt(value) == text
