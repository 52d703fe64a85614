"""Compression: brotli or gzip for every text response a client accepts it for, streams kept streams.

The compressing itself is starlette-compress's ``CompressMiddleware`` (maintained, brotli and gzip,
and a *flush per body message* for the types registered as streaming: each NDJSON chunk a trace
sends leaves compressed at once, so the first frame reaches the browser before the last is made).
It compresses only text types (HTML, CSS, JS, JSON, SVG, and NDJSON registered here), never PNG,
GIF or other images, and leaves a one-message body under ``MINIMUM_SIZE`` bytes alone.

What this module adds is what a cache needs to keep the representations apart (docs/CACHING.md,
Compression). It sits *outside* ``HttpCaching``, which therefore tags and answers 304s for the
identity body as before:

- One coding per request, chosen here (``negotiate``: q-values honoured, brotli before gzip), and
  handed to ``CompressMiddleware`` as the only one the request accepts, so both agree.
- A tagged response's strong ETag names its representation: ``"<tag>-br"`` or ``"<tag>-gzip"`` when
  the request's coding is brotli or gzip, the plain tag otherwise. Each such tag always stands
  for the same bytes (the same identity body, compressed the same way, or sent as it is when it
  is small), and a compressed body never shares the identity body's tag.
- If-None-Match is translated on the way in: only the tags of the request's own representation
  reach ``HttpCaching`` (their suffix removed), so a 304 answers only a client that holds the
  representation it would get now.
- ``Vary: Accept-Encoding`` on every tagged response (its tag depends on the header) and, from
  ``CompressMiddleware``, on every response it compressed or could have.
- A path named as an already compressed file (``.png``, ``.gif``, ...) has one representation:
  no coding, no suffix, no Vary.

WebSocket scopes pass through untouched.
"""

from __future__ import annotations

from functools import partial
from types import SimpleNamespace

import brotli
import starlette_compress._brotli as brotli_responder
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette_compress import CompressMiddleware, add_compress_type

from app.http.caching import if_none_match

CODINGS = ("br", "gzip")  # in the server's order of preference
ALIASES = {"x-gzip": "gzip"}  # RFC 9110 8.4.1.3
MINIMUM_SIZE = 500  # bytes: a smaller one-message body is sent as it is
GZIP_LEVEL = 6
BROTLI_QUALITY = 5
PRECOMPRESSED = (".png", ".gif", ".jpg", ".jpeg", ".webp", ".avif", ".ico", ".woff", ".woff2", ".gz", ".zip")

BROTLI_WINDOW = 18  # log2 of brotli's window: 256 KiB, not its default 4 MiB

# NDJSON (trace streams, transfer training): compressed, with a flush after every body message.
add_compress_type("application/x-ndjson", streaming=True)

# starlette-compress makes its brotli compressors with the default window (lgwin 22), and takes no
# setting for it: 6.5 MiB held per stream being compressed (measured, a 5.5 MB trace), for 4% fewer
# bytes than a 256 KiB window, which holds 1.5 MiB. Its module's ``brotli`` is given the window here;
# tests/http/test_compression.py reads the window from the header of the streams it sends.
brotli_responder.brotli = SimpleNamespace(
    Compressor=partial(brotli.Compressor, lgwin=BROTLI_WINDOW),
    compress=partial(brotli.compress, lgwin=BROTLI_WINDOW),
)


def negotiate(values: list[str]) -> str | None:
    """The coding of ``CODINGS`` a request's Accept-Encoding header(s) accept (q > 0), or None for identity.
    A coding not named takes the weight of ``*``; an unreadable q counts as 0."""
    weights: dict[str, float] = {}
    for item in ",".join(values).split(","):
        name, _, params = item.partition(";")
        name = ALIASES.get(name.strip().lower(), name.strip().lower())
        if not name:
            continue
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[name] = max(weight, weights.get(name, weight))
    for coding in CODINGS:
        if weights.get(coding, weights.get("*", 0.0)) > 0:
            return coding
    return None


def with_coding(tag: str, coding: str | None) -> str:
    """``"abc"`` -> ``"abc-gzip"``: the tag of the ``coding`` representation (W/ kept)."""
    return tag if coding is None or not tag.endswith('"') else f'{tag[:-1]}-{coding}"'


def representation_tags(wanted: list[str], coding: str | None) -> list[str]:
    """The If-None-Match tags that name the ``coding`` representation, as the identity tags HttpCaching
    compares (``"abc-gzip"`` -> ``"abc"`` for gzip; plain tags for identity); ``*`` is kept."""
    kept = []
    for tag in wanted:
        if tag == "*":
            kept.append(tag)
            continue
        named = next((c for c in CODINGS if tag.endswith(f'-{c}"')), None)
        if named == coding:
            kept.append(tag if coding is None else tag[: -len(coding) - 2] + '"')
    return kept


def vary(headers: MutableHeaders) -> None:
    """``Vary: Accept-Encoding``, once (CompressMiddleware may have named it already)."""
    named = [token.strip().lower() for token in headers.get("vary", "").split(",") if token.strip()]
    if "accept-encoding" not in named and "*" not in named:
        headers["Vary"] = ", ".join([headers["vary"], "Accept-Encoding"] if named else ["Accept-Encoding"])


def precompressed(path: str) -> bool:
    return path.lower().endswith(PRECOMPRESSED)


class Compression:
    def __init__(self, app: ASGIApp, minimum_size: int = MINIMUM_SIZE) -> None:
        self.app = app
        self.compress = CompressMiddleware(
            app,
            minimum_size=minimum_size,
            zstd=False,  # the issue asks for gzip and brotli: one representation fewer per URL in every cache
            brotli_quality=BROTLI_QUALITY,
            gzip_level=GZIP_LEVEL,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        varies = not precompressed(scope["path"])
        request = Headers(scope=scope)
        coding = negotiate(request.getlist("accept-encoding")) if varies else None
        headers = [(k, v) for k, v in scope["headers"] if k not in (b"accept-encoding", b"if-none-match")]
        if coding is not None:
            headers.append((b"accept-encoding", coding.encode("latin-1")))
        wanted = if_none_match(request)
        if wanted:
            kept = representation_tags(wanted, coding)
            if kept:
                headers.append((b"if-none-match", ", ".join(kept).encode("latin-1")))

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and varies:
                response = MutableHeaders(scope=message)
                tag = response.get("etag")
                if tag is not None:
                    response["ETag"] = with_coding(tag, coding)
                    vary(response)
            await send(message)

        await self.compress({**scope, "headers": headers}, receive, sending)
