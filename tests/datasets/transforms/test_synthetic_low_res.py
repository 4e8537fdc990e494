"""SyntheticLowRes: the paper's synthetic SR pairs from high-res clips."""
import cv2
import numpy as np
import pytest

import tiny_action  # noqa: F401
from mmaction.registry import TRANSFORMS
from tiny_action.datasets.transforms import SyntheticLowRes


def frames(n, h, w, seed=0):
    rng = np.random.default_rng(seed)
    return list(rng.integers(0, 256, (n, h, w, 3), dtype=np.uint8))


def test_pair_from_hr_clip():
    clip = frames(3, 90, 120)
    out = SyntheticLowRes(hr_scale=112, factor=8)(dict(imgs=list(clip)))
    for src, hr, lr in zip(clip, out['sr_imgs'], out['imgs']):
        np.testing.assert_array_equal(
            hr, cv2.resize(src, (112, 112), interpolation=cv2.INTER_CUBIC))
        np.testing.assert_array_equal(
            lr, cv2.resize(hr, (14, 14), interpolation=cv2.INTER_AREA))
    assert out['img_shape'] == (14, 14) and out['sr_img_shape'] == (112, 112)


def test_down_then_up_scale_and_registry():
    t = TRANSFORMS.build(dict(type='SyntheticLowRes', hr_scale=(64, 32),
                              factor=4, lr_scale=(64, 32)))
    out = t(dict(imgs=frames(2, 32, 64)))
    assert out['imgs'][0].shape == (32, 64, 3)
    assert out['sr_imgs'][0].shape == (32, 64, 3)
    # the down-and-up clip lost detail: it differs from the target
    assert np.abs(out['imgs'][0].astype(int) -
                  out['sr_imgs'][0].astype(int)).mean() > 10
    assert 'factor=4' in repr(t)


@pytest.mark.parametrize('kw, match', [
    (dict(factor=1), '`factor` should be an int >= 2'),
    (dict(hr_scale=100, factor=8), 'divisible by `factor` 8'),
    (dict(up_interpolation='cubic'), '`up_interpolation` should be one of'),
])
def test_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        SyntheticLowRes(**kw)


def test_refuses_paired_clips():
    with pytest.raises(ValueError, match='already has a high-resolution'):
        SyntheticLowRes()(dict(imgs=frames(1, 8, 8),
                               sr_imgs=frames(1, 16, 16)))
    with pytest.raises(KeyError, match='needs `imgs`'):
        SyntheticLowRes()(dict())
