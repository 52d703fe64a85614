"""Property tests: every op against the plain loops in tests/engine/reference.py over random
shapes and parameters (H, W <= 9, C <= 4, F <= 4).

Integer-valued inputs must give exactly the reference's numbers; float inputs agree to
rtol=1e-12 (the engine adds in a different order). Output sizes follow
floor((W + P_before + P_after - d(K - 1) - 1)/S) + 1, and conv2d's steps rebuild its output.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.engine.conv2d import conv2d
from app.engine.dropout import dropout
from app.engine.pad import pad
from app.engine.pool import avg_pool2d, lp_pool2d, max_pool2d
from app.engine.relu import relu
from tests.engine import reference

MODES = ("zeros", "reflect", "replicate", "circular")
SIDE = st.integers(1, 9)
TOL = {"rtol": 1e-12, "atol": 1e-12}


def values(seed: int, shape: tuple[int, ...], integers: bool, low: int = -5, high: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if integers:
        return rng.integers(low, high + 1, size=shape).astype(np.float64)
    return rng.uniform(low, high, size=shape)


def same(a: np.ndarray, b: np.ndarray, integers: bool) -> None:
    assert a.shape == b.shape
    if integers:
        np.testing.assert_array_equal(a, b)
    else:
        assert np.allclose(a, b, **TOL)


def pad_limit(mode: str, size: int) -> int:
    """The largest padding PyTorch allows on an axis of this size (capped at 3 to stay small)."""
    if mode == "reflect":
        return min(3, size - 1)
    if mode == "circular":
        return min(3, size)
    return 3


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


@settings(max_examples=150, deadline=None)
@given(mode=st.sampled_from(MODES), height=SIDE, width=SIDE, data=st.data())
def test_pad_sources_follow_the_index_mapping(mode: str, height: int, width: int, data: Any) -> None:
    top, bottom = data.draw(st.integers(0, pad_limit(mode, height))), data.draw(st.integers(0, pad_limit(mode, height)))
    left, right = data.draw(st.integers(0, pad_limit(mode, width))), data.draw(st.integers(0, pad_limit(mode, width)))
    x = values(data.draw(st.integers(0, 1000)), (2, height, width), True)
    padded = pad(x, ((top, bottom), (left, right)), mode)
    assert padded.values.shape == (2, height + top + bottom, width + left + right)
    rows = [reference.source_index(i - top, height, mode) for i in range(height + top + bottom)]
    cols = [reference.source_index(j - left, width, mode) for j in range(width + left + right)]
    assert padded.source_rows.tolist() == [-1 if r is None else r for r in rows]
    assert padded.source_cols.tolist() == [-1 if c is None else c for c in cols]


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
    np.testing.assert_array_equal(trace.extras["argmax"], indices)
    read = np.isfinite(expected)
    width = x.shape[2]
    for c, oy, ox in zip(*np.nonzero(read), strict=True):
        y, x_ = divmod(int(indices[c, oy, ox]), width)
        assert x[c, y, x_] == trace.output[c, oy, ox]
        assert trace.extras["argmax_yx"][c, oy, ox].tolist() == [y, x_]


@settings(max_examples=150, deadline=None)
@given(pool_cases(dilation=False), st.booleans(), st.one_of(st.none(), st.integers(1, 9)))
def test_avg_pool2d_matches_the_reference(case: dict[str, Any], include_pad: bool, divisor: int | None) -> None:
    x = values(case["seed"], case["shape"], case["integers"])
    args = {key: case[key] for key in ("kernel_size", "stride", "padding", "ceil_mode")}
    trace = avg_pool2d(x, **args, count_include_pad=include_pad, divisor_override=divisor)
    expected, divisors = reference.avg_pool2d(x, **args, count_include_pad=include_pad, divisor_override=divisor)
    assert trace.output.shape == pool_shape(case)
    np.testing.assert_array_equal(trace.extras["divisor"], divisors)
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


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4), SIDE, SIDE, st.integers(0, 2**32 - 1), st.booleans())
def test_relu_matches_the_reference(channels: int, height: int, width: int, seed: int, integers: bool) -> None:
    x = values(seed, (channels, height, width), integers, -2, 2)
    trace = relu(x)
    expected, mask = reference.relu(x)
    np.testing.assert_array_equal(trace.output, expected)
    np.testing.assert_array_equal(trace.mask, mask)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 4),
    SIDE,
    SIDE,
    st.floats(0, 0.95),
    st.integers(0, 2**63 - 1),
    st.sampled_from(["dropout", "dropout2d"]),
)
def test_dropout_output_is_mask_times_input_over_keep(
    channels: int, height: int, width: int, p: float, seed: int, variant: str
) -> None:
    x = values(seed % 2**32, (channels, height, width), False)
    trace = dropout(x, p=p, seed=seed, variant=variant)
    assert set(np.unique(trace.mask).tolist()) <= {0, 1}
    assert np.allclose(trace.output, trace.mask * x / (1 - p), rtol=1e-15, atol=0)
    if variant == "dropout2d":
        assert (trace.mask == trace.mask[:, :1, :1]).all()
    evaluation = dropout(x, p=p, training=False, seed=seed, variant=variant)
    np.testing.assert_array_equal(evaluation.output, x)
