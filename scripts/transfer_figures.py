"""Print the transfer-learning comparison the lesson rests on, over many draws of the few examples.

    .venv/bin/python scripts/transfer_figures.py [--seeds 10] [--epochs 100] [--lr 0.01]

For each number of examples per digit (shots), and for each seed (which picks the examples
and the new weights), it trains the frozen-features network and the from-scratch one
exactly as GET /api/transfer/train does, and prints the held-out accuracy on the 225
held-out digits 5-9 after the last epoch: mean, lowest and highest over the seeds, and how
many seeds each run won. docs/MODEL.md ("Transfer vs from scratch") records a run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.transfer import digits, model  # noqa: E402
from app.transfer import training as transfer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--shots", type=int, nargs="+", default=[1, 2, 5, 10, 20])
    args = parser.parse_args()
    weights = model.weights()
    train, test = digits.split("train", digits.TARGET_DIGITS), digits.split("test", digits.TARGET_DIGITS)
    first = digits.TARGET_DIGITS[0]
    print(f"held-out digits 5-9: {test.labels.size}; epochs {args.epochs}; lr {args.lr}; seeds 0-{args.seeds - 1}")
    print(f"{'shots':>5}  {'frozen + new last layer':>27}  {'from scratch':>27}  {'wins t/s/tie':>12}  {'s/run':>6}")
    for shots in args.shots:
        acc = {"transfer": [], "scratch": []}
        t0 = time.perf_counter()
        for seed in range(args.seeds):
            picked = transfer.choose_examples(train.labels, digits.TARGET_DIGITS, shots, seed)
            runs = transfer.compare(
                weights,
                train.x[picked],
                train.labels[picked] - first,
                test.x,
                test.labels - first,
                args.epochs,
                args.lr,
                seed,
            )
            *_, last = runs
            for run in acc:
                acc[run].append(last[run]["test_accuracy"])
        seconds = (time.perf_counter() - t0) / args.seeds
        t, s = np.array(acc["transfer"]), np.array(acc["scratch"])
        cells = [f"{a.mean():6.1%} ({a.min():6.1%}-{a.max():6.1%})" for a in (t, s)]
        wins = f"{int((t > s).sum())}/{int((s > t).sum())}/{int((t == s).sum())}"
        print(f"{shots:>5}  {cells[0]:>27}  {cells[1]:>27}  {wins:>12}  {seconds:6.2f}")


if __name__ == "__main__":
    main()
