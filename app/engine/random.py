"""Seeded randomness that gives the same numbers on any machine and any NumPy version.

NumPy guarantees the raw output of its bit generators (PCG64, seeded through
SeedSequence) across versions and platforms, but not the algorithms of
``Generator`` methods. So we only take raw 64-bit words and turn them into
numbers ourselves: uniform floats from the top 53 bits, integers by modulo.
Each use draws from its own stream (``SeedSequence([seed, stream])``), named in
``app.engine.streams``, so adding filters never changes the input and a new dropout
mask never changes the data.
"""

from __future__ import annotations

import numpy as np

from app.engine import streams
from app.engine.errors import ParamError
from app.engine.pairs import is_int

MAX_SEED = 2**31 - 1  # every seed a person or a request gives: 0 to MAX_SEED (a 32-bit signed int, exact in JS)


def check_seed(seed: object) -> int:
    if not is_int(seed) or not 0 <= seed <= MAX_SEED:  # type: ignore[operator]
        raise ParamError("seed", seed, f"must be an integer from 0 to {MAX_SEED}")
    return int(seed)  # type: ignore[call-overload]


def _raw(seed: int, stream: str, index: int | None, count: int) -> np.ndarray:
    """``count`` raw words of the stream named ``stream`` (with its ``index``, for a per-layer stream)."""
    check_seed(seed)
    bits = np.random.PCG64(np.random.SeedSequence([int(seed), streams.number(stream, index)]))
    return bits.random_raw(count)


def uniform(seed: int, stream: str, shape: tuple[int, ...], index: int | None = None) -> np.ndarray:
    """Floats in [0, 1), 53 random bits each."""
    count = int(np.prod(shape))
    words = _raw(seed, stream, index, count)
    return ((words >> np.uint64(11)).astype(np.float64) * 2.0**-53).reshape(shape)


def integers(
    seed: int, stream: str, shape: tuple[int, ...], low: int, high: int, index: int | None = None
) -> np.ndarray:
    """Whole numbers from low to high inclusive, as float64."""
    count = int(np.prod(shape))
    span = np.uint64(high - low + 1)
    return ((_raw(seed, stream, index, count) % span).astype(np.int64) + low).astype(np.float64).reshape(shape)
