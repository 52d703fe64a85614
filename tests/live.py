"""A real uvicorn serving an app on a loopback port, in a daemon thread of the test process.

Unlike tests/browser/conftest.py's fixture, the thread runs an event loop made here, so a
test can look inside the server: ``live.call(coro)`` runs a coroutine on the server's loop
(``asyncio.all_tasks`` is only safe there), and the server's memory is this process's.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import uvicorn

T = TypeVar("T")


def new_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed, as ``uvicorn app.main:app`` picks it."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


@dataclass
class Live:
    host: str
    port: int
    loop: asyncio.AbstractEventLoop

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def call(self, make: Callable[[], Awaitable[T]], timeout: float = 10) -> T:
        """Run ``make()`` on the server's loop and wait for its result."""

        async def run() -> T:
            return await make()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout)

    def task_count(self) -> int:
        async def count() -> int:
            return len(asyncio.all_tasks())

        return self.call(count)


@contextmanager
def live_server(app: Any, send_buffer: int | None = None) -> Iterator[Live]:
    """``send_buffer``: SO_SNDBUF of the listening socket, which accepted connections inherit. A
    small one makes a stream to a client that stops reading block after a few kB, as over a slow
    network, instead of filling megabytes of loopback buffers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if send_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    loop = new_loop()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.serve(sockets=[sock]))

    thread = threading.Thread(target=run, name="live-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield Live("127.0.0.1", port, loop)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        loop.close()
        sock.close()


def rss_bytes() -> int:
    """Resident set size of this process (server included), from /proc/self/statm."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
