"""Rooms in Redis, shared by every worker and machine: ``RedisBroker(url)`` (CONVSCOPE_REDIS_URL).

Keys of room ``CODE``, every one expiring with the room (the idle TTL):

- ``convscope:room:CODE:record``   string, the room's record (orjson)
- ``convscope:room:CODE:values``   hash, latest value name ("state", "question", "reveal") -> orjson
- ``convscope:room:CODE:answers``  hash, student id -> orjson
- ``convscope:room:CODE:present``  sorted set, student id scored by when a worker last saw them (s)
- ``convscope:room:CODE:live``     the pub/sub channel of the room's messages (not a key)

and ``convscope:rooms``, a sorted set of every room's code scored by its expiry (ms, Redis's clock):
the rooms cap counts it after removing the expired. Each write that sets an expiry runs as one Lua
script, so it is atomic and reads the time from Redis (one clock for every machine):

- create_room: prune ``convscope:rooms``, refuse a taken code, count, refuse at the cap, SET the
  record with its TTL and add the code: no two workers can both take the last place, or one code.
- touch: PEXPIRE every key of the room and move its score in ``convscope:rooms``.
- put, set_answer, mark_present: write, then give the key the record's remaining TTL, so a key
  created after the last touch expires with the others; a write to a room that no longer exists is
  dropped (it would otherwise leave a key without TTL).
- restore: SET the record NX, HSETNX each value (written only where missing).

Fan-out: one PubSub connection per process, read by one listener task that calls
``on_message(code, message)``. The connection also subscribes to ``convscope:broker`` so that a drop
is noticed even with no room open; idle, it pings every 5 s and gives the connection up after 15 s
without an answer (a Redis frozen, or a network that dropped without a reset), and a new connection
counts only once Redis has confirmed its subscriptions. When it drops the listener calls ``on_status(False)``, retries
with exponential backoff (0.1 s doubling to 2 s), and once connected again subscribes every room
it had and calls ``on_status(True)``: the hub then ``restore``s its rooms, since a Redis that
restarted without persistence has lost them.

From the drop until ``on_status(True)`` has returned, every operation raises ``BrokerDown`` at once
(except those ``on_status`` itself makes, in the listener's task): otherwise a heartbeat could read
a Redis that came back empty before the rooms are restored, and take a live room for an expired one.

Redis being down never crashes the app: every operation raises ``BrokerDown`` with a worded
message, after one immediate retry (which replaces a pooled connection that a restart closed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import orjson
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.classroom.broker import Broker, BrokerDown, Json, OnMessage, OnStatus, RoomsFull

log = logging.getLogger("app.classroom.redis")

PREFIX = "convscope:room:"
ROOMS = "convscope:rooms"
CONTROL = "convscope:broker"  # subscribed by every process, so a dropped connection is noticed
BACKOFF_FIRST_S = 0.1
BACKOFF_MAX_S = 2.0
PING_EVERY_S = 5.0  # a listener with nothing to read pings, to notice a connection gone silent ...
SILENT_S = 3 * PING_EVERY_S  # ... and gives up on it when nothing (not even a pong) came for this long
SUBSCRIBE_WAIT_S = 5.0
CONNECT_TIMEOUT_S = 2.0
SOCKET_TIMEOUT_S = 5.0

# Redis's clock, in ms, inside a script.
_NOW_MS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# KEYS: rooms, record. ARGV: code, record, idle ms, max rooms. 1 made, 0 code taken, -1 at the cap.
_CREATE = (
    _NOW_MS
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return -1 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
return 1
"""
)

# KEYS: rooms, record, values, answers, present. ARGV: code, idle ms. 0 when there is no room.
_TOUCH = (
    _NOW_MS
    + """
if redis.call('PEXPIRE', KEYS[2], ARGV[2]) == 0 then return 0 end
for i = 3, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return 1
"""
)

