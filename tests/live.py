"""The app as tests serve it: what a test may change about it (``Serve``, made by ``serve()``), and
the one real uvicorn of the tests (``live_server``): a loopback port, a daemon thread of the test
process.

tests/conftest.py makes the two fixtures out of these: ``client`` (in process) and ``live`` (a real
server); bench/_server.py starts its in-thread server with ``live_server`` too. The thread runs an
event loop made here, so a test can look inside the server: ``live.call(coro)`` runs a coroutine on
the server's loop (``asyncio.all_tasks`` is only safe there), and the server's memory is this
process's.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

T = TypeVar("T")


@dataclass(frozen=True)
class Serve:
    """What the ``client`` and ``live`` fixtures serve, when a test parametrises them (indirect):
    app.main.app, or a fresh app whose ``get_settings`` dependency gives these Settings overrides;
    whether the client re-raises a server error instead of answering 500; the listening socket's send
    buffer.

    The overrides reach what the app takes through ``Depends(get_settings)``. Code that calls
    ``get_settings()`` itself, or reads it at import, keeps the process's settings: for those, start
    a server with CONVSCOPE_* in its environment instead."""

    settings: tuple[tuple[str, Any], ...] = ()
    raise_server_exceptions: bool = False
    send_buffer: int | None = None

    def app(self) -> FastAPI:
        if not self.settings:
            from app.main import app

            return app
        from app.config import Settings, get_settings
        from app.main import create_app

        made = create_app()
        overrides = dict(self.settings)
        made.dependency_overrides[get_settings] = lambda: Settings(**overrides)
        return made


def in_process(options: Serve = Serve()) -> TestClient:
    """Starlette's TestClient on what ``options`` serve: the ``client`` fixture's, and the one way to make
    one where no fixture reaches (a parametrisation computed at collection)."""
    return TestClient(options.app(), raise_server_exceptions=options.raise_server_exceptions)


def serve(*, raise_server_exceptions: bool = False, send_buffer: int | None = None, **settings: Any) -> Any:
    """One parameter for the fixtures: ``@pytest.mark.parametrize("client", [serve(max_layers=2)],
    indirect=True)`` gives a client of an app whose settings have ``max_layers=2``."""
    import pytest  # here: bench/_server.py imports this module without pytest

    options = Serve(tuple(sorted(settings.items())), raise_server_exceptions, send_buffer)
    words = [f"{name}={value}" for name, value in options.settings]
    words += ["raise_server_exceptions"] * raise_server_exceptions
    words += [f"send_buffer={send_buffer}"] * (send_buffer is not None)
    return pytest.param(options, id=",".join(words) or "defaults")


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

    @property
    def address(self) -> tuple[str, int]:
        """For ``socket.create_connection``: raw bytes, paths no HTTP client would send as they are."""
        return self.host, self.port

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
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    loop = new_loop()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.serve(sockets=[sock]))

    thread = threading.Thread(target=run, name="live-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        alive = thread.is_alive()
        assert alive and time.monotonic() < deadline, "uvicorn " + ("did not start in 15 s" if alive else "exited")
        time.sleep(0.01)
    try:
        yield Live("127.0.0.1", port, loop)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        loop.close()
        sock.close()


ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def child_server(
    module: Sequence[str], env: Mapping[str, str] | None = None, stderr: IO[bytes] | None = None, wait: float = 30
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``python -m <module...> --host 127.0.0.1 --port <free>`` in a child process (its own settings
    from ``env``, its own memory), ready once /healthz answers; (base URL, process); terminated on exit.
    For what a thread cannot do: CONVSCOPE_* read at import, a process's RSS."""
    port = free_port()
    command = [sys.executable, "-m", *module, "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(command, cwd=ROOT, env=None if env is None else {**os.environ, **env}, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{' '.join(module)} exited with code {proc.returncode} before it served")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{' '.join(module)} did not answer /healthz within {wait:g} s")
            time.sleep(0.05)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_async(main: Callable[[], Awaitable[T]]) -> T:
    """``asyncio.run(main())`` on a thread of its own: once the browser tests have started, Playwright's
    sync API keeps an event loop running in the main thread, where asyncio.run refuses to start."""
    result: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(asyncio.run(main()))  # type: ignore[arg-type]
        except BaseException as err:  # re-raised in the caller's thread
            errors.append(err)

    thread = threading.Thread(target=run, name="run-async")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def rss_bytes() -> int:
    """Resident set size of this process (server included), from /proc/self/statm."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
