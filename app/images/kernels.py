"""Kernel presets for the image page: the exact 3x3 values and what each one detects.

Applied as cross-correlation (no flip), as conv2d in PyTorch: Sobel x is positive
where brightness increases from left to right.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.engine.errors import ParamError


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    values: tuple[tuple[float, ...], ...]
    detects: str

    @property
    def weight(self) -> np.ndarray:
        return np.array(self.values, dtype=np.float64)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("identity", "Identity", ((0, 0, 0), (0, 1, 0), (0, 0, 0)), "Nothing: the output is the input."),
        Preset(
            "box_blur",
            "Box blur",
            ((1 / 9, 1 / 9, 1 / 9),) * 3,
            "Smooths: each output is the average of the 3x3 neighbourhood.",
        ),
        Preset(
            "gaussian_blur",
            "Gaussian blur",
            ((1 / 16, 2 / 16, 1 / 16), (2 / 16, 4 / 16, 2 / 16), (1 / 16, 2 / 16, 1 / 16)),
            "Smooths, weighting the centre most: a softer blur with fewer blocky artefacts.",
        ),
        Preset(
            "sharpen",
            "Sharpen",
            ((0, -1, 0), (-1, 5, -1), (0, -1, 0)),
            "Exaggerates the difference between a pixel and its neighbours: edges look crisper.",
        ),
        Preset(
            "sobel_x",
            "Sobel x",
            ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1)),
            "Vertical edges: positive where it gets brighter to the right, negative where darker.",
        ),
        Preset(
            "sobel_y",
            "Sobel y",
            ((-1, -2, -1), (0, 0, 0), (1, 2, 1)),
            "Horizontal edges: positive where it gets brighter downwards, negative where darker.",
        ),
        Preset(
            "laplacian",
            "Laplacian",
            ((0, 1, 0), (1, -4, 1), (0, 1, 0)),
            "Edges in every direction (the second derivative): zero on flat areas and even slopes.",
        ),
        Preset(
            "emboss",
            "Emboss",
            ((-2, -1, 0), (-1, 1, 1), (0, 1, 2)),
            "Diagonal relief: edges facing down-right light up, up-left ones go dark.",
        ),
        Preset(
            "outline",
            "Outline",
            ((-1, -1, -1), (-1, 8, -1), (-1, -1, -1)),
            "Outlines: large wherever a pixel differs from all 8 neighbours, zero on flat areas.",
        ),
    )
}


def preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ParamError("kernel", name, f"must be one of {list(PRESETS)}")
    return PRESETS[name]
