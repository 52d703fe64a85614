"""Caps on the work one op may do, checked from the geometry before any array is built."""

from __future__ import annotations

from app.engine.errors import Described, TooLargeError
from app.engine.geometry import Axis


def check_windows(channels: int, axes: tuple[Axis, Axis], cap: int | None) -> None:
    """Gathering every window costs channels x Ho x Wo x kH x kW values of memory."""
    if cap is None:
        return
    ah, aw = axes
    values = channels * ah.out * aw.out * ah.kernel * aw.kernel
    if values > cap:
        raise TooLargeError(
            "kernel_size",
            Described(
                f"{ah.kernel}x{aw.kernel} windows at {ah.out}x{aw.out} positions over {channels} "
                f"channel{'s' if channels != 1 else ''}, {values:,} values to gather"
            ),
            f"the cap is {cap:,}: use a smaller input, kernel or padding, or a larger stride",
        )


def check_macs(filters: int, per_filter: int, axes: tuple[Axis, Axis], cap: int | None) -> None:
    """A convolution costs filters x (C/groups x kH x kW) x Ho x Wo multiply-adds."""
    if cap is None:
        return
    macs = filters * per_filter * axes[0].out * axes[1].out
    if macs > cap:
        raise TooLargeError(
            "out_channels",
            Described(
                f"{filters} filter{'s' if filters != 1 else ''} of {per_filter} weights at "
                f"{axes[0].out}x{axes[1].out} positions, {macs:,} multiply-adds"
            ),
            f"the cap is {cap:,}: use a smaller input, fewer or smaller filters, or a larger stride",
        )


def check_output(shape: tuple[int, int, int], cap: int | None) -> None:
    """An op whose output can grow past its input (a transposed convolution) keeps it under ``cap`` values."""
    if cap is None:
        return
    values = shape[0] * shape[1] * shape[2]
    if values > cap:
        raise TooLargeError(
            "output",
            Described(f"{shape[0]} channel{'s' if shape[0] != 1 else ''} of {shape[1]}x{shape[2]}, {values:,} values"),
            f"the cap is {cap:,}: use a smaller input, stride, kernel or dilation, or fewer output channels",
        )
