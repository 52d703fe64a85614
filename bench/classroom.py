"""The live classroom under a full class: how fast a teacher's state change reaches every student.

    .venv/bin/python bench/classroom.py                   # in memory (one process), then 2 workers + Redis
    .venv/bin/python bench/classroom.py --only memory --rounds 200
    .venv/bin/python bench/classroom.py --students 200 --rooms 10 --room-size 30 --interval 0.2

The server is ``python -m uvicorn app.main:app --log-level warning`` (what ``convscope serve`` runs,
without its access log) in its own process(es): one process with rooms in memory, or
``--workers 2`` with ``CONVSCOPE_REDIS_URL`` on a redis-server this script starts (Debian's
/usr/bin/redis-server, no persistence, a free port; tests/redis_server.py). The client is this
process: asyncio and the ``websockets`` package, one socket per page, on loopback.

The class: one room of one teacher and ``--students`` students (200), plus ``--rooms`` rooms (10) of
one teacher and ``--room-size`` students (30) as background load. Each round, every teacher sends a
new state (``step`` = the round) at once, every ``--interval`` s (0.2 s: 5 a second, under the
default rate limit of 10). The big room's figures:

- **to all**: for each round, from the teacher's send to the moment the *last* of the students
  has it (what the issue's target, p99 < 100 ms for a state change to reach all 200, is about);
- **each**: every (student, round) delivery;

as p50 / p99 / max over the rounds after ``--warmup``. Also: messages delivered per second to all
sockets together, and memory per connection: the server processes' RSS (the supervisor and its
workers, from /proc) after every socket is open and greeted, minus before, over the sockets.
The client shares the machine's cores with the server: on 2 cores it is part of what is measured.
Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _server  # noqa: E402  (also puts the project root on sys.path)
import run_all  # noqa: E402  (wait_quiet: --wait-quiet)

from tests.live import child_server  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

UVICORN = ["uvicorn", "app.main:app", "--log-level", "warning"]
STATE = {"path": "/play/conv2d", "params": {"stride": "2", "padding": "1"}, "playing": False, "speed": 1}


@dataclass
class Room:
    code: str
    teacher: ClientConnection
    students: list[ClientConnection]
    arrivals: dict[int, list[float]] = field(default_factory=dict)  # round -> when each student got it


@dataclass
class Counter:
    messages: int = 0


def tree_pids(pid: int) -> list[int]:
    """``pid`` and its descendants (uvicorn's supervisor, its workers, multiprocessing's helpers)."""
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in children:
            pids += tree_pids(int(child))
    return pids


def rss_kb(pid: int) -> int:
    total = 0
    for one in tree_pids(pid):
        try:
            total += _server.memory_kb(one)["VmRSS"]
        except (FileNotFoundError, KeyError):
            pass
    return total


def cpu_seconds(pid: int) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for one in tree_pids(pid):
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def machine_ticks() -> tuple[int, int]:
    """All cores' (total, idle + iowait) ticks from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def open_room(client: httpx.AsyncClient, base: str) -> dict[str, Any]:
    response = await client.post(f"{base}/api/classroom")
    response.raise_for_status()
    room: dict[str, Any] = response.json()
    return room


async def join(stack: AsyncExitStack, gate: asyncio.Semaphore, url: str) -> ClientConnection:
    async with gate:
        ws = await stack.enter_async_context(connect(url, open_timeout=60, max_queue=None))
        welcome = orjson.loads(await ws.recv())
        assert welcome["type"] == "welcome", welcome
        return ws


async def read(ws: ClientConnection, room: Room | None, counter: Counter) -> None:
    """Count every message; for the big room's students, note when each round's state arrived."""
    async for raw in ws:
        now = time.perf_counter()
        counter.messages += 1
        if room is not None:
            message = orjson.loads(raw)
            if message.get("type") == "state":
                room.arrivals.setdefault(message["state"]["step"], []).append(now)


