"""Dropout in training and evaluation, element-wise (nn.Dropout) or channel-wise (nn.Dropout2d
on a batch of one, (1, C, H, W): every value of a dropped channel is zeroed).

In training each value (or each whole channel) is dropped with probability ``p``
and the survivors are scaled by 1/(1 - p), so the expected value of every output
equals its input. In evaluation dropout is the identity. The mask comes from
``seed`` alone (see ``app.engine.random``): same seed, same mask, on any machine. It
is not PyTorch's random stream; the arithmetic on a given mask is PyTorch's.

Step ``i`` is the input cell ``(channel, y, x) = unravel(i, (C, H, W))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from app.engine.elementwise import CELL_STEP_NUMBERS, CellPlan, cell_steps
from app.engine.errors import ParamError
from app.engine.random import check_seed, uniform
from app.engine.tensors import as_tensor, check_overflow

VARIANTS = ("dropout", "dropout2d")


@dataclass(frozen=True)
class DropoutTrace:
    input: np.ndarray  # (C, H, W)
    p: float
    training: bool
    seed: int
    variant: str
    mask: np.ndarray  # (C, H, W) int: 1 kept, 0 dropped
    scale: float  # 1/(1 - p) in training, 1 in evaluation
    output: np.ndarray

    @property
    def total_steps(self) -> int:
        return int(self.input.size)

    @property
    def dropped_share(self) -> float:
        return float(1.0 - self.mask.mean())

    def steps(self, start: int, stop: int) -> dict[str, np.ndarray]:
        return cell_steps(self.input, self.output, "kept", self.mask == 1, start, stop)

    op: ClassVar[str] = "dropout"
    order: ClassVar[tuple[str, ...]] = ("channel", "y", "x")

    def params(self) -> dict[str, Any]:
        return {"p": self.p, "training": self.training, "seed": self.seed, "variant": self.variant}

    def numbers_per_step(self) -> int:
        return CELL_STEP_NUMBERS

    def header_extras(self) -> dict[str, Any]:
        return {"scale": self.scale}

    def done_extras(self) -> dict[str, Any]:
        dropped = int((self.mask == 0).sum())
        return {"mask": self.mask, "dropped": dropped, "dropped_share": self.dropped_share}


def dropout_plan(input: Any, p: Any = 0.5, training: Any = True, seed: Any = 0, variant: str = "dropout") -> CellPlan:
    """Every check ``dropout`` makes on its arguments (the overflow of a scaled value aside)."""
    x = as_tensor("input", input, 3, "(channels, height, width)")
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 1:
        raise ParamError("p", p, "must be a probability in [0, 1): the share of values dropped in training")
    if not isinstance(training, bool):
        raise ParamError("training", training, "must be true or false")
    if variant not in VARIANTS:
        raise ParamError("variant", variant, f"must be one of {', '.join(VARIANTS)}")
    check_seed(seed)
    return CellPlan(x)


def dropout(input: Any, p: Any = 0.5, training: Any = True, seed: Any = 0, variant: str = "dropout") -> DropoutTrace:
    """output = mask * x * (1/(1 - p)) in training (PyTorch multiplies by the reciprocal), x in evaluation."""
    x = dropout_plan(input, p, training, seed, variant).input
    seed = check_seed(seed)
    p = float(p)
    if not training:
        return DropoutTrace(x, p, False, seed, variant, np.ones(x.shape, dtype=np.int64), 1.0, x.copy())
    shape = (x.shape[0], 1, 1) if variant == "dropout2d" else x.shape
    keep = (uniform(seed, "mask", shape) >= p).astype(np.int64)
    mask = np.ascontiguousarray(np.broadcast_to(keep, x.shape))
    scale = 1.0 / (1.0 - p)
    with np.errstate(over="ignore"):
        output = x * (mask * scale)
    check_overflow(not np.isfinite(output).all(), {"input": x}, f"a kept value times 1/(1 - p) = {scale:g}")
    return DropoutTrace(x, p, True, seed, variant, mask, scale, output)
