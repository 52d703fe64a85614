"""Properties of the GET API: valid small parameters always stream a consistent trace; junk is always a 4xx
whose message names the parameter, never a 5xx."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.schemas.traces import QUERIES
from tests.ndjson import OPS, error, get

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
POOLS = ("max_pool2d", "avg_pool2d", "lp_pool2d")
TEXT_ARRAYS = {"input", "weight", "bias"}  # a bare number there is a valid array


def pair(a: int, b: int) -> str:
    return str(a) if a == b else f"{a},{b}"


@st.composite
def conv2d_params(draw: st.DrawFn) -> dict[str, Any]:
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    sizes = (draw(st.integers(1, 9)), draw(st.integers(1, 9)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    style = draw(st.sampled_from(["pair", "pair", "same", "valid"])) if stride == (1, 1) else "pair"
    modes = ["zeros", "replicate"] if style == "same" else ["zeros", "replicate", "reflect", "circular"]
    mode = draw(st.sampled_from(modes))
    limit = {"zeros": 3, "replicate": 3, "reflect": min(sizes) - 1, "circular": min(sizes)}[mode]
    pads = (draw(st.integers(0, limit)), draw(st.integers(0, limit))) if style == "pair" else (0, 0)
    kernel = [
        draw(st.integers(1, 5 if style == "same" else min(15, (size + 2 * p - 1) // d + 1)))
        for size, p, d in zip(sizes, pads, dilation, strict=True)
    ]
    return {
        "in_channels": groups * draw(st.integers(1, 2)),
        "out_channels": groups * draw(st.integers(1, 2)),
        "groups": groups,
        "height": sizes[0],
        "width": sizes[1],
        "kernel_size": pair(*kernel),
        "stride": pair(*stride),
        "padding": pair(*pads) if style == "pair" else style,
        "dilation": pair(*dilation),
        "padding_mode": mode,
        "bias": draw(st.sampled_from(["true", "false"])),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }


@st.composite
def pool_params(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    op = draw(st.sampled_from(POOLS))
    sizes = (draw(st.integers(1, 9)), draw(st.integers(1, 9)))
    kernels, pads, dilations = [], [], []
    for size in sizes:
        kernel = draw(st.integers(1, 6))
        pad = draw(st.integers(0, kernel // 2)) if op != "lp_pool2d" else 0
        dilation = draw(st.integers(1, 2)) if op == "max_pool2d" else 1
        assume(dilation * (kernel - 1) + 1 <= size + 2 * pad)  # the window must fit in the padded input
        kernels.append(kernel)
        pads.append(pad)
        dilations.append(dilation)
    params: dict[str, Any] = {
        "in_channels": draw(st.integers(1, 3)),
        "height": sizes[0],
        "width": sizes[1],
        "kernel_size": pair(*kernels),
        "ceil_mode": draw(st.sampled_from(["true", "false"])),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }
    if draw(st.booleans()):
        params["stride"] = pair(draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    if op != "lp_pool2d":
        params["padding"] = pair(*pads)
    if op == "max_pool2d":
        params["dilation"] = pair(*dilations)
    if op == "avg_pool2d":
        params["count_include_pad"] = draw(st.sampled_from(["true", "false"]))
        params["divisor_override"] = draw(st.sampled_from([None, 1, 3]))
    if op == "lp_pool2d":
        params["norm_type"] = draw(st.sampled_from([1, 2, 3, 0.5]))
    return op, {key: value for key, value in params.items() if value is not None}


def check_trace(client: TestClient, op: str, params: dict[str, Any]) -> None:
    t = get(client, f"/api/{op}/trace", **params)  # asserts 200, NDJSON and the frame sequence
    shape = t.header["output_shape"]
    assert list(np.shape(t.done["output"])) == shape
    assert t.header["input_shape"] == [params["in_channels"], params["height"], params["width"]]
    np.testing.assert_array_equal(t.values(), t.output())
    assert client.get(f"/api/{op}/shape", params=params).json()["output_shape"] == shape


@SETTINGS
@given(conv2d_params())
def test_valid_conv2d_parameters_stream_a_consistent_trace(client: TestClient, params: dict[str, Any]) -> None:
    check_trace(client, "conv2d", params)


@SETTINGS
@given(pool_params())
def test_valid_pool_parameters_stream_a_consistent_trace(client: TestClient, case: tuple[str, dict[str, Any]]) -> None:
    check_trace(client, *case)


# --- junk ------------------------------------------------------------------------------------------------

FIELDS = {op: sorted(query.model_fields) for op, query in QUERIES.items()}
# Text no parameter accepts: it starts with 'x' (not a number, bool, literal or array value).
JUNK_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=20).map(lambda text: "x" + text)
# Too big for any integer parameter and any cap, but inside the range orjson can echo back (see test_errors).
HUGE = st.integers(2**31, 2**63 - 1).map(str)
NEGATIVE = st.one_of(
    st.integers(-(2**63), -1).map(str),
    st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False).map(repr),
)


@st.composite
def junk_query(draw: st.DrawFn) -> tuple[str, str, str]:
    op = draw(st.sampled_from(OPS))
    name = draw(st.sampled_from(FIELDS[op]))
    kinds = [JUNK_TEXT] if name in TEXT_ARRAYS else [JUNK_TEXT, HUGE, NEGATIVE]
    return op, name, draw(st.one_of(kinds))


@SETTINGS
@given(junk_query())
def test_junk_query_values_are_a_4xx_naming_the_parameter(client: TestClient, case: tuple[str, str, str]) -> None:
    op, name, value = case
    status, body, text = error(client, "GET", f"/api/{op}/trace", params={name: value})
    assert 400 <= status < 500, (status, text[:300])
    assert body["message"].startswith(f"{name}: got "), body["message"]
    assert body["detail"][0]["param"] == name


@SETTINGS
@given(
    st.sampled_from(OPS),
    st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True),
    st.one_of(JUNK_TEXT, HUGE, NEGATIVE, st.just("1")),
)
def test_unknown_parameters_are_a_422_naming_them(client: TestClient, op: str, name: str, value: str) -> None:
    assume(name not in FIELDS[op])
    status, body, _ = error(client, "GET", f"/api/{op}/trace", params={name: value})
    assert status == 422
    message = body["message"]
    assert message.startswith(f"{name}: got ") and message.endswith("; is not a parameter of this operation")


@settings(max_examples=20, deadline=None)
@given(
    st.sampled_from([(op, name) for op in OPS for name in FIELDS[op] if name not in TEXT_ARRAYS]),
    st.one_of(st.integers(min_value=2**64), st.integers(max_value=-(2**63) - 1)),
)
def test_integers_beyond_64_bits_are_a_4xx(client: TestClient, field: tuple[str, str], value: int) -> None:
    """Once a 500 (orjson cannot encode such an int); now the text is echoed back as it came."""
    op, name = field
    status, body, _ = error(client, "GET", f"/api/{op}/trace", params={name: str(value)})
    assert 400 <= status < 500
    assert body["message"].startswith(f"{name}: got '{value}'; ")
    assert body["detail"][0]["received"] == str(value)
