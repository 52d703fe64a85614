"""Export: GET /api/{op}/animation.gif and /api/{op}/frame.png draw the trace the player shows.

The query is GET /api/{op}/trace's (same model, same builder, so the same 422 and 413)
plus ``frames`` (default: every step up to the cap, fewer if the pixel cap needs it), ``size``
and ``duration`` for the GIF or ``step`` for the PNG. Every
check, the pixel cap included, runs before a pixel is drawn. Same URL, same bytes.
"""

import io
import re
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import Field, create_model

from app.api import build
from app.config import Settings, get_settings
from app.engine.errors import Described, ParamError, TooLargeError
from app.engine.specs import OPS
from app.export import render_png
from app.http import busy
from app.http.frames import Trace
from app.schemas import traces as s
from app.schemas.traces import QUERIES

router = APIRouter(tags=["export"])
_S = get_settings()
EXPORT_ONLY = {"frames", "size", "duration", "step", "detail", "input", "weight", "grad_output"}
DOC: dict[int | str, dict[str, Any]] = {
    413: {"description": "a size over a cap in settings (frames x width x height for a GIF)"},
    422: {"description": "a parameter broke a rule; the message names it, the value and the rule"},
    503: {"description": "max_expensive expensive requests are running; see Retry-After"},
}
Size = Annotated[
    int | None, Field(ge=render_png.MIN_CELL, le=64, description="cell size in px (default: as large as fits)")
]


def gif_query(base: type[s.Query]) -> Any:
    frames = Annotated[
        int | None,
        Field(ge=1, le=_S.max_gif_frames, description="frames at most; steps are sampled evenly beyond"),
    ]
    duration = Annotated[int, Field(ge=20, le=5000, description="ms per frame")]
    return create_model(
        f"{base.__name__}Gif", __base__=base, frames=(frames, None), size=(Size, None), duration=(duration, 400)
    )


def png_query(base: type[s.Query]) -> Any:
    step = Annotated[int, Field(ge=0, le=_S.max_steps_compact, description="the step drawn, from 0")]
    return create_model(f"{base.__name__}Png", __base__=base, step=(step, 0), size=(Size, None))


def filename(op: str, query: s.Query, ext: str) -> str:
    """conv2d-stride2-padding1.gif: the op and the parameters that differ from the defaults."""
    parts = [op]
    for key, value in query.model_dump(exclude_defaults=True).items():
        if key not in EXPORT_ONLY:
            parts.append(key.replace("_", "") + re.sub(r"[^A-Za-z0-9.]+", "x", str(value).strip()))
    return "-".join(parts)[:100] + ext


def cell_size(trace: Trace, size: int | None, frames: int, cfg: Settings) -> int:
    """The cell size asked for, or the largest that fits; TooLargeError over the pixel cap."""
    cell = size or render_png.auto_cell(trace, frames, cfg.max_gif_pixels)
    width, height = render_png.canvas_size(trace, cell)
    pixels = frames * width * height
    if pixels > cfg.max_gif_pixels:
        raise TooLargeError(
            "frames x width x height",
            Described(f"{frames} frames of {width}x{height} px = {pixels:,} pixels"),
            f"the cap is {cfg.max_gif_pixels:,} pixels (max_gif_pixels); ask for fewer frames or a smaller size",
        )
    return cell


def encode_gif(frames: list[Any], duration: int) -> bytes:
    """An endless loop, the last frame held longer; no timestamps, so the bytes depend on the frames only."""
    out = io.BytesIO()
    durations = [duration] * (len(frames) - 1) + [max(duration, 1500)]
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0)
    return out.getvalue()


def _headers(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}  # ETag, Cache-Control: app/http/caching.py


def _add(op: str, gif_model: Any, png_model: Any, from_query: Any) -> None:

    def get_gif(query: Annotated[gif_model, Query()], cfg: Annotated[Settings, Depends(get_settings)]) -> Response:
        trace = from_query(query, cfg)
        total = trace.total_steps
        count = min(total, query.frames or cfg.max_gif_frames)
        if query.frames is None and query.size is None:  # by default, fewer frames rather than a 413
            width, height = render_png.canvas_size(trace, render_png.MIN_CELL)
            count = max(1, min(count, cfg.max_gif_pixels // (width * height)))
        steps = render_png.sample_steps(total, count)
        cell = cell_size(trace, query.size, len(steps), cfg)
        with busy.take(cfg, "GIF rendering"):
            frames = list(render_png.Renderer(trace, cell).frames(steps))
            gif = encode_gif(frames, query.duration)
        headers = _headers(filename(op, query, ".gif")) | {"X-ConvScope-Frames": f"{len(steps)}/{total}"}
        return Response(gif, media_type="image/gif", headers=headers)

    def get_png(query: Annotated[png_model, Query()], cfg: Annotated[Settings, Depends(get_settings)]) -> Response:
        trace = from_query(query, cfg)
        total = trace.total_steps
        if query.step >= total:
            raise ParamError("step", query.step, f"must be from 0 to {total - 1} (this trace has {total} steps)")
        gif_frames = min(total, cfg.max_gif_frames)  # the cell the GIF would have: the PNG is one of its frames
        cell = cell_size(trace, query.size or render_png.auto_cell(trace, gif_frames, cfg.max_gif_pixels), 1, cfg)
        out = io.BytesIO()
        with busy.take(cfg, "PNG rendering"):
            render_png.Renderer(trace, cell).frame(query.step).save(out, format="PNG")
        name = filename(op, query, f"-step{query.step}.png")
        return Response(out.getvalue(), media_type="image/png", headers=_headers(name))

    router.add_api_route(
        f"/api/{op}/animation.gif",
        get_gif,
        methods=["GET"],
        summary=f"{op} as an animated GIF: the player's view, one frame per step (sampled beyond the cap)",
        response_class=Response,
        responses={200: {"content": {"image/gif": {}}}, **DOC},
        operation_id=f"get_{op}_animation",
    )
    router.add_api_route(
        f"/api/{op}/frame.png",
        get_png,
        methods=["GET"],
        summary=f"One step of {op} as a PNG: the player's view at that step",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}, **DOC},
        operation_id=f"get_{op}_frame",
    )


for _op, _spec in OPS.items():
    _add(_op, gif_query(QUERIES[_op]), png_query(QUERIES[_op]), partial(build.from_query, _spec))
