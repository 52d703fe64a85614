"""The caps in settings reach every page: a real server started with ``CONVSCOPE_MAX_SIDE=40
CONVSCOPE_MAX_LAYERS=10`` (a subprocess, so its Settings are its own), and each page that
offers one of those limits shows 40 and 10: every player form, the stack builder (its input,
its 11th layer, its URL, its player links) and the lesson calculator. None is written in the
JavaScript: the pages read them from GET /api/ops.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.live import child_server

MAX_SIDE = 40
MAX_LAYERS = 10
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def capped_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m app serve`` with the two caps lowered, on a free loopback port."""
    log = tmp_path_factory.mktemp("capped-server") / "server.log"
    env = {"CONVSCOPE_MAX_SIDE": str(MAX_SIDE), "CONVSCOPE_MAX_LAYERS": str(MAX_LAYERS)}
    with log.open("wb") as sink, child_server(["app", "serve"], env, stderr=sink) as (url, _):
        yield url


def ops(url: str) -> dict[str, Any]:
    answer = httpx.get(f"{url}/api/ops", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_api_serves_the_lowered_caps(capped_url: str) -> None:
    limits = ops(capped_url)["limits"]
    assert (limits["max_side"], limits["max_layers"]) == (MAX_SIDE, MAX_LAYERS)


def test_every_player_form_offers_sides_up_to_40(page: Page, capped_url: str) -> None:
    players = {op["name"]: op["player"] for op in ops(capped_url)["ops"] if op["player"]}
    assert {"conv2d", "max_pool2d", "avg_pool2d", "lp_pool2d", "relu", "dropout"} <= set(players)
    for name, player in players.items():
        page.goto(f"{capped_url}{player}")
        page.wait_for_function("() => window.convscope && convscope.ready")
        for side in ("height", "width"):
            expect(page.locator(f'#params [name="{side}"]'), f"{name} {side}").to_have_attribute("max", str(MAX_SIDE))
        sides = {f["name"]: f["max"] for f in page.evaluate("convscope.paramSpec") if f["name"] in ("height", "width")}
        assert sides == {"height": MAX_SIDE, "width": MAX_SIDE}, name


def open_builder(page: Page, url: str, query: str = "") -> None:
    page.goto(f"{url}/play/stack{query}")
    page.wait_for_function("() => window.convscope && convscope.ready && !convscope.pending")


def test_the_stack_builder_takes_sides_up_to_40_and_10_layers(page: Page, capped_url: str) -> None:
    open_builder(page, capped_url)
    expect(page.locator("#in-h")).to_have_attribute("max", str(MAX_SIDE))
    expect(page.locator("#in-w")).to_have_attribute("max", str(MAX_SIDE))
    layers = page.locator("#layers li.layer:not(.input-layer)")
    expect(layers).to_have_count(3)  # the article's stack
    for _ in range(MAX_LAYERS - 3):
        page.get_by_role("button", name="Add ReLU layer").click()
    expect(layers).to_have_count(MAX_LAYERS)
    page.get_by_role("button", name="Add ReLU layer").click()  # the 11th
    expect(layers).to_have_count(MAX_LAYERS)
    expect(page.locator("#status")).to_have_text(f"A stack has at most {MAX_LAYERS} layers.")


def test_a_link_with_11_layers_is_refused_in_words(page: Page, capped_url: str) -> None:
    open_builder(page, capped_url, "?input=1,8,8&layers=" + ";".join(["relu"] * (MAX_LAYERS + 1)))
    message = page.locator("#url-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text(f"layers: {MAX_LAYERS + 1} layers, and a stack has at most {MAX_LAYERS}")
    expect(page.locator("#layers li.layer:not(.input-layer)")).to_have_count(3)  # the article's stack instead


def test_a_layer_over_40_gets_no_player_and_says_why(page: Page, capped_url: str) -> None:
    # 3 x 40 x 40 is too many numbers for a link: layer 0 opens its player on a seeded input of
    # its shape; padding makes layer 1's input 44 x 44, over the players' cap.
    open_builder(page, capped_url, "?input=3,40,40&layers=conv2d:out_channels=2,kernel_size=1,padding=2;relu")
    first = page.locator('#layers li.layer[data-index="0"] a.player-link')
    expect(first).to_have_text("Open in player (new input)")
    expect(first).to_have_attribute("href", re.compile(r"^/play/conv2d\?in_channels=3&height=40&width=40&"))
    second = page.locator('#layers li.layer[data-index="1"]')
    expect(second.locator("a.player-link")).to_have_count(0)
    expect(second.locator(".no-player")).to_have_attribute(
        "title", f"The players animate inputs up to {MAX_SIDE} x {MAX_SIDE}; this layer receives 44 x 44."
    )


def test_the_lesson_calculator_takes_sides_up_to_40(page: Page, capped_url: str) -> None:
    page.goto(f"{capped_url}/lessons/03-output-size")
    calc = page.locator(".shape-calculator").first
    expect(calc).to_have_attribute("data-state", "ready")
    expect(calc.get_by_label("Input size W")).to_have_attribute("max", str(MAX_SIDE))
    calc.get_by_label("Input size W").fill(str(MAX_SIDE + 1))
    expect(calc).to_have_attribute("data-state", "error")
    expect(calc.locator(".calc-error")).to_contain_text(str(MAX_SIDE))
    expect(calc.get_by_label("Input size W")).to_have_attribute("aria-invalid", "true")
