"""The cap on expensive work (app/http/busy.py): with max_expensive=1 and the one slot held, the next
expensive request is a 503 with Retry-After and the exact message; after release it is a 200 again;
cheap requests and bad requests are never refused for being busy; every slot is released once."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api.traces import streamed_numbers
from app.config import get_settings
from app.http import busy
from app.schemas.traces import QUERIES
from tests.live import Live, serve

# 8 x 256 x 256 = 524,288 compact steps, 4 numbers each: just over the default large_trace_numbers (2M)
LARGE = "/api/conv2d/trace?in_channels=1&height=256&width=256&out_channels=8&kernel_size=3&padding=1&detail=compact"
CHEAP = "/api/conv2d/trace?bias=false"  # the lesson's 7x7 default: 25 steps
GIF = "/api/relu/animation.gif?height=3&width=3"
PNG = "/api/relu/frame.png?height=3&width=3&step=1"
TRAIN = "/api/transfer/train?epochs=2&shots=1"


def busy_message(what: str) -> str:
    return (
        "server busy: 1 expensive request is running, the cap in settings (max_expensive); "
        f"this {what} was not started; retry in 1 s"
    )


# One expensive request at a time: taking the one slot makes the server busy.
ONE_SLOT = serve(max_expensive=1)
one_slot = pytest.mark.parametrize("client", [ONE_SLOT], indirect=True)


@pytest.fixture(autouse=True)
def no_slot_left() -> Iterator[None]:
    yield
    assert busy.LIMITER.running == 0, "a test left a busy slot taken"


@pytest.fixture
def held() -> Iterator[busy.Slot]:
    """The one slot, taken directly."""
    slot = busy.LIMITER.acquire(1, "test", 1)
    yield slot
    slot.release()


def test_the_large_trace_is_large_and_the_lesson_trace_is_not() -> None:
    from app.api.build import from_query
    from app.engine.specs import OPS

    cfg = get_settings()
    query = {"in_channels": "1", "height": "256", "width": "256", "out_channels": "8", "padding": "1"}
    large = from_query(OPS["conv2d"], QUERIES["conv2d"].model_validate(query), cfg)
    assert streamed_numbers(large, "compact") == 524_288 * 4 > cfg.large_trace_numbers
    cheap = from_query(OPS["conv2d"], QUERIES["conv2d"].model_validate({"bias": "false"}), cfg)
    assert streamed_numbers(cheap, "full") < cfg.large_trace_numbers


@one_slot
@pytest.mark.parametrize(
    ("url", "what"),
    [(LARGE, "large trace"), (GIF, "GIF rendering"), (PNG, "PNG rendering"), (TRAIN, "transfer training")],
)
def test_an_expensive_request_beyond_the_cap_is_a_503_then_a_200_after_release(
    client: TestClient, url: str, what: str
) -> None:
    slot = busy.LIMITER.acquire(1, "test", 1)
    try:
        r = client.get(url)
        assert r.status_code == 503
        assert r.headers["retry-after"] == "1"
        assert r.headers["cache-control"] == "no-store"
        assert "etag" not in r.headers
        body = r.json()
        assert body["message"] == busy_message(what)
        assert body["retry_after"] == 1
        assert body["detail"] == [
            {
                "loc": ["server"],
                "param": "max_expensive",
                "received": 1,
                "rule": f"at most 1 expensive requests ({busy.KINDS}) run at once in each worker",
                "msg": busy_message(what),
            }
        ]
    finally:
        slot.release()
    ok = client.get(url)
    assert ok.status_code == 200
    assert busy.LIMITER.running == 0


@one_slot
def test_an_image_convolution_is_bounded(client: TestClient) -> None:
    form = {"kernel": (None, "sobel_x")}
    with busy.LIMITER.acquire(1, "test", 1):
        r = client.post("/api/images/convolve", files=form)
        assert r.status_code == 503
        assert r.headers["retry-after"] == "1"
        assert r.json()["message"] == busy_message("image convolution")
    assert client.post("/api/images/convolve", files=form).status_code == 200
    assert busy.LIMITER.running == 0


@one_slot
def test_a_post_trace_is_bounded_too(client: TestClient, held: busy.Slot) -> None:
    body = {"input": [[[float(i % 7) for i in range(256)] for _ in range(256)]], "weight": [[[[1.0] * 3] * 3]] * 8}
    r = client.post("/api/conv2d/trace", json=body | {"padding": 1, "detail": "compact"})
    assert r.status_code == 503
    assert r.json()["message"] == busy_message("large trace")


@one_slot
def test_cheap_requests_are_never_refused(client: TestClient, held: busy.Slot) -> None:
    for url in (
        CHEAP,
        "/api/conv2d/shape",
        "/api/conv2d/check?height=256",
        "/lessons/01-stride",
        "/static/js/core/api.js",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/api/transfer/model").status_code == 200
    assert busy.LIMITER.running == 1


@one_slot
def test_a_bad_request_is_a_422_even_when_busy(client: TestClient, held: busy.Slot) -> None:
    assert client.get(LARGE + "&stride=0").status_code == 422
    assert client.get(GIF + "&frames=0").status_code == 422
    assert client.get("/api/transfer/train?epochs=0").status_code == 422


def test_a_slot_is_released_once() -> None:
    slot = busy.LIMITER.acquire(2, "test", 1)
    other = busy.LIMITER.acquire(2, "test", 1)
    slot.release()
    slot.release()
    assert busy.LIMITER.running == 1
    other.release()
    assert busy.LIMITER.running == 0


@pytest.mark.parametrize("client", [serve(max_expensive=1, raise_server_exceptions=True)], indirect=True)
def test_the_slot_is_released_when_the_stream_fails(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.http import frames as trace

    def broken(*_: object) -> Iterator[dict[str, object]]:
        yield {"type": "steps", "start": 0, "count": 0}
        raise RuntimeError("stream broke")

    monkeypatch.setattr(trace, "step_frames", broken)
    with pytest.raises(RuntimeError, match="stream broke"):
        client.get(LARGE)
    assert busy.LIMITER.running == 0


def _request(port: int, path: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return sock


@pytest.mark.parametrize("live", [ONE_SLOT], indirect=True)
def test_a_live_stream_holds_its_slot_until_the_client_goes(live: Live) -> None:
    import httpx

    with httpx.Client(base_url=live.base_url, timeout=10) as http:
        sock = _request(live.port, LARGE)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")  # streaming, and not read further
        assert busy.LIMITER.running == 1
        refused = http.get(LARGE)
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert http.get(CHEAP).status_code == 200
        sock.close()
        live.call(_until_free)
        assert http.get(LARGE).status_code == 200  # read to the end: the slot is released after it
        live.call(_until_free)  # after its last byte is sent, which may be after we have read it
        assert busy.LIMITER.running == 0


async def _until_free() -> None:
    import asyncio

    for _ in range(200):
        if busy.LIMITER.running == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{busy.LIMITER.running} slots still taken 2 s after the client left")
