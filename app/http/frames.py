"""Op results -> the frames of a trace stream: one header, step batches, one done.

Frames are plain dicts of numbers, lists and NumPy arrays; ``encode`` turns each
into one NDJSON line with orjson (arrays serialised natively, NaN/-inf as null).
Steps are produced batch by batch from the op's ``steps(start, stop)``, so a
trace of any length is never held in memory whole. See docs/TRACE_FORMAT.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import numpy as np
import orjson

from app.engine.conv2d import Conv2dTrace
from app.engine.dropout import DropoutTrace
from app.engine.geometry import same_padding
from app.engine.pool import PoolTrace
from app.engine.relu import ReluTrace
from app.export.torch_code import pytorch_call

FORMAT_VERSION = 1
Trace = Conv2dTrace | PoolTrace | ReluTrace | DropoutTrace
ORDER = {
    "conv2d": ["filter", "oy", "ox"],
    "max_pool2d": ["channel", "oy", "ox"],
    "avg_pool2d": ["channel", "oy", "ox"],
    "lp_pool2d": ["channel", "oy", "ox"],
    "relu": ["channel", "y", "x"],
    "dropout": ["channel", "y", "x"],
}
_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


PIECE_NUMBERS = 65_536  # numbers of one array encoded at a time by ``encode_pieces`` (~1 ms)
PIECE_BYTES = 65_536  # parts of a frame are joined into pieces of at least this many bytes


def encode(frame: dict[str, Any]) -> bytes:
    return orjson.dumps(frame, option=_OPTIONS) + b"\n"


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
            yield orjson.dumps(value, option=_OPTIONS)
    yield b"}\n"


def _array_pieces(values: np.ndarray, limit: int) -> Iterator[bytes]:
    """``orjson.dumps(values)`` in pieces of at most ``limit`` numbers (blocks of rows, or parts of a row)."""
    if values.ndim == 0 or values.size <= limit:
        yield orjson.dumps(values, option=_OPTIONS)
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
            inner = orjson.dumps(values[start : start + rows], option=_OPTIONS)[1:-1]  # "row,row,...": brackets off
            yield (b"," if start else b"") + inner
    yield b"]"


def op_name(trace: Trace) -> str:
    if isinstance(trace, Conv2dTrace):
        return "conv2d"
    if isinstance(trace, PoolTrace):
        return trace.op
    return "relu" if isinstance(trace, ReluTrace) else "dropout"


def numbers_per_step(trace: Trace) -> int:
    if isinstance(trace, Conv2dTrace):
        return 2 * int(np.prod(trace.weight.shape[1:])) + trace.weight.shape[1] + 12
    if isinstance(trace, PoolTrace):
        return int(np.prod(trace.kernel_size)) + 14
    return 6


def batch_size(trace: Trace, detail: str) -> int:
    """Steps per frame: about 32k numbers a frame in full detail, 8192 steps compact."""
    if detail == "compact":
        return 8192
    return max(1, min(2048, 32_768 // numbers_per_step(trace)))


def header(trace: Trace, detail: str) -> dict[str, Any]:
    op = op_name(trace)
    params = params_of(trace)
    frame: dict[str, Any] = {
        "type": "header",
        "version": FORMAT_VERSION,
        "op": op,
        "params": params,
        "input_shape": list(trace.input.shape),
        "output_shape": list(trace.output.shape),
        "input": trace.input,
        "output_range": _finite_range(trace.output),
        "steps": {"total": trace.total_steps, "detail": detail, "order": ORDER[op], "batch": batch_size(trace, detail)},
        "pytorch": pytorch_call(op, params, list(trace.input.shape), list(trace.output.shape)),
    }
    if isinstance(trace, (Conv2dTrace, PoolTrace)):
        frame.update(_windowed(trace))
    if isinstance(trace, Conv2dTrace):
        frame["weight"] = trace.weight
        frame["bias"] = trace.bias
        frame["filter_channels"] = trace.filter_channels
        unit_stride = trace.stride == (1, 1)  # PyTorch's padding='same' needs every stride to be 1
        frame["same_padding"] = {
            axis.name: same_padding(axis.kernel, axis.stride, axis.dilation) | {"pytorch": unit_stride}
            for axis in trace.axes
        }
    if isinstance(trace, PoolTrace):
        ratio = trace.output.size / trace.input.size
        frame["size_ratio"] = ratio  # output values per input value (above 1 with overlap and padding)
        frame["discarded_share"] = max(0.0, 1.0 - ratio)  # 0.75 for 2x2 windows with stride 2
    if isinstance(trace, DropoutTrace):
        frame["scale"] = trace.scale
    return frame


def _finite_range(values: np.ndarray) -> list[float] | None:
    finite = values[np.isfinite(values)]
    return [float(finite.min()), float(finite.max())] if finite.size else None


def params_of(trace: Trace) -> dict[str, Any]:
    """The op's parameters as the engine normalised them (pairs as [h, w])."""
    if isinstance(trace, Conv2dTrace):
        pads = trace.padded.pads
        padding: Any = trace.padding_arg if isinstance(trace.padding_arg, str) else [pads[0][0], pads[1][0]]
        return {
            "in_channels": int(trace.input.shape[0]),
            "out_channels": int(trace.weight.shape[0]),
            "kernel_size": list(trace.weight.shape[2:]),
            "stride": list(trace.stride),
            "padding": padding,
            "dilation": list(trace.dilation),
            "groups": trace.groups,
            "bias": trace.bias is not None,
            "padding_mode": trace.padding_mode,
        }
    if isinstance(trace, PoolTrace):
        params: dict[str, Any] = {"kernel_size": list(trace.kernel_size), "stride": list(trace.stride)}
        if trace.op != "lp_pool2d":
            params["padding"] = list(trace.padding)
        if trace.op == "max_pool2d":
            params["dilation"] = list(trace.dilation)
        params["ceil_mode"] = trace.ceil_mode
        if trace.op == "avg_pool2d":
            params["count_include_pad"] = trace.extras["count_include_pad"]
            params["divisor_override"] = trace.extras["divisor_override"]
        if trace.op == "lp_pool2d":
            params["norm_type"] = trace.extras["norm_type"]
        return params
    if isinstance(trace, DropoutTrace):
        return {"p": trace.p, "training": trace.training, "seed": trace.seed, "variant": trace.variant}
    return {}


