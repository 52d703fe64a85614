"""conv_transpose2d as PyTorch computes it, in two views of the same numbers.

A transposed convolution goes back up in size: H_out = (H_in - 1)S - 2P + D(K - 1) + output_padding + 1.
Its weight is (in_channels, out_channels/groups, kH, kW): input channel c's kernels, one per output
channel of its group.

- **scatter** (``view="scatter"``): step ``i`` is the input cell ``(c, y, x) = unravel(i, (C_in, H, W))``.
  It multiplies its group's kernels by its value and adds the products into the output, the kernel's
  tap (i, j) landing on output cell (y*S - P + i*D, x*S - P + j*D); taps outside the output are cut
  off by the padding, and neighbouring cells' kernels overlap and add up. The output starts as the
  bias (zeros without one); each step reports the values of the cells it touched just after its add.
- **gather** (``view="gather"``): step ``i`` is the output cell ``(o, oy, ox) = unravel(i, (C_out, Ho, Wo))``,
  as in conv2d: a direct convolution (stride 1, dilation D) over the *frame*, the input with S - 1
  zeros inserted between cells and D(K - 1) - P cells of zeros round it (output_padding more after),
  with each kernel flipped 180 degrees (``gather_weight``).

Both views hold the same output, computed once (``_compute``, a scatter by kernel tap).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from app.engine import budget
from app.engine.conv2d import check_layer_channels, window_bounds, windows
from app.engine.drawing import Highlight, InputPanel, window_highlight
from app.engine.errors import Described, ParamError
from app.engine.geometry import Axis, TransposeAxis, transpose_axis
from app.engine.pad import INPUT, INSERTED, PADDING, Padded
from app.engine.pairs import flag_arg, int_arg, is_int, pair
from app.engine.scatter import last_writer, running
from app.engine.spec import LayerShape
from app.engine.tensors import as_tensor, check_overflow

VIEWS = ("scatter", "gather")
WEIGHT_LAYOUT = "(in_channels, out_channels/groups, kernel height, kernel width)"


@dataclass(frozen=True)
class ConvTranspose2dTrace:
    input: np.ndarray  # (C_in, H, W)
    weight: np.ndarray  # (C_in, C_out/groups, kH, kW)
    bias: np.ndarray | None  # (C_out,)
    stride: tuple[int, int]
    padding: tuple[int, int]
    output_padding: tuple[int, int]
    groups: int
    dilation: tuple[int, int]
    view: str
    axes: tuple[TransposeAxis, TransposeAxis]
    frame: Padded  # the gather view's input: zeros inserted, padded (or cropped)
    output: np.ndarray  # (C_out, Ho, Wo)

    op: ClassVar[str] = "conv_transpose2d"

    @property
    def order(self) -> tuple[str, ...]:
        return ("channel", "y", "x") if self.view == "scatter" else ("filter", "oy", "ox")

    @property
    def total_steps(self) -> int:
        return int(self.input.size if self.view == "scatter" else self.output.size)

    @property
    def gather_axes(self) -> tuple[Axis, Axis]:
        return self.axes[0].gather(), self.axes[1].gather()

    @property
    def channel_outputs(self) -> np.ndarray:
        """(C_in, C_out/groups): the output channels each input channel adds into."""
        return channel_outputs(self.input.shape[0], self.weight.shape[1], self.groups)

    @property
    def filter_channels(self) -> np.ndarray:
        """(C_out, C_in/groups): the input channels each output channel is made from."""
        per_in, per_out = self.input.shape[0] // self.groups, self.weight.shape[1]
        group = np.arange(per_out * self.groups) // per_out
        return group[:, None] * per_in + np.arange(per_in)[None, :]

    def gather_weight(self) -> np.ndarray:
        return gather_weight(self.weight, self.groups)

    def steps(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Columns describing steps ``start`` to ``stop - 1``, one row per step."""
        return self._scatter_steps(start, stop) if self.view == "scatter" else self._gather_steps(start, stop)

    def _gather_steps(self, start: int, stop: int) -> dict[str, np.ndarray]:
        index = np.arange(start, stop)
        o, oy, ox = np.unravel_index(index, self.output.shape)
        axes = self.gather_axes
        channels = self.filter_channels[o]  # (n, C_in/groups)
        values = windows(self.frame.values, axes)[channels, oy[:, None], ox[:, None]]  # (n, C_in/g, kH, kW)
        products = values * self.gather_weight()[o]
        partial = products.sum(axis=(2, 3))
        bias = self.bias[o] if self.bias is not None else np.zeros(index.size)
        return {
            "filter": o,
            "oy": oy,
            "ox": ox,
            "window": window_bounds(axes, oy, ox),
            "rows": axes[0].taps()[oy],
            "cols": axes[1].taps()[ox],
            "values": values,
            "products": products,
            "partial_sums": partial,
            "sum": partial.sum(axis=1),
            "bias": bias,
            "value": self.output[o, oy, ox],
        }

    def _scatter_steps(self, start: int, stop: int) -> dict[str, np.ndarray]:
        c, y, x = np.unravel_index(np.arange(start, stop), self.input.shape)
        rows, cols = self.axes[0].scatter_taps()[y], self.axes[1].scatter_taps()[x]
        products = self.input[c, y, x][:, None, None, None] * self.weight[c]  # (n, C_out/g, kH, kW)
        targets, inside = self._targets(c, rows, cols)
        base = self._running_output(start)
        after = np.full(products.shape, np.nan)
        after[inside] = running(base, targets[inside], products[inside])
        return {
            "channel": c,
            "y": y,
            "x": x,
            "input": self.input[c, y, x],
            "rows": rows,
            "cols": cols,
            "products": products,
            "after": after,
        }

    def _targets(self, c: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n, C_out/g, kH, kW) flat output index of every product of input cells (c, rows, cols),
        and whether it lands inside the output (the padding cuts the rest off)."""
        _, ho, wo = self.output.shape
        outs = self.channel_outputs[c][:, :, None, None]
        r, q = rows[:, None, :, None], cols[:, None, None, :]
        inside = np.broadcast_to((r >= 0) & (r < ho) & (q >= 0) & (q < wo), outs.shape[:2] + r.shape[2:3] + q.shape[3:])
        targets = (outs * ho + np.clip(r, 0, ho - 1)) * wo + np.clip(q, 0, wo - 1)
        return np.broadcast_to(targets, inside.shape), inside

    def _running_output(self, steps: int) -> np.ndarray:
        """The flat output after the first ``steps`` scatter steps: the bias plus their products."""
        masked = self.input.copy().reshape(-1)
        masked[steps:] = 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            partial = scatter_output(masked.reshape(self.input.shape), self.weight, self.bias, self.groups, self.axes)
        return partial.reshape(-1)

    def compact_steps(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Compact columns: a gather step's output cell and value; a scatter step's input cell and the
        input value it scatters (app/engine/trace.py)."""
        shape = self.input.shape if self.view == "scatter" else self.output.shape
        source = self.input if self.view == "scatter" else self.output
        return {
            "index": np.stack(np.unravel_index(np.arange(start, stop), shape), axis=1),
            "value": source.reshape(-1)[start:stop],
        }

    # Drawing hooks (app/engine/drawing.py, read by app/export/render_png.py): pure data.
    def input_panel(self) -> InputPanel:
        """Scatter: the input and the cells whose kernel lands wholly in the padding. Gather: the frame."""
        if self.view == "scatter":
            return InputPanel(self.input, None, _cross(self.axes, self.input.shape[1:], (0, 0)))
        offsets = (self.axes[0].frame_pads[0], self.axes[1].frame_pads[0])
        strides = (self.axes[0].stride, self.axes[1].stride)
        uncovered = _cross(self.axes, self.input.shape[1:], offsets, strides, self.frame.values.shape[1:])
        return InputPanel(self.frame.values, self.frame.kinds, uncovered)

    def output_on_input_scale(self) -> bool:
        """False: the output's values are sums of products, on a colour scale of their own."""
        return False

    def highlight(self, step: int) -> Highlight:
        """Gather: the output cell and its window in the frame. Scatter: the input cell, and every
        output cell its kernels land on."""
        if self.view == "gather":
            return window_highlight(self.gather_axes, self.output.shape, step, self.filter_channels)
        c, y, x = (int(i) for i in np.unravel_index(step, self.input.shape))
        _, ho, wo = self.output.shape
        rows = [int(r) for r in self.axes[0].scatter_taps()[y] if 0 <= r < ho]
        cols = [int(q) for q in self.axes[1].scatter_taps()[x] if 0 <= q < wo]
        outs = [int(o) for o in self.channel_outputs[c]]
        written = tuple((o, r, q) for o in outs for r in rows for q in cols)
        first = (rows[0], cols[0]) if rows and cols else (0, 0)
        return Highlight(outs[0], first, (c,), ((y, x),), written)

    def filled_at(self) -> np.ndarray:
        """Per output cell, the step after which it holds its final value (-1: from the start)."""
        if self.view == "gather":
            return np.arange(self.output.size).reshape(self.output.shape)
        c, y, x = np.unravel_index(np.arange(self.input.size), self.input.shape)
        rows, cols = self.axes[0].scatter_taps()[y], self.axes[1].scatter_taps()[x]
        targets, inside = self._targets(c, rows, cols)
        steps = np.broadcast_to(np.arange(self.input.size)[:, None, None, None], inside.shape)
        return last_writer(self.output.size, targets[inside], steps[inside]).reshape(self.output.shape)

    def params(self) -> dict[str, Any]:
        """The parameters as the engine normalised them, in PyTorch's order (pairs as [h, w]), and the view."""
        return {
            "in_channels": int(self.input.shape[0]),
            "out_channels": int(self.output.shape[0]),
            "kernel_size": list(self.weight.shape[2:]),
            "stride": list(self.stride),
            "padding": list(self.padding),
            "output_padding": list(self.output_padding),
            "groups": self.groups,
            "bias": self.bias is not None,
            "dilation": list(self.dilation),
            "view": self.view,
        }

    def numbers_per_step(self) -> int:
        return step_numbers(self.weight.shape, self.groups, self.view)

    def header_extras(self) -> dict[str, Any]:
        """Both views' frames of reference, whichever view the steps follow: the weight and its
        flipped (gather) form, the frame, and each axis's geometry (docs/TRACE_FORMAT.md)."""
        return {
            "view": self.view,
            "weight": self.weight,
            "bias": self.bias,
            "gather_weight": self.gather_weight(),
            "channel_outputs": self.channel_outputs,
            "filter_channels": self.filter_channels,
            "frame_shape": list(self.frame.values.shape),
            "frame": self.frame.values,
            "cells": self.frame.kinds,
            "source_rows": self.frame.source_rows,
            "source_cols": self.frame.source_cols,
            "geometry": {axis.name: axis.describe() for axis in self.axes},
        }

    def done_extras(self) -> dict[str, Any]:
        return {}


