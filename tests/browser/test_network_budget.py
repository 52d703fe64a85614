"""What a lesson costs on the wire (issue 14): lessons 1, 6 and 10 with all their widgets, counted in
Chromium through the DevTools protocol (tests/browser/network.py).

- cold (a new context: an empty cache): at most 40 requests and 250 KB received, headers included;
- repeat (a new tab of the same context): at most 5 requests reach the network (cache hits are not
  requests), since every bundle is immutable and the pages and API answers are still fresh;
- no widget asks /api/{op}/check before its trace: its page says the answer (data-checked).

Counted on loopback, unthrottled; bench/school_network.py measures the same with the network
throttled to a student's share of a school's line (docs/PERFORMANCE.md, "School network").
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from app.engine.specs import OPS
from tests.browser.conftest import DESKTOP, Console
from tests.browser.network import load

COLD_REQUESTS = 40
COLD_BYTES = 250_000
REPEAT_REQUESTS = 5
LESSONS = ["01-stride", "06-pooling", "10-transfer-learning"]


@pytest.mark.parametrize("slug", LESSONS)
def test_a_lesson_with_its_widgets_is_light_cold_and_on_a_repeat_visit(
    browser: Browser, base_url: str, console: Console, slug: str
) -> None:
    context = browser.new_context(viewport=DESKTOP)  # type: ignore[arg-type]
    context.on("console", console.on_console)
    context.on("weberror", lambda error: console.messages.append(f"pageerror: {error.error}"))
    try:
        cold = load(context, f"{base_url}/lessons/{slug}", timeout_ms=60_000)
        repeat = load(context, f"{base_url}/lessons/{slug}", timeout_ms=60_000)
    finally:
        context.close()
    assert cold.requests <= COLD_REQUESTS, f"{cold.requests} requests cold:\n{cold.listing()}"
    assert cold.wire_bytes <= COLD_BYTES, f"{cold.wire_bytes:,} bytes cold:\n{cold.listing()}"
    assert repeat.requests <= REPEAT_REQUESTS, f"{repeat.requests} requests on a repeat visit:\n{repeat.listing()}"
    assert repeat.wire_bytes < cold.wire_bytes / 10, repeat.listing()
    failed = [fetch for fetch in cold.fetches + repeat.fetches if fetch.failed or fetch.status >= 400]
    assert failed == [], failed
    # every widget's page was rendered with its parameters checked (data-checked): none asks /check first
    checks = [f.url for f in cold.fetches for op in OPS if f"/api/{op}/check" in f.url]
    assert checks == [], checks
    console.check()
