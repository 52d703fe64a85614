"""conv_transpose2d over HTTP: GET and POST /trace in both views, /check, /shape, the exports,
/api/ops, the pages it has not got yet, and the stack builder's conv_transpose2d layer."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from app.engine.conv_transpose import conv_transpose2d
from app.engine.generated import sample_bias, sample_input, sample_weight
from app.engine.specs import OPS
from app.pages.players import PLAYERS
from tests.ndjson import NDJSON

X = [[[1, 2], [3, 4]]]
W = [[[[1, 0, 2], [0, 1, 0], [3, 0, 1]]]]
HAND = [[1, 0, 4, 0, 4], [0, 1, 0, 2, 0], [6, 0, 17, 0, 10], [0, 3, 0, 4, 0], [9, 0, 15, 0, 4]]  # tests/engine


def frames(client: TestClient, method: str, path: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Every frame of a trace stream: header, steps frames covering 0..total-1 in order, done."""
    response = client.request(method, path, **kwargs)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == NDJSON
    found = [json.loads(line) for line in response.text.splitlines()]
    assert found[0]["type"] == "header" and found[-1]["type"] == "done"
    position = 0
    for frame in found[1:-1]:
        assert frame["type"] == "steps" and frame["start"] == position
        position += frame["count"]
    assert position == found[0]["steps"]["total"] == found[-1]["steps"]
    return found


def column(found: list[dict[str, Any]], name: str) -> np.ndarray:
    return np.array([item for frame in found[1:-1] for item in frame[name]], dtype=np.float64)


def test_post_both_views_give_the_hand_golden(client: TestClient) -> None:
    for view, total in (("scatter", 4), ("gather", 25)):
        found = frames(
            client, "POST", "/api/conv_transpose2d/trace", json={"input": X, "weight": W, "stride": 2, "view": view}
        )
        head = found[0]
        assert head["op"] == "conv_transpose2d" and head["output_shape"] == [1, 5, 5]
        assert head["steps"]["total"] == total and head["view"] == view
        assert head["params"]["output_padding"] == [0, 0] and head["params"]["view"] == view
        assert found[-1]["output"] == [HAND]
    gather = frames(
        client, "POST", "/api/conv_transpose2d/trace", json={"input": X, "weight": W, "stride": 2, "view": "gather"}
    )
    np.testing.assert_array_equal(column(gather, "value"), np.array(HAND).reshape(-1))
    scatter = frames(client, "POST", "/api/conv_transpose2d/trace", json={"input": X, "weight": W, "stride": 2})
    np.testing.assert_array_equal(column(scatter, "input"), [1, 2, 3, 4])
    assert scatter[1]["after"][3][0][0][0] == 17  # the centre, after the fourth kernel lands on it


def test_get_generates_the_input_weight_and_bias_from_the_seed(client: TestClient) -> None:
    query = {"in_channels": 2, "height": 3, "width": 4, "out_channels": 4, "groups": 2, "kernel_size": "3,2"}
    query |= {"stride": "2", "padding": "1", "output_padding": "1,0", "seed": 5}
    found = frames(client, "GET", "/api/conv_transpose2d/trace", params=query)
    x = sample_input("conv_transpose2d", 5, 2, 3, 4)
    w = sample_weight(5, 2, 2, 3, 2)  # (in_channels, out_channels/groups, kH, kW)
    b = sample_bias(5, 4)
    expected = conv_transpose2d(x, w, b, 2, 1, (1, 0), 2)
    head = found[0]
    np.testing.assert_array_equal(head["input"], x)
    np.testing.assert_array_equal(head["weight"], w)
    np.testing.assert_array_equal(found[-1]["output"], expected.output)
    assert head["output_shape"] == [4, 6, 6]
    assert head["geometry"]["height"]["formula"]["text"].endswith("= 6: 6 outputs along the height")
    assert head["pytorch"]["module"] == (
        "nn.ConvTranspose2d(2, 4, kernel_size=(3, 2), stride=2, padding=1, output_padding=(1, 0), groups=2)"
    )
    assert "torch.Size([1, 4, 6, 6])" in head["pytorch"]["code"]
    gathered = frames(client, "GET", "/api/conv_transpose2d/trace", params=query | {"view": "gather"})
    np.testing.assert_array_equal(gathered[-1]["output"], expected.output)
    np.testing.assert_array_equal(column(gathered, "value"), expected.output.reshape(-1))


