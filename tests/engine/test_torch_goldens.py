"""The engine against PyTorch's own numbers (tests/fixtures/torch_goldens.json, written by
scripts/make_torch_goldens.py in a separate torch environment; torch is not needed here).

Outputs must agree to rtol=1e-12, atol=1e-12 (float64, only the order of the additions
may differ), output shapes and max-pool indices exactly. The plain reference in
tests/engine/reference.py is held to the same fixture, which is what lets the property
tests trust it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.engine.conv2d import conv2d
from app.engine.dropout import dropout
from app.engine.pool import avg_pool2d, lp_pool2d, max_pool2d
from app.engine.relu import relu
from tests.engine import reference

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "torch_goldens.json"
DATA = json.loads(FIXTURE.read_text())
CASES = {case["id"]: case for case in DATA["cases"]}
TOL = {"rtol": 1e-12, "atol": 1e-12}


def arrays(case: dict[str, Any]) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    x = np.array(case["input"], dtype=np.float64)
    w = np.array(case["weight"], dtype=np.float64) if case.get("weight") is not None else None
    b = np.array(case["bias"], dtype=np.float64) if case.get("bias") is not None else None
    return x, w, b


def engine(case: dict[str, Any]) -> tuple[np.ndarray, np.ndarray | None]:
    """(output, max-pool indices or None) from app.ops."""
    x, w, b = arrays(case)
    params, op = case["params"], case["op"]
    if op == "conv2d":
        return conv2d(x, w, b, **params).output, None
    if op == "max_pool2d":
        trace = max_pool2d(x, **params)
        return trace.output, trace.argmax
    if op == "avg_pool2d":
        return avg_pool2d(x, **params).output, None
    if op == "lp_pool2d":
        return lp_pool2d(x, **params).output, None
    if op == "relu":
        return relu(x).output, None
    if op == "dropout":
        return dropout(x, **params).output, None
    raise AssertionError(op)


def plain(case: dict[str, Any]) -> tuple[np.ndarray, np.ndarray | None]:
    """The same from tests/engine/reference.py."""
    x, w, b = arrays(case)
    params, op = case["params"], case["op"]
    if op == "conv2d":
        return reference.conv2d(x, w, b, **params), None
    if op == "max_pool2d":
        return reference.max_pool2d(x, **params)
    if op == "avg_pool2d":
        return reference.avg_pool2d(x, **params)[0], None
    if op == "lp_pool2d":
        return reference.lp_pool2d(x, **params), None
    if op == "relu":
        return reference.relu(x)[0], None
    if op == "dropout":
        return x, None
    raise AssertionError(op)


def check(case: dict[str, Any], output: np.ndarray, indices: np.ndarray | None) -> None:
    expected = np.array(case["output"], dtype=np.float64)
    assert output.shape == expected.shape, case["id"]
    np.testing.assert_allclose(output, expected, **TOL, err_msg=case["id"])
    if "indices" in case:
        assert indices is not None
        np.testing.assert_array_equal(indices, np.array(case["indices"]), err_msg=case["id"])


def engine_params() -> list[Any]:
    params = []
    for name in CASES:
        params.append(pytest.param(name, id=name))
    return params


def test_fixture_covers_every_op_and_stays_small() -> None:
    ops = {case["op"] for case in CASES.values()}
    assert ops == {"conv2d", "max_pool2d", "avg_pool2d", "lp_pool2d", "relu", "dropout"}
    assert len(CASES) >= 60
    assert FIXTURE.stat().st_size < 1_000_000
    assert DATA["dtype"] == "float64"
    modes = {case["params"].get("padding_mode", "zeros") for case in CASES.values() if case["op"] == "conv2d"}
    assert modes == {"zeros", "reflect", "replicate", "circular"}


@pytest.mark.parametrize("name", engine_params())
def test_engine_matches_torch(name: str) -> None:
    case = CASES[name]
    check(case, *engine(case))


@pytest.mark.parametrize("name", list(CASES))
def test_reference_matches_torch(name: str) -> None:
    case = CASES[name]
    check(case, *plain(case))
