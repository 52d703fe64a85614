"""HTTP caching for deterministic GETs: strong ETags, Cache-Control, 304 on If-None-Match.

Pure ASGI middleware, one place for every route (docs/CACHING.md). Each GET path has a policy:

- API results (``/api/{op}/trace|shape|check|animation.gif|frame.png``, ``/api/ops``, ``/api/augment...``,
  ``/api/transfer/...``, ``/api/exercises`` and a seeded exercise): the body is a pure function
  of the build and the URL, so the ETag is a hash of the build id, the path and the query
  with its parameters in sorted order (``url_tag``). A stream cannot be hashed before it is
  sent; this tag can, so it is sent with the first byte, and a matching If-None-Match is a
  304 *before the handler runs*: revalidating a large trace or a GIF costs nothing.
- Built assets (``/static/dist/<name>-<hash>.<ext>``, app/http/assets.py): the name changes with the
  content, so ``immutable`` for a year: a repeat visit does not even revalidate them.
- Pages and ``/static/``: the ETag is a hash of the body (pages name their own address in
  their oEmbed link, so they depend on the Host header too). The body is held back until
  complete (at most ``MAX_HASHED`` bytes), then sent, or replaced by a 304.
- ``/healthz``, an exercise without a seed (a fresh random one each time) and a classroom room
  (``/api/classroom/...``: it changes, ends and expires): ``no-store``.

Every 4xx/5xx gets ``Cache-Control: no-store`` and no ETag; POSTs are never tagged. The build id
hashes the version, the app's source files, the settings and the libraries that shape a body,
so a deploy that changes any of them changes every tag. Conditional request headers
(If-None-Match, If-Modified-Since) are answered here and not passed on, so StaticFiles'
own mtime-based tags and Last-Modified give way to the content hash.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import __version__
from app.config import get_settings
from app.http.assets import PALETTE_CSS, immutable
from app.images import palette

API_CACHE = "public, max-age=86400"  # a day: the same URL and build give the same bytes
STATIC_CACHE = "public, max-age=3600"  # an hour: /static/ URLs carry no version
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"  # a year: the URL names its content (app/http/assets.py)
PAGE_CACHE = "public, max-age=300"  # five minutes: pages change with each deploy and are cheap to revalidate
NO_STORE = "no-store"
MAX_HASHED = 8 * 1024 * 1024  # a larger page or file is sent untagged rather than held in memory
APP_DIR = Path(__file__).resolve().parent.parent
LIBRARIES = ("fastapi", "pydantic", "starlette", "numpy", "orjson", "pillow", "scikit-learn", "jinja2")
CONDITIONAL = (b"if-none-match", b"if-modified-since")


@dataclass(frozen=True)
class Policy:
    cache_control: str
    tag: str | None  # "url", "body", or None (no ETag)


API = Policy(API_CACHE, "url")
HASHED_API = Policy(API_CACHE, "body")
STATIC = Policy(STATIC_CACHE, "body")
IMMUTABLE = Policy(IMMUTABLE_CACHE, "body")
PAGE = Policy(PAGE_CACHE, "body")
UNCACHED = Policy(NO_STORE, None)

_OP_RESULT = re.compile(r"^/api/[a-z0-9_]+/(trace|shape|check|animation\.gif|frame\.png)$")
_PAGES = ("/", "/lessons")
OPS_SPECS = "/api/ops"  # every page asks it first: a function of the settings and the code, both in the build id
_PAGE_PREFIXES = ("/lessons/", "/play/", "/embed/")


def policy_for(path: str, query: str) -> Policy | None:
    """How a GET of ``path`` is cached; None leaves the response alone (/docs, /openapi.json)."""
    if path == "/healthz" or path.startswith("/api/classroom/"):
        return UNCACHED  # a room's presence changes; it ends or expires
    if immutable(path):
        return IMMUTABLE
    if path.startswith("/static/") or path == PALETTE_CSS:
        return STATIC
    if path in _PAGES or path.startswith(_PAGE_PREFIXES):
        return PAGE
    if path == "/oembed":
        return HASHED_API  # its answer holds absolute URLs built from the Host header
    if _OP_RESULT.match(path) or path in ("/api/exercises", OPS_SPECS):
        return API
    if path == "/api/augment" or path.startswith(("/api/augment/", "/api/transfer/")):
        return API
    if path.startswith("/api/exercises/"):
        seeded = any(name == "seed" for name, _ in parse_qsl(query, keep_blank_values=True))
        return API if seeded else UNCACHED  # no seed: the server draws one
    return None


@lru_cache
def build_id() -> str:
    """Changes whenever anything that shapes a response body may have: version, source, settings, libraries."""
    digest = hashlib.sha256(__version__.encode())
    digest.update(get_settings().model_dump_json().encode())
    for name in LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=-".encode())
    for path in sorted(APP_DIR.rglob("*")):
        if path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(APP_DIR)).encode())
            digest.update(path.read_bytes())
    digest.update(palette.PATH.read_bytes())  # the colours of every PNG and GIF
    return digest.hexdigest()


def canonical_query(query: str) -> str:
    """The query as the app reads it (Starlette's own parsing), parameters sorted by name. The
    sort is stable, so the order of a repeated parameter's values is kept."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode(sorted(pairs, key=lambda pair: pair[0]))


def url_tag(build: str, path: str, query: str) -> str:
    text = f"{build}\n{path}\n{canonical_query(query)}"
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def body_tag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def if_none_match(headers: Headers) -> list[str] | None:
    """The entity tags of If-None-Match, W/ dropped (it compares weakly, RFC 9110 13.1.2); ["*"] for any."""
    values = headers.getlist("if-none-match")
    if not values:
        return None
    tags = [tag.strip().removeprefix("W/") for value in values for tag in value.split(",")]
    return [tag for tag in tags if tag]


def matches(wanted: list[str] | None, tag: str) -> bool:
    return wanted is not None and ("*" in wanted or tag in wanted)


def not_modified(tag: str, cache_control: str) -> list[Message]:
    headers = [(b"etag", tag.encode("latin-1")), (b"cache-control", cache_control.encode("latin-1"))]
    return [
        {"type": "http.response.start", "status": 304, "headers": headers},
        {"type": "http.response.body", "body": b"", "more_body": False},
    ]


def _uncache_errors(send: Send) -> Send:
    """Errors are never cached: no-store, and no ETag."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] >= 400:
            headers = MutableHeaders(scope=message)
            headers["Cache-Control"] = NO_STORE
            if "etag" in headers:
                del headers["etag"]
        await send(message)

    return sending


class HttpCaching:
    def __init__(self, app: ASGIApp, build: str | None = None) -> None:
        self.app = app
        self.build = build or build_id()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        policy = policy_for(scope["path"], query) if scope["method"] == "GET" else None
        if policy is None or policy.tag is None:
            await self.app(scope, receive, _uncache_errors(send) if policy is None else _with(send, NO_STORE))
            return
        wanted = if_none_match(Headers(scope=scope))
        inner = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k not in CONDITIONAL]}
        if policy.tag == "url":
            tag = url_tag(self.build, scope["path"], query)
            if wanted is not None and "*" not in wanted and tag in wanted:
                for message in not_modified(tag, policy.cache_control):
                    await send(message)
                return
            await self.app(inner, receive, _tagged(send, tag, policy.cache_control, wanted))
        else:  # a HEAD arrives here as its GET (app/http/head.py): its headers are the GET's
            await self.app(inner, receive, _hashed(send, policy.cache_control, wanted))


def _with(send: Send, cache_control: str) -> Send:
    """Cache-Control on a 2xx/3xx; errors get no-store."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] < 400:
            MutableHeaders(scope=message)["Cache-Control"] = cache_control
        await send(message)

    return _uncache_errors(sending)


def _tagged(send: Send, tag: str, cache_control: str, wanted: list[str] | None) -> Send:
    """A 200 gets the URL's tag as it starts; with ``If-None-Match: *`` it becomes a 304 and its body is dropped."""
    dropping = False

    async def sending(message: Message) -> None:
        nonlocal dropping
        if message["type"] == "http.response.start" and message["status"] == 200:
            if matches(wanted, tag):
                dropping = True
                for reply in not_modified(tag, cache_control):
                    await send(reply)
                return
            headers = MutableHeaders(scope=message)
            headers["ETag"] = tag
            headers["Cache-Control"] = cache_control
        elif message["type"] == "http.response.body" and dropping:
            return
        await send(message)

    return _uncache_errors(sending)


def _hashed(send: Send, cache_control: str, wanted: list[str] | None) -> Send:
    """A 200 is held until its body is complete, then sent with the body's hash as its ETag (or as a 304).
    Anything else, or a body past MAX_HASHED, goes through as it comes."""
    start: Message | None = None
    chunks: list[bytes] = []
    size = 0
    passing = False

    async def sending(message: Message) -> None:
        nonlocal start, size, passing
        if message["type"] == "http.response.start":
            if message["status"] != 200:
                passing = True
                await send(message)
                return
            headers = MutableHeaders(scope=message)
            headers["Cache-Control"] = cache_control
            for validator in ("etag", "last-modified"):  # StaticFiles': mtime and size, not the content
                if validator in headers:
                    del headers[validator]
            start = message
            return
        if passing or start is None or message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = message.get("more_body", False)
        if size > MAX_HASHED:  # too large to hold: send what there is, untagged
            passing = True
            await send(start)
            await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": more})
            return
        if more:
            return
        body = b"".join(chunks)
        tag = body_tag(body)
        if matches(wanted, tag):
            for reply in not_modified(tag, cache_control):
                await send(reply)
            return
        MutableHeaders(scope=start)["ETag"] = tag
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})

    return _uncache_errors(sending)