# KEYS: rooms. The rooms that have not expired.
_COUNT = (
    _NOW_MS
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])
"""
)

# KEYS: rooms, record, values. ARGV: code, record, idle ms, then name, value pairs.
_RESTORE = (
    _NOW_MS
    + """
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3], 'NX')
local ttl = redis.call('PTTL', KEYS[2])
for i = 4, #ARGV, 2 do redis.call('HSETNX', KEYS[3], ARGV[i], ARGV[i + 1]) end
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[3], ttl)
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
end
return ttl
"""
)

# KEYS: record, target. ARGV: a write command and its arguments after the key. The target then
# expires with the record; nothing is written when the record is gone (0).
_WRITE = """
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then return 0 end
redis.call(ARGV[1], KEYS[2], unpack(ARGV, 2))
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
"""

_DOWN_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


def key(code: str, part: str) -> str:
    return f"{PREFIX}{code}:{part}"


def channel(code: str) -> str:
    return key(code, "live")


def _room_of(name: bytes | str) -> str | None:
    text = name.decode() if isinstance(name, bytes) else name
    if text.startswith(PREFIX) and text.endswith(":live"):
        return text[len(PREFIX) : -len(":live")]
    return None


def _dumps(value: Json) -> bytes:
    return orjson.dumps(value)


class RedisBroker:
    """The Broker of app/classroom/broker.py over one Redis (see the module's docstring)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.on_message: OnMessage | None = None
        self.on_status: OnStatus | None = None
        options: dict[str, Any] = {"socket_connect_timeout": CONNECT_TIMEOUT_S, "socket_timeout": SOCKET_TIMEOUT_S}
        self.redis: Redis = Redis.from_url(url, retry=Retry(NoBackoff(), 1), **options)
        # The listener's own client never retries by itself: redis-py would otherwise reconnect and
        # re-subscribe silently, and a Redis that restarted empty would go unnoticed (no restore).
        self._listen_client: Redis = Redis.from_url(url, retry=Retry(NoBackoff(), 0), **options)
        kwargs = self.redis.connection_pool.connection_kwargs
        where = kwargs.get("path") or f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"
        self.where = f"{where}/{kwargs.get('db', 0)}"  # no password: this goes into messages and logs
        self._create = self.redis.register_script(_CREATE)
        self._touch = self.redis.register_script(_TOUCH)
        self._count = self.redis.register_script(_COUNT)
        self._restore = self.redis.register_script(_RESTORE)
        self._write = self.redis.register_script(_WRITE)
        self._rooms: set[str] = set()  # subscribed, kept across reconnections
        self._confirm: dict[str, asyncio.Event] = {}  # channel -> set when Redis confirms SUBSCRIBE
        self._pubsub: PubSub | None = None  # set while the listener's connection is up
        self._up: bool | None = None  # None until the first attempt
        self._serving = False  # connected, and on_status(True) has returned: operations may run
        self._why = "not connected yet"  # why not, for BrokerDown's message
        self._first_attempt = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None

    # --- life ----------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        """Whether the listener's connection to Redis is up now."""
        return self._pubsub is not None

    async def start(self) -> None:
        """Start the listener and wait for its first attempt to connect (never raises: with Redis
        down the app starts, rooms answer BrokerDown, and the listener keeps trying)."""
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="redis-broker-listener")
        await self._first_attempt.wait()

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            try:
                await self._listener
            except asyncio.CancelledError:
                pass
            self._listener = None
        await self.redis.aclose()
        await self._listen_client.aclose()

    def _down(self, err: BaseException | str) -> BrokerDown:
        detail = err if isinstance(err, str) else str(err) or type(err).__name__
        return BrokerDown(f"the shared store (Redis at {self.where}) cannot be reached: {detail}")

    def _guard(self) -> None:
        """Raise BrokerDown while the listener has no connection, or has one but the rooms are not
        restored yet; the listener's own task (on_status(True), restoring) may go on."""
        if not self._serving and asyncio.current_task() is not self._listener:
            raise self._down(self._why)

    # --- rooms ---------------------------------------------------------------------------
    async def create_room(self, code: str, record: Json, *, idle_s: int, max_rooms: int) -> bool:
        self._guard()
        keys = [ROOMS, key(code, "record")]
        try:
            made = await self._create(keys, [code, _dumps(record), idle_s * 1000, max_rooms])
        except _DOWN_ERRORS as err:
            raise self._down(err) from err
        if made == -1:
            raise RoomsFull(f"the deployment already holds {max_rooms} rooms")
        return bool(made == 1)

    async def get_room(self, code: str) -> Json | None:
        self._guard()
        try:
            raw = await self.redis.get(key(code, "record"))
        except _DOWN_ERRORS as err:
            raise self._down(err) from err
        return None if raw is None else orjson.loads(raw)

    async def touch(self, code: str, *, idle_s: int) -> None:
        self._guard()
        keys = [ROOMS, *(key(code, part) for part in ("record", "values", "answers", "present"))]
        try:
            await self._touch(keys, [code, idle_s * 1000])
        except _DOWN_ERRORS as err:
            raise self._down(err) from err

    async def delete_room(self, code: str) -> None:
        self._guard()
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.delete(*(key(code, part) for part in ("record", "values", "answers", "present")))
                pipe.zrem(ROOMS, code)
                await pipe.execute()
        except _DOWN_ERRORS as err:
            raise self._down(err) from err

    async def count_rooms(self) -> int:
        self._guard()
        try:
            return int(await self._count([ROOMS], []))
        except _DOWN_ERRORS as err:
            raise self._down(err) from err

    async def restore(self, code: str, record: Json, values: dict[str, Json], *, idle_s: int) -> None:
        self._guard()
        args: list[Any] = [code, _dumps(record), idle_s * 1000]
        for name, value in values.items():
            args += [name, _dumps(value)]
        try:
            await self._restore([ROOMS, key(code, "record"), key(code, "values")], args)
        except _DOWN_ERRORS as err:
            raise self._down(err) from err

    # --- writes that expire with the room --------------------------------------------------
    async def _write_room(self, code: str, part: str, *command: Any) -> None:
        self._guard()
        try:
            await self._write([key(code, "record"), key(code, part)], list(command))
        except _DOWN_ERRORS as err:
            raise self._down(err) from err

    async def _plain(self, command: str, *args: Any) -> Any:
        self._guard()
        try:
            return await self.redis.execute_command(command, *args)
        except _DOWN_ERRORS as err:
            raise self._down(err) from err

    # --- latest values -----------------------------------------------------------------------
    async def put(self, code: str, name: str, value: Json | None) -> None:
        if value is None:
            await self._plain("HDEL", key(code, "values"), name)
        else:
            await self._write_room(code, "values", "HSET", name, _dumps(value))

    async def get(self, code: str, name: str) -> Json | None:
        raw = await self._plain("HGET", key(code, "values"), name)
        return None if raw is None else orjson.loads(raw)

    # --- answers ---------------------------------------------------------------------------
    async def set_answer(self, code: str, student: str, value: Json) -> None:
        await self._write_room(code, "answers", "HSET", student, _dumps(value))

    async def answers(self, code: str) -> dict[str, Json]:
        raw = await self._plain("HGETALL", key(code, "answers"))
        pairs = raw.items() if isinstance(raw, dict) else zip(raw[::2], raw[1::2], strict=True)
        return {student.decode(): orjson.loads(value) for student, value in pairs}

    async def clear_answers(self, code: str) -> None:
        await self._plain("DEL", key(code, "answers"))

    # --- presence --------------------------------------------------------------------------
    async def mark_present(self, code: str, students: Collection[str], *, now: float) -> None:
        if not students:
            return
        args: list[Any] = []
        for student in students:
            args += [now, student]
        await self._write_room(code, "present", "ZADD", *args)

    async def mark_gone(self, code: str, student: str) -> None:
        await self._plain("ZREM", key(code, "present"), student)

    async def present(self, code: str, *, now: float, window_s: float) -> int:
        return int(await self._plain("ZCOUNT", key(code, "present"), now - window_s, "+inf"))

    # --- fan-out ---------------------------------------------------------------------------
    async def publish(self, code: str, message: Json) -> None:
        await self._plain("PUBLISH", channel(code), _dumps(message))

    async def subscribe(self, code: str) -> None:
        """Returns once Redis has confirmed the subscription, so a message published after it
        returns is received. Raises BrokerDown (and is not subscribed) while Redis is down."""
        if code in self._rooms:
            return
        self._guard()
        self._rooms.add(code)
        name = channel(code)
        confirmed = self._confirm.setdefault(name, asyncio.Event())
        try:
            pubsub = self._pubsub
            if pubsub is None:
                raise RedisConnectionError("the connection is being re-established")
            await pubsub.subscribe(name)
            if asyncio.current_task() is not self._listener:  # the listener reads the confirmation
                await asyncio.wait_for(confirmed.wait(), SUBSCRIBE_WAIT_S)
        except TimeoutError as err:
            self._rooms.discard(code)
            raise self._down(RedisTimeoutError(f"no answer to SUBSCRIBE within {SUBSCRIBE_WAIT_S:g} s")) from err
        except _DOWN_ERRORS as err:
            self._rooms.discard(code)
            raise self._down(err) from err
        finally:
            self._confirm.pop(name, None)

    async def unsubscribe(self, code: str) -> None:
        if code not in self._rooms:
            return
        self._rooms.discard(code)
        pubsub = self._pubsub
        if pubsub is not None:
            try:
                await pubsub.unsubscribe(channel(code))
            except _DOWN_ERRORS:
                pass  # the reconnection subscribes only the rooms still wanted

    # --- the listener ----------------------------------------------------------------------
    async def _listen(self) -> None:
        delay = BACKOFF_FIRST_S
        while True:
            pubsub = self._listen_client.pubsub()
            try:
                wanted = set(self._rooms)
                await pubsub.subscribe(CONTROL, *(channel(code) for code in wanted))
                await _first_answer(pubsub)  # a Redis that accepts connections but does not answer is not up
                self._pubsub = pubsub
                missing = self._rooms - wanted  # subscribed while this connection was being made
                if missing:
                    await pubsub.subscribe(*(channel(code) for code in missing))
                await self._set_status(True)
                self._serving = True
                delay = BACKOFF_FIRST_S
                await self._read(pubsub)
            except asyncio.CancelledError:
                self._pubsub = None
                self._serving = False
                await _quietly_close(pubsub)
                raise
            except _DOWN_ERRORS as err:
                self._pubsub = None
                self._serving = False
                self._why = str(err) or type(err).__name__
                await _quietly_close(pubsub)
                if self._up is not False:
                    log.warning("classroom: lost Redis at %s (%s); retrying", self.where, err)
                await self._set_status(False)
                await asyncio.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX_S)

    async def _read(self, pubsub: PubSub) -> None:
        heard = time.monotonic()  # when Redis last sent anything (a pong included)
        while True:
            message = await pubsub.get_message(timeout=PING_EVERY_S)
            if message is None:
                if time.monotonic() - heard > SILENT_S:  # a connection gone silent (no RST): give up on it
                    raise RedisTimeoutError(f"no answer to PING within {SILENT_S:g} s")
                await pubsub.ping()
                continue
            heard = time.monotonic()
            kind = message["type"]
            if kind == "subscribe":
                confirmed = self._confirm.get(_decode(message["channel"]))
                if confirmed is not None:
                    confirmed.set()
            elif kind == "message":
                await self._deliver(message["channel"], message["data"])

    async def _deliver(self, name: bytes | str, data: bytes | str) -> None:
        code = _room_of(name)
        if code is None or code not in self._rooms or self.on_message is None:
            return
        try:
            await self.on_message(code, orjson.loads(data))
        except Exception:
            log.exception("classroom: on_message failed for room %s", code)

    async def _set_status(self, up: bool) -> None:
        before, self._up = self._up, up
        self._first_attempt.set()
        if up and before is False:
            log.warning("classroom: Redis at %s is back", self.where)
        changed = before is not None and before != up or before is None and not up
        if changed and self.on_status is not None:
            try:
                await self.on_status(up)
            except Exception:
                log.exception("classroom: on_status(%s) failed", up)


async def _first_answer(pubsub: PubSub) -> None:
    """Wait for Redis to confirm the subscription to CONTROL, the first of the SUBSCRIBE's channels."""
    deadline = time.monotonic() + SUBSCRIBE_WAIT_S
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RedisTimeoutError(f"no answer to SUBSCRIBE within {SUBSCRIBE_WAIT_S:g} s")
        message = await pubsub.get_message(timeout=left)
        if message is not None and message["type"] == "subscribe" and _decode(message["channel"]) == CONTROL:
            return


def _decode(name: bytes | str) -> str:
    return name.decode() if isinstance(name, bytes) else name


async def _quietly_close(pubsub: PubSub) -> None:
    try:
        await pubsub.aclose()
    except Exception:  # the connection is already broken; nothing more to do
        pass


if TYPE_CHECKING:

    def _is_a_broker(broker: RedisBroker) -> Broker:  # mypy checks RedisBroker against the Protocol
        return broker
