"""conv2d: golden values worked out by hand, each with its arithmetic in a comment, and a property
test against the plain loops in tests/engine/reference.py.

A CNN "convolution" is cross-correlation: out[oy, ox] = sum_ij x[oy*S + i*d, ox*S + j*d] * w[i, j],
the kernel is not flipped. Kernels below are asymmetric so a flip would change the answer.

The property test draws random shapes and parameters (H, W <= 9, C <= 4, F <= 4): integer-valued
inputs must give exactly the reference's numbers, float inputs agree to rtol=1e-12 (the engine adds
in a different order). Output sizes follow floor((W + P_before + P_after - d(K - 1) - 1)/S) + 1, and
conv2d's steps rebuild its output.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.engine.conv2d import conv2d
from tests.engine import reference
from tests.engine.cases import MODES, SIDE, pad_limit, same, values

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


# ---------------------------------------------------------------- against the reference


def out_size(size: int, kernel: int, stride: int, before: int, after: int, dilation: int) -> int:
    return (size + before + after - dilation * (kernel - 1) - 1) // stride + 1


def kernel_for(draw: Any, padded: int, dilation: int) -> int:
    """A kernel whose dilated span d(K - 1) + 1 fits in ``padded``."""
    return draw(st.integers(1, min(4, (padded - 1) // dilation + 1)))


@st.composite
def conv_cases(draw: Any) -> dict[str, Any]:
    groups = draw(st.integers(1, 4))
    channels = groups * draw(st.integers(1, 4 // groups))
    filters = groups * draw(st.integers(1, 4 // groups))
    height, width = draw(SIDE), draw(SIDE)
    mode = draw(st.sampled_from(MODES))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    kind = draw(st.sampled_from(["int", "pair", "same", "valid"]))
    stride = (1, 1) if kind == "same" else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    if kind == "same":
        kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
        pads = [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation, strict=True)]
        assume(max(pads[0]) <= pad_limit(mode, height) and max(pads[1]) <= pad_limit(mode, width))
        padding: Any = "same"
    else:
        if kind == "int":
            p = draw(st.integers(0, min(pad_limit(mode, height), pad_limit(mode, width))))
            ph, pw, padding = p, p, p
        elif kind == "pair":
            ph, pw = draw(st.integers(0, pad_limit(mode, height))), draw(st.integers(0, pad_limit(mode, width)))
            padding = (ph, pw)
        else:
            ph, pw, padding = 0, 0, "valid"
        kernel = (kernel_for(draw, height + 2 * ph, dilation[0]), kernel_for(draw, width + 2 * pw, dilation[1]))
        pads = [(ph, ph), (pw, pw)]
    integers = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    x = values(seed, (channels, height, width), integers)
    weight = values(seed + 1, (filters, channels // groups, *kernel), integers, -3, 3)
    bias = values(seed + 2, (filters,), integers, -3, 3) if draw(st.booleans()) else None
    params = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups, "padding_mode": mode}
    return {"x": x, "weight": weight, "bias": bias, "params": params, "pads": pads, "integers": integers}


@settings(max_examples=150, deadline=None)
@given(conv_cases())
def test_conv2d_matches_the_reference(case: dict[str, Any]) -> None:
    x, weight, bias, params, pads = case["x"], case["weight"], case["bias"], case["params"], case["pads"]
    trace = conv2d(x, weight, bias, **params)
    expected = reference.conv2d(x, weight, bias, **params)
    same(trace.output, expected, case["integers"])
    # output size: floor((W + P_b + P_a - d(K - 1) - 1)/S) + 1 on each axis
    sizes = [
        out_size(x.shape[1 + a], weight.shape[2 + a], params["stride"][a], *pads[a], params["dilation"][a])
        for a in range(2)
    ]
    assert trace.output.shape == (weight.shape[0], *sizes)
    # uncovered: the input indices no tap o*S - P_before + i*d ever reads
    for a, axis in enumerate(trace.axes):
        stride, dil, kernel = params["stride"][a], params["dilation"][a], weight.shape[2 + a]
        read = {o * stride - pads[a][0] + i * dil for o in range(sizes[a]) for i in range(kernel)}
        assert axis.uncovered() == [r for r in range(x.shape[1 + a]) if r not in read]
        assert axis.formula()["out"] == sizes[a]
    # every padded cell is the input cell the mode maps it to
    (top, _), (left, _) = pads
    padded = trace.padded.values
    for c, i, j in np.ndindex(*padded.shape):
        assert padded[c, i, j] == reference.read(x, c, i - top, j - left, params["padding_mode"])
    # the steps rebuild the output
    steps = trace.steps(0, trace.total_steps)
    rebuilt = steps["products"].sum(axis=(1, 2, 3)) + steps["bias"]
    same(rebuilt.reshape(trace.output.shape), trace.output, case["integers"])
    np.testing.assert_array_equal(steps["value"].reshape(trace.output.shape), trace.output)
