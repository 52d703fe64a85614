"""The layer-stack builder (/play/stack) in a real Chromium, checked against the live API.

The page must not work out shapes itself: every shape, count, message and line of code
it shows is compared here with what POST /api/stack/shape answers for the same stack.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import Console, OpenPage

BUILDER = "/play/stack"
CONV6 = {"type": "conv2d", "out_channels": 6, "kernel_size": 5}
ARTICLE_URL = "?input=3,32,32&layers=conv2d:out_channels=6,kernel_size=5;relu;max_pool2d:kernel_size=2"
BROKEN_URL = (  # 8x8 -> conv k5 -> 4x4, and a second conv k5 does not fit
    "?input=3,8,8&layers=conv2d:out_channels=6,kernel_size=5;conv2d:out_channels=6,kernel_size=5;relu;"
    "max_pool2d:kernel_size=2"
)


def api_shape(base_url: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{base_url}/api/stack/shape", json=body, timeout=30)


def settle(page: Page) -> None:
    """Wait until the page has shown the engine's answer for its current stack."""
    page.wait_for_function("() => window.convscope && convscope.ready && !convscope.pending")


def open_builder(page: Page, base_url: str, query: str = "") -> None:
    page.goto(f"{base_url}{BUILDER}{query}")
    settle(page)


def card(page: Page, index: int) -> Locator:
    return page.locator(f'#layers li.layer[data-index="{index}"]')


def field(page: Page, index: int, name: str) -> Locator:
    return card(page, index).locator(f'[data-field="{name}"]')


def shapes(page: Page) -> list[str]:
    """The H x W x C of every row the page computed: the input first."""
    return page.locator("#layers li.layer .fact.out .hwc").all_text_contents()


def sent(page: Page) -> dict[str, Any]:
    return page.evaluate("convscope.body")


def hwc(shape: list[int]) -> str:
    return f"{shape[1]} x {shape[2]} x {shape[0]}" if len(shape) == 3 else f"{shape[0]} features"


# --- the default stack -------------------------------------------------------------------------


def test_default_stack_is_the_article_example(page: Page, base_url: str) -> None:
    open_builder(page, base_url)
    body = sent(page)
    assert body == {
        "input_shape": [3, 32, 32],
        "layers": [CONV6, {"type": "relu"}, {"type": "max_pool2d", "kernel_size": 2}],
    }
    api = api_shape(base_url, body).json()
    assert shapes(page) == ["32 x 32 x 3", "28 x 28 x 6", "28 x 28 x 6", "14 x 14 x 6"]
    assert shapes(page)[1:] == [hwc(layer["output_shape"]) for layer in api["layers"]]
    expect(card(page, 0).locator(".chw")).to_have_text("(6, 28, 28)")
    expect(card(page, 0).locator(".fact.count dd")).to_have_text("456")
    expect(card(page, 0).locator(".layer-code")).to_have_text("nn.Conv2d(3, 6, kernel_size=5)")
    expect(page.locator("#total-params")).to_have_text("456")
    expect(page.locator("#final-shape")).to_have_text("14 x 14 x 6")
    expect(page.locator("#strip .vol-label")).to_have_text(["32 x 32 x 3", "28 x 28 x 6", "28 x 28 x 6", "14 x 14 x 6"])
    # receptive field and jump, per axis, as the engine gives them
    expect(card(page, 0).locator(".fact.rf dd")).to_have_text("5 x 5")
    expect(card(page, 2).locator(".fact.rf dd")).to_have_text("6 x 6")
    expect(card(page, 2).locator(".fact.jump dd")).to_have_text("2 x 2")
    expect(page.locator("#input-row .fact.rf dd")).to_have_text("1 x 1")
    expect(page.locator("#url-error")).to_be_hidden()
    expect(page.locator(".layer.failed, .layer.skipped")).to_have_count(0)


