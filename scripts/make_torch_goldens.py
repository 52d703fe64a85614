"""Write tests/fixtures/torch_goldens.json: PyTorch's own outputs for ~60 seeded cases, and
tests/fixtures/torch_goldens_transpose_backward.json: conv_transpose2d's outputs and the gradients
torch.autograd gives for conv2d, relu and max_pool2d.

PyTorch is not a dependency of ConvScope. This script is run by hand, in a separate
environment that has torch (CPU is enough), and its output is committed; the tests only
read the JSON (tests/engine/test_torch_goldens.py, tests/engine/test_torch_goldens_transpose_backward.py).
It imports torch, numpy, json and the standard library, never app/.

Regenerate (from the repository root):

    python -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu
    /tmp/torchenv/bin/python scripts/make_torch_goldens.py
    .venv/bin/python -m pytest -q tests/engine/test_torch_goldens.py \
        tests/engine/test_torch_goldens_transpose_backward.py

Every case is computed in float64. Inputs are seeded random floats rounded to 3
decimals (or small integers, to make max-pool ties), so the file stays small; outputs
are written at full precision (JSON floats round-trip exactly).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_goldens.json"
OUT_UP = OUT.with_name("torch_goldens_transpose_backward.json")
DTYPE = torch.float64


def tensor(seed: int, shape: tuple[int, ...], kind: str = "signed") -> torch.Tensor:
    """Seeded values: 'signed' in [-2, 2), 'positive' in [0.1, 2.1), 'ties' integers 0..2,
    all rounded to 3 decimals."""
    gen = torch.Generator().manual_seed(seed)
    if kind == "ties":
        return torch.randint(0, 3, shape, generator=gen).to(DTYPE)
    values = torch.rand(shape, generator=gen, dtype=DTYPE)
    values = values * 4 - 2 if kind == "signed" else values * 2 + 0.1
    return torch.round(values, decimals=3)


def tup(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def conv_case(seed: int, name: str, shape: tuple[int, int, int], filters: int, kernel: Any, **params: Any) -> dict:
    channels = shape[0]
    groups = params.get("groups", 1)
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    bias = params.pop("bias", True)
    x = tensor(seed, shape)
    weight = tensor(seed + 1000, (filters, channels // groups, kh, kw))
    b = tensor(seed + 2000, (filters,)) if bias else None
    layer = torch.nn.Conv2d(
        channels,
        filters,
        (kh, kw),
        stride=tup(params.get("stride", 1)),
        padding=tup(params.get("padding", 0)),
        dilation=tup(params.get("dilation", 1)),
        groups=groups,
        bias=bias,
        padding_mode=params.get("padding_mode", "zeros"),
        dtype=DTYPE,
    )
    with torch.no_grad():
        layer.weight.copy_(weight)
        if b is not None:
            layer.bias.copy_(b)
        out = layer(x)
    return {
        "id": name,
        "op": "conv2d",
        "input": x.tolist(),
        "weight": weight.tolist(),
        "bias": None if b is None else b.tolist(),
        "params": params,
        "output": out.tolist(),
    }


def max_case(seed: int, name: str, shape: tuple[int, int, int], kind: str = "signed", **params: Any) -> dict:
    x = tensor(seed, shape, kind)
    args = {key: tup(value) for key, value in params.items()}
    out, idx = F.max_pool2d(x[None], return_indices=True, **args)
    return {
        "id": name,
        "op": "max_pool2d",
        "input": x.tolist(),
        "params": params,
        "output": out[0].tolist(),
        "indices": idx[0].tolist(),
    }


def avg_case(seed: int, name: str, shape: tuple[int, int, int], x: torch.Tensor | None = None, **params: Any) -> dict:
    x = tensor(seed, shape) if x is None else x
    args = {key: tup(value) for key, value in params.items()}
    out = F.avg_pool2d(x[None], **args)
    return {"id": name, "op": "avg_pool2d", "input": x.tolist(), "params": params, "output": out[0].tolist()}


def lp_case(seed: int, name: str, shape: tuple[int, int, int], kind: str = "positive", **params: Any) -> dict:
    x = tensor(seed, shape, kind)
    args = {key: tup(value) for key, value in params.items()}
    out = F.lp_pool2d(x[None], **args)
    return {"id": name, "op": "lp_pool2d", "input": x.tolist(), "params": params, "output": out[0].tolist()}


def relu_case(seed: int, name: str, shape: tuple[int, int, int]) -> dict:
    x = tensor(seed, shape)
    return {"id": name, "op": "relu", "input": x.tolist(), "params": {}, "output": torch.relu(x).tolist()}


def dropout_case(seed: int, name: str, shape: tuple[int, int, int], p: float) -> dict:
    x = tensor(seed, shape)
    out = F.dropout(x, p, training=False)
    return {
        "id": name,
        "op": "dropout",
        "input": x.tolist(),
        "params": {"p": p, "training": False},
        "output": out.tolist(),
    }


def conv_cases() -> list[dict]:
    c = conv_case
    return [
        c(1, "conv_basic", (3, 5, 5), 2, 3),
        c(2, "conv_pad1", (2, 5, 6), 3, 3, padding=1),
        c(3, "conv_pad_pair", (2, 4, 5), 2, 3, padding=[1, 2]),
        c(4, "conv_same_odd", (2, 6, 5), 2, 3, padding="same"),
        c(5, "conv_same_even", (1, 6, 7), 2, [2, 4], padding="same"),
        c(6, "conv_same_dilated", (2, 7, 7), 2, 3, padding="same", dilation=2),
        c(7, "conv_same_even_dilated", (1, 6, 8), 1, 2, padding="same", dilation=[1, 3]),
        c(8, "conv_valid", (2, 5, 5), 2, 2, padding="valid"),
        c(9, "conv_reflect", (2, 5, 5), 2, 3, padding=1, padding_mode="reflect"),
        c(10, "conv_reflect_max", (1, 4, 5), 2, 3, padding=[3, 4], padding_mode="reflect"),
        c(11, "conv_replicate", (2, 4, 4), 2, 3, padding=[2, 1], padding_mode="replicate"),
        c(12, "conv_circular", (2, 4, 5), 2, 3, padding=[1, 2], padding_mode="circular"),
        c(13, "conv_circular_full_wrap", (1, 3, 3), 1, 3, padding=3, padding_mode="circular"),
        c(14, "conv_same_reflect", (2, 5, 6), 2, 3, padding="same", padding_mode="reflect"),
        c(15, "conv_same_even_circular", (1, 5, 5), 2, 4, padding="same", padding_mode="circular"),
        c(16, "conv_same_even_replicate", (1, 4, 6), 1, [2, 3], padding="same", padding_mode="replicate"),
        c(17, "conv_stride2", (2, 7, 7), 2, 3, stride=2),
        c(18, "conv_stride_pair", (1, 8, 9), 2, 3, stride=[2, 3], padding=1),
        c(19, "conv_stride3_uneven", (1, 7, 7), 1, 3, stride=3),
        c(20, "conv_dilation2", (2, 7, 7), 2, 3, dilation=2),
        c(21, "conv_dilation_pair", (1, 6, 9), 2, [2, 3], dilation=[2, 1], padding=1),
        c(22, "conv_groups2", (4, 5, 5), 4, 3, groups=2, padding=1),
        c(23, "conv_depthwise", (3, 5, 6), 3, 3, groups=3),
        c(24, "conv_depthwise_multiplier", (2, 5, 5), 4, 3, groups=2, stride=2, padding=1),
        c(25, "conv_1x1", (4, 4, 5), 3, 1),
        c(26, "conv_no_bias", (2, 5, 5), 2, 3, bias=False, padding=1),
        c(27, "conv_kernel_is_input", (3, 4, 5), 2, [4, 5]),
        c(
            28,
            "conv_everything",
            (4, 9, 8),
            4,
            [3, 2],
            stride=[2, 1],
            padding=[1, 2],
            dilation=[2, 2],
            groups=2,
            padding_mode="replicate",
        ),
        c(
            29,
            "conv_circular_dilated_strided",
            (2, 6, 6),
            2,
            3,
            padding=2,
            dilation=2,
            stride=2,
            padding_mode="circular",
        ),
    ]


def pool_cases() -> list[dict]:
    m, a, lp = max_case, avg_case, lp_case
    one_to_nine = torch.arange(1, 10, dtype=DTYPE).reshape(1, 3, 3)
    return [
        m(40, "max_k2s2", (2, 4, 4), kernel_size=2, stride=2),
        m(41, "max_default_stride", (1, 6, 6), kernel_size=3),
        m(42, "max_k3s2p1", (2, 7, 7), kernel_size=3, stride=2, padding=1),
        m(43, "max_dilated_padded", (1, 7, 8), kernel_size=3, stride=1, padding=1, dilation=2),
        m(44, "max_ceil", (1, 5, 5), kernel_size=2, stride=2, ceil_mode=True),
        m(45, "max_ceil_dropped_last", (1, 5, 5), kernel_size=2, stride=2, padding=1, ceil_mode=True),
        m(46, "max_ties", (2, 6, 6), kind="ties", kernel_size=3, stride=1, padding=1),
        m(47, "max_ties_pair", (1, 5, 7), kind="ties", kernel_size=[2, 3], stride=[1, 2]),
        m(
            48,
            "max_dilation_pair_ceil",
            (1, 8, 7),
            kernel_size=[2, 3],
            stride=[3, 2],
            padding=[1, 1],
            dilation=[1, 2],
            ceil_mode=True,
        ),
        m(
            49,
            "max_ties_dilated",
            (1, 7, 7),
            kind="ties",
            kernel_size=2,
            stride=2,
            padding=1,
            dilation=3,
            ceil_mode=True,
        ),
        # A dilated window whose taps straddle a 1-row input: it reads only padding.
        m(50, "max_window_all_padding", (1, 1, 3), kernel_size=[2, 1], stride=1, padding=[1, 0], dilation=[2, 1]),
        a(60, "avg_one_to_nine", (1, 3, 3), x=one_to_nine, kernel_size=3, stride=2, padding=1),
        a(
            60,
            "avg_one_to_nine_exclude_pad",
            (1, 3, 3),
            x=one_to_nine,
            kernel_size=3,
            stride=2,
            padding=1,
            count_include_pad=False,
        ),
        a(61, "avg_k2", (2, 4, 6), kernel_size=2),
        a(62, "avg_k3s2p1", (1, 6, 7), kernel_size=3, stride=2, padding=1),
        a(63, "avg_ceil_include_pad", (1, 6, 6), kernel_size=3, stride=2, padding=1, ceil_mode=True),
        a(
            64,
            "avg_ceil_exclude_pad",
            (1, 6, 6),
            kernel_size=3,
            stride=2,
            padding=1,
            ceil_mode=True,
            count_include_pad=False,
        ),
        a(65, "avg_ceil_no_pad", (2, 5, 5), kernel_size=2, stride=2, ceil_mode=True),
        a(66, "avg_ceil_dropped_last", (1, 5, 5), kernel_size=2, stride=2, padding=1, ceil_mode=True),
        a(67, "avg_divisor_override", (1, 5, 5), kernel_size=3, stride=2, padding=1, divisor_override=4),
        a(68, "avg_divisor_override_ceil", (1, 5, 6), kernel_size=2, stride=2, ceil_mode=True, divisor_override=3),
        a(69, "avg_kernel_pair", (2, 7, 8), kernel_size=[3, 2], stride=[2, 3], padding=[1, 1]),
        lp(80, "lp_norm1", (2, 4, 4), norm_type=1, kernel_size=2),
        lp(81, "lp_norm2", (2, 6, 6), norm_type=2, kernel_size=3, stride=2),
        lp(82, "lp_norm3", (1, 5, 6), norm_type=3, kernel_size=2, stride=1),
        lp(83, "lp_norm2_ceil", (1, 5, 5), norm_type=2, kernel_size=2, stride=2, ceil_mode=True),
        lp(84, "lp_norm3_ceil_pair", (1, 7, 6), norm_type=3, kernel_size=[3, 2], stride=[2, 2], ceil_mode=True),
        lp(85, "lp_norm1_ceil", (2, 5, 7), norm_type=1, kernel_size=3, stride=2, ceil_mode=True),
        lp(86, "lp_norm2_signed", (1, 6, 6), kind="signed", norm_type=2, kernel_size=2),
        lp(87, "lp_norm1_signed", (1, 6, 6), kind="signed", norm_type=1, kernel_size=3, stride=1),
        lp(88, "lp_norm_1_5", (1, 5, 5), norm_type=1.5, kernel_size=2, stride=1),
    ]


def other_cases() -> list[dict]:
    return [
        relu_case(90, "relu_small", (1, 3, 4)),
        relu_case(91, "relu_channels", (3, 5, 5)),
        dropout_case(92, "dropout_eval", (2, 4, 4), 0.5),
        dropout_case(93, "dropout_eval_p0_9", (1, 3, 5), 0.9),
    ]


def transpose_case(
    seed: int, name: str, shape: tuple[int, int, int], out_channels: int, kernel: Any, **params: Any
) -> dict:
    """F.conv_transpose2d on one input; weight (in_channels, out_channels/groups, kH, kW)."""
    channels = shape[0]
    groups = params.get("groups", 1)
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    bias = params.pop("bias", True)
    x = tensor(seed, shape)
    weight = tensor(seed + 1000, (channels, out_channels // groups, kh, kw))
    b = tensor(seed + 2000, (out_channels,)) if bias else None
    args = {key: tup(value) for key, value in params.items()}
    out = F.conv_transpose2d(x[None], weight, b, **args)[0]
    return {
        "id": name,
        "op": "conv_transpose2d",
        "input": x.tolist(),
        "weight": weight.tolist(),
        "bias": None if b is None else b.tolist(),
        "params": params,
        "output": out.tolist(),
    }


def backward_case(seed: int, name: str, shape: tuple[int, int, int], filters: int, kernel: Any, **params: Any) -> dict:
    """nn.Conv2d forward, then y.backward(grad_output): x.grad, weight.grad and bias.grad."""
    channels = shape[0]
    groups = params.get("groups", 1)
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    bias = params.pop("bias", True)
    x = tensor(seed, shape)[None].requires_grad_(True)
    weight = tensor(seed + 1000, (filters, channels // groups, kh, kw))
    b = tensor(seed + 2000, (filters,)) if bias else None
    layer = torch.nn.Conv2d(
        channels,
        filters,
        (kh, kw),
        stride=tup(params.get("stride", 1)),
        padding=tup(params.get("padding", 0)),
        dilation=tup(params.get("dilation", 1)),
        groups=groups,
        bias=bias,
        padding_mode=params.get("padding_mode", "zeros"),
        dtype=DTYPE,
    )
    with torch.no_grad():
        layer.weight.copy_(weight)
        if b is not None:
            layer.bias.copy_(b)
    y = layer(x)
    grad_output = tensor(seed + 3000, tuple(y.shape[1:]))
    y.backward(grad_output[None])
    return {
        "id": name,
        "op": "conv2d_backward",
        "input": x[0].tolist(),
        "weight": weight.tolist(),
        "bias": None if b is None else b.tolist(),
        "grad_output": grad_output.tolist(),
        "params": params,
        "output": y[0].tolist(),
        "grad_input": x.grad[0].tolist(),
        "grad_weight": layer.weight.grad.tolist(),
        "grad_bias": None if b is None else layer.bias.grad.tolist(),
    }


def relu_backward_case(seed: int, name: str, shape: tuple[int, int, int]) -> dict:
    """Inputs with exact zeros (torch's gradient there is 0)."""
    x = (tensor(seed, shape, "ties") - 1).requires_grad_(True)  # -1, 0 or 1
    grad_output = tensor(seed + 3000, shape)
    torch.relu(x).backward(grad_output)
    return {
        "id": name,
        "op": "relu_backward",
        "input": x.tolist(),
        "grad_output": grad_output.tolist(),
        "params": {},
        "grad_input": x.grad.tolist(),
    }


def relu_signed_zeros_case(name: str) -> dict:
    """Exact 0 and -0.0 next to tiny and ordinary values: torch's gradient is 0 at both zeros (its
    mask, threshold_backward's, is x > 0); the output's sign at -0.0 is recorded as torch gives it."""
    x = torch.tensor([[[-2.0, -0.0, 0.0, 1e-300], [-1e-300, 0.5, -0.0, 3.0]]], dtype=torch.float64)
    x.requires_grad_(True)
    grad_output = torch.arange(1.0, 9.0, dtype=torch.float64).reshape(1, 2, 4)
    out = torch.relu(x)
    out.backward(grad_output)
    return {
        "id": name,
        "op": "relu_backward",
        "input": x.tolist(),
        "grad_output": grad_output.tolist(),
        "params": {},
        "grad_input": x.grad.tolist(),
        "output": out.tolist(),
    }


def max_backward_case(seed: int, name: str, shape: tuple[int, int, int], kind: str = "signed", **params: Any) -> dict:
    x = tensor(seed, shape, kind)[None].requires_grad_(True)
    args = {key: tup(value) for key, value in params.items()}
    out = F.max_pool2d(x, **args)
    grad_output = tensor(seed + 3000, tuple(out.shape[1:]))
    out.backward(grad_output[None])
    return {
        "id": name,
        "op": "max_pool2d_backward",
        "input": x[0].tolist(),
        "grad_output": grad_output.tolist(),
        "params": params,
        "grad_input": x.grad[0].tolist(),
    }


def transpose_cases() -> list[dict]:
    t = transpose_case
    return [
        t(100, "ct_basic", (1, 2, 2), 1, 3, stride=2),
        t(101, "ct_channels", (3, 4, 4), 2, 3),
        t(102, "ct_stride2_pad1", (2, 4, 5), 3, 3, stride=2, padding=1),
        t(103, "ct_output_padding", (2, 3, 4), 2, 3, stride=2, padding=1, output_padding=1),
        t(104, "ct_output_padding_pair", (1, 4, 3), 2, [3, 2], stride=[3, 2], padding=[1, 0], output_padding=[2, 1]),
        t(105, "ct_output_padding_below_dilation", (1, 3, 3), 1, 3, stride=1, dilation=2, output_padding=1),
        t(106, "ct_groups2", (4, 3, 3), 6, 3, stride=2, groups=2),
        t(107, "ct_depthwise", (3, 4, 4), 3, 2, stride=2, groups=3),
        t(108, "ct_dilation", (2, 4, 4), 2, 3, dilation=2, padding=1),
        t(109, "ct_dilation_pair", (1, 3, 5), 2, [2, 3], dilation=[3, 1], stride=[1, 2]),
        t(110, "ct_padding_crops", (2, 4, 4), 2, 3, stride=2, padding=3),  # P > D(K - 1): the gather frame crops
        t(111, "ct_1x1_stride3", (2, 3, 3), 2, 1, stride=3),  # the output has gaps that only the bias fills
        t(112, "ct_kernel4_stride2", (1, 4, 4), 1, 4, stride=2, padding=1),  # the U-Net/DCGAN layer: exact x2
        t(113, "ct_no_bias", (2, 3, 3), 2, 3, stride=2, bias=False),
        t(
            114,
            "ct_everything",
            (4, 4, 3),
            4,
            [3, 2],
            stride=[2, 3],
            padding=[2, 1],
            output_padding=[1, 2],
            groups=2,
            dilation=[2, 1],
        ),
    ]


def backward_cases() -> list[dict]:
    b = backward_case
    return [
        b(120, "bw_basic", (1, 5, 5), 1, 3),
        b(121, "bw_channels", (3, 5, 5), 2, 3, padding=1),
        b(122, "bw_stride2", (2, 7, 7), 2, 3, stride=2),
        b(123, "bw_stride2_floors", (1, 8, 8), 2, 3, stride=2),  # a row and a column never read: zero gradient
        b(124, "bw_stride_pair_pad", (1, 7, 9), 2, [3, 2], stride=[2, 3], padding=[1, 2]),
        b(125, "bw_reflect", (2, 5, 6), 2, 3, padding=2, padding_mode="reflect"),
        b(126, "bw_replicate", (2, 4, 5), 2, 3, padding=[2, 3], padding_mode="replicate"),
        b(127, "bw_circular", (2, 4, 5), 2, 3, padding=[1, 2], padding_mode="circular"),
        b(128, "bw_circular_full_wrap", (1, 3, 3), 1, 3, padding=3, padding_mode="circular"),
        b(129, "bw_same_reflect_even", (1, 6, 6), 2, 4, padding="same", padding_mode="reflect"),
        b(130, "bw_dilation", (2, 7, 7), 2, 3, dilation=2, padding=1),
        b(131, "bw_groups", (4, 6, 6), 4, 3, groups=2, stride=2, padding=1),
        b(132, "bw_depthwise", (3, 5, 5), 3, 3, groups=3, padding=1, padding_mode="replicate"),
        b(133, "bw_no_bias", (2, 5, 5), 2, 3, bias=False, stride=2),
        b(
            134,
            "bw_everything",
            (4, 9, 8),
            4,
            [3, 2],
            stride=[2, 1],
            padding=[1, 2],
            dilation=[2, 2],
            groups=2,
            padding_mode="replicate",
        ),
        b(
            135,
            "bw_circular_dilated_strided",
            (2, 6, 6),
            2,
            3,
            padding=2,
            dilation=2,
            stride=2,
            padding_mode="circular",
        ),
        b(
            136,
            "bw_reflect_strided_dilated",
            (1, 7, 8),
            2,
            [3, 2],
            padding=[2, 1],
            dilation=[1, 2],
            stride=2,
            padding_mode="reflect",
        ),
    ]


def mask_backward_cases() -> list[dict]:
    m = max_backward_case
    return [
        relu_backward_case(140, "relu_backward_zeros", (2, 4, 4)),
        relu_signed_zeros_case("relu_backward_signed_zeros"),
        m(141, "max_backward_k2s2", (2, 4, 4), kernel_size=2, stride=2),
        m(142, "max_backward_overlap", (1, 5, 5), kernel_size=3, stride=1),  # a cell can win several windows
        m(143, "max_backward_ties", (1, 6, 6), kind="ties", kernel_size=3, stride=2, padding=1),
        m(144, "max_backward_ceil", (1, 5, 5), kernel_size=2, stride=2, ceil_mode=True),
        m(145, "max_backward_dilated", (1, 7, 7), kernel_size=2, stride=1, padding=1, dilation=2),
    ]


def write(path: Path, cases: list[dict]) -> None:
    ids = [case["id"] for case in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    data = {
        "generator": "scripts/make_torch_goldens.py",
        "torch": torch.__version__,
        "numpy": np.__version__,
        "dtype": "float64",
        "cases": cases,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, separators=(",", ":"))
    path.write_text(text + "\n")
    print(f"wrote {len(cases)} cases, {len(text):,} bytes, to {path}")


def main() -> int:
    torch.use_deterministic_algorithms(True)
    write(OUT, conv_cases() + pool_cases() + other_cases())
    write(OUT_UP, transpose_cases() + backward_cases() + mask_backward_cases())
    return 0


if __name__ == "__main__":
    sys.exit(main())
