"""Room codes, teacher keys and student ids: made with ``secrets``, checked before anything is looked up.

A code is six letters without look-alikes (no B/8, I/L/1, O/0, S/5, Z/2), read case-insensitively.
A teacher key is 256 random bits; the server keeps only its SHA-256 and compares in constant time.
A student id is made once by the student's page (or by the server) and names the student across
reconnections.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from app.engine.errors import ParamError

ALPHABET = "ACDEFGHJKMNPQRTUVWXY"
LENGTH = 6
CODE_RULE = f"must be {LENGTH} letters from {ALPHABET}"
STUDENT_RULE = "must be 8 to 64 characters from A-Z a-z 0-9 _ -"
_STUDENT = re.compile(r"[A-Za-z0-9_-]{8,64}")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def read_code(text: str) -> str:
    """The code a person typed, in upper case; ParamError("code", ...) when it cannot be a room's code."""
    code = text.strip().upper()
    if len(code) != LENGTH or any(letter not in ALPHABET for letter in code):
        raise ParamError("code", text, CODE_RULE)
    return code


def new_key() -> str:
    return secrets.token_urlsafe(32)


def key_digest(key: str) -> str:
    """What the server keeps of a teacher key: its SHA-256, in hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_matches(key: str, digest: str) -> bool:
    return hmac.compare_digest(key_digest(key).encode(), digest.encode())


def new_student() -> str:
    return secrets.token_urlsafe(12)  # 16 characters of A-Z a-z 0-9 _ -


def read_student(text: str) -> str:
    if not _STUDENT.fullmatch(text):
        raise ParamError("student", text, STUDENT_RULE)
    return text
