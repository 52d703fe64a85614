"""One WebSocket of the live channel: who it is, its rate limit, and its outgoing queue.

Everything sent to a connection goes through its queue and one writer task, in order: a slow
page never holds up the fan-out to the others, and a close goes out after the messages queued
before it. A page that stops reading while ``BACKLOG`` messages wait gets no more (its socket is
left to time out). While a connection is being greeted, fan-out messages are held back and sent
after the greeting, so ``welcome`` is always first.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from app.classroom.protocol import Role
from app.classroom.ratelimit import TokenBucket

BACKLOG = 256  # messages waiting for one page before it gets no more
MAX_REASON = 123  # bytes in a WebSocket close reason (RFC 6455 5.5: 125-byte control frames, 2 for the code)


def encode(message: dict[str, Any]) -> str:
    return orjson.dumps(message, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def reason(text: str) -> str:
    """A close reason of at most MAX_REASON bytes."""
    data = text.encode()
    if len(data) <= MAX_REASON:
        return text
    return data[: MAX_REASON - 3].decode(errors="ignore") + "..."


@dataclass(frozen=True)
class Close:
    code: int
    reason: str


@dataclass(eq=False)
class Conn:
    ws: WebSocket
    role: Role
    code: str
    student: str | None
    bucket: TokenBucket
    queue: asyncio.Queue[str | Close] = field(default_factory=asyncio.Queue)
    held: list[str] | None = field(default_factory=list)  # None once greeted
    closing: bool = False
    writer: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.writer = asyncio.create_task(self._write())

    def send(self, text: str) -> None:
        """Queue one encoded message (``encode``)."""
        if self.closing or self.queue.qsize() >= BACKLOG:
            return
        self.queue.put_nowait(text)

    def fan(self, text: str) -> None:
        """A fan-out message: held back while the connection is being greeted."""
        if self.held is not None:
            self.held.append(text)
        else:
            self.send(text)

    def greeted(self) -> None:
        held, self.held = self.held or [], None
        for text in held:
            self.send(text)

    def close(self, code: int, why: str) -> None:
        if not self.closing:
            self.closing = True
            self.queue.put_nowait(Close(code, reason(why)))

    def refuse(self, message: str, code: int, why: str) -> None:
        """One ``error`` message, then close."""
        self.send(encode({"type": "error", "message": message}))
        self.close(code, why)

    async def _write(self) -> None:
        try:
            while True:
                item = await self.queue.get()
                if isinstance(item, Close):
                    await self.ws.close(item.code, item.reason)
                    return
                await self.ws.send_text(item)
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.closing = True  # the page went away: nothing more to send

    async def finish(self, wait: float) -> None:
        """Let the writer send what is queued (a close included) for up to ``wait`` seconds, then stop it."""
        if self.writer is None:
            return
        if wait > 0:
            try:
                await asyncio.wait_for(asyncio.shield(self.writer), wait)
            except TimeoutError:
                pass
        self.writer.cancel()
        try:
            await self.writer
        except asyncio.CancelledError:
            pass
