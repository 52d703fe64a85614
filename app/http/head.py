"""HEAD on every GET route: the GET's status and headers, and no body (RFC 9110 9.3.2).

FastAPI's routes answer only the methods they name, so a HEAD was a 405 on every dynamic route
while StaticFiles answered it; link checkers, uptime monitors and course platforms send HEAD first.
Rather than a second method on each route (and a second path through the middlewares, where a
HEAD has no body to hash or compress, so its headers would differ), this outermost middleware
runs a HEAD as the GET it stands for, through everything, and sends only the response's start:
the same status, the same ETag, Cache-Control, Content-Type, Content-Encoding and Vary, and the
Content-Length of the GET's body (none for a stream, whose length is not known in advance).

The response ends at its first body message. The app is then told the client has gone (the
``http.disconnect`` a stream watches for, app/http/streaming.py), so a trace stops after its
first chunk instead of computing the rest for nobody. A GET whose answer is a 4xx gives the same
4xx to HEAD. WebSocket scopes pass through untouched.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

GONE: Message = {"type": "http.disconnect"}


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        ended = asyncio.Event()  # the HEAD response is complete: the body is not wanted
        started = False
        finished = False

        async def receiving() -> Message:
            if ended.is_set():
                return GONE
            message = asyncio.ensure_future(receive())
            end = asyncio.ensure_future(ended.wait())
            await asyncio.wait((message, end), return_when=asyncio.FIRST_COMPLETED)
            if message.done():
                end.cancel()
                return message.result()
            message.cancel()
            return GONE

        async def sending(message: Message) -> None:
            nonlocal started, finished
            if finished:
                return
            if message["type"] == "http.response.start":
                started = True
                await send(message)
            elif message["type"] == "http.response.body":
                finished = True
                ended.set()
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        try:
            await self.app({**scope, "method": "GET"}, receiving, sending)
        finally:
            ended.set()
        if started and not finished:  # a stream stopped before its first chunk: end the response all the same
            await send({"type": "http.response.body", "body": b"", "more_body": False})
