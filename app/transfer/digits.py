"""The handwritten digits that ship inside scikit-learn, split the way ConvScope's network uses them.

The data: 1,797 greyscale digits of 8x8 pixels, values 0 to 16, from the UCI "Optical
Recognition of Handwritten Digits" set (Alpaydin and Kaynak, 1998; CC BY 4.0), as
scikit-learn ships it in ``sklearn/datasets/data/digits.csv.gz`` (scikit-learn is BSD-3).
We read that file straight from the installed package, without importing scikit-learn
(which would pull in SciPy) and without any download.

The split is fixed: within each digit, a seeded shuffle puts a quarter of the images in
the held-out set and the rest in the training set. The network is trained on digits 0 to
4 (the source task); the transfer-learning lesson reuses it for digits 5 to 9 (the new
task), with a few training examples per digit.
"""

from __future__ import annotations

import gzip
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from app.engine.random import uniform

SOURCE_DIGITS = (0, 1, 2, 3, 4)
TARGET_DIGITS = (5, 6, 7, 8, 9)
HELD_OUT = 0.25
SPLIT_SEED = 0
SPLIT_STREAM = "digits.split"  # app.engine.streams: the split shuffle
CITATION = (
    "E. Alpaydin and C. Kaynak, Optical Recognition of Handwritten Digits, UCI Machine Learning Repository, 1998 "
    "(CC BY 4.0), as shipped in scikit-learn (BSD-3-Clause)"
)


@dataclass(frozen=True)
class Split:
    x: np.ndarray  # (N, 1, 8, 8) floats in [0, 1] (the 0..16 pixel values divided by 16)
    labels: np.ndarray  # (N,) the digit, 0..9
    index: np.ndarray  # (N,) the row in scikit-learn's file


def data_path() -> Path:
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("scikit-learn is not installed: it ships the digits (pip install scikit-learn)")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"


@lru_cache(maxsize=1)
def load() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 images (N, 8, 8) as 0..16 floats, and their labels."""
    with gzip.open(data_path(), "rt") as f:
        table = np.loadtxt(f, delimiter=",")
    return table[:, :64].reshape(-1, 8, 8), table[:, 64].astype(np.int64)


@lru_cache(maxsize=8)  # 5 splits are in use: train/test of each task, and the held-out digits 0-9
def split(part: str, digits: tuple[int, ...]) -> Split:
    """``part``: "train" or "test" (held out); only the images of ``digits``; labels stay the digits."""
    images, labels = load()
    keys = uniform(SPLIT_SEED, SPLIT_STREAM, (labels.size,))
    chosen = []
    for d in digits:
        rows = np.flatnonzero(labels == d)
        rows = rows[np.argsort(keys[rows], kind="stable")]
        cut = int(round(rows.size * HELD_OUT))
        chosen.append(rows[:cut] if part == "test" else rows[cut:])
    index = np.sort(np.concatenate(chosen))
    return Split(images[index][:, None] / 16.0, labels[index], index)
