"""The transfer-learning lesson's API: the trained network, one image through it, and live training.

- GET /api/transfer/model: its layers (which are kept frozen, which is replaced), first-layer
  filters, data set, split and held-out accuracy;
- GET /api/transfer/gallery: held-out digits to choose from;
- GET /api/transfer/activations?index=N: every layer's output for one digit;
- GET /api/transfer/train?shots=&epochs=&lr=&seed=: NDJSON, one line per epoch, of the
  frozen-features network and the from-scratch one trained on the same few new digits.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import numpy as np
import orjson
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from app.config import Settings, get_settings
from app.engine.random import MAX_SEED
from app.http import busy
from app.transfer import digits, model, tinycnn
from app.transfer import training as transfer

router = APIRouter(tags=["transfer learning"])
NDJSON = "application/x-ndjson"
_S = get_settings()
GALLERY_PER_DIGIT = 3
REPLACED = "fc"  # the one layer the new task replaces; every other is kept frozen


class TrainQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shots: Annotated[int, Field(ge=1, le=_S.max_shots, description="new training examples of each digit 5-9")] = 5
    epochs: Annotated[int, Field(ge=1, le=_S.max_epochs, description="full-batch Adam steps")] = 100
    lr: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False, description="Adam's learning rate, both runs")] = 0.01
    seed: Annotated[int, Field(ge=0, le=MAX_SEED, description="picks the examples and the new weights")] = 0


class ActivationsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    index: Annotated[int, Field(ge=0, le=1796, description="row of the digit in scikit-learn's digits file")] = 0


def _json(body: Any) -> Response:
    return Response(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), media_type="application/json")


def _pixels(image: np.ndarray) -> list[list[int]]:
    """An (8, 8) image of 0..1 floats as the data set's own 0..16 whole numbers."""
    return np.rint(image.reshape(8, 8) * 16).astype(int).tolist()


def _params(name: str, weights: tinycnn.Params) -> int:
    return sum(v.size for k, v in weights.items() if k.startswith(name + "."))


@router.get("/api/transfer/model", summary="The small trained CNN: layers, first-layer filters, held-out accuracy")
def get_model() -> Response:
    weights = model.weights()
    layers = [
        {
            "name": n,
            "module": m,
            "output": list(out),
            "params": _params(n, weights),
            "when_reused": "replaced" if n == REPLACED else "frozen",
        }
        for n, m, out in tinycnn.layers(classes=weights["fc.weight"].shape[0])
    ]
    return _json(
        {
            **model.metadata(),
            "input": [1, tinycnn.SIDE, tinycnn.SIDE],
            "layers": layers,
            "params": tinycnn.count(weights),
            "filters": weights["conv1.weight"],
            "filter_bias": weights["conv1.bias"],
            "new_task": {"classes": list(digits.TARGET_DIGITS), "trainable": _params(REPLACED, weights)},
        }
    )


@router.get("/api/transfer/gallery", summary="Held-out digits (0-9) to run through the network")
def get_gallery() -> Response:
    test = digits.split("test", tuple(range(10)))
    items = []
    for d in range(10):
        for pos in np.flatnonzero(test.labels == d)[:GALLERY_PER_DIGIT]:
            items.append({"index": int(test.index[pos]), "label": d, "pixels": _pixels(test.x[pos])})
    return _json({"items": items})


@router.get("/api/transfer/activations", summary="Every layer's output for one digit, by the engine's ops")
def get_activations(q: Annotated[ActivationsQuery, Query()]) -> Response:
    images, labels = digits.load()
    label = int(labels[q.index])
    held_out = q.index in set(digits.split("test", tuple(range(10))).index.tolist())
    layers = transfer.activations(model.weights(), images[q.index] / 16.0)
    probs = layers[-1].values
    return _json(
        {
            "index": q.index,
            "label": label,
            "split": "held_out" if held_out else "train",
            "task": "source" if label in digits.SOURCE_DIGITS else "new",
            "layers": [{"name": a.name, "shape": list(a.values.shape), "values": a.values} for a in layers],
            "probabilities": probs,
            "prediction": int(digits.SOURCE_DIGITS[int(np.argmax(probs))]),
        }
    )


def _frames(q: TrainQuery) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    train = digits.split("train", digits.TARGET_DIGITS)
    test = digits.split("test", digits.TARGET_DIGITS)
    picked = transfer.choose_examples(train.labels, digits.TARGET_DIGITS, q.shots, q.seed)
    first = digits.TARGET_DIGITS[0]
    x, y = train.x[picked], train.labels[picked] - first
    weights = model.weights()
    header = {
        "type": "header",
        **q.model_dump(),
        "classes": list(digits.TARGET_DIGITS),
        "examples": [
            {"index": int(train.index[p]), "label": int(train.labels[p]), "pixels": _pixels(train.x[p])} for p in picked
        ],
        "held_out": int(test.labels.size),
        "trainable": {"transfer": _params(REPLACED, weights), "scratch": tinycnn.count(weights)},
        "frozen": list(transfer.FROZEN),
    }
    runs = transfer.compare(weights, x, y, test.x, test.labels - first, q.epochs, q.lr, q.seed)
    return header, runs


def _stream(header: dict[str, Any], runs: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    last: dict[str, Any] = {}
    yield orjson.dumps(header) + b"\n"
    for row in runs:
        last = row
        yield orjson.dumps({"type": "epoch", **row}) + b"\n"
    yield orjson.dumps(
        {"type": "done", "epochs": last["epoch"], "transfer": last["transfer"], "scratch": last["scratch"]}
    )
    yield b"\n"


@router.get(
    "/api/transfer/train",
    summary="Train a new last layer on frozen features, and the whole network from scratch, on the same few digits",
    response_class=StreamingResponse,
    responses={
        200: {"content": {NDJSON: {}}, "description": "header, one epoch line per epoch, done"},
        503: {"description": "max_expensive expensive requests are running; see Retry-After"},
    },
)
def get_train(q: Annotated[TrainQuery, Query()], cfg: Annotated[Settings, Depends(get_settings)]) -> StreamingResponse:
    transfer.check_settings(q.shots, q.epochs, q.lr, q.seed, cfg.max_shots, cfg.max_epochs)
    header, runs = _frames(q)  # nothing trained yet: ``runs`` trains epoch by epoch as it is read
    return busy.GuardedStream(_stream(header, runs), busy.take(cfg, "transfer training"), media_type=NDJSON)
