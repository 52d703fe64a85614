"""POST /api/stack/check: the answer of /api/stack/shape, always with status 200.

A page asks it so that a broken stack shows where it breaks without a failed request in
the browser's console. Each case is compared with what /api/stack/shape says for the
same body: the same result, or the same status, message, detail, layers and failed layer.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.schemas.stack import StackResponse
from tests.live import serve

CHECK = "/api/stack/check"
SHAPE = "/api/stack/shape"
LENET = [
    {"type": "conv2d", "out_channels": 6, "kernel_size": 5},
    {"type": "relu"},
    {"type": "max_pool2d", "kernel_size": 2},
    {"type": "conv2d", "out_channels": 16, "kernel_size": 5},
    {"type": "relu"},
    {"type": "max_pool2d", "kernel_size": 2},
    {"type": "flatten"},
    {"type": "linear", "out_features": 120},
    {"type": "relu"},
    {"type": "dropout", "p": 0.25},
    {"type": "linear", "out_features": 10},
]
BREAKS = {  # 8x8 -> conv k5 -> 4x4 -> conv k5 does not fit
    "input_shape": [3, 8, 8],
    "layers": [
        {"type": "conv2d", "out_channels": 6, "kernel_size": 5},
        {"type": "relu"},
        {"type": "conv2d", "out_channels": 6, "kernel_size": 5},
        {"type": "max_pool2d", "kernel_size": 2},
    ],
}


def check(client: TestClient, body: Any = None, **kwargs: Any) -> dict[str, Any]:
    response = client.post(CHECK, json=body, **kwargs) if "content" not in kwargs else client.post(CHECK, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def shape(client: TestClient, body: Any, status: int) -> dict[str, Any]:
    response = client.post(SHAPE, json=body)
    assert response.status_code == status, response.text
    return response.json()


def same_error(answer: dict[str, Any], error: dict[str, Any], status: int) -> None:
    """The check answer carries the error body of /api/stack/shape, plus ok and status."""
    assert answer["ok"] is False
    assert answer["status"] == status
    assert {k: v for k, v in answer.items() if k not in ("ok", "status")} == error


VALID = pytest.mark.parametrize(
    "body",
    [
        {"input_shape": [3, 32, 32], "layers": LENET},
        {"input_shape": [3, 32, 32], "layers": []},
        {"input_shape": [64, 28, 28], "layers": [{"type": "conv2d", "out_channels": 16, "kernel_size": 1}]},
        {
            "input_shape": [3, 7, 8],
            "layers": [
                {"type": "conv2d", "out_channels": 2, "kernel_size": [3, 2], "stride": 2, "padding": "valid"},
                {"type": "avg_pool2d", "kernel_size": 2, "ceil_mode": True},
                {"type": "lp_pool2d", "norm_type": 2, "kernel_size": 1},
                {"type": "dropout2d", "p": 0.1},
            ],
        },
    ],
    ids=["lenet", "no-layers", "1x1", "inexact"],
)


@VALID
def test_a_valid_stack_is_ok_with_the_shape_answer(client: TestClient, body: dict[str, Any]) -> None:
    """Every field StackResponse documents is the same as /api/stack/shape's."""
    answer = check(client, body)
    assert answer.pop("ok") is True
    assert answer.pop("status") == 200
    assert StackResponse.model_validate(answer).model_dump(mode="json") == shape(client, body, 200)


@pytest.mark.parametrize("layers", [LENET[:3], [{"type": "max_pool2d", "kernel_size": 2}]], ids=["conv", "pool"])
def test_a_valid_stack_is_ok_with_exactly_the_shape_body(client: TestClient, layers: list[dict[str, Any]]) -> None:
    body = {"input_shape": [3, 32, 32], "layers": layers}
    answer = check(client, body)
    del answer["ok"], answer["status"]
    assert answer == shape(client, body, 200)


def test_the_article_stack_in_numbers(client: TestClient) -> None:
    answer = check(client, {"input_shape": [3, 32, 32], "layers": LENET[:3]})
    assert [layer["output_shape"] for layer in answer["layers"]] == [[6, 28, 28], [6, 28, 28], [6, 14, 14]]
    assert answer["layers"][0]["param_count"] == 456
    assert answer["total_params"] == 456
    assert answer["code"] == (
        "nn.Sequential(\n"
        "    nn.Conv2d(3, 6, kernel_size=5),\n"
        "    nn.ReLU(),\n"
        "    nn.MaxPool2d(kernel_size=2, stride=2),\n"
        ")"
    )


