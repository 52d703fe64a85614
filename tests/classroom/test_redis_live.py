"""The live classroom on real servers sharing one real Redis (docs/CLASSROOM.md, "One process, or many
with Redis"): two single-worker servers on two ports are two processes, so which process each socket
reaches is known; then one ``serve --workers 2``; then Redis stopped and started under a lesson.

The clients are the ``websockets`` package (installed with uvicorn[standard]); each test's coroutine
runs through tests.live.run_async, so these tests also run after the browser tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, ExitStack, contextmanager
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from app.lessons import exercises as ex
from tests.live import child_server, run_async
from tests.redis_server import RedisServer

Json = dict[str, Any]
STATE = {"path": "/play/conv2d", "params": {"stride": "2", "padding": "1"}, "step": 3, "playing": False, "speed": 1}
WAIT = 15.0  # seconds to wait for one message: a reconnection takes up to the broker's 2 s backoff


@contextmanager
def servers(url: str, count: int, *extra: str) -> Iterator[list[str]]:
    """``count`` servers (``python -m app serve <extra>``) sharing the Redis at ``url``: base URLs."""
    env = {"CONVSCOPE_REDIS_URL": url}
    with ExitStack() as stack:
        yield [stack.enter_context(child_server(["app", "serve", *extra], env))[0] for _ in range(count)]


@pytest.fixture(scope="module")
def two(redis_server: RedisServer) -> Iterator[list[str]]:
    """Two single-worker servers, two processes, on the session's Redis."""
    with servers(redis_server.url, 2) as bases:
        yield bases


class Peer:
    """One WebSocket of a page: what it received, in order, and a way to wait for a kind of message."""

    def __init__(self, ws: ClientConnection, name: str) -> None:
        self.ws, self.name = ws, name
        self.seen: list[Json] = []

    async def send(self, message: Json) -> None:
        await self.ws.send(orjson.dumps(message).decode())

    async def until(self, kind: str, **fields: Any) -> Json:
        """The next message of type ``kind`` (with these field values), skipping others."""
        deadline = time.monotonic() + WAIT
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"{self.name}: no {kind} {fields} within {WAIT:g} s; received {self.seen}"
            try:
                message = orjson.loads(await asyncio.wait_for(self.ws.recv(), left))
            except TimeoutError:
                continue
            self.seen.append(message)
            if message.get("type") == kind and all(message.get(k) == v for k, v in fields.items()):
                return message


def ws_url(base: str, room: Json, query: str) -> str:
    return base.replace("http://", "ws://") + room["live_url"] + query


async def join(stack: AsyncExitStack, base: str, room: Json, who: str) -> Peer:
    """``who`` is "teacher" or a student id; the page's socket, welcomed."""
    query = f"?key={room['teacher_key']}" if who == "teacher" else f"?student={who}"
    ws = await stack.enter_async_context(connect(ws_url(base, room, query), open_timeout=WAIT))
    peer = Peer(ws, f"{who}@{base}")
    await peer.until("welcome")
    return peer


async def open_room(base: str) -> Json:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{base}/api/classroom")
    assert response.status_code == 201, response.text
    room: Json = response.json()
    return room


def test_students_on_two_processes_see_the_same_room(two: list[str]) -> None:
    """Teacher on process A; one student on A, one on B: the same state, question, tally and reveal."""
    a, b = two
    exercise = ex.make("output_size", 7)

    async def body() -> None:
        room = await open_room(a)
        async with AsyncExitStack() as stack:
            teacher = await join(stack, a, room, "teacher")
            on_a = await join(stack, a, room, "student-on-a")
            on_b = await join(stack, b, room, "student-on-b")
            await teacher.until("presence", present=2)
            await teacher.send({"type": "state", "state": STATE})
            for student in (on_a, on_b):
                assert await student.until("state") == {"type": "state", "state": STATE}
            await teacher.send({"type": "question", "kind": "output_size", "seed": 7})
            asked = [(await student.until("question"))["question"] for student in (on_a, on_b)]
            assert asked[0] == asked[1] and asked[0]["kind"] == "output_size"
            question = asked[0]["id"]
            await on_a.send({"type": "answer", "answer": exercise.expected})
            await on_b.send({"type": "answer", "answer": exercise.expected + 1})
            assert (await on_b.until("answered"))["question"] == question
            tally = await teacher.until("tally", answered=2)
            assert tally["present"] == 2 and sorted(c["count"] for c in tally["counts"]) == [1, 1]
            await teacher.send({"type": "reveal"})
            seen = {name: await student.until("reveal") for name, student in (("a", on_a), ("b", on_b))}
            assert seen["a"]["correct"] is True and seen["b"]["correct"] is False
            for revealed in seen.values():
                assert revealed["expected"] == exercise.expected and revealed["answered"] == 2
            # A student who joins B late gets the latest state and the open question at once.
            moved = {**STATE, "step": 9}
            await teacher.send({"type": "state", "state": moved})
            await on_b.until("state", state=moved)
            late = await join(stack, b, room, "student-late")
            assert await late.until("state") == {"type": "state", "state": moved}
            assert (await late.until("question"))["question"]["id"] == question
            async with httpx.AsyncClient() as client:
                for base in (a, b):
                    info = (await client.get(f"{base}/api/classroom/{room['code']}")).json()
                    assert info["present"] == 3

    run_async(body)


