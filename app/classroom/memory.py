"""MemoryBroker: the Broker of app/classroom/broker.py in this process's memory (the one-process default).

Each room is a record, its latest values, its answers and its presence, with one expiry time that
``touch`` pushes back. An expired room is dropped the next time anything looks at it. ``publish``
calls ``on_message`` directly for a room this process subscribed to: there is no other process.
``clock`` (monotonic seconds) is injectable, so tests can expire a room without sleeping.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from app.classroom.broker import Json, OnMessage, OnStatus, RoomsFull


@dataclass
class _Room:
    record: Json
    expires: float
    values: dict[str, Json] = field(default_factory=dict)
    answers: dict[str, Json] = field(default_factory=dict)
    seen: dict[str, float] = field(default_factory=dict)  # student -> when last marked present


class MemoryBroker:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.on_message: OnMessage | None = None
        self.on_status: OnStatus | None = None
        self._rooms: dict[str, _Room] = {}
        self._subscribed: set[str] = set()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._subscribed.clear()

    def _room(self, code: str) -> _Room | None:
        room = self._rooms.get(code)
        if room is not None and room.expires <= self.clock():
            del self._rooms[code]
            return None
        return room

    # --- rooms -------------------------------------------------------------------------------
    async def create_room(self, code: str, record: Json, *, idle_s: int, max_rooms: int) -> bool:
        if self._room(code) is not None:
            return False
        if await self.count_rooms() >= max_rooms:
            raise RoomsFull(f"the deployment already holds {max_rooms} rooms")
        self._rooms[code] = _Room(copy.deepcopy(record), self.clock() + idle_s)
        return True

    async def get_room(self, code: str) -> Json | None:
        room = self._room(code)
        return copy.deepcopy(room.record) if room else None

    async def touch(self, code: str, *, idle_s: int) -> None:
        room = self._room(code)
        if room is not None:
            room.expires = self.clock() + idle_s

    async def delete_room(self, code: str) -> None:
        self._rooms.pop(code, None)

    async def count_rooms(self) -> int:
        for code in list(self._rooms):
            self._room(code)
        return len(self._rooms)

    async def restore(self, code: str, record: Json, values: dict[str, Json], *, idle_s: int) -> None:
        room = self._room(code)
        if room is None:
            room = self._rooms[code] = _Room(copy.deepcopy(record), self.clock() + idle_s)
        for name, value in values.items():
            room.values.setdefault(name, copy.deepcopy(value))

    # --- latest values -----------------------------------------------------------------------
    async def put(self, code: str, name: str, value: Json | None) -> None:
        room = self._room(code)
        if room is None:
            return
        if value is None:
            room.values.pop(name, None)
        else:
            room.values[name] = copy.deepcopy(value)

    async def get(self, code: str, name: str) -> Json | None:
        room = self._room(code)
        value = room.values.get(name) if room else None
        return copy.deepcopy(value)

    # --- answers -----------------------------------------------------------------------------
    async def set_answer(self, code: str, student: str, value: Json) -> None:
        room = self._room(code)
        if room is not None:
            room.answers[student] = copy.deepcopy(value)

    async def answers(self, code: str) -> dict[str, Json]:
        room = self._room(code)
        return copy.deepcopy(room.answers) if room else {}

    async def clear_answers(self, code: str) -> None:
        room = self._room(code)
        if room is not None:
            room.answers.clear()

    # --- presence ----------------------------------------------------------------------------
    async def mark_present(self, code: str, students: Collection[str], *, now: float) -> None:
        room = self._room(code)
        if room is not None:
            room.seen.update(dict.fromkeys(students, now))

    async def mark_gone(self, code: str, student: str) -> None:
        room = self._room(code)
        if room is not None:
            room.seen.pop(student, None)

    async def present(self, code: str, *, now: float, window_s: float) -> int:
        room = self._room(code)
        if room is None:
            return 0
        for student, seen in list(room.seen.items()):
            if now - seen > window_s:
                del room.seen[student]
        return len(room.seen)

    # --- fan-out -----------------------------------------------------------------------------
    async def subscribe(self, code: str) -> None:
        self._subscribed.add(code)

    async def unsubscribe(self, code: str) -> None:
        self._subscribed.discard(code)

    async def publish(self, code: str, message: Json) -> None:
        if code in self._subscribed and self.on_message is not None:
            await self.on_message(code, message)
