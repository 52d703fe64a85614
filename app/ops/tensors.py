"""Checks shared by every op on the arrays it receives."""

from __future__ import annotations

import numpy as np

from app.ops.errors import Described, ParamError


def as_tensor(name: str, value: object, ndim: int, layout: str) -> np.ndarray:
    """A finite float64 array with ``ndim`` dimensions, or a ParamError naming ``name``."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError):
        raise ParamError(name, value, f"must be a {ndim}-D array {layout} of numbers with equal-length rows") from None
    if array.ndim != ndim:
        raise ParamError(name, Described(f"an array of shape {array.shape}"), f"must be {ndim}-D, {layout}")
    if array.size == 0:
        raise ParamError(name, Described(f"an array of shape {array.shape}"), "must not be empty")
    bad = np.argwhere(~np.isfinite(array))
    if bad.size:
        where = tuple(int(i) for i in bad[0])
        raise ParamError(
            name, Described(f"{array[where]} at index {list(where)}"), "values must be finite numbers (no NaN or Inf)"
        )
    return array
