"""The classroom's HTTP and WebSocket routes (docs/CLASSROOM.md): POST /api/classroom,
GET /api/classroom/{code}, its QR code, and the live channel /api/classroom/{code}/live.

The hub (app/classroom/hub.py) is made in the app's lifespan over the broker the settings choose:
in memory, or Redis when CONVSCOPE_REDIS_URL is set, and closed there (its heartbeat cancelled). An app
served without its lifespan (the tests' in-process client, not entered) makes it on first use.
"""

from __future__ import annotations

import asyncio
import importlib
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import segno
from fastapi import APIRouter, FastAPI, HTTPException, Request, WebSocket
from fastapi import Path as PathParam
from fastapi.responses import Response

from app.classroom import codes
from app.classroom.broker import Broker, BrokerDown, RoomsFull
from app.classroom.hub import STORE_DOWN_MESSAGE, Hub, no_room
from app.classroom.memory import MemoryBroker
from app.config import Settings, get_settings
from app.engine.errors import Described, ParamError
from app.http.errors import error_response, problem
from app.schemas.classroom import RoomCreated, RoomInfo

router = APIRouter(prefix="/api/classroom", tags=["classroom"])
CREATE_TRIES = 8  # codes drawn before giving up on a free one (20^6 = 64 million codes)
Code = Annotated[str, PathParam(description="the room's code, six letters (any case)")]


def settings_of(app: FastAPI) -> Settings:
    """The app's settings, as ``Depends(get_settings)`` would give them (tests override that)."""
    return app.dependency_overrides.get(get_settings, get_settings)()


def make_broker(settings: Settings) -> Broker:
    if settings.redis_url:
        module = importlib.import_module("app.classroom.redis_broker")
        broker: Broker = module.RedisBroker(settings.redis_url)
        return broker
    return MemoryBroker()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    hub = Hub(make_broker(settings_of(app)), settings_of(app))
    await hub.start()
    app.state.classroom = hub
    try:
        yield
    finally:
        del app.state.classroom
        await hub.close()


_making = asyncio.Lock()


async def hub_of(app: FastAPI) -> Hub:
    hub: Hub | None = getattr(app.state, "classroom", None)
    if hub is None:
        async with _making:
            hub = getattr(app.state, "classroom", None)
            if hub is None:
                hub = Hub(make_broker(settings_of(app)), settings_of(app))
                await hub.start()
                app.state.classroom = hub
    return hub


def _links(request: Request, code: str) -> dict[str, str]:
    root = request.scope.get("root_path", "")
    return {
        "join_url": f"{str(request.base_url).rstrip('/')}/join/{code}",
        "qr_url": f"{root}/api/classroom/{code}/qr.svg",
        "live_url": f"{root}/api/classroom/{code}/live",
    }


def _store_down() -> Response:
    return error_response(503, [problem(["server"], "redis_url", Described("no answer"), STORE_DOWN_MESSAGE)])


async def _existing(request: Request, code_text: str) -> tuple[Hub, str]:
    """The hub and the room's code, or a worded 404."""
    try:
        code = codes.read_code(code_text)
    except ParamError as err:
        raise HTTPException(404, str(err)) from None
    hub = await hub_of(request.app)
    if await hub.broker.get_room(code) is None:
        raise HTTPException(404, no_room(code))
    return hub, code


@router.post(
    "",
    status_code=201,
    response_model=RoomCreated,
    summary="Open a room: its code, the teacher's key and the students' join URL",
    responses={503: {"description": "max_rooms rooms are open, or the shared store cannot be reached"}},
)
async def create_room(request: Request) -> RoomCreated | Response:
    settings = settings_of(request.app)
    idle_s = settings.classroom_idle_s
    hub = await hub_of(request.app)
    key = codes.new_key()
    record = {"key_sha256": codes.key_digest(key)}
    try:
        for _ in range(CREATE_TRIES):
            code = codes.new_code()
            if await hub.broker.create_room(code, record, idle_s=idle_s, max_rooms=settings.max_rooms):
                return RoomCreated(code=code, teacher_key=key, idle_s=idle_s, **_links(request, code))
    except RoomsFull:
        cap = settings.max_rooms
        rule = f"at most {cap} rooms may be open at once (the cap in settings: CONVSCOPE_MAX_ROOMS)"
        return error_response(503, [problem(["server"], "rooms", Described(f"{cap} open"), rule)])
    except BrokerDown:
        return _store_down()
    raise RuntimeError(f"no free room code in {CREATE_TRIES} draws")


@router.get(
    "/{code}",
    response_model=RoomInfo,
    summary="A room: its join URL, QR code and how many students are present",
    responses={404: {"description": "no such room"}, 503: {"description": "the shared store cannot be reached"}},
)
async def get_room(request: Request, code: Code) -> RoomInfo | Response:
    try:
        hub, found = await _existing(request, code)
        present = await hub.broker.present(found, now=hub.clock(), window_s=hub.settings.presence_window_s)
    except BrokerDown:
        return _store_down()
    links = _links(request, found)
    return RoomInfo(code=found, join_url=links["join_url"], qr_url=links["qr_url"], present=present)


@router.get(
    "/{code}/qr.svg",
    summary="The room's join URL as a QR code (SVG)",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {}}},
        404: {"description": "no such room"},
        503: {"description": "the shared store cannot be reached"},
    },
)
async def room_qr(request: Request, code: Code) -> Response:
    try:
        _, found = await _existing(request, code)
    except BrokerDown:
        return _store_down()
    out = io.BytesIO()
    segno.make(_links(request, found)["join_url"], error="m").save(out, kind="svg", scale=8, border=2)
    return Response(out.getvalue(), media_type="image/svg+xml")


@router.websocket("/{code}/live")
async def live(websocket: WebSocket, code: str, key: str | None = None, student: str | None = None) -> None:
    """The live channel (docs/CLASSROOM.md): the teacher with ?key=, students with ?student=."""
    hub = await hub_of(websocket.app)
    await hub.serve(websocket, code, key, student)
