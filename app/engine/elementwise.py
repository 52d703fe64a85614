"""Steps of an elementwise op (relu, dropout): one step per input cell, in (C, H, W) order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def cell_steps(
    x: np.ndarray, output: np.ndarray, flag: str, flags: np.ndarray, start: int, stop: int
) -> dict[str, np.ndarray]:
    """Columns for steps ``start`` to ``stop - 1``: the cell, its input, ``flag`` (a boolean
    per cell, e.g. relu's "zeroed") and the value."""
    c, y, x_ = np.unravel_index(np.arange(start, stop), x.shape)
    return {"channel": c, "y": y, "x": x_, "input": x[c, y, x_], flag: flags[c, y, x_], "value": output[c, y, x_]}


CELL_STEP_NUMBERS = 6  # numbers in one full step: channel, y, x, input, the flag, value


@dataclass(frozen=True)
class CellPlan:
    """An elementwise op whose arguments have been checked: one step per input cell."""

    input: np.ndarray

    @property
    def output_shape(self) -> tuple[int, ...]:
        return tuple(int(n) for n in self.input.shape)

    def numbers_per_step(self) -> int:
        return CELL_STEP_NUMBERS
