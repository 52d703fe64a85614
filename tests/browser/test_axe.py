"""axe-core (https://github.com/dequelabs/axe-core) in Chromium on every page the app serves, with zero
violations of WCAG 2.0/2.1 A and AA and of axe's best practices.

The pages: /, /lessons, every lesson with its widget iframes (axe's own frame support: axe is in every
frame, and the scan of the page takes its frames in, so a landmark name repeated across two widgets
counts), every player, the stack builder, the image, augmentation and transfer pages, /join (empty,
with a wrong code, and with a real class's code), every embed (each player, the transfer view, the
parameter form shown, and the embed 404 page), and the class panel open. Each site page is scanned
with prefers-color-scheme light and dark, and again in presentation mode (?present=1, widgets
dressed for the projector) in both; each embed in its three themes (?theme=light|dark|contrast).
A test also checks that every HTML route of the app is among the pages scanned.

axe-core is installed from npm into .tools/ by scripts/test, at the version pinned there
(AXE_VERSION); it is never downloaded here, and a missing or other version fails the test.
One Chromium, one context and page for the module; axe is injected into the page and every frame once
they are ready (through the DevTools protocol, which the pages' Content-Security-Policy does not apply to).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from playwright.sync_api import Browser, Page
from starlette.routing import Match

from app.main import app
from tests import pages_served

from .conftest import DESKTOP, ROOT

AXE_DIR = ROOT / ".tools" / "node_modules" / "axe-core"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
THEMES = ("light", "dark", "contrast")
SCHEMES = ("light", "dark")
PLAYER_OPS = pages_served.PLAYER_OPS
SCAN_TIMEOUT_MS = 30_000

SITE_PAGES = [
    *pages_served.SITE_PAGES,
    "/join?code=nope",  # the form again, saying why
    "/join/KPRTXW",  # well formed, but no class has it: the form with the message, a 404
]
EMBED_PAGES = [
    *pages_served.EMBED_PAGES,
    "/embed/conv2d?params=1",  # the parameter form shown
    "/embed/nothing",  # the widget's own 404 page
]
CLASS_PAGES = ["/join/{code}"]  # a real class's code: test_a_class_passes_axe

# Every iframe eager (a lesson's widgets are loading="lazy"), then: the document and every frame loaded,
# axe in each, each page's own ready flag (window.convscope.ready) where it has one, and in presentation
# mode each widget dressed for it (present.js: html.present-widget and present.css loaded).
EAGER = "() => { for (const f of document.querySelectorAll('iframe')) f.loading = 'eager'; }"
READY = """() => {
  const settled = (w) => w.document.readyState === 'complete'
    && (w.convscope === undefined || w.convscope.ready === true);
  if (!settled(window)) return false;
  const presenting = document.documentElement.classList.contains('present');
  return [...document.querySelectorAll('iframe')].every((f) => {
    const w = f.contentWindow;
    if (!w || w.location.href === 'about:blank' || !settled(w)) return false;
    if (!presenting || !w.location.pathname.startsWith('/embed/')) return true;
    const link = w.document.querySelector('link[data-present]');
    return w.document.documentElement.classList.contains('present-widget') && link !== null && link.sheet !== null;
  });
}"""
# pingWaitTime 0: straight to each frame's axe (it is in every frame). With axe's default, a frame that does
# not answer a ping within 500 ms is left out without a word; this way one that does not answer within
# frameWaitTime fails the scan instead.
RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
                                          pingWaitTime: 0, frameWaitTime: 20000});
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary,
      related: [...n.any, ...n.all, ...n.none].flatMap((c) => c.relatedNodes.map((r) => r.target))}))}));
}"""


def pinned_version() -> str:
    """The axe-core version scripts/test installs (its AXE_VERSION line): the one place it is written."""
    found = re.search(r"^AXE_VERSION=(\S+)$", (ROOT / "scripts" / "test").read_text(), re.MULTILINE)
    assert found, "scripts/test has no AXE_VERSION= line"
    return found.group(1)


@pytest.fixture(scope="module")
def axe_script() -> Path:
    """axe.min.js at the pinned version; the test fails, never skips, without it."""
    version = pinned_version()
    package = AXE_DIR / "package.json"
    have = json.loads(package.read_text())["version"] if package.exists() else None
    if have != version:
        pytest.fail(
            f"axe-core {version} is not in .tools/ ({'missing' if have is None else f'found {have}'}): "
            f"scripts/test installs it (npm install --prefix .tools --save-exact axe-core@{version})",
            pytrace=False,
        )
    return AXE_DIR / "axe.min.js"


