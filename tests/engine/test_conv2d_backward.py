"""conv2d_backward: hand-worked gradients, grad_input as a transposed convolution, every padding mode
against a plain chain-rule loop, the steps of each gradient, refusals.

PyTorch's own numbers (torch.autograd) are in tests/engine/test_torch_goldens_transpose_backward.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.conv2d import conv2d
from app.engine.conv2d_backward import conv2d_backward, conv2d_backward_plan, fold
from app.engine.conv_transpose import conv_transpose2d
from app.engine.errors import ParamError
from app.engine.trace import compact_steps, filled_at, output_panel
from tests.engine import reference_transpose as ref

X = np.array([[[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [2.0, 0.0, 1.0]]])
W = np.array([[[[1.0, -1.0], [2.0, 0.0]]]])
G = np.array([[[1.0, 0.0], [-1.0, 2.0]]])  # grad_output: the 3x3 input, 2x2 kernel, stride 1 give 2x2

# grad_bias = 1 + 0 - 1 + 2 = 2.
# grad_weight[i, j] = sum over (oy, ox) of X[oy + i, ox + j] × G[oy, ox]:
#   (0,0): 1×1 + 2×0 + 0×(-1) + 1×2 = 3      (0,1): 2×1 + 0×0 + 1×(-1) + 3×2 = 7
#   (1,0): 0×1 + 1×0 + 2×(-1) + 0×2 = -2     (1,1): 1×1 + 3×0 + 0×(-1) + 1×2 = 3
# grad_input: each G[oy, ox] × W added onto the window it came from (top-left at (oy, ox)):
#   G[0,0] = 1:  1 -1 .     G[1,0] = -1:  .  . .     G[1,1] = 2:  . .  .
#                2  0 .                  -1  1 .                  . 2 -2
#                .  . .                  -2  0 .                  . 4  0
#   sum:  1 -1  0 / 1 3 -2 / -2 4 0
HAND_INPUT = np.array([[[1.0, -1.0, 0.0], [1.0, 3.0, -2.0], [-2.0, 4.0, 0.0]]])
HAND_WEIGHT = np.array([[[[3.0, 7.0], [-2.0, 3.0]]]])


def test_hand_golden_gradients() -> None:
    trace = conv2d_backward(X, W, np.array([0.5]), G)
    np.testing.assert_array_equal(trace.grad_input, HAND_INPUT)
    np.testing.assert_array_equal(trace.grad_weight, HAND_WEIGHT)
    np.testing.assert_array_equal(trace.grad_bias, [2.0])
    np.testing.assert_array_equal(trace.output, HAND_INPUT)  # what flows back to the layer before
    assert trace.done_extras()["grad_bias"] is not None
    assert conv2d_backward(X, W, None, G).grad_bias is None  # no bias, no grad_bias: as PyTorch


def test_hand_golden_reflect_padding_folds_back() -> None:
    # One row 1 2 3, reflect padding 1 on the left and right: the padded row is 2 1 2 3 2.
    # Kernel 1 1 1, grad_output 1 10 100 (three windows).
    # In the padded frame the gradient is 1 11 111 110 100 (each window adds its g to its 3 cells);
    # padded cell 0 copies input 1 and padded cell 4 copies input 1 too (reflect): they fold back there.
    # grad_input = 11, 1 + 111 + 100 = 212, 110.
    # grad_weight[j] = padded[ox + j] × g summed: 2×1 + 1×10 + 2×100 = 212, 1 + 20 + 300 = 321, 2 + 30 + 200 = 232.
    x, w, g = np.array([[[1.0, 2.0, 3.0]]]), np.ones((1, 1, 1, 3)), np.array([[[1.0, 10.0, 100.0]]])
    trace = conv2d_backward(x, w, None, g, padding=(0, 1), padding_mode="reflect")
    np.testing.assert_array_equal(trace.grad_padded, [[[1, 11, 111, 110, 100]]])
    np.testing.assert_array_equal(trace.grad_input, [[[11, 212, 110]]])
    np.testing.assert_array_equal(trace.grad_weight, [[[[212, 321, 232]]]])
    zeros = conv2d_backward(x, w, None, g, padding=(0, 1))  # zero padding takes its gradient nowhere
    np.testing.assert_array_equal(zeros.grad_input, [[[11, 111, 110]]])


@pytest.mark.parametrize(
    "params",
    [
        {"stride": 2},
        {"stride": 2, "padding": 1},
        {"stride": 3},  # a row and a column no window reads: their gradient is 0
        {"stride": [2, 1], "padding": [1, 2], "dilation": [1, 2]},
        {"groups": 2, "padding": 1},
    ],
)
def test_grad_input_is_conv_transpose2d_of_grad_output_with_the_same_weight(params: dict) -> None:
    rng = np.random.default_rng(3)
    groups = params.get("groups", 1)
    x, w = rng.normal(size=(2, 8, 8)), rng.normal(size=(4, 2 // groups, 3, 3))
    forward = conv2d(x, w, **params)
    g = rng.normal(size=forward.output.shape)
    trace = conv2d_backward(x, w, None, g, **params)
    pads = forward.padded.pads
    # the transposed convolution undoes the forward's shape: padding P, and the output_padding that
    # gives back the rows the stride floored away
    ph, pw = pads[0][0], pads[1][0]
    lost = tuple((axis.padded - axis.span) % axis.stride for axis in forward.axes)
    back = conv_transpose2d(g, w, None, params.get("stride", 1), (ph, pw), lost, groups, params.get("dilation", 1))
    np.testing.assert_allclose(trace.grad_input, back.output, atol=1e-12)
    # and its scatter view takes the same steps, in the same order, with the same products
    ours, theirs = trace.steps(0, trace.total_steps), back.steps(0, back.total_steps)
    np.testing.assert_allclose(ours["products"], theirs["products"], atol=0)


PADDINGS = [0, 1, 2, (1, 2), (2, 0), "same", "valid"]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["zeros", "reflect", "replicate", "circular"]),
    st.sampled_from(PADDINGS),
    st.integers(1, 2),
    st.integers(3, 6),
    st.integers(3, 6),
    st.integers(1, 2),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 2),
    st.booleans(),
    st.integers(0, 10_000),
)
def test_every_padding_mode_against_the_chain_rule_loop(
    mode: str, padding: object, groups: int, h: int, w_: int, per_group: int, kernel: int, stride: int,
    dilation: int, bias: bool, seed: int,
) -> None:  # fmt: skip
    if padding == "same" and stride != 1:
        stride = 1
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, size=(groups * per_group, h, w_)).astype(float)
    w = rng.integers(-2, 3, size=(2 * groups, per_group, kernel, kernel)).astype(float)
    b = rng.integers(-2, 3, size=2 * groups).astype(float) if bias else None
    params = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups, "padding_mode": mode}
    try:
        forward = conv2d(x, w, b, **params)
    except ParamError:
        return  # a geometry PyTorch refuses too (tests/ops cover those refusals)
    g = rng.integers(-3, 4, size=forward.output.shape).astype(float)
    grad_x, grad_w, grad_b = ref.conv2d_backward(x, w, b, g, **params)
    for gradient in ("grad_input", "grad_weight") + (("grad_bias",) if bias else ()):
        trace = conv2d_backward(x, w, b, g, gradient=gradient, **params)
        np.testing.assert_array_equal(trace.grad_input, grad_x)  # whole numbers: exact in any order
        np.testing.assert_array_equal(trace.grad_weight, grad_w)
        if bias:
            np.testing.assert_array_equal(trace.grad_bias, grad_b)
        steps = trace.steps(0, trace.total_steps)
        if gradient == "grad_weight":
            np.testing.assert_array_equal(steps["products"].sum(axis=(1, 2)), steps["value"])
            np.testing.assert_array_equal(steps["value"], grad_w.reshape(-1))
        elif gradient == "grad_bias":
            np.testing.assert_array_equal(steps["grads"].sum(axis=(1, 2)), grad_b)
        else:  # each cell's last running value is its gradient
            final = np.zeros(x.size)
            targets, inside = trace._targets(steps["filter"], steps["rows"], steps["cols"])
            final[targets[inside]] = steps["after"][inside]
            np.testing.assert_array_equal(final, grad_x.reshape(-1))


def test_grad_input_steps_scatter_onto_the_forward_window() -> None:
    trace = conv2d_backward(X, W, None, G)
    steps = trace.steps(0, 4)
    assert trace.order == ("filter", "oy", "ox") and trace.total_steps == 4
    np.testing.assert_array_equal(steps["grad"], [1, 0, -1, 2])
    np.testing.assert_array_equal(steps["window"][3], [1, 1, 3, 3])  # the forward window of output (1, 1)
    np.testing.assert_array_equal(steps["products"][3, 0], 2 * W[0, 0])
    # cell (1, 1) gets W[1,1]×1, then W[0,1]×0, then W[0,1]×(-1)... in step order: 0, 0, 1, 3
    assert [steps["after"][0, 0, 1, 1], steps["after"][1, 0, 1, 0], steps["after"][2, 0, 0, 1]] == [0, 0, 1]
    assert steps["after"][3, 0, 0, 0] == 3
    highlight = trace.highlight(3)
    assert highlight.channels == (0,) and highlight.cells == ((1, 1),)
    assert highlight.written == ((0, 1, 1), (0, 1, 2), (0, 2, 1), (0, 2, 2))
    np.testing.assert_array_equal(filled_at(trace)[0], [[0, 1, 1], [2, 3, 3], [2, 3, 3]])  # the last window on it
    compact = compact_steps(trace, 0, 4)
    np.testing.assert_array_equal(compact["value"], [1, 0, -1, 2])


def test_grad_weight_and_grad_bias_steps() -> None:
    weight = conv2d_backward(X, W, np.array([0.0]), G, gradient="grad_weight")
    assert weight.order == ("filter", "channel", "ki", "kj") and weight.total_steps == 4
    step = weight.steps(1, 2)  # weight (0, 0, 0, 1): input cells (oy, ox + 1)
    np.testing.assert_array_equal(step["values"][0], [[2, 0], [1, 3]])
    np.testing.assert_array_equal(step["products"][0], [[2, 0], [-1, 6]])
    assert step["value"][0] == 7
    np.testing.assert_array_equal(output_panel(weight), HAND_WEIGHT.reshape(1, 2, 2))
    assert weight.highlight(1).out_cell == (0, 1) and weight.highlight(1).cells == ((0, 1), (0, 2), (1, 1), (1, 2))
    np.testing.assert_array_equal(compact_steps(weight, 0, 4)["index"][1], [0, 0, 0, 1])
    bias = conv2d_backward(X, W, np.array([0.0]), G, gradient="grad_bias")
    assert bias.total_steps == 1 and bias.steps(0, 1)["value"][0] == 2
    np.testing.assert_array_equal(output_panel(bias), [[[2.0]]])
    for trace in (weight, bias, conv2d_backward(X, W, np.array([0.0]), G)):
        columns = trace.steps(0, 1)
        assert sum(np.asarray(c)[0].size for c in columns.values()) == trace.numbers_per_step()


def test_header_and_params() -> None:
    trace = conv2d_backward(X, W, None, G, gradient="grad_weight")
    assert trace.params()["gradient"] == "grad_weight" and trace.params()["kernel_size"] == [2, 2]
    header = trace.header_extras()
    np.testing.assert_array_equal(header["grad_output"], G)
    np.testing.assert_array_equal(header["forward_output"], conv2d(X, W).output)
    assert header["padded_shape"] == [1, 3, 3]
    plan = conv2d_backward_plan(X, W, None, None, gradient="grad_weight")
    assert plan.grad_output_shape == (1, 2, 2) and plan.total_steps == 4 and plan.output_shape == (1, 3, 3)


def test_fold_adds_each_padded_cell_to_the_cell_it_copies() -> None:
    padded = np.arange(5.0).reshape(1, 1, 5)
    rows, cols = np.array([0]), np.array([1, 0, 1, 2, 1])  # reflect, one on each side of 3 columns
    np.testing.assert_array_equal(fold(padded, rows, cols, (1, 1, 3)), [[[1, 0 + 2 + 4, 3]]])


def message(**kwargs: object) -> str:
    args = {"input": X, "weight": W, "bias": None, "grad_output": G} | kwargs
    with pytest.raises(ParamError) as err:
        conv2d_backward(**args)  # type: ignore[arg-type]
    return str(err.value)


def test_refusals_name_the_parameter_the_value_and_the_rule() -> None:
    assert message(grad_output=np.zeros((1, 3, 3))) == (
        "grad_output: got an array of shape (1, 3, 3); must have the shape of the convolution's output, "
        "(1, 2, 2): one gradient per output value"
    )
    assert message(grad_output=None) == (
        "grad_output: got null; must be given: the loss's gradient for each output value, shape (1, 2, 2)"
    )
    assert message(grad_output=np.zeros((2, 2))) == (
        "grad_output: got an array of shape (2, 2); must be 3-D, (out_channels, output height, output width)"
    )
    assert message(gradient="grad_x") == (
        "gradient: got 'grad_x'; must be one of grad_input, grad_weight, grad_bias: the steps to show"
    )
    assert message(gradient="grad_bias") == (
        "gradient: got 'grad_bias'; needs a bias: this convolution has none, so PyTorch computes no grad_bias"
    )
    # conv2d's own refusals come first, word for word
    assert message(stride=0) == "stride: got 0; must be >= 1"
    assert message(input=X * 1e300, weight=W * 1e10) == (  # the forward convolution overflows first
        "input: got values as large as 3e+300; the output would pass 1.8e+308, the largest float64: use smaller values"
    )
    assert message(grad_output=np.full((1, 2, 2), 1e300), weight=W * 1e300) == (
        "weight: got values as large as 2e+300; a gradient would pass 1.8e+308, the largest float64: use smaller values"
    )
    assert message(grad_output=np.full((1, 2, 2), 1e300), weight=W * 1e10) == (
        "grad_output: got values as large as 1e+300; a gradient would pass 1.8e+308, the largest float64: "
        "use smaller values"
    )
