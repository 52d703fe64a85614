"""conv2d_backward over HTTP: a generated or given grad_output, each gradient's steps, the done frame's
three gradients, /check, /shape, the exports and the PyTorch code."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from app.engine.conv2d_backward import conv2d_backward
from app.engine.generated import sample_bias, sample_grad_output, sample_input, sample_weight
from app.engine.random import integers
from tests.ndjson import NDJSON

X = [[[1, 2, 0], [0, 1, 3], [2, 0, 1]]]
W = [[[[1, -1], [2, 0]]]]
G = [[[1, 0], [-1, 2]]]


def frames(client: TestClient, method: str, path: str, **kwargs: Any) -> list[dict[str, Any]]:
    response = client.request(method, path, **kwargs)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == NDJSON
    found = [json.loads(line) for line in response.text.splitlines()]
    assert found[0]["type"] == "header" and found[-1]["type"] == "done"
    assert sum(frame["count"] for frame in found[1:-1]) == found[0]["steps"]["total"] == found[-1]["steps"]
    return found


def test_post_gives_the_three_gradients_of_the_hand_golden(client: TestClient) -> None:
    body = {"input": X, "weight": W, "bias": [0.5], "grad_output": G}
    done = frames(client, "POST", "/api/conv2d_backward/trace", json=body)[-1]  # worked by hand in tests/engine
    assert done["grad_input"] == [[[1, -1, 0], [1, 3, -2], [-2, 4, 0]]]
    assert done["output"] == done["grad_input"]
    assert done["grad_weight"] == [[[[3, 7], [-2, 3]]]]
    assert done["grad_bias"] == [2]
    no_bias = frames(client, "POST", "/api/conv2d_backward/trace", json={"input": X, "weight": W, "grad_output": G})
    assert no_bias[-1]["grad_bias"] is None


def test_get_generates_grad_output_from_the_seed_in_its_own_stream(client: TestClient) -> None:
    query = {"in_channels": 2, "height": 6, "width": 5, "out_channels": 4, "groups": 2, "stride": "2"}
    query |= {"padding": "1", "padding_mode": "reflect", "seed": 9}
    found = frames(client, "GET", "/api/conv2d_backward/trace", params=query)
    head = found[0]
    x, w, b = sample_input("conv2d_backward", 9, 2, 6, 5), sample_weight(9, 4, 1, 3, 3), sample_bias(9, 4)
    g = sample_grad_output(9, (4, 3, 3))
    np.testing.assert_array_equal(g, integers(9, "grad_output", (4, 3, 3), -1, 1))
    np.testing.assert_array_equal(head["grad_output"], g)
    np.testing.assert_array_equal(head["input"], x)
    expected = conv2d_backward(x, w, b, g, 2, 1, 1, 2, "reflect")
    for key in ("grad_input", "grad_weight", "grad_bias"):
        np.testing.assert_array_equal(found[-1][key], getattr(expected, key))
    assert head["steps"]["order"] == ["filter", "oy", "ox"] and head["steps"]["total"] == 36
    assert head["output_shape"] == [2, 6, 5] and head["params"]["gradient"] == "grad_input"
    np.testing.assert_array_equal(head["forward_output"], expected.forward.output)
    assert (
        head["pytorch"]["module"]
        == "nn.Conv2d(2, 4, kernel_size=3, stride=2, padding=1, groups=2, padding_mode='reflect')"
    )
    assert head["pytorch"]["code"].splitlines()[-4:] == [
        "y.backward(grad_output)",
        "print(x.grad.shape)  # torch.Size([1, 2, 6, 5])",
        "print(layer.weight.grad.shape)  # torch.Size([4, 1, 3, 3])",
        "print(layer.bias.grad.shape)  # torch.Size([4])",
    ]
    other = frames(client, "GET", "/api/conv2d_backward/trace", params=query | {"seed": 10})[0]
    assert other["grad_output"] != head["grad_output"]


def test_grad_output_as_text(client: TestClient) -> None:
    query = {"input": "1,2,0;0,1,3;2,0,1", "weight": "1,-1;2,0", "bias": "0.5", "grad_output": "1,0;-1,2"}
    done = frames(client, "GET", "/api/conv2d_backward/trace", params=query)[-1]
    assert done["grad_weight"] == [[[[3, 7], [-2, 3]]]] and done["grad_bias"] == [2]


def test_each_gradient_s_steps(client: TestClient) -> None:
    body = {"input": X, "weight": W, "bias": [0.0], "grad_output": G}
    weight = frames(client, "POST", "/api/conv2d_backward/trace", json=body | {"gradient": "grad_weight"})
    assert weight[0]["steps"]["order"] == ["filter", "channel", "ki", "kj"]
    assert weight[1]["value"] == [3, 7, -2, 3]
    assert weight[1]["products"][1] == [[2, 0], [-1, 6]]
    bias = frames(client, "POST", "/api/conv2d_backward/trace", json=body | {"gradient": "grad_bias"})
    assert bias[1]["grads"] == G and bias[1]["value"] == [2]
    scatter = frames(client, "POST", "/api/conv2d_backward/trace", json=body)
    assert scatter[1]["grad"] == [1, 0, -1, 2] and scatter[1]["window"][3] == [1, 1, 3, 3]
    compact = frames(
        client, "POST", "/api/conv2d_backward/trace", json=body | {"gradient": "grad_weight", "detail": "compact"}
    )
    assert compact[1]["index"] == [[0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 0, 1, 1]]
    assert compact[1]["value"] == [3, 7, -2, 3]


def test_check_shape_and_exports(client: TestClient) -> None:
    check = client.get("/api/conv2d_backward/check", params={"gradient": "grad_weight", "out_channels": 3}).json()
    assert check == {"ok": True, "status": 200, "message": None, "detail": [], "steps": 27}
    assert client.get("/api/conv2d_backward/check").json()["steps"] == 25  # a step per output cell, 5x5
    refused = client.get("/api/conv2d_backward/check", params={"bias": "false", "gradient": "grad_bias"}).json()
    assert refused["status"] == 422 and refused["message"].startswith("gradient: got 'grad_bias'; needs a bias")
    shape = client.get("/api/conv2d_backward/shape", params={"stride": "2"}).json()
    assert shape["output_shape"] == [1, 7, 7] and shape["steps"] == {"total": 9}
    for gradient, frames_sent in (("grad_input", "25/25"), ("grad_weight", "9/9"), ("grad_bias", "1/1")):
        gif = client.get("/api/conv2d_backward/animation.gif", params={"gradient": gradient})
        assert gif.status_code == 200 and gif.headers["x-convscope-frames"] == frames_sent
    png = client.get("/api/conv2d_backward/frame.png", params={"gradient": "grad_weight", "step": 8})
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    ops = {o["name"]: o for o in client.get("/api/ops").json()["ops"]}
    fields = {f["name"]: f for f in ops["conv2d_backward"]["query"]}
    assert ops["conv2d_backward"]["player"] == "/play/conv2d_backward"
    assert fields["grad_output"]["advanced"] is True and fields["gradient"]["choices"] == [
        "grad_input", "grad_weight", "grad_bias"
    ]  # fmt: skip
