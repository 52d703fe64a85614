"""Lesson 12's exercises over HTTP: GET /api/exercises/{kind} and POST .../answer for
transpose_size, transpose_sources and weight_grad. A seed's question and answer pinned, query
strings read as numbers, the answer kept back until asked, and every refusal a 422 naming its
parameter in the project's error shape (the rules themselves: tests/lessons/test_exercises_going_up.py).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

KINDS = ("transpose_size", "transpose_sources", "weight_grad")


def get(client: TestClient, kind: str, **params: Any) -> Any:
    return client.get(f"/api/exercises/{kind}", params=params)


def answer(client: TestClient, kind: str, seed: int, params: dict[str, Any], value: Any) -> Any:
    return client.post(f"/api/exercises/{kind}/answer", json={"seed": seed, "params": params, "answer": value})


def problem(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) == {"message", "detail"}
    assert body["message"] == body["detail"][0]["msg"]
    return dict(body["detail"][0])


def test_the_kinds_are_listed_with_their_params(client: TestClient) -> None:
    listed = {k["kind"]: k for k in client.get("/api/exercises").json()["kinds"]}
    assert listed["transpose_size"]["params"] == ["H_in", "K", "S", "P", "output_padding"]
    assert listed["transpose_sources"]["params"] == ["size", "K", "S", "P"]
    assert listed["weight_grad"]["params"] == ["size", "kernel_size", "stride", "padding"]
    assert list(listed)[-3:] == list(KINDS)


def test_transpose_size_for_a_seed(client: TestClient) -> None:
    body = get(client, "transpose_size", seed=3).json()
    assert body == {
        "kind": "transpose_size",
        "seed": 3,
        "params": {"H_in": 13, "K": 3, "S": 2, "P": 0, "output_padding": 0},
        "prompt": "A 13x13 feature map goes through nn.ConvTranspose2d with kernel_size=3, stride=2, padding=0 and "
        "output_padding=0: how many rows does its output have?",
        "figures": [],
        "answer_format": "integer",
        "choices": None,
        "unit": "rows",
        "tolerance": None,
        "code": None,
    }
    verdict = answer(client, "transpose_size", 3, body["params"], 27).json()
    assert verdict == {
        "correct": True,
        "expected": 27,
        "explanation": "O = (W - 1)×S - 2P + D×(K - 1) + output_padding + 1 = (13 - 1)×2 - 2×0 + 1×(3 - 1) + 0 + 1 "
        "= 27: 27 outputs along the height. Read backwards: a conv2d with kernel 3, stride 2, padding 0 turns a "
        "height of 27 or 28 into 13: output_padding 0 picks 27.",
    }
    assert answer(client, "transpose_size", 3, body["params"], 26).json()["correct"] is False


def test_transpose_size_from_query_strings(client: TestClient) -> None:
    query = {"H_in": "4", "K": "3", "S": "2", "P": "1", "output_padding": "1"}
    body = get(client, "transpose_size", seed=0, **query).json()
    assert body["params"] == {"H_in": 4, "K": 3, "S": 2, "P": 1, "output_padding": 1}
    verdict = answer(client, "transpose_size", 0, body["params"], 8).json()
    assert verdict["correct"] is True and verdict["expected"] == 8
    assert verdict["explanation"].endswith("turns a height of 7 or 8 into 4: output_padding 1 picks 8.")


def test_transpose_sources_for_a_seed(client: TestClient) -> None:
    body = get(client, "transpose_sources", seed=4).json()
    assert body["params"] == {"size": 2, "K": 4, "S": 2, "P": 1}
    assert body["prompt"] == (
        "nn.ConvTranspose2d with a 4x4 kernel, stride 2 and padding 1 takes a 2x2 input to a 4x4 output: "
        "how many input cells add a product into output row 1, column 0?"
    )
    assert body["unit"] == "input cells" and body["answer_format"] == "integer" and body["figures"] == []
    revealed = answer(client, "transpose_sources", 4, body["params"], None).json()
    assert revealed["correct"] is False and revealed["expected"] == 2
    assert "(0, 0) and (1, 0)" in revealed["explanation"]
    assert answer(client, "transpose_sources", 4, body["params"], 2).json()["correct"] is True
    assert answer(client, "transpose_sources", 4, body["params"], 4).json()["correct"] is False


def test_weight_grad_for_a_seed(client: TestClient) -> None:
    body = get(client, "weight_grad", seed=5).json()
    assert body["params"] == {"size": 4, "kernel_size": 2, "stride": 2, "padding": 1}
    assert body["prompt"] == (
        "A 4x4 input goes through a 2x2 convolution with stride 2 and zero padding 1, and grad_output holds the "
        "loss's gradient for each output: what is the gradient of the kernel weight at row 0, column 0?"
    )
    assert body["figures"] == [
        {"label": "Input", "values": [[1, 0, 3, 0], [0, 1, 2, 0], [0, 0, 2, 3], [0, 0, 1, 3]]},
        {"label": "grad_output", "values": [[1, 0, -2], [0, 0, 1], [0, 0, -2]]},
    ]
    verdict = answer(client, "weight_grad", 5, body["params"], -6).json()
    assert verdict["correct"] is True and verdict["expected"] == -6
    assert "3×(-2) = -6." in verdict["explanation"]
    assert answer(client, "weight_grad", 5, body["params"], 6).json()["correct"] is False


def test_the_weight_grad_answer_is_the_apis_own_gradient(client: TestClient) -> None:
    """The exercise's answer equals grad_weight from POST /api/conv2d_backward/trace on the same numbers."""
    body = get(client, "weight_grad", seed=5).json()
    x, g = (f["values"] for f in body["figures"])
    trace = client.post(
        "/api/conv2d_backward/trace",
        json={
            "input": [x],
            "weight": [[[[1, 1], [1, 1]]]],
            "bias": None,
            "grad_output": [g],
            "stride": 2,
            "padding": 1,
            "gradient": "grad_weight",
        },
    )
    assert trace.status_code == 200, trace.text
    done = json.loads(trace.text.splitlines()[-1])
    assert done["type"] == "done" and done["grad_weight"][0][0][0][0] == -6


