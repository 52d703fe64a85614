"""The numbers a lesson's prose shows, computed by the engine when the page renders.

``for_lesson(slug)`` gives the template of lesson ``slug`` its worked examples (an empty dict for a
lesson whose numbers are all written in its text). Each example keeps the arrays it starts from and
the embed address of the widget that plays them, so the prose, its tables and its widget cannot
drift apart: tests/lessons/test_lesson_going_up_numbers.py checks them against independent loops.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import urlencode

import numpy as np

from app.engine.conv2d_backward import conv2d_backward
from app.engine.conv_transpose import conv_transpose2d
from app.engine.geometry import transpose_axis


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _term(value: float) -> str:
    return f"({_n(value)})" if value < 0 else _n(value)


def text_array(values: np.ndarray) -> str:
    """A 2-D array in the query's text form: rows split by ';', values by ',' (docs/TRACE_FORMAT.md 2.5)."""
    return ";".join(",".join(_n(v) for v in row) for row in np.asarray(values))


def embed(op: str, **query: Any) -> str:
    return f"/embed/{op}?{urlencode(query, safe=',;')}"


def _rows(values: np.ndarray) -> list[list[str]]:
    return [[_n(v) for v in row] for row in np.asarray(values)]


# --- lesson 12: going back up ----------------------------------------------------------------


def _scatter_example() -> dict[str, Any]:
    """A 2x2 input, a 3x3 kernel, stride 2: the output, how its centre adds up, and the gather frame."""
    x = np.array([[[1.0, 2.0], [3.0, 4.0]]])
    w = np.array([[[[1.0, 0.0, 2.0], [0.0, 1.0, 0.0], [3.0, 0.0, 1.0]]]])
    stride = 2
    scatter = conv_transpose2d(x, w, None, stride)
    gather = conv_transpose2d(x, w, None, stride, view="gather")
    steps = scatter.steps(0, scatter.total_steps)
    centre = 2, 2
    terms = []
    for n in range(scatter.total_steps):
        for i, row in enumerate(steps["rows"][n]):
            for j, col in enumerate(steps["cols"][n]):
                if (row, col) == centre:
                    terms.append((float(steps["input"][n]), float(w[0, 0, i, j]), float(steps["products"][n][0, i, j])))
    _, height, width = scatter.output.shape
    frame = gather.frame.values.shape[1:]
    query = {"input": text_array(x[0]), "weight": text_array(w[0, 0]), "bias": "false", "stride": stride}
    return {
        "stride": stride,
        "input": _rows(x[0]),
        "kernel": _rows(w[0, 0]),
        "output": _rows(scatter.output[0]),
        "out_size": f"{height}x{width}",
        "centre": _n(scatter.output[0][centre]),
        "centre_terms": " + ".join(f"{_n(a)}×{_n(b)}" for a, b, _ in terms),
        "centre_products": " + ".join(_n(p) for _, _, p in terms),
        "centre_count": len(terms),
        "frame_size": f"{frame[0]}x{frame[1]}",
        "frame_pad": gather.axes[0].frame_pads[0],
        "same_output": bool(np.array_equal(scatter.output, gather.output)),
        "scatter_url": embed("conv_transpose2d", **query, view="scatter"),
        "gather_url": embed("conv_transpose2d", **query, view="gather"),
    }


def _sizes() -> dict[str, Any]:
    """Undoing a 3x3, stride-2, padding-1 convolution of a 4-row map: output_padding 0 or 1."""
    size, kernel, stride, padding = 4, 3, 2, 1
    axes = [transpose_axis("height", size, kernel, stride, padding, extra, 1) for extra in (0, 1)]
    return {
        "size": size,
        "kernel": kernel,
        "stride": stride,
        "padding": padding,
        "formulas": [axis.formula()["text"] for axis in axes],
        "undoes": axes[1].undoes()["text"],
        "sizes": " or ".join(str(s) for s in axes[1].undoes()["sizes"]),
        "outs": [axis.out for axis in axes],
    }


OVERLAP_CASES = ((3, 2, 1, 1), (4, 2, 1, 0), (2, 2, 0, 0))  # kernel, stride, padding, output_padding


