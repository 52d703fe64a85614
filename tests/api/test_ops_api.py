"""GET /api/ops: the op specifications as the browser reads them, bounds from this server's Settings."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.engine.specs import LAYERS, OPS
from app.schemas.traces import QUERIES
from tests.live import serve


def by_name(fields: list[dict]) -> dict[str, dict]:
    return {f["name"]: f for f in fields}


def test_every_op_and_layer_type_is_listed_in_order(client: TestClient) -> None:
    body = client.get("/api/ops").json()
    assert [op["name"] for op in body["ops"]] == list(OPS)
    assert [layer["type"] for layer in body["layers"]] == list(LAYERS)
    assert [layer["title"] for layer in body["layers"]] == [
        "Conv2d", "ConvTranspose2d", "ReLU", "Dropout", "Dropout2d", "MaxPool2d", "AvgPool2d", "LPPool2d",
        "Flatten", "Linear"
    ]  # fmt: skip


@pytest.mark.parametrize("op", list(OPS))
def test_the_query_fields_are_the_get_models_fields(client: TestClient, op: str) -> None:
    ops = {o["name"]: o for o in client.get("/api/ops").json()["ops"]}
    assert [f["name"] for f in ops[op]["query"]] == list(QUERIES[op].model_fields)
    assert ops[op]["player"] == (f"/play/{op}" if OPS[op].player else None)  # an op can be traced before its player


def test_conv2d_fields_carry_pytorch_defaults_and_the_settings_bounds(client: TestClient) -> None:
    conv = next(o for o in client.get("/api/ops").json()["ops"] if o["name"] == "conv2d")
    params, query = by_name(conv["params"]), by_name(conv["query"])
    assert params["kernel_size"] == params["kernel_size"] | {"kind": "pair", "default": None, "min": 1, "max": 15}
    assert params["padding"]["choices"] == ["same", "valid"]
    assert params["padding_mode"]["choices"] == ["zeros", "reflect", "replicate", "circular"]
    assert params["padding_mode"]["default"] == "zeros"
    assert query["kernel_size"]["initial"] == 3  # what the player starts with: PyTorch has no default
    assert query["height"] | {} == query["height"] | {"min": 1, "max": 256, "default": 7}
    assert query["input"]["advanced"] is True


def test_layer_fields_are_what_a_new_layer_starts_with(client: TestClient) -> None:
    layers = {layer["type"]: by_name(layer["fields"]) for layer in client.get("/api/ops").json()["layers"]}
    assert list(layers["conv2d"]) == [
        "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias", "padding_mode"
    ]  # fmt: skip
    assert layers["conv2d"]["out_channels"]["initial"] == 6
    assert layers["conv2d"]["out_channels"]["max"] == 4096  # shapes only: beyond the trace cap of 64
    assert layers["avg_pool2d"]["stride"] | {} == layers["avg_pool2d"]["stride"] | {"initial": None, "optional": True}
    assert list(layers["linear"]) == ["out_features", "bias"]
    assert list(layers["dropout"]) == ["p"]
    assert layers["dropout"]["p"] | {} == layers["dropout"]["p"] | {"max": 1, "max_exclusive": True}
    assert layers["relu"] == {} and layers["flatten"] == {}


@pytest.mark.parametrize("client", [serve(max_side=40, max_layers=10, max_kernel=9)], indirect=True)
def test_bounds_and_limits_follow_the_settings(client: TestClient) -> None:
    body = client.get("/api/ops").json()
    assert body["limits"]["max_side"] == 40
    assert body["limits"]["max_layers"] == 10
    assert body["limits"]["max_seed"] == 2**31 - 1
    for op in body["ops"]:
        assert by_name(op["params"]).get("kernel_size", {"max": 9})["max"] == 9
    layers = {layer["type"]: by_name(layer["fields"]) for layer in body["layers"]}
    assert layers["max_pool2d"]["kernel_size"]["max"] == 9


def test_lp_pool2d_is_called_a_power_sum(client: TestClient) -> None:
    """PyTorch's LPPool2d is (sum x^p)^(1/p): a power sum, not divided by the window's size."""
    lp = next(o for o in client.get("/api/ops").json()["ops"] if o["name"] == "lp_pool2d")
    norm_type = next(p for p in lp["params"] if p["name"] == "norm_type")
    for text in (lp["summary"], norm_type["help"]):
        assert "power sum" in text.replace("-", " ") and "(sum x^p)^(1/p)" in text, text
        assert "average" not in text and "mean" not in text, text
