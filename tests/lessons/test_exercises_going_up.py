"""Lesson 12's exercises (transpose_size, transpose_sources, weight_grad): pinned goldens for a seed,
answers against independent loops written out here (the transposed output size by the formula, the
cells a transposed convolution adds into one output by brute force over input cells and kernel
taps, and a weight's gradient from a one-hot kernel through tests/engine/reference.py's conv2d),
both views of conv_transpose2d agreeing, and every refusal's message.

The generic checks (same seed same exercise, params that rebuild it, right and wrong answers) run
on every kind in tests/lessons/test_exercises.py, which takes ``CHECKS`` from here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from app.engine.conv_transpose import conv_transpose2d
from app.engine.errors import ParamError
from app.engine.geometry import transpose_axis
from app.lessons import exercises as ex
from tests.engine import reference as ref

KINDS = ("transpose_size", "transpose_sources", "weight_grad")
SEEDS = range(40)


def cell(exercise: ex.Exercise) -> tuple[int, int]:
    found = re.search(r"row (\d+), column (\d+)\?$", exercise.prompt)
    assert found, exercise.prompt
    return int(found[1]), int(found[2])


def figure(exercise: ex.Exercise, label: str) -> np.ndarray:
    return next(np.asarray(f.values, dtype=np.float64) for f in exercise.figures if f.label == label)


# --- independent calculations --------------------------------------------------------------


def check_transpose_size(e: ex.Exercise) -> None:
    h, k, s, p, op = (e.params[n] for n in ("H_in", "K", "S", "P", "output_padding"))
    assert op < s, "dilation 1: output_padding must be smaller than the stride"
    assert e.expected == (h - 1) * s - 2 * p + (k - 1) + op + 1
    # the conv2d with the same kernel, stride and padding takes that size back to H_in (PyTorch floors)
    assert ref.conv_out(int(e.expected), k, s, p, p, 1) == h
    axis = transpose_axis("height", h, k, s, p, op, 1)
    assert e.explanation == f"{axis.formula()['text']}. Read backwards: a {axis.undoes()['text']}."
    assert e.figures == () and e.answer_format == "integer" and e.unit == "rows"


def sources(size: int, k: int, s: int, p: int, oy: int, ox: int) -> list[tuple[int, int]]:
    """Brute force: the input cells (y, x) one of whose kernel taps lands on output cell (oy, ox)."""
    return [
        (y, x)
        for y in range(size)
        for x in range(size)
        if any(y * s - p + i == oy for i in range(k)) and any(x * s - p + j == ox for j in range(k))
    ]


def check_transpose_sources(e: ex.Exercise) -> None:
    size, k, s, p = (e.params[n] for n in ("size", "K", "S", "P"))
    oy, ox = cell(e)
    found = sources(size, k, s, p, oy, ox)
    assert e.expected == len(found)
    height = (size - 1) * s - 2 * p + k
    assert f"to {ex._a(height)} {height}x{height} output" in e.prompt
    assert 0 <= oy < height and 0 <= ox < height
    if found:
        overlap = f"With an all-ones input and kernel it would hold {len(found)}, its overlap count."
        assert e.explanation.endswith(overlap)
        listed = re.search(r"as \(row, column\): (.*)\. With", e.explanation)
        assert listed and re.findall(r"\((\d+), (\d+)\)", listed[1]) == [(str(y), str(x)) for y, x in found]
    else:
        assert k < s, "only a kernel shorter than the stride leaves gaps"
        assert "this cell is a gap that keeps only the bias" in e.explanation
    # the gather view's window at (oy, ox) reads exactly those input cells out of the frame
    gather = conv_transpose2d(np.ones((1, size, size)), np.ones((1, 1, k, k)), None, s, p, view="gather")
    step = gather.steps(oy * height + ox, oy * height + ox + 1)
    rows = [int(r) for r in gather.frame.source_rows[step["rows"][0]] if r >= 0]
    cols = [int(c) for c in gather.frame.source_cols[step["cols"][0]] if c >= 0]
    assert sorted((y, x) for y in rows for x in cols) == found


def check_weight_grad(e: ex.Exercise) -> None:
    x, g = figure(e, "Input"), figure(e, "grad_output")
    size, k, s, p = (e.params[n] for n in ("size", "kernel_size", "stride", "padding"))
    assert x.shape == (size, size) and g.shape == (ref.conv_out(size, k, s, p, p, 1),) * 2
    i, j = cell(e)
    one_hot = np.zeros((1, 1, k, k))
    one_hot[0, 0, i, j] = 1.0
    # L = sum(g * conv2d(x, w)) is linear in w: dL/dw[i, j] = sum(g * conv2d(x, one_hot(i, j)))
    assert e.expected == float((ref.conv2d(x[None], one_hot, None, s, p)[0] * g).sum())
    assert f"= {int(e.expected)}. The weight's own value does not enter" in e.explanation


CHECKS: dict[str, Callable[[ex.Exercise], None]] = {
    "transpose_size": check_transpose_size,
    "transpose_sources": check_transpose_sources,
    "weight_grad": check_weight_grad,
}


@pytest.mark.parametrize("kind", KINDS)
def test_answers_equal_an_independent_calculation(kind: str) -> None:
    for seed in SEEDS:
        CHECKS[kind](ex.make(kind, seed))


def test_the_drawn_exercises_vary() -> None:
    counts = {ex.make("transpose_sources", seed).expected for seed in range(200)}
    assert counts == {0, 1, 2, 4}, "gaps, single cells and overlaps all come up"
    strides = {ex.make("weight_grad", seed).params["stride"] for seed in range(40)}
    pads = {ex.make("weight_grad", seed).params["padding"] for seed in range(40)}
    assert strides == {1, 2} and pads == {0, 1}


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("transpose_size", {"H_in": 4, "K": 3, "S": 2, "P": 1, "output_padding": 1}),
        ("transpose_size", {"H_in": 7, "K": 4, "S": 2, "P": 1, "output_padding": 0}),
        ("transpose_size", {"output_padding": 2}),
        ("transpose_size", {"H_in": 256, "K": 15, "S": 16, "P": 0, "output_padding": 15}),
        ("transpose_sources", {"size": 3, "K": 3, "S": 2, "P": 0}),
        ("transpose_sources", {"size": 4, "K": 1, "S": 3, "P": 0}),
        ("transpose_sources", {"size": 6, "K": 5, "S": 4, "P": 4}),
        ("weight_grad", {"size": 6, "kernel_size": 3, "stride": 2, "padding": 1}),
        ("weight_grad", {"size": 3, "kernel_size": 1, "stride": 1, "padding": 0}),
    ],
)
def test_fixed_parameters_are_used_and_answers_still_check(kind: str, params: dict[str, Any]) -> None:
    for seed in range(8):
        exercise = ex.make(kind, seed, params)
        for name, value in params.items():
            assert exercise.params[name] == value
        CHECKS[kind](exercise)


def test_a_given_output_padding_lifts_a_drawn_stride() -> None:
    for seed in SEEDS:
        drawn = ex.make("transpose_size", seed).params
        fixed = ex.make("transpose_size", seed, {"output_padding": 2}).params
        assert fixed == drawn | {"output_padding": 2, "S": max(drawn["S"], 3)}


# --- goldens ---------------------------------------------------------------------------------


def test_known_transpose_size() -> None:
    e = ex.make("transpose_size", 3)
    assert e.params == {"H_in": 13, "K": 3, "S": 2, "P": 0, "output_padding": 0}
    assert e.prompt == (
        "A 13x13 feature map goes through nn.ConvTranspose2d with kernel_size=3, stride=2, padding=0 and "
        "output_padding=0: how many rows does its output have?"
    )
    assert e.expected == 27
    assert e.explanation == (
        "O = (W - 1)×S - 2P + D×(K - 1) + output_padding + 1 = (13 - 1)×2 - 2×0 + 1×(3 - 1) + 0 + 1 = 27: "
        "27 outputs along the height. Read backwards: a conv2d with kernel 3, stride 2, padding 0 turns a height "
        "of 27 or 28 into 13: output_padding 0 picks 27."
    )
    picked = ex.make("transpose_size", 0, {"H_in": 4, "K": 3, "S": 2, "P": 1, "output_padding": 1})
    assert picked.expected == 8
    assert picked.explanation.endswith("turns a height of 7 or 8 into 4: output_padding 1 picks 8.")


def test_known_transpose_sources() -> None:
    e = ex.make("transpose_sources", 4)
    assert e.params == {"size": 2, "K": 4, "S": 2, "P": 1}
    assert e.prompt == (
        "nn.ConvTranspose2d with a 4x4 kernel, stride 2 and padding 1 takes a 2x2 input to a 4x4 output: "
        "how many input cells add a product into output row 1, column 0?"
    )
    assert e.expected == 2 and e.unit == "input cells"
    assert e.explanation == (
        "In the scatter view input row y lays kernel row i on output row y×2 - 1 + i (columns alike): "
        "output row 1 is reached by input row 0 (its kernel row 2) and input row 1 (its kernel row 0), "
        "and output column 0 is reached by input column 0 (its kernel column 1). So 2 × 1 = 2 input cells add "
        "into it, as (row, column): (0, 0) and (1, 0). With an all-ones input and kernel it would hold 2, "
        "its overlap count."
    )
    gap = ex.make("transpose_sources", 0, {"size": 2, "K": 1, "S": 2, "P": 0})
    assert gap.prompt.endswith(
        f"takes a 2x2 input to a 3x3 output: how many input cells add a product into "
        f"output row {cell(gap)[0]}, column {cell(gap)[1]}?"
    )
    gaps = [ex.make("transpose_sources", seed, {"size": 2, "K": 1, "S": 2, "P": 0}) for seed in range(20)]
    empty = next(g for g in gaps if g.expected == 0)
    oy, ox = cell(empty)
    assert empty.explanation.endswith(
        "So no input cell adds into it: the 1x1 kernel is shorter than the stride 2, "
        "and this cell is a gap that keeps only the bias."
    )
    assert f"no input {'row' if oy % 2 else 'column'} reaches output" in empty.explanation
    assert ox % 2 or oy % 2


def test_known_weight_grad() -> None:
    e = ex.make("weight_grad", 5)
    assert e.params == {"size": 4, "kernel_size": 2, "stride": 2, "padding": 1}
    assert e.prompt == (
        "A 4x4 input goes through a 2x2 convolution with stride 2 and zero padding 1, and grad_output holds the "
        "loss's gradient for each output: what is the gradient of the kernel weight at row 0, column 0?"
    )
    assert e.public()["figures"] == [
        {"label": "Input", "values": [[1, 0, 3, 0], [0, 1, 2, 0], [0, 0, 2, 3], [0, 0, 1, 3]]},
        {"label": "grad_output", "values": [[1, 0, -2], [0, 0, 1], [0, 0, -2]]},
    ]
    assert e.expected == -6
    assert e.explanation == (
        "At each of the 9 output positions that weight multiplied one input value (0 where the window hangs over "
        "the zero padding): 0, 0, 0, 0, 1, 0, 0, 0, 3. Its gradient is each value times that position's "
        "grad_output, added up: 0×1 + 0×0 + 0×(-2) + 0×0 + 1×0 + 0×1 + 0×0 + 0×0 + 3×(-2) = -6. "
        "The weight's own value does not enter: only what it touched, and how much the loss cared there."
    )
    single = ex.make("weight_grad", 0, {"size": 3, "kernel_size": 3, "stride": 1, "padding": 0})
    assert single.explanation.startswith("At the only output position that weight multiplied one input value: ")


# --- refusals ----------------------------------------------------------------------------------


def message(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ParamError) as info:
        call()
    return info.value.param, str(info.value)


ERRORS: list[tuple[str, dict[str, Any], str, str]] = [
    ("transpose_size", {"H_in": 0}, "H_in", "H_in: got 0; must be from 1 to 256"),
    ("transpose_size", {"H_in": 2.5}, "H_in", "H_in: got 2.5; must be a whole number from 1 to 256"),
    ("transpose_size", {"K": 16}, "K", "K: got 16; must be from 1 to 15"),
    ("transpose_size", {"K": "3"}, "K", "K: got '3'; must be a whole number from 1 to 15"),
    ("transpose_size", {"S": 0}, "S", "S: got 0; must be from 1 to 16"),
    ("transpose_size", {"P": 17}, "P", "P: got 17; must be from 0 to 16"),
    ("transpose_size", {"output_padding": -1}, "output_padding", "output_padding: got -1; must be from 0 to 15"),
    (
        "transpose_size",
        {"output_padding": "one"},
        "output_padding",
        "output_padding: got 'one'; must be a whole number from 0 to 15",
    ),
    (
        "transpose_size",
        {"S": 2, "output_padding": 2},
        "output_padding",
        "output_padding: got 2; must be smaller than the stride (2) or the dilation (1) along the height, as in "
        "PyTorch: it adds back cells that a stride-2 convolution floors away",
    ),
    (
        "transpose_size",
        {"H_in": 1, "K": 1, "S": 3, "P": 1},
        "P",
        "P: got 1; the output's height would be (1 - 1)×3 - 2×1 + 1×(1 - 1) + 0 + 1 = -1, and it must be at "
        "least 1: use less padding",
    ),
    (
        "transpose_size",
        {"W": 3},
        "W",
        "W: got 3; is not a parameter of transpose_size, which takes H_in, K, S, P, output_padding",
    ),
    ("transpose_sources", {"size": 7}, "size", "size: got 7; must be from 2 to 6"),
    ("transpose_sources", {"size": 1}, "size", "size: got 1; must be from 2 to 6"),
    ("transpose_sources", {"K": 0}, "K", "K: got 0; must be from 1 to 5"),
    ("transpose_sources", {"S": 5}, "S", "S: got 5; must be from 1 to 4"),
    ("transpose_sources", {"P": 5}, "P", "P: got 5; must be from 0 to 4"),
    ("transpose_sources", {"P": True}, "P", "P: got true; must be a whole number from 0 to 4"),
    (
        "transpose_sources",
        {"size": 2, "K": 1, "S": 1, "P": 4},
        "P",
        "P: got 4; the output's height would be (2 - 1)×1 - 2×4 + 1×(1 - 1) + 0 + 1 = -6, and it must be at "
        "least 1: use less padding",
    ),
    (
        "transpose_sources",
        {"cell": 3},
        "cell",
        "cell: got 3; is not a parameter of transpose_sources, which takes size, K, S, P",
    ),
    ("weight_grad", {"size": 2}, "size", "size: got 2; must be from 3 to 6"),
    ("weight_grad", {"kernel_size": 4}, "kernel_size", "kernel_size: got 4; must be from 1 to 3"),
    ("weight_grad", {"kernel_size": 1.5}, "kernel_size", "kernel_size: got 1.5; must be a whole number from 1 to 3"),
    ("weight_grad", {"stride": 3}, "stride", "stride: got 3; must be from 1 to 2"),
    ("weight_grad", {"padding": 2}, "padding", "padding: got 2; must be from 0 to 1"),
    (
        "weight_grad",
        {"grad": 1},
        "grad",
        "grad: got 1; is not a parameter of weight_grad, which takes size, kernel_size, stride, padding",
    ),
]


@pytest.mark.parametrize(
    ("kind", "params", "param", "expected"), ERRORS, ids=[f"{c[0]}-{'-'.join(c[1])}" for c in ERRORS]
)
def test_bad_params_raise_pinned_messages(kind: str, params: dict[str, Any], param: str, expected: str) -> None:
    assert message(lambda: ex.make(kind, 0, params)) == (param, expected)


def test_bad_answers_raise_pinned_messages() -> None:
    for kind in KINDS:
        e = ex.make(kind, 0)
        assert message(lambda e=e: ex.judge(e, "two")) == ("answer", "answer: got 'two'; must be a whole number")
        assert message(lambda e=e: ex.judge(e, False)) == ("answer", "answer: got false; must be a whole number")
        assert ex.judge(e, float(e.expected)).correct and not ex.judge(e, float(e.expected) + 0.5).correct
