"""app/images/catalogue.py: one list of samples; the two photos read from scikit-learn's package and shrunk
like an upload; their credits as scikit-learn's README gives them, and written in the docs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.engine.errors import ParamError
from app.images import catalogue

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = {"temple": "china.jpg", "flower": "flower.jpg"}


def test_names_labels_and_default() -> None:
    assert catalogue.SAMPLES == ("temple", "flower", "house", "checkerboard", "digit", "gradient")
    assert [catalogue.sample(n).label for n in catalogue.SAMPLES] == [
        "temple",
        "flower",
        "house",
        "checkerboard",
        "7",
        "gradient",
    ]
    assert catalogue.DEFAULT == "temple"
    assert [n for n in catalogue.SAMPLES if catalogue.sample(n).origin == "photo"] == list(PHOTOS)
    for entry in catalogue.SAMPLES_LIST:  # a photo with its credit or a drawing with its code, never both
        assert (entry.credit is None) != (entry.draw is None), entry.name
    assert list(catalogue.DRAWINGS) == [n for n in catalogue.SAMPLES if n not in PHOTOS]


def test_unknown_name() -> None:
    with pytest.raises(ParamError) as err:
        catalogue.array("moon")
    assert (
        str(err.value)
        == "sample: got 'moon'; must be one of ['temple', 'flower', 'house', 'checkerboard', 'digit', 'gradient']"
    )


@pytest.mark.parametrize(("name", "file"), PHOTOS.items())
def test_photos_load_from_the_package_shrunk_like_an_upload(name: str, file: str) -> None:
    path = catalogue.images_dir() / file
    assert path.is_file() and path.parent.parent.parent.name == "sklearn"
    assert catalogue.sample(name).credit.file == file  # type: ignore[union-attr]
    with Image.open(path) as original:
        assert original.size == (640, 427)
        grey = np.asarray(original.convert("L").resize((128, 85), Image.Resampling.BOX), dtype=np.float64)
        colour = np.asarray(original.convert("RGB").resize((64, 43), Image.Resampling.BOX))
    pixels = catalogue.array(name)  # the working size, 128
    assert pixels.shape == (1, 85, 128) and pixels.dtype == np.float64
    np.testing.assert_array_equal(pixels[0], grey)
    assert catalogue.array(name, grayscale=False).shape == (3, 85, 128)
    small = catalogue.rgb(name, 64)  # the augmentation gallery's size
    assert small.shape == (43, 64, 3) and small.dtype == np.uint8
    np.testing.assert_array_equal(small, colour)


def test_drawings_are_drawn_at_the_size_asked_not_resampled() -> None:
    np.testing.assert_array_equal(catalogue.rgb("house", 64), catalogue.drawing("house", 64))
    pixels = catalogue.array("checkerboard", grayscale=False)
    assert pixels.shape == (3, 128, 128)
    np.testing.assert_array_equal(pixels.transpose(1, 2, 0), catalogue.drawing("checkerboard", 128))


def test_scikit_learn_is_never_imported() -> None:
    code = "import sys; from app.images import catalogue; catalogue.array('temple'); print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_credits_are_scikit_learns_and_are_documented() -> None:
    readme = (catalogue.images_dir() / "README.txt").read_text()
    docs = (ROOT / "docs" / "IMAGES.md").read_text()
    project_readme = (ROOT / "README.md").read_text()
    assert "Robert Layton" in readme and "Robert Layton" in docs
    for name in PHOTOS:
        credit = catalogue.sample(name).credit
        assert credit is not None
        for url in (credit.author_url, credit.source_url, credit.licence_url):
            assert url in readme, url  # what scikit-learn ships says so
            assert url in docs, url
        assert credit.author in docs and credit.file in project_readme and credit.author in project_readme
        assert credit.licence == "CC BY 2.0" and "CC BY 2.0" in docs
        assert credit.to_dict()["text"] == credit.text and credit.author in credit.text
    for name in catalogue.SAMPLES:
        assert f"`{name}`" in docs, name
