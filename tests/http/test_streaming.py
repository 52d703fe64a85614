"""app/http/streaming.py's Turns: large streams make one chunk per pass of the event loop, whatever
else is ready runs between two of their chunks, and a stream that leaves never blocks the others."""

from __future__ import annotations

import asyncio

import pytest

from app.http.streaming import Turns
from tests.live import run_async


async def large(name: str, turns: Turns, chunks: int, log: list[str]) -> None:
    for _ in range(chunks):
        ticket = await turns.wait()
        try:
            log.append(name)  # "make a chunk"
        finally:
            turns.done(ticket)


async def small(log: list[str], stop: asyncio.Event) -> None:
    """A small stream that is always ready: it yields to the loop and logs every time it runs."""
    while not stop.is_set():
        log.append("s")
        await asyncio.sleep(0)


@pytest.mark.parametrize("streams", [1, 2, 4])
def test_something_else_runs_between_two_large_chunks(streams: int) -> None:
    async def run() -> list[str]:
        turns, log, stop = Turns(), [], asyncio.Event()
        ticker = asyncio.create_task(small(log, stop))
        await asyncio.gather(*(large(f"L{i}", turns, 20, log) for i in range(streams)))
        stop.set()
        await ticker
        assert len(turns) == 0
        return log

    log = run_async(run)
    chunks = [i for i, entry in enumerate(log) if entry != "s"]
    assert len(chunks) == 20 * streams
    assert all(b - a > 1 for a, b in zip(chunks, chunks[1:], strict=False)), "two large chunks in a row"
    if streams > 1:  # the streams take turns
        order = [log[i] for i in chunks]
        assert order[:streams] == [f"L{i}" for i in range(streams)]


def test_a_stream_that_leaves_while_waiting_does_not_block_the_others() -> None:
    async def run() -> list[str]:
        turns, log = Turns(), []
        first = await turns.wait()  # holds the turn
        waiting = asyncio.create_task(turns.wait())
        await asyncio.sleep(0)
        waiting.cancel()  # gone while waiting in the queue
        with pytest.raises(asyncio.CancelledError):
            await waiting
        other = asyncio.create_task(large("L", turns, 3, log))
        await asyncio.sleep(0)
        turns.done(first)
        await asyncio.wait_for(other, 1)
        assert len(turns) == 0
        return log

    assert run_async(run) == ["L", "L", "L"]


def test_a_stream_woken_but_cancelled_before_it_ran_passes_the_turn_on() -> None:
    async def run() -> list[str]:
        turns, log = Turns(), []
        first = await turns.wait()
        woken = asyncio.create_task(turns.wait())
        other = asyncio.create_task(large("L", turns, 2, log))
        await asyncio.sleep(0)
        turns.done(first)  # wakes `woken` (next pass)...
        woken.cancel()  # ...which leaves before it runs
        with pytest.raises(asyncio.CancelledError):
            await woken
        await asyncio.wait_for(other, 1)
        return log

    assert run_async(run) == ["L", "L"]
