"""Every bad request is refused before streaming starts, with the exact status and message pinned.

The body is always {"message", "detail": [{"loc", "param", "received", "rule", "msg"}]}; the message is
the first problem in one sentence. No case here may give a 5xx, a 200 or a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.live import run_async
from tests.ndjson import error

PAIR_TEXT = "must be one or two whole numbers >= 0 of at most 4 digits, like 2 or 2,3"
X3 = [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]
W2 = [[[[1, 0], [0, 1]]]]
JSON = {"content-type": "application/json"}
MiB = 1024 * 1024
RELU = "/api/relu/trace"
ROOT = Path(__file__).resolve().parents[2]
BODY_CAP = "must be at most 8,388,608 bytes (the cap in settings)"
NOT_AN_OBJECT = "must be a JSON object sent with Content-Type: application/json"
BIAS_RULE = "must be true, false, or one number per filter, like 1,-1"


def big_input(channels: int, side: int = 256) -> list[list[list[int]]]:
    return [[[0] * side for _ in range(side)] for _ in range(channels)]


GET_CASES: list[tuple[str, str, dict[str, Any], int, str]] = [
    # id, path, query, status, message
    ("stride-0", "/api/conv2d/trace", {"stride": 0}, 422, "stride: got 0; must be from 1 to 16"),
    ("stride-negative", "/api/conv2d/trace", {"stride": -1}, 422, f"stride: got -1; {PAIR_TEXT}"),
    ("stride-text", "/api/conv2d/trace", {"stride": "abc"}, 422, f"stride: got 'abc'; {PAIR_TEXT}"),
    ("stride-pair-0", "/api/conv2d/trace", {"stride": "0,1"}, 422, "stride: got (0, 1); must be from 1 to 16"),
    ("pool-stride-0", "/api/max_pool2d/trace", {"stride": 0}, 422, "stride: got 0; must be from 1 to 16"),
    ("dilation-0", "/api/conv2d/trace", {"dilation": 0}, 422, "dilation: got 0; must be from 1 to 8"),
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
        "input: got rows of 2 and 1 values; every row (separated by ';') must have the same size",
    ),
    (
        "ragged-channels",
        "/api/relu/trace",
        {"input": "1,2|3"},
        422,
        "input: got channels of 1x2 and 1x1; every channel (separated by '|') must have the same size",
    ),
    (
        "ragged-weight",
        "/api/conv2d/trace",
        {"weight": "1,2;3"},
        422,
        "weight: got rows of 2 and 1 values; every row (separated by ';') must have the same size",
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
        "input: got 'nan'; values must be finite numbers (no NaN or Inf)",
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
        "padding_mode: got 'mirror'; must be one of 'zeros', 'reflect', 'replicate' or 'circular'",
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
    ("groups-0", "/api/conv2d/trace", {"groups": 0}, 422, "groups: got 0; must be >= 1"),
    (
        "weight-channels",
        "/api/conv2d/trace",
        {"weight": "1,2;3,4", "in_channels": 3},
        422,
        "weight: got an array of shape (1, 1) + kernel; each filter must have in_channels/groups = 3/1 = 3 channels",
    ),
    (
        "bias-count",
        "/api/conv2d/trace",
        {"bias": "1,2"},
        422,
        "bias: got 2 values; must have one value per filter (1)",
    ),
    ("p-1", "/api/dropout/trace", {"p": 1}, 422, "p: got 1; must be < 1"),
    ("p-negative", "/api/dropout/trace", {"p": -0.1}, 422, "p: got -0.1; must be >= 0"),
    (
        "p-nan",
        "/api/dropout/trace",
        {"p": "nan"},
        422,
        "p: got 'nan'; must be a finite number (not NaN or Infinity)",
    ),
    ("norm-type-0", "/api/lp_pool2d/trace", {"norm_type": 0}, 422, "norm_type: got 0; must be > 0"),
    (
        "divisor-override-0",
        "/api/avg_pool2d/trace",
        {"divisor_override": 0},
        422,
        "divisor_override: got 0; must be >= 1",
    ),
    (
        "ceil-mode-text",
        "/api/max_pool2d/trace",
        {"ceil_mode": "maybe"},
        422,
        "ceil_mode: got 'maybe'; must be true or false",
    ),
    (
        "detail-unknown",
        "/api/conv2d/trace",
        {"detail": "verbose"},
        422,
        "detail: got 'verbose'; must be one of 'auto', 'full' or 'compact'",
    ),
    ("seed-negative", "/api/conv2d/trace", {"seed": -1}, 422, "seed: got -1; must be >= 0"),
    (
        "height-float-text",
        "/api/conv2d/trace",
        {"height": "1e3"},
        422,
        "height: got '1e3'; must be a whole number",
    ),
    (
        "height-over-cap",
        "/api/conv2d/trace",
        {"height": 1000},
        422,
        "height: got 1000; must be <= 256",
    ),
    (
        "in-channels-over-cap",
        "/api/conv2d/trace",
        {"in_channels": 65},
        422,
        "in_channels: got 65; must be <= 64",
    ),
    ("unknown-parameter", "/api/conv2d/trace", {"foo": 1}, 422, "foo: got 1; is not a parameter of this operation"),
    (
        "pool-parameter-on-conv",
        "/api/conv2d/trace",
        {"ceil_mode": "true"},
        422,
        "ceil_mode: got 'true'; is not a parameter of this operation",
    ),
    (
        "elements-over-cap",
        "/api/conv2d/trace",
        {"in_channels": 64, "height": 256, "width": 256},
        413,
        "in_channels x height x width: got 64x256x256 = 4,194,304 values; the cap is 196,608 values",
    ),
    (
        "elements-over-cap-shape",
        "/api/max_pool2d/shape",
        {"in_channels": 64, "height": 256, "width": 256},
        413,
        "in_channels x height x width: got 64x256x256 = 4,194,304 values; the cap is 196,608 values",
    ),
    (
        "macs-over-cap",
        "/api/conv2d/trace",
        {"in_channels": 3, "height": 256, "width": 256, "out_channels": 64, "kernel_size": 15},
        413,
        "out_channels: got 64 filters of 675 weights at 242x242 positions, 2,529,964,800 multiply-adds; "
        "the cap is 120,000,000: use a smaller input, fewer or smaller filters, or a larger stride",
    ),
    (
        "full-detail-over-cap",
        "/api/relu/trace",
        {"in_channels": 3, "height": 256, "width": 256, "detail": "full"},
        413,
        "detail: got 'full'; this trace has 196,608 steps of 6 numbers each; full detail is capped at "
        "100,000 steps and 10,000,000 numbers: ask for detail=compact",
    ),
    (
        "compact-detail-over-cap",
        "/api/conv2d/trace",
        {"in_channels": 3, "height": 256, "width": 256, "out_channels": 64, "kernel_size": 1},
        413,
        "steps: got 4,194,304 steps; a trace may have at most 2,000,000 steps: use a smaller input or fewer filters",
    ),
    # GET parameters have the bounds a POST body has
    ("stride-over-cap", "/api/conv2d/trace", {"stride": 99}, 422, "stride: got 99; must be from 1 to 16"),
    ("stride-pair-over-cap", "/api/conv2d/trace", {"stride": "1,99"}, 422, "stride: got (1, 99); must be from 1 to 16"),
    ("pool-stride-over-cap", "/api/avg_pool2d/trace", {"stride": 17}, 422, "stride: got 17; must be from 1 to 16"),
    ("padding-over-cap", "/api/conv2d/trace", {"padding": 17}, 422, "padding: got 17; must be from 0 to 16"),
    ("dilation-over-cap", "/api/conv2d/trace", {"dilation": 9}, 422, "dilation: got 9; must be from 1 to 8"),
    (
        "pool-dilation-over-cap",
        "/api/max_pool2d/trace",
        {"dilation": "2,9"},
        422,
        "dilation: got (2, 9); must be from 1 to 8",
    ),
    (
        "pool-kernel-over-cap",
        "/api/max_pool2d/trace",
        {"kernel_size": 16},
        422,
        "kernel_size: got 16; must be from 1 to 15",
    ),
    (
        "padding-text",
        "/api/conv2d/trace",
        {"padding": "full"},
        422,
        "padding: got 'full'; must be one or two whole numbers >= 0 (like 1 or 1,2), or 'same' or 'valid'",
    ),
    # text arrays over the caps on each dimension
    (
        "input-columns-over-cap",
        RELU,
        {"input": ",".join(["0"] * 300)},
        413,
        "input: got 300 columns; the cap is 256 columns",
    ),
    ("input-rows-over-cap", RELU, {"input": ";".join(["0"] * 257)}, 413, "input: got 257 rows; the cap is 256 rows"),
    (
        "input-channels-over-cap",
        RELU,
        {"input": "|".join(["0"] * 65)},
        413,
        "input: got 65 channels; the cap is 64 channels",
    ),
    (
        "weight-kernel-over-cap",
        "/api/conv2d/trace",
        {"weight": ",".join(["0"] * 16)},
        413,
        "weight: got 16 kernel columns; the cap is 15 kernel columns",
    ),
    (
        "weight-filters-over-cap",
        "/api/conv2d/trace",
        {"weight": "/".join(["1"] * 300)},
        413,
        "weight: got 300 filters; the cap is 64 filters",
    ),
    # bias: true, false, or the values themselves
    ("bias-junk", "/api/conv2d/trace", {"bias": "maybe"}, 422, f"bias: got 'maybe'; {BIAS_RULE}"),
    ("bias-yes", "/api/conv2d/trace", {"bias": "yes"}, 422, f"bias: got 'yes'; {BIAS_RULE}"),
    ("bias-not-numbers", "/api/conv2d/trace", {"bias": "1,x"}, 422, f"bias: got '1,x'; {BIAS_RULE}"),
    # work caps: windows gathered, numbers in a full trace
    (
        "pool-window-over-cap",
        "/api/max_pool2d/trace",
        {"in_channels": 3, "height": 256, "width": 256, "kernel_size": 15, "padding": 7, "stride": 1},
        413,
        "kernel_size: got 15x15 windows at 256x256 positions over 3 channels, 44,236,800 values to gather; "
        "the cap is 8,000,000: use a smaller input, kernel or padding, or a larger stride",
    ),
    (
        "pool-window-over-cap-one-channel",
        "/api/avg_pool2d/shape",
        {"height": 256, "width": 256, "kernel_size": 15, "padding": 7, "stride": 1},
        413,
        "kernel_size: got 15x15 windows at 256x256 positions over 1 channel, 14,745,600 values to gather; "
        "the cap is 8,000,000: use a smaller input, kernel or padding, or a larger stride",
    ),
    (
        "full-detail-numbers-over-cap",
        "/api/conv2d/trace",
        {"in_channels": 64, "height": 24, "width": 24, "kernel_size": 15, "out_channels": 64, "detail": "full"},
        413,
        "detail: got 'full'; this trace has 6,400 steps of 28,876 numbers each; full detail is capped at "
        "100,000 steps and 10,000,000 numbers: ask for detail=compact",
    ),
]

POST_CASES: list[tuple[str, str, dict[str, Any], int, str]] = [
    (
        "stride-bool",
        "/api/conv2d/trace",
        {"input": X3, "weight": W2, "stride": True},
        422,
        "stride: got true; must be a whole number or a pair [height, width] of them, each from 1 to 16",
    ),
    (
        "stride-fraction",
        "/api/conv2d/trace",
        {"input": X3, "weight": W2, "stride": 1.5},
        422,
        "stride: got 1.5; must be a whole number or a pair [height, width] of them, each from 1 to 16",
    ),
    (
        "stride-0",
        "/api/conv2d/trace",
        {"input": X3, "weight": W2, "stride": 0},
        422,
        "stride: got 0; must be a whole number or a pair [height, width] of them, each from 1 to 16",
    ),
    (
        "stride-triple",
        "/api/conv2d/trace",
        {"input": X3, "weight": W2, "stride": [1, 2, 3]},
        422,
        "stride: got [1, 2, 3]; must be a whole number or a pair [height, width] of them, each from 1 to 16",
    ),
    (
        "training-int",
        "/api/dropout/trace",
        {"input": X3, "training": 1},
        422,
        "training: got 1; must be true or false",
    ),
    (
        "norm-type-bool",
        "/api/lp_pool2d/trace",
        {"input": X3, "norm_type": True},
        422,
        "norm_type: got true; must be a number",
    ),
    (
        "kernel-over-input",
        "/api/conv2d/trace",
        {"input": X3, "weight": [[[[1] * 4] * 4]]},
        422,
        "weight: got kernels of 4x4; the kernel's height, 4, must fit in the padded input's height, 3 + 0 + 0 = 3",
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
        "input: got input[0][1] with 2 items where input[0][0] has 3; every row must have the same length "
        "(the array must not be ragged)",
    ),
    (
        "ragged-channels",
        "/api/relu/trace",
        {"input": [[[1, 2]], [[3, 4], [5, 6]]]},
        422,
        "input: got input[1] with 2 items where input[0] has 1; every row must have the same length "
        "(the array must not be ragged)",
    ),
    (
        "ragged-weight",
        "/api/conv2d/trace",
        {"input": X3, "weight": [[[[1, 0], [0]]]]},
        422,
        "weight: got weight[0][0][1] with 1 items where weight[0][0][0] has 2; every row must have the same length "
        "(the array must not be ragged)",
    ),
    (
        "empty-input",
        "/api/relu/trace",
        {"input": []},
        422,
        "input: got []; must have at least 1 item",
    ),
    (
        "string-value",
        "/api/relu/trace",
        {"input": [[[1, "a"]]]},
        422,
        "input[0][0][1]: got 'a'; must be a number",
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
        "bias: got 2 values; must have one value per filter (1)",
    ),
    ("p-1", "/api/dropout/trace", {"input": X3, "p": 1}, 422, "p: got 1; must be < 1"),
    ("p-1.0", "/api/dropout/trace", {"input": X3, "p": 1.0}, 422, "p: got 1.0; must be < 1"),
    (
        "p-negative",
        "/api/dropout/trace",
        {"input": X3, "p": -0.1},
        422,
        "p: got -0.1; must be >= 0",
    ),
    (
        "padding-over-cap",
        "/api/conv2d/trace",
        {"input": X3, "weight": W2, "padding": 17},
        422,
        "padding: got 17; must be a whole number or a pair [height, width] of them (each from 0 to 16), "
        "or 'same' or 'valid'",
    ),
    (
        "pool-kernel-over-cap",
        "/api/max_pool2d/trace",
        {"input": X3, "kernel_size": 16},
        422,
        "kernel_size: got 16; must be a whole number or a pair [height, width] of them, each from 1 to 15",
    ),
    (
        "unknown-field",
        "/api/conv2d/trace",
        {"input": X3, "weight": W2, "foo": 1},
        422,
        "foo: got 1; is not a parameter of this operation",
    ),
    ("missing-input", "/api/relu/trace", {}, 422, "input: got nothing; this field is required"),
    (
        "elements-over-cap",
        "/api/relu/trace",
        {"input": big_input(4)},
        413,
        "input: got 4x256x256 = 262,144 values; the cap is 196,608 values",
    ),
    (
        "full-detail-over-cap",
        "/api/relu/trace",
        {"input": big_input(2), "detail": "full"},
        413,
        "detail: got 'full'; this trace has 131,072 steps of 6 numbers each; full detail is capped at "
        "100,000 steps and 10,000,000 numbers: ask for detail=compact",
    ),
    (
        "macs-over-cap",
        "/api/conv2d/trace",
        {"input": big_input(3, 128), "weight": [[[[0] * 15] * 15] * 3] * 64},
        413,
        "out_channels: got 64 filters of 675 weights at 114x114 positions, 561,427,200 multiply-adds; "
        "the cap is 120,000,000: use a smaller input, fewer or smaller filters, or a larger stride",
    ),
    (
        "pool-window-over-cap",
        "/api/max_pool2d/trace",
        {"input": big_input(3), "kernel_size": 15, "padding": 7, "stride": 1},
        413,
        "kernel_size: got 15x15 windows at 256x256 positions over 3 channels, 44,236,800 values to gather; "
        "the cap is 8,000,000: use a smaller input, kernel or padding, or a larger stride",
    ),
]

RAW_CASES: list[tuple[str, str, bytes, dict[str, str], int, str]] = [
    # id, path, body bytes, headers, status, message
    (
        "nan",
        RELU,
        b'{"input": [[[1, NaN]]]}',
        JSON,
        422,
        "input[0][0][1]: got nan; must be a finite number (not NaN or Infinity)",
    ),
    (
        "infinity",
        RELU,
        b'{"input": [[[1, Infinity]]]}',
        JSON,
        422,
        "input[0][0][1]: got inf; must be a finite number (not NaN or Infinity)",
    ),
    (
        "minus-infinity",
        RELU,
        b'{"input": [[[-Infinity]]]}',
        JSON,
        422,
        "input[0][0][0]: got -inf; must be a finite number (not NaN or Infinity)",
    ),
    (
        "nan-parameter",
        "/api/dropout/trace",
        b'{"input": [[[1]]], "p": NaN}',
        JSON,
        422,
        "p: got nan; must be a finite number (not NaN or Infinity)",
    ),
    (
        "malformed-json",
        RELU,
        b'{"input": [[[1, 2]]',
        JSON,
        422,
        "body: got malformed JSON at character 19; must be JSON (Expecting ',' delimiter)",
    ),
    (
        "trailing-garbage",
        RELU,
        b'{"input": [[[1]]]}garbage',
        JSON,
        422,
        "body: got malformed JSON at character 18; must be JSON (Extra data)",
    ),
    (
        "not-utf8",
        RELU,
        b"\xff\xfe",
        JSON,
        422,
        "body: got malformed JSON at character 0; must be JSON (Expecting value)",
    ),
    (
        "json-array",
        RELU,
        b"[1, 2]",
        JSON,
        422,
        f"body: got a JSON list, [1, 2]; {NOT_AN_OBJECT}",
    ),
    ("empty-body", RELU, b"", JSON, 422, f"body: got no body; {NOT_AN_OBJECT}"),
    (
        "text-plain",
        RELU,
        b'{"input": [[[1, 2]]]}',
        {"content-type": "text/plain"},
        422,
        f"body: got 21 bytes that are not a JSON object; {NOT_AN_OBJECT}",
    ),
    (
        "no-content-type",
        RELU,
        b'{"input": [[[1, 2]]]}',
        {},
        422,
        f"body: got 21 bytes that are not a JSON object; {NOT_AN_OBJECT}",
    ),
    (
        "too-deep",
        RELU,
        b"[" * 100_000,
        JSON,
        422,
        "body: got an unreadable body; must be a JSON object that can be parsed (not nested too deeply, valid UTF-8)",
    ),
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
def test_get_refused(client: TestClient, path: str, query: dict[str, Any], status: int, message: str) -> None:
    check_refusal(*error(client, "GET", path, params=query), status, message)


@pytest.mark.parametrize(
    ("path", "body", "status", "message"), [c[1:] for c in POST_CASES], ids=[c[0] for c in POST_CASES]
)
def test_post_refused(client: TestClient, path: str, body: dict[str, Any], status: int, message: str) -> None:
    check_refusal(*error(client, "POST", path, json=body), status, message)


@pytest.mark.parametrize(
    ("path", "content", "headers", "status", "message"), [c[1:] for c in RAW_CASES], ids=[c[0] for c in RAW_CASES]
)
def test_raw_body_refused(
    client: TestClient, path: str, content: bytes, headers: dict[str, str], status: int, message: str
) -> None:
    check_refusal(*error(client, "POST", path, content=content, headers=headers), status, message)


def test_query_loc_and_received_are_the_parameter_and_value(client: TestClient) -> None:
    _, body, _ = error(client, "GET", "/api/conv2d/trace", params={"stride": 0})
    assert body["detail"] == [
        {
            "loc": ["query", "stride"],
            "param": "stride",
            "received": 0,
            "rule": "must be from 1 to 16",
            "msg": "stride: got 0; must be from 1 to 16",
        }
    ]
    _, body, _ = error(client, "POST", "/api/relu/trace", content=b'{"input": [[[1, NaN]]]}', headers=JSON)
    assert body["detail"][0]["loc"] == ["body", "input", 0, 0, 1]
    assert body["detail"][0]["received"] == "nan"


@pytest.mark.parametrize(
    ("method", "path", "status", "message"),
    [
        ("GET", "/api/nope/trace", 404, "Not Found"),
        ("GET", "/api/conv2d/nope", 404, "Not Found"),
        ("POST", "/api/nope/trace", 404, "Not Found"),
    ],
)
def test_unknown_routes_answer_json(client: TestClient, method: str, path: str, status: int, message: str) -> None:
    got_status, body, _ = error(client, method, path)
    assert (got_status, body) == (status, {"message": message, "detail": []})


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        # Two routes share the trace path: Starlette alone said "Allow: POST" (its first route's methods).
        # Every GET route answers HEAD too (app/http/head.py), so HEAD is named wherever GET is.
        ("OPTIONS", "/api/conv2d/trace", "GET, HEAD, POST"),
        ("PUT", "/api/conv2d/trace", "GET, HEAD, POST"),
        ("HEAD", "/api/exercises/output_size/answer", "POST"),  # a HEAD is its GET: refused where GET is
        ("DELETE", "/api/relu/trace", "GET, HEAD, POST"),
        ("POST", "/api/conv2d/shape", "GET, HEAD"),
        ("OPTIONS", "/api/stack/shape", "POST"),
        ("GET", "/api/exercises/output_size/answer", "POST"),
        ("POST", "/healthz", "GET, HEAD"),
        ("POST", "/static/js/core/config.js", "GET, HEAD"),  # StaticFiles' own refusal
    ],
)
def test_method_not_allowed_names_every_method_of_the_path(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path)
    assert (response.status_code, response.headers["allow"]) == (405, allow)
    if method == "HEAD":
        assert response.content == b""
        return
    rule = f"{path} allows {allow}"
    message = f"method: got '{method}'; {rule}"
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "message": message,
        "detail": [{"loc": ["method"], "param": "method", "received": method, "rule": rule, "msg": message}],
    }


def test_chunked_body_over_the_cap_is_413(client: TestClient) -> None:
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
    run_async(lambda: app(scope, receive, send))
    assert reads == 9
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 413
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert body["message"] == f"request body: got 9,437,184 bytes or more; {BODY_CAP}"


def test_body_just_under_the_cap_is_read(client: TestClient) -> None:
    body = b'{"input": [[[1]]]}' + b" " * (8 * MiB - 18)
    assert len(body) == 8 * MiB
    response = client.post("/api/relu/trace", content=body, headers=JSON)
    assert response.status_code == 200


# --- once bugs (strict xfails until the errors rework): huge integers, body strings -----------------------

HUGE = "99999999999999999999"  # > 2**64: orjson cannot encode it as an integer


@pytest.mark.parametrize(
    "query",
    [{"seed": HUGE}, {"height": HUGE}, {"stride": HUGE}, {"detail": HUGE}, {"foo": HUGE}, {"height": "-" + HUGE}],
    ids=["seed", "height", "stride", "detail", "unknown", "negative-height"],
)
def test_huge_integer_in_query_is_a_422_not_a_500(client: TestClient, query: dict[str, str]) -> None:
    status, body, _ = error(client, "GET", "/api/max_pool2d/trace", params=query)
    name, value = next(iter(query.items()))
    assert status == 422
    assert body["message"].startswith(f"{name}: got '{value}'; ")  # text, not a number: it is past 2**53
    assert body["detail"][0]["received"] == value


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"seed": HUGE}, f"seed: got '{HUGE}'; must be <= 2147483647"),
        ({"height": HUGE}, f"height: got '{HUGE}'; must be <= 256"),
        ({"height": "-" + HUGE}, f"height: got '-{HUGE}'; must be >= 1"),
        ({"stride": HUGE}, f"stride: got '{HUGE}'; {PAIR_TEXT}"),
        ({"foo": HUGE}, f"foo: got '{HUGE}'; is not a parameter of this operation"),
        ({"seed": str(2**53)}, f"seed: got '{2**53}'; must be <= 2147483647"),  # the first integer JSON may round
        ({"seed": str(2**53 - 1)}, f"seed: got {2**53 - 1}; must be <= 2147483647"),
    ],
    ids=["seed", "height", "negative-height", "stride", "unknown", "2**53", "2**53-1"],
)
def test_huge_integer_in_query_messages(client: TestClient, query: dict[str, str], message: str) -> None:
    status, body, _ = error(client, "GET", "/api/max_pool2d/trace", params=query)
    assert (status, body["message"]) == (422, message)


@pytest.mark.parametrize("field", ["kernel_size", "stride", "foo"])
def test_huge_integer_in_body_is_a_422_not_a_500(client: TestClient, field: str) -> None:
    content = f'{{"input": [[[1]]], "kernel_size": 1, "{field}": {HUGE}}}'.encode()
    status, body, _ = error(client, "POST", "/api/max_pool2d/trace", content=content, headers=JSON)
    assert status == 422
    assert body["message"].startswith(f"{field}: got {HUGE}; ")  # a JSON number, shown as one
    assert body["detail"][0]["received"] == HUGE  # but sent back as text, which JSON can carry whole


def test_post_string_value_is_shown_as_a_string(client: TestClient) -> None:
    _, body, _ = error(client, "POST", "/api/conv2d/trace", json={"input": X3, "weight": W2, "stride": "2"})
    assert body["detail"][0]["received"] == "2"
    assert (
        body["message"]
        == "stride: got '2'; must be a whole number or a pair [height, width] of them, each from 1 to 16"
    )


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/conv2d/trace", {"input": X3, "weight": W2, "stride": 1.0, "padding": [1.0, 0], "groups": 1.0}),
        ("/api/dropout/trace", {"input": X3, "seed": 123863.0}),
        ("/api/avg_pool2d/trace", {"input": X3, "kernel_size": 2.0, "divisor_override": 3.0}),
        (
            "/api/stack/shape",
            {"input_shape": [1.0, 8, 8], "layers": [{"type": "conv2d", "out_channels": 2.0, "kernel_size": 3.0}]},
        ),
        ("/api/stack/run", {"input_shape": [1, 8, 8], "layers": [{"type": "relu"}], "seed": 7.0}),
    ],
)
def test_a_whole_float_in_a_body_is_the_integer(client: TestClient, path: str, body: dict[str, Any]) -> None:
    """JSON Schema's "integer" (what /openapi.json promises) counts 2.0; true, "2" and 2.5 stay refused."""
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text[:300]