@pytest.fixture(scope="module")
def scanner(browser: Browser, axe_script: Path) -> Iterator[Page]:
    """One page in one context for the module. Reduced motion: no control is caught half faded (presentation
    mode's idle controls)."""
    context = browser.new_context(viewport=DESKTOP, reduced_motion="reduce")  # type: ignore[arg-type]
    context.set_default_timeout(SCAN_TIMEOUT_MS)
    yield context.new_page()
    context.close()


@functools.cache
def axe_source() -> str:
    return (AXE_DIR / "axe.min.js").read_text()


def inject(page: Page) -> None:
    """axe into the page and each of its frames, once the documents are final. (Not as an init script: an
    iframe's first, empty document keeps its window when the frame navigates to the widget, and an axe left
    there answers the page's axe for the old, empty document.)"""
    for frame in page.frames:
        if frame.evaluate("() => window.axe === undefined"):
            frame.evaluate(axe_source())


def report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"]:
            also = [t for t in node["related"] if t != node["target"]]
            lines.append(f"    {node['target']}" + (f" (and {also})" if also else ""))
    return "\n".join(lines)


class Scan:
    """The violations of one test's scans, by what was scanned; asserted once, all of them shown."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.found: dict[str, list[dict[str, Any]]] = {}
        self.count = 0

    def open(self, path: str, scheme: str = "light") -> None:
        self.page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        self.page.goto(self.base_url + path)
        self.page.evaluate(EAGER)
        self.page.wait_for_function(READY)
        inject(self.page)

    def run(self, label: str) -> None:
        violations: list[dict[str, Any]] = self.page.evaluate(RUN, TAGS)
        self.count += 1
        if violations:
            self.found[label] = violations

    def check(self) -> None:
        assert self.count, "nothing was scanned"
        assert not self.found, "axe-core violations:\n" + "\n".join(
            f"{label}:\n{report(violations)}" for label, violations in self.found.items()
        )


def with_query(path: str, extra: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{extra}"


def scan_site_page(scan: Scan, path: str) -> None:
    """``path`` with prefers-color-scheme light then dark, and the same in presentation mode."""
    for shown in (path, with_query(path, "present=1")):
        scan.open(shown, "light")
        for scheme in SCHEMES:
            scan.page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
            scan.run(f"{shown} (prefers-color-scheme: {scheme})")


@pytest.mark.parametrize("path", SITE_PAGES)
def test_site_page_passes_axe(scanner: Page, base_url: str, path: str) -> None:
    scan = Scan(scanner, base_url)
    scan_site_page(scan, path)
    scan.check()


@pytest.mark.parametrize("path", EMBED_PAGES)
def test_embed_passes_axe_in_every_theme(scanner: Page, base_url: str, path: str) -> None:
    scan = Scan(scanner, base_url)
    for theme in THEMES:
        shown = with_query(path, f"theme={theme}")
        scan.open(shown)
        scan.run(shown)
    scan.check()


def test_a_class_passes_axe(scanner: Page, base_url: str) -> None:
    """The teacher's page with the class panel open, and a student's /join/{code} page of a class (one made
    through the API, with no teacher to follow, so the page stays the join page while it is scanned)."""
    scan = Scan(scanner, base_url)
    scan.open("/play/conv2d?height=5&width=5")
    scanner.get_by_role("button", name="Class", exact=True).click()
    scanner.wait_for_function("() => document.querySelector('.class-qr')?.naturalWidth > 0")
    for scheme in SCHEMES:
        scanner.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        scan.run(f"/play/conv2d with the class panel open (prefers-color-scheme: {scheme})")
    created = httpx.post(f"{base_url}/api/classroom")
    assert created.status_code == 201, created.text
    path = f"/join/{created.json()['code']}"
    scan.open(path)
    assert scanner.locator("#join-room").count() == 1, "not the student's page of an open class"
    scan_site_page(scan, path)
    scan.check()


ERROR_PAGES = [  # each page showing an error in words
    "/play/conv2d?height=5&width=5&kernel_size=9",
    "/play/stack?input=1,8,8&layers=conv2d:kernel_size=20",
    *(f"/embed/conv2d?height=5&width=5&kernel_size=9&theme={theme}" for theme in THEMES),
]


@pytest.mark.parametrize("path", ERROR_PAGES)
def test_a_page_showing_an_error_passes_axe(scanner: Page, base_url: str, path: str) -> None:
    scan = Scan(scanner, base_url)
    scan.open(path)
    assert scanner.locator('[role="alert"]:visible, .layer-error:visible').count() >= 1, "no error shown"
    scan.run(path)
    scan.check()


TRAINED = "() => Boolean(convscope.training.finished || convscope.training.error)"


def test_answered_exercises_pass_axe(scanner: Page, base_url: str) -> None:
    """A lesson's exercises after answers: refused input, a wrong answer, a right one, a revealed one; then
    the same page switched to presentation mode (the Present button), where the feedback is a light island."""
    scan = Scan(scanner, base_url)
    scan.open("/lessons/01-stride?exercise_seed=1000")
    boxes = scanner.locator(".exercise")
    assert boxes.count() >= 2
    boxes.nth(0).get_by_label("Your answer").fill("three")
    boxes.nth(0).get_by_role("button", name="Check").click()
    scanner.wait_for_function("() => document.querySelector('.exercise [aria-invalid=\"true\"]') !== null")
    boxes.nth(1).get_by_label("Your answer").fill("9999")
    boxes.nth(1).get_by_role("button", name="Check").click()
    scanner.wait_for_function("() => document.querySelectorAll('.exercise')[1].dataset.state === 'incorrect'")
    scan.run("/lessons/01-stride: a refused answer and a wrong one")
    boxes.nth(1).get_by_role("button", name="Show the answer").click()
    scanner.wait_for_function("() => document.querySelectorAll('.exercise')[1].dataset.state === 'revealed'")
    scan.run("/lessons/01-stride: an answer revealed")
    scanner.get_by_role("button", name="Present").click()
    scanner.wait_for_function(READY)
    scan.run("/lessons/01-stride: the answered exercises, presenting")
    scan.check()


@pytest.mark.parametrize("path", ["/play/transfer", *(f"/embed/transfer?theme={theme}" for theme in THEMES)])
def test_a_trained_transfer_view_passes_axe(scanner: Page, base_url: str, path: str) -> None:
    """The transfer view after a (short) training run: the examples, both charts, the sentence and the table."""
    scan = Scan(scanner, base_url)
    scan.open(with_query(path, "shots=1&epochs=5"))
    scanner.locator("#tl-train").click()
    scanner.wait_for_function(TRAINED)
    scanner.wait_for_function("() => !document.getElementById('tl-run').hidden")
    scan.run(f"{path} after training")
    if path.startswith("/play/"):
        scanner.get_by_role("button", name="Present").click()
        scan.run(f"{path} after training, presenting")
    scan.check()


def html_routes() -> list[tuple[str, APIRoute]]:
    """Every GET route of the app that answers HTML, with the prefix its router was included under."""
    found = []
    for route in app.routes:
        router = getattr(route, "original_router", None)  # this FastAPI keeps an included router whole
        prefix = route.include_context.prefix if router is not None else ""  # type: ignore[attr-defined]
        for inner in router.routes if router is not None else [route]:
            if isinstance(inner, APIRoute) and "GET" in (inner.methods or ()) and inner.response_class is HTMLResponse:
                found.append((prefix, inner))
    return found


def test_every_html_route_is_scanned() -> None:
    """Each GET route that answers HTML is reached by one of the pages scanned above: a new page must be
    added here to be checked."""
    scanned = [urlsplit(path).path for path in SITE_PAGES + EMBED_PAGES + CLASS_PAGES]
    routes = html_routes()
    assert len(routes) >= 12, [route.path for _, route in routes]

    def reached(prefix: str, route: APIRoute) -> bool:
        paths = [p.removeprefix(prefix) for p in scanned if p.startswith(prefix)]
        return any(route.matches({"type": "http", "method": "GET", "path": p})[0] is Match.FULL for p in paths)

    missed = [prefix + route.path for prefix, route in routes if not reached(prefix, route)]
    assert not missed, f"HTML routes no axe scan reaches: {missed}"
