"""The NDJSON trace streams: frame sequence, headers per op, golden numbers, detail levels, GET == POST."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.ndjson import NDJSON, OPS, get, post

PLANE = "1,2,3;4,5,6;7,8,9"
X3 = [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]

FULL_COLUMNS = {
    "conv2d": {"filter", "oy", "ox", "window", "rows", "cols", "values", "products", "partial_sums", "bias", "value"},
    "max_pool2d": {"channel", "oy", "ox", "window", "rows", "cols", "values", "argmax", "value"},
    "avg_pool2d": {"channel", "oy", "ox", "window", "rows", "cols", "values", "sum", "divisor", "value"},
    "lp_pool2d": {"channel", "oy", "ox", "window", "rows", "cols", "values", "sum", "scale", "value"},
    "relu": {"channel", "y", "x", "input", "zeroed", "value"},
    "dropout": {"channel", "y", "x", "input", "kept", "value"},
}
ORDER = {
    "conv2d": ["filter", "oy", "ox"],
    "max_pool2d": ["channel", "oy", "ox"],
    "avg_pool2d": ["channel", "oy", "ox"],
    "lp_pool2d": ["channel", "oy", "ox"],
    "relu": ["channel", "y", "x"],
    "dropout": ["channel", "y", "x"],
}
DEFAULTS = {  # op: (params keys, input_shape, output_shape, pytorch module) for a bare GET
    "conv2d": (
        {
            "in_channels",
            "out_channels",
            "kernel_size",
            "stride",
            "padding",
            "dilation",
            "groups",
            "bias",
            "padding_mode",
        },
        [1, 7, 7],
        [1, 5, 5],
        "nn.Conv2d(1, 1, kernel_size=3)",
    ),
    "max_pool2d": (
        {"kernel_size", "stride", "padding", "dilation", "ceil_mode"},
        [1, 6, 6],
        [1, 3, 3],
        "nn.MaxPool2d(kernel_size=2, stride=2)",
    ),
    "avg_pool2d": (
        {"kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"},
        [1, 6, 6],
        [1, 3, 3],
        "nn.AvgPool2d(kernel_size=2, stride=2)",
    ),
    "lp_pool2d": (
        {"kernel_size", "stride", "ceil_mode", "norm_type"},
        [1, 6, 6],
        [1, 3, 3],
        "nn.LPPool2d(norm_type=2, kernel_size=2, stride=2)",
    ),
    "relu": (set(), [1, 6, 6], [1, 6, 6], "nn.ReLU()"),
    "dropout": ({"p", "training", "seed", "variant"}, [1, 6, 6], [1, 6, 6], "nn.Dropout(p=0.5)"),
}


def conv_reference(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Plain loops, cross-correlation (no kernel flip), zero padding, groups=1."""
    x = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    filters, _, kh, kw = w.shape
    ho = (x.shape[1] - kh) // stride + 1
    wo = (x.shape[2] - kw) // stride + 1
    out = np.zeros((filters, ho, wo))
    for f in range(filters):
        for i in range(ho):
            for j in range(wo):
                window = x[:, i * stride : i * stride + kh, j * stride : j * stride + kw]
                out[f, i, j] = (window * w[f]).sum() + (b[f] if b is not None else 0.0)
    return out


# --- the frame sequence ---------------------------------------------------------------------------


@pytest.mark.parametrize("op", OPS)
def test_stream_is_ndjson_header_steps_done(client: TestClient, op: str) -> None:
    with client.stream("GET", f"/api/{op}/trace") as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == NDJSON
        raw = response.read()
    assert raw.endswith(b"\n") and b"\n\n" not in raw
    lines = raw.decode().split("\n")[:-1]
    frames = [json.loads(line) for line in lines]
    assert frames[0]["type"] == "header"
    assert frames[-1]["type"] == "done"
    assert {frame["type"] for frame in frames[1:-1]} == {"steps"}
    covered = [i for frame in frames[1:-1] for i in range(frame["start"], frame["start"] + frame["count"])]
    assert covered == list(range(frames[0]["steps"]["total"]))


def test_many_batches_are_contiguous_and_cover_total_exactly(client: TestClient) -> None:
    t = get(
        client, "/api/relu/trace", in_channels=2, height=100, width=100, detail="compact"
    )  # 20,000 steps, batch 8192
    assert t.header["steps"]["total"] == 20_000
    assert [(f["start"], f["count"]) for f in t.steps] == [(0, 8192), (8192, 8192), (16384, 3616)]


