"""max_pool2d, avg_pool2d and lp_pool2d as PyTorch computes them, and their steps.

Every pooling trace shares one frame of reference: the input padded on each side
(``padding``) plus, with ``ceil_mode``, the cells past the bottom and right edges
that the last window reaches ("overhang"). Windows are read from that frame.
Cells that take no part (max pooling's implicit -inf padding, the overhang) are
NaN/-inf in ``values`` and become ``null`` in JSON.

Step ``i`` is the output cell ``(channel, oy, ox) = unravel(i, (C, Ho, Wo))``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from app.engine import budget, geometry
from app.engine.conv2d import window_bounds, windowed_header, windows
from app.engine.drawing import Highlight, InputPanel, uncovered_cells, window_highlight
from app.engine.errors import ParamError
from app.engine.geometry import Axis
from app.engine.pad import INPUT, Padded, pad
from app.engine.pairs import flag_arg, is_int, is_real, pair
from app.engine.spec import LayerShape
from app.engine.tensors import as_tensor, check_overflow


@dataclass(frozen=True)
class PoolTrace:
    """What every pooling trace holds; MaxPoolTrace, AvgPoolTrace and LpPoolTrace add their own."""

    input: np.ndarray  # (C, H, W)
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    ceil_mode: bool
    padded: Padded
    axes: tuple[Axis, Axis]
    output: np.ndarray  # (C, Ho, Wo)

    op: ClassVar[str]
    order: ClassVar[tuple[str, ...]] = ("channel", "oy", "ox")

    @property
    def total_steps(self) -> int:
        return int(self.output.size)

    def steps(self, start: int, stop: int) -> dict[str, np.ndarray]:
        index = np.arange(start, stop)
        c, oy, ox = np.unravel_index(index, self.output.shape)
        values = windows(self.padded.values, self.axes)[c, oy, ox]  # (n, kH, kW)
        columns: dict[str, np.ndarray] = {
            "channel": c,
            "oy": oy,
            "ox": ox,
            "window": window_bounds(self.axes, oy, ox),
            "rows": self.axes[0].taps()[oy],
            "cols": self.axes[1].taps()[ox],
            "values": values,
        }
        for name, per_cell in self.cells().items():
            columns[name] = per_cell[c, oy, ox]
        columns["value"] = self.output[c, oy, ox]
        return columns

    # Drawing hooks (app/engine/drawing.py, read by app/export/render_png.py): pure data.
    def input_panel(self) -> InputPanel:
        """The padded frame (padding and overhang marked), and the input cells no window reads."""
        uncovered = uncovered_cells(self.axes, self.input.shape[1:])
        return InputPanel(self.padded.values, self.padded.kinds, uncovered)

    def output_on_input_scale(self) -> bool:
        """False: the output (a maximum, a mean or a p-norm) gets a colour scale of its own."""
        return False

    def highlight(self, step: int) -> Highlight:
        """Step ``step``: the output cell and its window, in the same channel."""
        return window_highlight(self.axes, self.output.shape, step, None)

    def cells(self) -> dict[str, np.ndarray]:
        """Arrays with one entry per output cell that each step carries (argmax, divisor, ...)."""
        return {}

    def params(self) -> dict[str, Any]:
        """The parameters as the engine normalised them, in PyTorch's order (pairs as [h, w])."""
        return {"kernel_size": list(self.kernel_size), "stride": list(self.stride)}

    def numbers_per_step(self) -> int:
        return step_numbers(self.kernel_size)

    def header_extras(self) -> dict[str, Any]:
        ratio = self.output.size / self.input.size
        return {
            **windowed_header(self.padded, self.axes),
            "size_ratio": ratio,  # output values per input value (above 1 with overlap and padding)
            "discarded_share": max(0.0, 1.0 - ratio),  # 0.75 for 2x2 windows with stride 2
            "reduction": self.reduction(),
        }

    def unread(self) -> int:
        """Input values in a row or column no window reads (PyTorch's floor leaves them out)."""
        return int(self.input.shape[0]) * len(uncovered_cells(self.axes, self.input.shape[1:]))

    def reduction(self) -> str:
        """What happens to the input's values, in words (the player's side panel): an average or a
        power sum uses every value a window reads; only max pooling discards (MaxPoolTrace)."""
        n, unread = int(self.input.size), self.unread()
        every = "of every window that reads it"
        what = "mean" if self.op == "avg_pool2d" else "power sum Σ xᵖ"
        if unread == 0:
            return f"No value is discarded: each of the {n} input values counts in the {what} {every}."
        lie = (
            "lies in a row or column no window reaches and is"
            if unread == 1
            else "lie in rows or columns no window reaches and are"
        )
        rest = f"each of the other {n - unread} counts in the {what} {every}"
        return f"{unread} of the {n} input values {lie} never used; {rest}."

    def done_extras(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True)
