"""Every bad request is refused before streaming starts, with the exact status and message pinned.

The body is always {"message", "detail": [{"loc", "param", "received", "rule", "msg"}]}; the message is
the first problem in one sentence. No case here may give a 5xx, a 200 or a traceback.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .ndjson import client, error

PATTERN = r"string should match pattern '^\s*\d{1,4}\s*(,\s*\d{1,4}\s*)?$'"
X3 = [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]
W2 = [[[[1, 0], [0, 1]]]]
JSON = {"content-type": "application/json"}
MiB = 1024 * 1024
RELU = "/api/relu/trace"
ROOT = Path(__file__).resolve().parents[2]
BODY_CAP = "must be at most 8,388,608 bytes (the cap in settings)"


def big_input(channels: int, side: int = 256) -> list[list[list[int]]]:
    return [[[0] * side for _ in range(side)] for _ in range(channels)]


GET_CASES: list[tuple[str, str, dict[str, Any], int, str]] = [
    # id, path, query, status, message
    ("stride-0", "/api/conv2d/trace", {"stride": 0}, 422, "stride: got 0; must be >= 1"),
    ("stride-negative", "/api/conv2d/trace", {"stride": -1}, 422, f"stride: got -1; {PATTERN}"),
    ("stride-text", "/api/conv2d/trace", {"stride": "abc"}, 422, f"stride: got 'abc'; {PATTERN}"),
    ("stride-pair-0", "/api/conv2d/trace", {"stride": "0,1"}, 422, "stride: got (0, 1); must be >= 1"),
    ("pool-stride-0", "/api/max_pool2d/trace", {"stride": 0}, 422, "stride: got 0; must be >= 1"),
    ("dilation-0", "/api/conv2d/trace", {"dilation": 0}, 422, "dilation: got 0; must be >= 1"),
    (
        "kernel-over-input",
        "/api/conv2d/trace",
        {"kernel_size": 9},
        422,
        "kernel_size: got 9; the kernel's height, 9, must fit in the padded input's height, 7 + 0 + 0 = 7",
    ),
    (
        "dilated-kernel-over-input",
        "/api/conv2d/trace",
        {"dilation": 4},
        422,
        "kernel_size: got 3; the kernel's height, 3 (spanning 9 with dilation 4), must fit in the padded input's "
        "height, 7 + 0 + 0 = 7",
    ),
    (
        "pool-kernel-over-input",
        "/api/max_pool2d/trace",
        {"kernel_size": 7},
        422,
        "kernel_size: got 7; the kernel's height, 7, must fit in the padded input's height, 6 + 0 + 0 = 6",
    ),
    (
        "conv-kernel-over-cap",
        "/api/conv2d/trace",
        {"kernel_size": 16},
        422,
        "kernel_size: got 16; must be from 1 to 15",
    ),
    (
        "ragged-rows",
        "/api/conv2d/trace",
        {"input": "1,2;3"},
        422,
        "input: got 'rows of sizes 2 and 1 values'; every row (separated by ';') must have the same size",
    ),
    (
        "ragged-channels",
        "/api/relu/trace",
        {"input": "1,2|3"},
        422,
        "input: got 'channels of sizes 1x2 and 1x1'; every channel (separated by '|') must have the same size",
    ),
    (
        "ragged-weight",
        "/api/conv2d/trace",
        {"weight": "1,2;3"},
        422,
        "weight: got 'rows of sizes 2 and 1 values'; every row (separated by ';') must have the same size",
    ),
    (
        "non-numeric-text",
        "/api/relu/trace",
        {"input": "1,a"},
        422,
        "input: got 'a'; every value must be a number, written like 2, -1 or 0.5",
    ),
    (
        "empty-text",
        "/api/relu/trace",
        {"input": ""},
        422,
        "input: got ''; every value must be a number, written like 2, -1 or 0.5",
    ),
    (
        "nan-text",
        "/api/relu/trace",
        {"input": "1,nan"},
        422,
        "input: got nan; values must be finite numbers (no NaN or Inf)",
    ),
    (
        "reflect-padding-too-big",
        "/api/conv2d/trace",
        {"padding_mode": "reflect", "padding": 7},
        422,
        "padding: got 7; reflect padding must be smaller than the input's height (7): "
        "a reflection cannot reach past the opposite edge",
    ),
    (
        "circular-padding-too-big",
        "/api/conv2d/trace",
        {"padding_mode": "circular", "padding": 8},
        422,
        "padding: got 8; circular padding must be at most the input's height (7): it would wrap around more than once",
    ),
    (
        "padding-mode-unknown",
        "/api/conv2d/trace",
        {"padding_mode": "mirror"},
        422,
        "padding_mode: got 'mirror'; must be 'zeros', 'reflect', 'replicate' or 'circular'",
    ),
    (
        "same-with-stride-2",
        "/api/conv2d/trace",
        {"padding": "same", "stride": 2},
        422,
        "padding: got 'same'; 'same' needs stride 1, and stride is 2: PyTorch refuses padding='same' for strided "
        "convolutions",
    ),
    (
        "pool-padding-over-half-kernel",
        "/api/max_pool2d/trace",
        {"padding": 2},
        422,
        "padding: got 2; pooling padding must be at most half the kernel size: the kernel's height is 2, "
        "so padding may be at most 1 there",
    ),
    (
        "groups-not-dividing-channels",
        "/api/conv2d/trace",
        {"groups": 2, "in_channels": 3},
        422,
        "groups: got 2; must divide the input channels (3)",
    ),
    (
        "groups-not-dividing-filters",
        "/api/conv2d/trace",
        {"groups": 2, "in_channels": 2, "out_channels": 3},
        422,
        "groups: got 2; must divide the number of filters, out_channels (3)",
    ),
    ("groups-0", "/api/conv2d/trace", {"groups": 0}, 422, "groups: got 0; must be greater than or equal to 1"),
    (
        "weight-channels",
        "/api/conv2d/trace",
        {"weight": "1,2;3,4", "in_channels": 3},
        422,
        "weight: got 'an array of shape (1, 1) + kernel'; each filter must have in_channels/groups = 3/1 = 3 channels",
    ),
    (
        "bias-count",
        "/api/conv2d/trace",
        {"bias": "1,2"},
        422,
        "bias: got '2 values'; must have one value per filter (1)",
    ),
    ("p-1", "/api/dropout/trace", {"p": 1}, 422, "p: got 1; must be less than 1"),
    ("p-negative", "/api/dropout/trace", {"p": -0.1}, 422, "p: got -0.1; must be greater than or equal to 0"),
    ("p-nan", "/api/dropout/trace", {"p": "nan"}, 422, "p: got nan; must be a finite number"),
    ("norm-type-0", "/api/lp_pool2d/trace", {"norm_type": 0}, 422, "norm_type: got 0; must be greater than 0"),
    (
        "divisor-override-0",
        "/api/avg_pool2d/trace",
        {"divisor_override": 0},
        422,
        "divisor_override: got 0; must be greater than or equal to 1",
    ),
    (
        "ceil-mode-text",
        "/api/max_pool2d/trace",
        {"ceil_mode": "maybe"},
        422,
        "ceil_mode: got 'maybe'; must be a valid boolean, unable to interpret input",
    ),
    (
        "detail-unknown",
        "/api/conv2d/trace",
        {"detail": "verbose"},
        422,
        "detail: got 'verbose'; must be 'auto', 'full' or 'compact'",
    ),
    ("seed-negative", "/api/conv2d/trace", {"seed": -1}, 422, "seed: got -1; must be greater than or equal to 0"),
    (
        "height-float-text",
        "/api/conv2d/trace",
        {"height": "1e3"},
        422,
        "height: got 1000.0; must be a valid integer, unable to parse string as an integer",
    ),
    (
        "height-over-cap",
        "/api/conv2d/trace",
        {"height": 1000},
        422,
        "height: got 1000; must be less than or equal to 256",
    ),
    (
        "in-channels-over-cap",
        "/api/conv2d/trace",
        {"in_channels": 65},
        422,
        "in_channels: got 65; must be less than or equal to 64",
    ),
    ("unknown-parameter", "/api/conv2d/trace", {"foo": 1}, 422, "foo: got 1; extra inputs are not permitted"),
    (
        "pool-parameter-on-conv",
        "/api/conv2d/trace",
        {"ceil_mode": "true"},
        422,
        "ceil_mode: got 'true'; extra inputs are not permitted",
    ),
    (
        "elements-over-cap",
        "/api/conv2d/trace",
        {"in_channels": 64, "height": 256, "width": 256},
        413,
        "in_channels x height x width: got '64x256x256 = 4,194,304 values'; the cap is 196,608 values",
    ),
    (
        "elements-over-cap-shape",
        "/api/max_pool2d/shape",
        {"in_channels": 64, "height": 256, "width": 256},
        413,
        "in_channels x height x width: got '64x256x256 = 4,194,304 values'; the cap is 196,608 values",
    ),
    (
        "macs-over-cap",
        "/api/conv2d/trace",
        {"in_channels": 3, "height": 256, "width": 256, "out_channels": 64, "kernel_size": 15},
        413,
        "out_channels: got 64; 64 filters of 3x15x15 over 242x242 outputs need 2,529,964,800 multiply-adds; "
        "the cap is 120,000,000",
    ),
    (
        "full-detail-over-cap",
        "/api/relu/trace",
        {"in_channels": 3, "height": 256, "width": 256, "detail": "full"},
        413,
        "detail: got 'full'; this trace has 196,608 steps and the cap for full detail is 100,000; "
        "ask for detail=compact",
    ),
    (
        "compact-detail-over-cap",
        "/api/conv2d/trace",
        {"in_channels": 3, "height": 256, "width": 256, "out_channels": 64, "kernel_size": 1},
        413,
        "detail: got 'compact'; this trace has 4,194,304 steps and the cap for compact detail is 2,000,000",
    ),
]

POST_CASES: list[tuple[str, str, dict[str, Any], int, str]] = [
    (
        "stride-bool",
        "/api/conv2d/trace",
        {"input": X3, "weight": W2, "stride": True},
        422,
        "stride: got True; must be a valid integer",
    ),
    (
        "stride-float",
        "/api/conv2d/trace",
        {"input": X3, "weight": W2, "stride": 1.0},
        422,
        "stride: got 1.0; must be a valid integer",
    ),
    (
        "stride-0",
        "/api/conv2d/trace",
        {"input": X3, "weight": W2, "stride": 0},
        422,
        "stride: got 0; must be greater than or equal to 1",
    ),
    (
        "stride-triple",
        "/api/conv2d/trace",
        {"input": X3, "weight": W2, "stride": [1, 2, 3]},
        422,
        "stride: got [1, 2, 3]; must be a valid integer",
    ),
    (
        "training-int",
        "/api/dropout/trace",
        {"input": X3, "training": 1},
        422,
        "training: got 1; must be a valid boolean",
    ),
    (
        "norm-type-bool",
        "/api/lp_pool2d/trace",
        {"input": X3, "norm_type": True},
        422,
        "norm_type: got True; must be a valid number",
    ),
    (
        "kernel-over-input",
        "/api/conv2d/trace",
        {"input": X3, "weight": [[[[1] * 4] * 4]]},
        422,
        "kernel_size: got 4; the kernel's height, 4, must fit in the padded input's height, 3 + 0 + 0 = 3",
    ),
    (
        "pool-kernel-over-input",
        "/api/max_pool2d/trace",
        {"input": X3, "kernel_size": 4},
        422,
        "kernel_size: got 4; the kernel's height, 4, must fit in the padded input's height, 3 + 0 + 0 = 3",
    ),
    (
        "ragged-input",
        "/api/conv2d/trace",
        {"input": [[[1, 2, 3], [4, 5], [7, 8, 9]]], "weight": W2},
        422,
        "input: got 'input[0][1] with 2 items where input[0][0] has 3'; every row must have the same length "
        "(the array must not be ragged)",
    ),
    (
        "ragged-channels",
        "/api/relu/trace",
        {"input": [[[1, 2]], [[3, 4], [5, 6]]]},
        422,
        "input: got 'input[1] with 2 items where input[0] has 1'; every row must have the same length "
        "(the array must not be ragged)",
    ),
    (
        "ragged-weight",
        "/api/conv2d/trace",
        {"input": X3, "weight": [[[[1, 0], [0]]]]},
        422,
        "weight: got 'weight[0][0][1] with 1 items where weight[0][0][0] has 2'; every row must have the same length "
        "(the array must not be ragged)",
    ),
    (
        "empty-input",
        "/api/relu/trace",
        {"input": []},
        422,
        "input: got []; list should have at least 1 item after validation, not 0",
    ),
    (
        "string-value",
        "/api/relu/trace",
        {"input": [[[1, "a"]]]},
        422,
        "input[0][0][1]: got 'a'; must be a valid number",
    ),
    (
        "reflect-padding-too-big",
        "/api/conv2d/trace",
        {"input": X3, "weight": W2, "padding": 3, "padding_mode": "reflect"},
        422,
        "padding: got 3; reflect padding must be smaller than the input's height (3): "
        "a reflection cannot reach past the opposite edge",
    ),
    (
        "circular-padding-too-big",
        "/api/conv2d/trace",
        {"input": X3, "weight": W2, "padding": 4, "padding_mode": "circular"},
        422,
        "padding: got 4; circular padding must be at most the input's height (3): it would wrap around more than once",
    ),
    (
        "same-with-stride-2",
        "/api/conv2d/trace",
        {"input": X3, "weight": W2, "padding": "same", "stride": 2},
        422,
        "padding: got 'same'; 'same' needs stride 1, and stride is 2: PyTorch refuses padding='same' for strided "
        "convolutions",
    ),
    (
        "groups-not-dividing-channels",
        "/api/conv2d/trace",
        {"input": X3, "weight": W2, "groups": 2},
        422,
        "groups: got 2; must divide the input channels (1)",
    ),
    (
        "bias-count",
        "/api/conv2d/trace",
        {"input": X3, "weight": W2, "bias": [1, 2]},
        422,
        "bias: got '2 values'; must have one value per filter (1)",
    ),
    ("p-1", "/api/dropout/trace", {"input": X3, "p": 1}, 422, "p: got 1; must be less than 1"),
    ("p-1.0", "/api/dropout/trace", {"input": X3, "p": 1.0}, 422, "p: got 1.0; must be less than 1"),
    (
        "p-negative",
        "/api/dropout/trace",
        {"input": X3, "p": -0.1},
        422,
        "p: got -0.1; must be greater than or equal to 0",
    ),
    (
        "padding-over-cap",
        "/api/conv2d/trace",
        {"input": X3, "weight": W2, "padding": 17},
        422,
        "padding: got 17; must be less than or equal to 16",
    ),
    (
        "pool-kernel-over-cap",
        "/api/max_pool2d/trace",
        {"input": X3, "kernel_size": 16},
        422,
        "kernel_size: got 16; must be less than or equal to 15",
    ),
    (
        "unknown-field",
        "/api/conv2d/trace",
        {"input": X3, "weight": W2, "foo": 1},
        422,
        "foo: got 1; extra inputs are not permitted",
    ),
    ("missing-input", "/api/relu/trace", {}, 422, "input: got {}; field required"),
    (
        "elements-over-cap",
        "/api/relu/trace",
        {"input": big_input(4)},
        413,
        "input: got '4x256x256 = 262,144 values'; the cap is 196,608 values",
    ),
    (
        "full-detail-over-cap",
        "/api/relu/trace",
        {"input": big_input(2), "detail": "full"},
        413,
        "detail: got 'full'; this trace has 131,072 steps and the cap for full detail is 100,000; "
        "ask for detail=compact",
    ),
    (
        "macs-over-cap",
        "/api/conv2d/trace",
        {"input": big_input(3, 128), "weight": [[[[0] * 15] * 15] * 3] * 64},
        413,
        "out_channels: got 64; 64 filters of 3x15x15 over 114x114 outputs need 561,427,200 multiply-adds; "
        "the cap is 120,000,000",
    ),
]

RAW_CASES: list[tuple[str, str, bytes, dict[str, str], int, str]] = [
    # id, path, body bytes, headers, status, message
    ("nan", RELU, b'{"input": [[[1, NaN]]]}', JSON, 422, "input[0][0][1]: got nan; must be a finite number"),
    ("infinity", RELU, b'{"input": [[[1, Infinity]]]}', JSON, 422, "input[0][0][1]: got inf; must be a finite number"),
    (
        "minus-infinity",
        RELU,
        b'{"input": [[[-Infinity]]]}',
        JSON,
        422,
        "input[0][0][0]: got -inf; must be a finite number",
    ),
    (
        "nan-parameter",
        "/api/dropout/trace",
        b'{"input": [[[1]]], "p": NaN}',
        JSON,
        422,
        "p: got nan; must be a finite number",
    ),
    (
        "malformed-json",
        RELU,
        b'{"input": [[[1, 2]]',
        JSON,
        422,
        "body: got 'malformed JSON at character 19'; must be a JSON object (Expecting ',' delimiter)",
    ),
    (
        "trailing-garbage",
        RELU,
        b'{"input": [[[1]]]}garbage',
        JSON,
        422,
        "body: got 'malformed JSON at character 18'; must be a JSON object (Extra data)",
    ),
    (
        "not-utf8",
        RELU,
        b"\xff\xfe",
        JSON,
        422,
        "body: got 'malformed JSON at character 0'; must be a JSON object (Expecting value)",
    ),
    (
        "json-array",
        RELU,
        b"[1, 2]",
        JSON,
        422,
        "body: got [1, 2]; must be a valid dictionary or object to extract fields from",
    ),
    ("empty-body", RELU, b"", JSON, 422, "body: got None; field required"),
    (
        "text-plain",
        RELU,
        b'{"input": [[[1, 2]]]}',
        {"content-type": "text/plain"},
        422,
        "body: got b'{\"input\": [[[1, 2]]]}'; must be a valid dictionary or object to extract fields from",
    ),
    (
        "no-content-type",
        RELU,
        b'{"input": [[[1, 2]]]}',
        {},
        422,
        "body: got b'{\"input\": [[[1, 2]]]}'; must be a valid dictionary or object to extract fields from",
    ),
    ("too-deep", RELU, b"[" * 100_000, JSON, 400, "There was an error parsing the body"),
    ("9-MiB", RELU, b" " * (9 * MiB), JSON, 413, f"request body: got 9,437,184 bytes or more; {BODY_CAP}"),
]


def check_refusal(status: int, body: dict[str, Any], text: str, want_status: int, want_message: str) -> None:
    assert (status, body.get("message")) == (want_status, want_message), text[:300]
    assert status != 200 and status < 500
    assert "Traceback" not in text
    assert set(body) >= {"message", "detail"}
    if body["detail"]:
        first = body["detail"][0]
        assert set(first) == {"loc", "param", "received", "rule", "msg"}
        assert first["msg"] == body["message"]
        assert first["msg"].startswith(f"{first['param']}: got ")
        assert body["message"].endswith(first["rule"])


@pytest.mark.parametrize(
    ("path", "query", "status", "message"), [c[1:] for c in GET_CASES], ids=[c[0] for c in GET_CASES]
)
def test_get_refused(path: str, query: dict[str, Any], status: int, message: str) -> None:
    check_refusal(*error("GET", path, params=query), status, message)


@pytest.mark.parametrize(
    ("path", "body", "status", "message"), [c[1:] for c in POST_CASES], ids=[c[0] for c in POST_CASES]
)
def test_post_refused(path: str, body: dict[str, Any], status: int, message: str) -> None:
    check_refusal(*error("POST", path, json=body), status, message)


@pytest.mark.parametrize(
    ("path", "content", "headers", "status", "message"), [c[1:] for c in RAW_CASES], ids=[c[0] for c in RAW_CASES]
)
def test_raw_body_refused(path: str, content: bytes, headers: dict[str, str], status: int, message: str) -> None:
    check_refusal(*error("POST", path, content=content, headers=headers), status, message)


def test_query_loc_and_received_are_the_parameter_and_value() -> None:
    _, body, _ = error("GET", "/api/conv2d/trace", params={"stride": 0})
    assert body["detail"] == [
        {
            "loc": ["query", "stride"],
            "param": "stride",
            "received": 0,
            "rule": "must be >= 1",
            "msg": "stride: got 0; must be >= 1",
        }
    ]
    _, body, _ = error("POST", "/api/relu/trace", content=b'{"input": [[[1, NaN]]]}', headers=JSON)
    assert body["detail"][0]["loc"] == ["body", "input", 0, 0, 1]
    assert body["detail"][0]["received"] == "nan"


@pytest.mark.parametrize(
    ("method", "path", "status", "message"),
    [
        ("GET", "/api/nope/trace", 404, "Not Found"),
        ("GET", "/api/conv2d/nope", 404, "Not Found"),
        ("POST", "/api/nope/trace", 404, "Not Found"),
        ("PUT", "/api/conv2d/trace", 405, "Method Not Allowed"),
        ("POST", "/api/conv2d/shape", 405, "Method Not Allowed"),
    ],
)
def test_unknown_routes_answer_json(method: str, path: str, status: int, message: str) -> None:
    got_status, body, _ = error(method, path)
    assert (got_status, body) == (status, {"message": message, "detail": []})


def test_chunked_body_over_the_cap_is_413() -> None:
    def chunks():  # no Content-Length: the middleware must count the bytes as they come
        for _ in range(9):
            yield b" " * MiB

    response = client.post("/api/relu/trace", content=chunks(), headers=JSON)
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["message"] == f"request body: got 9,437,184 bytes or more; {BODY_CAP}"


def test_streamed_body_stops_being_read_at_the_cap() -> None:
    """Over plain ASGI, 1 MiB per message: the app answers 413 after the 9th and reads no more."""
    from app.main import app

    sent: list[dict[str, Any]] = []
    reads = 0

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b" " * MiB, "more_body": reads < 20}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/relu/trace",
        "raw_path": b"/api/relu/trace",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"host", b"test")],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }
    asyncio.run(app(scope, receive, send))
    assert reads == 9
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 413
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert body["message"] == f"request body: got 9,437,184 bytes or more; {BODY_CAP}"


def test_body_just_under_the_cap_is_read() -> None:
    body = b'{"input": [[[1]]]}' + b" " * (8 * MiB - 18)
    assert len(body) == 8 * MiB
    response = client.post("/api/relu/trace", content=body, headers=JSON)
    assert response.status_code == 200


# --- bugs: each xfail test states what should happen --------------------------------------------------

HUGE = "99999999999999999999"  # > 2**64


@pytest.mark.xfail(
    strict=True,
    reason="BUG: app/api/errors.py problem() turns a numeric query string into a Python "
    "int; ints outside [-2**63, 2**64) make orjson.dumps raise in error_response -> 500",
)
@pytest.mark.parametrize(
    "query",
    [{"seed": HUGE}, {"height": HUGE}, {"stride": HUGE}, {"detail": HUGE}, {"foo": HUGE}, {"height": "-" + HUGE}],
    ids=["seed", "height", "stride", "detail", "unknown", "negative-height"],
)
def test_huge_integer_in_query_is_a_422_not_a_500(query: dict[str, str]) -> None:
    status, body, _ = error("GET", "/api/max_pool2d/trace", params=query)
    name = next(iter(query))
    assert status == 422
    assert body["message"].startswith(f"{name}: got ")


@pytest.mark.xfail(
    strict=True,
    reason="BUG: a JSON integer outside [-2**63, 2**64) in a body is echoed as "
    "'received' and orjson.dumps raises in error_response -> 500",
)
@pytest.mark.parametrize("field", ["kernel_size", "stride", "foo"])
def test_huge_integer_in_body_is_a_422_not_a_500(field: str) -> None:
    content = f'{{"input": [[[1]]], "kernel_size": 1, "{field}": {HUGE}}}'.encode()
    status, body, _ = error("POST", "/api/max_pool2d/trace", content=content, headers=JSON)
    assert status == 422
    assert body["message"].startswith(f"{field}: got ")


@pytest.mark.xfail(
    strict=True,
    reason="BUG: problem() converts numeric-looking strings for every source, body "
    "included: POST stride \"2\" says 'stride: got 2; must be a valid integer' (received 2, a number)",
)
def test_post_string_value_is_shown_as_a_string() -> None:
    _, body, _ = error("POST", "/api/conv2d/trace", json={"input": X3, "weight": W2, "stride": "2"})
    assert body["detail"][0]["received"] == "2"
    assert body["message"] == "stride: got '2'; must be a valid integer"


MEMORY_PROBE = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))  # 2 GiB of address space, no more
from fastapi.testclient import TestClient
from app.main import app
client = TestClient(app, raise_server_exceptions=False)
print(client.get("/api/max_pool2d/shape").status_code, client.get(sys.argv[1]).status_code)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS bounds the probe's memory on Linux only")
@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="BUG: max_pool2d materialises every window (C*Ho*Wo*kH*kW float64s, np.where in app/ops/pool.py) and "
    "a GET pooling kernel is bounded only by the input (docs/TRACE_FORMAT.md 2.2): kernel 48, padding 24 on "
    "3x256x256 needs ~3.6 GB (kernel 128: ~26 GB); under a 2 GiB limit it is a 500 (MemoryError)",
)
def test_a_huge_pooling_window_is_not_a_server_error() -> None:
    query = "in_channels=3&height=256&width=256&kernel_size=48&padding=24&stride=1"
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, f"/api/max_pool2d/shape?{query}"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    statuses = result.stdout.split()
    if result.returncode != 0 or len(statuses) != 2 or statuses[0] != "200":
        raise RuntimeError(f"the probe itself failed: {result.returncode} {result.stdout!r} {result.stderr[-2000:]}")
    assert int(statuses[1]) < 500, f"GET /api/max_pool2d/shape?{query} -> {statuses[1]}"
