"""Seeded "predict, then reveal" exercises whose answers are the engine's own numbers.

``make(kind, seed, params)`` builds one exercise: a one-sentence prompt, the matrices to
show, the answer format and, kept back from the learner, the expected answer and an
explanation with the numbers in it. ``judge(exercise, answer)`` compares an answer with
it. Every parameter a kind takes may be fixed in ``params``; the others are drawn from
``seed`` (each from its own stream of ``app.ops.random``, so fixing one never changes
the others). The same kind, seed and params give the same exercise on any machine.

Every answer is computed by the op a learner meets in the players (geometry, conv2d,
the pooling ops, relu, dropout, the stack's shapes), never re-derived here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.ops import geometry
from app.ops.errors import ParamError
from app.ops.pairs import is_int
from app.ops.random import integers

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

    Draws use stream ``100 + n`` of ``app.ops.random`` for the n-th name a kind declares,
    so fixing one parameter never changes the draw of another.
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
        return int(integers(self.seed, self._stream(stream), (1,), low, high)[0])

    def array(self, stream: str, shape: tuple[int, ...], low: int, high: int) -> np.ndarray:
        return integers(self.seed, self._stream(stream), shape, low, high)

    def _stream(self, name: str) -> int:
        return 100 + (self.names.index(name) if name in self.names else len(self.names) + _EXTRA_STREAMS.index(name))

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
        elif isinstance(value, bool) != isinstance(options[0], bool) or value not in options:
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


_EXTRA_STREAMS = ("values", "cell", "weights", "order", "mask")


def _spell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _n(value: float) -> str:
    """A number as a person writes it: 3, -2, 1.5, 1.33."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0")


def _sep(value: int) -> str:
    return f"{value:,}"


# --- output_size -------------------------------------------------------------------------


def _output_size(p: Params) -> Exercise:
    size = p.int("W", 1, 256, lambda: p.draw("W", 5, 32))
    kernel = p.int("K", 1, 15, lambda: (1, 2, 3, 3, 5, 5, 7)[p.draw("K", 0, 6)])
    pad = p.int("P", 0, 16, lambda: p.draw("P", 0, 3))
    stride = p.int("S", 1, 16, lambda: p.draw("S", 1, 3))
    if kernel > size + 2 * pad and "K" not in p.given:  # a drawn kernel that does not fit: the largest that does
        kernel = min(kernel, size + 2 * pad)
        p.used["K"] = kernel
    axis = geometry.conv_axis("width", size, kernel, stride, (pad, pad), 1)
    padding = f"zero padding {pad}" if pad else "no padding"
    prompt = (
        f"A {size}x{size} input goes through a {kernel}x{kernel} convolution with stride {stride} and {padding}: "
        f"how wide is the output, as PyTorch computes it?"
    )
    return _exercise(p, prompt, (), "integer", axis.out, axis.formula()["text"] + ".")


def _exercise(
    p: Params, prompt: str, figures: Sequence[Figure], answer_format: str, expected: Any, why: str, **extra: Any
) -> Exercise:
    return Exercise(p.kind, p.seed, dict(p.used), prompt, tuple(figures), answer_format, expected, why, **extra)


# --- the catalogue -----------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    params: tuple[str, ...]
    build: Callable[[Params], Exercise]
    summary: str


KINDS: dict[str, Kind] = {
    "output_size": Kind(("W", "K", "P", "S"), _output_size, "the output width of a convolution (PyTorch floors)"),
}


def make(kind: str, seed: int, params: Mapping[str, Any] | None = None) -> Exercise:
    """The exercise of ``kind`` for ``seed``, with ``params`` fixing any of its parameters."""
    if kind not in KINDS:
        raise ParamError("kind", kind, f"must be one of {', '.join(KINDS)}")
    if not is_int(seed) or not 0 <= seed < 2**63:
        raise ParamError("seed", seed, "must be an integer from 0 to 2**63 - 1")
    spec = KINDS[kind]
    return spec.build(Params(kind, spec.params, int(seed), params if params is not None else {}))


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
    return " ".join(text.lower().replace("×", "x").split())
