"""Plain references for conv_transpose2d and the backward passes, independent of app/: loops over
NumPy scalars, each written from the definition (the scatter sum for a transposed convolution; the
chain rule through every multiply-add of the forward convolution for its gradients).

Arrays are (C, H, W); conv2d weights (F, C/groups, kH, kW), conv_transpose2d weights
(C_in, C_out/groups, kH, kW), as in PyTorch. Slow on purpose: keep inputs small.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def as_pair(value: Any) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        return int(value[0]), int(value[1])
    return int(value), int(value)


def conv_transpose2d(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> np.ndarray:
    """out[o, y*S - P + i*D, x*S - P + j*D] += x[c, y, x] * w[c, o - group start, i, j], for o in c's group."""
    (sh, sw), (ph, pw), (oh, ow), (dh, dw) = map(as_pair, (stride, padding, output_padding, dilation))
    channels, height, width = x.shape
    _, per_out, kh, kw = w.shape
    out_h = (height - 1) * sh - 2 * ph + dh * (kh - 1) + oh + 1
    out_w = (width - 1) * sw - 2 * pw + dw * (kw - 1) + ow + 1
    out = np.zeros((per_out * groups, out_h, out_w))
    per_in = channels // groups
    for c in range(channels):
        group = c // per_in
        for o in range(per_out):
            for y in range(height):
                for xx in range(width):
                    for i in range(kh):
                        for j in range(kw):
                            r, q = y * sh - ph + i * dh, xx * sw - pw + j * dw
                            if 0 <= r < out_h and 0 <= q < out_w:
                                out[group * per_out + o, r, q] += float(x[c, y, xx]) * float(w[c, o, i, j])
    if b is not None:
        for o in range(out.shape[0]):
            out[o] += float(b[o])
    return out


def conv_pads(padding: Any, kernel: tuple[int, int], dilation: tuple[int, int]) -> tuple[tuple[int, int], ...]:
    """((top, bottom), (left, right)); 'same' puts the odd cell after, as PyTorch does."""
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "same":
        return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation, strict=True))
    ph, pw = as_pair(padding)
    return (ph, ph), (pw, pw)


def source(i: int, size: int, mode: str) -> int | None:
    """The input index padded position ``i`` (input coordinates) copies; None for a zero."""
    if 0 <= i < size:
        return i
    if mode == "zeros":
        return None
    if mode == "reflect":
        return -i if i < 0 else 2 * (size - 1) - i
    if mode == "replicate":
        return 0 if i < 0 else size - 1
    return i % size  # circular


def conv2d_backward(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None,
    grad_output: np.ndarray,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(grad_input, grad_weight, grad_bias): every multiply-add y[f, oy, ox] += w[f, c, i, j] * x[c', r, q] of
    the forward convolution sends g[f, oy, ox] * w to x[c', r, q] and g[f, oy, ox] * x[c', r, q] to w."""
    (sh, sw), (dh, dw) = as_pair(stride), as_pair(dilation)
    channels, height, width = x.shape
    filters, per_group, kh, kw = w.shape
    (top, _), (left, _) = conv_pads(padding, (kh, kw), (dh, dw))
    _, out_h, out_w = grad_output.shape
    grad_x, grad_w = np.zeros(x.shape), np.zeros(w.shape)
    per_filter = filters // groups
    for f in range(filters):
        for c in range(per_group):
            channel = (f // per_filter) * per_group + c
            for oy in range(out_h):
                for ox in range(out_w):
                    g = float(grad_output[f, oy, ox])
                    for i in range(kh):
                        for j in range(kw):
                            r = source(oy * sh + i * dh - top, height, padding_mode)
                            q = source(ox * sw + j * dw - left, width, padding_mode)
                            if r is None or q is None:
                                continue  # a zero of the padding: no gradient to send, nothing to weigh
                            grad_x[channel, r, q] += g * float(w[f, c, i, j])
                            grad_w[f, c, i, j] += g * float(x[channel, r, q])
    grad_b = None if b is None else np.array([float(grad_output[f].sum()) for f in range(filters)])
    return grad_x, grad_w, grad_b


def relu_backward(x: np.ndarray, grad_output: np.ndarray) -> np.ndarray:
    out = np.zeros(x.shape)
    for index in np.ndindex(*x.shape):
        if x[index] > 0:
            out[index] = grad_output[index]
    return out


def max_pool2d_backward(
    x: np.ndarray, grad_output: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0
) -> np.ndarray:
    """Each window's gradient to its first maximum in row-major order (PyTorch's CPU kernel); windows that
    overlap add up. For windows that hold at least one input cell (padding at most half the kernel)."""
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    ph, pw = as_pair(padding)
    out = np.zeros(x.shape)
    channels, out_h, out_w = grad_output.shape
    for c in range(channels):
        for oy in range(out_h):
            for ox in range(out_w):
                best, where = -np.inf, None
                for i in range(kh):
                    for j in range(kw):
                        r, q = oy * sh - ph + i, ox * sw - pw + j
                        if 0 <= r < x.shape[1] and 0 <= q < x.shape[2] and (where is None or x[c, r, q] > best):
                            best, where = x[c, r, q], (r, q)
                assert where is not None
                out[c, where[0], where[1]] += float(grad_output[c, oy, ox])
    return out
