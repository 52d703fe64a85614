"""Every page has one ``<meta name="description">``, taken from what the page already says: a lesson's
summary, a player's lead, each other page's lead paragraph (templates/base.html, {% block description %})."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from app.engine.specs import OPS
from app.lessons import catalogue
from app.main import create_app
from app.pages.players import PLAYERS

PAGES = [
    "/",
    "/lessons",
    *(lesson.url for lesson in catalogue.LESSONS),
    *(f"/play/{op}" for op, spec in OPS.items() if spec.player),
    *(f"/embed/{op}" for op, spec in OPS.items() if spec.player),
    "/play/conv2d?present=1",
    "/embed/relu?theme=dark",
    "/play/stack",
    "/play/image",
    "/play/augment",
    "/play/transfer",
    "/embed/transfer",
    "/embed/stack",
    "/join",
    "/join?code=no",
    "/join/{room}",
    "/embed/nope",  # the widget's own 404 page
]


def shows_its_description(url: str) -> bool:
    """Widgets (/embed/...) show no lead: their description is their player's. A class's page shows the
    join form's help only before one has joined."""
    return not (url.startswith("/embed/") and url != "/embed/nope") and url != "/join/{room}"


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.descriptions: list[str] = []
        self.text: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "meta" and found.get("name") == "description":
            self.descriptions.append(found.get("content") or "")
        if tag in ("script", "style", "title"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.text.append(data)


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def pages() -> Iterator[tuple[TestClient, str]]:
    with TestClient(create_app()) as client:
        response = client.post("/api/classroom")
        assert response.status_code == 201
        yield client, response.json()["code"]


def read(pages: tuple[TestClient, str], url: str) -> Page:
    client, room = pages
    response = client.get(url.replace("{room}", room))
    assert response.headers["content-type"].startswith("text/html"), url
    page = Page()
    page.feed(response.text)
    return page


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_one_description_from_its_own_text(pages: tuple[TestClient, str], url: str) -> None:
    page = read(pages, url)
    assert len(page.descriptions) == 1, page.descriptions
    description = page.descriptions[0]
    assert len(description) >= 40 and description == words(description)  # one line, no markup
    assert "<" not in description and "{" not in description
    if shows_its_description(url):
        assert description in words("".join(page.text)), description  # the page says it too


def test_a_lessons_description_is_its_summary_and_a_players_its_lead(pages: tuple[TestClient, str]) -> None:
    for lesson in catalogue.LESSONS:
        assert read(pages, lesson.url).descriptions == [lesson.summary]
    for op, spec in OPS.items():
        if spec.player:
            assert read(pages, f"/play/{op}").descriptions == [words(PLAYERS[op]["lead"])]
            assert read(pages, f"/embed/{op}").descriptions == [words(PLAYERS[op]["lead"])]
    transfer = read(pages, "/play/transfer").descriptions
    assert transfer == read(pages, "/embed/transfer").descriptions
    assert transfer[0].startswith("A small network trained to read the handwritten digits 0-4, reused for the digits")
