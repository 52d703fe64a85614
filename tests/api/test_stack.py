"""POST /api/stack/shape: golden stacks, a layer error as a 422 that names the layer, schema
errors as 422 with the field named, and the input caps as 413."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.live import serve

URL = "/api/stack/shape"
ARTICLE = [
    {"type": "conv2d", "out_channels": 6, "kernel_size": 5},
    {"type": "relu"},
    {"type": "max_pool2d", "kernel_size": 2},
    {"type": "flatten"},
    {"type": "linear", "out_features": 10},
]


def post(client: TestClient, body: Any, status: int) -> dict[str, Any]:
    response = client.post(URL, json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def test_article_stack(client: TestClient):
    data = post(client, {"input_shape": [3, 32, 32], "layers": ARTICLE}, 200)
    assert data["input_shape"] == [3, 32, 32]
    assert [layer["output_shape"] for layer in data["layers"]] == [[6, 28, 28], [6, 28, 28], [6, 14, 14], [1176], [10]]
    assert [layer["param_count"] for layer in data["layers"]] == [456, 0, 0, 0, 11770]
    assert data["total_params"] == 456 + 1176 * 10 + 10
    assert data["output_shape"] == [10]
    assert data["code"] == (
        "nn.Sequential(\n"
        "    nn.Conv2d(3, 6, kernel_size=5),\n"
        "    nn.ReLU(),\n"
        "    nn.MaxPool2d(kernel_size=2, stride=2),\n"
        "    nn.Flatten(),\n"
        "    nn.Linear(1176, 10),\n"
        ")"
    )
    conv = data["layers"][0]
    assert conv["index"] == 0 and conv["type"] == "conv2d"
    assert conv["params"]["kernel_size"] == [5, 5] and conv["params"]["padding"] == [0, 0]
    assert conv["axes"]["width"]["formula"]["substituted"] == "(32 - 5 + 2×0)/1 + 1"
    assert conv["axes"]["width"]["exact"] is True
    assert conv["receptive_field"]["height"] == {"size": 5, "jump": 1, "start": 2.0}
    pool = data["layers"][2]
    assert pool["receptive_field"]["width"] == {"size": 6, "jump": 2, "start": 2.5}
    assert data["layers"][4]["axes"] is None
    assert data["layers"][4]["receptive_field"]["whole_input"] is True
    assert data["layers"][4]["receptive_field"]["height"] == {"size": None, "jump": None, "start": None}


def test_padding_same_and_pairs(client: TestClient):
    layers = [
        {"type": "conv2d", "out_channels": 6, "kernel_size": [5, 3], "padding": "same"},
        {"type": "max_pool2d", "kernel_size": 2, "stride": [2, 1], "ceil_mode": True},
        {"type": "dropout", "p": 0.1},
    ]
    data = post(client, {"input_shape": [3, 32, 32], "layers": layers}, 200)
    assert [layer["output_shape"] for layer in data["layers"]] == [[6, 32, 32], [6, 16, 31], [6, 16, 31]]
    assert data["layers"][0]["params"]["padding"] == "same"
    assert data["layers"][2]["code"] == "nn.Dropout(p=0.1)"


def test_layer_that_no_longer_fits_is_a_422_naming_it(client: TestClient):
    conv3 = {"type": "conv2d", "out_channels": 16, "kernel_size": 3}
    body = {"input_shape": [1, 7, 7], "layers": [conv3, {"type": "relu"}, conv3, {**conv3, "kernel_size": 5}]}
    data = post(client, body, 422)
    message = (
        "layer 3 (conv2d): kernel_size: got 5; the kernel's height, 5, must fit in the padded input's height, "
        "3 + 0 + 0 = 3 (this layer receives 16x3x3)"
    )
    assert data["message"] == message
    assert data["detail"] == [
        {
            "loc": ["body", "layers", 3, "kernel_size"],
            "param": "kernel_size",
            "received": 5,
            "rule": "the kernel's height, 5, must fit in the padded input's height, 3 + 0 + 0 = 3 "
            "(this layer receives 16x3x3)",
            "msg": message,
        }
    ]
    assert data["failed_layer"] == 3
    assert [layer["output_shape"] for layer in data["layers"]] == [[16, 5, 5], [16, 5, 5], [16, 3, 3]]
    assert data["layers"][2]["receptive_field"]["height"]["size"] == 5


def test_conv_after_flatten_is_a_422(client: TestClient):
    body = {
        "input_shape": [2, 4, 4],
        "layers": [{"type": "flatten"}, {"type": "conv2d", "out_channels": 1, "kernel_size": 1}],
    }
    data = post(client, body, 422)
    assert data["message"] == (
        "layer 1 (conv2d): type: got 'conv2d'; needs a (C, H, W) input, but the flatten layer at index 0 made it "
        "flat; after a flatten only linear, relu, dropout and flatten can follow, so move this layer before the "
        "flatten (this layer receives 32 features)"
    )
    assert data["detail"][0]["loc"] == ["body", "layers", 1, "type"]
    assert data["failed_layer"] == 1 and len(data["layers"]) == 1


def test_linear_before_flatten_is_a_422(client: TestClient):
    data = post(client, {"input_shape": [2, 4, 4], "layers": [{"type": "linear", "out_features": 3}]}, 422)
    assert data["message"].startswith("layer 0 (linear): type: got 'linear'; needs a flat input")
    assert "add a flatten layer first" in data["message"]
    assert data["failed_layer"] == 0 and data["layers"] == []


def schema_error(client: TestClient, body: Any, loc: list[Any], fragment: str) -> str:
    """422 from the schema: the field's location is in loc and its name in the message."""
    data = post(client, body, 422)
    assert "failed_layer" not in data
    first = data["detail"][0]
    assert [part for part in first["loc"] if part not in {"conv2d", "dropout", "lp_pool2d"}] == loc
    assert fragment in data["message"], data["message"]
    return data["message"]


