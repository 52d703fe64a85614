"""parse() (app/classroom/protocol.py): each valid message as its typed value. The refusals are pinned
over the WebSocket (test_messages.py), where a client meets them."""

from __future__ import annotations

import orjson
import pytest

from app.classroom.protocol import Answer, End, Question, Reveal, State, parse
from app.engine.errors import ParamError
from app.lessons import exercises as ex
from tests.classroom.room import STATE


def test_each_message_is_read_as_its_type() -> None:
    assert parse(orjson.dumps({"type": "state", "state": STATE}), "teacher", 16384) == State(STATE)
    assert parse('{"type": "reveal"}', "teacher", 16384) == Reveal()
    assert parse('{"type": "end"}', "teacher", 16384) == End()
    assert parse('{"type": "answer", "answer": "28 x 28 x 32"}', "student", 16384) == Answer("28 x 28 x 32")
    question = parse('{"type": "question", "kind": "output_size", "seed": 3, "params": {"W": 7}}', "teacher", 16384)
    assert question == Question(ex.make("output_size", 3, {"W": 7}))


def test_a_question_without_a_seed_draws_one() -> None:
    seeds = set()
    for _ in range(5):
        question = parse('{"type": "question", "kind": "relu_count"}', "teacher", 16384)
        assert isinstance(question, Question)
        seeds.add(question.exercise.seed)
    assert len(seeds) > 1


def test_the_size_cap_is_checked_before_the_json_is_read() -> None:
    with pytest.raises(ParamError) as info:
        parse("{" * 101, "student", 100)
    assert str(info.value) == (
        "message: got 101 bytes; must be at most 100 bytes (the cap in settings: CONVSCOPE_CLASSROOM_MAX_MESSAGE)"
    )
