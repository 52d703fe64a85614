"""What a page costs on the wire, counted in Chromium through the DevTools protocol: the requests
that went to the network (cache hits not counted), the bytes received for them (headers included:
``Network.loadingFinished``'s ``encodedDataLength``), and the time until the page and every widget
in it are ready. Used by tests/browser/test_network_budget.py and bench/school_network.py.

A lesson's widgets are ``<iframe loading="lazy">``: ``load`` scrolls each into view in turn (one
animation frame apart, as a reader scrolling through would), so that all of them load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import BrowserContext, CDPSession, Page

# One student's share of a school's line: 10 Mbit/s shared by 30, about 330 kbit/s each way, 40 ms.
SCHOOL_KBITS = 330
SCHOOL_LATENCY_MS = 40
SCHOOL = {
    "offline": False,
    "latency": SCHOOL_LATENCY_MS,
    "downloadThroughput": SCHOOL_KBITS * 1000 / 8,  # bytes per second
    "uploadThroughput": SCHOOL_KBITS * 1000 / 8,
}
CACHE_FLAGS = ("fromDiskCache", "fromMemoryCache", "fromPrefetchCache", "fromServiceWorker")

# Scrolls every widget frame into view, one after another, two animation frames apart (lazy frames
# load when they come near the viewport), then back to the top.
SCROLL_THROUGH = """async () => {
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    for (const widget of document.querySelectorAll("iframe")) {
        widget.scrollIntoView({ block: "center" });
        await frame();
    }
    window.scrollTo(0, 0);
}"""

# True once the page and every frame in it say ready (window.convscope.ready); records the moment
# (ms since the navigation started) the first time it is true.
ALL_READY = """() => {
    const ready = (w) => Boolean(w && w.convscope && w.convscope.ready);
    const frames = [...document.querySelectorAll("iframe")].map((f) => f.contentWindow);
    if (!ready(window) || !frames.every(ready)) return false;
    window.__allReadyAt ??= performance.now();
    return true;
}"""


@dataclass
class Fetch:
    url: str
    kind: str = ""
    status: int = 0
    cached: bool = False
    bytes: int = 0
    failed: str = ""


@dataclass
class Recorder:
    """Every request of one page (its frames included), from the DevTools protocol's Network events."""

    fetches: dict[str, Fetch] = field(default_factory=dict)

    def attach(self, cdp: CDPSession) -> None:
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", self._from_cache)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)

    def _sent(self, event: dict[str, Any]) -> None:
        url = event["request"]["url"]
        if url.startswith(("http://", "https://")):
            self.fetches[event["requestId"]] = Fetch(url, event.get("type", ""))

    def _from_cache(self, event: dict[str, Any]) -> None:
        if (fetch := self.fetches.get(event["requestId"])) is not None:
            fetch.cached = True

    def _response(self, event: dict[str, Any]) -> None:
        if (fetch := self.fetches.get(event["requestId"])) is not None:
            response = event["response"]
            fetch.status = response["status"]
            fetch.cached = fetch.cached or any(response.get(flag) for flag in CACHE_FLAGS)

    def _finished(self, event: dict[str, Any]) -> None:
        if (fetch := self.fetches.get(event["requestId"])) is not None:
            fetch.bytes = int(event["encodedDataLength"])

    def _failed(self, event: dict[str, Any]) -> None:
        if (fetch := self.fetches.get(event["requestId"])) is not None:
            fetch.failed = event.get("errorText", "failed")

    @property
    def network(self) -> list[Fetch]:
        """The requests that went to the server (a revalidation answered 304 is one); cache hits are not.

        A frame asking for a URL another frame is already fetching waits for that response and is
        served from the cache, with no flag saying so: it received 0 bytes (any real response has
        headers), so it is not counted (checked against the server's access log)."""
        return [fetch for fetch in self.fetches.values() if not fetch.cached and (fetch.bytes > 0 or fetch.failed)]

    @property
    def wire_bytes(self) -> int:
        return sum(fetch.bytes for fetch in self.network)


@dataclass(frozen=True)
class Load:
    requests: int
    wire_bytes: int
    ready_ms: float
    fetches: tuple[Fetch, ...]

    def listing(self) -> str:
        """One line per network request, for a failure message."""
        return "\n".join(f"{f.status} {f.bytes:>7} B {f.kind:<10} {f.url}" for f in self.fetches)


def open_recorded(context: BrowserContext, throttle: dict[str, Any] | None) -> tuple[Page, Recorder]:
    """A new page of ``context`` whose requests are recorded, its network throttled to ``throttle`` if given."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    recorder = Recorder()
    recorder.attach(cdp)
    cdp.send("Network.enable")
    if throttle is not None:
        cdp.send("Network.emulateNetworkConditions", throttle)
    return page, recorder


def load(
    context: BrowserContext, url: str, *, throttle: dict[str, Any] | None = None, timeout_ms: int = 120_000
) -> Load:
    """Open ``url`` in a new page of ``context``, scroll through its widgets, wait until all are ready."""
    page, recorder = open_recorded(context, throttle)
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    page.evaluate(SCROLL_THROUGH)
    page.wait_for_function(ALL_READY, polling=50, timeout=timeout_ms)
    ready_ms = float(page.evaluate("() => window.__allReadyAt"))
    page.wait_for_load_state("networkidle", timeout=timeout_ms)  # what the widgets fetch after ready, counted too
    network = recorder.network
    result = Load(len(network), recorder.wire_bytes, ready_ms, tuple(network))
    page.close()
    return result
