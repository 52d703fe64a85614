"""Response models of the classroom API (POST /api/classroom, GET /api/classroom/{code}): docs/CLASSROOM.md."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RoomOut(BaseModel):
    code: str = Field(description="six letters from ACDEFGHJKMNPQRTUVWXY, read case-insensitively")
    join_url: str = Field(description="the page students open (absolute)")
    qr_url: str = Field(description="the join URL as a QR code (SVG)")


class RoomCreated(RoomOut):
    teacher_key: str = Field(description="the teacher's secret: connect to live_url with ?key=")
    live_url: str = Field(description="the room's WebSocket")
    idle_s: int = Field(description="seconds without a message after which the room expires")


class RoomInfo(RoomOut):
    present: int = Field(description="students present now")