def test_header_can_be_read_before_the_rest_of_the_stream(client: TestClient) -> None:
    """A client can act on the header (and stop) without waiting for every step."""
    with client.stream(
        "GET", "/api/relu/trace", params={"in_channels": 3, "height": 256, "width": 256, "detail": "compact"}
    ) as response:
        lines = response.iter_lines()
        header = json.loads(next(lines))
        first = json.loads(next(lines))
    assert header["type"] == "header" and header["steps"]["total"] == 3 * 256 * 256
    assert first == {**first, "type": "steps", "start": 0, "count": 8192}


@pytest.mark.parametrize("op", OPS)
def test_header_fields_per_op(client: TestClient, op: str) -> None:
    keys, input_shape, output_shape, module = DEFAULTS[op]
    t = get(client, f"/api/{op}/trace")
    h = t.header
    assert h["op"] == op
    assert set(h["params"]) == keys
    assert h["input_shape"] == input_shape == list(np.shape(h["input"]))
    assert h["output_shape"] == output_shape
    assert h["steps"]["total"] == int(np.prod(output_shape))
    assert h["steps"]["detail"] == "full"
    assert h["steps"]["order"] == ORDER[op]
    assert isinstance(h["steps"]["batch"], int) and h["steps"]["batch"] >= 1
    assert h["pytorch"]["module"] == module
    assert h["pytorch"]["output_shape"] == f"torch.Size([1, {', '.join(map(str, output_shape))}])"


@pytest.mark.parametrize("op", OPS)
def test_get_shape_agrees_with_trace_header(client: TestClient, op: str) -> None:
    shape = client.get(f"/api/{op}/shape").json()
    header = get(client, f"/api/{op}/trace").header
    assert shape["op"] == op
    assert shape["params"] == header["params"]
    assert shape["input_shape"] == header["input_shape"]
    assert shape["output_shape"] == header["output_shape"]
    assert shape["steps"] == {"total": header["steps"]["total"]}
    for key in ("padded_shape", "padding", "geometry", "same_padding", "size_ratio", "discarded_share", "pytorch"):
        assert shape.get(key) == header.get(key), key
    assert "kept_share" not in shape and "kept_share" not in header


@pytest.mark.parametrize(
    ("op", "query", "ratio", "discarded"),
    [
        ("max_pool2d", {}, 0.25, 0.75),  # 6x6 -> 3x3: 9/36
        ("avg_pool2d", {"kernel_size": 3, "stride": 3}, 4 / 36, 1 - 4 / 36),  # 6x6 -> 2x2
        ("lp_pool2d", {"kernel_size": 2, "stride": 1}, 25 / 36, 11 / 36),  # 6x6 -> 5x5
        ("max_pool2d", {"kernel_size": 2, "stride": 1, "padding": 1}, 49 / 36, 0.0),  # 7x7 out of 6x6: more, not less
    ],
)
def test_pooling_header_size_ratio_and_discarded_share(
    client: TestClient, op: str, query: dict[str, int], ratio: float, discarded: float
) -> None:
    h = get(client, f"/api/{op}/trace", **query).header
    assert h["size_ratio"] == pytest.approx(ratio, rel=1e-15)
    assert h["discarded_share"] == pytest.approx(discarded, rel=1e-15)
    assert "kept_share" not in h
    shape = client.get(f"/api/{op}/shape", params=query).json()
    assert (shape["size_ratio"], shape["discarded_share"]) == (h["size_ratio"], h["discarded_share"])


@pytest.mark.parametrize(("stride", "pytorch"), [("1", True), ("2", False), ("1,2", False), ("2,1", False)])
def test_conv2d_same_padding_is_pytorchs_only_with_unit_strides(client: TestClient, stride: str, pytorch: bool) -> None:
    same = get(client, "/api/conv2d/trace", stride=stride).header["same_padding"]
    assert {axis: info["pytorch"] for axis, info in same.items()} == {"height": pytorch, "width": pytorch}