def channel_outputs(in_channels: int, per_group: int, groups: int) -> np.ndarray:
    """(C_in, C_out/groups): the output channels each input channel of a transposed convolution feeds."""
    group = np.arange(in_channels) // (in_channels // groups)
    return group[:, None] * per_group + np.arange(per_group)[None, :]


def gather_weight(weight: np.ndarray, groups: int) -> np.ndarray:
    """(C_in, C_out/g, kH, kW) -> the gather view's conv2d weight (C_out, C_in/g, kH, kW), each kernel
    flipped 180 degrees: output channel o of group g reads input channel c of g through weight[c, o]."""
    in_channels, per_out, kh, kw = weight.shape
    per_in = in_channels // groups
    grouped = weight.reshape(groups, per_in, per_out, kh, kw).transpose(0, 2, 1, 3, 4)
    return np.ascontiguousarray(grouped.reshape(groups * per_out, per_in, kh, kw)[:, :, ::-1, ::-1])


def step_numbers(weight_shape: tuple[int, ...], groups: int, view: str) -> int:
    """Numbers in one full step. Gather: values and products of the window, a partial sum per channel,
    the window's rows and columns, and 10 more (the cell, its window, sum, bias and value). Scatter:
    products and running values per output tap, the kernel's rows and columns, and 4 more (the cell
    and its value)."""
    in_channels, per_out, kh, kw = (int(n) for n in weight_shape)
    if view == "gather":
        per_in = in_channels // groups
        return 2 * per_in * kh * kw + per_in + kh + kw + 10
    return 2 * per_out * kh * kw + kh + kw + 4


