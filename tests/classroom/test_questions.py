"""Questions: asked by the teacher, answered by each student, tallied for the teacher, revealed to all
with each student's own verdict (docs/CLASSROOM.md). The exercises are the lessons' own
(app.lessons.exercises): output_size with seed 3 is "9x9 input, 1x1 kernel, stride 1": 9."""

from __future__ import annotations

from typing import Any

from starlette.testclient import WebSocketTestSession

from app.lessons import exercises as ex
from tests.classroom.room import STATE, Classroom, closed

EXERCISE = ex.make("output_size", 3, {})
assert EXERCISE.expected == 9


def ask(teacher: WebSocketTestSession, present: int, kind: str = "output_size", seed: int = 3) -> dict[str, Any]:
    """Ask a question; the teacher's ``question`` and first (empty) ``tally`` read; the question returned."""
    teacher.send_json({"type": "question", "kind": kind, "seed": seed})
    message = teacher.receive_json()
    assert message["type"] == "question"
    question: dict[str, Any] = message["question"]
    assert teacher.receive_json() == tally(question, [], 0, present)
    return question


def tally(question: dict[str, Any], counts: list[tuple[Any, int]], answered: int, present: int) -> dict[str, Any]:
    return {
        "type": "tally",
        "question": question["id"],
        "counts": [{"answer": answer, "count": count} for answer, count in counts],
        "answered": answered,
        "present": present,
    }


def test_a_question_reaches_everyone_without_its_answer(classroom: Classroom) -> None:
    room = classroom.open()
    with classroom.teacher(room) as teacher, classroom.student(room, "student-1") as student:
        teacher.receive_json()  # presence
        question = ask(teacher, 1)
        assert question == {**EXERCISE.public(), "id": question["id"]}
        assert "expected" not in question and "explanation" not in question
        assert len(question["id"]) == 8
        assert student.receive_json() == {"type": "question", "question": question}


def test_answers_are_tallied_and_revealed_with_each_students_verdict(classroom: Classroom) -> None:
    room = classroom.open()
    with classroom.teacher(room) as teacher:
        with (
            classroom.student(room, "student-1") as one,
            classroom.student(room, "student-2") as two,
            classroom.student(room, "student-3") as three,
            classroom.student(room, "student-4") as four,
        ):
            for present in (1, 2, 3, 4):
                assert teacher.receive_json() == {"type": "presence", "present": present}
            question = ask(teacher, 4)
            qid = question["id"]
            for student in (one, two, three, four):
                assert student.receive_json() == {"type": "question", "question": question}

            one.send_json({"type": "answer", "answer": 5})
            assert one.receive_json() == {"type": "answered", "question": qid, "answer": 5}
            assert teacher.receive_json() == tally(question, [(5, 1)], 1, 4)
            one.send_json({"type": "answer", "answer": 9})  # changed before the reveal: counted once, as 9
            assert one.receive_json() == {"type": "answered", "question": qid, "answer": 9}
            assert teacher.receive_json() == tally(question, [(9, 1)], 1, 4)
            two.send_json({"type": "answer", "answer": 9.0})  # read as the whole number 9
            assert two.receive_json() == {"type": "answered", "question": qid, "answer": 9}
            assert teacher.receive_json() == tally(question, [(9, 2)], 2, 4)
            three.send_json({"type": "answer", "answer": 7})
            assert three.receive_json() == {"type": "answered", "question": qid, "answer": 7}
            assert teacher.receive_json() == tally(question, [(9, 2), (7, 1)], 3, 4)

            teacher.send_json({"type": "reveal"})
            revealed = {
                "type": "reveal",
                "question": qid,
                "counts": [{"answer": 9, "count": 2}, {"answer": 7, "count": 1}],
                "answered": 3,
                "present": 4,
                "expected": 9,
                "explanation": EXERCISE.explanation,
            }
            assert teacher.receive_json() == revealed
            assert one.receive_json() == {**revealed, "answer": 9, "correct": True}
            assert two.receive_json() == {**revealed, "answer": 9, "correct": True}
            assert three.receive_json() == {**revealed, "answer": 7, "correct": False}
            assert four.receive_json() == {**revealed, "answer": None, "correct": None}

            four.send_json({"type": "answer", "answer": 9})  # too late
            closed_message = "answer: got 9; answers are closed: the teacher has revealed this question's answer"
            assert four.receive_json() == {"type": "error", "message": closed_message}
            one.send_json({"type": "answer", "answer": 3})  # a change after the reveal: refused too
            assert one.receive_json() == {"type": "error", "message": closed_message.replace("got 9", "got 3")}

            # the next question clears the answers
            second = ask(teacher, 4, seed=4)
            assert second["id"] != qid
            for student in (one, two, three, four):
                assert student.receive_json() == {"type": "question", "question": second}
            teacher.send_json({"type": "reveal"})
            assert teacher.receive_json()["counts"] == []
            assert one.receive_json()["answer"] is None