def _inner_text(values: list[str]) -> str:
    if len(values) == 1:
        return f"every cell receives {values[0]} tap{'' if values[0] == '1' else 's'}"
    return f"the cells receive {', '.join(values[:-1])} or {values[-1]} taps"


def _overlap(kernel: int, stride: int, padding: int, extra: int, size: int = 4) -> dict[str, Any]:
    """All ones in, an all-ones kernel: each output cell holds how many kernel taps land on it."""
    ones = np.ones((1, size, size))
    trace = conv_transpose2d(ones, np.ones((1, 1, kernel, kernel)), None, stride, padding, extra)
    counts = trace.output[0]
    inner = counts[1:-1, 1:-1]  # away from the border, where the padding cuts kernels off
    query = {
        "input": text_array(ones[0]),
        "weight": text_array(np.ones((kernel, kernel))),
        "bias": "false",
        "stride": stride,
        "padding": padding,
        "output_padding": extra,
    }
    return {
        "kernel": kernel,
        "stride": stride,
        "padding": padding,
        "output_padding": extra,
        "divisible": kernel % stride == 0,
        "size": size,
        "out_size": f"{counts.shape[0]}x{counts.shape[1]}",
        "counts": _rows(counts),
        "inner": [_n(v) for v in np.unique(inner)],
        "inner_text": _inner_text([_n(v) for v in np.unique(inner)]),
        "min": _n(counts.min()),
        "max": _n(counts.max()),
        "url": embed("conv_transpose2d", **query),
    }


def _backward_example() -> dict[str, Any]:
    """docs/TRACE_FORMAT.md 14.2's example: a 3x3 input, a 2x2 kernel, bias, a 2x2 grad_output."""
    x = np.array([[[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [2.0, 0.0, 1.0]]])
    w = np.array([[[[1.0, -1.0], [2.0, 0.0]]]])
    g = np.array([[[1.0, 0.0], [-1.0, 2.0]]])
    trace = conv2d_backward(x, w, [0.5], g, gradient="grad_weight")
    first = trace.steps(0, 1)
    values, grads = first["values"][0].ravel(), g[0].ravel()
    as_transpose = conv_transpose2d(g, w)  # weight (F, C, kH, kW) read as (C_in, C_out, kH, kW)
    query = {
        "input": text_array(x[0]),
        "weight": text_array(w[0, 0]),
        "bias": "0.5",
        "grad_output": text_array(g[0]),
    }
    assert trace.grad_bias is not None
    return {
        "input": _rows(x[0]),
        "kernel": _rows(w[0, 0]),
        "grad_output": _rows(g[0]),
        "grad_input": _rows(trace.grad_input[0]),
        "grad_weight": _rows(trace.grad_weight[0, 0]),
        "grad_bias": _n(trace.grad_bias[0]),
        "grad_sum": " + ".join(_term(v) for v in grads),
        "w00_values": ", ".join(_n(v) for v in values),
        "w00_terms": " + ".join(f"{_term(a)}×{_term(b)}" for a, b in zip(values, grads, strict=True)),
        "w00": _n(trace.grad_weight[0, 0, 0, 0]),
        "is_transpose": bool(np.array_equal(as_transpose.output, trace.grad_input)),
        "input_url": embed("conv2d_backward", **query, gradient="grad_input"),
        "weight_url": embed("conv2d_backward", **query, gradient="grad_weight"),
    }


def going_back_up() -> dict[str, Any]:
    return {
        "scatter": _scatter_example(),
        "sizes": _sizes(),
        "overlaps": [_overlap(*case) for case in OVERLAP_CASES],
        "backward": _backward_example(),
    }


LESSON_NUMBERS: dict[str, Callable[[], dict[str, Any]]] = {"12-going-back-up": going_back_up}


@cache
def for_lesson(slug: str) -> dict[str, Any]:
    """The worked numbers of lesson ``slug`` (computed once per process: they never change)."""
    build = LESSON_NUMBERS.get(slug)
    return build() if build else {}
