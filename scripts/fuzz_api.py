"""The long fuzzing run: tests/api/test_schemathesis.py with a thousand examples or more per operation.

    .venv/bin/python scripts/fuzz_api.py                      # 1000 examples per operation, 2 shards
    .venv/bin/python scripts/fuzz_api.py --examples 500 --seed 7

The same test and checks as CI, with the long profile: FUZZ_EXAMPLES examples per operation
(plus schemathesis' coverage phase, off in CI), a seed, and the operations split into shards
run side by side (one pytest each). Prints, per operation, the requests sent, their statuses,
the seconds spent and the failures schemathesis reported, and writes it all to --out
(summary.json, summary.md, one pytest log and one JSON report per shard). docs/FUZZING.md
records a run. Exit status 0 when every shard passed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEST = "tests/api/test_schemathesis.py"
FAILURE = re.compile(r"^_+ (test_api|test_training)\[(?P<label>[A-Z]+ \S+)\] _+$")
TITLE = re.compile(r"^\s*\| - (?P<title>(ST\d+ )?.+)$")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=1000, help="fuzzing examples per operation")
    parser.add_argument("--training-examples", type=int, default=20, help="for GET /api/transfer/train")
    parser.add_argument("--seed", type=int, default=None, help="default: a random one, printed")
    parser.add_argument("--shards", type=int, default=os.cpu_count() or 1, help="pytest processes side by side")
    parser.add_argument("--out", type=Path, default=Path("/tmp/convscope-fuzz"), help="directory for the results")
    parser.add_argument("--budget-minutes", type=float, default=30, help="stop the shards after this long")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"fuzzing: {args.examples} examples per operation, seed {seed}, {args.shards} shards -> {args.out}")

    rev, date = git_rev(), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")  # what is being fuzzed, and when
    start = time.monotonic()
    runs = [start_shard(index, args, seed) for index in range(args.shards)]
    deadline = start + args.budget_minutes * 60
    stopped = False
    while any(process.poll() is None for process, _ in runs):
        if time.monotonic() > deadline and not stopped:
            print(f"budget of {args.budget_minutes} min spent: stopping; the figures are those so far")
            for process, _ in runs:
                if process.poll() is None:
                    process.terminate()
            stopped = True
        time.sleep(1)
    codes = [process.returncode for process, _ in runs]
    seconds = time.monotonic() - start
    for log in (log for _, log in runs):
        log.close()

    operations = merge(args.out, args.shards)
    summary = {
        "date": date,
        "git": rev,
        "machine": machine(),
        "versions": {name: version(name) for name in ("schemathesis", "hypothesis", "fastapi", "pydantic")},
        "examples": args.examples,
        "training_examples": args.training_examples,
        "seed": seed,
        "shards": args.shards,
        "seconds": round(seconds),
        "cases": sum(op["cases"] for op in operations.values()),
        "stopped_at_budget": stopped,
        "passed": not stopped and all(code == 0 for code in codes),
        "operations": operations,
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1))
    table = markdown(summary)
    (args.out / "summary.md").write_text(table)
    print(table)
    return 0 if summary["passed"] else 1


def start_shard(index: int, args: argparse.Namespace, seed: int) -> tuple[subprocess.Popen[bytes], Any]:
    env = os.environ | {
        "FUZZ_EXAMPLES": str(args.examples),
        "FUZZ_TRAINING_EXAMPLES": str(args.training_examples),
        "FUZZ_SEED": str(seed),
        "FUZZ_SHARD": f"{index}/{args.shards}",
        "FUZZ_REPORT": str(args.out / f"shard-{index}.json"),
    }
    log = open(args.out / f"shard-{index}.log", "wb")  # closed in main once the shard ends
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TEST, "-k", "test_api or test_training"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT), log


def merge(out: Path, shards: int) -> dict[str, dict[str, Any]]:
    """Per operation: cases, statuses, seconds and failures (the shards' reports), and failures pytest
    printed that no request raised (a health check, an error generating data), from the logs."""
    operations: dict[str, dict[str, Any]] = {}
    for index in range(shards):
        report = out / f"shard-{index}.json"
        if report.exists():
            operations.update(json.loads(report.read_text()))
        label = None
        for line in (out / f"shard-{index}.log").read_text(errors="replace").splitlines():
            if found := FAILURE.match(line):
                label = found["label"]
            elif label and (title := TITLE.match(line)) and label in operations:
                known = operations[label]["failures"]
                if not any(item.startswith(title["title"]) or title["title"].startswith(item) for item in known):
                    known.append(title["title"])
    return dict(sorted(operations.items()))


def markdown(summary: dict[str, Any]) -> str:
    lines = [
        f"- date: {summary['date']}; git: {summary['git']}; machine: {summary['machine']}",
        f"- {summary['examples']} examples per operation ({summary['training_examples']} for GET /api/transfer/train)"
        f" plus the coverage phase; seed {summary['seed']}; {summary['shards']} shards",
        f"- {summary['cases']:,} requests in {summary['seconds'] // 60} min {summary['seconds'] % 60} s;"
        f" {'passed' if summary['passed'] else 'FAILED'}"
        + (" (stopped at the time budget)" if summary["stopped_at_budget"] else ""),
        "",
        "| operation | requests | 2xx | 4xx | 5xx | failing | seconds | failures |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for label, op in summary["operations"].items():
        classes: Counter[str] = Counter()
        for status, count in op["statuses"].items():
            classes["failing" if status == "failed" else f"{status[0]}xx"] += count
        failures = "; ".join(op["failures"]) or "none"
        lines.append(
            f"| `{label}` | {op['cases']:,} | {classes['2xx']:,} | {classes['4xx']:,} | {classes['5xx']:,}"
            f" | {classes['failing']:,} | {op['seconds']:.0f} | {failures} |"
        )
    return "\n".join(lines) + "\n"


def git_rev() -> str:
    """HEAD, and "+ uncommitted changes" when the working tree (which is what runs) differs from it."""
    git = ["git", "-C", str(ROOT)]
    rev = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)
    return (rev or "unknown") + (" + uncommitted changes" if dirty.stdout.strip() else "")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"


if __name__ == "__main__":
    sys.exit(main())
