"""Clients that leave mid-stream free their work at once: a real uvicorn (in a thread of this
process, so its tasks and memory can be read), 300 large streams opened, each read to its first
chunk and dropped. Afterwards the server's asyncio tasks, its busy slots and the traces it
held are back where they were, without waiting for Python's garbage collector, and so is RSS.

RSS is read after ``malloc_trim(0)``: without it glibc keeps the freed pages of its heap for
reuse (RSS after a burst stays near the burst's peak, whether or not anything is still alive).
Trimmed, RSS counts what the process still holds; before ``app/http/streaming.py`` the 300
traces, held by a reference cycle in the cancellation's traceback, kept about 160 MB of it.
"""

from __future__ import annotations

import ctypes
import gc
import socket
import time
from collections.abc import Callable

import pytest

from app.engine.conv2d import Conv2dTrace
from app.engine.relu import ReluTrace
from app.http import busy
from tests.live import Live, rss_bytes, serve

STREAMS = 300
URLS = (  # ~650 kB and ~900 kB of NDJSON: far more than the socket buffers hold
    "/api/relu/trace?in_channels=4&height=64&width=64&detail=full",
    "/api/conv2d/trace?in_channels=2&height=32&width=32&out_channels=16&kernel_size=3&padding=1&detail=compact",
)
RSS_TOLERANCE = 24 * 1024 * 1024


def trimmed_rss() -> int:
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: raw RSS
        pass
    return rss_bytes()


# Every stream here counts as expensive, and all 300 may run at once; a small send buffer: the server
# blocks mid-stream.
pytestmark = pytest.mark.parametrize(
    "live", [serve(max_expensive=1000, large_trace_numbers=10_000, send_buffer=4096)], indirect=True
)


@pytest.fixture(autouse=True)
def collected() -> None:
    gc.collect()  # garbage left by earlier tests (an exception's traceback can hold a trace) is not ours


def open_stream(port: int, path: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return sock


def abandon(live: Live, count: int) -> int:
    """Open ``count`` streams, read each one's first chunk, then drop them all; the slots held meanwhile."""
    socks = [open_stream(live.port, URLS[i % len(URLS)]) for i in range(count)]
    for sock in socks:
        assert sock.recv(65536).startswith(b"HTTP/1.1 200 OK")
    held = wait_for(lambda: busy.LIMITER.running == count, 5)
    for i, sock in enumerate(socks):
        if i % 2:  # half reset (RST), half closed politely (FIN)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()
    return held


def wait_for(condition: Callable[[], bool], seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not back within {seconds} s: {busy.LIMITER.running} busy slots taken")
        time.sleep(0.01)
    return busy.LIMITER.running


def traces_alive(live: Live) -> int:
    """Traces still referenced in the server, counted without running the garbage collector."""

    async def count() -> int:
        return sum(isinstance(o, ReluTrace | Conv2dTrace) for o in gc.get_objects())

    return live.call(count)


def test_abandoned_streams_leave_tasks_slots_and_memory_where_they_were(live: Live) -> None:
    idle, traces = live.task_count(), traces_alive(live)
    abandon(live, STREAMS)  # warm up: imports, the thread pool, the allocator's arenas
    wait_for(lambda: busy.LIMITER.running == 0 and live.task_count() <= idle, 5)
    tasks_before = live.task_count()
    rss_before = trimmed_rss()

    assert abandon(live, STREAMS) == STREAMS  # every stream was mid-body, holding its slot, when dropped
    started = time.monotonic()
    wait_for(lambda: busy.LIMITER.running == 0 and live.task_count() <= tasks_before, 5)
    freed_in = time.monotonic() - started

    assert traces_alive(live) <= traces
    rss_after = trimmed_rss()
    print(f"RSS {rss_before / 2**20:.1f} -> {rss_after / 2**20:.1f} MiB; freed in {freed_in:.3f} s")
    assert rss_after - rss_before < RSS_TOLERANCE, f"RSS {rss_before >> 20} -> {rss_after >> 20} MiB"
    assert freed_in < 2, f"slots and tasks freed {freed_in:.2f} s after the clients left"


def test_a_client_gone_before_the_response_starts_frees_its_slot(live: Live) -> None:
    idle, traces = live.task_count(), traces_alive(live)
    for i in range(50):
        open_stream(live.port, URLS[i % len(URLS)]).close()
    # the handlers may still be building their traces when the last socket closes: wait for all of it
    wait_for(lambda: busy.LIMITER.running == 0 and live.task_count() <= idle and traces_alive(live) <= traces, 5)
