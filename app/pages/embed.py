"""Embeds: /embed/{op}, one player alone for an <iframe> on any site (/oembed, which turns a pasted
ConvScope link into that iframe, is app/pages/oembed.py).

The embed page takes the player's own query parameters (and ``step``, ``speed``) plus the
options in ``EMBED_OPTIONS``. Options are read leniently: an unknown value falls back to
its default, since a 422 in JSON would show as raw text inside someone's page.
The frame policy that lets only /embed/ pages be framed is in app/http/headers.py;
the message protocol is in static/js/embed/bridge.js and docs/EMBED.md.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from app.config import Settings, get_settings
from app.pages.forms import form_fields
from app.pages.players import PLAYER_STATE, checked, oembed_link, page
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

NAME_VALUE = 24  # characters of a parameter's value in the widget's accessible name


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


def widget_name(op: str, pairs: list[tuple[str, str]]) -> str:
    """The widget's accessible name (its <main> landmark's): the player's title and the parameters it was
    given (long values cut), so that several widgets on one page, a lesson's, have distinct landmarks."""
    shown = [(name, value if len(value) <= NAME_VALUE else value[: NAME_VALUE - 1] + "…") for name, value in pairs]
    given = ", ".join(f"{name}={value}" for name, value in _kept(op, shown, ()))
    return str(page(op)["title"]) + (f": {given}" if given else "")


@router.get("/embed/{op:op}", response_class=HTMLResponse, include_in_schema=False)
def embed(request: Request, op: str, cfg: Annotated[Settings, Depends(get_settings)]) -> HTMLResponse:
    query = dict(request.query_params)
    options = embed_options(query)
    given = {k: v for k, v in query.items() if k not in PLAYER_STATE and k not in EMBED_OPTIONS}
    player_query = urlencode(_kept(op, list(request.query_params.multi_items()), PLAYER_STATE))
    context: dict[str, Any] = {
        **page(op),
        "op": op,
        "fields": form_fields(QUERIES[op], given),
        "checked": checked(op, given, cfg),
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
        "widget_name": widget_name(op, list(request.query_params.multi_items())),
    }
    return templates.TemplateResponse(request, "embed.html", context)