@pytest.mark.parametrize(
    ("query", "bias"),
    [
        ({"bias": "1"}, [1.0]),  # the value itself, not a flag
        ({"bias": "0"}, [0.0]),
        ({"bias": "1,-1", "out_channels": 2}, [1.0, -1.0]),
        ({"bias": "false"}, None),
    ],
)
def test_get_conv2d_bias_is_a_flag_only_for_true_and_false(
    client: TestClient, query: dict[str, object], bias: list[float] | None
) -> None:
    h = get(client, "/api/conv2d/trace", **query).header
    assert h["bias"] == bias
    assert h["params"]["bias"] is (bias is not None)


def test_get_conv2d_bias_true_is_a_seeded_sample(client: TestClient) -> None:
    h = get(client, "/api/conv2d/trace", bias="true", out_channels=3).header
    assert len(h["bias"]) == 3 and h["params"]["bias"] is True
    assert get(client, "/api/conv2d/trace", bias="true", out_channels=3).header["bias"] == h["bias"]


# --- conv2d: the article's numbers -----------------------------------------------------------------


def test_bare_conv2d_is_the_articles_7x7_input_3x3_kernel_5x5_output(client: TestClient) -> None:
    t = get(client, "/api/conv2d/trace")
    h = t.header
    assert h["input_shape"] == [1, 7, 7]
    assert np.shape(h["weight"]) == (1, 1, 3, 3)
    assert h["params"]["kernel_size"] == [3, 3] and h["params"]["stride"] == [1, 1]
    assert h["output_shape"] == [1, 5, 5]
    x, w, b = np.array(h["input"]), np.array(h["weight"]), np.array(h["bias"])
    np.testing.assert_allclose(t.output(), conv_reference(x, w, b), rtol=0, atol=1e-12)


def test_bare_conv2d_is_deterministic_byte_for_byte(client: TestClient) -> None:
    first = client.get("/api/conv2d/trace").content
    second = client.get("/api/conv2d/trace").content
    assert first == second


def test_conv2d_stride_2_gives_3x3(client: TestClient) -> None:
    t = get(client, "/api/conv2d/trace", stride=2)
    assert t.header["output_shape"] == [1, 3, 3]
    h = t.header
    ref = conv_reference(np.array(h["input"]), np.array(h["weight"]), np.array(h["bias"]), stride=2)
    np.testing.assert_allclose(t.output(), ref, rtol=0, atol=1e-12)


def test_conv2d_stride_3_does_not_fit_row_6_is_never_covered(client: TestClient) -> None:
    h = get(client, "/api/conv2d/trace", stride=3).header
    assert h["output_shape"] == [1, 2, 2]
    for axis in ("height", "width"):
        geometry = h["geometry"][axis]
        assert geometry["uncovered"] == [6]
        assert geometry["exact"] is False
        assert geometry["formula"]["fraction"] == "7/3"
        assert geometry["formula"]["exact"] is False
        assert geometry["formula"]["out"] == 2


def test_conv2d_32x32x3_with_six_5x5_filters(client: TestClient) -> None:
    params = {"in_channels": 3, "height": 32, "width": 32, "out_channels": 6, "kernel_size": 5, "detail": "compact"}
    t = get(client, "/api/conv2d/trace", **params)
    assert t.header["input_shape"] == [3, 32, 32]
    assert np.shape(t.header["weight"]) == (6, 3, 5, 5)
    assert t.header["output_shape"] == [6, 28, 28]
    assert np.shape(t.done["output"]) == (6, 28, 28)


def test_conv2d_32x32x3_padding_2_keeps_32x32(client: TestClient) -> None:
    params = {"in_channels": 3, "height": 32, "width": 32, "out_channels": 6, "kernel_size": 5, "padding": 2}
    t = get(client, "/api/conv2d/trace", **params, detail="compact")
    assert t.header["padded_shape"] == [3, 36, 36]
    assert t.header["output_shape"] == [6, 32, 32]
    h = t.header
    ref = conv_reference(np.array(h["input"]), np.array(h["weight"]), np.array(h["bias"]), padding=2)
    np.testing.assert_allclose(t.output(), ref, rtol=0, atol=1e-9)
    shape = client.get("/api/conv2d/shape", params=params).json()
    assert shape["padded_shape"] == [3, 36, 36] and shape["output_shape"] == [6, 32, 32]


# --- pooling, relu, dropout ---------------------------------------------------------------------------


def test_avg_pool2d_1_to_9_kernel_3_stride_2_padding_1(client: TestClient) -> None:
    t = get(client, "/api/avg_pool2d/trace", input=PLANE, kernel_size=3, stride=2, padding=1)
    assert np.round(t.output(), 4).tolist() == [[[1.3333, 1.7778], [2.6667, 3.1111]]]
    assert t.column("divisor") == [9.0, 9.0, 9.0, 9.0]


