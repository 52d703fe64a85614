"""Schemathesis over every operation of /openapi.json, in process, with its default checks: no 5xx,
every response as documented (status, content type, schema, headers), schema-valid requests
accepted, schema-violating ones refused, and (coverage phase) 405 with a true Allow header.

Two profiles of the same test. CI (the default): FUZZ_EXAMPLES=15 examples per operation,
derandomized, so every run sends the same requests. The long run (scripts/fuzz_api.py) sets
FUZZ_EXAMPLES to 1,000 or more, a seed, and adds the coverage phase; FUZZ_REPORT names a JSON file for
the figures (cases and statuses per operation, seconds). docs/FUZZING.md has the figures and what
was found.

Checks are adjusted for a few operations only, each for the reason given where it is done.
"""

from __future__ import annotations

import email.policy
import json
import os
import re
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from email.parser import BytesParser
from functools import cache
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import jsonschema_rs
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pydantic import BaseModel, ValidationError
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from app.api.augment import AugmentQuery
from app.api.exports import gif_query, png_query
from app.api.stack_run import StackRunRequest
from app.main import app
from app.schemas.exercises import AnswerBody
from app.schemas.stack import StackRequest
from app.schemas.traces import BODIES, QUERIES

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
LONG = "FUZZ_EXAMPLES" in os.environ
# GET /api/transfer/train trains two networks for up to 300 epochs in one request (up to ~15 s on
# 2 cores): fewer examples, and a longer read timeout than schemathesis' 10 s.
TRAINING = "^/api/transfer/train$"
TRAINING_EXAMPLES = int(os.environ.get("FUZZ_TRAINING_EXAMPLES", "4"))
TRAINING_TIMEOUT = 60
PROFILE = settings(
    max_examples=EXAMPLES,
    derandomize=not LONG,  # CI: the same requests every run; the long run takes pytest's --hypothesis-seed
    database=None,
    deadline=None,  # a GIF takes a while; slowness is not what this test is about
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)

# The coverage phase (boundary values, every missing or wrong-typed parameter, unexpected methods:
# several hundred requests per operation) runs in the long run only; CI keeps examples and fuzzing.
# The long run is seeded (FUZZ_SEED) so that a failure can be replayed, and may be split in shards
# (FUZZ_SHARD=i/n: the operations whose label hashes to i modulo n) run side by side.
SEED = {"seed": int(os.environ["FUZZ_SEED"])} if "FUZZ_SEED" in os.environ else {}
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": LONG}}, **SEED})
SHARD, SHARDS = (int(part) for part in os.environ.get("FUZZ_SHARD", "0/1").split("/"))
document = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)
schema = document.include(lambda ctx: zlib.crc32(ctx.operation.label.encode()) % SHARDS == SHARD)

# Operations whose rules tie parameters together (a kernel must fit the padded input, groups must
# divide the channels, a text array must not be ragged and must match in_channels, linear needs a
# flatten first, a sample or a file but not both, an exercise's params depend on its kind, a crop
# must fit the padded sample).
# OpenAPI cannot state such rules, so schema-valid requests are rightly refused with 422 (413 for
# the caps on sizes computed from several parameters). There positive_data_acceptance is replaced
# by refused_only_by_a_rule_between_parameters below, which still fails when the request model
# itself refuses what its schema allows.
BETWEEN_PARAMETERS = re.compile(
    r"(GET|POST) /api/\w+/trace|GET /api/\w+/(shape|animation\.gif|frame\.png)"
    r"|POST /api/stack/(shape|run)|POST /api/images/convolve|POST /api/exercises/\{kind\}/answer"
    r"|GET /api/augment(/image\.png|/diff\.png)?"
)
# "Would GET ... accept these parameters?" answers every question, a bad one too, with 200 and
# {"ok": false, "status": 422, ...}: by design, so the page can ask while a person types.
ALWAYS_200 = re.compile(r"GET /api/(\w+|transfer/\w+)/check")
TRACE_PATH = re.compile(r"/api/(?P<op>\w+)/(?P<what>trace|shape|animation\.gif|frame\.png)")
MODELS: dict[str, type[BaseModel]] = {
    "POST /api/stack/shape": StackRequest,
    "POST /api/stack/run": StackRunRequest,
    "POST /api/exercises/{kind}/answer": AnswerBody,
    "GET /api/augment": AugmentQuery,
    "GET /api/augment/image.png": AugmentQuery,
    "GET /api/augment/diff.png": AugmentQuery,
}
PNG = ("a.png", bytes.fromhex("89504e470d0a1a0a"), "image/png")  # a file part (its bytes are not read here)
STATS: dict[str, Counter[str]] = defaultdict(Counter)
SECONDS: Counter[str] = Counter()
FAILURES: dict[str, set[str]] = defaultdict(set)
REPORT_EVERY = 30  # seconds
REPORTED = time.monotonic()


