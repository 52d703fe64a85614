"""The one error type every op raises for a bad argument.

A message always names the parameter, the value received and the rule, so the
API can hand it to a person unchanged.
"""

from __future__ import annotations

from typing import Any


class ParamError(ValueError):
    """A parameter broke a rule. ``str(err)`` is the whole sentence."""

    def __init__(self, param: str, value: Any, rule: str) -> None:
        self.param = param
        self.value = value
        self.rule = rule
        super().__init__(f"{param}: got {show(value)}; {rule}")


class TooLargeError(ParamError):
    """A size is over a cap. The API answers these with 413."""


def show(value: Any) -> str:
    """Short, readable rendering of a received value for an error message."""
    if isinstance(value, tuple):
        return "(" + ", ".join(show(v) for v in value) + ")"
    if isinstance(value, str):
        return repr(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
