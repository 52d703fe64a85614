"""The PyTorch code a learner would write for the settings on screen.

``pytorch_call`` takes an op's specification and the normalised parameters of a trace header
and gives the ``nn`` module, the code and the output shape PyTorch would print, defaults left
out, pairs written as one number when both are equal. ``module_code`` is one layer of a stack.
"""

from __future__ import annotations

from typing import Any

from app.engine.spec import OpSpec
from app.engine.specs import LAYERS


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


def module_code(spec: OpSpec, params: dict[str, Any]) -> str:
    """``nn.Conv2d(3, 6, kernel_size=5, padding=2)`` and the like: the spec's positional
    parameters bare, then each other module parameter that differs from PyTorch's default or
    that the spec always shows (a pooling layer's stride, a dropout's p: the defaults readers miss)."""
    shown = LAYERS.get(params.get("variant", ""), spec)
    args = []
    for param in spec.module_params:
        if param.name not in params:
            continue
        text = literal(params[param.name])
        if param.name in spec.positional:
            args.append(text)
        elif param.name in spec.always or param.required or text != literal(param.default):
            args.append(f"{param.name}={text}")
    return f"{shown.torch}({', '.join(args)})"


def pytorch_call(
    spec: OpSpec, params: dict[str, Any], input_shape: list[int], output_shape: list[int]
) -> dict[str, str]:
    module = module_code(spec, params)
    lines = ["import torch", "from torch import nn", "", f"layer = {module}"]
    if "training" in params:
        lines.append("layer.train()" if params["training"] else "layer.eval()")
    shape = ", ".join(map(str, [1, *input_shape]))
    if spec.backward:
        return _backward_call(module, lines, shape, params, output_shape)
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


def _size(shape: list[int]) -> str:
    return f"torch.Size([{', '.join(map(str, shape))}])"


def _backward_call(
    module: str, lines: list[str], shape: str, params: dict[str, Any], grad_input_shape: list[int]
) -> dict[str, str]:
    """A backward pass's code: the layer, ``y.backward(grad_output)``, and the gradients' shapes."""
    kernel = list(params["kernel_size"])
    weight = [params["out_channels"], params["in_channels"] // params["groups"], *kernel]
    lines += [
        f"x = torch.randn({shape}, requires_grad=True)  # (batch, channels, height, width)",
        "y = layer(x)",
        "grad_output = torch.randn_like(y)  # the loss's gradient for each output value",
        "y.backward(grad_output)",
        f"print(x.grad.shape)  # {_size([1, *grad_input_shape])}",
        f"print(layer.weight.grad.shape)  # {_size(weight)}",
    ]
    if params["bias"]:
        lines.append(f"print(layer.bias.grad.shape)  # {_size([params['out_channels']])}")
    return {"module": module, "code": "\n".join(lines), "output_shape": _size([1, *grad_input_shape])}