def test_two_workers_share_rooms(redis: RedisServer) -> None:
    """``python -m app serve --workers 2`` with Redis: six students, whichever worker each reaches,
    all follow the teacher."""
    with servers(redis.url, 1, "--workers", "2") as (base,):

        async def body() -> None:
            room = await open_room(base)
            async with AsyncExitStack() as stack:
                teacher = await join(stack, base, room, "teacher")
                students = [await join(stack, base, room, f"student-{n}") for n in range(6)]
                await teacher.until("presence", present=6)
                await teacher.send({"type": "state", "state": STATE})
                for student in students:
                    assert await student.until("state") == {"type": "state", "state": STATE}

        run_async(body)


def test_redis_stop_and_start_under_a_lesson(two: list[str], redis_server: RedisServer) -> None:
    """Redis goes away: every page hears "reconnecting", the rest of the app keeps answering, a new
    room is refused in words. Redis comes back empty: pages hear "live", the workers have put the room
    back with its latest state, and the lesson goes on across both processes."""
    a, b = two
    moved = {**STATE, "step": 5}

    async def body() -> None:
        room = await open_room(a)
        async with AsyncExitStack() as stack:
            teacher = await join(stack, a, room, "teacher")
            on_a = await join(stack, a, room, "student-on-a")
            on_b = await join(stack, b, room, "student-on-b")
            await teacher.send({"type": "state", "state": moved})
            for student in (on_a, on_b):
                await student.until("state", state=moved)
            redis_server.stop()
            try:
                for peer in (teacher, on_a, on_b):
                    await peer.until("status", status="reconnecting")
                async with httpx.AsyncClient(timeout=30) as client:
                    for base in (a, b):
                        assert (await client.get(f"{base}/play/conv2d")).status_code == 200
                        trace = await client.get(f"{base}/api/conv2d/trace")
                        lines = trace.text.splitlines()
                        assert trace.status_code == 200 and orjson.loads(lines[0])["type"] == "header"
                        assert orjson.loads(lines[-1])["type"] == "done", lines[-1][:200]
                        assert (await client.get(f"{base}/healthz")).status_code == 200
                    refused = await client.post(f"{a}/api/classroom")
                    assert refused.status_code == 503
                    assert "cannot be reached" in refused.text
            finally:
                redis_server.start()
            for peer in (teacher, on_a, on_b):
                await peer.until("status", status="live")
            async with httpx.AsyncClient() as client:
                for base in (a, b):
                    assert (await client.get(f"{base}/api/classroom/{room['code']}")).status_code == 200
            late = await join(stack, b, room, "student-late")
            assert await late.until("state") == {"type": "state", "state": moved}
            again = {**moved, "step": 6}
            await teacher.send({"type": "state", "state": again})
            for student in (on_a, on_b, late):
                await student.until("state", state=again)

    run_async(body)


def test_a_worker_restart_costs_a_reconnect_not_the_room(two: list[str], redis_server: RedisServer) -> None:
    """The teacher's process stops (a deploy, a crash): the room lives on in Redis; the teacher's
    page reconnects to another process, gets the latest state back, and the class goes on."""
    a, _ = two
    moved = {**STATE, "step": 8}

    async def body() -> None:
        async with AsyncExitStack() as stack:
            third = servers(redis_server.url, 1)
            # Started and stopped on a thread: the loop must stay free for the sockets' close handshake.
            (doomed,) = await asyncio.to_thread(third.__enter__)
            try:
                room = await open_room(doomed)
                teacher = await join(stack, doomed, room, "teacher")
                student = await join(stack, a, room, "student-on-a")
                await teacher.send({"type": "state", "state": moved})
                await student.until("state", state=moved)
            finally:
                await asyncio.to_thread(third.__exit__, None, None, None)
            # The teacher's process is gone; the room is not.
            async with httpx.AsyncClient() as client:
                assert (await client.get(f"{a}/api/classroom/{room['code']}")).status_code == 200
            back = await join(stack, a, room, "teacher")
            assert await back.until("state") == {"type": "state", "state": moved}
            again = {**moved, "step": 9}
            await back.send({"type": "state", "state": again})
            assert await student.until("state", state=again) == {"type": "state", "state": again}

    run_async(body)
