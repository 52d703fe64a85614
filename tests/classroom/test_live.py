"""The live channel end to end, in process: rooms, joining, the state's fan-out (docs/CLASSROOM.md)."""

from __future__ import annotations

import re

from app.classroom.codes import ALPHABET
from tests.classroom.room import STATE, Classroom


def test_a_room_is_made_with_a_code_a_key_and_a_join_url(classroom: Classroom) -> None:
    response = classroom.client.post("/api/classroom")
    assert response.status_code == 201
    room = response.json()
    code = room["code"]
    assert re.fullmatch(f"[{ALPHABET}]{{6}}", code)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", room["teacher_key"])
    assert room == {
        "code": code,
        "teacher_key": room["teacher_key"],
        "join_url": f"http://testserver/join/{code}",
        "qr_url": f"/api/classroom/{code}/qr.svg",
        "live_url": f"/api/classroom/{code}/live",
        "idle_s": 10800,
    }
    assert "cache-control" not in response.headers and "etag" not in response.headers


def test_the_teacher_and_a_student_are_welcomed(classroom: Classroom) -> None:
    room = classroom.open()
    code = room["code"]
    with classroom.teacher(room, greeting=0) as teacher:
        assert teacher.receive_json() == {
            "type": "welcome",
            "role": "teacher",
            "code": code,
            "rate": 10.0,
            "present": 0,
        }
        with classroom.student(room, "student-1", greeting=0) as student:
            welcome = {
                "type": "welcome",
                "role": "student",
                "code": code,
                "rate": 10.0,
                "student": "student-1",
                "present": 1,
            }
            assert student.receive_json() == welcome
            assert teacher.receive_json() == {"type": "presence", "present": 1}
        assert teacher.receive_json() == {"type": "presence", "present": 0}


def test_a_student_without_an_id_gets_one_and_codes_are_read_in_any_case(classroom: Classroom) -> None:
    room = classroom.open()
    with classroom.client.websocket_connect(f"/api/classroom/{room['code'].lower()}/live") as student:
        welcome = student.receive_json()
        assert welcome["code"] == room["code"]
        assert re.fullmatch(r"[A-Za-z0-9_-]{16}", welcome["student"])


def test_the_state_fans_out_to_every_student_and_not_back_to_the_teacher(classroom: Classroom) -> None:
    room = classroom.open()
    with classroom.teacher(room) as teacher:
        with (
            classroom.student(room, "student-1") as one,
            classroom.student(room, "student-2") as two,
            classroom.student(room, "student-3") as three,
        ):
            for present in (1, 2, 3):
                assert teacher.receive_json() == {"type": "presence", "present": present}
            teacher.send_json({"type": "state", "state": STATE})
            moved = {**STATE, "step": 4, "playing": True, "speed": 2.5, "section": "padding"}
            teacher.send_json({"type": "state", "state": moved})
            for student in (one, two, three):
                assert student.receive_json() == {"type": "state", "state": STATE}
                assert student.receive_json() == {"type": "state", "state": moved}
            teacher.send_json({"type": "reveal"})  # the teacher's next message is the answer to this, not an echo
            assert teacher.receive_json() == {
                "type": "error",
                "message": "type: got 'reveal'; there is no open question to reveal: send a 'question' first",
            }


def test_a_student_who_joins_or_reconnects_gets_the_latest_state_first(classroom: Classroom) -> None:
    room = classroom.open()
    with classroom.teacher(room) as teacher:
        teacher.send_json({"type": "state", "state": STATE})
        latest = {**STATE, "step": 7}
        teacher.send_json({"type": "state", "state": latest})
        with classroom.student(room, "student-1") as student:
            assert student.receive_json() == {"type": "state", "state": latest}
        with classroom.student(room, "student-1") as again:  # the same student, back
            assert again.receive_json() == {"type": "state", "state": latest}
    with classroom.teacher(room) as reloaded:  # a reloaded teacher's page picks up where it was
        assert reloaded.receive_json() == {"type": "state", "state": latest}
