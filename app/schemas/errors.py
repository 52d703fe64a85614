"""The one body of every refused request (4xx) and of a server error (500): see docs/ERRORS.md."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Problem(BaseModel):
    loc: list[str | int] = Field(description='where: "query" or "body", then the parameter and list indices')
    param: str = Field(description="the parameter as a person would name it: stride, input[0][2], body")
    received: Any = Field(description="the value received, as JSON (or a description of it)")
    rule: str = Field(description="the rule that was broken")
    msg: str = Field(description="<param>: got <value>; <rule>")


class ErrorBody(BaseModel):
    """Some errors add fields: ``retry_after`` (503), ``layers`` and ``failed_layer`` (a stack's 422)."""

    model_config = ConfigDict(extra="allow")
    message: str = Field(description="the first problem in one sentence, ready to show a person")
    detail: list[Problem] = Field(description="the problems, one per parameter; empty for 404 and 500")
