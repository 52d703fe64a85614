"""The student's way into a live class (docs/CLASSROOM.md): GET /join, a form to type the code, and
GET /join/{code}, the page that joins the room (static/js/pages/join/join.js) and then follows the
teacher. A code that cannot be a room's, or a room that does not exist (never made, ended or
expired: GET /api/classroom/{code} answers 404), is said in words on the page, with the form again.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.classroom import hub_of
from app.classroom import codes
from app.classroom.broker import BrokerDown
from app.classroom.hub import STORE_DOWN_MESSAGE
from app.engine.errors import ParamError
from app.pages.templates import templates

router = APIRouter()
SHOWN = 12  # characters of a wrong code said back on the page


def _form(request: Request, typed: str = "", message: str | None = None, status: int = 200) -> Response:
    context = {"code": None, "typed": typed[:SHOWN], "message": message}
    return templates.TemplateResponse(request, "join.html", context, status_code=status)


def _not_a_code(typed: str) -> str:
    return f"“{typed.strip()[:SHOWN]}” is not a class code: a code {codes.CODE_RULE}."


@router.get("/join", response_class=HTMLResponse, include_in_schema=False)
async def join_form(request: Request, code: str = "") -> Response:
    if not code.strip():
        return _form(request)
    try:
        room = codes.read_code(code)
    except ParamError:
        return _form(request, code, _not_a_code(code), 422)
    return RedirectResponse(f"/join/{room}", status_code=303)


@router.get("/join/{code}", response_class=HTMLResponse, include_in_schema=False)
async def join_room(request: Request, code: str) -> Response:
    try:
        room = codes.read_code(code)
    except ParamError:
        return _form(request, code, _not_a_code(code), 404)
    try:
        hub = await hub_of(request.app)
        exists = await hub.broker.get_room(room) is not None
    except BrokerDown:
        return _form(request, room, f"This class cannot be joined right now: {STORE_DOWN_MESSAGE}.", 503)
    if not exists:
        message = (
            f"There is no class {room} right now: it has ended, or the code is not quite right. "
            "Check the code on your teacher's screen and type it again."
        )
        return _form(request, room, message, 404)
    return templates.TemplateResponse(request, "join.html", {"code": room, "typed": room, "message": None})
