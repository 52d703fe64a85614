"""The messages a client may send on the live channel (docs/CLASSROOM.md), read and checked.

``parse(raw, role, max_bytes)`` turns one WebSocket message into a typed message, or raises
``ParamError`` whose text is the ``error`` a client gets: it names the field, the value received
and the rule, as every error of the API does (docs/ERRORS.md). The checks that need the room
(is a question open? has it been revealed?) are the hub's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from app.engine.errors import Described, ParamError
from app.engine.pairs import is_int
from app.lessons import exercises as ex

Role = Literal["teacher", "student"]
TEACHER_TYPES = ("state", "question", "reveal", "end")
STUDENT_TYPES = ("answer",)
OBJECT_RULE = 'must be one JSON object with a "type"'
STATE_FIELDS = ("path", "params", "step", "playing", "speed", "section")
STATE_REQUIRED = STATE_FIELDS[:5]
PATH_START = "must start with one '/' (a path on this site)"
JSON_INT = 2**53
_JSON_NAMES = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}


@dataclass(frozen=True)
class State:
    state: dict[str, Any]


@dataclass(frozen=True)
class Question:
    exercise: ex.Exercise


@dataclass(frozen=True)
class Reveal:
    pass


@dataclass(frozen=True)
class End:
    pass


@dataclass(frozen=True)
class Answer:
    answer: Any


Message = State | Question | Reveal | End | Answer


def _spelled(names: tuple[str, ...]) -> str:
    quoted = [f"'{name}'" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _bytes(raw: str | bytes) -> int:
    return len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))


def parse(raw: str | bytes, role: Role, max_bytes: int) -> Message:
    size = _bytes(raw)
    if size > max_bytes:
        rule = f"must be at most {max_bytes:,} bytes (the cap in settings: CONVSCOPE_CLASSROOM_MAX_MESSAGE)"
        raise ParamError("message", Described(f"{size:,} bytes"), rule)
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ParamError(
                "message", Described(f"bytes that are not UTF-8 (at byte {err.start})"), OBJECT_RULE
            ) from None
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        raise ParamError("message", Described(f"malformed JSON at character {err.pos}"), OBJECT_RULE) from None
    if not isinstance(body, dict):
        what = "null" if body is None else _JSON_NAMES.get(type(body), "a value")
        raise ParamError("message", Described(f"{what}, not an object"), OBJECT_RULE)
    kind = body.get("type", Described("nothing"))
    own = TEACHER_TYPES if role == "teacher" else STUDENT_TYPES
    if not isinstance(kind, str) or kind not in TEACHER_TYPES + STUDENT_TYPES:
        raise ParamError("type", kind, f"must be one of {_spelled(TEACHER_TYPES + STUDENT_TYPES)}")
    if kind not in own:
        who = "only the teacher" if role == "student" else "only a student"
        raise ParamError("type", kind, f"{who} may send it; {role}s send {_spelled(own)}")
    fields = {name: value for name, value in body.items() if name != "type"}
    return READERS[kind](fields)


def _no_others(kind: str, fields: dict[str, Any], takes: tuple[str, ...]) -> None:
    for name, value in fields.items():
        if name not in takes:
            what = f"takes {_spelled(takes)}" if takes else "takes nothing else"
            raise ParamError(name, value, f"is not a field of a '{kind}' message, which {what}")


def _state(fields: dict[str, Any]) -> State:
    _no_others("state", fields, ("state",))
    state = fields.get("state", Described("nothing"))
    if not isinstance(state, dict):
        raise ParamError("state", state, "must be an object with path, params, step, playing and speed")
    for name, value in state.items():
        if name not in STATE_FIELDS:
            raise ParamError(f"state.{name}", value, f"is not a field of the state ({', '.join(STATE_FIELDS)})")
    for name in STATE_REQUIRED:
        if name not in state:
            raise ParamError(f"state.{name}", Described("nothing"), "this field is required")
    _path(state["path"])
    _params(state["params"])
    step = state["step"]
    if step is not None and (not is_int(step) or not 0 <= step < JSON_INT):
        raise ParamError("state.step", step, "must be a whole number >= 0, or null")
    if not isinstance(state["playing"], bool):
        raise ParamError("state.playing", state["playing"], "must be true or false")
    speed = state["speed"]
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not (math.isfinite(speed) and speed > 0):
        raise ParamError("state.speed", speed, "must be a finite number > 0")
    section = state.get("section")
    if section is not None and not isinstance(section, str):
        raise ParamError("state.section", section, "must be a string (the id of a part of the lesson), or null")
    return State(state)


def _path(path: Any) -> None:
    if not isinstance(path, str):
        raise ParamError("state.path", path, "must be a string: a path on this site, starting with one '/'")
    if not path.startswith("/") or path.startswith("//"):
        raise ParamError("state.path", path, PATH_START)
    if "//" in path or "\\" in path:
        raise ParamError("state.path", path, "must not contain '//' or '\\' (a path on this site)")
    if any(ord(char) < 32 or 127 <= ord(char) < 160 for char in path):
        raise ParamError("state.path", path, "must not contain control characters")


def _params(params: Any) -> None:
    if not isinstance(params, dict):
        raise ParamError("state.params", params, "must be an object of names to strings (the page's query)")
    for name, value in params.items():
        if not isinstance(value, str):
            raise ParamError(f"state.params.{name}", value, "must be a string")


def _question(fields: dict[str, Any]) -> Question:
    _no_others("question", fields, ("kind", "seed", "params"))
    kind = fields.get("kind", Described("nothing"))
    if not isinstance(kind, str) or kind not in ex.KINDS:
        raise ParamError("kind", kind, f"must be one of {', '.join(ex.KINDS)}")
    seed = ex.seed_or_draw(fields.get("seed"))
    return Question(ex.make(kind, seed, fields.get("params", {})))  # the kind's own rules and messages


def _answer(fields: dict[str, Any]) -> Answer:
    _no_others("answer", fields, ("answer",))
    answer = fields.get("answer", Described("nothing"))
    if isinstance(answer, (bool, Described)) or not isinstance(answer, (int, float, str)):
        raise ParamError("answer", answer, "must be a number or a choice (its index or its text)")
    return Answer(answer)


def _nothing(kind: str, made: Message) -> Any:
    def read(fields: dict[str, Any]) -> Message:
        _no_others(kind, fields, ())
        return made

    return read


READERS = {
    "state": _state,
    "question": _question,
    "reveal": _nothing("reveal", Reveal()),
    "end": _nothing("end", End()),
    "answer": _answer,
}