def test_padding_2_keeps_32_by_32(page: Page, base_url: str) -> None:
    open_builder(page, base_url)
    page.get_by_role("button", name="Article: padding 2").click()
    settle(page)
    assert shapes(page) == ["32 x 32 x 3", "32 x 32 x 6", "32 x 32 x 6", "16 x 16 x 6"]
    expect(card(page, 0).locator(".layer-code")).to_have_text("nn.Conv2d(3, 6, kernel_size=5, padding=2)")
    page.get_by_role("button", name="Article: 5x5 filters, no padding").click()
    settle(page)
    assert shapes(page)[1] == "28 x 28 x 6"
    field(page, 0, "padding").fill("2")  # the same by typing
    settle(page)
    assert shapes(page) == ["32 x 32 x 3", "32 x 32 x 6", "32 x 32 x 6", "16 x 16 x 6"]
    assert sent(page)["layers"][0]["padding"] == 2


def test_lenet_ends_in_ten_features_with_the_api_counts(page: Page, base_url: str) -> None:
    open_builder(page, base_url)
    page.get_by_role("button", name="LeNet-like").click()
    settle(page)
    api = api_shape(base_url, sent(page)).json()
    assert shapes(page)[1:] == [hwc(layer["output_shape"]) for layer in api["layers"]]
    assert shapes(page)[-1] == "10 features"
    counts = page.locator("#layers li.layer:not(.input-layer) .fact.count dd").all_text_contents()
    assert counts == [f"{layer['param_count']:,}" for layer in api["layers"]]
    expect(page.locator("#total-params")).to_have_text(f"{api['total_params']:,}")
    flatten = card(page, 6)
    expect(flatten.locator(".chw")).to_have_text("(400,)")
    expect(flatten.locator(".fact.jump dd")).to_have_text("none: flat")
    expect(card(page, 7).locator(".fact.rf dd")).to_have_text("whole input")
    expect(card(page, 7).locator(".fact.jump dd")).to_have_text("none")


def test_an_encoder_decoder_goes_back_to_the_input_size(page: Page, base_url: str) -> None:
    open_builder(page, base_url)
    page.get_by_role("button", name="Encoder-decoder").click()
    settle(page)
    body = sent(page)
    assert body["input_shape"] == [1, 16, 16]
    assert [layer["type"] for layer in body["layers"]].count("conv_transpose2d") == 2
    api = api_shape(base_url, body).json()
    assert api["output_shape"] == [1, 16, 16]
    assert shapes(page)[1:] == [hwc(layer["output_shape"]) for layer in api["layers"]]
    assert shapes(page)[0] == shapes(page)[-1] == "16 x 16 x 1"  # back to the input's size
    expect(card(page, len(body["layers"]) - 1).locator(".chw")).to_have_text("(1, 16, 16)")
    counts = page.locator("#layers li.layer:not(.input-layer) .fact.count dd").all_text_contents()
    assert counts == [f"{layer['param_count']:,}" for layer in api["layers"]]
    assert page.locator("#code").text_content() == api["code"]
    assert "    nn.ConvTranspose2d(16, 8, kernel_size=3, stride=2, padding=1, output_padding=1)," in api["code"]
    page.get_by_role("button", name="Transposed conv").click()  # the Add layer button
    settle(page)
    assert sent(page)["layers"][-1]["type"] == "conv_transpose2d"
    page.screenshot(path="/tmp/stack-encoder-decoder.png", full_page=True)


def test_inexact_size_shows_the_engine_verdict(page: Page, base_url: str) -> None:
    open_builder(page, base_url)
    field(page, 0, "stride").fill("2")
    settle(page)
    layer = api_shape(base_url, sent(page)).json()["layers"][0]
    height, width = (layer["axes"][axis]["formula"] for axis in ("height", "width"))
    assert height["exact"] is False and width["exact"] is False
    assert "input row 31 is never covered" in height["verdict"]
    expect(card(page, 0).locator(".verdict")).to_have_text(
        [
            f"≈ Height: {height['substituted']} = {height['verdict']}",
            f"≈ Width: {width['substituted']} = {width['verdict']}",
        ]
    )
    field(page, 0, "stride").fill("1")
    settle(page)
    expect(card(page, 0).locator(".verdict")).to_have_count(0)
    expect(card(page, 1).locator(".verdict")).to_have_count(0)  # relu: no formula


# --- a stack that breaks ----------------------------------------------------------------------------


