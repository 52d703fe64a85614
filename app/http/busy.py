"""Expensive work is bounded: at most ``max_expensive`` expensive requests run at once in a worker.

Expensive: large traces (more than ``large_trace_numbers`` numbers streamed), GIF and PNG
exports, image convolutions and transfer training. One more is refused at once with 503,
a ``Retry-After`` header and the project's error shape; cheap requests never wait here.

A slot is taken after the request is validated (a bad request is still a 422, busy or not)
and released exactly once: when a handler returns or raises (``with slot:``), or, for a
stream, when the response ends, the client disconnects or an error stops it
(``GuardedStream``). ``Slot.release`` is idempotent, so a second release changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.types import Receive, Scope, Send

from app.config import Settings, get_settings
from app.http.streaming import Stream

KINDS = "large traces, GIF and PNG exports, image convolutions, transfer training"


class ServerBusy(Exception):
    """Raised instead of starting expensive work when every slot is taken; answered with 503."""

    def __init__(self, running: int, cap: int, what: str, retry_after: int) -> None:
        self.running, self.cap, self.what, self.retry_after = running, cap, what, retry_after
        count = f"{running} expensive requests are" if running != 1 else "1 expensive request is"
        self.message = (
            f"server busy: {count} running, the cap in settings (max_expensive); "
            f"this {what} was not started; retry in {retry_after} s"
        )
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        rule = f"at most {self.cap} expensive requests ({KINDS}) run at once in each worker"
        item = {"loc": ["server"], "param": "max_expensive", "received": self.running, "rule": rule}
        item["msg"] = self.message
        return {"message": self.message, "detail": [item], "retry_after": self.retry_after}


class Slot:
    """One running expensive request. ``release`` frees it once; later calls do nothing."""

    def __init__(self, limiter: Limiter) -> None:
        self._limiter = limiter
        self._released = False

    def release(self) -> None:
        self._limiter._release(self)

    def __enter__(self) -> Slot:
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


class Limiter:
    """Counts running expensive requests of this process. Thread-safe: sync handlers run in a thread pool."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0

    @property
    def running(self) -> int:
        return self._running

    def acquire(self, cap: int, what: str, retry_after: int) -> Slot:
        """A slot, or ServerBusy when ``cap`` are taken. Never waits."""
        with self._lock:
            if self._running >= cap:
                raise ServerBusy(self._running, cap, what, retry_after)
            self._running += 1
        return Slot(self)

    def _release(self, slot: Slot) -> None:
        with self._lock:
            if slot._released:
                return
            slot._released = True
            self._running -= 1


LIMITER = Limiter()


def take(cfg: Settings, what: str) -> Slot:
    """A slot of this worker's limiter for ``what`` ("GIF rendering"), or ServerBusy."""
    return LIMITER.acquire(cfg.max_expensive, what, cfg.busy_retry_after)


def expensive(what: str) -> Callable[..., AsyncIterator[None]]:
    """A route dependency holding a slot while the handler runs: ``dependencies=[Depends(expensive("..."))]``."""

    async def hold(cfg: Annotated[Settings, Depends(get_settings)]) -> AsyncIterator[None]:
        with take(cfg, what):
            yield

    return hold


class GuardedStream(Stream):
    """A Stream that holds ``slot`` until it is over: the whole body sent, the client gone
    or an exception. The ``finally`` runs in every case."""

    def __init__(self, content: Any, slot: Slot, **options: Any) -> None:
        self.slot = slot
        super().__init__(content, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.slot.release()


async def busy_handler(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServerBusy)
    headers = {"Retry-After": str(exc.retry_after)}
    return Response(orjson.dumps(exc.body()), 503, headers, media_type="application/json")
