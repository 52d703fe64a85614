"""Cap request bodies before they are read: Content-Length first, then the bytes as they arrive.

FastAPI's own ``max_body_size`` answers a plain "Content Too Large"; ours says the
cap, in the same JSON error shape as every other bad request.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def body_problem(size: int, cap: int) -> dict[str, Any]:
    rule = f"must be at most {cap:,} bytes (the cap in settings)"
    msg = f"request body: got {size:,} bytes or more; {rule}"
    return {"loc": ["body"], "param": "request body", "received": size, "rule": rule, "msg": msg}


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the cap. An HTTPException, so
    FastAPI's body parser lets it through to the error handler unchanged."""

    def __init__(self, size: int, cap: int) -> None:
        self.problem = body_problem(size, cap)
        super().__init__(413, self.problem["msg"])


class BodySizeLimit:
    """Pure ASGI middleware: a body over ``max_bytes`` gets 413 and is not read further."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await self._refuse(send, int(value))
                return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(received, self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(send, received)

    async def _refuse(self, send: Send, size: int) -> None:
        problem = body_problem(size, self.max_bytes)
        body = orjson.dumps({"message": problem["msg"], "detail": [problem]})
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
