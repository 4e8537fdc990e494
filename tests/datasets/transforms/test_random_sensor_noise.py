import numpy as np
import pytest

from mmaction.registry import TRANSFORMS
from tiny_action.datasets.transforms import RandomSensorNoise
from tiny_action.datasets.transforms.difference import segment_energy


def _still(value=100, frames=12, size=32, dtype=np.uint8):
    return [np.full((size, size, 3), value, dtype) for _ in range(frames)]


def test_noise_of_one_draw_per_clip_raises_the_motion_energy_floor():
    """A still clip has no motion energy. With noise, every frame changes
    independently: the clip's noise std is one draw in [0, max_std] (the
    same in every frame), and the median frame-to-frame change is about
    1.13 times it, the floor the transform is for."""
    np.random.seed(0)
    t = TRANSFORMS.build(dict(type='RandomSensorNoise', max_std=3, prob=1))
    assert np.median(segment_energy(
        np.stack(_still()).astype(np.float32), 4)) == 0
    stds = []
    for _ in range(40):
        out = t(dict(imgs=_still()))['imgs']
        assert len(out) == 12
        assert all(f.dtype == np.uint8 and f.shape == (32, 32, 3)
                   for f in out)
        clip = np.stack(out).astype(np.float32)
        per_frame = clip.reshape(12, -1).std(axis=1)
        assert per_frame.max() - per_frame.min() < 0.6  # one draw a clip
        std = float(clip.std())
        stds.append(std)
        if std > 1.5:  # well above the rounding to whole grey levels
            floor = np.median(segment_energy(clip, 4))
            assert floor == pytest.approx(1.13 * std, rel=0.25)
    assert 0 <= min(stds) < 0.5 and 2.5 < max(stds) <= 3.2


def test_float_frames_stay_float_and_every_frame_stays_in_range():
    np.random.seed(1)
    t = RandomSensorNoise(max_std=20, prob=1)
    dark = t(dict(imgs=_still(0, dtype=np.float32)))['imgs']
    bright = t(dict(imgs=_still(255)))['imgs']
    assert all(f.dtype == np.float32 for f in dark)
    assert min(f.min() for f in dark) == 0 and max(f.max() for f in dark) > 0
    # a float frame is not rounded to whole grey levels
    assert any((f != np.rint(f)).any() for f in dark)
    assert max(f.max() for f in bright) == 255
    assert min(f.min() for f in bright) < 255


def test_leaves_the_twin_the_unlucky_clips_and_empty_clips_alone():
    np.random.seed(2)
    twin = _still(50)
    results = dict(imgs=_still(), sr_imgs=twin)
    out = RandomSensorNoise(prob=1)(results)
    assert out['sr_imgs'] is twin
    clip = _still()
    never = RandomSensorNoise(prob=0)(dict(imgs=clip))
    assert never['imgs'] is clip
    assert RandomSensorNoise(prob=1)(dict(imgs=[]))['imgs'] == []
    # prob 0.5: about half the clips change
    t = RandomSensorNoise(max_std=3, prob=0.5)
    changed = [any((f != 100).any() for f in t(dict(imgs=_still()))['imgs'])
               for _ in range(200)]
    assert 0.35 < np.mean(changed) < 0.65


def test_bad_arguments_and_missing_frames_are_refused():
    for bad in (-1, float('nan'), True, '2'):
        with pytest.raises(ValueError, match='`max_std` should be a finite'):
            RandomSensorNoise(max_std=bad)
    with pytest.raises(ValueError, match='`prob` should be a probability'):
        RandomSensorNoise(prob=1.5)
    with pytest.raises(KeyError, match='RandomSensorNoise needs `imgs`'):
        RandomSensorNoise()(dict())
    assert repr(RandomSensorNoise()) == \
        'RandomSensorNoise(max_std=2.5, prob=0.5)'
