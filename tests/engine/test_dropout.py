"""dropout and dropout2d: evaluation is the identity, training scales the survivors, the same seed
gives the same mask (pinned for seed 0), and the output is always mask * x / (1 - p)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.dropout import dropout
from app.engine.random import MAX_SEED
from tests.engine.cases import SIDE, values


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


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 4),
    SIDE,
    SIDE,
    st.floats(0, 0.95),
    st.integers(0, MAX_SEED),
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
