"""Pages of the transfer-learning view: /play/transfer and /embed/transfer (filled in by the page work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
