"""HTTP caching (app/http/caching.py): strong ETags and Cache-Control on deterministic GETs, 304 on
If-None-Match, and nothing cacheable about errors, POSTs, /healthz or an unseeded exercise."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from app.http import busy, caching

TRACE = "/api/conv2d/trace?bias=false&stride=2"
API = [
    TRACE,
    "/api/conv2d/shape?stride=2",
    "/api/conv2d/check?stride=2",
    "/api/relu/animation.gif?height=3&width=3",
    "/api/relu/frame.png?height=3&width=3&step=2",
    "/api/max_pool2d/trace",
    "/api/exercises",
    "/api/ops",
    "/api/exercises/output_size?seed=3",
    "/api/transfer/model",
    "/api/transfer/gallery",
    "/api/transfer/activations?index=4",
    "/api/transfer/train?epochs=2&shots=1",
    "/api/augment",
    "/oembed?url=http://testserver/play/conv2d&format=json",
]
PAGES = ["/", "/lessons", "/lessons/01-stride", "/play/conv2d?stride=2", "/embed/relu", "/play/stack"]
STATIC = ["/static/js/core/api.js", "/static/css/base.css", "/static/favicon.svg"]
IDENTITY = {"Accept-Encoding": "identity"}


def get(client: TestClient, url: str, tag: str | None = None) -> object:
    return client.get(url, headers={"If-None-Match": tag} if tag else {})


@pytest.mark.parametrize("url", API + PAGES + STATIC)
def test_a_deterministic_get_has_a_strong_etag_stable_across_requests(client: TestClient, url: str) -> None:
    first, second = client.get(url), client.get(url)
    assert first.status_code == 200, first.text
    tag = first.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/")
    assert second.headers["etag"] == tag
    assert first.content == second.content


@pytest.mark.parametrize("url", API + PAGES + STATIC)
def test_if_none_match_gives_a_304_with_no_body(client: TestClient, url: str) -> None:
    tag = client.get(url).headers["etag"]
    for header in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        r = client.get(url, headers={"If-None-Match": header})
        assert r.status_code == 304, header
        assert r.content == b""
        assert r.headers["etag"] == tag
        assert r.headers["cache-control"] == client.get(url).headers["cache-control"]


@pytest.mark.parametrize("url", [TRACE, "/lessons/01-stride", "/static/js/core/api.js"])
def test_a_tag_that_does_not_match_gives_the_body(client: TestClient, url: str) -> None:
    full = client.get(url)
    r = client.get(url, headers={"If-None-Match": '"0123456789abcdef0123456789abcdef", W/"nope"'})
    assert r.status_code == 200
    assert r.content == full.content


def test_a_different_query_has_a_different_tag_and_the_order_of_parameters_does_not_matter(client: TestClient) -> None:
    tags = {client.get(url).headers["etag"] for url in (TRACE, "/api/conv2d/trace?bias=false&stride=3")}
    assert len(tags) == 2
    assert client.get("/api/conv2d/trace?stride=2&bias=false").headers["etag"] == client.get(TRACE).headers["etag"]
    other = client.get("/lessons/02-padding").headers["etag"]
    assert other != client.get("/lessons/01-stride").headers["etag"]


def test_cache_control_by_kind(client: TestClient) -> None:
    assert client.get(TRACE).headers["cache-control"] == "public, max-age=86400"
    assert client.get("/api/augment/image.png").headers["cache-control"] == "public, max-age=86400"
    assert client.get("/lessons/01-stride").headers["cache-control"] == "public, max-age=300"
    assert client.get("/static/js/core/api.js").headers["cache-control"] == "public, max-age=3600"


def test_static_files_are_tagged_by_their_content_not_their_mtime(client: TestClient) -> None:
    r = client.get("/static/js/core/api.js", headers=IDENTITY)  # a coding adds its suffix (test_compression.py)
    assert r.headers["etag"] == '"' + hashlib.sha256(r.content).hexdigest()[:32] + '"'
    assert "last-modified" not in r.headers
    since = client.get("/static/js/core/api.js", headers={"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"})
    assert since.status_code == 200  # one validator: the ETag


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/conv2d/trace?stride=0", 422),
        ("/api/conv2d/shape?stride=0", 422),
        ("/api/relu/animation.gif?frames=0", 422),
        ("/api/transfer/activations?index=-1", 422),
        ("/api/nope/trace", 404),
        ("/lessons/99-nope", 404),
        ("/static/js/nope.js", 404),
        ("/api/exercises/nope?seed=1", 404),
    ],
)
def test_errors_are_never_cached(client: TestClient, url: str, status: int) -> None:
    r = client.get(url)
    assert r.status_code == status
    assert "etag" not in r.headers
    assert r.headers["cache-control"] == "no-store"


def test_post_is_never_tagged(client: TestClient) -> None:
    r = client.post("/api/conv2d/trace", json={"input": [[[1.0, 2.0], [3.0, 4.0]]], "weight": [[[[1.0]]]]})
    assert r.status_code == 200
    assert "etag" not in r.headers
    assert "cache-control" not in r.headers
    bad = client.post("/api/conv2d/trace", json={"input": [[[1.0]]], "weight": [[[[1.0]]]], "stride": 0})
    assert bad.status_code == 422
    assert bad.headers["cache-control"] == "no-store"


def test_healthz_and_an_unseeded_exercise_are_no_store(client: TestClient) -> None:
    for url in ("/healthz", "/api/exercises/output_size"):
        r = client.get(url)
        assert r.status_code == 200
        assert r.headers["cache-control"] == "no-store"
        assert "etag" not in r.headers


def test_a_stream_sends_its_tag_with_the_first_byte(client: TestClient) -> None:
    with client.stream("GET", TRACE, headers=IDENTITY) as r:  # the identity tag (a coding adds its suffix)
        assert r.headers["content-type"] == "application/x-ndjson"
        assert r.headers["etag"] == caching.url_tag(caching.build_id(), "/api/conv2d/trace", "bias=false&stride=2")
        assert "content-length" not in r.headers


def test_revalidating_an_expensive_result_does_no_work(client: TestClient) -> None:
    """A matching tag is answered before the handler runs: no busy slot is needed, none is taken."""
    url = "/api/relu/animation.gif?height=4&width=4"
    tag = client.get(url).headers["etag"]
    held = [busy.LIMITER.acquire(busy.LIMITER.running + 1, "test", 1) for _ in range(64)]
    try:
        assert client.get(url).status_code == 503
        assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
    finally:
        for slot in held:
            slot.release()


def test_the_canonical_query_sorts_names_and_keeps_repeated_values_in_order() -> None:
    assert caching.canonical_query("b=2&a=1&b=1") == "a=1&b=2&b=1"
    assert caching.canonical_query("input=1%2C2%3B3%2C4") == caching.canonical_query("input=1,2;3,4")
    assert caching.url_tag("one", "/p", "a=1") != caching.url_tag("two", "/p", "a=1")
