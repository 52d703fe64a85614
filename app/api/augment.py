"""The augmentation gallery's API: GET /api/augment (JSON) and its PNGs (the page /play/augment
is in ``app/pages/images.py``).

The image and the difference heat map are PNGs from deterministic bytes (Pillow's encoder
with fixed options, no metadata), so one URL always gives the same file.
"""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import numpy as np
from fastapi import APIRouter, Query
from fastapi.responses import Response
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.engine.errors import ParamError
from app.engine.random import MAX_SEED
from app.images import augment as A
from app.images import catalogue

router = APIRouter(prefix="/api/augment")

Op = Literal["original", "grayscale", "hflip", "vflip", "crop", "jitter", "translate", "rotate"]
OPS: tuple[str, ...] = Op.__args__  # type: ignore[attr-defined]
SampleName = Literal["temple", "flower", "house", "checkerboard", "digit", "gradient"]
assert SampleName.__args__ == catalogue.SAMPLES  # type: ignore[attr-defined]
SIZE = 64  # longest side of the gallery's pictures (shown 3x enlarged)
TITLES = {  # the gallery's cards (app/pages/images.py): title, the torchvision transform
    "original": ("Original", "the sample, unchanged"),
    "grayscale": ("Grayscale", "transforms.Grayscale(3)"),
    "hflip": ("Horizontal flip", "transforms.RandomHorizontalFlip(p=1)"),
    "vflip": ("Vertical flip", "transforms.RandomVerticalFlip(p=1)"),
    "crop": ("Random crop", "transforms.RandomCrop(48, padding=4)"),
    "jitter": ("Colour jitter", "transforms.ColorJitter(0.4, 0.4, 0.4, 0.1)"),
    "translate": ("Translation", "transforms.RandomAffine(0, translate=(0.2, 0.2))"),
    "rotate": ("Rotation", "transforms.RandomRotation(30)"),
}
PNG_OPTIONS = {"format": "PNG", "optimize": False, "compress_level": 6}
PNG_DOC: dict[int | str, dict[str, Any]] = {200: {"content": {"image/png": {}}, "description": "the PNG"}}


class AugmentQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sample: SampleName = catalogue.DEFAULT  # type: ignore[assignment]
    op: Op = "original"
    seed: Annotated[int, Field(ge=0, le=MAX_SEED, description="seed of the random parameters")] = 0
    size: Annotated[int, Field(ge=1, le=128, description="crop: height and width of the window")] = 48
    padding: Annotated[int, Field(ge=0, le=16, description="crop: zeros added on every side first")] = 4
    brightness: Annotated[float, Field(ge=0, le=2, allow_inf_nan=False)] = 0.4
    contrast: Annotated[float, Field(ge=0, le=2, allow_inf_nan=False)] = 0.4
    saturation: Annotated[float, Field(ge=0, le=2, allow_inf_nan=False)] = 0.4
    hue: Annotated[float, Field(ge=0, le=0.5, allow_inf_nan=False, description="jitter: a fraction of a turn")] = 0.1
    max_fraction: Annotated[float, Field(ge=0, le=0.5, allow_inf_nan=False, description="translate")] = 0.2
    degrees: Annotated[float, Field(ge=0, le=180, allow_inf_nan=False, description="rotate: +- this many")] = 30
    resample: Literal["bilinear", "nearest"] = "bilinear"

    @field_validator("sample", mode="before")
    @classmethod
    def _known_sample(cls, value: Any) -> Any:
        """An unknown name gets the catalogue's own message (the list in brackets), as on the image API."""
        try:
            catalogue.sample(value)
        except (ParamError, TypeError) as err:
            raise ValueError(err.rule if isinstance(err, ParamError) else str(err)) from None
        return value


def augmented(q: AugmentQuery) -> tuple[np.ndarray, np.ndarray, str, dict[str, Any]]:
    """(original, augmented, label, params drawn)."""
    image, label = catalogue.rgb(q.sample, SIZE), catalogue.sample(q.sample).label
    ops = {
        "original": lambda: (image, {}),
        "grayscale": lambda: A.grayscale(image),
        "hflip": lambda: A.hflip(image),
        "vflip": lambda: A.vflip(image),
        "crop": lambda: A.random_crop(image, q.size, q.seed, padding=q.padding),
        "jitter": lambda: A.color_jitter(image, q.brightness, q.contrast, q.saturation, q.hue, q.seed),
        "translate": lambda: A.translate(image, q.max_fraction, q.seed),
        "rotate": lambda: A.rotate(image, q.degrees, q.seed, q.resample),
    }
    out, params = ops[q.op]()
    return image, out, label, params


def png(array: np.ndarray) -> Response:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array), "RGB").save(buf, **PNG_OPTIONS)  # type: ignore[arg-type]
    return Response(buf.getvalue(), media_type="image/png", headers={"Cache-Control": "public, max-age=3600"})


@router.get("", summary="One augmentation of a sample image: label, parameters drawn, difference")
def get_augment(q: Annotated[AugmentQuery, Query()]) -> dict[str, Any]:
    original, out, label, params = augmented(q)
    _, diff = A.difference(original, out)
    query = urlencode(q.model_dump())
    return {
        "sample": q.sample,
        "credit": catalogue.credit(q.sample),  # a photo's attribution, shown under it
        "op": q.op,
        "seed": q.seed,
        "label": label,
        "params": params,
        "shape": list(out.shape),
        "original_shape": list(original.shape),
        "image": f"/api/augment/image.png?{query}",
        "diff_image": f"/api/augment/diff.png?{query}",
        "diff": diff,
    }


@router.get(
    "/image.png",
    summary="The augmented image as a PNG (same query, same bytes)",
    response_class=Response,
    responses=PNG_DOC,
)
def get_augment_image(q: Annotated[AugmentQuery, Query()]) -> Response:
    return png(augmented(q)[1])


@router.get(
    "/diff.png",
    summary="Heat map of |augmented - original|, averaged over channels",
    response_class=Response,
    responses=PNG_DOC,
)
def get_augment_diff(q: Annotated[AugmentQuery, Query()]) -> Response:
    original, out, _, _ = augmented(q)
    return png(A.heat_map(A.difference(original, out)[0]))
