"""The one Jinja2 environment every HTML page renders with."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from app.http.assets import assets

TEMPLATE_DIR = Path(__file__).resolve().parent.parent.parent / "templates"
templates = Jinja2Templates(directory=TEMPLATE_DIR)
templates.env.globals["assets"] = assets  # the URL of every stylesheet, module and file a page links
