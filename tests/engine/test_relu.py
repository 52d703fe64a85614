"""relu: its output and mask by hand, and against the plain reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.relu import relu
from tests.engine import reference
from tests.engine.cases import SIDE, values


def test_relu_output_and_mask() -> None:
    x = np.array([[[-2.0, -0.5, 0.0], [0.5, 3.0, -1.0]]])
    trace = relu(x)
    np.testing.assert_array_equal(trace.output, [[[0, 0, 0], [0.5, 3, 0]]])
    np.testing.assert_array_equal(trace.mask, [[[0, 0, 0], [1, 1, 0]]])  # 1 where x > 0, as PyTorch's
    np.testing.assert_array_equal(trace.output, trace.mask * x)


def test_relu_at_exactly_zero_and_minus_zero() -> None:
    """PyTorch's mask is x > 0 (threshold_backward: the gradient at 0 is 0), so 0 and -0.0 are masked;
    both come out as 0.0, never -0.0 (a learner would read "-0" as another number)."""
    x = np.array([[[-2.0, -0.0, 0.0, 1e-300, 3.0]]])
    trace = relu(x)
    np.testing.assert_array_equal(trace.mask, [[[0, 0, 0, 1, 1]]])
    np.testing.assert_array_equal(trace.output, [[[0, 0, 0, 1e-300, 3]]])
    assert not np.signbit(trace.output).any()
    assert trace.done_extras()["zeroed"] == 3
    steps = trace.steps(0, trace.total_steps)
    assert steps["zeroed"].tolist() == [True, True, True, False, False]
    assert not np.signbit(steps["value"]).any()


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4), SIDE, SIDE, st.integers(0, 2**32 - 1), st.booleans())
def test_relu_matches_the_reference(channels: int, height: int, width: int, seed: int, integers: bool) -> None:
    x = values(seed, (channels, height, width), integers, -2, 2)
    trace = relu(x)
    expected, mask = reference.relu(x)
    np.testing.assert_array_equal(trace.output, expected)
    np.testing.assert_array_equal(trace.mask, mask)
