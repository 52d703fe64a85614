"""Lesson 12's numbers (app/lessons/numbers.py), checked against plain loops written here, and the
page that shows them: every table and worked sum in the prose is on the rendered page, and each
widget's address asks the API for the very arrays the prose works with (its done frame holds the
same numbers).
"""

from __future__ import annotations

import json
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.lessons import numbers
from tests.engine import reference as ref

SLUG = "12-going-back-up"


def grid(rows: list[list[str]]) -> np.ndarray:
    return np.array([[float(v) for v in row] for row in rows])


def scatter_loops(x: np.ndarray, w: np.ndarray, stride: int, padding: int = 0, extra: int = 0) -> np.ndarray:
    """conv_transpose2d of one channel, by stamping: out[y*S - P + i, x*S - P + j] += x[y, x] * w[i, j]."""
    h, k = x.shape[0], w.shape[0]
    out_size = (h - 1) * stride - 2 * padding + k + extra
    out = np.zeros((out_size, out_size))
    for y in range(h):
        for c in range(h):
            for i in range(k):
                for j in range(k):
                    r, q = y * stride - padding + i, c * stride - padding + j
                    if 0 <= r < out_size and 0 <= q < out_size:
                        out[r, q] += x[y, c] * w[i, j]
    return out


@pytest.fixture(scope="module")
def lesson() -> dict[str, Any]:
    return numbers.for_lesson(SLUG)


def test_other_lessons_have_no_computed_numbers() -> None:
    assert numbers.for_lesson("01-stride") == {}


def test_the_scatter_example(lesson: dict[str, Any]) -> None:
    sc = lesson["scatter"]
    x, w = grid(sc["input"]), grid(sc["kernel"])
    out = scatter_loops(x, w, sc["stride"])
    assert np.array_equal(grid(sc["output"]), out)
    assert sc["out_size"] == f"{out.shape[0]}x{out.shape[1]}" == "5x5"
    assert sc["centre"] == "17" and float(sc["centre"]) == out[2, 2]
    assert sc["centre_terms"] == "1×1 + 2×3 + 3×2 + 4×1" and sc["centre_products"] == "1 + 6 + 6 + 4"
    assert sc["centre_count"] == 4
    # the gather frame: (2 - 1)×2 + 1 = 3 rows with the zero inserted, and D(K - 1) - P = 2 each side
    assert sc["frame_pad"] == 2 and sc["frame_size"] == "7x7" and sc["same_output"] is True
    dilated = np.zeros((7, 7))
    dilated[2:5:2, 2:5:2] = x
    assert np.array_equal(ref.conv2d(dilated[None], np.flip(w)[None, None])[0], out)


def test_the_output_sizes(lesson: dict[str, Any]) -> None:
    sz = lesson["sizes"]
    assert (sz["size"], sz["kernel"], sz["stride"], sz["padding"]) == (4, 3, 2, 1)
    assert sz["outs"] == [(4 - 1) * 2 - 2 * 1 + (3 - 1) + extra + 1 for extra in (0, 1)] == [7, 8]
    assert [ref.conv_out(size, 3, 2, 1, 1, 1) for size in (7, 8)] == [4, 4]
    assert sz["sizes"] == "7 or 8"
    assert sz["formulas"][1].endswith("(4 - 1)×2 - 2×1 + 1×(3 - 1) + 1 + 1 = 8: 8 outputs along the height")


def test_the_overlap_counts(lesson: dict[str, Any]) -> None:
    cases = lesson["overlaps"]
    assert [(c["kernel"], c["stride"], c["padding"], c["output_padding"]) for c in cases] == list(numbers.OVERLAP_CASES)
    for case in cases:
        k, s, p, extra = case["kernel"], case["stride"], case["padding"], case["output_padding"]
        counts = scatter_loops(np.ones((case["size"], case["size"])), np.ones((k, k)), s, p, extra)
        assert np.array_equal(grid(case["counts"]), counts)
        assert case["divisible"] == (k % s == 0)
        assert case["inner"] == [str(int(v)) for v in np.unique(counts[1:-1, 1:-1])]
    odd, even, tiled = cases
    assert odd["inner"] == ["1", "2", "4"] and odd["inner_text"] == "the cells receive 1, 2 or 4 taps"
    assert even["inner"] == ["4"] and even["inner_text"] == "every cell receives 4 taps"
    assert tiled["inner_text"] == "every cell receives 1 tap" and tiled["min"] == tiled["max"] == "1"


