"""Embeds in a real Chromium: /embed/{op} framed by a page on ANOTHER origin, driven through the
postMessage bridge (static/js/embed/bridge.js, docs/EMBED.md); the frame policy that lets only
embed pages be framed; the player's "Copy embed code" snippet.

The host page is served by a small http.server of its own at http://localhost:<port>, the app at
http://127.0.0.1:<port>: two origins, as with a course site framing ConvScope.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Frame, Page, expect

from .conftest import DESKTOP, PAGE_TIMEOUT_MS, OpenPage
from .hosting import static_host
from .players import api_trace, next_frame

HOST_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A course page</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="host.css"></head>
<body><main>
<h1>Week 3: convolution</h1>
<p>Watch the kernel slide over the input, then change the stride and watch again.</p>
<iframe id="widget" title="ConvScope widget" width="100%" height="560" allow="fullscreen"></iframe>
<p class="after">The text of the course goes on below the widget.</p>
</main><script src="host.js"></script></body></html>
"""
HOST_CSS = """body { font: 17px/1.5 Georgia, serif; margin: 0; background: #eef0f3; color: #222; }
main { max-width: 860px; margin: 0 auto; padding: 1rem 2rem; background: #fff; min-height: 100vh; }
iframe { display: block; border: 1px solid #c8ccd2; border-radius: 6px; }
"""
# The host page's script, as a course platform would write it (the docs/EMBED.md example).
HOST_JS = """
const frame = document.getElementById("widget");
window.received = [];
window.addEventListener("message", (event) => {
  if (event.source !== frame.contentWindow) return;
  const data = event.data;
  if (!data || data.source !== "convscope") return;
  window.received.push(Object.assign({ origin: event.origin }, data));
  if (data.type === "convscope:height") frame.height = String(data.height);
});
window.send = (message) => frame.contentWindow.postMessage(message, "*");
window.sendRaw = (json) => frame.contentWindow.postMessage(JSON.parse(json), "*");
frame.src = new URLSearchParams(location.search).get("src");
"""


@pytest.fixture(scope="module")
def host_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A static host page on its own server: http://localhost:<port>/host.html."""
    files = {"host.html": HOST_HTML, "host.css": HOST_CSS, "host.js": HOST_JS}
    with static_host(tmp_path_factory.mktemp("host"), files, "embed-host") as root:
        yield f"{root}host.html"


def open_host(page: Page, host_url: str, src: str) -> Frame:
    """The host page framing `src`; returns the widget's frame once its trace is complete."""
    page.goto(f"{host_url}?src={quote(src, safe='')}")
    page.wait_for_function("() => received.some((m) => m.type === 'convscope:ready')")
    frame = page.locator("#widget").element_handle().content_frame()
    assert frame is not None
    frame.wait_for_function("() => window.convscope && convscope.complete")
    return frame


def messages(page: Page, kind: str | None = None) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = page.evaluate("received")
    return [m for m in got if kind is None or m["type"] == f"convscope:{kind}"]


def wait_message(page: Page, kind: str, after: int = 0, **fields: Any) -> dict[str, Any]:
    """The first message of type convscope:<kind> among received[after:] whose fields equal `fields`."""
    page.wait_for_function(
        """([after, type, fields]) => received.slice(after).some((m) => m.type === type
            && Object.entries(fields).every(([k, v]) => m[k] === v))""",
        arg=[after, f"convscope:{kind}", fields],
    )
    return next(
        m
        for m in messages(page)[after:]
        if m["type"] == f"convscope:{kind}" and all(m[k] == v for k, v in fields.items())
    )


def send(page: Page, message: Any) -> None:
    page.evaluate("(message) => send(message)", message)


# --- the host drives the widget --------------------------------------------------------------