def _cross(
    axes: tuple[TransposeAxis, TransposeAxis],
    size: tuple[int, ...],
    offsets: tuple[int, int],
    strides: tuple[int, int] = (1, 1),
    bounds: tuple[int, ...] | None = None,
) -> tuple[tuple[int, int], ...]:
    """Input cells in a row or column whose taps all land in the padding, at panel position
    (offset + index*stride), those inside ``bounds`` (the frame crops)."""
    height, width = size
    rows, cols = axes[0].uncovered(), axes[1].uncovered()
    cells = {(r, x) for r in rows for x in range(width)} | {(y, c) for c in cols for y in range(height)}
    placed = [(offsets[0] + r * strides[0], offsets[1] + c * strides[1]) for r, c in sorted(cells)]
    limit = bounds or (height, width)
    return tuple((r, c) for r, c in placed if 0 <= r < limit[0] and 0 <= c < limit[1])


def scatter_output(
    x: np.ndarray, w: np.ndarray, b: np.ndarray | None, groups: int, axes: tuple[TransposeAxis, TransposeAxis]
) -> np.ndarray:
    """Every output at once, scattered by kernel tap: per group one product of the input with every
    kernel weight, then each tap's plane added at stride spacing into an uncropped buffer, cut by the
    padding. (C_out, Ho, Wo)."""
    in_channels, height, width = x.shape
    _, per_out, kh, kw = w.shape
    ah, aw = axes
    per_in = in_channels // groups
    full_h, full_w = ah.out + 2 * ah.padding, aw.out + 2 * aw.padding
    full = np.zeros((groups * per_out, full_h, full_w))
    rows_end, cols_end = (height - 1) * ah.stride + 1, (width - 1) * aw.stride + 1
    for g in range(groups):
        taps = np.tensordot(w[g * per_in : (g + 1) * per_in], x[g * per_in : (g + 1) * per_in], axes=([0], [0]))
        block = full[g * per_out : (g + 1) * per_out]  # taps: (C_out/g, kH, kW, H, W)
        for i in range(kh):
            top = i * ah.dilation
            for j in range(kw):
                left = j * aw.dilation
                block[:, top : top + rows_end : ah.stride, left : left + cols_end : aw.stride] += taps[:, i, j]
    out = full[:, ah.padding : ah.padding + ah.out, aw.padding : aw.padding + aw.out]
    if b is not None:
        out = out + b[:, None, None]
    return np.ascontiguousarray(out)


