"""Requests -> op traces: bodies carry tensors, queries generate them from a seed.

Everything is checked here or in the op before a byte is streamed; sizes over
the caps in ``app.config`` raise TooLargeError (413).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.config import Settings
from app.engine.conv2d import conv2d
from app.engine.dropout import dropout
from app.engine.errors import Described, ParamError, TooLargeError
from app.engine.generated import sample_bias, sample_input, sample_weight
from app.engine.pool import avg_pool2d, lp_pool2d, max_pool2d
from app.engine.relu import relu
from app.http.frames import Trace
from app.http.textarrays import parse_array
from app.schemas import traces as s


def parse_pair(text: str) -> int | tuple[int, int]:
    parts = [int(part) for part in text.split(",")]
    return parts[0] if len(parts) == 1 else (parts[0], parts[1])


def bounded_pair(name: str, text: str, low: int, high: int) -> int | tuple[int, int]:
    """'3' or '3,2' within [low, high], the same bounds a POST body has."""
    value = parse_pair(text)
    for item in value if isinstance(value, tuple) else (value,):
        if not low <= item <= high:
            raise ParamError(name, value, f"must be from {low} to {high}")
    return value


def parse_padding(text: str, cfg: Settings) -> int | tuple[int, int] | str:
    text = text.strip()
    return text if text in ("same", "valid") else bounded_pair("padding", text, 0, cfg.max_padding)


def stride_of(text: str, cfg: Settings) -> int | tuple[int, int]:
    return bounded_pair("stride", text, 1, cfg.max_stride)


def dilation_of(text: str, cfg: Settings) -> int | tuple[int, int]:
    return bounded_pair("dilation", text, 1, cfg.max_dilation)


def kernel_of(text: str, cfg: Settings) -> int | tuple[int, int]:
    return bounded_pair("kernel_size", text, 1, cfg.max_kernel)


def check_dims(name: str, shape: tuple[int, ...], caps: tuple[tuple[str, int], ...]) -> None:
    """Each dimension of an array given as text within its cap (413 beyond)."""
    for size, (what, cap) in zip(shape, caps, strict=True):
        if size > cap:
            raise TooLargeError(name, Described(f"{size} {what}"), f"the cap is {cap} {what}")


def check_elements(name: str, shape: tuple[int, ...], cfg: Settings) -> None:
    count = int(np.prod(shape))
    if count > cfg.max_elements:
        raise TooLargeError(
            name,
            Described(f"{'x'.join(map(str, shape))} = {count:,} values"),
            f"the cap is {cfg.max_elements:,} values",
        )


def query_input(op: str, q: s.Query, seed: int, cfg: Settings) -> np.ndarray:
    """The input given as text, or a seeded sample of in_channels x height x width."""
    if q.input is not None:
        x = parse_array("input", q.input, 3)
        check_dims(
            "input", x.shape, (("channels", cfg.max_channels), ("rows", cfg.max_side), ("columns", cfg.max_side))
        )
        check_elements("input", x.shape, cfg)
        return x
    check_elements("in_channels x height x width", (q.in_channels, q.height, q.width), cfg)
    return sample_input(op, seed, q.in_channels, q.height, q.width)


def conv2d_query(q: s.Conv2dQuery, cfg: Settings) -> Trace:
    x = query_input("conv2d", q, q.seed, cfg)
    channels = x.shape[0]
    if q.weight is not None:
        weight = parse_array("weight", q.weight, 4)
        caps = (("filters", cfg.max_filters), ("channels", cfg.max_channels))
        check_dims("weight", weight.shape, (*caps, ("kernel rows", cfg.max_kernel), ("kernel columns", cfg.max_kernel)))
    else:
        if channels % q.groups:
            raise ParamError("groups", q.groups, f"must divide the input channels ({channels})")
        kh, kw = _pair(kernel_of(q.kernel_size, cfg))
        weight = sample_weight(q.seed, q.out_channels, channels // q.groups, kh, kw)
    bias = _bias(q.bias, q.seed, weight.shape[0])
    return conv2d(
        x,
        weight,
        bias,
        stride_of(q.stride, cfg),
        parse_padding(q.padding, cfg),
        dilation_of(q.dilation, cfg),
        q.groups,
        q.padding_mode,
        max_macs=cfg.max_macs,
        max_windows=cfg.max_window_values,
    )


def _pair(value: int | tuple[int, int]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else value


def _bias(text: str, seed: int, filters: int) -> np.ndarray | None:
    flag = text.strip().lower()
    if flag == "true":
        return sample_bias(seed, filters)
    if flag == "false":
        return None
    try:
        return parse_array("bias", text, 1)  # the values themselves: '1' is one bias of 1
    except ParamError:
        raise ParamError("bias", text, "must be true, false, or one number per filter, like 1,-1") from None


def _pool_args(q: s.PoolQuery, cfg: Settings) -> dict[str, Any]:
    return {
        "kernel_size": kernel_of(q.kernel_size, cfg),
        "stride": None if q.stride is None else stride_of(q.stride, cfg),
        "ceil_mode": q.ceil_mode,
        "max_windows": cfg.max_window_values,
    }


def max_pool2d_query(q: s.MaxPool2dQuery, cfg: Settings) -> Trace:
    x = query_input("max_pool2d", q, q.seed, cfg)
    pads = bounded_pair("padding", q.padding, 0, cfg.max_padding)
    return max_pool2d(x, padding=pads, dilation=dilation_of(q.dilation, cfg), **_pool_args(q, cfg))


def avg_pool2d_query(q: s.AvgPool2dQuery, cfg: Settings) -> Trace:
    x = query_input("avg_pool2d", q, q.seed, cfg)
    return avg_pool2d(
        x,
        padding=bounded_pair("padding", q.padding, 0, cfg.max_padding),
        count_include_pad=q.count_include_pad,
        divisor_override=q.divisor_override,
        **_pool_args(q, cfg),
    )


def lp_pool2d_query(q: s.LpPool2dQuery, cfg: Settings) -> Trace:
    x = query_input("lp_pool2d", q, q.seed, cfg)
    return lp_pool2d(x, q.norm_type, **_pool_args(q, cfg))


def relu_query(q: s.ReluQuery, cfg: Settings) -> Trace:
    return relu(query_input("relu", q, q.seed, cfg))


def dropout_query(q: s.DropoutQuery, cfg: Settings) -> Trace:
    x = query_input("dropout", q, q.input_seed, cfg)
    return dropout(x, q.p, q.training, q.seed, q.variant)


def _body_input(b: s.Body, cfg: Settings) -> np.ndarray:
    check_elements("input", _nested_shape("input", b.input), cfg)
    return np.asarray(b.input, dtype=np.float64)


def _nested_shape(name: str, nested: list[Any]) -> tuple[int, ...]:
    """Shape of a nested list, or a ParamError naming the first row whose length differs."""
    shape = [len(nested)]
    level: list[tuple[str, Any]] = [(f"{name}[{i}]", item) for i, item in enumerate(nested)]
    while level and isinstance(level[0][1], list):
        first_path, first = level[0]
        for path, item in level:
            if len(item) != len(first):
                raise ParamError(
                    name,
                    Described(f"{path} with {len(item)} items where {first_path} has {len(first)}"),
                    "every row must have the same length (the array must not be ragged)",
                )
        shape.append(len(first))
        level = [(f"{path}[{i}]", sub) for path, item in level for i, sub in enumerate(item)]
    return tuple(shape)


def conv2d_body(b: s.Conv2dBody, cfg: Settings) -> Trace:
    x = _body_input(b, cfg)
    shape = _nested_shape("weight", b.weight)
    try:
        return conv2d(
            x,
            b.weight,
            b.bias,
            b.stride,
            b.padding,
            b.dilation,
            b.groups,
            b.padding_mode,
            cfg.max_macs,
            cfg.max_window_values,
        )
    except ParamError as err:
        if err.param != "kernel_size":
            raise
        # a POST body has no kernel_size: the kernel is the weight's last two dimensions
        value = err.value if isinstance(err, TooLargeError) else Described(f"kernels of {shape[2]}x{shape[3]}")
        raise type(err)("weight", value, err.rule) from None


def max_pool2d_body(b: s.MaxPool2dBody, cfg: Settings) -> Trace:
    x = _body_input(b, cfg)
    return max_pool2d(x, b.kernel_size, b.stride, b.padding, b.dilation, b.ceil_mode, cfg.max_window_values)


def avg_pool2d_body(b: s.AvgPool2dBody, cfg: Settings) -> Trace:
    x = _body_input(b, cfg)
    return avg_pool2d(
        x,
        b.kernel_size,
        b.stride,
        b.padding,
        b.ceil_mode,
        b.count_include_pad,
        b.divisor_override,
        cfg.max_window_values,
    )


def lp_pool2d_body(b: s.LpPool2dBody, cfg: Settings) -> Trace:
    x = _body_input(b, cfg)
    return lp_pool2d(x, b.norm_type, b.kernel_size, b.stride, b.ceil_mode, cfg.max_window_values)


def relu_body(b: s.ReluBody, cfg: Settings) -> Trace:
    return relu(_body_input(b, cfg))


def dropout_body(b: s.DropoutBody, cfg: Settings) -> Trace:
    return dropout(_body_input(b, cfg), b.p, b.training, b.seed, b.variant)


def resolve_detail(detail: str, total: int, per_step: int, cfg: Settings) -> str:
    """auto -> full when small enough to watch; refuse traces over the caps (413).
    ``per_step`` is how many numbers one full step carries (a 64-channel 15x15 window is 28,800)."""
    if detail == "auto":
        small = total <= cfg.auto_full_steps and total * per_step <= cfg.auto_full_numbers
        detail = "full" if small else "compact"
    if detail == "full" and (total > cfg.max_steps_full or total * per_step > cfg.max_full_numbers):
        raise TooLargeError(
            "detail",
            detail,
            f"this trace has {total:,} steps of {per_step:,} numbers each; full detail is capped at "
            f"{cfg.max_steps_full:,} steps and {cfg.max_full_numbers:,} numbers"
            + (": ask for detail=compact" if total <= cfg.max_steps_compact else ""),
        )
    if total > cfg.max_steps_compact:
        raise TooLargeError(
            "steps",
            Described(f"{total:,} steps"),
            f"a trace may have at most {cfg.max_steps_compact:,} steps: use a smaller input or fewer filters",
        )
    return detail
