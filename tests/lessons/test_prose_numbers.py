"""Every number typed into a lesson (templates/lessons/*.html: prose, tables, captions, figure titles)
is checked here against the engine, or named as a fact from outside it.

Each lesson's function below works its numbers out with the engine (app.engine.geometry, the traces
its widgets play, the stack builder's shapes) and formats them into the sentences the lesson should
contain: a wrong number is a missing sentence, and the test fails naming it. Then every number left
in the text must lie in one of those sentences or in a named fact (a year, a paper's figure, a
formula's constant): a new hand-typed number fails until it is checked. Numbers a template prints from
app/lessons/numbers.py are the engine's at render time (lesson 12, checked in
test_lesson_going_up_numbers.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.engine.geometry import conv_axis, keeping_padding, pool_axis
from app.engine.spec import REQUIRED
from app.engine.specs import OPS
from app.lessons.catalogue import LESSONS
from app.stack.shapes import stack_shapes
from tests.lessons.prose import Lesson, word


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _list(values: list[int] | np.ndarray) -> str:
    """0, 2 and 4"""
    items = [_n(v) for v in values]
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _default(op: str, name: str) -> object:
    """PyTorch's default, or what the player starts with for a parameter PyTorch requires."""
    param = next(p for p in OPS[op].params if p.name == name)
    return next(v for v in (param.default, param.example, param.initial) if v is not REQUIRED)


