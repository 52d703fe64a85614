"""End-to-end NDJSON trace streams over loopback: total time, first byte, bytes, steps/s.

    .venv/bin/python bench/stream.py               # server in a thread of this process
    .venv/bin/python bench/stream.py --subprocess  # server in its own process (own GIL)
    .venv/bin/python bench/stream.py --repeat 2   # twice the repetitions

The client is httpx (streaming, one keep-alive connection, raw bytes, no JSON
parsing). "client CPU" is the CPU time the client thread spent (httpx/h11 reading the
chunked body). "headers" is the time from sending the request to the response's
status line and headers; "first frame" to the first body chunk (the header
frame); "total" to the last byte. Each case is warmed up, then repeated;
median and p95 are printed. Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _server  # noqa: E402

DONE = b'{"type":"done"'
CONV_32 = "in_channels=3&height=32&width=32&out_channels=6&kernel_size=5&padding=2"
UP_16 = "in_channels=3&height=16&width=16&out_channels=6&kernel_size=3&stride=2&detail=full"  # issue 12's target


@dataclass(frozen=True)
class Case:
    label: str
    path: str
    repeat: int  # repetitions at --repeat 1.0 scale
    warmup: int = 3


CASES = [
    Case("conv 3x32x32, 6x5x5, pad 2, full", f"/api/conv2d/trace?{CONV_32}&detail=full", 30),
    Case("conv 3x32x32, 6x5x5, pad 2, compact", f"/api/conv2d/trace?{CONV_32}&detail=compact", 30),
    Case("conv 7x7 lesson default (auto)", "/api/conv2d/trace", 50),
    Case("conv 7x7 lesson default, full", "/api/conv2d/trace?detail=full", 50),
    Case("relu 2x160x160, full", "/api/relu/trace?in_channels=2&height=160&width=160&detail=full", 10),
    Case("max_pool 3x256x256 k2, full", "/api/max_pool2d/trace?in_channels=3&height=256&width=256&detail=full", 10),
    Case(
        "conv 3x224x224, 1x3x3, pad 1, full",
        "/api/conv2d/trace?in_channels=3&height=224&width=224&out_channels=1&kernel_size=3&padding=1&detail=full",
        10,
    ),
    Case("relu 3x256x256, compact", "/api/relu/trace?in_channels=3&height=256&width=256&detail=compact", 10),
    Case("transpose 3x16x16 to 6x3x3 s2, scatter", f"/api/conv_transpose2d/trace?{UP_16}", 30),
    Case("transpose 3x16x16 to 6x3x3 s2, gather", f"/api/conv_transpose2d/trace?{UP_16}&view=gather", 30),
    Case("backward 3x16x16, 6x3x3 s2, grad_input", f"/api/conv2d_backward/trace?{UP_16}", 30),
    Case("backward 3x16x16, 6x3x3 s2, grad_weight", f"/api/conv2d_backward/trace?{UP_16}&gradient=grad_weight", 30),
    Case(
        "conv 3x224x224, 20x3x3, pad 1, compact",
        "/api/conv2d/trace?in_channels=3&height=224&width=224&out_channels=20&kernel_size=3&padding=1&detail=compact",
        5,
        1,
    ),
]


@dataclass
class Run:
    headers: float
    first_frame: float
    total: float
    client_cpu: float
    size: int
    steps: int


def fetch(client: httpx.Client, path: str) -> Run:
    start = time.perf_counter()
    cpu = time.thread_time()
    with client.stream("GET", path) as resp:
        headers = time.perf_counter() - start
        if resp.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {resp.status_code}: {resp.read()[:300]!r}")
        first_frame = 0.0
        size = 0
        head = b""
        edge = b""
        done_seen = False
        for chunk in resp.iter_raw():
            if not size:
                first_frame = time.perf_counter() - start
            size += len(chunk)
            if b"\n" not in head:
                head += chunk
            done_seen = done_seen or DONE in edge + chunk
            edge = chunk[-32:]
        total = time.perf_counter() - start
        cpu = time.thread_time() - cpu
    header = orjson.loads(head.split(b"\n", 1)[0])
    if header.get("type") != "header" or not done_seen or not edge.endswith(b"\n"):
        raise RuntimeError(f"{path}: not a complete trace stream (header ... done)")
    return Run(headers, first_frame, total, cpu, size, int(header["steps"]["total"]))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(client: httpx.Client, case: Case, scale: float) -> dict[str, float]:
    for _ in range(case.warmup):
        fetch(client, case.path)
    runs = [fetch(client, case.path) for _ in range(max(3, round(case.repeat * scale)))]
    totals = [r.total for r in runs]
    med = statistics.median(totals)
    return {
        "n": len(runs),
        "steps": runs[0].steps,
        "mb": runs[0].size / 1e6,
        "total_med": med * 1e3,
        "total_p95": p95(totals) * 1e3,
        "head_med": statistics.median(r.headers for r in runs) * 1e3,
        "first_med": statistics.median(r.first_frame for r in runs) * 1e3,
        "first_p95": p95([r.first_frame for r in runs]) * 1e3,
        "client_cpu": statistics.median(r.client_cpu for r in runs) * 1e3,
        "steps_s": runs[0].steps / med,
        "mb_s": runs[0].size / 1e6 / med,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subprocess", action="store_true", help="run uvicorn in its own process")
    parser.add_argument("--repeat", type=float, default=1.0, help="scale the repetitions (default 1.0)")
    parser.add_argument("--only", default="", help="run only cases whose label contains this text")
    args = parser.parse_args()
    server: AbstractContextManager[_server.Running] = (
        _server.subprocess_server() if args.subprocess else _server.in_thread()
    )
    where = "uvicorn subprocess" if args.subprocess else "uvicorn thread in the client's process"
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"stream.py: {where}; times in ms (median / p95 over n runs); load average {load}")
    columns = (
        f"{'case':40} {'n':>3} {'steps':>9} {'MB':>7} {'total':>8} {'p95':>8} {'headers':>8} "
        f"{'1st frame':>9} {'p95':>7} {'steps/s':>11} {'MB/s':>6} {'client CPU':>10}"
    )
    print(columns)
    print("-" * len(columns))
    # identity: the bytes as the engine makes them (bench/compression.py measures the compressed streams)
    identity = {"Accept-Encoding": "identity"}
    with server as running, httpx.Client(base_url=running.base_url, timeout=120, headers=identity) as client:
        for case in CASES:
            if args.only and args.only not in case.label:
                continue
            r = measure(client, case, args.repeat)
            print(
                f"{case.label:40} {r['n']:>3} {r['steps']:>9,} {r['mb']:>7.2f} {r['total_med']:>8.1f} "
                f"{r['total_p95']:>8.1f} {r['head_med']:>8.2f} {r['first_med']:>9.2f} {r['first_p95']:>7.2f} "
                f"{r['steps_s']:>11,.0f} {r['mb_s']:>6.0f} {r['client_cpu']:>10.1f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
