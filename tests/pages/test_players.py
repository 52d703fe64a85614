"""The pages around the API: health check, home page and its links, OpenAPI schema, docs."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.live import in_process
from tests.ndjson import NDJSON, OPS


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("a", "link"):
            self.hrefs += [value for name, value in attrs if name == "href" and value]


def home_links(client: TestClient) -> list[str]:
    parser = Links()
    parser.feed(client.get("/").text)
    return parser.hrefs


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_home_lists_every_op(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for op in OPS:
        assert f"<code>{op}</code>" in response.text
    links = home_links(client)
    for op in OPS:
        assert f"/api/{op}/trace" in links
        assert f"/api/{op}/shape" in links
    assert "/docs" in links


def test_home_has_only_local_links(client: TestClient) -> None:
    for href in home_links(client):
        assert urlsplit(href).netloc == "" and href.startswith("/"), href


@pytest.mark.parametrize("href", sorted(set(home_links(in_process()))))  # at collection: no fixture yet
def test_every_home_page_link_works(client: TestClient, href: str) -> None:
    with client.stream("GET", href) as response:
        body = response.read()
        assert response.status_code == 200, body[:300]
    if "/trace" in href:
        assert response.headers["content-type"] == NDJSON
        assert body.endswith(b"\n") and b'"type":"done"' in body.rsplit(b"\n", 2)[-2]


def test_openapi_lists_every_trace_and_shape_path_with_operation_ids(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for op in OPS:
        trace = paths[f"/api/{op}/trace"]
        assert trace["get"]["operationId"] == f"get_{op}_trace"
        assert trace["post"]["operationId"] == f"post_{op}_trace"
        assert NDJSON in trace["get"]["responses"]["200"]["content"]
        assert NDJSON in trace["post"]["responses"]["200"]["content"]
        assert {"413", "422"} <= set(trace["get"]["responses"])
        assert "requestBody" in trace["post"]
        assert paths[f"/api/{op}/shape"]["get"]["operationId"] == f"get_{op}_shape"
    ids = [
        operation["operationId"] for item in paths.values() for operation in item.values() if "operationId" in operation
    ]
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def test_openapi_documents_the_get_parameters(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    names = {param["name"] for param in paths["/api/conv2d/trace"]["get"]["parameters"]}
    assert {
        "in_channels",
        "height",
        "width",
        "kernel_size",
        "stride",
        "padding",
        "dilation",
        "groups",
        "detail",
    } <= names


def test_docs_page(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text
