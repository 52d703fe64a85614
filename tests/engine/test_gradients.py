"""Where gradient flows back through ReLU and max pooling (app/engine/gradients.py), and the running
sums a scatter reports (app/engine/scatter.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.errors import ParamError
from app.engine.gradients import max_pool2d_backward, relu_backward, relu_mask
from app.engine.pool import max_pool2d
from app.engine.relu import relu
from app.engine.scatter import last_writer, running
from tests.engine import reference_transpose as ref


def test_relu_passes_gradient_where_the_input_was_positive_and_not_at_zero() -> None:
    x = np.array([[[-2.0, 0.0, 3.0], [0.5, -0.0, -1e-300]]])
    g = np.array([[[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]]])
    np.testing.assert_array_equal(relu_backward(x, g), [[[0, 0, 30], [40, 0, 0]]])
    np.testing.assert_array_equal(relu_mask(x), [[[0, 0, 1], [1, 0, 0]]])
    # the forward trace's mask is the same: 0 and -0.0 are masked, as in PyTorch
    np.testing.assert_array_equal(relu(x).mask, relu_mask(x))
    assert relu(x).mask[0, 0, 1] == 0 and relu(x).mask[0, 1, 1] == 0


def test_max_pooling_routes_each_window_gradient_to_its_argmax() -> None:
    # 3x3 windows, stride 1 over a 4x4 input: the 9 at (1, 2) is the maximum of every window holding it
    x = np.array([[[1.0, 2.0, 3.0, 0.0], [4.0, 5.0, 9.0, 1.0], [0.0, 8.0, 2.0, 1.0], [7.0, 1.0, 1.0, 6.0]]])
    g = np.array([[[1.0, 10.0], [100.0, 1000.0]]])
    # windows at (0,0), (0,1), (1,1) all take the 9; window (1,0) holds rows 1-3, cols 0-2: its maximum
    # is also the 9 (row 1, col 2). So the 9 gets 1 + 10 + 100 + 1000 = 1111 and nothing else gets any.
    expected = np.zeros((1, 4, 4))
    expected[0, 1, 2] = 1111
    np.testing.assert_array_equal(max_pool2d_backward(x, g, 3, 1), expected)
    # ties go to the first in row-major order, the cell the forward trace marks
    ties = np.ones((1, 2, 2))
    np.testing.assert_array_equal(max_pool2d_backward(ties, np.array([[[5.0]]]), 2), [[[5, 0], [0, 0]]])
    assert max_pool2d(ties, 2).argmax[0, 0, 0] == 0  # type: ignore[attr-defined]


@settings(max_examples=50, deadline=None)
@given(
    st.integers(1, 2),
    st.integers(2, 7),
    st.integers(2, 7),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 1),
    st.integers(0, 10_000),
)
def test_max_pool_backward_against_the_loop(
    channels: int, h: int, w: int, kernel: int, stride: int, padding: int, seed: int
) -> None:
    padding = min(padding, kernel // 2)
    if h + 2 * padding < kernel or w + 2 * padding < kernel:
        return
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=(channels, h, w)).astype(float)  # many ties
    out = max_pool2d(x, kernel, stride, padding).output
    g = rng.integers(-3, 4, size=out.shape).astype(float)
    expected = ref.max_pool2d_backward(x, g, kernel, stride, padding)
    np.testing.assert_array_equal(max_pool2d_backward(x, g, kernel, stride, padding), expected)
    np.testing.assert_array_equal(relu_backward(x - 2, x), ref.relu_backward(x - 2, x))


def test_refusals() -> None:
    x = np.zeros((1, 4, 4))
    with pytest.raises(ParamError) as err:
        relu_backward(x, np.zeros((1, 4, 3)))
    assert str(err.value) == (
        "grad_output: got an array of shape (1, 4, 3); must have the shape of the input, (1, 4, 4): "
        "one gradient per output value"
    )
    with pytest.raises(ParamError) as err:
        max_pool2d_backward(x, np.zeros((1, 4, 4)), 2)
    assert str(err.value) == (
        "grad_output: got an array of shape (1, 4, 4); must have the shape of the pooled output, (1, 2, 2): "
        "one gradient per output value"
    )
    with pytest.raises(ParamError, match=r"^kernel_size: got 0; must be >= 1$"):
        max_pool2d_backward(x, np.zeros((1, 2, 2)), 0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(-50, 50)), max_size=60), st.integers(0, 1000))
def test_running_sums_are_the_loop_s(entries: list[tuple[int, int]], seed: int) -> None:
    base = np.random.default_rng(seed).normal(size=7)
    targets = np.array([t for t, _ in entries], dtype=np.int64)
    values = np.array([v / 7 for _, v in entries])
    cells, expected = base.copy(), []
    for t, v in zip(targets, values, strict=True):
        cells[t] += v
        expected.append(cells[t])
    np.testing.assert_array_equal(running(base, targets, values), np.array(expected))  # bit for bit
    last = last_writer(7, targets, np.arange(targets.size))
    for cell in range(7):
        hits = np.flatnonzero(targets == cell)
        assert last[cell] == (hits[-1] if hits.size else -1)
