"""POST /api/stack/shape: each layer's output shape, parameter count and receptive field.

A stack that breaks is a 422 naming the first layer that failed, with the layers
that worked before it; an input over the size caps is a 413.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from app.api.errors import error_response, param_error_response, problem
from app.config import Settings, get_settings
from app.ops.errors import Described, TooLargeError
from app.ops.stack import StackError, check_input_caps, stack_shapes
from app.schemas.stack import StackErrorBody, StackRequest, StackResponse

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
    return result.to_dict()


def stack_error_response(err: StackError) -> Response:
    """422 whose message names the layer: "layer 3 (conv2d): kernel_size: got 5; ..."."""
    issue = problem(["body", "layers", err.layer, err.param], err.param, err.value, err.rule)
    issue["msg"] = str(err)
    return error_response(422, [issue], layers=[layer.to_dict() for layer in err.layers], failed_layer=err.layer)
