"""Helpers shared by the player-page tests of every op: open /play/<op>, read the live
server's own trace for the query the page sent, and wait for the page to paint."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from playwright.sync_api import Page

PAGE_STATE = ("step", "speed")  # player state kept in the URL, never sent to the API
ELEMENTWISE = ("relu", "dropout")


@dataclass
class Trace:
    frames: list[dict[str, Any]]

    @property
    def header(self) -> dict[str, Any]:
        return self.frames[0]

    @property
    def done(self) -> dict[str, Any]:
        return self.frames[-1]

    @property
    def op(self) -> str:
        return str(self.header["op"])

    @property
    def total(self) -> int:
        return int(self.header["steps"]["total"])

    def column(self, name: str) -> list[Any]:
        return [item for frame in self.frames[1:-1] for item in frame[name]]

    def windows(self) -> list[dict[str, list[int]]]:
        """Each step's window as its step record gives it: channels read, padded rows, padded columns
        (for relu and dropout the step's one cell)."""
        if self.op in ELEMENTWISE:
            return [
                {"channels": [c], "rows": [y], "cols": [x]}
                for c, y, x in zip(self.column("channel"), self.column("y"), self.column("x"), strict=True)
            ]
        if self.op == "conv2d":
            channels = [self.header["filter_channels"][f] for f in self.column("filter")]
        else:
            channels = [[c] for c in self.column("channel")]
        return [
            {"channels": ch, "rows": rows, "cols": cols}
            for ch, rows, cols in zip(channels, self.column("rows"), self.column("cols"), strict=True)
        ]


def api_trace(base_url: str, op: str, query: str) -> Trace:
    response = httpx.get(f"{base_url}/api/{op}/trace?{query}", timeout=30)
    assert response.status_code == 200, response.text[:500]
    frames = [json.loads(line) for line in response.text.splitlines() if line]
    assert frames[0]["type"] == "header" and frames[-1]["type"] == "done"
    assert frames[0]["steps"]["detail"] == "full", "these tests read full-detail step columns"
    return Trace(frames)


def api_error(base_url: str, op: str, query: str) -> tuple[int, dict[str, Any]]:
    response = httpx.get(f"{base_url}/api/{op}/trace?{query}", timeout=30)
    return response.status_code, response.json()


def api_params(query: str) -> dict[str, str]:
    """The parameters of a page URL's query that the page must send to the API."""
    return {k: v for k, v in parse_qsl(query) if k not in PAGE_STATE}


def open_player(page: Page, base_url: str, op: str, query: str = "", until: str = "complete") -> str:
    """Open /play/<op>?<query>; wait for `convscope.<until>`; return the query the page sent to the API."""
    with page.expect_request(re.compile(rf"/api/{op}/(check|trace)\?")) as request:
        page.goto(f"{base_url}/play/{op}{'?' + query if query else ''}")
    page.wait_for_function(f"() => window.convscope && window.convscope.{until}")
    return urlsplit(request.value.url).query


def next_frame(page: Page) -> None:
    """Let pending requestAnimationFrame draws run (the marker and the arithmetic are set when drawn)."""
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def seek_and_draw(page: Page, step: int) -> None:
    page.evaluate(f"convscope.seek({step})")
    next_frame(page)


def fmt(value: float) -> str:
    """The page's number format (static/js/render/colors.js `fmt`) for the values these tests use."""
    if float(value).is_integer():
        return str(int(value))
    digits = 1 if abs(value) >= 100 else 2
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")
