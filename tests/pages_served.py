"""The pages the app serves, listed once for the tests that go through every one of them
(tests/browser/test_axe.py, tests/http/test_assets.py): the site's pages, then the embeds."""

from __future__ import annotations

from app.engine.specs import OPS
from app.lessons.catalogue import LESSONS

PLAYER_OPS = [op for op, spec in OPS.items() if spec.player]
SITE_PAGES = [
    "/",
    "/lessons",
    *(lesson.url for lesson in LESSONS),
    *(f"/play/{op}" for op in PLAYER_OPS),
    "/play/stack",
    "/play/image",
    "/play/augment",
    "/play/transfer",
    "/join",
]
EMBED_PAGES = [*(f"/embed/{op}" for op in PLAYER_OPS), "/embed/transfer", "/embed/stack"]
