"""What a client may not send on the live channel: each refusal is one ``error`` on that socket, with
its exact message, and nothing is forwarded (the students' next message is the teacher's next valid
state). Sizes, flooding and the roles' messages too."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from starlette.testclient import WebSocketTestSession

from app.engine.random import MAX_SEED
from app.lessons.exercises import KINDS
from tests.classroom.room import STATE, Classroom, closed

OBJECT = 'must be one JSON object with a "type"'
TYPES = "must be one of 'state', 'question', 'reveal', 'end' or 'answer'"
STATE_OBJECT = "must be an object with path, params, step, playing and speed"
PATH_START = "must start with one '/' (a path on this site)"
NO_DOUBLE = "must not contain '//' or '\\' (a path on this site)"
STEP = "must be a whole number >= 0, or null"
SPEED = "must be a finite number > 0"
ANSWER = "must be a number or a choice (its index or its text)"
FROM_STUDENT = "only the teacher may send it; students send 'answer'"
FROM_TEACHER = "only a student may send it; teachers send 'state', 'question', 'reveal' or 'end'"


def error(message: str) -> dict[str, str]:
    return {"type": "error", "message": message}


def nothing_was_forwarded(teacher: WebSocketTestSession, *students: WebSocketTestSession) -> None:
    marker = {**STATE, "step": 999}
    teacher.send_json({"type": "state", "state": marker})
    for student in students:
        assert student.receive_json() == {"type": "state", "state": marker}


def with_state(**changes: Any) -> dict[str, Any]:
    state: dict[str, Any] = {**STATE, **changes}
    return {name: value for name, value in state.items() if value is not DROP}


DROP = object()

STATE_RULES = [
    (with_state(path=DROP), "state.path: got nothing; this field is required"),
    (with_state(params=DROP), "state.params: got nothing; this field is required"),
    (with_state(step=DROP), "state.step: got nothing; this field is required"),
    (with_state(playing=DROP), "state.playing: got nothing; this field is required"),
    (with_state(speed=DROP), "state.speed: got nothing; this field is required"),
    (with_state(path=3), "state.path: got 3; must be a string: a path on this site, starting with one '/'"),
    (with_state(path="play/conv2d"), f"state.path: got 'play/conv2d'; {PATH_START}"),
    (with_state(path="https://evil.example/"), f"state.path: got 'https://evil.example/'; {PATH_START}"),
    (with_state(path="//evil.example/x"), f"state.path: got '//evil.example/x'; {PATH_START}"),
    (with_state(path=""), f"state.path: got ''; {PATH_START}"),
    (with_state(path="/play//conv2d"), f"state.path: got '/play//conv2d'; {NO_DOUBLE}"),
    (with_state(path="/\\evil.example"), f"state.path: got '/\\\\evil.example'; {NO_DOUBLE}"),
    (with_state(path="/play/\nconv2d"), "state.path: got '/play/\\nconv2d'; must not contain control characters"),
    (with_state(path="/play/\x7f"), "state.path: got '/play/\\x7f'; must not contain control characters"),
    (
        with_state(params=["stride"]),
        'state.params: got ["stride"]; must be an object of names to strings (the page\'s query)',
    ),
    (with_state(params={"stride": 2}), "state.params.stride: got 2; must be a string"),
    (with_state(params={"stride": None}), "state.params.stride: got null; must be a string"),
    (with_state(step=-1), f"state.step: got -1; {STEP}"),
    (with_state(step=1.5), f"state.step: got 1.5; {STEP}"),
    (with_state(step="3"), f"state.step: got '3'; {STEP}"),
    (with_state(step=True), f"state.step: got true; {STEP}"),
    (with_state(step=2**53), f"state.step: got 9007199254740992; {STEP}"),
    (with_state(playing="yes"), "state.playing: got 'yes'; must be true or false"),
    (with_state(playing=1), "state.playing: got 1; must be true or false"),
    (with_state(playing=None), "state.playing: got null; must be true or false"),
    (with_state(speed=0), f"state.speed: got 0; {SPEED}"),
    (with_state(speed=-0.5), f"state.speed: got -0.5; {SPEED}"),
    (with_state(speed="fast"), f"state.speed: got 'fast'; {SPEED}"),
    (with_state(speed=True), f"state.speed: got true; {SPEED}"),
    (with_state(speed=None), f"state.speed: got null; {SPEED}"),
    (with_state(section=3), "state.section: got 3; must be a string (the id of a part of the lesson), or null"),
    (
        with_state(op="conv2d"),
        "state.op: got 'conv2d'; is not a field of the state (path, params, step, playing, speed, section)",
    ),
]


@pytest.mark.parametrize(("state", "message"), STATE_RULES)
def test_each_rule_of_the_state_is_named_and_nothing_is_forwarded(
    classroom: Classroom, state: dict[str, Any], message: str
) -> None:
    room = classroom.open()
    with classroom.teacher(room) as teacher, classroom.student(room, "student-1") as student:
        teacher.receive_json()  # presence
        teacher.send_json({"type": "state", "state": state})
        assert teacher.receive_json() == error(message)
        nothing_was_forwarded(teacher, student)


@pytest.mark.parametrize(
    ("state", "seen"),
    [
        (with_state(step=None, section="padding"), None),
        (with_state(section=None, speed=0.25, playing=True), None),
        (with_state(path="/lessons/padding", params={}), None),
        (with_state(path="/play/conv2d/", params={"input": "1 2; 3 4", "": ""}), None),
        (with_state(step=0, speed=1e300), None),
    ],
)
def test_a_valid_state_is_forwarded_unchanged(classroom: Classroom, state: dict[str, Any], seen: None) -> None:
    room = classroom.open()
    with classroom.teacher(room) as teacher, classroom.student(room, "student-1") as student:
        teacher.send_json({"type": "state", "state": state})
        assert student.receive_json() == {"type": "state", "state": state}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{bad", f"message: got malformed JSON at character 1; {OBJECT}"),
        ("", f"message: got malformed JSON at character 0; {OBJECT}"),
        ('{"type": "state", "state": {"speed": NaN}}', f"message: got malformed JSON at character 37; {OBJECT}"),
        ('{"type": "state", "state": {"speed": 1e400}}', f"message: got malformed JSON at character 37; {OBJECT}"),
        ("[1, 2]", f"message: got an array, not an object; {OBJECT}"),
        ('"state"', f"message: got a string, not an object; {OBJECT}"),
        ("3", f"message: got a number, not an object; {OBJECT}"),
        ("true", f"message: got a boolean, not an object; {OBJECT}"),
        ("null", f"message: got null, not an object; {OBJECT}"),
        ("{}", f"type: got nothing; {TYPES}"),
        ('{"type": "dance"}', f"type: got 'dance'; {TYPES}"),
        ('{"type": "STATE"}', f"type: got 'STATE'; {TYPES}"),
        ('{"type": 3}', f"type: got 3; {TYPES}"),
        ('{"type": ["state"]}', f'type: got ["state"]; {TYPES}'),
        ('{"type": "answer", "answer": 3}', f"type: got 'answer'; {FROM_TEACHER}"),
        ('{"type": "state"}', f"state: got nothing; {STATE_OBJECT}"),
        ('{"type": "state", "state": [1]}', f"state: got [1]; {STATE_OBJECT}"),
        ('{"type": "state", "state": "/play"}', f"state: got '/play'; {STATE_OBJECT}"),
        (
            orjson.dumps({"type": "state", "state": STATE, "echo": True}).decode(),
            "echo: got true; is not a field of a 'state' message, which takes 'state'",
        ),
        (
            '{"type": "reveal", "question": "ab12"}',
            "question: got 'ab12'; is not a field of a 'reveal' message, which takes nothing else",
        ),
        ('{"type": "end", "now": 1}', "now: got 1; is not a field of a 'end' message, which takes nothing else"),
    ],
)
def test_a_message_that_breaks_the_protocol_gets_an_error_and_goes_nowhere(
    classroom: Classroom, raw: str, message: str
) -> None:
    room = classroom.open()
    with classroom.teacher(room) as teacher, classroom.student(room, "student-1") as student:
        teacher.receive_json()  # presence
        teacher.send_text(raw)
        assert teacher.receive_json() == error(message)
        nothing_was_forwarded(teacher, student)


def test_binary_frames_are_read_as_text_and_bad_bytes_are_malformed(classroom: Classroom) -> None:
    room = classroom.open()
    with classroom.teacher(room) as teacher, classroom.student(room, "student-1") as student:
        teacher.receive_json()  # presence
        teacher.send_bytes(orjson.dumps({"type": "state", "state": STATE}))
        assert student.receive_json() == {"type": "state", "state": STATE}
        teacher.send_bytes(b'{"type": "\xff"}')
        assert teacher.receive_json() == error(f"message: got bytes that are not UTF-8 (at byte 10); {OBJECT}")


@pytest.mark.parametrize(
    "message",
    [
        {"type": "state", "state": STATE},
        {"type": "question", "kind": "output_size", "seed": 3},
        {"type": "reveal"},
        {"type": "end"},
    ],
)
def test_a_student_sending_a_teachers_message_is_refused(classroom: Classroom, message: dict[str, Any]) -> None:
    room = classroom.open()
    with (
        classroom.teacher(room) as teacher,
        classroom.student(room, "student-1") as student,
        classroom.student(room, "student-2") as other,
    ):
        student.send_json(message)
        assert student.receive_json() == error(f"type: got '{message['type']}'; {FROM_STUDENT}")
        teacher.send_json({"type": "state", "state": {**STATE, "step": 11}})
        for someone in (student, other):  # nothing forwarded, the room still open
            assert someone.receive_json() == {"type": "state", "state": {**STATE, "step": 11}}


def test_an_answer_from_the_teacher_is_refused(classroom: Classroom) -> None:
    room = classroom.open()
    with classroom.teacher(room) as teacher:
        teacher.send_json({"type": "question", "kind": "output_size", "seed": 3})
        teacher.receive_json(), teacher.receive_json()  # question, tally
        teacher.send_json({"type": "answer", "answer": 9})
        assert teacher.receive_json() == error(f"type: got 'answer'; {FROM_TEACHER}")


KIND_LIST = ", ".join(KINDS)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, f"kind: got nothing; must be one of {KIND_LIST}"),
        ({"kind": "nope"}, f"kind: got 'nope'; must be one of {KIND_LIST}"),
        ({"kind": 3}, f"kind: got 3; must be one of {KIND_LIST}"),
        ({"kind": "output_size", "seed": -1}, f"seed: got -1; must be a whole number from 0 to {MAX_SEED}"),
        ({"kind": "output_size", "seed": "3"}, f"seed: got '3'; must be a whole number from 0 to {MAX_SEED}"),
        ({"kind": "output_size", "seed": 2**31}, f"seed: got 2147483648; must be a whole number from 0 to {MAX_SEED}"),
        (
            {"kind": "output_size", "params": "W=3"},
            "params: got 'W=3'; must be an object of parameter names and values",
        ),
        (
            {"kind": "output_size", "params": {"Q": 1}},
            "Q: got 1; is not a parameter of output_size, which takes W, K, P, S",
        ),
        (
            {"kind": "output_size", "answer": 9},
            "answer: got 9; is not a field of a 'question' message, which takes 'kind', 'seed' or 'params'",
        ),
    ],
)
def test_a_question_that_breaks_a_rule_is_named(classroom: Classroom, fields: dict[str, Any], message: str) -> None:
    room = classroom.open()
    with classroom.teacher(room) as teacher, classroom.student(room, "student-1") as student:
        teacher.receive_json()  # presence
        teacher.send_json({"type": "question", **fields})
        assert teacher.receive_json() == error(message)
        nothing_was_forwarded(teacher, student)


@pytest.mark.parametrize("params", [{"W": 0}, {"K": 99}, {"S": 1.5}, {"P": "x"}])
def test_a_questions_params_get_the_exercise_apis_own_messages(classroom: Classroom, params: dict[str, Any]) -> None:
    query = "&".join(f"{name}={value}" for name, value in params.items())
    expected = classroom.client.get(f"/api/exercises/output_size?seed=3&{query}").json()["message"]
    room = classroom.open()
    with classroom.teacher(room) as teacher:
        teacher.send_json({"type": "question", "kind": "output_size", "seed": 3, "params": params})
        assert teacher.receive_json() == error(expected)


@pytest.mark.parametrize("classroom", [{"classroom_max_message": 200}], indirect=True)
def test_a_message_over_the_size_cap_is_refused_with_the_cap(classroom: Classroom) -> None:
    room = classroom.open()
    with classroom.teacher(room) as teacher, classroom.student(room, "student-1") as student:
        teacher.receive_json()  # presence
        big = {"type": "state", "state": {**STATE, "params": {"input": "x" * 300}}}
        teacher.send_json(big)
        size = len(orjson.dumps(big))
        rule = "must be at most 200 bytes (the cap in settings: CONVSCOPE_CLASSROOM_MAX_MESSAGE)"
        assert teacher.receive_json() == error(f"message: got {size} bytes; {rule}")
        student.send_text("é" * 101)  # 202 bytes in UTF-8: bytes are counted, not characters
        assert student.receive_json() == error(f"message: got 202 bytes; {rule}")
        nothing_was_forwarded(teacher, student)


def test_the_default_size_cap_is_16384_bytes(classroom: Classroom) -> None:
    room = classroom.open()
    with classroom.teacher(room) as teacher, classroom.student(room, "student-1") as student:
        teacher.receive_json()  # presence
        teacher.send_text(" " * 16_385)
        rule = "must be at most 16,384 bytes (the cap in settings: CONVSCOPE_CLASSROOM_MAX_MESSAGE)"
        assert teacher.receive_json() == error(f"message: got 16,385 bytes; {rule}")
        nothing_was_forwarded(teacher, student)


FLOOD = (
    "messages: got more than 3 at once or 0.01 a second; a connection may send at most 0.01 a second "
    "and 3 at once (the caps in settings: CONVSCOPE_CLASSROOM_RATE, CONVSCOPE_CLASSROOM_BURST)"
)


@pytest.mark.parametrize("classroom", [{"classroom_rate": 0.01, "classroom_burst": 3}], indirect=True)
def test_a_connection_that_floods_is_closed_1008_with_the_cap(classroom: Classroom) -> None:
    room = classroom.open()
    with classroom.teacher(room) as teacher, classroom.student(room, "student-1") as student:
        for _ in range(4):
            student.send_json({"type": "answer", "answer": 1})
        for _ in range(3):
            assert student.receive_json() == error("answer: got 1; there is no open question to answer")
        assert student.receive_json() == error(FLOOD)
        code, reason = closed(student)
        assert code == 1008
        assert reason == "flooding: over 0.01 messages a second or 3 at once (CONVSCOPE_CLASSROOM_RATE, _BURST)"
        assert len(reason.encode()) <= 123
        assert teacher.receive_json() == {"type": "presence", "present": 1}  # student-1 joined
        assert teacher.receive_json() == {"type": "presence", "present": 0}  # and was put out


def test_the_default_flood_reason_fits_a_close_frame(classroom: Classroom) -> None:
    room = classroom.open()
    with classroom.student(room, "student-1") as student:
        for _ in range(41):
            student.send_text("{}")
        for _ in range(40):
            assert student.receive_json() == error(f"type: got nothing; {TYPES}")
        assert student.receive_json()["message"].startswith("messages: got more than 40 at once or 10 a second;")
        code, reason = closed(student)
        assert (code, reason) == (
            1008,
            "flooding: over 10 messages a second or 40 at once (CONVSCOPE_CLASSROOM_RATE, _BURST)",
        )


def test_a_bug_while_handling_a_message_is_said_in_words_and_the_socket_lives_on(
    classroom: Classroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(classroom.hub, "_ask", broken)
    room = classroom.open()
    with classroom.teacher(room) as teacher, classroom.student(room, "student-1") as student:
        teacher.receive_json()  # presence
        teacher.send_json({"type": "question", "kind": "output_size", "seed": 3})
        assert teacher.receive_json() == error("internal error: the server could not handle this message")
        nothing_was_forwarded(teacher, student)
