"""GET /api/augment, its PNGs and the gallery page."""

from __future__ import annotations

import io

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.api.augment import SIZE
from app.images import augment as A
from app.images import catalogue

OPS = ["original", "grayscale", "hflip", "vflip", "crop", "jitter", "translate", "rotate"]
NAMES = "['temple', 'flower', 'house', 'checkerboard', 'digit', 'gradient']"


def png_array(content: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(content)).convert("RGB"))


@pytest.mark.parametrize("op", OPS)
def test_json_keeps_the_label_and_links_its_pngs(client: TestClient, op: str) -> None:
    r = client.get("/api/augment", params={"sample": "digit", "op": op, "seed": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["label"] == "7" and body["op"] == op and body["seed"] == 5
    assert set(body["diff"]) == {"mean_abs", "changed"} and len(body["diff"]["mean_abs"]) == 3
    img = client.get(body["image"])
    assert img.status_code == 200 and img.headers["content-type"] == "image/png"
    assert list(png_array(img.content).shape) == body["shape"]
    heat = client.get(body["diff_image"])
    assert heat.status_code == 200 and png_array(heat.content).shape[:2] == tuple(body["shape"][:2])


def test_png_matches_the_op_and_the_params(client: TestClient) -> None:
    body = client.get("/api/augment", params={"op": "rotate", "seed": 11}).json()
    assert body["sample"] == catalogue.DEFAULT == "temple"
    x = catalogue.rgb("temple", SIZE)
    assert x.shape == (43, 64, 3)  # the 640x427 photo, longest side 64
    expected = A.rotate_by(x, body["params"]["angle"], "bilinear")
    np.testing.assert_array_equal(png_array(client.get(body["image"]).content), expected)
    gray = client.get("/api/augment/image.png", params={"op": "grayscale"}).content
    np.testing.assert_array_equal(png_array(gray), A.grayscale(x)[0])


@pytest.mark.parametrize("op", ["crop", "jitter", "translate", "rotate"])
def test_same_seed_same_bytes_other_seed_other_bytes(client: TestClient, op: str) -> None:
    first = client.get("/api/augment/image.png", params={"op": op, "seed": 42}).content
    again = client.get("/api/augment/image.png", params={"op": op, "seed": 42}).content
    other = [client.get("/api/augment/image.png", params={"op": op, "seed": s}).content for s in (43, 44, 45)]
    assert first == again
    assert any(o != first for o in other)


def test_original_and_flips_have_no_random_part(client: TestClient) -> None:
    body = client.get("/api/augment", params={"op": "original"}).json()
    assert body["params"] == {} and body["diff"] == {"mean_abs": [0.0, 0.0, 0.0], "changed": 0.0}
    flip = client.get("/api/augment", params={"op": "hflip", "sample": "checkerboard"}).json()
    assert flip["diff"]["changed"] > 0


@pytest.mark.parametrize(
    ("params", "param", "message"),
    [
        ({"op": "blur"}, "op", "op: got 'blur'; must be one of "),
        ({"sample": "cat"}, "sample", f"sample: got 'cat'; must be one of {NAMES}"),
        ({"sample": ""}, "sample", f"sample: got ''; must be one of {NAMES}"),
        ({"seed": -1}, "seed", "seed: got -1; must be >= 0"),
        ({"seed": 2**31}, "seed", "seed: got 2147483648; must be <= 2147483647"),  # MAX_SEED, as every seed
        ({"hue": 0.7}, "hue", "hue: got 0.7; must be <= 0.5"),
        ({"degrees": "x"}, "degrees", "degrees: got 'x'; must be a number"),
        ({"brightness": "nan"}, "brightness", "brightness: got 'nan'; must be a finite number"),
        ({"zoom": 2}, "zoom", "zoom: got 2; is not a parameter of this operation"),
        ({"op": "crop", "size": 100}, "size", "size: got 100; must fit in the padded image (51, 72)"),
        ({"op": "crop", "size": 73, "sample": "house"}, "size", "size: got 73; must fit in the padded image (72, 72)"),
    ],
)
def test_bad_params_are_422_naming_the_param(
    client: TestClient, params: dict[str, object], param: str, message: str
) -> None:
    for path in ("/api/augment", "/api/augment/image.png", "/api/augment/diff.png"):
        r = client.get(path, params=params)
        assert r.status_code == 422, path
        body = r.json()
        assert body["message"].startswith(message)
        assert body["detail"][0]["param"] == param
        if param == "sample":
            assert body["message"] == message  # the whole sentence, as on the image API


def test_every_sample_keeps_its_label_and_photos_carry_their_credit(client: TestClient) -> None:
    labels = {}
    for name in catalogue.SAMPLES:
        body = client.get("/api/augment", params={"sample": name, "op": "hflip"}).json()
        labels[name] = body["label"]
        if name in ("temple", "flower"):
            assert body["credit"]["licence"] == "CC BY 2.0" and body["shape"] == [43, 64, 3]
        else:
            assert body["credit"] is None and body["shape"] == [64, 64, 3]
    assert labels == {
        "temple": "temple",
        "flower": "flower",
        "house": "house",
        "checkerboard": "checkerboard",
        "digit": "7",
        "gradient": "gradient",
    }
    credit = client.get("/api/augment", params={"sample": "flower"}).json()["credit"]
    assert credit["author"] == "vultilion"
    assert credit["source_url"] == "https://www.flickr.com/photos/vultilion/6056698931/sizes/z/in/photostream/"


def test_openapi_lists_the_catalogue(client: TestClient) -> None:
    params = client.get("/openapi.json").json()["paths"]["/api/augment"]["get"]["parameters"]
    sample = next(p for p in params if p["name"] == "sample")
    assert sample["schema"]["enum"] == list(catalogue.SAMPLES) and sample["schema"]["default"] == "temple"


def test_page_renders_with_every_op(client: TestClient) -> None:
    r = client.get("/play/augment")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    for op in OPS:
        assert f'data-op="{op}"' in r.text
    assert '<option value="temple" selected>temple</option>' in r.text
    assert '<option value="digit">digit 7</option>' in r.text
    assert "<script>" not in r.text and 'style="' not in r.text
    assert "/play/augment" not in client.get("/openapi.json").text
