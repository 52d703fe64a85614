"""Layer stack shapes: what each layer of an ``nn.Sequential`` does to a (C, H, W) input.

For every layer: its parameters with PyTorch's defaults filled in, the shape it
receives and returns, its parameter count, the output-size formula with this
layer's numbers in it (convolution and pooling), and the receptive field of one
output along each axis. A stack that breaks is explained at the first layer
that fails, together with everything the layers before it worked out.

Receptive field, per axis, in input pixels (Dumoulin & Visin's recurrence)::

    r_out = r_in + (K' - 1) * j_in          size of the window one output sees
    j_out = j_in * S                        input pixels between neighbouring outputs
    start_out = start_in + ((K' - 1)/2 - P_before) * j_in

with K' = d(K - 1) + 1 the dilated kernel. ``start`` is the centre of the first
output's window: 0.0 is the centre of input pixel 0 (so the window of a 3x3
convolution without padding is centred on pixel 1, and a negative start means
the window hangs over the padding). The input itself has r = 1, j = 1, start = 0.
Padding counts towards r: it is the window's extent, not how much real input it holds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from app.engine.errors import ParamError, TooLargeError
from app.engine.geometry import AXES, Axis, TransposeAxis
from app.engine.pairs import flag_arg, int_arg, is_int, is_real
from app.engine.spec import OpSpec
from app.engine.specs import LAYERS
from app.export.torch_code import module_code

Shape = tuple[int, ...]
LAYER_TYPES = tuple(LAYERS)
FLAT_TYPES = ("linear", "relu", "dropout", "flatten")  # the layers that accept a flat input


@dataclass(frozen=True)
class AxisField:
    """Receptive field of one output along one axis (None where it no longer applies). After a
    transposed convolution neighbouring outputs are 1/S input pixels apart: ``size`` and ``jump``
    may then be fractions (written as numbers)."""

    size: int | Fraction | None
    jump: int | Fraction | None
    start: float | Fraction | None

    def through(self, axis: Axis | TransposeAxis) -> AxisField:
        assert self.size is not None and self.jump is not None and self.start is not None
        return AxisField(*axis.receptive_field(self.size, self.jump, self.start))

    def to_dict(self) -> dict[str, Any]:
        return {"size": _number(self.size), "jump": _number(self.jump), "start": _number(self.start, whole=False)}


def _number(value: Any, whole: bool = True) -> Any:
    """A Fraction as an int when whole (``whole``) or a float; anything else as it is."""
    if isinstance(value, Fraction):
        return int(value) if whole and value.denominator == 1 else float(value)
    return value


@dataclass(frozen=True)
class ReceptiveField:
    """``whole_input``: every output depends on every input value (after a linear layer).

    After a flatten layer each feature still sees the same window as before
    (``size`` is kept) but the features no longer sit on a grid, so ``jump`` and
    ``start`` are None.
    """

    height: AxisField
    width: AxisField
    whole_input: bool = False

    @staticmethod
    def of_input() -> ReceptiveField:
        return ReceptiveField(AxisField(1, 1, 0.0), AxisField(1, 1, 0.0))

    def to_dict(self) -> dict[str, Any]:
        return {"whole_input": self.whole_input, "height": self.height.to_dict(), "width": self.width.to_dict()}


@dataclass(frozen=True)
class LayerShape:
    """One layer that worked: what it received, what it returns, and why."""

    index: int
    type: str
    params: dict[str, Any]
    input_shape: Shape
    output_shape: Shape
    param_count: int
    axes: tuple[Axis, Axis] | tuple[TransposeAxis, TransposeAxis] | None  # (height, width), windowed layers
    receptive_field: ReceptiveField
    code: str  # this layer in PyTorch, e.g. "nn.ReLU()"

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "type": self.type,
            "params": {k: list(v) if isinstance(v, tuple) else v for k, v in self.params.items()},
            "input_shape": list(self.input_shape),
            "output_shape": list(self.output_shape),
            "param_count": self.param_count,
            "axes": None if self.axes is None else {a.name: a.describe() for a in self.axes},
            "receptive_field": self.receptive_field.to_dict(),
            "code": self.code,
        }


@dataclass(frozen=True)
class StackResult:
    input_shape: Shape
    layers: list[LayerShape]
    output_shape: Shape
    total_params: int
    code: str  # the whole stack as nn.Sequential(...)

    def to_dict(self) -> dict[str, Any]:
        return {
            "input_shape": list(self.input_shape),
            "output_shape": list(self.output_shape),
            "total_params": self.total_params,
            "code": self.code,
            "layers": [layer.to_dict() for layer in self.layers],
        }


class StackError(ParamError):
    """A layer could not take the shape it received.

    ``str(err)`` reads "layer 3 (conv2d): kernel_size: got 5; ... (this layer
    receives 16x3x3)"; ``error`` is the failing parameter's own ParamError and
    ``layers`` the layers that worked before it.
    """

    def __init__(
        self, layer: int, layer_type: Any, error: ParamError, incoming: Shape, layers: list[LayerShape]
    ) -> None:
        self.layer = layer
        self.layer_type = layer_type
        self.error = error
        self.incoming_shape = incoming
        self.layers = layers
        super().__init__(error.param, error.value, f"{error.rule} (this layer receives {format_shape(incoming)})")
        label = f"layer {layer} ({layer_type})" if isinstance(layer_type, str) else f"layer {layer}"
        self.args = (f"{label}: {self.args[0]}",)


def format_shape(shape: Shape) -> str:
    """(16, 3, 3) -> "16x3x3"; (400,) -> "400 features"."""
    return f"{shape[0]} features" if len(shape) == 1 else "x".join(map(str, shape))


def check_input_caps(input_shape: Sequence[int], max_side: int, max_channels: int) -> None:
    """Size caps for the input only (layers make no arrays). Raises TooLargeError."""
    channels, height, width = shape = tuple(input_shape)
    if channels > max_channels:
        raise TooLargeError("input_shape", shape, f"the input may have at most {max_channels} channels (C)")
    for axis, size in zip(AXES, (height, width), strict=True):
        if size > max_side:
            raise TooLargeError("input_shape", shape, f"the input's {axis} must be at most {max_side}")


def stack_shapes(input_shape: Sequence[int], layers: Sequence[Mapping[str, Any]]) -> StackResult:
    """Shapes, parameter counts and receptive fields of ``layers`` applied to one (C, H, W) input.

    Raises ParamError for a bad ``input_shape`` and StackError at the first layer that fails.
    """
    if not (isinstance(input_shape, (tuple, list)) and len(input_shape) == 3 and all(is_int(v) for v in input_shape)):
        raise ParamError("input_shape", input_shape, "must be three integers (C, H, W)")
    if min(input_shape) < 1:
        raise ParamError("input_shape", tuple(input_shape), "each of C, H and W must be >= 1")
    if not isinstance(layers, (list, tuple)):
        raise ParamError("layers", layers, "must be a list of layers")
    start: Shape = tuple(int(v) for v in input_shape)
    shape, rf, flattened_at = start, ReceptiveField.of_input(), None
    done: list[LayerShape] = []
    for index, layer in enumerate(layers):
        kind = layer.get("type") if isinstance(layer, Mapping) else None
        try:
            step = _build(layer, shape, rf, flattened_at)
        except ParamError as err:
            raise StackError(index, kind, err, shape, done) from err
        done.append(
            LayerShape(
                index,
                str(kind),
                step.params,
                shape,
                step.output_shape,
                step.param_count,
                step.axes,
                step.field,
                step.code,
            )
        )
        if kind == "flatten" and flattened_at is None:
            flattened_at = index
        shape, rf = step.output_shape, step.field
    return StackResult(start, done, shape, sum(d.param_count for d in done), sequential_code(done))


def sequential_code(layers: Sequence[LayerShape]) -> str:
    if not layers:
        return "nn.Sequential()"
    return "nn.Sequential(\n" + "".join(f"    {layer.code},\n" for layer in layers) + ")"


# --- one layer -------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    params: dict[str, Any]
    output_shape: Shape
    param_count: int
    field: ReceptiveField
    code: str
    axes: tuple[Axis, Axis] | tuple[TransposeAxis, TransposeAxis] | None = None


Builder = Callable[[Mapping[str, Any], Shape, ReceptiveField], _Step]


@dataclass(frozen=True)
class _Kind:
    keys: tuple[str, ...]  # parameters this layer type takes, besides "type"
    build: Builder
    required: tuple[str, ...] = ()


def _build(layer: Any, shape: Shape, rf: ReceptiveField, flattened_at: int | None) -> _Step:
    if not isinstance(layer, Mapping):
        raise ParamError("layer", layer, "must be a dict with a 'type' key")
    kind = layer.get("type")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ParamError("type", kind, f"must be one of {', '.join(LAYER_TYPES)}")
    _check_input(kind, shape, flattened_at)
    spec = KINDS[kind]
    for key in layer:
        if key != "type" and key not in spec.keys:
            takes = ", ".join(spec.keys) if spec.keys else "no parameters"
            raise ParamError(key, layer[key], f"is not a parameter of {kind}, which takes {takes}")
    for key in spec.required:
        if layer.get(key) is None:
            raise ParamError(key, None, f"is required: {kind} has no default for it")
    return spec.build(layer, shape, rf)


def _check_input(kind: str, shape: Shape, flattened_at: int | None) -> None:
    if len(shape) == 1 and kind not in FLAT_TYPES:
        raise ParamError(
            "type",
            kind,
            f"needs a (C, H, W) input, but the flatten layer at index {flattened_at} made it flat; "
            "after a flatten only linear, relu, dropout and flatten can follow, so move this layer before the flatten",
        )
    if len(shape) == 3 and kind == "linear":
        raise ParamError(
            "type",
            kind,
            "needs a flat input, one number per feature, and this one is still (C, H, W): add a flatten layer first; "
            f"PyTorch's nn.Linear would act on the last axis only, the width, {shape[2]}",
        )


def _unchanged(code: str) -> Builder:
    def build(layer: Mapping[str, Any], shape: Shape, rf: ReceptiveField) -> _Step:
        return _Step({}, shape, 0, rf, code)

    return build


def _dropout(kind: str) -> Builder:
    def build(layer: Mapping[str, Any], shape: Shape, rf: ReceptiveField) -> _Step:
        p = layer.get("p", 0.5)
        if not is_real(p):
            raise ParamError("p", p, "must be a finite number")
        if not 0 <= p < 1:
            rule = "must be in [0, 1): it is the chance of zeroing each value, and 1 would zero them all"
            raise ParamError("p", p, rule)
        return _Step({"p": float(p)}, shape, 0, rf, module_code(LAYERS[kind], {"p": float(p)}))

    return build


def _flatten(layer: Mapping[str, Any], shape: Shape, rf: ReceptiveField) -> _Step:
    if len(shape) == 1:  # already flat: PyTorch leaves it as it is
        return _Step({}, shape, 0, rf, module_code(LAYERS["flatten"], {}))
    kept = ReceptiveField(AxisField(rf.height.size, None, None), AxisField(rf.width.size, None, None), rf.whole_input)
    return _Step({}, (math.prod(shape),), 0, kept, module_code(LAYERS["flatten"], {}))


def _linear(layer: Mapping[str, Any], shape: Shape, rf: ReceptiveField) -> _Step:
    out_features = int_arg(layer, "out_features", None, 1)
    bias = flag_arg(layer, "bias", True)
    given = layer.get("in_features")
    if given is not None and (not is_int(given) or given != shape[0]):
        rule = f"must match the features this layer receives, {shape[0]} (or be left out)"
        raise ParamError("in_features", given, rule)
    in_features = shape[0]
    params = {"in_features": in_features, "out_features": out_features, "bias": bias}
    count = in_features * out_features + (out_features if bias else 0)
    whole = ReceptiveField(AxisField(None, None, None), AxisField(None, None, None), whole_input=True)
    code = module_code(LAYERS["linear"], params)
    return _Step(params, (out_features,), count, whole, code)


def _window(rf: ReceptiveField, axes: tuple[Axis, Axis] | tuple[TransposeAxis, TransposeAxis]) -> ReceptiveField:
    return ReceptiveField(rf.height.through(axes[0]), rf.width.through(axes[1]))


def _windowed(spec: OpSpec) -> Builder:
    """A layer whose op knows its own shape rule (``spec.layer_shape``): convolution and pooling."""
    assert spec.layer_shape is not None
    rule = spec.layer_shape

    def build(layer: Mapping[str, Any], shape: Shape, rf: ReceptiveField) -> _Step:
        found = rule(layer, shape)
        field = rf if found.axes is None else _window(rf, found.axes)
        return _Step(
            found.params, found.output_shape, found.param_count, field, module_code(spec, found.params), found.axes
        )

    return build


_BUILDERS: dict[str, Builder] = {
    "relu": _unchanged(module_code(LAYERS["relu"], {})),
    "dropout": _dropout("dropout"),
    "dropout2d": _dropout("dropout2d"),
    "flatten": _flatten,
    "linear": _linear,
}
KINDS: dict[str, _Kind] = {
    kind: _Kind(
        tuple(p.name for p in spec.module_params),
        _BUILDERS[kind] if spec.layer_shape is None else _windowed(spec),
        tuple(p.name for p in spec.module_params if p.required and not p.optional),
    )
    for kind, spec in LAYERS.items()
}
