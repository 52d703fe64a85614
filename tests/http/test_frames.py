"""app/http/frames.py's ``encode_pieces``: the pieces of a frame joined are exactly ``encode(frame)``, and
no piece holds more than the limit's worth of an array."""

from __future__ import annotations

import numpy as np
import pytest

from app.api import build
from app.config import get_settings
from app.engine.specs import OPS
from app.http import frames
from app.schemas.traces import QUERIES

BIG = {"in_channels": "3", "height": "40", "width": "40"}


def built(op: str, query: dict[str, str]) -> frames.Trace:
    return build.from_query(OPS[op], QUERIES[op].model_validate(query), get_settings())


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("limit", [1, 7, 100, frames.PIECE_NUMBERS])
@pytest.mark.parametrize("piece_bytes", [1, frames.PIECE_BYTES])
def test_the_done_frame_in_pieces_is_the_done_frame(
    op: str, limit: int, piece_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(frames, "PIECE_BYTES", piece_bytes)
    trace = built(op, BIG)
    done = frames.done(trace)
    pieces = list(frames.encode_pieces(done, limit))
    assert b"".join(pieces) == frames.encode(done)
    if limit == 100 and piece_bytes == 1:
        assert len(pieces) > 10
    if piece_bytes == frames.PIECE_BYTES and len(pieces[0]) < piece_bytes:
        assert len(pieces) == 1  # a small frame is one piece


def test_a_small_frame_is_one_piece() -> None:
    done = frames.done(built("conv2d", {"bias": "false"}))
    assert list(frames.encode_pieces(done)) == [frames.encode(done)]


def test_special_values_and_types_survive_the_split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frames, "PIECE_BYTES", 1)
    frame = {
        "type": "done",
        "output": np.array([[1.5, np.nan], [-np.inf, 0.1], [1e300, -0.0]]),
        "mask": np.array([[True, False], [False, True], [True, True]]),
        "indices": np.arange(7, dtype=np.int64),
        "empty": np.zeros((0, 3)),
        "scalar": np.float64(2.5),
        "nested": {"a": [1, 2]},
    }
    for limit in (1, 2, 3, 100):
        assert b"".join(frames.encode_pieces(frame, limit)) == frames.encode(frame)


def test_a_large_done_frame_is_cut_into_pieces_of_bounded_size() -> None:
    query = QUERIES["conv2d"].model_validate(
        {"in_channels": "1", "height": "128", "width": "128", "out_channels": "16"}
    )
    trace = build.from_query(OPS["conv2d"], query, get_settings())
    pieces = list(frames.encode_pieces(frames.done(trace), limit=20_000))
    # at most PIECE_BYTES of small parts, then one block of 20k numbers of at most 24 characters and a comma
    assert max(len(piece) for piece in pieces) < frames.PIECE_BYTES + 20_000 * 25
    assert len(pieces) >= 8  # 16 blocks of one filter map, some joined (each ~60 kB)


def test_minus_zero_is_written_as_zero_everywhere_in_a_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    """-0.0 (0 × -3 in IEEE arithmetic) never reaches a page as "-0": every number a frame carries,
    arrays, scalars and nested lists, is written 0.0; NaN, ±inf and the other numbers are unchanged."""
    monkeypatch.setattr(frames, "PIECE_BYTES", 1)
    frame = {
        "type": "steps",
        "products": np.array([[0.0 * -3.0, -2.0 * 0.0], [-1.5, np.nan]]),
        "ints": np.array([0, -1]),
        "scalar": np.float64(-0.0),
        "plain": -0.0,
        "nested": {"range": [-0.0, 2.0], "pair": (-0.0, -np.inf)},
    }
    assert np.signbit(frame["products"][0]).all()  # the arithmetic does give -0.0
    line = frames.encode(frame)
    assert b"-0" not in line
    assert line == (
        b'{"type":"steps","products":[[0.0,0.0],[-1.5,null]],"ints":[0,-1],"scalar":0.0,"plain":0.0,'
        b'"nested":{"range":[0.0,2.0],"pair":[0.0,null]}}\n'
    )
    for limit in (1, 3, 100):
        assert b"".join(frames.encode_pieces(frame, limit)) == line
    big = np.full((5, 7), -0.0)
    assert b"-0" not in b"".join(frames.encode_pieces({"output": big}, 4))
