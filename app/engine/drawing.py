"""What a picture of a trace shows, as pure data: each trace class answers these questions
(``input_panel``, ``output_on_input_scale``, ``highlight``) so a renderer loops over one
protocol with no ``isinstance`` on op types (app/export/render_png.py). No drawing here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.engine.geometry import Axis


@dataclass(frozen=True)
class InputPanel:
    """The input as drawn: values (C, H, W), each cell's kind (H, W) (pad.INPUT, PADDING,
    OVERHANG) or None when every cell is input, and the cells (row, col) no step reads."""

    values: np.ndarray
    kinds: np.ndarray | None
    uncovered: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Highlight:
    """What one step marks: the output slice it fills and its cell (row, col) there, the input
    channels it reads and, in each of them, the input panel's cells (row, col) it reads.
    ``written``: when a step writes more than one output cell (a scatter adds a whole kernel into
    the output), every (slice, row, col) it writes; the renderer outlines these instead."""

    out_slice: int
    out_cell: tuple[int, int]
    channels: tuple[int, ...]
    cells: tuple[tuple[int, int], ...]
    written: tuple[tuple[int, int, int], ...] | None = None


def window_highlight(
    axes: tuple[Axis, Axis], shape: tuple[int, ...], step: int, channels: np.ndarray | None
) -> Highlight:
    """Step ``step`` of a windowed op (output cell unravel(step, shape)): its window's cells in
    the padded frame, read in ``channels[slice]`` (None: the output slice's own channel)."""
    out, oy, ox = (int(i) for i in np.unravel_index(step, shape))
    rows, cols = axes[0].taps()[oy], axes[1].taps()[ox]
    read = (out,) if channels is None else tuple(int(c) for c in channels[out])
    return Highlight(out, (oy, ox), read, tuple((int(r), int(c)) for r in rows for c in cols))


def cell_highlight(shape: tuple[int, ...], step: int) -> Highlight:
    """Step ``step`` of an elementwise op: the cell unravel(step, shape), in and out."""
    channel, y, x = (int(i) for i in np.unravel_index(step, shape))
    return Highlight(channel, (y, x), (channel,), ((y, x),))


def uncovered_cells(axes: tuple[Axis, Axis], channels_shape: tuple[int, int]) -> tuple[tuple[int, int], ...]:
    """Input cells, in padded coordinates, in a row or column no window reads."""
    height, width = channels_shape
    top, left = axes[0].pad_before, axes[1].pad_before
    rows, cols = axes[0].uncovered(), axes[1].uncovered()
    cells = [(r + top, x + left) for r in rows for x in range(width)]
    cells += [(y + top, c + left) for c in cols for y in range(height) if y not in rows]
    return tuple(cells)
