"""The sample pictures ConvScope draws itself, in NumPy: no files, no licences.

Each drawing is a square (size, size, 3) uint8 array, drawn at the size asked for (the image
page asks for its working size, the augmentation gallery for 64), so nothing is resampled.
Names, labels and the two photographs are in ``app/images/catalogue.py``, which uses these.
"""

from __future__ import annotations

import numpy as np

from app.engine.errors import ParamError

SIZE = 64


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.mgrid[0:size, 0:size]
    return rows.astype(np.float64), cols.astype(np.float64)


def house(size: int = SIZE) -> np.ndarray:
    """A sky gradient, a sun, green grass, a red house with a dark roof and a yellow door."""
    rows, cols = _grid(size)
    t = rows / (size - 1)
    img = np.empty((size, size, 3), np.float64)
    img[..., 0] = 90 + 110 * t
    img[..., 1] = 150 + 70 * t
    img[..., 2] = 235 - 20 * t
    s = size / 64
    sun = (rows - 12 * s) ** 2 + (cols - 50 * s) ** 2 <= (7 * s) ** 2
    img[sun] = (255, 210, 40)
    img[rows >= 48 * s] = (60, 150, 60)
    body = (rows >= 30 * s) & (rows < 52 * s) & (cols >= 12 * s) & (cols < 40 * s)
    img[body] = (190, 50, 40)
    roof = (rows >= 16 * s) & (rows < 30 * s) & (np.abs(cols - 26 * s) <= (rows - 16 * s) + 2 * s)
    img[roof] = (70, 40, 40)
    door = (rows >= 40 * s) & (rows < 52 * s) & (cols >= 22 * s) & (cols < 30 * s)
    img[door] = (240, 200, 60)
    return np.round(img).astype(np.uint8)


def checkerboard(size: int = SIZE, square: int | None = None) -> np.ndarray:
    """Blue and orange squares (8 across unless ``square`` pixels is given), a white one top-left so flips show."""
    square = square or max(1, size // 8)
    rows, cols = _grid(size)
    odd = ((rows // square + cols // square) % 2).astype(bool)
    img = np.empty((size, size, 3), np.uint8)
    img[~odd] = (20, 50, 160)
    img[odd] = (255, 185, 60)
    img[:square, :square] = (255, 255, 255)
    return img


def digit(size: int = SIZE) -> np.ndarray:
    """A thick white "7" on a dark blue background, like an enlarged MNIST digit in colour."""
    rows, cols = _grid(size)
    s = size / 64
    img = np.empty((size, size, 3), np.uint8)
    img[:] = (20, 24, 60)
    bar = (rows >= 12 * s) & (rows < 19 * s) & (cols >= 16 * s) & (cols < 48 * s)
    # the diagonal: distance from the line through (row 15, col 47) and (row 54, col 26)
    r0, c0, r1, c1 = 15 * s, 47 * s, 54 * s, 26 * s
    length = np.hypot(r1 - r0, c1 - c0)
    dist = np.abs((c1 - c0) * (rows - r0) - (r1 - r0) * (cols - c0)) / length
    along = ((rows - r0) * (r1 - r0) + (cols - c0) * (c1 - c0)) / length
    stroke = (dist <= 3.5 * s) & (along >= 0) & (along <= length)
    img[bar | stroke] = (250, 250, 240)
    return img


def gradient(size: int = SIZE) -> np.ndarray:
    """A grey ramp, black on the left to white on the right, crossed by a dark vertical bar.

    A smooth ramp gives an edge detector a small, constant answer; the bar's two sides give large ones.
    """
    rows, cols = _grid(size)
    s = size / 128
    img = np.repeat(np.round(cols / max(size - 1, 1) * 255)[..., None], 3, axis=2)
    bar = (rows >= 16 * s) & (rows < 112 * s) & (cols >= 56 * s) & (cols < 72 * s)
    img[bar] = 40
    return img.astype(np.uint8)


DRAWINGS = {"house": house, "checkerboard": checkerboard, "digit": digit, "gradient": gradient}


def drawing(name: str, size: int = SIZE) -> np.ndarray:
    """The named drawing, ``size`` pixels square."""
    if name not in DRAWINGS:
        raise ParamError("sample", name, f"must be one of {list(DRAWINGS)}")
    if isinstance(size, bool) or not isinstance(size, int) or not 8 <= size <= 1024:
        raise ParamError("size", size, "must be a whole number from 8 to 1024")
    return DRAWINGS[name](size)
