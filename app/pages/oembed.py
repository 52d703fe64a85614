"""/oembed: a pasted ConvScope link turned into its embed's <iframe>, for platforms that speak oEmbed 1.0
(docs/EMBED.md).

Every embeddable view has an /embed/ page: each op's player (app/pages/embed.py), the layer-stack builder
and the transfer-learning view. The iframe's size comes from ``embed_sizes.json`` beside this file: each
view's document height in Chromium at a few widths, with its default parameters and options, written by
scripts/measure_embeds.py and checked against a fresh measurement by tests/browser/test_oembed_sizes.py.
The answer is the widest measured width within ``maxwidth`` and the height measured there.

Browser-side consumers on other sites may read the answer: app/http/headers.py sends
``Access-Control-Allow-Origin: *`` on this path (and only here).
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from app.pages import transfer
from app.pages.embed import EMBED_OPTIONS, _kept
from app.pages.players import PLAYER_STATE, PLAYERS, STACK_STATE, STACK_TITLE, page, raw_query

router = APIRouter()

MAX_URL = 2048
MAX_SIZE = 10_000  # px, the bound on maxwidth / maxheight
SIZES_FILE = Path(__file__).with_name("embed_sizes.json")
PAGES = {  # the views that are not an op's player: their title and the query names that are their state
    "stack": (STACK_TITLE, STACK_STATE),
    "transfer": (transfer.TITLE, (*transfer.SETTINGS, "theme")),
}
VIEWS = (*PLAYERS, *PAGES)  # every view /oembed embeds, at /play/{view} and /embed/{view}


def load_heights(path: Path = SIZES_FILE) -> dict[str, dict[int, int]]:
    """view -> {width: height} in CSS px, as measured (the file's "heights")."""
    heights = json.loads(path.read_text())["heights"]
    return {view: {int(width): int(height) for width, height in row.items()} for view, row in heights.items()}


HEIGHTS = load_heights()


def fitted(view: str, maxwidth: int | None, maxheight: int | None) -> tuple[int, int]:
    """The iframe's width and height for ``view``: the widest measured width that is at most ``maxwidth``,
    and the height measured at that width. Narrower than every measured width: ``maxwidth`` wide with the
    narrowest width's height. Taller than ``maxheight``: ``maxheight`` high. In both cases the widget needs
    more height than it gets, and scrolls inside its frame (docs/EMBED.md)."""
    heights = HEIGHTS[view]
    fitting = [width for width in heights if maxwidth is None or width <= maxwidth]
    if fitting:
        width = max(fitting)
        height = heights[width]
    else:  # maxwidth is below the narrowest measured width
        width, height = maxwidth or 0, heights[min(heights)]
    return width, min(height, maxheight or height)


class OEmbed(BaseModel):
    """An oEmbed 1.0 "rich" response (https://oembed.com/#section2.3)."""

    type: Literal["rich"] = "rich"
    version: Literal["1.0"] = "1.0"
    title: str
    provider_name: Literal["ConvScope"] = "ConvScope"
    provider_url: str
    html: str
    width: int
    height: int


def _effective(hostname: str | None, port: int | None, scheme: str) -> tuple[str, int | None]:
    default = {"http": 80, "https": 443}.get(scheme)
    return (hostname or "").lower(), None if port == default else port


def _our_view(url: str, request: Request) -> tuple[SplitResult, str]:
    """``url`` split, and the view it shows, if it is a /play/ or /embed/ page of this server; else a 404."""
    refusal = HTTPException(404, f"url: not a ConvScope player on this server; expected {request.base_url}play/<op>")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise refusal from None
    if parts.scheme not in ("http", "https") or parts.username is not None or parts.password is not None:
        raise refusal
    ours = _effective(request.url.hostname, request.url.port, request.url.scheme)
    if _effective(parts.hostname, port, parts.scheme) != ours:
        raise refusal
    segments = parts.path.split("/")
    if len(segments) != 3 or segments[0] != "" or segments[1] not in ("play", "embed") or segments[2] not in VIEWS:
        raise refusal
    return parts, segments[2]


def _state(view: str, query: str) -> str:
    """The part of a link's query the embed keeps: its state and options; any other key is dropped."""
    if view in PAGES:
        return raw_query(query, PAGES[view][1])
    return urlencode(_kept(view, parse_qsl(query, keep_blank_values=True), PLAYER_STATE + EMBED_OPTIONS))


def _title(view: str) -> str:
    return PAGES[view][0] if view in PAGES else str(page(view)["title"])


@router.get(
    "/oembed",
    tags=["embed"],
    response_model=OEmbed,
    summary="oEmbed 1.0 for ConvScope links: the players, the layer stack and the transfer view",
    responses={
        404: {"description": "url is not a player page of this server"},
        501: {"description": "format not json"},
    },
)
def oembed(
    request: Request,
    url: Annotated[
        str,
        Query(min_length=1, max_length=MAX_URL, description="a /play/{op} or /embed/{op} URL (or stack, transfer)"),
    ],
    format_: Annotated[str, Query(alias="format", max_length=16, description="only json is served")] = "json",
    maxwidth: Annotated[int | None, Query(ge=1, le=MAX_SIZE, description="the widest iframe it takes")] = None,
    maxheight: Annotated[int | None, Query(ge=1, le=MAX_SIZE, description="the tallest iframe it takes")] = None,
) -> OEmbed:
    """The iframe that shows a pasted ConvScope link, in the state its query describes, at a measured size."""
    if format_ != "json":
        raise HTTPException(501, f"format: got {format_[:16]!r}; only json is served")
    parts, view = _our_view(url, request)
    query = _state(view, parts.query)
    src = f"{parts.scheme}://{parts.netloc}/embed/{view}" + (f"?{query}" if query else "")
    width, height = fitted(view, maxwidth, maxheight)
    title = f"ConvScope: {_title(view)}"
    html = (
        f'<iframe src="{escape(src)}" width="{width}" height="{height}" style="border:0;max-width:100%" '
        f'title="{escape(title)}" loading="lazy" allow="fullscreen"></iframe>'
    )
    provider = f"{parts.scheme}://{parts.netloc}/"
    return OEmbed(title=title, provider_url=provider, html=html, width=width, height=height)


@router.options("/oembed", include_in_schema=False)
def oembed_options() -> Response:
    """A CORS preflight, or a plain OPTIONS: GET and HEAD, from any origin (app/http/headers.py adds the origin)."""
    headers = {
        "Allow": "GET, HEAD, OPTIONS",
        "Access-Control-Allow-Methods": "GET, HEAD",
        "Access-Control-Max-Age": "86400",
    }
    return Response(status_code=204, headers=headers)
