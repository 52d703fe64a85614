"""The transfer-learning pages through the API: /play/transfer and /embed/transfer (frame policy,
theme option, link back), the home page's link, and the checks the page asks before a request,
whose message must be exactly the one the real endpoint's 422 carries."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.http.assets import assets

# The module of each page (pages/transfer/transfer.js, embed/transfer.js), bundled or not (app/http/assets.py)
PAGE_SCRIPT = f'<script type="module" src="{assets().scripts("transfer")[-1]}"></script>'
EMBED_SCRIPT = f'<script type="module" src="{assets().scripts("embed-transfer")[-1]}"></script>'


def test_the_page_is_served_with_its_script_and_refuses_framing(client: TestClient) -> None:
    response = client.get("/play/transfer")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert PAGE_SCRIPT in response.text
    assert '<header class="site">' in response.text  # the site's page, not the bare widget
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def test_the_embed_can_be_framed_by_any_site(client: TestClient) -> None:
    response = client.get("/embed/transfer?index=164&shots=3")
    assert response.status_code == 200
    assert EMBED_SCRIPT in response.text
    assert '<header class="site">' not in response.text
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    assert "x-frame-options" not in response.headers
    assert 'href="/play/transfer?index=164&amp;shots=3"' in response.text  # the link opens the same state


@pytest.mark.parametrize(
    ("query", "theme"), [("", "light"), ("theme=dark", "dark"), ("theme=contrast", "contrast"), ("theme=neon", "light")]
)
def test_the_embed_theme_is_read_leniently(client: TestClient, query: str, theme: str) -> None:
    response = client.get(f"/embed/transfer?{query}")
    assert response.status_code == 200
    assert f'<html lang="en" class="embed theme-{theme}">' in response.text


def test_the_embed_link_keeps_only_the_settings(client: TestClient) -> None:
    response = client.get("/embed/transfer?theme=dark&seed=4&foo=<b>&lr=0.02")
    assert 'href="/play/transfer?seed=4&amp;lr=0.02"' in response.text
    assert "<b>" not in response.text


def test_the_home_page_lists_the_view(client: TestClient) -> None:
    text = client.get("/").text
    assert '<a href="/play/transfer"><code>transfer</code></a>' in text


def test_the_generic_player_routes_do_not_take_transfer(client: TestClient) -> None:
    """The router is included before /play/{op} and /embed/{op}: transfer is not a 404 'no player'."""
    assert client.get("/play/transfer").status_code == 200
    assert client.get("/embed/transfer").status_code == 200


# --- the checks -------------------------------------------------------------------------------------

TRAIN_REFUSED = [
    "shots=21",
    "shots=0",
    "shots=2.5",
    "epochs=301",
    "epochs=0",
    "lr=0",
    "lr=2",
    "lr=abc",
    "lr=nan",
    "seed=-1",
    "seed=x",
    "shots=5&foo=1",
]


@pytest.mark.parametrize("query", TRAIN_REFUSED)
def test_train_check_says_what_the_stream_would_refuse(client: TestClient, query: str) -> None:
    refused = client.get(f"/api/transfer/train?{query}")
    assert refused.status_code == 422
    check = client.get(f"/api/transfer/train/check?{query}")
    assert check.status_code == 200
    body: dict[str, Any] = check.json()
    assert body["ok"] is False and body["status"] == 422
    assert body["message"] == refused.json()["message"]
    assert body["detail"][0]["param"] == refused.json()["detail"][0]["param"]


def test_train_check_message_for_shots_21_is_the_documented_one(client: TestClient) -> None:
    body = client.get("/api/transfer/train/check?shots=21").json()
    assert body["message"] == "shots: got 21; must be <= 20"


@pytest.mark.parametrize("query", ["", "shots=1&epochs=1&lr=1&seed=0", "shots=20&epochs=300&lr=0.0001&seed=2147483647"])
def test_train_check_accepts_what_the_stream_accepts(client: TestClient, query: str) -> None:
    assert client.get(f"/api/transfer/train/check?{query}").json() == {
        "ok": True,
        "status": 200,
        "message": None,
        "detail": [],
    }


@pytest.mark.parametrize("query", ["index=5000", "index=-1", "index=abc", "index=1.5", "index=3&x=1"])
def test_activations_check_says_what_the_endpoint_would_refuse(client: TestClient, query: str) -> None:
    refused = client.get(f"/api/transfer/activations?{query}")
    assert refused.status_code == 422
    body = client.get(f"/api/transfer/activations/check?{query}").json()
    assert body["ok"] is False and body["status"] == 422
    assert body["message"] == refused.json()["message"]


@pytest.mark.parametrize("query", ["index=0", "index=1796", ""])
def test_activations_check_accepts(client: TestClient, query: str) -> None:
    assert client.get(f"/api/transfer/activations/check?{query}").json()["ok"] is True
