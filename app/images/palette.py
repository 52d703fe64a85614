"""The one palette (static/palette.json), read once at import: its colours, the diverging scale
of every value, the augmentation heat map's ramp, and the CSS custom properties made from them.

The canvas reads the same file (static/js/config.js) and maps a value to a colour with the same
arithmetic (static/js/render/colors.js ``rgb``), so a number has the same colour on the canvas,
in a PNG or GIF, and on the image page. The rule is in the file's ``scale.about`` and in
docs/PALETTE.md. Pure: NumPy only, no Pillow, no web code.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

STATIC = Path(__file__).resolve().parent.parent.parent / "static"
PATH = STATIC / "palette.json"
PALETTE: dict[str, Any] = json.loads(PATH.read_text(encoding="utf-8"))

RGB = tuple[int, int, int]
_HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_RGBA = re.compile(r"^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*([0-9.]+)\s*)?\)$")


def parse(color: str) -> tuple[RGB, float]:
    """'#rrggbb', '#rgb' or 'rgba(r, g, b, a)' -> ((r, g, b), alpha)."""
    if match := _HEX.match(color):
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)), 1.0
    if match := _RGBA.match(color):
        r, g, b, a = match.groups()
        return (int(r), int(g), int(b)), float(a) if a is not None else 1.0
    raise ValueError(f"palette.json: {color!r} is not #rrggbb, #rgb or rgba(r, g, b, a)")


def rgb(color: str) -> RGB:
    return parse(color)[0]


def cell(name: str) -> RGB:
    """An opaque colour of the cell drawings (palette.json 'cell')."""
    return rgb(PALETTE["cell"][name])


SCALE = PALETTE["scale"]
NEGATIVE, ZERO, POSITIVE = rgb(SCALE["negative"]), rgb(SCALE["zero"]), rgb(SCALE["positive"])
LEVELS: int = SCALE["levels"]
INK_LUMINANCE: float = SCALE["inkLuminance"]
EMPTY = cell("empty")


def _shade(end: RGB, i: int) -> RGB:
    """Shade i of LEVELS from zero towards ``end``, each channel rounded half up (as JS Math.round)."""
    return tuple(math.floor(z + (e - z) * i / LEVELS + 0.5) for z, e in zip(ZERO, end, strict=True))  # type: ignore[return-value]


SHADES: list[RGB] = [_shade(NEGATIVE, i) for i in range(LEVELS, 0, -1)]
SHADES += [_shade(POSITIVE, i) for i in range(LEVELS + 1)]
"""The scale's 2 * LEVELS + 1 shades, most negative first: SHADES[LEVELS] is zero's."""


def levels(values: np.ndarray, scale: float) -> np.ndarray:
    """Each value's shade index into SHADES (int64; NaN -> -1): t = value / scale clamped to
    [-1, 1] (±inf -> the ends), LEVELS + t * LEVELS rounded half away from zero. A scale that is
    not a positive finite number puts every finite value at zero."""
    values = np.asarray(values, dtype=np.float64)
    if 0 < scale < math.inf:
        with np.errstate(invalid="ignore", over="ignore"):  # inf / s, 1e308 / 0.001: the ends
            t = np.clip(values / scale, -1.0, 1.0)
    else:
        t = np.where(np.isnan(values), np.nan, 0.0)
    nan = np.isnan(t)
    t = np.where(nan, 0.0, t)
    index = LEVELS + (np.sign(t) * np.floor(np.abs(t) * LEVELS + 0.5)).astype(np.int64)
    return np.where(nan, -1, index)


def diverging(values: np.ndarray, scale: float) -> np.ndarray:
    """(..., 3) uint8: every value's colour on the diverging scale (NaN: the empty cell's colour)."""
    table = np.asarray([*SHADES, EMPTY], dtype=np.uint8)  # index -1 is EMPTY
    return table[levels(values, scale)]


def finite_scale(values: np.ndarray) -> float:
    """The scale of a panel: its largest finite |value|, 1 if there is none (or it is 0)."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def ink(background: RGB) -> RGB:
    """Dark or light text, whichever contrasts more with ``background`` (WCAG relative luminance)."""

    def lin(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * lin(background[0]) + 0.7152 * lin(background[1]) + 0.0722 * lin(background[2])
    return cell("inkDark") if lum > INK_LUMINANCE else cell("inkLight")


HEAT_STOPS = np.array([rgb(c) for c in PALETTE["heat"]["stops"]], dtype=np.float64)


def heat(magnitude: np.ndarray) -> np.ndarray:
    """(H, W) magnitudes in 0..255 -> (H, W, 3) uint8 through the heat ramp's stops."""
    level = np.asarray(magnitude, dtype=np.float64) / 255.0 * (len(HEAT_STOPS) - 1)
    low = np.clip(np.floor(level).astype(np.int64), 0, len(HEAT_STOPS) - 2)
    t = (level - low)[..., None]
    return np.round(HEAT_STOPS[low] * (1 - t) + HEAT_STOPS[low + 1] * t).astype(np.uint8)


CSS_HEAD = "/* Generated from static/palette.json (app/images/palette.py): edit the colours there. */\n"


def _kebab(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), name)


def css() -> str:
    """The custom properties of every colour: ``--{section}-{name}`` for the drawing sections
    (``--scale-negative``, ``--cell-padding-hatch``, ...) and each 'css' selector's own."""
    named = [
        f"  --{section}-{_kebab(name)}: {value};"
        for section, entries in PALETTE.items()
        if section != "css" and isinstance(entries, dict)
        for name, value in entries.items()
        if isinstance(value, str) and name != "about"
    ]
    blocks = []
    for selector, entries in PALETTE["css"].items():
        lines = [f"  --{name}: {value};" for name, value in entries.items()]
        if selector == ":root":
            lines = named + lines
        blocks.append(selector + " {\n" + "\n".join(lines) + "\n}\n")
    return CSS_HEAD + "".join(blocks)
