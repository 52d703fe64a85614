"""Embeds through the API: security headers (frame policy), /embed/{op} pages and their options,
/oembed, and the oEmbed discovery links on player pages."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient

from app.http.assets import assets
from app.pages.oembed import HEIGHTS
from tests.ndjson import OPS

ROOT = Path(__file__).resolve().parents[2]
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
EMBED_CSP = PAGE_CSP.replace("frame-ancestors 'none'", "frame-ancestors *")
EVERYWHERE = {"x-content-type-options": "nosniff", "referrer-policy": "strict-origin-when-cross-origin"}


class Tags(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **wanted: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in wanted.items())]

    def by_id(self, ident: str) -> dict[str, str | None]:
        found = [a for _, a in self.tags if a.get("id") == ident]
        assert len(found) == 1, f"#{ident}: {len(found)} elements"
        return found[0]


def tags(text: str) -> Tags:
    parser = Tags()
    parser.feed(text)
    return parser


# --- security headers ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/play/conv2d", "/play/relu?height=3", "/play/stack"])
def test_pages_refuse_to_be_framed(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == PAGE_CSP
    assert response.headers["x-frame-options"] == "DENY"
    for name, value in EVERYWHERE.items():
        assert response.headers[name] == value


@pytest.mark.parametrize("op", OPS)
def test_embed_pages_may_be_framed_by_any_site(client: TestClient, op: str) -> None:
    response = client.get(f"/embed/{op}")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == EMBED_CSP
    assert "x-frame-options" not in response.headers
    for name, value in EVERYWHERE.items():
        assert response.headers[name] == value


@pytest.mark.parametrize("path", ["/api/conv2d/shape", "/healthz", "/play/nope", "/static/js/embed/bridge.js"])
def test_other_responses_get_nosniff_and_referrer_policy_only(client: TestClient, path: str) -> None:
    response = client.get(path)
    for name, value in EVERYWHERE.items():
        assert response.headers[name] == value
    assert not response.headers["content-type"].startswith("text/html")
    assert "content-security-policy" not in response.headers
    assert "x-frame-options" not in response.headers


def test_a_trace_stream_gets_the_headers(client: TestClient) -> None:
    with client.stream("GET", "/api/relu/trace") as response:
        response.read()
    assert response.status_code == 200
    for name, value in EVERYWHERE.items():
        assert response.headers[name] == value


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_get_a_relaxed_policy_and_still_refuse_frames(client: TestClient, path: str) -> None:
    """Swagger UI and ReDoc come from a CDN and start with an inline script (docs/EMBED.md)."""
    response = client.get(path)
    policy = response.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in policy and "'unsafe-inline'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"


def test_templates_need_nothing_the_policy_refuses() -> None:
    """No inline <script>, no style="..." attribute, no on*= handler: the CSP would block them."""
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = re.sub(r"\{#.*?#\}", "", template.read_text(), flags=re.DOTALL)  # Jinja comments say what they like
        for match in re.finditer(r"<script\b([^>]*)>", text):
            assert "src=" in match.group(1), f"{template.name}: inline <script>"
        assert not re.search(r"<style\b", text), f"{template.name}: <style> element"
        assert not re.search(r"\sstyle\s*=", text), f"{template.name}: style attribute"
        assert not re.search(r"\son[a-z]+\s*=", text), f"{template.name}: inline event handler"


# --- /embed/{op} ------------------------------------------------------------------------------


def embed_page(client: TestClient, query: str, op: str = "conv2d") -> Tags:
    response = client.get(f"/embed/{op}?{query}" if query else f"/embed/{op}")
    assert response.status_code == 200, response.text[:300]
    return tags(response.text)


@pytest.mark.parametrize("op", OPS)
def test_embed_page_is_the_player_alone(client: TestClient, op: str) -> None:
    page = embed_page(client, "", op)
    assert page.by_id("player")["data-op"] == op
    assert page.find("header", **{"class": "site"}) == [], "no site header in an embed"
    assert page.find("nav") == []
    assert "hidden" in page.by_id("params"), "the form is hidden unless params=1"
    assert "hidden" not in page.find("div", **{"class": "transport"})[0]
    for card in ("h-formula", "h-code", "h-legend"):
        assert "hidden" in page.find("section", **{"aria-labelledby": card})[0]
    assert "hidden" not in page.find("section", **{"aria-labelledby": "h-arith"})[0]
    assert page.find("section", **{"aria-labelledby": "h-embed"}) == [], "no embed card inside an embed"
    assert page.find("script", src=assets().scripts("embed")[-1]), "the embed entry point, which runs the player"
    assert page.find("link", rel="stylesheet", href=assets().styles("embed")[-1])  # embed.css, or its bundle
    brand = page.by_id("embed-brand")
    assert brand["href"] == f"/play/{op}"
    assert brand["target"] == "_blank" and brand["rel"] == "noopener"
    html_tag = page.tags[0]
    assert html_tag == ("html", {"lang": "en", "class": "embed theme-light"})


def test_a_widget_is_named_by_its_parameters_and_has_a_heading(client: TestClient) -> None:
    """Its <main> landmark is named by the player's title and the parameters given (embed options and
    unknown names left out, long values cut), so two widgets on one lesson page differ; its parts are
    groups, not landmarks; a visually hidden <h1> heads it (tests/browser/test_axe.py scans them)."""
    long_input = ";".join(["1,2,3,4,5,6,7,8"] * 4)
    response = client.get(f"/embed/conv2d?stride=2&theme=dark&junk=1&step=3&input={long_input}")
    page = tags(response.text)
    name = page.by_id("embed")["aria-label"]
    assert name == f"Convolution: stride=2, input={long_input[:23]}…"
    assert tags(client.get("/embed/conv2d").text).by_id("embed")["aria-label"] == "Convolution"
    assert page.find("section", **{"class": "views views-4"})[0]["role"] == "group"
    assert page.find("section", **{"aria-labelledby": "h-arith"})[0]["role"] == "group"
    assert page.find("h1", **{"class": "visually-hidden"})
    assert re.search(r'<h1 class="visually-hidden">Convolution</h1>', response.text)


def test_embed_options(client: TestClient) -> None:
    page = embed_page(client, "controls=0&params=1&arith=0&autoplay=1&loop=true&theme=contrast&stride=2")
    assert "hidden" in page.find("div", **{"class": "transport"})[0]
    assert "hidden" not in page.by_id("params")
    assert "hidden" in page.find("section", **{"aria-labelledby": "h-arith"})[0]
    assert page.by_id("embed")["data-autoplay"] == "true"
    assert page.by_id("embed")["data-loop"] == "true"
    assert page.tags[0][1]["class"] == "embed theme-contrast"
    stride = [a for t, a in page.tags if t == "input" and a.get("name") == "stride"]
    assert stride[0]["value"] == "2"
    assert page.by_id("player")["data-keep"] == "controls params arith autoplay loop theme"


def test_embed_options_fall_back_to_their_defaults(client: TestClient) -> None:
    page = embed_page(client, "controls=maybe&params=2&theme=pink&autoplay=")
    assert "hidden" not in page.find("div", **{"class": "transport"})[0]
    assert "hidden" in page.by_id("params")
    assert page.tags[0][1]["class"] == "embed theme-light"
    assert page.by_id("embed")["data-autoplay"] == "false"


def test_embed_brand_link_keeps_the_player_state_and_drops_the_options(client: TestClient) -> None:
    page = embed_page(client, "stride=2&step=3&speed=8&controls=0&theme=dark&present=1")
    href = page.by_id("embed-brand")["href"] or ""
    assert urlsplit(href).path == "/play/conv2d"
    assert parse_qsl(urlsplit(href).query) == [("stride", "2"), ("step", "3"), ("speed", "8")]


def test_embed_unknown_op_is_a_404_page(client: TestClient) -> None:
    response = client.get("/embed/conv3d")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == EMBED_CSP
    assert "no ConvScope widget for &#39;conv3d&#39;" in response.text
    assert "<script" not in response.text


def test_embed_unknown_op_is_escaped(client: TestClient) -> None:
    response = client.get("/embed/%3Cb%3Ex")
    assert response.status_code == 404
    assert "<b>x" not in response.text and "&lt;b&gt;x" in response.text


# --- oEmbed -----------------------------------------------------------------------------------

IFRAME = re.compile(
    r'<iframe src="(?P<src>[^"]+)" width="(?P<width>\d+)" height="(?P<height>\d+)" style="border:0;max-width:100%" '
    r'title="(?P<title>[^"]+)" loading="lazy" allow="fullscreen"></iframe>'
)


def oembed(client: TestClient, **params: Any) -> Any:
    return client.get(f"/oembed?{urlencode(params)}")


def test_oembed_answers_a_rich_iframe(client: TestClient) -> None:
    response = oembed(client, url="http://testserver/play/conv2d?stride=2&step=3", format="json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"type", "version", "title", "provider_name", "provider_url", "html", "width", "height"}
    assert body["type"] == "rich" and body["version"] == "1.0"
    assert body["provider_name"] == "ConvScope" and body["provider_url"] == "http://testserver/"
    assert body["title"] == "ConvScope: Convolution"
    iframe = IFRAME.fullmatch(body["html"])
    assert iframe, body["html"]
    assert unescape(iframe["src"]) == "http://testserver/embed/conv2d?stride=2&step=3"
    assert "&amp;" in iframe["src"]
    assert (
        (int(iframe["width"]), int(iframe["height"]))
        == (body["width"], body["height"])
        == (800, HEIGHTS["conv2d"][800])
    )
    assert unescape(iframe["title"]) == body["title"]


@pytest.mark.parametrize("op", OPS)
def test_oembed_for_every_op_and_both_paths(client: TestClient, op: str) -> None:
    for path in ("play", "embed"):
        body = oembed(client, url=f"http://testserver/{path}/{op}").json()
        iframe = IFRAME.fullmatch(body["html"])
        assert iframe and unescape(iframe["src"]) == f"http://testserver/embed/{op}"
        assert (body["width"], body["height"]) == (800, HEIGHTS[op][800]), "the widest measured size"


def test_oembed_respects_maxwidth_and_maxheight(client: TestClient) -> None:
    body = oembed(client, url="http://testserver/play/relu", maxwidth=480, maxheight=300).json()
    assert (body["width"], body["height"]) == (400, 300), "the widest measured width within 480, cut to 300 high"
    iframe = IFRAME.fullmatch(body["html"])
    assert iframe and (iframe["width"], iframe["height"]) == ("400", "300")
    wide = oembed(client, url="http://testserver/play/relu", maxwidth=5000, maxheight=5000).json()
    assert (wide["width"], wide["height"]) == (800, HEIGHTS["relu"][800]), "never larger than the widget's own size"


def test_oembed_keeps_embed_options_and_drops_unknown_keys(client: TestClient) -> None:
    body = oembed(client, url="http://testserver/embed/dropout?p=0.2&theme=dark&loop=1&present=1&x=<b>").json()
    iframe = IFRAME.fullmatch(body["html"])
    assert iframe
    src = unescape(iframe["src"])
    assert parse_qsl(urlsplit(src).query) == [("p", "0.2"), ("theme", "dark"), ("loop", "1")]


def test_oembed_default_ports_and_https_count_as_ours(client: TestClient) -> None:
    for url in ("http://testserver:80/play/conv2d", "https://testserver/play/conv2d", "HTTP://TestServer/play/conv2d"):
        assert oembed(client, url=url).status_code == 200, url
    body = oembed(client, url="https://testserver/play/conv2d").json()
    assert body["html"].startswith('<iframe src="https://testserver/embed/conv2d"')


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/play/conv2d",
        "http://testserver.example.com/play/conv2d",
        "http://testserver:8080/play/conv2d",
        "http://user:pw@testserver/play/conv2d",
        "ftp://testserver/play/conv2d",
        "javascript:alert(1)//testserver/play/conv2d",
        "/play/conv2d",
        "http://testserver/play/image",
        "http://testserver/play/conv3d",
        "http://testserver/play/conv2d/extra",
        "http://testserver/api/conv2d/trace",
        "http://testserver/",
        "http://[::1/play/conv2d",
    ],
)
def test_oembed_refuses_urls_that_are_not_our_players(client: TestClient, url: str) -> None:
    response = oembed(client, url=url)
    assert response.status_code == 404
    assert response.json()["message"].startswith("url: not a ConvScope player on this server")


def test_oembed_formats_other_than_json_are_not_implemented(client: TestClient) -> None:
    for fmt in ("xml", "yaml"):
        response = oembed(client, url="http://testserver/play/conv2d", format=fmt)
        assert response.status_code == 501
        assert response.json()["message"] == f"format: got {fmt!r}; only json is served"


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({}, "url"),
        ({"url": "http://testserver/play/conv2d?input=" + "1," * 1100}, "url"),
        ({"url": "http://testserver/play/conv2d", "maxwidth": 0}, "maxwidth"),
        ({"url": "http://testserver/play/conv2d", "maxheight": "tall"}, "maxheight"),
    ],
)
def test_oembed_bad_parameters_are_422(client: TestClient, params: dict[str, Any], param: str) -> None:
    response = oembed(client, **params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["param"] == param


@pytest.mark.parametrize("op", OPS)
def test_player_pages_link_their_oembed(client: TestClient, op: str) -> None:
    response = client.get(f"/play/{op}?seed=4&step=2")
    links = tags(response.text).find("link", rel="alternate", type="application/json+oembed")
    assert len(links) == 1
    href = links[0]["href"] or ""
    assert href.startswith("http://testserver/oembed?")
    query = dict(parse_qsl(urlsplit(href).query))
    assert query == {"url": f"http://testserver/play/{op}?seed=4&step=2", "format": "json"}
    assert links[0]["title"]
    answer = client.get(href)
    assert answer.status_code == 200
    assert f"/embed/{op}?seed=4&amp;step=2" in answer.json()["html"]


def test_player_page_has_the_embed_card(client: TestClient) -> None:
    page = tags(client.get("/play/conv2d").text)
    assert page.by_id("btn-embed")
    assert "readonly" in page.by_id("embed-code")
    assert page.by_id("player")["data-title"] == "Convolution"
    assert "data-keep" not in page.by_id("player")
