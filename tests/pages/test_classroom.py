"""The student's way into a class (app/pages/classroom.py): /join, a form to type the code, and
/join/{code}, the page that joins the room, with a worded page for a code that cannot be a room's
and for a room that does not exist. (The pages in a browser: tests/browser/test_classroom.py.)"""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.classroom.broker import BrokerDown
from app.http.assets import BUNDLES, assets
from app.main import create_app

NOT_A_CODE = "“{}” is not a class code: a code must be 6 letters from ACDEFGHJKMNPQRTUVWXY."
NO_CLASS = (
    "There is no class {} right now: it has ended, or the code is not quite right. "
    "Check the code on your teacher's screen and type it again."
)


@pytest.fixture
def client() -> Iterator[TestClient]:
    """A fresh app with its lifespan (the classroom's hub and its in-memory rooms)."""
    with TestClient(create_app()) as entered:
        yield entered


def text(response_text: str) -> str:
    return html.unescape(response_text)


def test_the_join_form(client: TestClient) -> None:
    response = client.get("/join")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'name="code"' in response.text and 'action="/join"' in response.text
    assert 'role="alert"' not in response.text
    # the site's pages load the classroom (inert until a room opens): its module, or the bundle holding it
    assert "classroom/main.js" in BUNDLES["site"].js
    assert all(f'<script type="module" src="{src}">' in response.text for src in assets().scripts("site"))


def test_a_typed_code_goes_to_its_page_in_capitals(client: TestClient) -> None:
    response = client.get("/join", params={"code": " kprtxw "}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/join/KPRTXW"


@pytest.mark.parametrize("typed", ["hello!", "KPRTX", "KPRTXB", "<b>x</b>"])
def test_a_code_that_cannot_be_one_is_said_in_words(client: TestClient, typed: str) -> None:
    response = client.get("/join", params={"code": typed})
    assert response.status_code == 422
    assert NOT_A_CODE.format(typed) in text(response.text)
    assert "<b>x</b>" not in response.text  # escaped, never markup


def test_a_path_code_that_cannot_be_one_is_a_404(client: TestClient) -> None:
    response = client.get("/join/B8B8B8")
    assert response.status_code == 404
    assert NOT_A_CODE.format("B8B8B8") in text(response.text)


def test_a_room_that_does_not_exist_is_a_worded_404(client: TestClient) -> None:
    response = client.get("/join/kprtxw")
    assert response.status_code == 404
    assert NO_CLASS.format("KPRTXW") in text(response.text)
    assert 'value="KPRTXW"' in response.text  # the form again, with the code to mend
    assert assets().scripts("join")[-1] not in response.text  # the join page's module (join.js)


def test_a_room_that_exists_is_joined_by_its_page(client: TestClient) -> None:
    code = client.post("/api/classroom").json()["code"]
    response = client.get(f"/join/{code.lower()}")
    assert response.status_code == 200
    assert f'data-code="{code}"' in response.text
    assert f'<script type="module" src="{assets().scripts("join")[-1]}">' in response.text
    assert "content-security-policy" in response.headers


def test_a_store_that_is_down_is_said_in_words(client: TestClient) -> None:
    async def down(code: str) -> None:
        raise BrokerDown("redis")

    client.app.state.classroom.broker.get_room = down  # type: ignore[attr-defined]
    response = client.get("/join/KPRTXW")
    assert response.status_code == 503
    assert "This class cannot be joined right now: the classroom's shared store (Redis) cannot be reached" in text(
        response.text
    )
