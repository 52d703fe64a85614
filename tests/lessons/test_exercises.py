"""The exercises: the same seed gives the same exercise, every answer equals what an
independent calculation gets from the exercise's own figures and parameters (plain loops
in tests/engine/reference.py, or arithmetic written out here), answers are judged right and
wrong as they should be, and bad parameters raise ParamError with pinned messages.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from app.engine.errors import ParamError
from app.engine.geometry import conv_axis
from app.lessons import exercises as ex
from app.stack.shapes import stack_shapes
from tests.engine import reference as ref
from tests.lessons.test_exercises_going_up import CHECKS as GOING_UP_CHECKS

KINDS = list(ex.KINDS)
SEEDS = range(40)


def cell(exercise: ex.Exercise) -> tuple[int, int]:
    """The (row, column) the prompt asks about."""
    found = re.search(r"row (\d+), column (\d+)", exercise.prompt)
    assert found, exercise.prompt
    return int(found[1]), int(found[2])


def figure(exercise: ex.Exercise, label: str) -> np.ndarray:
    return next(np.asarray(f.values, dtype=np.float64) for f in exercise.figures if f.label.startswith(label))


def public(exercise: ex.Exercise) -> dict[str, Any]:
    return exercise.public() | {"expected": exercise.expected, "explanation": exercise.explanation}


# --- determinism -------------------------------------------------------------------------


def test_the_catalogue_has_every_kind_of_the_contract() -> None:
    assert set(ex.KINDS) == {
        "output_size",
        "same_padding",
        "conv_cell",
        "max_pool_keep",
        "avg_pool_value",
        "relu_count",
        "dropout_scale",
        "param_count",
        "one_by_one",
        "receptive_field",
        "flip",
        "trainable_params",
        "transpose_size",
        "transpose_sources",
        "weight_grad",
    }


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_exercise_and_seeds_differ(kind: str) -> None:
    seen = set()
    for seed in range(12):
        first, second = ex.make(kind, seed), ex.make(kind, seed, {})
        assert public(first) == public(second)
        assert first.seed == seed
        seen.add(repr(public(first)))
    assert len(seen) > 3, f"{kind}: 12 seeds gave only {len(seen)} different exercises"


@pytest.mark.parametrize("kind", KINDS)
def test_the_params_an_exercise_reports_rebuild_it(kind: str) -> None:
    """``params`` in the answer lists every parameter as used: sending them back gives the same exercise."""
    for seed in SEEDS:
        exercise = ex.make(kind, seed)
        assert public(ex.make(kind, seed, exercise.params)) == public(exercise)
        assert set(exercise.params) <= set(ex.KINDS[kind].params)


def test_fixing_one_parameter_leaves_the_others_drawn_as_before() -> None:
    for seed in SEEDS:
        drawn = ex.make("output_size", seed).params
        fixed = ex.make("output_size", seed, {"S": 2}).params
        assert fixed == drawn | {"S": 2}


def test_known_exercise_for_a_seed() -> None:
    """A golden: the numbers must not move when the code is reorganised (a class shares seeds)."""
    exercise = ex.make("output_size", 7, {"W": 7, "K": 3, "P": 0, "S": 3})
    assert exercise.prompt == (
        "A 7x7 input goes through a 3x3 convolution with stride 3 and no padding: "
        "how wide is the output, as PyTorch computes it?"
    )
    assert exercise.expected == 2
    assert exercise.explanation == (
        "O = (W - K + 2P)/S + 1 = (7 - 3 + 2×0)/3 + 1 = 7/3 ≈ 2.33: not an integer, "
        "so PyTorch floors it to 2; input column 6 is never covered."
    )
    conv = ex.make("conv_cell", 3, {"channels": 1, "size": 4, "stride": 1, "padding": 0})
    assert conv.public()["figures"][0]["values"] == figure(conv, "Input").astype(int).tolist()
    assert conv.public() == ex.make("conv_cell", 3, {"channels": 1, "size": 4, "stride": 1, "padding": 0}).public()


# --- answers against independent calculations ---------------------------------------------


def check_output_size(e: ex.Exercise) -> None:
    w, k, p, s = (e.params[n] for n in ("W", "K", "P", "S"))
    assert e.expected == math.floor((w - k + 2 * p) / s) + 1 == ref.conv_out(w, k, s, p, p, 1)
    assert e.explanation == conv_axis("width", w, k, s, (p, p), 1).formula()["text"] + "."
    assert e.figures == () and e.answer_format == "integer"


def check_same_padding(e: ex.Exercise) -> None:
    k, w = e.params["K"], e.params["W"]
    assert e.expected == (k - 1) // 2
    assert ref.conv_out(w, k, 1, e.expected, e.expected, 1) == w
    assert f"P = (K - 1)/2 = ({k} - 1)/2 = {e.expected}" in e.explanation


def check_conv_cell(e: ex.Exercise) -> None:
    x, w = figure(e, "Input"), figure(e, "Kernel")
    if x.ndim == 2:
        x, w = x[None], w[None]
    assert x.shape[0] == e.params["channels"] and x.shape[1] == e.params["size"] and w.shape[1:] == (3, 3)
    out = ref.conv2d(x, w[None], None, e.params["stride"], e.params["padding"])
    oy, ox = cell(e)
    assert e.expected == out[0, oy, ox]
    assert e.explanation.endswith(f"= {int(out[0, oy, ox])}.")


def check_max_pool_keep(e: ex.Exercise) -> None:
    x = figure(e, "Input")
    assert x.shape == (e.params["size"],) * 2
    oy, ox = cell(e)
    assert e.expected == x[2 * oy : 2 * oy + 2, 2 * ox : 2 * ox + 2].max()
    out, _ = ref.max_pool2d(x[None], 2, 2)[:2]
    assert e.expected == out[0, oy, ox]


def check_avg_pool_value(e: ex.Exercise) -> None:
    x = figure(e, "Input")
    oy, ox = cell(e)
    out, _ = ref.avg_pool2d(x[None], 3, 2, 1, count_include_pad=e.params["count_include_pad"])
    assert e.expected == pytest.approx(out[0, oy, ox], abs=1e-12)
    rows = [r for r in range(2 * oy - 1, 2 * oy + 2) if 0 <= r < x.shape[0]]
    cols = [c for c in range(2 * ox - 1, 2 * ox + 2) if 0 <= c < x.shape[1]]
    assert len(rows) * len(cols) < 9, "the window must reach into the padding"
    divisor = 9 if e.params["count_include_pad"] else len(rows) * len(cols)
    assert e.expected == pytest.approx(x[np.ix_(rows, cols)].sum() / divisor, abs=1e-12)
    assert e.answer_format == "number" and e.tolerance == 0.005


def check_relu_count(e: ex.Exercise) -> None:
    x = figure(e, "Feature map")
    assert 0 not in x
    assert e.expected == int((x < 0).sum()) == int((ref.relu(x[None])[0] == 0).sum())


def check_dropout_scale(e: ex.Exercise) -> None:
    x = figure(e, "Activations")
    oy, ox = cell(e)
    p = e.params["p"]
    assert x[oy, ox] == e.params["x"]
    if e.params["training"]:
        assert figure(e, "Mask")[oy, ox] == 1
        assert e.expected == pytest.approx(e.params["x"] / (1 - p), abs=1e-12)
    else:
        assert len(e.figures) == 1
        assert e.expected == e.params["x"]


def check_param_count(e: ex.Exercise) -> None:
    cin, cout, k, bias = (e.params[n] for n in ("in_channels", "out_channels", "kernel_size", "bias"))
    assert e.expected == cout * (cin * k * k + (1 if bias else 0))


def check_one_by_one(e: ex.Exercise) -> None:
    if e.params["mode"] == "shape":
        size, filters = e.params["size"], e.params["filters"]
        assert e.expected == f"{size} x {size} x {filters}"
        assert e.answer_format == "choice" and e.expected in e.choices and len(set(e.choices)) == len(e.choices)
        return
    x, w = figure(e, "Input"), figure(e, "Filter weights")
    assert x.ndim == 3 and w.shape == (e.params["filters"], e.params["channels"])
    oy, ox = cell(e)
    found = re.search(r"filter (\d+)", e.prompt)
    f = int(found[1]) if found else 0
    assert e.expected == sum(x[c, oy, ox] * w[f, c] for c in range(x.shape[0]))


def check_receptive_field(e: ex.Exercise) -> None:
    size, jump = 1, 1
    for kernel, stride in re.findall(r"(\d+)s(\d+)", e.params["layers"]):
        size += (int(kernel) - 1) * jump
        jump *= int(stride)
    assert e.expected == size


def check_flip(e: ex.Exercise) -> None:
    grid = figure(e, "Image")
    n = e.params["size"]
    assert sorted(grid.ravel()) == list(range(1, n * n + 1))
    oy, ox = cell(e)
    source = (oy, n - 1 - ox) if e.params["direction"] == "horizontal" else (n - 1 - oy, ox)
    assert e.expected == grid[source]


def check_trainable_params(e: ex.Exercise) -> None:
    assert e.code is not None
    trainable = 0
    for line in e.code.splitlines():
        conv = re.search(r"nn\.Conv2d\((\d+), (\d+), kernel_size=(\d+)", line)
        linear = re.search(r"nn\.Linear\((\d+), (\d+)\)", line)
        if conv and "# frozen" not in line:
            cin, cout, k = map(int, conv.groups())
            trainable += cout * (cin * k * k + 1)
        if linear:
            i, o = map(int, linear.groups())
            trainable += o * (i + 1)
    assert e.code.count("# frozen") == e.params["frozen"]
    assert e.expected == trainable


CHECKS: dict[str, Callable[[ex.Exercise], None]] = {
    "output_size": check_output_size,
    "same_padding": check_same_padding,
    "conv_cell": check_conv_cell,
    "max_pool_keep": check_max_pool_keep,
    "avg_pool_value": check_avg_pool_value,
    "relu_count": check_relu_count,
    "dropout_scale": check_dropout_scale,
    "param_count": check_param_count,
    "one_by_one": check_one_by_one,
    "receptive_field": check_receptive_field,
    "flip": check_flip,
    "trainable_params": check_trainable_params,
    **GOING_UP_CHECKS,  # lesson 12's kinds: their checks live with their own tests
}


@pytest.mark.parametrize("kind", KINDS)
def test_answers_equal_an_independent_calculation(kind: str) -> None:
    for seed in SEEDS:
        CHECKS[kind](ex.make(kind, seed))


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("output_size", {"W": 32, "K": 5, "P": 2, "S": 1}),
        ("output_size", {"W": 224, "K": 11, "P": 2, "S": 4}),
        ("same_padding", {"K": 1, "W": 7}),
        ("conv_cell", {"channels": 2, "size": 5, "stride": 2, "padding": 1}),
        ("conv_cell", {"channels": 1, "size": 4, "stride": 3, "padding": 2}),
        ("max_pool_keep", {"size": 4}),
        ("avg_pool_value", {"count_include_pad": False, "size": 3}),
        ("avg_pool_value", {"count_include_pad": True, "size": 5}),
        ("relu_count", {"size": 8}),
        ("dropout_scale", {"training": True, "p": 0.75, "x": -2.5}),
        ("dropout_scale", {"training": False, "p": 0.5, "x": 7}),
        ("param_count", {"in_channels": 3, "out_channels": 3, "kernel_size": 5, "bias": True}),
        ("one_by_one", {"mode": "shape", "size": 32, "channels": 64, "filters": 64}),
        ("one_by_one", {"mode": "value", "size": 2, "channels": 6, "filters": 4}),
        ("receptive_field", {"layers": "conv3s1, conv3s1, pool2s2, conv3s1"}),
        ("receptive_field", {"depth": 2}),
        ("flip", {"size": 4, "direction": "horizontal"}),
        ("trainable_params", {"convs": 3, "frozen": 3, "classes": 1000}),
    ],
)
def test_fixed_parameters_are_used_and_answers_still_check(kind: str, params: dict[str, Any]) -> None:
    for seed in range(8):
        exercise = ex.make(kind, seed, params)
        for name, value in params.items():
            if name != "layers" and name != "depth":
                assert exercise.params[name] == value
        CHECKS[kind](exercise)


def test_worked_values() -> None:
    assert (
        ex.make("param_count", 0, {"in_channels": 3, "out_channels": 3, "kernel_size": 5, "bias": True}).expected == 228
    )
    assert ex.make("receptive_field", 0, {"layers": "conv3s1,pool2s2,conv3s1"}).expected == 8
    assert ex.make("same_padding", 0, {"K": 5, "W": 32}).expected == 2
    exercise = ex.make("dropout_scale", 0, {"training": True, "p": 0.5, "x": 3})
    assert exercise.expected == 6.0
    assert exercise.explanation.endswith("3/0.5 = 6.00.")
    shape = ex.make("one_by_one", 0, {"mode": "shape", "size": 32, "channels": 64, "filters": 16})
    assert shape.expected == "32 x 32 x 16"
    assert stack_shapes((64, 32, 32), [{"type": "conv2d", "out_channels": 16, "kernel_size": 1}]).output_shape == (
        16,
        32,
        32,
    )


# --- judging --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_right_and_wrong_answers(kind: str) -> None:
    for seed in range(10):
        e = ex.make(kind, seed)
        right = ex.judge(e, e.expected)
        assert right.correct and right.expected == e.expected and right.explanation == e.explanation
        if e.answer_format == "choice":
            wrong_index = next(i for i, c in enumerate(e.choices) if c != e.expected)
            assert ex.judge(e, e.choices.index(str(e.expected))).correct
            assert not ex.judge(e, wrong_index).correct
            assert not ex.judge(e, e.choices[wrong_index]).correct
        else:
            assert not ex.judge(e, e.expected + 1).correct
            assert not ex.judge(e, e.expected - 1).correct
        revealed = ex.judge(e, None)
        assert not revealed.correct and revealed.expected == e.expected


def test_number_answers_within_the_tolerance() -> None:
    e = ex.make("avg_pool_value", 0, {"count_include_pad": True, "size": 4})
    value = float(e.expected)
    assert ex.judge(e, round(value, 2)).correct
    assert ex.judge(e, value + 0.0049).correct and ex.judge(e, value - 0.0049).correct
    assert not ex.judge(e, value + 0.0051).correct and not ex.judge(e, value - 0.0051).correct
    for seed in range(60):  # rounding to 2 decimals is always close enough
        for kind in ("avg_pool_value", "dropout_scale"):
            e = ex.make(kind, seed)
            assert ex.judge(e, round(float(e.expected), 2)).correct


def test_integer_answers_are_exact() -> None:
    e = ex.make("output_size", 0, {"W": 7, "K": 3, "P": 0, "S": 2})
    assert ex.judge(e, 3).correct and ex.judge(e, 3.0).correct
    assert not ex.judge(e, 3.001).correct and not ex.judge(e, 2.999).correct


def test_choices_by_index_or_text() -> None:
    e = ex.make("one_by_one", 0, {"mode": "shape", "size": 28, "channels": 192, "filters": 32})
    i = e.choices.index("28 x 28 x 32")
    assert ex.judge(e, i).correct
    assert ex.judge(e, "28 x 28 x 32").correct and ex.judge(e, "  28X28×32 ").correct
    assert not ex.judge(e, "28 x 28 x 192").correct
    assert not ex.judge(e, "something else").correct


# --- errors -----------------------------------------------------------------------------------


def message(call: Callable[[], Any]) -> str:
    with pytest.raises(ParamError) as info:
        call()
    return str(info.value)


KINDS_LIST = ", ".join(KINDS)
ERRORS: list[tuple[str, Callable[[], Any], str]] = [
    ("unknown_kind", lambda: ex.make("nope", 0), f"kind: got 'nope'; must be one of {KINDS_LIST}"),
    ("negative_seed", lambda: ex.make("flip", -1), "seed: got -1; must be an integer from 0 to 2147483647"),
    ("bool_seed", lambda: ex.make("flip", True), "seed: got true; must be an integer from 0 to 2147483647"),
    (
        "params_not_object",
        lambda: ex.make("flip", 0, [1]),  # type: ignore[arg-type]
        "params: got [1]; must be an object of parameter names and values",
    ),
    (
        "unknown_param",
        lambda: ex.make("output_size", 0, {"Q": 1}),
        "Q: got 1; is not a parameter of output_size, which takes W, K, P, S",
    ),
    ("W_zero", lambda: ex.make("output_size", 0, {"W": 0}), "W: got 0; must be from 1 to 256"),
    ("W_text", lambda: ex.make("output_size", 0, {"W": "abc"}), "W: got 'abc'; must be a whole number from 1 to 256"),
    ("W_bool", lambda: ex.make("output_size", 0, {"W": True}), "W: got true; must be a whole number from 1 to 256"),
    ("W_float", lambda: ex.make("output_size", 0, {"W": 7.5}), "W: got 7.5; must be a whole number from 1 to 256"),
    ("S_big", lambda: ex.make("output_size", 0, {"S": 17}), "S: got 17; must be from 1 to 16"),
    (
        "kernel_does_not_fit",
        lambda: ex.make("output_size", 0, {"W": 3, "K": 7, "P": 0}),
        "kernel_size: got 7; the kernel's width, 7, must fit in the padded input's width, 3 + 0 + 0 = 3",
    ),
    (
        "even_kernel",
        lambda: ex.make("same_padding", 0, {"K": 4}),
        "K: got 4; must be odd: an even kernel has no centre, so no padding on both sides keeps the size",
    ),
    ("conv_channels", lambda: ex.make("conv_cell", 0, {"channels": 3}), "channels: got 3; must be from 1 to 2"),
    ("conv_stride", lambda: ex.make("conv_cell", 0, {"stride": 0}), "stride: got 0; must be from 1 to 3"),
    ("pool_size", lambda: ex.make("max_pool_keep", 0, {"size": 5}), "size: got 5; must be one of 4, 6"),
    ("pool_size_float", lambda: ex.make("max_pool_keep", 0, {"size": 4.0}), "size: got 4.0; must be one of 4, 6"),
    (
        "count_include_pad_text",
        lambda: ex.make("avg_pool_value", 0, {"count_include_pad": "yes"}),
        "count_include_pad: got 'yes'; must be one of false, true",
    ),
    (
        "count_include_pad_int",
        lambda: ex.make("avg_pool_value", 0, {"count_include_pad": 1}),
        "count_include_pad: got 1; must be one of false, true",
    ),
    ("relu_size", lambda: ex.make("relu_count", 0, {"size": 9}), "size: got 9; must be from 2 to 8"),
    (
        "dropout_p_one",
        lambda: ex.make("dropout_scale", 0, {"p": 1}),
        "p: got 1.0; must be a probability in [0, 1): the share of values dropped in training",
    ),
    (
        "dropout_p_text",
        lambda: ex.make("dropout_scale", 0, {"p": "half"}),
        "p: got 'half'; must be a number from 0 to 1",
    ),
    ("dropout_x_big", lambda: ex.make("dropout_scale", 0, {"x": 1e6}), "x: got 1000000.0; must be from -1000 to 1000"),
    (
        "training_text",
        lambda: ex.make("dropout_scale", 0, {"training": "eval"}),
        "training: got 'eval'; must be one of false, true",
    ),
    (
        "param_count_channels",
        lambda: ex.make("param_count", 0, {"in_channels": 0}),
        "in_channels: got 0; must be from 1 to 4096",
    ),
    (
        "one_by_one_mode",
        lambda: ex.make("one_by_one", 0, {"mode": "depth"}),
        "mode: got 'depth'; must be one of shape, value",
    ),
    (
        "one_by_one_value_channels",
        lambda: ex.make("one_by_one", 0, {"mode": "value", "channels": 64}),
        "channels: got 64; must be from 2 to 6",
    ),
    (
        "receptive_layers_text",
        lambda: ex.make("receptive_field", 0, {"layers": "conv3,pool2s2"}),
        "layers: got 'conv3,pool2s2'; must be 1 to 6 layers like conv3s1 or pool2s2 (kernel size, then stride), "
        "separated by commas",
    ),
    (
        "receptive_layers_kernel",
        lambda: ex.make("receptive_field", 0, {"layers": "conv16s1"}),
        "layers: got 'conv16s1'; each kernel size must be from 1 to 15 and each stride from 1 to 16",
    ),
    (
        "receptive_depth_and_layers",
        lambda: ex.make("receptive_field", 0, {"layers": "conv3s1", "depth": 2}),
        "depth: got 2; must be left out when layers is given",
    ),
    (
        "flip_direction",
        lambda: ex.make("flip", 0, {"direction": "diagonal"}),
        "direction: got 'diagonal'; must be one of horizontal, vertical",
    ),
    (
        "frozen_too_many",
        lambda: ex.make("trainable_params", 0, {"convs": 2, "frozen": 3}),
        "frozen: got 3; must be from 1 to 2",
    ),
]


@pytest.mark.parametrize(("name", "call", "expected"), ERRORS, ids=[case[0] for case in ERRORS])
def test_bad_params_raise_pinned_messages(name: str, call: Callable[[], Any], expected: str) -> None:
    assert message(call) == expected


def test_bad_answers_raise_pinned_messages() -> None:
    number = ex.make("output_size", 0)
    assert message(lambda: ex.judge(number, "three")) == "answer: got 'three'; must be a whole number"
    assert message(lambda: ex.judge(number, True)) == "answer: got true; must be a whole number"
    assert message(lambda: ex.judge(number, float("nan"))) == "answer: got nan; must be a whole number"
    mean = ex.make("avg_pool_value", 0)
    assert message(lambda: ex.judge(mean, [1])) == "answer: got [1]; must be a number"
    choice = ex.make("one_by_one", 0, {"mode": "shape"})
    assert message(lambda: ex.judge(choice, 9)) == "answer: got 9; must be a choice's index, from 0 to 3"
    assert message(lambda: ex.judge(choice, 1.5)) == "answer: got 1.5; must be a choice: its index or its text"


def test_numbers_in_exercise_text_are_never_minus_zero() -> None:
    """A number the prompt or the explanation writes: -0.0 and a negative that rounds to 0 read "0"."""
    assert [ex._n(v) for v in (-0.0, 0.0, -0.00001, 0.00001, -0.5, 3.0, -2.0)] == [
        "0",
        "0",
        "0",
        "0",
        "-0.5",
        "3",
        "-2",
    ]
