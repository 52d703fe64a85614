"""POST /api/stack/run: a seeded input through the stack, each layer with a link to its player.

The link (``player``) carries the layer's real input (and a conv2d layer's weights and bias)
as text in the player's own parameters, so the player shows the very numbers the stack
computed. Inputs over ``LINK_VALUES`` values get no such link (a URL that long helps no
one): ``player_seeded`` then opens the player on a seeded input of the same shape. A layer
the players cannot take (no player, a flat input, over a cap in settings) gets neither, and
``note`` says why. These are the only player links: the stack builder page builds none.
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
from app.engine.specs import OPS
from app.http.textarrays import format_array
from app.schemas.numbers import WHOLE
from app.schemas.stack import StackRequest
from app.stack.run import LayerRun, run_stack

router = APIRouter()
LINK_VALUES = 4096
PLAYABLE = {name for name, spec in OPS.items() if spec.player}  # the ops with a player (/play/{op})


class StackRunRequest(StackRequest):
    seed: Annotated[int, Field(strict=True, ge=0, le=MAX_SEED, description="seed of the input and weights"), WHOLE] = 0


def _pair(value: Any) -> str:
    return ",".join(str(v) for v in value) if isinstance(value, (tuple, list)) else str(value)


def _text(value: Any) -> str:
    """A parameter's value as a player's query writes it: true/false, "5,3", "2"."""
    if isinstance(value, bool):
        return str(value).lower()
    return _pair(value)


def _layer_query(run: LayerRun, *, numbers: bool) -> dict[str, str]:
    """The layer's own module parameters in its player's query, read off its op specification.
    With ``numbers`` (the link carries the input, weight and bias), what those tensors fix
    (channels, kernel size, bias) is left out."""
    spec = OPS[run.type]
    fixed = {"in_channels", "out_channels", "kernel_size", "bias"} if numbers and "weight" in spec.takes else set()
    query = {p.name: _text(run.params[p.name]) for p in spec.module_params if p.name not in fixed}
    query = {name: text for name, text in query.items() if run.params[name] is not None}
    if run.type == "dropout":
        query["training"] = "false"  # as the stack ran it; the player can switch to training
    return query


def _over_player_caps(run: LayerRun, cfg: Settings) -> str | None:
    """Why the players cannot take this layer's input (the caps in settings), or None."""
    c, h, w = run.input.shape
    if h > cfg.max_side or w > cfg.max_side:
        return f"The players animate inputs up to {cfg.max_side} x {cfg.max_side}; this layer receives {h} x {w}."
    if c > cfg.max_channels:
        return f"The players take at most {cfg.max_channels} channels; this layer receives {c}."
    if run.type == "conv2d" and run.params["out_channels"] > cfg.max_filters:
        return f"The player shows at most {cfg.max_filters} filters; this layer has {run.params['out_channels']}."
    return None


def _link(op: str, query: dict[str, str]) -> str:
    return f"/play/{op}?{urlencode(query, safe=',;|/')}"


def player_link(run: LayerRun, cfg: Settings) -> tuple[str | None, str | None]:
    """The player URL for this layer with its real numbers, or None and why not."""
    if run.type not in PLAYABLE:
        return None, f"{run.type} has no player"
    if run.input.ndim != 3:
        return None, "the input is flat: players show (C, H, W) volumes"
    over = _over_player_caps(run, cfg)
    if over is not None:
        return None, over
    if run.input.size > LINK_VALUES:
        return None, f"its input has {run.input.size:,} values, too many for a link (at most {LINK_VALUES:,})"
    query: dict[str, str] = {"input": format_array(run.input)}
    if run.type == "conv2d":
        assert run.weight is not None
        query["weight"] = format_array(run.weight)
        query["bias"] = format_array(run.bias) if run.bias is not None else "false"
    return _link(run.type, query | _layer_query(run, numbers=True)), None


def seeded_link(run: LayerRun, cfg: Settings) -> str | None:
    """For a layer whose numbers are too many for a link: its player on a seeded input of the same
    shape, with the layer's parameters (and a conv2d layer's seeded weights). None when the
    players cannot take the layer at all."""
    if run.type not in PLAYABLE or run.input.ndim != 3 or _over_player_caps(run, cfg) is not None:
        return None
    c, h, w = run.input.shape
    query = {"in_channels": str(c), "height": str(h), "width": str(w)}
    return _link(run.type, query | _layer_query(run, numbers=False))


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
        link, note = player_link(run, cfg)
        layers.append(
            {
                "index": run.index,
                "type": run.type,
                "input_shape": list(run.input.shape),
                "output_shape": list(run.output.shape),
                "output_range": _range(run.output),
                "player": link,
                "note": note,
                "player_seeded": seeded_link(run, cfg) if link is None else None,
            }
        )
    final = runs[-1].output if runs else None
    answer = {
        "seed": body.seed,
        "layers": layers,
        "output": final if final is not None and final.size <= LINK_VALUES else None,
    }
    return Response(orjson.dumps(answer, option=orjson.OPT_SERIALIZE_NUMPY), media_type="application/json")