class MaxPoolTrace(PoolTrace):
    argmax: np.ndarray  # (C, Ho, Wo): PyTorch's return_indices, a flat index into the input's H*W
    argmax_yx: np.ndarray  # (C, Ho, Wo, 2): the same as (row, col)
    argmax_tap: np.ndarray  # (C, Ho, Wo, 2): the (i, j) position inside the window (-1 when it read no input)

    op: ClassVar[str] = "max_pool2d"

    def cells(self) -> dict[str, np.ndarray]:
        return {"argmax": self.argmax, "argmax_yx": self.argmax_yx, "argmax_tap": self.argmax_tap}

    def params(self) -> dict[str, Any]:
        return {
            **super().params(),
            "padding": list(self.padding),
            "dilation": list(self.dilation),
            "ceil_mode": self.ceil_mode,
        }

    def done_extras(self) -> dict[str, Any]:
        return {"indices": self.argmax}

    def reduction(self) -> str:
        """Max pooling keeps one value per window, its maximum: the input values that are no window's
        maximum (those in unread rows and columns included) are discarded."""
        n = int(self.input.size)
        channels, height, width = self.input.shape
        read = self.argmax_tap[..., 0] >= 0  # a window of padding only keeps no input value
        flat = (np.arange(channels)[:, None, None] * (height * width) + self.argmax)[read]
        kept = int(np.unique(flat).size)
        if kept == n:
            return (
                f"Each window keeps only its maximum, and here each of the {n} input values is some window's "
                "maximum: none is discarded."
            )
        share = f"{100 * (n - kept) / n:.1f}".rstrip("0").rstrip(".")
        return (
            f"Each window keeps only its maximum: {kept} of the {n} input values reach the output, "
            f"and the other {n - kept} ({share}%) are discarded."
        )


@dataclass(frozen=True)
class AvgPoolTrace(PoolTrace):
    sum: np.ndarray  # (C, Ho, Wo): each window's sum
    divisor: np.ndarray  # (C, Ho, Wo): what PyTorch divided it by
    count_include_pad: bool
    divisor_override: int | None

    op: ClassVar[str] = "avg_pool2d"

    def cells(self) -> dict[str, np.ndarray]:
        return {"sum": self.sum, "divisor": self.divisor}

    def header_extras(self) -> dict[str, Any]:
        """Which cells a window's mean divides by, as a flag and in words (the player prints both)."""
        if self.divisor_override is not None:
            rule = f"divisor_override = {self.divisor_override}"
        elif self.count_include_pad:
            rule = "the window's cells, padding included (count_include_pad=True)"
        else:
            rule = "the input cells in the window only (count_include_pad=False)"
        return {**super().header_extras(), "padding_counts": self.count_include_pad, "divisor_rule": rule}

    def params(self) -> dict[str, Any]:
        return {
            **super().params(),
            "padding": list(self.padding),
            "ceil_mode": self.ceil_mode,
            "count_include_pad": self.count_include_pad,
            "divisor_override": self.divisor_override,
        }


@dataclass(frozen=True)
class LpPoolTrace(PoolTrace):
    sum: np.ndarray  # (C, Ho, Wo): each window's sum of x^p (overhang cells scaled as PyTorch does)
    scale: np.ndarray  # (C, Ho, Wo): kH*kW / cells inside the input
    norm_type: float

    op: ClassVar[str] = "lp_pool2d"

    def cells(self) -> dict[str, np.ndarray]:
        return {"sum": self.sum, "scale": self.scale}

    def params(self) -> dict[str, Any]:
        return {**super().params(), "ceil_mode": self.ceil_mode, "norm_type": self.norm_type}


