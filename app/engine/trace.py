"""What every op's trace offers the layers above it (the stream, the PNG renderer, the player).

A trace is the result of one op with everything needed to replay it: ``steps(start, stop)``
gives the arithmetic of any range of steps as columns, and the methods below say what its
header and done frames carry beyond the common fields, so no caller needs to know which op
it holds. See docs/TRACE_FORMAT.md.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

import numpy as np


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
