"""Facts the docs state that the code decides: the known deviations from PyTorch name the refusals the
API makes (with its own messages and the Settings cap), and every docs/*.md that a script, a module or
a doc points to exists."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from app.config import Settings

ROOT = Path(__file__).resolve().parent.parent
DEVIATIONS = ROOT / "docs" / "TRACE_FORMAT.md"


def _deviations() -> str:
    text = DEVIATIONS.read_text()
    start = text.index("### 9.3 Known deviations")
    return text[start : text.index("\n## ", start)]


def test_the_deviations_list_the_norm_type_refusals_as_the_api_words_them(client: TestClient) -> None:
    listed = _deviations()
    cap = Settings().max_norm_type
    assert f"{cap:g} by default" in listed and "Settings.max_norm_type" in listed
    x = [[[1, 2], [3, 4]]]
    refused = [
        client.get("/api/lp_pool2d/trace", params={"norm_type": "inf"}),
        client.post("/api/lp_pool2d/trace", json={"input": x, "kernel_size": 2, "norm_type": int(cap) + 1}),
    ]
    for response in refused:
        assert response.status_code == 422
        assert f"`{response.json()['message']}`" in listed, response.json()["message"]
    ok = client.post("/api/lp_pool2d/trace", json={"input": x, "kernel_size": 2, "norm_type": cap})
    assert ok.status_code == 200


def test_every_docs_file_named_in_code_or_docs_exists() -> None:
    named: dict[str, set[str]] = {}
    files = [*ROOT.glob("app/**/*.py"), *ROOT.glob("scripts/*"), *ROOT.glob("docs/*.md"), ROOT / "README.md"]
    for path in files:
        if path.is_file():
            for name in re.findall(r"docs/([A-Z_]+\.md)", path.read_text(errors="replace")):
                named.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    assert "MODEL.md" in named
    missing = {name: sorted(where) for name, where in named.items() if not (ROOT / "docs" / name).exists()}
    assert missing == {}