def test_avg_pool2d_count_include_pad_false_divides_by_the_cells_inside(client: TestClient) -> None:
    t = get(client, "/api/avg_pool2d/trace", input=PLANE, kernel_size=3, stride=2, padding=1, count_include_pad="false")
    assert t.output().tolist() == [[[3.0, 4.0], [6.0, 7.0]]]
    assert t.column("divisor") == [4.0, 4.0, 4.0, 4.0]  # each window holds 2x2 input cells


def test_max_pool2d_done_has_flat_indices_of_each_maximum(client: TestClient) -> None:
    t = get(client, "/api/max_pool2d/trace", input="1,5,2,0;3,4,8,1;0,0,1,1;9,2,1,7", kernel_size=2)
    assert t.output().tolist() == [[[5.0, 8.0], [9.0, 7.0]]]
    assert t.done["indices"] == [[[1, 6], [12, 15]]]
    bare = get(client, "/api/max_pool2d/trace")
    x = np.array(bare.header["input"])
    flat = x.reshape(x.shape[0], -1)
    indices = np.array(bare.done["indices"])
    for c in range(x.shape[0]):
        np.testing.assert_array_equal(flat[c][indices[c]], bare.output()[c])


def test_max_pool2d_ceil_mode_overhang_is_null_in_json(client: TestClient) -> None:
    t = get(client, "/api/max_pool2d/trace", input="1,2,3;4,5,6;7,8,9", kernel_size=2, ceil_mode="true")
    assert t.header["output_shape"] == [1, 2, 2]
    assert t.header["geometry"]["height"]["overhang"] == 1
    last = t.steps[-1]["values"][-1]  # window (1, 1) covers rows 2-3, cols 2-3: only (2, 2) is inside
    assert last == [[9.0, None], [None, None]]
    assert b"null" in t.raw
    assert t.output().tolist() == [[[5.0, 6.0], [8.0, 9.0]]]


def test_relu_mask_and_output(client: TestClient) -> None:
    t = get(client, "/api/relu/trace", input="-1,0,2;3,-4,5")
    assert t.output().tolist() == [[[0.0, 0.0, 2.0], [3.0, 0.0, 5.0]]]
    assert t.done["mask"] == [[[0, 0, 1], [1, 0, 1]]]  # PyTorch's mask, x > 0: 0 at the 0
    assert t.column("zeroed") == [True, True, False, False, True, False]
    assert t.done["zeroed"] == 3
    bare = get(client, "/api/relu/trace", in_channels=2)
    x, mask = np.array(bare.header["input"]), np.array(bare.done["mask"])
    assert (x < 0).any(), "the sample should have negatives to zero"
    np.testing.assert_array_equal(bare.output(), np.maximum(x, 0.0))
    np.testing.assert_array_equal(mask * x, bare.output())


def test_dropout_in_evaluation_is_the_identity(client: TestClient) -> None:
    t = get(client, "/api/dropout/trace", training="false")
    assert t.done["output"] == t.header["input"]
    assert np.all(np.array(t.done["mask"]) == 1)
    assert t.header["pytorch"]["code"].count("layer.eval()") == 1


@pytest.mark.parametrize("p", [0.5, 0.3, 0.9])
def test_dropout_in_training_scales_survivors(client: TestClient, p: float) -> None:
    t = get(client, "/api/dropout/trace", p=p, seed=7, in_channels=2)
    x, mask = np.array(t.header["input"]), np.array(t.done["mask"])
    assert set(np.unique(mask)) <= {0, 1}
    np.testing.assert_allclose(t.output(), mask * x / (1 - p), rtol=1e-14, atol=0)
    assert t.column("kept") == [bool(m) for m in mask.ravel()]


def test_dropout_mask_comes_from_seed_and_input_from_input_seed(client: TestClient) -> None:
    a = get(client, "/api/dropout/trace", seed=1, height=8, width=8)
    again = get(client, "/api/dropout/trace", seed=1, height=8, width=8)
    other = get(client, "/api/dropout/trace", seed=2, height=8, width=8)
    assert a.done["mask"] == again.done["mask"]
    assert a.raw == again.raw
    assert a.done["mask"] != other.done["mask"]
    assert a.header["input"] == other.header["input"]
    moved = get(client, "/api/dropout/trace", seed=1, input_seed=5, height=8, width=8)
    assert moved.header["input"] != a.header["input"]
    assert moved.done["mask"] == a.done["mask"]


