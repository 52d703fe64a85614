"""Request models for the trace endpoints, made from the op specifications (``app.engine.specs``).

POST bodies carry tensors and take each parameter as PyTorch does (strict types: a bool never
passes for a number, NaN and Inf are refused; 2.0 is 2). GET queries generate the tensors from
a seed (or read them as text) and take pairs as text ("3" or "3,2"); the builder checks their
bounds. Every bound comes from ``Settings`` through the specification; the ops check every
rule that ties one parameter to another (kernel vs padded input, groups vs channels, ...).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from app.config import Settings, get_settings
from app.engine.random import MAX_SEED
from app.engine.spec import OpSpec, Param
from app.engine.specs import OPS
from app.schemas.numbers import WHOLE

_S = get_settings()

Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Row = Annotated[list[Number], Field(min_length=1, max_length=_S.max_side)]
Plane = Annotated[list[Row], Field(min_length=1, max_length=_S.max_side)]
Tensor3 = Annotated[
    list[Plane],
    Field(min_length=1, max_length=_S.max_channels, description="(channels, height, width) as nested lists"),
]
KRow = Annotated[list[Number], Field(min_length=1, max_length=_S.max_kernel)]
KPlane = Annotated[list[KRow], Field(min_length=1, max_length=_S.max_kernel)]
Filter = Annotated[list[KPlane], Field(min_length=1, max_length=_S.max_channels)]
Tensor4 = Annotated[
    list[Filter],
    Field(min_length=1, max_length=_S.max_filters, description="(out_channels, in_channels/groups, kH, kW)"),
]
Bias = Annotated[list[Number], Field(min_length=1, max_length=_S.max_filters)]
Kernels = Annotated[list[KPlane], Field(min_length=1, max_length=_S.max_filters)]
TransposedTensor4 = Annotated[
    list[Kernels],
    Field(min_length=1, max_length=_S.max_channels, description="(in_channels, out_channels/groups, kH, kW)"),
]
GradRow = Annotated[list[Number], Field(min_length=1, max_length=_S.max_side + 2 * _S.max_padding)]
GradPlane = Annotated[list[GradRow], Field(min_length=1, max_length=_S.max_side + 2 * _S.max_padding)]
GradOutput = Annotated[
    list[GradPlane],
    Field(
        min_length=1,
        max_length=_S.max_filters,
        description="(out_channels, output height, output width): the loss's gradient for each output value",
    ),
]
Detail = Literal["auto", "full", "compact"]
DETAIL_HELP = (
    "full: every step with its window, values and arithmetic; compact: indices and value only; "
    f"auto (default): full up to {_S.auto_full_steps} steps, compact beyond"
)
PairText = Annotated[
    str, Field(pattern=r"^\s*\d{1,4}\s*(,\s*\d{1,4}\s*)?$", description="an integer, or two as 'height,width'")
]
PaddingText = Annotated[
    str, Field(pattern=r"^\s*(\d{1,4}\s*(,\s*\d{1,4}\s*)?|same|valid)\s*$", description="integer, 'h,w', same or valid")
]
ARRAY_HELP = "values separated by ',', rows by ';', channels by '|' (and filters by '/' for weight)"
ArrayText = Annotated[str, Field(max_length=_S.max_array_text, description=ARRAY_HELP)]


def _number_field(param: Param, settings: Settings, strict: bool, layer: bool = False) -> Any:
    low, high = param.bounds(settings, layer)
    bounds: dict[str, Any] = {}
    if low is not None:
        bounds["gt" if param.low_open else "ge"] = low
    if high is not None:
        bounds["lt" if param.high_open else "le"] = high
    if param.kind == "float":
        return Annotated[float, Field(strict=strict, allow_inf_nan=False, **bounds)]
    if strict:
        return Annotated[int, Field(strict=True, **bounds), WHOLE]
    return Annotated[int, Field(**bounds)]


def strict_type(param: Param, settings: Settings, layer: bool = False) -> Any:
    """The type of a parameter in a JSON body: PyTorch's own (an int or a pair for a size)."""
    if param.kind == "bool":
        kind: Any = Annotated[bool, Field(strict=True)]
    elif param.kind == "choice":
        kind = Literal[param.choices]
    elif param.kind in ("pair", "padding"):
        item = _number_field(param, settings, strict=True, layer=layer)
        kind = item | tuple[item, item]  # type: ignore[valid-type]
        if param.kind == "padding":
            kind = kind | Literal[param.choices]
    else:
        kind = _number_field(param, settings, strict=True, layer=layer)
    return kind | None if param.optional else kind


