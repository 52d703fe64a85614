"""Where a room's shared state lives: this process's memory (MemoryBroker) or Redis (RedisBroker).

The room logic (``app/classroom/hub.py``) is written once, over these primitives. Every value
is a JSON object (a dict); a broker stores it as it likes (Redis: orjson bytes). Every key of a
room expires ``idle_s`` seconds after the room was last touched; a touched room lives on.

A broker is one per process. ``publish`` reaches every process's ``on_message`` callback
(this one's included) for every room that process subscribed to: that is the fan-out.
``on_status`` tells the hub when the shared store goes away (False) and comes back (True),
so pages can say "reconnecting" and the hub can write back what it knows (``restore``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any, Protocol

Json = dict[str, Any]
OnMessage = Callable[[str, Json], Awaitable[None]]  # (room code, message)
OnStatus = Callable[[bool], Awaitable[None]]  # True: the store is reachable again; False: it went away


class RoomsFull(Exception):
    """The deployment already holds ``max_rooms`` rooms."""


class BrokerDown(Exception):
    """The shared store cannot be reached right now (Redis down); the request may be retried."""


class Broker(Protocol):
    on_message: OnMessage | None
    on_status: OnStatus | None

    async def start(self) -> None:
        """Connect (Redis) and start listening; the app's lifespan calls it once."""

    async def close(self) -> None:
        """Stop listening and disconnect."""

    # --- rooms ---------------------------------------------------------------------------
    async def create_room(self, code: str, record: Json, *, idle_s: int, max_rooms: int) -> bool:
        """Store a new room's record; False when ``code`` is taken. Raises RoomsFull at the cap."""

    async def get_room(self, code: str) -> Json | None:
        """The room's record, or None when there is no such room (never made, ended or expired)."""

    async def touch(self, code: str, *, idle_s: int) -> None:
        """Push the expiry of every key of the room to ``idle_s`` seconds from now."""

    async def delete_room(self, code: str) -> None:
        """Forget the room and everything in it."""

    async def count_rooms(self) -> int:
        """Rooms that exist now (expired ones not counted)."""

    async def restore(self, code: str, record: Json, values: dict[str, Json], *, idle_s: int) -> None:
        """Write back a room this process still serves, after the store lost it (Redis restarted):
        the record and the latest values, each only if missing."""

    # --- the latest values: "state", "question", "reveal" -------------------------------------
    async def put(self, code: str, name: str, value: Json | None) -> None:
        """Set (None: delete) one latest value of the room."""

    async def get(self, code: str, name: str) -> Json | None: ...

    # --- answers to the current question: student id -> {"answer": ..., "correct": bool, ...}
    async def set_answer(self, code: str, student: str, value: Json) -> None: ...

    async def answers(self, code: str) -> dict[str, Json]: ...

    async def clear_answers(self, code: str) -> None: ...

    # --- presence: a student is present while some process saw them in the last ``window_s``
    async def mark_present(self, code: str, students: Collection[str], *, now: float) -> None: ...

    async def mark_gone(self, code: str, student: str) -> None: ...

    async def present(self, code: str, *, now: float, window_s: float) -> int: ...

    # --- fan-out -------------------------------------------------------------------------
    async def subscribe(self, code: str) -> None:
        """Start receiving the room's published messages in ``on_message``."""

    async def unsubscribe(self, code: str) -> None: ...

    async def publish(self, code: str, message: Json) -> None:
        """Send ``message`` to every process subscribed to the room (this one included)."""
