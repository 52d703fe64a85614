"""The small CNN ConvScope trained (scripts/train_digits.py), loaded from app/transfer/digits_cnn.json."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from app.transfer import tinycnn

PATH = Path(__file__).resolve().parent / "digits_cnn.json"


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    return orjson.loads(PATH.read_bytes())


def weights() -> tinycnn.Params:
    """A fresh copy of the trained weights (callers may change theirs)."""
    return {k: np.array(v, dtype=np.float64) for k, v in _document()["weights"].items()}


def metadata() -> dict[str, Any]:
    """Everything the file records but the weights: data, split, training settings, held-out accuracy."""
    return {k: v for k, v in _document().items() if k != "weights"}