@pytest.mark.parametrize(
    ("kind", "query", "param", "message"),
    [
        ("transpose_size", {"H_in": "0"}, "H_in", "H_in: got 0; must be from 1 to 256"),
        ("transpose_size", {"H_in": "four"}, "H_in", "H_in: got 'four'; must be a whole number from 1 to 256"),
        ("transpose_size", {"K": "16"}, "K", "K: got 16; must be from 1 to 15"),
        ("transpose_size", {"S": "0"}, "S", "S: got 0; must be from 1 to 16"),
        ("transpose_size", {"P": "17"}, "P", "P: got 17; must be from 0 to 16"),
        ("transpose_size", {"output_padding": "-1"}, "output_padding", "output_padding: got -1; must be from 0 to 15"),
        (
            "transpose_size",
            {"S": "2", "output_padding": "2"},
            "output_padding",
            "output_padding: got 2; must be smaller than the stride (2) or the dilation (1) along the height, as in "
            "PyTorch: it adds back cells that a stride-2 convolution floors away",
        ),
        (
            "transpose_size",
            {"H_in": "1", "K": "1", "S": "3", "P": "1", "output_padding": "0"},
            "P",
            "P: got 1; the output's height would be (1 - 1)×3 - 2×1 + 1×(1 - 1) + 0 + 1 = -1, and it must be at "
            "least 1: use less padding",
        ),
        (
            "transpose_size",
            {"W": "3"},
            "W",
            "W: got 3; is not a parameter of transpose_size, which takes H_in, K, S, P, output_padding",
        ),
        ("transpose_sources", {"size": "7"}, "size", "size: got 7; must be from 2 to 6"),
        ("transpose_sources", {"K": "0"}, "K", "K: got 0; must be from 1 to 5"),
        ("transpose_sources", {"S": "5"}, "S", "S: got 5; must be from 1 to 4"),
        ("transpose_sources", {"P": "true"}, "P", "P: got true; must be a whole number from 0 to 4"),
        (
            "transpose_sources",
            {"size": "2", "K": "1", "S": "1", "P": "4"},
            "P",
            "P: got 4; the output's height would be (2 - 1)×1 - 2×4 + 1×(1 - 1) + 0 + 1 = -6, and it must be at "
            "least 1: use less padding",
        ),
        ("weight_grad", {"size": "2"}, "size", "size: got 2; must be from 3 to 6"),
        (
            "weight_grad",
            {"kernel_size": "1.5"},
            "kernel_size",
            "kernel_size: got 1.5; must be a whole number from 1 to 3",
        ),
        ("weight_grad", {"stride": "3"}, "stride", "stride: got 3; must be from 1 to 2"),
        ("weight_grad", {"padding": "2"}, "padding", "padding: got 2; must be from 0 to 1"),
        (
            "weight_grad",
            {"gradient": "grad_input"},
            "gradient",
            "gradient: got 'grad_input'; is not a parameter of weight_grad, which takes size, kernel_size, stride, "
            "padding",
        ),
        ("weight_grad", {"seed": "-1"}, "seed", "seed: got -1; must be a whole number from 0 to 2147483647"),
    ],
)
def test_bad_query_params_are_422(
    client: TestClient, kind: str, query: dict[str, str], param: str, message: str
) -> None:
    found = problem(client.get(f"/api/exercises/{kind}", params=query))
    assert found["msg"] == message
    assert found["loc"] == ["query", param] and found["param"] == param


@pytest.mark.parametrize(
    ("kind", "params", "param", "message"),
    [
        (
            "transpose_size",
            {"S": 1, "output_padding": 1},
            "output_padding",
            "output_padding: got 1; must be smaller than the stride (1) or the dilation (1) along the height, as in "
            "PyTorch: it adds back cells that a stride-1 convolution floors away",
        ),
        ("transpose_sources", {"size": 2.0}, "size", "size: got 2.0; must be a whole number from 2 to 6"),
        ("weight_grad", {"padding": -1}, "padding", "padding: got -1; must be from 0 to 1"),
    ],
)
def test_bad_answer_params_are_422(
    client: TestClient, kind: str, params: dict[str, Any], param: str, message: str
) -> None:
    found = problem(answer(client, kind, 0, params, 1))
    assert found["loc"] == ["body", "params", param] and found["msg"] == message


@pytest.mark.parametrize("kind", KINDS)
def test_bad_answers_are_422(client: TestClient, kind: str) -> None:
    found = problem(answer(client, kind, 0, {}, "two"))
    assert found["loc"] == ["body", "answer"] and found["msg"] == "answer: got 'two'; must be a whole number"
    found = problem(answer(client, kind, 0, {}, [1]))
    assert found["msg"] == "answer: got [1]; must be a finite number, a choice (its index or its text), or null"
