"""Steps of an elementwise op (relu, dropout): one step per input cell, in (C, H, W) order."""

from __future__ import annotations

import numpy as np


def cell_steps(
    x: np.ndarray, output: np.ndarray, flag: str, flags: np.ndarray, start: int, stop: int
) -> dict[str, np.ndarray]:
    """Columns for steps ``start`` to ``stop - 1``: the cell, its input, ``flag`` (a boolean
    per cell, e.g. relu's "zeroed") and the value."""
    c, y, x_ = np.unravel_index(np.arange(start, stop), x.shape)
    return {"channel": c, "y": y, "x": x_, "input": x[c, y, x_], flag: flags[c, y, x_], "value": output[c, y, x_]}
