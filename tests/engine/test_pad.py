"""Padding: each mode's values and source indices worked out by hand, and a property test of the
index mapping against tests/engine/reference.py."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.pad import INPUT, PADDING, pad
from tests.engine import reference
from tests.engine.cases import MODES, SIDE, pad_limit, values

X33 = np.arange(1, 10, dtype=np.float64).reshape(1, 3, 3)  # [[1,2,3],[4,5,6],[7,8,9]]


@pytest.mark.parametrize(
    ("mode", "sources", "expected"),
    [
        # reflect: -1 -> 1, 3 -> 1 (the edge is not repeated)
        (
            "reflect",
            [1, 0, 1, 2, 1],
            [[5, 4, 5, 6, 5], [2, 1, 2, 3, 2], [5, 4, 5, 6, 5], [8, 7, 8, 9, 8], [5, 4, 5, 6, 5]],
        ),
        # replicate: -1 -> 0, 3 -> 2 (the edge is repeated)
        (
            "replicate",
            [0, 0, 1, 2, 2],
            [[1, 1, 2, 3, 3], [1, 1, 2, 3, 3], [4, 4, 5, 6, 6], [7, 7, 8, 9, 9], [7, 7, 8, 9, 9]],
        ),
        # circular: -1 -> 2, 3 -> 0 (wraps around)
        (
            "circular",
            [2, 0, 1, 2, 0],
            [[9, 7, 8, 9, 7], [3, 1, 2, 3, 1], [6, 4, 5, 6, 4], [9, 7, 8, 9, 7], [3, 1, 2, 3, 1]],
        ),
        (
            "zeros",
            [-1, 0, 1, 2, -1],
            [[0, 0, 0, 0, 0], [0, 1, 2, 3, 0], [0, 4, 5, 6, 0], [0, 7, 8, 9, 0], [0, 0, 0, 0, 0]],
        ),
    ],
)
def test_padding_modes(mode: str, sources: list[int], expected: list[list[int]]) -> None:
    padded = pad(X33, ((1, 1), (1, 1)), mode)
    np.testing.assert_array_equal(padded.values, [expected])
    assert padded.source_rows.tolist() == sources
    assert padded.source_cols.tolist() == sources
    kinds = np.full((5, 5), PADDING)
    kinds[1:4, 1:4] = INPUT
    np.testing.assert_array_equal(padded.kinds, kinds)


def test_uneven_padding_keeps_rows_and_cols_apart() -> None:
    # 1x2x3, pads (top 1, bottom 0), (left 0, right 2), reflect: rows [1, 0, 1]; cols [0, 1, 2, 1, 0]
    x = np.array([[[1, 2, 3], [4, 5, 6]]], dtype=np.float64)
    padded = pad(x, ((1, 0), (0, 2)), "reflect")
    assert padded.source_rows.tolist() == [1, 0, 1]
    assert padded.source_cols.tolist() == [0, 1, 2, 1, 0]
    np.testing.assert_array_equal(padded.values, [[[4, 5, 6, 5, 4], [1, 2, 3, 2, 1], [4, 5, 6, 5, 4]]])


@settings(max_examples=150, deadline=None)
@given(mode=st.sampled_from(MODES), height=SIDE, width=SIDE, data=st.data())
def test_pad_sources_follow_the_index_mapping(mode: str, height: int, width: int, data: Any) -> None:
    top, bottom = data.draw(st.integers(0, pad_limit(mode, height))), data.draw(st.integers(0, pad_limit(mode, height)))
    left, right = data.draw(st.integers(0, pad_limit(mode, width))), data.draw(st.integers(0, pad_limit(mode, width)))
    x = values(data.draw(st.integers(0, 1000)), (2, height, width), True)
    padded = pad(x, ((top, bottom), (left, right)), mode)
    assert padded.values.shape == (2, height + top + bottom, width + left + right)
    rows = [reference.source_index(i - top, height, mode) for i in range(height + top + bottom)]
    cols = [reference.source_index(j - left, width, mode) for j in range(width + left + right)]
    assert padded.source_rows.tolist() == [-1 if r is None else r for r in rows]
    assert padded.source_cols.tolist() == [-1 if c is None else c for c in cols]
