"""Seeded randomness that gives the same numbers on any machine and any NumPy version.

NumPy guarantees the raw output of its bit generators (PCG64, seeded through
SeedSequence) across versions and platforms, but not the algorithms of
``Generator`` methods. So we only take raw 64-bit words and turn them into
numbers ourselves: uniform floats from the top 53 bits, integers by modulo.
Each use draws from its own stream (``SeedSequence([seed, stream])``), so adding
filters never changes the input and a new dropout mask never changes the data.
"""

from __future__ import annotations

import numpy as np

from app.engine.errors import ParamError
from app.engine.pairs import is_int

STREAMS = {"input": 0, "weight": 1, "bias": 2, "mask": 3}
MAX_SEED = 2**31 - 1  # the largest seed a request may ask for (the engine takes up to 2**63 - 1)


def check_seed(seed: object) -> int:
    if not is_int(seed) or not 0 <= seed < 2**63:  # type: ignore[operator]
        raise ParamError("seed", seed, "must be an integer from 0 to 2**63 - 1")
    return int(seed)  # type: ignore[call-overload]


def _raw(seed: int, stream: str | int, count: int) -> np.ndarray:
    """``stream``: a name in STREAMS, or a number (a layer's own stream: 100 + the number)."""
    check_seed(seed)
    key = STREAMS[stream] if isinstance(stream, str) else 100 + int(stream)
    bits = np.random.PCG64(np.random.SeedSequence([int(seed), key]))
    return bits.random_raw(count)


def uniform(seed: int, stream: str | int, shape: tuple[int, ...]) -> np.ndarray:
    """Floats in [0, 1), 53 random bits each."""
    count = int(np.prod(shape))
    return ((_raw(seed, stream, count) >> np.uint64(11)).astype(np.float64) * 2.0**-53).reshape(shape)


def integers(seed: int, stream: str | int, shape: tuple[int, ...], low: int, high: int) -> np.ndarray:
    """Whole numbers from low to high inclusive, as float64."""
    count = int(np.prod(shape))
    span = np.uint64(high - low + 1)
    return ((_raw(seed, stream, count) % span).astype(np.int64) + low).astype(np.float64).reshape(shape)
