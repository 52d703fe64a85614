"""The transfer-learning endpoints, through the app."""

import numpy as np
import orjson
import pytest
from fastapi.testclient import TestClient

from app.transfer import digits, model
from app.transfer import training as transfer


def _lines(text: str) -> list[dict]:
    return [orjson.loads(line) for line in text.splitlines()]


def test_model_describes_layers_filters_and_held_out_accuracy(client: TestClient) -> None:
    body = client.get("/api/transfer/model").json()
    assert [(x["name"], x["output"], x["params"], x["when_reused"]) for x in body["layers"]] == [
        ("conv1", [8, 8, 8], 80, "frozen"),
        ("relu1", [8, 8, 8], 0, "frozen"),
        ("pool1", [8, 4, 4], 0, "frozen"),
        ("conv2", [16, 4, 4], 1168, "frozen"),
        ("relu2", [16, 4, 4], 0, "frozen"),
        ("pool2", [16, 2, 2], 0, "frozen"),
        ("flatten", [64], 0, "frozen"),
        ("fc", [5], 325, "replaced"),
    ]
    assert body["params"] == 1573 and body["new_task"] == {"classes": [5, 6, 7, 8, 9], "trainable": 325}
    assert body["filters"] == model.weights()["conv1.weight"].tolist()
    assert body["held_out"] == model.metadata()["held_out"]
    assert "CC BY 4.0" in body["data"] and "scikit-learn" in body["data"]


def test_gallery_has_three_held_out_digits_of_each_kind(client: TestClient) -> None:
    items = client.get("/api/transfer/gallery").json()["items"]
    assert [i["label"] for i in items] == [d for d in range(10) for _ in range(3)]
    held_out = set(digits.split("test", tuple(range(10))).index.tolist())
    images, _ = digits.load()
    for item in items:
        assert item["index"] in held_out
        assert item["pixels"] == images[item["index"]].astype(int).tolist()


def test_activations_equal_the_ops_for_a_held_out_seven(client: TestClient) -> None:
    item = next(i for i in client.get("/api/transfer/gallery").json()["items"] if i["label"] == 7)
    body = client.get(f"/api/transfer/activations?index={item['index']}").json()
    assert (body["label"], body["split"], body["task"]) == (7, "held_out", "new")
    expected = transfer.activations(model.weights(), digits.load()[0][item["index"]] / 16)
    assert [x["name"] for x in body["layers"]] == [a.name for a in expected]
    for got, want in zip(body["layers"], expected, strict=True):
        assert got["shape"] == list(want.values.shape)
        np.testing.assert_array_equal(np.array(got["values"]), want.values)
    assert body["prediction"] in (0, 1, 2, 3, 4)  # it can only answer with a digit it learned
    assert body["probabilities"] == body["layers"][-1]["values"]


def test_train_streams_a_header_every_epoch_and_done(client: TestClient) -> None:
    response = client.get("/api/transfer/train?shots=2&epochs=30&lr=0.02&seed=1")
    assert response.status_code == 200 and response.headers["content-type"] == "application/x-ndjson"
    lines = _lines(response.text)
    header, epochs, done = lines[0], lines[1:-1], lines[-1]
    assert header["type"] == "header" and (header["shots"], header["epochs"], header["lr"], header["seed"]) == (
        2,
        30,
        0.02,
        1,
    )
    assert [e["label"] for e in header["examples"]] == [5, 5, 6, 6, 7, 7, 8, 8, 9, 9]
    assert header["trainable"] == {"transfer": 325, "scratch": 1573} and header["held_out"] == 225
    assert [e["epoch"] for e in epochs] == list(range(1, 31)) and all(e["type"] == "epoch" for e in epochs)
    assert done == {"type": "done", "epochs": 30, "transfer": epochs[-1]["transfer"], "scratch": epochs[-1]["scratch"]}
    assert _lines(client.get("/api/transfer/train?shots=2&epochs=30&lr=0.02&seed=1").text) == lines


def test_train_figures_are_real_held_out_accuracies(client: TestClient) -> None:
    """225 held-out digits: every accuracy is a whole number of them."""
    done = _lines(client.get("/api/transfer/train?shots=5&epochs=100").text)[-1]
    for run in ("transfer", "scratch"):
        correct = done[run]["test_accuracy"] * 225
        assert abs(correct - round(correct)) < 1e-9 and done[run]["train_accuracy"] == 1.0
    figures = {run: round(done[run]["test_accuracy"] * 225) for run in ("transfer", "scratch")}
    print(f"5 shots, 100 epochs, held-out digits right of 225: {figures}")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("/api/transfer/train?shots=0", "shots: got 0; must be >= 1"),
        ("/api/transfer/train?shots=21", "shots: got 21; must be <= 20"),
        ("/api/transfer/train?shots=two", "shots: got 'two'; must be a whole number"),
        ("/api/transfer/train?epochs=301", "epochs: got 301; must be <= 300"),
        ("/api/transfer/train?lr=0", "lr: got 0; must be > 0"),
        ("/api/transfer/train?lr=2", "lr: got 2; must be <= 1"),
        ("/api/transfer/train?lr=nan", "lr: got 'nan'; must be a finite number (not NaN or Infinity)"),
        ("/api/transfer/train?seed=-1", "seed: got -1; must be >= 0"),
        ("/api/transfer/train?batch=3", "batch: got 3; is not a parameter of this operation"),
        ("/api/transfer/activations?index=1797", "index: got 1797; must be <= 1796"),
        ("/api/transfer/activations?index=-1", "index: got -1; must be >= 0"),
    ],
)
def test_bad_settings_get_422_naming_parameter_value_and_rule(client: TestClient, query: str, message: str) -> None:
    response = client.get(query)
    assert response.status_code == 422
    assert response.json()["message"] == message
