"""Checks shared by every op on the arrays it receives."""

from __future__ import annotations

import numpy as np

from app.engine.errors import Described, ParamError

FLOAT64_MAX = float(np.finfo(np.float64).max)  # about 1.8e308: past it a result is inf, and JSON has no inf


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


def check_overflow(overflowed: bool, operands: dict[str, np.ndarray | None], what: str = "the output") -> None:
    """A ParamError when finite operands gave a result past float64's range (``overflowed``: an
    infinity, or a NaN made of two). It names the operand with the largest magnitude, the one to shrink.
    Callers compute under ``np.errstate(over="ignore", invalid="ignore")`` and ask here."""
    if not overflowed:
        return
    given = [(name, float(np.abs(array).max())) for name, array in operands.items() if array is not None]
    name, largest = max(given, key=lambda item: item[1])
    rule = f"{what} would pass {FLOAT64_MAX:.3g}, the largest float64: use smaller values"
    raise ParamError(name, Described(f"values as large as {largest:.3g}"), rule)