@dataclass(frozen=True)
class PoolPlan:
    """A pooling whose every argument has been checked and whose geometry is known; nothing computed yet."""

    input: np.ndarray
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    ceil_mode: bool
    axes: tuple[Axis, Axis]

    @property
    def output_shape(self) -> tuple[int, int, int]:
        return (int(self.input.shape[0]), self.axes[0].out, self.axes[1].out)

    def numbers_per_step(self) -> int:
        return step_numbers(self.kernel_size)


def step_numbers(kernel_size: tuple[int, int]) -> int:
    """Numbers in one full step of a pooling trace: the window's values and 14 more."""
    return int(np.prod(kernel_size)) + 14


def _plan(
    x: np.ndarray, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: Any, max_windows: int | None
) -> PoolPlan:
    k = pair("kernel_size", kernel_size, 1)
    s = k if stride is None else pair("stride", stride, 1)
    d = pair("dilation", dilation, 1)
    if not isinstance(ceil_mode, bool):
        raise ParamError("ceil_mode", ceil_mode, "must be true or false")
    p = geometry.pool_padding(padding, k)
    axes = (
        geometry.pool_axis("height", x.shape[1], k[0], s[0], p[0], d[0], ceil_mode),
        geometry.pool_axis("width", x.shape[2], k[1], s[1], p[1], d[1], ceil_mode),
    )
    budget.check_windows(int(x.shape[0]), axes, max_windows)
    return PoolPlan(x, k, s, p, d, ceil_mode, axes)


def max_pool2d_plan(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: Any = False,
    max_windows: int | None = None,
) -> PoolPlan:
    """Every check ``max_pool2d`` makes, from the arguments and the geometry alone."""
    x = as_tensor("input", input, 3, "(channels, height, width)")
    return _plan(x, kernel_size, stride, padding, dilation, ceil_mode, max_windows)


def avg_pool2d_plan(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: Any = False,
    count_include_pad: Any = True,
    divisor_override: Any = None,
    max_windows: int | None = None,
) -> PoolPlan:
    """Every check ``avg_pool2d`` makes, from the arguments and the geometry alone."""
    x = as_tensor("input", input, 3, "(channels, height, width)")
    if not isinstance(count_include_pad, bool):
        raise ParamError("count_include_pad", count_include_pad, "must be true or false")
    if divisor_override is not None and (not is_int(divisor_override) or divisor_override < 1):
        raise ParamError("divisor_override", divisor_override, "must be an integer >= 1, or null")
    return _plan(x, kernel_size, stride, padding, 1, ceil_mode, max_windows)


def lp_pool2d_plan(
    input: Any,
    norm_type: Any,
    kernel_size: Any,
    stride: Any = None,
    ceil_mode: Any = False,
    max_windows: int | None = None,
) -> PoolPlan:
    """Every check ``lp_pool2d`` makes, from the arguments and the geometry alone."""
    x = as_tensor("input", input, 3, "(channels, height, width)")
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float)) or not np.isfinite(norm_type):
        raise ParamError("norm_type", norm_type, "must be a finite number > 0 (2 gives the L2 norm)")
    if norm_type <= 0:
        raise ParamError("norm_type", norm_type, "must be > 0 (2 gives the L2 norm)")
    return _plan(x, kernel_size, stride, 0, 1, ceil_mode, max_windows)


def _frame(x: np.ndarray, axes: tuple[Axis, Axis], fill: float) -> Padded:
    pads = ((axes[0].pad_before, axes[0].pad_after), (axes[1].pad_before, axes[1].pad_after))
    return pad(x, pads, "zeros", fill=fill, overhang=(axes[0].overhang, axes[1].overhang))


