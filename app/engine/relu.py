"""ReLU, f(x) = max(0, x), with the mask of what passed.

The mask is PyTorch's: 1 where x > 0, 0 elsewhere, exactly 0 and -0.0 included. It is the mask
torch.autograd's backward pass (threshold_backward) applies to the gradient, and the one
app/engine/gradients.py uses: a 0 comes out as 0 either way, and no gradient flows back through it.

Step ``i`` is the input cell ``(channel, y, x) = unravel(i, (C, H, W))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from app.engine.drawing import Highlight, InputPanel, cell_highlight
from app.engine.elementwise import CELL_STEP_NUMBERS, CellPlan, cell_steps
from app.engine.tensors import as_tensor


@dataclass(frozen=True)
class ReluTrace:
    input: np.ndarray  # (C, H, W)
    output: np.ndarray  # (C, H, W)
    mask: np.ndarray  # (C, H, W) int: 1 where the input was > 0 and passed, 0 where it was 0 or negative

    @property
    def total_steps(self) -> int:
        return int(self.input.size)

    def steps(self, start: int, stop: int) -> dict[str, np.ndarray]:
        return cell_steps(self.input, self.output, "zeroed", self.mask == 0, start, stop)

    # Drawing hooks (app/engine/drawing.py, read by app/export/render_png.py): pure data.
    def input_panel(self) -> InputPanel:
        """The input as it is: every cell an input cell, every cell read."""
        return InputPanel(self.input, None)

    def output_on_input_scale(self) -> bool:
        """True: each output is an input value or 0, so one scale gives the same number the same colour."""
        return True

    def highlight(self, step: int) -> Highlight:
        """Step ``step``: one cell, the same in the input and the output."""
        return cell_highlight(self.input.shape, step)

    op: ClassVar[str] = "relu"
    order: ClassVar[tuple[str, ...]] = ("channel", "y", "x")

    def params(self) -> dict[str, Any]:
        return {}

    def numbers_per_step(self) -> int:
        return CELL_STEP_NUMBERS

    def header_extras(self) -> dict[str, Any]:
        return {}

    def done_extras(self) -> dict[str, Any]:
        return {"mask": self.mask, "zeroed": int((self.mask == 0).sum())}


def relu_plan(input: Any) -> CellPlan:
    """Every check ``relu`` makes."""
    return CellPlan(as_tensor("input", input, 3, "(channels, height, width)"))


def relu(input: Any) -> ReluTrace:
    """torch.relu on a (C, H, W) array: the input where the mask is 1 (x > 0), else 0.0 (never -0.0)."""
    x = relu_plan(input).input
    mask = (x > 0).astype(np.int64)
    return ReluTrace(x, np.where(mask == 1, x, 0.0), mask)
