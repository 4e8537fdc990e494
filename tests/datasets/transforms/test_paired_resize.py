"""PairedResize: LR and SR frames each to their own size."""
import numpy as np
import pytest

import tiny_action  # noqa: F401
from mmaction.datasets.transforms import Resize
from mmaction.registry import TRANSFORMS
from tiny_action.datasets.transforms import PairedResize


def frames(n: int, h: int, w: int, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    return list(rng.integers(0, 256, (n, h, w, 3), dtype=np.uint8))


def test_lr_and_sr_sizes():
    results = dict(imgs=frames(16, 24, 30), sr_imgs=frames(16, 96, 120),
                   img_shape=(24, 30), sr_img_shape=(96, 120))
    out = PairedResize(scale=(112, 112), sr_scale=(224, 200))(results)
    assert all(f.shape == (112, 112, 3) for f in out['imgs'])
    assert all(f.shape == (200, 224, 3) for f in out['sr_imgs'])
    assert out['img_shape'] == (112, 112)
    assert out['sr_img_shape'] == (200, 224)
    assert out['keep_ratio'] is False
    np.testing.assert_allclose(out['scale_factor'], [112 / 30, 112 / 24])
    np.testing.assert_allclose(out['sr_scale_factor'], [224 / 120, 200 / 96])


def test_lr_equals_mmaction_resize():
    lr = frames(4, 21, 37)
    ours = PairedResize(scale=(112, 112), sr_scale=None)(dict(imgs=list(lr)))
    ref = Resize(scale=(112, 112), keep_ratio=False)(
        dict(imgs=list(lr), img_shape=(21, 37), modality='RGB'))
    for a, b in zip(ours['imgs'], ref['imgs']):
        np.testing.assert_array_equal(a, b)


def test_sr_left_alone_without_sr_scale_and_lr_only():
    sr = frames(2, 50, 50)
    out = PairedResize(scale=64, sr_scale=None)(
        dict(imgs=frames(2, 20, 20), sr_imgs=sr))
    assert out['imgs'][0].shape == (64, 64, 3)
    assert out['sr_imgs'] is sr
    out = PairedResize()(dict(imgs=frames(2, 20, 20)))
    assert 'sr_imgs' not in out and out['img_shape'] == (112, 112)


def test_already_at_size_kept():
    lr = frames(2, 112, 112)
    out = PairedResize(scale=(112, 112))(dict(imgs=list(lr)))
    assert out['imgs'][0] is lr[0]


def test_registry_and_repr():
    t = TRANSFORMS.build(
        dict(type='PairedResize', scale=(112, 112), sr_scale=(224, 224)))
    assert repr(t) == ("PairedResize(scale=(112, 112), sr_scale=(224, 224), "
                       "interpolation='bilinear')")


@pytest.mark.parametrize('kwargs, match', [
    (dict(scale=None), '`scale`'),
    (dict(scale=(112, 0)), '`scale`'),
    (dict(scale=(112, 112, 3)), '`scale`'),
    (dict(sr_scale=-1), '`sr_scale`'),
    (dict(interpolation='cubic-ish'), 'interpolation'),
])
def test_bad_args(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PairedResize(**kwargs)


@pytest.mark.parametrize('interpolation', ['area', 'bilinear', 'bicubic'])
@pytest.mark.parametrize('channels', [1, 6, 9])
def test_any_channel_count_equals_resizing_each_channel(interpolation,
                                                        channels):
    """Frames with motion channels (e.g. SegmentMotion's 6 or 9 float
    channels) resize like each channel on its own; OpenCV alone refuses more
    than 4 channels with INTER_AREA."""
    import cv2
    rng = np.random.default_rng(channels)
    lr = list(rng.random((3, 40, 52, channels)).astype(np.float32) * 50)
    out = PairedResize(scale=(32, 24), interpolation=interpolation)(
        dict(imgs=lr, img_shape=(40, 52)))['imgs']
    flag = dict(area=cv2.INTER_AREA, bilinear=cv2.INTER_LINEAR,
                bicubic=cv2.INTER_CUBIC)[interpolation]
    for got, img in zip(out, lr):
        assert got.shape == (24, 32, channels) and got.dtype == np.float32
        for c in range(channels):
            np.testing.assert_allclose(
                got[..., c], cv2.resize(np.ascontiguousarray(img[..., c]),
                                        (32, 24), interpolation=flag),
                rtol=1e-5, atol=1e-4)