def test_the_backward_example(lesson: dict[str, Any]) -> None:
    bw = lesson["backward"]
    x, w, g = grid(bw["input"]), grid(bw["kernel"]), grid(bw["grad_output"])
    # grad_input: each output gradient stamped back through the kernel (stride 1, no padding)
    assert np.array_equal(grid(bw["grad_input"]), scatter_loops(g, w, 1))
    assert bw["is_transpose"] is True
    # grad_weight[i, j] = sum over output positions of x[oy + i, ox + j] * g[oy, ox]
    expected = np.array(
        [[sum(x[a + i, b + j] * g[a, b] for a in range(2) for b in range(2)) for j in range(2)] for i in range(2)]
    )
    assert np.array_equal(grid(bw["grad_weight"]), expected)
    assert bw["w00"] == "3" and bw["w00_values"] == "1, 2, 0, 1" and bw["w00_terms"] == "1×1 + 2×0 + 0×(-1) + 1×2"
    assert bw["grad_bias"] == str(int(g.sum())) == "2" and bw["grad_sum"] == "1 + 0 + (-1) + 2"
    assert grid(bw["grad_input"]).tolist() == [[1, -1, 0], [1, 3, -2], [-2, 4, 0]]  # docs/TRACE_FORMAT.md 14.2


def _api(client: TestClient, embed_url: str) -> dict[str, Any]:
    """The done frame the API sends for the query an embed address carries."""
    parts = urlsplit(embed_url)
    op = parts.path.removeprefix("/embed/")
    response = client.get(f"/api/{op}/trace", params=dict(parse_qsl(parts.query)) | {"detail": "compact"})
    assert response.status_code == 200, response.text
    done = json.loads(response.text.splitlines()[-1])
    assert done["type"] == "done"
    return dict(done)


def test_each_widget_plays_the_numbers_of_the_prose(client: TestClient, lesson: dict[str, Any]) -> None:
    sc, bw = lesson["scatter"], lesson["backward"]
    for url in (sc["scatter_url"], sc["gather_url"]):
        assert np.array_equal(np.array(_api(client, url)["output"][0]), grid(sc["output"]))
    for case in lesson["overlaps"]:
        assert np.array_equal(np.array(_api(client, case["url"])["output"][0]), grid(case["counts"]))
    for url in (bw["input_url"], bw["weight_url"]):
        done = _api(client, url)
        assert np.array_equal(np.array(done["grad_input"][0]), grid(bw["grad_input"]))
        assert np.array_equal(np.array(done["grad_weight"][0][0]), grid(bw["grad_weight"]))
        assert done["grad_bias"] == [float(bw["grad_bias"])]
    assert "view=scatter" in sc["scatter_url"] and "view=gather" in sc["gather_url"]
    assert "gradient=grad_input" in bw["input_url"] and "gradient=grad_weight" in bw["weight_url"]


def test_the_page_shows_them(client: TestClient, lesson: dict[str, Any]) -> None:
    response = client.get(f"/lessons/{SLUG}")
    assert response.status_code == 200
    page = unescape(response.text)
    sc, sz, bw = lesson["scatter"], lesson["sizes"], lesson["backward"]
    for text in (
        "With stride 2 the 2x2 input above gives a 5x5 output.",
        "1×1 + 2×3 + 3×2 + 4×1 = 1 + 6 + 6 + 4 = 17",
        "(2 here)",
        "that frame is\n    7x7",
        "It turns a height of 7 or 8 into 4",
        sz["formulas"][0],
        sz["formulas"][1],
        "conv2d with kernel 3, stride 2, padding 1 turns a height of 7 or 8 into 4: output_padding 1 picks 8",
        "take the values 1, 2, 4 in a regular pattern",
        "every cell receives 4 taps away from the border",
        "The top-left weight touched 1, 2, 0, 1, so its\n    gradient is 1×1 + 2×0 + 0×(-1) + 1×2 = 3.",
        "1 + 0 + (-1) + 2 = 2",
    ):
        assert text in page, text
    for url in (sc["scatter_url"], sc["gather_url"], lesson["overlaps"][0]["url"], bw["input_url"], bw["weight_url"]):
        assert f'src="{url}"' in page
    for case in lesson["overlaps"]:
        cells = "".join(f"<td>{v}</td>" for v in case["counts"][0])
        assert cells in page
    assert '<td class="neg">-2</td><td>4</td><td>0</td>' in page  # grad_input's last row
    for kind in ("transpose_sources", "transpose_size", "weight_grad"):
        assert f'data-kind="{kind}"' in page
