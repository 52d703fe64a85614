"""What a lesson costs one student on a school's shared line (a benchmark, not a test).

A school's 10 Mbit/s shared by 30 students gives each about 330 kbit/s, with 40 ms of latency.
For lessons 1, 6 and 10 and the convolution player, in headless Chromium (/usr/bin/chromium) with
its network throttled to that through the DevTools protocol (Network.emulateNetworkConditions):

- cold: a new browser context (an empty cache), the page opened and scrolled through so that every
  lazy widget loads;
- repeat: the same page opened again in a new tab of the same context (its cache warm).

For each: the requests that reached the network (cache hits not counted; a 304 counts), the bytes
received for them, headers included (DevTools' encodedDataLength), and the time from the start of
the navigation until the page and every widget in it are ready (window.convscope.ready in each).
The counting is tests/browser/network.py's, which the budget test uses too.

    .venv/bin/python bench/school_network.py [--runs 3] [--no-throttle] [--list]

The server is ``python -m uvicorn app.main:app`` in its own process (bench/_server.py). Times are
medians of ``--runs`` runs; requests and bytes are the first run's (they do not vary, short of
a seed drawn at random). Results: docs/PERFORMANCE.md, "School network".
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
from datetime import UTC, datetime

from _server import subprocess_server  # noqa: E402  (bench/ is on sys.path when a script here runs)
from playwright.sync_api import Browser, sync_playwright

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.network import SCHOOL, SCHOOL_KBITS, SCHOOL_LATENCY_MS, Load, load

PAGES = ["/lessons/01-stride", "/lessons/06-pooling", "/lessons/10-transfer-learning", "/play/conv2d"]
VIEWPORT = {"width": 1280, "height": 800}


def visit(browser: Browser, url: str, throttle: dict[str, object] | None) -> tuple[Load, Load]:
    """A cold load in a fresh context, then a repeat load in a new tab of the same context."""
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    try:
        cold = load(context, url, throttle=throttle)
        repeat = load(context, url, throttle=throttle)
    finally:
        context.close()
    return cold, repeat


def machine() -> str:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    chromium = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {cpu}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, "
        f"Python {platform.python_version()}, {chromium}, commit {commit}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per page (times are their median)")
    parser.add_argument("--no-throttle", action="store_true", help="loopback speed, no throttling")
    parser.add_argument("--list", action="store_true", help="print every network request of the first run")
    args = parser.parse_args()
    throttle = None if args.no_throttle else SCHOOL
    print(machine())
    print(
        "network: loopback, unthrottled"
        if throttle is None
        else f"network: {SCHOOL_KBITS} kbit/s down and up, {SCHOOL_LATENCY_MS} ms latency (DevTools)"
    )
    rows = []
    with subprocess_server() as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            for path in PAGES:
                runs = [visit(browser, server.base_url + path, throttle) for _ in range(args.runs)]
                cold, repeat = runs[0]
                if args.list:
                    print(f"\n{path} cold:\n{cold.listing()}\n{path} repeat:\n{repeat.listing()}")
                rows.append(
                    (
                        path,
                        cold,
                        statistics.median(run[0].ready_ms for run in runs),
                        repeat,
                        statistics.median(run[1].ready_ms for run in runs),
                    )
                )
        finally:
            browser.close()
    print()
    columns = ["requests", "KB on the wire", "ready (s)"]
    print("| page | " + " | ".join(f"{load}: {column}" for load in ("cold", "repeat") for column in columns) + " |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for path, cold, cold_ms, repeat, repeat_ms in rows:
        print(
            f"| `{path}` | {cold.requests} | {cold.wire_bytes / 1000:.1f} | {cold_ms / 1000:.2f} "
            f"| {repeat.requests} | {repeat.wire_bytes / 1000:.1f} | {repeat_ms / 1000:.2f} |"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
