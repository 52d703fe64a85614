"""A small CNN for 8x8 greyscale digits: forward and backward passes on batches, in NumPy.

The network (PyTorch's names and layouts; arrays are (N, C, H, W)):

    conv1  Conv2d(1, 8, 3, padding=1)   -> ReLU -> MaxPool2d(2)   8x8x1 -> 8x8x8 -> 4x4x8
    conv2  Conv2d(8, 16, 3, padding=1)  -> ReLU -> MaxPool2d(2)   4x4x8 -> 4x4x16 -> 2x2x16
    flatten                                                       2x2x16 -> 64 (channel-major, as torch.flatten)
    fc     Linear(64, classes)                                    64 -> classes

Training needs whole batches and gradients, so this file has its own im2col forward
and the matching backward. The feature maps a page shows come from the engine's own
ops (``app.transfer.training.activations``); a test checks both give the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

Params = dict[str, np.ndarray]
Draw = Callable[[tuple[int, ...]], np.ndarray]  # floats in [0, 1) of a given shape
SIDE = 8  # input height and width: one channel
CONV_LAYERS = (("conv1", 1, 8), ("conv2", 8, 16))  # name, in_channels, out_channels; 3x3, padding 1, then pool 2
POOLED = SIDE // 2 ** len(CONV_LAYERS)  # height and width after the last pooling: 2
FEATURES = CONV_LAYERS[-1][2] * POOLED * POOLED  # 16 channels x 2 x 2 = 64


Layer = tuple[str, str, tuple[int, ...]]  # name, PyTorch module, output shape


def layers(classes: int) -> list[Layer]:
    """Every layer in order: its name, its PyTorch module and its output, (C, H, W) or (n,)."""
    table: list[Layer] = []
    side = SIDE
    for i, (name, cin, cout) in enumerate(CONV_LAYERS, start=1):
        table.append((name, f"Conv2d({cin}, {cout}, kernel_size=3, padding=1)", (cout, side, side)))
        table.append((f"relu{i}", "ReLU()", (cout, side, side)))
        side //= 2
        table.append((f"pool{i}", "MaxPool2d(2)", (cout, side, side)))
    table.append(("flatten", "Flatten()", (FEATURES,)))
    table.append(("fc", f"Linear({FEATURES}, {classes})", (classes,)))
    return table


def _uniform(draw: Draw, bound: float, shape: tuple[int, ...]) -> np.ndarray:
    return bound * (2.0 * draw(shape) - 1.0)


def init_params(draw: Draw, classes: int) -> Params:
    """PyTorch's default initialisation: uniform in +-1/sqrt(fan_in) for weights and biases."""
    params: Params = {}
    for name, cin, cout in CONV_LAYERS:
        bound = 1.0 / np.sqrt(cin * 9)
        params[f"{name}.weight"] = _uniform(draw, bound, (cout, cin, 3, 3))
        params[f"{name}.bias"] = _uniform(draw, bound, (cout,))
    params.update(init_head(draw, classes))
    return params


def init_head(draw: Draw, classes: int) -> Params:
    bound = 1.0 / np.sqrt(FEATURES)
    return {"fc.weight": _uniform(draw, bound, (classes, FEATURES)), "fc.bias": _uniform(draw, bound, (classes,))}


def count(params: Params) -> int:
    return int(sum(v.size for v in params.values()))


def _cols(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N*H*W, C*9): the 3x3 windows of x padded by 1 with zeros."""
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    win = sliding_window_view(padded, (3, 3), axis=(2, 3))  # (N, C, H, W, 3, 3)
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n * h * w, c * 9)


def conv_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n, _, h, w = x.shape
    cols = _cols(x)
    out = cols @ weight.reshape(weight.shape[0], -1).T + bias
    return out.reshape(n, h, w, -1).transpose(0, 3, 1, 2), cols


def conv_backward(
    grad: np.ndarray, cols: np.ndarray, x_shape: tuple[int, ...], weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the loss for the input, the weight and the bias of ``conv_forward``."""
    n, c, h, w = x_shape
    g = grad.transpose(0, 2, 3, 1).reshape(n * h * w, -1)  # (N*H*W, F)
    d_weight = (g.T @ cols).reshape(weight.shape)
    d_bias = g.sum(axis=0)
    d_cols = (g @ weight.reshape(weight.shape[0], -1)).reshape(n, h, w, c, 3, 3)
    d_padded = np.zeros((n, c, h + 2, w + 2))
    for i in range(3):
        for j in range(3):
            d_padded[:, :, i : i + h, j : j + w] += d_cols[..., i, j].transpose(0, 3, 1, 2)
    return d_padded[:, :, 1:-1, 1:-1], d_weight, d_bias


