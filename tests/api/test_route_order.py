"""Route order carries no meaning: every page answers the same with the routes in reverse order."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.engine.specs import OPS
from app.main import create_app

PAGES = [
    "/",
    "/play/stack",
    "/play/image",
    "/play/augment",
    "/play/transfer",
    "/embed/transfer",
    "/embed/stack",
    "/lessons",
]
PLAYERS = [op for op, spec in OPS.items() if spec.player]  # an op can be traced before its player is built
PAGES += [f"/play/{op}" for op in PLAYERS] + [f"/embed/{op}" for op in PLAYERS]


@pytest.fixture(scope="module", params=["as built", "reversed"])
def client(request: pytest.FixtureRequest) -> TestClient:
    app = create_app()
    if request.param == "reversed":
        app.router.routes.reverse()
    return TestClient(app)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_served_by_its_own_route(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers["content-type"].startswith("text/html")


def test_a_name_no_page_has_is_a_worded_404(client: TestClient) -> None:
    body = client.get("/play/stacks").json()
    assert body["message"] == f"no player for 'stacks'; players exist for: {', '.join(PLAYERS)}"
    page = client.get("/embed/stacks")
    assert page.status_code == 404
    assert "There is no ConvScope widget for &#39;stacks&#39;" in page.text
    assert client.get("/play/conv2d/extra").json()["message"] == "Not Found"
