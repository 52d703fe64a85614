"""A player's page says whether the parameters it is rendered with would stream (``data-checked`` on
#player, app/pages/players.py), exactly as GET /api/{op}/check would answer them: the page's first
load then skips that request (static/js/pages/play/play.js). A wrong answer here would cost either a
request (false) or a 4xx in the browser's console (true), so it is checked against the route itself."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

import pytest
from fastapi.testclient import TestClient

from tests.live import serve

CASES = [
    ("conv2d", "stride=2&bias=false"),
    ("conv2d", "height=7&width=7&kernel_size=3&stride=3&bias=false"),
    ("conv2d", "stride=0"),  # a bound
    ("conv2d", "height=3&width=3&kernel_size=5"),  # the geometry: the kernel is larger than the input
    ("conv2d", "stride=two"),  # not a number
    ("conv2d", "padding=same&stride=2"),  # PyTorch refuses same padding with a stride
    ("conv2d", "stride=2&step=4&speed=10"),  # the player's own state is not a parameter
    ("conv2d", "stride=2&detail=full"),  # the player always asks detail=auto
    ("max_pool2d", "height=5&width=5&seed=2&kernel_size=2&ceil_mode=true"),
    ("max_pool2d", "kernel_size=2&padding=2"),  # padding more than half the kernel
    ("relu", "height=3&width=3"),
    ("avg_pool2d", "height=5&width=5&seed=4&kernel_size=3&stride=2&padding=1&count_include_pad=false"),
]
EMBED_OPTIONS = "theme=dark&controls=0&autoplay=1&loop=true"


def checked(html: str) -> str:
    found = re.search(r'id="player"[^>]*data-checked="(true|false)"', html)
    assert found, "#player has no data-checked"
    return found.group(1)


def route_says(client: TestClient, op: str, query: str) -> str:
    """What GET /api/{op}/check answers for what the player would send: the op's parameters, detail=auto."""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in ("step", "speed", "detail")]
    verdict = client.get(f"/api/{op}/check?{urlencode([*pairs, ('detail', 'auto')])}").json()
    return "true" if verdict["ok"] else "false"


@pytest.mark.parametrize(("op", "query"), CASES)
def test_the_page_says_what_the_check_route_says(client: TestClient, op: str, query: str) -> None:
    expected = route_says(client, op, query)
    assert checked(client.get(f"/play/{op}?{query}").text) == expected
    assert checked(client.get(f"/embed/{op}?{query}&{EMBED_OPTIONS}").text) == expected


def test_both_answers_occur(client: TestClient) -> None:
    """The cases hold refusals and acceptances both (the route's answers, not this file's guesses)."""
    assert {route_says(client, op, query) for op, query in CASES} == {"true", "false"}


@pytest.mark.parametrize("client", [serve(max_elements=30)], indirect=True)
def test_the_pages_check_uses_the_servers_settings(client: TestClient) -> None:
    assert (
        checked(client.get("/embed/conv2d?height=7&width=7").text)
        == "false"
        == route_says(client, "conv2d", "height=7&width=7")
    )
    assert checked(client.get("/embed/conv2d?height=5&width=5").text) == "true"
