"""Run a seeded input through a layer stack, with seeded small-integer weights.

``run_stack`` takes a stack that ``stack_shapes`` accepted and computes every
layer with the same ops the players trace, so any layer can be opened in its
player with the very numbers it received. Weights and biases are whole numbers
from -1 to 1 (layer i draws from its own streams, ``stack.weight`` and ``stack.bias``
with index i in ``app.engine.streams``), the input whole numbers from 0 to 2. Dropout
runs in evaluation mode (it passes values through), as a trained network does at inference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.engine.conv2d import conv2d
from app.engine.errors import Described, TooLargeError
from app.engine.generated import RANGES, sample_input
from app.engine.pool import avg_pool2d, lp_pool2d, max_pool2d
from app.engine.random import integers
from app.engine.relu import relu
from app.stack.shapes import StackResult


@dataclass(frozen=True)
class LayerRun:
    index: int
    type: str
    params: dict[str, Any]
    input: np.ndarray
    output: np.ndarray
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def run_stack(shapes: StackResult, seed: int, max_macs: int, max_windows: int) -> list[LayerRun]:
    x = sample_input("conv2d", seed, *shapes.input_shape)
    runs = []
    for layer in shapes.layers:
        run = _run(layer.index, layer.type, layer.params, x, seed, max_macs, max_windows)
        runs.append(run)
        x = run.output
    return runs


def _weights(seed: int, index: int, shape: tuple[int, ...], bias: bool) -> tuple[np.ndarray, np.ndarray | None]:
    weight = integers(seed, "stack.weight", shape, *RANGES["weight"], index=index)
    return weight, integers(seed, "stack.bias", (shape[0],), *RANGES["bias"], index=index) if bias else None


def _run(index: int, kind: str, p: dict[str, Any], x: np.ndarray, seed: int, macs: int, windows: int) -> LayerRun:
    if kind == "conv2d":
        shape = (p["out_channels"], p["in_channels"] // p["groups"], *p["kernel_size"])
        w, b = _weights(seed, index, shape, p["bias"])
        conv = conv2d(x, w, b, p["stride"], p["padding"], p["dilation"], p["groups"], p["padding_mode"], macs, windows)
        return LayerRun(index, kind, p, x, conv.output, w, b)
    out: Any
    if kind == "max_pool2d":
        out = max_pool2d(x, p["kernel_size"], p["stride"], p["padding"], p["dilation"], p["ceil_mode"], windows)
    elif kind == "avg_pool2d":
        args = (p["kernel_size"], p["stride"], p["padding"], p["ceil_mode"], p["count_include_pad"])
        out = avg_pool2d(x, *args, p["divisor_override"], windows)
    elif kind == "lp_pool2d":
        out = lp_pool2d(x, p["norm_type"], p["kernel_size"], p["stride"], p["ceil_mode"], windows)
    elif kind == "relu":  # the engine's relu on a volume; after flatten a vector, where it is the same max(0, x)
        return LayerRun(index, kind, p, x, relu(x).output if x.ndim == 3 else np.maximum(x, 0.0))
    elif kind in ("dropout", "dropout2d"):
        return LayerRun(index, kind, p, x, x.copy())  # evaluation mode: the identity
    elif kind == "flatten":
        return LayerRun(index, kind, p, x, x.reshape(-1))
    else:  # linear
        if p["in_features"] * p["out_features"] > macs:
            work = Described(f"{p['in_features']} x {p['out_features']} multiply-adds")
            raise TooLargeError("out_features", work, f"the cap is {macs:,}")
        w, b = _weights(seed, index, (p["out_features"], p["in_features"]), p["bias"])
        y = w @ x + (b if b is not None else 0.0)
        return LayerRun(index, kind, p, x, y, w, b)
    return LayerRun(index, kind, p, x, out.output)
