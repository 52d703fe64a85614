"""Op results -> the frames of a trace stream: one header, step batches, one done.

Frames are plain dicts of numbers, lists and NumPy arrays; ``encode`` turns each
into one NDJSON line with orjson (arrays serialised natively, NaN/-inf as null), every -0.0
written 0.0 (``unsigned_zeros``): a product 0 × (-3) is -0.0 in IEEE arithmetic, and no page,
picture or tooltip should show a learner "-0".
Steps are produced batch by batch from the op's ``steps(start, stop)``, so a
trace of any length is never held in memory whole. See docs/TRACE_FORMAT.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import numpy as np
import orjson

from app.engine.specs import OPS
from app.engine.trace import Trace, compact_steps
from app.export.torch_code import pytorch_call

FORMAT_VERSION = 1
_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


PIECE_NUMBERS = 65_536  # numbers of one array encoded at a time by ``encode_pieces`` (~1 ms)
PIECE_BYTES = 65_536  # parts of a frame are joined into pieces of at least this many bytes


def unsigned_zeros(value: Any) -> Any:
    """``value`` with every -0.0 in it made 0.0 (adding 0.0 does that and changes nothing else: NaN and
    ±inf stay). The one place a trace's numbers lose the sign of a zero, so no front end has to know."""
    if isinstance(value, np.ndarray):
        return value + 0.0 if value.dtype.kind in "fc" else value
    if isinstance(value, (float, np.floating)):
        return value + 0.0
    if isinstance(value, dict):
        return {key: unsigned_zeros(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [unsigned_zeros(item) for item in value]
    return value


def _dumps(value: Any) -> bytes:
    return orjson.dumps(unsigned_zeros(value), option=_OPTIONS)


def encode(frame: dict[str, Any]) -> bytes:
    return _dumps(frame) + b"\n"


def encode_pieces(frame: dict[str, Any], limit: int = PIECE_NUMBERS) -> Iterator[bytes]:
    """``encode(frame)`` in pieces: an array of more than ``limit`` numbers is encoded at most
    ``limit`` numbers at a time, and parts are joined into pieces of at least PIECE_BYTES.
    The pieces joined are exactly ``encode(frame)``; a stream can give the event loop a turn
    between them (the done frame of a 2M-step trace holds 2M output values). A frame whose
    arrays are all within ``limit`` is one piece."""
    pending: list[bytes] = []
    size = 0
    for part in _parts(frame, limit):
        pending.append(part)
        size += len(part)
        if size >= PIECE_BYTES:
            yield b"".join(pending)
            pending, size = [], 0
    if pending:
        yield b"".join(pending)


def _parts(frame: dict[str, Any], limit: int) -> Iterator[bytes]:
    yield b"{"
    for i, (key, value) in enumerate(frame.items()):
        yield (b"," if i else b"") + orjson.dumps(key) + b":"
        if isinstance(value, np.ndarray):
            yield from _array_pieces(value, limit)
        else:
            yield _dumps(value)
    yield b"}\n"


def _array_pieces(values: np.ndarray, limit: int) -> Iterator[bytes]:
    """``orjson.dumps(values)`` in pieces of at most ``limit`` numbers (blocks of rows, or parts of a row)."""
    if values.ndim == 0 or values.size <= limit:
        yield _dumps(values)
        return
    row = values[0].size
    yield b"["
    if row > limit:
        for i in range(len(values)):
            if i:
                yield b","
            yield from _array_pieces(values[i], limit)
    else:
        rows = limit // row
        for start in range(0, len(values), rows):
            inner = _dumps(values[start : start + rows])[1:-1]  # "row,row,...": brackets off
            yield (b"," if start else b"") + inner
    yield b"]"


def batch_size(trace: Trace, detail: str) -> int:
    """Steps per frame: about 32k numbers a frame in full detail, 8192 steps compact."""
    if detail == "compact":
        return 8192
    return max(1, min(2048, 32_768 // trace.numbers_per_step()))


def header(trace: Trace, detail: str) -> dict[str, Any]:
    params = trace.params()
    frame: dict[str, Any] = {
        "type": "header",
        "version": FORMAT_VERSION,
        "op": trace.op,
        "params": params,
        "input_shape": list(trace.input.shape),
        "output_shape": list(trace.output.shape),
        "input": trace.input,
        "output_range": _finite_range(trace.output),
        "steps": {
            "total": trace.total_steps,
            "detail": detail,
            "order": list(trace.order),
            "batch": batch_size(trace, detail),
        },
        "pytorch": pytorch_call(OPS[trace.op], params, list(trace.input.shape), list(trace.output.shape)),
    }
    frame.update(trace.header_extras())
    return frame


def _finite_range(values: np.ndarray) -> list[float] | None:
    finite = values[np.isfinite(values)]
    return [float(finite.min()), float(finite.max())] if finite.size else None


def step_frames(trace: Trace, detail: str) -> Iterator[dict[str, Any]]:
    size = batch_size(trace, detail)
    total = trace.total_steps
    for start in range(0, total, size):
        stop = min(start + size, total)
        frame: dict[str, Any] = {"type": "steps", "start": start, "count": stop - start}
        if detail == "compact":  # step i is output cell unravel(i, output.shape), unless the op says otherwise
            frame.update(compact_steps(trace, start, stop))
        else:
            for name, column in trace.steps(start, stop).items():
                frame[name] = np.ascontiguousarray(column)
        yield frame


def done(trace: Trace) -> dict[str, Any]:
    return {"type": "done", "steps": trace.total_steps, "output": trace.output, **trace.done_extras()}


async def stream(first: bytes, trace: Trace, detail: str) -> AsyncIterator[bytes]:
    """The already-encoded header, then each step batch, then done (in pieces: its arrays can
    hold millions of values). Between chunks the event loop gets a turn, so one long trace
    cannot stall other clients."""
    yield first
    for frame in step_frames(trace, detail):
        yield encode(frame)
        await asyncio.sleep(0)
    for piece in encode_pieces(done(trace)):
        yield piece
        await asyncio.sleep(0)
