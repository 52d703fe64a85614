"""The FastAPI application: routers, static files, templates, error handlers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import __version__
from app.api import augment, classroom, exercises, exports, images, ops, stack, stack_run, traces, transfer
from app.config import get_settings
from app.engine.errors import ParamError
from app.http import errors
from app.http.busy import ServerBusy, busy_handler
from app.http.caching import HttpCaching
from app.http.compression import Compression
from app.http.head import HeadAsGet
from app.http.headers import SecurityHeaders
from app.http.limits import BodySizeLimit
from app.pages import classroom as classroom_pages
from app.pages import embed, missing, oembed, palette, players
from app.pages import images as image_pages
from app.pages import lessons as lesson_pages
from app.pages import transfer as transfer_page

ROOT = Path(__file__).resolve().parent.parent


class ConvScope(FastAPI):
    def openapi(self) -> dict[str, Any]:
        """FastAPI's document with the errors as they are sent (every 4xx/5xx body is errors.ErrorBody)."""
        return errors.document_errors(super().openapi())


def create_app() -> FastAPI:
    app = ConvScope(
        title="ConvScope",
        version=__version__,
        summary="Every step of what a CNN course teaches, computed exactly as PyTorch does, streamed as NDJSON.",
        lifespan=classroom.lifespan,  # the live classroom's hub and its broker (memory or Redis)
    )
    app.add_exception_handler(RequestValidationError, errors.validation_handler)
    app.add_exception_handler(ParamError, errors.param_error_handler)
    app.add_exception_handler(StarletteHTTPException, errors.http_error_handler)
    app.add_exception_handler(404, missing.not_found)
    app.add_exception_handler(Exception, errors.server_error_handler)
    app.add_exception_handler(ServerBusy, busy_handler)
    app.add_middleware(BodySizeLimit, max_bytes=get_settings().max_body_bytes)
    app.add_middleware(HttpCaching)
    app.add_middleware(Compression)  # outside HttpCaching: it tags the identity body, this names the coding
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HeadAsGet)  # outermost: a HEAD is the GET it stands for, through every middleware
    app.include_router(ops.router)
    app.include_router(traces.router)
    app.include_router(stack.router)
    app.include_router(stack_run.router)
    app.include_router(images.router)
    app.include_router(augment.router)
    app.include_router(transfer.router)
    app.include_router(exports.router)
    app.include_router(exercises.router)
    app.include_router(classroom.router)
    app.include_router(transfer_page.router)
    app.include_router(image_pages.router)
    app.include_router(lesson_pages.router)
    app.include_router(classroom_pages.router)
    app.include_router(embed.router)
    app.include_router(oembed.router)
    app.include_router(players.router)
    app.include_router(palette.router)
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
    return app


app = create_app()