def test_a_layer_that_does_not_fit_is_flagged_with_the_engine_message(page: Page, base_url: str) -> None:
    open_builder(page, base_url)
    page.locator("#in-h").fill("8")
    page.locator("#in-w").fill("8")
    card(page, 2).get_by_role("button", name="Remove layer 2 (MaxPool2d)").click()
    card(page, 1).get_by_role("button", name="Remove layer 1 (ReLU)").click()
    page.get_by_role("button", name="Add Conv layer").click()  # kernel 5 on a 4x4 map
    page.get_by_role("button", name="Add ReLU layer").click()
    page.get_by_role("button", name="Add Max pool layer").click()
    settle(page)
    body = sent(page)
    assert body == {
        "input_shape": [3, 8, 8],
        "layers": [CONV6, CONV6, {"type": "relu"}, {"type": "max_pool2d", "kernel_size": 2}],
    }
    response = api_shape(base_url, body)
    assert response.status_code == 422
    error = response.json()
    assert error["failed_layer"] == 1
    failed = card(page, 1)
    expect(failed).to_have_class(re.compile(r"\bfailed\b"))
    expect(failed.locator(".badge")).to_be_visible()
    expect(failed.locator(".badge")).to_have_text("✖ Breaks here")
    alert = failed.get_by_role("alert")
    expect(alert).to_have_text(f"This layer breaks the stack: {error['message']}")
    expect(field(page, 1, "kernel_size")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[aria-invalid]")).to_have_count(1)
    assert shapes(page) == ["8 x 8 x 3", "4 x 4 x 6"]  # the rows before it keep their shapes
    for i in (2, 3):
        expect(card(page, i)).to_have_class(re.compile(r"\bskipped\b"))
        expect(card(page, i).locator(".not-computed")).to_have_text("not computed: the stack breaks at layer 1")
    expect(page.locator("#strip .vol-label")).to_have_text(["8 x 8 x 3", "4 x 4 x 6", "breaks"])
    expect(page.locator("#btn-copy")).to_be_disabled()
    expect(page.locator("#total-params")).to_have_text("—")
    # fixed: padding 2 keeps 4x4, and everything is computed again
    field(page, 1, "padding").fill("2")
    settle(page)
    assert shapes(page) == ["8 x 8 x 3", "4 x 4 x 6", "4 x 4 x 6", "4 x 4 x 6", "2 x 2 x 6"]
    expect(page.locator("[aria-invalid], .layer.failed, .layer.skipped")).to_have_count(0)
    expect(page.get_by_role("alert").filter(has_text=re.compile(r"\S"))).to_have_count(0)


def test_text_the_schema_refuses_keeps_the_rows_before_it(page: Page, base_url: str) -> None:
    open_builder(page, base_url)
    field(page, 2, "kernel_size").fill("2,a")
    settle(page)
    error = api_shape(base_url, sent(page)).json()
    assert error["message"] == (
        "layers[2].kernel_size: got '2,a'; must be a whole number or a pair [height, width] of them, each from 1 to 15"
    )
    expect(card(page, 2).get_by_role("alert")).to_have_text(f"This layer breaks the stack: {error['message']}")
    expect(field(page, 2, "kernel_size")).to_have_attribute("aria-invalid", "true")
    assert shapes(page) == ["32 x 32 x 3", "28 x 28 x 6", "28 x 28 x 6"]
    field(page, 2, "kernel_size").fill("2x3")  # a pair, as the article writes it
    settle(page)
    assert sent(page)["layers"][2]["kernel_size"] == [2, 3]
    assert shapes(page)[-1] == "14 x 9 x 6"


def test_a_refused_value_after_an_earlier_break_shows_the_earlier_break(page: Page, base_url: str) -> None:
    """The schema refuses layer 3's text, but layer 1 already breaks: the page shows where the stack breaks first."""
    open_builder(page, base_url, BROKEN_URL)
    field(page, 3, "kernel_size").fill("a")
    settle(page)
    whole = api_shape(base_url, sent(page)).json()
    assert whole["message"].startswith("layers[3].kernel_size: got 'a'")
    before = api_shape(base_url, {**sent(page), "layers": sent(page)["layers"][:3]}).json()
    assert before["failed_layer"] == 1
    expect(page.locator(".layer.failed")).to_have_count(1)
    expect(card(page, 1).get_by_role("alert")).to_have_text(f"This layer breaks the stack: {before['message']}")
    expect(card(page, 3)).to_have_class(re.compile(r"\bskipped\b"))
    field(page, 1, "padding").fill("2")  # fixed: now layer 3's text is the problem
    settle(page)
    expect(card(page, 3).get_by_role("alert")).to_have_text(re.compile(r"^This layer breaks the stack: layers\[3\]"))
    expect(card(page, 3).locator(".not-computed")).to_have_text("not computed: a value is not accepted")
    assert shapes(page) == ["8 x 8 x 3", "4 x 4 x 6", "4 x 4 x 6", "4 x 4 x 6"]


def test_a_refused_value_in_the_first_layer_greys_all_the_rest(page: Page, base_url: str) -> None:
    open_builder(page, base_url)
    field(page, 0, "out_channels").fill("")
    settle(page)
    expect(card(page, 0).get_by_role("alert")).to_have_text(
        "This layer breaks the stack: layers[0].out_channels: got nothing; this field is required"
    )
    expect(field(page, 0, "out_channels")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".layer.skipped")).to_have_count(2)
    assert shapes(page) == ["32 x 32 x 3"]


