"""Every operation and stack layer ConvScope knows, declared once (see ``app.engine.spec``).

To add an operation: write its engine function and trace class in ``app/engine/``, declare it
here, and add it to ``OPS`` (docs/ARCHITECTURE.md has the whole recipe).
"""

from __future__ import annotations

from dataclasses import replace

from app.engine.conv2d import conv2d, conv2d_layer, conv2d_plan
from app.engine.conv2d_backward import GRADIENTS, conv2d_backward, conv2d_backward_plan
from app.engine.conv_transpose import VIEWS, conv_transpose2d, conv_transpose2d_layer, conv_transpose2d_plan
from app.engine.dropout import dropout, dropout_plan
from app.engine.pad import PADDING_MODES
from app.engine.pool import (
    avg_pool2d,
    avg_pool2d_plan,
    lp_pool2d,
    lp_pool2d_plan,
    max_pool2d,
    max_pool2d_plan,
    pool_layer,
)
from app.engine.random import MAX_SEED
from app.engine.relu import relu, relu_plan
from app.engine.spec import OpSpec, Param

PAIR = "an integer, or two as height,width"

STRIDE = Param("stride", "pair", 1, PAIR, low=1, high="max_stride")
DILATION = Param("dilation", "pair", 1, "gap between kernel taps: " + PAIR, low=1, high="max_dilation")
POOL_KERNEL = Param("kernel_size", "pair", help=PAIR, low=1, high="max_kernel", example=2, initial=2)
POOL_STRIDE = Param(
    "stride", "pair", None, "empty: kernel_size, as in PyTorch", low=1, high="max_stride", optional=True
)
POOL_PADDING = Param(
    "padding", "pair", 0, "zeros (max: -inf) added on each side; at most half the kernel", low=0, high="max_padding"
)
CEIL_MODE = Param("ceil_mode", "bool", False, "round the output size up")
BIAS = Param("bias", "bool", True, "one bias per output (adds a parameter per output)")
P = Param(
    "p",
    "float",
    0.5,
    "chance of zeroing each value, in [0, 1)",
    low=0,
    high=1,
    high_open=True,
    label="p (drop probability)",
)

