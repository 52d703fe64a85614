"""The two ways a test reaches the app, one fixture each:

- ``client``: Starlette's TestClient on app.main.app, in process. A server error comes back as the
  500 a browser would get (``raise_server_exceptions=False``), so a test can assert "never 5xx".
- ``live``: the app in a real uvicorn on a loopback port (tests/live.py), for what needs sockets:
  browsers, raw bytes, streams a client abandons, slow bodies.

Both are session-wide. A test that needs other settings parametrises them indirectly with
``tests.live.serve``, for example ``@pytest.mark.parametrize("client", [serve(max_layers=2)],
indirect=True)``: it gets its own app, whose ``get_settings`` dependency answers those overrides
(tests.live.Serve says what that reaches).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.live import Live, Serve, in_process, live_server
from tests.redis_server import MISSING, REDIS_SERVER, RedisServer


@pytest.fixture(scope="session")
def client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    options: Serve = getattr(request, "param", Serve())
    made = in_process(options)
    yield made  # not entered as a context: each request runs on an event loop of its own (no lifespan)
    made.close()


@pytest.fixture(scope="session")
def live(request: pytest.FixtureRequest) -> Iterator[Live]:
    options: Serve = getattr(request, "param", Serve())
    with live_server(options.app(), send_buffer=options.send_buffer) as server:
        yield server


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server (tests/redis_server.py) for the session; fails, never skips, when it is missing."""
    if not REDIS_SERVER.exists():
        pytest.fail(MISSING)
    server = RedisServer()
    server.start()
    yield server
    server.close()


@pytest.fixture
def redis(redis_server: RedisServer) -> RedisServer:
    """The session's redis-server, running (a fault test may have stopped it) and empty."""
    redis_server.start()
    redis_server.flushall()
    return redis_server
