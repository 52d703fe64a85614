"""Trace endpoints: POST and GET /api/{op}/trace stream NDJSON; GET /api/{op}/shape gives geometry.

Each request is validated and its header frame built before the response starts,
so every bad request is a 4xx and a 200 always streams to the end.
"""

import math
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

from app.api import build
from app.config import Settings, get_settings
from app.engine.spec import OpSpec
from app.engine.specs import OPS
from app.http import busy, frames
from app.http.check import Check, answer
from app.http.streaming import Stream
from app.schemas.traces import BODIES, QUERIES

router = APIRouter(tags=["traces"])
NDJSON = "application/x-ndjson"

STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "NDJSON: a header line, step batches, a done line (docs/TRACE_FORMAT.md)",
        "content": {NDJSON: {"schema": {"type": "string"}}},
    },
    413: {"description": "a size over a cap in settings"},
    422: {"description": "a parameter broke a rule; the message names it, the value and the rule"},
    503: {"description": "a large trace while max_expensive expensive requests run; see Retry-After"},
}


def streamed_numbers(trace: frames.Trace, detail: str) -> int:
    """Numbers in all the step frames: what a trace costs to encode and send."""
    per_step = trace.numbers_per_step() if detail == "full" else trace.output.ndim + 1  # compact: index, value
    return trace.total_steps * per_step


def respond(trace: frames.Trace, detail: str, cfg: Settings) -> StreamingResponse:
    """The stream of a validated trace. A large one takes a busy slot (503 when none is free),
    held until the stream ends or the client goes."""
    detail = build.resolve_detail(detail, trace.total_steps, trace.numbers_per_step(), cfg)
    first = frames.encode(frames.header(trace, detail))
    body = frames.stream(first, trace, detail)
    if streamed_numbers(trace, detail) > cfg.large_trace_numbers:
        return busy.GuardedStream(body, busy.take(cfg, "large trace"), media_type=NDJSON, take_turns=True)
    return Stream(body, media_type=NDJSON)


def shape_of(trace: frames.Trace) -> dict[str, Any]:
    head = frames.header(trace, "compact")
    keep = (
        "op",
        "params",
        "input_shape",
        "output_shape",
        "padded_shape",
        "padding",
        "geometry",
        "same_padding",
        "size_ratio",
        "discarded_share",
        "pytorch",
    )
    return {key: head[key] for key in keep if key in head} | {"steps": {"total": trace.total_steps}}


class TraceCheck(Check):
    """Whether a GET trace with these parameters would stream, always answered with 200."""

    steps: int | None = None


def check(spec: OpSpec, request: Request, cfg: Settings) -> TraceCheck:
    """Validate a GET trace's query and check its op's arguments and geometry (the op's plan),
    without computing the op, and say what GET /trace would answer."""
    return check_params(spec, dict(request.query_params), cfg)


def check_params(spec: OpSpec, params: dict[str, str], cfg: Settings) -> TraceCheck:
    """What GET /api/{op}/check answers for the query ``params``: also asked by a player's page for the
    parameters it is rendered with, so that its first load need not ask (app/pages/players.py)."""

    def run() -> dict[str, Any]:
        query = QUERIES[spec.name].model_validate(params)
        plan = build.plan_query(spec, query, cfg)
        steps = getattr(plan, "total_steps", None) or math.prod(plan.output_shape)  # a step per output cell
        build.resolve_detail(query.detail, steps, plan.numbers_per_step(), cfg)
        return {"steps": steps}

    return TraceCheck(**answer(run, op=spec.name))


def _add(spec: OpSpec) -> None:
    op, body_model, query_model = spec.name, BODIES[spec.name], QUERIES[spec.name]

    def post_trace(body: body_model, cfg: Annotated[Settings, Depends(get_settings)]) -> StreamingResponse:  # type: ignore[valid-type]
        return respond(build.from_body(spec, body, cfg), body.detail, cfg)  # type: ignore[attr-defined]

    def get_trace(
        query: Annotated[query_model, Query()],  # type: ignore[valid-type]
        cfg: Annotated[Settings, Depends(get_settings)],
    ) -> StreamingResponse:
        return respond(build.from_query(spec, query, cfg), query.detail, cfg)  # type: ignore[attr-defined]

    def get_shape(
        query: Annotated[query_model, Query()],  # type: ignore[valid-type]
        cfg: Annotated[Settings, Depends(get_settings)],
    ) -> Response:
        return Response(frames.encode(shape_of(build.from_query(spec, query, cfg))), media_type="application/json")

    def get_check(request: Request, cfg: Annotated[Settings, Depends(get_settings)]) -> Response:
        return Response(orjson.dumps(check(spec, request, cfg).model_dump()), media_type="application/json")

    router.add_api_route(
        f"/api/{op}/trace",
        post_trace,
        methods=["POST"],
        summary=f"Trace {spec.summary}",
        response_class=StreamingResponse,
        responses=STREAM_DOC,
        operation_id=f"post_{op}_trace",
    )
    router.add_api_route(
        f"/api/{op}/trace",
        get_trace,
        methods=["GET"],
        summary=f"Trace {spec.summary} (generated input)",
        response_class=StreamingResponse,
        responses=STREAM_DOC,
        operation_id=f"get_{op}_trace",
    )
    router.add_api_route(
        f"/api/{op}/check",
        get_check,
        methods=["GET"],
        summary=f"Would GET /api/{op}/trace accept these parameters? Always 200; the answer says why not",
        operation_id=f"get_{op}_check",
        response_model=TraceCheck,
        openapi_extra={"parameters": _query_parameters(query_model)},
    )
    router.add_api_route(
        f"/api/{op}/shape",
        get_shape,
        methods=["GET"],
        summary=f"Geometry of {op}, no steps",
        operation_id=f"get_{op}_shape",
        responses={status: STREAM_DOC[status] for status in (413, 422)},  # the same caps (no step cap)
    )


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """OpenAPI query parameters for a check route, which reads the query itself."""
    schema = model.model_json_schema()
    return [
        {"name": name, "in": "query", "required": False, "schema": field}
        for name, field in schema.get("properties", {}).items()
    ]


for _spec in OPS.values():
    _add(_spec)
