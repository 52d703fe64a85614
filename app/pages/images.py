"""The image pages: GET /play/image (kernels on pictures) and GET /play/augment (the
augmentation gallery). Their JSON and PNGs come from ``app/api/images.py`` and ``app/api/augment.py``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.augment import TITLES
from app.config import get_settings
from app.engine.random import MAX_SEED
from app.http.textarrays import format_array
from app.images import catalogue
from app.images.kernels import PRESETS
from app.pages.templates import templates

router = APIRouter()


@router.get("/play/image", response_class=HTMLResponse, include_in_schema=False)
def image_page(request: Request) -> HTMLResponse:
    presets = [
        {"name": p.name, "title": p.title, "detects": p.detects, "text": format_array(p.weight)}
        for p in PRESETS.values()
    ]
    return templates.TemplateResponse(
        request,
        "image.html",
        {"presets": presets, "samples": catalogue.SAMPLES_LIST, "default": catalogue.DEFAULT, "cfg": get_settings()},
    )


@router.get("/play/augment", response_class=HTMLResponse, include_in_schema=False)
def augment_page(request: Request) -> HTMLResponse:
    context = {
        "samples": catalogue.SAMPLES_LIST,
        "default": catalogue.DEFAULT,
        "ops": TITLES,
        "max_seed": MAX_SEED,
    }
    return templates.TemplateResponse(request, "augment.html", context)
