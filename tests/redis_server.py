"""A real redis-server for the tests that need one: Debian's /usr/bin/redis-server in a child process
on a free loopback port, no persistence (``--save "" --appendonly no``), so a restart starts empty
as a production Redis without persistence would.

tests/conftest.py makes the fixtures: ``redis_server`` (one for the session, stopped at its end) and
``redis`` (that server, running and emptied, for one test). ``RedisServer.stopped()`` stops it and
starts it again on the same port, for the fault tests.

A missing redis-server fails the tests that need it, loudly: scripts/test installs it (as root), and
a skipped Redis suite would look green while testing nothing.
"""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REDIS_SERVER = Path("/usr/bin/redis-server")
MISSING = (
    f"{REDIS_SERVER} is missing: the classroom's Redis tests need Debian's redis-server. "
    "scripts/test installs it when run as root (apt-get install -y redis-server), or install it yourself."
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def command(port: int, *words: str) -> bytes:
    """Send one command (inline protocol) and return the first line of the reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(" ".join(words).encode() + b"\r\n")
        reply = b""
        while not reply.endswith(b"\r\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
        return reply.strip()


class RedisServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.dir = tempfile.TemporaryDirectory(prefix="convscope-redis-")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, wait: float = 10) -> None:
        if not REDIS_SERVER.exists():
            raise RuntimeError(MISSING)
        if self.running:
            return
        self.proc = subprocess.Popen(
            [
                str(REDIS_SERVER),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir.name,
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + wait
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} exited with code {self.proc.returncode}")
            try:
                if command(self.port, "PING") == b"+PONG":
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server on port {self.port} did not answer PING within {wait:g} s")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    @contextmanager
    def stopped(self) -> Iterator[None]:
        """Redis away for the body of the ``with``, then back on the same port, empty."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def flushall(self) -> None:
        assert command(self.port, "FLUSHALL") == b"+OK"

    def close(self) -> None:
        self.stop()
        self.dir.cleanup()
