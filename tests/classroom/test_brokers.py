"""The Broker contract (app/classroom/broker.py), on every broker: rooms, the rooms cap, expiry,
latest values, answers, presence, fan-out and restore. Then what only Redis has: two brokers as two
processes, keys that all expire, the cap under a race, and Redis going away and coming back.

Each test is a coroutine run by tests.live.run_async (its own loop, on its own thread)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest

from app.classroom.broker import BrokerDown, Json, RoomsFull
from app.classroom.memory import MemoryBroker
from app.classroom.redis_broker import RedisBroker
from tests.live import run_async
from tests.redis_server import RedisServer

Open = Callable[[], AbstractAsyncContextManager[Any]]
BROKERS = ["memory", "redis"]
RECORD = {"teacher_key_sha256": "ab" * 32, "created": 1.0}


@asynccontextmanager
async def opened(broker: Any) -> AsyncIterator[Any]:
    await broker.start()
    try:
        yield broker
    finally:
        await broker.close()


@pytest.fixture(params=BROKERS)
def store(request: pytest.FixtureRequest) -> Open:
    """Opens a started broker of each kind (Redis: on the test's emptied redis-server)."""
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis")
        return lambda: opened(RedisBroker(server.url))
    return lambda: opened(MemoryBroker())


def run(body: Callable[[], Awaitable[None]]) -> None:
    run_async(body)


class Inbox:
    """An on_message callback that keeps what it received."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Json]] = []

    async def __call__(self, code: str, message: Json) -> None:
        self.items.append((code, message))

    async def wait(self, count: int, timeout: float = 5) -> list[tuple[str, Json]]:
        deadline = time.monotonic() + timeout
        while len(self.items) < count:
            assert time.monotonic() < deadline, f"received {self.items}, expected {count} messages"
            await asyncio.sleep(0.01)
        return self.items


class Statuses:
    def __init__(self) -> None:
        self.seen: list[bool] = []

    async def __call__(self, up: bool) -> None:
        self.seen.append(up)

    async def wait(self, expected: list[bool], timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while self.seen != expected:
            assert time.monotonic() < deadline, f"on_status saw {self.seen}, expected {expected}"
            await asyncio.sleep(0.02)


# --- the contract, every broker -------------------------------------------------------------


def test_rooms_are_made_once_read_and_deleted(store: Open) -> None:
    async def body() -> None:
        async with store() as broker:
            assert await broker.create_room("KPRTXW", RECORD, idle_s=60, max_rooms=10) is True
            assert await broker.create_room("KPRTXW", {"other": 1}, idle_s=60, max_rooms=10) is False
            assert await broker.get_room("KPRTXW") == RECORD
            assert await broker.get_room("ACDEFG") is None
            assert await broker.count_rooms() == 1
            await broker.put("KPRTXW", "state", {"path": "/play/conv2d"})
            await broker.set_answer("KPRTXW", "student-1", {"answer": 3})
            await broker.delete_room("KPRTXW")
            assert await broker.get_room("KPRTXW") is None
            assert await broker.get("KPRTXW", "state") is None
            assert await broker.answers("KPRTXW") == {}
            assert await broker.count_rooms() == 0
            assert await broker.create_room("KPRTXW", RECORD, idle_s=60, max_rooms=10) is True

    run(body)


def test_rooms_cap_refuses_then_frees_a_place(store: Open) -> None:
    async def body() -> None:
        async with store() as broker:
            for code in ("AAAAAA", "CCCCCC"):
                assert await broker.create_room(code, RECORD, idle_s=60, max_rooms=2)
            with pytest.raises(RoomsFull):
                await broker.create_room("DDDDDD", RECORD, idle_s=60, max_rooms=2)
            assert await broker.get_room("DDDDDD") is None
            # A taken code is answered False before the cap is looked at.
            assert await broker.create_room("AAAAAA", RECORD, idle_s=60, max_rooms=2) is False
            await broker.delete_room("AAAAAA")
            assert await broker.create_room("DDDDDD", RECORD, idle_s=60, max_rooms=2) is True
            assert await broker.count_rooms() == 2

    run(body)


def test_rooms_expire_when_idle_and_touch_keeps_them(store: Open) -> None:
    async def body() -> None:
        async with store() as broker:
            await broker.create_room("AAAAAA", RECORD, idle_s=1, max_rooms=2)
            await broker.create_room("CCCCCC", RECORD, idle_s=1, max_rooms=2)
            for code in ("AAAAAA", "CCCCCC"):
                await broker.put(code, "state", {"step": 1})
                await broker.set_answer(code, "student-1", {"answer": 1})
                await broker.mark_present(code, ["student-1"], now=time.time())
            for _ in range(3):  # 1.8 s in all, past the 1 s idle time of a room left alone
                await asyncio.sleep(0.6)
                await broker.touch("AAAAAA", idle_s=1)
            assert await broker.get_room("CCCCCC") is None
            assert await broker.get("CCCCCC", "state") is None
            assert await broker.answers("CCCCCC") == {}
            assert await broker.present("CCCCCC", now=time.time(), window_s=30) == 0
            assert await broker.get_room("AAAAAA") == RECORD
            assert await broker.get("AAAAAA", "state") == {"step": 1}
            assert await broker.answers("AAAAAA") == {"student-1": {"answer": 1}}
            assert await broker.count_rooms() == 1
            # An expired room frees its place under the cap.
            assert await broker.create_room("DDDDDD", RECORD, idle_s=1, max_rooms=2) is True
            await asyncio.sleep(1.3)
            assert await broker.count_rooms() == 0
            assert await broker.get_room("AAAAAA") is None

    run(body)


def test_latest_values_are_set_replaced_and_deleted(store: Open) -> None:
    async def body() -> None:
        async with store() as broker:
            for code in ("AAAAAA", "CCCCCC"):
                await broker.create_room(code, RECORD, idle_s=60, max_rooms=10)
            state = {"path": "/play/conv2d", "params": {"stride": "2"}, "step": 4, "playing": False, "speed": 1.5}
            await broker.put("AAAAAA", "state", state)
            await broker.put("AAAAAA", "question", {"id": "q1", "kind": "conv2d-output-size"})
            assert await broker.get("AAAAAA", "state") == state
            assert await broker.get("CCCCCC", "state") is None  # rooms do not share values
            await broker.put("AAAAAA", "state", {**state, "step": 5})
            assert (await broker.get("AAAAAA", "state"))["step"] == 5
            await broker.put("AAAAAA", "question", None)
            assert await broker.get("AAAAAA", "question") is None
            assert await broker.get("AAAAAA", "reveal") is None
            assert (await broker.get("AAAAAA", "state"))["step"] == 5

    run(body)


def test_answers_are_kept_per_student_and_cleared(store: Open) -> None:
    async def body() -> None:
        async with store() as broker:
            await broker.create_room("AAAAAA", RECORD, idle_s=60, max_rooms=10)
            await broker.set_answer("AAAAAA", "student-1", {"answer": 3, "correct": False})
            await broker.set_answer("AAAAAA", "student-2", {"answer": 4, "correct": True})
            await broker.set_answer("AAAAAA", "student-1", {"answer": 4, "correct": True})  # changed their mind
            assert await broker.answers("AAAAAA") == {
                "student-1": {"answer": 4, "correct": True},
                "student-2": {"answer": 4, "correct": True},
            }
            await broker.clear_answers("AAAAAA")
            assert await broker.answers("AAAAAA") == {}

    run(body)


def test_presence_counts_students_seen_within_the_window(store: Open) -> None:
    async def body() -> None:
        async with store() as broker:
            await broker.create_room("AAAAAA", RECORD, idle_s=60, max_rooms=10)
            await broker.mark_present("AAAAAA", ["s-a", "s-b"], now=1000.0)
            await broker.mark_present("AAAAAA", ["s-c"], now=1020.0)
            await broker.mark_present("AAAAAA", [], now=1020.0)
            # (A broker may forget students older than the window it was last asked about: widest first.)
            assert await broker.present("AAAAAA", now=1025.0, window_s=30) == 3
            assert await broker.present("AAAAAA", now=1025.0, window_s=10) == 1
            await broker.mark_present("AAAAAA", ["s-a"], now=1024.0)  # seen again: counted once
            assert await broker.present("AAAAAA", now=1025.0, window_s=10) == 2
            await broker.mark_gone("AAAAAA", "s-a")
            assert await broker.present("AAAAAA", now=1025.0, window_s=10) == 1
            assert await broker.present("CCCCCC", now=1025.0, window_s=30) == 0

    run(body)


def test_publish_reaches_subscribed_rooms_only(store: Open) -> None:
    async def body() -> None:
        async with store() as broker:
            inbox = Inbox()
            broker.on_message = inbox
            await broker.subscribe("AAAAAA")
            await broker.publish("CCCCCC", {"type": "state", "n": 0})  # not subscribed: not received
            await broker.publish("AAAAAA", {"type": "state", "n": 1})
            assert await inbox.wait(1) == [("AAAAAA", {"type": "state", "n": 1})]
            await broker.unsubscribe("AAAAAA")
            await broker.publish("AAAAAA", {"type": "state", "n": 2})
            await broker.subscribe("CCCCCC")
            await broker.publish("CCCCCC", {"type": "state", "n": 3})
            assert await inbox.wait(2) == [("AAAAAA", {"type": "state", "n": 1}), ("CCCCCC", {"type": "state", "n": 3})]

    run(body)


def test_restore_writes_only_what_is_missing(store: Open) -> None:
    async def body() -> None:
        async with store() as broker:
            await broker.create_room("AAAAAA", RECORD, idle_s=60, max_rooms=10)
            await broker.put("AAAAAA", "state", {"step": 7})
            await broker.restore("AAAAAA", {"other": 1}, {"state": {"step": 1}, "question": {"id": "q"}}, idle_s=60)
            assert await broker.get_room("AAAAAA") == RECORD
            assert await broker.get("AAAAAA", "state") == {"step": 7}
            assert await broker.get("AAAAAA", "question") == {"id": "q"}
            await broker.delete_room("AAAAAA")
            await broker.restore("AAAAAA", RECORD, {"state": {"step": 7}}, idle_s=60)
            assert await broker.get_room("AAAAAA") == RECORD
            assert await broker.get("AAAAAA", "state") == {"step": 7}
            assert await broker.count_rooms() == 1

    run(body)


# --- Redis only -------------------------------------------------------------------------------


def test_fan_out_between_two_processes(redis: RedisServer) -> None:
    """Two brokers are two workers: each receives what either publishes, in its subscribed rooms."""

    async def body() -> None:
        async with opened(RedisBroker(redis.url)) as one, opened(RedisBroker(redis.url)) as two:
            inbox_one, inbox_two = Inbox(), Inbox()
            one.on_message, two.on_message = inbox_one, inbox_two
            await one.create_room("AAAAAA", RECORD, idle_s=60, max_rooms=10)
            assert await two.get_room("AAAAAA") == RECORD  # one store
            await one.subscribe("AAAAAA")
            await one.subscribe("CCCCCC")
            await two.subscribe("AAAAAA")
            await two.publish("AAAAAA", {"type": "state", "from": "two"})
            await one.publish("AAAAAA", {"type": "tally", "from": "one"})
            await one.publish("CCCCCC", {"type": "state", "from": "one"})
            expected = [("AAAAAA", {"type": "state", "from": "two"}), ("AAAAAA", {"type": "tally", "from": "one"})]
            assert await inbox_two.wait(2) == expected
            assert sorted(map(str, await inbox_one.wait(3))) == sorted(
                map(str, [*expected, ("CCCCCC", {"type": "state", "from": "one"})])
            )
            await asyncio.sleep(0.1)
            assert len(inbox_two.items) == 2  # never subscribed to CCCCCC

    run(body)


def test_every_key_of_a_room_has_the_idle_ttl(redis: RedisServer) -> None:
    async def body() -> None:
        async with opened(RedisBroker(redis.url)) as broker:
            await broker.create_room("AAAAAA", RECORD, idle_s=100, max_rooms=10)
            await broker.put("AAAAAA", "state", {"step": 1})
            await broker.set_answer("AAAAAA", "s-1", {"answer": 1})
            await broker.mark_present("AAAAAA", ["s-1"], now=time.time())
            await broker.touch("AAAAAA", idle_s=200)
            # A key made after the last touch expires with the room too.
            await broker.clear_answers("AAAAAA")
            await broker.set_answer("AAAAAA", "s-2", {"answer": 2})
            keys = sorted(k.decode() for k in await broker.redis.keys("convscope:*"))
            assert keys == [
                "convscope:room:AAAAAA:answers",
                "convscope:room:AAAAAA:present",
                "convscope:room:AAAAAA:record",
                "convscope:room:AAAAAA:values",
                "convscope:rooms",
            ]
            for name in keys[:-1]:
                assert 190 < await broker.redis.ttl(name) <= 200, name
            score = await broker.redis.zscore("convscope:rooms", "AAAAAA")
            assert abs(score / 1000 - (time.time() + 200)) < 5
            # A write to a room that is gone leaves no key behind.
            await broker.delete_room("AAAAAA")
            await broker.put("AAAAAA", "state", {"step": 2})
            await broker.set_answer("AAAAAA", "s-1", {"answer": 1})
            await broker.mark_present("AAAAAA", ["s-1"], now=time.time())
            assert await broker.redis.keys("convscope:room:*") == []

    run(body)


def test_rooms_cap_holds_when_workers_race(redis: RedisServer) -> None:
    async def body() -> None:
        async with opened(RedisBroker(redis.url)) as one, opened(RedisBroker(redis.url)) as two:
            codes = [f"ROOM{n:02d}" for n in range(20)]
            results = await asyncio.gather(
                *(
                    (one if n % 2 else two).create_room(code, RECORD, idle_s=60, max_rooms=5)
                    for n, code in enumerate(codes)
                ),
                return_exceptions=True,
            )
            assert sum(result is True for result in results) == 5
            assert all(isinstance(result, RoomsFull) for result in results if result is not True)
            assert await one.count_rooms() == 5
            # Two workers picking the same code: exactly one gets it.
            taken = await asyncio.gather(
                *(b.create_room("SAME00", RECORD, idle_s=60, max_rooms=50) for b in (one, two))
            )
            assert sorted(taken) == [False, True]

    run(body)


def test_restore_after_flushall(redis: RedisServer) -> None:
    async def body() -> None:
        async with opened(RedisBroker(redis.url)) as broker:
            await broker.create_room("AAAAAA", RECORD, idle_s=60, max_rooms=10)
            await broker.put("AAAAAA", "state", {"step": 3})
            redis.flushall()
            assert await broker.get_room("AAAAAA") is None
            await broker.restore("AAAAAA", RECORD, {"state": {"step": 3}, "question": {"id": "q"}}, idle_s=60)
            assert await broker.get_room("AAAAAA") == RECORD
            assert await broker.get("AAAAAA", "state") == {"step": 3}
            assert await broker.get("AAAAAA", "question") == {"id": "q"}
            assert await broker.count_rooms() == 1
            assert 55 < await broker.redis.ttl("convscope:room:AAAAAA:values") <= 60

    run(body)


def test_redis_stop_and_start(redis: RedisServer) -> None:
    """Redis goes away: on_status(False), every operation raises BrokerDown in words; it comes back
    empty: on_status(True), the rooms are subscribed again, and restore puts the room back."""

    async def body() -> None:
        async with opened(RedisBroker(redis.url)) as broker, opened(RedisBroker(redis.url)) as other:
            inbox, statuses = Inbox(), Statuses()
            broker.on_message, broker.on_status = inbox, statuses
            await broker.create_room("AAAAAA", RECORD, idle_s=60, max_rooms=10)
            await broker.put("AAAAAA", "state", {"step": 2})
            await broker.subscribe("AAAAAA")
            redis.stop()
            await statuses.wait([False])
            assert not broker.connected
            down = f"the shared store \\(Redis at 127.0.0.1:{redis.port}/0\\) cannot be reached: "
            for operation in (
                broker.get_room("AAAAAA"),
                broker.create_room("CCCCCC", RECORD, idle_s=60, max_rooms=10),
                broker.touch("AAAAAA", idle_s=60),
                broker.put("AAAAAA", "state", {"step": 3}),
                broker.answers("AAAAAA"),
                broker.present("AAAAAA", now=time.time(), window_s=30),
                broker.publish("AAAAAA", {"type": "state"}),
                broker.subscribe("CCCCCC"),
                broker.count_rooms(),
            ):
                with pytest.raises(BrokerDown, match=down):
                    await operation
            redis.start()
            await statuses.wait([False, True])
            assert broker.connected
            assert await broker.get_room("AAAAAA") is None  # no persistence: the room is gone ...
            await broker.restore("AAAAAA", RECORD, {"state": {"step": 2}}, idle_s=60)  # ... until restored
            assert await broker.get("AAAAAA", "state") == {"step": 2}
            await other.publish("AAAAAA", {"type": "state", "after": "restart"})  # subscribed again
            assert await inbox.wait(1) == [("AAAAAA", {"type": "state", "after": "restart"})]

    run(body)


def test_start_with_redis_down_does_not_raise(redis_server: RedisServer) -> None:
    async def body() -> None:
        with redis_server.stopped():
            broker = RedisBroker(redis_server.url)
            statuses = Statuses()
            broker.on_status = statuses
            await broker.start()
            await statuses.wait([False])
            with pytest.raises(BrokerDown, match="cannot be reached"):
                await broker.count_rooms()
        try:
            await statuses.wait([False, True])
            assert await broker.count_rooms() >= 0
        finally:
            await broker.close()

    run(body)


def test_messages_name_no_password() -> None:
    broker = RedisBroker("redis://user:s3cret@127.0.0.1:1/2")
    assert broker.where == "127.0.0.1:1/2"
    assert "s3cret" not in str(broker._down(ConnectionError("refused")))


def test_a_redis_gone_silent_is_noticed(redis: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Redis frozen (SIGSTOP: the connection stays open, nothing answers): the listener's pings get no
    pong, and after SILENT_S it gives the connection up (on_status(False)); thawed, it is back."""
    import signal

    import app.classroom.redis_broker as redis_broker

    monkeypatch.setattr(redis_broker, "PING_EVERY_S", 0.2)
    monkeypatch.setattr(redis_broker, "SILENT_S", 1.0)
    monkeypatch.setattr(redis_broker, "SUBSCRIBE_WAIT_S", 0.5)

    async def body() -> None:
        async with opened(RedisBroker(redis.url)) as broker:
            statuses = Statuses()
            broker.on_status = statuses
            await asyncio.sleep(2.0)  # idle, with pongs coming back: still up
            assert statuses.seen == [] and broker.connected
            assert redis.proc is not None
            redis.proc.send_signal(signal.SIGSTOP)
            try:
                await statuses.wait([False], timeout=10)
                await asyncio.sleep(2.0)  # reconnections reach the frozen Redis's socket, which never answers
                assert statuses.seen == [False] and not broker.connected
                with pytest.raises(BrokerDown, match="cannot be reached: no answer to"):
                    await broker.count_rooms()
            finally:
                redis.proc.send_signal(signal.SIGCONT)
            await statuses.wait([False, True], timeout=10)
            assert await broker.count_rooms() == 0

    run(body)


def test_a_missing_redis_server_fails_with_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    import tests.redis_server

    monkeypatch.setattr(tests.redis_server, "REDIS_SERVER", tests.redis_server.Path("/nonexistent/redis-server"))
    server = RedisServer()
    try:
        with pytest.raises(RuntimeError, match=r"redis-server is missing: .* scripts/test installs it when run as"):
            server.start()
    finally:
        server.close()