def test_a_whole_float_in_an_answer_body_is_the_integer(client: TestClient) -> None:
    response = client.post("/api/exercises/output_size/answer", json={"seed": 3.0, "answer": None})
    assert response.status_code == 200, response.text[:300]
    assert response.json() == client.post("/api/exercises/output_size/answer", json={"seed": 3, "answer": None}).json()


@pytest.mark.parametrize(
    ("text", "received", "message"),
    [
        ("1e3", "1e3", "height: got '1e3'; must be a whole number"),  # float('1e3') is 1000.0, not written so
        ("1000.0", 1000.0, "height: got 1000.0; must be <= 256"),  # a whole float is read as the integer
        ("2.5", 2.5, "height: got 2.5; must be a whole number"),
        ("0x10", "0x10", "height: got '0x10'; must be a whole number"),
    ],
)
def test_query_value_is_a_number_only_when_written_as_one(
    client: TestClient, text: str, received: object, message: str
) -> None:
    status, body, _ = error(client, "GET", "/api/relu/trace", params={"height": text})
    assert (status, body["message"]) == (422, message)
    assert body["detail"][0]["received"] == received
    assert type(body["detail"][0]["received"]) is type(received)


MEMORY_PROBE = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))  # 2 GiB of address space, no more
from fastapi.testclient import TestClient
from app.main import app
client = TestClient(app, raise_server_exceptions=False)
print(client.get("/api/max_pool2d/shape").status_code, client.get(sys.argv[1]).status_code)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS bounds the probe's memory on Linux only")
@pytest.mark.parametrize(
    ("query", "status"),
    [
        # the largest pooling window GET allows (kernel 15, padding 7) everywhere on 3x256x256: the window cap
        ("in_channels=3&height=256&width=256&kernel_size=15&padding=7&stride=1", 413),
        # the old probe (kernel 48, padding 24, ~3.6 GB of windows): now past the GET bounds
        ("in_channels=3&height=256&width=256&kernel_size=48&padding=24&stride=1", 422),
    ],
    ids=["window-cap", "over-the-bounds"],
)
def test_a_huge_pooling_window_is_not_a_server_error(query: str, status: int) -> None:
    """Once a 500 (MemoryError): max_pool2d gathered every window, C*Ho*Wo*kH*kW float64s, unbounded."""
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
    assert int(statuses[1]) == status, f"GET /api/max_pool2d/shape?{query} -> {statuses[1]}"


def test_openapi_documents_every_error_with_the_body_sent(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in json.dumps(spec)  # FastAPI's own 422 shape: no route sends it
    assert spec["components"]["schemas"]["ErrorBody"]["required"] == ["message", "detail"]
    errors = {"#/components/schemas/ErrorBody", "#/components/schemas/StackErrorBody"}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            if "requestBody" in operation:
                assert {"413", "422"} <= set(responses), (method, path)
            for status, response in responses.items():
                if status[0] in "45":
                    assert response["content"]["application/json"]["schema"]["$ref"] in errors, (method, path, status)
