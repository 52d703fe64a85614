"""A plain reference for the ops, independent of app/: Python loops over NumPy scalars.

No sliding_window_view, no tensordot, no vectorised padding: every output cell is a loop
over its taps, every padded read goes through an explicit index mapping, and pooling
follows PyTorch's CPU kernels line by line (aten/src/ATen/native/cpu/MaxPoolKernel.cpp,
AvgPoolKernel.cpp, and torch.nn.functional.lp_pool2d). Slow on purpose: keep inputs small.

Arrays are (C, H, W), weights (F, C/groups, kH, kW), as in the engine.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def as_pair(value: Any) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        return int(value[0]), int(value[1])
    return int(value), int(value)


def conv_pads(padding: Any, kernel: tuple[int, int], dilation: tuple[int, int]) -> tuple[tuple[int, int], ...]:
    """((top, bottom), (left, right)). 'same' puts the odd cell after, as torch does."""
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "same":
        pads = []
        for k, d in zip(kernel, dilation, strict=True):
            total = d * (k - 1)
            pads.append((total // 2, total - total // 2))
        return tuple(pads)
    ph, pw = as_pair(padding)
    return (ph, ph), (pw, pw)


def source_index(i: int, size: int, mode: str) -> int | None:
    """Which input index padded position ``i`` (in input coordinates, may be < 0 or >= size)
    copies; None for a zero."""
    if 0 <= i < size:
        return i
    if mode == "zeros":
        return None
    if mode == "reflect":  # edge not repeated: -1 -> 1, size -> size - 2
        return -i if i < 0 else 2 * (size - 1) - i
    if mode == "replicate":
        return 0 if i < 0 else size - 1
    if mode == "circular":
        return i % size
    raise ValueError(mode)


def read(x: np.ndarray, c: int, i: int, j: int, mode: str) -> float:
    si = source_index(i, x.shape[1], mode)
    sj = source_index(j, x.shape[2], mode)
    if si is None or sj is None:
        return 0.0
    return float(x[c, si, sj])


def conv_out(size: int, kernel: int, stride: int, before: int, after: int, dilation: int) -> int:
    return (size + before + after - dilation * (kernel - 1) - 1) // stride + 1


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    channels, height, width = x.shape
    filters, per_group, kh, kw = weight.shape
    sh, sw = as_pair(stride)
    dh, dw = as_pair(dilation)
    (top, bottom), (left, right) = conv_pads(padding, (kh, kw), (dh, dw))
    out_h = conv_out(height, kh, sh, top, bottom, dh)
    out_w = conv_out(width, kw, sw, left, right, dw)
    filters_per_group = filters // groups
    out = np.zeros((filters, out_h, out_w))
    for f in range(filters):
        group = f // filters_per_group
        for oy in range(out_h):
            for ox in range(out_w):
                total = 0.0
                for cg in range(per_group):
                    c = group * per_group + cg
                    for i in range(kh):
                        for j in range(kw):
                            y = oy * sh - top + i * dh
                            xx = ox * sw - left + j * dw
                            total += read(x, c, y, xx, padding_mode) * float(weight[f, cg, i, j])
                if bias is not None:
                    total += float(bias[f])
                out[f, oy, ox] = total
    return out


def pool_out(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> int:
    """at::native::pooling_output_shape: ceil adds stride - 1 before the floor division, and
    the last window must start inside the input or its left padding."""
    out = (size + 2 * pad - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _pool_params(kernel_size: Any, stride: Any, padding: Any, dilation: Any) -> tuple[tuple[int, int], ...]:
    k = as_pair(kernel_size)
    s = k if stride is None else as_pair(stride)
    return k, s, as_pair(padding), as_pair(dilation)


def max_pool2d(
    x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(output, indices) exactly as cpu_max_pool: only in-bounds taps are read, the first
    strict maximum wins, and an all-padding window gives -inf with index ih0 * W + iw0
    after ih0, iw0 were stepped past the padding."""
    channels, height, width = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = _pool_params(kernel_size, stride, padding, dilation)
    out_h = pool_out(height, kh, sh, ph, dh, ceil_mode)
    out_w = pool_out(width, kw, sw, pw, dw, ceil_mode)
    out = np.zeros((channels, out_h, out_w))
    idx = np.zeros((channels, out_h, out_w), dtype=np.int64)
    for c in range(channels):
        for oy in range(out_h):
            for ox in range(out_w):
                ih0, iw0 = oy * sh - ph, ox * sw - pw
                ih1 = min(ih0 + (kh - 1) * dh + 1, height)
                iw1 = min(iw0 + (kw - 1) * dw + 1, width)
                while ih0 < 0:
                    ih0 += dh
                while iw0 < 0:
                    iw0 += dw
                best, where = -math.inf, ih0 * width + iw0
                for i in range(ih0, ih1, dh):
                    for j in range(iw0, iw1, dw):
                        value = float(x[c, i, j])
                        if value > best or math.isnan(value):
                            best, where = value, i * width + j
                out[c, oy, ox], idx[c, oy, ox] = best, where
    return out, idx


