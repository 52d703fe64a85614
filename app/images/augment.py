"""Data augmentation on (H, W, 3) uint8 images, seeded and reproducible.

Each op returns ``(array, params)``: the augmented image and the parameters it drew
(``{"angle": 12.3}``), so a page can say exactly what was done. The label never changes;
only the array does. Randomness comes only from ``app.engine.random``, each op from its own
stream (``augment.crop``, ``augment.jitter``, ``augment.translate``, ``augment.rotate`` in
``app.engine.streams``), so a seed gives the same bytes on any machine.

Rotation uses Pillow's ``Image.rotate`` with a fixed resampling filter: Pillow is the
well-kept resampling library (torchvision itself rotates PIL images this way), its
integer fixed-point bilinear is deterministic, and ``expand=False`` keeps the size.
Everything else is plain NumPy.

Colour jitter follows torchvision's ``ColorJitter`` (ranges, blends, random order) on
floats in [0, 1]. One difference: torchvision on a uint8 tensor truncates back to uint8
after every step; here the four steps run in float64 and the result is rounded once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

from app.engine import random as rnd
from app.engine.errors import Described, ParamError
from app.engine.pairs import is_int

Params = dict[str, Any]
RESAMPLE = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR}
JITTER_ORDER = ("brightness", "contrast", "saturation", "hue")


def check_image(image: object) -> np.ndarray:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        what = (
            f"an array of shape {image.shape} and dtype {image.dtype}"
            if isinstance(image, np.ndarray)
            else type(image).__name__
        )
        raise ParamError("image", Described(what), "must be an (H, W, 3) uint8 array")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ParamError("image", Described(f"an array of shape {image.shape}"), "must have H >= 1 and W >= 1")
    return image


def _number(name: str, value: object, low: float, high: float) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not np.isfinite(value)
    ):
        raise ParamError(name, value, "must be a finite number")
    if not low <= float(value) <= high:
        raise ParamError(name, value, f"must be from {low:g} to {high:g}")
    return float(value)


def _uniform(seed: int, stream: str, count: int) -> np.ndarray:
    return rnd.uniform(seed, stream, (count,))


# --- grayscale and flips ------------------------------------------------------------


def grayscale(image: np.ndarray) -> tuple[np.ndarray, Params]:
    """ITU-R 601-2 luma, L = R*299/1000 + G*587/1000 + B*114/1000, computed as Pillow's
    ``convert("L")`` does (16-bit fixed point, rounded), copied to 3 channels
    (torchvision's ``Grayscale(num_output_channels=3)``)."""
    img = check_image(image).astype(np.uint32)
    luma = (img[..., 0] * 19595 + img[..., 1] * 38470 + img[..., 2] * 7471 + 0x8000) >> 16
    out = np.repeat(luma.astype(np.uint8)[..., None], 3, axis=2)
    return out, {"weights": [0.299, 0.587, 0.114], "num_output_channels": 3}


def hflip(image: np.ndarray) -> tuple[np.ndarray, Params]:
    """Mirror left-right: column j becomes column W-1-j."""
    return check_image(image)[:, ::-1].copy(), {}


def vflip(image: np.ndarray) -> tuple[np.ndarray, Params]:
    """Mirror top-bottom: row i becomes row H-1-i."""
    return check_image(image)[::-1].copy(), {}


# --- crop and translation -----------------------------------------------------------


def random_crop(
    image: np.ndarray, size: int | tuple[int, int], seed: int, padding: int = 0
) -> tuple[np.ndarray, Params]:
    """torchvision's ``RandomCrop(size, padding)``: pad every side with zeros, then cut a
    ``size`` window whose top and left are uniform whole numbers."""
    img = check_image(image)
    rnd.check_seed(seed)
    if not is_int(padding) or not 0 <= padding <= 64:
        raise ParamError("padding", padding, "must be a whole number from 0 to 64")
    pair: tuple[Any, ...] = (size, size) if is_int(size) else size if isinstance(size, tuple) else ()
    if len(pair) != 2 or not all(is_int(v) and v >= 1 for v in pair):
        raise ParamError("size", size, "must be a whole number >= 1 or a pair (height, width) of them")
    th, tw = int(pair[0]), int(pair[1])
    h, w = img.shape[0] + 2 * padding, img.shape[1] + 2 * padding
    if th > h or tw > w:
        raise ParamError("size", size, f"must fit in the padded image ({h}, {w})")
    padded = np.pad(img, ((padding, padding), (padding, padding), (0, 0)))
    ut, ul = _uniform(seed, "augment.crop", 2)
    top, left = int(ut * (h - th + 1)), int(ul * (w - tw + 1))
    out = padded[top : top + th, left : left + tw].copy()
    return out, {"top": top, "left": left, "size": [th, tw], "padding": int(padding)}


def shift(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Move the picture dx columns right and dy rows down; uncovered pixels are 0."""
    img = check_image(image)
    for name, value in (("dx", dx), ("dy", dy)):
        if not is_int(value):
            raise ParamError(name, value, "must be a whole number")
    h, w = img.shape[:2]
    out = np.zeros_like(img)
    if abs(dx) < w and abs(dy) < h:
        out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = img[
            max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
        ]
    return out


def translate(image: np.ndarray, max_fraction: float, seed: int) -> tuple[np.ndarray, Params]:
    """torchvision's ``RandomAffine(0, translate=(a, a))`` without resampling: dx uniform in
    [-a*W, a*W] and dy in [-a*H, a*H], rounded to whole pixels; the gap is filled with 0."""
    img = check_image(image)
    a = _number("max_fraction", max_fraction, 0.0, 1.0)
    rnd.check_seed(seed)
    h, w = img.shape[:2]
    ux, uy = _uniform(seed, "augment.translate", 2)
    dx = int(np.round((2 * ux - 1) * a * w))
    dy = int(np.round((2 * uy - 1) * a * h))
    return shift(img, dx, dy), {"dx": dx, "dy": dy}


# --- rotation -----------------------------------------------------------------------


def rotate_by(image: np.ndarray, angle: float, resample: str = "bilinear") -> np.ndarray:
    """Rotate counter-clockwise by ``angle`` degrees about the centre, same size, fill 0."""
    img = check_image(image)
    _number("angle", angle, -360.0, 360.0)
    if resample not in RESAMPLE:
        raise ParamError("resample", resample, f"must be one of {sorted(RESAMPLE)}")
    pil = Image.fromarray(img, "RGB")
    return np.asarray(pil.rotate(float(angle), RESAMPLE[resample], expand=False, fillcolor=(0, 0, 0)))


def rotate(image: np.ndarray, degrees: float, seed: int, resample: str = "bilinear") -> tuple[np.ndarray, Params]:
    """torchvision's ``RandomRotation(degrees)``: the angle is uniform in [-degrees, degrees],
    rounded to 0.01 degree so the record shows exactly the angle used."""
    img = check_image(image)
    d = _number("degrees", degrees, 0.0, 180.0)
    rnd.check_seed(seed)
    angle = round(float((2 * _uniform(seed, "augment.rotate", 1)[0] - 1) * d), 2) + 0.0
    return rotate_by(img, angle, resample), {"angle": angle, "resample": resample}


# --- colour jitter ------------------------------------------------------------------


def _gray(x: np.ndarray) -> np.ndarray:
    """torchvision's ``rgb_to_grayscale`` on floats: 0.2989 R + 0.587 G + 0.114 B."""
    return 0.2989 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]


def _blend(x: np.ndarray, other: np.ndarray | float, factor: float) -> np.ndarray:
    return np.clip(factor * x + (1.0 - factor) * other, 0.0, 1.0)


def rgb_to_hsv(x: np.ndarray) -> np.ndarray:
    """Floats in [0, 1], hue as a fraction of a turn (torchvision's ``_rgb2hsv``)."""
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    maxc, minc = x.max(-1), x.min(-1)
    cr = maxc - minc
    v = maxc
    s = cr / np.where(maxc == 0, 1.0, maxc)
    safe = np.where(cr == 0, 1.0, cr)
    rc, gc, bc = (maxc - r) / safe, (maxc - g) / safe, (maxc - b) / safe
    h = np.where(maxc == r, bc - gc, np.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    h = np.where(cr == 0, 0.0, h)
    return np.stack([(h / 6.0) % 1.0, s, v], -1)


def hsv_to_rgb(x: np.ndarray) -> np.ndarray:
    h, s, v = x[..., 0], x[..., 1], x[..., 2]
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int64) % 6
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    table = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = np.zeros(x.shape)
    for k, (r, g, b) in enumerate(table):
        mask = i == k
        out[mask] = np.stack([r[mask], g[mask], b[mask]], -1)
    return out


def _factor_range(name: str, value: object) -> tuple[float, float] | None:
    v = _number(name, value, 0.0, 0.5 if name == "hue" else 10.0)
    if v == 0:
        return None  # torchvision leaves a disabled adjustment out
    return (-v, v) if name == "hue" else (max(0.0, 1.0 - v), 1.0 + v)


def color_jitter(
    image: np.ndarray, brightness: float, contrast: float, saturation: float, hue: float, seed: int
) -> tuple[np.ndarray, Params]:
    """torchvision's ``ColorJitter``: brightness, contrast and saturation factors uniform in
    [max(0, 1 - b), 1 + b]; hue shift uniform in [-h, h] (h <= 0.5, a fraction of a turn);
    the enabled adjustments applied in a random order."""
    img = check_image(image)
    ranges = {
        name: _factor_range(name, value)
        for name, value in zip(JITTER_ORDER, (brightness, contrast, saturation, hue), strict=True)
    }
    rnd.check_seed(seed)
    draws = _uniform(seed, "augment.jitter", 8)
    order = [
        JITTER_ORDER[k] for k in np.argsort(draws[:4], kind="stable")
    ]  # a random permutation, as torch.randperm(4)
    factors: Params = {}
    for k, name in enumerate(JITTER_ORDER):
        span = ranges[name]
        if span is not None:
            factors[name] = round(float(span[0] + draws[4 + k] * (span[1] - span[0])), 4) + 0.0
    x = img.astype(np.float64) / 255.0
    applied = [name for name in order if name in factors]
    for name in applied:
        f = factors[name]
        if name == "brightness":
            x = _blend(x, 0.0, f)
        elif name == "contrast":
            x = _blend(x, float(_gray(x).mean()), f)
        elif name == "saturation":
            x = _blend(x, _gray(x)[..., None], f)
        else:
            hsv = rgb_to_hsv(x)
            hsv[..., 0] = (hsv[..., 0] + f) % 1.0
            x = hsv_to_rgb(hsv)
    out = np.clip(np.round(x * 255.0), 0, 255).astype(np.uint8)
    return out, {**factors, "order": applied}


# --- the difference view ------------------------------------------------------------


def aligned(original: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The original at the same indices as an output of ``shape``: cut, or padded with 0
    at the bottom and right. A crop is compared with what was at its pixels' positions."""
    out = np.zeros(shape, np.uint8)
    h, w = min(shape[0], original.shape[0]), min(shape[1], original.shape[1])
    out[:h, :w] = original[:h, :w]
    return out


def difference(original: np.ndarray, augmented: np.ndarray) -> tuple[np.ndarray, Params]:
    """|augmented - original| per pixel and channel (int), the mean per channel and the share
    of pixels where any channel changed."""
    base = aligned(check_image(original), check_image(augmented).shape)
    diff = np.abs(augmented.astype(np.int16) - base.astype(np.int16))
    mean = [round(float(v), 3) for v in diff.reshape(-1, 3).mean(0)]
    changed = float((diff.max(-1) > 0).mean())
    return diff, {"mean_abs": mean, "changed": round(changed, 4)}


HEAT_STOPS = np.array([[0, 0, 0], [80, 20, 120], [200, 40, 60], [250, 150, 20], [255, 255, 200]], np.float64)


def heat_map(diff: np.ndarray) -> np.ndarray:
    """Mean |difference| over channels (0..255) through a black-purple-red-orange-cream ramp."""
    level = diff.mean(-1) / 255.0 * (len(HEAT_STOPS) - 1)
    low = np.clip(np.floor(level).astype(np.int64), 0, len(HEAT_STOPS) - 2)
    t = (level - low)[..., None]
    return np.round(HEAT_STOPS[low] * (1 - t) + HEAT_STOPS[low + 1] * t).astype(np.uint8)
