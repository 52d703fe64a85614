"""The lessons: GET /lessons (table of contents), GET /lessons/{slug} (one lesson), and the
exercise API they use, GET /api/exercises/{kind} and POST /api/exercises/{kind}/answer.

The exercise routes only translate: query strings to numbers and booleans, the op's
dataclasses to JSON. Every rule and every number comes from ``app.lessons.exercises``.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from app.engine.errors import ParamError
from app.http.errors import param_error_response
from app.lessons import catalogue
from app.lessons import exercises as ex
from app.pages.templates import TEMPLATE_DIR, templates
from app.schemas.exercises import AnswerBody, ExerciseOut, KindList, VerdictOut

router = APIRouter()
LESSON_DIR = TEMPLATE_DIR / "lessons"
MAX_SEED = 2**31 - 1


def written(lesson: catalogue.Lesson) -> bool:
    return (LESSON_DIR / f"{lesson.slug}.html").is_file()


def _neighbour(lesson: catalogue.Lesson, step: int) -> catalogue.Lesson | None:
    """The nearest written lesson before (step -1) or after (step +1) this one."""
    i = lesson.number - 1 + step
    while 0 <= i < len(catalogue.LESSONS):
        if written(catalogue.LESSONS[i]):
            return catalogue.LESSONS[i]
        i += step
    return None


@router.get("/lessons", response_class=HTMLResponse, include_in_schema=False)
def lesson_index(request: Request) -> HTMLResponse:
    entries = [(lesson, written(lesson)) for lesson in catalogue.LESSONS]
    return templates.TemplateResponse(request, "lessons/index.html", {"entries": entries})


@router.get("/lessons/{slug}", response_class=HTMLResponse, include_in_schema=False)
def lesson_page(request: Request, slug: str) -> HTMLResponse:
    lesson = catalogue.find(slug)
    if lesson is None:
        raise HTTPException(404, f"no lesson {slug!r}; the lessons are listed at /lessons")
    if not written(lesson):
        raise HTTPException(404, f"lesson {slug!r} is not written yet; the lessons are listed at /lessons")
    context = {
        "lesson": lesson,
        "previous": _neighbour(lesson, -1),
        "next": _neighbour(lesson, +1),
        "total": len(catalogue.LESSONS),
    }
    return templates.TemplateResponse(request, f"lessons/{slug}.html", context)


# --- exercises ------------------------------------------------------------------------


# The kinds are listed in the document; another is still a 404 naming them (not a 422).
Kind = Annotated[str, PathParam(description="an exercise kind", json_schema_extra={"enum": list(ex.KINDS)})]


def _kind(kind: str) -> str:
    if kind not in ex.KINDS:
        raise HTTPException(404, f"no exercise kind {kind!r}; the kinds are: {', '.join(ex.KINDS)}")
    return kind


def _query_value(text: str) -> Any:
    """A query string as the JSON value it spells: 3 -> 3, 0.5 -> 0.5, true -> True; else the text."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _seed(value: Any) -> int:
    if value is None:
        return secrets.randbelow(MAX_SEED + 1)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise ParamError("seed", value, f"must be a whole number from 0 to {MAX_SEED}")
    return value


@router.get("/api/exercises", tags=["exercises"], response_model=KindList, summary="The exercise kinds")
def exercise_kinds() -> KindList:
    return KindList(
        kinds=[{"kind": k, "summary": spec.summary, "params": list(spec.params)} for k, spec in ex.KINDS.items()]
    )


@router.get(
    "/api/exercises/{kind}",
    tags=["exercises"],
    response_model=ExerciseOut,
    summary="A seeded exercise: the question and its figures (not the answer)",
    responses={404: {"description": "no such kind"}, 422: {"description": "a parameter broke a rule"}},
)
def get_exercise(request: Request, kind: Kind) -> ExerciseOut:
    _kind(kind)
    given = {key: _query_value(value) for key, value in request.query_params.items()}
    seed = _seed(given.pop("seed", None))
    exercise = ex.make(kind, seed, given)
    return ExerciseOut(**exercise.public())


@router.post(
    "/api/exercises/{kind}/answer",
    tags=["exercises"],
    response_model=VerdictOut,
    summary="Judge an answer to the exercise that seed and params make",
    responses={404: {"description": "no such kind"}, 422: {"description": "a parameter broke a rule"}},
)
def post_answer(kind: Kind, body: AnswerBody) -> VerdictOut | Response:
    _kind(kind)
    try:
        exercise = ex.make(kind, body.seed, body.params)
    except ParamError as err:
        return param_error_response(err, "body", ("params",))
    try:
        verdict = ex.judge(exercise, body.answer)
    except ParamError as err:
        return param_error_response(err, "body")
    return VerdictOut(correct=verdict.correct, expected=verdict.expected, explanation=verdict.explanation)
