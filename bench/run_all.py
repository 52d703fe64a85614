"""Run the server-side benchmarks, after printing the machine and versions they ran on.

    .venv/bin/python bench/run_all.py            # about a minute
    .venv/bin/python bench/run_all.py --quick    # fewer repetitions

stream.py (twice: server in a subprocess, then in a thread), memory.py and conv_compute.py.
Not player_fps.py (it needs Chromium): run it on its own.

Figures only, for docs/PERFORMANCE.md: nothing asserts a time or a size. Timings on
a 2-core machine move a lot when anything else runs (a test suite, a browser):
the load average is printed first; run on a quiet machine.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def cpu_busy(seconds: float = 1.0) -> float:
    """Share of all cores busy over ``seconds`` (from /proc/stat), 0..1."""

    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1.0 - (idle1 - idle0) / max(1, total1 - total0)


def wait_quiet(limit: float, timeout: float) -> float:
    """Wait until the CPU is less than ``limit`` busy over 2 s; give up after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        busy = cpu_busy(2.0)
        if busy < limit or time.monotonic() > deadline:
            return busy
        print(f"  (waiting: CPU {busy:.0%} busy)", flush=True)


def version(name: str) -> str:
    try:
        return str(getattr(importlib.import_module(name), "__version__", "installed"))
    except ImportError:
        return "not installed"


def environment() -> list[str]:
    blas = {key: value for key, value in os.environ.items() if key.startswith(("OPENBLAS", "OMP_", "MKL_"))}
    return [
        f"date (UTC)    {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M}",
        f"cpu           {cpu_model()}, {os.cpu_count()} logical cores (nproc {len(os.sched_getaffinity(0))})",
        f"memory        {memory_total()}",
        f"load average  {' '.join(f'{v:.2f}' for v in os.getloadavg())}",
        f"python        {platform.python_version()} ({platform.platform()})",
        "packages      "
        + ", ".join(
            f"{name} {version(name)}" for name in ("numpy", "orjson", "fastapi", "starlette", "uvicorn", "httpx")
        ),
        f"uvicorn uses  loop {'uvloop ' + version('uvloop') if version('uvloop') != 'not installed' else 'asyncio'}, "
        f"http {'httptools ' + version('httptools') if version('httptools') != 'not installed' else 'h11'}",
        f"BLAS env      {blas or 'none set (OPENBLAS_*, OMP_*, MKL_*)'}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="S",
        help="before each script wait up to S seconds for the CPU to be under 10%% busy",
    )
    args = parser.parse_args()
    print("\n".join(environment()), flush=True)
    runs = [
        ["stream.py", "--subprocess"] + (["--repeat", "0.3"] if args.quick else []),
        ["stream.py"] + (["--repeat", "0.3"] if args.quick else []),
        ["memory.py"],
        ["conv_compute.py"] + (["--runs", "6"] if args.quick else []),
    ]
    failed = []
    for argv in runs:
        busy = wait_quiet(0.10, args.wait_quiet) if args.wait_quiet else cpu_busy(1.0)
        print(f"\n$ python bench/{' '.join(argv)}    (CPU busy before: {busy:.0%})", flush=True)
        if subprocess.run([sys.executable, str(HERE / argv[0]), *argv[1:]], cwd=HERE.parent).returncode:
            failed.append(argv[0])
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