def test_dropout2d_drops_whole_channels(client: TestClient) -> None:
    t = get(client, "/api/dropout/trace", variant="dropout2d", in_channels=8, seed=3)
    mask = np.array(t.done["mask"])
    for channel in mask:
        assert channel.min() == channel.max()
    assert t.header["pytorch"]["module"] == "nn.Dropout2d(p=0.5)"


# --- detail levels ------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", OPS)
def test_detail_compact_has_index_and_value_only(client: TestClient, op: str) -> None:
    t = get(client, f"/api/{op}/trace", detail="compact")
    assert t.header["steps"]["detail"] == "compact"
    shape = t.header["output_shape"]
    for frame in t.steps:
        assert set(frame) == {"type", "start", "count", "index", "value"}
        expected = np.stack(np.unravel_index(np.arange(frame["start"], frame["start"] + frame["count"]), shape), axis=1)
        np.testing.assert_array_equal(np.array(frame["index"]), expected)
    np.testing.assert_array_equal(t.values(), t.output())


@pytest.mark.parametrize("op", OPS)
def test_detail_full_has_the_ops_columns(client: TestClient, op: str) -> None:
    t = get(client, f"/api/{op}/trace", detail="full")
    assert t.header["steps"]["detail"] == "full"
    for frame in t.steps:
        assert FULL_COLUMNS[op] <= set(frame), FULL_COLUMNS[op] - set(frame)
        for name in FULL_COLUMNS[op]:
            assert len(frame[name]) == frame["count"], name
        index = np.unravel_index(np.arange(frame["start"], frame["start"] + frame["count"]), t.header["output_shape"])
        for name, expected in zip(ORDER[op], index, strict=True):
            assert frame[name] == expected.tolist(), name


def test_conv2d_full_step_arithmetic_adds_up(client: TestClient) -> None:
    t = get(client, "/api/conv2d/trace", in_channels=2, out_channels=2, detail="full")
    weight = np.array(t.header["weight"])
    for frame in t.steps:
        values, products = np.array(frame["values"]), np.array(frame["products"])
        partial = np.array(frame["partial_sums"])
        np.testing.assert_allclose(products, values * weight[frame["filter"]])
        np.testing.assert_allclose(partial, products.sum(axis=(2, 3)))
        np.testing.assert_allclose(frame["value"], partial.sum(axis=1) + np.array(frame["bias"]))


def test_detail_auto_is_full_when_small_and_compact_when_big(client: TestClient) -> None:
    assert get(client, "/api/relu/trace").header["steps"]["detail"] == "full"
    big = get(client, "/api/relu/trace", in_channels=3, height=128, width=128)
    assert big.header["steps"]["total"] == 3 * 128 * 128 > 20_000
    assert big.header["steps"]["detail"] == "compact"
    assert set(big.steps[0]) == {"type", "start", "count", "index", "value"}
    np.testing.assert_array_equal(big.values(), big.output())


def test_detail_auto_is_compact_when_the_steps_carry_too_many_numbers(client: TestClient) -> None:
    """6,400 steps is few, but each carries 64 channels of 15x15 values and products (28,876 numbers):
    185 million in all, over the 2,000,000 auto streams in full."""
    query = {"in_channels": 64, "height": 24, "width": 24, "kernel_size": 15, "out_channels": 64}
    t = get(client, "/api/conv2d/trace", **query)
    assert t.header["steps"]["total"] == 64 * 10 * 10 <= 20_000
    assert t.header["steps"]["detail"] == "compact"
    assert set(t.steps[0]) == {"type", "start", "count", "index", "value"}
    status = client.get("/api/conv2d/trace", params={**query, "detail": "full"}).status_code
    assert status == 413  # and full detail is refused outright (test_errors pins the message)


@pytest.mark.parametrize("detail", ["full", "compact"])
@pytest.mark.parametrize("op", OPS)
def test_step_values_in_order_reshape_to_done_output(client: TestClient, op: str, detail: str) -> None:
    t = get(client, f"/api/{op}/trace", in_channels=2, height=9, width=8, detail=detail)
    np.testing.assert_array_equal(t.values(), t.output())


