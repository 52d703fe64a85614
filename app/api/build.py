"""Requests -> op traces: bodies carry tensors, queries generate them from a seed.

Everything is checked here or in the op before a byte is streamed; sizes over
the caps in ``app.config`` raise TooLargeError (413).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.config import Settings
from app.engine.errors import Described, ParamError, TooLargeError
from app.engine.generated import sample_bias, sample_grad_output, sample_input, sample_weight
from app.engine.spec import OpSpec, Param
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


def query_input(op: str, q: s.Query, seed: int, cfg: Settings, values: bool = True) -> np.ndarray:
    """The input given as text, or a seeded sample of in_channels x height x width (``values=False``:
    zeros of that shape, without drawing a number, for a check that needs the shape alone)."""
    if q.input is not None:
        x = parse_array("input", q.input, 3)
        check_dims(
            "input", x.shape, (("channels", cfg.max_channels), ("rows", cfg.max_side), ("columns", cfg.max_side))
        )
        check_elements("input", x.shape, cfg)
        return x
    check_elements("in_channels x height x width", (q.in_channels, q.height, q.width), cfg)
    if not values:
        return np.broadcast_to(np.float64(0), (q.in_channels, q.height, q.width))
    return sample_input(op, seed, q.in_channels, q.height, q.width)


def from_query(spec: OpSpec, q: s.Query, cfg: Settings) -> Trace:
    """A GET query -> the op's trace: the input (and a weight's tensors) generated or parsed,
    each parameter bounded as the POST body bounds it."""
    return _call(spec.engine, spec, q, cfg, values=True)


def plan_query(spec: OpSpec, q: s.Query, cfg: Settings) -> Any:
    """What ``from_query`` would check, and the geometry it would find, without computing the op:
    the same tensors and parameters go to the op's plan instead of its engine function."""
    return _call(spec.plan, spec, q, cfg, values=False)


def _call(fn: Any, spec: OpSpec, q: s.Query, cfg: Settings, values: bool) -> Any:
    x = query_input(spec.name, q, getattr(q, "input_seed", q.seed), cfg, values)
    tensors: list[Any] = [x]
    if "weight" in spec.takes:
        tensors += _query_weight(spec, q, x.shape[0], cfg)
    params = {p.name: _query_param(p, getattr(q, p.name), cfg) for p in _own(spec)}
    if "grad_output" in spec.takes:
        tensors.append(_query_grad_output(spec, q, tensors, params, cfg, values))
    return fn(*tensors, **params, **spec.engine_caps(cfg))


def _query_grad_output(
    spec: OpSpec, q: s.Query, tensors: list[Any], params: dict[str, Any], cfg: Settings, values: bool
) -> np.ndarray:
    """grad_output given as text, or seeded in the shape the op's plan finds (zeros for a check)."""
    text = getattr(q, "grad_output", None)
    if text is not None:
        grad = parse_array("grad_output", text, 3)
        side = cfg.max_side + 2 * cfg.max_padding
        check_dims("grad_output", grad.shape, (("channels", cfg.max_filters), ("rows", side), ("columns", side)))
        return grad
    assert spec.plan is not None
    shape = spec.plan(*tensors, None, **params, **spec.engine_caps(cfg)).grad_output_shape
    if not values:
        return np.broadcast_to(np.float64(0), shape)
    return sample_grad_output(q.seed, shape)


def from_body(spec: OpSpec, b: s.Body, cfg: Settings) -> Trace:
    """A POST body -> the op's trace."""
    tensors: list[Any] = [_body_input(b, cfg)]
    shape: tuple[int, ...] = ()
    if "weight" in spec.takes:
        shape = _nested_shape("weight", b.weight)  # type: ignore[attr-defined]
        tensors += [b.weight, b.bias]  # type: ignore[attr-defined]
    if "grad_output" in spec.takes:
        _nested_shape("grad_output", b.grad_output)  # type: ignore[attr-defined]
        tensors.append(b.grad_output)  # type: ignore[attr-defined]
    params = {p.name: getattr(b, p.name) for p in _own(spec)}
    try:
        return spec.engine(*tensors, **params, **spec.engine_caps(cfg))  # type: ignore[misc]
    except ParamError as err:
        if err.param != "kernel_size" or not shape:
            raise
        # a POST body has no kernel_size: the kernel is the weight's last two dimensions
        value = err.value if isinstance(err, TooLargeError) else Described(f"kernels of {shape[2]}x{shape[3]}")
        raise type(err)("weight", value, err.rule) from None


def _own(spec: OpSpec) -> tuple[Param, ...]:
    """The parameters a request gives by name (a weight's shape and a bias come as tensors)."""
    return tuple(p for p in spec.params if not p.from_tensor)


def _query_param(param: Param, value: Any, cfg: Settings) -> Any:
    if value is None or param.kind not in ("pair", "padding"):
        return value
    if param.kind == "padding" and value.strip() in param.choices:
        return value.strip()
    low, high = param.bounds(cfg)
    return bounded_pair(param.name, value, int(low or 0), int(high or 0))


def _query_weight(spec: OpSpec, q: s.Query, channels: int, cfg: Settings) -> list[Any]:
    """The weight and bias of a GET query: given as text, or seeded from its sizes."""
    text = getattr(q, "weight", None)
    transposed = spec.weight_layout == "transposed"
    if text is not None:
        weight = parse_array("weight", text, 4)
        caps = (("filters", cfg.max_filters), ("channels", cfg.max_channels))
        caps = caps[::-1] if transposed else caps  # (in_channels, out_channels/groups, ...)
        check_dims("weight", weight.shape, (*caps, ("kernel rows", cfg.max_kernel), ("kernel columns", cfg.max_kernel)))
    else:
        kernel = _pair(_query_param(spec.param("kernel_size"), q.kernel_size, cfg))  # type: ignore[attr-defined]
        shape = spec.weight_shape(channels, q.out_channels, getattr(q, "groups", 1), kernel)  # type: ignore[attr-defined]
        weight = sample_weight(q.seed, *shape)
    out_channels = weight.shape[1] * getattr(q, "groups", 1) if transposed else weight.shape[0]
    return [weight, _bias(q.bias, q.seed, out_channels)]  # type: ignore[attr-defined]


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