def test_choices_are_counted_by_their_text_whether_sent_by_index_or_text(classroom: Classroom) -> None:
    exercise = ex.make("one_by_one", 3, {})
    assert exercise.answer_format == "choice"
    right = exercise.choices.index(str(exercise.expected))
    room = classroom.open()
    with (
        classroom.teacher(room) as teacher,
        classroom.student(room, "student-1") as one,
        classroom.student(room, "student-2") as two,
        classroom.student(room, "student-3") as three,
    ):
        [teacher.receive_json() for _ in range(3)]  # presence
        question = ask(teacher, 3, "one_by_one")
        for student in (one, two, three):
            student.receive_json()
        one.send_json({"type": "answer", "answer": right})
        two.send_json({"type": "answer", "answer": str(exercise.expected).replace(" ", "").upper()})
        three.send_json({"type": "answer", "answer": "no idea"})
        text = str(exercise.expected)
        assert one.receive_json() == {"type": "answered", "question": question["id"], "answer": text}
        assert two.receive_json() == {"type": "answered", "question": question["id"], "answer": text}
        assert three.receive_json() == {"type": "answered", "question": question["id"], "answer": "no idea"}
        [teacher.receive_json() for _ in range(2)]
        assert teacher.receive_json() == tally(question, [(text, 2), ("no idea", 1)], 3, 3)
        one.send_json({"type": "answer", "answer": len(exercise.choices)})
        rule = f"must be a choice's index, from 0 to {len(exercise.choices) - 1}"
        assert one.receive_json() == {"type": "error", "message": f"answer: got {len(exercise.choices)}; {rule}"}


def test_an_answer_of_the_wrong_form_or_with_no_question_is_refused(classroom: Classroom) -> None:
    room = classroom.open()
    with classroom.teacher(room) as teacher, classroom.student(room, "student-1") as student:
        teacher.receive_json()  # presence
        student.send_json({"type": "answer", "answer": 9})
        assert student.receive_json() == {
            "type": "error",
            "message": "answer: got 9; there is no open question to answer",
        }
        ask(teacher, 1)
        student.receive_json()
        rule = "must be a number or a choice (its index or its text)"
        for sent, shown in ((None, "null"), (True, "true"), ([9], "[9]"), ({"n": 9}, '{"n": 9}')):
            student.send_json({"type": "answer", "answer": sent})
            assert student.receive_json() == {"type": "error", "message": f"answer: got {shown}; {rule}"}
        student.send_json({"type": "answer"})
        assert student.receive_json() == {"type": "error", "message": f"answer: got nothing; {rule}"}
        student.send_json({"type": "answer", "answer": "nine"})
        assert student.receive_json() == {"type": "error", "message": "answer: got 'nine'; must be a whole number"}
        student.send_json({"type": "answer", "answer": 9, "why": "O = W"})
        message = "why: got 'O = W'; is not a field of a 'answer' message, which takes 'answer'"
        assert student.receive_json() == {"type": "error", "message": message}
        teacher.send_json({"type": "reveal"})
        assert teacher.receive_json()["answered"] == 0  # no refused answer was counted