def test_host_on_another_origin_drives_the_widget(page: Page, base_url: str, host_url: str) -> None:
    frame = open_host(page, host_url, f"{base_url}/embed/conv2d")
    assert urlsplit(host_url).netloc != urlsplit(base_url).netloc, "the host must be another origin"
    assert page.evaluate("location.origin") != frame.evaluate("location.origin")

    ready = messages(page, "ready")[0]
    assert ready == {
        "origin": base_url,
        "source": "convscope",
        "version": 1,
        "type": "convscope:ready",
        "op": "conv2d",
        "total": 25,
        "step": 0,
    }
    height = wait_message(page, "height")
    assert isinstance(height["height"], int) and 250 < height["height"] < 1200
    page.wait_for_function(
        "() => document.getElementById('widget').height === String(received.filter("
        "(m) => m.type === 'convscope:height').at(-1).height)"
    )

    # play, then pause: steps arrive while playing, and stop after the pause
    mark = len(messages(page))
    send(page, {"type": "convscope:play"})
    wait_message(page, "step", mark, playing=True)
    page.wait_for_function("() => received.filter((m) => m.type === 'convscope:step').at(-1).step >= 2")
    send(page, {"type": "convscope:pause"})
    frame.wait_for_function("() => !convscope.playing")
    stopped = frame.evaluate("convscope.step")
    page.wait_for_timeout(400)
    assert frame.evaluate("convscope.step") == stopped, "the widget moved after the host paused it"
    assert 2 <= stopped < 24

    # seek to the end: a step message, then done; the widget's output is the API's
    trace = api_trace(base_url, "conv2d", "detail=auto")
    mark = len(messages(page))
    send(page, {"type": "convscope:seek", "step": 24})
    wait_message(page, "step", mark, step=24, total=25)
    done = wait_message(page, "done", mark)
    assert done["total"] == 25
    assert [m["type"] for m in messages(page)[mark:]][:2] == ["convscope:step", "convscope:done"]
    assert frame.evaluate("convscope.output") == trace.done["output"]

    # relative steps, clamped like the buttons
    send(page, {"type": "convscope:step", "delta": -3})
    frame.wait_for_function("() => convscope.step === 21")
    send(page, {"type": "convscope:step"})
    frame.wait_for_function("() => convscope.step === 22")
    send(page, {"type": "convscope:step", "delta": 1000})
    frame.wait_for_function("() => convscope.step === 24")

    # new parameters: a new trace, announced by a new ready with its own total
    mark = len(messages(page))
    with page.expect_request(re.compile(r"/api/conv2d/trace\?")) as request:
        send(page, {"type": "convscope:set", "params": {"stride": 2, "bias": False}})
    sent = dict(parse_qsl(urlsplit(request.value.url).query))
    assert sent == {"stride": "2", "bias": "false", "detail": "auto"}
    assert wait_message(page, "ready", mark)["total"] == 9
    frame.wait_for_function("() => convscope.complete")
    send(page, {"type": "convscope:seek", "step": 8})
    wait_message(page, "done", mark, total=9)
    assert frame.evaluate("convscope.output") == api_trace(base_url, "conv2d", "stride=2&bias=false").done["output"]
    assert frame.evaluate("convscope.params") == {"stride": "2", "bias": "false"}


def test_a_looping_widget_announces_every_pass(page: Page, base_url: str, host_url: str) -> None:
    open_host(page, host_url, f"{base_url}/embed/relu?autoplay=1&loop=1&speed=250&height=3&width=3")
    page.wait_for_function("() => received.filter((m) => m.type === 'convscope:done').length >= 2")
    kinds = [(m["type"].split(":")[1], m.get("step")) for m in messages(page) if m["type"] != "convscope:height"]
    first, second = [i for i, kind in enumerate(kinds) if kind[0] == "done"][:2]
    assert kinds[first - 1] == ("step", 8)
    assert ("step", 0) in kinds[first:second], "the second pass starts again from the first step"
    assert kinds[second - 1] == ("step", 8)


