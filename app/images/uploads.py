"""Pillow in, float arrays out: decode an uploaded image safely and bring it to the working size.

Every check happens before pixels are decoded: the byte count, then the format and the
width x height declared in the header (``Image.open`` is lazy), and only then ``load()``.
Nothing is written to disk. Bad input raises ParamError (422) or TooLargeError (413).
The sample pictures go through the same ``to_array`` (``app/images/catalogue.py``).
"""

from __future__ import annotations

import base64
import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from app.config import get_settings
from app.engine.errors import Described, ParamError, TooLargeError
from app.images import palette

FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
FORMAT_NAMES = "PNG, JPEG, GIF or WebP"
RESAMPLE = Image.Resampling.BOX  # fixed filter for downsizing: an average of the covered pixels


def _too_many_pixels(width: int, height: int, cap: int) -> TooLargeError:
    return TooLargeError(
        "file",
        Described(f"a {width}x{height} image ({width * height:,} pixels)"),
        f"the cap is {cap:,} pixels (max_upload_pixels in settings)",
    )


def open_upload(data: bytes) -> Image.Image:
    """Open ``data`` lazily and check it before decoding; returns the first frame, decoded."""
    settings = get_settings()
    if len(data) == 0:
        raise ParamError("file", Described("0 bytes"), f"must be an image file ({FORMAT_NAMES})")
    if len(data) > settings.max_upload_bytes:
        raise TooLargeError(
            "file",
            Described(f"{len(data):,} bytes"),
            f"must be at most {settings.max_upload_bytes:,} bytes (max_upload_bytes in settings)",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=sorted(FORMATS))
    except UnidentifiedImageError:
        declared = _png_size(data)  # a PNG header Pillow refused (a bad CRC, say) may still declare a huge size
        if declared and declared[0] * declared[1] > settings.max_upload_pixels:
            raise _too_many_pixels(*declared, settings.max_upload_pixels) from None
        raise _not_an_image(data) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bomb(data) from None
    width, height = image.size
    if width * height > settings.max_upload_pixels:
        raise _too_many_pixels(width, height, settings.max_upload_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.seek(0)  # a GIF's (or animated WebP's) first frame
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(width, height, settings.max_upload_pixels) from None
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise ParamError(
            "file",
            Described(f"a {image.format} image of {width}x{height} whose data could not be decoded ({err})"),
            "must be a complete, undamaged image file",
        ) from None
    return image


def _not_an_image(data: bytes) -> ParamError:
    return ParamError(
        "file",
        Described(f"{len(data):,} bytes that are not {FORMAT_NAMES}"),
        f"must be an image file ({FORMAT_NAMES})",
    )


def _png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR, read directly (no decoding)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None


def _bomb(data: bytes) -> TooLargeError:
    """Pillow refused while opening: read the size it declared from the header ourselves."""
    cap = get_settings().max_upload_pixels
    declared = _png_size(data)
    if declared:
        return _too_many_pixels(*declared, cap)
    return TooLargeError("file", Described("an image over Pillow's pixel limit"), f"the cap is {cap:,} pixels")


def to_array(image: Image.Image, grayscale: bool = True, working_size: int | None = None) -> np.ndarray:
    """Upright (EXIF orientation), RGB or 'L' (ITU-R 601-2), longest side <= working size; (C, H, W) in 0..255."""
    size = working_size or get_settings().working_size
    image = ImageOps.exif_transpose(image) or image
    image = image.convert("L" if grayscale else "RGB")  # 'L' = R*299/1000 + G*587/1000 + B*114/1000
    if max(image.size) > size:
        scale = size / max(image.size)
        new = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(new, RESAMPLE)
    values = np.asarray(image, dtype=np.float64)
    if values.ndim == 2:
        return values[None, :, :].copy()
    return np.ascontiguousarray(values.transpose(2, 0, 1))


def decode(data: bytes, grayscale: bool = True) -> np.ndarray:
    """An uploaded file's bytes -> float64 (C, H, W) at the working size."""
    return to_array(open_upload(data), grayscale)


def png_base64(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def image_png(values: np.ndarray) -> str:
    """A (C, H, W) array in 0..255 (C = 1 or 3) as a base64 PNG."""
    pixels = np.clip(np.rint(values), 0, 255).astype(np.uint8)
    if pixels.shape[0] == 1:
        return png_base64(Image.fromarray(pixels[0], "L"))
    return png_base64(Image.fromarray(pixels.transpose(1, 2, 0), "RGB"))


def diverging_rgb(values: np.ndarray) -> np.ndarray:
    """An (H, W) map -> (H, W, 3) uint8 on the one diverging scale (app/images/palette.py), as the
    players colour it: purple < 0, near white at 0, orange > 0, scaled by the largest finite |value|."""
    return palette.diverging(values, palette.finite_scale(values))


def feature_png(values: np.ndarray) -> str:
    """One (H, W) feature map as a base64 PNG in the diverging colour map."""
    return png_base64(Image.fromarray(diverging_rgb(values), "RGB"))


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """(3, H, W) -> (H, W) with the ITU-R 601-2 weights Pillow's 'L' uses (unrounded)."""
    return np.asarray(rgb[0] * 0.299 + rgb[1] * 0.587 + rgb[2] * 0.114)
