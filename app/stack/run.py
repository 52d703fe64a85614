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

from app.engine.errors import Described, TooLargeError
from app.engine.generated import RANGES, sample_input
from app.engine.random import integers
from app.engine.relu import relu
from app.engine.specs import LAYERS
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


def run_stack(
    shapes: StackResult, seed: int, max_macs: int, max_windows: int, max_output: int | None = None
) -> list[LayerRun]:
    x = sample_input("conv2d", seed, *shapes.input_shape)
    runs = []
    caps = {"max_macs": max_macs, "max_windows": max_windows, "max_output": max_output}
    for layer in shapes.layers:
        run = _run(layer.index, layer.type, layer.params, x, seed, caps)
        runs.append(run)
        x = run.output
    return runs


def _weights(
    seed: int, index: int, shape: tuple[int, ...], bias: bool, outputs: int
) -> tuple[np.ndarray, np.ndarray | None]:
    weight = integers(seed, "stack.weight", shape, *RANGES["weight"], index=index)
    return weight, integers(seed, "stack.bias", (outputs,), *RANGES["bias"], index=index) if bias else None


def _run(index: int, kind: str, p: dict[str, Any], x: np.ndarray, seed: int, limits: dict[str, Any]) -> LayerRun:
    spec = LAYERS[kind]
    if spec.layer_shape is not None:  # convolution and pooling: the op the player traces, with these parameters
        tensors: list[Any] = []
        if "weight" in spec.takes:
            shape = spec.weight_shape(p["in_channels"], p["out_channels"], p["groups"], p["kernel_size"])
            w, b = _weights(seed, index, shape, p["bias"], p["out_channels"])
            tensors = [w, b]
        args = {param.name: p[param.name] for param in spec.module_params if not param.from_tensor}
        caps = {name: value for name, value in limits.items() if name in spec.caps}
        assert spec.engine is not None
        out = spec.engine(x, *tensors, **args, **caps)
        return LayerRun(index, kind, p, x, out.output, *tensors)
    if kind == "relu":  # the engine's relu on a volume; after flatten a vector, where it is the same max(0, x)
        return LayerRun(index, kind, p, x, relu(x).output if x.ndim == 3 else np.maximum(x, 0.0))
    elif kind in ("dropout", "dropout2d"):
        return LayerRun(index, kind, p, x, x.copy())  # evaluation mode: the identity
    elif kind == "flatten":
        return LayerRun(index, kind, p, x, x.reshape(-1))
    else:  # linear
        if p["in_features"] * p["out_features"] > limits["max_macs"]:
            work = Described(f"{p['in_features']} x {p['out_features']} multiply-adds")
            raise TooLargeError("out_features", work, f"the cap is {limits['max_macs']:,}")
        w, b = _weights(seed, index, (p["out_features"], p["in_features"]), p["bias"], p["out_features"])
        y = w @ x + (b if b is not None else 0.0)
        return LayerRun(index, kind, p, x, y, w, b)
