"""conv2d as PyTorch computes it (cross-correlation: the kernel is not flipped), and its steps.

``conv2d`` checks everything first, computes the whole output at once (vectorised),
and returns a ``Conv2dTrace`` whose ``steps(start, stop)`` gives the arithmetic of
any range of output cells: the window, the values it reads per channel, the
products, the per-channel partial sums, the bias and the value. Step ``i`` is the
output cell ``(filter, oy, ox) = unravel(i, (F, Ho, Wo))``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from app.engine import budget, geometry
from app.engine.drawing import Highlight, InputPanel, uncovered_cells, window_highlight
from app.engine.errors import Described, ParamError
from app.engine.geometry import Axis
from app.engine.pad import PADDING_MODES, Padded, check_mode, pad
from app.engine.pairs import flag_arg, int_arg, is_int, pair
from app.engine.spec import LayerShape
from app.engine.tensors import as_tensor, check_overflow


@dataclass(frozen=True)
class Conv2dTrace:
    input: np.ndarray  # (C, H, W)
    weight: np.ndarray  # (F, C/groups, kH, kW)
    bias: np.ndarray | None  # (F,)
    stride: tuple[int, int]
    dilation: tuple[int, int]
    groups: int
    padding_mode: str
    padding_arg: Any  # as given: int, pair, 'same' or 'valid'
    padded: Padded
    axes: tuple[Axis, Axis]
    output: np.ndarray  # (F, Ho, Wo)

    @property
    def total_steps(self) -> int:
        return int(self.output.size)

    @property
    def filter_channels(self) -> np.ndarray:
        """(F, C/groups): the input channels each filter reads."""
        filters, per_group = self.weight.shape[0], self.weight.shape[1]
        group = np.arange(filters) // (filters // self.groups)
        return group[:, None] * per_group + np.arange(per_group)[None, :]

    def windows(self) -> np.ndarray:
        """(C, Ho, Wo, kH, kW) view: the padded values each output cell reads."""
        return windows(self.padded.values, self.axes)

    def steps(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Columns describing steps ``start`` to ``stop - 1``, one row per step."""
        index = np.arange(start, stop)
        f, oy, ox = np.unravel_index(index, self.output.shape)
        channels = self.filter_channels[f]  # (n, Cg)
        values = self.windows()[channels, oy[:, None], ox[:, None]]  # (n, Cg, kH, kW)
        products = values * self.weight[f]
        partial = products.sum(axis=(2, 3))
        bias = self.bias[f] if self.bias is not None else np.zeros(index.size)
        rows, cols = self.axes[0].taps()[oy], self.axes[1].taps()[ox]
        return {
            "filter": f,
            "oy": oy,
            "ox": ox,
            "window": window_bounds(self.axes, oy, ox),
            "rows": rows,
            "cols": cols,
            "values": values,
            "products": products,
            "partial_sums": partial,
            "sum": partial.sum(axis=1),
            "bias": bias,
            "value": self.output[f, oy, ox],
        }

    # Drawing hooks (app/engine/drawing.py, read by app/export/render_png.py): pure data.
    def input_panel(self) -> InputPanel:
        """The padded frame, its cell kinds and the input cells no window reads."""
        uncovered = uncovered_cells(self.axes, self.input.shape[1:])
        return InputPanel(self.padded.values, self.padded.kinds, uncovered)

    def output_on_input_scale(self) -> bool:
        """False: the output's values are sums of products, on a colour scale of their own."""
        return False

    def highlight(self, step: int) -> Highlight:
        """Step ``step``: the filter's output cell, its window, in every channel the filter reads."""
        return window_highlight(self.axes, self.output.shape, step, self.filter_channels)

    op: ClassVar[str] = "conv2d"
    order: ClassVar[tuple[str, ...]] = ("filter", "oy", "ox")

    def params(self) -> dict[str, Any]:
        """The parameters as the engine normalised them, in PyTorch's order (pairs as [h, w])."""
        pads = self.padded.pads
        padding: Any = self.padding_arg if isinstance(self.padding_arg, str) else [pads[0][0], pads[1][0]]
        return {
            "in_channels": int(self.input.shape[0]),
            "out_channels": int(self.weight.shape[0]),
            "kernel_size": list(self.weight.shape[2:]),
            "stride": list(self.stride),
            "padding": padding,
            "dilation": list(self.dilation),
            "groups": self.groups,
            "bias": self.bias is not None,
            "padding_mode": self.padding_mode,
        }

    def numbers_per_step(self) -> int:
        return step_numbers(self.weight.shape)

    def header_extras(self) -> dict[str, Any]:
        unit_stride = self.stride == (1, 1)  # PyTorch's padding='same' needs every stride to be 1
        return {
            **windowed_header(self.padded, self.axes),
            "weight": self.weight,
            "bias": self.bias,
            "filter_channels": self.filter_channels,
            "same_padding": {
                a.name: geometry.same_padding(a.kernel, a.stride, a.dilation, a) | {"pytorch": unit_stride}
                for a in self.axes
            },
        }

    def done_extras(self) -> dict[str, Any]:
        return {}


