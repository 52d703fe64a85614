"""Where the time goes inside one trace, without HTTP: the conv2d arithmetic, building
the trace, generating the steps, encoding them with orjson.

    .venv/bin/python bench/conv_compute.py
    .venv/bin/python bench/conv_compute.py --runs 50

1. ``app.engine.conv2d.conv2d`` on three shapes (median and p95 of --runs runs, ms).
2. The 224x224x3 / 64-filter case taken apart: pad, im2col copy, GEMM, bias.
3. Per trace: request -> trace (``build``), header frame, step generation
   (``app.http.frames.step_frames``, batch by batch, as the stream does), orjson
   encoding of those frames, done frame.
Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.api import build  # noqa: E402
from app.config import get_settings  # noqa: E402
from app.engine import conv2d as conv_module  # noqa: E402
from app.engine.pad import pad  # noqa: E402
from app.engine.specs import OPS  # noqa: E402
from app.http import frames as frames  # noqa: E402
from app.schemas.traces import QUERIES  # noqa: E402

RUNS = 20


def timed(fn: Callable[..., Any], *args: Any, runs: int | None = None) -> tuple[float, float]:
    """(median, p95) in ms of ``fn(*args)`` after one warm-up call."""
    fn(*args)
    samples = []
    for _ in range(runs or RUNS):
        start = time.perf_counter()
        fn(*args)
        samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples) * 1e3, samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))] * 1e3


def conv_cases() -> None:
    rng = np.random.default_rng(0)
    cases = [
        ("3x224x224, 64 filters 3x3, padding 1", (3, 224, 224), (64, 3, 3, 3), 1, 1),
        ("3x32x32, 6 filters 5x5, padding 2", (3, 32, 32), (6, 3, 5, 5), 2, 1),
        ("64x56x56 depthwise (groups=64) 3x3, padding 1", (64, 56, 56), (64, 1, 3, 3), 1, 64),
        ("64x56x56, 64 filters 3x3, padding 1", (64, 56, 56), (64, 64, 3, 3), 1, 1),
    ]
    print(f"1. app.engine.conv2d.conv2d, {RUNS} runs")
    print(f"   {'case':48} {'median ms':>10} {'p95 ms':>8} {'MMACs':>8} {'GMAC/s':>7}")
    for label, xs, ws, padding, groups in cases:
        x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
        med, p95 = timed(conv_module.conv2d, x, w, b, 1, padding, 1, groups)
        macs = w.size * conv_module.conv2d(x, w, b, 1, padding, 1, groups).output[0].size
        print(f"   {label:48} {med:>10.2f} {p95:>8.2f} {macs / 1e6:>8.1f} {macs / med / 1e6:>7.1f}")


def conv_breakdown() -> None:
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((3, 224, 224)), rng.standard_normal((64, 3, 3, 3)), rng.standard_normal(64)
    trace = conv_module.conv2d(x, w, b, 1, 1)
    win = trace.windows()
    cols = np.ascontiguousarray(win.transpose(0, 3, 4, 1, 2)).reshape(27, -1)
    w2 = w.reshape(64, 27)
    out = w2 @ cols
    w32, cols32 = w2.astype(np.float32), cols.astype(np.float32)
    print("\n2. 3x224x224 / 64x3x3x3 taken apart (median ms)")
    pieces = [
        ("whole conv2d (checks, pad, _compute, trace)", lambda: conv_module.conv2d(x, w, b, 1, 1)),
        ("pad (zeros, 1)", lambda: pad(x, ((1, 1), (1, 1)), "zeros")),
        ("_compute (im2col + matmul into the output + bias)", lambda: conv_module._compute(win, w, b, 1)),
        ("  im2col copy of the window view, 27 x 50176", lambda: np.ascontiguousarray(win.transpose(0, 3, 4, 1, 2))),
        ("  GEMM (64x27) @ (27x50176), float64", lambda: w2 @ cols),
        ("  bias add into a new array", lambda: out + b[:, None]),
        ("  bias add in place", lambda: np.add(out, b[:, None], out=out)),
        ("  write a new 64x50176 float64 array (25.7 MB)", lambda: np.full(out.shape, 1.0)),
        ("  same GEMM in float32 (reference only)", lambda: w32 @ cols32),
    ]
    for label, fn in pieces:
        print(f"   {label:52} {timed(fn)[0]:>8.2f}")


CONV_32 = {"in_channels": 3, "height": 32, "width": 32, "out_channels": 6, "kernel_size": "5", "padding": "2"}
CONV_224 = {"in_channels": 3, "height": 224, "width": 224, "kernel_size": "3", "padding": "1"}
TRACES: list[tuple[str, Callable[..., Any], type[Any], dict[str, Any], str]] = [
    ("conv 3x32x32 6x5x5 pad 2", partial(build.from_query, OPS["conv2d"]), QUERIES["conv2d"], CONV_32, "full"),
    ("conv 3x32x32 6x5x5 pad 2", partial(build.from_query, OPS["conv2d"]), QUERIES["conv2d"], CONV_32, "compact"),
    ("conv 7x7 lesson default", partial(build.from_query, OPS["conv2d"]), QUERIES["conv2d"], {}, "full"),
    (
        "conv 3x224x224 1x3x3 pad 1",
        partial(build.from_query, OPS["conv2d"]),
        QUERIES["conv2d"],
        CONV_224 | {"out_channels": 1},
        "full",
    ),
    (
        "conv 3x224x224 20x3x3 pad 1",
        partial(build.from_query, OPS["conv2d"]),
        QUERIES["conv2d"],
        CONV_224 | {"out_channels": 20},
        "compact",
    ),
    (
        "relu 2x160x160",
        partial(build.from_query, OPS["relu"]),
        QUERIES["relu"],
        {"in_channels": 2, "height": 160, "width": 160},
        "full",
    ),
    (
        "relu 3x256x256",
        partial(build.from_query, OPS["relu"]),
        QUERIES["relu"],
        {"in_channels": 3, "height": 256, "width": 256},
        "compact",
    ),
    (
        "max_pool 3x256x256 k2",
        partial(build.from_query, OPS["max_pool2d"]),
        QUERIES["max_pool2d"],
        {"in_channels": 3, "height": 256, "width": 256},
        "full",
    ),
]


def encode_header(trace: Any, detail: str) -> bytes:
    return frames.encode(frames.header(trace, detail))


def generate_steps(trace: Any, detail: str) -> list[dict[str, Any]]:
    return list(frames.step_frames(trace, detail))


def encode_all(source: Any, *args: Any) -> list[bytes]:
    """Encode a list of frames, or the frames a generator function makes from ``args``."""
    return [frames.encode(f) for f in (source(*args) if args else source)]


def encode_done(trace: Any) -> bytes:
    return frames.encode(frames.done(trace))


def trace_pieces(runs: int) -> None:
    cfg = get_settings()
    print(f"\n3. One trace, no HTTP (median ms of {runs} runs; us/step = (steps + encode) per step)")
    print(
        f"   {'trace':30} {'detail':7} {'steps':>9} {'build':>7} {'header':>7} {'steps':>8} {'encode':>8} "
        f"{'done':>7} {'sum':>8} {'us/step':>7} {'MB':>6}"
    )
    for label, from_query, model, params, detail in TRACES:
        query = model(**params, detail=detail)
        trace = from_query(query, cfg)
        batch = list(frames.step_frames(trace, detail))
        size = sum(len(frames.encode(f)) for f in batch)
        size += len(frames.encode(frames.header(trace, detail))) + len(frames.encode(frames.done(trace)))
        t_build = timed(from_query, query, cfg, runs=runs)[0]
        t_head = timed(encode_header, trace, detail, runs=runs)[0]
        t_steps = timed(generate_steps, trace, detail, runs=runs)[0]
        t_enc = timed(encode_all, batch, runs=runs)[0]
        t_done = timed(encode_done, trace, runs=runs)[0]
        total = t_build + t_head + t_steps + t_enc + t_done
        per_step = (t_steps + t_enc) * 1e3 / trace.total_steps
        print(
            f"   {label:30} {detail:7} {trace.total_steps:>9,} {t_build:>7.2f} {t_head:>7.2f} {t_steps:>8.2f} "
            f"{t_enc:>8.2f} {t_done:>7.2f} {total:>8.2f} {per_step:>7.2f} {size / 1e6:>6.2f}"
        )


def main() -> int:
    global RUNS
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    RUNS = args.runs
    print(f"conv_compute.py: load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    conv_cases()
    conv_breakdown()
    trace_pieces(max(5, RUNS // 2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