def test_a_student_who_reconnects_gets_the_question_their_answer_and_the_reveal(classroom: Classroom) -> None:
    room = classroom.open()
    with classroom.teacher(room) as teacher:
        teacher.send_json({"type": "state", "state": STATE})
        with classroom.student(room, "student-1") as student:
            student.receive_json()  # state
            teacher.receive_json()  # presence
            question = ask(teacher, 1)
            student.receive_json()
            student.send_json({"type": "answer", "answer": 8})
            student.receive_json()
        with classroom.student(room, "student-1") as back:  # the same id: their answer kept
            assert back.receive_json() == {"type": "state", "state": STATE}
            assert back.receive_json() == {"type": "question", "question": question}
            assert back.receive_json() == {"type": "answered", "question": question["id"], "answer": 8}
            back.send_json({"type": "answer", "answer": 9})
            back.receive_json()
        while teacher.receive_json()["type"] != "tally":  # presence, the tallies of 8 then 9
            pass
        teacher.send_json({"type": "reveal"})
        while (revealed := teacher.receive_json())["type"] != "reveal":
            pass
        assert revealed["counts"] == [{"answer": 9, "count": 1}]
        with classroom.student(room, "student-1") as later, classroom.student(room, "student-2") as newcomer:
            for message in ({"type": "state", "state": STATE}, {"type": "question", "question": question}):
                assert later.receive_json() == message
                assert newcomer.receive_json() == message
            assert later.receive_json() == {"type": "answered", "question": question["id"], "answer": 9}
            assert later.receive_json() == {**revealed, "answer": 9, "correct": True}
            assert newcomer.receive_json() == {**revealed, "answer": None, "correct": None}


def test_a_reloaded_teacher_gets_state_question_tally_and_reveal(classroom: Classroom) -> None:
    room = classroom.open()
    with classroom.student(room, "student-1") as student:
        with classroom.teacher(room) as teacher:
            teacher.send_json({"type": "state", "state": STATE})  # the student was there first: no presence
            question = ask(teacher, 1)
            [student.receive_json() for _ in range(2)]
            student.send_json({"type": "answer", "answer": 9})
            student.receive_json()
            teacher.receive_json()  # tally
            teacher.send_json({"type": "reveal"})
            revealed = teacher.receive_json()
        with classroom.teacher(room, greeting=0) as reloaded:
            assert reloaded.receive_json() == {
                "type": "welcome",
                "role": "teacher",
                "code": room["code"],
                "rate": 10.0,
                "present": 1,
            }
            assert reloaded.receive_json() == {"type": "state", "state": STATE}
            assert reloaded.receive_json() == {"type": "question", "question": question}
            assert reloaded.receive_json() == tally(question, [(9, 1)], 1, 1)
            assert reloaded.receive_json() == revealed


def test_end_closes_every_socket_4000(classroom: Classroom) -> None:
    room = classroom.open()
    with (
        classroom.teacher(room) as teacher,
        classroom.student(room, "student-1") as one,
        classroom.student(room, "student-2") as two,
    ):
        teacher.send_json({"type": "end"})
        for ws in (one, two):
            assert ws.receive_json() == {"type": "ended"}
            assert closed(ws) == (4000, "the teacher ended the class")
        messages = []
        while (message := teacher.receive_json())["type"] != "ended":
            messages.append(message)
        assert messages == [{"type": "presence", "present": 1}, {"type": "presence", "present": 2}]
        assert closed(teacher) == (4000, "the teacher ended the class")
    assert classroom.client.get(f"/api/classroom/{room['code']}").status_code == 404
