"""Form fields for a player page, read off the op's GET query model: one source for
names, defaults, bounds and choices, so the page and the API never disagree."""

from __future__ import annotations

import math
import re
import typing
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel
from pydantic.fields import FieldInfo

ADVANCED = ("input", "weight", "grad_output", "detail")  # shown under "your own numbers", or not at all
# HTML's "valid floating-point number", what an <input type="number"> keeps (static/js/widgets/params.js agrees)
HTML_NUMBER = re.compile(r"-?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?")


def choices_of(annotation: Any) -> list[str] | None:
    """The values of the Literal in a field's annotation (None: not a choice)."""
    members = [annotation] if typing.get_origin(annotation) is typing.Literal else typing.get_args(annotation)
    for arg in members:
        if typing.get_origin(arg) is typing.Literal:
            return [str(v) for v in typing.get_args(arg)]
    return None


def bounds_of(info: FieldInfo) -> dict[str, float]:
    """{'min': ..., 'max': ...} from a model field's bounds (either may be missing)."""
    out: dict[str, float] = {}
    for meta in info.metadata:
        if isinstance(meta, Ge):
            out["min"] = float(meta.ge)  # type: ignore[arg-type]
        elif isinstance(meta, Gt):
            out["min"] = float(meta.gt)  # type: ignore[arg-type]
        elif isinstance(meta, Le):
            out["max"] = float(meta.le)  # type: ignore[arg-type]
        elif isinstance(meta, Lt):
            out["max"] = float(meta.lt)  # type: ignore[arg-type]
    return out


def _kind(info: FieldInfo) -> str:
    annotation = info.annotation
    if choices_of(annotation):
        return "select"
    args = typing.get_args(annotation) or (annotation,)
    if bool in args:
        return "checkbox"
    if int in args or float in args:
        return "number"
    return "text"


def form_fields(model: type[BaseModel], given: dict[str, str]) -> list[dict[str, Any]]:
    """The model's fields as form controls, valued from the query string ``given``."""
    fields = []
    for name, info in model.model_fields.items():
        if name == "detail":
            continue
        default = info.default
        kind = _kind(info)
        value: Any = given.get(name, "" if default is None else default)
        if kind == "checkbox":
            value = str(value).lower() in ("true", "1", "yes", "on")
        elif kind == "number" and not _fits_number_field(value):
            kind = "text"  # shown as the link wrote it, for the API to refuse in words (a number field would blank it)
        field = {
            "name": name,
            "label": info.title or name,
            "kind": kind,
            "value": value,
            "default": "" if default is None else (str(default).lower() if isinstance(default, bool) else str(default)),
            "help": info.description or "",
            "advanced": name in ADVANCED,
            "choices": choices_of(info.annotation),
            "step": "any" if float in (typing.get_args(info.annotation) or (info.annotation,)) else "1",
            **bounds_of(info),
        }
        fields.append(field)
    return fields


def _fits_number_field(value: Any) -> bool:
    text = str(value)
    return text == "" or (HTML_NUMBER.fullmatch(text) is not None and math.isfinite(float(text)))