def test_a_layer_that_breaks_is_named_with_the_layers_before_it(client: TestClient) -> None:
    answer = check(client, BREAKS)
    error = shape(client, BREAKS, 422)
    same_error(answer, error, 422)
    assert answer["message"] == (
        "layer 2 (conv2d): kernel_size: got 5; the kernel's height, 5, must fit in the padded input's height, "
        "4 + 0 + 0 = 4 (this layer receives 6x4x4)"
    )
    assert answer["failed_layer"] == 2
    assert [layer["output_shape"] for layer in answer["layers"]] == [[6, 4, 4], [6, 4, 4]]
    assert answer["detail"][0]["loc"] == ["body", "layers", 2, "kernel_size"]


def test_a_linear_before_flatten_breaks_at_its_index(client: TestClient) -> None:
    body = {"input_shape": [2, 4, 4], "layers": [{"type": "relu"}, {"type": "linear", "out_features": 3}]}
    answer = check(client, body)
    same_error(answer, shape(client, body, 422), 422)
    assert answer["failed_layer"] == 1
    assert "add a flatten layer first" in answer["message"]


@pytest.mark.parametrize(
    ("body", "loc", "message"),
    [
        (
            {"input_shape": [3, 8, 8], "layers": [{"type": "conv2d", "out_channels": 2, "kernel_size": "5,a"}]},
            ["body", "layers", 0, "kernel_size"],
            "layers[0].kernel_size: got '5,a'; must be a whole number or a pair [height, width] of them, "
            "each from 1 to 15",
        ),
        (
            {"input_shape": [3, 8, 8], "layers": [{"type": "relu"}, {"type": "conv2d", "kernel_size": 3}]},
            ["body", "layers", 1, "out_channels"],
            "layers[1].out_channels: got nothing; this field is required",
        ),
        (
            {"input_shape": [3, 0, 8], "layers": []},
            ["body", "input_shape", 1],
            "input_shape[1]: got 0; must be >= 1",
        ),
    ],
    ids=["pair-text", "required", "input-zero"],
)
def test_a_schema_error_is_a_422_answer(client: TestClient, body: Any, loc: list[Any], message: str) -> None:
    answer = check(client, body)
    same_error(answer, shape(client, body, 422), 422)
    assert answer["message"] == message
    assert answer["detail"][0]["loc"] == loc
    assert "failed_layer" not in answer


@pytest.mark.parametrize(
    ("content", "received"),
    [
        ("[1, 2]", "a JSON list, [1, 2]"),
        ('"stack"', "a JSON string, 'stack'"),
        ("null", None),
    ],
    ids=["list", "string", "null"],
)
def test_a_body_that_is_not_an_object_is_a_422_answer(client: TestClient, content: str, received: Any) -> None:
    answer = check(client, content=content, headers={"content-type": "application/json"})
    assert answer["ok"] is False and answer["status"] == 422
    assert answer["detail"][0]["loc"] == ["body"]
    assert "must be a JSON object" in answer["message"]
    if received is not None:
        assert answer["detail"][0]["received"] == received


def test_no_body_at_all_is_a_422_answer(client: TestClient) -> None:
    response = client.post(CHECK)
    assert response.status_code == 200
    answer = response.json()
    assert answer["ok"] is False and answer["status"] == 422
    assert answer["detail"][0]["loc"] == ["body"]


@pytest.mark.parametrize(
    ("input_shape", "message"),
    [
        ([3, 257, 8], "input_shape: got (3, 257, 8); the input's height must be at most 256"),
        ([65, 8, 8], "input_shape: got (65, 8, 8); the input may have at most 64 channels (C)"),
    ],
)
def test_an_input_over_the_caps_is_a_413_answer(client: TestClient, input_shape: list[int], message: str) -> None:
    body = {"input_shape": input_shape, "layers": [{"type": "relu"}]}
    answer = check(client, body)
    same_error(answer, shape(client, body, 413), 413)
    assert answer["message"] == message


@pytest.mark.parametrize("client", [serve(max_layers=2)], indirect=True)
def test_more_layers_than_the_setting_is_a_413_answer(client: TestClient) -> None:
    body = {"input_shape": [1, 8, 8], "layers": [{"type": "relu"}] * 3}
    answer = check(client, body)
    error = shape(client, body, 413)
    same_error(answer, error, 413)
    assert answer["message"] == "layers: got 3 layers; at most 2 layers are allowed"


def test_more_layers_than_the_schema_allows_is_a_422_answer(client: TestClient) -> None:
    """65 layers: the schema's own bound (64, = settings.max_layers) refuses them before the setting does."""
    body = {"input_shape": [1, 8, 8], "layers": [{"type": "relu"}] * 65}
    answer = check(client, body)
    same_error(answer, shape(client, body, 422), 422)
    assert answer["message"].endswith("; must have at most 64 items (the cap in settings)")
    assert check(client, {**body, "layers": body["layers"][:64]})["ok"] is True
