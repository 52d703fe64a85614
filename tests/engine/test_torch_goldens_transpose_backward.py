"""conv_transpose2d and the backward passes against PyTorch's own numbers
(tests/fixtures/torch_goldens_transpose_backward.json, written by scripts/make_torch_goldens.py in a
separate torch environment: torch 2.13 CPU, float64; torch is not needed here).

Both views of conv_transpose2d must give PyTorch's output, and conv2d_backward all three gradients of
torch.autograd, to rtol=1e-12, atol=1e-12 (only the order of the additions may differ); shapes exactly.
The plain loops in tests/engine/reference_transpose.py are held to the same fixture, which is what
lets the property tests trust them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.engine.conv2d import conv2d
from app.engine.conv2d_backward import conv2d_backward
from app.engine.conv_transpose import conv_transpose2d
from app.engine.gradients import max_pool2d_backward, relu_backward
from app.engine.relu import relu
from tests.engine import reference_transpose as ref

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "torch_goldens_transpose_backward.json"
DATA = json.loads(FIXTURE.read_text())
CASES = {case["id"]: case for case in DATA["cases"]}
TOL = {"rtol": 1e-12, "atol": 1e-12}


def array(case: dict[str, Any], key: str) -> np.ndarray | None:
    return None if case.get(key) is None else np.array(case[key], dtype=np.float64)


def close(name: str, got: np.ndarray | None, case: dict[str, Any], key: str) -> None:
    want = array(case, key)
    if want is None:
        assert got is None, f"{name}: {key} should be None"
        return
    assert got is not None and got.shape == want.shape, f"{name}: {key} shape"
    np.testing.assert_allclose(got, want, **TOL, err_msg=f"{name}: {key}")


def by_op(op: str) -> list[str]:
    return [name for name, case in CASES.items() if case["op"] == op]


def test_fixture_covers_every_setting() -> None:
    assert DATA["dtype"] == "float64" and FIXTURE.stat().st_size < 400_000
    transposed = [CASES[name]["params"] for name in by_op("conv_transpose2d")]
    for key in ("stride", "padding", "output_padding", "groups", "dilation"):
        assert any(key in params for params in transposed), key
    backward = [CASES[name]["params"] for name in by_op("conv2d_backward")]
    assert {p.get("padding_mode", "zeros") for p in backward} == {"zeros", "reflect", "replicate", "circular"}
    for key in ("stride", "padding", "dilation", "groups"):
        assert any(key in params for params in backward), key
    assert any(CASES[name]["bias"] is None for name in by_op("conv2d_backward"))
    assert by_op("relu_backward") and by_op("max_pool2d_backward")


@pytest.mark.parametrize("name", by_op("conv_transpose2d"))
@pytest.mark.parametrize("view", ["scatter", "gather"])
def test_conv_transpose2d_matches_torch(name: str, view: str) -> None:
    case = CASES[name]
    x, w, b = array(case, "input"), array(case, "weight"), array(case, "bias")
    trace = conv_transpose2d(x, w, b, view=view, **case["params"])
    close(name, trace.output, case, "output")
    if view == "gather":
        close(name, trace.steps(0, trace.total_steps)["value"].reshape(trace.output.shape), case, "output")


@pytest.mark.parametrize("name", by_op("conv_transpose2d"))
def test_the_plain_transpose_loop_matches_torch(name: str) -> None:
    case = CASES[name]
    x, w, b = array(case, "input"), array(case, "weight"), array(case, "bias")
    assert x is not None and w is not None
    close(name, ref.conv_transpose2d(x, w, b, **case["params"]), case, "output")


@pytest.mark.parametrize("name", by_op("conv2d_backward"))
def test_conv2d_backward_matches_torch_autograd(name: str) -> None:
    case = CASES[name]
    x, w, b, g = (array(case, key) for key in ("input", "weight", "bias", "grad_output"))
    close(name, conv2d(x, w, b, **case["params"]).output, case, "output")  # the forward the gradients are of
    for gradient in ("grad_input", "grad_weight") + (("grad_bias",) if b is not None else ()):
        trace = conv2d_backward(x, w, b, g, gradient=gradient, **case["params"])
        close(name, trace.grad_input, case, "grad_input")
        close(name, trace.grad_weight, case, "grad_weight")
        close(name, trace.grad_bias, case, "grad_bias")


@pytest.mark.parametrize("name", by_op("conv2d_backward"))
def test_the_chain_rule_loop_matches_torch_autograd(name: str) -> None:
    case = CASES[name]
    x, w, b, g = (array(case, key) for key in ("input", "weight", "bias", "grad_output"))
    assert x is not None and w is not None and g is not None
    grad_x, grad_w, grad_b = ref.conv2d_backward(x, w, b, g, **case["params"])
    close(name, grad_x, case, "grad_input")
    close(name, grad_w, case, "grad_weight")
    close(name, grad_b, case, "grad_bias")


@pytest.mark.parametrize("name", by_op("relu_backward") + by_op("max_pool2d_backward"))
def test_mask_backward_matches_torch_autograd(name: str) -> None:
    case = CASES[name]
    x, g = array(case, "input"), array(case, "grad_output")
    if case["op"] == "relu_backward":
        assert x is not None and (x == 0).any()  # the case holds exact zeros
        close(name, relu_backward(x, g), case, "grad_input")
    else:
        close(name, max_pool2d_backward(x, g, **case["params"]), case, "grad_input")


@pytest.mark.parametrize("name", by_op("relu_backward"))
def test_the_forward_relu_mask_is_torch_s_gradient_mask(name: str) -> None:
    """The mask the relu player draws is where torch.autograd let gradient through: x > 0, so 0 at an
    exact 0 (the case holds zeros; a -0.0 input would be masked the same way, tests/engine/test_relu.py)."""
    case = CASES[name]
    x, g, grad = array(case, "input"), array(case, "grad_output"), array(case, "grad_input")
    assert x is not None and g is not None and grad is not None
    reached = g != 0  # where torch's grad_output is 0 the gradient says nothing about the mask
    assert reached.sum() > x.size // 2 and (x[reached] == 0).any()
    mask = relu(x).mask
    np.testing.assert_array_equal(mask[reached], (grad[reached] != 0).astype(np.int64), err_msg=name)
    np.testing.assert_array_equal(mask, (x > 0).astype(np.int64))
