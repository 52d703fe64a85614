"""Every bad request becomes a 4xx whose message names the parameter, the value and the rule.

One body shape for all of them, engine errors and schema errors alike::

    {"message": "stride: got 0; must be >= 1",
     "detail": [{"loc": ["query", "stride"], "param": "stride", "received": 0,
                 "rule": "must be >= 1", "msg": "stride: got 0; must be >= 1"}]}

``message`` is the first problem in one sentence, ready to show a person.
"""

from __future__ import annotations

from typing import Any, Sequence

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.ops.errors import ParamError, TooLargeError, show


def problem(loc: Sequence[Any], param: str, received: Any, rule: str) -> dict[str, Any]:
    return {
        "loc": list(loc),
        "param": param,
        "received": _jsonable(received),
        "rule": rule,
        "msg": f"{param}: got {show(received)}; {rule}",
    }


def _jsonable(value: Any) -> Any:
    try:
        encoded = jsonable_encoder(value)
    except Exception:  # noqa: BLE001 - a value we cannot encode is shown as text
        return show(value)
    text = repr(encoded)
    return encoded if len(text) <= 200 else show(value)


def error_response(status: int, problems: list[dict[str, Any]], **extra: Any) -> JSONResponse:
    body = {"message": problems[0]["msg"] if problems else "invalid request", "detail": problems, **extra}
    return JSONResponse(body, status_code=status)


def param_error_response(err: ParamError, where: str = "query", prefix: Sequence[Any] = (), **extra: Any) -> JSONResponse:
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
    names = [str(part) for part in loc[1:] if not _is_union_tag(part)]
    return ".".join(names) if names else str(loc[0]) if loc else "request"


def _is_union_tag(part: Any) -> bool:
    """Pydantic puts union member names (``int``, ``tuple[int, int]``, ``literal['same']``) in loc."""
    text = str(part)
    return isinstance(part, str) and (
        text in {"int", "float", "bool", "str", "list", "tuple"}
        or text.startswith(("literal[", "tuple[", "list[", "function-", "constrained-"))
    )


async def validation_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    seen: set[str] = set()
    for error in exc.errors():
        loc = [part for part in error.get("loc", ()) if not _is_union_tag(part)]
        param = _param(loc)
        if param in seen:  # a union reports each member's failure: keep the first
            continue
        seen.add(param)
        problems.append(problem(loc, param, error.get("input"), _rule(error)))
    return error_response(422, problems)


async def param_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ParamError)
    where = "body" if request.method == "POST" else "query"
    return param_error_response(exc, where)


async def http_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "request failed"
    return JSONResponse({"message": detail, "detail": []}, status_code=exc.status_code, headers=exc.headers)


async def server_error_handler(_: Request, exc: Exception) -> JSONResponse:
    """Last resort: never a stack trace to the client."""
    return JSONResponse({"message": "internal error: the server could not compute this request", "detail": []}, status_code=500)
