"""The generated inputs of an op's example (GET /api/{op}/trace without ``input``, the stack's
input): small seeded whole-number tensors, so a learner can do the arithmetic by hand. Not
pictures: the sample pictures are ``app/images/catalogue.py``.

Ranges follow the CS231n convolution demo for conv2d (inputs 0..2, weights and
biases -1..1), and so do conv_transpose2d and conv2d_backward; ReLU gets signed values so
something is zeroed; pooling and dropout get 0..9; a generated grad_output is -1..1 (a
gradient has either sign).
"""

from __future__ import annotations

import numpy as np

from app.engine.random import integers

RANGES = {
    "conv2d": (0, 2),
    "weight": (-1, 1),
    "bias": (-1, 1),
    "relu": (-5, 5),
    "max_pool2d": (0, 9),
    "avg_pool2d": (0, 9),
    "lp_pool2d": (0, 9),
    "dropout": (1, 9),
    "conv_transpose2d": (0, 2),
    "conv2d_backward": (0, 2),
    "grad_output": (-1, 1),
}


def sample_input(op: str, seed: int, channels: int, height: int, width: int) -> np.ndarray:
    low, high = RANGES[op]
    return integers(seed, "input", (channels, height, width), low, high)


def sample_weight(seed: int, filters: int, channels: int, kh: int, kw: int) -> np.ndarray:
    return integers(seed, "weight", (filters, channels, kh, kw), *RANGES["weight"])


def sample_bias(seed: int, filters: int) -> np.ndarray:
    return integers(seed, "bias", (filters,), *RANGES["bias"])


def sample_grad_output(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    """A seeded grad_output (the loss's gradient for each output value) of ``shape``."""
    return integers(seed, "grad_output", shape, *RANGES["grad_output"])
