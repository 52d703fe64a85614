"""A StreamingResponse that stops, and frees what it holds, the moment its client goes.

Starlette's StreamingResponse (for an ASGI 2.3 server such as uvicorn) runs the body in a task
group and *cancels* it when ``http.disconnect`` arrives. The cancellation's traceback, kept
in a reference cycle inside anyio's task group, holds the body generator's frame and its
locals (the whole trace, the encoded chunk) until Python's cyclic garbage collector happens
to run: measured, 300 abandoned streams kept 300 traces and about 150 MB alive.

``Stream`` cancels nothing. A small watcher task waits for ``http.disconnect`` and sets a flag;
the sending loop checks it between chunks (uvicorn's ``send`` returns at once once the client
is gone, even when it was waiting for the socket to drain), stops, and closes the body
generator at its ``yield`` with ``aclose()``. Nothing is left for the garbage collector: the
trace is freed by reference counting as soon as the loop stops.

Large streams also take turns (``Turns``): one of them makes a chunk per pass of the event
loop, so a small stream waits behind one large chunk at most, however many large streams run.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send


async def _watch(receive: Receive, gone: asyncio.Event) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    gone.set()


class Turns:
    """A queue of streams waiting to make their next chunk. The head may, but only after a pass of
    the event loop: it is woken with ``call_soon``, which resumes it *after* the callbacks already
    due and the I/O events polled meanwhile (small streams, new requests). A plain
    ``asyncio.sleep(0)`` would put it *ahead* of the next poll's I/O callbacks, so each small
    step would wait for a whole large chunk. One queue per event loop (``Turns.of_loop``)."""

    _by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Turns] = weakref.WeakKeyDictionary()

    def __init__(self) -> None:
        self._queue: deque[asyncio.Future[None]] = deque()

    @classmethod
    def of_loop(cls) -> Turns:
        return cls._by_loop.setdefault(asyncio.get_running_loop(), cls())

    async def wait(self) -> asyncio.Future[None]:
        """Wait for this stream's turn; give back the ticket with ``done``."""
        loop = asyncio.get_running_loop()
        ticket: asyncio.Future[None] = loop.create_future()
        self._queue.append(ticket)
        if len(self._queue) == 1:  # nobody ahead: still, the callbacks already due (and the I/O polled next) go first
            loop.call_soon(_wake, ticket)
        try:
            await ticket
        except BaseException:
            self.done(ticket)
            raise
        return ticket

    def done(self, ticket: asyncio.Future[None]) -> None:
        """Leave the queue (done, or gone while waiting); if it was this stream's turn, pass it on."""
        was_head = bool(self._queue) and self._queue[0] is ticket
        if ticket in self._queue:
            self._queue.remove(ticket)
        if was_head and self._queue:
            asyncio.get_running_loop().call_soon(_wake, self._queue[0])

    def __len__(self) -> int:
        return len(self._queue)


def _wake(ticket: asyncio.Future[None]) -> None:
    if not ticket.done():
        ticket.set_result(None)


class Stream(StreamingResponse):
    """``take_turns``: a large stream, which makes each chunk in its turn (``Turns``)."""

    def __init__(self, content: Any, *, take_turns: bool = False, **options: Any) -> None:
        self.take_turns = take_turns
        super().__init__(content, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        gone = asyncio.Event()
        watcher = asyncio.ensure_future(_watch(receive, gone))
        body = aiter(self.body_iterator)
        complete = False
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            complete = await self._send_body(body, send, gone)
            if complete:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await _close(body)
            watcher.cancel()
            await asyncio.wait([watcher])
        if complete and self.background is not None:
            await self.background()

    async def _send_body(self, body: AsyncIterator[str | bytes | memoryview], send: Send, gone: asyncio.Event) -> bool:
        """Every chunk, or False as soon as the client is gone (no chunk is made after that)."""
        turns = Turns.of_loop() if self.take_turns else None
        while not gone.is_set():
            ticket = await turns.wait() if turns is not None else None
            try:
                chunk = await anext(body)
            except StopAsyncIteration:
                return True
            finally:
                if turns is not None and ticket is not None:
                    turns.done(ticket)
            data = chunk if isinstance(chunk, bytes | memoryview) else chunk.encode(self.charset)
            await send({"type": "http.response.body", "body": data, "more_body": True})
        return False


async def _close(body: AsyncIterator[object]) -> None:
    """Finish the body generator now, at its ``yield`` (a no-op when it already ran to its end)."""
    close = getattr(body, "aclose", None)
    if close is not None:
        await close()
