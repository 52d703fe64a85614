"""Padding an input (C, H, W): zeros, reflect, replicate, circular.

The result keeps which cells are padding and, for every padded row and column,
the input row or column it copies (-1 where it is a constant), so a view can
show where a reflected value came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from app.engine.errors import ParamError

PaddingMode = Literal["zeros", "reflect", "replicate", "circular"]
PADDING_MODES: tuple[str, ...] = ("zeros", "reflect", "replicate", "circular")
_NUMPY_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}

INPUT, PADDING, OVERHANG = 0, 1, 2
INSERTED = 3  # a zero a transposed convolution inserts between input cells (its gather frame)


@dataclass(frozen=True)
class Padded:
    values: np.ndarray  # (C, Hp, Wp) float64
    kinds: np.ndarray  # (Hp, Wp) int8: INPUT, PADDING or OVERHANG
    source_rows: np.ndarray  # (Hp,) input row each padded row copies, -1 for a constant
    source_cols: np.ndarray  # (Wp,)
    pads: tuple[tuple[int, int], tuple[int, int]]


def check_mode(mode: str, pads: tuple[tuple[int, int], tuple[int, int]], height: int, width: int) -> None:
    """PyTorch's limits: reflect needs padding < size, circular padding <= size."""
    if mode not in PADDING_MODES:
        raise ParamError("padding_mode", mode, f"must be one of {', '.join(PADDING_MODES)}")
    for axis, (before, after), size in (("height", pads[0], height), ("width", pads[1], width)):
        biggest = max(before, after)
        if mode == "reflect" and biggest >= size:
            raise ParamError(
                "padding",
                biggest,
                f"reflect padding must be smaller than the input's {axis} ({size}): "
                f"a reflection cannot reach past the opposite edge",
            )
        if mode == "circular" and biggest > size:
            raise ParamError(
                "padding",
                biggest,
                f"circular padding must be at most the input's {axis} ({size}): it would wrap around more than once",
            )


def _sources(size: int, before: int, after: int, mode: str) -> np.ndarray:
    index = np.arange(size, dtype=np.int64)
    if mode == "zeros":
        return np.pad(index, (before, after), mode="constant", constant_values=-1)
    return np.pad(index, (before, after), mode=_NUMPY_MODE[mode])  # type: ignore[call-overload]


def pad(
    x: np.ndarray,
    pads: tuple[tuple[int, int], tuple[int, int]],
    mode: str = "zeros",
    fill: float = 0.0,
    overhang: tuple[int, int] = (0, 0),
) -> Padded:
    """Pad ``x`` (C, H, W). ``fill`` is the constant for 'zeros' mode (max pooling uses -inf);
    ``overhang`` adds cells past the bottom and right edges that windows reach when pooling rounds the output size up
    (filled with NaN: they take part in nothing)."""
    _, height, width = x.shape
    check_mode(mode, pads, height, width)
    (top, bottom), (left, right) = pads
    rows = _sources(height, top, bottom, mode)
    cols = _sources(width, left, right, mode)
    if mode == "zeros":
        values = np.pad(x, ((0, 0), (top, bottom), (left, right)), mode="constant", constant_values=fill)
    else:
        values = x[:, rows][:, :, cols]
    kinds = np.full((rows.size, cols.size), PADDING, dtype=np.int8)
    kinds[top : top + height, left : left + width] = INPUT
    extra_h, extra_w = overhang
    if extra_h or extra_w:
        values = np.pad(values, ((0, 0), (0, extra_h), (0, extra_w)), mode="constant", constant_values=np.nan)
        kinds = np.pad(kinds, ((0, extra_h), (0, extra_w)), mode="constant", constant_values=OVERHANG)
        rows = np.pad(rows, (0, extra_h), constant_values=-1)
        cols = np.pad(cols, (0, extra_w), constant_values=-1)
    return Padded(np.ascontiguousarray(values, dtype=np.float64), kinds, rows, cols, pads)
