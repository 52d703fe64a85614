"""MemoryBroker (app/classroom/memory.py): the Broker contract in one process, expiry on an injected clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from app.classroom.broker import Json, RoomsFull
from app.classroom.memory import MemoryBroker
from tests.live import run_async

T = TypeVar("T")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run(body: Callable[[MemoryBroker, Clock], Awaitable[T]]) -> T:
    clock = Clock()
    return run_async(lambda: body(MemoryBroker(clock), clock))


def test_a_room_is_made_once_and_read_back() -> None:
    async def body(broker: MemoryBroker, _: Clock) -> None:
        assert await broker.create_room("KPRTXW", {"key_sha256": "ab"}, idle_s=60, max_rooms=5)
        assert not await broker.create_room("KPRTXW", {"key_sha256": "cd"}, idle_s=60, max_rooms=5)
        assert await broker.get_room("KPRTXW") == {"key_sha256": "ab"}
        assert await broker.get_room("ACDEFG") is None
        assert await broker.count_rooms() == 1
        await broker.delete_room("KPRTXW")
        assert await broker.get_room("KPRTXW") is None

    run(body)


def test_rooms_expire_after_idle_s_unless_touched() -> None:
    async def body(broker: MemoryBroker, clock: Clock) -> None:
        await broker.create_room("KPRTXW", {}, idle_s=60, max_rooms=5)
        await broker.create_room("ACDEFG", {}, idle_s=60, max_rooms=5)
        await broker.put("KPRTXW", "state", {"step": 1})
        clock.now += 50
        await broker.touch("KPRTXW", idle_s=60)
        clock.now += 20  # ACDEFG: 70 s idle; KPRTXW: 20 s since touched
        assert await broker.count_rooms() == 1
        assert await broker.get_room("ACDEFG") is None
        assert await broker.get("KPRTXW", "state") == {"step": 1}
        clock.now += 60
        assert await broker.get_room("KPRTXW") is None
        assert await broker.get("KPRTXW", "state") is None
        assert await broker.count_rooms() == 0

    run(body)


def test_the_room_cap_counts_live_rooms_only() -> None:
    async def body(broker: MemoryBroker, clock: Clock) -> None:
        await broker.create_room("AAAAAA", {}, idle_s=10, max_rooms=2)
        await broker.create_room("CCCCCC", {}, idle_s=100, max_rooms=2)
        with pytest.raises(RoomsFull):
            await broker.create_room("DDDDDD", {}, idle_s=100, max_rooms=2)
        clock.now += 11  # AAAAAA expired: a place is free
        assert await broker.create_room("DDDDDD", {}, idle_s=100, max_rooms=2)

    run(body)


def test_values_answers_and_presence() -> None:
    async def body(broker: MemoryBroker, _: Clock) -> None:
        await broker.create_room("KPRTXW", {}, idle_s=60, max_rooms=5)
        state = {"path": "/", "params": {}}
        await broker.put("KPRTXW", "state", state)
        state["path"] = "/changed"  # the broker keeps its own copy
        assert await broker.get("KPRTXW", "state") == {"path": "/", "params": {}}
        await broker.put("KPRTXW", "state", None)
        assert await broker.get("KPRTXW", "state") is None
        await broker.set_answer("KPRTXW", "student-1", {"answer": 3})
        await broker.set_answer("KPRTXW", "student-1", {"answer": 4})
        await broker.set_answer("KPRTXW", "student-2", {"answer": 4})
        assert await broker.answers("KPRTXW") == {"student-1": {"answer": 4}, "student-2": {"answer": 4}}
        await broker.clear_answers("KPRTXW")
        assert await broker.answers("KPRTXW") == {}
        await broker.mark_present("KPRTXW", ["a", "b"], now=100)
        await broker.mark_present("KPRTXW", ["c"], now=125)
        assert await broker.present("KPRTXW", now=130, window_s=30) == 3  # a and b seen 30 s ago: still in
        assert await broker.present("KPRTXW", now=131, window_s=30) == 1
        await broker.mark_gone("KPRTXW", "c")
        assert await broker.present("KPRTXW", now=131, window_s=30) == 0

    run(body)


def test_restore_writes_back_only_what_is_missing() -> None:
    async def body(broker: MemoryBroker, _: Clock) -> None:
        await broker.restore("KPRTXW", {"key_sha256": "ab"}, {"state": {"step": 1}}, idle_s=60)
        assert await broker.get_room("KPRTXW") == {"key_sha256": "ab"}
        await broker.put("KPRTXW", "state", {"step": 2})
        await broker.restore("KPRTXW", {"key_sha256": "zz"}, {"state": {"step": 1}, "question": {"id": "q"}}, idle_s=60)
        assert await broker.get_room("KPRTXW") == {"key_sha256": "ab"}
        assert await broker.get("KPRTXW", "state") == {"step": 2}
        assert await broker.get("KPRTXW", "question") == {"id": "q"}

    run(body)


def test_publish_reaches_on_message_for_subscribed_rooms_only() -> None:
    async def body(broker: MemoryBroker, _: Clock) -> list[Any]:
        got: list[tuple[str, Json]] = []

        async def on_message(code: str, message: Json) -> None:
            got.append((code, message))

        broker.on_message = on_message
        await broker.publish("KPRTXW", {"type": "state"})
        await broker.subscribe("KPRTXW")
        await broker.publish("KPRTXW", {"type": "state"})
        await broker.publish("ACDEFG", {"type": "state"})
        await broker.unsubscribe("KPRTXW")
        await broker.publish("KPRTXW", {"type": "ended"})
        return got

    assert run(body) == [("KPRTXW", {"type": "state"})]
