"""conv_transpose2d: hand-worked goldens, both views, the gather view as a conv2d, refusals, properties.

PyTorch's own numbers are in tests/engine/test_torch_goldens_transpose_backward.py.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.conv2d import conv2d
from app.engine.conv_transpose import conv_transpose2d, conv_transpose2d_layer, conv_transpose2d_plan, gather_weight
from app.engine.errors import ParamError, TooLargeError
from app.engine.geometry import transpose_axis
from app.engine.pad import INPUT, INSERTED, PADDING
from app.engine.trace import compact_steps
from tests.engine import reference_transpose as ref

X = np.array([[[1.0, 2.0], [3.0, 4.0]]])
W = np.array([[[[1.0, 0.0, 2.0], [0.0, 1.0, 0.0], [3.0, 0.0, 1.0]]]])  # (C_in=1, C_out=1, 3, 3)

# 2x2 input, 3x3 kernel, stride 2: H_out = (2 - 1)×2 - 2×0 + 1×(3 - 1) + 0 + 1 = 5.
# Scatter: input cell (y, x) adds value×W with its top-left corner on output cell (2y, 2x).
#   1×W at rows 0-2, cols 0-2      2×W at rows 0-2, cols 2-4
#   1 0 2 . .                      . . 2 0 4
#   0 1 0 . .                      . . 0 2 0
#   3 0 1 . .                      . . 6 0 2
#   3×W at rows 2-4, cols 0-2      4×W at rows 2-4, cols 2-4
#   3 0 6 . .  (row 2)             . . 4 0 8   (row 2)
#   0 3 0 . .                      . . 0 4 0
#   9 0 3 . .                      . . 12 0 4
# Row 2 and column 2 are where kernels overlap (3 is not a multiple of 2: a checkerboard):
#   (0,2) = 2 + 2 = 4; (2,0) = 3 + 3 = 6; (2,2) = 1 + 6 + 6 + 4 = 17; (2,4) = 2 + 8 = 10; (4,2) = 3 + 12 = 15.
HAND = np.array(
    [
        [
            [1, 0, 4, 0, 4],
            [0, 1, 0, 2, 0],
            [6, 0, 17, 0, 10],
            [0, 3, 0, 4, 0],
            [9, 0, 15, 0, 4],
        ]
    ],
    dtype=float,
)


def test_hand_golden_2x2_input_3x3_kernel_stride_2() -> None:
    for view in ("scatter", "gather"):
        trace = conv_transpose2d(X, W, stride=2, view=view)
        np.testing.assert_array_equal(trace.output, HAND)


def test_hand_golden_padding_and_output_padding() -> None:
    # padding 1 cuts a cell off each side of the 5x5 scatter: H_out = (2 - 1)×2 - 2×1 + 2 + 0 + 1 = 3.
    # output_padding 1 keeps one more: 4. So the output is the 5x5's rows 1-4 and columns 1-4.
    np.testing.assert_array_equal(conv_transpose2d(X, W, stride=2, padding=1).output, HAND[:, 1:4, 1:4])
    trace = conv_transpose2d(X, W, stride=2, padding=1, output_padding=1, view="gather")
    np.testing.assert_array_equal(trace.output, HAND[:, 1:5, 1:5])
    # and a bias is added to every cell, the ones no kernel reaches included
    biased = conv_transpose2d(X, W, np.array([0.5]), stride=3)  # stride 3 = kernel: no overlap, no gap
    assert biased.output.shape == (1, 6, 6)
    np.testing.assert_array_equal(biased.output[0, :3, :3], W[0, 0] * 1 + 0.5)
    np.testing.assert_array_equal(biased.output[0, 3:, 3:], W[0, 0] * 4 + 0.5)


def test_hand_golden_scatter_steps_add_up_in_order() -> None:
    trace = conv_transpose2d(X, W, stride=2)
    steps = trace.steps(0, 4)
    assert trace.total_steps == 4 and trace.order == ("channel", "y", "x")
    np.testing.assert_array_equal(steps["input"], [1, 2, 3, 4])
    np.testing.assert_array_equal(steps["rows"], [[0, 1, 2], [0, 1, 2], [2, 3, 4], [2, 3, 4]])
    np.testing.assert_array_equal(steps["cols"], [[0, 1, 2], [2, 3, 4], [0, 1, 2], [2, 3, 4]])
    np.testing.assert_array_equal(steps["products"][3, 0], 4 * W[0, 0])
    # centre cell (2, 2): tap (2, 2) of step 0, (2, 0) of step 1, (0, 2) of step 2, (0, 0) of step 3
    assert [steps["after"][0, 0, 2, 2], steps["after"][1, 0, 2, 0]] == [1, 7]
    assert [steps["after"][2, 0, 0, 2], steps["after"][3, 0, 0, 0]] == [13, 17]


def test_hand_golden_gather_step_reads_the_frame_with_the_flipped_kernel() -> None:
    trace = conv_transpose2d(X, W, stride=2, view="gather")
    # The frame: 1 zero inserted between cells (stride - 1), then D(K - 1) - P = 2 cells of padding round it.
    frame = np.zeros((7, 7))
    frame[2:5:2, 2:5:2] = X[0]
    np.testing.assert_array_equal(trace.frame.values[0], frame)
    assert trace.frame.kinds[2, 2] == INPUT and trace.frame.kinds[3, 3] == INSERTED
    assert trace.frame.kinds[2, 3] == INSERTED and trace.frame.kinds[0, 0] == PADDING
    np.testing.assert_array_equal(trace.frame.source_rows, [-1, -1, 0, -1, 1, -1, -1])
    np.testing.assert_array_equal(trace.gather_weight()[0, 0], W[0, 0, ::-1, ::-1])
    # output (2, 2) reads frame rows 2-4, columns 2-4: 1, 2, 3, 4 at the corners, against the flipped
    # kernel's corners 1, 3, 2, 1: 1×1 + 2×3 + 3×2 + 4×1 = 17
    step = trace.steps(12, 13)
    np.testing.assert_array_equal(step["values"][0, 0], [[1, 0, 2], [0, 0, 0], [3, 0, 4]])
    assert step["sum"][0] == 17 and step["value"][0] == 17


def test_the_formula_and_what_it_undoes() -> None:
    axis = transpose_axis("height", 2, 3, 2, 1, 1, 1)
    assert axis.formula()["text"] == (
        "O = (W - 1)×S - 2P + D×(K - 1) + output_padding + 1 = (2 - 1)×2 - 2×1 + 1×(3 - 1) + 1 + 1 = 4: "
        "4 outputs along the height"
    )
    assert axis.undoes() == {
        "sizes": [3, 4],
        "picked": 4,
        "text": "conv2d with kernel 3, stride 2, padding 1 turns a height of 3 or 4 into 2: output_padding 1 picks 4",
    }
    # both sizes go back to 2 through that conv2d
    for size in (3, 4):
        assert conv2d(np.zeros((1, size, size)), np.zeros((1, 1, 3, 3)), stride=2, padding=1).output.shape[1] == 2
    dilated = transpose_axis("width", 3, 3, 1, 0, 1, 2)  # output_padding may reach the dilation - 1
    assert dilated.undoes()["text"] == (
        "conv2d with kernel 3, stride 1, padding 0, dilation 2 turns a width of 7 into 3; "
        "output_padding 1 gives 8, which it turns into 4"
    )


def pad_or_crop(values: np.ndarray, axis: int, before: int, after: int) -> np.ndarray:
    """Zeros added along ``axis`` (a negative amount crops that many cells instead)."""
    kept = np.take(values, np.arange(max(0, -before), values.shape[axis] - max(0, -after)), axis=axis)
    pads = [(0, 0)] * values.ndim
    pads[axis] = (max(0, before), max(0, after))
    return np.pad(kept, pads)


@pytest.mark.parametrize(
    "params",
    [
        {"stride": 2},
        {"stride": [2, 3], "padding": [1, 0], "output_padding": [1, 2]},
        {"stride": 2, "padding": 3},  # P > D(K - 1): the frame crops the dilated input
        {"dilation": [2, 1], "padding": 1, "output_padding": [1, 0]},
        {"stride": 2, "groups": 2},
        {"stride": 3, "padding": 4, "output_padding": 2, "dilation": 2, "groups": 2},
    ],
)
def test_gather_is_conv2d_on_the_dilated_padded_input_with_the_flipped_kernel(params: dict) -> None:
    rng = np.random.default_rng(7)
    x, w, b = rng.normal(size=(2, 4, 5)), rng.normal(size=(2, 3, 3, 3)), rng.normal(size=6)
    groups = params.get("groups", 1)
    if groups == 1:
        w = rng.normal(size=(2, 6, 3, 3))
    trace = conv_transpose2d(x, w, b, view="gather", **params)
    sh, sw = ref.as_pair(params.get("stride", 1))
    ph, pw = ref.as_pair(params.get("padding", 0))
    oh, ow = ref.as_pair(params.get("output_padding", 0))
    dh, dw = ref.as_pair(params.get("dilation", 1))
    dilated = np.zeros((2, 3 * sh + 1, 4 * sw + 1))
    dilated[:, ::sh, ::sw] = x
    before_h, before_w = dh * 2 - ph, dw * 2 - pw  # D(K - 1) - P
    framed = pad_or_crop(pad_or_crop(dilated, 1, before_h, before_h + oh), 2, before_w, before_w + ow)
    flipped = gather_weight(w, groups)
    direct = conv2d(framed, flipped, b, dilation=(dh, dw), groups=groups)
    np.testing.assert_allclose(trace.frame.values, framed, atol=0)
    np.testing.assert_allclose(trace.output, direct.output, atol=1e-12)
    np.testing.assert_allclose(trace.steps(0, trace.total_steps)["value"], direct.output.reshape(-1), atol=1e-12)
    np.testing.assert_allclose(trace.output, ref.conv_transpose2d(x, w, b, **params), atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 3),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 3),
    st.integers(0, 2),
    st.booleans(),
    st.integers(0, 10_000),
)
def test_both_views_equal_the_plain_loop_and_each_other(
    groups: int, h: int, w_: int, per_out: int, kernel: int, stride: int, dilation: int, padding: int, op: int,
    bias: bool, seed: int,
) -> None:  # fmt: skip
    output_padding = op % max(stride, dilation)
    extra = -2 * padding + dilation * (kernel - 1) + output_padding + 1
    if min(h, w_) - 1 + extra < 1 and ((h - 1) * stride + extra < 1 or (w_ - 1) * stride + extra < 1):
        return  # PyTorch refuses an output with no cell (tested above)
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, size=(groups, h, w_)).astype(float)
    w = rng.integers(-2, 3, size=(groups, per_out, kernel, kernel)).astype(float)
    b = rng.integers(-2, 3, size=per_out * groups).astype(float) if bias else None
    params = {"stride": stride, "padding": padding, "output_padding": output_padding, "groups": groups}
    expected = ref.conv_transpose2d(x, w, b, dilation=dilation, **params)
    scatter = conv_transpose2d(x, w, b, dilation=dilation, **params)
    gather = conv_transpose2d(x, w, b, dilation=dilation, view="gather", **params)
    np.testing.assert_array_equal(scatter.output, expected)  # whole numbers: every order of additions is exact
    np.testing.assert_array_equal(gather.output, expected)
    # the scatter's running values end at the output: each cell's last running value is its value
    steps = scatter.steps(0, scatter.total_steps)
    final = np.full(expected.size, np.nan)
    targets, inside = scatter._targets(steps["channel"], steps["rows"], steps["cols"])
    final[targets[inside]] = steps["after"][inside]  # later steps overwrite earlier ones
    untouched = np.isnan(final)
    np.testing.assert_array_equal(final[~untouched], expected.reshape(-1)[~untouched])
    start = np.zeros(expected.shape) if b is None else np.broadcast_to(b[:, None, None], expected.shape)
    np.testing.assert_array_equal(expected.reshape(-1)[untouched], start.reshape(-1)[untouched])
    # and in batches of any size they are the same numbers
    cut = scatter.total_steps // 2
    halves = [scatter.steps(0, cut)["after"], scatter.steps(cut, scatter.total_steps)["after"]]
    np.testing.assert_array_equal(np.concatenate(halves), steps["after"])
    np.testing.assert_array_equal(gather.steps(0, gather.total_steps)["value"], expected.reshape(-1))


def test_filled_at_and_compact_steps() -> None:
    trace = conv_transpose2d(X, W, stride=2)
    filled = trace.filled_at()
    assert filled[0, 0, 0] == 0 and filled[0, 2, 2] == 3 and filled[0, 0, 4] == 1 and filled[0, 4, 0] == 2
    compact = compact_steps(trace, 1, 3)
    np.testing.assert_array_equal(compact["index"], [[0, 0, 1], [0, 1, 0]])
    np.testing.assert_array_equal(compact["value"], [2, 3])
    gather = conv_transpose2d(X, W, stride=2, view="gather")
    np.testing.assert_array_equal(compact_steps(gather, 12, 13)["value"], [17])
    np.testing.assert_array_equal(gather.filled_at().reshape(-1), np.arange(25))


def test_highlights_mark_what_each_view_reads_and_writes() -> None:
    scatter = conv_transpose2d(X, W, stride=2, padding=1).highlight(3)  # input (1, 1): output rows 1-2 of 3
    assert scatter.channels == (0,) and scatter.cells == ((1, 1),)
    assert scatter.written == ((0, 1, 1), (0, 1, 2), (0, 2, 1), (0, 2, 2))
    gather = conv_transpose2d(X, W, stride=2, view="gather").highlight(12)
    assert gather.out_cell == (2, 2) and gather.cells[0] == (2, 2) and gather.cells[-1] == (4, 4)


def test_groups_route_each_input_channel_to_its_own_outputs() -> None:
    x = np.stack([X[0], 10 * X[0]])  # (2, 2, 2)
    w = np.concatenate([W, 2 * W], axis=0)  # (2 input channels, 1 output each)
    trace = conv_transpose2d(x, w, stride=2, groups=2)
    np.testing.assert_array_equal(trace.output[0], HAND[0])
    np.testing.assert_array_equal(trace.output[1], 20 * HAND[0])
    np.testing.assert_array_equal(trace.channel_outputs, [[0], [1]])
    np.testing.assert_array_equal(trace.filter_channels, [[0], [1]])


def test_params_header_and_numbers_per_step() -> None:
    trace = conv_transpose2d(X, W, np.array([1.0]), stride=2, output_padding=1)
    assert trace.params() == {
        "in_channels": 1,
        "out_channels": 1,
        "kernel_size": [3, 3],
        "stride": [2, 2],
        "padding": [0, 0],
        "output_padding": [1, 1],
        "groups": 1,
        "bias": True,
        "dilation": [1, 1],
        "view": "scatter",
    }
    header = trace.header_extras()
    assert header["frame_shape"] == [1, 8, 8] and header["geometry"]["height"]["out"] == 6
    assert header["geometry"]["height"]["frame_padding"] == [2, 3]
    steps = trace.steps(0, trace.total_steps)
    assert sum(np.asarray(column)[0].size for column in steps.values()) == trace.numbers_per_step()
    gather = conv_transpose2d(X, W, np.array([1.0]), stride=2, view="gather")
    steps = gather.steps(0, 1)
    assert sum(np.asarray(column)[0].size for column in steps.values()) == gather.numbers_per_step()
    plan = conv_transpose2d_plan(X, W, stride=2, view="gather")
    assert plan.output_shape == (1, 5, 5) and plan.total_steps == 25


def message(fn: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(ParamError) as err:
        fn(*args, **kwargs)  # type: ignore[operator]
    return str(err.value)


def test_refusals_name_the_parameter_the_value_and_the_rule() -> None:
    ct = conv_transpose2d
    assert message(ct, X, W, stride=2, output_padding=2) == (
        "output_padding: got 2; must be smaller than the stride (2) or the dilation (1) along the height, "
        "as in PyTorch: it adds back cells that a stride-2 convolution floors away"
    )
    assert message(ct, X, W, stride=2, output_padding=(0, 2)) == (
        "output_padding: got 2; must be smaller than the stride (2) or the dilation (1) along the width, "
        "as in PyTorch: it adds back cells that a stride-2 convolution floors away"
    )
    assert message(ct, X[:, :1, :1], W, padding=2) == (
        "padding: got 2; the output's height would be (1 - 1)×1 - 2×2 + 1×(3 - 1) + 0 + 1 = -1, "
        "and it must be at least 1: use less padding"
    )
    x2 = np.zeros((2, 2, 2))
    assert message(ct, x2, np.zeros((2, 1, 3, 3)), groups=3) == "groups: got 3; must divide the input channels (2)"
    assert message(ct, x2, np.zeros((2, 1, 3, 3)), groups=0) == "groups: got 0; must be an integer >= 1"
    assert message(ct, x2, W) == (
        "weight: got an array of shape (1, 1, 3, 3); must hold one set of kernels per input channel: its first "
        "dimension must be in_channels = 2 (a transposed convolution's weight is "
        "(in_channels, out_channels/groups, kernel height, kernel width))"
    )
    assert message(ct, X, W, np.zeros(2)) == (
        "bias: got 2 values; must have one value per output channel (out_channels = 1×1 = 1)"
    )
    assert message(ct, X, W, stride=0) == "stride: got 0; must be >= 1"
    assert message(ct, X, W, padding=-1) == "padding: got -1; must be >= 0"
    assert message(ct, X, W, output_padding=-1) == "output_padding: got -1; must be >= 0"
    assert message(ct, X, W, padding="same") == "padding: got 'same'; must be an integer or a pair of integers"
    assert message(ct, X, W, dilation=0) == "dilation: got 0; must be >= 1"
    assert message(ct, X, W, view="both") == (
        "view: got 'both'; must be 'scatter' (a step per input cell) or 'gather' (a step per output cell)"
    )
    assert message(ct, X[0], W) == ("input: got an array of shape (2, 2); must be 3-D, (channels, height, width)")
    assert message(ct, X, W[0]) == (
        "weight: got an array of shape (1, 3, 3); must be 4-D, "
        "(in_channels, out_channels/groups, kernel height, kernel width)"
    )
    assert message(ct, X * 1e200, W * 1e200) == (
        "input: got values as large as 4e+200; the output would pass 1.8e+308, the largest float64: use smaller values"
    )


def test_caps_are_checked_before_any_work() -> None:
    big = np.zeros((1, 64, 64))
    with pytest.raises(TooLargeError, match=re.escape(
        "output: got 4 channels of 255x255, 260,100 values; the cap is 100,000: use a smaller input, stride, "
        "kernel or dilation, or fewer output channels"
    )):  # fmt: skip
        conv_transpose2d(big, np.zeros((1, 4, 3, 3)), stride=4, max_output=100_000)
    with pytest.raises(TooLargeError, match=r"^out_channels: got 4 filters of 9 weights at 129x129 positions"):
        conv_transpose2d(big, np.zeros((1, 4, 3, 3)), stride=2, max_macs=100_000)
    with pytest.raises(TooLargeError, match=r"^kernel_size: got 3x3 windows at 129x129 positions over 1 channel"):
        conv_transpose2d_plan(big, np.zeros((1, 4, 3, 3)), stride=2, max_windows=100_000)


def test_the_stack_layer_shape() -> None:
    layer = {"out_channels": 16, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1}
    found = conv_transpose2d_layer(layer, (32, 8, 8))
    assert found.output_shape == (16, 16, 16)
    assert found.param_count == 32 * 16 * 9 + 16  # weight (C_in, C_out/groups, kH, kW) and a bias per output
    grouped = conv_transpose2d_layer({"out_channels": 4, "kernel_size": 2, "stride": 2, "groups": 2}, (6, 3, 3))
    assert grouped.output_shape == (4, 6, 6) and grouped.param_count == 6 * 2 * 4 + 4
    with pytest.raises(ParamError, match=re.escape("groups: got 3; must divide out_channels, 4: each group")):
        conv_transpose2d_layer({"out_channels": 4, "kernel_size": 3, "groups": 3}, (3, 4, 4))
    with pytest.raises(ParamError, match=re.escape("in_channels: got 4; must match the channels this layer")):
        conv_transpose2d_layer({"in_channels": 4, "out_channels": 4, "kernel_size": 3}, (3, 4, 4))
