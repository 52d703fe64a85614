"""Seeded "predict, then reveal" exercises whose answers are the engine's own numbers.

``make(kind, seed, params)`` builds one exercise: a one-sentence prompt, the matrices to
show, the answer format and, kept back from the learner, the expected answer and an
explanation with the numbers in it. ``judge(exercise, answer)`` compares an answer with
it. Every parameter a kind takes may be fixed in ``params``; the others are drawn from
``seed`` (each from its own stream of ``app.engine.random``, so fixing one never changes
the others). The same kind, seed and params give the same exercise on any machine.

Every answer is computed by the op a learner meets in the players (geometry, conv2d,
the pooling ops, relu, dropout, the stack's shapes, conv_transpose2d, conv2d_backward),
never re-derived here.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.engine import geometry
from app.engine.conv2d import conv2d
from app.engine.conv2d_backward import conv2d_backward
from app.engine.conv_transpose import conv_transpose2d
from app.engine.dropout import dropout
from app.engine.errors import ParamError
from app.engine.pairs import is_int
from app.engine.pool import avg_pool2d, max_pool2d
from app.engine.random import MAX_SEED, check_seed, integers
from app.engine.relu import relu
from app.stack.shapes import stack_shapes

TOLERANCE = 0.005  # number answers: half a unit in the second decimal
_SLACK = 1e-9  # so that a value rounded to 2 decimals is always within TOLERANCE


@dataclass(frozen=True)
class Figure:
    label: str
    values: np.ndarray  # 2-D (rows) or 3-D (channels of rows)


@dataclass(frozen=True)
class Exercise:
    kind: str
    seed: int
    params: dict[str, Any]  # every parameter as used, given or drawn
    prompt: str
    figures: tuple[Figure, ...]
    answer_format: str  # "integer", "number" or "choice"
    expected: int | float | str
    explanation: str
    choices: tuple[str, ...] = ()
    unit: str | None = None
    tolerance: float | None = None
    code: str | None = None

    def public(self) -> dict[str, Any]:
        """What the learner may see before answering."""
        return {
            "kind": self.kind,
            "seed": self.seed,
            "params": self.params,
            "prompt": self.prompt,
            "figures": [{"label": f.label, "values": _plain(f.values)} for f in self.figures],
            "answer_format": self.answer_format,
            "choices": list(self.choices) if self.answer_format == "choice" else None,
            "unit": self.unit,
            "tolerance": self.tolerance,
            "code": self.code,
        }


@dataclass(frozen=True)
class Verdict:
    correct: bool
    expected: int | float | str
    explanation: str


def _plain(values: np.ndarray) -> list[Any]:
    """Nested lists, whole numbers as int (3, not 3.0)."""
    array = np.asarray(values, dtype=np.float64)
    if np.all(array == np.round(array)):
        return np.asarray(array, dtype=np.int64).tolist()
    return array.tolist()


# --- parameters and draws ----------------------------------------------------------------


@dataclass
class Params:
    """The parameters of one exercise: each given value is checked, each missing one drawn.

    Draws use stream ``exercise`` with index n (``app.engine.streams``) for the n-th name a
    kind declares (then the extra draws), so fixing one parameter never changes the draw of another.
    """

    kind: str
    names: tuple[str, ...]
    seed: int
    given: Mapping[str, Any]
    used: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.given, Mapping):
            raise ParamError("params", self.given, "must be an object of parameter names and values")
        for name in self.given:
            if name not in self.names:
                takes = ", ".join(self.names) if self.names else "no parameters"
                raise ParamError(name, self.given[name], f"is not a parameter of {self.kind}, which takes {takes}")

    def draw(self, stream: str, low: int, high: int) -> int:
        """A whole number from low to high inclusive, drawn from the stream of ``stream``."""
        return int(integers(self.seed, "exercise", (1,), low, high, index=self._stream(stream))[0])

    def array(self, stream: str, shape: tuple[int, ...], low: int, high: int) -> np.ndarray:
        return integers(self.seed, "exercise", shape, low, high, index=self._stream(stream))

    def _stream(self, name: str) -> int:
        return self.names.index(name) if name in self.names else len(self.names) + _EXTRA_STREAMS.index(name)

    def int(self, name: str, low: int, high: int, draw: Callable[[], int] | None = None) -> int:
        value = self.given.get(name)
        if value is None:
            value = draw() if draw else self.draw(name, low, high)
        elif not is_int(value):
            raise ParamError(name, value, f"must be a whole number from {low} to {high}")
        elif not low <= value <= high:
            raise ParamError(name, value, f"must be from {low} to {high}")
        self.used[name] = int(value)
        return int(value)

    def choice(self, name: str, options: Sequence[Any]) -> Any:
        value = self.given.get(name)
        if value is None:
            value = options[self.draw(name, 0, len(options) - 1)]
        elif not any(type(value) is type(option) and value == option for option in options):
            spelled = ", ".join(_spell(o) for o in options)
            raise ParamError(name, value, f"must be one of {spelled}")
        self.used[name] = value
        return value

    def flag(self, name: str) -> bool:
        return bool(self.choice(name, (False, True)))

    def number(self, name: str, low: float, high: float, draw: Callable[[], float]) -> float:
        value = self.given.get(name)
        if value is None:
            value = draw()
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ParamError(name, value, f"must be a number from {_spell(low)} to {_spell(high)}")
        elif not low <= value <= high:
            raise ParamError(name, value, f"must be from {_spell(low)} to {_spell(high)}")
        self.used[name] = float(value)
        return float(value)


_EXTRA_STREAMS = ("values", "cell", "weights", "order", "mask", "layers", "filter", "grads")


def _spell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _n(value: float) -> str:
    """A number as a person writes it: 3, -2, 1.5, 0.125 (at most 4 decimals; never "-0")."""
    if float(value).is_integer():
        return str(int(value))
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _sep(value: int) -> str:
    return f"{value:,}"


def _a(size: int) -> str:
    """The article before a size said aloud: "an 8x8", "an 11x11", "a 7x7"."""
    text = str(size)
    return "an" if text.startswith("8") or text in ("11", "18") else "a"


def _term(value: float) -> str:
    """A factor in a written product: negatives in brackets, as in 2×(-1)."""
    return f"({_n(value)})" if value < 0 else _n(value)


def _products(values: np.ndarray, weights: np.ndarray) -> str:
    return " + ".join(f"{_term(v)}×{_term(w)}" for v, w in zip(values.ravel(), weights.ravel(), strict=True))


def _cell(p: Params, rows: int, cols: int) -> tuple[int, int]:
    index = p.draw("cell", 0, rows * cols - 1)
    return index // cols, index % cols


def _span(indices: np.ndarray) -> str:
    return f"{int(indices.min())} to {int(indices.max())}"


# --- shapes: output_size, same_padding, param_count, receptive_field ----------------------


def _output_size(p: Params) -> Exercise:
    kernel = p.int("K", 1, 15, lambda: (1, 2, 3, 3, 5, 5, 7)[p.draw("K", 0, 6)])
    pad = p.int("P", 0, 16, lambda: p.draw("P", 0, (kernel - 1) // 2))
    size = p.int("W", 1, 256, lambda: p.draw("W", max(5, kernel - 2 * pad), max(32, kernel)))
    if kernel > size + 2 * pad and "K" not in p.given:  # a drawn kernel must fit a given input
        kernel = p.used["K"] = size + 2 * pad
    stride = p.int("S", 1, 16, lambda: p.draw("S", 1, 3))
    p.used = {name: p.used[name] for name in ("W", "K", "P", "S")}
    axis = geometry.conv_axis("width", size, kernel, stride, (pad, pad), 1)
    padding = f"zero padding {pad}" if pad else "no padding"
    prompt = (
        f"{_a(size).capitalize()} {size}x{size} input goes through "
        f"{_a(kernel)} {kernel}x{kernel} convolution with stride {stride} and {padding}: "
        "how wide is the output, as PyTorch computes it?"
    )
    return _exercise(p, prompt, (), "integer", axis.out, axis.formula()["text"] + ".")


def _same_padding(p: Params) -> Exercise:
    kernel = p.int("K", 1, 15, lambda: 2 * p.draw("K", 0, 5) + 1)
    if kernel % 2 == 0:
        rule = "must be odd: an even kernel has no centre, so no padding on both sides keeps the size"
        raise ParamError("K", kernel, rule)
    size = p.int("W", 1, 256, lambda: (7, 14, 28, 32, 64, 224)[p.draw("W", 0, 5)])
    info = geometry.same_padding(kernel, 1, 1)
    pad = int(info["before"])
    axis = geometry.conv_axis("width", size, kernel, 1, (pad, pad), 1)
    prompt = (
        f"{_a(size).capitalize()} {size}x{size} input meets "
        f"{_a(kernel)} {kernel}x{kernel} kernel with stride 1: "
        f"how much zero padding P on each side keeps the output {size}x{size}?"
    )
    why = f"{info['text']} Check: {axis.formula()['text']}."
    return _exercise(p, prompt, (), "integer", pad, why)


def _param_count(p: Params) -> Exercise:
    cin = p.int("in_channels", 1, 4096, lambda: (1, 3, 3, 16, 32, 64)[p.draw("in_channels", 0, 5)])
    cout = p.int("out_channels", 1, 4096, lambda: (6, 8, 16, 32, 64, 128)[p.draw("out_channels", 0, 5)])
    kernel = p.int("kernel_size", 1, 15, lambda: (1, 3, 3, 5, 7)[p.draw("kernel_size", 0, 4)])
    bias = p.flag("bias")
    layer = {"type": "conv2d", "out_channels": cout, "kernel_size": kernel, "bias": bias}
    conv = stack_shapes((cin, 32, 32), [layer]).layers[0]
    per = cin * kernel * kernel
    call = f"nn.Conv2d({cin}, {cout}, kernel_size={kernel}{'' if bias else ', bias=False'})"
    prompt = f"How many parameters (weights and biases) does {call} have?"
    if bias:
        why = (
            f"Each of the {cout} filters has {cin}×{kernel}×{kernel} = {_sep(per)} weights and 1 bias: "
            f"{cout} × ({_sep(per)} + 1) = {_sep(conv.param_count)}."
        )
    else:
        why = (
            f"Each of the {cout} filters has {cin}×{kernel}×{kernel} = {_sep(per)} weights and no bias: "
            f"{cout} × {_sep(per)} = {_sep(conv.param_count)}."
        )
    return _exercise(p, prompt, (), "integer", conv.param_count, why, unit="parameters")


_LAYER_TEXT = re.compile(r"^(conv|pool)(\d{1,2})s(\d{1,2})$")


def _layers(p: Params) -> list[tuple[str, int, int]]:
    """``layers`` as text ("conv3s1,pool2s2,conv3s1") or ``depth`` drawn layers."""
    text = p.given.get("layers")
    if text is not None:
        if "depth" in p.given:
            raise ParamError("depth", p.given["depth"], "must be left out when layers is given")
        rule = "must be 1 to 6 layers like conv3s1 or pool2s2 (kernel size, then stride), separated by commas"
        parts = text.replace(" ", "").split(",") if isinstance(text, str) else []
        found = [_LAYER_TEXT.match(part) for part in parts]
        if not 1 <= len(parts) <= 6 or not all(found):
            raise ParamError("layers", text, rule)
        layers = [(m[1], int(m[2]), int(m[3])) for m in found if m]
        for _, kernel, stride in layers:
            if not (1 <= kernel <= 15 and 1 <= stride <= 16):
                raise ParamError("layers", text, "each kernel size must be from 1 to 15 and each stride from 1 to 16")
        p.used["layers"] = ",".join(f"{t}{k}s{s}" for t, k, s in layers)
        return layers
    depth = p.int("depth", 2, 3, lambda: p.draw("depth", 2, 3))
    menu = [("conv", 3, 1), ("conv", 3, 1), ("conv", 5, 1), ("conv", 3, 2), ("pool", 2, 2), ("pool", 3, 2)]
    picks = p.array("layers", (depth,), 0, len(menu) - 1)
    layers = [menu[int(i)] for i in picks]
    del p.used["depth"]  # the drawn layers say it all, and replaying them must not meet "depth"
    p.used["layers"] = ",".join(f"{t}{k}s{s}" for t, k, s in layers)
    return layers


def _receptive_field(p: Params) -> Exercise:
    layers = _layers(p)
    spec: list[dict[str, Any]] = [
        {"type": "conv2d", "out_channels": 1, "kernel_size": k, "stride": s, "bias": False}
        if t == "conv"
        else {"type": "max_pool2d", "kernel_size": k, "stride": s}
        for t, k, s in layers
    ]
    result = stack_shapes((1, 224, 224), spec)
    words = [
        f"a {k}x{k} convolution with stride {s}" if t == "conv" else f"{k}x{k} max pooling with stride {s}"
        for t, k, s in layers
    ]
    prompt = (
        f"Stack {', then '.join(words)}, all without padding: how many input pixels wide is the window "
        f"that one output of the last layer sees?"
    )
    steps, size, jump = [], 1, 1
    for (_, kernel, _), layer in zip(layers, result.layers, strict=True):
        field = layer.receptive_field.height
        steps.append(f"{size} + ({kernel} - 1)×{jump} = {field.size}")
        size, jump = int(field.size or 0), int(field.jump or 0)
    why = (
        "Each layer widens the window by (K - 1) times the jump, the input distance between neighbouring outputs "
        f"(which grows by the stride): {'; then '.join(steps)}."
    )
    return _exercise(p, prompt, (), "integer", size, why, unit="pixels")


# --- values: conv_cell, max_pool_keep, avg_pool_value, relu_count, dropout_scale ------------


def _conv_cell(p: Params) -> Exercise:
    channels = p.int("channels", 1, 2, lambda: p.draw("channels", 1, 2))
    size = p.int("size", 4, 5, lambda: p.draw("size", 4, 5))
    stride = p.int("stride", 1, 3, lambda: p.draw("stride", 1, 2))
    padding = p.int("padding", 0, 2, lambda: p.draw("padding", 0, 1))
    x = p.array("values", (channels, size, size), 0, 3)
    w = p.array("weights", (1, channels, 3, 3), -1, 1)
    trace = conv2d(x, w, None, stride, padding)
    oy, ox = _cell(p, *trace.output.shape[1:])
    step = trace.steps(oy * trace.output.shape[2] + ox, oy * trace.output.shape[2] + ox + 1)
    value = float(step["value"][0])
    both = "2-channel " if channels == 2 else ""
    prompt = (
        f"The {both}3x3 kernel slides over the {both}input with stride {stride} and "
        f"{f'zero padding {padding}' if padding else 'no padding'}, no bias: what is the output at row {oy}, "
        f"column {ox} (counting from 0)?"
    )
    frame = "padded input" if padding else "input"
    where = (
        f"Output ({oy}, {ox}) reads rows {_span(step['rows'][0])} and columns {_span(step['cols'][0])} of the {frame}"
    )
    if channels == 1:
        why = f"{where}: {_products(step['values'][0], w[0])} = {_n(value)}."
    else:
        parts = [
            f"channel {c} gives {_products(step['values'][0][c], w[0][c])} = {_n(step['partial_sums'][0][c])}"
            for c in range(channels)
        ]
        total = " + ".join(_term(v) for v in step["partial_sums"][0])
        why = f"{where}; {' and '.join(parts)}. The output adds the channels: {total} = {_n(value)}."
    figures = (Figure("Input", x[0] if channels == 1 else x), Figure("Kernel", w[0, 0] if channels == 1 else w[0]))
    return _exercise(p, prompt, figures, "integer", int(value), why)


def _max_pool_keep(p: Params) -> Exercise:
    size = p.choice("size", (4, 6))
    x = p.array("values", (1, size, size), 0, 9)
    trace = max_pool2d(x, 2, 2)
    oy, ox = _cell(p, *trace.output.shape[1:])
    step = trace.steps(oy * trace.output.shape[2] + ox, oy * trace.output.shape[2] + ox + 1)
    value = int(step["value"][0])
    prompt = (
        f"Max pooling with a 2x2 window and stride 2: which value does the window for output row {oy}, "
        f"column {ox} keep?"
    )
    held = ", ".join(_n(v) for v in step["values"][0].ravel())
    why = (
        f"That window covers input rows {_span(step['rows'][0])} and columns {_span(step['cols'][0])}, "
        f"which hold {held}; max pooling keeps the largest, {value}."
    )
    return _exercise(p, prompt, (Figure("Input", x[0]),), "integer", value, why)


def _avg_pool_value(p: Params) -> Exercise:
    include = p.flag("count_include_pad")
    size = p.int("size", 3, 5, lambda: p.draw("size", 3, 5))
    x = p.array("values", (1, size, size), 0, 9)
    trace = avg_pool2d(x, 3, 2, 1, count_include_pad=include)
    rows, cols = trace.output.shape[1:]
    steps = trace.steps(0, rows * cols)
    inside = [
        ((r >= 1) & (r <= size)).sum() * ((c >= 1) & (c <= size)).sum()
        for r, c in zip(steps["rows"], steps["cols"], strict=True)
    ]
    edge = [i for i, n in enumerate(inside) if n < 9]  # windows that reach into the padding
    i = edge[p.draw("cell", 0, len(edge) - 1)]
    oy, ox = i // cols, i % cols
    total, divisor, value = float(steps["sum"][i]), float(steps["divisor"][i]), float(steps["value"][i])
    flag = "True" if include else "False"
    prompt = (
        f"Average pooling with a 3x3 window, stride 2, zero padding 1 and count_include_pad={flag}: "
        f"what does the window for output row {oy}, column {ox} give?"
    )
    n_in = int(inside[i])
    if include:
        rule = f"count_include_pad=True divides by all 9 cells, padding included: {_n(total)}/{_n(divisor)}"
    else:
        rule = f"count_include_pad=False divides by the {n_in} input cells only: {_n(total)}/{_n(divisor)}"
    why = (
        f"That window holds {n_in} input values summing to {_n(total)} and {9 - n_in} padding cells; "
        f"{rule} = {value:.2f}."
    )
    return _exercise(p, prompt, (Figure("Input", x[0]),), "number", value, why, tolerance=TOLERANCE)


def _relu_count(p: Params) -> Exercise:
    size = p.int("size", 2, 8, lambda: p.draw("size", 3, 5))
    raw = p.array("values", (1, size, size), -5, 4)
    x = np.where(raw >= 0, raw + 1, raw)  # -5..-1 and 1..5: no zeros, so "becomes 0" is unambiguous
    trace = relu(x)
    zeroed = x[trace.mask == 0]
    count = int(zeroed.size)
    prompt = "ReLU is applied to this feature map: how many of its values become 0?"
    listed = ", ".join(_n(v) for v in zeroed) if count else "none"
    why = (
        f"ReLU turns exactly the negative values into 0, and {count} of the {x.size} are negative ({listed}); "
        f"the other {x.size - count} pass unchanged."
    )
    return _exercise(p, prompt, (Figure("Feature map", x[0]),), "integer", count, why, unit="values")


def _dropout_scale(p: Params) -> Exercise:
    training = p.flag("training")
    rate = p.number("p", 0, 1, lambda: (0.1, 0.2, 0.25, 0.5, 0.75, 0.8)[p.draw("p", 0, 5)])
    kept = p.number("x", -1000, 1000, lambda: float(p.draw("x", 1, 9)))
    x = p.array("values", (1, 3, 3), 1, 9)
    mask_seed = p.seed
    trace = dropout(x, rate, training, mask_seed)
    while not trace.mask.any():  # every value dropped: the next seed's mask (rare for p <= 0.8)
        mask_seed += 1
        trace = dropout(x, rate, training, mask_seed)
    spots = np.argwhere(trace.mask[0] == 1)
    oy, ox = (int(v) for v in spots[p.draw("cell", 0, len(spots) - 1)])
    x[0, oy, ox] = kept
    trace = dropout(x, rate, training, mask_seed)
    value = float(trace.output[0, oy, ox])
    where = f"the value {_n(kept)} at row {oy}, column {ox}"
    figures: tuple[Figure, ...]
    if training:
        prompt = f"Dropout with p = {_n(rate)} in training kept {where} (its mask is 1): what does it become?"
        why = (
            f"In training every kept value is divided by 1 - p = {_n(1 - rate)}, so the average stays the same: "
            f"{_n(kept)}/{_n(1 - rate)} = {value:.2f}."
        )
        figures = (Figure("Activations", x[0]), Figure("Mask (1 = kept)", trace.mask[0]))
    else:
        prompt = f"Dropout with p = {_n(rate)} in evaluation (after model.eval()): what does {where} become?"
        why = (
            f"In evaluation dropout does nothing, whatever p is: every value passes unchanged, "
            f"so {_n(kept)} stays {_n(value)}."
        )
        figures = (Figure("Activations", x[0]),)
    return _exercise(p, prompt, figures, "number", value, why, tolerance=TOLERANCE)


# --- depth, flips, frozen layers -----------------------------------------------------------


def _one_by_one(p: Params) -> Exercise:
    mode = p.choice("mode", ("shape", "value"))
    return _one_by_one_shape(p) if mode == "shape" else _one_by_one_value(p)


def _one_by_one_shape(p: Params) -> Exercise:
    size = p.int("size", 1, 256, lambda: (7, 14, 28, 32, 56)[p.draw("size", 0, 4)])
    depth = p.int("channels", 1, 2048, lambda: (16, 32, 64, 128, 192, 256)[p.draw("channels", 0, 5)])
    count = p.int("filters", 1, 2048, lambda: (8, 16, 32, 64)[p.draw("filters", 0, 3)])
    if count == depth and "filters" not in p.given:
        count = p.used["filters"] = max(1, depth // 2)
    result = stack_shapes((depth, size, size), [{"type": "conv2d", "out_channels": count, "kernel_size": 1}])
    f, h, w = result.output_shape
    answer = f"{h} x {w} x {f}"
    options = list(dict.fromkeys([answer, f"{h} x {w} x {depth}", f"1 x 1 x {f}", f"{h} x {w} x {depth * count}"]))
    order = np.argsort(p.array("order", (len(options),), 0, 2**31), kind="stable")
    choices = tuple(options[int(i)] for i in order)
    prompt = (
        f"A {size} x {size} x {depth} volume goes through {count} filters of size 1 x 1 x {depth} with stride 1: "
        f"what shape (height x width x depth) comes out?"
    )
    why = (
        f"A 1x1 window at stride 1 visits all {size} x {size} positions, and at each one every filter gives one "
        f"number, a dot product over the {depth} channels: {count} filters make depth {count}, so {answer}."
    )
    return _exercise(p, prompt, (), "choice", answer, why, choices=choices)


def _one_by_one_value(p: Params) -> Exercise:
    size = p.int("size", 2, 5, lambda: 3)
    depth = p.int("channels", 2, 6, lambda: p.draw("channels", 3, 4))
    count = p.int("filters", 1, 4, lambda: p.draw("filters", 1, 2))
    x = p.array("values", (depth, size, size), 0, 3)
    w = p.array("weights", (count, depth, 1, 1), -2, 2)
    trace = conv2d(x, w, None)
    oy, ox = _cell(p, size, size)
    f = p.draw("filter", 0, count - 1)
    value = int(trace.output[f, oy, ox])
    step = trace.steps((f * size + oy) * size + ox, (f * size + oy) * size + ox + 1)
    column = step["values"][0][:, 0, 0]
    weights = w[f, :, 0, 0]
    which = f"filter {f}" if count > 1 else "the filter"
    prompt = (
        f"A 1x1 convolution with {count} filter{'s' if count > 1 else ''} (no bias): what does {which} give "
        f"at row {oy}, column {ox}?"
    )
    why = (
        f"At row {oy}, column {ox} the input's depth column is ({', '.join(_n(v) for v in column)}) and {which}'s "
        f"weights are ({', '.join(_n(v) for v in weights)}): {_products(column, weights)} = {value}."
    )
    figures = (Figure("Input", x), Figure("Filter weights (one row per filter, one column per channel)", w[:, :, 0, 0]))
    return _exercise(p, prompt, figures, "integer", value, why)


def _flip(p: Params) -> Exercise:
    size = p.choice("size", (3, 4))
    direction = p.choice("direction", ("horizontal", "vertical"))
    keys = p.array("values", (size * size,), 0, 2**31)
    grid = (np.argsort(keys, kind="stable") + 1).reshape(size, size).astype(np.float64)  # 1..n², each once
    flipped = np.flip(grid, axis=1 if direction == "horizontal" else 0)
    oy, ox = _cell(p, size, size)
    value = int(flipped[oy, ox])
    if direction == "horizontal":
        how, src = "mirrored left to right", (oy, size - 1 - ox)
        rule = f"A horizontal flip sends column j to column {size - 1} - j"
    else:
        how, src = "turned upside down", (size - 1 - oy, ox)
        rule = f"A vertical flip sends row i to row {size - 1} - i"
    prompt = f"After a {direction} flip ({how}), which value sits at row {oy}, column {ox}?"
    why = f"{rule}, so row {oy}, column {ox} now holds what was at row {src[0]}, column {src[1]}: {value}."
    return _exercise(p, prompt, (Figure("Image", grid),), "integer", value, why)


def _trainable_params(p: Params) -> Exercise:
    convs = p.int("convs", 2, 3, lambda: p.draw("convs", 2, 3))
    frozen = p.int("frozen", 1, convs, lambda: p.draw("frozen", 1, convs - 1))
    classes = p.int("classes", 2, 1000, lambda: (2, 5, 10, 10)[p.draw("classes", 0, 3)])
    widths = [(8, 16)[p.draw("layers", 0, 1)] * 2**i for i in range(convs)]
    spec: list[dict[str, Any]] = []
    for width in widths:
        spec += [
            {"type": "conv2d", "out_channels": width, "kernel_size": 3, "padding": 1},
            {"type": "relu"},
            {"type": "max_pool2d", "kernel_size": 2},
        ]
    spec += [{"type": "flatten"}, {"type": "linear", "out_features": classes}]
    result = stack_shapes((3, 32, 32), spec)
    conv_layers = [layer for layer in result.layers if layer.type == "conv2d"]
    frozen_layers = conv_layers[:frozen]
    trainable = result.total_params - sum(layer.param_count for layer in frozen_layers)
    lines = ["nn.Sequential("]
    for layer in result.layers:
        note = "  # frozen" if layer in frozen_layers else ""
        lines.append(f"    {layer.code},{note}")
    lines.append(")")
    which = f"first {frozen} convolution layers are" if frozen > 1 else "first convolution layer is"
    prompt = (
        f"This network takes 3x32x32 images, and its {which} frozen (requires_grad=False): "
        f"how many of its parameters are still trainable?"
    )
    kept = [layer for layer in result.layers if layer.param_count and layer not in frozen_layers]
    frozen_sum = " + ".join(_sep(layer.param_count) for layer in frozen_layers)
    names = ", ".join(layer.code.split("(")[0] for layer in kept)
    why = (
        f"Frozen: {frozen_sum} parameters. The rest ({names}) hold "
        f"{' + '.join(_sep(layer.param_count) for layer in kept)} = {_sep(trainable)}, "
        f"of {_sep(result.total_params)} in all."
    )
    return _exercise(p, prompt, (), "integer", trainable, why, unit="parameters", code="\n".join(lines))


def _exercise(
    p: Params, prompt: str, figures: Sequence[Figure], answer_format: str, expected: Any, why: str, **extra: Any
) -> Exercise:
    return Exercise(p.kind, p.seed, dict(p.used), prompt, tuple(figures), answer_format, expected, why, **extra)


# --- going back up: transposed convolution and the gradient of a weight ---------------------


def _listed(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _transpose_axis(size: int, kernel: int, stride: int, pad: int, extra: int) -> geometry.TransposeAxis:
    """The engine's transposed-convolution axis; its refusal of ``padding`` names the exercise's ``P``."""
    try:
        return geometry.transpose_axis("height", size, kernel, stride, pad, extra, 1)
    except ParamError as err:
        if err.param == "padding":
            raise ParamError("P", err.value, err.rule) from err
        raise


def _transpose_size(p: Params) -> Exercise:
    size = p.int("H_in", 1, 256, lambda: p.draw("H_in", 2, 16))
    kernel = p.int("K", 1, 15, lambda: (2, 3, 3, 4, 4, 5)[p.draw("K", 0, 5)])
    stride = p.int("S", 1, 16, lambda: p.draw("S", 1, 3))
    pad = p.int("P", 0, 16, lambda: p.draw("P", 0, (kernel - 1) // 2))
    extra = p.int("output_padding", 0, 15, lambda: p.draw("output_padding", 0, stride - 1))
    if extra >= stride and "S" not in p.given:  # a drawn stride must admit a given output_padding
        stride = p.used["S"] = extra + 1
    p.used = {name: p.used[name] for name in ("H_in", "K", "S", "P", "output_padding")}
    axis = _transpose_axis(size, kernel, stride, pad, extra)
    prompt = (
        f"{_a(size).capitalize()} {size}x{size} feature map goes through nn.ConvTranspose2d with "
        f"kernel_size={kernel}, stride={stride}, padding={pad} and output_padding={extra}: "
        "how many rows does its output have?"
    )
    why = f"{axis.formula()['text']}. Read backwards: a {axis.undoes()['text']}."
    return _exercise(p, prompt, (), "integer", axis.out, why, unit="rows")


def _reached_by(taps: np.ndarray, target: int, what: str) -> tuple[list[int], str]:
    """The input indices whose kernel tap lands on output index ``target`` (scatter view), in words."""
    hits = [(int(n), int(i)) for n, i in np.argwhere(taps == target)]
    if not hits:
        return [], f"no input {what} reaches output {what} {target}"
    parts = [f"input {what} {n} (its kernel {what} {i})" for n, i in hits]
    return [n for n, _ in hits], f"output {what} {target} is reached by {_listed(parts)}"


def _transpose_sources(p: Params) -> Exercise:
    size = p.int("size", 2, 6, lambda: p.draw("size", 2, 4))
    kernel = p.int("K", 1, 5, lambda: p.draw("K", 2, 4))
    stride = p.int("S", 1, 4, lambda: p.draw("S", 2, 3))
    pad = p.int("P", 0, 4, lambda: p.draw("P", 0, 1))
    _transpose_axis(size, kernel, stride, pad, 0)  # its refusals, in the exercise's names
    ones = np.ones((1, size, size))
    trace = conv_transpose2d(ones, np.ones((1, 1, kernel, kernel)), None, stride, pad)
    _, height, width = trace.output.shape
    oy, ox = _cell(p, height, width)
    count = int(trace.output[0, oy, ox])  # all ones in, all ones kernel: the overlap count
    rows, row_text = _reached_by(trace.axes[0].scatter_taps(), oy, "row")
    cols, col_text = _reached_by(trace.axes[1].scatter_taps(), ox, "column")
    prompt = (
        f"nn.ConvTranspose2d with a {kernel}x{kernel} kernel, stride {stride} and padding {pad} takes "
        f"{_a(size)} {size}x{size} input to {_a(height)} {height}x{width} output: how many input cells add "
        f"a product into output row {oy}, column {ox}?"
    )
    rule = f"In the scatter view input row y lays kernel row i on output row y×{stride} - {pad} + i (columns alike)"
    if count:
        cells = _listed([f"({r}, {c})" for r in rows for c in cols])
        ending = (
            f"So {len(rows)} × {len(cols)} = {count} input {'cells add' if count != 1 else 'cell adds'} into it, "
            f"as (row, column): {cells}. "
            f"With an all-ones input and kernel it would hold {count}, its overlap count."
        )
    else:
        ending = (
            f"So no input cell adds into it: the {kernel}x{kernel} kernel is shorter than the stride {stride}, "
            "and this cell is a gap that keeps only the bias."
        )
    why = f"{rule}: {row_text}, and {col_text}. {ending}"
    return _exercise(p, prompt, (), "integer", count, why, unit="input cells")


def _weight_grad(p: Params) -> Exercise:
    size = p.int("size", 3, 6, lambda: p.draw("size", 3, 4))
    kernel = p.int("kernel_size", 1, 3, lambda: p.draw("kernel_size", 2, 3))
    stride = p.int("stride", 1, 2, lambda: (1, 1, 2)[p.draw("stride", 0, 2)])
    pad = p.int("padding", 0, 1, lambda: (0, 0, 1)[p.draw("padding", 0, 2)])
    x = p.array("values", (1, size, size), 0, 3)
    out = geometry.conv_axis("width", size, kernel, stride, (pad, pad), 1).out
    grads = p.array("grads", (1, out, out), -2, 2)
    i, j = _cell(p, kernel, kernel)
    trace = conv2d_backward(x, np.ones((1, 1, kernel, kernel)), None, grads, stride, pad, gradient="grad_weight")
    step = trace.steps(i * kernel + j, i * kernel + j + 1)
    value = int(step["value"][0])
    padding = f"zero padding {pad}" if pad else "no padding"
    prompt = (
        f"{_a(size).capitalize()} {size}x{size} input goes through {_a(kernel)} {kernel}x{kernel} convolution "
        f"with stride {stride} and {padding}, and grad_output holds the loss's gradient for each output: "
        f"what is the gradient of the kernel weight at row {i}, column {j}?"
    )
    touched = ", ".join(_n(v) for v in step["values"][0].ravel())
    padded = " (0 where the window hangs over the zero padding)" if pad else ""
    where = f"At each of the {out * out} output positions" if out > 1 else "At the only output position"
    why = (
        f"{where} that weight multiplied one input value{padded}: "
        f"{touched}. Its gradient is each value times that position's grad_output, added up: "
        f"{_products(step['values'][0], grads[0])} = {value}. The weight's own value does not enter: "
        "only what it touched, and how much the loss cared there."
    )
    figures = (Figure("Input", x[0]), Figure("grad_output", grads[0]))
    return _exercise(p, prompt, figures, "integer", value, why)


# --- the catalogue -----------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    params: tuple[str, ...]
    build: Callable[[Params], Exercise]
    summary: str


KINDS: dict[str, Kind] = {
    "output_size": Kind(("W", "K", "P", "S"), _output_size, "the output width of a convolution (PyTorch floors)"),
    "same_padding": Kind(("K", "W"), _same_padding, "the padding that keeps the size, odd kernel, stride 1"),
    "conv_cell": Kind(("channels", "size", "stride", "padding"), _conv_cell, "one output value of a convolution"),
    "max_pool_keep": Kind(("size",), _max_pool_keep, "the value a 2x2 max-pooling window keeps"),
    "avg_pool_value": Kind(
        ("count_include_pad", "size"), _avg_pool_value, "the mean of a padded average-pooling window"
    ),
    "relu_count": Kind(("size",), _relu_count, "how many values ReLU turns into 0"),
    "dropout_scale": Kind(("training", "p", "x"), _dropout_scale, "a kept value after dropout, training or evaluation"),
    "param_count": Kind(
        ("in_channels", "out_channels", "kernel_size", "bias"), _param_count, "the parameters of a Conv2d"
    ),
    "one_by_one": Kind(
        ("mode", "size", "channels", "filters"), _one_by_one, "a 1x1 convolution's output shape or one value"
    ),
    "receptive_field": Kind(("depth", "layers"), _receptive_field, "the window one output of a stack sees"),
    "flip": Kind(("size", "direction"), _flip, "a value after a horizontal or vertical flip"),
    "trainable_params": Kind(
        ("convs", "frozen", "classes"), _trainable_params, "trainable parameters with the first layers frozen"
    ),
    "transpose_size": Kind(
        ("H_in", "K", "S", "P", "output_padding"), _transpose_size, "the output height of a transposed convolution"
    ),
    "transpose_sources": Kind(
        ("size", "K", "S", "P"), _transpose_sources, "how many input cells add into one output of a transposed conv"
    ),
    "weight_grad": Kind(
        ("size", "kernel_size", "stride", "padding"), _weight_grad, "the gradient of one weight of a convolution"
    ),
}


def make(kind: str, seed: int, params: Mapping[str, Any] | None = None) -> Exercise:
    """The exercise of ``kind`` for ``seed``, with ``params`` fixing any of its parameters."""
    if kind not in KINDS:
        raise ParamError("kind", kind, f"must be one of {', '.join(KINDS)}")
    spec = KINDS[kind]
    return spec.build(Params(kind, spec.params, check_seed(seed), params if params is not None else {}))


def judge(exercise: Exercise, answer: Any) -> Verdict:
    """Integers exactly, numbers within the tolerance, choices by index or text. ``None`` reveals."""
    if answer is None:
        return Verdict(False, exercise.expected, exercise.explanation)
    fmt = exercise.answer_format
    if fmt == "choice":
        correct = _choice_index(exercise, answer) == exercise.choices.index(str(exercise.expected))
    else:
        if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
            rule = "must be a whole number" if fmt == "integer" else "must be a number"
            raise ParamError("answer", answer, rule)
        if fmt == "integer":
            correct = float(answer) == float(exercise.expected)
        else:
            tolerance = exercise.tolerance if exercise.tolerance is not None else TOLERANCE
            correct = abs(float(answer) - float(exercise.expected)) <= tolerance + _SLACK
    return Verdict(bool(correct), exercise.expected, exercise.explanation)


def read_answer(exercise: Exercise, answer: Any) -> Any:
    """An answer as ``judge`` reads it, to count alike answers together: a choice as its text (by
    index or by its text, spelled either way), a whole number of an integer answer as an int."""
    if exercise.answer_format == "choice":
        index = _choice_index(exercise, answer)
        return exercise.choices[index] if index >= 0 else answer
    if exercise.answer_format == "integer" and isinstance(answer, float) and answer.is_integer():
        return int(answer)
    return answer


def seed_or_draw(value: Any) -> int:
    """A seed as given (checked), or a fresh random one for None."""
    if value is None:
        return secrets.randbelow(MAX_SEED + 1)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise ParamError("seed", value, f"must be a whole number from 0 to {MAX_SEED}")
    return value


def _choice_index(exercise: Exercise, answer: Any) -> int:
    if is_int(answer):
        if not 0 <= answer < len(exercise.choices):
            raise ParamError("answer", answer, f"must be a choice's index, from 0 to {len(exercise.choices) - 1}")
        return int(answer)
    if isinstance(answer, str):
        wanted = _normal(answer)
        for i, choice in enumerate(exercise.choices):
            if _normal(choice) == wanted:
                return i
        return -1  # a text that is none of the choices: simply wrong
    raise ParamError("answer", answer, "must be a choice: its index or its text")


def _normal(text: str) -> str:
    return "".join(text.lower().replace("×", "x").split())  # "28 x 28 x 32" = "28x28×32"
