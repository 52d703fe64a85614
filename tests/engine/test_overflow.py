"""Finite inputs whose result passes float64's range: a ParamError naming the largest operand, raised
before any trace exists (JSON could only send the infinity as null, which the player reads as -inf or
NaN), and no RuntimeWarning on the way (tests run with warnings as errors)."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

from app.engine.conv2d import conv2d
from app.engine.dropout import dropout
from app.engine.errors import ParamError
from app.engine.pool import avg_pool2d, lp_pool2d, max_pool2d
from app.engine.relu import relu

PAST = "would pass 1.8e+308, the largest float64: use smaller values"
BIG = [[[1e308, 1e308], [1e308, 1e308]]]


@pytest.mark.parametrize(
    ("compute", "message"),
    [
        (lambda: conv2d(BIG, [[[[1.0, 1.0]]]]), f"input: got values as large as 1e+308; the output {PAST}"),
        (
            lambda: conv2d([[[3.0, 3.0]]], [[[[1e308, 1e308]]]]),
            f"weight: got values as large as 1e+308; the output {PAST}",
        ),
        (
            lambda: conv2d([[[1.0]]], [[[[1e308]]]], [1e308]),
            f"weight: got values as large as 1e+308; the output {PAST}",
        ),
        (lambda: conv2d([[[1e200]]], [[[[-1e200]]]]), f"input: got values as large as 1e+200; the output {PAST}"),
        (lambda: avg_pool2d(BIG, 2), f"input: got values as large as 1e+308; the sum of a window {PAST}"),
        (
            lambda: lp_pool2d([[[1e20, 1.0], [1.0, 1.0]]], 16, 2),
            f"input: got values as large as 1e+20; the sum of a window's values to the power 16 {PAST}",
        ),
        (
            lambda: lp_pool2d([[[-1e103, 1e103]]], 3, (1, 2)),  # -inf + inf: NaN made of two infinities
            f"input: got values as large as 1e+103; the sum of a window's values to the power 3 {PAST}",
        ),
        (
            lambda: dropout([[[1e308] * 8]], 0.5, True, 0),
            f"input: got values as large as 1e+308; a kept value times 1/(1 - p) = 2 {PAST}",
        ),
    ],
    ids=[
        "conv2d-input",
        "conv2d-weight",
        "conv2d-bias",
        "conv2d-negative",
        "avg_pool2d",
        "lp_pool2d",
        "lp_pool2d-nan",
        "dropout",
    ],
)
def test_an_overflowing_result_is_refused(compute: Callable[[], object], message: str) -> None:
    with pytest.raises(ParamError, match=f"^{re.escape(message)}$"):
        compute()


def test_large_results_within_range_and_the_documented_nans_still_pass() -> None:
    assert conv2d([[[1e300]]], [[[[100.0]]]]).output[0, 0, 0] == pytest.approx(1e302)
    assert max_pool2d(BIG, 2).output[0, 0, 0] == 1e308  # max and relu never overflow
    assert relu(BIG).output.max() == 1e308
    assert dropout(BIG, 0.5, False).output.max() == 1e308  # evaluation: the identity
    nan = lp_pool2d([[[1.0, -2.0], [3.0, 4.0]]], 1.5, 2).output  # a negative x to the power 1.5: NaN, as in PyTorch
    assert np.isnan(nan).all()
