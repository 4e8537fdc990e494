import tiny_action  # noqa: F401  (compat shims + registration first)

import pytest
import torch
from mmaction.registry import MODELS

GROUPS = [[0, 1, 2], [3, 4, 5]]


def _drop(prob: float = 0.5, groups=GROUPS):
    return MODELS.build(dict(type='ModalityDropout', groups=groups,
                             prob=prob))


def test_each_dropped_sample_loses_exactly_one_whole_group():
    """Per sample: either untouched, or one group all zero and the other
    group untouched; with prob 0.5 about half the samples lose a group and
    both groups are drawn about evenly."""
    torch.manual_seed(0)
    imgs = torch.randn(400, 1, 6, 4, 5, 5) + 3  # no zeros by chance
    samples = [object() for _ in range(400)]
    out, same = _drop(0.5)(imgs, samples)
    assert same is samples and out.shape == imgs.shape
    lost = {0: 0, 1: 0}
    for i in range(400):
        zero = [bool((out[i, :, g] == 0).all()) for g in GROUPS]
        kept = [torch.equal(out[i, :, g], imgs[i, :, g]) for g in GROUPS]
        assert sum(zero) <= 1
        assert all(z or k for z, k in zip(zero, kept))
        for g, z in enumerate(zero):
            lost[g] += z
    assert 160 <= lost[0] + lost[1] <= 240
    assert abs(lost[0] - lost[1]) < 50


@pytest.mark.parametrize('prob, changed', [(0.0, False), (1.0, True)])
def test_probability_bounds(prob, changed):
    imgs = torch.ones(8, 2, 6, 3, 4, 4)
    out, _ = _drop(prob)(imgs, [None] * 8)
    assert (not torch.equal(out, imgs)) is changed
    if changed:  # every sample lost one group in all its views
        per_sample = (out == 0).flatten(1).sum(1)
        assert (per_sample == 2 * 3 * 3 * 16).all()


def test_views_of_one_sample_lose_the_same_group():
    torch.manual_seed(1)
    imgs = torch.ones(16, 3, 6, 2, 2, 2)
    out, _ = _drop(1.0)(imgs, [None] * 16)
    for i in range(16):
        assert torch.equal(out[i, 0], out[i, 1])
        assert torch.equal(out[i, 0], out[i, 2])


def test_data_preprocessor_applies_it_in_training_only():
    """As ActionDataPreprocessor's ``blending``: after the normalisation
    (a dropped group is 0, the train mean), not at test time."""
    pre = MODELS.build(dict(
        type='ActionDataPreprocessor', format_shape='NCTHW',
        mean=[100.] * 6, std=[10.] * 6,
        blending=dict(type='ModalityDropout', groups=GROUPS, prob=1.0)))
    data = dict(inputs=[torch.full((1, 6, 2, 3, 3), 120.)] * 4,
                data_samples=[None] * 4)
    test = pre(dict(data), training=False)['inputs']
    assert torch.allclose(test, torch.full_like(test, 2.0))
    train = pre(dict(data), training=True)['inputs']
    for i in range(4):
        zero = [bool((train[i, :, g] == 0).all()) for g in GROUPS]
        assert sorted(zero) == [False, True]


@pytest.mark.parametrize('kwargs, match', [
    (dict(groups=[[0, 1, 2]]), 'two or more'),
    (dict(groups=[[0, 1], [1, 2]]), 'none in two'),
    (dict(groups=[[0], []]), 'non-empty'),
    (dict(groups=GROUPS, prob=1.5), r'`prob` should be a number in \[0, 1\]'),
    (dict(groups=GROUPS, prob=True), '`prob`'),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(dict(type='ModalityDropout', **kwargs))


def test_groups_beyond_the_inputs_channels_are_an_error():
    with pytest.raises(ValueError, match=r'shape \(2, 1, 4, 2, 2, 2\)'):
        _drop(1.0)(torch.ones(2, 1, 4, 2, 2, 2), [None] * 2)
