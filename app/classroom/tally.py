"""The class's answers to one question, counted: what the teacher's histogram shows."""

from __future__ import annotations

from typing import Any

from app.classroom.broker import Json


def _key(answer: Any) -> tuple[int, Any]:
    """Alike answers count together (2 and 2.0 are one answer); numbers sort before texts."""
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        return (0, float(answer))
    return (1, str(answer))


def tally(question: str, answers: dict[str, Json], present: int) -> Json:
    """``{"question", "counts": [{"answer", "count"}, ...] (most first, then in order), "answered", "present"}``,
    counting only the answers to ``question`` (its id)."""
    counted: dict[tuple[int, Any], Json] = {}
    answered = 0
    for value in answers.values():
        if value.get("question") != question:
            continue
        answered += 1
        entry = counted.setdefault(_key(value["answer"]), {"answer": value["answer"], "count": 0})
        entry["count"] += 1
    order = sorted(counted, key=lambda key: (-counted[key]["count"], key))
    return {"question": question, "counts": [counted[key] for key in order], "answered": answered, "present": present}
