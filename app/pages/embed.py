"""Embeds: /embed/{op}, one player alone for an <iframe> on any site, and /oembed, which
turns a pasted ConvScope link into that iframe for platforms that speak oEmbed 1.0.

The embed page takes the player's own query parameters (and ``step``, ``speed``) plus the
options in ``EMBED_OPTIONS``. Options are read leniently: an unknown value falls back to
its default, since a 422 in JSON would show as raw text inside someone's page.
The frame policy that lets only /embed/ pages be framed is in app/http/headers.py;
the message protocol is in static/js/embed/bridge.js and docs/EMBED.md.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any, Literal
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from app.pages.forms import form_fields
from app.pages.players import PLAYER_STATE, PLAYERS, oembed_link, page
from app.pages.templates import templates
from app.schemas.traces import QUERIES

router = APIRouter()

THEMES = ("light", "dark", "contrast")
FLAGS = {  # option -> default
    "controls": True,  # the transport bar
    "params": False,  # the parameter form
    "arith": True,  # the arithmetic of the current step
    "autoplay": False,
    "loop": False,
}
EMBED_OPTIONS = (*FLAGS, "theme")
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")

MAX_URL = 2048
MAX_SIZE = 10_000  # px, the bound on maxwidth / maxheight
OEMBED_WIDTH = 800
OEMBED_HEIGHT = {  # px: the widget 800 px wide with its default parameters, controls and arithmetic (measured)
    "conv2d": 540,
    "max_pool2d": 560,
    "avg_pool2d": 560,
    "lp_pool2d": 540,
    "relu": 860,
    "dropout": 500,
    "conv_transpose2d": 610,
    "conv2d_backward": 640,
}


def _flag(value: str | None, default: bool) -> bool:
    text = (value or "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    return default


def embed_options(query: dict[str, str]) -> dict[str, Any]:
    """The embed options of a query string, each with its default when missing or not understood."""
    options: dict[str, Any] = {name: _flag(query.get(name), default) for name, default in FLAGS.items()}
    theme = query.get("theme", "light")
    options["theme"] = theme if theme in THEMES else "light"
    return options


def _kept(op: str, pairs: list[tuple[str, str]], names: tuple[str, ...]) -> list[tuple[str, str]]:
    """The pairs whose name is a parameter of ``op`` or one of ``names``: anything else is dropped."""
    known = set(QUERIES[op].model_fields) | set(names)
    return [(name, value) for name, value in pairs if name in known]


@router.get("/embed/{op:op}", response_class=HTMLResponse, include_in_schema=False)
def embed(request: Request, op: str) -> HTMLResponse:
    query = dict(request.query_params)
    options = embed_options(query)
    given = {k: v for k, v in query.items() if k not in PLAYER_STATE and k not in EMBED_OPTIONS}
    player_query = urlencode(_kept(op, list(request.query_params.multi_items()), PLAYER_STATE))
    context: dict[str, Any] = {
        **page(op),
        "op": op,
        "fields": form_fields(QUERIES[op], given),
        "embed": True,
        "keep": " ".join(EMBED_OPTIONS),
        "show_params": options["params"],
        "show_controls": options["controls"],
        "show_arith": options["arith"],
        "theme": options["theme"],
        "autoplay": options["autoplay"],
        "loop": options["loop"],
        "player_url": f"/play/{op}" + (f"?{player_query}" if player_query else ""),
        "oembed_url": oembed_link(request),
    }
    return templates.TemplateResponse(request, "embed.html", context)


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


def _our_player(url: str, request: Request) -> tuple[SplitResult, str]:
    """``url`` split, and the op it shows, if it is a player or embed page of this server; else a 404."""
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
    if len(segments) != 3 or segments[0] != "" or segments[1] not in ("play", "embed") or segments[2] not in PLAYERS:
        raise refusal
    return parts, segments[2]


@router.get(
    "/oembed",
    tags=["embed"],
    response_model=OEmbed,
    summary="oEmbed 1.0 for ConvScope player links",
    responses={
        404: {"description": "url is not a player page of this server"},
        501: {"description": "format not json"},
    },
)
def oembed(
    request: Request,
    url: Annotated[str, Query(min_length=1, max_length=MAX_URL, description="a /play/{op} or /embed/{op} URL")],
    format_: Annotated[str, Query(alias="format", max_length=16, description="only json is served")] = "json",
    maxwidth: Annotated[int | None, Query(ge=1, le=MAX_SIZE, description="the widest iframe it takes")] = None,
    maxheight: Annotated[int | None, Query(ge=1, le=MAX_SIZE, description="the tallest iframe it takes")] = None,
) -> OEmbed:
    """The iframe that shows a pasted ConvScope link, in the state its query describes."""
    if format_ != "json":
        raise HTTPException(501, f"format: got {format_[:16]!r}; only json is served")
    parts, op = _our_player(url, request)
    query = urlencode(_kept(op, parse_qsl(parts.query, keep_blank_values=True), PLAYER_STATE + EMBED_OPTIONS))
    src = f"{parts.scheme}://{parts.netloc}/embed/{op}" + (f"?{query}" if query else "")
    width = min(OEMBED_WIDTH, maxwidth or OEMBED_WIDTH)
    height = min(OEMBED_HEIGHT[op], maxheight or OEMBED_HEIGHT[op])
    title = f"ConvScope: {page(op)['title']}"
    html = (
        f'<iframe src="{escape(src)}" width="{width}" height="{height}" style="border:0;max-width:100%" '
        f'title="{escape(title)}" loading="lazy" allow="fullscreen"></iframe>'
    )
    provider = f"{parts.scheme}://{parts.netloc}/"
    return OEmbed(title=title, provider_url=provider, html=html, width=width, height=height)
