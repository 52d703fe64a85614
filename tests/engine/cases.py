"""Shared by the engine's property tests: seeded input values, the comparison they use, the padding
modes and how much padding each allows."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

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
