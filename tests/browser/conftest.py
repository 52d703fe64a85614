"""Real-browser fixtures: the real app in uvicorn on a loopback port (tests/conftest.py), Debian's Chromium
driven by Playwright, and pages that fail their test on any console error or warning.

A missing /usr/bin/chromium fails every browser test loudly: CI must install it
(scripts/test does), and a skipped browser suite would look green while testing nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page, sync_playwright

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.live import Live

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

DESKTOP = {"width": 1280, "height": 800}
PAGE_TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this directory is a browser test."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def base_url(live: Live) -> str:
    """Where the real app (``app.main:app``) is served: the root ``live`` fixture's uvicorn."""
    return live.base_url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
            "(apt-get update && apt-get install -y chromium; never `playwright install`)",
            pytrace=False,
        )
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """artifacts/screenshots/ at the repository root (gitignored), created if missing."""
    path = ROOT / "artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Console:
    """Console errors/warnings and uncaught page errors seen by one test's pages: none is allowed."""

    messages: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            url = message.location.get("url", "")
            self.messages.append(f"console.{message.type}: {message.text} ({url})")

    def on_page_error(self, error: Error) -> None:
        self.messages.append(f"pageerror: {error}")

    def check(self) -> None:
        assert not self.messages, "console errors/warnings:\n" + "\n".join(self.messages)


@pytest.fixture
def console() -> Console:
    return Console()


OpenPage = Callable[..., Page]


@pytest.fixture
def open_page(browser: Browser, console: Console) -> Iterator[OpenPage]:
    """A factory: ``open_page(viewport=..., device_scale_factor=..., is_mobile=...)`` gives a page in
    a fresh context whose console is recorded; at teardown the contexts close and the console is checked."""
    contexts: list[BrowserContext] = []

    def make(viewport: dict[str, int] | None = None, **options: object) -> Page:
        context = browser.new_context(viewport=viewport or DESKTOP, **options)  # type: ignore[arg-type]
        contexts.append(context)
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        new = context.new_page()
        new.on("console", console.on_console)
        new.on("pageerror", console.on_page_error)
        return new

    yield make
    for context in contexts:
        context.close()
    console.check()


@pytest.fixture
def page(open_page: OpenPage) -> Page:
    """A 1280x800 page in its own context; the test fails if the page logs an error or warning."""
    return open_page()
