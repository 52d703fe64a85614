"""The small CNN's own forward and backward passes, checked against the engine's ops and finite differences."""

import numpy as np
import pytest

from app.engine.conv2d import conv2d
from app.engine.pool import max_pool2d
from app.engine.relu import relu
from app.transfer import tinycnn


@pytest.fixture
def params() -> tinycnn.Params:
    return tinycnn.init_params(np.random.default_rng(3).random, 5)


def test_init_follows_pytorch_bounds(params: tinycnn.Params) -> None:
    assert {k: v.shape for k, v in params.items()} == {
        "conv1.weight": (8, 1, 3, 3),
        "conv1.bias": (8,),
        "conv2.weight": (16, 8, 3, 3),
        "conv2.bias": (16,),
        "fc.weight": (5, 64),
        "fc.bias": (5,),
    }
    assert tinycnn.count(params) == 80 + 1168 + 325 == 1573
    assert np.abs(params["conv1.weight"]).max() <= 1 / 3  # 1/sqrt(1*3*3)
    assert np.abs(params["conv2.weight"]).max() <= 1 / np.sqrt(72)
    assert np.abs(params["fc.weight"]).max() <= 1 / 8  # 1/sqrt(64)


def test_conv_forward_equals_the_engine_conv2d(params: tinycnn.Params) -> None:
    x = np.random.default_rng(0).random((3, 8, 4, 4))
    out, _ = tinycnn.conv_forward(x, params["conv2.weight"], params["conv2.bias"])
    for n in range(3):
        engine = conv2d(x[n], params["conv2.weight"], params["conv2.bias"], padding=1).output
        np.testing.assert_allclose(out[n], engine, rtol=0, atol=1e-12)


def test_pool_forward_equals_the_engine_max_pool2d() -> None:
    x = np.random.default_rng(1).integers(0, 3, (2, 3, 4, 4)).astype(float)  # ties on purpose
    out, tap = tinycnn.pool_forward(x)
    for n in range(2):
        engine = max_pool2d(x[n], 2)
        np.testing.assert_array_equal(out[n], engine.output)
        ti, tj = np.divmod(tap[n], 2)
        np.testing.assert_array_equal(np.stack([ti, tj], axis=-1), engine.argmax_tap)  # first maximum


def test_features_equal_the_engine_layer_by_layer(params: tinycnn.Params) -> None:
    x = np.random.default_rng(2).random((4, 1, 8, 8))
    feats, _ = tinycnn.features(params, x)
    for n in range(4):
        a = x[n]
        for name in ("conv1", "conv2"):
            a = max_pool2d(
                relu(conv2d(a, params[f"{name}.weight"], params[f"{name}.bias"], padding=1).output).output, 2
            )
            a = a.output
        np.testing.assert_allclose(feats[n], a.reshape(-1), rtol=0, atol=1e-12)


def test_cross_entropy_of_equal_scores_is_log_k() -> None:
    loss, grad = tinycnn.cross_entropy(np.zeros((2, 5)), np.array([0, 3]))
    assert loss == pytest.approx(np.log(5), abs=1e-15)
    np.testing.assert_allclose(grad, (np.full((2, 5), 0.2) - np.eye(5)[[0, 3]]) / 2, atol=1e-15)


def test_gradients_match_finite_differences(params: tinycnn.Params) -> None:
    rng = np.random.default_rng(7)
    x, labels = rng.random((3, 1, 8, 8)), np.array([0, 3, 4])
    _, grads = tinycnn.loss_and_grads(params, x, labels)
    eps = 1e-6
    for name, value in params.items():
        for _ in range(4):
            at = tuple(int(rng.integers(0, s)) for s in value.shape)
            old = value[at]
            value[at] = old + eps
            up = tinycnn.loss_and_grads(params, x, labels)[0]
            value[at] = old - eps
            down = tinycnn.loss_and_grads(params, x, labels)[0]
            value[at] = old
            assert grads[name][at] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-9), (name, at)


def test_first_adam_step_moves_each_weight_by_the_learning_rate() -> None:
    """After one step, m_hat = g and v_hat = g*g, so the change is lr * g / (|g| + eps)."""
    p = {"w": np.array([1.0, 2.0, 3.0])}
    tinycnn.Adam(p, lr=0.1).step(p, {"w": np.array([0.5, -4.0, 0.0])})
    np.testing.assert_allclose(p["w"], [0.9, 2.1, 3.0], rtol=0, atol=1e-7)


def test_training_fits_a_few_examples(params: tinycnn.Params) -> None:
    rng = np.random.default_rng(5)
    x, labels = rng.random((10, 1, 8, 8)), np.arange(10) % 5
    opt = tinycnn.Adam(params, 0.01)
    first = tinycnn.loss_and_grads(params, x, labels)[0]
    for _ in range(200):
        loss, grads = tinycnn.loss_and_grads(params, x, labels)
        opt.step(params, grads)
    assert loss < first / 10
    assert tinycnn.accuracy(params, x, labels) == 1.0
