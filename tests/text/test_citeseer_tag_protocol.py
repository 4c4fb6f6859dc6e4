"""The split protocol of experiments/citeseer_tag.py (60/20/20 and k-shot)."""

import numpy as np

from experiments.citeseer_tag import splits


def test_random_60_20_20_split_is_a_partition():
    labels = np.repeat(np.arange(4), 25)
    labels[:3] = -1
    labelled = np.flatnonzero(labels >= 0)
    train, val, test = splits(labels, labelled, seed=0, shots=None)
    assert (len(train), len(val), len(test)) == (58, 20, 19)
    both = np.concatenate([train, val, test])
    np.testing.assert_array_equal(np.sort(both), labelled)
    other = splits(labels, labelled, seed=1, shots=None)[0]
    assert not np.array_equal(np.sort(train), np.sort(other))


def test_k_shot_split_has_k_per_class_for_train_and_val():
    labels = np.repeat(np.arange(3), 10)
    labelled = np.arange(30)
    for k in (1, 3, 5):
        train, val, test = splits(labels, labelled, seed=2, shots=k)
        assert np.bincount(labels[train]).tolist() == [k] * 3
        assert np.bincount(labels[val]).tolist() == [k] * 3
        assert len(test) == 30 - 6 * k and not set(test) & (set(train) | set(val))
