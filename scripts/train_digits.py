"""Train ConvScope's small CNN on scikit-learn's digits 0-4 and store its weights in the repository.

    .venv/bin/python scripts/train_digits.py            # writes app/transfer/digits_cnn.json
    .venv/bin/python scripts/train_digits.py --check    # trains again and compares, writes nothing

The network is app/transfer/tinycnn.py's; the data split is app/transfer/digits.py's (a quarter of each
digit held out). It prints the loss and accuracies after every epoch and the held-out
accuracy at the end, which the weights file records. Training takes a few seconds on a
laptop core. Same NumPy and BLAS, same weights; another BLAS may differ in the last bits.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import sys
import time
from pathlib import Path

import numpy as np
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.transfer import digits, tinycnn  # noqa: E402

OUT = ROOT / "app" / "transfer" / "digits_cnn.json"
CONFIG = {"seed": 0, "epochs": 30, "batch_size": 32, "lr": 0.01, "optimizer": "Adam"}


def train(config: dict) -> tuple[tinycnn.Params, list[dict]]:
    train_set = digits.split("train", digits.SOURCE_DIGITS)
    test_set = digits.split("test", digits.SOURCE_DIGITS)
    rng = np.random.Generator(np.random.PCG64(config["seed"]))
    params = tinycnn.init_params(rng.random, len(digits.SOURCE_DIGITS))
    opt = tinycnn.Adam(params, config["lr"])
    history = []
    for epoch in range(1, config["epochs"] + 1):
        order = rng.permutation(train_set.labels.size)
        losses = []
        for start in range(0, order.size, config["batch_size"]):
            batch = order[start : start + config["batch_size"]]
            loss, grads = tinycnn.loss_and_grads(params, train_set.x[batch], train_set.labels[batch])
            opt.step(params, grads)
            losses.append(loss * batch.size)
        row = {
            "epoch": epoch,
            "loss": sum(losses) / order.size,
            "train_accuracy": tinycnn.accuracy(params, train_set.x, train_set.labels),
            "test_accuracy": tinycnn.accuracy(params, test_set.x, test_set.labels),
        }
        history.append(row)
        print(
            f"epoch {epoch:3d}  loss {row['loss']:.4f}  train {row['train_accuracy']:.4f}"
            f"  held-out {row['test_accuracy']:.4f}"
        )
    return params, history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="train and compare with the stored weights; write nothing")
    args = parser.parse_args()
    t0 = time.perf_counter()
    params, history = train(CONFIG)
    seconds = time.perf_counter() - t0
    test_set = digits.split("test", digits.SOURCE_DIGITS)
    correct = int((tinycnn.predict(params, test_set.x) == test_set.labels).sum())
    accuracy = correct / test_set.labels.size
    print(f"held-out accuracy: {correct}/{test_set.labels.size} = {accuracy:.4f}  ({seconds:.1f} s)")
    if args.check:
        stored = orjson.loads(OUT.read_bytes())
        diff = max(float(np.abs(np.array(stored["weights"][k]) - v).max()) for k, v in params.items())
        print(f"largest difference from the stored weights: {diff:.3g}")
        return
    doc = {
        "name": "digits_cnn",
        "architecture": "Conv2d(1,8,3,padding=1) ReLU MaxPool2d(2) Conv2d(8,16,3,padding=1) ReLU MaxPool2d(2) "
        "Flatten Linear(64,5)",
        "classes": list(digits.SOURCE_DIGITS),
        "data": digits.CITATION,
        "split": {
            "held_out_fraction": digits.HELD_OUT,
            "seed": digits.SPLIT_SEED,
            "train": int(digits.split("train", digits.SOURCE_DIGITS).labels.size),
            "held_out": int(test_set.labels.size),
        },
        "training": {**CONFIG, "seconds": round(seconds, 2)},
        "held_out": {"correct": correct, "total": int(test_set.labels.size), "accuracy": accuracy},
        "history": history,
        "trained": {
            "date": datetime.date.today().isoformat(),
            "numpy": np.__version__,
            "python": platform.python_version(),
            "command": "python scripts/train_digits.py",
        },
        "weights": {k: v.tolist() for k, v in params.items()},
    }
    OUT.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
