"""Every bad request becomes a 4xx whose message names the parameter, the value and the rule.

One body shape for all of them, engine errors and schema errors alike::

    {"message": "stride: got 0; must be >= 1",
     "detail": [{"loc": ["query", "stride"], "param": "stride", "received": 0,
                 "rule": "must be >= 1", "msg": "stride: got 0; must be >= 1"}]}

``message`` is the first problem in one sentence, ready to show a person. Schema
errors are reworded into the engine's style (">= 1", "a whole number"), so a
learner meets one voice whichever layer caught the mistake.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.config import get_settings
from app.engine.errors import Described, ParamError, TooLargeError, show
from app.http.limits import BodyTooLarge
from app.schemas.errors import ErrorBody
from app.stack.shapes import LAYER_TYPES

_S = get_settings()
PAIR_RULE = "must be a whole number or a pair [height, width] of them"
UNION_RULES = {  # fields whose type is a union: one sentence instead of each member's complaint
    "stride": f"{PAIR_RULE}, each from 1 to {_S.max_stride}",
    "dilation": f"{PAIR_RULE}, each from 1 to {_S.max_dilation}",
    "kernel_size": f"{PAIR_RULE}, each from 1 to {_S.max_kernel}",
    "padding": f"{PAIR_RULE} (each from 0 to {_S.max_padding}), or 'same' or 'valid'",
    "output_padding": f"{PAIR_RULE}, each from 0 to {_S.max_stride}",
    "bias": "must be a list of numbers, one per filter, or null",
    "divisor_override": "must be a whole number >= 1, or null",
    "answer": "must be a finite number, a choice (its index or its text), or null",
}
PATTERN_RULES = {
    "padding": "must be one or two whole numbers >= 0 (like 1 or 1,2), or 'same' or 'valid'",
}
PATTERN_RULE = "must be one or two whole numbers >= 0 of at most 4 digits, like 2 or 2,3"
# An op whose parameter takes less than the one the sentences above describe: (op, name) -> its
# sentence for a body (a union) and for a query (a pattern). conv_transpose2d has no 'same' padding.
OP_RULES = {
    ("conv_transpose2d", "padding"): (f"{PAIR_RULE}, each from 0 to {_S.max_padding}", PATTERN_RULE),
}
_OP_PATH = re.compile(r"/api/(\w+)/")
JSON_INT = 2**53  # larger integers lose digits in JavaScript
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


def problem(loc: Sequence[Any], param: str, received: Any, rule: str) -> dict[str, Any]:
    return {
        "loc": list(loc),
        "param": param,
        "received": _jsonable(received),
        "rule": rule,
        "msg": f"{param}: got {show(received)}; {rule}",
    }


def _query_value(text: Any) -> Any:
    """A query string that reads as a number is shown as that number (1000, not '1000')."""
    if not isinstance(text, str):
        return text
    try:
        number = int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            return text
        return value if math.isfinite(value) and repr(value) == text.strip() else text
    return number if abs(number) < JSON_INT else text


def _jsonable(value: Any) -> Any:
    """What goes in ``received``: JSON-safe, and short."""
    if isinstance(value, Described):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # 'nan', 'inf': JSON has no such numbers
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= JSON_INT:
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return f"{len(value)} bytes"
    if isinstance(value, tuple):
        value = list(value)
    try:
        text = orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY)
    except TypeError:
        return show(value)
    return value if len(text) <= 200 else show(value)


def error_response(status: int, problems: list[dict[str, Any]], **extra: Any) -> Response:
    body = {"message": problems[0]["msg"] if problems else "invalid request", "detail": problems, **extra}
    return Response(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), status, media_type="application/json")


def param_error_response(err: ParamError, where: str = "query", prefix: Sequence[Any] = (), **extra: Any) -> Response:
    """422 for a broken rule, 413 for a size over a cap."""
    status = 413 if isinstance(err, TooLargeError) else 422
    loc = [where, *prefix, err.param]
    return error_response(status, [problem(loc, err.param, err.value, err.rule)], **extra)


def _rule(error: dict[str, Any], param: str, op: str | None = None) -> str:
    """Pydantic's complaint in the engine's words."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    own = OP_RULES.get((op or "", param.split(".")[-1]))
    rules = {
        "int_parsing": "must be a whole number",
        "int_type": "must be a whole number",
        "int_from_float": "must be a whole number",
        "float_parsing": "must be a number",
        "float_type": "must be a number",
        "finite_number": "must be a finite number (not NaN or Infinity)",
        "bool_parsing": "must be true or false",
        "bool_type": "must be true or false",
        "string_type": "must be a string",
        "list_type": "must be a list",
        "tuple_type": "must be a list",
        "missing": "this field is required",
        "extra_forbidden": "is not a parameter of this operation",
        "string_pattern_mismatch": own[1] if own else PATTERN_RULES.get(param, PATTERN_RULE),
    }
    if kind in rules:
        return rules[kind]
    bounds = {
        "greater_than_equal": (">=", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("<=", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in bounds:
        sign, key = bounds[kind]
        limit = ctx.get(key)
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"must be {sign} {limit}"
    if kind == "too_short":
        least = ctx.get("min_length")
        return f"must have at least {least} item{'s' if least != 1 else ''}"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} items (the cap in settings)"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if kind == "union_tag_invalid":  # a stack layer's "type"
        return f"must be one of {ctx.get('expected_tags')}"
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
        text in {"int", "float", "bool", "str", "list", "tuple", "none"}
        or text in LAYER_TYPES
        or text.startswith(("literal[", "tuple[", "list[", "function-", "constrained-", "nullable["))
    )


def _body_problem(error: dict[str, Any]) -> dict[str, Any] | None:
    """Errors about the body as a whole: not JSON, not an object, or empty."""
    kind = error.get("type")
    loc = tuple(error.get("loc", ()))
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "malformed JSON")
        where = loc[1] if len(loc) > 1 else "?"
        return problem(["body"], "body", Described(f"malformed JSON at character {where}"), f"must be JSON ({reason})")
    if loc == ("body",):
        received = error.get("input")
        if received is None:
            what = Described("no body")
        elif isinstance(received, (bytes, bytearray)):
            what = Described(f"{len(received)} bytes that are not a JSON object")
        elif isinstance(received, str):
            what = Described(f"a JSON string, {show(received)}")
        else:
            what = Described(f"a JSON {type(received).__name__}, {show(received)}")
        return problem(["body"], "body", what, "must be a JSON object sent with Content-Type: application/json")
    return None


