"""Build static/dist/: each page bundle of app/http/assets.py as one content-hashed stylesheet and one
content-hashed module, and a content-hashed copy of every other file the pages link.

    .venv/bin/python scripts/build_assets.py [--esbuild PATH] [--check]

scripts/serve and scripts/test run it (through scripts/_env), and the Dockerfile. The modules are
bundled by esbuild, ESBUILD_VERSION below, a native binary from the npm registry (``esbuild``,
installed with ``npm install --prefix .tools`` when missing or at another version; ``--esbuild PATH``
or ``$ESBUILD`` uses that binary instead, which must be the same version). Each bundle's modules are
imported in order by a generated entry (build/assets/<bundle>.js); esbuild bundles them (ESM,
minified, linked source maps), each bundle on its own, a dynamic import as a chunk. The stylesheets are
concatenated here: the palette (app/images/palette.py), then the bundle's sheets, as they are.

static/dist/manifest.json then records every URL and the digest of the sources; the app reads it at
start-up and falls back to the unbundled files when it is missing or stale. ``--check`` only says
whether the build is current (exit 0) or not (exit 1).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.http.assets import (  # noqa: E402
    BUNDLES,
    DIST,
    DIST_URL,
    MANIFEST,
    MANIFEST_VERSION,
    STATIC,
    read_manifest,
    source_files,
    sources_digest,
)
from app.images import palette  # noqa: E402

ESBUILD_VERSION = "0.28.2"
TOOLS = ROOT / ".tools"
LOCAL_ESBUILD = TOOLS / "node_modules" / ".bin" / "esbuild"
ENTRIES = ROOT / "build" / "assets"


def content_hash(data: bytes) -> str:
    """Eight characters of base32, as esbuild names its files (app/http/assets.py's HASHED)."""
    return base64.b32encode(hashlib.sha256(data).digest()[:5]).decode("ascii")


def version_of(binary: Path | str) -> str | None:
    try:
        done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def find_esbuild(given: str | None) -> str:
    """The esbuild binary at ESBUILD_VERSION: the one given, or .tools/'s, installed from npm if need be."""
    if given:
        found = version_of(given)
        if found != ESBUILD_VERSION:
            sys.exit(f"error: {given} is esbuild {found or '(not runnable)'}; this build needs {ESBUILD_VERSION}")
        return given
    if version_of(LOCAL_ESBUILD) != ESBUILD_VERSION:
        if shutil.which("npm") is None:
            sys.exit(
                "error: npm is missing, and esbuild (the bundler) installs with it.\n"
                "       Install it (as root: apt-get update && apt-get install -y npm), or pass --esbuild PATH."
            )
        print(f"Installing esbuild@{ESBUILD_VERSION} into .tools/", file=sys.stderr)
        subprocess.run(
            ["npm", "install", "--prefix", str(TOOLS), "--no-audit", "--no-fund", "--loglevel=error", "--save-exact"]
            + [f"esbuild@{ESBUILD_VERSION}"],
            check=True,
            stdout=sys.stderr,
        )
        if version_of(LOCAL_ESBUILD) != ESBUILD_VERSION:
            sys.exit(f"error: {LOCAL_ESBUILD} is not esbuild {ESBUILD_VERSION} after npm install")
    return str(LOCAL_ESBUILD)


def url_of(path: Path) -> str:
    return DIST_URL + path.relative_to(DIST).as_posix()


def write_hashed(relative: str, data: bytes) -> str:
    """Write ``data`` as static/dist/<relative> with its hash in the name; its URL."""
    target = DIST / relative
    target = target.with_name(f"{target.stem}-{content_hash(data)}{target.suffix}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return url_of(target)


def bundle_module(esbuild: str, name: str, modules: tuple[str, ...]) -> dict[str, list[str]]:
    """esbuild over a generated entry importing ``modules`` in order: the bundle's module, and the
    chunks it imports statically (preloaded with it). Each bundle is built on its own, so a page loads
    one module and at most a chunk or two: code split between bundles would cost a request per
    combination of pages sharing it. A dynamic import (the classroom's teacher and student) is a
    chunk of its own, fetched only when it is used."""
    entry = ENTRIES / f"{name}.js"
    lines = [f"// {name}: {', '.join(modules)} (app/http/assets.py)"]
    lines += [f'import "{os.path.relpath(STATIC / "js" / module, ENTRIES)}";' for module in modules]
    entry.write_text("\n".join(lines) + "\n", encoding="utf-8")
    metafile = ENTRIES / f"{name}.meta.json"
    source = entry.relative_to(ROOT).as_posix()
    command = [
        esbuild,
        source,
        "--bundle",
        "--splitting",
        "--format=esm",
        "--minify",
        "--sourcemap=linked",
        "--charset=utf8",
        "--legal-comments=none",
        f"--outdir={DIST.relative_to(ROOT).as_posix()}/bundles",
        "--entry-names=[name]-[hash]",
        "--chunk-names=chunk-[hash]",
        f"--metafile={metafile.relative_to(ROOT).as_posix()}",
        "--log-level=warning",
    ]
    subprocess.run(command, check=True, cwd=ROOT)
    outputs: dict[str, Any] = json.loads(metafile.read_text(encoding="utf-8"))["outputs"]

    def static_imports(output: str, seen: list[str]) -> list[str]:
        for imported in outputs[output]["imports"]:
            if imported["kind"] == "import-statement" and imported["path"] not in seen:
                seen.append(imported["path"])
                static_imports(imported["path"], seen)
        return seen

    source = entry.relative_to(ROOT).as_posix()
    (output,) = (out for out, info in outputs.items() if info.get("entryPoint") == source and out.endswith(".js"))
    return {"js": [url_of(ROOT / output)], "preload": [url_of(ROOT / chunk) for chunk in static_imports(output, [])]}


def stylesheet(sheets: tuple[str, ...]) -> bytes:
    """The palette's custom properties (/palette.css, from static/palette.json), then each sheet as it is, in order."""
    parts = [palette.css()]
    parts += [f"/* css/{sheet} */\n" + (STATIC / "css" / sheet).read_text(encoding="utf-8") for sheet in sheets]
    return "\n".join(parts).encode("utf-8")


def build(esbuild: str) -> dict[str, Any]:
    digest = sources_digest()
    shutil.rmtree(DIST, ignore_errors=True)
    DIST.mkdir(parents=True)
    shutil.rmtree(ENTRIES, ignore_errors=True)
    ENTRIES.mkdir(parents=True)
    bundles = {
        name: {
            "css": [write_hashed(f"bundles/{name}.css", stylesheet(bundle.css))],
            **(bundle_module(esbuild, name, bundle.js) if bundle.js else {"js": [], "preload": []}),
        }
        for name, bundle in BUNDLES.items()
    }
    files = {
        path.relative_to(STATIC).as_posix(): write_hashed(path.relative_to(STATIC).as_posix(), path.read_bytes())
        for path in source_files()
        if path.relative_to(STATIC).parts[0] != "js"
    }
    manifest = {
        "version": MANIFEST_VERSION,
        "sources": digest,
        "esbuild": ESBUILD_VERSION,
        "bundles": bundles,
        "files": files,
    }
    MANIFEST.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--esbuild", default=os.environ.get("ESBUILD"), help="an esbuild binary to use")
    parser.add_argument("--check", action="store_true", help="exit 1 unless static/dist/ is current")
    args = parser.parse_args()
    if args.check:
        sys.exit(0 if read_manifest() is not None else 1)
    manifest = build(find_esbuild(args.esbuild))
    size = sum(p.stat().st_size for p in DIST.rglob("*") if p.is_file() and p.suffix != ".map")
    print(
        f"static/dist/: {len(manifest['bundles'])} bundles, {len(manifest['files'])} files, {size:,} bytes",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
