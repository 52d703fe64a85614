"""The worker's memory while it streams a long trace, read from /proc/<pid>/status.

    .venv/bin/python bench/memory.py [--encoding br] [--only relu]

Each case gets a fresh ``python -m uvicorn app.main:app`` process. It is warmed up
with small traces of the same op, then VmRSS is read; the long trace is streamed
(read at full speed, or throttled so that a server which buffered the whole
body would show it), and VmRSS and VmHWM (peak RSS) are read again. The same
trace is then streamed three more times after resetting the peak
(/proc/<pid>/clear_refs), to show whether memory keeps growing. ``--encoding br`` (or gzip) has
the server compress the streams (app/http/compression.py); the default is identity.
"Peak growth" = VmHWM after - VmRSS before. Figures only: nothing asserts a size.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _server  # noqa: E402

MB = 1024  # kB per MiB


@dataclass(frozen=True)
class Case:
    label: str
    path: str
    warm: str  # a small trace of the same op and detail, to load every code path first
    throttle: float = 0.0  # MB/s the client reads at; 0 = full speed


CONV_FULL = "/api/conv2d/trace?in_channels=3&height=224&width=224&out_channels=1&kernel_size=3&padding=1&detail=full"
CONV_COMPACT = (
    "/api/conv2d/trace?in_channels=3&height=224&width=224&out_channels=20&kernel_size=3&padding=1&detail=compact"
)
CASES = [
    Case(
        "conv 3x224x224, 1x3x3, full (50,176 steps)",
        CONV_FULL,
        "/api/conv2d/trace?in_channels=3&height=16&width=16&kernel_size=3&padding=1&detail=full",
    ),
    Case(
        "  same, client reading at 20 MB/s",
        CONV_FULL,
        "/api/conv2d/trace?in_channels=3&height=16&width=16&kernel_size=3&padding=1&detail=full",
        20.0,
    ),
    Case(
        "relu 2x160x160, full (51,200 steps)",
        "/api/relu/trace?in_channels=2&height=160&width=160&detail=full",
        "/api/relu/trace?in_channels=2&height=16&width=16&detail=full",
    ),
    Case(
        "conv 3x224x224, 20x3x3, compact (1,003,520 steps)",
        CONV_COMPACT,
        "/api/conv2d/trace?in_channels=3&height=16&width=16&out_channels=20&kernel_size=3&padding=1&detail=compact",
    ),
    Case(
        "relu 3x256x256, compact (196,608 steps)",
        "/api/relu/trace?in_channels=3&height=256&width=256&detail=compact",
        "/api/relu/trace?in_channels=3&height=16&width=16&detail=compact",
    ),
]


def consume(client: httpx.Client, path: str, throttle: float) -> int:
    size = 0
    start = time.perf_counter()
    with client.stream("GET", path) as resp:
        resp.raise_for_status()
        for chunk in resp.iter_raw(65536):
            size += len(chunk)
            if throttle:
                ahead = size / (throttle * 1e6) - (time.perf_counter() - start)
                if ahead > 0:
                    time.sleep(ahead)
    return size


def reset_peak(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as refs:
            refs.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


def run(case: Case, encoding: str) -> None:
    coding = {"Accept-Encoding": encoding}  # "MB sent" is then what crossed the wire, compressed or not
    with (
        _server.subprocess_server() as server,
        httpx.Client(base_url=server.base_url, timeout=300, headers=coding) as client,
    ):
        for _ in range(5):
            consume(client, case.warm, 0.0)
        client.get("/api/relu/shape")
        time.sleep(0.2)
        before = _server.memory_kb(server.pid)
        can_reset = reset_peak(server.pid)
        before = _server.memory_kb(server.pid) if can_reset else before
        size = consume(client, case.path, case.throttle)
        time.sleep(0.2)
        first = _server.memory_kb(server.pid)
        again = None
        if can_reset and reset_peak(server.pid):
            for _ in range(3):
                consume(client, case.path, case.throttle)
            time.sleep(0.2)
            again = _server.memory_kb(server.pid)
    peak = (first["VmHWM"] - before["VmRSS"]) / MB
    kept = (first["VmRSS"] - before["VmRSS"]) / MB
    line = (
        f"{case.label:52} {size / 1e6:7.1f} {before['VmRSS'] / MB:8.1f} {first['VmRSS'] / MB:8.1f} "
        f"{first['VmHWM'] / MB:8.1f} {peak:+8.1f} {kept:+8.1f}"
    )
    if again is not None:
        line += f" {again['VmRSS'] / MB:8.1f} {(again['VmHWM'] - before['VmRSS']) / MB:+9.1f}"
    print(line, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="run only cases whose label contains this text")
    parser.add_argument("--encoding", default="identity", help="Accept-Encoding sent: identity (default), gzip, br")
    args = parser.parse_args()
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(
        f"memory.py: a fresh uvicorn subprocess per case; MiB of the server process; Accept-Encoding {args.encoding}; "
        f"load average {load}"
    )
    print(f"{'':52} {'':>7} {'RSS':>8} {'RSS':>8} {'peak':>8} {'peak':>8} {'RSS':>8} {'RSS':>8} {'peak':>9}")
    columns = (
        f"{'case':52} {'MB sent':>7} {'before':>8} {'after':>8} {'(HWM)':>8} {'growth':>8} {'kept':>8} "
        f"{'after 3+':>8} {'growth 3+':>9}"
    )
    print(columns)
    print("-" * len(columns))
    for case in CASES:
        if not args.only or args.only in case.label:
            run(case, args.encoding)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
