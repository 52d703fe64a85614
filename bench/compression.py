"""Trace streams compressed and not, over loopback: bytes on the wire, time to the first *decoded*
frame, time to the last byte, and what the compressing costs the server.

    .venv/bin/python bench/compression.py               # server in its own process (as in production)
    .venv/bin/python bench/compression.py --thread      # server in a thread of this process
    .venv/bin/python bench/compression.py --repeat 2    # twice the repetitions
    .venv/bin/python bench/compression.py --only 64x64  # the cases whose label has this text

Each case is fetched with ``Accept-Encoding: identity``, ``gzip`` and ``br`` in turn (httpx, streaming,
one keep-alive connection). The client decodes each chunk as it arrives (zlib / brotli, incrementally)
and notes when the first complete line, the header frame, can be read: a compressor that held the
stream back would show here as a first frame as late as the last byte. "server CPU" is the CPU time
the server process spent per request (from /proc, with ``--thread`` not measured). Figures only:
nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import zlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import brotli
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _server  # noqa: E402

CASES = [  # label, path, repetitions at --repeat 1
    (
        "conv 3x64x64, 4x3x3, full (5.5 MB)",
        "/api/conv2d/trace?in_channels=3&height=64&width=64&out_channels=4&detail=full",
        10,
    ),
    (
        "conv 3x32x32, 6x5x5, pad 2, full",
        "/api/conv2d/trace?in_channels=3&height=32&width=32&out_channels=6&kernel_size=5&padding=2&detail=full",
        20,
    ),
    ("conv 7x7 lesson default", "/api/conv2d/trace", 30),
    ("relu 3x256x256, compact", "/api/relu/trace?in_channels=3&height=256&width=256&detail=compact", 10),
    (
        "conv 3x224x224, 20x3x3, pad 1, compact",
        "/api/conv2d/trace?in_channels=3&height=224&width=224&out_channels=20&kernel_size=3&padding=1&detail=compact",
        5,
    ),
]
ENCODINGS = ("identity", "gzip", "br")


def decoder(encoding: str) -> Callable[[bytes], bytes]:
    if encoding == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress
    if encoding == "br":
        return brotli.Decompressor().process
    return lambda data: data


@dataclass
class Run:
    first: float  # s to the first decoded frame
    total: float  # s to the last byte
    wire: int  # bytes received
    size: int  # bytes decoded
    server_cpu: float  # s


def cpu_of(pid: int) -> float:
    if pid == os.getpid():
        return 0.0
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fetch(client: httpx.Client, path: str, encoding: str, pid: int) -> Run:
    decode, text, wire, first = decoder(encoding), b"", 0, 0.0
    cpu = cpu_of(pid)
    start = time.perf_counter()
    with client.stream("GET", path, headers={"Accept-Encoding": encoding}) as resp:
        if resp.status_code != 200 or resp.headers.get("content-encoding", "identity") != encoding:
            raise RuntimeError(f"{path}: HTTP {resp.status_code}, {resp.headers.get('content-encoding')}")
        size = 0
        for chunk in resp.iter_raw():
            wire += len(chunk)
            piece = decode(chunk)
            size += len(piece)
            if not first:
                text += piece
                if b"\n" in text:
                    first = time.perf_counter() - start
        total = time.perf_counter() - start
    return Run(first, total, wire, size, cpu_of(pid) - cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--thread", action="store_true", help="run uvicorn in a thread of this process")
    parser.add_argument("--repeat", type=float, default=1.0, help="scale the repetitions (default 1.0)")
    parser.add_argument("--only", default="", help="run only cases whose label contains this text")
    args = parser.parse_args()
    server: AbstractContextManager[_server.Running] = (
        _server.in_thread() if args.thread else _server.subprocess_server()
    )
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"compression.py: times in ms (median over n runs); load average {load}")
    columns = (
        f"{'case':40} {'coding':>8} {'n':>3} {'MB sent':>8} {'ratio':>6} {'1st frame':>9} {'total':>8} "
        f"{'server CPU':>10}"
    )
    print(columns)
    print("-" * len(columns))
    with server as running, httpx.Client(base_url=running.base_url, timeout=120) as client:
        for label, path, repeat in CASES:
            if args.only not in label:
                continue
            plain = 0
            for encoding in ENCODINGS:
                fetch(client, path, encoding, running.pid)  # warm up
                runs = [fetch(client, path, encoding, running.pid) for _ in range(max(3, round(repeat * args.repeat)))]
                wire = runs[0].wire
                plain = plain or wire
                print(
                    f"{label:40} {encoding:>8} {len(runs):>3} {wire / 1e6:>8.3f} {plain / wire:>6.1f} "
                    f"{statistics.median(r.first for r in runs) * 1e3:>9.2f} "
                    f"{statistics.median(r.total for r in runs) * 1e3:>8.1f} "
                    f"{statistics.median(r.server_cpu for r in runs) * 1e3:>10.0f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