def test_only_the_last_edit_is_shown(page: Page, base_url: str) -> None:
    open_builder(page, base_url)
    kernel = field(page, 0, "kernel_size")
    for text in ("3", "7", "1", "9"):  # faster than the debounce: only the last stack counts
        kernel.fill(text)
    settle(page)
    assert sent(page)["layers"][0]["kernel_size"] == 9
    assert shapes(page) == ["32 x 32 x 3", "24 x 24 x 6", "24 x 24 x 6", "12 x 12 x 6"]


def test_an_unreadable_answer_is_shown_in_words(page: Page, base_url: str) -> None:
    page.route(
        "**/api/stack/check", lambda route: route.fulfill(status=200, body="not json", content_type="text/plain")
    )
    open_builder(page, base_url)
    message = page.locator("#url-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text("The shapes could not be worked out:")


def test_an_input_over_the_cap_is_flagged_on_the_input(page: Page, base_url: str) -> None:
    open_builder(page, base_url)
    page.locator("#in-h").fill("300")
    settle(page)
    response = api_shape(base_url, sent(page))
    assert response.status_code == 413
    expect(page.locator("#input-error")).to_have_text(f"This input is not accepted: {response.json()['message']}")
    expect(page.locator("#input-row .badge")).to_be_visible()
    expect(page.locator("#in-c[aria-invalid], #in-h[aria-invalid], #in-w[aria-invalid]")).to_have_count(3)
    expect(page.locator(".layer.skipped")).to_have_count(3)
    page.locator("#in-h").fill("0")
    settle(page)
    expect(page.locator("#in-h")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[aria-invalid]")).to_have_count(1)
    expect(page.locator("#input-error")).to_contain_text("input_shape[1]: got 0; must be >= 1")


# --- the URL -----------------------------------------------------------------------------------------


def test_the_url_holds_the_stack_and_a_reload_restores_it(page: Page, base_url: str) -> None:
    open_builder(page, base_url)
    page.get_by_role("button", name="LeNet-like").click()
    field(page, 0, "kernel_size").fill("5,3")
    field(page, 0, "padding").fill("same")
    field(page, 0, "bias").uncheck()
    field(page, 0, "padding_mode").select_option("reflect")
    field(page, 2, "stride").fill("1")
    page.get_by_role("button", name="Add Dropout layer").click()
    field(page, 12, "p").fill("0.25")
    settle(page)
    query = page.evaluate("location.search")
    assert query == (
        "?input=3,32,32&layers=conv2d:out_channels=6,kernel_size=5x3,padding=same,bias=false,padding_mode=reflect;"
        "relu;max_pool2d:kernel_size=2,stride=1;conv2d:out_channels=16,kernel_size=5;relu;max_pool2d:kernel_size=2;"
        "flatten;linear:out_features=120;relu;linear:out_features=84;relu;linear:out_features=10;dropout:p=0.25"
    )
    before = {"body": sent(page), "shapes": shapes(page), "code": page.locator("#code").text_content()}
    page.reload()
    settle(page)
    assert sent(page) == before["body"]
    assert shapes(page) == before["shapes"]
    assert page.locator("#code").text_content() == before["code"]
    assert field(page, 0, "kernel_size").input_value() == "5,3"
    assert not field(page, 0, "bias").is_checked()
    assert page.evaluate("location.search") == query


@pytest.mark.parametrize(
    "query",
    [
        ARTICLE_URL,
        "?input=3,32,32&layers=" + quote("conv2d:out_channels=6,kernel_size=5;relu;max_pool2d:kernel_size=2", safe=""),
    ],
    ids=["as-written", "encoded-once-more"],
)
def test_a_shared_link_opens_its_stack(page: Page, base_url: str, query: str) -> None:
    open_builder(page, base_url, query)
    assert shapes(page) == ["32 x 32 x 3", "28 x 28 x 6", "28 x 28 x 6", "14 x 14 x 6"]
    expect(page.locator("#url-error")).to_be_hidden()


def test_values_with_separators_survive_the_url(page: Page, base_url: str) -> None:
    open_builder(page, base_url, "?input=1,8,8&layers=")
    assert shapes(page) == ["8 x 8 x 1"]
    expect(page.locator("#code")).to_have_text("nn.Sequential()")
    page.get_by_role("button", name="Add Conv layer").click()
    field(page, 0, "padding").fill("1;2&x=3")
    settle(page)
    assert "padding=1%3B2%26x%3D3" in page.evaluate("location.search")
    page.reload()
    settle(page)
    assert field(page, 0, "padding").input_value() == "1;2&x=3"
    expect(card(page, 0).get_by_role("alert")).to_contain_text("layers[0].padding: got '1;2&x=3'")


def test_the_url_encoding_round_trips_any_field_text(page: Page, base_url: str) -> None:
    """Encoder and decoder, run in the page: every text a field can hold comes back as the same request.
    The page runs its bundle (app/http/assets.py); the test imports the source modules, which learn the
    layer types from GET /api/ops as the page's own copy did."""
    open_builder(page, base_url)
    mismatches = page.evaluate(
        """async (texts) => {
            const url = await import('/static/js/pages/stack/url.js');
            const layers = await import('/static/js/pages/stack/layers.js');
            const specs = await import('/static/js/core/specs.js');
            layers.learnLayers((await specs.specs()).layers);
            const bad = [];
            for (const text of texts) {
                const model = {input: ['3', '16', '16'], layers: [
                    layers.newLayer('conv2d', {kernel_size: text, padding: text, stride: text}),
                    layers.newLayer('max_pool2d', {stride: text, ceil_mode: true}),
                    layers.newLayer('avg_pool2d', {divisor_override: '3', count_include_pad: false}),
                    layers.newLayer('linear', {bias: false}),
                ]};
                const query = url.encodeStack(model);
                const back = url.decodeStack(query);
                const a = JSON.stringify(layers.toBody(model));
                const b = JSON.stringify(layers.toBody({input: back.input, layers: back.layers}));
                if (a !== b) bad.push([text, query, a, b]);
            }
            return bad;
        }""",
        [
            "5",
            "5,3",
            "5x3",
            "5×3",
            "same",
            "VALID",
            "1;2&x=3",
            "%",
            "%25",
            "a b+c",
            "5x",
            "x5",
            " 7 , 8 ",
            "ä",
            "#",
            "",
        ],
    )
    assert mismatches == []


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("?input=3,32&layers=relu", 'input: expected three numbers C,H,W such as 3,32,32, got "3,32"'),
        ("?layers=relu;softmax", 'layer 1: "softmax" is not a layer type'),
        ("?layers=conv2d:out_channels=6,kernel=5", 'layer 0 (conv2d): "kernel" is not one of its parameters'),
        ("?layers=linear:out_features=10,bias=maybe", 'layer 0 (linear) bias: expected true or false, got "maybe"'),
        ("?layers=dropout:p=%E0%A4%A", "is not valid percent-encoding"),
    ],
    ids=["input", "type", "param", "bool", "escape"],
)
def test_a_link_that_cannot_be_read_says_so(page: Page, base_url: str, query: str, words: str) -> None:
    open_builder(page, base_url, query)
    message = page.locator("#url-error")
    expect(message).to_be_visible()
    expect(message).to_have_attribute("role", "alert")
    expect(message).to_contain_text("This link's stack could not be read.")
    expect(message).to_contain_text(words)
    assert shapes(page) == ["32 x 32 x 3", "28 x 28 x 6", "28 x 28 x 6", "14 x 14 x 6"]  # the article's stack instead


