"""The image page in Chromium: an uploaded PNG convolved with Sobel x gives what the API gives;
the zoom lens opens the conv player on the region's real pixel values."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from playwright.sync_api import Page

from app.http.textarrays import parse_array

from .conftest import Console


def drawn_png() -> bytes:
    image = Image.new("RGB", (160, 100), (30, 60, 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 20, 110, 80), fill=(250, 230, 40))
    draw.ellipse((10, 10, 50, 50), fill=(200, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_upload_sobel_x_and_zoom(page: Page, base_url: str, artifacts: Path, client: TestClient) -> None:
    page.goto(f"{base_url}/play/image")
    page.wait_for_function("() => window.convscope && convscope.ready && convscope.requests === 1")
    assert page.evaluate("convscope.response.source") == "temple"  # the default: a photo
    data = drawn_png()
    page.set_input_files("#file", files=[{"name": "drawn.png", "mimeType": "image/png", "buffer": data}])
    page.wait_for_function("() => convscope.ready && convscope.response.source === 'upload'")
    assert page.locator("#credit").is_hidden()  # the upload is the visitor's own: no credit line
    page.select_option("#kernel", "sobel_x")  # already selected: no change event, the upload's map stands
    got = page.evaluate("convscope.response")
    direct = client.post(
        "/api/images/convolve",
        files={"file": ("drawn.png", data, "image/png")},
        data={"kernel": "sobel_x", "pool": "true", "x": "40", "y": "60", "size": "7", "grayscale": "true"},
    )
    assert direct.status_code == 200
    want = direct.json()
    assert got["kernel"]["name"] == "sobel_x" and got["shape"] == [1, 80, 128]
    np.testing.assert_array_equal(np.array(got["feature_map"]["values"]), np.array(want["feature_map"]["values"]))
    assert got["png"] == want["png"] and got["region"] == want["region"]
    page.wait_for_function("() => document.getElementById('pool-img').complete")
    page.screenshot(path=str(artifacts / "image-page.png"))

    # click the feature map: the lens moves there
    box = page.locator("#feature-img").bounding_box()
    assert box is not None
    before = page.evaluate("convscope.requests")
    # on the right edge of the drawn rectangle (x = 110 of 160 -> 88 of 128), so the region holds an edge
    page.locator("#feature-img").click(
        position={"x": 1 + (box["width"] - 2) * 88.5 / 128, "y": 1 + (box["height"] - 2) * 40.5 / 80}
    )
    page.wait_for_function(f"() => convscope.ready && convscope.requests > {before}")
    region = page.evaluate("convscope.response.region")
    assert (region["x"], region["y"]) == (88, 40)
    assert len(set(region["input"].replace(";", ",").split(","))) > 1  # not a flat patch

    page.click("#zoom-link")
    page.wait_for_url("**/play/conv2d?**")
    page.wait_for_function("() => window.convscope && convscope.header && convscope.complete")
    header_input = page.evaluate("convscope.header.input")
    expected = parse_array("input", region["input"], 2)
    np.testing.assert_array_equal(np.array(header_input), expected[None])
    assert np.array(page.evaluate("convscope.header.weight")).reshape(3, 3).tolist() == [
        [-1, 0, 1],
        [-2, 0, 2],
        [-1, 0, 1],
    ]
    page.screenshot(path=str(artifacts / "image-zoom-conv2d.png"))


def test_bad_upload_shows_the_message(page: Page, base_url: str, console: Console) -> None:
    page.goto(f"{base_url}/play/image")
    page.wait_for_function("() => window.convscope && convscope.ready")
    page.set_input_files("#file", files=[{"name": "notes.png", "mimeType": "image/png", "buffer": b"not a picture"}])
    page.wait_for_function("() => !document.getElementById('error').hidden")
    assert page.text_content("#error") == (
        "file: got 13 bytes that are not PNG, JPEG, GIF or WebP; must be an image file (PNG, JPEG, GIF or WebP)"
    )
    # Chromium logs every 4xx response as a console error: that one is expected, nothing else is
    assert [m for m in console.messages if "status of 422" not in m] == []
    console.messages.clear()


def test_presets_and_custom_kernel(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/play/image")
    page.wait_for_function("() => window.convscope && convscope.ready && convscope.requests === 1")
    page.select_option("#kernel", "laplacian")
    page.wait_for_function("() => convscope.ready && convscope.response.kernel.name === 'laplacian'")
    cells = [page.locator(".kernel-cell").nth(i).input_value() for i in range(9)]
    assert cells == ["0", "1", "0", "1", "-4", "1", "0", "1", "0"]
    assert "second derivative" in page.text_content("#detects")
    page.locator(".kernel-cell").nth(4).fill("-8")
    page.locator(".kernel-cell").nth(4).dispatch_event("change")
    page.wait_for_function("() => convscope.ready && convscope.response.kernel.name === 'custom'")
    assert page.evaluate("convscope.response.kernel.text") == "0,1,0;1,-8,1;0,1,0"


def test_the_url_keeps_the_settings(page: Page, base_url: str) -> None:
    """A link with sample, kernel, lens and grey settings restores them; a change rewrites the link."""
    page.goto(f"{base_url}/play/image?sample=checkerboard&kernel=sobel_y&x=10&y=12&size=5&grayscale=false")
    page.wait_for_function("() => window.convscope && convscope.ready && convscope.requests === 1")
    got = page.evaluate("convscope.response")
    assert got["source"] == "checkerboard"
    assert got["kernel"]["name"] == "sobel_y"
    assert page.locator("#grayscale").is_checked() is False
    assert (page.locator("#zoom-x").input_value(), page.locator("#zoom-y").input_value()) == ("10", "12")
    page.select_option("#kernel", "laplacian")
    page.wait_for_function("() => convscope.ready && convscope.response.kernel.name === 'laplacian'")
    search = page.evaluate("location.search")
    assert "kernel=laplacian" in search and "sample=checkerboard" in search and "grayscale=false" in search


def test_a_photo_shows_its_credit_under_it(page: Page, base_url: str, artifacts: Path) -> None:
    """CC BY asks for attribution where the photo is shown: a line under the input, links from the API's credit."""
    page.goto(f"{base_url}/play/image")
    page.wait_for_function("() => window.convscope && convscope.ready && convscope.requests === 1")
    assert page.locator("#sample").input_value() == "temple"
    labels = page.evaluate("() => [...document.querySelectorAll('#sample optgroup')].map((g) => g.label)")
    assert labels == ["Photos (CC BY 2.0)", "Drawn by ConvScope"]
    page.select_option("#sample", "flower")
    page.wait_for_function("() => convscope.ready && convscope.response.source === 'flower'")
    credit = page.locator("#credit")
    assert credit.is_visible()
    assert credit.text_content() == (
        "Photo flower.jpg by vultilion on Flickr, CC BY 2.0, from scikit-learn's sample images; "
        "shown here shrunk and changed."
    )
    links = credit.locator("a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        "https://www.flickr.com/photos/vultilion/6056698931/sizes/z/in/photostream/",
        "https://www.flickr.com/photos/vultilion/",
        "https://creativecommons.org/licenses/by/2.0/",
    ]
    assert page.evaluate("convscope.response.shape") == [1, 85, 128]
    assert page.text_content("#input-shape") == "128x85, 1 channel"
    assert "sample=flower" in page.evaluate("location.search")
    page.wait_for_function("() => [...document.querySelectorAll('.pictures img')].every((i) => i.complete)")
    page.screenshot(path=str(artifacts / "image-photo.png"), full_page=True)
    page.select_option("#sample", "gradient")
    page.wait_for_function("() => convscope.ready && convscope.response.source === 'gradient'")
    assert credit.is_hidden()