@cache
def request_model(method: str, path: str) -> type[BaseModel] | None:
    """The pydantic model FastAPI reads this operation's request with (None: read by hand)."""
    found = TRACE_PATH.fullmatch(path)
    if found and found["op"] in QUERIES:
        body, query = BODIES[found["op"]], QUERIES[found["op"]]
        if found["what"] == "trace":
            return body if method == "POST" else query
        return {"shape": query, "animation.gif": gif_query(query), "frame.png": png_query(query)}[found["what"]]
    return MODELS.get(f"{method} {path}")


def refused_only_by_a_rule_between_parameters(ctx: Any, response: Any, case: Any) -> bool | None:
    """positive_data_acceptance, except that a schema-valid request may get 422 or 413 from the
    engine; never from the request model, which must take whatever its schema allows."""
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if not positive or response.status_code not in (413, 422):
        return positive_data_acceptance(ctx, response, case)
    model = request_model(case.method, case.path)
    if model is None:
        return None
    sent = response.request
    try:
        if case.method == "POST":
            model.model_validate_json(sent.body or b"")
        else:
            model.model_validate(dict(parse_qsl(urlsplit(sent.url).query, keep_blank_values=True)))
    except ValidationError as err:
        raise AssertionError(f"{model.__name__} refuses a request its schema allows: {err}") from None
    return None


def refused_unless_valid_as_sent(ctx: Any, response: Any, case: Any) -> bool | None:
    """negative_data_rejection for the image form, except for a request whose fields, as sent, are all
    valid. Schemathesis re-reads a form as sent before it blames the server, but cannot with a file in
    it (the bytes fail its validator), so it blamed mutations that vanish on the wire: an empty list
    sends no part at all, a boolean put where the schema also takes a boolean."""
    try:
        return negative_data_rejection(ctx, response, case)
    except AcceptedNegativeData:
        if form_is_valid_as_sent(response.request, case.operation.label):
            return None
        raise


def form_is_valid_as_sent(request: Any, label: str) -> bool:
    """Every text field of the multipart body sent is one the document allows, read as text or as JSON."""
    method, path = label.split(" ", 1)
    content = app.openapi()["paths"][path][method.lower()]["requestBody"]["content"]
    fields = content["multipart/form-data"]["schema"]["properties"]
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + (request.body or b""))
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if part.get_filename() is not None:
            continue  # the file: a file's bytes are what they are; the server checks them
        if name not in fields:
            return False
        text = part.get_content() if isinstance(part.get_content(), str) else ""
        readings: list[Any] = [text]
        try:
            readings.append(json.loads(text))
        except ValueError:
            pass
        validator = jsonschema_rs.validator_for(fields[name])
        if not any(validator.is_valid(reading) for reading in readings):
            return False
    return True


def oembed_format_is_501(ctx: Any, response: Any, case: Any) -> bool | None:
    """not_a_server_error, except that oEmbed 1.0 (section 2.3.5) prescribes 501 Not Implemented
    for a format the provider does not serve: ConvScope serves json only."""
    if response.status_code == 501 and case.query.get("format") != "json":
        return None
    return not_a_server_error(ctx, response, case)


def adjusted_checks(label: str) -> tuple[list[Any], list[Any]]:
    """(excluded, added) checks for one operation."""
    if label == "POST /api/images/convolve":
        return [positive_data_acceptance, negative_data_rejection], [
            refused_only_by_a_rule_between_parameters,
            refused_unless_valid_as_sent,
        ]
    if BETWEEN_PARAMETERS.fullmatch(label):
        return [positive_data_acceptance], [refused_only_by_a_rule_between_parameters]
    if ALWAYS_200.fullmatch(label):
        return [negative_data_rejection], []
    if label == "GET /oembed":
        return [not_a_server_error], [oembed_format_is_501]
    return [], []


