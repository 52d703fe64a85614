"""Procedural RGB sample images, drawn here in NumPy: no files, no licences.

Each sample is an (H, W, 3) uint8 array with a label, the class a dataset would give it.
The augmentation gallery changes the array and keeps the label.
"""

from __future__ import annotations

import numpy as np

from app.ops.errors import ParamError

SIZE = 64
LABELS = {"house": "house", "checkerboard": "checkerboard", "digit": "7"}


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


def checkerboard(size: int = SIZE, square: int = 8) -> np.ndarray:
    """Blue and orange squares of ``square`` pixels, a white one top-left so flips show."""
    rows, cols = _grid(size)
    odd = ((rows // square + cols // square) % 2).astype(bool)
    img = np.empty((size, size, 3), np.uint8)
    img[~odd] = (40, 90, 200)
    img[odd] = (245, 150, 40)
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


SAMPLES = {"house": house, "checkerboard": checkerboard, "digit": digit}


def sample_image(name: str) -> tuple[np.ndarray, str]:
    """The named sample and its label."""
    if name not in SAMPLES:
        raise ParamError("sample", name, f"must be one of {sorted(SAMPLES)}")
    return SAMPLES[name](), LABELS[name]
