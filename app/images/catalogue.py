"""The sample pictures, one catalogue for the image page and the augmentation gallery.

Two photographs that ship inside scikit-learn (``sklearn/datasets/images/china.jpg`` and
``flower.jpg``, CC BY 2.0, credited below and on screen wherever they are shown) and four
pictures ConvScope draws itself (``app/images/drawings.py``). The photos are read straight
from the installed package, without importing scikit-learn and without any download, and
shrunk to the size asked for the way an upload is (``app.images.uploads.to_array``: BOX filter,
longest side at most that size). Every sample has a label, the class a dataset would give it:
augmentation changes the picture and keeps the label.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from app.config import get_settings
from app.engine.errors import ParamError
from app.images.drawings import drawing
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

    @property
    def origin(self) -> str:
        return "photo" if self.credit else "drawn"


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
    Sample("house", "house", "house", "a sky, a sun, grass and a red house with a dark roof and a yellow door"),
    Sample("checkerboard", "checkerboard", "checkerboard", "blue and orange squares, 8 across, a white one top-left"),
    Sample("digit", "7", "digit 7", "a thick white 7 on dark blue, like an enlarged MNIST digit"),
    Sample("gradient", "gradient", "gradient", "a black-to-white ramp crossed by a dark vertical bar"),
)
CATALOGUE = {s.name: s for s in SAMPLES_LIST}
SAMPLES = tuple(CATALOGUE)
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
