"""The live channel through a real uvicorn on a loopback port (the ``live`` fixture: app.main.app, whose
hub is made on first use there), with a real WebSocket client: the state fans out to every student,
a reconnecting student gets the latest state first, and a flooding connection is closed 1008 with
its reason. The HTTP middlewares (caching, security headers, body limit) let the upgrade through."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.classroom.room import STATE
from tests.live import Live, run_async

STUDENTS = 5


async def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
    return message


async def open_room(live: Live) -> tuple[dict[str, Any], str]:
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        response = await http.post("/api/classroom")
    assert response.status_code == 201
    room: dict[str, Any] = response.json()
    assert room["join_url"] == f"{live.base_url}/join/{room['code']}"
    return room, live.base_url.replace("http://", "ws://") + room["live_url"]


def test_the_state_fans_out_over_real_sockets(live: Live) -> None:
    async def main() -> None:
        room, url = await open_room(live)
        async with connect(f"{url}?key={room['teacher_key']}") as teacher:
            assert (await receive(teacher))["role"] == "teacher"
            students = [await connect(f"{url}?student=student-{n}") for n in range(STUDENTS)]
            try:
                for n, student in enumerate(students):
                    assert (await receive(student))["student"] == f"student-{n}"
                    assert await receive(teacher) == {"type": "presence", "present": n + 1}
                for step in range(3):
                    await teacher.send(json.dumps({"type": "state", "state": {**STATE, "step": step}}))
                for student in students:
                    for step in range(3):
                        assert await receive(student) == {"type": "state", "state": {**STATE, "step": step}}
                await students[0].close()
                async with connect(f"{url}?student=student-0") as back:
                    assert (await receive(back))["type"] == "welcome"
                    assert await receive(back) == {"type": "state", "state": {**STATE, "step": 2}}
            finally:
                for student in students:
                    await student.close()

    run_async(main)


def test_a_flooding_socket_is_closed_1008_over_real_sockets(live: Live) -> None:
    async def main() -> tuple[int, str, list[str]]:
        _, url = await open_room(live)
        async with connect(f"{url}?student=student-1") as student:
            await receive(student)
            for _ in range(60):
                await student.send("{}")
            kinds = []
            try:
                while True:
                    kinds.append((await receive(student))["message"][:8])
            except ConnectionClosed as closed:
                assert closed.rcvd is not None
                return closed.rcvd.code, closed.rcvd.reason, kinds

    code, reason, messages = run_async(main)
    assert (code, reason) == (
        1008,
        "flooding: over 10 messages a second or 40 at once (CONVSCOPE_CLASSROOM_RATE, _BURST)",
    )
    assert messages[-1] == "messages"
    assert 40 <= len(messages) - 1 <= 45  # the burst, and what the rate refilled meanwhile
