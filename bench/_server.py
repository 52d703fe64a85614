"""Start the real ConvScope app on a free loopback port, for the benchmarks.

``in_thread()``: a real uvicorn server (same loop and protocol choices as
``uvicorn app.main:app``) in a daemon thread of this process, started by tests/live.py. Fine for timing;
not for memory, because client and server would share one RSS.

``subprocess_server()``: ``python -m uvicorn app.main:app`` as a child process,
so its memory can be read from /proc/<pid>/status.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Running:
    base_url: str
    pid: int  # the process serving requests


@contextmanager
def in_thread() -> Iterator[Running]:
    """The app in a uvicorn server in a daemon thread; stopped on exit. The tests' own live server
    (tests/live.py), so the benchmarks and the tests start it the same way."""
    from app.main import app
    from tests.live import live_server

    with live_server(app) as live:
        yield Running(live.base_url, os.getpid())


@contextmanager
def subprocess_server(*options: str) -> Iterator[Running]:
    """``python -m uvicorn app.main:app [options]`` in a child process; terminated on exit (tests/live.py)."""
    from tests.live import child_server

    with child_server(["uvicorn", "app.main:app", "--log-level", "warning", *options]) as (base, proc):
        yield Running(base, proc.pid)


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in kB."""
    fields: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(rest.split()[0])
    return fields
