"""Geometry (app/engine/geometry.py): "same" padding, dilated taps and the output-size formula with
its numbers substituted, worked out by hand."""

from __future__ import annotations

from app.engine.geometry import conv_axis, keeping_padding, same_padding


def test_same_padding_for_a_5x5_kernel() -> None:
    info = same_padding(5, 1, 1)
    assert info["exists"] is True
    assert (info["before"], info["after"]) == (2, 2)  # P = (5 - 1)/2 = 2
    assert info["text"] == "P = (K - 1)/2 = (5 - 1)/2 = 2 keeps the output the size of the input."


def test_dilation_leaves_gaps() -> None:
    # size 5, kernel 2, dilation 2, stride 4: K' = 2(2 - 1) + 1 = 3; (5 - 3)/4 + 1 = 3/2 -> 1 window,
    # at 0, reading taps 0 and 2. Never read: 1 (between the taps), 3 and 4 (past the last window).
    axis = conv_axis("width", 5, 2, 4, (0, 0), 2)
    assert axis.out == 1
    assert axis.taps().tolist() == [[0, 2]]
    assert axis.uncovered() == [1, 3, 4]
    formula = axis.formula()
    assert formula["fraction"] == "3/2"
    assert formula["dilated_kernel"] == "K' = d(K - 1) + 1 = 2×(2 - 1) + 1 = 3"
    assert formula["text"].endswith("floors it to 1; input columns 1, 3, 4 are never covered")


def test_one_output_is_singular_in_the_formula() -> None:
    axis = conv_axis("width", 3, 3, 1, (0, 0), 1)  # (3 - 3 + 0)/1 + 1 = 1
    formula = axis.formula()
    assert formula["text"].endswith("= 1: an integer, so 1 output along the width")
    assert formula["verdict"] == "1: an integer, so 1 output along the width."


def test_same_padding_with_a_stride_says_what_this_input_gives() -> None:
    """With stride 3 no P keeps every size, but the sentence must stay true for a large P: a 7x7 input
    with padding 7 gives 7x7 (the issue's case), and padding 0 gives 2x2, which P = 7 would undo."""
    big = conv_axis("height", 7, 3, 3, (7, 7), 1)
    assert big.out == 7
    text = same_padding(3, 3, 1, big)["text"]
    assert text == (
        "With stride 3 the output is about (W + 2P)/3: here 7 from an input of 7. This padding keeps the size, "
        "but only for an input of 7: no padding keeps every input's size with stride 3, as (K - 1)/2 does with "
        "stride 1. PyTorch refuses padding='same' for strided convolutions."
    )
    assert "smaller" not in text
    small = conv_axis("height", 7, 3, 3, (0, 0), 1)
    assert small.out == 2
    assert (
        "here 2 from an input of 7. A padding of 7 on each side would give 7 again"
        in same_padding(3, 3, 1, small)["text"]
    )
    for size, kernel, stride in ((7, 3, 2), (32, 5, 2), (5, 3, 4), (9, 1, 3), (2, 3, 2)):
        p = keeping_padding(size, kernel, stride)
        assert conv_axis("height", size, kernel, stride, (p, p), 1).out == size
        assert p == 0 or conv_axis("height", size, kernel, stride, (p - 1, p - 1), 1).out < size
    assert same_padding(3, 2, 1)["text"].startswith("The output is about (W + 2P)/2: no padding keeps every")