async def validation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    path = _OP_PATH.match(request.scope["path"])
    return error_response(422, validation_problems(exc.errors(), path[1] if path else None))


def validation_problems(errors: Sequence[Any], op: str | None = None) -> list[dict[str, Any]]:
    """Pydantic's errors as problems, one per parameter. ``op``: the op the request is for (a stack
    layer's own type, in the error's location, takes its place), for the sentences of OP_RULES."""
    found: dict[str, tuple[list[Any], Any, list[str]]] = {}
    ops: dict[str, str | None] = {}
    problems = []
    for error in errors:
        whole = _body_problem(error)
        if whole:
            problems.append(whole)
            continue
        loc = [part for part in error.get("loc", ()) if not _is_union_tag(part)]
        param = _param(loc)
        layer = [part for part in error.get("loc", ()) if isinstance(part, str) and part in LAYER_TYPES]
        received = error.get("input")
        if error.get("type") == "union_tag_invalid":  # a stack layer's unknown "type": name that field
            loc, param = [*loc, "type"], f"{param}.type"
            received = (error.get("ctx") or {}).get("tag", received)
        if error.get("type") == "missing":
            received = Described("nothing")
        elif loc and loc[0] == "query":
            received = _query_value(received)
        entry = found.setdefault(param, (loc, received, []))
        ops[param] = layer[-1] if layer else op
        rule = _rule(error, param, ops[param])
        if rule not in entry[2]:
            entry[2].append(rule)
    for param, (loc, received, rules) in found.items():
        if any(other.startswith(f"{param}[") for other in found):
            continue  # an element of this pair failed: that problem is the precise one
        name = param.split(".")[-1].split("[")[0]
        own = OP_RULES.get((ops[param] or "", name))
        rule = rules[0] if len(rules) == 1 else own[0] if own else UNION_RULES.get(name, " or ".join(rules))
        problems.append(problem(loc, param, received, rule))
    return problems


