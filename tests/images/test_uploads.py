"""app/images/uploads.py: every bad file refused with its own message, before decoding; good files upright and small."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from PIL import Image

from app.config import get_settings
from app.engine.errors import ParamError, TooLargeError
from app.images import palette
from app.images import uploads as images


def encode(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def huge_png(width: int = 20000, height: int = 20000) -> bytes:
    """A small PNG whose IHDR declares ``width`` x ``height`` (CRC fixed): nothing that size is allocated."""
    data = bytearray(encode(Image.new("L", (4, 4))))
    data[16:20] = width.to_bytes(4, "big")
    data[20:24] = height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


def test_zero_bytes() -> None:
    with pytest.raises(ParamError, match=r"^file: got 0 bytes; must be an image file"):
        images.decode(b"")


def test_text_file() -> None:
    with pytest.raises(ParamError, match=r"^file: got 12 bytes that are not PNG, JPEG, GIF or WebP; must be"):
        images.decode(b"hello, world")


def test_truncated_png() -> None:
    data = encode(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)))
    with pytest.raises(ParamError, match=r"^file: got a PNG image of 64x64 whose data could not be decoded") as err:
        images.decode(data[: len(data) // 2])
    assert not isinstance(err.value, TooLargeError)


def test_huge_header_refused_before_decoding() -> None:
    with pytest.raises(
        TooLargeError, match=r"^file: got a 20000x20000 image \(400,000,000 pixels\); the cap is 25,000,000 pixels"
    ):
        images.decode(huge_png())


def test_over_our_cap_under_pillows() -> None:
    with pytest.raises(TooLargeError, match=r"^file: got a 6000x5000 image \(30,000,000 pixels\)"):
        images.decode(huge_png(6000, 5000))


def test_over_the_byte_cap() -> None:
    cap = get_settings().max_upload_bytes
    with pytest.raises(TooLargeError, match=rf"^file: got {cap + 1:,} bytes; must be at most {cap:,} bytes"):
        images.decode(b"\0" * (cap + 1))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_formats_and_working_size(fmt: str) -> None:
    data = encode(Image.new("RGB", (300, 150), (255, 255, 255)), fmt)
    gray = images.decode(data)
    rgb = images.decode(data, grayscale=False)
    assert gray.shape == (1, 64, 128) and rgb.shape == (3, 64, 128)
    assert gray.dtype == np.float64 and abs(gray.mean() - 255) < 2


def test_gif_first_frame() -> None:
    frames = [Image.new("L", (8, 8), 200), Image.new("L", (8, 8), 10)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert np.all(images.decode(data) == 200)


def test_exif_rotated_jpeg_read_upright() -> None:
    upright = Image.new("L", (40, 20), 0)  # wide: white top half
    upright.paste(255, (0, 0, 40, 10))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # 20 wide, 40 tall, as a camera might store it
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    data = encode(stored, "JPEG", exif=exif, quality=95)
    values = images.decode(data)
    assert values.shape == (1, 20, 40)
    assert values[0, :8].mean() > 200 and values[0, 12:].mean() < 50


def test_grayscale_is_itu_601() -> None:
    values = images.decode(encode(Image.new("RGB", (2, 2), (255, 0, 0))))
    assert np.all(values == 76)  # 255 * 299 / 1000 = 76.2


def test_diverging_colour_map() -> None:
    """The feature maps use the one palette (static/palette.json): its zero, negative and positive ends."""
    rgb = images.diverging_rgb(np.array([[-2.0, 0.0, 2.0, 1.0]]))
    assert rgb[0, 1].tolist() == list(palette.ZERO) == [247, 247, 247]
    assert rgb[0, 0].tolist() == list(palette.NEGATIVE)
    assert rgb[0, 2].tolist() == list(palette.POSITIVE)
