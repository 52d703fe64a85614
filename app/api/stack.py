"""POST /api/stack/shape: each layer's output shape, parameter count and receptive field.

A stack that breaks is a 422 naming the first layer that failed, with the layers
that worked before it; an input over the size caps is a 413.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends
from fastapi.responses import Response

from app.config import Settings, get_settings
from app.engine.errors import Described, TooLargeError
from app.http.check import answer
from app.http.errors import error_response, param_error_response, problem
from app.schemas.stack import StackErrorBody, StackRequest, StackResponse
from app.stack.shapes import StackError, StackResult, check_input_caps, stack_shapes

router = APIRouter()


@router.post(
    "/api/stack/shape",
    tags=["shapes"],
    summary="Shapes, parameter counts and receptive fields of a layer stack",
    response_model=StackResponse,
    responses={
        413: {"model": StackErrorBody, "description": "the input shape is over a size cap in settings"},
        422: {
            "model": StackErrorBody,
            "description": "a parameter broke a rule; for a layer that cannot take the shape it receives, "
            "failed_layer is its index and layers holds the layers before it",
        },
    },
)
def stack_shape(body: StackRequest, cfg: Annotated[Settings, Depends(get_settings)]) -> Any:
    return shapes_or_error(body, cfg)


def shapes_or_error(body: StackRequest, cfg: Settings) -> Any:
    """The stack's shapes (a dict), or the error response for it."""
    result = checked_stack(body, cfg)
    return result if isinstance(result, Response) else result.to_dict()


def checked_stack(body: StackRequest, cfg: Settings) -> StackResult | Response:
    """The stack's shapes, or the error response for it."""
    try:
        check_input_caps(body.input_shape, cfg.max_side, cfg.max_channels)
        if len(body.layers) > cfg.max_layers:
            raise TooLargeError(
                "layers", Described(f"{len(body.layers)} layers"), f"at most {cfg.max_layers} layers are allowed"
            )
    except TooLargeError as err:
        return param_error_response(err, where="body")
    try:
        result = stack_shapes(body.input_shape, [layer.model_dump() for layer in body.layers])
    except StackError as err:
        return stack_error_response(err)
    return result


def stack_error_response(err: StackError) -> Response:
    """422 whose message names the layer: "layer 3 (conv2d): kernel_size: got 5; ..."."""
    issue = problem(["body", "layers", err.layer, err.param], err.param, err.value, err.rule)
    issue["msg"] = str(err)
    return error_response(422, [issue], layers=[layer.to_dict() for layer in err.layers], failed_layer=err.layer)


@router.post(
    "/api/stack/check",
    tags=["shapes"],
    summary="The same answer as /api/stack/shape, always with status 200",
    description="For pages that show a broken stack where it breaks: the body says ok, or status, message, "
    "detail, layers (those that worked) and failed_layer, with no failed request in the browser's console.",
)
def stack_check(
    cfg: Annotated[Settings, Depends(get_settings)],
    body: Annotated[Any, Body(description="the same body as /api/stack/shape")] = None,
) -> Response:
    refused = answer(lambda: StackRequest.model_validate(body) and None, where="body")
    if not refused["ok"]:
        return Response(orjson.dumps(refused, option=orjson.OPT_SERIALIZE_NUMPY), media_type="application/json")
    result = shapes_or_error(StackRequest.model_validate(body), cfg)
    if isinstance(result, Response):
        found = {"ok": False, "status": result.status_code, **orjson.loads(result.body)}
    else:  # exactly the body /api/stack/shape sends, through the same response model
        found = {"ok": True, "status": 200, **StackResponse.model_validate(result).model_dump(mode="json")}
    return Response(orjson.dumps(found, option=orjson.OPT_SERIALIZE_NUMPY), media_type="application/json")
