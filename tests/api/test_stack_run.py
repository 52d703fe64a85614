"""POST /api/stack/run: each layer's player link reproduces exactly what the stack computed."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import numpy as np
from fastapi.testclient import TestClient

from app.http.textarrays import parse_array

STACK = {
    "input_shape": [2, 6, 6],
    "layers": [
        {"type": "conv2d", "out_channels": 3, "kernel_size": 3, "padding": 1},
        {"type": "relu"},
        {"type": "avg_pool2d", "kernel_size": 2},
        {"type": "dropout", "p": 0.5},
        {"type": "conv2d", "out_channels": 2, "kernel_size": 1, "bias": False},
        {"type": "max_pool2d", "kernel_size": 3, "stride": 1, "padding": 1},
        {"type": "flatten"},
        {"type": "linear", "out_features": 4},
    ],
}


def run(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/stack/run", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def trace_output(client: TestClient, link: str) -> np.ndarray:
    """Follow a player link to the API: /play/op?q -> /api/op/trace?q, and return done.output."""
    parts = urlsplit(link)
    op = parts.path.rsplit("/", 1)[1]
    response = client.get(f"/api/{op}/trace", params=dict(parse_qsl(parts.query)))
    assert response.status_code == 200, response.text
    return np.array(json.loads(response.text.splitlines()[-1])["output"], dtype=float)


def test_each_link_computes_what_the_next_layer_received(client: TestClient) -> None:
    layers = run(client, STACK)["layers"]
    assert [layer["output_shape"] for layer in layers] == [
        [3, 6, 6],
        [3, 6, 6],
        [3, 3, 3],
        [3, 3, 3],
        [2, 3, 3],
        [2, 3, 3],
        [18],
        [4],
    ]
    for layer, following in zip(layers, layers[1:], strict=False):
        if layer["player"] is None:
            continue
        received = (
            parse_array("input", dict(parse_qsl(urlsplit(following["player"] or "").query))["input"], 3)
            if following["player"] and following["type"] != "flatten"
            else None
        )
        output = trace_output(client, layer["player"])
        assert list(output.shape) == layer["output_shape"]
        assert [output.min(), output.max()] == layer["output_range"]
        if received is not None:
            np.testing.assert_array_equal(output, received)


def test_dropout_runs_in_evaluation_mode(client: TestClient) -> None:
    layers = run(client, STACK)["layers"]
    assert layers[3]["output_range"] == layers[2]["output_range"]


def test_flat_layers_have_no_player_and_say_why(client: TestClient) -> None:
    layers = run(client, STACK)["layers"]
    assert layers[6]["player"] is None and layers[6]["note"] == "flatten has no player"
    assert layers[7]["note"] == "linear has no player"


def test_same_seed_same_numbers_other_seed_other_numbers(client: TestClient) -> None:
    assert run(client, STACK) == run(client, STACK)
    other = run(client, {**STACK, "seed": 1})
    assert other["layers"][0]["player"] != run(client, STACK)["layers"][0]["player"]
    assert len(run(client, STACK)["output"]) == 4


def test_an_input_too_big_for_a_link_says_so(client: TestClient) -> None:
    layers = run(client, {"input_shape": [3, 64, 64], "layers": [{"type": "relu"}]})["layers"]
    assert layers[0]["player"] is None
    assert layers[0]["note"] == "its input has 12,288 values, too many for a link (at most 4,096)"


def test_an_input_too_big_for_a_link_opens_the_player_on_a_seeded_input_of_its_shape(client: TestClient) -> None:
    body = {
        "input_shape": [3, 64, 64],
        "layers": [{"type": "conv2d", "out_channels": 5, "kernel_size": 3}, {"type": "relu"}],
    }
    layers = run(client, body)["layers"]
    assert [layer["player"] for layer in layers] == [None, None]
    assert layers[0]["player_seeded"].startswith("/play/conv2d?in_channels=3&height=64&width=64&out_channels=5&")
    for layer in layers:
        parts = urlsplit(layer["player_seeded"])
        assert parts.path == f"/play/{layer['type']}"
        shape = client.get(f"/api/{layer['type']}/shape", params=dict(parse_qsl(parts.query)))
        assert shape.status_code == 200, shape.text
        assert shape.json()["input_shape"] == layer["input_shape"]
        assert shape.json()["output_shape"] == layer["output_shape"]


def test_a_layer_over_the_players_caps_has_no_link_and_says_why(client: TestClient) -> None:
    body = {
        "input_shape": [1, 256, 256],
        "layers": [{"type": "conv2d", "out_channels": 1, "kernel_size": 1, "padding": 2}, {"type": "relu"}],
    }
    layers = run(client, body)["layers"]
    assert layers[0]["player_seeded"] is not None
    assert layers[1]["player"] is None and layers[1]["player_seeded"] is None
    assert layers[1]["note"] == "The players animate inputs up to 256 x 256; this layer receives 260 x 260."


def test_a_link_with_the_numbers_needs_no_seeded_one(client: TestClient) -> None:
    layers = run(client, STACK)["layers"]
    assert all(layer["player_seeded"] is None for layer in layers)


def test_a_broken_stack_is_the_same_422_as_shape(client: TestClient) -> None:
    body = {"input_shape": [1, 4, 4], "layers": [{"type": "conv2d", "out_channels": 1, "kernel_size": 9}]}
    ran = client.post("/api/stack/run", json=body)
    shaped = client.post("/api/stack/shape", json=body)
    assert ran.status_code == shaped.status_code == 422
    assert ran.json()["message"] == shaped.json()["message"]
