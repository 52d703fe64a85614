"""POST /api/stack/run: a seeded input through the stack, each layer with a link to its player.

The link carries the layer's real input (and a conv2d layer's weights and bias) as
text in the player's own parameters, so the player shows the very numbers the stack
computed. Inputs over ``LINK_VALUES`` values get no link (a URL that long helps no one).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import numpy as np
import orjson
from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import Field

from app.api.stack import checked_stack
from app.config import Settings, get_settings
from app.engine.random import MAX_SEED
from app.http.textarrays import format_array
from app.schemas.numbers import WHOLE
from app.schemas.stack import StackRequest
from app.stack.run import LayerRun, run_stack

router = APIRouter()
LINK_VALUES = 4096
PLAYABLE = {"conv2d", "max_pool2d", "avg_pool2d", "lp_pool2d", "relu", "dropout"}


class StackRunRequest(StackRequest):
    seed: Annotated[int, Field(strict=True, ge=0, le=MAX_SEED, description="seed of the input and weights"), WHOLE] = 0


def _pair(value: Any) -> str:
    return ",".join(str(v) for v in value) if isinstance(value, (tuple, list)) else str(value)


def player_link(run: LayerRun) -> tuple[str | None, str | None]:
    """The player URL for this layer with its real numbers, or None and why not."""
    if run.type not in PLAYABLE:
        return None, f"{run.type} has no player"
    if run.input.ndim != 3:
        return None, "the input is flat: players show (C, H, W) volumes"
    if run.input.size > LINK_VALUES:
        return None, f"its input has {run.input.size:,} values, too many for a link (at most {LINK_VALUES:,})"
    query: dict[str, str] = {"input": format_array(run.input)}
    p = run.params
    if run.type == "conv2d":
        assert run.weight is not None
        query["weight"] = format_array(run.weight)
        query["bias"] = format_array(run.bias) if run.bias is not None else "false"
        query.update(stride=_pair(p["stride"]), padding=_pair(p["padding"]), dilation=_pair(p["dilation"]))
        query.update(groups=str(p["groups"]), padding_mode=p["padding_mode"])
    elif run.type in ("max_pool2d", "avg_pool2d", "lp_pool2d"):
        query.update(
            kernel_size=_pair(p["kernel_size"]), stride=_pair(p["stride"]), ceil_mode=str(p["ceil_mode"]).lower()
        )
        if "padding" in p:
            query["padding"] = _pair(p["padding"])
        if "dilation" in p:
            query["dilation"] = _pair(p["dilation"])
        if run.type == "avg_pool2d":
            query["count_include_pad"] = str(p["count_include_pad"]).lower()
            if p["divisor_override"] is not None:
                query["divisor_override"] = str(p["divisor_override"])
        if run.type == "lp_pool2d":
            query["norm_type"] = str(p["norm_type"])
    elif run.type == "dropout":
        query.update(p=str(p["p"]), training="false")  # as the stack ran it; the player can switch to training
    return f"/play/{run.type}?{urlencode(query, safe=',;|/')}", None


def _range(values: np.ndarray) -> list[float]:
    return [float(values.min()), float(values.max())]


@router.post(
    "/api/stack/run",
    tags=["shapes"],
    summary="Run a seeded input through the stack; each layer's shapes, value range and a link to its player",
    responses={413: {"description": "a size over a cap in settings"}, 422: {"description": "a layer that fails"}},
)
def stack_run(body: StackRunRequest, cfg: Annotated[Settings, Depends(get_settings)]) -> Response:
    checked = checked_stack(body, cfg)
    if isinstance(checked, Response):
        return checked
    runs = run_stack(checked, body.seed, cfg.max_macs, cfg.max_window_values, cfg.max_output_values)
    layers = []
    for run in runs:
        link, note = player_link(run)
        layers.append(
            {
                "index": run.index,
                "type": run.type,
                "input_shape": list(run.input.shape),
                "output_shape": list(run.output.shape),
                "output_range": _range(run.output),
                "player": link,
                "note": note,
            }
        )
    final = runs[-1].output if runs else None
    answer = {
        "seed": body.seed,
        "layers": layers,
        "output": final if final is not None and final.size <= LINK_VALUES else None,
    }
    return Response(orjson.dumps(answer, option=orjson.OPT_SERIALIZE_NUMPY), media_type="application/json")