def windows(values: np.ndarray, axes: tuple[Axis, Axis]) -> np.ndarray:
    """(C, Ho, Wo, kH, kW) strided view of ``values`` (C, Hp, Wp): each window's taps."""
    ah, aw = axes
    view = sliding_window_view(values, (ah.span, aw.span), axis=(1, 2))
    return view[:, :: ah.stride, :: aw.stride, :: ah.dilation, :: aw.dilation][:, : ah.out, : aw.out]


def step_numbers(weight_shape: tuple[int, ...]) -> int:
    """Numbers in one full step of a conv2d trace: values and products of the window, a partial
    sum per channel, and 12 more (indices, window, sum, bias, value)."""
    return 2 * int(np.prod(weight_shape[1:])) + int(weight_shape[1]) + 12


def windowed_header(padded: Padded, axes: tuple[Axis, Axis]) -> dict[str, Any]:
    """What a windowed op's header says about its frame of reference: the padded input, which
    cells are padding, where each padded cell comes from, and each axis's geometry."""
    return {
        "padded_shape": list(padded.values.shape),
        "padded": padded.values,
        "cells": padded.kinds,
        "source_rows": padded.source_rows,
        "source_cols": padded.source_cols,
        "padding": [list(padded.pads[0]), list(padded.pads[1])],
        "geometry": {axis.name: axis.describe() for axis in axes},
    }


def window_bounds(axes: tuple[Axis, Axis], oy: np.ndarray, ox: np.ndarray) -> np.ndarray:
    """(n, 4) [y_start, x_start, y_stop, x_stop] in padded coordinates, half-open:
    the window reads padded[:, y_start:y_stop:dilation, x_start:x_stop:dilation]."""
    ah, aw = axes
    y0, x0 = oy * ah.stride, ox * aw.stride
    return np.stack([y0, x0, y0 + ah.span, x0 + aw.span], axis=1)


def _check_groups(groups: Any, channels: int, filters: int, weight_channels: int) -> int:
    if not is_int(groups) or groups < 1:
        raise ParamError("groups", groups, "must be an integer >= 1")
    if channels % groups:
        raise ParamError("groups", groups, f"must divide the input channels ({channels})")
    if filters % groups:
        raise ParamError("groups", groups, f"must divide the number of filters, out_channels ({filters})")
    if weight_channels != channels // groups:
        raise ParamError(
            "weight",
            Described(f"an array of shape {(filters, weight_channels)} + kernel"),
            f"each filter must have in_channels/groups = {channels}/{groups} = {channels // groups} channels",
        )
    return int(groups)


@dataclass(frozen=True)
class Conv2dPlan:
    """A conv2d whose every argument has been checked and whose geometry is known; nothing computed yet."""

    input: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    stride: tuple[int, int]
    dilation: tuple[int, int]
    groups: int
    padding_mode: str
    padding_arg: Any
    pads: tuple[tuple[int, int], tuple[int, int]]
    axes: tuple[Axis, Axis]

    @property
    def output_shape(self) -> tuple[int, int, int]:
        return (int(self.weight.shape[0]), self.axes[0].out, self.axes[1].out)

    def numbers_per_step(self) -> int:
        return step_numbers(self.weight.shape)


def conv2d_plan(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: Any = 1,
    padding_mode: str = "zeros",
    max_macs: int | None = None,
    max_windows: int | None = None,
) -> Conv2dPlan:
    """Every check ``conv2d`` makes, from the arguments and the geometry alone (no window is gathered)."""
    x = as_tensor("input", input, 3, "(channels, height, width)")
    w = as_tensor("weight", weight, 4, "(out_channels, in_channels/groups, kernel height, kernel width)")
    b = None
    if bias is not None:
        b = as_tensor("bias", bias, 1, "(out_channels,)")
        if b.shape[0] != w.shape[0]:
            raise ParamError(
                "bias", Described(f"{b.shape[0]} values"), f"must have one value per filter ({w.shape[0]})"
            )
    g = _check_groups(groups, x.shape[0], w.shape[0], w.shape[1])
    s = pair("stride", stride, 1)
    d = pair("dilation", dilation, 1)
    kernel = (int(w.shape[2]), int(w.shape[3]))
    pads = geometry.conv_padding(padding, kernel, s, d)
    axes = (
        geometry.conv_axis("height", x.shape[1], kernel[0], s[0], pads[0], d[0]),
        geometry.conv_axis("width", x.shape[2], kernel[1], s[1], pads[1], d[1]),
    )
    budget.check_macs(int(w.shape[0]), int(np.prod(w.shape[1:])), axes, max_macs)
    budget.check_windows(int(x.shape[0]), axes, max_windows)
    check_mode(padding_mode, pads, x.shape[1], x.shape[2])
    return Conv2dPlan(x, w, b, s, d, g, padding_mode, padding, pads, axes)