# Each of these must be ignored: not an object, a wrong type or field, out of range, an unknown
# parameter or value, a wrong version. JSON text, so keys like __proto__ arrive as own keys.
BAD_MESSAGES = [
    '"convscope:play"',
    "null",
    "42",
    '["convscope:play"]',
    "{}",
    '{"type": 1}',
    '{"type": "CONVSCOPE:PLAY"}',
    '{"type": "convscope:play", "version": 2}',
    '{"type": "convscope:eval", "code": "window.pwned = 1"}',
    '{"type": "constructor"}',
    '{"type": "__proto__"}',
    '{"type": "convscope:seek"}',
    '{"type": "convscope:seek", "step": "3"}',
    '{"type": "convscope:seek", "step": 3.5}',
    '{"type": "convscope:seek", "step": -1}',
    '{"type": "convscope:seek", "step": 25}',
    '{"type": "convscope:seek", "step": 1e300}',
    '{"type": "convscope:step", "delta": "1"}',
    '{"type": "convscope:step", "delta": 0.5}',
    '{"type": "convscope:step", "delta": 1e12}',
    '{"type": "convscope:step", "delta": null}',
    '{"type": "convscope:set"}',
    '{"type": "convscope:set", "params": "stride=2"}',
    '{"type": "convscope:set", "params": ["stride", 2]}',
    '{"type": "convscope:set", "params": {}}',
    '{"type": "convscope:set", "params": {"stride": 2, "evil": 1}}',
    '{"type": "convscope:set", "params": {"__proto__": {"polluted": 1}}}',
    '{"type": "convscope:set", "params": {"stride": {"valueOf": 2}}}',
    '{"type": "convscope:set", "params": {"stride": [2, 2]}}',
    '{"type": "convscope:set", "params": {"stride": null}}',
    '{"type": "convscope:set", "params": {"stride": "2\\u0000"}}',
    '{"type": "convscope:set", "params": {"padding_mode": "mirror"}}',
    '{"type": "convscope:set", "params": {"in_channels": 0}}',
    '{"type": "convscope:set", "params": {"in_channels": 2.5}}',
    '{"type": "convscope:set", "params": {"in_channels": true}}',
    '{"type": "convscope:set", "params": {"seed": "abc"}}',
    '{"type": "convscope:set", "params": {"in_channels": 9999}}',
]


def test_unknown_or_malformed_messages_change_nothing(page: Page, base_url: str, host_url: str) -> None:
    frame = open_host(page, host_url, f"{base_url}/embed/conv2d?step=5")
    assert frame.evaluate("convscope.step") == 5
    before = frame.evaluate("({params: convscope.params, url: location.href, total: convscope.total})")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    mark = len(messages(page))
    for raw in BAD_MESSAGES:
        page.evaluate("(raw) => sendRaw(raw)", raw)
    send(page, {"type": "convscope:step"})  # a valid message last: once it is done, every bad one was read
    frame.wait_for_function("() => convscope.step === 6")
    next_frame(page)
    after = frame.evaluate("({params: convscope.params, url: location.href, total: convscope.total})")
    assert after == {**before, "url": after["url"]}
    assert "step=" not in after["url"] or "step=6" in after["url"]
    assert [(m["type"], m.get("step")) for m in messages(page)[mark:]] == [("convscope:step", 6)]
    assert not [url for url in requests if "/api/" in url], "a bad message made the widget fetch"
    assert frame.evaluate("typeof window.pwned") == "undefined"
    assert frame.evaluate("({}).polluted") is None
    assert frame.evaluate("convscope.playing") is False


def test_parameter_values_reach_the_form_as_text_never_as_markup(page: Page, base_url: str, host_url: str) -> None:
    frame = open_host(page, host_url, f"{base_url}/embed/conv2d")
    mark = len(messages(page))
    markup = "<img src=x onerror=window.pwned=1>"
    send(page, {"type": "convscope:set", "params": {"input": markup}})
    error = wait_message(page, "error", mark)
    assert "input" in error["message"]
    assert frame.evaluate("typeof window.pwned") == "undefined"
    assert frame.locator("img").count() == 0
    expect(frame.locator("#error")).to_contain_text(markup[:8])  # shown as text


def test_a_message_from_another_frame_is_ignored(page: Page, base_url: str, host_url: str) -> None:
    """Only the framing page drives the widget: the widget itself (or a sibling) posting is ignored."""
    frame = open_host(page, host_url, f"{base_url}/embed/conv2d")
    frame.evaluate("window.postMessage({type: 'convscope:seek', step: 7}, '*')")
    page.wait_for_timeout(200)
    assert frame.evaluate("convscope.step") == 0


# --- every other page refuses to be framed ---------------------------------------------------


