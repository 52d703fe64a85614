"""HEAD on every GET route (app/http/head.py): the GET's status and headers, and no body.

Every GET route of app.routes has an example here (a test fails when a route has none), plus the
static mount: each is asked with GET and with HEAD in process (where a body sent for a HEAD would
show: TestClient does not drop it as uvicorn does) and through a real uvicorn on one keep-alive
connection (where a body after a HEAD would be read as the start of the next response). A GET that
is a 4xx gives the same 4xx to HEAD."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from app.http import busy
from app.main import app, create_app
from tests.live import Live

ROOM = "{room}"  # a room the tests open first
CONCRETE_OVERRIDES = {  # a route without path parameters is asked at its own path, unless named here
    "/api/transfer/train": "/api/transfer/train?epochs=2&shots=1",
    "/api/transfer/activations": "/api/transfer/activations?index=4",
    "/api/augment/image.png": "/api/augment/image.png?seed=3",
    "/oembed": "/oembed?url=http://testserver/play/conv2d&format=json",
    "/join": "/join",
}
TEMPLATED = {  # a route with path parameters: the URLs that ask it
    "/lessons/{slug}": ["/lessons/01-stride", "/lessons/10-transfer-learning"],
    "/play/{op:op}": ["/play/conv2d?stride=2", "/play/conv2d_backward", "/play/relu?present=1"],
    "/embed/{op:op}": ["/embed/relu?theme=dark", "/embed/max_pool2d"],
    "/api/exercises/{kind}": ["/api/exercises/output_size?seed=3"],
    "/api/classroom/{code}": [f"/api/classroom/{ROOM}"],
    "/api/classroom/{code}/qr.svg": [f"/api/classroom/{ROOM}/qr.svg"],
    "/join/{code}": [f"/join/{ROOM}"],
}
STATIC = ["/static/js/core/api.js", "/static/css/base.css", "/static/favicon.svg", "/static/palette.json"]
ERRORS = [  # a 4xx GET gives the same 4xx to HEAD (and oEmbed's 501 for a format it does not serve, its 501)
    "/api/conv2d/trace?stride=0",
    "/api/conv2d/shape?stride=0",
    "/api/relu/animation.gif?frames=0",
    "/api/nope/trace",
    "/lessons/99-nope",
    "/static/js/nope.js",
    "/embed/nope",
    "/play/nope",
    "/oembed?url=http://elsewhere/play/conv2d",
    "/oembed?url=http://testserver/play/conv2d&format=xml",
    "/join/ZZZZZZ",
    "/join?code=no",
    "/api/classroom/ZZZZZZ",
    "/api/exercises/nope?seed=1",
]
UNSTABLE = {"date"}  # differs between two requests


def get_routes() -> list[str]:
    """The path of every route that answers GET (routers included, as FastAPI resolves them), and each mount's."""
    paths = []
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, Mount):
            paths.append(context.path + "/")
        elif "GET" in (context.methods or ()):
            paths.append(context.path)
    return paths


def examples() -> list[str]:
    urls: list[str] = []
    for path in get_routes():
        if path == "/static/":
            urls += STATIC
        elif "{" in path:
            urls += TEMPLATED[path]
        else:
            urls.append(CONCRETE_OVERRIDES.get(path, path))
    return urls


def test_every_get_route_has_an_example() -> None:
    paths = get_routes()
    assert len(paths) > 60  # the ops' routes are there
    missing = [path for path in paths if "{" in path and path not in TEMPLATED]
    assert missing == []
    assert set(TEMPLATED) <= set(paths) and "/static/" in paths
    assert {"/", "/docs", "/openapi.json", "/palette.css", "/oembed", "/healthz", "/join"} <= set(paths)


@pytest.fixture(scope="module")
def entered() -> Iterator[tuple[TestClient, str]]:
    """A TestClient that runs the app's lifespan (the classroom's hub), and a room open in it."""
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        response = client.post("/api/classroom")
        assert response.status_code == 201
        yield client, response.json()["code"]


def headers_of(response: object) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in UNSTABLE}  # type: ignore[attr-defined]


@pytest.mark.parametrize("encoding", ["identity", "gzip, deflate, br"])
@pytest.mark.parametrize("url", examples() + ERRORS)
def test_head_is_the_get_without_its_body(entered: tuple[TestClient, str], url: str, encoding: str) -> None:
    client, room = entered
    url = url.replace(ROOM, room)
    asked = {"Accept-Encoding": encoding}
    with client.stream("GET", url, headers=asked) as get:
        body = b"".join(get.iter_raw())
    head = client.head(url, headers=asked)
    assert head.status_code == get.status_code, (url, head.status_code, get.status_code)
    if url in ERRORS:
        assert 400 <= get.status_code < 500 or (get.status_code == 501 and "format=xml" in url)
    else:
        assert get.status_code == 200, body[:300]
    assert head.content == b""
    assert headers_of(head) == headers_of(get)
    if "content-length" in get.headers:
        assert int(head.headers["content-length"]) == len(body)


