"""The lessons: GET /lessons (table of contents) and GET /lessons/{slug} (one lesson).

Each lesson is a template ``templates/lessons/{slug}.html``; a test checks that every
catalogue entry has one. Their exercises come from the JSON API in ``app/api/exercises.py``.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from app.lessons import catalogue, numbers
from app.pages.templates import TEMPLATE_DIR, templates

router = APIRouter()
LESSON_DIR = TEMPLATE_DIR / "lessons"


@router.get("/lessons", response_class=HTMLResponse, include_in_schema=False)
def lesson_index(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "lessons/index.html", {"lessons": catalogue.LESSONS})


@router.get("/lessons/{slug}", response_class=HTMLResponse, include_in_schema=False)
def lesson_page(request: Request, slug: str) -> HTMLResponse:
    lesson = catalogue.find(slug)
    if lesson is None:
        raise HTTPException(404, f"no lesson {slug!r}; the lessons are listed at /lessons")
    previous, following = catalogue.neighbours(lesson)
    context = {
        "lesson": lesson,
        "previous": previous,
        "next": following,
        "total": len(catalogue.LESSONS),
        "numbers": numbers.for_lesson(slug),  # worked examples the engine computes (app/lessons/numbers.py)
    }
    return templates.TemplateResponse(request, f"lessons/{slug}.html", context)
