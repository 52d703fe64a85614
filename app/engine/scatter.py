"""Running sums of a scatter: values added one after another into cells, some into the same cell.

A transposed convolution (and the gradient of a convolution's input) adds a whole kernel's
products into the output at each step, and neighbouring steps overlap. To show a learner the
overlaps adding up, each added value is reported with the cell's value just after it was added,
in the order the steps add them, exactly as a loop would.
"""

from __future__ import annotations

import numpy as np


def running(base: np.ndarray, targets: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values[k]`` is added to the flat cell ``targets[k]`` of ``base`` in the order k = 0, 1, ...;
    returns each cell's value just after its ``values[k]`` was added (``base`` is not changed).

    Entries are grouped by cell (a stable sort keeps their order) and summed level by level:
    the first entry of every cell at once, then every second entry, and so on, so the sums are
    those of the sequential loop, with a NumPy operation per level rather than per entry."""
    count = targets.size
    if count == 0:
        return np.empty(0)
    order = np.argsort(targets, kind="stable")
    cells, added = targets[order], values[order]
    starts = np.r_[True, cells[1:] != cells[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(count), 0))
    rank = np.arange(count) - first  # how many earlier entries went into the same cell
    by_rank = np.argsort(rank, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(rank))]
    after = np.empty(count)
    level = by_rank[: bounds[1]]
    after[level] = base[cells[level]] + added[level]
    for r in range(1, bounds.size - 1):
        level = by_rank[bounds[r] : bounds[r + 1]]
        after[level] = after[level - 1] + added[level]
    result = np.empty(count)
    result[order] = after
    return result


def last_writer(size: int, targets: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """(size,) per flat cell, the last step that adds into it (-1: none; its first value is final)."""
    last = np.full(size, -1, dtype=np.int64)
    np.maximum.at(last, targets, steps)
    return last
