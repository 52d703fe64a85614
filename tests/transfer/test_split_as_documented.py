"""docs/MODEL.md says how to reproduce the digits' split without ConvScope's code: follow it here
with NumPy alone and get app/transfer/digits.py's split, row for row."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from app.engine import streams
from app.transfer import digits

MODEL = Path(__file__).resolve().parents[2] / "docs" / "MODEL.md"


def test_the_documented_recipe_gives_the_split() -> None:
    text = MODEL.read_text()
    match = re.search(r"SeedSequence\(\[(\d+), (\d+)\]\)", text)
    assert match, "docs/MODEL.md names the generator's seed sequence"
    seed, stream = int(match[1]), int(match[2])
    assert (seed, stream) == (digits.SPLIT_SEED, streams.number(digits.SPLIT_STREAM))
    assert "stream `digits.split`" in text and "first `round(n / 4)`" in text
    _, labels = digits.load()
    words = np.random.PCG64(np.random.SeedSequence([seed, stream])).random_raw(labels.size)
    keys = (words >> np.uint64(11)).astype(np.float64) * 2.0**-53
    held_out, training = [], []
    for d in range(10):
        rows = sorted(np.flatnonzero(labels == d), key=lambda r: keys[r])  # sorted() is stable
        cut = round(len(rows) / 4)
        held_out += rows[:cut]
        training += rows[cut:]
    for part, rows in (("test", held_out), ("train", training)):
        for task in (digits.SOURCE_DIGITS, digits.TARGET_DIGITS):
            expected = sorted(r for r in rows if labels[r] in task)
            assert digits.split(part, task).index.tolist() == expected, (part, task)
    assert round(178 / 4) == 44  # the doc's example: a half rounds to even
