"""The backward pass of conv2d: the gradients torch.autograd gives for input, weight and bias.

Given conv2d's arguments and ``grad_output`` (the loss's gradient with respect to each output
value, shape (F, Ho, Wo)):

- ``grad_input``: each output gradient goes back through the kernel to the cells its window read.
  That is a transposed convolution of grad_output with the same weight (``conv_transpose2d`` with
  padding 0, the stride and dilation of the convolution, and the output_padding that gives back the
  padded input's size), made in the padded frame; padding then folds back onto the input cells it
  copies (zeros: dropped; reflect, replicate, circular: added to the cell each padded cell copies).
- ``grad_weight[f, c, i, j]``: the sum, over output positions, of the input value tap (i, j) read
  there times that position's output gradient.
- ``grad_bias[f]``: the sum of grad_output over filter f's output (None without a bias, as in PyTorch).

``gradient`` picks what the steps show, one gradient at a time (the done frame has all three):

- ``grad_input``: step ``i`` is the output cell ``(f, oy, ox) = unravel(i, (F, Ho, Wo))``: its gradient
  times the filter's kernel, scattered onto the cells of its forward window; each step reports the
  grad_input values of those cells just after its add (overlapping windows add up).
- ``grad_weight``: step ``i`` is the weight ``(f, c, i, j) = unravel(i, (F, C/groups, kH, kW))``.
- ``grad_bias``: step ``i`` is filter ``i``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from app.engine.conv2d import Conv2dPlan, Conv2dTrace, conv2d, conv2d_plan, window_bounds, windowed_header
from app.engine.conv_transpose import scatter_output
from app.engine.drawing import Highlight, InputPanel, uncovered_cells
from app.engine.errors import Described, ParamError
from app.engine.geometry import TransposeAxis, transpose_axis
from app.engine.scatter import last_writer, running
from app.engine.tensors import as_tensor, check_overflow

GRADIENTS = ("grad_input", "grad_weight", "grad_bias")


@dataclass(frozen=True)
class Conv2dBackwardTrace:
    forward: Conv2dTrace  # the convolution (its padded input, geometry and output)
    grad_output: np.ndarray  # (F, Ho, Wo)
    gradient: str  # which gradient the steps show
    transpose_axes: tuple[TransposeAxis, TransposeAxis]  # grad_output -> the padded frame
    grad_padded: np.ndarray  # (C, Hp, Wp): grad_input before the padding folds back
    grad_input: np.ndarray  # (C, H, W)
    grad_weight: np.ndarray  # (F, C/groups, kH, kW)
    grad_bias: np.ndarray | None  # (F,)

    op: ClassVar[str] = "conv2d_backward"

    @property
    def input(self) -> np.ndarray:
        return self.forward.input

    @property
    def output(self) -> np.ndarray:
        """grad_input: what flows back to the layer before."""
        return self.grad_input

    @property
    def order(self) -> tuple[str, ...]:
        return ORDERS[self.gradient]

    @property
    def total_steps(self) -> int:
        return steps_of(self.gradient, self.grad_output.shape, self.forward.weight.shape)

    def steps(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Columns describing steps ``start`` to ``stop - 1``, one row per step."""
        if self.gradient == "grad_input":
            return self._input_steps(start, stop)
        if self.gradient == "grad_weight":
            return self._weight_steps(start, stop)
        return self._bias_steps(start, stop)

    def _input_steps(self, start: int, stop: int) -> dict[str, np.ndarray]:
        f, oy, ox = np.unravel_index(np.arange(start, stop), self.grad_output.shape)
        axes = self.forward.axes
        rows, cols = axes[0].taps()[oy], axes[1].taps()[ox]
        grad = self.grad_output[f, oy, ox]
        products = grad[:, None, None, None] * self.forward.weight[f]  # (n, C/g, kH, kW)
        targets, inside = self._targets(f, rows, cols)
        after = np.full(products.shape, np.nan)
        after[inside] = running(self._running_grad_input(start), targets[inside], products[inside])
        return {
            "filter": f,
            "oy": oy,
            "ox": ox,
            "grad": grad,
            "window": window_bounds(axes, oy, ox),
            "rows": rows,
            "cols": cols,
            "products": products,
            "after": after,
        }

    def _weight_steps(self, start: int, stop: int) -> dict[str, np.ndarray]:
        f, c, i, j = np.unravel_index(np.arange(start, stop), self.grad_weight.shape)
        axes = self.forward.axes
        rows = axes[0].starts()[None, :] + (i * axes[0].dilation)[:, None]  # (n, Ho) padded rows
        cols = axes[1].starts()[None, :] + (j * axes[1].dilation)[:, None]  # (n, Wo)
        channel = self.forward.filter_channels[f, c]
        values = self.forward.padded.values[channel[:, None, None], rows[:, :, None], cols[:, None, :]]
        products = values * self.grad_output[f]
        return {
            "filter": f,
            "channel": c,
            "ki": i,
            "kj": j,
            "input_channel": channel,
            "rows": rows,
            "cols": cols,
            "values": values,
            "products": products,
            "value": self.grad_weight[f, c, i, j],
        }

    def _bias_steps(self, start: int, stop: int) -> dict[str, np.ndarray]:
        f = np.arange(start, stop)
        assert self.grad_bias is not None
        return {"filter": f, "grads": self.grad_output[f], "value": self.grad_bias[f]}

    def _targets(self, f: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n, C/g, kH, kW) flat grad_input index each product of output cells f at padded taps (rows, cols)
        folds back onto, and whether it reaches an input cell (a zero padding cell takes nothing back)."""
        _, height, width = self.grad_input.shape
        padded = self.forward.padded
        source_r, source_c = padded.source_rows[rows], padded.source_cols[cols]
        channels = self.forward.filter_channels[f][:, :, None, None]
        r, q = source_r[:, None, :, None], source_c[:, None, None, :]
        inside = np.broadcast_to((r >= 0) & (q >= 0), channels.shape[:2] + r.shape[2:3] + q.shape[3:])
        targets = (channels * height + np.maximum(r, 0)) * width + np.maximum(q, 0)
        return np.broadcast_to(targets, inside.shape), inside

    def _running_grad_input(self, steps: int) -> np.ndarray:
        """The flat grad_input after the first ``steps`` grad_input steps."""
        masked = self.grad_output.copy().reshape(-1)
        masked[steps:] = 0.0
        fw = self.forward
        with np.errstate(over="ignore", invalid="ignore"):
            grads = masked.reshape(self.grad_output.shape)
            padded = scatter_output(grads, fw.weight, None, fw.groups, self.transpose_axes)
        return fold(padded, fw.padded.source_rows, fw.padded.source_cols, self.grad_input.shape).reshape(-1)

    def compact_steps(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Compact columns: the step's cell (grad_output's for grad_input, the weight's, the filter) and
        the number it carries (the output gradient it scatters, the weight's gradient, the bias's)."""
        shape, values = self._stepped()
        return {
            "index": np.stack(np.unravel_index(np.arange(start, stop), shape), axis=1),
            "value": values.reshape(-1)[start:stop],
        }

    def _stepped(self) -> tuple[tuple[int, ...], np.ndarray]:
        if self.gradient == "grad_input":
            return self.grad_output.shape, self.grad_output
        if self.gradient == "grad_weight":
            return self.grad_weight.shape, self.grad_weight
        assert self.grad_bias is not None
        return self.grad_bias.shape, self.grad_bias

    # Drawing hooks (app/engine/drawing.py, read by app/export/render_png.py): pure data.
    def input_panel(self) -> InputPanel:
        """What the steps read: grad_output (grad_input, grad_bias), or the padded input (grad_weight)."""
        if self.gradient == "grad_weight":
            padded = self.forward.padded
            return InputPanel(padded.values, padded.kinds, uncovered_cells(self.forward.axes, self.input.shape[1:]))
        return InputPanel(self.grad_output, None)

    def output_panel(self) -> np.ndarray:
        """What the steps fill, as slices of rows x columns: grad_input, grad_weight as F·C/groups
        kernels, or grad_bias as F single cells."""
        if self.gradient == "grad_weight":
            filters, per_group, kh, kw = self.grad_weight.shape
            return self.grad_weight.reshape(filters * per_group, kh, kw)
        if self.gradient == "grad_bias":
            assert self.grad_bias is not None
            return self.grad_bias.reshape(-1, 1, 1)
        return self.grad_input

    def output_on_input_scale(self) -> bool:
        """False: gradients are sums of products, on a colour scale of their own."""
        return False

    def highlight(self, step: int) -> Highlight:
        if self.gradient == "grad_weight":
            f, c, i, j = (int(n) for n in np.unravel_index(step, self.grad_weight.shape))
            one = self._weight_steps(step, step + 1)
            cells = tuple((int(r), int(q)) for r in one["rows"][0] for q in one["cols"][0])
            channel = int(self.forward.filter_channels[f, c])
            return Highlight(f * self.grad_weight.shape[1] + c, (i, j), (channel,), cells)
        if self.gradient == "grad_bias":
            _, height, width = self.grad_output.shape
            cells = tuple((r, q) for r in range(height) for q in range(width))
            return Highlight(step, (0, 0), (step,), cells)
        f, oy, ox = (int(n) for n in np.unravel_index(step, self.grad_output.shape))
        rows, cols = self.forward.axes[0].taps()[[oy]], self.forward.axes[1].taps()[[ox]]
        targets, inside = self._targets(np.array([f]), rows, cols)
        hit = np.stack(np.unravel_index(np.unique(targets[inside]), self.grad_input.shape), axis=1)
        written = tuple((int(a), int(b), int(d)) for a, b, d in hit)
        first = written[0] if written else (int(self.forward.filter_channels[f, 0]), 0, 0)
        return Highlight(first[0], (first[1], first[2]), (f,), ((oy, ox),), written)

    def filled_at(self) -> np.ndarray:
        """Per cell of ``output_panel()``, the step after which it holds its final value."""
        if self.gradient != "grad_input":
            return np.arange(self.output_panel().size).reshape(self.output_panel().shape)
        f, oy, ox = np.unravel_index(np.arange(self.grad_output.size), self.grad_output.shape)
        targets, inside = self._targets(f, self.forward.axes[0].taps()[oy], self.forward.axes[1].taps()[ox])
        steps = np.broadcast_to(np.arange(self.grad_output.size)[:, None, None, None], inside.shape)
        return last_writer(self.grad_input.size, targets[inside], steps[inside]).reshape(self.grad_input.shape)

    def params(self) -> dict[str, Any]:
        """conv2d's parameters as the engine normalised them, and the gradient the steps show."""
        return {**self.forward.params(), "gradient": self.gradient}

    def numbers_per_step(self) -> int:
        return step_numbers(self.gradient, self.grad_output.shape, self.forward.weight.shape)

    def header_extras(self) -> dict[str, Any]:
        """The forward convolution's frame of reference (its padded input and geometry), the tensors,
        grad_output and the forward output, and grad_input before the padding folds back."""
        fw = self.forward
        return {
            **windowed_header(fw.padded, fw.axes),
            "gradient": self.gradient,
            "weight": fw.weight,
            "bias": fw.bias,
            "filter_channels": fw.filter_channels,
            "grad_output": self.grad_output,
            "forward_output": fw.output,
            "grad_padded": self.grad_padded,
        }

    def done_extras(self) -> dict[str, Any]:
        return {"grad_input": self.grad_input, "grad_weight": self.grad_weight, "grad_bias": self.grad_bias}


