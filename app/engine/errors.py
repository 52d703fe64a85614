"""The one error type every op raises for a bad argument.

A message always names the parameter, the value received and the rule, so the
API can hand it to a person unchanged: ``stride: got 0; must be >= 1``.
"""

from __future__ import annotations

import json
from typing import Any


class Described(str):
    """A description of what was received ("an array of shape (5, 5)"), shown as is,
    where a plain string would be quoted as the text a person typed."""


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
    """Short, readable rendering of a received value, in JSON's spelling (true, null)."""
    if isinstance(value, Described):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, tuple):
        return "(" + ", ".join(show(v) for v in value) + ")"
    if isinstance(value, bytes):
        return f"{len(value)} bytes"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, (list, dict)):
        text = json.dumps(value, default=str, separators=(", ", ": "))  # [true, null], not [True, None]
        return text if len(text) <= 60 else text[:57] + "..."
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
