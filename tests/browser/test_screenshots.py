"""scripts/screenshots.py still works: each presentation-mode page gives its two pictures, at the
projector's size, and the idle one differs from the one with the controls (they faded)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
from PIL import Image

from .conftest import OpenPage

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "screenshots.py"


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshots", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_presentation_screenshots(open_page: OpenPage, base_url: str, tmp_path: Path) -> None:
    shots = script()
    written = shots.present(open_page, base_url, tmp_path)
    names = [f"present-{name}-{state}.png" for name in shots.PAGES for state in ("controls", "idle")]
    assert [path.name for path in written] == names
    for controls, idle in zip(written[::2], written[1::2], strict=True):
        with Image.open(controls) as shown, Image.open(idle) as faded:
            assert shown.size == faded.size == (1920, 1080)
            assert not np.array_equal(np.asarray(shown), np.asarray(faded)), f"{idle.name}: the controls did not fade"