def avg_pool2d(
    x: np.ndarray,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(output, divisor) as cpu_avg_pool: the window is clipped to input + padding for
    count_include_pad, then to the input for the sum."""
    channels, height, width = x.shape
    (kh, kw), (sh, sw), (ph, pw), _ = _pool_params(kernel_size, stride, padding, 1)
    out_h = pool_out(height, kh, sh, ph, 1, ceil_mode)
    out_w = pool_out(width, kw, sw, pw, 1, ceil_mode)
    out = np.zeros((channels, out_h, out_w))
    divisors = np.zeros((channels, out_h, out_w))
    for c in range(channels):
        for oy in range(out_h):
            for ox in range(out_w):
                ih0, iw0 = oy * sh - ph, ox * sw - pw
                ih1, iw1 = min(ih0 + kh, height + ph), min(iw0 + kw, width + pw)
                pool_size = (ih1 - ih0) * (iw1 - iw0)
                ih0, iw0 = max(ih0, 0), max(iw0, 0)
                ih1, iw1 = min(ih1, height), min(iw1, width)
                if ih0 >= ih1 or iw0 >= iw1:
                    continue
                total = 0.0
                for i in range(ih0, ih1):
                    for j in range(iw0, iw1):
                        total += float(x[c, i, j])
                if divisor_override is not None:
                    divide = divisor_override
                elif count_include_pad:
                    divide = pool_size
                else:
                    divide = (ih1 - ih0) * (iw1 - iw0)
                out[c, oy, ox] = total / divide
                divisors[c, oy, ox] = divide
    return out, divisors


def lp_pool2d(
    x: np.ndarray, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
) -> np.ndarray:
    """torch.nn.functional.lp_pool2d:
    (sign(a) * relu(|a|) * kW * kH) ** (1 / p), a = avg_pool2d(x ** p, padding 0, ceil_mode)."""
    kh, kw = as_pair(kernel_size)
    powered = np.zeros(x.shape)
    for index in np.ndindex(*x.shape):
        powered[index] = _pow(float(x[index]), float(norm_type))
    mean, _ = avg_pool2d(powered, kernel_size, stride, 0, ceil_mode, True, None)
    out = np.zeros(mean.shape)
    for index in np.ndindex(*mean.shape):
        a = float(mean[index])
        sign = (a > 0) - (a < 0)
        out[index] = _pow(sign * max(abs(a), 0.0) * (kw * kh), 1.0 / float(norm_type))
    return out


def _pow(base: float, exponent: float) -> float:
    """C's pow, as torch.pow: NaN (not a complex number) for a negative base and a
    fractional exponent."""
    if base < 0 and not float(exponent).is_integer():
        return math.nan
    return math.pow(base, exponent)


def relu(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(output, mask): mask 1 where x > 0 (PyTorch's threshold_backward mask: 0 at 0)."""
    out = np.zeros(x.shape)
    mask = np.zeros(x.shape, dtype=np.int64)
    for index in np.ndindex(*x.shape):
        value = float(x[index])
        out[index] = value if value > 0 else 0.0
        mask[index] = 1 if value > 0 else 0
    return out, mask