def max_pool2d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: Any = False,
    max_windows: int | None = None,
) -> PoolTrace:
    """torch.nn.functional.max_pool2d; ``argmax`` holds PyTorch's return_indices
    (flat index into the input's H*W), ``argmax_yx`` the same as (row, col), and
    ``argmax_tap`` the (i, j) position inside the window."""
    plan = max_pool2d_plan(input, kernel_size, stride, padding, dilation, ceil_mode, max_windows)
    x, k, s, p, d, axes = plan.input, plan.kernel_size, plan.stride, plan.padding, plan.dilation, plan.axes
    padded = _frame(x, axes, fill=-np.inf)
    win = windows(padded.values, axes)
    flat = np.where(np.isnan(win), -np.inf, win).reshape(*win.shape[:3], -1)
    tap = flat.argmax(axis=-1)  # first maximum in row-major order, as PyTorch's CPU kernel
    output = np.take_along_axis(flat, tap[..., None], axis=-1)[..., 0]
    ti, tj = np.divmod(tap, k[1])
    rows = axes[0].taps()[np.arange(axes[0].out)[:, None], ti] - p[0]  # (C, Ho, Wo) input row
    cols = axes[1].taps()[np.arange(axes[1].out)[None, :], tj] - p[1]
    # A dilated window can read padding only. PyTorch then reports the first tap at or past
    # the input's start along each axis (its kernel steps the start by the dilation).
    empty = np.isneginf(output)
    if empty.any():
        first_h, first_w = _first_inside(axes[0]), _first_inside(axes[1])
        rows = np.where(empty, first_h[:, None], rows)
        cols = np.where(empty, first_w[None, :], cols)
        ti, tj = np.where(empty, -1, ti), np.where(empty, -1, tj)  # no tap of the window read the input
    return MaxPoolTrace(
        x,
        k,
        s,
        p,
        d,
        ceil_mode,
        padded,
        axes,
        np.ascontiguousarray(output),
        argmax=rows * x.shape[2] + cols,
        argmax_yx=np.stack([rows, cols], axis=-1),
        argmax_tap=np.stack([ti, tj], axis=-1),
    )


