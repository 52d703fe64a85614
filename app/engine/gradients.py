"""Where gradient flows back through ReLU and max pooling: the backward passes behind their masks.

- ReLU passes a value's gradient where the value was > 0 and stops it elsewhere. At exactly 0
  (and -0.0) PyTorch's gradient is 0: this is the mask the forward trace carries (app/engine/relu.py).
- Max pooling sends each window's gradient to the cell it took its maximum from, the argmax the
  forward trace marks (PyTorch's return_indices); where windows overlap a cell can receive several.

Pure NumPy, like every op here; the conv2d backward pass is app/engine/conv2d_backward.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.engine.errors import Described, ParamError
from app.engine.pool import MaxPoolTrace, max_pool2d
from app.engine.relu import relu
from app.engine.tensors import as_tensor


def _grad(grad_output: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    g = as_tensor("grad_output", grad_output, 3, "(channels, height, width)")
    if g.shape != shape:
        raise ParamError(
            "grad_output",
            Described(f"an array of shape {tuple(int(n) for n in g.shape)}"),
            f"must have the shape of {what}, {shape}: one gradient per output value",
        )
    return g


def relu_mask(input: Any) -> np.ndarray:
    """(C, H, W) 1 where ReLU lets gradient through (x > 0), 0 elsewhere, exactly 0 included: the
    forward trace's mask, the one place it is computed."""
    return relu(input).mask


def relu_backward(input: Any, grad_output: Any) -> np.ndarray:
    """The gradient with respect to ReLU's input: grad_output where input > 0, else 0 (torch.autograd's)."""
    mask = relu_mask(input)
    g = _grad(grad_output, tuple(int(n) for n in mask.shape), "the input")
    return np.where(mask == 1, g, 0.0)


def max_pool2d_backward(
    input: Any,
    grad_output: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: Any = False,
) -> np.ndarray:
    """The gradient with respect to max_pool2d's input: each window's gradient added to its argmax cell
    (the forward trace's ``argmax``), overlapping windows adding up (torch.autograd's)."""
    forward = max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)
    assert isinstance(forward, MaxPoolTrace)
    g = _grad(grad_output, tuple(int(n) for n in forward.output.shape), "the pooled output")
    channels, height, width = forward.input.shape
    flat = np.arange(channels)[:, None, None] * (height * width) + forward.argmax
    total = np.bincount(flat.reshape(-1), g.reshape(-1), minlength=channels * height * width)
    return total.reshape(channels, height, width)
