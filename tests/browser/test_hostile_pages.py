"""Script payloads in every parameter a page shows, in a real Chromium: nothing runs.

Each page is opened with payloads in the parameters it shows (the URL, the embed's postMessage
bridge, a pasted oEmbed snippet, an answer the server quotes back), then checked for:
``window.__pwned`` undefined in every frame, no dialog, no ``<img src=x>`` and no ``javascript:``
link in the DOM, the payload shown as text where it is shown (the literal ``<img`` in an alert,
``{{7*7}}`` not 49), and no console error but the 422 a refused request logs where the page
sends one. A "Refused to execute inline script" (a CSP report) would mean a payload reached the
DOM as HTML: it fails the test like any console error.

The API half (each payload refused with its message, HTML escaped server-side) is
tests/api/test_hostile_catalogue.py.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from playwright.sync_api import Frame, Page, Route, expect

from .conftest import Console

PAYLOADS = {
    "img": "<img src=x onerror=window.__pwned=1>",
    "script": '"><script>window.__pwned=1</script>',
    "javascript-url": "javascript:window.__pwned=1",
    "template": "{{7*7}}",
    "textarea": "</textarea><img src=x onerror=window.__pwned=1>",
}
EACH = pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
READY = "() => Boolean(window.convscope && convscope.ready)"
REFUSED = "status of 422"  # Chromium logs every 4xx as a console error: expected where a page sends a refused request


def dialogs_of(page: Page) -> list[str]:
    """Every alert/confirm/prompt the page opens (dismissed), for the test to assert there were none."""
    opened: list[str] = []

    def dismiss(dialog: object) -> None:
        opened.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", dismiss)
    return opened


def check_inert(page: Page, opened: list[str], console: Console, refused: bool = False) -> None:
    """No payload ran, in any frame, and the console holds nothing but the expected 422s."""
    for frame in page.frames:
        assert frame.evaluate("typeof window.__pwned") == "undefined", frame.url
        assert frame.locator("img[src='x']").count() == 0, frame.url
        hrefs = frame.evaluate("[...document.querySelectorAll('[href]')].map((n) => n.getAttribute('href'))")
        assert not [href for href in hrefs if href.strip().lower().startswith("javascript:")], frame.url
    assert opened == []
    seen, console.messages[:] = list(console.messages), []  # judged here, not again at teardown
    unexpected = [m for m in seen if not (refused and REFUSED in m)]
    blocked = [m for m in unexpected if "Content Security Policy" in m]
    assert not blocked, "a payload reached the DOM as HTML (the CSP blocked it):\n" + "\n".join(blocked)
    assert not unexpected, "\n".join(unexpected)


def shown_as_text(text: str, payload: str) -> None:
    """The payload's own characters, on screen: escaped once, not twice, and never evaluated."""
    assert payload in text, text
    if payload == PAYLOADS["template"]:
        assert "49" not in text


def checked_message(base_url: str, path: str, query: str) -> str:
    """The live server's own answer to a check the page made (always a 200 carrying the message)."""
    answer = httpx.get(f"{base_url}{path}?{query}").json()
    assert answer["ok"] is False
    return str(answer["message"])


# --- the player and the embed: the parameter form and the error alert -------------------------------------


@EACH
@pytest.mark.parametrize("path", ["/play/conv2d", "/embed/conv2d"])
def test_player_and_embed_show_a_payload_as_text(
    page: Page, base_url: str, console: Console, path: str, payload: str
) -> None:
    opened = dialogs_of(page)
    shown = {"stride": payload, "height": payload}  # a text field and a number field
    query = urlencode({**shown, "theme": payload, "step": payload, "speed": payload, "unknown": payload})
    with page.expect_request(lambda r: "/api/conv2d/check?" in r.url) as request:
        page.goto(f"{base_url}{path}?{query}&params=1")
    page.wait_for_function(READY)
    message = checked_message(base_url, "/api/conv2d/check", request.value.url.split("?", 1)[1])
    assert message.startswith(f"height: got {payload!r}; ")  # what the link said, not a blanked field
    error = page.locator("#error")
    expect(error).to_be_visible()
    expect(error).to_have_text(f"These settings don't work: {message}")
    shown_as_text(error.text_content() or "", payload)
    for name in shown:
        assert page.input_value(f"#params [name={name}]") == payload
    if path.startswith("/embed/"):
        assert page.evaluate("document.documentElement.className") == "embed theme-light"
        page.hover("#embed-brand")  # the link is rebuilt from the URL when pointed at
        assert (page.get_attribute("#embed-brand", "href") or "").startswith("/play/conv2d?")
    check_inert(page, opened, console)