CONV2D = OpSpec(
    name="conv2d",
    title="Convolution",
    torch="nn.Conv2d",
    summary="2-D convolution (cross-correlation) of a (C, H, W) input with (F, C/groups, kH, kW) weights",
    params=(
        Param(
            "in_channels",
            "int",
            help="C of the input; in a stack, optional: if given it must match",
            low=1,
            high="max_channels",
            layer_high="max_features",
            optional=True,
            label="input channels",
            derived=True,
            from_tensor=True,
        ),
        Param(
            "out_channels",
            "int",
            help="number of filters F, the output's channels",
            low=1,
            high="max_filters",
            layer_high="max_features",
            example=1,
            initial=6,
            label="filters (out_channels)",
            from_tensor=True,
        ),
        Param("kernel_size", "pair", help=PAIR, low=1, high="max_kernel", example=3, initial=5, from_tensor=True),
        STRIDE,
        Param(
            "padding",
            "padding",
            0,
            "zeros added on each side: an integer, height,width, same (stride 1) or valid",
            low=0,
            high="max_padding",
            choices=("same", "valid"),
        ),
        DILATION,
        Param(
            "groups",
            "int",
            1,
            "must divide in_channels and out_channels",
            low=1,
            high="max_channels",
            layer_high="max_features",
        ),
        replace(BIAS, from_tensor=True),
        Param("padding_mode", "choice", "zeros", "what the padding holds", choices=PADDING_MODES),
    ),
    takes=("input", "weight", "bias"),
    engine=conv2d,
    plan=conv2d_plan,
    layer_shape=conv2d_layer,
    caps={"max_macs": "max_macs", "max_windows": "max_window_values"},
    positional=("in_channels", "out_channels"),
    always=("kernel_size",),
    side=7,
)
MAX_POOL2D = OpSpec(
    name="max_pool2d",
    title="Max pooling",
    torch="nn.MaxPool2d",
    summary="max pooling, with the argmax of every window",
    params=(POOL_KERNEL, POOL_STRIDE, POOL_PADDING, DILATION, CEIL_MODE),
    makes=("output", "indices"),
    engine=max_pool2d,
    plan=max_pool2d_plan,
    layer_shape=pool_layer("max_pool2d"),
    caps={"max_windows": "max_window_values"},
    always=("kernel_size", "stride"),
)
AVG_POOL2D = OpSpec(
    name="avg_pool2d",
    title="Average pooling",
    torch="nn.AvgPool2d",
    summary="average pooling, with the divisor of every window",
    params=(
        POOL_KERNEL,
        POOL_STRIDE,
        POOL_PADDING,
        CEIL_MODE,
        Param("count_include_pad", "bool", True, "padding zeros count in the average"),
        Param(
            "divisor_override",
            "int",
            None,
            "empty: divide by the window size",
            low=1,
            high="max_divisor",
            optional=True,
        ),
    ),
    engine=avg_pool2d,
    plan=avg_pool2d_plan,
    layer_shape=pool_layer("avg_pool2d"),
    caps={"max_windows": "max_window_values"},
    always=("kernel_size", "stride"),
)
LP_POOL2D = OpSpec(
    name="lp_pool2d",
    title="L2-norm pooling",
    torch="nn.LPPool2d",
    summary="power-sum (Lp) pooling, (sum x^p)^(1/p) with no division; norm_type=2 is L2-norm pooling",
    params=(
        Param(
            "norm_type",
            "float",
            help="p of the power sum (sum x^p)^(1/p), not divided by the window size; 2 is L2-norm pooling",
            low=0,
            low_open=True,
            high="max_norm_type",
            example=2.0,
            initial=2,
        ),
        POOL_KERNEL,
        POOL_STRIDE,
        CEIL_MODE,
    ),
    engine=lp_pool2d,
    plan=lp_pool2d_plan,
    layer_shape=pool_layer("lp_pool2d"),
    caps={"max_windows": "max_window_values"},
    always=("norm_type", "kernel_size", "stride"),
)
RELU = OpSpec(
    name="relu",
    title="ReLU",
    torch="nn.ReLU",
    summary="ReLU, max(0, x), with its mask",
    params=(),
    makes=("output", "mask"),
    engine=relu,
    plan=relu_plan,
)
DROPOUT = OpSpec(
    name="dropout",
    title="Dropout",
    torch="nn.Dropout",
    summary="dropout (or dropout2d) in training or evaluation, with its seeded mask",
    params=(
        P,
        Param("training", "bool", True, "training drops and scales; evaluation passes everything", module=False),
        Param("seed", "int", 0, "seed of the dropout mask", low=0, high=MAX_SEED, module=False),
        Param(
            "variant",
            "choice",
            "dropout",
            "dropout2d drops whole channels",
            choices=("dropout", "dropout2d"),
            module=False,
        ),
    ),
    makes=("output", "mask"),
    engine=dropout,
    plan=dropout_plan,
    always=("p",),
)
_IN_CHANNELS, _OUT_CHANNELS, _KERNEL, _, _, _, _GROUPS, _BIAS, _PADDING_MODE = CONV2D.params
CONV_TRANSPOSE2D = OpSpec(
    name="conv_transpose2d",
    title="Transposed convolution",
    torch="nn.ConvTranspose2d",
    summary="2-D transposed convolution (going back up in size) of a (C, H, W) input with (C, out_channels/groups, "
    "kH, kW) weights, as a scatter (a step per input cell) or a gather (a step per output cell)",
    params=(
        _IN_CHANNELS,
        replace(_OUT_CHANNELS, help="number of output channels", label="output channels (out_channels)"),
        replace(_KERNEL, initial=2),
        replace(STRIDE, example=2, initial=2),
        Param(
            "padding",
            "pair",
            0,
            "cells cut off each side of the output (the gather view pads by dilation×(kernel_size - 1) - padding)",
            low=0,
            high="max_padding",
        ),
        Param(
            "output_padding",
            "pair",
            0,
            "cells added after the output (bottom, right): smaller than stride or dilation; picks between the "
            "sizes a strided convolution maps to the same size",
            low=0,
            high="max_stride",
        ),
        replace(_GROUPS, help="must divide in_channels and out_channels"),
        _BIAS,
        DILATION,
        Param(
            "view",
            "choice",
            "scatter",
            "scatter: a step per input cell, adding its kernel into the output; gather: a step per output cell, "
            "a convolution over the input with zeros inserted, kernel flipped",
            choices=VIEWS,
            module=False,
        ),
    ),
    takes=("input", "weight", "bias"),
    engine=conv_transpose2d,
    plan=conv_transpose2d_plan,
    layer_shape=conv_transpose2d_layer,
    caps={"max_macs": "max_macs", "max_windows": "max_window_values", "max_output": "max_output_values"},
    positional=("in_channels", "out_channels"),
    always=("kernel_size",),
    player=True,
    weight_layout="transposed",
    side=3,
)
CONV2D_BACKWARD = OpSpec(
    name="conv2d_backward",
    title="Convolution backward",
    torch="nn.Conv2d",
    summary="the gradients of conv2d for a given grad_output: grad_input (each output gradient scattered back "
    "through the kernel), grad_weight and grad_bias, as torch.autograd gives them",
    params=(
        *CONV2D.params,
        Param(
            "gradient",
            "choice",
            "grad_input",
            "the steps to show: grad_input (a step per output cell), grad_weight (a step per weight) or "
            "grad_bias (a step per filter); the done frame has all three",
            choices=GRADIENTS,
            module=False,
        ),
    ),
    takes=("input", "weight", "bias", "grad_output"),
    makes=("grad_input", "grad_weight", "grad_bias"),
    engine=conv2d_backward,
    plan=conv2d_backward_plan,
    caps={"max_macs": "max_macs", "max_windows": "max_window_values"},
    positional=("in_channels", "out_channels"),
    always=("kernel_size",),
    player=True,
    backward=True,
    side=7,
)
# Stack layers only: no trace of their own.
DROPOUT2D = OpSpec(
    name="dropout2d",
    title="Dropout2d",
    torch="nn.Dropout2d",
    summary="zeroes whole channels; needs a (C, H, W) input",
    params=(P,),
    makes=("output", "mask"),
    always=("p",),
    trace=False,
)
FLATTEN = OpSpec(
    name="flatten",
    title="Flatten",
    torch="nn.Flatten",
    summary="(C, H, W) -> (C*H*W,); after it only linear, relu, dropout (and flatten) fit",
    params=(),
    trace=False,
)
LINEAR = OpSpec(
    name="linear",
    title="Linear",
    torch="nn.Linear",
    summary="a fully connected layer; needs a flat input (a flatten layer before it)",
    params=(
        Param(
            "in_features",
            "int",
            help="optional: the incoming features; if given it must match",
            low=1,
            high="max_features",
            optional=True,
            derived=True,
        ),
        Param("out_features", "int", help="number of outputs", low=1, high="max_features", initial=10),
        BIAS,
    ),
    takes=("input", "weight", "bias"),
    positional=("in_features", "out_features"),
    trace=False,
)

OPS: dict[str, OpSpec] = {
    s.name: s for s in (CONV2D, MAX_POOL2D, AVG_POOL2D, LP_POOL2D, RELU, DROPOUT, CONV_TRANSPOSE2D, CONV2D_BACKWARD)
}
# The stack builder's layer types, in its menu order.
LAYERS: dict[str, OpSpec] = {
    s.name: s
    for s in (
        CONV2D,
        CONV_TRANSPOSE2D,
        RELU,
        DROPOUT,
        DROPOUT2D,
        MAX_POOL2D,
        AVG_POOL2D,
        LP_POOL2D,
        FLATTEN,
        LINEAR,
    )
}
