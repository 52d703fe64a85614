"""The data set shipped in scikit-learn, its fixed split, and the stored network's held-out accuracy."""

import numpy as np

from app.transfer import digits, model, tinycnn


def test_the_digits_come_from_the_installed_package() -> None:
    assert digits.data_path().name == "digits.csv.gz" and "sklearn" in digits.data_path().parts
    images, labels = digits.load()
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,)
    assert images.min() == 0 and images.max() == 16 and (images == np.rint(images)).all()
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_the_split_holds_out_a_quarter_of_each_digit_and_never_overlaps() -> None:
    for task in (digits.SOURCE_DIGITS, digits.TARGET_DIGITS):
        train, test = digits.split("train", task), digits.split("test", task)
        assert not set(train.index) & set(test.index)
        assert set(np.unique(train.labels)) == set(task) == set(np.unique(test.labels))
        for d in task:
            total = int((digits.load()[1] == d).sum())
            assert int((test.labels == d).sum()) == round(total * 0.25)
    assert digits.split("train", digits.SOURCE_DIGITS).labels.size == 676
    assert digits.split("test", digits.SOURCE_DIGITS).labels.size == 225
    assert digits.split("test", digits.TARGET_DIGITS).labels.size == 225


def test_stored_weights_give_the_recorded_held_out_accuracy() -> None:
    """The weights file says how many held-out digits it gets right; recompute it from the weights."""
    meta, weights = model.metadata(), model.weights()
    test = digits.split("test", digits.SOURCE_DIGITS)
    correct = int((tinycnn.predict(weights, test.x) == test.labels).sum())
    assert correct == meta["held_out"]["correct"] and meta["held_out"]["total"] == 225
    assert correct / 225 >= 0.97
    assert tinycnn.count(weights) == 1573
    assert meta["history"][-1]["test_accuracy"] == meta["held_out"]["accuracy"]


def test_the_network_cannot_name_digits_it_never_learned() -> None:
    """Shown 5-9, a network with outputs for 0-4 can only answer 0-4: why the last layer is replaced."""
    test = digits.split("test", digits.TARGET_DIGITS)
    assert set(tinycnn.predict(model.weights(), test.x).tolist()) <= {0, 1, 2, 3, 4}
