"""The sample pictures: the one catalogue of which samples exist, their names, labels, credits
and pixels, for the image page and the augmentation gallery.

Two photographs that ship inside scikit-learn (``sklearn/datasets/images/china.jpg`` and
``flower.jpg``, CC BY 2.0, credited below and on screen wherever they are shown) and four
pictures ConvScope draws itself, in NumPy, below: no files, no licences. The photos are read
straight from the installed package, without importing scikit-learn and without any download,
and shrunk to the size asked for the way an upload is (``app.images.uploads.to_array``: BOX
filter, longest side at most that size). A drawing is drawn at the size asked for (the image
page asks for its working size, the gallery for 64), so nothing is resampled. Every sample
has a label, the class a dataset would give it: augmentation changes the picture and keeps
the label.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from app.config import get_settings
from app.engine.errors import ParamError
from app.images.uploads import to_array

CC_BY_2 = "https://creativecommons.org/licenses/by/2.0/"
RETRIEVED = "retrieved from Flickr on 21 August 2011 by Robert Layton for scikit-learn"


@dataclass(frozen=True)
class Credit:
    """The attribution CC BY asks for: who, where the photo is, the licence and its link."""

    author: str
    author_url: str
    source_url: str
    file: str
    licence: str = "CC BY 2.0"
    licence_url: str = CC_BY_2

    @property
    def text(self) -> str:
        return (
            f"Photo {self.file} by {self.author} on Flickr ({self.source_url}), {self.licence} ({self.licence_url}); "
            f"{RETRIEVED}; shown here shrunk (and convolved or augmented)"
        )

    def to_dict(self) -> dict[str, str]:
        return {
            "text": self.text,
            "file": self.file,
            "author": self.author,
            "author_url": self.author_url,
            "source_url": self.source_url,
            "licence": self.licence,
            "licence_url": self.licence_url,
        }


@dataclass(frozen=True)
class Sample:
    name: str
    label: str
    title: str  # what the pickers show
    what: str  # one line for the docs and the OpenAPI description
    credit: Credit | None = None  # a photo's attribution; None for the pictures drawn here
    draw: Callable[[int], np.ndarray] | None = None  # a drawing: (size, size, 3) uint8 at the size asked

    @property
    def origin(self) -> str:
        return "photo" if self.credit else "drawn"


# --- the pictures drawn here ------------------------------------------------------------


SIZE = 64  # a drawing's default side


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.mgrid[0:size, 0:size]
    return rows.astype(np.float64), cols.astype(np.float64)


def house(size: int = SIZE) -> np.ndarray:
    """A sky gradient, a sun, green grass, a red house with a dark roof and a yellow door."""
    rows, cols = _grid(size)
    t = rows / (size - 1)
    img = np.empty((size, size, 3), np.float64)
    img[..., 0] = 90 + 110 * t
    img[..., 1] = 150 + 70 * t
    img[..., 2] = 235 - 20 * t
    s = size / 64
    sun = (rows - 12 * s) ** 2 + (cols - 50 * s) ** 2 <= (7 * s) ** 2
    img[sun] = (255, 210, 40)
    img[rows >= 48 * s] = (60, 150, 60)
    body = (rows >= 30 * s) & (rows < 52 * s) & (cols >= 12 * s) & (cols < 40 * s)
    img[body] = (190, 50, 40)
    roof = (rows >= 16 * s) & (rows < 30 * s) & (np.abs(cols - 26 * s) <= (rows - 16 * s) + 2 * s)
    img[roof] = (70, 40, 40)
    door = (rows >= 40 * s) & (rows < 52 * s) & (cols >= 22 * s) & (cols < 30 * s)
    img[door] = (240, 200, 60)
    return np.round(img).astype(np.uint8)


def checkerboard(size: int = SIZE, square: int | None = None) -> np.ndarray:
    """Blue and orange squares (8 across unless ``square`` pixels is given), a white one top-left so flips show."""
    square = square or max(1, size // 8)
    rows, cols = _grid(size)
    odd = ((rows // square + cols // square) % 2).astype(bool)
    img = np.empty((size, size, 3), np.uint8)
    img[~odd] = (20, 50, 160)
    img[odd] = (255, 185, 60)
    img[:square, :square] = (255, 255, 255)
    return img


def digit(size: int = SIZE) -> np.ndarray:
    """A thick white "7" on a dark blue background, like an enlarged MNIST digit in colour."""
    rows, cols = _grid(size)
    s = size / 64
    img = np.empty((size, size, 3), np.uint8)
    img[:] = (20, 24, 60)
    bar = (rows >= 12 * s) & (rows < 19 * s) & (cols >= 16 * s) & (cols < 48 * s)
    # the diagonal: distance from the line through (row 15, col 47) and (row 54, col 26)
    r0, c0, r1, c1 = 15 * s, 47 * s, 54 * s, 26 * s
    length = np.hypot(r1 - r0, c1 - c0)
    dist = np.abs((c1 - c0) * (rows - r0) - (r1 - r0) * (cols - c0)) / length
    along = ((rows - r0) * (r1 - r0) + (cols - c0) * (c1 - c0)) / length
    stroke = (dist <= 3.5 * s) & (along >= 0) & (along <= length)
    img[bar | stroke] = (250, 250, 240)
    return img


def gradient(size: int = SIZE) -> np.ndarray:
    """A grey ramp, black on the left to white on the right, crossed by a dark vertical bar.

    A smooth ramp gives an edge detector a small, constant answer; the bar's two sides give large ones.
    """
    rows, cols = _grid(size)
    s = size / 128
    img = np.repeat(np.round(cols / max(size - 1, 1) * 255)[..., None], 3, axis=2)
    bar = (rows >= 16 * s) & (rows < 112 * s) & (cols >= 56 * s) & (cols < 72 * s)
    img[bar] = 40
    return img.astype(np.uint8)


# --- the catalogue ----------------------------------------------------------------------


SAMPLES_LIST = (
    Sample(
        "temple",
        "temple",
        "temple",
        "a tiered Chinese temple tower above a lake, trees in front",
        Credit(
            "danielbuechele",
            "https://www.flickr.com/photos/danielbuechele/",
            "https://www.flickr.com/photos/danielbuechele/6061409035/sizes/z/in/photostream/",
            "china.jpg",
        ),
    ),
    Sample(
        "flower",
        "flower",
        "flower",
        "an orange dahlia in front of dark green leaves",
        Credit(
            "vultilion",
            "https://www.flickr.com/photos/vultilion/",
            "https://www.flickr.com/photos/vultilion/6056698931/sizes/z/in/photostream/",
            "flower.jpg",
        ),
    ),
    Sample(
        "house", "house", "house", "a sky, a sun, grass and a red house with a dark roof and a yellow door", draw=house
    ),
    Sample(
        "checkerboard",
        "checkerboard",
        "checkerboard",
        "blue and orange squares, 8 across, a white one top-left",
        draw=checkerboard,
    ),
    Sample("digit", "7", "digit 7", "a thick white 7 on dark blue, like an enlarged MNIST digit", draw=digit),
    Sample("gradient", "gradient", "gradient", "a black-to-white ramp crossed by a dark vertical bar", draw=gradient),
)
CATALOGUE = {s.name: s for s in SAMPLES_LIST}
SAMPLES = tuple(CATALOGUE)
DRAWINGS = {s.name: s.draw for s in SAMPLES_LIST if s.draw}
DEFAULT = "temple"  # a real picture for both pages; flips, crops and colour jitter show plainly on it too


def sample(name: str) -> Sample:
    """The catalogue entry, or the error that lists every name."""
    if name not in CATALOGUE:
        raise ParamError("sample", name, f"must be one of {list(SAMPLES)}")
    return CATALOGUE[name]


def images_dir() -> Path:
    """scikit-learn's ``datasets/images`` folder, found without importing scikit-learn."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("scikit-learn is not installed: it ships the sample photos (pip install scikit-learn)")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "images"