async def param_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ParamError)
    where = "body" if request.method == "POST" else "query"
    return param_error_response(exc, where)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, BodyTooLarge):
        return error_response(413, [exc.problem])
    if exc.status_code == 400:  # FastAPI could not read the body at all (e.g. JSON nested too deep)
        rule = "must be a JSON object that can be parsed (not nested too deeply, valid UTF-8)"
        return error_response(422, [problem(["body"], "body", Described("an unreadable body"), rule)])
    if exc.status_code == 405:
        return method_not_allowed(request, exc)
    detail = exc.detail if isinstance(exc.detail, str) else "request failed"
    return Response(orjson.dumps({"message": detail, "detail": []}), exc.status_code, exc.headers, "application/json")


def method_not_allowed(request: Request, exc: StarletteHTTPException) -> Response:
    """405 naming the path and every method it takes. Starlette's router answers with the methods of
    the first route whose path matched, so a path served by two routes (POST and GET trace) said
    ``Allow: POST``; here every route is asked about every method."""
    # The scope as the app's router first saw it (a Mount has moved root_path since).
    root = request.scope.get("app_root_path", request.scope.get("root_path", ""))
    scope = {"type": "http", "path": request.scope["path"], "root_path": root, "method": request.method}
    if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
        # The route took the request and refused the method itself (StaticFiles): it named its methods.
        allowed = {method.strip() for method in (exc.headers or {}).get("Allow", "").split(",") if method.strip()}
    else:
        allowed = {
            method
            for route in request.app.router.routes
            for method in HTTP_METHODS
            if route.matches({**scope, "method": method})[0] is Match.FULL
        }
    if "GET" in allowed:
        allowed.add("HEAD")  # every GET route answers HEAD (app/http/head.py)
    methods = ", ".join(sorted(allowed))
    found = problem(["method"], "method", request.method, f"{request.url.path} allows {methods}")
    response = error_response(405, [found])
    response.headers["Allow"] = methods
    return response


async def server_error_handler(_: Request, exc: Exception) -> Response:
    """Last resort: never a stack trace to the client."""
    body = {"message": "internal error: the server could not compute this request", "detail": []}
    return Response(orjson.dumps(body), 500, media_type="application/json")


ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
FASTAPI_ERROR_REF = {"$ref": "#/components/schemas/HTTPValidationError"}
BODY_ERRORS = {
    "413": "the request body is over max_body_bytes in settings",
    "422": "the body is not what this operation takes; the message names the field, the value and the rule",
}


def document_errors(spec: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with the errors as they are sent: every 4xx and 5xx response has the one
    body of this module (FastAPI documents its own 422 shape, which no route sends), and every
    operation with a body lists 413 (the body cap, checked for every route) and 422."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    own = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(own.pop("$defs", {}))
    schemas["ErrorBody"] = own
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation:
                for status, description in BODY_ERRORS.items():
                    responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status[0] in "45":
                    content = response.setdefault("content", {}).setdefault("application/json", {})
                    if content.get("schema", {}) in ({}, FASTAPI_ERROR_REF):
                        content["schema"] = ERROR_REF
    if "HTTPValidationError" not in orjson.dumps(spec["paths"]).decode():
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return spec
