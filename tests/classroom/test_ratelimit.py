"""The token bucket of each connection (app/classroom/ratelimit.py), on a clock the test moves."""

from __future__ import annotations

from app.classroom.ratelimit import TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_allowed_then_refused() -> None:
    bucket = TokenBucket(rate=10, burst=4, clock=Clock())
    assert [bucket.take() for _ in range(5)] == [True, True, True, True, False]


def test_tokens_come_back_at_the_rate_up_to_the_burst() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=10, burst=4, clock=clock)
    assert all(bucket.take() for _ in range(4))
    clock.now += 0.25  # 2.5 tokens
    assert [bucket.take() for _ in range(3)] == [True, True, False]
    clock.now += 60  # never more than the burst
    assert [bucket.take() for _ in range(5)] == [True, True, True, True, False]


def test_sustained_sending_at_the_rate_is_never_refused() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=10, burst=1, clock=clock)
    for _ in range(1000):
        assert bucket.take()
        clock.now += 0.1
