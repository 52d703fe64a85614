"""Room codes, teacher keys and student ids (app/classroom/codes.py)."""

from __future__ import annotations

import hashlib
import re

import pytest

from app.classroom import codes
from app.engine.errors import ParamError, show

CODE_RULE = "must be 6 letters from ACDEFGHJKMNPQRTUVWXY"


def test_codes_are_six_letters_without_look_alikes() -> None:
    made = {codes.new_code() for _ in range(500)}
    assert len(made) == 500
    assert all(re.fullmatch("[ACDEFGHJKMNPQRTUVWXY]{6}", code) for code in made)
    assert not set("".join(made)) & set("BIOSZL0123456789")


@pytest.mark.parametrize(("typed", "read"), [("KPRTXW", "KPRTXW"), ("kprtxw", "KPRTXW"), (" KpRtXw ", "KPRTXW")])
def test_a_typed_code_is_read_in_any_case(typed: str, read: str) -> None:
    assert codes.read_code(typed) == read


@pytest.mark.parametrize("typed", ["KPRTX", "KPRTXWA", "KPRTX0", "KPRTXB", "KPR TX", "ÄPRTXW", "", "../../x"])
def test_a_code_that_cannot_be_a_room_is_named_with_the_rule(typed: str) -> None:
    with pytest.raises(ParamError) as info:
        codes.read_code(typed)
    assert str(info.value) == f"code: got {typed!r}; {CODE_RULE}"


def test_a_teacher_key_is_kept_as_its_sha256_and_compared_whole() -> None:
    key = codes.new_key()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", key)  # 32 random bytes
    digest = codes.key_digest(key)
    assert digest == hashlib.sha256(key.encode()).hexdigest()
    assert codes.key_matches(key, digest)
    assert not codes.key_matches(key[:-1], digest)
    assert not codes.key_matches("", digest)
    assert not codes.key_matches(codes.new_key(), digest)


@pytest.mark.parametrize("student", ["abcdefgh", "A" * 64, "a-b_c-9Z", codes.new_student()])
def test_a_student_id_is_8_to_64_url_safe_characters(student: str) -> None:
    assert codes.read_student(student) == student


@pytest.mark.parametrize("student", ["abcdefg", "A" * 65, "abc defgh", "abcdefgh!", "abcdéfgh", "abcdefgh\n"])
def test_a_student_id_that_breaks_the_rule_is_named(student: str) -> None:
    with pytest.raises(ParamError) as info:
        codes.read_student(student)
    assert str(info.value) == f"student: got {show(student)}; must be 8 to 64 characters from A-Z a-z 0-9 _ -"
