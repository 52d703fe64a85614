"""What every op's trace offers the layers above it (the stream, the PNG renderer, the player).

A trace is the result of one op with everything needed to replay it: ``steps(start, stop)``
gives the arithmetic of any range of steps as columns, and the methods below say what its
header and done frames carry beyond the common fields, so no caller needs to know which op
it holds, and what a picture of it shows (``app/export/render_png.py``). See docs/TRACE_FORMAT.md.

Most ops step through their output cells in order (step ``i`` fills output cell
``unravel(i, output.shape)``). An op whose steps are something else (a scatter's input cells, a
gradient's weights) also defines the optional hooks below, and callers read them through
``compact_steps``, ``output_panel`` and ``filled_at`` here, which fall back to that rule.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

import numpy as np

from app.engine.drawing import Highlight, InputPanel


class Trace(Protocol):
    op: ClassVar[str]  # the op's name, as in app.engine.specs
    order: ClassVar[tuple[str, ...]]  # the step index columns, outermost first
    input: np.ndarray
    output: np.ndarray

    @property
    def total_steps(self) -> int: ...

    def steps(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Columns describing steps ``start`` to ``stop - 1``, one row per step."""
        ...

    def params(self) -> dict[str, Any]:
        """The parameters as the engine normalised them, in PyTorch's order (pairs as [h, w])."""
        ...

    def numbers_per_step(self) -> int:
        """How many numbers one full-detail step carries (what a step costs to encode and send)."""
        ...

    def header_extras(self) -> dict[str, Any]:
        """What the header carries for this op beyond the fields every header has."""
        ...

    def done_extras(self) -> dict[str, Any]:
        """What the done frame carries beyond the output (masks, argmax indices, counts)."""
        ...

    def input_panel(self) -> InputPanel:
        """What a picture of the trace shows as its input (app/engine/drawing.py)."""
        ...

    def output_on_input_scale(self) -> bool:
        """Whether the output shares the input's colour scale (its values are input values)."""
        ...

    def highlight(self, step: int) -> Highlight:
        """The cells step ``step`` reads and writes."""
        ...


# Optional hooks, for a trace whose step i is not output cell unravel(i, output.shape):
#   compact_steps(start, stop) -> {"index": (n, k) ints, "value": (n,)}: what detail=compact sends
#   output_panel() -> (slices, rows, cols): what a picture shows on the right (default: the output)
#   filled_at() -> array shaped like output_panel(): the step after which each cell is final


def compact_steps(trace: Trace, start: int, stop: int) -> dict[str, np.ndarray]:
    """Steps ``start`` to ``stop - 1`` in compact detail: each step's cell and value."""
    own = getattr(trace, "compact_steps", None)
    if own is not None:
        return own(start, stop)
    index = np.stack(np.unravel_index(np.arange(start, stop), trace.output.shape), axis=1)
    return {"index": index, "value": trace.output.reshape(-1)[start:stop]}


def output_panel(trace: Trace) -> np.ndarray:
    """The values a picture of the trace shows as its output, (slices, rows, cols)."""
    own = getattr(trace, "output_panel", None)
    return trace.output if own is None else own()


def filled_at(trace: Trace) -> np.ndarray:
    """Per cell of ``output_panel``, the step after which it holds its final value (-1: from the start)."""
    own = getattr(trace, "filled_at", None)
    if own is not None:
        return own()
    return np.arange(trace.output.size).reshape(trace.output.shape)
