"""The exercise API the lessons use: GET /api/exercises, GET /api/exercises/{kind} and
POST /api/exercises/{kind}/answer (the pages themselves are ``app/pages/lessons.py``).

The exercise routes only translate: query strings to numbers and booleans, the op's
dataclasses to JSON. Every rule and every number comes from ``app.lessons.exercises``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from app.engine.errors import ParamError
from app.http.errors import param_error_response
from app.lessons import exercises as ex
from app.schemas.exercises import AnswerBody, ExerciseOut, KindList, VerdictOut

router = APIRouter(prefix="/api/exercises", tags=["exercises"])


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


@router.get("", response_model=KindList, summary="The exercise kinds")
def exercise_kinds() -> KindList:
    return KindList(
        kinds=[{"kind": k, "summary": spec.summary, "params": list(spec.params)} for k, spec in ex.KINDS.items()]
    )


@router.get(
    "/{kind}",
    response_model=ExerciseOut,
    summary="A seeded exercise: the question and its figures (not the answer)",
    responses={404: {"description": "no such kind"}, 422: {"description": "a parameter broke a rule"}},
)
def get_exercise(request: Request, kind: Kind) -> ExerciseOut:
    _kind(kind)
    given = {key: _query_value(value) for key, value in request.query_params.items()}
    seed = ex.seed_or_draw(given.pop("seed", None))
    exercise = ex.make(kind, seed, given)
    return ExerciseOut(**exercise.public())


@router.post(
    "/{kind}/answer",
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
