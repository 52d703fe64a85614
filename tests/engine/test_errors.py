"""Every ParamError message pinned word for word: "param: got VALUE; rule".

The messages reach a person unchanged (the API returns them as they are), so a change
in wording should be a decision, made here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from app.engine.conv2d import conv2d
from app.engine.dropout import dropout
from app.engine.errors import ParamError, TooLargeError
from app.engine.pool import avg_pool2d, lp_pool2d, max_pool2d

X = np.zeros((2, 5, 5))
W = np.zeros((4, 2, 3, 3))


def message(call: Callable[[], Any]) -> str:
    with pytest.raises(ParamError) as info:
        call()
    return str(info.value)


def with_nan(shape: tuple[int, ...], where: tuple[int, ...], value: float) -> np.ndarray:
    array = np.zeros(shape)
    array[where] = value
    return array


CASES: list[tuple[str, Callable[[], Any], str]] = [
    # ---- int-or-pair arguments
    ("stride_zero", lambda: conv2d(X, W, stride=0), "stride: got 0; must be >= 1"),
    ("stride_negative", lambda: conv2d(X, W, stride=(1, -1)), "stride: got (1, -1); must be >= 1"),
    ("stride_bool", lambda: conv2d(X, W, stride=True), "stride: got true; must be an integer or a pair of integers"),
    ("stride_float", lambda: conv2d(X, W, stride=1.5), "stride: got 1.5; must be an integer or a pair of integers"),
    (
        "stride_three",
        lambda: conv2d(X, W, stride=(1, 1, 1)),
        "stride: got (1, 1, 1); must be an integer or a pair of integers",
    ),
    ("dilation_zero", lambda: conv2d(X, W, dilation=0), "dilation: got 0; must be >= 1"),
    ("padding_negative", lambda: conv2d(X, W, padding=-1), "padding: got -1; must be >= 0"),
    ("pool_stride_zero", lambda: max_pool2d(X, 2, stride=0), "stride: got 0; must be >= 1"),
    ("pool_kernel_zero", lambda: avg_pool2d(X, 0), "kernel_size: got 0; must be >= 1"),
    # ---- the kernel must fit
    (
        "kernel_larger_than_input",
        lambda: conv2d(np.zeros((2, 2, 5)), W),
        "kernel_size: got 3; the kernel's height, 3, must fit in the padded input's height, 2 + 0 + 0 = 2",
    ),
    (
        "kernel_larger_than_padded_width",
        lambda: conv2d(np.zeros((2, 5, 1)), W, padding=(0, 0)),
        "kernel_size: got 3; the kernel's width, 3, must fit in the padded input's width, 1 + 0 + 0 = 1",
    ),
    (
        "dilated_kernel_larger_than_padded_input",
        lambda: conv2d(X, W, dilation=3, padding=(0, 1)),
        "kernel_size: got 3; the kernel's height, 3 (spanning 7 with dilation 3), must fit in the padded input's "
        "height, 5 + 0 + 0 = 5",
    ),
    (
        "pool_kernel_larger_than_padded_input",
        lambda: max_pool2d(np.zeros((1, 3, 3)), (2, 7), padding=(0, 1)),
        "kernel_size: got 7; the kernel's width, 7, must fit in the padded input's width, 3 + 1 + 1 = 5",
    ),
    # ---- arrays
    (
        "ragged_input",
        lambda: conv2d([[[1, 2], [3]]], W),
        "input: got [[[1, 2], [3]]]; must be a 3-D array (channels, height, width) of numbers with equal-length rows",
    ),
    (
        "input_not_numbers",
        lambda: max_pool2d([[["a"]]], 1),
        'input: got [[["a"]]]; must be a 3-D array (channels, height, width) of numbers with equal-length rows',
    ),
    (
        "input_2d",
        lambda: conv2d(np.zeros((5, 5)), W),
        "input: got an array of shape (5, 5); must be 3-D, (channels, height, width)",
    ),
    (
        "weight_3d",
        lambda: conv2d(X, np.zeros((2, 3, 3))),
        "weight: got an array of shape (2, 3, 3); must be 4-D, "
        "(out_channels, in_channels/groups, kernel height, kernel width)",
    ),
    (
        "input_empty",
        lambda: conv2d(np.zeros((2, 0, 5)), W),
        "input: got an array of shape (2, 0, 5); must not be empty",
    ),
    (
        "nan_in_input",
        lambda: conv2d(with_nan((2, 5, 5), (1, 2, 3), np.nan), W),
        "input: got nan at index [1, 2, 3]; values must be finite numbers (no NaN or Inf)",
    ),
    (
        "inf_in_input",
        lambda: max_pool2d(with_nan((1, 4, 4), (0, 3, 0), np.inf), 2),
        "input: got inf at index [0, 3, 0]; values must be finite numbers (no NaN or Inf)",
    ),
    (
        "nan_in_weight",
        lambda: conv2d(X, with_nan((4, 2, 3, 3), (3, 1, 0, 2), np.nan)),
        "weight: got nan at index [3, 1, 0, 2]; values must be finite numbers (no NaN or Inf)",
    ),
    (
        "inf_in_weight",
        lambda: conv2d(X, with_nan((4, 2, 3, 3), (0, 0, 0, 0), -np.inf)),
        "weight: got -inf at index [0, 0, 0, 0]; values must be finite numbers (no NaN or Inf)",
    ),
    (
        "nan_in_bias",
        lambda: conv2d(X, W, bias=[0.0, np.nan, 0.0, 0.0]),
        "bias: got nan at index [1]; values must be finite numbers (no NaN or Inf)",
    ),
    # ---- padding modes
    (
        "reflect_not_smaller_than_input",
        lambda: conv2d(np.zeros((2, 3, 5)), W, padding=3, padding_mode="reflect"),
        "padding: got 3; reflect padding must be smaller than the input's height (3): "
        "a reflection cannot reach past the opposite edge",
    ),
    (
        "reflect_width",
        lambda: conv2d(np.zeros((2, 5, 2)), W, padding=(1, 2), padding_mode="reflect"),
        "padding: got 2; reflect padding must be smaller than the input's width (2): "
        "a reflection cannot reach past the opposite edge",
    ),
    (
        "circular_larger_than_input",
        lambda: conv2d(np.zeros((2, 3, 5)), W, padding=4, padding_mode="circular"),
        "padding: got 4; circular padding must be at most the input's height (3): it would wrap around more than once",
    ),
    (
        "unknown_padding_mode",
        lambda: conv2d(X, W, padding_mode="mirror"),
        "padding_mode: got 'mirror'; must be one of zeros, reflect, replicate, circular",
    ),
    # ---- groups, weight and bias shapes
    ("groups_zero", lambda: conv2d(X, W, groups=0), "groups: got 0; must be an integer >= 1"),
    ("groups_bool", lambda: conv2d(X, W, groups=True), "groups: got true; must be an integer >= 1"),
    (
        "groups_not_dividing_channels",
        lambda: conv2d(np.zeros((3, 5, 5)), np.zeros((4, 1, 3, 3)), groups=2),
        "groups: got 2; must divide the input channels (3)",
    ),
    (
        "groups_not_dividing_filters",
        lambda: conv2d(np.zeros((4, 5, 5)), np.zeros((3, 2, 3, 3)), groups=2),
        "groups: got 2; must divide the number of filters, out_channels (3)",
    ),
    (
        "weight_channels_wrong",
        lambda: conv2d(X, np.zeros((4, 3, 3, 3))),
        "weight: got an array of shape (4, 3) + kernel; each filter must have in_channels/groups = 2/1 = 2 channels",
    ),
    (
        "weight_channels_wrong_with_groups",
        lambda: conv2d(np.zeros((4, 5, 5)), np.zeros((2, 4, 3, 3)), groups=2),
        "weight: got an array of shape (2, 4) + kernel; each filter must have in_channels/groups = 4/2 = 2 channels",
    ),
    (
        "bias_length_wrong",
        lambda: conv2d(X, W, bias=[1, 2, 3]),
        "bias: got 3 values; must have one value per filter (4)",
    ),
    # ---- conv padding strings
    (
        "same_with_stride_2",
        lambda: conv2d(X, W, padding="same", stride=2),
        "padding: got 'same'; 'same' needs stride 1, and stride is 2: "
        "PyTorch refuses padding='same' for strided convolutions",
    ),
    (
        "same_with_stride_pair",
        lambda: conv2d(X, W, padding="same", stride=(1, 2)),
        "padding: got 'same'; 'same' needs stride 1, and stride is (1, 2): "
        "PyTorch refuses padding='same' for strided convolutions",
    ),
    (
        "padding_unknown_string",
        lambda: conv2d(X, W, padding="full"),
        "padding: got 'full'; must be an integer, a pair of integers, 'same' or 'valid'",
    ),
    # ---- pooling
    (
        "pool_padding_over_half_kernel",
        lambda: max_pool2d(X, 3, padding=2),
        "padding: got 2; pooling padding must be at most half the kernel size: the kernel's height is 3, "
        "so padding may be at most 1 there",
    ),
    (
        "pool_padding_over_half_kernel_width",
        lambda: avg_pool2d(X, (2, 4), padding=(1, 3)),
        "padding: got (1, 3); pooling padding must be at most half the kernel size: the kernel's width is 4, "
        "so padding may be at most 2 there",
    ),
    (
        "pool_padding_string",
        lambda: max_pool2d(X, 2, padding="same"),
        "padding: got 'same'; must be an integer or a pair of integers",
    ),
    ("ceil_mode_not_bool", lambda: max_pool2d(X, 2, ceil_mode=1), "ceil_mode: got 1; must be true or false"),
    ("ceil_mode_string", lambda: lp_pool2d(X, 2, 2, ceil_mode="yes"), "ceil_mode: got 'yes'; must be true or false"),
    (
        "count_include_pad_not_bool",
        lambda: avg_pool2d(X, 2, count_include_pad=0),
        "count_include_pad: got 0; must be true or false",
    ),
    (
        "divisor_override_zero",
        lambda: avg_pool2d(X, 2, divisor_override=0),
        "divisor_override: got 0; must be an integer >= 1, or null",
    ),
    (
        "divisor_override_float",
        lambda: avg_pool2d(X, 2, divisor_override=2.0),
        "divisor_override: got 2.0; must be an integer >= 1, or null",
    ),
    ("norm_type_zero", lambda: lp_pool2d(X, 0, 2), "norm_type: got 0; must be > 0 (2 gives the L2 norm)"),
    ("norm_type_negative", lambda: lp_pool2d(X, -1.5, 2), "norm_type: got -1.5; must be > 0 (2 gives the L2 norm)"),
    (
        "norm_type_bool",
        lambda: lp_pool2d(X, True, 2),
        "norm_type: got true; must be a finite number > 0 (2 gives the L2 norm)",
    ),
    (
        "norm_type_inf",
        lambda: lp_pool2d(X, float("inf"), 2),
        "norm_type: got inf; must be a finite number > 0 (2 gives the L2 norm)",
    ),
    (
        "norm_type_string",
        lambda: lp_pool2d(X, "2", 2),
        "norm_type: got '2'; must be a finite number > 0 (2 gives the L2 norm)",
    ),
    # ---- dropout
    (
        "p_one",
        lambda: dropout(X, p=1),
        "p: got 1; must be a probability in [0, 1): the share of values dropped in training",
    ),
    (
        "p_negative",
        lambda: dropout(X, p=-0.1),
        "p: got -0.1; must be a probability in [0, 1): the share of values dropped in training",
    ),
    (
        "p_bool",
        lambda: dropout(X, p=True),
        "p: got true; must be a probability in [0, 1): the share of values dropped in training",
    ),
    (
        "p_nan",
        lambda: dropout(X, p=float("nan")),
        "p: got nan; must be a probability in [0, 1): the share of values dropped in training",
    ),
    ("training_not_bool", lambda: dropout(X, training=1), "training: got 1; must be true or false"),
    (
        "variant_unknown",
        lambda: dropout(X, variant="dropout3d"),
        "variant: got 'dropout3d'; must be one of dropout, dropout2d",
    ),
    ("seed_negative", lambda: dropout(X, seed=-1), "seed: got -1; must be an integer from 0 to 2147483647"),
    ("seed_too_big", lambda: dropout(X, seed=2**63), f"seed: got {2**63}; must be an integer from 0 to 2147483647"),
    ("seed_past_max", lambda: dropout(X, seed=2**31), "seed: got 2147483648; must be an integer from 0 to 2147483647"),
    ("seed_bool", lambda: dropout(X, seed=False), "seed: got false; must be an integer from 0 to 2147483647"),
]


@pytest.mark.parametrize(("call", "expected"), [pytest.param(c, e, id=name) for name, c, e in CASES])
def test_message(call: Callable[[], Any], expected: str) -> None:
    assert message(call) == expected


def test_match_style_for_the_common_ones() -> None:
    # the same pins as pytest.raises(..., match=...) would write them, for one of each kind
    with pytest.raises(ParamError, match=re.escape("stride: got 0; must be >= 1")):
        conv2d(X, W, stride=0)
    with pytest.raises(ParamError, match=re.escape("padding: got 'same'; 'same' needs stride 1")):
        conv2d(X, W, padding="same", stride=2)
    with pytest.raises(ParamError, match=re.escape("p: got 1; must be a probability in [0, 1)")):
        dropout(X, p=1)


def test_error_fields() -> None:
    with pytest.raises(ParamError) as info:
        conv2d(X, W, groups=3)
    err = info.value
    assert (err.param, err.value, err.rule) == ("groups", 3, "must divide the input channels (2)")
    assert isinstance(err, ValueError)


def test_max_macs_exceeded_is_too_large() -> None:
    # 4 filters x 2 channels x 3x3 = 72 weights, over 3x3 outputs: 72 * 9 = 648 multiply-adds
    with pytest.raises(TooLargeError) as info:
        conv2d(X, W, max_macs=647)
    assert str(info.value) == (
        "out_channels: got 4 filters of 18 weights at 3x3 positions, 648 multiply-adds; the cap is 647: "
        "use a smaller input, fewer or smaller filters, or a larger stride"
    )
    assert info.value.param == "out_channels"
    assert isinstance(info.value, ParamError)
    assert conv2d(X, W, max_macs=648).output.shape == (4, 3, 3)  # the cap itself is allowed


def test_max_macs_message_groups_thousands() -> None:
    x = np.zeros((3, 40, 40))
    w = np.zeros((8, 3, 3, 3))  # 216 weights x 38 x 38 outputs = 311,904
    expected = "out_channels: got 8 filters of 27 weights at 38x38 positions, 311,904 multiply-adds; the cap is 100,000"
    with pytest.raises(TooLargeError, match=re.escape(expected)):
        conv2d(x, w, max_macs=100_000)


def test_dropout_checks_the_seed_in_evaluation_too() -> None:
    with pytest.raises(ParamError, match=re.escape("seed: got -1; must be an integer from 0 to 2147483647")):
        dropout(X, training=False, seed=-1)


WINDOW_CAP_HINT = "use a smaller input, kernel or padding, or a larger stride"


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        pytest.param(  # 2 channels x 3x3 positions x 3x3 taps = 162 values
            lambda cap: max_pool2d(X, 3, stride=1, max_windows=cap),
            "kernel_size: got 3x3 windows at 3x3 positions over 2 channels, 162 values to gather",
            id="max_pool2d",
        ),
        pytest.param(  # padding counts: 5x5 positions x 9 taps x 2 channels = 450
            lambda cap: avg_pool2d(X, 3, stride=1, padding=1, max_windows=cap),
            "kernel_size: got 3x3 windows at 5x5 positions over 2 channels, 450 values to gather",
            id="avg_pool2d",
        ),
        pytest.param(
            lambda cap: lp_pool2d(np.zeros((1, 4, 4)), 2, 4, max_windows=cap),
            "kernel_size: got 4x4 windows at 1x1 positions over 1 channel, 16 values to gather",
            id="lp_pool2d-one-channel",
        ),
        pytest.param(  # the input's channels, not the filters: 2 x 3x3 x 3x3 = 162
            lambda cap: conv2d(X, W, max_windows=cap),
            "kernel_size: got 3x3 windows at 3x3 positions over 2 channels, 162 values to gather",
            id="conv2d",
        ),
    ],
)
def test_max_windows_exceeded_is_too_large(call: Callable[[int], Any], expected: str) -> None:
    values = int(expected.split(", ")[-1].split()[0])
    with pytest.raises(TooLargeError) as info:
        call(values - 1)
    assert str(info.value) == f"{expected}; the cap is {values - 1}: {WINDOW_CAP_HINT}"
    assert info.value.param == "kernel_size"
    call(values)  # the cap itself is allowed