async def one_run(base: str, pid: int, args: argparse.Namespace) -> dict[str, Any]:
    ws_base = base.replace("http://", "ws://")
    gate = asyncio.Semaphore(50)
    counter = Counter()
    async with httpx.AsyncClient() as client, AsyncExitStack() as stack:
        made = [await open_room(client, base) for _ in range(1 + args.rooms)]
        await asyncio.sleep(0.5)
        rss_before = rss_kb(pid)
        rooms: list[Room] = []
        for index, room in enumerate(made):
            size = args.students if index == 0 else args.room_size
            live = f"{ws_base}{room['live_url']}"
            teacher = await join(stack, gate, f"{live}?key={room['teacher_key']}")
            students = await asyncio.gather(
                *(join(stack, gate, f"{live}?student=bench-{index:02d}-{n:04d}") for n in range(size))
            )
            rooms.append(Room(room["code"], teacher, list(students)))
        sockets = sum(1 + len(room.students) for room in rooms)
        await asyncio.sleep(1.0)  # presence messages settle
        rss_after = rss_kb(pid)
        big = rooms[0]
        readers = [asyncio.create_task(read(room.teacher, None, counter)) for room in rooms]
        readers += [asyncio.create_task(read(ws, big, counter)) for ws in big.students]
        readers += [asyncio.create_task(read(ws, None, counter)) for room in rooms[1:] for ws in room.students]
        await asyncio.sleep(0.2)
        counter.messages = 0
        sent: dict[int, float] = {}
        client_cpu = resource.getrusage(resource.RUSAGE_SELF)
        server_cpu = cpu_seconds(pid)
        ticks = machine_ticks()
        started = time.perf_counter()
        for step in range(args.rounds):
            text = orjson.dumps({"type": "state", "state": {**STATE, "step": step}}).decode()
            sent[step] = time.perf_counter()
            await asyncio.gather(*(room.teacher.send(text) for room in rooms))
            await asyncio.sleep(max(0.0, started + (step + 1) * args.interval - time.perf_counter()))
        deadline = time.perf_counter() + 10
        while len(big.arrivals.get(args.rounds - 1, [])) < len(big.students) and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        wall = time.perf_counter() - started
        used = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu_s = used.ru_utime + used.ru_stime - client_cpu.ru_utime - client_cpu.ru_stime
        server_cpu_s = cpu_seconds(pid) - server_cpu
        total, idle = (now - then for now, then in zip(machine_ticks(), ticks, strict=True))
        machine_busy = 1.0 - idle / max(1, total)
        delivered = counter.messages
        for task in readers:
            task.cancel()
    to_all, each, missing = [], [], 0
    for step in range(args.warmup, args.rounds):
        times = big.arrivals.get(step, [])
        missing += len(big.students) - len(times)
        if len(times) == len(big.students):
            to_all.append((max(times) - sent[step]) * 1000)
        each += [(t - sent[step]) * 1000 for t in times]
    return {
        "sockets": sockets,
        "to_all": to_all,
        "each": each,
        "missing": missing,
        "rate": delivered / wall,
        "per_conn_kb": (rss_after - rss_before) / sockets,
        "rss_mb": rss_after / 1024,
        "client_cpu": client_cpu_s / wall,
        "server_cpu": server_cpu_s / wall,
        "machine_busy": machine_busy,
        "load": os.getloadavg()[0],
    }


def report(label: str, result: dict[str, Any], args: argparse.Namespace) -> None:
    print(f"\n{label}: {result['sockets']} sockets ({args.students}+1 in the big room, {args.rooms} rooms of "
          f"{args.room_size}+1), {args.rounds - args.warmup} rounds every {args.interval:g} s")  # fmt: skip
    for name, values in (("to all students", result["to_all"]), ("each delivery", result["each"])):
        if values:
            print(
                f"  {name:16s} p50 {statistics.median(values):7.1f} ms   p99 {pct(values, 99):7.1f} ms   "
                f"max {max(values):7.1f} ms   (n={len(values)})"
            )
    if result["missing"]:
        print(f"  MISSING deliveries: {result['missing']}")
    print(f"  messages delivered: {result['rate']:.0f}/s to all sockets")
    print(
        f"  server RSS {result['rss_mb']:.0f} MiB with every socket open; {result['per_conn_kb']:.1f} kB per connection"
    )
    print(
        f"  CPU: server {result['server_cpu']:.0%} of a core, client {result['client_cpu']:.0%}; the whole machine "
        f"{result['machine_busy']:.0%} busy ({os.cpu_count()} cores), load average {result['load']:.1f}"
    )


@contextmanager
def memory_server() -> Iterator[tuple[str, int]]:
    with child_server(UVICORN, {"CONVSCOPE_REDIS_URL": ""}, stderr=subprocess.DEVNULL) as (base, proc):
        yield base, proc.pid


@contextmanager
def redis_servers(workers: int) -> Iterator[tuple[str, int]]:
    redis = RedisServer()
    redis.start()
    try:
        env = {"CONVSCOPE_REDIS_URL": redis.url}
        module = [*UVICORN, "--workers", str(workers)]
        with child_server(module, env, stderr=subprocess.DEVNULL) as (base, proc):
            time.sleep(2)  # every worker up, not only the first to answer /healthz
            yield base, proc.pid
    finally:
        redis.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["memory", "redis"])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--rooms", type=int, default=10)
    parser.add_argument("--room-size", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="S", help="wait up to S s for an idle CPU")
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores; Python {platform.python_version()}")  # fmt: skip
    if args.only in (None, "memory"):
        if args.wait_quiet:
            run_all.wait_quiet(0.10, args.wait_quiet)
        with memory_server() as (base, pid):
            report("in memory, one process", asyncio.run(one_run(base, pid, args)), args)
    if args.only in (None, "redis"):
        if args.wait_quiet:
            run_all.wait_quiet(0.10, args.wait_quiet)
        with redis_servers(args.workers) as (base, pid):
            report(f"{args.workers} workers + Redis", asyncio.run(one_run(base, pid, args)), args)


if __name__ == "__main__":
    main()
