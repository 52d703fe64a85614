"""/oembed beyond the players (tests/pages/test_embed.py has the basics): the measured sizes it answers
(app/pages/embed_sizes.json), the layer stack and the transfer view with their /embed/ pages and
discovery links, and CORS (only /oembed may be read by pages of other origins)."""

from __future__ import annotations

import json
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient

from app.engine.specs import OPS
from app.http.assets import BUNDLES, assets
from app.pages.oembed import HEIGHTS, SIZES_FILE, VIEWS, fitted
from tests.browser.measure import WIDTHS
from tests.pages.test_embed import EMBED_CSP, IFRAME, PAGE_CSP, tags

PLAYERS = [op for op, spec in OPS.items() if spec.player]


def oembed(client: TestClient, **params: Any) -> Any:
    return client.get(f"/oembed?{urlencode(params)}")


def iframe_of(body: dict[str, Any]) -> dict[str, str]:
    found = IFRAME.fullmatch(body["html"])
    assert found, body["html"]
    return {"src": unescape(found["src"]), "width": found["width"], "height": found["height"]}


# --- the measured sizes -----------------------------------------------------------------------


def test_every_embeddable_view_is_measured_at_every_width() -> None:
    assert set(VIEWS) == {*PLAYERS, "stack", "transfer"}
    assert set(HEIGHTS) == set(VIEWS)
    for view, row in HEIGHTS.items():
        assert tuple(sorted(row)) == WIDTHS, view
        assert all(200 < height < 10_000 for height in row.values()), (view, row)
    data = json.loads(SIZES_FILE.read_text())
    assert "scripts/measure_embeds.py" in data["about"]


@pytest.mark.parametrize(
    ("maxwidth", "width"),
    [(None, 800), (10_000, 800), (801, 800), (800, 800), (799, 640), (640, 640), (639, 400), (400, 400), (399, 320)],
)
@pytest.mark.parametrize("view", ["conv2d", "relu", "stack", "transfer"])
def test_the_widest_measured_width_within_maxwidth_and_its_height(
    client: TestClient, view: str, maxwidth: int | None, width: int
) -> None:
    assert fitted(view, maxwidth, None) == (width, HEIGHTS[view][width])
    params = {"url": f"http://testserver/play/{view}"} | ({"maxwidth": maxwidth} if maxwidth else {})
    body = oembed(client, **params).json()
    assert (body["width"], body["height"]) == (width, HEIGHTS[view][width])
    frame = iframe_of(body)
    assert (frame["width"], frame["height"]) == (str(width), str(HEIGHTS[view][width]))


def test_narrower_than_every_measured_width_takes_maxwidth_and_scrolls(client: TestClient) -> None:
    body = oembed(client, url="http://testserver/play/conv2d", maxwidth=300).json()
    assert (body["width"], body["height"]) == (300, HEIGHTS["conv2d"][320])


def test_a_maxheight_below_the_widgets_height_cuts_the_frame(client: TestClient) -> None:
    tall = HEIGHTS["relu"][640]
    body = oembed(client, url="http://testserver/play/relu", maxwidth=700, maxheight=tall - 1).json()
    assert (body["width"], body["height"]) == (640, tall - 1)
    roomy = oembed(client, url="http://testserver/play/relu", maxwidth=700, maxheight=tall).json()
    assert (roomy["width"], roomy["height"]) == (640, tall)


# --- the layer stack and the transfer view --------------------------------------------------------


def test_the_stack_builder_has_oembed(client: TestClient) -> None:
    stack = "input=1,28,28&layers=conv2d:out_channels=4,kernel_size=3x3,padding=a%2Cb;relu"
    body = oembed(client, url=f"http://testserver/play/stack?{stack}&present=1&x=1", maxwidth=640).json()
    assert body["title"] == "ConvScope: Layer stack"
    assert body["type"] == "rich" and body["provider_url"] == "http://testserver/"
    frame = iframe_of(body)
    assert frame["src"] == f"http://testserver/embed/stack?{stack}", "the stack kept as written; the rest dropped"
    assert (body["width"], body["height"]) == (640, HEIGHTS["stack"][640])
    bare = iframe_of(oembed(client, url="http://testserver/embed/stack").json())
    assert bare["src"] == "http://testserver/embed/stack"


def test_the_transfer_view_has_oembed(client: TestClient) -> None:
    url = "http://testserver/play/transfer?index=12&shots=5&epochs=40&lr=0.05&seed=3&theme=dark&step=2"
    body = oembed(client, url=url).json()
    assert body["title"] == "ConvScope: Transfer learning"
    frame = iframe_of(body)
    src = urlsplit(frame["src"])
    assert src.path == "/embed/transfer"
    expected = [("index", "12"), ("shots", "5"), ("epochs", "40"), ("lr", "0.05"), ("seed", "3"), ("theme", "dark")]
    assert parse_qsl(src.query) == expected
    assert (body["width"], body["height"]) == (800, HEIGHTS["transfer"][800])


