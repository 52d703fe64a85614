"""The lessons, in order: what /lessons lists and what each /lessons/{slug} page is about.

Each lesson is a template ``templates/lessons/{slug}.html`` that extends ``lesson.html``
and fills ``{% block lesson %}`` (tests/api/test_exercises_api.py checks every entry has one).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    slug: str
    number: int
    title: str
    summary: str

    @property
    def heading(self) -> str:
        return f"Lesson {self.number}: {self.title}"

    @property
    def url(self) -> str:
        return f"/lessons/{self.slug}"


_ENTRIES = [
    ("01-stride", "Stride", "How far the window jumps, what that does to the output, and when it does not fit."),
    ("02-padding", "Padding", "A border of zeros (or copies) that keeps the output as large as the input."),
    ("03-output-size", "The output-size formula", "O = (W - K + 2P)/S + 1, worked through with numbers."),
    ("04-hyperparameters", "Choosing hyperparameters", "Kernel size, stride, padding and depth: trade-offs."),
    ("05-relu", "ReLU", "max(0, x) after every convolution: what it keeps and what it zeroes."),
    ("06-pooling", "Pooling: max, average, L2", "Shrinking each map by keeping one number per window."),
    ("07-dropout", "Dropout: training and evaluation", "Zeroing random activations while training, and why."),
    ("08-one-by-one", "1x1 convolutions across depth", "A dot product through the channels at every position."),
    ("09-beyond-classification", "Beyond classification", "Localization, detection and segmentation."),
    ("10-transfer-learning", "Transfer learning", "Reusing a trained network and training only its last layers."),
    ("11-data-augmentation", "Data augmentation", "Flips, crops and shifts: new arrays with the same label."),
    (
        "12-going-back-up",
        "Going back up",
        "Transposed convolutions for full-size maps, checkerboards, and how a convolution learns.",
    ),
]

LESSONS: tuple[Lesson, ...] = tuple(
    Lesson(slug, number, title, summary) for number, (slug, title, summary) in enumerate(_ENTRIES, start=1)
)
BY_SLUG: dict[str, Lesson] = {lesson.slug: lesson for lesson in LESSONS}


def find(slug: str) -> Lesson | None:
    return BY_SLUG.get(slug)


def neighbours(lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    """The lessons before and after ``lesson`` in the catalogue (None at either end)."""
    i = lesson.number - 1
    return (LESSONS[i - 1] if i > 0 else None), (LESSONS[i + 1] if i + 1 < len(LESSONS) else None)
