"""Pages of the transfer-learning view: /play/transfer and /embed/transfer, and the checks they ask first.

Both pages show the same view (templates/_transfer.html, static/js/pages/transfer/transfer.js); the embed
has no site header, takes the embed ``theme`` option and announces its height to the page that
frames it. The settings (index, shots, epochs, lr, seed) are read from the URL by the page's script.

The checks answer, always with a 200, whether GET /api/transfer/train or /api/transfer/activations
would accept a query, and with the very message their 422 would carry: the page shows a refused
setting in words without the browser logging a failed request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.api.transfer import ActivationsQuery, TrainQuery
from app.config import get_settings
from app.engine.random import MAX_SEED
from app.http.check import Check, answer
from app.pages.embed import embed_options
from app.pages.players import oembed_link
from app.pages.templates import templates
from app.transfer import training as transfer

router = APIRouter()
SETTINGS = ("index", "shots", "epochs", "lr", "seed")  # the view's state in its URL
TITLE = "Transfer learning"


def _answer(run: Callable[[], object]) -> Response:
    return Response(orjson.dumps(Check(**answer(run)).model_dump()), media_type="application/json")


@router.get(
    "/api/transfer/train/check",
    tags=["transfer learning"],
    summary="Would GET /api/transfer/train accept these settings? Always 200; the answer says why not",
    response_model=Check,
)
def check_train(request: Request) -> Response:
    cfg = get_settings()

    def run() -> None:
        q = TrainQuery.model_validate(dict(request.query_params))
        transfer.check_settings(q.shots, q.epochs, q.lr, q.seed, cfg.max_shots, cfg.max_epochs)

    return _answer(run)


@router.get(
    "/api/transfer/activations/check",
    tags=["transfer learning"],
    summary="Would GET /api/transfer/activations accept this index? Always 200; the answer says why not",
    response_model=Check,
)
def check_activations(request: Request) -> Response:
    return _answer(lambda: ActivationsQuery.model_validate(dict(request.query_params)))


def _limits() -> dict[str, Any]:
    """The caps the training form states (its fields' max and titles)."""
    return {"cfg": get_settings(), "max_seed": MAX_SEED}


def _settings_query(request: Request) -> str:
    return urlencode([(k, v) for k, v in request.query_params.multi_items() if k in SETTINGS])


@router.get("/play/transfer", response_class=HTMLResponse, include_in_schema=False)
def transfer_page(request: Request) -> HTMLResponse:
    context = {"title": TITLE, "embed": False, "oembed_url": oembed_link(request), **_limits()}
    return templates.TemplateResponse(request, "transfer.html", context)


@router.get("/embed/transfer", response_class=HTMLResponse, include_in_schema=False)
def transfer_embed(request: Request) -> HTMLResponse:
    """The view alone, for an <iframe> (a lesson's widget). Only the ``theme`` option applies; read leniently."""
    query = _settings_query(request)
    context = {
        "title": TITLE,
        "embed": True,
        "theme": embed_options(dict(request.query_params))["theme"],
        "page_url": "/play/transfer" + (f"?{query}" if query else ""),
        **_limits(),
    }
    return templates.TemplateResponse(request, "embed/transfer.html", context)
