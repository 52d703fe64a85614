"""Arrays written as text in a URL: values by ',', rows by ';', channels by '|', filters by '/'.

``"1,2;3,4"`` is one channel of 2x2; ``"1,0;0,1|0,1;1,0"`` two channels;
a weight of two one-channel filters is ``"1,0;0,1/0,1;1,0"``.
"""

from __future__ import annotations

import math

import numpy as np

from app.engine.errors import Described, ParamError

SEPARATORS = ("/", "|", ";", ",")


def parse_array(name: str, text: str, ndim: int) -> np.ndarray:
    """Parse ``text`` into a float64 array with ``ndim`` dimensions (1 to 4)."""
    seps = SEPARATORS[len(SEPARATORS) - ndim :]
    nested = _split(name, text.strip(), seps)
    shape = _shape(name, nested, seps)
    flat = _flatten(nested)
    return np.array(flat, dtype=np.float64).reshape(shape)


def _split(name: str, text: str, seps: tuple[str, ...]) -> object:
    if not seps:
        try:
            value = float(text)
        except ValueError:
            raise ParamError(name, text, "every value must be a number, written like 2, -1 or 0.5") from None
        if not math.isfinite(value):
            raise ParamError(name, text, "values must be finite numbers (no NaN or Inf)")
        return value
    return [_split(name, part.strip(), seps[1:]) for part in text.split(seps[0])]


def _shape(name: str, nested: object, seps: tuple[str, ...]) -> tuple[int, ...]:
    if not seps:
        return ()
    assert isinstance(nested, list)
    inner = [_shape(name, item, seps[1:]) for item in nested]
    if any(shape != inner[0] for shape in inner):
        item = {",": "value", ";": "row", "|": "channel", "/": "filter"}[seps[0]]
        sizes = []
        for shape in inner:
            size = "x".join(map(str, shape))
            if size not in sizes:
                sizes.append(size)
        raise ParamError(
            name,
            Described(f"{item}s of {' and '.join(sizes[:2])}" + (" values" if len(inner[0]) == 1 else "")),
            f"every {item} (separated by '{seps[0]}') must have the same size",
        )
    return (len(nested), *inner[0])


def _flatten(nested: object) -> list[float]:
    if isinstance(nested, list):
        return [value for item in nested for value in _flatten(item)]
    assert isinstance(nested, float)
    return [nested]


def format_array(array: np.ndarray) -> str:
    """The inverse of ``parse_array``: ``format_array(parse_array(name, text, n))`` reads back the same numbers."""
    seps = SEPARATORS[len(SEPARATORS) - array.ndim :]

    def text(value: float) -> str:
        return str(int(value)) if float(value).is_integer() and abs(value) < 2**53 else repr(float(value))

    def join(part: np.ndarray, level: int) -> str:
        if level == len(seps) - 1:
            return seps[level].join(text(v) for v in part)
        return seps[level].join(join(sub, level + 1) for sub in part)

    return join(array, 0)
