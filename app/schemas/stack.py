"""Request and response models for POST /api/stack/shape.

A request is an input shape (C, H, W) and a list of layers, each picked by its
``type`` and described with PyTorch's keyword names. Types are strict (a bool
never passes for a number, NaN and Inf are refused; 2.0 is 2); the bounds below are the
per-field ones. The op checks every rule that ties a layer to the shape it
receives (kernel vs padded input, groups vs channels, flatten before linear).

Only shapes are computed (no arrays), so channel and feature counts may go far
above the trace endpoints' caps; the input's own size is capped in the API.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

from app.config import get_settings
from app.engine.spec import OpSpec
from app.engine.specs import LAYERS
from app.schemas.errors import Problem
from app.schemas.numbers import WHOLE
from app.schemas.traces import strict_type

_S = get_settings()
Side = Annotated[int, Field(strict=True, ge=1), WHOLE]


class _Layer(BaseModel):
    model_config = ConfigDict(extra="forbid")


def layer_model(spec: OpSpec) -> type[_Layer]:
    """A stack layer of this type: ``type`` and the module's parameters, as strict as a POST body,
    bounded by the layer bounds (shapes only, so channel and feature counts go past the trace caps)."""
    fields: dict[str, Any] = {"type": (Literal[spec.name], ...)}
    for param in spec.module_params:
        default = ... if param.required and not param.optional else (None if param.optional else param.default)
        fields[param.name] = (strict_type(param, _S, layer=True), Field(default, description=param.help or None))
    name = "".join(part.title() for part in spec.name.split("_")) + "Layer"
    return create_model(name, __base__=_Layer, __doc__=f"{spec.torch}: {spec.summary}", **fields)


LAYER_MODELS = [layer_model(spec) for spec in LAYERS.values()]
Layer: Any = Annotated[Union[tuple(LAYER_MODELS)], Field(discriminator="type")]  # noqa: UP007


class StackRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "input_shape": [3, 32, 32],
                    "layers": [
                        {"type": "conv2d", "out_channels": 6, "kernel_size": 5},
                        {"type": "relu"},
                        {"type": "max_pool2d", "kernel_size": 2},
                        {"type": "flatten"},
                        {"type": "linear", "out_features": 10},
                    ],
                }
            ]
        },
    )
    input_shape: tuple[Side, Side, Side] = Field(
        description="(C, H, W) of one input, batch left out; H and W at most max_side, C at most max_channels (413)"
    )
    layers: list[Layer] = Field(
        max_length=_S.max_layers,
        description=f"the layers in order, as in nn.Sequential; at most {_S.max_layers} (settings.max_layers)",
    )


# --- response ----------------------------------------------------------------------


class Formula(BaseModel):
    symbolic: str
    substituted: str
    fraction: str
    value: float
    exact: bool
    out: int
    rounding: Literal["floor", "ceil"] | None = Field(description="what PyTorch did to a fractional size")
    dilated_kernel: str | None = None
    text: str = Field(description="the whole formula in one sentence, numbers substituted")
    verdict: str = Field(description="the result and what PyTorch does with it, without the formula")


class AxisGeometry(BaseModel):
    size: int = Field(description="input rows (height) or columns (width)")
    kernel: int
    span: int = Field(description="rows or columns one dilated window spans: d(K - 1) + 1")
    stride: int
    padding: list[int] = Field(description="[before, after]")
    dilation: int
    padded: int
    overhang: int = Field(description="cells past the padded input the last window reaches (pooling that rounds up)")
    out: int
    exact: bool = Field(description="whether (W - K' + 2P)/S + 1 came out an integer")
    uncovered: list[int] = Field(description="input rows (or columns), 0-based, that no window reads")
    formula: Formula


class Axes(BaseModel):
    height: AxisGeometry
    width: AxisGeometry


class FieldAxis(BaseModel):
    size: int | float | None = Field(description="receptive field r, in input pixels (padding included)")
    jump: int | float | None = Field(
        description="input pixels between neighbouring outputs, j (a fraction after a transposed convolution)"
    )
    start: float | None = Field(description="centre of the first output's field; 0.0 is the centre of input pixel 0")


class ReceptiveField(BaseModel):
    whole_input: bool = Field(description="every output sees the whole input (after a linear layer)")
    height: FieldAxis
    width: FieldAxis


class LayerOut(BaseModel):
    index: int
    type: str
    params: dict[str, Any] = Field(description="the layer's parameters with PyTorch's defaults filled in")
    input_shape: list[int]
    output_shape: list[int] = Field(description="(C, H, W), or (features,) after a flatten")
    param_count: int
    axes: Axes | None = Field(description="size formula per axis, for convolution and pooling")
    receptive_field: ReceptiveField
    code: str = Field(description="this layer in PyTorch")


class StackResponse(BaseModel):
    input_shape: list[int]
    output_shape: list[int]
    total_params: int
    code: str = Field(description="the stack as PyTorch nn.Sequential(...), defaults left out")
    layers: list[LayerOut]


class StackErrorBody(BaseModel):
    message: str = Field(description="the first problem in one sentence, naming the layer for a layer error")
    detail: list[Problem]
    layers: list[LayerOut] | None = Field(None, description="the layers that worked, before the failing one")
    failed_layer: int | None = Field(None, description="index of the first layer that failed")
