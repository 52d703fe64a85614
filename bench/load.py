"""Many viewers at once against a real uvicorn on loopback, and whether streams are served fairly.

    .venv/bin/python bench/load.py                          # 200 viewers for 30 s, then the fairness check
    .venv/bin/python bench/load.py --viewers 50 --rounds 3  # each viewer makes 3 visits, then stops
    .venv/bin/python bench/load.py --think 20 --duration 60  # each viewer reads a lesson for 20 s between visits
    .venv/bin/python bench/load.py --no-fairness            # the viewers only
    .venv/bin/python bench/load.py --fairness-only --large-count 4
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000   # a server that is already running

The server is ``python -m uvicorn app.main:app`` in its own process (one worker, default
settings), as ``bench/_server.py`` starts it; the client is this process (httpx, asyncio).

**Viewers.** At start the script reads every written lesson the way a browser would: the page,
its stylesheets, icon, images and scripts (and every module those scripts import), and its
widgets: each ``<iframe src="/embed/{op}?...">`` page, its own assets, then what the player's
``load()`` fetches (static/js/pages/play/play.js): ``GET /api/{op}/check?{query}`` and
``GET /api/{op}/trace?{query}`` with the widget's parameters and ``detail=auto``. A viewer is
a browser with an empty cache and at most 6 connections (Chromium's per-host limit): it
visits lessons in turn (viewer i starts at lesson i), each visit being the page, then its
assets and widget pages together, then each widget's assets, check and trace. Widgets that
are not players (the transfer view, exercises, the calculator) are not exercised. By default
a viewer starts its next visit at once: the server is saturated, and "first byte" mostly
measures the queue (about the requests in flight / requests per second). ``--think S`` makes
each viewer start at a random moment of the first S seconds and read each lesson for S
seconds: a paced class, for latency below saturation.

Each request is timed from the moment it may use a connection: "first byte" is the first
body chunk (for a stream, its header frame), "total" the last byte. An error is a non-2xx
answer or an exception (connection refused or reset, timeout). One case is retried first, as
browsers do: the server closed a kept-alive connection (uvicorn's --timeout-keep-alive, 5 s
by default; this script starts it with ``convscope serve``'s 75 s unless told otherwise) just as
a request went out on it, so no byte of an answer came back; such
retries are counted and printed, and an error only if the second try fails too.

**Fairness.** Small lesson streams (4 clients in a loop, one request at a time each) are
timed with no other load, then again while ``--large-count`` very large streams run without
pause (by default the largest compact trace the caps allow: conv2d 3x224x224, 39 3x3 filters,
1,956,864 steps, ~43 MB). The ratios (with / without) of their first-byte and total times
say how much one large stream slows the small ones; the two phases alternate
``--fairness-rounds`` times so that other load on the machine weighs on both alike.

Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _server  # noqa: E402
from run_all import wait_quiet  # noqa: E402

from app.api.traces import OPS  # noqa: E402
from app.cli import KEEP_ALIVE_DEFAULT  # noqa: E402
from app.lessons.catalogue import LESSONS  # noqa: E402

BROWSER_CONNECTIONS = 6
CLOSED_EARLY = "Server disconnected without sending a response"  # h11: EOF where a response should start
KINDS = ("page", "static", "check", "trace")
LARGE = "/api/conv2d/trace?in_channels=3&height=224&width=224&out_channels=39&kernel_size=3&padding=1&detail=compact"
SMALL = (  # lesson widgets' streams (detail=auto), as the player asks for them
    "/api/conv2d/trace?height=7&width=7&kernel_size=3&stride=1&bias=false&detail=auto",
    "/api/conv2d/trace?kernel_size=1&in_channels=6&out_channels=3&height=5&width=5&detail=auto",
    "/api/max_pool2d/trace?height=6&width=6&seed=1&kernel_size=2&detail=auto",
    "/api/relu/trace?height=6&width=6&seed=3&detail=auto",
)
_ATTR = r"""\s(?:src|href)="([^"]+)\""""
_TAGS = re.compile(r"<(link|script|img|iframe)\b([^>]*)>", re.I)
_IMPORT = re.compile(
    r"""(?:^|;|\s)(?:import|export)\s[^'"`;]*?from\s*["']([^"']+)["']|(?:^|;|\s)import\s*["']([^"']+)["']"""
)


# --- what a visit loads ---------------------------------------------------------------------


@dataclass
class Widget:
    page: str  # /embed/{op}?...
    assets: list[str]
    check: str
    trace: str


@dataclass
class Visit:
    page: str
    assets: list[str]
    widgets: list[Widget]


def html_links(text: str) -> tuple[list[str], list[str]]:
    """(same-origin /static assets, iframe sources) of an HTML page, in document order."""
    assets, frames = [], []
    for tag, attrs in _TAGS.findall(text):
        found = re.search(_ATTR, attrs)
        if not found:
            continue
        url = html.unescape(found.group(1))
        if tag.lower() == "iframe":
            frames.append(url)
        elif url.startswith("/static/"):
            assets.append(url)
    return assets, frames


def module_closure(client: httpx.Client, roots: list[str], seen: dict[str, list[str]]) -> list[str]:
    """The roots and every module they import, statically, transitively (``seen`` caches imports)."""
    order: list[str] = []
    stack = list(reversed(roots))
    while stack:
        url = stack.pop()
        if url in order:
            continue
        order.append(url)
        if not url.endswith(".js"):
            continue
        if url not in seen:
            text = client.get(url).text
            seen[url] = [urljoin(url, a or b) for a, b in _IMPORT.findall(text)]
        stack.extend(reversed(seen[url]))
    return order


def trace_query(op: str, embed_query: str) -> str:
    known = set(OPS[op][2].model_fields)
    pairs = [(k, v) for k, v in parse_qsl(embed_query, keep_blank_values=True) if k in known and k != "detail"]
    return urlencode([*pairs, ("detail", "auto")])


def discover(base: str) -> list[Visit]:
    visits = []
    imports: dict[str, list[str]] = {}
    with httpx.Client(base_url=base, timeout=30) as client:
        for lesson in LESSONS:
            page = client.get(lesson.url)
            if page.status_code != 200:
                continue
            assets, frames = html_links(page.text)
            widgets = []
            for src in frames:
                parts = urlsplit(src)
                op = parts.path.rsplit("/", 1)[-1]
                if not parts.path.startswith("/embed/") or op not in OPS:
                    continue
                embed_assets, _ = html_links(client.get(src).text)
                query = trace_query(op, parts.query)
                widgets.append(
                    Widget(
                        src,
                        module_closure(client, embed_assets, imports),
                        f"/api/{op}/check?{query}",
                        f"/api/{op}/trace?{query}",
                    )
                )
            visits.append(Visit(lesson.url, module_closure(client, assets, imports), widgets))
    return visits


# --- timing ---------------------------------------------------------------------------------


@dataclass
class Stats:
    first: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    total: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: dict[str, str] = field(default_factory=dict)
    bytes: int = 0
    retried: int = 0


async def fetch(client: httpx.AsyncClient, gate: asyncio.Semaphore, kind: str, url: str, stats: Stats) -> None:
    """One GET, timed. Like a browser, a request whose kept-alive connection the server closed
    before answering is sent once more (counted in ``stats.retried``, timed from the first try)."""
    async with gate:
        started = time.perf_counter()
        first = None
        for attempt in (1, 2):
            try:
                async with client.stream("GET", url) as response:
                    async for chunk in response.aiter_raw():
                        if first is None:
                            first = time.perf_counter()
                        stats.bytes += len(chunk)
                    end = time.perf_counter()
                    if not 200 <= response.status_code < 300:
                        stats.errors[kind] += 1
                        stats.examples.setdefault(f"{kind} {response.status_code}", url)
                        return
                break
            except httpx.RemoteProtocolError as err:
                if attempt == 1 and first is None and CLOSED_EARLY in str(err):
                    stats.retried += 1
                    continue
                stats.errors[kind] += 1
                stats.examples.setdefault(f"{kind} {type(err).__name__}", f"{url}: {err}")
                return
            except (httpx.HTTPError, OSError) as err:
                stats.errors[kind] += 1
                stats.examples.setdefault(f"{kind} {type(err).__name__}", f"{url}: {err}")
                return
    stats.first[kind].append(((first or end) - started) * 1000)
    stats.total[kind].append((end - started) * 1000)


async def widget(
    client: httpx.AsyncClient, gate: asyncio.Semaphore, w: Widget, fetched: set[str], stats: Stats
) -> None:
    todo = [url for url in w.assets if url not in fetched]
    fetched.update(todo)
    await asyncio.gather(*(fetch(client, gate, "static", url, stats) for url in todo))
    await fetch(client, gate, "check", w.check, stats)
    await fetch(client, gate, "trace", w.trace, stats)


async def visit(client: httpx.AsyncClient, v: Visit, stats: Stats) -> None:
    gate = asyncio.Semaphore(BROWSER_CONNECTIONS)
    await fetch(client, gate, "page", v.page, stats)
    fetched = set(v.assets)  # the browser's memory cache, within one visit
    first_wave = [fetch(client, gate, "static", url, stats) for url in v.assets]
    first_wave += [fetch(client, gate, "page", w.page, stats) for w in v.widgets]
    await asyncio.gather(*first_wave)
    await asyncio.gather(*(widget(client, gate, w, fetched, stats) for w in v.widgets))


async def viewer(
    base: str, index: int, visits: list[Visit], stop: float, rounds: int | None, think: float, stats: Stats
) -> int:
    """Visits lessons in turn until ``stop`` (or ``rounds`` visits). With ``think`` > 0 it starts at a
    random moment of the first ``think`` seconds and reads each lesson for ``think`` seconds."""
    limits = httpx.Limits(max_connections=BROWSER_CONNECTIONS, max_keepalive_connections=BROWSER_CONNECTIONS)
    done = 0
    pace = random.Random(index)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        if think:
            await asyncio.sleep(pace.uniform(0, think))
        while (rounds is None and time.perf_counter() < stop) or (rounds is not None and done < rounds):
            await visit(client, visits[(index + done) % len(visits)], stats)
            done += 1
            if think:
                await asyncio.sleep(min(think, max(0.0, stop - time.perf_counter())) if rounds is None else think)
    return done


def requests_of(v: Visit) -> list[str]:
    urls = [v.page, *v.assets]
    for w in v.widgets:
        urls += [w.page, *[url for url in w.assets if url not in urls], w.check, w.trace]
    return urls


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))] if ordered else float("nan")


