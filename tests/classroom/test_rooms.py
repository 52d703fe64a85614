"""Rooms over HTTP and the refused connections: wrong key, unknown, malformed and expired codes,
student ids, and the caps (rooms 503, students 4029). Each with its exact message."""

from __future__ import annotations

import pytest

from app.engine.errors import show
from tests.classroom.room import STATE, Classroom, closed, refused

CODE_RULE = "must be 6 letters from ACDEFGHJKMNPQRTUVWXY"


def no_room(code: str) -> str:
    return f"no room '{code}' (never made, ended, or expired)"


def test_a_room_is_described_by_get(classroom: Classroom) -> None:
    room = classroom.open()
    code = room["code"]
    for asked in (code, code.lower()):
        response = classroom.client.get(f"/api/classroom/{asked}")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert response.json() == {
            "code": code,
            "join_url": f"http://testserver/join/{code}",
            "qr_url": f"/api/classroom/{code}/qr.svg",
            "present": 0,
        }
    with classroom.student(room, "student-1"), classroom.student(room, "student-2"):
        assert classroom.client.get(f"/api/classroom/{code}").json()["present"] == 2


def test_the_join_url_follows_the_host_the_request_came_to(classroom: Classroom) -> None:
    response = classroom.client.post("/api/classroom", headers={"host": "class.example:8080"})
    code = response.json()["code"]
    assert response.json()["join_url"] == f"http://class.example:8080/join/{code}"