@pytest.mark.parametrize(
    ("layer", "name", "fragment"),
    [
        (
            {"type": "conv2d", "out_channels": True, "kernel_size": 3},
            "out_channels",
            "out_channels: got true; must be a whole number",
        ),
        (
            {"type": "conv2d", "out_channels": 2, "kernel_size": 16},
            "kernel_size",
            "kernel_size: got 16; must be a whole number or a pair [height, width] of them, each from 1 to 15",
        ),
        ({"type": "conv2d", "out_channels": 2, "kernel_size": 3, "padding": "full"}, "padding", "got 'full'"),
        ({"type": "conv2d", "out_channels": 2, "kernel_size": 3, "bias": 1}, "bias", "bias: got 1; must be"),
        (
            {"type": "conv2d", "out_channels": 2, "kernel_size": 3, "groupz": 1},
            "groupz",
            "groupz: got 1; is not a parameter of this operation",
        ),
        ({"type": "dropout", "p": True}, "p", "p: got true; must be a number"),
        ({"type": "dropout", "p": 1.0}, "p", "p: got 1.0; must be < 1"),
        ({"type": "lp_pool2d", "norm_type": 0, "kernel_size": 2}, "norm_type", "norm_type: got 0; must be > 0"),
    ],
)
def test_schema_rejects_bad_fields(client: TestClient, layer: dict[str, Any], name: str, fragment: str):
    schema_error(client, {"input_shape": [1, 8, 8], "layers": [layer]}, ["body", "layers", 0, name], fragment)


def test_a_bad_element_of_a_pair_is_named_alone(client: TestClient):
    layer = {"type": "conv2d", "out_channels": 2, "kernel_size": [3, True]}
    message = schema_error(
        client, {"input_shape": [1, 8, 8], "layers": [layer]}, ["body", "layers", 0, "kernel_size", 1], ""
    )
    assert message == "layers[0].kernel_size[1]: got true; must be a whole number"


def test_bool_in_input_shape(client: TestClient):
    message = schema_error(client, {"input_shape": [True, 8, 8], "layers": []}, ["body", "input_shape", 0], "got true")
    assert message.startswith("input_shape")


def test_nan_is_refused(client: TestClient):
    raw = '{"input_shape": [1, 8, 8], "layers": [{"type": "dropout", "p": NaN}]}'
    response = client.post(URL, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "p: got nan; must be a finite number" in response.json()["message"]


def test_unknown_layer_type_names_the_allowed_types(client: TestClient):
    body = {"input_shape": [1, 8, 8], "layers": [{"type": "softmax"}]}
    message = schema_error(client, body, ["body", "layers", 0, "type"], "layers[0].type: got 'softmax'; must be one of")
    for kind in (
        "conv2d",
        "relu",
        "dropout",
        "dropout2d",
        "max_pool2d",
        "avg_pool2d",
        "lp_pool2d",
        "flatten",
        "linear",
    ):
        assert f"'{kind}'" in message


def test_too_many_layers(client: TestClient):
    message = schema_error(
        client, {"input_shape": [1, 8, 8], "layers": [{"type": "relu"}] * 65}, ["body", "layers"], ""
    )
    assert message.startswith("layers: got ")
    assert message.endswith("; must have at most 64 items (the cap in settings)")
    post(client, {"input_shape": [1, 8, 8], "layers": [{"type": "relu"}] * 64}, 200)


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ([3, 257, 8], "input_shape: got (3, 257, 8); the input's height must be at most 256"),
        ([3, 8, 1000], "input_shape: got (3, 8, 1000); the input's width must be at most 256"),
        ([65, 8, 8], "input_shape: got (65, 8, 8); the input may have at most 64 channels (C)"),
    ],
)
def test_input_over_the_caps_is_a_413(client: TestClient, shape: list[int], message: str):
    data = post(client, {"input_shape": shape, "layers": []}, 413)
    assert data["message"] == message
    assert data["detail"][0]["loc"] == ["body", "input_shape"]


@pytest.mark.parametrize("client", [serve(max_layers=2)], indirect=True)
def test_max_layers_setting_is_a_413(client: TestClient):
    data = post(client, {"input_shape": [1, 8, 8], "layers": [{"type": "relu"}] * 3}, 413)
    assert data["message"] == "layers: got 3 layers; at most 2 layers are allowed"


def test_openapi_documents_request_and_response(client: TestClient):
    spec = client.get("/openapi.json").json()
    operation = spec["paths"][URL]["post"]
    assert operation["tags"] == ["shapes"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StackResponse"
    }
    assert operation["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StackErrorBody"
    }
    layers = spec["components"]["schemas"]["StackRequest"]["properties"]["layers"]
    assert layers["maxItems"] == 64
    assert layers["items"]["discriminator"]["propertyName"] == "type"
