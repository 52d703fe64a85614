"""Frame rate of the conv2d player while it plays, in headless Chromium (a benchmark, not a test).

Starts the real app on a free loopback port, opens the 32x32x3 / six 5x5 filters page at
1280x800, waits for the whole trace, then records requestAnimationFrame timestamps for
a few seconds while ``convscope.play()`` runs, at speed 500 and 60 steps/s (and idle, as
the ceiling this browser gives). Target: >= 50 fps sustained.

    .venv/bin/python bench/player_fps.py [--seconds 5]

Headless Chromium with --disable-gpu rasterises in software, so these are pessimistic
figures for a real laptop; compare runs on the same machine, not across machines.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from typing import Any

from _server import in_thread  # noqa: E402  (bench/ is on sys.path when a script here runs)
from playwright.sync_api import Browser, sync_playwright

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PAGE = "/play/conv2d?in_channels=3&height=32&width=32&out_channels=6&kernel_size=5&padding=2"
TARGET_FPS = 50

# Records rAF timestamps for `ms` milliseconds, optionally playing meanwhile; resolves with
# the timestamps and the steps before and after.
MEASURE = """async ([ms, play]) => {
    const c = window.convscope;
    c.seek(0);
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const times = [];
    const startStep = c.step;
    let end = 0;
    await new Promise((resolve) => {
        const loop = (t) => {
            times.push(t);
            if (!end) end = t + ms;
            if (t < end) requestAnimationFrame(loop); else resolve();
        };
        requestAnimationFrame(loop);
        if (play) c.play();
    });
    const endStep = c.step;
    c.pause();
    return {times, startStep, endStep, total: c.total};
}"""


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def main_thread_seconds(metrics: dict[str, Any]) -> dict[str, float]:
    """TaskDuration and ScriptDuration (seconds of renderer main-thread time) from CDP Performance.getMetrics."""
    return {m["name"]: m["value"] for m in metrics["metrics"] if m["name"] in ("TaskDuration", "ScriptDuration")}


def measure(browser: Browser, base: str, speed: float | None, seconds: float) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    query = f"&speed={speed:g}" if speed is not None else ""
    page.goto(f"{base}{PAGE}{query}")
    page.wait_for_function("() => window.convscope && window.convscope.complete", timeout=30_000)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    before = main_thread_seconds(cdp.send("Performance.getMetrics"))
    result = page.evaluate(MEASURE, [seconds * 1000, speed is not None])
    after = main_thread_seconds(cdp.send("Performance.getMetrics"))
    context.close()
    times = result["times"]
    deltas = [b - a for a, b in zip(times, times[1:], strict=False) if b > a]
    span = times[-1] - times[0]
    return {
        "frames": len(deltas),
        "mean_fps": len(deltas) / span * 1000 if span else 0.0,
        "p5_fps": 1000 / percentile(deltas, 95) if deltas else 0.0,  # the slowest 5 % of frames
        "median_fps": 1000 / statistics.median(deltas) if deltas else 0.0,
        "longest_ms": max(deltas) if deltas else 0.0,
        "steps": result["endStep"] - result["startStep"],
        "steps_per_s": (result["endStep"] - result["startStep"]) / span * 1000 if span else 0.0,
        "total": result["total"],
        "seconds": span / 1000,
        # main-thread time (all tasks, and script alone) per frame: the headroom left in a 16.7 ms frame
        "busy_ms": (after["TaskDuration"] - before["TaskDuration"]) * 1000 / max(1, len(deltas)),
        "script_ms": (after["ScriptDuration"] - before["ScriptDuration"]) * 1000 / max(1, len(deltas)),
        "problems": len(problems),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to record each run (default 5)")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"error: {CHROMIUM} is missing (apt-get install -y chromium)", file=sys.stderr)
        return 1
    runs = [("idle (not playing)", None), ("playing, speed 500", 500.0), ("playing, speed 60", 60.0)]
    with in_thread() as running, sync_playwright() as pw:
        base = running.base_url
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        print(f"Chromium {browser.version}, headless, 1280x800, {PAGE}")
        print(
            f"{'run':<20} {'frames':>6} {'mean fps':>9} {'median':>7} {'p5 fps':>7} {'longest ms':>11} "
            f"{'busy ms/frame':>14} {'script ms/frame':>16} {'steps':>6} {'steps/s':>8} {'console':>8}"
        )
        worst = math.inf
        for name, speed in runs:
            r = measure(browser, base, speed, args.seconds)
            print(
                f"{name:<20} {r['frames']:>6} {r['mean_fps']:>9.1f} {r['median_fps']:>7.1f} {r['p5_fps']:>7.1f} "
                f"{r['longest_ms']:>11.1f} {r['busy_ms']:>14.2f} {r['script_ms']:>16.2f} {r['steps']:>6} "
                f"{r['steps_per_s']:>8.1f} {r['problems']:>8}"
            )
            if speed is not None:
                worst = min(worst, r["mean_fps"])
        browser.close()
    verdict = "meets" if worst >= TARGET_FPS else "misses"
    print(f"While playing, the lowest mean is {worst:.1f} fps: {verdict} the {TARGET_FPS} fps target.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
