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

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.errors import Problem
from app.schemas.numbers import WHOLE

MAX_LAYERS = 64  # = Settings.max_layers; the API also refuses more than the setting (413)

Side = Annotated[int, Field(strict=True, ge=1), WHOLE]
Kernel = Annotated[int, Field(strict=True, ge=1, le=15), WHOLE]
Stride = Annotated[int, Field(strict=True, ge=1, le=16), WHOLE]
Pad = Annotated[int, Field(strict=True, ge=0, le=16), WHOLE]
Dil = Annotated[int, Field(strict=True, ge=1, le=8), WHOLE]
Count = Annotated[int, Field(strict=True, ge=1, le=4096), WHOLE]
Flag = Annotated[bool, Field(strict=True)]
Prob = Annotated[float, Field(strict=True, ge=0, lt=1, allow_inf_nan=False)]

KernelArg = Kernel | tuple[Kernel, Kernel]
StrideArg = Stride | tuple[Stride, Stride]
PadArg = Pad | tuple[Pad, Pad]
DilArg = Dil | tuple[Dil, Dil]

PAIR = "an integer, or [height, width]"
POOL_STRIDE = "an integer or [height, width]; default (null): kernel_size, as in PyTorch"
POOL_PAD = "zeros (max: -inf) added on each side, an integer or [height, width]; at most half the kernel"


class _Layer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Conv2dLayer(_Layer):
    """nn.Conv2d: F filters of shape (C/groups, kH, kW), C taken from the incoming shape."""

    type: Literal["conv2d"]
    in_channels: Count | None = Field(None, description="optional: C of the incoming shape; if given it must match")
    out_channels: Count = Field(description="number of filters F, the output's channels")
    kernel_size: KernelArg = Field(description=PAIR)
    stride: StrideArg = Field(1, description=PAIR)
    padding: PadArg | Literal["same", "valid"] = Field(
        0, description="zeros added on each side: an integer, [height, width], 'same' (stride 1 only) or 'valid' (0)"
    )
    dilation: DilArg = Field(1, description="gap between kernel taps: " + PAIR)
    groups: Count = Field(1, description="must divide both in_channels and out_channels")
    bias: Flag = Field(True, description="one bias per filter (adds F parameters)")
    padding_mode: Literal["zeros", "reflect", "replicate", "circular"] = "zeros"


class ReluLayer(_Layer):
    """nn.ReLU: shape unchanged, no parameters."""

    type: Literal["relu"]


class DropoutLayer(_Layer):
    """nn.Dropout: shape unchanged, no parameters."""

    type: Literal["dropout"]
    p: Prob = Field(0.5, description="chance of zeroing each value, in [0, 1)")


class Dropout2dLayer(_Layer):
    """nn.Dropout2d: zeroes whole channels; needs a (C, H, W) input."""

    type: Literal["dropout2d"]
    p: Prob = Field(0.5, description="chance of zeroing each channel, in [0, 1)")


class MaxPool2dLayer(_Layer):
    type: Literal["max_pool2d"]
    kernel_size: KernelArg = Field(description=PAIR)
    stride: StrideArg | None = Field(None, description=POOL_STRIDE)
    padding: PadArg = Field(0, description=POOL_PAD)
    dilation: DilArg = Field(1, description="gap between window taps: " + PAIR)
    ceil_mode: Flag = Field(
        False, description="round the output size up (PyTorch drops a last window that starts past the input)"
    )


class AvgPool2dLayer(_Layer):
    type: Literal["avg_pool2d"]
    kernel_size: KernelArg = Field(description=PAIR)
    stride: StrideArg | None = Field(None, description=POOL_STRIDE)
    padding: PadArg = Field(0, description=POOL_PAD)
    ceil_mode: Flag = Field(False, description="round the output size up")
    count_include_pad: Flag = Field(True, description="padding zeros count in the average (values only)")
    divisor_override: Annotated[int, Field(strict=True, ge=1, le=10_000), WHOLE] | None = Field(
        None, description="divide every window's sum by this instead of its size (values only)"
    )


class LpPool2dLayer(_Layer):
    type: Literal["lp_pool2d"]
    norm_type: Annotated[float, Field(strict=True, gt=0, le=16, allow_inf_nan=False)] = Field(
        description="p of the power average (sum x^p)^(1/p); 2 is L2-norm pooling"
    )
    kernel_size: KernelArg = Field(description=PAIR)
    stride: StrideArg | None = Field(None, description=POOL_STRIDE)
    ceil_mode: Flag = Field(False, description="round the output size up (lp_pool2d has no padding)")


class FlattenLayer(_Layer):
    """nn.Flatten: (C, H, W) -> (C*H*W,); after it only linear, relu, dropout (and flatten) fit."""

    type: Literal["flatten"]


class LinearLayer(_Layer):
    """nn.Linear: needs a flat input (a flatten layer before it)."""

    type: Literal["linear"]
    in_features: Count | None = Field(None, description="optional: the incoming features; if given it must match")
    out_features: Count = Field(description="number of outputs")
    bias: Flag = Field(True, description="one bias per output (adds out_features parameters)")


Layer = Annotated[
    Conv2dLayer
    | ReluLayer
    | DropoutLayer
    | Dropout2dLayer
    | MaxPool2dLayer
    | AvgPool2dLayer
    | LpPool2dLayer
    | FlattenLayer
    | LinearLayer,
    Field(discriminator="type"),
]


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
        max_length=MAX_LAYERS,
        description=f"the layers in order, as in nn.Sequential; at most {MAX_LAYERS} (settings.max_layers)",
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
    overhang: int = Field(description="cells past the padded input the last window reaches (ceil_mode)")
    out: int
    exact: bool = Field(description="whether (W - K' + 2P)/S + 1 came out an integer")
    uncovered: list[int] = Field(description="input rows (or columns), 0-based, that no window reads")
    formula: Formula


class Axes(BaseModel):
    height: AxisGeometry
    width: AxisGeometry


class FieldAxis(BaseModel):
    size: int | None = Field(description="receptive field r, in input pixels (padding included)")
    jump: int | None = Field(description="input pixels between neighbouring outputs, j")
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
