import json

import numpy as np
import pytest
from conftest import shared_data_dir
from mmaction.registry import TRANSFORMS

from tiny_action.datasets.transforms import (RandomTwinSwap, TinyVideoDecode,
                                             TinyVideoInit, UniformSegment)


def _clip(size, value, frames=3):
    return [np.full((size, size, 3), value, np.uint8) for _ in range(frames)]


def _results(**extra):
    return dict(imgs=_clip(24, 1), img_shape=(24, 24), original_shape=(24, 24),
                sr_imgs=_clip(112, 2), sr_img_shape=(112, 112),
                sr_original_shape=(112, 112), filename='lr/a.mp4', **extra)


def test_swaps_in_the_twin_and_drops_it_either_way():
    t = TRANSFORMS.build(dict(type='RandomTwinSwap', prob=1))
    out = t(_results())
    assert [f.max() for f in out['imgs']] == [2, 2, 2]
    assert out['img_shape'] == (112, 112) == out['original_shape']
    assert not {'sr_imgs', 'sr_img_shape', 'sr_original_shape'} & set(out)
    kept = RandomTwinSwap(prob=0)(_results())
    assert [f.shape for f in kept['imgs']] == [(24, 24, 3)] * 3
    assert kept['img_shape'] == (24, 24) and 'sr_imgs' not in kept
    # the twin's shape from its frames when the decoder gave none
    bare = dict(imgs=_clip(24, 1), sr_imgs=_clip(112, 2))
    assert RandomTwinSwap(prob=1)(bare)['img_shape'] == (112, 112)
    assert repr(t) == 'RandomTwinSwap(prob=1.0)'


def test_half_of_the_samples_at_prob_one_half():
    np.random.seed(0)
    t = RandomTwinSwap(prob=0.5)
    swapped = sum(t(_results())['img_shape'] == (112, 112)
                  for _ in range(400))
    assert 160 < swapped < 240


def test_a_clip_without_twin_is_an_error_naming_it():
    with pytest.raises(KeyError, match="'lr/b.mp4' has no high-resolution "
                       "twin.*data_prefix\\['sr'\\]"):
        RandomTwinSwap()(dict(imgs=_clip(24, 1), filename='lr/b.mp4'))
    with pytest.raises(ValueError, match='prob'):
        RandomTwinSwap(prob=1.5)


def test_real_pair_swapped_to_the_hr_frames_of_the_same_indices():
    """On a real lr/hr pair of tiny_surveillance: the swapped clip is the
    hr clip's frames at the sampled indices, decoded with the lr clip."""
    root = shared_data_dir('tiny_surveillance', 'val')
    ann = json.loads((root / 'annotations.json').read_text())[0]
    results = TinyVideoInit()(dict(
        filename=str(root / 'lr' / ann['path']),
        sr_filename=str(root / 'hr' / ann['path']), start_index=0))
    results = UniformSegment(num_segments=8, test_mode=True)(results)
    results = TinyVideoDecode()(results)
    hr = TinyVideoDecode()(UniformSegment(num_segments=8, test_mode=True)(
        TinyVideoInit()(dict(filename=str(root / 'hr' / ann['path']),
                             start_index=0))))['imgs']
    out = RandomTwinSwap(prob=1)(results)
    assert len(out['imgs']) == 8 and out['img_shape'] == (112, 112)
    for got, want in zip(out['imgs'], hr):
        np.testing.assert_array_equal(got, want)