# --- POST with explicit tensors == GET with text arrays -----------------------------------------------

SAME = [  # op, GET params, POST body
    (
        "conv2d",
        {
            "input": "1,2,0;0,1,2;2,0,1|1,1,1;0,0,0;2,2,2",
            "weight": "1,0;0,-1|0.5,0.5;0,1/1,1;1,1|0,0;0,0",
            "bias": "0.5,-1",
            "stride": 1,
            "padding": 1,
        },
        {
            "input": [[[1, 2, 0], [0, 1, 2], [2, 0, 1]], [[1, 1, 1], [0, 0, 0], [2, 2, 2]]],
            "weight": [[[[1, 0], [0, -1]], [[0.5, 0.5], [0, 1]]], [[[1, 1], [1, 1]], [[0, 0], [0, 0]]]],
            "bias": [0.5, -1],
            "stride": 1,
            "padding": 1,
        },
    ),
    ("max_pool2d", {"input": PLANE, "kernel_size": 2, "stride": 1}, {"input": X3, "kernel_size": 2, "stride": 1}),
    (
        "avg_pool2d",
        {"input": PLANE, "kernel_size": 3, "stride": 2, "padding": 1},
        {"input": X3, "kernel_size": 3, "stride": 2, "padding": 1},
    ),
    (
        "lp_pool2d",
        {"input": PLANE, "kernel_size": 2, "stride": 1, "norm_type": 3},
        {"input": X3, "kernel_size": 2, "stride": 1, "norm_type": 3.0},
    ),
    ("relu", {"input": "-1,2;3,-4"}, {"input": [[[-1, 2], [3, -4]]]}),
    ("dropout", {"input": PLANE, "p": 0.25, "seed": 11}, {"input": X3, "p": 0.25, "seed": 11}),
]


@pytest.mark.parametrize(("op", "query", "body"), SAME, ids=[case[0] for case in SAME])
def test_post_with_tensors_equals_get_with_text(
    client: TestClient, op: str, query: dict[str, object], body: dict[str, object]
) -> None:
    by_get = get(client, f"/api/{op}/trace", **query)
    by_post = post(client, f"/api/{op}/trace", body)
    assert by_post.header["input"] == by_get.header["input"]
    assert by_post.header["params"] == by_get.header["params"]
    assert by_post.header["output_shape"] == by_get.header["output_shape"]
    assert by_post.done == by_get.done
    assert by_post.steps == by_get.steps


def test_post_conv2d_matches_the_loop_reference(client: TestClient) -> None:
    op, _, body = SAME[0]
    t = post(client, f"/api/{op}/trace", body)
    ref = conv_reference(
        np.array(body["input"], float), np.array(body["weight"], float), np.array(body["bias"], float), padding=1
    )
    np.testing.assert_allclose(t.output(), ref, rtol=0, atol=1e-12)
    assert t.output()[0, 0, 0] == 1 * 0 + 0 * 0 + 0 * 0 + (-1) * 1 + 0.5 * 0 + 0.5 * 0 + 0 * 0 + 1 * 1 + 0.5


def test_no_minus_zero_in_a_trace(client: TestClient) -> None:
    """A weight of 0 on a negative input and a negative weight on a 0 give -0.0 products (and a -0.0
    partial sum, value and output): the stream writes each as 0.0, so no player, PNG or tooltip shows -0."""
    body = {"input": [[[-3.0, 0.0], [0.0, -1.0]]], "weight": [[[[0.0, -2.0], [0.0, 0.0]]]], "bias": None}
    t = post(client, "/api/conv2d/trace", body)
    assert b"-0" not in t.raw
    products = t.column("products")[0][0]  # 1 channel: (-3)×0, 0×(-2), 0×0, (-1)×0
    assert products == [[0.0, 0.0], [0.0, 0.0]]
    numbers = [*np.ravel(products), *t.column("partial_sums")[0], t.column("value")[0], *t.output().ravel()]
    assert all(np.copysign(1.0, v) == 1.0 for v in numbers)
    relu = post(client, "/api/relu/trace", {"input": [[[-0.0, 0.0, -2.0]]]})
    assert b"-0" not in relu.raw.replace(b"-2", b"")
    assert relu.header["input"] == [[[0.0, 0.0, -2.0]]] and relu.done["mask"] == [[[0, 0, 0]]]