def test_arrays_as_text_take_the_transposed_layout(client: TestClient) -> None:
    query = {"input": "1,2;3,4", "weight": "1,0,2;0,1,0;3,0,1", "bias": "false", "stride": "2"}
    assert frames(client, "GET", "/api/conv_transpose2d/trace", params=query)[-1]["output"] == [HAND]
    two = {"input": "1,2;3,4|1,2;3,4", "weight": "1|1/2|2", "bias": "false", "groups": "2"}  # (2, 2, 1, 1)
    found = frames(client, "GET", "/api/conv_transpose2d/trace", params=two)
    assert found[0]["output_shape"] == [4, 2, 2] and found[0]["params"]["out_channels"] == 4


def test_compact_steps_say_what_each_view_steps_through(client: TestClient) -> None:
    scatter = frames(client, "GET", "/api/conv_transpose2d/trace", params={"input": "1,2;3,4", "detail": "compact"})
    assert scatter[1]["index"] == [[0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 1]]  # input cells
    assert scatter[1]["value"] == [1, 2, 3, 4]
    gather = frames(client, "GET", "/api/conv_transpose2d/trace", params={"detail": "compact", "view": "gather"})
    assert len(gather[1]["index"]) == 25 and gather[1]["value"] == [v for row in gather[-1]["output"][0] for v in row]


def test_check_and_shape(client: TestClient) -> None:
    answer = client.get("/api/conv_transpose2d/check", params={"stride": "2", "view": "gather"}).json()
    assert answer == {"ok": True, "status": 200, "message": None, "detail": [], "steps": 49}
    assert client.get("/api/conv_transpose2d/check", params={"stride": "2"}).json()["steps"] == 9  # 3x3 input
    refused = client.get("/api/conv_transpose2d/check", params={"stride": "2", "output_padding": "2"}).json()
    assert refused["status"] == 422 and refused["message"].startswith("output_padding: got 2; must be smaller")
    capped = client.get("/api/conv_transpose2d/check", params={"height": 200, "width": 200, "stride": 16}).json()
    assert capped["status"] == 413 and capped["message"].startswith("output: got 1 channel of 3187x3187")
    shape = client.get("/api/conv_transpose2d/shape", params={"height": 4, "stride": "2", "padding": "1"}).json()
    assert shape["output_shape"] == [1, 7, 5] and shape["steps"] == {"total": 12}
    assert shape["geometry"]["height"]["undoes"]["text"] == (
        "conv2d with kernel 3, stride 2, padding 1 turns a height of 7 or 8 into 4: output_padding 0 picks 7"
    )


def test_exports(client: TestClient) -> None:
    gif = client.get("/api/conv_transpose2d/animation.gif", params={"stride": "2"})
    assert gif.status_code == 200 and gif.headers["content-type"] == "image/gif"
    assert gif.headers["x-convscope-frames"] == "9/9"
    assert 'filename="conv_transpose2d-stride2.gif"' in gif.headers["content-disposition"]
    png = client.get("/api/conv_transpose2d/frame.png", params={"stride": "2", "view": "gather", "step": 48})
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    again = client.get("/api/conv_transpose2d/frame.png", params={"stride": "2", "view": "gather", "step": 48})
    assert again.content == png.content


def test_ops_lists_it_with_its_player(client: TestClient) -> None:
    body = client.get("/api/ops").json()
    op = next(o for o in body["ops"] if o["name"] == "conv_transpose2d")
    assert op["torch"] == "nn.ConvTranspose2d" and op["player"] == "/play/conv_transpose2d"
    params = {f["name"]: f for f in op["params"]}
    assert list(params) == [
        "in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding", "groups", "bias",
        "dilation", "view",
    ]  # fmt: skip
    assert params["view"]["choices"] == ["scatter", "gather"] and params["view"]["default"] == "scatter"
    assert params["output_padding"] | {} == params["output_padding"] | {"min": 0, "max": 16, "default": 0}
    layer = next(t for t in body["layers"] if t["type"] == "conv_transpose2d")
    assert layer["title"] == "ConvTranspose2d" and "view" not in [f["name"] for f in layer["fields"]]
    assert body["limits"]["max_output_values"] == 64 * 256 * 256
    page = client.get("/play/conv_transpose2d")
    assert page.status_code == 200 and 'data-op="conv_transpose2d"' in page.text
    assert client.get("/embed/conv_transpose2d").status_code == 200


