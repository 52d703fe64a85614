"""POST /api/images/convolve: bad files get their 4xx and message; the feature map is the engine's conv2d."""

from __future__ import annotations

import base64
import io
import zlib

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.config import get_settings
from app.engine.conv2d import conv2d
from app.engine.pool import max_pool2d
from app.http.textarrays import parse_array
from app.images import catalogue, uploads
from app.images.kernels import PRESETS

URL = "/api/images/convolve"
NAMES = "['temple', 'flower', 'house', 'checkerboard', 'digit', 'gradient']"


def png(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def upload(client: TestClient, data: bytes, **fields: str) -> tuple[int, dict]:
    response = client.post(URL, files={"file": ("picture.png", data, "image/png")}, data=fields)
    return response.status_code, response.json()


def test_presets_exact_values() -> None:
    assert PRESETS["sobel_x"].weight.tolist() == [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    assert PRESETS["sobel_y"].weight.tolist() == [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]
    assert PRESETS["laplacian"].weight.tolist() == [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
    assert PRESETS["outline"].weight.sum() == 0 and PRESETS["box_blur"].weight.sum() == pytest.approx(1)
    assert len(PRESETS) == 9


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (b"", 422, "file: got 0 bytes; must be an image file (PNG, JPEG, GIF or WebP)"),
        (b"just some text\n", 422, "file: got 15 bytes that are not PNG, JPEG, GIF or WebP; must be an image file"),
    ],
)
def test_bad_files(client: TestClient, data: bytes, status: int, message: str) -> None:
    code, body = upload(client, data)
    assert code == status and body["message"].startswith(message)
    assert body["detail"][0]["param"] == "file"


def test_truncated_png(client: TestClient) -> None:
    noise = np.random.default_rng(1).integers(0, 255, (40, 40), dtype=np.uint8)
    data = png(Image.fromarray(noise))
    code, body = upload(client, data[: len(data) - 200])
    assert code == 422
    assert body["message"].startswith("file: got a PNG image of 40x40 whose data could not be decoded")
    assert body["message"].endswith("must be a complete, undamaged image file")


def test_header_declared_huge_image(client: TestClient) -> None:
    data = bytearray(png(Image.new("L", (2, 2))))
    data[16:24] = (20000).to_bytes(4, "big") + (20000).to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    code, body = upload(client, bytes(data))
    assert code == 413
    assert body["message"] == (
        "file: got a 20000x20000 image (400,000,000 pixels); "
        "the cap is 25,000,000 pixels (max_upload_pixels in settings)"
    )


def test_file_over_the_upload_cap(client: TestClient) -> None:
    cap = get_settings().max_upload_bytes
    assert cap <= get_settings().max_body_bytes
    code, body = upload(client, b"\0" * (cap + 10))
    assert code == 413
    assert (
        body["message"]
        == f"file: got more than {cap:,} bytes; must be at most {cap:,} bytes (max_upload_bytes in settings)"
    )


def test_body_over_the_body_cap(client: TestClient) -> None:
    cap = get_settings().max_body_bytes
    code, body = upload(client, b"\0" * (cap + 10))
    assert code == 413 and body["message"].startswith("request body: got ")


def test_gif_first_frame_used(client: TestClient) -> None:
    frames = [Image.new("L", (6, 6), 180), Image.new("L", (6, 6), 20)]
    code, body = upload(client, png(frames[0], "GIF", save_all=True, append_images=frames[1:]), kernel="identity")
    assert code == 200
    assert np.all(np.array(body["feature_map"]["values"])[1:-1, 1:-1] == 180)


def test_exif_rotated_jpeg_read_upright(client: TestClient) -> None:
    upright = Image.new("L", (40, 20), 0)
    upright.paste(255, (0, 0, 40, 10))
    exif = Image.Exif()
    exif[0x0112] = 6
    code, body = upload(client, png(upright.transpose(Image.Transpose.ROTATE_90), "JPEG", exif=exif), kernel="identity")
    assert code == 200 and body["shape"] == [1, 20, 40]
    values = np.array(body["feature_map"]["values"])
    assert values[1:8, 1:-1].mean() > 200 and values[12:-1, 1:-1].mean() < 50


def test_sobel_x_on_a_sample_is_the_engine(client: TestClient) -> None:
    response = client.post(URL, data={"sample": "house", "kernel": "sobel_x"})
    assert response.status_code == 200
    body = response.json()
    pixels = catalogue.array("house")
    expected = conv2d(pixels, PRESETS["sobel_x"].weight[None, None], padding=1).output[0]
    values = np.array(body["feature_map"]["values"])
    assert body["shape"] == [1, 128, 128] and values.shape == (128, 128)
    np.testing.assert_array_equal(values, expected)
    assert body["feature_map"]["min"] == expected.min() and body["feature_map"]["max"] == expected.max()
    feature = Image.open(io.BytesIO(base64.b64decode(body["png"])))
    assert feature.size == (128, 128) and feature.mode == "RGB"
    assert Image.open(io.BytesIO(base64.b64decode(body["input_png"]))).size == (128, 128)


def test_each_picture_is_encoded_once(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """png and feature_map.png are one PNG: input, feature map, ReLU and pool make four encodings, not five."""
    encoded: list[Image.Image] = []
    real = uploads.png_base64
    monkeypatch.setattr(uploads, "png_base64", lambda image: encoded.append(image) or real(image))
    body = client.post(URL, data={"sample": "house", "relu": "true", "pool": "true"}).json()
    assert len(encoded) == 4
    assert body["png"] == body["feature_map"]["png"]


def test_no_sample_and_no_file_is_the_temple_photo_with_its_credit(client: TestClient) -> None:
    body = client.post(URL, data={"kernel": "identity", "padding": "1"}).json()
    assert body["source"] == "temple" and body["label"] == "temple"
    assert body["shape"] == [1, 85, 128]  # 640x427, longest side 128, as an upload would be
    np.testing.assert_array_equal(np.array(body["feature_map"]["values"]), catalogue.array("temple")[0])
    credit = body["credit"]
    assert credit["author"] == "danielbuechele" and credit["licence"] == "CC BY 2.0"
    assert credit["licence_url"] == "https://creativecommons.org/licenses/by/2.0/"
    assert credit["source_url"] == "https://www.flickr.com/photos/danielbuechele/6061409035/sizes/z/in/photostream/"
    assert "Robert Layton" in credit["text"] and "china.jpg" in credit["text"]


def test_drawings_and_uploads_have_no_credit(client: TestClient) -> None:
    body = client.post(URL, data={"sample": "digit"}).json()
    assert (body["label"], body["credit"], body["shape"]) == ("7", None, [1, 128, 128])
    code, uploaded = upload(client, png(Image.new("L", (10, 10), 9)))
    assert code == 200 and uploaded["source"] == "upload" and uploaded["label"] is None and uploaded["credit"] is None


def test_openapi_lists_the_catalogue(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["paths"][URL]["post"]["requestBody"]["content"]
    sample = schema["multipart/form-data"]["schema"]["properties"]["sample"]
    assert sample["anyOf"][0]["enum"] == list(catalogue.SAMPLES) and sample["default"] == "temple"
    assert sample["anyOf"][1] == {"type": "string", "maxLength": 0}  # a field left blank: as if not sent


def test_a_blank_field_is_as_if_not_sent(client: TestClient) -> None:
    """A form sends a field left blank as an empty string; the OpenAPI document says so (schemathesis
    found relu= answered 200 where the document promised a boolean)."""
    blank = {name: "" for name in ("sample", "kernel", "grayscale", "relu", "pool", "padding", "x", "y", "size")}
    assert client.post(URL, data=blank).json() == client.post(URL, data={"custom": ""}).json()


def test_relu_and_pool(client: TestClient) -> None:
    body = client.post(URL, data={"sample": "checkerboard", "kernel": "sobel_x", "pool": "true"}).json()
    feature = np.array(body["feature_map"]["values"])
    rectified = np.maximum(feature, 0)
    np.testing.assert_array_equal(np.array(body["relu"]["values"]), rectified)
    np.testing.assert_array_equal(np.array(body["pool"]["values"]), max_pool2d(rectified[None], 2).output[0])
    assert body["pool"]["shape"] == [64, 64] and body["relu"]["min"] == 0


def test_custom_kernel_and_region(client: TestClient) -> None:
    body = client.post(URL, data={"sample": "house", "custom": "0,0,0;0,2,0;0,0,0", "x": "40", "y": "60"}).json()
    assert body["kernel"]["name"] == "custom"
    region = body["region"]
    assert (region["top"], region["left"], region["size"]) == (57, 37, 7)
    patch = catalogue.array("house")[0, 57:64, 37:44]
    np.testing.assert_array_equal(parse_array("input", region["input"], 2), patch)
    assert region["url"].startswith("/play/conv2d?input=")


def test_region_kept_inside_the_image(client: TestClient) -> None:
    region = client.post(URL, data={"sample": "house", "x": "0", "y": "127", "size": "5"}).json()["region"]
    assert (region["top"], region["left"]) == (123, 0)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kernel": "blur"}, "kernel: got 'blur'; must be one of ['identity', "),
        ({"custom": "1,2;3,4"}, "custom: got a 2x2 kernel; must be 3x3"),
        ({"custom": "1,x,1;1,1,1;1,1,1"}, "custom: got 'x'; every value must be a number"),
        ({"sample": "moon"}, f"sample: got 'moon'; must be one of {NAMES}"),
        ({"grayscale": "maybe"}, "grayscale: got 'maybe'; must be true or false"),
        ({"grayscale": "0"}, "grayscale: got '0'; must be true or false"),  # the document says boolean
        ({"pool": "on"}, "pool: got 'on'; must be true or false"),
        ({"x": "3"}, "y: got null; x and y go together"),
        ({"x": "500", "y": "1"}, "x: got 500; must be from 0 to 127"),
        ({"size": "2"}, "size: got 2; must be from 3 to 15"),  # without x and y too (found by schemathesis)
        ({"size": "2.0"}, "size: got '2.0'; must be a whole number"),
        ({"colour": "red"}, "colour: got a form field; is not a field of this request"),
    ],
)
def test_bad_fields(client: TestClient, fields: dict[str, str], message: str) -> None:
    response = client.post(URL, data=fields)
    assert response.status_code == 422 and response.json()["message"].startswith(message)
    if "sample" in fields:
        assert response.json()["message"] == message  # the whole sentence, as on the augmentation API


def test_rgb_uses_the_kernel_on_every_channel(client: TestClient) -> None:
    body = client.post(URL, data={"sample": "house", "kernel": "identity", "grayscale": "false"}).json()
    pixels = catalogue.array("house", grayscale=False)
    assert body["shape"] == [3, 128, 128]
    np.testing.assert_allclose(np.array(body["feature_map"]["values"]), pixels.sum(axis=0))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"garbage", "body: got a malformed multipart body"),
        (
            b'--xx\r\nContent-Disposition: form-data; name="sample"\r\n\r\nhouse',
            "body: got an incomplete multipart body",
        ),
        (b"", "body: got an incomplete multipart body"),
        (b"--xx\r\n\r\nfoo\r\n--xx--\r\n", "body: got a part without a name"),
    ],
)
def test_malformed_multipart(client: TestClient, body: bytes, message: str) -> None:
    response = client.post(URL, content=body, headers={"content-type": "multipart/form-data; boundary=xx"})
    assert response.status_code == 422 and response.json()["message"].startswith(message)


def test_region_of_an_rgb_image_is_grey(client: TestClient) -> None:
    body = client.post(URL, data={"sample": "house", "grayscale": "false", "x": "10", "y": "10", "size": "3"}).json()
    rgb = catalogue.array("house", grayscale=False)[:, 9:12, 9:12]
    expected = rgb[0] * 0.299 + rgb[1] * 0.587 + rgb[2] * 0.114
    np.testing.assert_array_equal(parse_array("input", body["region"]["input"], 2), expected)
