"""Request and response models of the exercise API (GET /api/exercises/{kind}, POST .../answer)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.engine.random import MAX_SEED
from app.schemas.numbers import WHOLE

Seed = Annotated[int, Field(strict=True, ge=0, le=MAX_SEED, description="the exercise's seed"), WHOLE]
Answer = Annotated[int, Field(strict=True)] | Annotated[float, Field(strict=True, allow_inf_nan=False)] | str | None


class Figure(BaseModel):
    label: str
    values: list[Any] = Field(description="a 2-D (rows) or 3-D (channels of rows) nested list of numbers")


class ExerciseOut(BaseModel):
    kind: str
    seed: int
    params: dict[str, Any] = Field(description="every parameter as this exercise used it (given or drawn)")
    prompt: str
    figures: list[Figure]
    answer_format: Literal["integer", "number", "choice"]
    choices: list[str] | None = None
    unit: str | None = None
    tolerance: float | None = Field(None, description="number answers: how far from the value still counts")
    code: str | None = Field(None, description="code to show with the prompt (a PyTorch stack)")


class AnswerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: Seed
    params: dict[str, Any] = Field(default_factory=dict, description="the parameters the exercise was asked with")
    answer: Answer = Field(
        description="a number, a choice (its index or its text), or null to see the answer without answering"
    )


class VerdictOut(BaseModel):
    correct: bool
    expected: int | float | str
    explanation: str


class KindList(BaseModel):
    kinds: list[dict[str, Any]]
