"""Reading trace streams in API tests: frames parsed line by line, checked as a whole. Each helper
takes the ``client`` fixture (tests/conftest.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

NDJSON = "application/x-ndjson"
OPS = ("conv2d", "max_pool2d", "avg_pool2d", "lp_pool2d", "relu", "dropout")


@dataclass
class Trace:
    raw: bytes
    frames: list[dict[str, Any]]

    @property
    def header(self) -> dict[str, Any]:
        return self.frames[0]

    @property
    def steps(self) -> list[dict[str, Any]]:
        return self.frames[1:-1]

    @property
    def done(self) -> dict[str, Any]:
        return self.frames[-1]

    def column(self, name: str) -> list[Any]:
        """One column of every steps frame, concatenated in stream order."""
        return [item for frame in self.steps for item in frame[name]]

    def values(self) -> np.ndarray:
        """The step values in order, reshaped to the output shape (JSON null -> NaN)."""
        return np.array(self.column("value"), dtype=np.float64).reshape(self.header["output_shape"])

    def output(self) -> np.ndarray:
        return np.array(self.done["output"], dtype=np.float64)


def trace(client: TestClient, method: str, path: str, **kwargs: Any) -> Trace:
    """Read a whole trace stream, split it into NDJSON lines and check the frame sequence."""
    with client.stream(method, path, **kwargs) as response:
        raw = response.read()
        if response.status_code != 200:
            raise AssertionError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        assert response.headers["content-type"] == NDJSON
    assert raw.endswith(b"\n"), "every frame, the last included, ends with a newline"
    lines = raw[:-1].split(b"\n")
    assert all(lines), "no blank lines"
    result = Trace(raw, [json.loads(line) for line in lines])
    check_sequence(result)
    return result


def get(client: TestClient, path: str, **params: Any) -> Trace:
    return trace(client, "GET", path, params=params)


def post(client: TestClient, path: str, body: dict[str, Any]) -> Trace:
    return trace(client, "POST", path, json=body)


def check_sequence(t: Trace) -> None:
    """header first, done last, steps frames in between covering 0..total-1 contiguously."""
    kinds = [frame["type"] for frame in t.frames]
    assert kinds[0] == "header" and kinds[-1] == "done", kinds
    assert set(kinds[1:-1]) <= {"steps"}, kinds
    total = t.header["steps"]["total"]
    batch = t.header["steps"]["batch"]
    assert t.done["steps"] == total
    position = 0
    for i, frame in enumerate(t.steps):
        assert frame["start"] == position, (i, frame["start"], position)
        assert 1 <= frame["count"] <= batch
        if i < len(t.steps) - 1:
            assert frame["count"] == batch
        assert len(frame["value"]) == frame["count"]
        position += frame["count"]
    assert position == total
    assert total == int(np.prod(t.header["output_shape"]))


def error(client: TestClient, method: str, path: str, **kwargs: Any) -> tuple[int, dict[str, Any], str]:
    """Status, JSON body ({} if not JSON) and raw text of a request expected to be refused."""
    response = client.request(method, path, **kwargs)
    is_json = response.headers.get("content-type") == "application/json"
    return response.status_code, response.json() if is_json else {}, response.text
