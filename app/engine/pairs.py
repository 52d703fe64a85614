"""Normalise PyTorch-style int-or-pair arguments, with errors that name the argument."""

from __future__ import annotations

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