def test_embedded_stack_state_is_escaped_in_the_iframe(client: TestClient) -> None:
    body = oembed(client, url='http://testserver/play/stack?layers=relu"><script>').json()
    assert "<script>" not in body["html"] and 'relu"' not in body["html"]
    assert iframe_of(body)["src"] == "http://testserver/embed/stack?layers=relu%22%3E%3Cscript%3E"


@pytest.mark.parametrize(("path", "title"), [("/play/stack", "Layer stack"), ("/play/transfer", "Transfer learning")])
def test_stack_and_transfer_pages_link_their_oembed(client: TestClient, path: str, title: str) -> None:
    response = client.get(f"{path}?input=3,8,8&index=4")
    links = tags(response.text).find("link", rel="alternate", type="application/json+oembed")
    assert len(links) == 1 and links[0]["title"] == f"ConvScope: {title}"
    href = links[0]["href"] or ""
    assert dict(parse_qsl(urlsplit(href).query)) == {
        "url": f"http://testserver{path}?input=3,8,8&index=4",
        "format": "json",
    }
    answer = client.get(href)
    assert answer.status_code == 200 and answer.json()["title"] == f"ConvScope: {title}"


def test_the_stack_embed_is_the_builder_alone(client: TestClient) -> None:
    response = client.get("/embed/stack?input=1,8,8&layers=relu;max_pool2d&present=1&theme=dark")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == EMBED_CSP
    assert "x-frame-options" not in response.headers
    page = tags(response.text)
    assert page.tags[0] == ("html", {"lang": "en", "class": "embed theme-light"})
    assert page.find("header", **{"class": "site"}) == [] and page.find("nav") == []
    assert len(page.find("h1")) == 1
    assert page.by_id("layers") and page.by_id("strip")
    scripts = [attrs["src"] for tag, attrs in page.tags if tag == "script"]
    assert scripts == assets().scripts("embed-stack"), "the builder and the embed's entry, nothing of the site's"
    assert "core/present.js" not in BUNDLES["embed-stack"].js and "pages/stack/stack.js" in BUNDLES["embed-stack"].js
    brand = page.by_id("embed-brand")
    assert brand["href"] == "/play/stack?input=1,8,8&layers=relu;max_pool2d"
    assert brand["target"] == "_blank" and brand["rel"] == "noopener"


def test_the_stack_page_still_refuses_frames(client: TestClient) -> None:
    response = client.get("/play/stack")
    assert response.headers["content-security-policy"] == PAGE_CSP
    assert tags(response.text).find("header", **{"class": "site"})


# --- CORS -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"url": "http://testserver/play/conv2d"}, 200),
        ({"url": "http://testserver/play/stack", "maxwidth": 400}, 200),
        ({"url": "http://example.com/play/conv2d"}, 404),
        ({"url": "http://testserver/play/conv2d", "maxwidth": 0}, 422),
        ({"url": "http://testserver/play/conv2d", "format": "xml"}, 501),
    ],
)
def test_oembed_may_be_read_from_any_origin(client: TestClient, query: dict[str, Any], status: int) -> None:
    response = client.get(f"/oembed?{urlencode(query)}", headers={"Origin": "https://course.example"})
    assert response.status_code == status
    assert response.headers["access-control-allow-origin"] == "*"


def test_oembed_head_and_revalidation_carry_cors(client: TestClient) -> None:
    url = "/oembed?url=http%3A%2F%2Ftestserver%2Fplay%2Frelu"
    head = client.head(url, headers={"Origin": "https://course.example"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["access-control-allow-origin"] == "*"
    tag = client.get(url).headers["etag"]
    again = client.get(url, headers={"If-None-Match": tag, "Origin": "https://course.example"})
    assert again.status_code == 304
    assert again.headers["access-control-allow-origin"] == "*"


def test_oembed_answers_a_preflight(client: TestClient) -> None:
    response = client.options(
        "/oembed?url=x", headers={"Origin": "https://course.example", "Access-Control-Request-Method": "GET"}
    )
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "GET, HEAD"
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/play/conv2d",
        "/embed/conv2d",
        "/embed/stack",
        "/play/stack",
        "/api/relu/trace",
        "/api/conv2d/shape",
        "/healthz",
        "/openapi.json",
        "/static/js/embed/bridge.js",
        "/oembed/",
        "/nope",
    ],
)
def test_no_other_route_is_readable_from_other_origins(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Origin": "https://course.example"}, follow_redirects=False)
    assert "access-control-allow-origin" not in response.headers, path
