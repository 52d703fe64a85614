"""Every bad request becomes a 4xx whose message names the parameter, the value and the rule.

One body shape for all of them, engine errors and schema errors alike::

    {"message": "stride: got 0; must be >= 1",
     "detail": [{"loc": ["query", "stride"], "param": "stride", "received": 0,
                 "rule": "must be >= 1", "msg": "stride: got 0; must be >= 1"}]}

``message`` is the first problem in one sentence, ready to show a person.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import orjson
from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.limits import BodyTooLarge
from app.ops.errors import ParamError, TooLargeError, show
from app.ops.stack import LAYER_TYPES


def problem(loc: Sequence[Any], param: str, received: Any, rule: str) -> dict[str, Any]:
    if isinstance(received, str) and _looks_numeric(received):
        received = _number(received)  # query strings: show 1000, not '1000'
    return {
        "loc": list(loc),
        "param": param,
        "received": _jsonable(received),
        "rule": rule,
        "msg": f"{param}: got {show(received)}; {rule}",
    }


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # 'nan', 'inf': JSON has no such numbers
    try:
        encoded = jsonable_encoder(value)
    except Exception:  # noqa: BLE001 - a value we cannot encode is shown as text
        return show(value)
    text = repr(encoded)
    return encoded if len(text) <= 200 else show(value)


def error_response(status: int, problems: list[dict[str, Any]], **extra: Any) -> Response:
    body = {"message": problems[0]["msg"] if problems else "invalid request", "detail": problems, **extra}
    return Response(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), status, media_type="application/json")


def param_error_response(err: ParamError, where: str = "query", prefix: Sequence[Any] = (), **extra: Any) -> Response:
    """422 for a broken rule, 413 for a size over a cap."""
    status = 413 if isinstance(err, TooLargeError) else 422
    loc = [where, *prefix, err.param]
    return error_response(status, [problem(loc, err.param, err.value, err.rule)], **extra)


def _rule(error: dict[str, Any]) -> str:
    msg = str(error.get("msg", "is invalid"))
    for lead in ("Input should ", "Value error, ", "Input "):
        if msg.startswith(lead):
            msg = ("must " if lead == "Input should " else "") + msg[len(lead) :]
            break
    return msg[:1].lower() + msg[1:]


def _param(loc: Sequence[Any]) -> str:
    """("body", "input", 0, 2) -> "input[0][2]"; ("query", "stride") -> "stride"."""
    text = ""
    for part in loc[1:]:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not _is_union_tag(part):
            text += ("." if text else "") + str(part)
    return text or (str(loc[0]) if loc else "request")


def _is_union_tag(part: Any) -> bool:
    """Pydantic puts union member names (``int``, ``tuple[int, int]``, ``literal['same']``) and
    discriminator tags (a layer's ``type``, such as ``conv2d``) in loc."""
    text = str(part)
    return isinstance(part, str) and (
        text in {"int", "float", "bool", "str", "list", "tuple"}
        or text in LAYER_TYPES
        or text.startswith(("literal[", "tuple[", "list[", "function-", "constrained-"))
    )


async def validation_handler(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = []
    seen: set[str] = set()
    for error in exc.errors():
        loc = [part for part in error.get("loc", ()) if not _is_union_tag(part)]
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "malformed JSON")
            position = loc[1] if len(loc) > 1 else "?"
            problems.append(
                problem(
                    ["body"], "body", f"malformed JSON at character {position}", f"must be a JSON object ({reason})"
                )
            )
            continue
        param = _param(loc)
        if param in seen:  # a union reports each member's failure: keep the first
            continue
        seen.add(param)
        problems.append(problem(loc, param, error.get("input"), _rule(error)))
    return error_response(422, problems)


async def param_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ParamError)
    where = "body" if request.method == "POST" else "query"
    return param_error_response(exc, where)


async def http_error_handler(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, BodyTooLarge):
        return error_response(413, [exc.problem])
    detail = exc.detail if isinstance(exc.detail, str) else "request failed"
    return Response(orjson.dumps({"message": detail, "detail": []}), exc.status_code, exc.headers, "application/json")


async def server_error_handler(_: Request, exc: Exception) -> Response:
    """Last resort: never a stack trace to the client."""
    body = {"message": "internal error: the server could not compute this request", "detail": []}
    return Response(orjson.dumps(body), 500, media_type="application/json")