def _frame(x: np.ndarray, axes: tuple[TransposeAxis, TransposeAxis]) -> Padded:
    """The gather view's input: each frame cell holds an input value, an inserted zero or padding."""
    ah, aw = axes
    rows, cols = ah.frame_sources(), aw.frame_sources()
    keep = (rows >= 0)[:, None] & (cols >= 0)[None, :]
    values = np.where(keep, x[:, np.maximum(rows, 0)][:, :, np.maximum(cols, 0)], 0.0)
    inside_h = (rows >= 0) | ah.frame_inserted()
    inside_w = (cols >= 0) | aw.frame_inserted()
    kinds = np.where(inside_h[:, None] & inside_w[None, :], INSERTED, PADDING).astype(np.int8)
    kinds[keep] = INPUT
    pads = (ah.frame_pads, aw.frame_pads)
    return Padded(np.ascontiguousarray(values, dtype=np.float64), kinds, rows, cols, pads)


@dataclass(frozen=True)
class ConvTranspose2dPlan:
    """A conv_transpose2d whose every argument has been checked and whose geometry is known."""

    input: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    stride: tuple[int, int]
    padding: tuple[int, int]
    output_padding: tuple[int, int]
    groups: int
    dilation: tuple[int, int]
    view: str
    axes: tuple[TransposeAxis, TransposeAxis]

    @property
    def output_shape(self) -> tuple[int, int, int]:
        return (int(self.weight.shape[1]) * self.groups, self.axes[0].out, self.axes[1].out)

    @property
    def total_steps(self) -> int:
        return int(self.input.size if self.view == "scatter" else np.prod(self.output_shape))

    def numbers_per_step(self) -> int:
        return step_numbers(self.weight.shape, self.groups, self.view)


def _check_groups(groups: Any, channels: int, weight_shape: tuple[int, ...]) -> int:
    if not is_int(groups) or groups < 1:
        raise ParamError("groups", groups, "must be an integer >= 1")
    if channels % groups:
        raise ParamError("groups", groups, f"must divide the input channels ({channels})")
    if weight_shape[0] != channels:
        raise ParamError(
            "weight",
            Described(f"an array of shape {weight_shape}"),
            f"must hold one set of kernels per input channel: its first dimension must be in_channels = {channels} "
            f"(a transposed convolution's weight is {WEIGHT_LAYOUT})",
        )
    return int(groups)