@lru_cache(maxsize=len(SAMPLES))
def _photo(file: str) -> Image.Image:
    """The photo decoded once, at its full size (640x427), RGB."""
    with Image.open(images_dir() / file, formats=["JPEG"]) as image:
        return image.convert("RGB")


def picture(name: str, size: int) -> Image.Image:
    """The sample as an RGB Pillow image: a drawing ``size`` pixels square, or the photo at full size."""
    entry = sample(name)
    if entry.credit:
        return _photo(entry.credit.file)
    return Image.fromarray(drawing(name, size), "RGB")


def drawing(name: str, size: int = SIZE) -> np.ndarray:
    """The named drawing, ``size`` pixels square."""
    if name not in DRAWINGS:
        raise ParamError("sample", name, f"must be one of {list(DRAWINGS)}")
    if isinstance(size, bool) or not isinstance(size, int) or not 8 <= size <= 1024:
        raise ParamError("size", size, "must be a whole number from 8 to 1024")
    return DRAWINGS[name](size)


def array(name: str, grayscale: bool = True, size: int | None = None) -> np.ndarray:
    """float64 (C, H, W) in 0..255, longest side ``size`` (the working size unless given), as an upload would be."""
    size = size or get_settings().working_size
    return to_array(picture(name, size), grayscale, size)


def rgb(name: str, size: int) -> np.ndarray:
    """uint8 (H, W, 3), longest side ``size``: what the augmentations take."""
    return array(name, grayscale=False, size=size).transpose(1, 2, 0).round().astype(np.uint8)


def credit(name: str) -> dict[str, str] | None:
    """A photo's attribution for an API answer (text, author, links, licence); None for a drawing."""
    entry = sample(name)
    return entry.credit.to_dict() if entry.credit else None