# --- code and players ------------------------------------------------------------------------------


def test_the_code_is_the_api_code_and_copies(open_page: OpenPage, base_url: str) -> None:
    page = open_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    open_builder(page, base_url)
    page.get_by_role("button", name="LeNet-like").click()
    settle(page)
    code = api_shape(base_url, sent(page)).json()["code"]
    assert page.locator("#code").text_content() == code
    assert code.startswith("nn.Sequential(\n    nn.Conv2d(3, 6, kernel_size=5),\n")
    page.locator("#btn-copy").click()
    expect(page.locator("#copied")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == code


def test_the_conv_player_link_opens_the_layer(page: Page, base_url: str) -> None:
    open_builder(page, base_url)
    link = card(page, 0).get_by_role("link", name="Open in player")
    href = link.get_attribute("href") or ""
    url = urlsplit(href)
    assert url.path == "/play/conv2d"
    query = dict(parse_qsl(url.query))  # the numbers the layer received in POST /api/stack/run
    assert set(query) == {"input", "weight", "bias", "stride", "padding", "dilation", "groups", "padding_mode"}
    ran = httpx.post(f"{base_url}/api/stack/run", json=json.loads(page.evaluate("JSON.stringify(convscope.body)")))
    assert ran.json()["layers"][0]["player"] == href
    link.click()
    page.wait_for_url(f"**{href}")
    page.wait_for_function("() => window.convscope && convscope.complete", timeout=30_000)
    assert page.evaluate("convscope.header.output_shape") == [6, 28, 28]
    assert page.evaluate("convscope.header.input_shape") == [3, 32, 32]


EVERY_OP = (
    "?input=3,12,10&layers=conv2d:out_channels=4,kernel_size=3x5,stride=2x1,padding=1x2,dilation=1x2,groups=1,"
    "bias=false,padding_mode=reflect;relu;max_pool2d:kernel_size=2,stride=1,padding=1,dilation=2,ceil_mode=true;"
    "avg_pool2d:kernel_size=3x2,padding=1,count_include_pad=false,divisor_override=3;"
    "lp_pool2d:norm_type=3,kernel_size=2,stride=1x2;dropout:p=0.3;dropout2d:p=0.2;conv2d:out_channels=2,kernel_size=1,"
    "padding=same;flatten;linear:out_features=4"
)


def test_every_player_link_asks_for_the_layer_the_stack_has(page: Page, base_url: str) -> None:
    """Each link's query, sent to its op's GET API, gives the output shape the stack gives that layer."""
    open_builder(page, base_url, EVERY_OP)
    expect(page.locator(".layer.failed")).to_have_count(0)
    layers = api_shape(base_url, sent(page)).json()["layers"]
    linked = 0
    for i, layer in enumerate(layers):
        link = card(page, i).locator("a.player-link")
        if layer["type"] in ("dropout2d", "flatten", "linear"):
            expect(link).to_have_count(0)
            expect(card(page, i).locator(".no-player")).to_have_attribute("title", re.compile(r"\S"))
            continue
        url = urlsplit(link.get_attribute("href") or "")
        assert url.path == f"/play/{layer['type']}"
        query = dict(parse_qsl(url.query))
        answer = httpx.get(f"{base_url}/api/{layer['type']}/shape", params=query, timeout=30)
        assert answer.status_code == 200, (i, url.query, answer.text)
        assert answer.json()["input_shape"] == layer["input_shape"], (i, url.query)
        assert answer.json()["output_shape"] == layer["output_shape"], (i, url.query)
        linked += 1
    assert linked == 7
    conv = dict(parse_qsl(urlsplit(card(page, 0).locator("a.player-link").get_attribute("href") or "").query))
    picked = {k: conv[k] for k in ("stride", "padding", "dilation", "padding_mode", "bias")}
    assert picked == {"stride": "2,1", "padding": "1,2", "dilation": "1,2", "padding_mode": "reflect", "bias": "false"}


def test_no_player_link_for_a_large_input(page: Page, base_url: str) -> None:
    """Links come from POST /api/stack/run. 3 x 256 x 256 is too many numbers for a link: layer 0
    opens its player on a seeded input of its shape. Padding makes layer 1's input 260 x 260,
    over the players' cap (settings.max_side): no link, and the server's reason."""
    open_builder(page, base_url, "?input=3,256,256&layers=conv2d:out_channels=2,kernel_size=1,padding=2;relu")
    expect(card(page, 0).locator("a.player-link")).to_have_text("Open in player (new input)")
    expect(card(page, 1).locator("a.player-link")).to_have_count(0)
    note = card(page, 1).locator(".no-player")
    expect(note).to_contain_text("No player")
    expect(note).to_have_attribute(
        "title", "The players animate inputs up to 256 x 256; this layer receives 260 x 260."
    )


# --- keyboard and labels ----------------------------------------------------------------------------


def test_the_stack_can_be_edited_from_the_keyboard(page: Page, base_url: str) -> None:
    open_builder(page, base_url)
    page.get_by_role("button", name="Add ReLU layer").focus()
    page.keyboard.press("Enter")
    settle(page)
    assert [layer["type"] for layer in sent(page)["layers"]] == ["conv2d", "relu", "max_pool2d", "relu"]
    page.get_by_role("button", name="Move layer 3 (ReLU) up").focus()
    page.keyboard.press("Enter")
    settle(page)
    assert [layer["type"] for layer in sent(page)["layers"]] == ["conv2d", "relu", "relu", "max_pool2d"]
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Move layer 2 (ReLU) up"
    page.keyboard.press("Space")
    settle(page)
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Move layer 1 (ReLU) up"
    page.get_by_role("button", name="Remove layer 3 (MaxPool2d)").focus()
    page.keyboard.press("Enter")
    settle(page)
    assert [layer["type"] for layer in sent(page)["layers"]] == ["conv2d", "relu", "relu"]
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Remove layer 2 (ReLU)"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "the focused button shows no focus ring"
    field(page, 0, "out_channels").focus()
    page.keyboard.press("ArrowUp")  # a number field steps from the keyboard
    settle(page)
    assert sent(page)["layers"][0]["out_channels"] == 7


def test_every_control_has_a_name(page: Page, base_url: str) -> None:
    open_builder(page, base_url, EVERY_OP)
    anything = re.compile(r"\S")
    for control in page.locator("button, input, select, a").all():
        expect(control).to_have_accessible_name(anything)
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('#stack-form input, #stack-form select')].filter((e) => !e.labels.length).length"
    )
    assert unlabelled == 0
    assert page.locator("script:not([src])").count() == 0  # no inline scripts


