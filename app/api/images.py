"""POST /api/images/convolve: a sample or an uploaded image, one kernel, the feature map as numbers and PNGs
(the page /play/image is in ``app/pages/images.py``).

The multipart body is parsed in memory as it arrives (python-multipart's streaming parser):
the file part is counted chunk by chunk and refused past max_upload_bytes, and nothing is
spooled to disk (Starlette's form parser would roll a large file over to a temporary file).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

import numpy as np
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from app.config import get_settings
from app.engine.conv2d import conv2d
from app.engine.errors import Described, ParamError, TooLargeError
from app.engine.pool import max_pool2d
from app.engine.relu import relu
from app.http import busy
from app.http.textarrays import format_array, parse_array
from app.images import catalogue
from app.images import uploads as images
from app.images.kernels import PRESETS, preset

router = APIRouter(prefix="/api/images")
FIELDS = {"file", "sample", "kernel", "custom", "grayscale", "relu", "pool", "padding", "x", "y", "size"}
MAX_FIELD_BYTES = 2_000
FORM_FIELDS: dict[str, dict[str, Any]] = {  # every field but the file
    "sample": {
        "type": "string",
        "enum": list(catalogue.SAMPLES),
        "default": catalogue.DEFAULT,
        "description": "a bundled picture (docs/IMAGES.md); the photos are CC BY 2.0, "
        "credited in the answer's sample.credit",
    },
    "kernel": {"type": "string", "enum": list(PRESETS), "default": "sobel_x"},
    "custom": {"type": "string", "description": "3x3 kernel as 'a,b,c;d,e,f;g,h,i'"},
    "grayscale": {"type": "boolean", "default": True},
    "relu": {"type": "boolean", "default": False},
    "pool": {"type": "boolean", "default": False},
    "padding": {"type": "integer", "default": 1, "minimum": 0, "maximum": 1},
    "x": {"type": "integer", "description": "zoom lens column in the working image"},
    "y": {"type": "integer", "description": "zoom lens row in the working image"},
    "size": {"type": "integer", "default": 7, "minimum": 3, "maximum": 15},
}
BLANK = "; empty: as if not sent (a form sends a field left blank as empty)"


def _or_blank(schema: dict[str, Any]) -> dict[str, Any]:
    """A field left blank in an HTML form arrives as an empty string, and counts as not sent."""
    outer: dict[str, Any] = {key: schema[key] for key in ("default", "description") if key in schema}
    outer["description"] = outer.get("description", "") + BLANK
    inner = {key: value for key, value in schema.items() if key not in outer}
    return {"anyOf": [inner, {"type": "string", "maxLength": 0}], **outer}


CONVOLVE_DOC = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "PNG, JPEG, GIF or WebP"},
                        **{name: _or_blank(schema) for name, schema in FORM_FIELDS.items()},
                    },
                }
            }
        },
    }
}


async def read_form(request: Request) -> tuple[dict[str, str], bytes | None]:
    """Text fields and the file's bytes, parsed as the body streams in; the file capped as it is read."""
    cap = get_settings().max_upload_bytes
    ctype, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if ctype == b"application/x-www-form-urlencoded":  # fields only (the body is capped by BodySizeLimit)
        pairs = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        for name, _ in pairs:
            if name not in FIELDS - {"file"}:
                raise ParamError(name, Described("a form field"), f"is not a field of this request ({sorted(FIELDS)})")
        return dict(pairs), None
    if ctype != b"multipart/form-data" or not boundary:
        what = f"Content-Type {ctype.decode() or 'none'}" + (
            " without a boundary" if ctype == b"multipart/form-data" else ""
        )
        raise ParamError("body", Described(what), "must be multipart/form-data")
    fields: dict[str, str] = {}
    state: dict[str, Any] = {"header": b"", "value": b"", "headers": {}, "data": bytearray(), "file": None}

    def on_part_begin() -> None:
        state["headers"], state["data"] = {}, bytearray()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["header"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["header"].lower()] = state["value"]
        state["header"], state["value"] = b"", b""

    def on_part_data(data: bytes, start: int, end: int) -> None:
        name, is_file = _part_name(state["headers"])
        state["data"] += data[start:end]
        limit = cap if is_file else MAX_FIELD_BYTES
        if len(state["data"]) > limit:
            if is_file:
                rule = f"must be at most {cap:,} bytes (max_upload_bytes in settings)"
                raise TooLargeError("file", Described(f"more than {cap:,} bytes"), rule)
            raise ParamError(name, Described(f"more than {limit:,} bytes"), f"must be at most {limit:,} bytes")

    def on_part_end() -> None:
        name, is_file = _part_name(state["headers"])
        if not name:
            raise ParamError("body", Described("a part without a name"), "every part needs a Content-Disposition name")
        if name not in FIELDS:
            raise ParamError(name, Described("a form field"), f"is not a field of this request ({sorted(FIELDS)})")
        if is_file:
            state["file"] = bytes(state["data"])
        else:
            fields[name] = state["data"].decode("utf-8", "replace")

    callbacks: Any = {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
        "on_end": lambda: state.update(ended=True),
    }
    parser = MultipartParser(boundary, callbacks)
    rule = "must be a complete multipart/form-data body (parts separated by its boundary, a closing boundary)"
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as err:
        raise ParamError("body", Described(f"a malformed multipart body ({err})"), rule) from None
    if not state.get("ended"):
        raise ParamError("body", Described("an incomplete multipart body"), rule)
    return fields, state["file"]


