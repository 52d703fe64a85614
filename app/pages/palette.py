"""GET /palette.css: the CSS custom properties of every colour, generated from static/palette.json
(app/images/palette.py), so the stylesheets and the drawings read one palette. Every page links
it first; the other stylesheets use ``var(--...)`` only."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.http.caching import PALETTE_CSS
from app.images import palette

router = APIRouter()
CSS = palette.css()


@router.get(PALETTE_CSS, response_class=Response, include_in_schema=False)
def palette_css() -> Response:
    return Response(CSS, media_type="text/css; charset=utf-8")
