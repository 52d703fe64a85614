"""max_pool2d, avg_pool2d and lp_pool2d: golden values worked out by hand (ceil_mode and PyTorch's
corner cases included), and property tests against the plain loops in tests/engine/reference.py,
which follow PyTorch's CPU kernels line by line.

Integer-valued inputs must give exactly the reference's numbers; float inputs agree to rtol=1e-12.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.geometry import pool_axis
from app.engine.pool import avg_pool2d, lp_pool2d, max_pool2d
from tests.engine import reference
from tests.engine.cases import SIDE, TOL, same, values

ONE_TO_NINE = np.arange(1, 10, dtype=np.float64).reshape(1, 3, 3)  # [[1,2,3],[4,5,6],[7,8,9]]


def test_avg_pool_kernel_3_stride_2_padding_1_counts_the_padding() -> None:
    # windows read input rows/cols {0,1} and {1,2}; each window covers 3x3 of input + padding
    # [0,0]: (1+2+4+5)/9 = 12/9   [0,1]: (2+3+5+6)/9 = 16/9
    # [1,0]: (4+5+7+8)/9 = 24/9   [1,1]: (5+6+8+9)/9 = 28/9
    trace = avg_pool2d(ONE_TO_NINE, 3, stride=2, padding=1)
    np.testing.assert_array_equal(np.round(trace.output, 4), [[[1.3333, 1.7778], [2.6667, 3.1111]]])
    np.testing.assert_array_equal(trace.sum, [[[12, 16], [24, 28]]])
    np.testing.assert_array_equal(trace.divisor, [[[9, 9], [9, 9]]])


def test_avg_pool_without_the_padding_divides_by_the_cells_inside() -> None:
    # the same sums over the 2x2 = 4 input cells each window holds: 12/4, 16/4, 24/4, 28/4
    trace = avg_pool2d(ONE_TO_NINE, 3, stride=2, padding=1, count_include_pad=False)
    np.testing.assert_array_equal(trace.output, [[[3, 4], [6, 7]]])
    np.testing.assert_array_equal(trace.divisor, [[[4, 4], [4, 4]]])


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
    np.testing.assert_array_equal(trace.argmax, [[[1, 2], [9, 10]]])
    np.testing.assert_array_equal(trace.argmax_yx, [[[[0, 1], [0, 2]], [[2, 1], [2, 2]]]])
    np.testing.assert_array_equal(trace.argmax_tap, [[[[0, 1], [0, 0]], [[0, 1], [0, 0]]]])


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
    np.testing.assert_array_equal(trace.argmax, trace.output)  # 5r + c is its own flat index
    assert avg_pool2d(x, 2, stride=2, padding=1, ceil_mode=True).output.shape == (1, 3, 3)


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
    np.testing.assert_array_equal(trace.argmax, [[[1]]])
    # avg: PyTorch divides by the cells inside the input (the window is cut at W + P = 3): (1 + 5 + 2)/3
    np.testing.assert_allclose(avg_pool2d(x, (1, 4), stride=(1, 3), ceil_mode=True).output, [[[8 / 3]]], rtol=1e-15)
    # lp: (avg of x² times kH*kW)^(1/2) = (30/3 * 4)^(1/2) = sqrt(40)
    np.testing.assert_allclose(
        lp_pool2d(x, 2, (1, 4), stride=(1, 3), ceil_mode=True).output, [[[math.sqrt(40)]]], rtol=1e-15
    )
    # without ceil_mode (3 - 4)/3 + 1 = 2/3 -> floor 0 outputs: the kernel must fit
    with pytest.raises(ValueError, match="the kernel's width, 4, must fit in the padded input's width, 3"):
        max_pool2d(x, (1, 4), stride=(1, 3))


def test_max_pool_window_of_padding_only_has_no_tap() -> None:
    # width 2, padding 1, kernel 2, dilation 3: the padded row is [pad, 3, 7, pad], the one window taps
    # padded 0 and 3, both padding. PyTorch gives -inf and the index of the first tap at or after the
    # input's start, stepping by the dilation: -1 + 3 = 2 (past the input, as PyTorch reports it).
    x = np.array([[[3.0, 7.0]]])
    trace = max_pool2d(x, (1, 2), padding=(0, 1), dilation=(1, 3))
    np.testing.assert_array_equal(trace.output, [[[-np.inf]]])
    np.testing.assert_array_equal(trace.argmax, [[[2]]])
    np.testing.assert_array_equal(trace.argmax_yx, [[[[0, 2]]]])
    np.testing.assert_array_equal(trace.argmax_tap, [[[[-1, -1]]]])  # no tap read the input


def test_lp_pool_keeps_the_nan_of_a_negative_value_to_a_fractional_power() -> None:
    x = np.array([[[-1.0, 4.0], [2.0, 3.0]]])
    # (-1)^1.5 is NaN in PyTorch too, and the NaN goes through the sum
    assert np.isnan(lp_pool2d(x, 1.5, 2).output).all()
    # an even power is fine: sqrt(1 + 16 + 4 + 9) = sqrt(30)
    np.testing.assert_allclose(lp_pool2d(x, 2, 2).output, [[[math.sqrt(30)]]], rtol=1e-15)


# ---------------------------------------------------------------- against the reference


@st.composite
def pool_cases(draw: Any, dilation: bool = True, padding: bool = True) -> dict[str, Any]:
    channels, height, width = draw(st.integers(1, 4)), draw(SIDE), draw(SIDE)
    kernel, pads, dils = [], [], []
    for size in (height, width):
        d = draw(st.integers(1, 3)) if dilation else 1
        # kernels whose span d(K - 1) + 1 fits once padded by the most pooling allows, K // 2
        fits = [k for k in range(1, 5) if size + 2 * (k // 2 if padding else 0) >= d * (k - 1) + 1]
        k = draw(st.sampled_from(fits))
        least = max(0, -(-(d * (k - 1) + 1 - size) // 2))
        p = draw(st.integers(least, k // 2)) if padding else 0
        kernel.append(k)
        pads.append(p)
        dils.append(d)
    stride = None if draw(st.booleans()) else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    return {
        "shape": (channels, height, width),
        "kernel_size": tuple(kernel),
        "stride": stride,
        "padding": tuple(pads),
        "dilation": tuple(dils),
        "ceil_mode": draw(st.booleans()),
        "integers": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def pool_shape(case: dict[str, Any]) -> tuple[int, ...]:
    """PyTorch's pooling_output_shape, written out again from the rule."""
    channels, height, width = case["shape"]
    stride = case["stride"] or case["kernel_size"]
    sizes = []
    for a, size in enumerate((height, width)):
        k, s, p, d = case["kernel_size"][a], stride[a], case["padding"][a], case["dilation"][a]
        numerator = size + 2 * p - d * (k - 1) - 1
        out = (-(-numerator // s) if case["ceil_mode"] else numerator // s) + 1
        if case["ceil_mode"] and (out - 1) * s >= size + p:  # the last window must start inside input + left pad
            out -= 1
        sizes.append(out)
    return (channels, *sizes)


@settings(max_examples=150, deadline=None)
@given(pool_cases())
def test_max_pool2d_matches_the_reference(case: dict[str, Any]) -> None:
    x = values(case["seed"], case["shape"], case["integers"], -3, 3)
    args = {key: case[key] for key in ("kernel_size", "stride", "padding", "dilation", "ceil_mode")}
    trace = max_pool2d(x, **args)
    expected, indices = reference.max_pool2d(x, **args)
    assert trace.output.shape == pool_shape(case)
    np.testing.assert_array_equal(trace.output, expected)  # a max is a copy: exact even for floats
    # Every index, windows that read only padding (-inf) included: PyTorch reports their first
    # tap at or past the input's start.
    np.testing.assert_array_equal(trace.argmax, indices)
    read = np.isfinite(expected)
    width = x.shape[2]
    for c, oy, ox in zip(*np.nonzero(read), strict=True):
        y, x_ = divmod(int(indices[c, oy, ox]), width)
        assert x[c, y, x_] == trace.output[c, oy, ox]
        assert trace.argmax_yx[c, oy, ox].tolist() == [y, x_]


@settings(max_examples=150, deadline=None)
@given(pool_cases(dilation=False), st.booleans(), st.one_of(st.none(), st.integers(1, 9)))
def test_avg_pool2d_matches_the_reference(case: dict[str, Any], include_pad: bool, divisor: int | None) -> None:
    x = values(case["seed"], case["shape"], case["integers"])
    args = {key: case[key] for key in ("kernel_size", "stride", "padding", "ceil_mode")}
    trace = avg_pool2d(x, **args, count_include_pad=include_pad, divisor_override=divisor)
    expected, divisors = reference.avg_pool2d(x, **args, count_include_pad=include_pad, divisor_override=divisor)
    assert trace.output.shape == pool_shape(case)
    np.testing.assert_array_equal(trace.divisor, divisors)
    same(trace.output, expected, case["integers"])
    steps = trace.steps(0, trace.total_steps)
    same((steps["sum"] / steps["divisor"]).reshape(trace.output.shape), trace.output, case["integers"])


@settings(max_examples=150, deadline=None)
@given(pool_cases(dilation=False, padding=False), st.sampled_from([1, 2, 3, 1.5]))
def test_lp_pool2d_matches_the_reference(case: dict[str, Any], norm_type: float) -> None:
    low = -4 if norm_type == 2 else 0  # x^p of a negative x is NaN for p = 1.5 and changes sign for odd p
    x = values(case["seed"], case["shape"], case["integers"], low, 4)
    args = {key: case[key] for key in ("kernel_size", "stride", "ceil_mode")}
    trace = lp_pool2d(x, norm_type, **args)
    expected = reference.lp_pool2d(x, norm_type, **args)
    assert trace.output.shape == pool_shape(case)
    assert np.allclose(trace.output, expected, **TOL)


def test_only_max_pooling_discards_values() -> None:
    """The side panel's sentence (header "reduction"): max pooling keeps each window's maximum and
    discards the rest; an average and a power sum use every value a window reads, and leave out only
    the rows and columns no window reaches."""
    x = ONE_TO_NINE
    # 2x2 windows, stride 1 over 1..9: the maxima are 5, 6, 8, 9; the other 5 values are discarded
    assert max_pool2d(x, 2, 1).reduction() == (
        "Each window keeps only its maximum: 4 of the 9 input values reach the output, "
        "and the other 5 (55.6%) are discarded."
    )
    # padding 1, stride 1: every cell is the maximum of the window that has it at its bottom right
    assert (
        max_pool2d(x, 2, 1, 1)
        .reduction()
        .endswith("each of the 9 input values is some window's maximum: none is discarded.")
    )
    for trace in (avg_pool2d(x, 2, 1), lp_pool2d(x, 2, 2, 1)):
        assert trace.unread() == 0 and "No value is discarded: each of the 9 input values counts" in trace.reduction()
    # stride 2 over 3 rows: row 2 and column 2 are never read (5 cells); the 4 others count in the one window
    assert avg_pool2d(x, 2).reduction() == (
        "5 of the 9 input values lie in rows or columns no window reaches and are never used; "
        "each of the other 4 counts in the mean of every window that reads it."
    )
    assert lp_pool2d(np.ones((1, 2, 3)), 2, 2).reduction().startswith("2 of the 6 input values lie in rows or columns")
    one = lp_pool2d(np.ones((1, 1, 2)), 2, (1, 1), (1, 2)).reduction()  # column 1 is never read
    assert one.startswith("1 of the 2 input values lies in a row or column no window reaches and is never used"), one
