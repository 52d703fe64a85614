"""The PyTorch code a learner would write for the settings on screen.

``pytorch_call`` takes the normalised parameters of a trace header and gives the
``nn`` module, the ``F`` call and the output shape PyTorch would print, defaults
left out, pairs written as one number when both are equal.
"""

from __future__ import annotations

from typing import Any

MODULES = {
    "conv2d": "nn.Conv2d",
    "max_pool2d": "nn.MaxPool2d",
    "avg_pool2d": "nn.AvgPool2d",
    "lp_pool2d": "nn.LPPool2d",
    "relu": "nn.ReLU",
    "dropout": "nn.Dropout",
    "dropout2d": "nn.Dropout2d",
    "flatten": "nn.Flatten",
    "linear": "nn.Linear",
}
DEFAULTS: dict[str, Any] = {
    "stride": 1,
    "padding": 0,
    "dilation": 1,
    "groups": 1,
    "bias": True,
    "padding_mode": "zeros",
    "ceil_mode": False,
    "count_include_pad": True,
    "divisor_override": None,
}


def literal(value: Any) -> str:
    """Python source for a parameter value: (3, 3) -> 3, [1, 2] -> (1, 2), 'same' -> 'same'."""
    if isinstance(value, (list, tuple)):
        if len(value) == 2 and value[0] == value[1] and not isinstance(value[0], (list, tuple)):
            return literal(value[0])
        return "(" + ", ".join(literal(v) for v in value) + ")"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def _kwargs(params: dict[str, Any], names: list[str], keep: tuple[str, ...] = ()) -> list[str]:
    parts = []
    for name in names:
        if name not in params:
            continue
        value = params[name]
        shown = literal(value)
        if name not in keep and name in DEFAULTS and shown == literal(DEFAULTS[name]):
            continue
        parts.append(f"{name}={shown}")
    return parts


def module_code(op: str, params: dict[str, Any]) -> str:
    """``nn.Conv2d(3, 6, kernel_size=5, padding=2)`` and the like. A pooling layer always shows
    its stride and a dropout layer its p: their defaults are the ones readers miss."""
    if op == "conv2d":
        args = [str(params["in_channels"]), str(params["out_channels"])]
        names = ["kernel_size", "stride", "padding", "dilation", "groups", "bias", "padding_mode"]
        args += _kwargs(params, names, keep=("kernel_size",))
    elif op in ("max_pool2d", "avg_pool2d", "lp_pool2d"):
        args = [f"norm_type={literal(params['norm_type'])}"] if op == "lp_pool2d" else []
        names = ["kernel_size", "stride", "padding", "dilation", "ceil_mode", "count_include_pad", "divisor_override"]
        args += _kwargs(params, names, keep=("kernel_size", "stride"))
    elif op == "dropout":
        variant = "dropout2d" if params.get("variant") == "dropout2d" else "dropout"
        return f"{MODULES[variant]}(p={literal(params['p'])})"
    elif op == "dropout2d":
        return f"{MODULES[op]}(p={literal(params['p'])})"
    elif op == "linear":
        args = [str(params["in_features"]), str(params["out_features"])] + _kwargs(params, ["bias"])
    else:
        args = []
    return f"{MODULES[op]}({', '.join(args)})"


def pytorch_call(op: str, params: dict[str, Any], input_shape: list[int], output_shape: list[int]) -> dict[str, str]:
    module = module_code(op, params)
    lines = ["import torch", "from torch import nn", "", f"layer = {module}"]
    if op == "dropout":
        lines.append("layer.train()" if params.get("training", True) else "layer.eval()")
    shape = ", ".join(map(str, [1, *input_shape]))
    lines += [
        f"x = torch.randn({shape})  # (batch, channels, height, width)",
        "y = layer(x)",
        f"print(y.shape)  # torch.Size([{', '.join(map(str, [1, *output_shape]))}])",
    ]
    return {
        "module": module,
        "code": "\n".join(lines),
        "output_shape": f"torch.Size([{', '.join(map(str, [1, *output_shape]))}])",
    }