# --- screenshots -------------------------------------------------------------------------------------

DEVICES: dict[str, tuple[dict[str, int], dict[str, Any]]] = {
    "desktop": ({"width": 1280, "height": 800}, {}),
    "mobile": ({"width": 390, "height": 844}, {"device_scale_factor": 2, "is_mobile": True, "has_touch": True}),
}
INEXACT = (  # a pool whose size is not exact, then flat layers
    "?input=3,32,32&layers=conv2d:out_channels=6,kernel_size=5;relu;max_pool2d:kernel_size=2,stride=3;"
    "conv2d:out_channels=16,kernel_size=3;flatten;linear:out_features=10"
)
SHOTS = {"default": "", "invalid": BROKEN_URL, "inexact": INEXACT}


@pytest.mark.parametrize("device", list(DEVICES))
@pytest.mark.parametrize("case", list(SHOTS))
def test_screenshot(
    open_page: OpenPage, console: Console, base_url: str, artifacts: Path, case: str, device: str
) -> None:
    viewport, options = DEVICES[device]
    page = open_page(viewport, **options)
    open_builder(page, base_url, SHOTS[case])
    if case == "invalid":
        expect(page.locator(".layer.failed")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the page scrolls sideways"
    overflowing = page.evaluate(
        """[...document.querySelectorAll('#stack .layer *, #stack .summary *')].filter((e) => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && r.right > document.documentElement.clientWidth + 0.5;
        }).map((e) => e.className || e.tagName)"""
    )
    assert overflowing == [], "something sticks out of the viewport"
    path = artifacts / f"stack-{case}-{device}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
