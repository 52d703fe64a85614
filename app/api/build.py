"""Requests -> op traces: bodies carry tensors, queries generate them from a seed.

Everything is checked here or in the op before a byte is streamed; sizes over
the caps in ``app.config`` raise TooLargeError (413).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.config import Settings
from app.ops.conv2d import conv2d
from app.ops.dropout import dropout
from app.ops.errors import ParamError, TooLargeError
from app.ops.pool import avg_pool2d, lp_pool2d, max_pool2d
from app.ops.relu import relu
from app.ops.samples import sample_bias, sample_input, sample_weight
from app.schemas import traces as s
from app.textarrays import parse_array
from app.trace import Trace


def parse_pair(text: str) -> int | tuple[int, int]:
    parts = [int(part) for part in text.split(",")]
    return parts[0] if len(parts) == 1 else (parts[0], parts[1])


def parse_padding(text: str) -> int | tuple[int, int] | str:
    text = text.strip()
    return text if text in ("same", "valid") else parse_pair(text)


def check_elements(name: str, shape: tuple[int, ...], cfg: Settings) -> None:
    count = int(np.prod(shape))
    if count > cfg.max_elements:
        raise TooLargeError(
            name, f"{'x'.join(map(str, shape))} = {count:,} values", f"the cap is {cfg.max_elements:,} values"
        )


def query_input(op: str, q: s.Query, seed: int, cfg: Settings) -> np.ndarray:
    """The input given as text, or a seeded sample of in_channels x height x width."""
    if q.input is not None:
        x = parse_array("input", q.input, 3)
        check_elements("input", x.shape, cfg)
        return x
    check_elements("in_channels x height x width", (q.in_channels, q.height, q.width), cfg)
    return sample_input(op, seed, q.in_channels, q.height, q.width)


def conv2d_query(q: s.Conv2dQuery, cfg: Settings) -> Trace:
    x = query_input("conv2d", q, q.seed, cfg)
    channels = x.shape[0]
    if q.weight is not None:
        weight = parse_array("weight", q.weight, 4)
    else:
        if channels % q.groups:
            raise ParamError("groups", q.groups, f"must divide the input channels ({channels})")
        kh, kw = _pair(parse_pair(q.kernel_size))
        _check_kernel(kh, kw, cfg)
        weight = sample_weight(q.seed, q.out_channels, channels // q.groups, kh, kw)
    bias = _bias(q.bias, q.seed, weight.shape[0])
    return conv2d(
        x,
        weight,
        bias,
        parse_pair(q.stride),
        parse_padding(q.padding),
        parse_pair(q.dilation),
        q.groups,
        q.padding_mode,
        max_macs=cfg.max_macs,
    )


def _pair(value: int | tuple[int, int]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else value


def _check_kernel(kh: int, kw: int, cfg: Settings) -> None:
    for k in (kh, kw):
        if not 1 <= k <= cfg.max_kernel:
            raise ParamError("kernel_size", (kh, kw) if kh != kw else kh, f"must be from 1 to {cfg.max_kernel}")


def _bias(text: str, seed: int, filters: int) -> np.ndarray | None:
    flag = text.strip().lower()
    if flag in ("true", "1", "yes", "on"):
        return sample_bias(seed, filters)
    if flag in ("false", "0", "no", "off", "none"):
        return None
    return parse_array("bias", text, 1)


def _pool_args(q: s.PoolQuery) -> dict[str, Any]:
    return {
        "kernel_size": parse_pair(q.kernel_size),
        "stride": None if q.stride is None else parse_pair(q.stride),
        "ceil_mode": q.ceil_mode,
    }


def max_pool2d_query(q: s.MaxPool2dQuery, cfg: Settings) -> Trace:
    x = query_input("max_pool2d", q, q.seed, cfg)
    return max_pool2d(x, padding=parse_pair(q.padding), dilation=parse_pair(q.dilation), **_pool_args(q))


def avg_pool2d_query(q: s.AvgPool2dQuery, cfg: Settings) -> Trace:
    x = query_input("avg_pool2d", q, q.seed, cfg)
    return avg_pool2d(
        x,
        padding=parse_pair(q.padding),
        count_include_pad=q.count_include_pad,
        divisor_override=q.divisor_override,
        **_pool_args(q),
    )


def lp_pool2d_query(q: s.LpPool2dQuery, cfg: Settings) -> Trace:
    x = query_input("lp_pool2d", q, q.seed, cfg)
    return lp_pool2d(x, q.norm_type, **_pool_args(q))


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
                    f"{path} with {len(item)} items where {first_path} has {len(first)}",
                    "every row must have the same length (the array must not be ragged)",
                )
        shape.append(len(first))
        level = [(f"{path}[{i}]", sub) for path, item in level for i, sub in enumerate(item)]
    return tuple(shape)


def conv2d_body(b: s.Conv2dBody, cfg: Settings) -> Trace:
    x = _body_input(b, cfg)
    _nested_shape("weight", b.weight)
    return conv2d(x, b.weight, b.bias, b.stride, b.padding, b.dilation, b.groups, b.padding_mode, max_macs=cfg.max_macs)


def max_pool2d_body(b: s.MaxPool2dBody, cfg: Settings) -> Trace:
    return max_pool2d(_body_input(b, cfg), b.kernel_size, b.stride, b.padding, b.dilation, b.ceil_mode)


def avg_pool2d_body(b: s.AvgPool2dBody, cfg: Settings) -> Trace:
    return avg_pool2d(
        _body_input(b, cfg), b.kernel_size, b.stride, b.padding, b.ceil_mode, b.count_include_pad, b.divisor_override
    )


def lp_pool2d_body(b: s.LpPool2dBody, cfg: Settings) -> Trace:
    return lp_pool2d(_body_input(b, cfg), b.norm_type, b.kernel_size, b.stride, b.ceil_mode)


def relu_body(b: s.ReluBody, cfg: Settings) -> Trace:
    return relu(_body_input(b, cfg))


def dropout_body(b: s.DropoutBody, cfg: Settings) -> Trace:
    return dropout(_body_input(b, cfg), b.p, b.training, b.seed, b.variant)


def resolve_detail(detail: str, total: int, cfg: Settings) -> str:
    """auto -> full when small enough to watch; refuse traces over the caps (413)."""
    if detail == "auto":
        detail = "full" if total <= cfg.auto_full_steps else "compact"
    cap = cfg.max_steps_full if detail == "full" else cfg.max_steps_compact
    if total > cap:
        hint = "; ask for detail=compact" if detail == "full" and total <= cfg.max_steps_compact else ""
        raise TooLargeError(
            "detail", detail, f"this trace has {total:,} steps and the cap for {detail} detail is {cap:,}{hint}"
        )
    return detail