def _windowed(trace: Conv2dTrace | PoolTrace) -> dict[str, Any]:
    padded = trace.padded
    return {
        "padded_shape": list(padded.values.shape),
        "padded": padded.values,
        "cells": padded.kinds,
        "source_rows": padded.source_rows,
        "source_cols": padded.source_cols,
        "padding": [list(padded.pads[0]), list(padded.pads[1])],
        "geometry": {axis.name: axis.describe() for axis in trace.axes},
    }


def step_frames(trace: Trace, detail: str) -> Iterator[dict[str, Any]]:
    size = batch_size(trace, detail)
    total = trace.total_steps
    flat = trace.output.reshape(-1)
    for start in range(0, total, size):
        stop = min(start + size, total)
        frame: dict[str, Any] = {"type": "steps", "start": start, "count": stop - start}
        if detail == "compact":  # step i is output cell unravel(i, output.shape), for every op
            frame["index"] = np.stack(np.unravel_index(np.arange(start, stop), trace.output.shape), axis=1)
            frame["value"] = flat[start:stop]
        else:
            for name, column in trace.steps(start, stop).items():
                frame[name] = np.ascontiguousarray(column)
        yield frame


def done(trace: Trace) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "done", "steps": trace.total_steps, "output": trace.output}
    if isinstance(trace, (ReluTrace, DropoutTrace)):
        frame["mask"] = trace.mask
        frame["zeroed" if isinstance(trace, ReluTrace) else "dropped"] = int((trace.mask == 0).sum())
    if isinstance(trace, DropoutTrace):
        frame["dropped_share"] = trace.dropped_share
    if isinstance(trace, PoolTrace) and trace.op == "max_pool2d":
        frame["indices"] = trace.extras["argmax"]
    return frame


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