def conv_transpose2d_plan(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: Any = 1,
    dilation: Any = 1,
    view: Any = "scatter",
    max_macs: int | None = None,
    max_windows: int | None = None,
    max_output: int | None = None,
) -> ConvTranspose2dPlan:
    """Every check ``conv_transpose2d`` makes, from the arguments and the geometry alone."""
    x = as_tensor("input", input, 3, "(channels, height, width)")
    w = as_tensor("weight", weight, 4, WEIGHT_LAYOUT)
    g = _check_groups(groups, int(x.shape[0]), tuple(int(n) for n in w.shape))
    out_channels = int(w.shape[1]) * g
    b = None
    if bias is not None:
        b = as_tensor("bias", bias, 1, "(out_channels,)")
        if b.shape[0] != out_channels:
            raise ParamError(
                "bias",
                Described(f"{b.shape[0]} values"),
                f"must have one value per output channel (out_channels = {w.shape[1]}×{g} = {out_channels})",
            )
    s = pair("stride", stride, 1)
    p = pair("padding", padding, 0)
    op = pair("output_padding", output_padding, 0)
    d = pair("dilation", dilation, 1)
    if view not in VIEWS:
        raise ParamError("view", view, "must be 'scatter' (a step per input cell) or 'gather' (a step per output cell)")
    axes = (
        transpose_axis("height", int(x.shape[1]), int(w.shape[2]), s[0], p[0], op[0], d[0]),
        transpose_axis("width", int(x.shape[2]), int(w.shape[3]), s[1], p[1], op[1], d[1]),
    )
    gather = (axes[0].gather(), axes[1].gather())
    budget.check_output((out_channels, axes[0].out, axes[1].out), max_output)
    budget.check_macs(out_channels, int(x.shape[0]) // g * int(w.shape[2] * w.shape[3]), gather, max_macs)
    budget.check_windows(int(x.shape[0]), gather, max_windows)
    return ConvTranspose2dPlan(x, w, b, s, p, op, g, d, str(view), axes)


def conv_transpose2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: Any = 1,
    dilation: Any = 1,
    view: Any = "scatter",
    max_macs: int | None = None,
    max_windows: int | None = None,
    max_output: int | None = None,
) -> ConvTranspose2dTrace:
    """torch.nn.functional.conv_transpose2d on one (C_in, H, W) input, weight (C_in, C_out/groups, kH, kW).
    ``view`` picks the steps (scatter: one per input cell; gather: one per output cell); the output is
    the same. ``max_macs`` and ``max_windows`` cap the gather view's work and windows (which count the
    inserted zeros), ``max_output`` the output's values: TooLargeError beyond, before any work."""
    plan = conv_transpose2d_plan(
        input, weight, bias, stride, padding, output_padding, groups, dilation, view, max_macs, max_windows, max_output
    )
    x, w, b, axes = plan.input, plan.weight, plan.bias, plan.axes
    with np.errstate(over="ignore", invalid="ignore"):
        output = scatter_output(x, w, b, plan.groups, axes)
    check_overflow(not np.isfinite(output).all(), {"input": x, "weight": w, "bias": b})
    frame = _frame(x, axes)
    p = plan
    return ConvTranspose2dTrace(
        x, w, b, p.stride, p.padding, p.output_padding, p.groups, p.dilation, p.view, axes, frame, output
    )


def conv_transpose2d_layer(layer: Mapping[str, Any], shape: tuple[int, ...]) -> LayerShape:
    """nn.ConvTranspose2d in a stack: its parameters with PyTorch's defaults, checked against the (C, H, W)
    it receives."""
    channels, height, width = shape
    out_channels = int_arg(layer, "out_channels", None, 1)
    kernel = pair("kernel_size", layer.get("kernel_size"), 1)
    stride = pair("stride", layer.get("stride", 1), 1)
    padding = pair("padding", layer.get("padding", 0), 0)
    output_padding = pair("output_padding", layer.get("output_padding", 0), 0)
    groups = int_arg(layer, "groups", 1, 1)
    bias = flag_arg(layer, "bias", True)
    dilation = pair("dilation", layer.get("dilation", 1), 1)
    check_layer_channels(layer, channels, out_channels, groups)
    axes = (
        transpose_axis("height", height, kernel[0], stride[0], padding[0], output_padding[0], dilation[0]),
        transpose_axis("width", width, kernel[1], stride[1], padding[1], output_padding[1], dilation[1]),
    )
    params = {
        "in_channels": channels,
        "out_channels": out_channels,
        "kernel_size": kernel,
        "stride": stride,
        "padding": padding,
        "output_padding": output_padding,
        "groups": groups,
        "bias": bias,
        "dilation": dilation,
    }
    count = channels * (out_channels // groups) * kernel[0] * kernel[1] + (out_channels if bias else 0)
    return LayerShape(params, (out_channels, axes[0].out, axes[1].out), count, axes)