def _text_type(param: Param, settings: Settings) -> Any:
    """The type of a parameter in a query string: pairs stay text for the builder to bound."""
    if param.kind == "pair":
        kind: Any = PairText
    elif param.kind == "padding":
        kind = PaddingText
    elif param.kind == "bool":
        kind = bool
    elif param.kind == "choice":
        kind = Literal[param.choices]
    else:
        kind = _number_field(param, settings, strict=False)
    return kind | None if param.optional else kind


def _default(param: Param, value: Any, text: bool) -> Any:
    if text and param.kind in ("pair", "padding") and value is not None:
        value = str(value)
    return Field(value, description=param.help or None, title=param.label or param.name)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: Tensor3
    detail: Detail = Field("auto", description=DETAIL_HELP)


class Query(BaseModel):
    """What every GET trace takes besides the op's parameters: the generated input. A field's
    ``title`` is its label on a form."""

    model_config = ConfigDict(extra="forbid")
    in_channels: Annotated[int, Field(ge=1, le=_S.max_channels, title="input channels")] = 1
    height: Annotated[int, Field(ge=1, le=_S.max_side, title="input height")] = 7
    width: Annotated[int, Field(ge=1, le=_S.max_side, title="input width")] = 7
    seed: Annotated[int, Field(ge=0, le=MAX_SEED, description="seed of the generated input", title="seed")] = 0
    input: Annotated[ArrayText | None, Field(title="input values")] = None
    detail: Detail = Field("auto", description=DETAIL_HELP)


def body_model(spec: OpSpec, settings: Settings) -> type[Body]:
    fields: dict[str, Any] = {}
    if "weight" in spec.takes:
        fields["weight"] = (Tensor4 if spec.weight_layout == "filters" else TransposedTensor4, ...)
    if "bias" in spec.takes:
        fields["bias"] = (Bias | None, None)
    if "grad_output" in spec.takes:
        fields["grad_output"] = (GradOutput, ...)
    for param in spec.params:
        if param.from_tensor:
            continue  # a POST body gives the tensors themselves (the weight's shape, the bias values)
        fields[param.name] = (strict_type(param, settings), Field(None if param.optional else param.first()))
    name = "".join(part.title() for part in spec.name.split("_")) + "Body"
    return create_model(name, __base__=Body, __doc__=f"POST /api/{spec.name}/trace: {spec.summary}", **fields)


def query_model(spec: OpSpec, settings: Settings) -> type[Query]:
    fields: dict[str, Any] = {
        axis: (Annotated[int, Field(ge=1, le=settings.max_side)], Field(spec.side, title=f"input {axis}"))
        for axis in ("height", "width")
    }
    for param in spec.params:
        if param.derived:
            continue  # in_channels: the generated input's, a Query field of its own
        if param.from_tensor and param.kind == "bool":  # bias: "true", "false" or the values themselves
            text = Annotated[
                str, Field(max_length=settings.max_bias_text, description="true, false, or the values as '1,-1'")
            ]
            fields[param.name] = (text, Field("true", title=param.label or param.name))
            continue
        fields[param.name] = (_text_type(param, settings), _default(param, param.first(), text=True))
    if "weight" in spec.takes:
        fields["weight"] = (ArrayText | None, Field(None, title="weight values"))
    if "grad_output" in spec.takes:  # generated from the seed when not given, in the output's shape
        fields["grad_output"] = (ArrayText | None, Field(None, title="grad_output values"))
    if spec.has("seed"):  # the op draws its own randomness: the generated input gets a seed of its own
        seed = Annotated[int, Field(ge=0, le=MAX_SEED, description="seed of the generated input")]
        fields["input_seed"] = (seed, Field(0, title="input seed"))
    name = "".join(part.title() for part in spec.name.split("_")) + "Query"
    return create_model(name, __base__=Query, __doc__=f"GET /api/{spec.name}/trace: {spec.summary}", **fields)


BODIES: dict[str, type[Body]] = {op: body_model(spec, _S) for op, spec in OPS.items()}
QUERIES: dict[str, type[Query]] = {op: query_model(spec, _S) for op, spec in OPS.items()}