@pytest.mark.parametrize("path", ["/play/conv2d", "/", "/play/stack"])
def test_a_normal_page_refuses_to_be_framed(browser: Browser, base_url: str, host_url: str, path: str) -> None:
    """Not the `page` fixture: Chromium's refusal is a console error here, and the point of the test."""
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        page = context.new_page()
        logged: list[ConsoleMessage] = []
        page.on("console", lambda message: logged.append(message))
        page.goto(f"{host_url}?src={quote(base_url + path, safe='')}")
        page.wait_for_function("() => document.getElementById('widget').src !== ''")
        refused = re.compile(r"frame-ancestors 'none'")
        deadline = 50
        while not any(refused.search(m.text) for m in logged) and deadline:
            page.wait_for_timeout(100)
            deadline -= 1
        assert any(refused.search(m.text) and m.type == "error" for m in logged), [m.text for m in logged]
        frame = page.locator("#widget").element_handle().content_frame()
        assert frame is not None
        assert not frame.url.startswith(base_url), f"the page rendered in the frame: {frame.url}"
        assert messages(page) == []
    finally:
        context.close()


# --- embed options ----------------------------------------------------------------------------


def open_embed(page: Page, base_url: str, op: str, query: str = "") -> None:
    page.goto(f"{base_url}/embed/{op}{'?' + query if query else ''}")
    page.wait_for_function("() => window.convscope && convscope.complete")


@pytest.mark.parametrize("op", ["conv2d", "max_pool2d", "avg_pool2d", "lp_pool2d", "relu", "dropout"])
def test_every_op_embeds_alone_under_its_policy(page: Page, base_url: str, op: str) -> None:
    response = page.goto(f"{base_url}/embed/{op}")
    assert response is not None and response.status == 200
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    page.wait_for_function("() => window.convscope && convscope.complete")
    expect(page.locator("header.site")).to_have_count(0)
    expect(page.locator("#params")).to_be_hidden()
    expect(page.locator(".transport")).to_be_visible()
    expect(page.locator("#arith")).to_be_visible()
    expect(page.locator("#formula")).to_be_hidden()
    expect(page.locator("#cv-input")).to_be_visible()
    brand = page.locator("#embed-brand")
    expect(brand).to_have_attribute("target", "_blank")
    expect(brand).to_have_attribute("rel", "noopener")
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]


def test_options_hide_controls_show_params_and_theme(page: Page, base_url: str) -> None:
    open_embed(page, base_url, "conv2d", "controls=0&params=1&arith=0&theme=dark&stride=2")
    expect(page.locator(".transport")).to_be_hidden()
    expect(page.locator("#params")).to_be_visible()
    expect(page.locator("#params [name=stride]")).to_have_value("2")
    expect(page.locator("#arith")).to_be_hidden()
    assert page.evaluate("document.documentElement.className") == "embed theme-dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(23, 24, 27)"
    assert page.evaluate("convscope.total") == 9
    page.keyboard.press("End")  # keys still work without the bar
    assert page.evaluate("convscope.step") == 8
    # a change in the form keeps the embed options in the widget's own URL
    page.locator("#params [name=stride]").fill("1")
    page.locator("#params [name=stride]").dispatch_event("change")
    page.wait_for_function("() => convscope.complete && convscope.total === 25")
    query = dict(parse_qsl(urlsplit(page.url).query))
    assert {k: query.get(k) for k in ("controls", "params", "arith", "theme")} == {
        "controls": "0",
        "params": "1",
        "arith": "0",
        "theme": "dark",
    }
    assert "stride" not in query


def test_autoplay_and_loop(page: Page, base_url: str) -> None:
    open_embed(page, base_url, "relu", "autoplay=1&loop=1&speed=250&height=3&width=3")
    assert page.evaluate("convscope.total") == 9
    page.wait_for_function("() => convscope.playing")
    # collect the steps for a while: it reaches the end, then starts again from the first
    steps = page.evaluate(
        """() => new Promise((done) => {
            const seen = [];
            convscope.on("step", ({step}) => seen.push(step));
            setTimeout(() => done(seen), 2500);
        })"""
    )
    assert 8 in steps
    after_end = steps[steps.index(8) + 1 :]
    assert after_end and min(after_end) < 8, steps


def test_the_brand_link_opens_the_full_player_in_the_current_state(page: Page, base_url: str) -> None:
    open_embed(page, base_url, "conv2d", "stride=2&theme=contrast&controls=0")
    page.evaluate("convscope.seek(4)")
    page.wait_for_function("() => new URLSearchParams(location.search).get('step') === '4'")
    page.locator("#embed-brand").hover()
    href = page.locator("#embed-brand").get_attribute("href") or ""
    assert urlsplit(href).path == "/play/conv2d"
    assert dict(parse_qsl(urlsplit(href).query)) == {"stride": "2", "step": "4"}


