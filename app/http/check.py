"""One way to answer "would this request be accepted?" with a 200, for every ``/check`` route.

A page asks before it fetches, so a refusal shows its message on the page without the
browser logging a failed request. ``answer`` runs the route's own validation and costing
(a request model, an op's plan, a training's settings) and turns the first problem into
the same status, message and detail the real request would get.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from app.engine.errors import ParamError, TooLargeError
from app.http.errors import problem, validation_problems


class Check(BaseModel):
    """Whether the matching request would be accepted, always answered with 200."""

    ok: bool
    status: int
    message: str | None = None
    detail: list[dict[str, Any]] = []


def answer(run: Callable[[], Any], where: str = "query", op: str | None = None) -> dict[str, Any]:
    """{"ok": True, "status": 200} (plus what ``run`` returned, if a dict) or the refusal ``run``
    raised (a pydantic ValidationError or an engine ParamError), with its status and worded message.
    ``op``: the op the request is for, whose own wording some schema errors take."""
    try:
        found = run()
    except ValidationError as err:
        problems = validation_problems([{**e, "loc": (where, *e["loc"])} for e in err.errors()], op)
        return {"ok": False, "status": 422, "message": problems[0]["msg"], "detail": problems}
    except ParamError as err:
        issue = problem([where, err.param], err.param, err.value, err.rule)
        status = 413 if isinstance(err, TooLargeError) else 422
        return {"ok": False, "status": status, "message": issue["msg"], "detail": [issue]}
    return {"ok": True, "status": 200, **(found if isinstance(found, dict) else {})}
