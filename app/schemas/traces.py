"""Request models for the trace endpoints: POST bodies with tensors, GET queries that generate them.

Types are strict (a bool never passes for a number, NaN and Inf are refused; 2.0 is 2) and
bounded by the caps in ``app.config``; the ops check every rule that ties one
parameter to another (kernel vs padded input, groups vs channels, ...).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.config import get_settings
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


Kernel = Annotated[int, Field(strict=True, ge=1, le=_S.max_kernel), WHOLE]
Stride = Annotated[int, Field(strict=True, ge=1, le=_S.max_stride), WHOLE]
Pad = Annotated[int, Field(strict=True, ge=0, le=_S.max_padding), WHOLE]
Dil = Annotated[int, Field(strict=True, ge=1, le=_S.max_dilation), WHOLE]
Seed = Annotated[int, Field(strict=True, ge=0, le=2**31 - 1, description="seed of the random stream"), WHOLE]
Detail = Literal["auto", "full", "compact"]
PaddingMode = Literal["zeros", "reflect", "replicate", "circular"]
DETAIL_HELP = (
    "full: every step with its window, values and arithmetic; compact: indices and value only; "
    f"auto (default): full up to {_S.auto_full_steps} steps, compact beyond"
)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: Tensor3
    detail: Detail = Field("auto", description=DETAIL_HELP)


class Conv2dBody(Body):
    weight: Tensor4
    bias: Annotated[list[Number], Field(min_length=1, max_length=_S.max_filters)] | None = None
    stride: Stride | tuple[Stride, Stride] = 1
    padding: Pad | tuple[Pad, Pad] | Literal["same", "valid"] = 0
    dilation: Dil | tuple[Dil, Dil] = 1
    groups: Annotated[int, Field(strict=True, ge=1, le=_S.max_channels), WHOLE] = 1
    padding_mode: PaddingMode = "zeros"


class PoolBody(Body):
    kernel_size: Kernel | tuple[Kernel, Kernel] = 2
    stride: Stride | tuple[Stride, Stride] | None = Field(None, description="default: kernel_size")
    ceil_mode: Annotated[bool, Field(strict=True)] = False


class MaxPool2dBody(PoolBody):
    padding: Pad | tuple[Pad, Pad] = 0
    dilation: Dil | tuple[Dil, Dil] = 1


class AvgPool2dBody(PoolBody):
    padding: Pad | tuple[Pad, Pad] = 0
    count_include_pad: Annotated[bool, Field(strict=True)] = True
    divisor_override: Annotated[int, Field(strict=True, ge=1, le=10_000), WHOLE] | None = None


class LpPool2dBody(PoolBody):
    norm_type: Annotated[float, Field(strict=True, gt=0, le=16, allow_inf_nan=False)] = 2.0


class ReluBody(Body):
    pass


class DropoutBody(Body):
    p: Annotated[float, Field(strict=True, ge=0, lt=1, allow_inf_nan=False)] = 0.5
    training: Annotated[bool, Field(strict=True)] = True
    seed: Seed = 0
    variant: Literal["dropout", "dropout2d"] = Field("dropout", description="dropout2d drops whole channels")


# GET: the same parameters, tensors generated from a seed (or given as text).

PairText = Annotated[
    str, Field(pattern=r"^\s*\d{1,4}\s*(,\s*\d{1,4}\s*)?$", description="an integer, or two as 'height,width'")
]
PaddingText = Annotated[
    str, Field(pattern=r"^\s*(\d{1,4}\s*(,\s*\d{1,4}\s*)?|same|valid)\s*$", description="integer, 'h,w', same or valid")
]
ARRAY_HELP = "values separated by ',', rows by ';', channels by '|' (and filters by '/' for weight)"


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid")
    in_channels: Annotated[int, Field(ge=1, le=_S.max_channels)] = 1
    height: Annotated[int, Field(ge=1, le=_S.max_side)] = 7
    width: Annotated[int, Field(ge=1, le=_S.max_side)] = 7
    seed: Annotated[int, Field(ge=0, le=2**31 - 1, description="seed of the generated input")] = 0
    input: Annotated[str, Field(max_length=200_000, description=ARRAY_HELP)] | None = None
    detail: Detail = Field("auto", description=DETAIL_HELP)


class Conv2dQuery(Query):
    out_channels: Annotated[int, Field(ge=1, le=_S.max_filters)] = 1
    kernel_size: PairText = "3"
    stride: PairText = "1"
    padding: PaddingText = "0"
    dilation: PairText = "1"
    groups: Annotated[int, Field(ge=1, le=_S.max_channels)] = 1
    padding_mode: PaddingMode = "zeros"
    bias: Annotated[str, Field(max_length=20_000, description="true, false, or the values as '1,-1'")] = "true"
    weight: Annotated[str, Field(max_length=200_000, description=ARRAY_HELP)] | None = None


class PoolQuery(Query):
    height: Annotated[int, Field(ge=1, le=_S.max_side)] = 6
    width: Annotated[int, Field(ge=1, le=_S.max_side)] = 6
    kernel_size: PairText = "2"
    stride: PairText | None = Field(None, description="default: kernel_size")
    ceil_mode: bool = False


class MaxPool2dQuery(PoolQuery):
    padding: PairText = "0"
    dilation: PairText = "1"


class AvgPool2dQuery(PoolQuery):
    padding: PairText = "0"
    count_include_pad: bool = True
    divisor_override: Annotated[int, Field(ge=1, le=10_000)] | None = None


class LpPool2dQuery(PoolQuery):
    norm_type: Annotated[float, Field(gt=0, le=16, allow_inf_nan=False)] = 2.0


class ReluQuery(Query):
    height: Annotated[int, Field(ge=1, le=_S.max_side)] = 6
    width: Annotated[int, Field(ge=1, le=_S.max_side)] = 6


class DropoutQuery(Query):
    height: Annotated[int, Field(ge=1, le=_S.max_side)] = 6
    width: Annotated[int, Field(ge=1, le=_S.max_side)] = 6
    seed: Annotated[int, Field(ge=0, le=2**31 - 1, description="seed of the dropout mask")] = 0
    input_seed: Annotated[int, Field(ge=0, le=2**31 - 1, description="seed of the generated input")] = 0
    p: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = 0.5
    training: bool = True
    variant: Literal["dropout", "dropout2d"] = "dropout"