ORDERS = {
    "grad_input": ("filter", "oy", "ox"),
    "grad_weight": ("filter", "channel", "ki", "kj"),
    "grad_bias": ("filter",),
}


def steps_of(gradient: str, grad_shape: tuple[int, ...], weight_shape: tuple[int, ...]) -> int:
    if gradient == "grad_input":
        return int(np.prod(grad_shape))
    if gradient == "grad_weight":
        return int(np.prod(weight_shape))
    return int(grad_shape[0])


def step_numbers(gradient: str, grad_shape: tuple[int, ...], weight_shape: tuple[int, ...]) -> int:
    """Numbers in one full step. grad_input: products and running values per window tap, the window's
    rows and columns, and 8 more; grad_weight: the values and products at every output position, their
    rows and columns, and 6 more; grad_bias: the filter's gradients and 2 more."""
    _, height, width = (int(n) for n in grad_shape)
    _, per_group, kh, kw = (int(n) for n in weight_shape)
    if gradient == "grad_input":
        return 2 * per_group * kh * kw + kh + kw + 8
    if gradient == "grad_weight":
        return 2 * height * width + height + width + 6
    return height * width + 2


def fold(padded: np.ndarray, source_rows: np.ndarray, source_cols: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(C, Hp, Wp) values in the padded frame -> (C, H, W): each padded cell's value added to the input
    cell it copies (``source_rows``/``source_cols``, -1 where the padding is a constant: dropped)."""
    channels, height, width = shape
    keep = (source_rows >= 0)[:, None] & (source_cols >= 0)[None, :]
    cells = (np.maximum(source_rows, 0)[:, None] * width + np.maximum(source_cols, 0)[None, :])[keep]
    flat = np.arange(channels)[:, None] * (height * width) + cells[None, :]
    total = np.bincount(flat.reshape(-1), padded[:, keep].reshape(-1), minlength=channels * height * width)
    return total.reshape(shape)


@dataclass(frozen=True)
class Conv2dBackwardPlan:
    """A conv2d backward pass whose every argument has been checked; nothing computed yet."""

    forward: Conv2dPlan
    grad_output: np.ndarray | None  # None: not given yet (a GET query generates it, of grad_output_shape)
    gradient: str

    @property
    def grad_output_shape(self) -> tuple[int, int, int]:
        return self.forward.output_shape

    @property
    def output_shape(self) -> tuple[int, int, int]:
        """grad_input's shape: the input's."""
        channels, height, width = (int(n) for n in self.forward.input.shape)
        return channels, height, width

    @property
    def total_steps(self) -> int:
        return steps_of(self.gradient, self.grad_output_shape, self.forward.weight.shape)

    def numbers_per_step(self) -> int:
        return step_numbers(self.gradient, self.grad_output_shape, self.forward.weight.shape)


def conv2d_backward_plan(
    input: Any,
    weight: Any,
    bias: Any = None,
    grad_output: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: Any = 1,
    padding_mode: str = "zeros",
    gradient: Any = "grad_input",
    max_macs: int | None = None,
    max_windows: int | None = None,
) -> Conv2dBackwardPlan:
    """Every check ``conv2d_backward`` makes: conv2d's, grad_output's shape (when given) and the gradient."""
    forward = conv2d_plan(input, weight, bias, stride, padding, dilation, groups, padding_mode, max_macs, max_windows)
    if gradient not in GRADIENTS:
        raise ParamError("gradient", gradient, "must be one of grad_input, grad_weight, grad_bias: the steps to show")
    if gradient == "grad_bias" and forward.bias is None:
        raise ParamError(
            "gradient", gradient, "needs a bias: this convolution has none, so PyTorch computes no grad_bias"
        )
    g = None
    if grad_output is not None:
        g = as_tensor("grad_output", grad_output, 3, "(out_channels, output height, output width)")
        if g.shape != forward.output_shape:
            raise ParamError(
                "grad_output",
                Described(f"an array of shape {tuple(int(n) for n in g.shape)}"),
                f"must have the shape of the convolution's output, {forward.output_shape}: "
                "one gradient per output value",
            )
    return Conv2dBackwardPlan(forward, g, str(gradient))


def conv2d_backward(
    input: Any,
    weight: Any,
    bias: Any = None,
    grad_output: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: Any = 1,
    padding_mode: str = "zeros",
    gradient: Any = "grad_input",
    max_macs: int | None = None,
    max_windows: int | None = None,
) -> Conv2dBackwardTrace:
    """grad_input, grad_weight and grad_bias of conv2d (torch.autograd's) for the given ``grad_output``,
    with the steps of the one ``gradient`` names."""
    args = (input, weight, bias, grad_output, stride, padding, dilation, groups, padding_mode, gradient)
    plan = conv2d_backward_plan(*args, max_macs, max_windows)
    if plan.grad_output is None:
        raise ParamError(
            "grad_output",
            None,
            f"must be given: the loss's gradient for each output value, shape {plan.grad_output_shape}",
        )
    fp = plan.forward
    fw = conv2d(fp.input, fp.weight, fp.bias, fp.stride, fp.padding_arg, fp.dilation, fp.groups, fp.padding_mode)
    g = plan.grad_output
    axes = transpose_axes(fw)
    with np.errstate(over="ignore", invalid="ignore"):
        grad_padded = scatter_output(g, fw.weight, None, fw.groups, axes)  # conv_transpose2d's own computation
        grad_input = fold(grad_padded, fw.padded.source_rows, fw.padded.source_cols, fw.input.shape)
        grad_weight = _grad_weight(fw, g)
        grad_bias = g.sum(axis=(1, 2)) if fw.bias is not None else None
    overflowed = not (np.isfinite(grad_padded).all() and np.isfinite(grad_weight).all())
    check_overflow(overflowed, {"input": fw.input, "weight": fw.weight, "grad_output": g}, "a gradient")
    return Conv2dBackwardTrace(fw, g, plan.gradient, axes, grad_padded, grad_input, grad_weight, grad_bias)


def transpose_axes(fw: Conv2dTrace) -> tuple[TransposeAxis, TransposeAxis]:
    """The transposed convolution that takes grad_output back to the padded frame: the convolution's
    kernel, stride and dilation, no padding, and the output_padding that restores the rows (or columns)
    the stride floored away."""
    axes = []
    for axis in fw.axes:
        lost = (axis.padded - axis.span) % axis.stride
        axes.append(transpose_axis(axis.name, axis.out, axis.kernel, axis.stride, 0, lost, axis.dilation))
    return axes[0], axes[1]


def _grad_weight(fw: Conv2dTrace, g: np.ndarray) -> np.ndarray:
    """grad_weight[f, c, i, j] = sum over (oy, ox) of window(oy, ox)[c, i, j] * g[f, oy, ox], one group at a time."""
    win = fw.windows()  # (C, Ho, Wo, kH, kW)
    filters, per_group = fw.weight.shape[:2]
    per_filter_group = filters // fw.groups
    out = np.empty(fw.weight.shape)
    for group in range(fw.groups):
        rows = slice(group * per_filter_group, (group + 1) * per_filter_group)
        channels = slice(group * per_group, (group + 1) * per_group)
        out[rows] = np.tensordot(g[rows], win[channels], axes=([1, 2], [1, 2]))
    return out
