"""FrameDifference: temporal gradient of the sampled frames, per view."""
import numpy as np
import pytest

import tiny_action  # noqa: F401
from mmaction.datasets.transforms import FormatShape
from mmaction.registry import TRANSFORMS
from tiny_action.datasets.transforms import (FrameDifference,
                                             PackTinyActionInputs)


def ramp(n: int, step: float, start: float = 0.0, size: int = 4) -> list:
    """``n`` uint8 frames whose every pixel is ``start + t * step``."""
    return [np.full((size, size, 3), start + t * step, np.uint8)
            for t in range(n)]


def test_gradient_is_central_inside_and_one_sided_at_the_ends():
    values = [0, 10, 40, 50]
    imgs = [np.full((2, 3, 3), v, np.uint8) for v in values]
    out = FrameDifference()(dict(imgs=imgs))['imgs']
    got = [float(f[0, 0, 0]) for f in out]
    assert got == [10.0, 20.0, 20.0, 10.0]
    assert all(f.dtype == np.float32 and f.shape == (2, 3, 3) for f in out)


def test_static_clip_is_zero_and_negative_motion_is_kept():
    out = FrameDifference()(dict(imgs=ramp(5, 0, start=200)))['imgs']
    assert all(not f.any() for f in out)
    out = FrameDifference()(dict(imgs=ramp(3, -50, start=255)))['imgs']
    assert all(np.all(f == -50) for f in out)


def test_views_never_mix():
    # view 0 is constant 0, view 1 constant 100: no difference across views
    imgs = ramp(4, 0) + ramp(4, 0, start=100)
    out = FrameDifference()(dict(imgs=imgs, num_clips=2))['imgs']
    assert len(out) == 8 and all(not f.any() for f in out)
    with pytest.raises(ValueError, match='7 frames.*2 views'):
        FrameDifference()(dict(imgs=ramp(7, 1), num_clips=2))


def test_one_frame_view_is_zero():
    out = FrameDifference()(dict(imgs=ramp(1, 0, start=9)))['imgs']
    assert len(out) == 1 and not out[0].any()


def test_rgb_plus_diff_appends_channels_and_sr_gets_the_same():
    lr, sr = ramp(3, 20), ramp(3, 30, size=8)
    out = FrameDifference('rgb+diff')(dict(imgs=lr, sr_imgs=sr))
    for t, (frame, sr_frame) in enumerate(zip(out['imgs'], out['sr_imgs'])):
        assert frame.shape == (4, 4, 6) and sr_frame.shape == (8, 8, 6)
        np.testing.assert_array_equal(frame[..., :3], lr[t])
        assert np.all(frame[..., 3:] == 20) and np.all(sr_frame[..., 3:] == 30)


def test_packs_into_a_float_clip():
    results = dict(imgs=ramp(4, 5), num_clips=1, clip_len=4,
                   label=np.array([1, 0], np.float32))
    results = FrameDifference()(results)
    results = FormatShape('NCTHW')(results)
    packed = PackTinyActionInputs()(results)
    assert tuple(packed['inputs'].shape) == (1, 3, 4, 4, 4)
    assert packed['inputs'].dtype.is_floating_point
    assert float(packed['inputs'].max()) == 5.0


def test_registered_and_checked():
    t = TRANSFORMS.build(dict(type='FrameDifference', mode='rgb+diff'))
    assert repr(t) == "FrameDifference(mode='rgb+diff', pairs=False)"
    with pytest.raises(ValueError, match='`mode`'):
        FrameDifference('flow')
    with pytest.raises(KeyError, match='`imgs`'):
        FrameDifference()(dict())


def test_pairs_of_consecutive_frames_become_one_frame_each():
    # 3 pairs (a, b): b - a = 5, -7, 0; the SR twin gets the same
    values = [10, 15, 100, 93, 40, 40]
    imgs = [np.full((2, 2, 3), v, np.uint8) for v in values]
    results = dict(imgs=imgs, sr_imgs=[np.full((4, 4, 3), v, np.uint8)
                                       for v in values],
                   num_clips=3, clip_len=2,
                   frame_inds=np.array([0, 1, 20, 21, 40, 41]))
    out = FrameDifference('rgb+diff', pairs=True)(results)
    assert [float(f[0, 0, 3]) for f in out['imgs']] == [5.0, -7.0, 0.0]
    assert [float(f[0, 0, 0]) for f in out['imgs']] == [10.0, 100.0, 40.0]
    assert [float(f[0, 0, 3]) for f in out['sr_imgs']] == [5.0, -7.0, 0.0]
    assert (out['num_clips'], out['clip_len']) == (1, 3)
    np.testing.assert_array_equal(out['frame_inds'], [0, 20, 40])
    packed = PackTinyActionInputs()(FormatShape('NCTHW')(out))
    assert tuple(packed['inputs'].shape) == (1, 6, 3, 2, 2)
    assert tuple(packed['data_samples'].sr_inputs.shape) == (1, 6, 3, 4, 4)


def test_pairs_with_mmaction_sampler_and_bad_views():
    sampler = TRANSFORMS.build(dict(type='SampleFrames', clip_len=2,
                                    frame_interval=1, num_clips=4,
                                    test_mode=True))
    results = sampler(dict(total_frames=40, start_index=0))
    inds = results['frame_inds']
    assert (inds[1::2] - inds[::2] == 1).all()
    results['imgs'] = [np.full((2, 2, 3), i, np.uint8) for i in inds]
    out = FrameDifference(pairs=True)(results)
    assert len(out['imgs']) == 4 and all(np.all(f == 1) for f in out['imgs'])
    with pytest.raises(ValueError, match='views of 2 consecutive'):
        FrameDifference(pairs=True)(dict(imgs=ramp(4, 1), num_clips=1,
                                         clip_len=4))
