"""Compression (app/http/compression.py): brotli or gzip for every text response a client accepts it for,
never for PNG or GIF or a tiny body, Vary on every response that depends on Accept-Encoding, a strong
ETag per representation and a 304 only for the representation the client holds, streams kept streams
(through a real uvicorn), and WebSocket scopes untouched."""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable

import brotli
import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from app.http import busy, caching
from app.http.compression import BROTLI_WINDOW, MINIMUM_SIZE, Compression, negotiate, representation_tags, with_coding
from tests.live import Live, run_async

LARGE = "/api/conv2d/trace?in_channels=3&height=64&width=64&out_channels=4&detail=full"  # the 5.5 MB trace
TRACE = "/api/conv2d/trace?bias=false&stride=2"
GIF = "/api/relu/animation.gif?height=3&width=3"
PNG = "/api/relu/frame.png?height=3&width=3&step=2"
TEXT = {  # one of each kind, each over MINIMUM_SIZE bytes: url -> its content type
    "/lessons/01-stride": "text/html; charset=utf-8",
    "/play/conv2d?stride=2": "text/html; charset=utf-8",
    "/embed/relu": "text/html; charset=utf-8",
    "/static/js/core/api.js": "text/javascript; charset=utf-8",
    "/static/css/base.css": "text/css; charset=utf-8",
    "/palette.css": "text/css; charset=utf-8",
    "/static/img/lessons/tasks.svg": "image/svg+xml",
    "/static/palette.json": "application/json",
    "/api/ops": "application/json",
    "/api/transfer/model": "application/json",
    "/openapi.json": "application/json",
    "/docs": "text/html; charset=utf-8",
    TRACE: "application/x-ndjson",
}
IDENTITY = {"Accept-Encoding": "identity"}


def decoders() -> dict[str, Callable[[bytes], bytes]]:
    return {"gzip": lambda data: zlib.decompress(data, 16 + zlib.MAX_WBITS), "br": brotli.decompress}


def raw(client: TestClient, url: str, encoding: str, **headers: str) -> tuple[httpx.Response, bytes]:
    """The response and its body as it crossed the wire (not decoded)."""
    with client.stream("GET", url, headers={"Accept-Encoding": encoding, **headers}) as response:
        return response, b"".join(response.iter_raw())


def test_negotiate_honours_q_values_and_prefers_brotli() -> None:
    assert negotiate(["gzip, deflate, br, zstd"]) == "br"
    assert negotiate(["gzip, deflate"]) == "gzip"
    assert negotiate(["x-gzip"]) == "gzip"
    assert negotiate(["br;q=0, gzip;q=0.5"]) == "gzip"
    assert negotiate(["gzip;q=0", "br;q=0.000"]) is None
    assert negotiate(["*"]) == "br"
    assert negotiate(["*;q=0.1, br;q=0"]) == "gzip"
    assert negotiate(["gzip;q=nope"]) is None
    assert negotiate(["identity"]) is None
    assert negotiate([]) is None
    assert negotiate([" GZIP ; Q=1 "]) == "gzip"


def test_a_tag_names_its_coding_and_if_none_match_keeps_only_the_requests_own() -> None:
    assert with_coding('"abc"', "gzip") == '"abc-gzip"'
    assert with_coding('"abc"', None) == '"abc"'
    wanted = ['"abc"', '"abc-gzip"', '"def-br"', "*"]
    assert representation_tags(wanted, "gzip") == ['"abc"', "*"]
    assert representation_tags(wanted, "br") == ['"def"', "*"]
    assert representation_tags(wanted, None) == ['"abc"', "*"]


@pytest.mark.parametrize("encoding", ["gzip", "br"])
@pytest.mark.parametrize("url", list(TEXT))
def test_every_text_kind_is_compressed_when_accepted(client: TestClient, url: str, encoding: str) -> None:
    plain, plain_body = raw(client, url, "identity")
    packed, packed_body = raw(client, url, f"{encoding}, deflate")
    assert plain.status_code == packed.status_code == 200
    assert plain.headers["content-type"] == packed.headers["content-type"] == TEXT[url]
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == encoding
    assert decoders()[encoding](packed_body) == plain_body
    assert len(packed_body) < len(plain_body)
    for response in (plain, packed):
        assert "accept-encoding" in response.headers.get("vary", "").lower()
    if "content-length" in plain.headers:  # not a stream: each says its own length
        assert int(plain.headers["content-length"]) == len(plain_body)
        assert int(packed.headers["content-length"]) == len(packed_body)
    else:
        assert "content-length" not in packed.headers


@pytest.mark.parametrize("url", [GIF, PNG, "/api/augment/image.png", "/api/augment/diff.png"])
def test_images_are_never_compressed_and_have_one_representation(client: TestClient, url: str) -> None:
    plain, plain_body = raw(client, url, "identity")
    for encoding in ("gzip", "br", "gzip, deflate, br, zstd"):
        response, body = raw(client, url, encoding)
        assert response.status_code == 200
        assert response.headers["content-type"] in ("image/gif", "image/png")
        assert "content-encoding" not in response.headers
        assert "vary" not in response.headers
        assert body == plain_body
        assert response.headers["etag"] == plain.headers["etag"]


