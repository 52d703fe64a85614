"""What the pages load from /static/, and under which URL: the one home of that mapping.

Each page names a *bundle* (``BUNDLES``: its stylesheets and its modules, in order). Built
(``scripts/build_assets.py``, run by scripts/serve, scripts/test and the Dockerfile), a bundle is
one stylesheet (the palette, then its sheets, concatenated) and one module (esbuild: its modules and
everything they import, minified; code shared between bundles split into chunks, preloaded), each
under a content-hashed name in static/dist/; the other files a page links (the icon, pictures,
present.css for the widgets) get a hashed copy there too. URLs under /static/dist/ with a hash in the
name never change meaning: they are served ``immutable`` for a year (app/http/caching.py), so a
repeat visit asks nothing for them, and a deploy that changes a file changes its URL.

static/dist/manifest.json records the URLs and a digest of the sources they were built from. Without
a build, or with one older than the sources (a file of static/ edited since), the pages link the
unbundled files at their plain /static/ URLs (an hour's cache, each module importing the next) and the
server says so in its log: the site works, only heavier. Nothing is built at run time (the server
never writes a file): after editing static/, run scripts/build_assets.py again; a running server
takes the new build at its next page (it reads manifest.json again when the file changes).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.images import palette

ROOT = Path(__file__).resolve().parent.parent.parent
STATIC = ROOT / "static"
DIST = STATIC / "dist"
MANIFEST = DIST / "manifest.json"
STATIC_URL = "/static/"
DIST_URL = "/static/dist/"
PALETTE_CSS = "/palette.css"  # generated from static/palette.json (app/pages/palette.py)
# A built file's name carries the hash of its content: name-HASH.ext, eight characters of base32 (esbuild's way).
HASHED = re.compile(r"^/static/dist/[\w/.-]+-[A-Z2-7]{8}\.[a-z]+(\.map)?$")
MANIFEST_VERSION = 1

log = logging.getLogger("convscope.assets")


@dataclass(frozen=True)
class Bundle:
    css: tuple[str, ...]  # files in static/css/, in cascade order (the palette comes first, always)
    js: tuple[str, ...]  # modules in static/js/, run in this order


def site(css: tuple[str, ...] = (), js: tuple[str, ...] = ()) -> Bundle:
    """A page of the site (templates/base.html): its own sheets between base.css and presentation mode's
    and the classroom's (which override them); presentation mode's and the classroom's modules first."""
    return Bundle(("base.css", *css, "present.css", "classroom.css"), ("core/present.js", "classroom/main.js", *js))


BUNDLES: dict[str, Bundle] = {
    "site": site(),
    "join": site(js=("pages/join/join.js",)),
    "lessons": site(("lesson.css",), ("pages/lesson/lesson.js",)),
    "play": site(("player.css", "embed.css"), ("pages/play/play.js",)),
    "stack": site(("player.css", "stack.css"), ("pages/stack/stack.js",)),
    "augment": site(("player.css", "augment.css"), ("pages/augment/augment.js",)),
    "image": site(("image.css",), ("pages/image/image.js",)),
    "transfer": site(("player.css", "transfer.css"), ("pages/transfer/transfer.js",)),
    # The widgets (templates/embed.html, embed/transfer.html, embed/frame.html): no site header, no classroom.
    "embed": Bundle(("base.css", "player.css", "embed.css"), ("embed/embed.js",)),
    "embed-missing": Bundle(("base.css", "embed.css"), ()),
    "embed-transfer": Bundle(("base.css", "player.css", "embed.css", "transfer.css"), ("embed/transfer.js",)),
    "embed-stack": Bundle(
        ("base.css", "player.css", "stack.css", "embed.css"), ("pages/stack/stack.js", "embed/stack.js")
    ),
}


def source_files() -> list[Path]:
    """Every file a build reads from static/ (the build's own output aside), in a fixed order."""
    return sorted(p for p in STATIC.rglob("*") if p.is_file() and DIST not in p.parents)


def sources_digest() -> str:
    """Changes whenever a build would: a file of static/, the bundles, the generated palette."""
    digest = hashlib.sha256(f"v{MANIFEST_VERSION}\n{BUNDLES!r}\n{palette.css()}".encode())
    for path in source_files():
        digest.update(f"\n{path.relative_to(STATIC).as_posix()}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Assets:
    """The URLs pages link: built (hashed, bundled) or plain (the files as they are)."""

    built: bool
    bundles: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # name -> css, js, preload
    files: dict[str, str] = field(default_factory=dict)  # path in static/ -> its hashed URL

    def styles(self, name: str) -> list[str]:
        if self.built:
            return self.bundles[name]["css"]
        return [PALETTE_CSS, *(f"{STATIC_URL}css/{sheet}" for sheet in BUNDLES[name].css)]

    def scripts(self, name: str) -> list[str]:
        if self.built:
            return self.bundles[name]["js"]
        return [f"{STATIC_URL}js/{module}" for module in BUNDLES[name].js]

    def preloads(self, name: str) -> list[str]:
        """The chunks the bundle's module imports, so they are fetched with it, not after it."""
        return self.bundles[name]["preload"] if self.built else []

    def url(self, path: str) -> str:
        """The URL of ``path``, a file in static/ (``favicon.svg``, ``css/present.css``)."""
        if self.built:
            return self.files[path]
        if not (STATIC / path).is_file():
            raise KeyError(path)
        return STATIC_URL + path


def read_manifest() -> dict[str, Any] | None:
    """static/dist/manifest.json when it is there, of this version and built from the current sources."""
    try:
        manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    except FileNotFoundError:
        log.warning("static/dist/ is not built: serving the unbundled modules (run scripts/build_assets.py)")
        return None
    if manifest.get("version") != MANIFEST_VERSION or manifest.get("sources") != sources_digest():
        log.warning("static/dist/ is older than static/: serving the unbundled modules (run scripts/build_assets.py)")
        return None
    return manifest


def manifest_stamp() -> int | None:
    try:
        return MANIFEST.stat().st_mtime_ns
    except FileNotFoundError:
        return None


@lru_cache(maxsize=1)
def _assets_at(stamp: int | None) -> Assets:
    manifest = read_manifest()
    if manifest is None:
        return Assets(built=False)
    return Assets(built=True, bundles=manifest["bundles"], files=manifest["files"])


def assets() -> Assets:
    """The URLs pages link now: read again when manifest.json changes (a build while the server runs
    replaces static/dist/, and the old files with it), so a page never links a file that is gone."""
    return _assets_at(manifest_stamp())


def immutable(path: str) -> bool:
    """A built file's URL: its content can never change (caching.py serves it for a year)."""
    return HASHED.match(path) is not None