def machine_ticks() -> tuple[int, int]:
    """(all, idle + iowait) clock ticks of every core so far, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_viewers(
    base: str, pid: int | None, visits: list[Visit], viewers: int, duration: float, rounds: int | None, think: float
) -> None:
    per_visit = [len(requests_of(v)) for v in visits]
    streams = sum(len(v.widgets) for v in visits)
    print(f"{len(visits)} lessons, {streams} widget streams; a visit is {min(per_visit)}-{max(per_visit)} requests")
    stats = Stats()
    client_cpu = resource.getrusage(resource.RUSAGE_SELF)
    server_cpu = cpu_seconds(pid) if pid else None
    ticks = machine_ticks()
    stop = time.perf_counter() + duration
    started = time.perf_counter()

    async def everyone() -> list[int]:
        return await asyncio.gather(*(viewer(base, i, visits, stop, rounds, think, stats) for i in range(viewers)))

    made = asyncio.run(everyone())
    wall = time.perf_counter() - started
    used = resource.getrusage(resource.RUSAGE_SELF)
    count = sum(len(values) for values in stats.total.values()) + sum(stats.errors.values())
    pacing = f", {think:g} s of reading between visits" if think else ", no pause between visits"
    print(
        f"\n{viewers} viewers{pacing}, {sum(made)} visits in {wall:.1f} s: {count:,} requests, "
        f"{count / wall:,.0f} requests/s, {stats.bytes / wall / 1e6:.1f} MB/s"
    )
    cpu = used.ru_utime + used.ru_stime - client_cpu.ru_utime - client_cpu.ru_stime
    line = f"CPU: client {cpu / wall:.0%} of a core"
    ours = cpu
    if pid and server_cpu is not None:
        ours += cpu_seconds(pid) - server_cpu
        spent = cpu_seconds(pid) - server_cpu
        line += f", server {spent / wall:.0%} of a core ({spent / max(1, count) * 1000:.2f} ms per request)"
    total, idle = (now - before for now, before in zip(machine_ticks(), ticks, strict=True))
    cores = os.cpu_count() or 1
    busy = (1 - idle / max(1, total)) * cores
    line += f"; the whole machine {busy:.2f} of {cores} cores busy, other processes {max(0.0, busy - ours / wall):.2f}"
    print(line)
    head = f"{'kind':<7} {'requests':>9} {'errors':>7} {'1st byte p50':>13} {'p99':>8} {'total p50':>10} {'p99':>8}"
    print(f"\n{head}  (ms)")
    for kind in KINDS:
        first, total = stats.first[kind], stats.total[kind]
        print(
            f"{kind:<7} {len(total) + stats.errors[kind]:>9,} {stats.errors[kind]:>7} {pct(first, 50):>13.1f} "
            f"{pct(first, 99):>8.1f} {pct(total, 50):>10.1f} {pct(total, 99):>8.1f}"
        )
    every = [v for kind in KINDS for v in stats.first[kind]]
    every_total = [v for kind in KINDS for v in stats.total[kind]]
    print(
        f"{'all':<7} {count:>9,} {sum(stats.errors.values()):>7} {pct(every, 50):>13.1f} {pct(every, 99):>8.1f} "
        f"{pct(every_total, 50):>10.1f} {pct(every_total, 99):>8.1f}"
    )
    print(f"retried once (the server closed a kept-alive connection as the request went out): {stats.retried}")
    for what, example in list(stats.examples.items())[:10]:
        print(f"  error {what}: {example[:200]}")


# --- fairness -------------------------------------------------------------------------------


async def small_streams(base: str, count: int, clients: int = 4) -> tuple[list[float], list[float]]:
    """``count`` small lesson streams by ``clients`` clients, one at a time each: first-byte and total ms."""
    stats = Stats()

    async def one(index: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            gate = asyncio.Semaphore(1)
            for i in range(index, count, clients):
                await fetch(client, gate, "trace", SMALL[i % len(SMALL)], stats)

    await asyncio.gather(*(one(i) for i in range(clients)))
    if stats.errors:
        print(f"  small streams: {dict(stats.errors)} errors {stats.examples}")
    return stats.first["trace"], stats.total["trace"]


async def with_large(base: str, large: str, count: int, small: int) -> tuple[list[float], list[float], int, float]:
    stop = asyncio.Event()
    sizes: list[int] = []
    durations: list[float] = []

    async def hog() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            while not stop.is_set():
                started, size = time.perf_counter(), 0
                async with client.stream("GET", large) as response:
                    if response.status_code != 200:
                        raise RuntimeError(f"large stream: {response.status_code} {await response.aread()!r}")
                    async for chunk in response.aiter_raw():
                        size += len(chunk)
                sizes.append(size)
                durations.append(time.perf_counter() - started)

    hogs = [asyncio.create_task(hog()) for _ in range(count)]
    await asyncio.sleep(0.5)  # the large streams are under way
    first, total = await small_streams(base, small)
    stop.set()
    await asyncio.gather(*hogs)
    return first, total, statistics.median(sizes), statistics.median(durations)


def fairness(base: str, large: str, count: int, small: int, rounds: int) -> None:
    """Alone, then with the large stream(s), ``rounds`` times in turn (other load on the machine then
    weighs on both alike); ``small`` small streams timed in each phase, in all."""
    print(
        f"\nfairness: {small} small lesson streams per phase (4 clients, one request at a time each), "
        f"in {rounds} alternations"
    )
    asyncio.run(small_streams(base, 40))  # warm up
    alone_first: list[float] = []
    alone_total: list[float] = []
    busy_first: list[float] = []
    busy_total: list[float] = []
    sizes, seconds = [], []
    for _ in range(rounds):
        first, total = asyncio.run(small_streams(base, small // rounds))
        alone_first += first
        alone_total += total
        first, total, size, took = asyncio.run(with_large(base, large, count, small // rounds))
        busy_first += first
        busy_total += total
        sizes.append(size)
        seconds.append(took)
    print(f"large stream{'s' if count > 1 else ''} running meanwhile: {count} x GET {large}")
    print(
        f"  each {statistics.median(sizes) / 1e6:.1f} MB in {statistics.median(seconds) * 1000:.0f} ms (median), "
        "restarted as soon as it ends"
    )
    print(f"\n{'small streams (ms)':<24} {'alone':>8} {'with large':>11} {'ratio':>7}")
    for label, alone, loaded in (
        ("first byte p50", pct(alone_first, 50), pct(busy_first, 50)),
        ("first byte p99", pct(alone_first, 99), pct(busy_first, 99)),
        ("total p50", pct(alone_total, 50), pct(busy_total, 50)),
        ("total p99", pct(alone_total, 99), pct(busy_total, 99)),
    ):
        print(f"{label:<24} {alone:>8.2f} {loaded:>11.2f} {loaded / alone:>7.2f}")


# --- main -----------------------------------------------------------------------------------


@contextmanager
def existing(url: str) -> Iterator[_server.Running]:
    yield _server.Running(url.rstrip("/"), 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, default=200)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of visits (ignored with --rounds)")
    parser.add_argument("--rounds", type=int, default=None, help="visits per viewer, instead of --duration")
    parser.add_argument(
        "--think", type=float, default=0.0, help="seconds a viewer reads a lesson before the next (0: no pause)"
    )
    parser.add_argument("--url", help="an already running server instead of starting one")
    parser.add_argument("--no-fairness", action="store_true")
    parser.add_argument("--fairness-only", action="store_true")
    parser.add_argument("--large", default=LARGE, help="the large stream of the fairness check")
    parser.add_argument("--large-count", type=int, default=1)
    parser.add_argument("--small", type=int, default=600, help="small streams timed in each fairness phase")
    parser.add_argument("--fairness-rounds", type=int, default=6, help="alternations of the two fairness phases")
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="S", help="wait up to S s for an idle CPU")
    parser.add_argument("--uvicorn", nargs=argparse.REMAINDER, default=[], help="options for uvicorn, last")
    args = parser.parse_args()

    if args.wait_quiet:
        print(f"CPU {wait_quiet(0.10, args.wait_quiet):.0%} busy over 2 s before starting")
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs; git {git_rev()}")
    if not any(opt.startswith("--timeout-keep-alive") for opt in args.uvicorn):
        # as `convscope serve` runs it (app/cli.py): uvicorn's own 5 s dropped requests under load
        args.uvicorn = ["--timeout-keep-alive", str(KEEP_ALIVE_DEFAULT), *args.uvicorn]
    if args.uvicorn:
        print("uvicorn options:", " ".join(args.uvicorn))
    server: AbstractContextManager[_server.Running] = (
        existing(args.url) if args.url else _server.subprocess_server(*args.uvicorn)
    )
    with server as running:
        if not args.fairness_only:
            visits = discover(running.base_url)
            run_viewers(
                running.base_url, running.pid or None, visits, args.viewers, args.duration, args.rounds, args.think
            )
        if not args.no_fairness:
            fairness(running.base_url, args.large, args.large_count, args.small, args.fairness_rounds)


def git_rev() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=_server.ROOT)
    except OSError:
        return "?"
    return out.stdout.strip() or "?"


if __name__ == "__main__":
    main()