def _part_name(headers: dict[bytes, bytes]) -> tuple[str, bool]:
    _, options = parse_options_header(headers.get(b"content-disposition", b""))
    return options.get(b"name", b"").decode("utf-8", "replace"), b"filename" in options


def _flag(fields: dict[str, str], name: str, default: bool) -> bool:
    """The documented boolean: true or false (not 1, on or yes), or blank for the default."""
    text = fields.get(name, "").strip()
    if not text:
        return default
    if text in ("true", "false"):
        return text == "true"
    raise ParamError(name, text, "must be true or false")


def _int(fields: dict[str, str], name: str, default: int | None, low: int, high: int) -> int | None:
    text = fields.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ParamError(name, text, "must be a whole number") from None
    if not low <= value <= high:
        raise ParamError(name, value, f"must be from {low} to {high}")
    return value


def kernel_of(fields: dict[str, str]) -> tuple[str, np.ndarray]:
    custom = fields.get("custom", "").strip()
    if custom:
        weight = parse_array("custom", custom, 2)
        if weight.shape != (3, 3):
            raise ParamError("custom", Described(f"a {weight.shape[0]}x{weight.shape[1]} kernel"), "must be 3x3")
        return "custom", weight
    name = fields.get("kernel", "").strip() or "sobel_x"
    return name, preset(name).weight


def map_summary(values: np.ndarray) -> dict[str, Any]:
    return {
        "shape": list(values.shape),
        "min": float(values.min()),
        "max": float(values.max()),
        "values": values.tolist(),
        "png": images.feature_png(values),
    }


def region(gray: np.ndarray, x: int, y: int, size: int, weight: np.ndarray) -> dict[str, Any]:
    """A size x size patch of the grey working image around (x, y), kept inside the image."""
    height, width = gray.shape
    size = min(size, height, width)
    top = min(max(y - size // 2, 0), height - size)
    left = min(max(x - size // 2, 0), width - size)
    patch = gray[top : top + size, left : left + size]
    text, weight_text = format_array(patch), format_array(weight)
    query = {"input": text, "weight": weight_text, "padding": "0", "bias": "false", "kernel_size": "3"}
    return {
        "x": x,
        "y": y,
        "top": top,
        "left": left,
        "size": size,
        "input": text,
        "weight": weight_text,
        "url": "/play/conv2d?" + urlencode(query),
    }


@router.post(
    "/convolve",
    summary="Convolve a sample or an uploaded image",
    openapi_extra=CONVOLVE_DOC,
    dependencies=[Depends(busy.expensive("image convolution"))],  # 503 beyond max_expensive (app/http/busy.py)
)
async def convolve(request: Request) -> JSONResponse:
    fields, data = await read_form(request)
    # Decoding and convolving take milliseconds to tens of them: off the event loop, so streams keep flowing.
    return JSONResponse(await run_in_threadpool(_convolve, fields, data))


def _convolve(fields: dict[str, str], data: bytes | None) -> dict[str, Any]:
    grayscale = _flag(fields, "grayscale", True)
    sample = fields.get("sample", "").strip()
    if data is not None and sample:
        raise ParamError("sample", sample, "must be empty when a file is uploaded (send one or the other)")
    if data is None and not sample:
        sample = catalogue.DEFAULT
    pixels = images.decode(data, grayscale) if data is not None else catalogue.array(sample, grayscale)
    name, kernel = kernel_of(fields)
    padding = _int(fields, "padding", 1, 0, 1)
    channels = pixels.shape[0]
    weight = np.broadcast_to(kernel, (1, channels, 3, 3)).copy()  # same kernel on every channel, summed
    try:
        feature = conv2d(pixels, weight, padding=padding).output[0]
    except ParamError as err:  # pixels are 0..255: an overflow is the custom kernel's (a preset never overflows)
        raise ParamError("custom", err.value, err.rule) if err.param == "weight" else err from None
    feature_map = map_summary(feature)
    body: dict[str, Any] = {
        "source": sample or "upload",
        "label": catalogue.sample(sample).label if sample else None,
        "credit": catalogue.credit(sample) if sample else None,  # a photo's attribution, shown under it
        "shape": list(pixels.shape),
        "grayscale": grayscale,
        "kernel": {"name": name, "weight": kernel.tolist(), "text": format_array(kernel)},
        "padding": padding,
        "input_png": images.image_png(pixels),
        "feature_map": feature_map,
        "png": feature_map["png"],  # the same PNG, encoded once
    }
    rectified = relu(feature[None]).output
    if _flag(fields, "relu", False) or _flag(fields, "pool", False):
        body["relu"] = map_summary(rectified[0])
    if _flag(fields, "pool", False) and min(rectified.shape[1:]) >= 2:
        body["pool"] = map_summary(max_pool2d(rectified, 2).output[0])
    x = _int(fields, "x", None, 0, pixels.shape[2] - 1)
    y = _int(fields, "y", None, 0, pixels.shape[1] - 1)
    size = _int(fields, "size", 7, 3, 15) or 7  # checked without x and y too: a bad value is never ignored
    if (x is None) != (y is None):
        raise ParamError("x" if x is None else "y", None, "x and y go together: send both or neither")
    if x is not None and y is not None:
        gray = pixels[0] if grayscale else images.to_gray(pixels)
        body["region"] = region(gray, x, y, size, kernel)
    return body