def test_a_conditional_head_is_a_304(entered: tuple[TestClient, str]) -> None:
    client, _ = entered
    for url in ("/lessons/01-stride", "/api/conv2d/trace?stride=2", "/static/js/core/api.js"):
        tag = client.head(url).headers["etag"]
        assert tag == client.get(url).headers["etag"]
        again = client.head(url, headers={"If-None-Match": tag})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)


def test_head_of_a_post_only_route_is_its_405(entered: tuple[TestClient, str]) -> None:
    client, _ = entered
    response = client.head("/api/stack/shape")
    assert (response.status_code, response.headers["allow"], response.content) == (405, "POST", b"")


def test_head_of_a_large_trace_stops_it_and_frees_its_slot(live: Live) -> None:
    """The HEAD response ends at the first chunk; the stream is told its client has gone and stops."""
    url = "/api/conv2d/trace?in_channels=3&height=224&width=224&out_channels=20&kernel_size=3&detail=compact"
    with socket.create_connection(live.address, timeout=30) as sock:
        sock.sendall(f"HEAD {url} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        answer = read_head(sock)
    assert answer.status == 200 and "content-length" not in answer.headers
    assert "transfer-encoding" not in answer.headers
    deadline = time.monotonic() + 5
    while busy.LIMITER.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert busy.LIMITER.running == 0


# --- a real uvicorn: HEAD and GET on one keep-alive connection --------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class Conn:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def more(self) -> None:
        chunk = self.sock.recv(65536)
        assert chunk, "connection closed"
        self.buffer += chunk

    def head_part(self) -> tuple[int, dict[str, str]]:
        while b"\r\n\r\n" not in self.buffer:
            self.more()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        fields = [line.partition(":") for line in lines[1:]]
        return int(lines[0].split()[1]), {name.strip().lower(): value.strip() for name, _, value in fields}

    def exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self.more()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            self.more()
        data, _, self.buffer = self.buffer.partition(b"\r\n")
        return data

    def answer(self, method: str) -> Answer:
        status, headers = self.head_part()
        if method == "HEAD" or status in (204, 304):
            return Answer(status, headers, b"")
        if "content-length" in headers:
            return Answer(status, headers, self.exactly(int(headers["content-length"])))
        assert headers.get("transfer-encoding") == "chunked", headers
        body = b""
        while size := int(self.line(), 16):
            body += self.exactly(size)
            assert self.line() == b""
        assert self.line() == b""
        return Answer(status, headers, body)


def read_head(sock: socket.socket) -> Answer:
    return Conn(sock).answer("HEAD")


LIVE = [  # one of each kind, through uvicorn
    "/",
    "/lessons/01-stride",
    "/play/conv2d",
    "/embed/relu",
    "/static/js/core/api.js",
    "/palette.css",
    "/api/ops",
    "/api/conv2d/trace?stride=2",
    "/api/conv2d/shape",
    "/api/relu/animation.gif?height=3&width=3",
    "/api/transfer/train?epochs=2&shots=1",
    "/oembed?url=http://t/play/conv2d&format=json",
    "/docs",
    "/openapi.json",
    "/healthz",
    "/join",
    "/lessons/99-nope",
    "/api/conv2d/trace?stride=0",
    "/embed/nope",
]


@pytest.mark.parametrize("encoding", ["identity", "gzip, br"])
def test_head_sends_no_body_through_uvicorn(live: Live, encoding: str) -> None:
    """Each URL: HEAD, then GET, then HEAD again, pipelined on one connection. A byte of body after a
    HEAD would be read as the next status line and fail; HEAD's headers are the GET's, its
    Content-Length the length of the GET's body (as sent)."""
    with socket.create_connection(live.address, timeout=30) as sock:
        conn = Conn(sock)
        for url in LIVE:
            request = f"{{}} {url} HTTP/1.1\r\nHost: t\r\nAccept-Encoding: {encoding}\r\n\r\n"
            sock.sendall("".join(request.format(method) for method in ("HEAD", "GET", "HEAD")).encode())
            first, get, second = conn.answer("HEAD"), conn.answer("GET"), conn.answer("HEAD")
            assert first.status == get.status == second.status, url
            assert get.status == (404 if "nope" in url else 422 if "stride=0" in url else 200), url
            framing = {"date", "transfer-encoding"}  # the GET of a stream is chunked; a HEAD has no body to frame
            strip = {name: value for name, value in get.headers.items() if name not in framing}
            assert {n: v for n, v in first.headers.items() if n not in framing} == strip, url
            assert {n: v for n, v in second.headers.items() if n not in framing} == strip, url
            if "content-length" in get.headers:
                assert int(first.headers["content-length"]) == len(get.body), url
            else:
                assert get.headers["transfer-encoding"] == "chunked" and "content-length" not in first.headers
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        assert conn.answer("GET").body == b'{"status":"ok"}'
        assert conn.buffer == b""
