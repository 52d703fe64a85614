"""Golden values worked out by hand, each with its arithmetic in a comment.

A CNN "convolution" is cross-correlation: out[oy, ox] = sum_ij x[oy*S + i*d, ox*S + j*d] * w[i, j],
the kernel is not flipped. Kernels below are asymmetric so a flip would change the answer.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.engine.conv2d import conv2d
from app.engine.dropout import dropout
from app.engine.geometry import conv_axis, pool_axis, same_padding
from app.engine.pad import INPUT, PADDING, pad
from app.engine.pool import avg_pool2d, lp_pool2d, max_pool2d
from app.engine.relu import relu

# 1x7x7 input x[r, c] = 7r + c, so every cell names itself.
X7 = np.arange(49, dtype=np.float64).reshape(1, 7, 7)
ZEROS7 = np.zeros((1, 7, 7))
K3 = np.zeros((1, 1, 3, 3))


# ---------------------------------------------------------------- output sizes


@pytest.mark.parametrize(
    ("stride", "out"),
    [
        (1, 5),  # (7 - 3)/1 + 1 = 5
        (2, 3),  # (7 - 3)/2 + 1 = 3
        (3, 2),  # (7 - 3)/3 + 1 = 7/3 = 2.33 -> floor 2
    ],
)
def test_7x7_kernel_3_output_size(stride: int, out: int) -> None:
    trace = conv2d(ZEROS7, K3, stride=stride)
    assert trace.output.shape == (1, out, out)
    assert [axis.out for axis in trace.axes] == [out, out]


def test_7x7_kernel_3_stride_3_is_not_exact_and_loses_the_last_row_and_column() -> None:
    trace = conv2d(ZEROS7, K3, stride=3)
    for axis in trace.axes:
        # windows start at 0 and 3 and read 0..2 and 3..5: index 6 is never read
        assert axis.uncovered() == [6]
        assert axis.exact is False
        formula = axis.formula()
        assert formula["fraction"] == "7/3"  # (7 - 3 + 0)/3 + 1 = 4/3 + 1 = 7/3
        assert formula["out"] == 2
        assert formula["rounding"] == "floor"
        assert "not an integer" in formula["text"]
        assert "floors it to 2" in formula["text"]
    assert trace.axes[0].formula()["text"] == (
        "O = (W - K + 2P)/S + 1 = (7 - 3 + 2×0)/3 + 1 = 7/3 ≈ 2.33: not an integer, "
        "so PyTorch floors it to 2; input row 6 is never covered"
    )
    assert trace.axes[1].formula()["text"].endswith("input column 6 is never covered")


def test_7x7_stride_3_values_are_cross_correlation_not_convolution() -> None:
    # w = [[1, 2, 0], [0, 0, 0], [0, 0, -1]]; a window at (r, c) = (3*oy, 3*ox) gives
    # x[r, c] + 2*x[r, c+1] - x[r+2, c+2] = (7r + c) + 2(7r + c + 1) - (7r + 14 + c + 2) = 14r + 2c - 14
    weight = np.array([[[[1.0, 2.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, -1.0]]]])
    out = conv2d(X7, weight, stride=3).output
    assert out[0, 0, 0] == 0 + 2 * 1 - 16  # x[0,0] + 2*x[0,1] - x[2,2] = -14
    assert out[0, 0, 1] == 3 + 2 * 4 - 19  # x[0,3] + 2*x[0,4] - x[2,5] = -8
    assert out[0, 1, 0] == 21 + 2 * 22 - 37  # x[3,0] + 2*x[3,1] - x[5,2] = 28
    assert out[0, 1, 1] == 24 + 2 * 25 - 40  # x[3,3] + 2*x[3,4] - x[5,5] = 34
    # the flipped kernel [[-1, 0, 0], [0, 0, 0], [0, 2, 1]] would give -x[0,0] + 2*x[2,1] + x[2,2] = 46
    assert out[0, 0, 0] != 46


def test_cs231n_32x32x3_six_5x5_filters() -> None:
    x = np.zeros((3, 32, 32))
    w = np.zeros((6, 3, 5, 5))
    assert conv2d(x, w).output.shape == (6, 28, 28)  # (32 - 5)/1 + 1 = 28
    padded = conv2d(x, w, padding=2)
    assert padded.padded.values.shape == (3, 36, 36)  # 32 + 2 + 2 = 36
    assert padded.output.shape == (6, 32, 32)  # (32 - 5 + 2*2)/1 + 1 = 32


def test_same_padding_for_a_5x5_kernel() -> None:
    info = same_padding(5, 1, 1)
    assert info["exists"] is True
    assert (info["before"], info["after"]) == (2, 2)  # P = (5 - 1)/2 = 2
    assert info["text"] == "P = (K - 1)/2 = (5 - 1)/2 = 2 keeps the output the size of the input."


# ---------------------------------------------------------------- pooling

ONE_TO_NINE = np.arange(1, 10, dtype=np.float64).reshape(1, 3, 3)  # [[1,2,3],[4,5,6],[7,8,9]]


def test_avg_pool_kernel_3_stride_2_padding_1_counts_the_padding() -> None:
    # windows read input rows/cols {0,1} and {1,2}; each window covers 3x3 of input + padding
    # [0,0]: (1+2+4+5)/9 = 12/9   [0,1]: (2+3+5+6)/9 = 16/9
    # [1,0]: (4+5+7+8)/9 = 24/9   [1,1]: (5+6+8+9)/9 = 28/9
    trace = avg_pool2d(ONE_TO_NINE, 3, stride=2, padding=1)
    np.testing.assert_array_equal(np.round(trace.output, 4), [[[1.3333, 1.7778], [2.6667, 3.1111]]])
    np.testing.assert_array_equal(trace.extras["sum"], [[[12, 16], [24, 28]]])
    np.testing.assert_array_equal(trace.extras["divisor"], [[[9, 9], [9, 9]]])


def test_avg_pool_without_the_padding_divides_by_the_cells_inside() -> None:
    # the same sums over the 2x2 = 4 input cells each window holds: 12/4, 16/4, 24/4, 28/4
    trace = avg_pool2d(ONE_TO_NINE, 3, stride=2, padding=1, count_include_pad=False)
    np.testing.assert_array_equal(trace.output, [[[3, 4], [6, 7]]])
    np.testing.assert_array_equal(trace.extras["divisor"], [[[4, 4], [4, 4]]])


def test_max_pool_2x2_stride_2_indices_and_ties() -> None:
    x = np.array(
        [
            [
                [1, 3, 2, 2],
                [3, 0, 2, 1],
                [0, 4, 5, 5],
                [4, 1, 5, 0],
            ]
        ],
        dtype=np.float64,
    )
    trace = max_pool2d(x, 2, stride=2)
    # top-left {1, 3, 3, 0}: 3, first at (0,1) -> 0*4 + 1 = 1 (not (1,0) -> 4)
    # top-right {2, 2, 2, 1}: 2, first at (0,2) -> 2
    # bottom-left {0, 4, 4, 1}: 4, first at (2,1) -> 2*4 + 1 = 9 (not (3,0) -> 12)
    # bottom-right {5, 5, 5, 0}: 5, first at (2,2) -> 2*4 + 2 = 10
    np.testing.assert_array_equal(trace.output, [[[3, 2], [4, 5]]])
    np.testing.assert_array_equal(trace.extras["argmax"], [[[1, 2], [9, 10]]])
    np.testing.assert_array_equal(trace.extras["argmax_yx"], [[[[0, 1], [0, 2]], [[2, 1], [2, 2]]]])
    np.testing.assert_array_equal(trace.extras["argmax_tap"], [[[[0, 1], [0, 0]], [[0, 1], [0, 0]]]])


def test_lp_pool_norm_2_is_the_root_of_the_sum_of_squares() -> None:
    x = np.array([[[3, 4, 1, 2], [0, 0, 2, 4]]], dtype=np.float64)
    # left window: sqrt(3² + 4² + 0² + 0²) = sqrt(25) = 5; right: sqrt(1 + 4 + 4 + 16) = sqrt(25) = 5
    out = lp_pool2d(x, 2, 2).output
    np.testing.assert_allclose(out, [[[5.0, 5.0]]], rtol=1e-15)
    np.testing.assert_allclose(out, [[[math.sqrt(9 + 16), math.sqrt(1 + 4 + 4 + 16)]]], rtol=1e-15)


def test_ceil_mode_adds_a_window_that_overhangs() -> None:
    # (5 - 2)/2 + 1 = 2.5 -> ceil 3; the third window starts at 4 and reaches 5: 1 cell past the input
    axis = pool_axis("width", 5, 2, 2, 0, 1, True)
    assert (axis.out, axis.overhang, axis.dropped_last) == (3, 1, False)
    x = np.arange(25, dtype=np.float64).reshape(1, 5, 5)  # x[r, c] = 5r + c
    trace = max_pool2d(x, 2, stride=2, ceil_mode=True)
    # window rows {0,1}, {2,3}, {4}: the max is at the bottom-right input cell, rows 1, 3, 4 and cols 1, 3, 4
    np.testing.assert_array_equal(trace.output, [[[6, 8, 9], [16, 18, 19], [21, 23, 24]]])
    assert max_pool2d(x, 2, stride=2).output.shape == (1, 2, 2)  # floor: (5 - 2)/2 + 1 = 2.5 -> 2


def test_ceil_mode_drops_a_window_that_would_start_in_the_right_padding() -> None:
    # size 5, kernel 2, stride 2, padding 1: (5 + 2 - 2)/2 + 1 = 3.5 -> ceil 4.
    # PyTorch's rule: keep the last window only if it starts inside the input or the left padding,
    # (out - 1)*S < W + P. Here (4 - 1)*2 = 6 >= 5 + 1 = 6: it would start at padded index 6 = input
    # index 5, the right padding. So 3.
    axis = pool_axis("height", 5, 2, 2, 1, 1, True)
    assert (4 - 1) * 2 >= 5 + 1
    assert (axis.out, axis.dropped_last, axis.overhang) == (3, True, 0)
    assert axis.formula()["text"].endswith("so PyTorch drops it: 3")
    x = np.arange(25, dtype=np.float64).reshape(1, 5, 5)
    trace = max_pool2d(x, 2, stride=2, padding=1, ceil_mode=True)
    # windows read input rows {-1,0}, {1,2}, {3,4}: the max is at rows 0, 2, 4 and cols 0, 2, 4
    np.testing.assert_array_equal(trace.output, [[[0, 2, 4], [10, 12, 14], [20, 22, 24]]])
    np.testing.assert_array_equal(trace.extras["argmax"], trace.output)  # 5r + c is its own flat index
    assert avg_pool2d(x, 2, stride=2, padding=1, ceil_mode=True).output.shape == (1, 3, 3)


# ---------------------------------------------------------------- dilation


def test_dilation_2_on_7x7() -> None:
    # K' = 2(3 - 1) + 1 = 5; (7 - 5)/1 + 1 = 3
    weight = np.zeros((1, 1, 3, 3))
    weight[0, 0, 0, 1] = 1.0  # reads x[oy + 0, ox + 2]
    weight[0, 0, 2, 0] = -1.0  # reads x[oy + 4, ox + 0]
    trace = conv2d(X7, weight, dilation=2)
    assert trace.output.shape == (1, 3, 3)
    assert trace.axes[0].span == 5
    # out[0, 0] = x[0, 2] - x[4, 0] = 2 - 28 = -26; out[2, 1] = x[2, 3] - x[6, 1] = 17 - 43 = -26
    assert trace.output[0, 0, 0] == 2 - 28
    assert trace.output[0, 2, 1] == 17 - 43
    assert trace.axes[0].uncovered() == []


def test_dilation_leaves_gaps() -> None:
    # size 5, kernel 2, dilation 2, stride 4: K' = 2(2 - 1) + 1 = 3; (5 - 3)/4 + 1 = 3/2 -> 1 window,
    # at 0, reading taps 0 and 2. Never read: 1 (between the taps), 3 and 4 (past the last window).
    axis = conv_axis("width", 5, 2, 4, (0, 0), 2)
    assert axis.out == 1
    assert axis.taps().tolist() == [[0, 2]]
    assert axis.uncovered() == [1, 3, 4]
    formula = axis.formula()
    assert formula["fraction"] == "3/2"
    assert formula["dilated_kernel"] == "K' = d(K - 1) + 1 = 2×(2 - 1) + 1 = 3"
    assert formula["text"].endswith("floors it to 1; input columns 1, 3, 4 are never covered")


# ---------------------------------------------------------------- padding modes

X33 = np.arange(1, 10, dtype=np.float64).reshape(1, 3, 3)  # [[1,2,3],[4,5,6],[7,8,9]]


@pytest.mark.parametrize(
    ("mode", "sources", "expected"),
    [
        # reflect: -1 -> 1, 3 -> 1 (the edge is not repeated)
        (
            "reflect",
            [1, 0, 1, 2, 1],
            [[5, 4, 5, 6, 5], [2, 1, 2, 3, 2], [5, 4, 5, 6, 5], [8, 7, 8, 9, 8], [5, 4, 5, 6, 5]],
        ),
        # replicate: -1 -> 0, 3 -> 2 (the edge is repeated)
        (
            "replicate",
            [0, 0, 1, 2, 2],
            [[1, 1, 2, 3, 3], [1, 1, 2, 3, 3], [4, 4, 5, 6, 6], [7, 7, 8, 9, 9], [7, 7, 8, 9, 9]],
        ),
        # circular: -1 -> 2, 3 -> 0 (wraps around)
        (
            "circular",
            [2, 0, 1, 2, 0],
            [[9, 7, 8, 9, 7], [3, 1, 2, 3, 1], [6, 4, 5, 6, 4], [9, 7, 8, 9, 7], [3, 1, 2, 3, 1]],
        ),
        (
            "zeros",
            [-1, 0, 1, 2, -1],
            [[0, 0, 0, 0, 0], [0, 1, 2, 3, 0], [0, 4, 5, 6, 0], [0, 7, 8, 9, 0], [0, 0, 0, 0, 0]],
        ),
    ],
)
def test_padding_modes(mode: str, sources: list[int], expected: list[list[int]]) -> None:
    padded = pad(X33, ((1, 1), (1, 1)), mode)
    np.testing.assert_array_equal(padded.values, [expected])
    assert padded.source_rows.tolist() == sources
    assert padded.source_cols.tolist() == sources
    kinds = np.full((5, 5), PADDING)
    kinds[1:4, 1:4] = INPUT
    np.testing.assert_array_equal(padded.kinds, kinds)


def test_uneven_padding_keeps_rows_and_cols_apart() -> None:
    # 1x2x3, pads (top 1, bottom 0), (left 0, right 2), reflect: rows [1, 0, 1]; cols [0, 1, 2, 1, 0]
    x = np.array([[[1, 2, 3], [4, 5, 6]]], dtype=np.float64)
    padded = pad(x, ((1, 0), (0, 2)), "reflect")
    assert padded.source_rows.tolist() == [1, 0, 1]
    assert padded.source_cols.tolist() == [0, 1, 2, 1, 0]
    np.testing.assert_array_equal(padded.values, [[[4, 5, 6, 5, 4], [1, 2, 3, 2, 1], [4, 5, 6, 5, 4]]])


# ---------------------------------------------------------------- groups


def test_depthwise_conv_is_one_conv_per_channel() -> None:
    rng = np.random.default_rng(7)
    x = rng.integers(-3, 4, size=(3, 6, 5)).astype(np.float64)
    w = rng.integers(-2, 3, size=(3, 1, 3, 3)).astype(np.float64)
    b = np.array([1.0, -2.0, 0.5])
    out = conv2d(x, w, b, padding=1, groups=3).output
    for c in range(3):
        alone = conv2d(x[c : c + 1], w[c : c + 1], b[c : c + 1], padding=1).output
        np.testing.assert_array_equal(out[c : c + 1], alone)
    # and a hand value: channel 0 at (0, 0) reads x[0, -1..1, -1..1] with zeros outside
    assert out[0, 0, 0] == np.sum(x[0, 0:2, 0:2] * w[0, 0, 1:3, 1:3]) + 1.0


def test_groups_2_filters_read_their_own_half() -> None:
    # 4 channels, 2 groups, 2 filters: filter 0 reads channels 0-1, filter 1 reads channels 2-3
    x = np.stack([np.full((2, 2), v) for v in (1.0, 10.0, 100.0, 1000.0)])
    w = np.ones((2, 2, 1, 1))
    trace = conv2d(x, w, groups=2)
    np.testing.assert_array_equal(trace.output[:, 0, 0], [1 + 10, 100 + 1000])
    assert trace.filter_channels.tolist() == [[0, 1], [2, 3]]


# ---------------------------------------------------------------- relu and dropout


def test_relu_output_and_mask() -> None:
    x = np.array([[[-2.0, -0.5, 0.0], [0.5, 3.0, -1.0]]])
    trace = relu(x)
    np.testing.assert_array_equal(trace.output, [[[0, 0, 0], [0.5, 3, 0]]])
    np.testing.assert_array_equal(trace.mask, [[[0, 0, 1], [1, 1, 0]]])  # 1 where x >= 0 (0 passes)
    np.testing.assert_array_equal(trace.output, trace.mask * x)


def test_dropout_in_evaluation_is_the_identity() -> None:
    x = np.arange(12, dtype=np.float64).reshape(1, 3, 4)
    trace = dropout(x, p=0.5, training=False, seed=3)
    np.testing.assert_array_equal(trace.mask, np.ones((1, 3, 4)))
    np.testing.assert_array_equal(trace.output, x)
    assert trace.scale == 1.0


def test_dropout_in_training_scales_the_survivors() -> None:
    x = np.arange(1, 41, dtype=np.float64).reshape(2, 4, 5)
    for p in (0.1, 0.5, 0.8):
        trace = dropout(x, p=p, seed=11)
        assert set(np.unique(trace.mask).tolist()) <= {0, 1}
        assert np.allclose(trace.output, trace.mask * x / (1 - p), rtol=1e-15, atol=0)
        assert trace.scale == 1 / (1 - p)


def test_dropout_seeds() -> None:
    x = np.ones((1, 10, 10))
    first = dropout(x, p=0.5, seed=5).mask
    np.testing.assert_array_equal(first, dropout(x, p=0.5, seed=5).mask)
    assert not np.array_equal(first, dropout(x, p=0.5, seed=6).mask)


def test_dropout2d_drops_whole_channels() -> None:
    x = np.ones((8, 3, 3))
    seen = set()
    for seed in range(5):
        mask = dropout(x, p=0.5, seed=seed, variant="dropout2d").mask
        for channel in mask:
            assert channel.min() == channel.max()  # a channel is kept or dropped whole
            seen.add(int(channel[0, 0]))
    assert seen == {0, 1}


def test_dropout_share_dropped_is_close_to_p() -> None:
    trace = dropout(np.ones((1, 100, 100)), p=0.3, seed=0)
    assert abs(trace.dropped_share - 0.3) <= 0.02  # one standard deviation is sqrt(0.21/10000) = 0.0046


def test_dropout_mask_for_seed_0_is_pinned() -> None:
    # "Same seed, same mask, on any machine": a change to app.engine.random's scheme breaks this.
    mask = dropout(np.ones((1, 3, 4)), p=0.5, seed=0).mask
    assert mask.tolist() == [[[1, 1, 0, 0], [0, 1, 0, 1], [0, 0, 1, 1]]]


# ---------------------------------------------------------------- conv2d steps


def test_conv_steps_reproduce_every_output() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(-4, 5, size=(4, 7, 8)).astype(np.float64)
    w = rng.integers(-2, 3, size=(4, 2, 3, 2)).astype(np.float64)
    b = np.array([1.0, -1.0, 2.0, 0.0])
    trace = conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2, padding_mode="reflect")
    filters, out_h, out_w = trace.output.shape
    steps = trace.steps(0, trace.total_steps)
    # step order is (filter, oy, ox) row-major
    order = [(f, y, x_) for f in range(filters) for y in range(out_h) for x_ in range(out_w)]
    assert list(zip(steps["filter"].tolist(), steps["oy"].tolist(), steps["ox"].tolist(), strict=True)) == order
    (sh, sw), (dh, dw), (kh, kw) = trace.stride, trace.dilation, w.shape[2:]
    padded = trace.padded.values
    for i, (f, oy, ox) in enumerate(order):
        rows = oy * sh + np.arange(kh) * dh
        cols = ox * sw + np.arange(kw) * dw
        assert steps["rows"][i].tolist() == rows.tolist()
        assert steps["cols"][i].tolist() == cols.tolist()
        # half-open bounds: start, start + d(K - 1) + 1
        assert steps["window"][i].tolist() == [
            oy * sh,
            ox * sw,
            oy * sh + dh * (kh - 1) + 1,
            ox * sw + dw * (kw - 1) + 1,
        ]
        channels = [2 * (f // 2), 2 * (f // 2) + 1]  # 2 filters per group, 2 channels per group
        np.testing.assert_array_equal(steps["values"][i], padded[channels][:, rows][:, :, cols])
        np.testing.assert_array_equal(steps["products"][i], steps["values"][i] * w[f])
        np.testing.assert_array_equal(steps["partial_sums"][i], steps["products"][i].sum(axis=(1, 2)))
        assert steps["bias"][i] == b[f]
        assert steps["products"][i].sum() + b[f] == steps["value"][i] == trace.output[f, oy, ox]


def test_conv_steps_in_batches_match_one_batch() -> None:
    x = np.arange(2 * 5 * 5, dtype=np.float64).reshape(2, 5, 5)
    w = np.arange(3 * 2 * 2 * 2, dtype=np.float64).reshape(3, 2, 2, 2) - 10
    trace = conv2d(x, w, padding=1)
    whole = trace.steps(0, trace.total_steps)
    for start in range(0, trace.total_steps, 7):
        part = trace.steps(start, min(start + 7, trace.total_steps))
        for key, column in part.items():
            np.testing.assert_array_equal(column, whole[key][start : start + 7], err_msg=key)


# ---------------------------------------------------------------- PyTorch's corner cases


def test_ceil_mode_lets_a_kernel_overhang_a_smaller_input() -> None:
    # width 3, kernel 4, stride 3, ceil_mode: ceil((3 - 4)/3) + 1 = ceil(-1/3) + 1 = 0 + 1 = 1 output, and
    # it starts at 0, inside the input, so PyTorch keeps it. Its window reads the 3 input cells and 1 past them.
    axis = pool_axis("width", 3, 4, 3, 0, 1, True)
    assert (axis.out, axis.dropped_last) == (1, False)
    assert axis.formula()["text"].endswith("not an integer, so PyTorch rounds it up to 1")
    x = np.array([[[1.0, 5.0, 2.0]]])
    trace = max_pool2d(x, (1, 4), stride=(1, 3), ceil_mode=True)
    np.testing.assert_array_equal(trace.output, [[[5.0]]])
    np.testing.assert_array_equal(trace.extras["argmax"], [[[1]]])
    # avg: PyTorch divides by the cells inside the input (the window is cut at W + P = 3): (1 + 5 + 2)/3
    np.testing.assert_allclose(avg_pool2d(x, (1, 4), stride=(1, 3), ceil_mode=True).output, [[[8 / 3]]], rtol=1e-15)
    # lp: (avg of x² times kH*kW)^(1/2) = (30/3 * 4)^(1/2) = sqrt(40)
    np.testing.assert_allclose(
        lp_pool2d(x, 2, (1, 4), stride=(1, 3), ceil_mode=True).output, [[[math.sqrt(40)]]], rtol=1e-15
    )
    # without ceil_mode (3 - 4)/3 + 1 = 2/3 -> floor 0 outputs: the kernel must fit
    with pytest.raises(ValueError, match="the kernel's width, 4, must fit in the padded input's width, 3"):
        max_pool2d(x, (1, 4), stride=(1, 3))


def test_one_output_is_singular_in_the_formula() -> None:
    axis = conv_axis("width", 3, 3, 1, (0, 0), 1)  # (3 - 3 + 0)/1 + 1 = 1
    formula = axis.formula()
    assert formula["text"].endswith("= 1: an integer, so 1 output along the width")
    assert formula["verdict"] == "1: an integer, so 1 output along the width."


def test_max_pool_window_of_padding_only_has_no_tap() -> None:
    # width 2, padding 1, kernel 2, dilation 3: the padded row is [pad, 3, 7, pad], the one window taps
    # padded 0 and 3, both padding. PyTorch gives -inf and the index of the first tap at or after the
    # input's start, stepping by the dilation: -1 + 3 = 2 (past the input, as PyTorch reports it).
    x = np.array([[[3.0, 7.0]]])
    trace = max_pool2d(x, (1, 2), padding=(0, 1), dilation=(1, 3))
    np.testing.assert_array_equal(trace.output, [[[-np.inf]]])
    np.testing.assert_array_equal(trace.extras["argmax"], [[[2]]])
    np.testing.assert_array_equal(trace.extras["argmax_yx"], [[[[0, 2]]]])
    np.testing.assert_array_equal(trace.extras["argmax_tap"], [[[[-1, -1]]]])  # no tap read the input


def test_lp_pool_keeps_the_nan_of_a_negative_value_to_a_fractional_power() -> None:
    x = np.array([[[-1.0, 4.0], [2.0, 3.0]]])
    # (-1)^1.5 is NaN in PyTorch too, and the NaN goes through the sum
    assert np.isnan(lp_pool2d(x, 1.5, 2).output).all()
    # an even power is fine: sqrt(1 + 16 + 4 + 9) = sqrt(30)
    np.testing.assert_allclose(lp_pool2d(x, 2, 2).output, [[[math.sqrt(30)]]], rtol=1e-15)