# --- "Copy embed code" on the player -----------------------------------------------------------

SNIPPET = re.compile(
    r'<iframe src="(?P<src>[^"]+)" width="100%" height="(?P<height>\d+)" style="border:0" '
    r'title="ConvScope: (?P<title>[^"]+)" loading="lazy" allow="fullscreen"></iframe>'
)


def copy_embed_code(page: Page) -> str:
    page.locator("#btn-embed").click()
    expect(page.locator("#embed-code")).to_be_visible()
    expect(page.locator("#embed-copied")).not_to_be_empty()
    return page.locator("#embed-code").input_value()


def test_copy_embed_code_gives_an_iframe_that_loads_the_same_state(
    open_page: OpenPage, base_url: str, host_url: str
) -> None:
    page = open_page(permissions=["clipboard-read", "clipboard-write"])
    page.goto(f"{base_url}/play/conv2d?stride=2&seed=3")
    page.wait_for_function("() => window.convscope && convscope.complete")
    page.evaluate("convscope.seek(4)")
    snippet = copy_embed_code(page)
    assert page.evaluate("navigator.clipboard.readText()") == snippet
    expect(page.locator("#embed-copied")).to_have_text("Copied.")
    found = SNIPPET.fullmatch(snippet)
    assert found, snippet
    assert found["title"] == "Convolution"
    assert 200 <= int(found["height"]) <= 2000
    src = html.unescape(found["src"])
    assert "&amp;" in found["src"], "the & in the src attribute must be escaped"
    parts = urlsplit(src)
    assert f"{parts.scheme}://{parts.netloc}" == base_url
    assert parts.path == "/embed/conv2d"
    assert dict(parse_qsl(parts.query)) == {"stride": "2", "seed": "3", "step": "4"}

    host = open_page()
    frame = open_host(host, host_url, src)
    assert frame.evaluate("convscope.step") == 4
    assert frame.evaluate("convscope.params") == {"stride": "2", "seed": "3"}
    assert messages(host, "ready")[0]["step"] == 4

    # the options in the card go into the address
    page.locator("#embed-autoplay").check()
    page.locator("#embed-loop").check()
    page.locator("#embed-nocontrols").check()
    page.locator("#embed-theme").select_option("dark")
    found = SNIPPET.fullmatch(copy_embed_code(page))
    assert found
    query = dict(parse_qsl(urlsplit(html.unescape(found["src"])).query))
    assert {k: query.get(k) for k in ("autoplay", "loop", "controls", "theme")} == {
        "autoplay": "1",
        "loop": "1",
        "controls": "0",
        "theme": "dark",
    }


def test_player_pages_advertise_oembed(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/play/max_pool2d?stride=1")
    link = page.locator('link[rel=alternate][type="application/json+oembed"]')
    href = link.get_attribute("href") or ""
    assert urlsplit(href).path == "/oembed"
    assert dict(parse_qsl(urlsplit(href).query)) == {"url": f"{base_url}/play/max_pool2d?stride=1", "format": "json"}
    answer = page.request.get(href).json()
    assert answer["type"] == "rich" and f'src="{base_url}/embed/max_pool2d?stride=1"' in answer["html"]


# --- screenshots --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["light", "dark"])
def test_screenshot_host_page(page: Page, base_url: str, host_url: str, artifacts: Path, case: str) -> None:
    query = "in_channels=2&out_channels=2&stride=1&padding=1&step=17" + ("&theme=dark" if case == "dark" else "")
    open_host(page, host_url, f"{base_url}/embed/conv2d?{query}")
    height = messages(page, "height")[-1]["height"]
    page.wait_for_function(f"() => document.getElementById('widget').height === '{height}'")
    next_frame(page)
    path = artifacts / f"embed-host-{case}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


def test_screenshot_embed_card(page: Page, base_url: str, artifacts: Path) -> None:
    page.goto(f"{base_url}/play/conv2d")
    page.wait_for_function("() => window.convscope && convscope.complete")
    page.locator("#btn-embed").click()
    card = page.locator(".embed-card")
    card.scroll_into_view_if_needed()
    path = artifacts / "embed-code-card.png"
    card.screenshot(path=str(path))
    assert path.stat().st_size > 5_000
