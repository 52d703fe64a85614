"""Helpers of the classroom tests: open a room, connect its teacher and students, read messages."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from app.classroom.hub import Hub

STATE = {"path": "/play/conv2d", "params": {"stride": "2", "padding": "1"}, "step": 3, "playing": False, "speed": 1}


@dataclass
class Classroom:
    client: TestClient
    hub: Hub

    def open(self) -> dict[str, Any]:
        response = self.client.post("/api/classroom")
        assert response.status_code == 201, response.text
        room: dict[str, Any] = response.json()
        return room

    @contextmanager
    def teacher(self, room: dict[str, Any], greeting: int = 1) -> Any:
        """The teacher's socket, its ``greeting`` first messages (welcome, ...) read."""
        with self.client.websocket_connect(f"{room['live_url']}?key={room['teacher_key']}") as ws:
            for _ in range(greeting):
                ws.receive_json()
            yield ws

    @contextmanager
    def student(self, room: dict[str, Any], student: str | None = None, greeting: int = 1) -> Any:
        query = f"?student={student}" if student else ""
        with self.client.websocket_connect(f"{room['live_url']}{query}") as ws:
            for _ in range(greeting):
                ws.receive_json()
            yield ws


def closed(ws: WebSocketTestSession) -> tuple[int, str]:
    """The close code and reason the server sent next."""
    with pytest.raises(WebSocketDisconnect) as info:
        ws.receive_json()
    return info.value.code, info.value.reason


def refused(ws: WebSocketTestSession) -> tuple[str, int, str]:
    """A refused socket: its one error message, then the close code and reason."""
    message = ws.receive_json()
    assert message["type"] == "error", message
    return (message["message"], *closed(ws))