def test_the_qr_code_is_an_svg_of_the_join_url(classroom: Classroom) -> None:
    room = classroom.open()
    response = classroom.client.get(room["qr_url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["cache-control"] == "no-store"
    assert response.text.startswith("<?xml") and "<svg" in response.text and response.text.rstrip().endswith("</svg>")


@pytest.mark.parametrize("suffix", ["", "/qr.svg"])
def test_an_unknown_or_malformed_code_is_a_worded_404(classroom: Classroom, suffix: str) -> None:
    unknown = classroom.client.get(f"/api/classroom/KPRTXW{suffix}")
    assert unknown.status_code == 404
    assert unknown.headers["cache-control"] == "no-store"
    assert unknown.json() == {"message": no_room("KPRTXW"), "detail": []}
    for typed in ("KPRTX1", "kprt", "KPRTXWW", "%C3%84PRTXW", "KP%20RTX"):
        response = classroom.client.get(f"/api/classroom/{typed}{suffix}")
        assert response.status_code == 404, typed
        assert response.json()["message"].endswith(f"; {CODE_RULE}"), typed
    assert classroom.client.get(f"/api/classroom/KPRTX1{suffix}").json() == {
        "message": f"code: got 'KPRTX1'; {CODE_RULE}",
        "detail": [],
    }


@pytest.mark.parametrize("classroom", [{"max_rooms": 2}], indirect=True)
def test_the_room_cap_is_a_503_naming_it(classroom: Classroom) -> None:
    classroom.open()
    classroom.open()
    response = classroom.client.post("/api/classroom")
    assert response.status_code == 503
    assert response.headers["cache-control"] == "no-store"
    rule = "at most 2 rooms may be open at once (the cap in settings: CONVSCOPE_MAX_ROOMS)"
    message = f"rooms: got 2 open; {rule}"
    assert response.json() == {
        "message": message,
        "detail": [{"loc": ["server"], "param": "rooms", "received": "2 open", "rule": rule, "msg": message}],
    }


@pytest.mark.parametrize("classroom", [{"max_rooms": 1, "classroom_idle_s": 60}], indirect=True)
def test_an_expired_room_frees_its_place_and_is_gone(classroom: Classroom) -> None:
    broker = classroom.hub.broker
    now = [1000.0]
    broker.clock = lambda: now[0]  # type: ignore[attr-defined]
    room = classroom.open()
    assert classroom.client.post("/api/classroom").status_code == 503
    now[0] += 61
    assert classroom.client.get(f"/api/classroom/{room['code']}").json()["message"] == no_room(room["code"])
    with classroom.client.websocket_connect(room["live_url"]) as student:
        assert refused(student) == (no_room(room["code"]), 4004, "no such room")
    with classroom.client.websocket_connect(f"{room['live_url']}?key={room['teacher_key']}") as teacher:
        assert refused(teacher) == (no_room(room["code"]), 4004, "no such room")
    assert classroom.client.post("/api/classroom").status_code == 201


@pytest.mark.parametrize("classroom", [{"classroom_idle_s": 60}], indirect=True)
def test_idle_expiry_counts_from_the_last_message(classroom: Classroom) -> None:
    hub = classroom.hub
    now = [1000.0]
    hub.broker.clock = lambda: now[0]  # type: ignore[attr-defined]
    room = classroom.open()
    with classroom.teacher(room) as teacher, classroom.student(room, "student-1") as student:
        now[0] += 50
        teacher.send_json({"type": "state", "state": STATE})
        assert student.receive_json() == {"type": "state", "state": STATE}
        classroom.client.portal.call(hub.beat)  # type: ignore[union-attr]  # touches the room: it had a message
        now[0] += 50  # 100 s since made, 50 since the message
        classroom.client.portal.call(hub.beat)  # type: ignore[union-attr]
        assert classroom.client.get(f"/api/classroom/{room['code']}").status_code == 200
        now[0] += 11  # 61 s with no message: the room expires, and its sockets are told
        classroom.client.portal.call(hub.beat)  # type: ignore[union-attr]
        assert teacher.receive_json() == {"type": "presence", "present": 1}  # student-1 joined
        for ws in (student, teacher):
            assert refused(ws) == (no_room(room["code"]), 4004, "no such room")


@pytest.mark.parametrize("typed", ["KPRTXW", "KPRTX1", "kprtx"])
def test_a_socket_to_no_room_is_closed_4004(classroom: Classroom, typed: str) -> None:
    message = no_room(typed) if typed == "KPRTXW" else f"code: got '{typed}'; {CODE_RULE}"
    with classroom.client.websocket_connect(f"/api/classroom/{typed}/live") as ws:
        assert refused(ws) == (message, 4004, "no such room")


def test_an_ended_room_is_closed_4004_to_newcomers(classroom: Classroom) -> None:
    room = classroom.open()
    with classroom.teacher(room) as teacher:
        teacher.send_json({"type": "end"})
        assert teacher.receive_json() == {"type": "ended"}
        assert closed(teacher) == (4000, "the teacher ended the class")
    with classroom.client.websocket_connect(room["live_url"]) as student:
        assert refused(student) == (no_room(room["code"]), 4004, "no such room")
    assert classroom.client.get(f"/api/classroom/{room['code']}").status_code == 404


@pytest.mark.parametrize("key", ["wrong", "", "x" * 43])
def test_a_wrong_key_is_closed_4003(classroom: Classroom, key: str) -> None:
    room = classroom.open()
    other = classroom.open()
    message = (
        f"key: got a key that is not the teacher key of room {room['code']}; "
        "must be the teacher_key that POST /api/classroom answered"
    )
    for wrong in (key, other["teacher_key"]):
        with classroom.client.websocket_connect(f"{room['live_url']}?key={wrong}") as ws:
            assert refused(ws) == (message, 4003, "wrong teacher key")


@pytest.mark.parametrize(
    ("sent", "student"),
    [
        ("short", "short"),
        ("x" * 65, "x" * 65),
        ("has%20space", "has space"),
        ("%C3%A9t%C3%A9-abcd", "été-abcd"),
        ("semi;colon", "semi;colon"),
    ],
)
def test_a_student_id_that_breaks_its_rule_is_closed_4400(classroom: Classroom, sent: str, student: str) -> None:
    room = classroom.open()
    with classroom.client.websocket_connect(f"{room['live_url']}?student={sent}") as ws:
        message = f"student: got {show(student)}; must be 8 to 64 characters from A-Z a-z 0-9 _ -"
        assert refused(ws) == (message, 4400, "bad student id")


@pytest.mark.parametrize("classroom", [{"max_students": 2}], indirect=True)
def test_the_student_cap_closes_the_next_student_4029(classroom: Classroom) -> None:
    room = classroom.open()
    code = room["code"]
    with classroom.teacher(room) as teacher:
        with classroom.student(room, "student-1"), classroom.student(room, "student-2"):
            with classroom.client.websocket_connect(f"{room['live_url']}?student=student-3") as third:
                assert refused(third) == (
                    f"students: got 2 of 2 in room {code}; a room takes at most 2 students "
                    "(the cap in settings: CONVSCOPE_MAX_STUDENTS)",
                    4029,
                    "room full: 2 students (CONVSCOPE_MAX_STUDENTS)",
                )
            with classroom.student(room, "student-2", greeting=0) as again:  # a second tab: counted once
                assert again.receive_json()["present"] == 2
            assert [teacher.receive_json() for _ in range(2)] == [{"type": "presence", "present": n} for n in (1, 2)]
        with classroom.student(room, "student-3", greeting=0) as third:  # places free again
            assert third.receive_json()["present"] == 1


def test_the_teacher_is_not_counted_among_the_students(classroom: Classroom) -> None:
    room = classroom.open()
    with classroom.teacher(room), classroom.teacher(room), classroom.student(room, greeting=0) as student:
        assert student.receive_json()["present"] == 1
