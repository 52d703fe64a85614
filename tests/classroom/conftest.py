"""Fixtures of the classroom tests: a fresh app per test, served by an entered TestClient.

Entered (``with TestClient(app)``), the client runs the app's lifespan (so the hub and its
MemoryBroker are made there) and one event loop serves every request and WebSocket of the test,
as uvicorn would. A test that needs other settings parametrises ``classroom`` indirectly with a
dict of Settings overrides, e.g. ``@pytest.mark.parametrize("classroom", [{"max_students": 2}],
indirect=True)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.classroom.hub import Hub
from app.classroom.memory import MemoryBroker
from app.config import Settings, get_settings
from app.main import create_app
from tests.classroom.room import Classroom


@pytest.fixture
def classroom(request: pytest.FixtureRequest) -> Iterator[Classroom]:
    overrides: dict[str, Any] = getattr(request, "param", {})
    app = create_app()
    if overrides:
        app.dependency_overrides[get_settings] = lambda: Settings(**overrides)
    with TestClient(app) as client:
        hub = app.state.classroom
        assert isinstance(hub, Hub) and isinstance(hub.broker, MemoryBroker)
        yield Classroom(client, hub)
