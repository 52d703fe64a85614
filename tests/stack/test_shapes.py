"""Layer stack shapes: golden stacks worked by hand, every error message pinned, and a
property test against the plain output-size formula and a brute-force receptive field."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.errors import ParamError, TooLargeError
from app.stack.shapes import StackError, StackResult, check_input_caps, stack_shapes

CONV5 = {"type": "conv2d", "out_channels": 6, "kernel_size": 5}
RELU = {"type": "relu"}
POOL2 = {"type": "max_pool2d", "kernel_size": 2}


def shapes(result: StackResult) -> list[tuple[int, ...]]:
    return [layer.output_shape for layer in result.layers]


def field(result: StackResult, index: int) -> tuple[Any, Any, Any]:
    rf = result.layers[index].receptive_field
    assert rf.height == rf.width
    return rf.height.size, rf.height.jump, rf.height.start


# --- golden stacks ------------------------------------------------------------------


def test_six_5x5x3_filters_on_32x32x3():
    # (32 - 5 + 0)/1 + 1 = 28; each filter has 5*5*3 = 75 weights and a bias: 6*75 + 6 = 456
    result = stack_shapes((3, 32, 32), [CONV5, RELU, POOL2])
    assert shapes(result) == [(6, 28, 28), (6, 28, 28), (6, 14, 14)]
    assert [layer.param_count for layer in result.layers] == [456, 0, 0]
    assert result.total_params == 456
    assert result.output_shape == (6, 14, 14)
    conv = result.layers[0]
    assert conv.input_shape == (3, 32, 32)
    assert conv.params == {
        "in_channels": 3, "out_channels": 6, "kernel_size": (5, 5), "stride": (1, 1), "padding": (0, 0),
        "dilation": (1, 1), "groups": 1, "bias": True, "padding_mode": "zeros",
    }  # fmt: skip
    assert conv.axes is not None
    height = conv.axes[0].describe()
    assert height["formula"]["text"] == (
        "O = (W - K + 2P)/S + 1 = (32 - 5 + 2×0)/1 + 1 = 28: an integer, so 28 outputs along the height"
    )
    assert height["exact"] is True and height["uncovered"] == []


def test_padding_2_keeps_32x32():
    # (32 - 5 + 2*2)/1 + 1 = 32; pooling halves it to 16
    result = stack_shapes((3, 32, 32), [{**CONV5, "padding": 2}, RELU, POOL2])
    assert shapes(result) == [(6, 32, 32), (6, 32, 32), (6, 16, 16)]
    assert result.total_params == 456
    assert result.code == (
        "nn.Sequential(\n"
        "    nn.Conv2d(3, 6, kernel_size=5, padding=2),\n"
        "    nn.ReLU(),\n"
        "    nn.MaxPool2d(kernel_size=2, stride=2),\n"
        ")"
    )


LENET = [
    {"type": "conv2d", "out_channels": 6, "kernel_size": 5},
    RELU,
    POOL2,
    {"type": "conv2d", "out_channels": 16, "kernel_size": 5},
    RELU,
    POOL2,
    {"type": "flatten"},
    {"type": "linear", "out_features": 120},
    RELU,
    {"type": "linear", "out_features": 84},
    RELU,
    {"type": "dropout"},
    {"type": "linear", "out_features": 10},
]


def test_lenet_shapes_and_parameter_counts():
    result = stack_shapes((1, 32, 32), LENET)
    assert shapes(result) == [
        (6, 28, 28), (6, 28, 28), (6, 14, 14),
        (16, 10, 10), (16, 10, 10), (16, 5, 5),
        (400,), (120,), (120,), (84,), (84,), (84,), (10,),
    ]  # fmt: skip
    counts = [layer.param_count for layer in result.layers]
    # 6*1*25 + 6; 16*6*25 + 16; 400*120 + 120; 120*84 + 84; 84*10 + 10
    assert counts == [156, 0, 0, 2416, 0, 0, 0, 48120, 0, 10164, 0, 0, 850]
    assert result.total_params == 61706
    assert result.code == (
        "nn.Sequential(\n"
        "    nn.Conv2d(1, 6, kernel_size=5),\n"
        "    nn.ReLU(),\n"
        "    nn.MaxPool2d(kernel_size=2, stride=2),\n"
        "    nn.Conv2d(6, 16, kernel_size=5),\n"
        "    nn.ReLU(),\n"
        "    nn.MaxPool2d(kernel_size=2, stride=2),\n"
        "    nn.Flatten(),\n"
        "    nn.Linear(400, 120),\n"
        "    nn.ReLU(),\n"
        "    nn.Linear(120, 84),\n"
        "    nn.ReLU(),\n"
        "    nn.Dropout(p=0.5),\n"
        "    nn.Linear(84, 10),\n"
        ")"
    )
    assert result.layers[7].params == {"in_features": 400, "out_features": 120, "bias": True}
    assert result.layers[6].axes is None and result.layers[7].axes is None


def test_receptive_field_of_two_3x3_convs():
    conv3 = {"type": "conv2d", "out_channels": 4, "kernel_size": 3}
    result = stack_shapes((1, 9, 9), [conv3, RELU, conv3])
    # 1 + (3-1)*1 = 3, then 3 + (3-1)*1 = 5; output 0 sees pixels 0..4, centred on pixel 2
    assert field(result, 0) == (3, 1, 1.0)
    assert field(result, 1) == (3, 1, 1.0)  # relu changes nothing
    assert field(result, 2) == (5, 1, 2.0)


def test_receptive_field_with_a_stride_2_pool_between():
    conv3 = {"type": "conv2d", "out_channels": 4, "kernel_size": 3}
    result = stack_shapes((1, 16, 16), [conv3, POOL2, conv3])
    # conv: r=3 j=1; pool k2 s2: r = 3 + 1*1 = 4, j = 2; conv: r = 4 + 2*2 = 8, j = 2.
    # By hand: the last output 0 reads pool outputs 0..2 = conv outputs 0..5 = input 0..7 (8 pixels).
    assert field(result, 0) == (3, 1, 1.0)
    assert field(result, 1) == (4, 2, 1.5)
    assert field(result, 2) == (8, 2, 3.5)


def test_receptive_field_padding_and_dilation():
    # padding 1 shifts the first window one pixel into the padding: centre 0 + (3-1)/2 - 1 = 0
    result = stack_shapes((1, 8, 8), [{"type": "conv2d", "out_channels": 1, "kernel_size": 3, "padding": 1}])
    assert field(result, 0) == (3, 1, 0.0)
    # dilation 2: K' = 2*(3-1) + 1 = 5
    result = stack_shapes((1, 8, 8), [{"type": "conv2d", "out_channels": 1, "kernel_size": 3, "dilation": 2}])
    assert field(result, 0) == (5, 1, 2.0)
    assert result.layers[0].output_shape == (1, 4, 4)


def test_receptive_field_after_flatten_and_linear():
    result = stack_shapes((2, 4, 4), [{"type": "conv2d", "out_channels": 3, "kernel_size": 3}, {"type": "flatten"},
                                      {"type": "linear", "out_features": 5}, RELU])  # fmt: skip
    flat = result.layers[1].receptive_field
    assert (flat.whole_input, flat.height.size, flat.height.jump, flat.height.start) == (False, 3, None, None)
    for layer in result.layers[2:]:
        rf = layer.receptive_field
        assert rf.whole_input is True
        assert (rf.height.size, rf.height.jump, rf.width.start) == (None, None, None)
    assert result.layers[1].output_shape == (12,)  # 3x2x2
    assert result.total_params == 3 * 2 * 9 + 3 + 12 * 5 + 5


def test_inexact_size_reports_the_lost_row():
    # (6 - 3 + 0)/2 + 1 = 2.5: PyTorch floors to 2; windows read rows 0..2 and 2..4, row 5 is never read
    result = stack_shapes((1, 6, 7), [{"type": "conv2d", "out_channels": 1, "kernel_size": 3, "stride": 2}])
    assert result.output_shape == (1, 2, 3)
    axes = result.layers[0].axes
    assert axes is not None
    height, width = axes[0].describe(), axes[1].describe()
    assert (height["exact"], height["uncovered"], height["formula"]["rounding"]) == (False, [5], "floor")
    assert (width["exact"], width["uncovered"]) == (True, [])
    assert result.layers[0].to_dict()["axes"]["height"]["uncovered"] == [5]


def test_same_padding_with_an_even_kernel_pads_more_after():
    layer = {"type": "conv2d", "out_channels": 2, "kernel_size": 4, "padding": "same"}
    result = stack_shapes((1, 5, 5), [layer])
    assert result.output_shape == (2, 5, 5)
    axes = result.layers[0].axes
    assert axes is not None and (axes[0].pad_before, axes[0].pad_after) == (1, 2)
    assert field(result, 0) == (4, 1, 0.5)  # 0 + (4-1)/2 - 1
    assert result.layers[0].params["padding"] == "same"
    assert result.layers[0].code == "nn.Conv2d(1, 2, kernel_size=4, padding='same')"


def test_groups_bias_and_every_conv2d_option_in_code():
    layer = {"type": "conv2d", "in_channels": 4, "out_channels": 8, "kernel_size": (3, 1), "stride": (2, 1),
             "padding": (1, 0), "dilation": 2, "groups": 2, "bias": False, "padding_mode": "reflect"}  # fmt: skip
    result = stack_shapes((4, 9, 9), [layer])
    assert result.layers[0].param_count == 8 * (4 // 2) * 3 * 1  # no bias
    # height: (9 + 2 - 2*2 - 1)/2 + 1 = 4; width: (9 - 1)/1 + 1 = 9
    assert result.output_shape == (8, 4, 9)
    assert result.layers[0].code == (
        "nn.Conv2d(4, 8, kernel_size=(3, 1), stride=(2, 1), padding=(1, 0), dilation=2, groups=2, bias=False, "
        "padding_mode='reflect')"
    )


def test_pooling_ceil_mode_and_code():
    # (5 - 2)/2 + 1 = 2.5: ceil_mode rounds up to 3; the last window starts at 4, inside the input
    result = stack_shapes((2, 5, 5), [{"type": "max_pool2d", "kernel_size": 2, "ceil_mode": True}])
    assert result.output_shape == (2, 3, 3)
    # (5 + 2 - 3)/2 + 1 = 3 exactly: with ceil_mode, 3 too
    result = stack_shapes(
        (2, 5, 5),
        [{"type": "avg_pool2d", "kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
          "count_include_pad": False, "divisor_override": 4}],
    )  # fmt: skip
    assert result.output_shape == (2, 3, 3)
    assert result.layers[0].code == (
        "nn.AvgPool2d(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False, divisor_override=4)"
    )
    # PyTorch's last-window rule: (4 + 2 - 2)/3 -> ceil 2, +1 = 3, but window 2 starts at 6 >= 4 + 1: dropped
    result = stack_shapes((1, 4, 4), [{"type": "max_pool2d", "kernel_size": 2, "stride": 3, "padding": 1,
                                       "ceil_mode": True}])  # fmt: skip
    assert result.output_shape == (1, 2, 2)


def test_lp_pool_and_dropout_code():
    layers = [
        {"type": "lp_pool2d", "norm_type": 2, "kernel_size": (2, 3)},
        {"type": "dropout2d", "p": 0.25},
        {"type": "flatten"},
        {"type": "dropout", "p": 0},
        {"type": "linear", "out_features": 3, "bias": False},
    ]
    result = stack_shapes((3, 6, 6), layers)
    assert [layer.code for layer in result.layers] == [
        "nn.LPPool2d(norm_type=2, kernel_size=(2, 3), stride=(2, 3))",
        "nn.Dropout2d(p=0.25)",
        "nn.Flatten()",
        "nn.Dropout(p=0)",
        "nn.Linear(18, 3, bias=False)",
    ]
    assert shapes(result) == [(3, 3, 2), (3, 3, 2), (18,), (18,), (3,)]
    assert result.total_params == 18 * 3


def test_empty_stack_and_flatten_twice():
    assert stack_shapes((1, 2, 2), []).code == "nn.Sequential()"
    assert stack_shapes((1, 2, 2), []).output_shape == (1, 2, 2)
    assert stack_shapes((2, 2, 2), [{"type": "flatten"}, {"type": "flatten"}]).output_shape == (8,)


def test_to_dict_is_plain_lists():
    data = stack_shapes((3, 32, 32), [CONV5]).to_dict()
    assert data["input_shape"] == [3, 32, 32] and data["output_shape"] == [6, 28, 28]
    layer = data["layers"][0]
    assert layer["params"]["kernel_size"] == [5, 5]
    assert layer["receptive_field"] == {
        "whole_input": False,
        "height": {"size": 5, "jump": 1, "start": 2.0},
        "width": {"size": 5, "jump": 1, "start": 2.0},
    }


# --- errors -------------------------------------------------------------------------


def raises_at(index: int, message: str, input_shape: Any, layers: list[Any]) -> StackError:
    with pytest.raises(StackError, match="^" + re.escape(message) + "$") as info:
        stack_shapes(input_shape, layers)
    assert info.value.layer == index
    return info.value


def test_kernel_that_no_longer_fits_names_layer_and_incoming_shape():
    conv3 = {"type": "conv2d", "out_channels": 16, "kernel_size": 3}
    err = raises_at(
        3,
        "layer 3 (conv2d): kernel_size: got 5; the kernel's height, 5, must fit in the padded input's height, "
        "3 + 0 + 0 = 3 (this layer receives 16x3x3)",
        (1, 7, 7),
        [conv3, RELU, conv3, {"type": "conv2d", "out_channels": 32, "kernel_size": 5}],
    )
    assert isinstance(err, ParamError) and err.layer_type == "conv2d"
    assert (err.param, err.value, err.incoming_shape) == ("kernel_size", 5, (16, 3, 3))
    assert isinstance(err.error, ParamError) and err.error.param == "kernel_size"
    assert [layer.output_shape for layer in err.layers] == [(16, 5, 5), (16, 5, 5), (16, 3, 3)]


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        (
            [{"type": "softmax"}],
            "layer 0 (softmax): type: got 'softmax'; must be one of conv2d, conv_transpose2d, relu, dropout, "
            "dropout2d, max_pool2d, avg_pool2d, lp_pool2d, flatten, linear (this layer receives 3x8x8)",
        ),
        (
            [{"kernel_size": 3}],
            "layer 0: type: got null; must be one of conv2d, conv_transpose2d, relu, dropout, dropout2d, "
            "max_pool2d, avg_pool2d, lp_pool2d, flatten, linear (this layer receives 3x8x8)",
        ),
        ([5], "layer 0: layer: got 5; must be a dict with a 'type' key (this layer receives 3x8x8)"),
        (
            [{"type": ["relu"]}],
            'layer 0: type: got ["relu"]; must be one of'
            " conv2d, conv_transpose2d, relu, dropout, dropout2d, "
            "max_pool2d, avg_pool2d, lp_pool2d, flatten, linear (this layer receives 3x8x8)",
        ),
        (
            [{"type": "linear", "out_features": 10}],
            "layer 0 (linear): type: got 'linear'; needs a flat input, one number per feature, and this one is "
            "still (C, H, W): add a flatten layer first; PyTorch's nn.Linear would act on the last axis only, "
            "the width, 8 (this layer receives 3x8x8)",
        ),
        (
            [{"type": "flatten"}, {"type": "max_pool2d", "kernel_size": 2}],
            "layer 1 (max_pool2d): type: got 'max_pool2d'; needs a (C, H, W) input, but the flatten layer at index "
            "0 made it flat; after a flatten only linear, relu, dropout and flatten can follow, so move this layer "
            "before the flatten (this layer receives 192 features)",
        ),
        (
            [{"type": "conv2d", "in_channels": 1, "out_channels": 4, "kernel_size": 3}],
            "layer 0 (conv2d): in_channels: got 1; must match the channels this layer receives, 3 (or be left out) "
            "(this layer receives 3x8x8)",
        ),
        (
            [{"type": "flatten"}, {"type": "linear", "in_features": 100, "out_features": 4}],
            "layer 1 (linear): in_features: got 100; must match the features this layer receives, 192 "
            "(or be left out) (this layer receives 192 features)",
        ),
        (
            [{"type": "conv2d", "out_channels": 4, "kernel_size": 3, "groups": 2}],
            "layer 0 (conv2d): groups: got 2; must divide in_channels, 3: each group needs a whole number of "
            "channels (this layer receives 3x8x8)",
        ),
        (
            [
                {"type": "conv2d", "out_channels": 3, "kernel_size": 3, "groups": 3},
                RELU,
                {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "groups": 3},
            ],
            "layer 2 (conv2d): groups: got 3; must divide out_channels, 4: each group needs a whole number of "
            "channels (this layer receives 3x6x6)",
        ),
        (
            [{"type": "conv2d", "out_channels": True, "kernel_size": 3}],
            "layer 0 (conv2d): out_channels: got true; must be an integer (this layer receives 3x8x8)",
        ),
        (
            [{"type": "conv2d", "out_channels": 2, "kernel_size": (3, 0)}],
            "layer 0 (conv2d): kernel_size: got (3, 0); must be >= 1 (this layer receives 3x8x8)",
        ),
        (
            [{"type": "conv2d", "out_channels": 2}],
            "layer 0 (conv2d): kernel_size: got null; is required: conv2d has no default for it "
            "(this layer receives 3x8x8)",
        ),
        (
            [{"type": "conv2d", "out_channels": 2, "kernel_size": 3, "stride": 2, "padding": "same"}],
            "layer 0 (conv2d): padding: got 'same'; 'same' needs stride 1, and stride is 2: PyTorch refuses "
            "padding='same' for strided convolutions (this layer receives 3x8x8)",
        ),
        (
            [{"type": "conv2d", "out_channels": 2, "kernel_size": 3, "padding": 8, "padding_mode": "reflect"}],
            "layer 0 (conv2d): padding: got 8; reflect padding must be smaller than the input's height (8): "
            "a reflection cannot reach past the opposite edge (this layer receives 3x8x8)",
        ),
        (
            [{"type": "max_pool2d", "kernel_size": 2, "padding": 2}],
            "layer 0 (max_pool2d): padding: got 2; pooling padding must be at most half the kernel size: the "
            "kernel's height is 2, so padding may be at most 1 there (this layer receives 3x8x8)",
        ),
        (
            [{"type": "max_pool2d", "kernel_size": 3, "stride": 0}],
            "layer 0 (max_pool2d): stride: got 0; must be >= 1 (this layer receives 3x8x8)",
        ),
        (
            [{"type": "avg_pool2d", "kernel_size": 2, "dilation": 2}],
            "layer 0 (avg_pool2d): dilation: got 2; is not a parameter of avg_pool2d, which takes kernel_size, "
            "stride, padding, ceil_mode, count_include_pad, divisor_override (this layer receives 3x8x8)",
        ),
        (
            [{"type": "avg_pool2d", "kernel_size": 2, "divisor_override": 0}],
            "layer 0 (avg_pool2d): divisor_override: got 0; must be an integer >= 1, or left out to divide by the "
            "window size (this layer receives 3x8x8)",
        ),
        (
            [{"type": "lp_pool2d", "norm_type": math.inf, "kernel_size": 2}],
            "layer 0 (lp_pool2d): norm_type: got inf; must be a finite number > 0 (2 for the Euclidean norm) "
            "(this layer receives 3x8x8)",
        ),
        (
            [{"type": "max_pool2d", "kernel_size": 2, "ceil_mode": 1}],
            "layer 0 (max_pool2d): ceil_mode: got 1; must be true or false (this layer receives 3x8x8)",
        ),
        (
            [RELU, {"type": "dropout", "p": 1}],
            "layer 1 (dropout): p: got 1; must be in [0, 1): it is the chance of zeroing each value, and 1 would "
            "zero them all (this layer receives 3x8x8)",
        ),
        (
            [{"type": "dropout2d", "p": float("nan")}],
            "layer 0 (dropout2d): p: got nan; must be a finite number (this layer receives 3x8x8)",
        ),
        (
            [{"type": "relu", "inplace": True}],
            "layer 0 (relu): inplace: got true; is not a parameter of relu, which takes no parameters "
            "(this layer receives 3x8x8)",
        ),
        (
            [{"type": "max_pool2d", "kernel_size": 3, "dilation": 4}],
            "layer 0 (max_pool2d): kernel_size: got 3; the kernel's height, 3 (spanning 9 with dilation 4), must "
            "fit in the padded input's height, 8 + 0 + 0 = 8 (this layer receives 3x8x8)",
        ),
    ],
)
def test_layer_errors(layers: list[Any], message: str):
    index = int(message.split()[1].rstrip(":"))
    err = raises_at(index, message, (3, 8, 8), layers)
    assert len(err.layers) == index


@pytest.mark.parametrize(
    ("input_shape", "message"),
    [
        ((3, 8), "input_shape: got (3, 8); must be three integers (C, H, W)"),
        ((3, 8, True), "input_shape: got (3, 8, true); must be three integers (C, H, W)"),
        ((3, 0, 8), "input_shape: got (3, 0, 8); each of C, H and W must be >= 1"),
    ],
)
def test_input_shape_errors(input_shape: Any, message: str):
    with pytest.raises(ParamError, match="^" + re.escape(message) + "$") as info:
        stack_shapes(input_shape, [])
    assert not isinstance(info.value, StackError)


def test_layers_must_be_a_list():
    with pytest.raises(ParamError, match=re.escape("layers: got 'relu'; must be a list of layers")):
        stack_shapes((1, 2, 2), "relu")  # type: ignore[arg-type]


def test_input_caps():
    check_input_caps((64, 256, 256), max_side=256, max_channels=64)
    with pytest.raises(TooLargeError, match=re.escape("input_shape: got (65, 8, 8); the input may have at most 64")):
        check_input_caps((65, 8, 8), max_side=256, max_channels=64)
    with pytest.raises(TooLargeError, match=re.escape("got (3, 8, 300); the input's width must be at most 256") + "$"):
        check_input_caps((3, 8, 300), max_side=256, max_channels=64)


# --- property: random valid stacks against plain Python ----------------------------


def conv_out(size: int, kernel: int, stride: int, pad_total: int, dilation: int) -> int:
    return math.floor((size + pad_total - dilation * (kernel - 1) - 1) / stride) + 1


def pool_out(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> int:
    exact = (size + 2 * pad - dilation * (kernel - 1) - 1) / stride
    out = (math.ceil(exact) if ceil_mode else math.floor(exact)) + 1
    if ceil_mode and (out - 1) * stride >= size + pad:  # PyTorch: the last window must start inside
        out -= 1
    return out


def brute_field(chain: list[tuple[int, int, int, int]]) -> tuple[int, int, float]:
    """(kernel, stride, pad_before, dilation) per layer -> r, j, start by walking output 0 and 1 back to the input."""

    def reads(output: int) -> set[int]:
        cells = {output}
        for kernel, stride, pad, dilation in reversed(chain):
            cells = {o * stride - pad + t * dilation for o in cells for t in range(kernel)}
        return cells

    first, second = reads(0), reads(1)
    return max(first) - min(first) + 1, min(second) - min(first), (max(first) + min(first)) / 2


@st.composite
def axis_window(draw: st.DrawFn, size: int, pooling: bool) -> tuple[int, int, int, int]:
    """(kernel, stride, pad, dilation) for one axis that fits ``size``; pooling pads at most half the kernel."""
    dilation = draw(st.integers(1, 3))
    most_pad = (lambda k: k // 2) if pooling else (lambda k: 3)
    kernel = draw(st.sampled_from([k for k in range(1, 8) if dilation * (k - 1) + 1 <= size + 2 * most_pad(k)]))
    low = max(0, -(-(dilation * (kernel - 1) + 1 - size) // 2))
    pad = draw(st.integers(low, most_pad(kernel)))
    return kernel, draw(st.integers(1, 4)), pad, dilation


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_random_stacks_match_the_plain_formula(data: st.DataObject):
    start = (data.draw(st.integers(1, 6)), data.draw(st.integers(1, 40)), data.draw(st.integers(1, 40)))
    channels, height, width = start
    layers: list[dict[str, Any]] = []
    expected_shapes, expected_counts = [], []
    chains: tuple[list[Any], list[Any]] = ([], [])
    for _ in range(data.draw(st.integers(1, 6))):
        kind = data.draw(st.sampled_from(["conv2d", "max_pool2d", "avg_pool2d", "lp_pool2d", "relu"]))
        if kind == "relu":
            layers.append({"type": "relu"})
            expected_shapes.append((channels, height, width))
            expected_counts.append(0)
            continue
        pooling = kind != "conv2d"
        hk, hs, hp, hd = data.draw(axis_window(height, pooling))
        wk, ws, wp, wd = data.draw(axis_window(width, pooling))
        if kind != "max_pool2d":
            hd = wd = 1
        if kind == "lp_pool2d":
            hp = wp = 0
            if hk > height or wk > width:
                continue
        layer: dict[str, Any] = {"type": kind, "kernel_size": (hk, wk), "stride": (hs, ws)}
        if kind == "conv2d":
            filters = data.draw(st.integers(1, 8))
            groups = data.draw(st.sampled_from([g for g in range(1, 9) if channels % g == 0 and filters % g == 0]))
            bias = data.draw(st.booleans())
            layer |= {"out_channels": filters, "dilation": (hd, wd), "groups": groups, "bias": bias}
            same = hs == ws == 1 and data.draw(st.booleans())
            layer["padding"] = "same" if same else (hp, wp)
            if same:
                before = (hd * (hk - 1) // 2, wd * (wk - 1) // 2)
                out = (height, width)
            else:
                before = (hp, wp)
                out = (conv_out(height, hk, hs, 2 * hp, hd), conv_out(width, wk, ws, 2 * wp, wd))
            expected_counts.append(filters * (channels // groups) * hk * wk + (filters if bias else 0))
            channels = filters
        else:
            ceil_mode = data.draw(st.booleans())
            layer["ceil_mode"] = ceil_mode
            if kind != "lp_pool2d":
                layer["padding"] = (hp, wp)
            if kind == "max_pool2d":
                layer["dilation"] = (hd, wd)
            if kind == "lp_pool2d":
                layer["norm_type"] = 2
            before = (hp, wp)
            out = (pool_out(height, hk, hs, hp, hd, ceil_mode), pool_out(width, wk, ws, wp, wd, ceil_mode))
            expected_counts.append(0)
        chains[0].append((hk, hs, before[0], hd))
        chains[1].append((wk, ws, before[1], wd))
        height, width = out
        layers.append(layer)
        expected_shapes.append((channels, height, width))

    flat = data.draw(st.booleans())
    if flat:
        features = data.draw(st.integers(1, 10))
        layers += [{"type": "flatten"}, {"type": "linear", "out_features": features}]
        expected_shapes += [(channels * height * width,), (features,)]
        expected_counts += [0, channels * height * width * features + features]

    result = stack_shapes(start, layers)
    assert shapes(result) == expected_shapes
    assert [layer.param_count for layer in result.layers] == expected_counts
    assert result.total_params == sum(expected_counts)
    last = len(result.layers) - (3 if flat else 1)  # the last layer with a spatial output
    rf = result.layers[last].receptive_field if last >= 0 else None
    if rf is not None:
        assert (rf.height.size, rf.height.jump, rf.height.start) == brute_field(chains[0])
        assert (rf.width.size, rf.width.jump, rf.width.start) == brute_field(chains[1])
