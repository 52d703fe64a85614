"""Whole numbers in JSON bodies: strict (true, "2" and 2.5 are refused), but 2.0 is 2.

JSON has one number type, and JSON Schema's "integer" (what /openapi.json promises) counts
2.0 as an integer; a client that writes every number as a float (Python's json.dumps of a
float) must not be refused. Put WHOLE after the Field that holds the bounds:
``Annotated[int, Field(strict=True, ge=1), WHOLE]`` (before it, pydantic documents the
bounds as "ge"/"le" instead of "minimum"/"maximum").
"""

from __future__ import annotations

from typing import Any

from pydantic import BeforeValidator

EXACT = 2**53  # beyond it a float is not an exact whole number; it stays a float and is refused


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < EXACT:
        return int(value)
    return value


WHOLE = BeforeValidator(_whole)