def _out(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    return conv_axis("width", size, kernel, stride, (padding, padding), 1).out


def _lesson_ref(c: Lesson, *numbers: int) -> None:
    """ "lesson 3", "Lesson 3": a lesson that exists."""
    for n in numbers:
        assert 1 <= n <= len(LESSONS)
        forms = [form for form in (f"lesson {n}", f"Lesson {n}") if form in c.text]
        assert forms, f"{c.slug}: no reference to lesson {n}"
        c.fact(*forms)


# --- 1: stride ------------------------------------------------------------------------------------


def lesson_01(c: Lesson) -> None:
    assert _default("conv2d", "stride") == 1
    c.claim("Unless you say otherwise it is 1")
    traces = {s: c.widget("conv2d", f"height=7&width=7&kernel_size=3&stride={s}&bias=false") for s in (1, 2, 3)}
    for s, t in traces.items():
        _, h, w = t.input.shape
        k = t.weight.shape[-1]
        c.claim(f"Convolution of a {h}x{w} input with a {k}x{k} kernel, stride {s}", f"Stride {s}")
    one, two, three = (traces[s].axes[1] for s in (1, 2, 3))
    starts = one.starts().tolist()
    c.claim(
        f"Here is a {one.size}x{one.size} input and a {one.kernel}x{one.kernel} kernel with stride {one.stride}",
        f"the window starts at column {starts[0]}, then {_list(starts[1:])}",
        f"At column {starts[-1]} its right edge touches column {starts[-1] + one.span - 1}, the last one",
        f"{word(one.out).capitalize()} positions across and {word(one.out)} down make a {one.out}x{one.out} output",
        f"the output is {one.out}x{one.out}",
    )
    assert starts[-1] + one.span - 1 == one.size - 1 and one.out == 5
    s2 = two.starts().tolist()
    assert s2[-1] + two.span - 1 == two.size - 1 and two.exact
    c.claim(
        f"windows start at columns {_list(s2)}; the output is {two.out}x{two.out}",
        f"The windows start at columns {_list(s2)}, and the last one ends exactly on column {s2[-1] + two.span - 1}",
        f"share {word(two.span - two.stride)} column instead of {word(one.span - one.stride)}",
        f"the output holds {traces[2].output.size} numbers instead of {traces[1].output.size}",
    )
    would = [*three.starts().tolist(), three.starts()[-1] + three.stride]
    taps = three.taps().tolist()
    c.claim(
        "Stride 3 does not fit",
        f"With stride {three.stride} the windows would start at columns {_list(would)}",
        f"columns {taps[0][0]} to {taps[0][-1]} and {taps[1][0]} to {taps[1][-1]}",
        f"A window starting at column {would[-1]} would need columns {_list(list(range(would[-1], would[-1] + 3)))}, "
        f"and the input stops at {three.size - 1}",
        f"so the output is {three.out}x{three.out}",
        f"Stride {three.stride}: {word(three.out)} windows fit each way; input row {traces[3].axes[0].uncovered()[0]} "
        f"and column {three.uncovered()[0]} are never covered",
    )
    _lesson_ref(c, 3)


# --- 2: padding -----------------------------------------------------------------------------------


def lesson_02(c: Lesson) -> None:
    w, k = 32, 5
    out = _out(w, k)
    c.claim(
        f"Take a {w}x{w} colour image, a {w}x{w}x3 volume, and three {k}x{k}x3 filters",
        f"A {k}x{k} window fits {out} times across {w} pixels (positions 0 to {out - 1}), "
        f"so the output is {out}x{out}x3",
        f"{word(w - out).capitalize()} pixels are gone from each side length, and the next {k}x{k} layer takes "
        f"{word(w - out)} more: {_out(out, k)}, {_out(_out(out, k), k)}, {_out(_out(_out(out, k), k), k)}...",
        f"sits under {k * k} different windows",
    )
    p = 2
    assert _out(w, k, 1, p) == w
    c.claim(
        f"With P = {p} the {w}x{w}x3 input becomes {w + 2 * p}x{w + 2 * p}x3, a {k}x{k} window fits "
        f"{_out(w, k, 1, p)} times across it, and the output is {w}x{w} again",
        f"which P keeps a {w}x{w} input at {w}x{w} under {k}x{k} filters with stride 1?",
    )
    t = c.widget("conv2d", "height=5&width=5&kernel_size=3&padding=1&bias=false")
    _, h, width = t.output.shape
    assert t.output.shape == t.input.shape == (1, 5, 5)
    c.claim(
        "a 5x5 input, a 3x3 kernel and one ring of zeros",
        "with its centre on input pixel (0, 0), and the output keeps all 25 positions",
        f"Convolution of a 5x5 input with a 3x3 kernel and zero padding 1: the output stays {h}x{width}",
        f"Padding 1 around a 5x5 input: a 3x3 kernel gives a {h}x{width} output",
    )
    for kernel, padding in ((3, 1), (5, 2), (7, 3)):
        assert _out(9, kernel, 1, padding) == 9
    c.claim("P = 1 for 3x3 kernels, 2 for 5x5, 3 for 7x7")
    c.fact("(K − 1)/2", "with stride 1", "stride 1 only", "(W + 2P)/2")
    size, kernel, stride = 7, 3, 2
    keep = keeping_padding(size, kernel, stride)
    assert _out(size, kernel, stride, keep) == size
    c.claim(
        f"With stride {stride} the output is about half",
        f"a {size}x{size} input and a {kernel}x{kernel} kernel need P = {keep}, since "
        f"({size} − {kernel} + {2 * keep})/{stride} + 1 = {size}",
    )
    grid = "input=1,2,3,4;5,6,7,8;9,10,11,12;13,14,15,16&kernel_size=3&padding=1&padding_mode={}&bias=false"
    left_of_5 = {}
    for mode in ("reflect", "replicate", "circular"):
        trace = c.widget("conv2d", grid.format(mode))
        padded = trace.padded.values[0]
        assert padded[2, 1] == 5  # row 1 of the input, column 0, in the padded frame
        left_of_5[mode] = _n(padded[2, 0])
    c.claim(
        "the input 1 to 16",
        f"left of 5 comes {left_of_5['reflect']}.",
        f"left of 5 comes {left_of_5['replicate']} again",
        f"left of 5 comes {left_of_5['circular']}, from the other side",
    )
    c.fact("360° panorama", "nn.Conv2d")


# --- 3: the output size ---------------------------------------------------------------------------


def lesson_03(c: Lesson) -> None:
    _lesson_ref(c, 1)
    c.fact(
        "Lessons 1 and 2 counted",
        "W K P S (W − K + 2P)/S + 1 O",
        "O = (W − K + 2P)/S + 1",
        "W + 2P wide",
        "W − K + 2P cells",
        "(W − K + 2P)/S is",
        "that is the + 1",
    )
    rows = []
    for size, kernel, padding, stride in (
        (7, 3, 0, 1),
        (7, 3, 0, 2),
        (7, 3, 0, 3),
        (32, 5, 0, 1),
        (32, 5, 2, 1),
        (224, 11, 2, 4),
    ):
        axis = conv_axis("width", size, kernel, stride, (padding, padding), 1)
        value = axis.formula()["value"]
        top = size - kernel + 2 * padding
        value = f"= {_n(value)}" if float(value * 100).is_integer() else f"≈ {value:.2f}"  # 55.25 exact, 2.33 not
        rows.append(f"{size} {kernel} {padding} {stride} {top}/{stride} + 1 {value} {axis.out}")
    c.claim(" ".join(rows))
    three = conv_axis("width", 7, 3, 3, (0, 0), 1)
    alex = conv_axis("width", 224, 11, 4, (2, 2), 1)
    assert alex.out == 55 and not alex.exact and alex.uncovered() == []  # the cell left over is padding
    c.claim(
        f"In the 7x7 case with stride 3 that leaves input row and column {three.uncovered()[0]} unread",
        "In the 224 case the cell left over is padding",
        f"an 11x11 kernel with stride 4 and padding 2 turns a 224x224 image into {alex.out}x{alex.out} maps",
        "the examples of lessons 1 and 2",
    )


# --- 4: hyperparameters ---------------------------------------------------------------------------


def _widths(s: dict[str, Any], types: tuple[str, ...] = ("conv2d", "max_pool2d")) -> list[int]:
    return [s["input_shape"][2]] + [layer["output_shape"][2] for layer in s["layers"] if layer["type"] in types]


def lesson_04(c: Lesson) -> None:
    c.fact(
        "shrink by K − 1 (without padding)",
        "grows by K − 1 steps",
        "grow by 2P",
        "With stride 1, padding of (K − 1)/2 on each side",
        "For stride-1 layers",
        "F × (K × K × C + 1) numbers",
        "widens the receptive field by K − 1",
        "(K − 1) × jump",
        "since about 2014",
        "Zisserman (2014)",
        "arXiv:1409.1556; ICLR 2015",
        "stacks of 3x3 layers",
    )
    one = c.stack("input=3,32,32&layers=conv2d:out_channels=3,kernel_size=5")
    padded = c.stack("input=3,32,32&layers=conv2d:out_channels=3,kernel_size=5,padding=2")
    layer, same = one["layers"][0], padded["layers"][0]
    k, params = 5, layer["param_count"]
    assert params == same["param_count"] == 3 * (k * k * 3 + 1)
    out = layer["output_shape"][2]
    c.claim(
        "A 32x32x3 image and three 5x5 filters",
        "32 pixels by 32 with 3 channels",
        "three filters, each 5x5",
        "each one is really 5x5x3",
        f"With stride 1 and no padding, a 5-wide window has 32 − 5 + 1 = {out} positions across and {out} down",
        f"so the output is {out}x{out}x3",
        f"32x32x3 in, {out}x{out}x3 out",
        f"Its card shows {params} parameters: 5 × 5 × 3 = {k * k * 3} weights per filter, plus one bias, is "
        f"{k * k * 3 + 1}, and three filters make {params}",
        f"with 2 rows and columns of zeros on every side the input the kernel sees is 36x36, and 36 − 5 + 1 = "
        f"{same['output_shape'][2]}",
        f"32x32x3 in, {same['output_shape'][1]}x{same['output_shape'][2]}x3 out",
        f"still {same['param_count']}",
        "Four pixels were lost",
    )
    for kernel, padding in ((3, 1), (5, 2), (7, 3)):
        assert _out(11, kernel, 1, padding) == 11
    c.claim("1 for a 3x3 kernel, 2 for 5x5, 3 for 7x7")
    layers = (
        "conv2d:out_channels=6,kernel_size=5{p};relu;conv2d:out_channels=6,kernel_size=5{p};relu;"
        "max_pool2d:kernel_size=2;conv2d:out_channels=16,kernel_size=5{p};relu;max_pool2d:kernel_size=2;"
        "conv2d:out_channels=16,kernel_size=5{p}"
    )
    err = c.stack_error("input=3,32,32&layers=" + layers.format(p=""))
    widths = [32, *dict.fromkeys(layer.output_shape[2] for layer in err.layers)]  # each width once
    assert widths == [32, 28, 24, 12, 8, 4]
    assert "the kernel's height, 5, must fit in the padded input's height, 4" in str(err)
    c.claim(
        "Losing four pixels once",
        "every 2x2 pooling halves",
        "a stack of four 5x5 convolutions without padding, with two poolings in between",
        f"{widths[0]}, then {widths[1]}, {widths[2]}, {widths[3]} after the first pooling, {widths[4]}, and "
        f"{widths[5]} after the second",
        f"The last convolution wants a 5x5 window on a {widths[5]}x{widths[5]} map",
        "says the kernel's height, 5, must fit in the padded input's height, 4",
    )
    fixed = c.stack("input=3,32,32&layers=" + layers.format(p=",padding=2"))
    fw = _widths(fixed)
    c.claim(f"With padding 2 everywhere the widths become {', '.join(map(str, fw[1:-1]))} and {fw[-1]}")
    strided = c.stack(
        "input=3,32,32&layers=conv2d:out_channels=6,kernel_size=5,stride=2;relu;"
        "conv2d:out_channels=6,kernel_size=5,stride=2;relu;conv2d:out_channels=16,kernel_size=5,stride=2"
    )
    sw = _widths(strided)
    c.claim(
        "A stride of 2 in every layer",
        f"Three 5x5 convolutions with stride 2 take {sw[0]} down to {sw[1]}, then {sw[2]}, then {sw[3]}",
    )
    six_to_16, sixteen = [layer["param_count"] for layer in fixed["layers"] if layer["type"] == "conv2d"][2:4]
    c.claim(
        f"16 × (5 × 5 × 6 + 1) = {six_to_16:,} parameters",
        f"16 × (5 × 5 × 16 + 1) = {sixteen:,}",
        "the layer from 6 channels to 16 channels with 5x5 kernels",
        "from 16 channels to 16",
        f"Going from 3x3 to 5x5 kernels almost triples the weights ({5 * 5} against {3 * 3}), and 7x7 more than "
        f"quintuples them ({7 * 7} against {3 * 3})",
    )
    rf = c.stack(
        "input=1,32,32&layers=conv2d:out_channels=8,kernel_size=3;conv2d:out_channels=8,kernel_size=3;"
        "conv2d:out_channels=8,kernel_size=3;max_pool2d:kernel_size=2;conv2d:out_channels=16,kernel_size=3;"
        "conv2d:out_channels=16,kernel_size=3"
    )
    sizes = [layer["receptive_field"]["width"]["size"] for layer in rf["layers"]]
    jumps = [layer["receptive_field"]["width"]["jump"] for layer in rf["layers"]]
    assert sizes[3] - sizes[2] == 1 and jumps[3] == 2 and sizes[4] - sizes[3] == sizes[5] - sizes[4] == 2 * 2
    c.claim(
        f"Three 3x3 layers see {sizes[0]}, then {sizes[1]}, then {sizes[2]} pixels across",
        "A layer with stride 2, or a 2x2 pooling",
        f"a later 3x3 layer adds 2 × 2 = {(3 - 1) * jumps[3]} pixels instead of 2",
        f"every step counts {jumps[3] * 2} pixels",
        "Open three 3x3 layers, a pooling and two more 3x3 layers",
        f"The cards show receptive fields of {sizes[0]}, {sizes[1]} and {sizes[2]}, then {sizes[3]} after the pooling "
        f"(a 2x2 window adds {sizes[3] - sizes[2]}), then {sizes[4]} and {sizes[5]}: the last two layers add "
        f"{sizes[4] - sizes[3]} each",
        f"Three stacked 3x3 layers see a {sizes[2]}x{sizes[2]} patch, the same as a single 7x7 layer, but with C "
        "channels in and out they learn 3 × 9 × C × C weights instead of 49 × C × C",
        "3x3 kernels with stride 1 and padding 1",
        "by a 2x2 pooling with stride 2 or by a convolution with stride 2",
    )


# --- 5: ReLU --------------------------------------------------------------------------------------


def lesson_05(c: Lesson) -> None:
    c.fact("f(x) = max(0, x)", "max(0, x) into the output", "ReLU set to 0?")
    c.claim("A negative number becomes 0, and 0 stays 0", "3 stays 3, 0.5 stays 0.5")
    t = c.widget("relu", "height=6&width=6&seed=3")
    passed, zeroed = int(t.mask.sum()), int((t.mask == 0).sum())
    shape = "x".join(str(n) for n in t.output.shape)
    c.claim(
        "Now a 6x6 map",
        "ReLU applied to a 6x6 map",
        "ReLU on a 6x6 map",
        "(1 if it is positive and passes, 0 if not)",
        f"In this map {passed} values pass and {zeroed} become 0",
        f"the same shape as the input, {shape}",
        "a 1 wherever the input was positive, a 0 everywhere else",
        "because the output stays 0",
    )
    row = c.widget("relu", "input=-3,-1,0,1,3")
    assert row.output.tolist() == [[[0, 0, 0, 1, 3]]] and row.mask.tolist() == [[[0, 0, 0, 1, 1]]]
    c.claim(
        "gives 0 for 0, and treats its slope there as 0, so its mask is 0 at 0 too (it is x > 0) and no correction "
        "flows back through a 0",
        "minus 3, minus 1, 0, 1 and 3",
        "−3 and −1 become 0 and 0 stays 0, all three with mask 0; 1 and 3 pass unchanged, with mask 1",
    )
    assert _out(_out(9, 3), 3) == _out(9, 5)  # two 3x3 layers see what one 5x5 does
    c.claim("two 3x3 convolutions without padding compute exactly what a single 5x5 convolution could")
    relu = OPS["relu"].engine
    f = lambda x: float(relu(np.array([[[x]]])).output[0, 0, 0])  # noqa: E731
    assert f(-3 + 3) == 0 and f(-3) + f(3) == 3
    c.claim("f(−3 + 3) = f(−3) + f(3)", "max(0, −3 + 3) is 0, while max(0, −3) + max(0, 3) is 3")
    c.fact("before 2010", "1/(1 + e−x)", "close to 0", "exactly 1 for every positive input")
    s = c.stack("input=3,32,32&layers=conv2d:out_channels=6,kernel_size=5;relu")
    conv, rl = s["layers"]
    assert rl["param_count"] == 0 and conv["output_shape"] == rl["output_shape"] == [6, 28, 28]
    c.claim(
        "a ReLU card always shows 0 parameters",
        "a 5x5 convolution followed by a ReLU is 28x28x6 before the ReLU and 28x28x6 after",
        "outputs 0, so no correction",
    )
    c.fact(
        "Nair and Hinton (2010)",
        "25% training error on the CIFAR-10 images",
        "Hinton (2010)",
        "ICML 2010, pages 807–814",
        "Hinton (2012)",
        "NeurIPS 2012",
        "Section 3.1 and its Figure 1",
    )


# --- 6: pooling -----------------------------------------------------------------------------------


def lesson_06(c: Lesson) -> None:
    c.claim("(L2 pooling)", "L2 pooling", "norm_type=2", "On the same 6x6 map", "of our 6x6 map")
    c.fact("lp_pool2d")
    assert _default("max_pool2d", "kernel_size") == 2
    c.claim("The usual window is 2x2 with stride 2")
    mx = c.widget("max_pool2d", "height=6&width=6&seed=1&kernel_size=2")
    first = mx.input[0, :2, :2].ravel()
    out = mx.output.shape[1]
    kept = len(set(mx.argmax.ravel().tolist()))
    c.claim(
        "Below is a 6x6 map and a 2x2 window with stride 2",
        f"The first window holds {_list(first)}, so the first output is {_n(mx.output[0, 0, 0])}",
        f"{word(mx.output.size).capitalize()} windows fit, {word(out)} across and {word(out)} down, so the output is "
        f"{out}x{out}",
        "Max pooling of a 6x6 map with a 2x2 window and stride 2",
        f"Max pooling, 2x2 windows, stride 2: {mx.input.size} values in, {mx.output.size} out",
        f"Each window keeps one value of four, so three quarters of the values, {mx.input.size - kept} of these "
        f"{mx.input.size}, are discarded",
        "somewhere in this 2x2 patch",
    )
    s = c.stack("input=3,32,32&layers=conv2d:out_channels=6,kernel_size=5;relu;max_pool2d:kernel_size=2")
    pool = s["layers"][2]
    assert pool["input_shape"] == [6, 28, 28] and pool["output_shape"] == [6, 14, 14] and pool["param_count"] == 0
    c.claim(
        "a 28x28x6 input gives a 14x14x6 output",
        "go from 28x28x6 to 14x14x6 with 0 parameters in the pooling card",
    )
    avg = c.widget("avg_pool2d", "height=6&width=6&seed=1&kernel_size=2")
    assert np.array_equal(avg.input, mx.input)
    c.claim(
        f"the first window gives ({' + '.join(_n(v) for v in first)}) / {_n(avg.divisor[0, 0, 0])} = "
        f"{_n(avg.output[0, 0, 0])}",
        "Average pooling of the same 6x6 map with a 2x2 window and stride 2",
        f"each output is a window's sum divided by {_n(avg.divisor[0, 0, 0])}",
    )
    query = "height=5&width=5&seed=4&kernel_size=3&stride=2&padding=1&count_include_pad={}"
    counted, alone = (c.widget("avg_pool2d", query.format(flag)) for flag in ("true", "false"))
    corner = counted.input[0, :2, :2].ravel()
    total = counted.sum[0, 0, 0]
    assert total == corner.sum() and set(counted.divisor.ravel().tolist()) == {9}
    divisors = alone.divisor[0]
    c.claim(
        "A 3x3 window with stride 2 and padding 1 is common",
        "a 3x3 window always divides by 9",
        f"covers only {word(corner.size)} real values, {_list(corner)}, whose sum is {_n(total)}",
        f"With the padding counted the output is {_n(total)} / 9 ≈ {counted.output[0, 0, 0]:.2f}; without it, "
        f"{_n(total)} / {_n(divisors[0, 0])} = {_n(alone.output[0, 0, 0])}",
        "Average pooling, 3x3 window, stride 2, padding 1, padding counted in the average",
        "Average pooling, 3x3 window, stride 2, padding 1, padding left out of the average",
        f"every window divides by 9. The top-left output is {_n(total)} / 9",
        f"a corner window divides by {_n(divisors[0, 0])}, an edge window by {_n(divisors[0, 1])}, the middle one by "
        f"{_n(divisors[1, 1])}",
        "In the 5x5 map below",
        "cover nine real values",
        "towards 0",
    )
    lp = c.widget("lp_pool2d", "height=6&width=6&seed=1&kernel_size=2&norm_type=2")
    squares = " + ".join(f"{_n(v)}²" for v in first)
    c.claim(
        f"√({squares}) = √{_n(lp.sum[0, 0, 0])} ≈ {lp.output[0, 0, 0]:.1f}",
        f"the result is at least the maximum ({_n(first.max())} here)",
        "for values of 0 or more",
        "L2 pooling of the same 6x6 map with a 2x2 window and stride 2",
    )
    ceil = c.widget("max_pool2d", "height=5&width=5&seed=2&kernel_size=2&ceil_mode=true")
    floor = pool_axis("width", 5, 2, 2, 0, 1, False)
    assert floor.uncovered() == [4] and ceil.axes[1].out == 3 and ceil.axes[1].taps()[-1].tolist() == [4, 5]
    assert ceil.input[0, 1, -1] == 7  # row 1, column 4: read only by a ceil_mode window
    c.claim(
        f"A 2x2 window with stride 2 on a 5x5 map has room for {word(floor.out)} windows per row, covering columns 0 "
        f"to {floor.taps()[-1][-1]}",
        "Column 4 and row 4 are left over",
        f"(5 − 2) / 2 + 1 = {floor.formula()['value']:g} becomes {floor.out}",
        f"it rounds up to {ceil.axes[1].out}",
        "Max pooling of a 5x5 map with a 2x2 window, stride 2 and ceil_mode: a 3x3 output",
        f"{ceil.output.shape[1]}x{ceil.output.shape[2]} outputs",
        f"the top-left {floor.out}x{floor.out} of this one, and nothing in row 4 or column 4",
        "the 7 at the end of row 1",
        "Each 2x2 pooling halves the height and width",
        "shrink with stride-2 convolutions",
    )
    c.fact(
        "found in 2014",
        "Riedmiller (2014)",
        "arXiv:1412.6806; ICLR 2015 workshop",
    )


# --- 7: dropout -----------------------------------------------------------------------------------


def lesson_07(c: Lesson) -> None:
    c.fact(
        "set it to 0",
        "1/(1 − p)",
        "survives with probability 1 − p and is then worth x/(1 − p), so its expected value is (1 − p) × x/(1 − p) = x",
        "shrinks everything by 1 − p",
        "In the 2014 paper",
        "Salakhutdinov (2012)",
        "arXiv:1207.0580",
        "Salakhutdinov (2014)",
        "Journal of Machine Learning Research 15, 1929–1958",
        "Bregler (2015)",
        "CVPR 2015",
        "AlexNet used it in its first two fully connected layers with p = 0.5",
        "Dropout2d",
        "dropout2d",
    )
    train = c.widget("dropout", "height=4&width=4&p=0.5&training=true&seed=1&input_seed=2")
    dropped, kept = int((train.mask == 0).sum()), int(train.mask.sum())
    assert train.scale == 2 and np.array_equal(train.output, train.input * train.mask * 2)
    c.claim(
        f"With p = 0.5 that factor is {_n(train.scale)}",
        "Dropout with p = 0.5 in training mode on a 4x4 map",
        f"Training mode, p = 0.5: {dropped} of the {train.input.size} values are zeroed; the other {kept} are doubled",
        f"{word(dropped).capitalize()} values were dropped, not {word(train.input.size // 2)}",
        "so p = 0.5 drops half the values on average",
    )
    dropout = OPS["dropout"].engine
    nine = dropout(np.array([[[9.0]]]), 0.5, True, 0)
    doubled = _n(nine.scale * 9)
    c.claim(
        "say 9, with p = 0.5",
        f"Half the time it becomes 0, half the time {doubled}",
        f"On average it is 0.5 × 0 + 0.5 × {doubled} = {_n(0.5 * nine.scale * 9)}",
    )
    evaluation = c.widget("dropout", "height=4&width=4&p=0.5&training=false&seed=1&input_seed=2")
    assert (evaluation.mask == 1).all() and np.array_equal(evaluation.output, train.input)
    c.claim("Dropout with p = 0.5 in evaluation mode")
    keep = 1 - 0.2
    assert round(keep / 0.2) == 4
    c.claim(
        f"With a drop probability of 0.2, the right factor for the old convention is {keep:g}, and multiplying by 0.2 "
        f"makes every value {word(round(keep / 0.2))} times too small",
        "With p = 0.5 both readings give 0.5",
    )
    two_d = c.widget(
        "dropout", "in_channels=4&height=3&width=3&p=0.5&training=true&seed=2&input_seed=2&variant=dropout2d"
    )
    gone = [ch for ch in range(4) if (two_d.mask[ch] == 0).all()]
    assert all((two_d.mask[ch] == 0).all() or (two_d.mask[ch] == 1).all() for ch in range(4)) and two_d.scale == 2
    c.claim(
        "Dropout2d with p = 0.5 on four 3x3 channels",
        f"dropout2d, p = 0.5: {word(len(gone))} of the four channels are zeroed entirely, the other "
        f"{word(4 - len(gone))} are doubled",
    )
    s = c.stack(
        "input=3,32,32&layers=conv2d:out_channels=6,kernel_size=5;relu;dropout2d:p=0.2;max_pool2d:kernel_size=2;"
        "flatten;dropout;linear:out_features=10"
    )
    cards = [layer for layer in s["layers"] if layer["type"].startswith("dropout")]
    assert len(cards) == 2 and all(
        card["param_count"] == 0 and card["input_shape"] == card["output_shape"] for card in cards
    )
    c.claim("both dropout cards show 0 parameters")


# --- 8: the 1x1 convolution -----------------------------------------------------------------------


def lesson_08(c: Lesson) -> None:
    c.fact(
        "A 1x1 convolution sounds useless",
        'a "1x1" filter is really 1×1×N',
        "A 1x1 layer from N channels to F learns F × (N + 1) numbers",
        "The cost of a 1x1 layer",
        "with a 1x1 layer first",
        "another 1x1 layer",
        "K×K×N weights",
        "A 3x3 or 5x5 convolution on many channels",
        "GoogLeNet used 1x1 layers to reduce channels before its 3x3 and 5x5 convolutions",
        "exactly 1x1 convolutions",
        "the N in 1×1×N",
        "Yan (2013)",
        "arXiv:1312.4400; ICLR 2014",
        "colleagues (2014)",
        "arXiv:1409.4842; CVPR 2015",
        "GoogLeNet and its 1x1 reductions",
        "Sun (2015)",
        "arXiv:1512.03385; CVPR 2016",
    )
    t = c.widget("conv2d", "kernel_size=1&in_channels=6&out_channels=3&height=5&width=5")
    column, weights = t.input[:, 0, 0], t.weight[0, :, 0, 0]
    products = column * weights
    nonzero = [p for p in products if p != 0]
    terms = " ".join(f"{'−' if p < 0 else '+'} {_n(abs(p))}" for p in nonzero).removeprefix("+ ")
    bias, value = t.bias[0], t.output[0, 0, 0]
    minus = lambda v: _n(v).replace("-", "−")  # noqa: E731
    c.claim(
        "Below, a 5x5 input with 6 channels meets 3 filters of size 1x1x6",
        "the 6 values at one position, the 6 weights of the current filter",
        f"the input's column reads {', '.join(_n(v) for v in column)}, the first filter's weights are "
        f"{', '.join(minus(v) for v in weights)}, the products add up to {terms} = {_n(products.sum())}, and with the "
        f"bias of {minus(bias)} the first output value is {_n(value)}",
        "A 1x1 convolution from 6 channels to 3 on a 5x5 input",
        f"A 1x1 convolution, 6 channels in, 3 out: {t.total_steps} steps, one dot product of length 6 each",
        f"The output has {t.output.shape[0]} maps of {t.output.shape[1]}x{t.output.shape[2]}: one per filter, "
        f"3 × {t.output.shape[1] * t.output.shape[2]} = {t.output.size} dot products in all",
        "mixes the 6 input channels",
    )
    bottleneck = c.stack(
        "input=64,28,28&layers=conv2d:out_channels=16,kernel_size=1;relu;"
        "conv2d:out_channels=16,kernel_size=3,padding=1;relu;conv2d:out_channels=64,kernel_size=1"
    )
    single = c.stack("input=64,28,28&layers=conv2d:out_channels=64,kernel_size=3,padding=1")
    squeeze, middle, restore = (layer["param_count"] for layer in bottleneck["layers"] if layer["type"] == "conv2d")
    big = single["total_params"]
    assert (
        bottleneck["output_shape"] == single["output_shape"] == [64, 28, 28] and big // bottleneck["total_params"] == 8
    )
    c.claim(
        f"From 64 channels to 16 that is 16 × 65 = {squeeze:,}",
        f"A 3x3 layer from 64 channels to 64, for comparison, learns 64 × (9 × 64 + 1) = {big:,}",
        f"64 channels are squeezed to 16 ({squeeze:,} parameters), a 3x3 layer works on the 16 ({middle:,}), and a 1x1 "
        f"layer restores 64 ({restore:,})",
        f"It takes 28x28x64 to 28x28x64 with {bottleneck['total_params']:,} parameters in all",
        "A single 3x3 layer with the same input and output shape",
        f"needs {big:,}, more than {word(big // bottleneck['total_params'])} times as many",
        "its 3x3 layer sees only 16 mixtures of the 64 channels",
    )


# --- 9: beyond classification ---------------------------------------------------------------------


def lesson_09(c: Lesson) -> None:
    c.fact(
        "(Girshick and colleagues, 2014) took about 2,000 candidate regions",
        "(Ren and colleagues, 2015)",
        "(Long, Shelhamer and Darrell, 2015)",
        "(He and colleagues, 2017)",
        "at the end of a ResNet they are 32 pixels apart",  # five stride-2 stages: 2**5
        "Malik (2014)",
        "arXiv:1311.2524; CVPR 2014",
        "Sun (2015)",
        "arXiv:1506.01497; NeurIPS 2015",
        "Darrell (2015)",
        "arXiv:1411.4038; CVPR 2015",
        "Girshick (2017)",
        "arXiv:1703.06870; ICCV 2017",
    )
    _lesson_ref(c, 4, 8, 10)
    stem = stack_shapes(
        (3, 224, 224),
        [
            {"type": "conv2d", "out_channels": 64, "kernel_size": 7, "stride": 2, "padding": 3},
            {"type": "max_pool2d", "kernel_size": 3, "stride": 2, "padding": 1},
        ],
    ).to_dict()  # torchvision's resnet18: conv1, then maxpool
    jump = stem["layers"][1]["receptive_field"]["width"]["jump"]
    c.claim(
        "a 7x7 convolution with stride 2 and padding 3 on a 224x224 image",
        f"After that layer and a pooling with stride 2, neighbouring positions of the map are already {jump} pixels "
        "of the image apart",
    )
    common = (
        "input=3,64,64&layers=conv2d:out_channels=16,kernel_size=3,padding=1;relu;max_pool2d:kernel_size=2;"
        "conv2d:out_channels=32,kernel_size=3,padding=1;relu;max_pool2d:kernel_size=2;"
    )
    flat = c.stack(common + "flatten;linear:out_features=3")
    dense = c.stack(common + "conv2d:out_channels=3,kernel_size=1")
    _, h, w = dense["output_shape"]
    block = 64 // h
    assert flat["output_shape"] == [3] and dense["output_shape"][0] == 3 and 64 % h == 0
    c.claim(
        f"{word(flat['output_shape'][0])} numbers for the whole 64x64 image",
        "a 1x1 convolution with 3 filters",
        f"a {h}x{w}x3 output, three class scores at each of {h}x{w} positions, one position for every "
        f"{block}x{block} block of the image",
    )


# --- 12: going back up (its worked examples come from app/lessons/numbers.py) ---------------------


def lesson_12(c: Lesson) -> None:
    c.fact(
        "made this the standard recipe in 2015",
        "an input stride of 1/f",
        "nn.ConvTranspose2d",
        "conv_transpose2d",
        "Put stride − 1 zeros",
        "D×(K − 1) − P cells of zeros",
        "turned by 180 degrees",
        "with stride 1",
        "H_out = (H_in − 1)×S − 2P + D×(K − 1) + output_padding + 1",
        "showed in 2016",
        "Darrell (2015)",
        "CVPR 2015",
        "Visin (2016)",
        "arXiv:1603.07285",
        "Olah (2016)",
    )


# --- 10: transfer learning ------------------------------------------------------------------------


def _recorded_comparison() -> dict[int, list[str]]:
    """docs/MODEL.md's record of scripts/transfer_figures.py: per shots, the six percentages and the wins."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "MODEL.md").read_text()
    rows = {}
    for line in text.splitlines():
        match = re.fullmatch(
            r"\s+(\d+)\s+" + r"([\d.]+)% \(\s*([\d.]+)%-\s*([\d.]+)%\)\s+" * 2 + r"(\d+)/(\d+)/(\d+)\s+[\d.]+", line
        )
        if match:
            rows[int(match[1])] = list(match.groups()[1:])
    return rows


def lesson_10(c: Lesson) -> None:
    from app.transfer import digits, model, tinycnn
    from app.transfer import training as transfer

    c.fact(
        "about 1.28 million photos in 1,000 classes",
        "the 1.28 million ImageNet photos",
        "Lipson measured this in 2014",
        "The same year",
        "resnet18",
        'weights="IMAGENET1K_V1"',
        "nn.Linear(model.fc.in_features, 5) # the new last layer trains",
        "lr=0.01) A network",
        "(Alpaydin and Kaynak, 1998)",
        "Lipson (2014)",
        "NeurIPS 2014",
        "arXiv:1411.1792",
        "Darrell (2014)",
        "ICML 2014",
        "arXiv:1310.1531",
        "Carlsson (2014)",
        "CVPR 2014 Workshops",
        "arXiv:1403.6382",
        "Kaynak (1998)",
        "CC BY 4.0",
        "Ba (2015)",
        "ICLR 2015",
        "arXiv:1412.6980",
    )
    lenet = c.stack(
        "input=3,32,32&layers=conv2d:out_channels=6,kernel_size=5;relu;max_pool2d:kernel_size=2;"
        "conv2d:out_channels=16,kernel_size=5;relu;max_pool2d:kernel_size=2;flatten;"
        "linear:out_features=120;relu;linear:out_features=84;relu;linear:out_features=5"
    )
    total = lenet["total_params"]
    cells = []
    learned = [layer for layer in lenet["layers"] if layer["param_count"]]
    names = ("Conv2d 3→6, 5x5", "Conv2d 6→16, 5x5", "Linear 400→120", "Linear 120→84", "Linear 84→5 (new)")
    for name, layer in zip(names, learned, strict=True):
        shape = layer["output_shape"]
        out = f"{shape[1]}x{shape[2]}x{shape[0]}" if len(shape) == 3 else str(shape[0])
        cells.append(f"{name} {out} {layer['param_count']:,}")
    flat = next(layer for layer in lenet["layers"] if layer["type"] == "flatten")
    last = learned[-1]["param_count"]
    linear = sum(layer["param_count"] for layer in learned if layer["type"] == "linear")
    convs = sum(layer["param_count"] for layer in learned if layer["type"] == "conv2d")
    assert flat["output_shape"] == [16 * 5 * 5] and convs < 3000
    c.claim(
        "for 32x32 colour images, whose last layer has already been replaced by one with 5 outputs for a new task "
        "of 5 classes",
        f"It has {total:,} parameters",
        f"after the second pooling, 16 × 5 × 5 = {flat['output_shape'][0]} values reach the first linear layer",
        *cells,
        f"Trainable {total:,} in all {last} {linear:,}",
        f"Training only the last layer means fitting {last} numbers, 84 weights and a bias for each of 5 classes, "
        f"instead of {total:,}. A few examples per class can pin down {last} numbers far better than {total:,}",
        "the two convolutions hold fewer than 3,000 of them",
    )
    images, labels = digits.load()
    source_train = digits.split("train", digits.SOURCE_DIGITS)
    source_test, target_test = (digits.split("test", task) for task in (digits.SOURCE_DIGITS, digits.TARGET_DIGITS))
    weights = model.weights()
    record = model.metadata()
    correct = round(tinycnn.accuracy(weights, source_test.x, source_test.labels) * source_test.labels.size)
    head = weights["fc.weight"].size + weights["fc.bias"].size
    everything = tinycnn.count(weights)
    assert images.shape[1:] == (8, 8) and correct == source_test.labels.size
    c.claim(
        f"{labels.size:,} handwritten digits of 8x8 grey pixels",
        "Conv2d(1, 8, 3, padding=1), ReLU, MaxPool2d(2), Conv2d(8, 16, 3, padding=1), ReLU, MaxPool2d(2), then a "
        f"Linear({weights['fc.weight'].shape[1]}, 5) layer: {everything:,} numbers in all",
        f"Tell apart the digits {digits.SOURCE_DIGITS[0]} to {digits.SOURCE_DIGITS[-1]}",
        f"Trained for {record['training']['epochs']} passes over {source_train.labels.size} images with Adam, it gets "
        f"all {correct} of its held-out digits right",
        f"Tell apart the digits {digits.TARGET_DIGITS[0]} to {digits.TARGET_DIGITS[-1]}",
        f"Choose a digit from {digits.TARGET_DIGITS[0]} to {digits.TARGET_DIGITS[-1]}",
        f"it can only answer {', '.join(map(str, digits.SOURCE_DIGITS[:-1]))} or {digits.SOURCE_DIGITS[-1]}",
        f"turn the digit into {weights['fc.weight'].shape[1]} numbers",
        f"whether those {weights['fc.weight'].shape[1]} numbers",
        f"only the new Linear({weights['fc.weight'].shape[1]}, 5) learns: {head} numbers",
        f"all {everything:,} numbers learn",
        f"scored on the {target_test.labels.size} held-out digits 5 to 9",
        f"The original training set is tiny, {source_train.labels.size} images of five digits",
        f"only {head} numbers learn, and the {weights['fc.weight'].shape[1]} features of each example",
        "A quarter of each digit is held out",
    )
    assert digits.HELD_OUT == 0.25
    # the widget's defaults: GET /api/transfer/train?shots=5&epochs=100&lr=0.01&seed=0
    widget = "index=66&shots=5&epochs=100&lr=0.01&seed=0"
    assert f'src="/embed/transfer?{widget.replace("&", "&amp;")}"' in c.source
    train = digits.split("train", digits.TARGET_DIGITS)
    picked = transfer.choose_examples(train.labels, digits.TARGET_DIGITS, 5, 0)
    first = digits.TARGET_DIGITS[0]
    runs = list(
        transfer.compare(
            weights,
            train.x[picked],
            train.labels[picked] - first,
            target_test.x,
            target_test.labels - first,
            100,
            0.01,
            0,
        )
    )
    n = target_test.labels.size
    frozen, scratch = (round(runs[-1][run]["test_accuracy"] * n) for run in ("transfer", "scratch"))
    c.claim(
        f"With 5 examples of each digit and the settings above, the frozen-features network gets {frozen} of them "
        f"right ({100 * frozen / n:.1f}%) and the one trained from scratch {scratch} ({100 * scratch / n:.1f}%)",
        f"Held-out accuracy on the {n} digits 5-9 after 100 passes",
        f"so the filters learned little that {2 * 5} or {5 * 5} new images cannot teach again",
    )
    recorded = _recorded_comparison()
    assert sorted(recorded) == [1, 2, 5, 10, 20]
    for shots, (m1, lo1, hi1, m2, lo2, hi2, won, lost, tie) in recorded.items():
        ties = {"0": "", "1": " (one tie)"}[tie]
        c.claim(f"{shots} {m1}% ({lo1}-{hi1}) {m2}% ({lo2}-{hi2}) {won} / {lost}{ties}")  # the same run as MODEL.md's
    c.fact("And 8x8 digits are simple")


# --- 11: data augmentation ------------------------------------------------------------------------


def lesson_11(c: Lesson) -> None:
    from app.images.augment import hflip, shift

    patch = np.array(
        [
            [32, 45, 70, 118, 176, 201, 207],
            [30, 38, 61, 102, 160, 198, 205],
            [29, 35, 52, 88, 141, 190, 203],
            [27, 31, 44, 73, 122, 179, 200],
        ],
        dtype=float,
    )  # the photo's patch and, last, the column to its right that enters when it moves
    image = np.repeat(patch[:, :, None], 3, axis=2).astype(np.uint8)  # the augmentations take (H, W, 3) uint8
    original = patch[:, :6]
    shifted = shift(image, -1, 0)[:, :6, 0]  # the photo moved one pixel to the left
    flipped = hflip(image[:, :6])[0][:, :, 0]

    def table(caption: str, values: np.ndarray) -> str:
        return f"{caption} " + " ".join(_n(v) for v in values.ravel())

    c.claim(
        f"Here is a {original.shape[0]}x{original.shape[1]} patch of a greyscale photo, values from 0 (black) to 255",
        table("Original", original),
        table("Shifted one pixel left", shifted),
        table("Flipped horizontally", flipped),
        f"all {int((shifted != original).sum())} numbers are different",
    )
    assert (shifted != original).all()
    c.fact("(1, 0, −1 in every row)", "column W − 1 − j", "row H − 1 − i")
    seven = "input=0,0,0,0,0,0%3B0,9,9,9,9,0%3B0,0,0,0,9,0%3B0,0,0,9,0,0%3B0,0,9,0,0,0%3B0,0,9,0,0,0"
    moved = "input=0,0,0,0,0,0%3B9,9,9,9,0,0%3B0,0,0,9,0,0%3B0,0,9,0,0,0%3B0,9,0,0,0,0%3B0,9,0,0,0,0"
    kernel = "&weight=1,0,-1%3B1,0,-1%3B1,0,-1&bias=false"
    a, b = (c.widget("conv2d", q + kernel) for q in (seven, moved))
    assert np.array_equal(b.input[0][:, :-1], a.input[0][:, 1:]) and (a.weight[0, 0] == [1, 0, -1]).all()
    first_a = ", ".join(_n(v).replace("-", "−") for v in a.output[0, 0])
    first_b = ", ".join(_n(v).replace("-", "−") for v in b.output[0, 0])
    assert np.array_equal(b.output[0, 0, :-1], a.output[0, 0, 1:])  # the old row moved one place left
    c.claim(
        "A vertical-edge kernel over a 6x6 drawing of a 7",
        f"The first output row is {first_a}.",
        f"The first output row is {first_b}: the old row moved one place left",
        "a small drawing of a 7",
        "the 7 moved one pixel to the left",
        "the same 7 moved one pixel to the left",
        "The 7 and a vertical-edge kernel",
        "The 7 moved one pixel left",
        "a 7 a few pixels to the left is still a 7",
        "a mirrored 7",
    )
    c.fact(
        "224x224 out of a 256x256 image",
        "a 6 turned upside down is a 9",
        "random 224x224 crops of 256x256 images",
        "ITU-R 601-2",
        "Hinton (2012)",
        "NeurIPS 2012",
        "Section 4.1",
    )


CHECKED: dict[str, Callable[[Lesson], None]] = {
    "01-stride": lesson_01,
    "02-padding": lesson_02,
    "03-output-size": lesson_03,
    "04-hyperparameters": lesson_04,
    "05-relu": lesson_05,
    "06-pooling": lesson_06,
    "07-dropout": lesson_07,
    "08-one-by-one": lesson_08,
    "09-beyond-classification": lesson_09,
    "10-transfer-learning": lesson_10,
    "11-data-augmentation": lesson_11,
    "12-going-back-up": lesson_12,
}


def test_every_lesson_is_checked() -> None:
    assert list(CHECKED) == [lesson.slug for lesson in LESSONS]


@pytest.mark.parametrize("slug", list(CHECKED))
def test_every_number_of_the_lesson_is_the_engine_s(slug: str) -> None:
    lesson = Lesson(slug)
    CHECKED[slug](lesson)
    missing = lesson.unclaimed()
    assert not missing, "numbers no test checks (claim them against the engine, or name the fact):\n" + "\n".join(
        missing
    )
