"""Static assets (app/http/assets.py, scripts/build_assets.py): every page links content-hashed bundles
served immutable for a year, every module a bundle imports is hashed too, and without a current build
the pages fall back to the plain files.

scripts/test builds static/dist/ before the tests; these fail, saying so, when it is missing or stale.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.http import assets as assets_module
from app.http.assets import BUNDLES, DIST, DIST_URL, STATIC, Assets, assets, immutable
from app.http.caching import IMMUTABLE_CACHE, STATIC_CACHE
from app.images import palette
from tests import pages_served

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
PLAYERS = pages_served.PLAYER_OPS
PAGES = [*pages_served.SITE_PAGES, *pages_served.EMBED_PAGES, "/embed/nope"]  # the widget's own 404 page
# A URL of this site's files in a page: /static/..., or /palette.css, inside quotes or url(...).
LINKED = re.compile(r"""(?<=["'(])(/static/[^"'()\s]+|/palette\.css)""")
# A module specifier in built code: import ... from "x", import "x", import("x").
IMPORTED = re.compile(r"""(?:\bfrom|\bimport)\s*\(?\s*["']([^"']+)["']""")


@pytest.fixture(scope="module")
def built() -> Assets:
    current = assets()
    if not current.built:
        pytest.fail("static/dist/ is missing or older than static/: run scripts/build_assets.py (scripts/test does)")
    return current


def test_no_template_names_a_static_file_itself() -> None:
    """Templates ask app/http/assets.py for every URL (assets().url, the bundles): none is typed in."""
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 20
    for path in templates:
        text = path.read_text(encoding="utf-8")
        assert not LINKED.findall(text), f"{path.relative_to(ROOT)} types a /static/ URL: use assets()"


@pytest.mark.parametrize("url", PAGES)
def test_every_page_links_only_hashed_files(client: TestClient, built: Assets, url: str) -> None:
    response = client.get(url)
    assert response.status_code in (200, 404), url
    linked = LINKED.findall(response.text)
    assert linked, f"{url} links no stylesheet"
    assert [link for link in linked if not immutable(link)] == [], url
    assert '<script type="module" src="' in response.text or url == "/embed/nope"


def test_each_bundle_is_one_stylesheet_and_one_module(built: Assets) -> None:
    for name, bundle in BUNDLES.items():
        assert len(built.styles(name)) == 1, name
        assert len(built.scripts(name)) == (1 if bundle.js else 0), name


@pytest.mark.parametrize("name", BUNDLES)
def test_a_bundles_stylesheet_is_the_palette_then_its_sheets_in_order(
    client: TestClient, built: Assets, name: str
) -> None:
    text = client.get(built.styles(name)[0]).text
    assert text.startswith(palette.css())
    places = [text.index((STATIC / "css" / sheet).read_text(encoding="utf-8")) for sheet in BUNDLES[name].css]
    assert places == sorted(places) and places[0] > 0


def test_built_files_are_immutable_for_a_year_and_revalidate_by_content(client: TestClient, built: Assets) -> None:
    urls = sorted({url for bundle in built.bundles.values() for kind in bundle.values() for url in kind})
    urls += sorted(built.files.values())
    assert len(urls) > 20
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == IMMUTABLE_CACHE == "public, max-age=31536000, immutable"
        tag = response.headers["etag"]
        again = client.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.headers["cache-control"] == IMMUTABLE_CACHE, url


def test_the_plain_files_keep_their_short_cache(client: TestClient) -> None:
    for url in ("/static/js/core/api.js", "/static/css/base.css", "/static/favicon.svg", "/palette.css"):
        assert client.get(url).headers["cache-control"] == STATIC_CACHE == "public, max-age=3600", url
    assert client.get("/static/dist/manifest.json").headers["cache-control"] == STATIC_CACHE
    assert not immutable("/static/dist/manifest.json") and not immutable("/static/js/core/api.js")


def test_a_hashed_file_is_a_copy_of_its_source(client: TestClient, built: Assets) -> None:
    for path, url in built.files.items():
        assert client.get(url).content == (STATIC / path).read_bytes(), path
        assert Path(url).stem.startswith(Path(path).stem + "-")


def test_every_module_imports_only_hashed_modules(built: Assets) -> None:
    """Inside the bundles too, every import names a hashed file that exists: a repeat visit revalidates nothing."""
    modules = sorted(DIST.rglob("*.js"))
    assert len(modules) >= len([b for b in BUNDLES.values() if b.js])
    imports = 0
    for module in modules:
        url = DIST_URL + module.relative_to(DIST).as_posix()
        assert immutable(url), url
        text = module.read_text(encoding="utf-8")
        assert "/static/js/" not in text, f"{url} names an unbundled module"
        for specifier in IMPORTED.findall(text):
            assert specifier.startswith("./"), (url, specifier)
            target = module.parent / specifier
            assert target.is_file() and immutable(DIST_URL + target.relative_to(DIST).as_posix()), (url, specifier)
            imports += 1
    assert imports > 0, "no chunk shared between bundles: the bundles each carry their own copy"


def test_the_preloads_are_the_chunks_a_bundle_imports(built: Assets) -> None:
    for name in BUNDLES:
        for href in built.preloads(name):
            assert immutable(href) and (DIST / href.removeprefix(DIST_URL)).is_file(), (name, href)


def test_without_a_build_the_pages_link_the_plain_files(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(assets_module, "MANIFEST", tmp_path / "manifest.json")
    assets_module._assets_at.cache_clear()
    try:
        with caplog.at_level("WARNING", logger="convscope.assets"):
            page = client.get("/lessons/01-stride").text
        assert "static/dist/ is not built: serving the unbundled modules" in caplog.text
        sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
        css = ["base.css", "lesson.css", "present.css", "classroom.css"]
        assert sheets == ["/palette.css", *(f"/static/css/{sheet}" for sheet in css)]
        scripts = re.findall(r'<script type="module" src="([^"]+)"', page)
        js = ["core/present.js", "classroom/main.js", "pages/lesson/lesson.js"]
        assert scripts == [f"/static/js/{module}" for module in js]
        assert 'href="/static/favicon.svg"' in page
    finally:
        assets_module._assets_at.cache_clear()


def test_a_build_older_than_its_sources_is_not_used(
    client: TestClient, built: Assets, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    manifest = json.loads(assets_module.MANIFEST.read_text(encoding="utf-8"))
    manifest["sources"] = "0" * 64  # as if a file of static/ had changed since the build
    stale = tmp_path / "manifest.json"
    stale.write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setattr(assets_module, "MANIFEST", stale)
    assets_module._assets_at.cache_clear()
    try:
        with caplog.at_level("WARNING", logger="convscope.assets"):
            assert not assets().built
        assert "static/dist/ is older than static/" in caplog.text
        assert '<script type="module" src="/static/js/embed/embed.js">' in client.get("/embed/conv2d").text
    finally:
        assets_module._assets_at.cache_clear()
