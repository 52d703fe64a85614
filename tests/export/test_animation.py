"""GIF and PNG export: frame counts, first frame == PNG of step 0, same URL same bytes, the window moving,
and the trace endpoint's errors (422, 413) unchanged."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.config import get_settings
from app.export.render_png import EMPTY, GAP, LABEL_H, MARGIN, WINDOW, sample_steps
from tests.ndjson import OPS

CAP = get_settings().max_gif_frames
BIG = "in_channels=3&height=32&width=32&out_channels=6&kernel_size=5"


def image(content: bytes) -> Image.Image:
    return Image.open(io.BytesIO(content))


def rgb_frames(content: bytes) -> list[Image.Image]:
    gif = image(content)
    frames = []
    for k in range(gif.n_frames):
        gif.seek(k)
        frames.append(gif.convert("RGB"))
    return frames


@pytest.mark.parametrize("op", OPS)
def test_every_op_gives_a_gif_with_a_frame_per_step(client: TestClient, op: str) -> None:
    r = client.get(f"/api/{op}/animation.gif")
    assert r.status_code == 200, r.text
    total = client.get(f"/api/{op}/shape").json()["steps"]["total"]
    assert r.headers["content-type"] == "image/gif"
    assert r.headers["x-convscope-frames"] == f"{total}/{total}"
    assert r.headers["content-disposition"] == f'attachment; filename="{op}.gif"'
    assert r.headers["cache-control"].startswith("public, max-age=")
    assert image(r.content).n_frames == total


def test_default_conv2d_is_25_frames_and_the_filename_names_changed_parameters(client: TestClient) -> None:
    r = client.get("/api/conv2d/animation.gif?stride=2&padding=1")
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="conv2d-stride2-padding1.gif"'
    assert r.headers["x-convscope-frames"] == "16/16"
    assert image(r.content).n_frames == 16
    assert image(client.get("/api/conv2d/animation.gif").content).n_frames == 25


def test_a_large_trace_is_sampled_to_the_frame_cap(client: TestClient) -> None:
    r = client.get(f"/api/conv2d/animation.gif?{BIG}")
    assert r.status_code == 200
    assert r.headers["x-convscope-frames"] == f"{CAP}/4704"
    assert image(r.content).n_frames == CAP
    r = client.get(f"/api/conv2d/animation.gif?{BIG}&frames=7")
    assert r.headers["x-convscope-frames"] == "7/4704"
    assert image(r.content).n_frames == 7


def test_sampled_steps_keep_the_first_and_the_last() -> None:
    assert sample_steps(4704, 7) == [0, 784, 1568, 2352, 3135, 3919, 4703]
    assert sample_steps(5, 10) == [0, 1, 2, 3, 4]
    steps = sample_steps(1000, CAP)
    assert len(steps) == CAP and steps[0] == 0 and steps[-1] == 999


@pytest.mark.parametrize("query", ["", f"{BIG}&", "padding=1&stride=2&size=30&"])
def test_the_first_frame_is_the_png_of_step_0(client: TestClient, query: str) -> None:
    gif = client.get(f"/api/conv2d/animation.gif?{query}")
    png = client.get(f"/api/conv2d/frame.png?{query}step=0")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    first = rgb_frames(gif.content)[0]
    assert first.size == image(png.content).size
    assert first.tobytes() == image(png.content).convert("RGB").tobytes()


def test_the_last_frame_is_the_png_of_the_last_step(client: TestClient) -> None:
    frames = rgb_frames(client.get("/api/max_pool2d/animation.gif?padding=1&kernel_size=3&stride=2").content)
    png = client.get("/api/max_pool2d/frame.png?padding=1&kernel_size=3&stride=2&step=8")
    assert png.headers["content-disposition"].endswith('-step8.png"')
    assert frames[-1].tobytes() == image(png.content).convert("RGB").tobytes()


@pytest.mark.parametrize("url", ["/api/conv2d/animation.gif?seed=3", f"/api/conv2d/animation.gif?{BIG}&frames=9"])
def test_the_same_url_gives_the_same_bytes(client: TestClient, url: str) -> None:
    assert client.get(url).content == client.get(url).content


def test_the_window_outline_moves_between_frames(client: TestClient) -> None:
    """7x7 input, 3x3 kernel, cells of 20 px: step 0 reads columns 0-2, step 1 columns 1-3."""
    frames = rgb_frames(client.get("/api/conv2d/animation.gif?size=20").content)
    cell, top = 20, MARGIN + LABEL_H
    col0, col3, row1 = MARGIN + 1, MARGIN + 3 * cell + 1, top + cell + cell // 2  # left edge of cells (1, 0), (1, 3)
    assert frames[0].getpixel((col0, row1)) == WINDOW
    assert frames[0].getpixel((col3, row1)) != WINDOW
    assert frames[1].getpixel((col0, row1)) != WINDOW
    assert frames[1].getpixel((col3, row1)) == WINDOW
    below = top + 4 * cell + cell // 2  # row 4 is in no window of the first row of steps
    assert frames[0].getpixel((col0, below)) == frames[1].getpixel((col0, below))
    out_x = MARGIN + 7 * cell + 1 + 2 * GAP  # output panel; its cell (0, 1) fills in at step 1
    centre = (out_x + cell + cell // 2, top + cell // 2)
    assert frames[0].getpixel(centre) != frames[1].getpixel(centre)


@pytest.mark.parametrize(
    "query", ["stride=0", "height=0", "kernel_size=9", "padding=x", "nope=1", "groups=2&in_channels=3"]
)
def test_bad_input_is_the_trace_endpoints_422(client: TestClient, query: str) -> None:
    trace = client.get(f"/api/conv2d/trace?{query}")
    assert trace.status_code == 422
    for url in (f"/api/conv2d/animation.gif?{query}", f"/api/conv2d/frame.png?{query}"):
        r = client.get(url)
        assert (r.status_code, r.json()) == (422, trace.json())


def test_a_size_over_a_cap_is_the_trace_endpoints_413(client: TestClient) -> None:
    query = "in_channels=64&height=64&width=64"
    trace = client.get(f"/api/relu/trace?{query}")
    r = client.get(f"/api/relu/animation.gif?{query}")
    assert trace.status_code == 413
    assert (r.status_code, r.json()) == (413, trace.json())


def test_over_the_pixel_cap_is_413_naming_the_cap(client: TestClient) -> None:
    r = client.get("/api/conv2d/animation.gif?in_channels=3&height=64&width=64&size=64")
    assert r.status_code == 413
    assert "max_gif_pixels" in r.json()["message"]
    assert r.json()["message"].startswith("frames x width x height: got 120 frames of ")


@pytest.mark.parametrize("query", ["frames=0", f"frames={CAP + 1}", "size=1", "size=65", "duration=10", "step=-1"])
def test_export_parameters_are_bounded(client: TestClient, query: str) -> None:
    url = "/api/conv2d/frame.png" if query.startswith("step") else "/api/conv2d/animation.gif"
    r = client.get(f"{url}?{query}")
    assert r.status_code == 422
    assert r.json()["detail"][0]["param"] == query.split("=")[0]


def test_a_step_past_the_end_is_422_with_the_range(client: TestClient) -> None:
    r = client.get("/api/conv2d/frame.png?step=25")
    assert r.status_code == 422
    assert r.json()["message"] == "step: got 25; must be from 0 to 24 (this trace has 25 steps)"
    assert r.json()["detail"][0]["loc"] == ["query", "step"]
    assert client.get("/api/conv2d/frame.png?step=24").status_code == 200


def test_palette_colours_stay_exact(client: TestClient) -> None:
    """White background, the player's empty-cell grey and the window's black, not near neighbours."""
    frame = image(client.get("/api/conv2d/frame.png?size=20&step=0").content).convert("RGB")
    cell, top = 20, MARGIN + LABEL_H
    out_x = MARGIN + 7 * cell + 1 + 2 * GAP
    assert frame.getpixel((0, 0)) == (255, 255, 255)
    assert frame.getpixel((out_x + 4 * cell + cell // 2, top + 4 * cell + cell // 2)) == EMPTY
    assert frame.getpixel((MARGIN + 1, top + cell // 2)) == WINDOW
