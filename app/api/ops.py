"""GET /api/ops: the op specifications, with every bound read from this server's Settings.

The browser builds its forms, stack-builder fields, defaults and caps from this answer and
keeps no copy of its own, so ``CONVSCOPE_MAX_SIDE=40`` shows 40 on every page.
"""

from __future__ import annotations

import math
import typing
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

from app.config import Settings, get_settings
from app.engine.random import MAX_SEED
from app.engine.spec import OpSpec, Param
from app.engine.specs import LAYERS, OPS
from app.pages.forms import ADVANCED, bounds_of, choices_of
from app.schemas.traces import QUERIES

router = APIRouter(tags=["ops"])


class FieldOut(BaseModel):
    name: str
    label: str
    kind: Literal["int", "float", "bool", "choice", "pair", "padding", "text"]
    default: Any = Field(description="PyTorch's default (null when PyTorch has none, or for 'none given')")
    initial: Any = Field(description="what a new form or a new stack layer starts with")
    min: float | None = Field(description="smallest value (of each item, for a pair)")
    max: float | None = Field(description="largest value (of each item, for a pair)")
    min_exclusive: bool = False
    max_exclusive: bool = False
    step: str | float
    choices: list[str] | None
    optional: bool = Field(description="null (an empty field) is allowed")
    advanced: bool = False
    help: str


class OpOut(BaseModel):
    name: str
    title: str
    torch: str
    summary: str
    player: str | None
    tensors: dict[str, list[str]]
    params: list[FieldOut] = Field(description="the op's parameters, as a POST body takes them")
    query: list[FieldOut] = Field(description="every field of GET /api/{op}/trace: what a player form shows")


class LayerTypeOut(BaseModel):
    type: str
    title: str
    torch: str
    summary: str
    fields: list[FieldOut]


class OpsOut(BaseModel):
    ops: list[OpOut]
    layers: list[LayerTypeOut] = Field(description="the stack builder's layer types, in menu order")
    limits: dict[str, float] = Field(description="every cap in Settings, and max_seed")


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def param_field(param: Param, settings: Settings, layer: bool = False) -> dict[str, Any]:
    low, high = param.bounds(settings, layer)
    return {
        "name": param.name,
        "label": param.label or param.name,
        "kind": param.kind,
        "default": None if param.required else param.default,
        "initial": param.start() if layer else param.first(),
        "min": low,
        "max": high,
        "min_exclusive": param.low_open,
        "max_exclusive": param.high_open,
        "step": "any" if param.kind == "float" else "1",
        "choices": list(param.choices) or None,
        "optional": param.optional,
        "advanced": False,
        "help": param.help,
    }


def _query_field(name: str, info: FieldInfo) -> dict[str, Any]:
    """A generated-input field of a GET query (in_channels, height, seed, input, ...), read off the model."""
    args = typing.get_args(info.annotation) or (info.annotation,)
    choices = choices_of(info.annotation)
    kind = "choice" if choices else "int" if int in args else "bool" if bool in args else "text"
    bounds = {"min": None, "max": None} | {key: _number(value) for key, value in bounds_of(info).items()}
    return {
        "name": name,
        "label": info.title or name,
        "kind": kind,
        "default": info.default,
        "initial": info.default,
        **bounds,
        "min_exclusive": False,
        "max_exclusive": False,
        "step": "1",
        "choices": choices,
        "optional": info.default is None,
        "advanced": name in ADVANCED,
        "help": info.description or "",
    }


def query_fields(spec: OpSpec, settings: Settings) -> list[dict[str, Any]]:
    fields = []
    for name, info in QUERIES[spec.name].model_fields.items():
        if spec.has(name) and name not in ("in_channels", "bias"):
            fields.append(param_field(spec.param(name), settings))
        else:
            fields.append(_query_field(name, info))
    return fields


def describe(settings: Settings) -> dict[str, Any]:
    ops = [
        {
            "name": spec.name,
            "title": spec.title,
            "torch": spec.torch,
            "summary": spec.summary,
            "player": f"/play/{spec.name}" if spec.player else None,
            "tensors": {"takes": list(spec.takes), "makes": list(spec.makes)},
            "params": [param_field(p, settings) for p in spec.params],
            "query": query_fields(spec, settings),
        }
        for spec in OPS.values()
    ]
    layers = [
        {
            "type": spec.name,
            "title": spec.torch.removeprefix("nn."),
            "torch": spec.torch,
            "summary": spec.summary,
            "fields": [param_field(p, settings, layer=True) for p in spec.module_params if not p.derived],
        }
        for spec in LAYERS.values()
    ]
    limits = {
        name: value
        for name, value in settings.model_dump().items()
        if name.startswith("max_") and isinstance(value, (int, float)) and math.isfinite(value)
    }
    return {"ops": ops, "layers": layers, "limits": limits | {"max_seed": MAX_SEED}}


@router.get(
    "/api/ops",
    summary="The op specifications: parameters, defaults, bounds and choices, as this server's settings set them",
    response_model=OpsOut,
    operation_id="get_ops",
)
def get_ops(cfg: Annotated[Settings, Depends(get_settings)]) -> Response:
    return Response(orjson.dumps(describe(cfg)), media_type="application/json")