def write_report() -> None:
    """The figures so far, when FUZZ_REPORT names a file: rewritten every REPORT_EVERY seconds and at
    the end, so a long run stopped early still leaves them."""
    global REPORTED
    if path := os.environ.get("FUZZ_REPORT"):
        report = {
            label: {
                "cases": sum(statuses.values()),
                "statuses": dict(statuses),
                "seconds": round(SECONDS[label], 2),
                "failures": sorted(FAILURES[label]),
            }
            for label, statuses in sorted(STATS.items())
        }
        with open(path, "w") as out:
            json.dump(report, out, indent=1)
    REPORTED = time.monotonic()


@pytest.fixture(scope="module", autouse=True)
def figures() -> Iterator[None]:
    yield
    write_report()


def call_and_validate(case: schemathesis.Case, **kwargs: Any) -> None:
    label = case.operation.label
    excluded, added = adjusted_checks(label)
    start = time.perf_counter()
    try:
        response = case.call_and_validate(excluded_checks=excluded, additional_checks=added, **kwargs)
        STATS[label][str(response.status_code)] += 1
    except BaseException as err:  # schemathesis' FailureGroup is a BaseExceptionGroup
        STATS[label]["failed"] += 1
        for failure in getattr(err, "exceptions", [err]):
            FAILURES[label].add(" ".join(filter(None, (getattr(failure, "code", ""), failure_title(failure)))))
        raise
    finally:
        SECONDS[label] += time.perf_counter() - start
        if time.monotonic() - REPORTED > REPORT_EVERY:
            write_report()


def failure_title(failure: BaseException) -> str:
    title = getattr(failure, "title", None) or f"{type(failure).__name__}: {failure}"
    return str(title).splitlines()[0][:200]


@pytest.mark.slow
@schema.exclude(path_regex=TRAINING).parametrize()
@PROFILE
def test_api(case: schemathesis.Case) -> None:
    call_and_validate(case)


@pytest.mark.slow
@schema.include(path_regex=TRAINING).parametrize()
@settings(PROFILE, max_examples=TRAINING_EXAMPLES)
def test_training(case: schemathesis.Case) -> None:
    call_and_validate(case, timeout=TRAINING_TIMEOUT)


def test_every_operation_is_fuzzed() -> None:
    """No operation of the document is skipped, and each adjustment above names real operations."""
    labels = {result.ok().label for result in document.get_all_operations()}
    assert len(labels) >= 54
    assert {label for label in labels if BETWEEN_PARAMETERS.fullmatch(label)} >= {
        "POST /api/conv2d/trace",
        "GET /api/conv2d/trace",
        "GET /api/relu/frame.png",
        "POST /api/stack/run",
        "POST /api/exercises/{kind}/answer",
        "POST /api/conv_transpose2d/trace",
        "GET /api/conv_transpose2d/trace",
        "GET /api/conv_transpose2d/shape",
        "GET /api/conv_transpose2d/animation.gif",
        "GET /api/conv_transpose2d/frame.png",
        "POST /api/conv2d_backward/trace",
        "GET /api/conv2d_backward/trace",
        "GET /api/conv2d_backward/shape",
        "GET /api/conv2d_backward/animation.gif",
        "GET /api/conv2d_backward/frame.png",
    }
    assert {"GET /api/conv_transpose2d/check", "GET /api/conv2d_backward/check"} <= labels
    assert len([label for label in labels if ALWAYS_200.fullmatch(label)]) == 10  # 8 op checks, 2 transfer
    assert "GET /oembed" in labels
    assert [result.ok().label for result in document.include(path_regex=TRAINING).get_all_operations()] == [
        "GET /api/transfer/train"
    ]
    for label in labels:
        method, path = label.split(" ", 1)
        if TRACE_PATH.fullmatch(path):
            assert request_model(method, path) is not None, label


@pytest.mark.parametrize(
    ("fields", "valid"),
    [
        ({"grayscale": "false", "size": "7", "x": "3", "y": "4"}, True),
        ({"relu": "", "sample": ""}, True),  # blank: as if not sent, as documented
        ({"grayscale": "0"}, False),
        ({"size": "2"}, False),
        ({"padding": "true"}, False),
        ({"colour": "red"}, False),
    ],
)
def test_the_image_form_is_judged_as_sent(fields: dict[str, str], valid: bool) -> None:
    """The helper that stands in for schemathesis' own re-reading of a form holding a file."""
    request = httpx.Request("POST", "http://testserver/api/images/convolve", files={"file": PNG}, data=fields)
    sent = SimpleNamespace(headers=request.headers, body=request.read())
    assert form_is_valid_as_sent(sent, "POST /api/images/convolve") is valid