@pytest.mark.parametrize(  # one path segment each ("/" makes two: a JSON 404, tests/api/test_hostile_catalogue.py)
    "payload", [p for p in PAYLOADS.values() if "/" not in p], ids=[k for k, p in PAYLOADS.items() if "/" not in p]
)
def test_an_embed_page_for_no_such_op_shows_the_name_as_text(
    page: Page, base_url: str, console: Console, payload: str
) -> None:
    opened = dialogs_of(page)
    response = page.goto(f"{base_url}/embed/{quote(payload, safe='')}")
    assert response is not None and response.status == 404
    shown_as_text(page.text_content("p.error") or "", payload[:40])
    console.messages[:] = [m for m in console.messages if "status of 404" not in m]  # the page itself is the 404
    check_inert(page, opened, console)


# --- the embed's postMessage bridge, and an oEmbed snippet pasted into a course page -------------------------


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A course site framing ConvScope: http://localhost:<port>, another origin than the app's 127.0.0.1
    (a page served by page.route would count as public, and Chromium refuses to let it frame a loopback)."""
    root = tmp_path_factory.mktemp("course")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, name="hostile-host", daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


HOST_SCRIPT = """
window.received = [];
window.addEventListener("message", (event) => {
  if (event.data && event.data.source === "convscope") window.received.push(event.data);
});
window.send = (message) => document.querySelector("iframe").contentWindow.postMessage(message, "*");
"""


def host_page(host: tuple[str, Path], name: str, body: str) -> str:
    """A course page whose body is ``body``, as its author wrote it; its address."""
    head = '<meta charset="utf-8"><title>Course</title><link rel="icon" href="data:,">'
    html = f"<!doctype html><html><head>{head}</head><body>{body}<script>{HOST_SCRIPT}</script></body></html>"
    (host[1] / f"{name}.html").write_text(html)
    return f"{host[0]}/{name}.html"


def widget(page: Page) -> Frame:
    handle = page.locator("iframe").element_handle()
    frame = handle.content_frame() if handle else None
    assert frame is not None
    frame.wait_for_function(READY)
    return frame


@EACH
def test_the_bridge_shows_a_posted_payload_as_text(
    page: Page, base_url: str, console: Console, host: tuple[str, Path], payload: str
) -> None:
    opened = dialogs_of(page)
    frame_tag = f'<iframe src="{base_url}/embed/conv2d" width="900" height="600" title="widget"></iframe>'
    page.goto(host_page(host, "bridge", frame_tag))
    frame = widget(page)
    page.evaluate("(p) => send({type: 'convscope:set', params: {stride: p}})", payload)
    page.wait_for_function("() => received.some((m) => m.type === 'convscope:error')")
    message = next(m for m in page.evaluate("received") if m["type"] == "convscope:error")["message"]
    assert message.startswith(f"stride: got {payload!r}; ")
    shown_as_text(frame.text_content("#error") or "", payload)
    assert frame.input_value("#params [name=stride]") == payload
    check_inert(page, opened, console)


@EACH
def test_a_pasted_oembed_snippet_keeps_a_payload_inside_its_url(
    page: Page, base_url: str, console: Console, host: tuple[str, Path], payload: str
) -> None:
    opened = dialogs_of(page)
    link = f"{base_url}/play/conv2d?{urlencode({'stride': payload})}"
    answer = httpx.get(f"{base_url}/oembed", params={"url": link}).json()
    page.goto(host_page(host, "oembed", f"<h1>Week 3</h1>{answer['html']}"))  # verbatim, as a platform inserts it
    assert page.get_attribute("iframe", "title") == "ConvScope: Convolution"
    frame = widget(page)
    assert frame.input_value("#params [name=stride]") == payload
    shown_as_text(frame.text_content("#error") or "", payload)
    check_inert(page, opened, console)


# --- the stack builder: layers from the URL ------------------------------------------------------------------


@EACH
@pytest.mark.parametrize("where", ["type", "kernel_size"])
def test_the_stack_builder_shows_a_payload_as_text(
    page: Page, base_url: str, console: Console, where: str, payload: str
) -> None:
    opened = dialogs_of(page)
    value = quote(payload, safe="")
    layers = value if where == "type" else f"conv2d:out_channels=4,kernel_size={value}"
    page.goto(f"{base_url}/play/stack?input=1,8,8&layers={layers}")
    page.wait_for_function("() => window.convscope && convscope.ready && !convscope.pending")
    if where == "type":  # refused by the page itself while reading the link
        text = page.text_content("#url-error") or ""
        assert text.startswith("This link's stack could not be read. layer 0: ")
        # a layers value sent percent-encoded as a whole is decoded once (pages/stack/url.js): ":" then starts
        # the layer's parameters, so of "javascript:..." the type read is "javascript"
        payload = payload.split(":")[0]
    else:  # kept in its field, refused by the engine, the message shown on the card
        assert page.input_value('#layers li.layer[data-index="0"] [data-field="kernel_size"]') == payload
        text = page.text_content('#layers li.layer[data-index="0"] .layer-error') or ""
        assert text.startswith(f"This layer breaks the stack: layers[0].kernel_size: got {payload!r}; ")
    shown_as_text(text, payload)
    check_inert(page, opened, console)


# --- the image page: a custom kernel from the URL -------------------------------------------------------------


@EACH
def test_the_image_page_shows_a_payload_as_text(page: Page, base_url: str, console: Console, payload: str) -> None:
    opened = dialogs_of(page)
    custom = quote(f"{payload},0,0;0,1,0;0,0,0", safe="")
    other = quote(payload, safe="")
    page.goto(f"{base_url}/play/image?custom={custom}&sample={other}&kernel={other}&x={other}&size={other}")
    page.wait_for_function(READY)
    error = page.locator("#error")
    expect(error).to_be_visible()
    text = error.text_content() or ""
    assert text.startswith(f"custom: got {payload!r}; ")
    shown_as_text(text, payload)
    check_inert(page, opened, console, refused=True)


# --- the augmentation gallery: sample and seed from the URL are chosen from its lists, or ignored -------------


@EACH
def test_the_augmentation_gallery_ignores_a_payload(page: Page, base_url: str, console: Console, payload: str) -> None:
    opened = dialogs_of(page)
    other = quote(payload, safe="")
    page.goto(f"{base_url}/play/augment?sample={other}&seed={other}&diff={other}")
    page.wait_for_function(READY)
    assert page.input_value("#sample") == "temple"
    assert page.input_value("#seed") == "0"
    check_inert(page, opened, console)


# --- the transfer-learning view and its embed: index and lr from the URL ---------------------------------------


@EACH
@pytest.mark.parametrize("path", ["/play/transfer", "/embed/transfer"])
def test_the_transfer_view_shows_a_payload_as_text(
    page: Page, base_url: str, console: Console, path: str, payload: str
) -> None:
    opened = dialogs_of(page)
    page.goto(f"{base_url}{path}?{urlencode({'index': payload, 'lr': payload, 'theme': payload})}")
    page.wait_for_function(READY)
    page.locator("#tl-train").click()
    page.wait_for_function("() => Boolean(convscope.training.finished || convscope.training.error)")
    digit = page.locator("#tl-error")
    expect(digit).to_be_visible()
    message = checked_message(base_url, "/api/transfer/activations/check", urlencode({"index": payload}))
    expect(digit).to_have_text(f"This digit cannot be shown: {message}")
    shown_as_text(digit.text_content() or "", payload)
    training = page.locator("#tl-train-error")
    expect(training).to_be_visible()
    shown_as_text(training.text_content() or "", payload)
    assert page.input_value("#tl-lr") == payload
    check_inert(page, opened, console)


# --- a lesson's exercise: the server quoting an answer back ----------------------------------------------------


@EACH
def test_an_exercise_shows_a_quoted_answer_as_text(page: Page, base_url: str, console: Console, payload: str) -> None:
    """The page only sends numbers; the request is rewritten on its way to carry the payload, so the
    real server's real 422 message (which quotes it) is what the exercise shows."""
    opened = dialogs_of(page)

    def smuggle(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        route.continue_(post_data=json.dumps({**body, "answer": payload}))

    page.route("**/api/exercises/*/answer", smuggle)
    page.goto(f"{base_url}/lessons/03-output-size?exercise_seed={quote(payload, safe='')}")
    page.wait_for_function(READY)
    first = page.locator(".exercise").first
    expect(first).to_have_attribute("data-state", "ready")
    first.locator(".exercise-answer").fill(payload)
    first.get_by_role("button", name="Check").click()
    expect(first.locator(".exercise-input-error")).to_have_text("Type a whole number, like 4.")
    first.locator(".exercise-answer").fill("3")
    first.get_by_role("button", name="Check").click()
    feedback = first.locator(".exercise-feedback.feedback-error")
    expect(feedback).to_be_visible()
    text = feedback.text_content() or ""
    assert f"answer: got {payload!r}; must be a whole number" in text
    shown_as_text(text, payload)
    check_inert(page, opened, console, refused=True)


def test_the_transfer_view_takes_a_payload_in_a_number_setting_quietly(
    page: Page, base_url: str, console: Console
) -> None:
    opened = dialogs_of(page)
    page.goto(f"{base_url}/play/transfer?{urlencode({'shots': PAYLOADS['img']})}")
    page.wait_for_function(READY)
    check_inert(page, opened, console)
