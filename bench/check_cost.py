"""What a player load costs: GET /api/{op}/check next to the GET /api/{op}/trace it vouches for.

    .venv/bin/python bench/check_cost.py            # the largest traces the caps allow, per op
    .venv/bin/python bench/check_cost.py --runs 3

/check runs the op's plan (its checks and geometry, no windows, no output) and answers 200;
/trace computes the op and streams every step. For each case: the median wall time of each
over a real uvicorn on loopback (the whole body read), and /check as a share of /trace.
Figures only, for docs/PERFORMANCE.md: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import in_thread  # noqa: E402

# The largest traces the default caps allow (compact: 2,000,000 steps at most), and the lesson default.
CASES = {
    "conv2d 3x256x256, 30 filters 3x3, pad 1 (1,966,080 steps, compact)": (
        "conv2d",
        "in_channels=3&height=256&width=256&out_channels=30&kernel_size=3&padding=1&detail=compact",
    ),
    "conv2d 3x64x64, 16 filters 3x3 (61,504 steps, full)": (
        "conv2d",
        "in_channels=3&height=64&width=64&out_channels=16&kernel_size=3&detail=full",
    ),
    "max_pool2d 3x256x256 k2 stride 1 (195,075 steps, compact)": (
        "max_pool2d",
        "in_channels=3&height=256&width=256&kernel_size=2&stride=1&detail=compact",
    ),
    "relu 3x256x256 (196,608 steps, compact)": ("relu", "in_channels=3&height=256&width=256&detail=compact"),
    "conv2d 7x7 lesson default (25 steps)": ("conv2d", ""),
}


def timed(client: httpx.Client, url: str) -> tuple[float, int]:
    start = time.perf_counter()
    with client.stream("GET", url) as response:
        size = sum(len(chunk) for chunk in response.iter_raw())
        assert response.status_code == 200, (url, response.status_code)
    return time.perf_counter() - start, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with in_thread() as server, httpx.Client(base_url=server.base_url, timeout=120) as client:
        print(f"{'case':<72} {'check ms':>9} {'trace ms':>9} {'trace MB':>9} {'check/trace':>11}")
        for name, (op, query) in CASES.items():
            checks, traces, size = [], [], 0
            check_url, trace_url = f"/api/{op}/check?{query}", f"/api/{op}/trace?{query}"
            body = client.get(check_url).json()
            assert body["ok"], body
            for _ in range(args.runs):
                checks.append(timed(client, check_url)[0])
                seconds, size = timed(client, trace_url)
                traces.append(seconds)
            check, trace = statistics.median(checks) * 1e3, statistics.median(traces) * 1e3
            print(f"{name:<72} {check:>9.2f} {trace:>9.1f} {size / 1e6:>9.2f} {check / trace:>10.2%}")


if __name__ == "__main__":
    main()
