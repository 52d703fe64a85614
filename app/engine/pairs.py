"""Normalise PyTorch-style arguments (int-or-pair sizes, integers, flags), with errors that name the argument."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from app.engine.errors import ParamError


def is_int(value: Any) -> bool:
    """True for a real integer (numpy integers included), never for a bool."""
    import numbers

    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def pair(name: str, value: Any, minimum: int) -> tuple[int, int]:
    """``3`` -> (3, 3); ``(2, 3)`` -> (2, 3). Each element must be an int >= minimum."""
    if is_int(value):
        items: tuple[Any, ...] = (value, value)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        items = tuple(value)
    else:
        raise ParamError(name, value, "must be an integer or a pair of integers")
    for item in items:
        if not is_int(item):
            raise ParamError(name, value, "must be an integer or a pair of integers")
        if item < minimum:
            raise ParamError(name, value, f"must be >= {minimum}")
    return int(items[0]), int(items[1])


def int_arg(layer: Mapping[str, Any], name: str, default: Any, minimum: int) -> int:
    """``layer[name]`` (or ``default``) as an integer >= minimum."""
    value = layer.get(name, default)
    if not is_int(value):
        raise ParamError(name, value, "must be an integer")
    if value < minimum:
        raise ParamError(name, value, f"must be >= {minimum}")
    return int(value)


def flag_arg(layer: Mapping[str, Any], name: str, default: bool) -> bool:
    """``layer[name]`` (or ``default``), which must be true or false."""
    value = layer.get(name, default)
    if not isinstance(value, bool):
        raise ParamError(name, value, "must be true or false")
    return value


def is_real(value: Any) -> bool:
    """A finite real number, never a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
