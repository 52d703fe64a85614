"""A course page on another origin: static files served from a temporary folder on http://localhost:<port>/.

The app runs on 127.0.0.1, so a page from localhost is cross-origin to it, as a real
course site framing a widget would be.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def static_host(root: Path, files: dict[str, str], name: str) -> Iterator[str]:
    """Write ``files`` into ``root`` and serve them; yields the URL of the folder, ending in /."""
    for filename, text in files.items():
        (root / filename).write_text(text)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
