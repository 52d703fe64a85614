"""Augmentations: reproducible per seed, checked against Pillow, NumPy and hand-made cases."""

from __future__ import annotations

import colorsys

import numpy as np
import pytest
from PIL import Image

from app.engine.errors import ParamError
from app.images import augment as A
from app.images.catalogue import DRAWINGS, checkerboard, drawing, gradient, house


def random_image(seed: int, h: int = 23, w: int = 31) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


RANDOM_OPS = {
    "crop": lambda x, s: A.random_crop(x, (12, 17), s, padding=2),
    "jitter": lambda x, s: A.color_jitter(x, 0.4, 0.4, 0.4, 0.1, s),
    "translate": lambda x, s: A.translate(x, 0.3, s),
    "rotate": lambda x, s: A.rotate(x, 45, s),
}


@pytest.mark.parametrize("name", RANDOM_OPS)
def test_same_seed_same_bytes_different_seed_differs(name: str) -> None:
    x = house()
    op = RANDOM_OPS[name]
    a, pa = op(x, 7)
    b, pb = op(x, 7)
    assert a.tobytes() == b.tobytes() and pa == pb
    others = [op(x, s) for s in range(8, 12)]
    assert any(o[0].tobytes() != a.tobytes() or o[0].shape != a.shape for o in others)
    assert any(o[1] != pa for o in others)


@pytest.mark.parametrize("seed", range(5))
def test_grayscale_equals_pillow_convert_L(seed: int) -> None:
    x = random_image(seed, 40, 50)
    out, params = A.grayscale(x)
    expected = np.asarray(Image.fromarray(x, "RGB").convert("L"))
    assert out.shape == x.shape
    for c in range(3):
        np.testing.assert_array_equal(out[..., c], expected)
    assert params["weights"] == [0.299, 0.587, 0.114]


def test_grayscale_hand_values() -> None:
    x = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]], np.uint8)
    assert A.grayscale(x)[0][0, :, 0].tolist() == [76, 150, 29, 255]  # 76.245, 149.685, 29.07


def test_flips_are_exact_reversals() -> None:
    x = random_image(1)
    h, _ = A.hflip(x)
    v, _ = A.vflip(x)
    assert all((h[:, j] == x[:, x.shape[1] - 1 - j]).all() for j in range(x.shape[1]))
    assert all((v[i] == x[x.shape[0] - 1 - i]).all() for i in range(x.shape[0]))
    np.testing.assert_array_equal(A.hflip(h)[0], x)
    np.testing.assert_array_equal(A.vflip(v)[0], x)


@pytest.mark.parametrize("seed", range(6))
def test_crop_has_the_size_and_comes_from_the_original(seed: int) -> None:
    x = random_image(seed)
    out, p = A.random_crop(x, (10, 14), seed, padding=3)
    assert out.shape == (10, 14, 3)
    padded = np.pad(x, ((3, 3), (3, 3), (0, 0)))
    np.testing.assert_array_equal(out, padded[p["top"] : p["top"] + 10, p["left"] : p["left"] + 14])
    assert 0 <= p["top"] <= x.shape[0] + 6 - 10 and 0 <= p["left"] <= x.shape[1] + 6 - 14
    whole, p0 = A.random_crop(x, x.shape[:2], seed)
    np.testing.assert_array_equal(whole, x)
    assert (p0["top"], p0["left"]) == (0, 0)


def test_jitter_all_zero_is_identity() -> None:
    x = random_image(3)
    out, p = A.color_jitter(x, 0, 0, 0, 0, 5)
    np.testing.assert_array_equal(out, x)
    assert p == {"order": []}


def test_jitter_factor_ranges() -> None:
    for seed in range(30):
        _, p = A.color_jitter(random_image(0, 4, 4), 0.5, 2.0, 0.25, 0.1, seed)
        assert 0.5 <= p["brightness"] <= 1.5
        assert 0.0 <= p["contrast"] <= 3.0
        assert 0.75 <= p["saturation"] <= 1.25
        assert -0.1 <= p["hue"] <= 0.1
        assert sorted(p["order"]) == sorted(A.JITTER_ORDER)


def test_jitter_hue_zero_keeps_hue() -> None:
    x = house()
    out, p = A.color_jitter(x, 0.1, 0, 0.3, 0, 4)
    assert "hue" not in p
    for i, j in [(5, 5), (35, 20), (45, 25), (60, 10), (20, 26)]:
        h0 = colorsys.rgb_to_hsv(*(x[i, j] / 255.0))[0]
        h1 = colorsys.rgb_to_hsv(*(out[i, j] / 255.0))[0]
        assert abs((h1 - h0 + 0.5) % 1 - 0.5) < 0.02, (i, j)


def test_hsv_round_trip_and_half_turn() -> None:
    x = random_image(2).astype(np.float64) / 255
    np.testing.assert_allclose(A.hsv_to_rgb(A.rgb_to_hsv(x)), x, atol=1e-12)
    red = np.array([[[1.0, 0.0, 0.0]]])
    hsv = A.rgb_to_hsv(red)
    hsv[..., 0] = (hsv[..., 0] + 0.5) % 1
    np.testing.assert_allclose(A.hsv_to_rgb(hsv), [[[0.0, 1.0, 1.0]]])  # red turns cyan


def test_translate_by_one_column() -> None:
    x = random_image(4)
    out = A.shift(x, 1, 0)
    assert (out[:, 0] == 0).all()
    np.testing.assert_array_equal(out[:, 1:], x[:, :-1])
    up = A.shift(x, 0, -2)
    np.testing.assert_array_equal(up[:-2], x[2:])
    assert (up[-2:] == 0).all()
    assert (A.shift(x, 99, 0) == 0).all()