def test_an_encoder_decoder_in_the_stack_builder(client: TestClient) -> None:
    layers = [
        {"type": "conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1},
        {"type": "relu"},
        {"type": "max_pool2d", "kernel_size": 2},
        {"type": "conv2d", "out_channels": 16, "kernel_size": 3, "stride": 2, "padding": 1},
        {
            "type": "conv_transpose2d",
            "out_channels": 8,
            "kernel_size": 3,
            "stride": 2,
            "padding": 1,
            "output_padding": 1,
        },
        {"type": "relu"},
        {"type": "conv_transpose2d", "out_channels": 1, "kernel_size": 2, "stride": 2},
    ]
    body = {"input_shape": [1, 16, 16], "layers": layers}
    answer = client.post("/api/stack/shape", json=body)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert [layer["output_shape"] for layer in result["layers"]] == [
        [8, 16, 16], [8, 16, 16], [8, 8, 8], [16, 4, 4], [8, 8, 8], [8, 8, 8], [1, 16, 16],
    ]  # fmt: skip
    assert result["output_shape"] == [1, 16, 16]  # back to the input's size
    assert result["layers"][4]["param_count"] == 16 * 8 * 9 + 8
    assert result["layers"][6]["param_count"] == 8 * 1 * 4 + 1
    assert result["code"].splitlines()[5:8] == [
        "    nn.ConvTranspose2d(16, 8, kernel_size=3, stride=2, padding=1, output_padding=1),",
        "    nn.ReLU(),",
        "    nn.ConvTranspose2d(8, 1, kernel_size=2, stride=2),",
    ]
    # the decoder's outputs are 1/2, then 1 input pixel apart again
    assert [layer["receptive_field"]["height"]["jump"] for layer in result["layers"]] == [1, 1, 2, 4, 2, 2, 1]
    axes = result["layers"][4]["axes"]["height"]
    assert axes["formula"]["text"].startswith("O = (W - 1)×S - 2P + D×(K - 1) + output_padding + 1")
    check = client.post("/api/stack/check", json=body).json()
    assert check["ok"] is True and check["output_shape"] == [1, 16, 16]
    run = client.post("/api/stack/run", json=body).json()
    assert [layer["output_shape"] for layer in run["layers"]][-1] == [1, 16, 16]
    assert run["layers"][4]["note"] is None  # it has a player now: the run links it with the layer's numbers
    assert run["layers"][4]["player"].startswith("/play/conv_transpose2d?input=")


def test_an_op_has_a_page_exactly_when_its_specification_says_so(client: TestClient) -> None:
    assert set(PLAYERS) == {op for op, spec in OPS.items() if spec.player}
    assert OPS["conv_transpose2d"].player and OPS["conv2d_backward"].player
    home = client.get("/").text
    assert "/play/conv2d" in home and "/play/conv_transpose2d" in home


def test_a_padding_with_no_same_is_worded_so_everywhere(client: TestClient) -> None:
    rule = "must be a whole number or a pair [height, width] of them, each from 0 to 16"
    check = client.get("/api/conv_transpose2d/check", params={"padding": "same"}).json()
    assert (
        check["message"]
        == "padding: got 'same'; must be one or two whole numbers >= 0 of at most 4 digits, like 2 or 2,3"
    )
    body = {
        "input_shape": [1, 4, 4],
        "layers": [{"type": "conv_transpose2d", "out_channels": 1, "kernel_size": 2, "padding": "x"}],
    }
    assert client.post("/api/stack/check", json=body).json()["message"] == f"layers[0].padding: got 'x'; {rule}"
    # conv2d's padding takes the words, and says so
    conv = client.get("/api/conv2d/check", params={"padding": "full"}).json()["message"]
    assert conv == "padding: got 'full'; must be one or two whole numbers >= 0 (like 1 or 1,2), or 'same' or 'valid'"
