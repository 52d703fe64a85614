"""Output sizes, window coverage and the output-size formula with numbers in it.

One axis at a time: an ``Axis`` says how a kernel slides along the height or the
width of an input, how many outputs that gives, whether the formula
O = (W - K + 2P)/S + 1 came out an integer, and which input rows (or columns) no
window ever touches. PyTorch floors (or, for pooling with ``ceil_mode``, ceils)
a fractional result; we do the same and report what was lost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from app.engine.errors import ParamError
from app.engine.pairs import is_int, pair

Pads = tuple[tuple[int, int], tuple[int, int]]
AXES = ("height", "width")


@dataclass(frozen=True)
class Axis:
    """How one kernel dimension slides along one input dimension."""

    name: str
    size: int
    kernel: int
    stride: int
    pad_before: int
    pad_after: int
    dilation: int
    ceil_mode: bool
    out: int
    dropped_last: bool  # ceil_mode made a window that PyTorch then dropped

    @property
    def span(self) -> int:
        """Rows (or columns) one dilated window spans: d(K - 1) + 1."""
        return self.dilation * (self.kernel - 1) + 1

    @property
    def padded(self) -> int:
        return self.size + self.pad_before + self.pad_after

    @property
    def numerator(self) -> int:
        return self.padded - self.span

    @property
    def exact(self) -> bool:
        return self.numerator % self.stride == 0

    @property
    def overhang(self) -> int:
        """Cells past the padded input that the last window reaches (ceil_mode only)."""
        last_end = (self.out - 1) * self.stride + self.span
        return max(0, last_end - self.padded)

    def starts(self) -> np.ndarray:
        """First padded index of each window."""
        return np.arange(self.out, dtype=np.int64) * self.stride

    def taps(self) -> np.ndarray:
        """(out, kernel) padded indices each window reads."""
        return self.starts()[:, None] + np.arange(self.kernel, dtype=np.int64)[None, :] * self.dilation

    def uncovered(self) -> list[int]:
        """Input indices (unpadded, 0-based) that no window ever reads."""
        hit = np.zeros(self.padded + self.overhang, dtype=bool)
        hit[self.taps().ravel()] = True
        inside = hit[self.pad_before : self.pad_before + self.size]
        return [int(i) for i in np.flatnonzero(~inside)]

    def formula(self) -> dict[str, Any]:
        return formula(self)

    def receptive_field(self, size: Any, jump: Any, start: Any) -> tuple[Any, Any, Any]:
        """(r, j, start) after this layer, in input pixels (Dumoulin & Visin's recurrence, app/stack/shapes.py)."""
        return size + (self.span - 1) * jump, jump * self.stride, start + ((self.span - 1) / 2 - self.pad_before) * jump

    def describe(self) -> dict[str, Any]:
        """Everything about this axis, for a trace header."""
        return {
            "size": self.size,
            "kernel": self.kernel,
            "span": self.span,
            "stride": self.stride,
            "padding": [self.pad_before, self.pad_after],
            "dilation": self.dilation,
            "padded": self.padded,
            "overhang": self.overhang,
            "out": self.out,
            "exact": self.exact,
            "uncovered": self.uncovered(),
            "taps": self.taps(),
            "formula": self.formula(),
        }


def _check_fits(axis: str, size: int, pads: tuple[int, int], span: int, kernel: int, dilation: int) -> None:
    padded = size + pads[0] + pads[1]
    if padded < span:
        what = f"{kernel}" if dilation == 1 else f"{kernel} (spanning {span} with dilation {dilation})"
        raise ParamError(
            "kernel_size",
            kernel,
            f"the kernel's {axis}, {what}, must fit in the padded input's {axis}, "
            f"{size} + {pads[0]} + {pads[1]} = {padded}",
        )


def conv_axis(name: str, size: int, kernel: int, stride: int, pads: tuple[int, int], dilation: int) -> Axis:
    """Convolution along one axis: O = floor((W + P_before + P_after - span)/S) + 1."""
    span = dilation * (kernel - 1) + 1
    _check_fits(name, size, pads, span, kernel, dilation)
    out = (size + pads[0] + pads[1] - span) // stride + 1
    return Axis(name, size, kernel, stride, pads[0], pads[1], dilation, False, out, False)


def pool_axis(name: str, size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> Axis:
    """Pooling along one axis, PyTorch's rule: with ceil_mode the last window must start
    inside the input or its left padding, or it is dropped."""
    span = dilation * (kernel - 1) + 1
    numerator = size + 2 * pad - span
    out = (-(-numerator // stride) if ceil_mode else numerator // stride) + 1
    dropped = False
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
        dropped = True
    if out < 1:  # PyTorch's rule: with ceil_mode a kernel may overhang the padded input
        if not ceil_mode:
            _check_fits(name, size, (pad, pad), span, kernel, dilation)
        raise ParamError(
            "kernel_size",
            kernel,
            f"the kernel's {name} spans {span}, and the padded input's {name} is {size} + {pad} + {pad} = "
            f"{size + 2 * pad}: even with ceil_mode no window starts inside the input",
        )
    return Axis(name, size, kernel, stride, pad, pad, dilation, ceil_mode, out, dropped)


def _num(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def formula(axis: Axis) -> dict[str, Any]:
    """O = (W - K + 2P)/S + 1 with this axis's numbers substituted, and what PyTorch does with it."""
    symmetric = axis.pad_before == axis.pad_after
    k_sym = "K" if axis.dilation == 1 else "K'"
    pad_sym = "2P" if symmetric else "P_before + P_after"
    symbolic = f"O = (W - {k_sym} + {pad_sym})/S + 1"
    pad_num = f"2×{axis.pad_before}" if symmetric else f"{axis.pad_before} + {axis.pad_after}"
    substituted = f"({axis.size} - {axis.span} + {pad_num})/{axis.stride} + 1"
    value = Fraction(axis.numerator, axis.stride) + 1
    result: dict[str, Any] = {
        "symbolic": symbolic,
        "substituted": substituted,
        "fraction": _num(value),
        "value": float(value),
        "exact": axis.exact,
        "out": axis.out,
        "rounding": None,
    }
    if axis.dilation != 1:
        result["dilated_kernel"] = f"K' = d(K - 1) + 1 = {axis.dilation}×({axis.kernel} - 1) + 1 = {axis.span}"
    approx = ""
    if axis.exact:
        reason = f"an integer, so {axis.out} output{'s' if axis.out != 1 else ''} along the {axis.name}"
    else:
        rounded = math.ceil(value) if axis.ceil_mode else math.floor(value)
        result["rounding"] = "ceil" if axis.ceil_mode else "floor"
        how = "rounds it up" if axis.ceil_mode else "floors it"
        approx = f" ≈ {float(value):.2f}"
        reason = f"not an integer, so PyTorch {how} to {rounded}"
        if axis.dropped_last:
            reason += (
                f"; the last window would start past the input and its left padding, so PyTorch drops it: {axis.out}"
            )
        lost = axis.uncovered()
        if lost:
            which = "row" if axis.name == "height" else "column"
            if len(lost) == 1:
                reason += f"; input {which} {lost[0]} is never covered"
            else:
                reason += f"; input {which}s {', '.join(map(str, lost))} are never covered"
    result["text"] = f"{symbolic} = {substituted} = {_num(value)}{approx}: {reason}"
    result["verdict"] = f"{_num(value)}{approx}: {reason}."
    return result


def keeping_padding(size: int, span: int, stride: int) -> int:
    """The smallest P (on each side) for which (size - span + 2P)/stride + 1, floored, is ``size``."""
    return max(0, -(-((size - 1) * stride - size + span) // 2))


def same_padding(kernel: int, stride: int, dilation: int, axis: Axis | None = None) -> dict[str, Any]:
    """Whether a padding P keeps the output the size of the input, and what PyTorch's
    padding='same' does. With a stride above 1 and ``axis`` (the input's size and padding along it),
    the sentence says what this input gives and which padding would keep its size."""
    total = dilation * (kernel - 1)
    before, after = total // 2, total - total // 2
    sym = "(K - 1)/2" if dilation == 1 else "d(K - 1)/2"
    nums = f"({kernel} - 1)/2" if dilation == 1 else f"{dilation}×({kernel} - 1)/2"
    info: dict[str, Any] = {"exists": False, "before": before, "after": after, "pytorch": stride == 1}
    if stride != 1:
        every = f"no padding keeps every input's size with stride {stride}, as {sym} does with stride 1"
        refuse = "PyTorch refuses padding='same' for strided convolutions."
        if axis is None:
            info["text"] = f"The output is about (W + 2P)/{stride}: {every}. {refuse}"
            return info
        here = (
            f"With stride {stride} the output is about (W + 2P)/{stride}: here {axis.out} from an input of {axis.size}."
        )
        if axis.out == axis.size:
            keep = f"This padding keeps the size, but only for an input of {axis.size}"
        else:
            p = keeping_padding(axis.size, axis.span, stride)
            keep = f"A padding of {p} on each side would give {axis.size} again, but only for an input of {axis.size}"
        info["text"] = f"{here} {keep}: {every}. {refuse}"
    elif total % 2:
        info["text"] = (
            f"P = {sym} = {nums} = {Fraction(total, 2).numerator}/2 is not an integer: "
            f"an even kernel has no centre, so no symmetric padding keeps the size. "
            f"PyTorch's padding='same' pads {before} before and {after} after."
        )
    else:
        info["exists"] = True
        info["text"] = f"P = {sym} = {nums} = {before} keeps the output the size of the input."
    return info


def conv_padding(padding: Any, kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int]) -> Pads:
    """Resolve Conv2d's ``padding`` (int, pair, 'same', 'valid') to ((top, bottom), (left, right))."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding != "same":
            raise ParamError("padding", padding, "must be an integer, a pair of integers, 'same' or 'valid'")
        if stride != (1, 1):
            raise ParamError(
                "padding",
                padding,
                f"'same' needs stride 1, and stride is {stride[0] if stride[0] == stride[1] else stride}: "
                "PyTorch refuses padding='same' for strided convolutions",
            )
        result = []
        for k, d in zip(kernel, dilation, strict=True):
            total = d * (k - 1)
            result.append((total // 2, total - total // 2))
        return result[0], result[1]
    ph, pw = pair("padding", padding, 0)
    return (ph, ph), (pw, pw)


def pool_padding(padding: Any, kernel: tuple[int, int]) -> tuple[int, int]:
    """Pooling padding: int or pair, at most half the kernel size (PyTorch's rule, dilation or not)."""
    if not (is_int(padding) or isinstance(padding, (tuple, list))):
        raise ParamError("padding", padding, "must be an integer or a pair of integers")
    pads = pair("padding", padding, 0)
    for axis, p, k in zip(AXES, pads, kernel, strict=True):
        if p > k // 2:
            raise ParamError(
                "padding",
                padding,
                f"pooling padding must be at most half the kernel size: the kernel's {axis} is {k}, "
                f"so padding may be at most {k // 2} there",
            )
    return pads


# --- transposed convolution -------------------------------------------------------------------


@dataclass(frozen=True)
class TransposeAxis:
    """How a transposed convolution (conv_transpose2d) goes back up along one axis.

    Scatter: input index n puts its kernel's tap i on output index n*S - P + i*D (taps that land
    outside 0..out-1 are cut off by the padding). Gather: the same output is a direct convolution
    (stride 1, dilation D, the kernel flipped) over a *frame*: the input with S - 1 zeros inserted
    between cells, then D(K - 1) - P cells on each side (plus output_padding after); a negative
    amount crops the dilated input instead. Frame index f holds dilated index f - before.
    """

    name: str
    size: int
    kernel: int
    stride: int
    padding: int
    output_padding: int
    dilation: int
    out: int

    @property
    def span(self) -> int:
        return self.dilation * (self.kernel - 1) + 1

    @property
    def dilated(self) -> int:
        """The input with stride - 1 zeros between neighbouring cells: (W - 1)S + 1."""
        return (self.size - 1) * self.stride + 1

    @property
    def frame_pads(self) -> tuple[int, int]:
        """Cells added before and after the dilated input to make the gather frame (negative: cropped)."""
        before = self.dilation * (self.kernel - 1) - self.padding
        return before, before + self.output_padding

    @property
    def frame(self) -> int:
        """Length of the gather frame: out + D(K - 1)."""
        return self.out + self.span - 1

    def frame_sources(self) -> np.ndarray:
        """(frame,) the input index each frame cell holds, -1 for an inserted zero or padding."""
        t = np.arange(self.frame, dtype=np.int64) - self.frame_pads[0]
        inside = (t >= 0) & (t < self.dilated) & (t % self.stride == 0)
        return np.where(inside, t // self.stride, -1)

    def frame_inserted(self) -> np.ndarray:
        """(frame,) True where the frame holds a zero inserted between two input cells."""
        t = np.arange(self.frame, dtype=np.int64) - self.frame_pads[0]
        return (t >= 0) & (t < self.dilated) & (t % self.stride != 0)

    def gather(self) -> Axis:
        """The equivalent direct convolution over the frame: stride 1, this dilation, ``out`` windows."""
        before, after = self.frame_pads
        return Axis(self.name, self.dilated, self.kernel, 1, before, after, self.dilation, False, self.out, False)

    def scatter_taps(self) -> np.ndarray:
        """(size, kernel) the output index tap i of input index n lands on: n*S - P + i*D
        (outside 0..out-1 where the padding cuts it off)."""
        n = np.arange(self.size, dtype=np.int64)[:, None]
        return n * self.stride - self.padding + np.arange(self.kernel, dtype=np.int64)[None, :] * self.dilation

    def uncovered(self) -> list[int]:
        """Input indices none of whose taps lands inside the output (the padding cut them all off)."""
        taps = self.scatter_taps()
        reach = ((taps >= 0) & (taps < self.out)).any(axis=1)
        return [int(i) for i in np.flatnonzero(~reach)]

    def formula(self) -> dict[str, Any]:
        """O = (W - 1)S - 2P + D(K - 1) + output_padding + 1 with this axis's numbers substituted
        (the same keys as a convolution's formula: it is always an integer)."""
        symbolic = "O = (W - 1)×S - 2P + D×(K - 1) + output_padding + 1"
        substituted = (
            f"({self.size} - 1)×{self.stride} - 2×{self.padding} + {self.dilation}×({self.kernel} - 1)"
            f" + {self.output_padding} + 1"
        )
        verdict = f"{self.out} output{'s' if self.out != 1 else ''} along the {self.name}"
        return {
            "symbolic": symbolic,
            "substituted": substituted,
            "fraction": str(self.out),
            "value": float(self.out),
            "exact": True,
            "out": self.out,
            "rounding": None,
            "text": f"{symbolic} = {substituted} = {self.out}: {verdict}",
            "verdict": f"{self.out}: {verdict}.",
        }

    def receptive_field(self, size: Any, jump: Any, start: Any) -> tuple[Any, Any, Any]:
        """(r, j, start) after this layer, in input pixels: the gather view's convolution over the
        frame, whose cells are 1/S of an input cell apart (so j and r may become fractions)."""
        step = Fraction(jump) / self.stride
        return (
            size + (self.span - 1) * step,
            step,
            start + (Fraction(self.span - 1, 2) - self.frame_pads[0]) * step,
        )

    def undoes(self) -> dict[str, Any]:
        """The conv2d with the same kernel, stride, padding and dilation maps every size in ``sizes``
        back to this axis's input size (PyTorch floors); output_padding picks ``sizes[output_padding]``."""
        base = (self.size - 1) * self.stride - 2 * self.padding + self.dilation * (self.kernel - 1) + 1
        sizes = [base + r for r in range(self.stride) if base + r >= 1]
        conv = f"conv2d with kernel {self.kernel}, stride {self.stride}, padding {self.padding}"
        conv += f", dilation {self.dilation}" if self.dilation != 1 else ""
        text = f"{conv} turns a {self.name} of {' or '.join(map(str, sizes))} into {self.size}"
        if self.out not in sizes:
            back = (self.out + 2 * self.padding - self.span) // self.stride + 1
            text += f"; output_padding {self.output_padding} gives {self.out}, which it turns into {back}"
        elif len(sizes) > 1:
            text += f": output_padding {self.output_padding} picks {self.out}"
        return {"sizes": sizes, "picked": self.out, "text": text}

    def describe(self) -> dict[str, Any]:
        """Everything about this axis, for a trace header (and, under a convolution's keys, the stack
        builder: ``padding`` as [before, after], ``padded`` the frame)."""
        return {
            "size": self.size,
            "kernel": self.kernel,
            "span": self.span,
            "stride": self.stride,
            "padding": [self.padding, self.padding],
            "output_padding": self.output_padding,
            "dilation": self.dilation,
            "padded": self.frame,
            "overhang": 0,
            "out": self.out,
            "exact": True,
            "uncovered": self.uncovered(),
            "dilated": self.dilated,
            "frame_padding": list(self.frame_pads),
            "scatter_taps": self.scatter_taps(),
            "gather_taps": self.gather().taps(),
            "formula": self.formula(),
            "undoes": self.undoes(),
        }


def transpose_axis(
    name: str, size: int, kernel: int, stride: int, padding: int, output_padding: int, dilation: int
) -> TransposeAxis:
    """A transposed convolution along one axis, with PyTorch's two refusals: output_padding must be
    smaller than the stride or the dilation, and the output must have at least one cell."""
    if output_padding >= stride and output_padding >= dilation:
        raise ParamError(
            "output_padding",
            output_padding,
            f"must be smaller than the stride ({stride}) or the dilation ({dilation}) along the {name}, as in "
            f"PyTorch: it adds back cells that a stride-{stride} convolution floors away",
        )
    out = (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if out < 1:
        raise ParamError(
            "padding",
            padding,
            f"the output's {name} would be ({size} - 1)×{stride} - 2×{padding} + {dilation}×({kernel} - 1) + "
            f"{output_padding} + 1 = {out}, and it must be at least 1: use less padding",
        )
    return TransposeAxis(name, size, kernel, stride, padding, output_padding, dilation, out)