def _first_inside(axis: Axis) -> np.ndarray:
    """Per window, the first tap (input coordinates) not before the input's start."""
    start = axis.starts() - axis.pad_before
    behind = np.maximum(0, -start)
    return start + -(-behind // axis.dilation) * axis.dilation


def _counts(axis: Axis) -> tuple[np.ndarray, np.ndarray]:
    """Per window along one axis, PyTorch's avg_pool2d divisors: cells inside input+padding
    (count_include_pad) and cells inside the input alone."""
    start = axis.starts() - axis.pad_before  # in input coordinates
    end = np.minimum(start + axis.kernel, axis.size + axis.pad_after)
    with_pad = end - start
    inside = np.minimum(end, axis.size) - np.maximum(start, 0)
    return with_pad, inside


def _window_sums(padded: Padded, axes: tuple[Axis, Axis]) -> np.ndarray:
    clean = np.where(padded.kinds == INPUT, padded.values, 0.0)  # NaN in an input cell stays NaN, as in PyTorch
    return windows(clean, axes).sum(axis=(3, 4))


def avg_pool2d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: Any = False,
    count_include_pad: Any = True,
    divisor_override: Any = None,
    max_windows: int | None = None,
) -> PoolTrace:
    """torch.nn.functional.avg_pool2d, divisors exactly as PyTorch's kernel computes them."""
    plan = avg_pool2d_plan(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, max_windows
    )
    x, k, s, p, d, axes = plan.input, plan.kernel_size, plan.stride, plan.padding, plan.dilation, plan.axes
    padded = _frame(x, axes, fill=0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        sums = _window_sums(padded, axes)
    check_overflow(not np.isfinite(sums).all(), {"input": x}, "the sum of a window")
    (pad_h, in_h), (pad_w, in_w) = _counts(axes[0]), _counts(axes[1])
    if divisor_override is not None:
        divisor = np.full(sums.shape[1:], float(divisor_override))
    elif count_include_pad:
        divisor = (pad_h[:, None] * pad_w[None, :]).astype(np.float64)
    else:
        divisor = (in_h[:, None] * in_w[None, :]).astype(np.float64)
    divisor = np.broadcast_to(divisor, sums.shape)
    output = np.ascontiguousarray(sums / divisor)
    return AvgPoolTrace(
        x,
        k,
        s,
        p,
        d,
        ceil_mode,
        padded,
        axes,
        output,
        sum=sums,
        divisor=np.ascontiguousarray(divisor),
        count_include_pad=count_include_pad,
        divisor_override=divisor_override,
    )


def lp_pool2d(
    input: Any,
    norm_type: Any,
    kernel_size: Any,
    stride: Any = None,
    ceil_mode: Any = False,
    max_windows: int | None = None,
) -> PoolTrace:
    """torch.nn.functional.lp_pool2d: (sum of x^p)^(1/p) over each window, computed the way
    PyTorch does (avg_pool2d of x^p, times kH*kW, to the power 1/p). A ceil_mode window
    that overhangs the input is scaled by kH*kW / (cells inside), as PyTorch's is."""
    plan = lp_pool2d_plan(input, norm_type, kernel_size, stride, ceil_mode, max_windows)
    x, k, s, p, d, axes = plan.input, plan.kernel_size, plan.stride, plan.padding, plan.dilation, plan.axes
    padded = _frame(x, axes, fill=0.0)
    with np.errstate(over="ignore", invalid="ignore"):  # invalid: a negative value to a fractional power is NaN
        powered = np.power(padded.values, float(norm_type))
        sums = _window_sums(Padded(powered, padded.kinds, padded.source_rows, padded.source_cols, padded.pads), axes)
        (_, in_h), (_, in_w) = _counts(axes[0]), _counts(axes[1])
        inside = np.broadcast_to((in_h[:, None] * in_w[None, :]).astype(np.float64), sums.shape)
        mean = sums / inside
        scaled = np.sign(mean) * np.maximum(np.abs(mean), 0.0) * (k[0] * k[1])
        output = np.power(scaled, 1.0 / float(norm_type))
    overflowed = bool(np.isinf(powered).any() or np.isinf(scaled).any())
    check_overflow(overflowed, {"input": x}, f"the sum of a window's values to the power {float(norm_type):g}")
    scale = np.ascontiguousarray(k[0] * k[1] / inside)
    return LpPoolTrace(
        x,
        k,
        s,
        p,
        d,
        ceil_mode,
        padded,
        axes,
        np.ascontiguousarray(output),
        sum=sums,
        scale=scale,
        norm_type=float(norm_type),
    )


def pool_layer(kind: str) -> Callable[[Mapping[str, Any], tuple[int, ...]], LayerShape]:
    """nn.MaxPool2d, nn.AvgPool2d and nn.LPPool2d in a stack: they share PyTorch's pooling geometry."""

    def build(layer: Mapping[str, Any], shape: tuple[int, ...]) -> LayerShape:
        channels, height, width = shape
        params: dict[str, Any] = {}
        if kind == "lp_pool2d":
            norm_type: Any = layer.get("norm_type")
            if not is_real(norm_type) or norm_type <= 0:
                raise ParamError("norm_type", norm_type, "must be a finite number > 0 (2 for the Euclidean norm)")
            params["norm_type"] = float(norm_type)
        kernel = pair("kernel_size", layer.get("kernel_size"), 1)
        stride = kernel if layer.get("stride") is None else pair("stride", layer["stride"], 1)
        pads = geometry.pool_padding(layer.get("padding", 0), kernel)
        dilation = pair("dilation", layer.get("dilation", 1), 1)
        ceil_mode = flag_arg(layer, "ceil_mode", False)
        params.update(kernel_size=kernel, stride=stride)
        if kind != "lp_pool2d":
            params["padding"] = pads
        if kind == "max_pool2d":
            params["dilation"] = dilation
        params["ceil_mode"] = ceil_mode
        if kind == "avg_pool2d":
            params["count_include_pad"] = flag_arg(layer, "count_include_pad", True)
            divisor = layer.get("divisor_override")
            if divisor is not None and (not is_int(divisor) or divisor < 1):
                rule = "must be an integer >= 1, or left out to divide by the window size"
                raise ParamError("divisor_override", divisor, rule)
            params["divisor_override"] = None if divisor is None else int(divisor)
        axes = (
            geometry.pool_axis("height", height, kernel[0], stride[0], pads[0], dilation[0], ceil_mode),
            geometry.pool_axis("width", width, kernel[1], stride[1], pads[1], dilation[1], ceil_mode),
        )
        return LayerShape(params, (channels, axes[0].out, axes[1].out), 0, axes)

    return build