def test_a_tiny_body_is_sent_as_it_is(client: TestClient) -> None:
    for url in ("/healthz", "/api/conv2d/check?stride=2"):
        response, body = raw(client, url, "gzip, br")
        assert len(body) < MINIMUM_SIZE
        assert "content-encoding" not in response.headers
        assert json.loads(body) == client.get(url, headers=IDENTITY).json()
    # A tagged one still names the coding the request selected (its tag stands for the same bytes each time).
    check, _ = raw(client, "/api/conv2d/check?stride=2", "gzip")
    plain, _ = raw(client, "/api/conv2d/check?stride=2", "identity")
    assert check.headers["etag"] == with_coding(plain.headers["etag"], "gzip")
    assert check.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"


def test_a_large_trace_shrinks_about_ninefold(client: TestClient) -> None:
    """The issue's figures: 5.5 MB on the wire, about 0.63 MB gzipped."""
    plain, plain_body = raw(client, LARGE, "identity")
    sizes = {}
    for encoding, decode in decoders().items():
        response, body = raw(client, LARGE, encoding)
        assert response.headers["content-encoding"] == encoding
        assert decode(body) == plain_body
        sizes[encoding] = len(body)
    assert 5_000_000 < len(plain_body) < 6_000_000
    assert sizes["gzip"] < 0.7 * 1e6, sizes  # under 0.7 MB: about 9x smaller
    assert sizes["br"] < sizes["gzip"], sizes


def test_brotli_keeps_a_small_window(client: TestClient) -> None:
    """A brotli stream names its window in its first bits (RFC 7932 9.1): 1 then 3 bits n, lgwin = 17 + n.
    256 KiB (lgwin 18), not brotli's default 4 MiB: about 1.5 MiB held per stream instead of 6.5."""
    assert BROTLI_WINDOW == 18
    for url in (LARGE, "/lessons/01-stride"):
        _, body = raw(client, url, "br")
        assert body[0] & 1 == 1 and 17 + ((body[0] >> 1) & 7) == BROTLI_WINDOW


@pytest.mark.parametrize(
    "url", [TRACE, "/lessons/01-stride", "/static/js/core/api.js", "/oembed?url=http://testserver/play/relu"]
)
def test_each_representation_has_its_own_strong_tag(client: TestClient, url: str) -> None:
    plain = client.get(url, headers=IDENTITY).headers["etag"]
    gzip = client.get(url, headers={"Accept-Encoding": "gzip"}).headers["etag"]
    br = client.get(url, headers={"Accept-Encoding": "br"}).headers["etag"]
    assert len({plain, gzip, br}) == 3
    assert not any(tag.startswith("W/") for tag in (plain, gzip, br))
    assert (gzip, br) == (with_coding(plain, "gzip"), with_coding(plain, "br"))
    assert client.get(url, headers={"Accept-Encoding": "gzip"}).headers["etag"] == gzip  # stable


@pytest.mark.parametrize("url", [TRACE, GIF, "/lessons/01-stride", "/static/js/core/api.js"])
def test_a_304_only_for_the_representation_the_client_holds(client: TestClient, url: str) -> None:
    def fetch(encoding: str, **headers: str) -> httpx.Response:
        return client.get(url, headers={"Accept-Encoding": encoding, **headers})

    tags = {encoding: fetch(encoding).headers["etag"] for encoding in ("identity", "gzip", "br")}
    for asked in ("identity", "gzip", "br"):
        for held, tag in tags.items():
            for header in (tag, f"W/{tag}", f'"other", {tag}'):
                response = fetch(asked, **{"If-None-Match": header})
                same = tag == tags[asked]  # a GIF has one representation: every tag is the same one
                assert response.status_code == (304 if same else 200), (asked, held, header)
                assert response.headers["etag"] == tags[asked]
                if same:
                    assert response.content == b""
                    assert response.headers.get("vary") == fetch(asked).headers.get("vary")
                else:
                    assert response.content == fetch(asked).content
        star = fetch(asked, **{"If-None-Match": "*"})
        assert (star.status_code, star.headers["etag"]) == (304, tags[asked])


def test_revalidating_a_compressed_trace_does_no_work(client: TestClient) -> None:
    """The URL tag with its coding is known before the handler runs: a 304 needs no busy slot."""
    path, query = "/api/conv2d/trace", "in_channels=3&height=224&width=224&out_channels=20&kernel_size=3&detail=compact"
    tag = caching.url_tag(caching.build_id(), path, query)
    held = [busy.LIMITER.acquire(busy.LIMITER.running + 1, "test", 1) for _ in range(64)]
    try:
        assert client.get(f"{path}?{query}", headers={"Accept-Encoding": "gzip"}).status_code == 503  # expensive
        for encoding in ("gzip", "br"):
            asked = {"Accept-Encoding": encoding, "If-None-Match": with_coding(tag, encoding)}
            response = client.get(f"{path}?{query}", headers=asked)
            assert (response.status_code, response.headers["etag"]) == (304, with_coding(tag, encoding))
            assert response.headers["vary"] == "Accept-Encoding"
    finally:
        for slot in held:
            slot.release()


