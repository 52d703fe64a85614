"""Transfer learning, measured: reuse a trained network's layers for a new task, or train from scratch.

``compare`` trains two networks on the same few examples, side by side, one epoch
(one full-batch Adam step) at a time, and yields the figures after each epoch:

- transfer: the trained network's convolution layers are frozen (their weights never
  change) and only a new last layer, ``Linear(64, classes)`` from random weights, trains;
- scratch: the same network with every layer from random weights, all of them trained.

Both use the same examples, optimiser, learning rate and number of epochs, and the new
last layer starts from the same random weights in both. ``activations`` runs one image
through the network with the engine's own ops, layer by layer, for the page to draw.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.engine.conv2d import conv2d
from app.engine.errors import ParamError
from app.engine.pairs import is_int
from app.engine.pool import max_pool2d
from app.engine.random import check_seed, uniform
from app.engine.relu import relu
from app.transfer import tinycnn

EXAMPLE_STREAM = "transfer.examples"  # app.engine.streams: picks the few examples
HEAD_STREAM = "transfer.head"  # ... draws the new last layer's weights
SCRATCH_STREAM = "transfer.scratch"  # ... draws the convolution weights of the network trained from scratch
FROZEN = ("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias")


@dataclass(frozen=True)
class Layer:
    name: str  # "input", "conv1", "relu1", "pool1", ..., "fc", "softmax"
    values: np.ndarray  # (C, H, W) for maps, (n,) for vectors


def activations(params: tinycnn.Params, image: np.ndarray) -> list[Layer]:
    """Every layer's output for one (8, 8) image, computed by the engine's conv2d, relu and max_pool2d."""
    x = np.asarray(image, dtype=np.float64)[None]
    layers = [Layer("input", x)]
    for i, (name, _, _) in enumerate(tinycnn.CONV_LAYERS, start=1):
        x = conv2d(x, params[f"{name}.weight"], params[f"{name}.bias"], padding=1).output
        layers.append(Layer(name, x))
        x = relu(x).output
        layers.append(Layer(f"relu{i}", x))
        x = max_pool2d(x, 2).output
        layers.append(Layer(f"pool{i}", x))
    flat = x.reshape(-1)
    layers.append(Layer("flatten", flat))
    z = params["fc.weight"] @ flat + params["fc.bias"]
    layers.append(Layer("fc", z))
    layers.append(Layer("softmax", tinycnn.softmax(z[None])[0]))
    return layers


def _draw(seed: int, stream: str) -> tinycnn.Draw:
    """Successive draws from one seeded stream (each call takes the next numbers)."""
    taken = [0]

    def draw(shape: tuple[int, ...]) -> np.ndarray:
        n = int(np.prod(shape))
        values = uniform(seed, stream, (taken[0] + n,))[taken[0] :]
        taken[0] += n
        return values.reshape(shape)

    return draw


def choose_examples(labels: np.ndarray, classes: tuple[int, ...], shots: int, seed: int) -> np.ndarray:
    """Positions of ``shots`` examples of each class in ``labels``, picked by a seeded shuffle."""
    keys = uniform(seed, EXAMPLE_STREAM, (labels.size,))
    picked = []
    for c in classes:
        rows = np.flatnonzero(labels == c)
        if rows.size < shots:
            raise ParamError("shots", shots, f"only {rows.size} training examples of class {c} exist")
        picked.append(rows[np.argsort(keys[rows], kind="stable")[:shots]])
    return np.concatenate(picked)


def check_settings(shots: Any, epochs: Any, lr: Any, seed: Any, max_shots: int, max_epochs: int) -> None:
    if not is_int(shots) or not 1 <= shots <= max_shots:
        raise ParamError("shots", shots, f"must be a whole number from 1 to {max_shots}")
    if not is_int(epochs) or not 1 <= epochs <= max_epochs:
        raise ParamError("epochs", epochs, f"must be a whole number from 1 to {max_epochs}")
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (0 < lr <= 1):
        raise ParamError("lr", lr, "must be a number greater than 0 and at most 1")
    check_seed(seed)


def _accuracy(z: np.ndarray, labels: np.ndarray) -> float:
    return float((z.argmax(axis=1) == labels).mean())


def compare(
    pretrained: tinycnn.Params,
    x: np.ndarray,
    y: np.ndarray,
    test_x: np.ndarray,
    test_y: np.ndarray,
    epochs: int,
    lr: float,
    seed: int,
) -> Iterator[dict[str, Any]]:
    """Train both networks on (x, y), class indices 0..k-1; after each epoch yield
    ``{"epoch", "transfer": {loss, train_accuracy, test_accuracy}, "scratch": {...}}``.
    The loss is the mean cross-entropy on the training examples before that epoch's step."""
    classes = int(max(y.max(), test_y.max())) + 1
    head = tinycnn.init_head(_draw(seed, HEAD_STREAM), classes)
    transfer = {k: pretrained[k] for k in FROZEN}
    scratch = tinycnn.init_params(_draw(seed, SCRATCH_STREAM), classes)
    scratch.update({k: v.copy() for k, v in head.items()})
    feats = tinycnn.features(transfer, x)[0]  # frozen layers: their features are computed once
    test_feats = tinycnn.features(transfer, test_x)[0]
    head_opt, scratch_opt = tinycnn.Adam(head, lr), tinycnn.Adam(scratch, lr)
    for epoch in range(1, epochs + 1):
        loss_t, grad = tinycnn.cross_entropy(tinycnn.logits(head, feats), y)
        head_opt.step(head, tinycnn.head_backward(feats, grad, head)[0])
        loss_s, grads = tinycnn.loss_and_grads(scratch, x, y)
        scratch_opt.step(scratch, grads)
        yield {
            "epoch": epoch,
            "transfer": {
                "loss": loss_t,
                "train_accuracy": _accuracy(tinycnn.logits(head, feats), y),
                "test_accuracy": _accuracy(tinycnn.logits(head, test_feats), test_y),
            },
            "scratch": {
                "loss": loss_s,
                "train_accuracy": tinycnn.accuracy(scratch, x, y),
                "test_accuracy": tinycnn.accuracy(scratch, test_x, test_y),
            },
        }
