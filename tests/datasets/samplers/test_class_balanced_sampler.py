"""ClassBalancedSampler: every class drawn about equally often, whatever the
split's class ratio, on one rank or several."""
from collections import Counter

import numpy as np
import pytest
from mmengine.runner import Runner

import tiny_action  # noqa: F401
from conftest import Infos
from tiny_action.datasets.samplers import (ClassBalancedSampler,
                                           class_balanced_weights)
from tiny_action.datasets.samplers import class_balanced_sampler as module


def tiny_virat(labels):
    return Infos([dict(label_idx=ls, filename=f'{i}.mp4')
                  for i, ls in enumerate(labels)])


def test_weights_give_each_class_the_same_share():
    w = class_balanced_weights([[0]] * 30 + [[1]] * 10)
    assert w.sum() == pytest.approx(1)
    assert w[:30].sum() == pytest.approx(0.5) == w[30:].sum()
    uniform = class_balanced_weights([[0]] * 30 + [[1]] * 10, power=0)
    assert np.allclose(uniform, 1 / 40)
    half = class_balanced_weights([[0]] * 4 + [[1]], power=0.5)
    assert half[0] / half[4] == pytest.approx(0.5)  # sqrt(1 / 4)


def test_a_sample_weighs_as_its_rarest_class_and_no_label_is_a_class():
    w = class_balanced_weights([[0], [0], [0], [0, 1], [], []])
    # class 0: 4 samples, class 1: 1, no label: 2
    expected = np.array([1 / 4, 1 / 4, 1 / 4, 1, 1 / 2, 1 / 2])
    assert np.allclose(w, expected / expected.sum())


def test_draws_balance_the_classes_and_keep_the_epoch_length():
    sampler = ClassBalancedSampler(tiny_virat([[0]] * 46 + [[1]] * 70),
                                   seed=0)
    assert len(sampler) == 116
    drawn = Counter()
    for epoch in range(50):
        sampler.set_epoch(epoch)
        indices = list(sampler)
        assert len(indices) == 116
        drawn.update(0 if i < 46 else 1 for i in indices)
    # 5,800 draws: each class 50% within 3 points (uniform would be 40%)
    assert drawn[0] / 5800 == pytest.approx(0.5, abs=0.03)


def test_the_draw_follows_seed_and_epoch_only():
    ds = tiny_virat([[0]] * 5 + [[1]] * 3)
    a, b = ClassBalancedSampler(ds, seed=3), ClassBalancedSampler(ds, seed=3)
    assert list(a) == list(b)
    a.set_epoch(1)
    assert list(a) != list(b)
    assert list(a) == list(a)


def test_ranks_split_one_draw(monkeypatch):
    ds = tiny_virat([[0]] * 6 + [[1]] * 3)
    parts = []
    for rank in range(2):
        monkeypatch.setattr(module, 'get_dist_info', lambda r=rank: (r, 2))
        sampler = ClassBalancedSampler(ds, seed=1)
        assert len(sampler) == 5  # 9 rounded up to 10 over 2 ranks
        parts.append(list(sampler))
    # the same 10-sample draw on both ranks, every other index each
    draw = np.random.default_rng(1).choice(
        9, size=10, replace=True,
        p=class_balanced_weights([[0]] * 6 + [[1]] * 3))
    assert parts[0] == draw[0::2].tolist() and parts[1] == draw[1::2].tolist()


def test_mmaction_labels_are_read_too():
    ds = Infos([dict(label=0), dict(label=np.int64(1)), dict(label=[0, 2])])
    sampler = ClassBalancedSampler(ds, seed=0)
    # class 0: 2 samples, 1: 1, 2: 1 -> weights 1/2, 1, 1
    assert np.allclose(sampler.weights, np.array([0.5, 1, 1]) / 2.5)


def test_the_runner_builds_it_from_a_config():
    loader = Runner.build_dataloader(
        dict(dataset=tiny_virat([[0]] * 4 + [[1]] * 2), batch_size=2,
             sampler=dict(type='ClassBalancedSampler', power=1.0)),
        seed=0)
    assert isinstance(loader.sampler, ClassBalancedSampler)
    assert loader.sampler.seed == 0
    assert sum(len(b) for b in loader) == 6


def test_bad_input_is_named():
    with pytest.raises(KeyError,
                       match='sample 1 .*b.mp4.*"label_idx" nor "label"'):
        ClassBalancedSampler(Infos([dict(label=0), dict(filename='b.mp4')]))
    with pytest.raises(ValueError, match='empty'):
        ClassBalancedSampler(Infos([]))
    for power in (-0.1, 1.5, True, '1'):
        with pytest.raises(ValueError, match='power'):
            ClassBalancedSampler(tiny_virat([[0]]), power=power)