def test_head_of_a_compressed_page_names_the_compressed_length(client: TestClient) -> None:
    for encoding in ("gzip", "br"):
        get, body = raw(client, "/lessons/01-stride", encoding)
        head = client.head("/lessons/01-stride", headers={"Accept-Encoding": encoding})
        assert head.content == b""
        assert head.headers["content-encoding"] == encoding
        assert head.headers["content-length"] == get.headers["content-length"] == str(len(body))
        assert head.headers["etag"] == get.headers["etag"]


def test_errors_are_compressed_only_when_large_and_never_tagged(client: TestClient) -> None:
    small, _ = raw(client, "/api/conv2d/trace?stride=0", "gzip")
    assert small.status_code == 422 and "etag" not in small.headers and small.headers["cache-control"] == "no-store"
    missing, body = raw(client, "/embed/nope", "gzip")
    assert missing.status_code == 404 and "etag" not in missing.headers
    assert missing.headers["content-encoding"] == "gzip" and b"no ConvScope widget" in decoders()["gzip"](body)


def test_websocket_scopes_pass_through_untouched() -> None:
    seen: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    headers = [(b"accept-encoding", b"gzip"), (b"if-none-match", b'"abc-gzip"')]
    scope: Scope = {"type": "websocket", "path": "/api/classroom/ABCDEF/live", "headers": headers}

    async def nothing() -> Message:
        return {}

    async def ignore(message: Message) -> None:
        pass

    run_async(lambda: Compression(app)(scope, nothing, ignore))
    assert seen == [scope] and seen[0] is scope


# --- a real uvicorn: the stream stays a stream ------------------------------------------------------


class Reader:
    """Reads a (possibly compressed) NDJSON stream chunk by chunk, decoding as it goes, and notes what
    was true when the first complete frame could be read: the time, the wire bytes so far, and how many
    busy slots the server held (a large stream holds one until its last frame is made)."""

    def __init__(self, encoding: str) -> None:
        self.decompress: Callable[[bytes], bytes] = {
            "identity": lambda data: data,
            "gzip": zlib.decompressobj(16 + zlib.MAX_WBITS).decompress,
            "br": brotli.Decompressor().process,
        }[encoding]
        self.text = b""
        self.wire = 0
        self.first: tuple[float, int, int] | None = None  # (seconds, wire bytes, busy slots) at the first frame

    def feed(self, chunk: bytes, started: float) -> None:
        self.wire += len(chunk)
        self.text += self.decompress(chunk)
        if self.first is None and b"\n" in self.text:
            self.first = (time.perf_counter() - started, self.wire, busy.LIMITER.running)


def read_stream(live: Live, url: str, encoding: str) -> tuple[Reader, float, httpx.Headers]:
    reader = Reader(encoding)
    with httpx.Client(base_url=live.base_url, timeout=60) as http:
        started = time.perf_counter()
        with http.stream("GET", url, headers={"Accept-Encoding": encoding}) as response:
            assert response.status_code == 200
            for chunk in response.iter_raw():
                reader.feed(chunk, started)
            total = time.perf_counter() - started
            return reader, total, response.headers


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_a_compressed_trace_still_streams_through_uvicorn(live: Live, encoding: str) -> None:
    """The first frame is decoded from the first few kB on the wire, well before the stream ends: every
    body message is flushed through the compressor, none is held back until the trace is complete."""
    plain, _, _ = read_stream(live, LARGE, "identity")
    packed, packed_total, headers = read_stream(live, LARGE, encoding)
    assert headers["content-encoding"] == encoding and "content-length" not in headers
    assert packed.text == plain.text
    assert packed.text.count(b"\n") > 10  # many frames (each a batch of steps) came after the first
    assert packed.first is not None
    first_seconds, first_bytes, _ = packed.first
    assert first_bytes < packed.wire / 4, (first_bytes, packed.wire)  # a prefix of the stream, not the whole
    assert first_seconds < packed_total / 2, (first_seconds, packed_total)


@pytest.mark.parametrize("encoding", ["identity", "gzip", "br"])
def test_the_first_frame_arrives_before_the_last_is_made(live: Live, encoding: str) -> None:
    """A large stream (1M steps) holds a busy slot until it has made its last frame: the client decodes
    the header frame while the slot is still held, and the slot is free once the stream has ended."""
    url = "/api/conv2d/trace?in_channels=3&height=224&width=224&out_channels=20&kernel_size=3&detail=compact"
    assert busy.LIMITER.running == 0
    reader, _, headers = read_stream(live, url, encoding)
    assert headers.get("content-encoding", "identity") == encoding
    assert reader.first is not None and reader.first[2] == 1, reader.first
    assert reader.text.endswith(b"\n") and reader.text.rsplit(b"\n", 2)[-2].startswith(b'{"type":"done"')
    deadline = time.monotonic() + 5
    while busy.LIMITER.running and time.monotonic() < deadline:
        time.sleep(0.02)
    assert busy.LIMITER.running == 0