def conv2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: Any = 1,
    padding_mode: str = "zeros",
    max_macs: int | None = None,
    max_windows: int | None = None,
) -> Conv2dTrace:
    """torch.nn.functional.conv2d (plus nn.Conv2d's padding_mode) on one (C, H, W) input.
    ``max_macs`` caps the multiply-adds and ``max_windows`` the values gathered into windows
    (TooLargeError beyond either), checked before any work (``conv2d_plan``)."""
    plan = conv2d_plan(input, weight, bias, stride, padding, dilation, groups, padding_mode, max_macs, max_windows)
    x, w, b, axes = plan.input, plan.weight, plan.bias, plan.axes
    padded = pad(x, plan.pads, padding_mode)
    with np.errstate(over="ignore", invalid="ignore"):
        output = _compute(windows(padded.values, axes), w, b, plan.groups)
    check_overflow(not np.isfinite(output).all(), {"input": x, "weight": w, "bias": b})
    return Conv2dTrace(x, w, b, plan.stride, plan.dilation, plan.groups, padding_mode, padding, padded, axes, output)


def _compute(win: np.ndarray, w: np.ndarray, b: np.ndarray | None, groups: int) -> np.ndarray:
    """Every output at once: per group, one im2col copy and one matrix product written straight
    into the output (see bench/conv_compute.py for the figures)."""
    filters, per_group, kh, kw = w.shape
    ho, wo = win.shape[1:3]
    per_filter_group = filters // groups
    out = np.empty((filters, ho * wo))
    for g in range(groups):
        cols = win[g * per_group : (g + 1) * per_group].transpose(0, 3, 4, 1, 2).reshape(per_group * kh * kw, -1)
        rows = slice(g * per_filter_group, (g + 1) * per_filter_group)
        np.matmul(w[rows].reshape(per_filter_group, -1), cols, out=out[rows])
    if b is not None:
        out += b[:, None]
    return out.reshape(filters, ho, wo)


def conv2d_layer(layer: Mapping[str, Any], shape: tuple[int, ...]) -> LayerShape:
    """nn.Conv2d in a stack: its parameters with PyTorch's defaults, checked against the (C, H, W) it receives."""
    channels, height, width = shape
    out_channels = int_arg(layer, "out_channels", None, 1)
    kernel = pair("kernel_size", layer.get("kernel_size"), 1)
    stride = pair("stride", layer.get("stride", 1), 1)
    dilation = pair("dilation", layer.get("dilation", 1), 1)
    groups = int_arg(layer, "groups", 1, 1)
    bias = flag_arg(layer, "bias", True)
    padding_mode = layer.get("padding_mode", "zeros")
    if padding_mode not in PADDING_MODES:
        raise ParamError("padding_mode", padding_mode, f"must be one of {', '.join(PADDING_MODES)}")
    raw_padding = layer.get("padding", 0)
    pads = geometry.conv_padding(raw_padding, kernel, stride, dilation)
    check_layer_channels(layer, channels, out_channels, groups)
    axes = (
        geometry.conv_axis("height", height, kernel[0], stride[0], pads[0], dilation[0]),
        geometry.conv_axis("width", width, kernel[1], stride[1], pads[1], dilation[1]),
    )
    check_mode(padding_mode, pads, height, width)
    padding = raw_padding if isinstance(raw_padding, str) else (pads[0][0], pads[1][0])
    params = {
        "in_channels": channels,
        "out_channels": out_channels,
        "kernel_size": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "groups": groups,
        "bias": bias,
        "padding_mode": padding_mode,
    }
    count = out_channels * (channels // groups) * kernel[0] * kernel[1] + (out_channels if bias else 0)
    return LayerShape(params, (out_channels, axes[0].out, axes[1].out), count, axes)


def check_layer_channels(layer: Mapping[str, Any], channels: int, out_channels: int, groups: int) -> None:
    """A convolution layer in a stack (plain or transposed): an ``in_channels`` it states must be the
    channels it receives, and ``groups`` must divide both channel counts."""
    given = layer.get("in_channels")
    if given is not None and (not is_int(given) or given != channels):
        rule = f"must match the channels this layer receives, {channels} (or be left out)"
        raise ParamError("in_channels", given, rule)
    for name, count in (("in_channels", channels), ("out_channels", out_channels)):
        if count % groups:
            rule = f"must divide {name}, {count}: each group needs a whole number of channels"
            raise ParamError("groups", groups, rule)
