"""The random streams: one table numbers them, no two users share one, and the old numbers stay."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pydantic
import pytest

from app.config import Settings
from app.engine import random as rnd
from app.engine import streams
from app.lessons import exercises

APP = Path(__file__).resolve().parents[2] / "app"


def every_stream() -> list[tuple[str, int | None, int]]:
    """(name, index, number) for every name and every index up to its cap."""
    found = []
    for name in streams.NAMES:
        for i in streams.indices(name):
            index = i if streams.indexed(name) else None
            found.append((name, index, streams.number(name, index)))
    return found


def test_no_two_users_share_a_stream() -> None:
    found = every_stream()
    owners: dict[int, tuple[str, int | None]] = {}
    for name, index, n in found:
        assert n not in owners, f"{name}[{index}] and {owners[n]} both draw from stream {n}"
        owners[n] = (name, index)
    assert len(owners) == len(found) == sum(block.count for block in streams.BLOCKS)


def test_the_stack_has_a_stream_for_every_layer_settings_allow() -> None:
    assert len(streams.indices("stack.weight")) == len(streams.indices("stack.bias")) == streams.LAYERS
    assert Settings().max_layers <= streams.LAYERS
    assert Settings(max_layers=streams.LAYERS).max_layers == streams.LAYERS
    with pytest.raises(pydantic.ValidationError, match="max_layers"):
        Settings(max_layers=streams.LAYERS + 1)


def test_stack_layers_no_longer_draw_the_augmentations_or_exercises_streams() -> None:
    """The bug this table fixed: layers 25 and 26 drew crop, jitter, translate and rotate's numbers."""
    shared = {streams.number(f"augment.{op}") for op in ("crop", "jitter", "translate", "rotate")}
    shared |= {streams.number("exercise", i) for i in streams.indices("exercise")}
    layers = {streams.number(kind, i) for kind in ("stack.weight", "stack.bias") for i in range(streams.LAYERS)}
    assert not shared & layers
    crop = rnd.uniform(3, "augment.crop", (2,))
    assert not np.array_equal(rnd.uniform(3, "stack.weight", (2,), index=25), crop)


def test_every_exercise_kind_fits_its_streams() -> None:
    extra = len(exercises._EXTRA_STREAMS)
    for kind, spec in exercises.KINDS.items():
        assert len(spec.params) + extra <= streams.EXERCISE_STREAMS, kind


def test_the_numbers_users_had_before_the_table_are_kept() -> None:
    """Goldens: seeded values depend on these. Only stack layers 25, 26 and 50+ moved (+ MOVED)."""
    assert [streams.number(n) for n in ("input", "weight", "bias", "mask")] == [0, 1, 2, 3]
    for i in (*range(25), *range(27, 50)):
        assert (streams.number("stack.weight", i), streams.number("stack.bias", i)) == (100 + 2 * i, 101 + 2 * i)
    for i in (25, 26, 50, 63, streams.LAYERS - 1):
        assert streams.number("stack.weight", i) == 100 + 2 * i + streams.MOVED == 2000 + 2 * i
        assert streams.number("stack.bias", i) == 2001 + 2 * i
    assert [streams.number(f"augment.{op}") for op in ("crop", "jitter", "translate", "rotate")] == [150, 151, 152, 153]
    assert [streams.number("exercise", i) for i in (0, 10, 31)] == [200, 210, 231]
    assert streams.number("digits.split") == 1000
    assert [streams.number(f"transfer.{n}") for n in ("examples", "head", "scratch")] == [1001, 1002, 1003]


def test_a_stream_is_asked_for_by_its_name_and_index() -> None:
    with pytest.raises(KeyError, match="no random stream named 'stack'"):
        streams.number("stack", 0)
    with pytest.raises(TypeError, match="stream 'stack.weight' needs index"):
        streams.number("stack.weight")
    with pytest.raises(TypeError, match="stream 'mask' takes no index"):
        streams.number("mask", 0)
    with pytest.raises(IndexError, match=f"stream 'stack.bias' has indices 0 to {streams.LAYERS - 1}; got -1"):
        streams.number("stack.bias", -1)
    with pytest.raises(IndexError, match=f"has indices 0 to {streams.LAYERS - 1}; got {streams.LAYERS}"):
        rnd.integers(0, "stack.weight", (1,), -1, 1, index=streams.LAYERS)


def test_the_table_refuses_a_shared_number_or_a_gap() -> None:
    with pytest.raises(AssertionError, match="random stream 151 belongs to both a and b"):
        streams._check((streams.Block("a", 150, 2), streams.Block("b", 151)))
    with pytest.raises(AssertionError, match="must cover its indices once, in order"):
        streams._check((streams.Block("a", 0, 2), streams.Block("a", 10, 2, offset=3)))


def test_only_the_random_module_seeds_a_generator() -> None:
    """No user can pick a number by hand: SeedSequence and PCG64 appear in app/engine/random.py alone."""
    users = [
        path.relative_to(APP).as_posix()
        for path in APP.rglob("*.py")
        if re.search(r"SeedSequence\(|PCG64\(|default_rng\(|np\.random\.\w+\(", path.read_text(encoding="utf-8"))
    ]
    assert users == ["engine/random.py"]
