"""Pages that do not exist, said in words: ``/play/{name}`` and ``/embed/{name}`` for a name no page has.

The op players take their path through the ``op`` convertor, which matches only the ops'
names, so ``/play/stack`` or ``/play/image`` can never be taken for an op whatever order the
routers are included in. A name nothing matched falls through to the router's 404, which
arrives here: under /play/ it names the players there are, under /embed/ it is the widget's
own 404 page (shown inside someone's iframe); anything else is the plain 404.
"""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

import app.pages.players  # noqa: F401  (registers the op convertor)
from app.engine.specs import OPS
from app.http.errors import http_error_handler
from app.pages.templates import templates

PLAYERS = ", ".join(op for op, spec in OPS.items() if spec.player)
_PAGE = re.compile(r"/(play|embed)/([^/]+)")


async def not_found(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    found = _PAGE.fullmatch(request.scope["path"])
    if found is None or exc.detail != "Not Found":  # not a missing page, or a 404 that already says why
        return await http_error_handler(request, exc)
    kind, name = found.groups()
    if kind == "play":
        return await http_error_handler(
            request, HTTPException(404, f"no player for {name!r}; players exist for: {PLAYERS}")
        )
    message = f"There is no ConvScope widget for {name[:40]!r}. Widgets exist for: {PLAYERS}."
    missing = {"op": None, "title": "Not found", "theme": "light", "oembed_url": None, "message": message}
    return templates.TemplateResponse(request, "embed.html", missing, status_code=404)
