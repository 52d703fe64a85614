"""Transfer vs from scratch: what is frozen stays frozen, both runs are reproducible, settings are checked."""

import numpy as np
import pytest

from app.engine.conv2d import conv2d
from app.engine.errors import ParamError
from app.transfer import digits, model, tinycnn
from app.transfer import training as transfer


@pytest.fixture
def pretrained() -> tinycnn.Params:
    return tinycnn.init_params(np.random.default_rng(11).random, 5)


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((n, 1, 8, 8)), np.arange(n) % 5


def test_choose_examples_takes_shots_of_each_class_reproducibly() -> None:
    labels = np.repeat([5, 6, 7, 8, 9], 10)
    picked = transfer.choose_examples(labels, (5, 6, 7, 8, 9), 3, seed=4)
    assert picked.size == 15 and np.unique(picked).size == 15
    assert (np.bincount(labels[picked])[5:] == 3).all()
    np.testing.assert_array_equal(picked, transfer.choose_examples(labels, (5, 6, 7, 8, 9), 3, seed=4))
    assert not np.array_equal(picked, transfer.choose_examples(labels, (5, 6, 7, 8, 9), 3, seed=5))


def test_choose_examples_refuses_more_shots_than_exist() -> None:
    with pytest.raises(ParamError, match=r"^shots: got 11; only 10 training examples of class 5 exist$"):
        transfer.choose_examples(np.repeat([5, 6], 10), (5, 6), 11, seed=0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 10, 0.01, 0), "shots: got 0; must be a whole number from 1 to 20"),
        ((True, 10, 0.01, 0), "shots: got true; must be a whole number from 1 to 20"),
        ((5, 301, 0.01, 0), "epochs: got 301; must be a whole number from 1 to 300"),
        ((5, 10, 0, 0), "lr: got 0; must be a number greater than 0 and at most 1"),
        ((5, 10, float("nan"), 0), "lr: got nan; must be a number greater than 0 and at most 1"),
        ((5, 10, "0.1", 0), "lr: got '0.1'; must be a number greater than 0 and at most 1"),
        ((5, 10, 0.01, -1), "seed: got -1; must be an integer from 0 to 2147483647"),
    ],
)
def test_check_settings_messages(args: tuple, message: str) -> None:
    with pytest.raises(ParamError) as err:
        transfer.check_settings(*args, max_shots=20, max_epochs=300)
    assert str(err.value) == message


def test_compare_keeps_the_frozen_layers_and_is_reproducible() -> None:
    """On the real network and real digits 5-9: 3 examples of each, 100 epochs."""
    pretrained = model.weights()
    before = {k: v.copy() for k, v in pretrained.items()}
    train, test = digits.split("train", digits.TARGET_DIGITS), digits.split("test", digits.TARGET_DIGITS)
    picked = transfer.choose_examples(train.labels, digits.TARGET_DIGITS, 3, seed=0)
    x, y, tx, ty = train.x[picked], train.labels[picked] - 5, test.x, test.labels - 5
    rows = list(transfer.compare(pretrained, x, y, tx, ty, epochs=100, lr=0.01, seed=3))
    for k, v in before.items():
        np.testing.assert_array_equal(pretrained[k], v)  # nothing of the trained network changed
    assert [r["epoch"] for r in rows] == list(range(1, 101))
    assert rows == list(transfer.compare(pretrained, x, y, tx, ty, epochs=100, lr=0.01, seed=3))
    for run in ("transfer", "scratch"):
        assert rows[-1][run]["loss"] < rows[0][run]["loss"] / 5
        assert rows[-1][run]["train_accuracy"] == 1.0
        assert 0.0 <= rows[-1][run]["test_accuracy"] <= 1.0


def test_first_epoch_loss_of_the_transfer_run_is_the_new_layer_on_frozen_features(
    pretrained: tinycnn.Params,
) -> None:
    """Epoch 1 reports the loss before its step: the new layer's random weights on the frozen features."""
    x, y = _data(5, 2)
    row = next(transfer.compare(pretrained, x, y, x, y, epochs=1, lr=0.01, seed=9))
    head = tinycnn.init_head(transfer._draw(9, transfer.HEAD_STREAM), 5)
    feats = tinycnn.features(pretrained, x)[0]
    assert row["transfer"]["loss"] == tinycnn.cross_entropy(feats @ head["fc.weight"].T + head["fc.bias"], y)[0]


def test_activations_are_the_engine_ops_layer_by_layer(pretrained: tinycnn.Params) -> None:
    image = np.random.default_rng(4).random((8, 8))
    layers = transfer.activations(pretrained, image)
    assert [(a.name, a.values.shape) for a in layers] == [
        ("input", (1, 8, 8)),
        ("conv1", (8, 8, 8)),
        ("relu1", (8, 8, 8)),
        ("pool1", (8, 4, 4)),
        ("conv2", (16, 4, 4)),
        ("relu2", (16, 4, 4)),
        ("pool2", (16, 2, 2)),
        ("flatten", (64,)),
        ("fc", (5,)),
        ("softmax", (5,)),
    ]
    declared = [(name, shape) for name, _, shape in tinycnn.layers(classes=5)]  # what /api/transfer/model shows
    assert [(a.name, a.values.shape) for a in layers[1:-1]] == declared
    assert (
        tinycnn.layers(5)[3][1] == "Conv2d(8, 16, kernel_size=3, padding=1)"
        and tinycnn.layers(5)[-1][1] == "Linear(64, 5)"
    )
    by = {a.name: a.values for a in layers}
    np.testing.assert_array_equal(
        by["conv1"], conv2d(image[None], pretrained["conv1.weight"], pretrained["conv1.bias"], padding=1).output
    )
    np.testing.assert_array_equal(by["relu1"], np.maximum(by["conv1"], 0))
    np.testing.assert_array_equal(by["pool1"], by["relu1"].reshape(8, 4, 2, 4, 2).max(axis=(2, 4)))
    np.testing.assert_allclose(by["flatten"], tinycnn.features(pretrained, image[None, None])[0][0], atol=1e-12)
    assert by["softmax"].sum() == pytest.approx(1.0, abs=1e-12)
    assert int(by["softmax"].argmax()) == int(by["fc"].argmax())