def test_random_translate_records_its_shift() -> None:
    x = random_image(5, 20, 30)
    out, p = A.translate(x, 0.25, 9)
    assert abs(p["dx"]) <= 7.5 and abs(p["dy"]) <= 5
    np.testing.assert_array_equal(out, A.shift(x, p["dx"], p["dy"]))
    assert A.translate(x, 0, 9)[1] == {"dx": 0, "dy": 0}


def test_rotate_zero_is_identity_and_90_is_rot90() -> None:
    x = random_image(6)
    np.testing.assert_array_equal(A.rotate_by(x, 0), x)
    np.testing.assert_array_equal(A.rotate(x, 0, 3)[0], x)
    sq = random_image(7, 17, 17)
    np.testing.assert_array_equal(A.rotate_by(sq, 90, "nearest"), np.rot90(sq))
    np.testing.assert_array_equal(A.rotate_by(sq, 180, "nearest"), np.rot90(sq, 2))


def test_rotate_angle_in_range_and_fill_zero() -> None:
    x = np.full((20, 20, 3), 200, np.uint8)
    for seed in range(10):
        out, p = A.rotate(x, 30, seed)
        assert -30 <= p["angle"] <= 30
    out = A.rotate_by(x, 45, "nearest")
    assert (out[0, 0] == 0).all() and (out[10, 10] == 200).all()


def test_difference_numbers() -> None:
    x = np.zeros((2, 2, 3), np.uint8)
    y = x.copy()
    y[0, 0] = (10, 20, 0)
    diff, d = A.difference(x, y)
    assert d == {"mean_abs": [2.5, 5.0, 0.0], "changed": 0.25}
    assert A.heat_map(diff).shape == (2, 2, 3)
    assert A.difference(x, x)[1] == {"mean_abs": [0.0, 0.0, 0.0], "changed": 0.0}


@pytest.mark.parametrize("size", [64, 128])
def test_drawings_are_square_rgb_uint8_at_the_size_asked(size: int) -> None:
    for name in DRAWINGS:
        img = drawing(name, size)
        assert img.shape == (size, size, 3) and img.dtype == np.uint8, name
        assert len(np.unique(img.reshape(-1, 3), axis=0)) > 1, name


def test_checkerboard_and_gradient_hand_values() -> None:
    board = checkerboard(128)  # 8 squares across: 16 pixels each, the top-left one white
    assert board[0, 0].tolist() == board[15, 15].tolist() == [255, 255, 255]
    assert board[0, 16].tolist() == [255, 185, 60] and board[16, 16].tolist() == [20, 50, 160]
    assert checkerboard(64)[8, 8].tolist() == [20, 50, 160]  # 8-pixel squares at 64
    ramp = gradient(128)
    assert ramp[0, 0].tolist() == [0, 0, 0] and ramp[0, 127].tolist() == [255, 255, 255]
    assert ramp[0, 64].tolist() == [129, 129, 129]  # 64 / 127 * 255 = 128.504 rounds to 129
    assert ramp[16, 56].tolist() == ramp[111, 71].tolist() == [40, 40, 40]  # the bar: rows 16-111, columns 56-71
    assert ramp[15, 56].tolist() != [40, 40, 40] and ramp[16, 72].tolist() != [40, 40, 40]


ERRORS = [
    (
        lambda: A.grayscale(np.zeros((4, 4), np.uint8)),
        r"^image: got an array of shape \(4, 4\) and dtype uint8; must be an \(H, W, 3\) uint8 array$",
    ),
    (lambda: A.random_crop(random_image(0), 40, 0), r"^size: got 40; must fit in the padded image \(23, 31\)$"),
    (
        lambda: A.random_crop(random_image(0), 0, 0),
        r"^size: got 0; must be a whole number >= 1 or a pair \(height, width\) of them$",
    ),
    (
        lambda: A.random_crop(random_image(0), 4, 0, padding=-1),
        r"^padding: got -1; must be a whole number from 0 to 64$",
    ),
    (lambda: A.color_jitter(random_image(0), 0, 0, 0, 0.6, 0), r"^hue: got 0.6; must be from 0 to 0.5$"),
    (lambda: A.color_jitter(random_image(0), -1, 0, 0, 0, 0), r"^brightness: got -1; must be from 0 to 10$"),
    (
        lambda: A.color_jitter(random_image(0), float("nan"), 0, 0, 0, 0),
        r"^brightness: got nan; must be a finite number$",
    ),
    (lambda: A.translate(random_image(0), 1.5, 0), r"^max_fraction: got 1.5; must be from 0 to 1$"),
    (lambda: A.rotate(random_image(0), 200, 0), r"^degrees: got 200; must be from 0 to 180$"),
    (
        lambda: A.rotate(random_image(0), 10, 0, "cubic"),
        r"^resample: got 'cubic'; must be one of \['bilinear', 'nearest'\]$",
    ),
    (lambda: A.rotate(random_image(0), 10, -1), r"^seed: got -1; must be an integer from 0 to 2147483647$"),
    (lambda: A.shift(random_image(0), 1.5, 0), r"^dx: got 1.5; must be a whole number$"),
    (
        lambda: drawing("cat"),
        r"^sample: got 'cat'; must be one of \['house', 'checkerboard', 'digit', 'gradient'\]$",
    ),
    (lambda: drawing("house", 4), r"^size: got 4; must be a whole number from 8 to 1024$"),
]


@pytest.mark.parametrize(("call", "message"), ERRORS)
def test_error_messages(call: object, message: str) -> None:
    with pytest.raises(ParamError, match=message):
        call()  # type: ignore[operator]