def pool_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 max pooling with stride 2; the index (0..3) of the first maximum in each window."""
    n, c, h, w = x.shape
    win = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
    tap = win.argmax(axis=-1)
    return np.take_along_axis(win, tap[..., None], axis=-1)[..., 0], tap


def pool_backward(grad: np.ndarray, tap: np.ndarray) -> np.ndarray:
    n, c, ho, wo = grad.shape
    win = np.zeros((n, c, ho, wo, 4))
    np.put_along_axis(win, tap[..., None], grad[..., None], axis=-1)
    return win.reshape(n, c, ho, wo, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, ho * 2, wo * 2)


def features(params: Params, x: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """(N, 1, 8, 8) -> (N, 64) flattened features, and what the backward pass needs."""
    saved = []
    for name, _, _ in CONV_LAYERS:
        z, cols = conv_forward(x, params[f"{name}.weight"], params[f"{name}.bias"])
        a = np.maximum(z, 0.0)
        p, tap = pool_forward(a)
        saved.append((x.shape, cols, z, tap))
        x = p
    return x.reshape(x.shape[0], -1), saved


def features_backward(params: Params, grad: np.ndarray, saved: list[Any]) -> Params:
    grads: Params = {}
    g = grad.reshape(grad.shape[0], CONV_LAYERS[-1][2], POOLED, POOLED)
    for (name, _, _), (x_shape, cols, z, tap) in zip(reversed(CONV_LAYERS), reversed(saved), strict=True):
        g = pool_backward(g, tap) * (z > 0)
        g, grads[f"{name}.weight"], grads[f"{name}.bias"] = conv_backward(g, cols, x_shape, params[f"{name}.weight"])
    return grads


def logits(params: Params, feats: np.ndarray) -> np.ndarray:
    return feats @ params["fc.weight"].T + params["fc.bias"]


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(z: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(z) against integer labels, and its gradient for z."""
    probs = softmax(z)
    n = z.shape[0]
    loss = float(-np.log(probs[np.arange(n), labels] + 1e-300).mean())
    grad = probs.copy()
    grad[np.arange(n), labels] -= 1.0
    return loss, grad / n


def head_backward(feats: np.ndarray, grad: np.ndarray, params: Params) -> tuple[Params, np.ndarray]:
    """Gradients of the linear layer, and of the loss for its input features."""
    return {"fc.weight": grad.T @ feats, "fc.bias": grad.sum(axis=0)}, grad @ params["fc.weight"]


def loss_and_grads(params: Params, x: np.ndarray, labels: np.ndarray) -> tuple[float, Params]:
    """One forward and backward pass through the whole network."""
    feats, saved = features(params, x)
    loss, grad = cross_entropy(logits(params, feats), labels)
    grads, d_feats = head_backward(feats, grad, params)
    grads.update(features_backward(params, d_feats, saved))
    return loss, grads


def predict(params: Params, x: np.ndarray) -> np.ndarray:
    return logits(params, features(params, x)[0]).argmax(axis=1)


def accuracy(params: Params, x: np.ndarray, labels: np.ndarray) -> float:
    return float((predict(params, x) == labels).mean())


class Adam:
    """Adam (Kingma and Ba, 2015) with PyTorch's defaults for the betas and eps."""

    def __init__(self, params: Params, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.lr, self.betas, self.eps, self.t = lr, betas, eps, 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, params: Params, grads: Params) -> None:
        self.t += 1
        b1, b2 = self.betas
        for k, g in grads.items():
            self.m[k] = b1 * self.m[k] + (1 - b1) * g
            self.v[k] = b2 * self.v[k] + (1 - b2) * g * g
            m_hat = self.m[k] / (1 - b1**self.t)
            v_hat = self.v[k] / (1 - b2**self.t)
            params[k] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
