import numpy as np
import pytest
from conftest import random_clip

from mmaction.registry import TRANSFORMS
from tiny_action.datasets.transforms import RandomClipErasing
from tiny_action.datasets.transforms.difference import segment_energy


def _moving(frames=12, size=32, seed=0):
    """A clip whose every pixel changes from frame to frame."""
    return random_clip(frames, size, seed=seed)


def _erased(before, after):
    """Mask of the pixels ``after`` changed in any frame and channel."""
    return np.any(np.stack(after) != np.stack(before), axis=(0, 3))


def test_one_rectangle_the_same_in_every_frame_filled_with_the_clip_mean():
    """The rectangle is one box of the frame, the same in all frames, its
    pixels the clip's rounded per-channel mean: no motion energy is left
    there, while the rest of the clip is untouched."""
    np.random.seed(0)
    t = TRANSFORMS.build(dict(type='RandomClipErasing', prob=1,
                              area_range=(0.1, 0.2), aspect_range=(1, 1)))
    clip = _moving()
    out = t(dict(imgs=[f.copy() for f in clip]))['imgs']
    assert len(out) == 12 and all(
        f.dtype == np.uint8 and f.shape == (32, 32, 3) for f in out)
    mask = _erased(clip, out)
    rows, cols = np.nonzero(mask)
    box = np.zeros_like(mask)
    box[rows.min():rows.max() + 1, cols.min():cols.max() + 1] = True
    assert (mask == box).all()  # a full rectangle
    h, w = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
    assert h == w  # aspect ratio 1
    assert 0.1 * 1024 * 0.8 <= h * w <= 0.2 * 1024 * 1.2
    mean = np.rint(np.stack(clip).reshape(-1, 3).mean(axis=0))
    for f in out:
        assert (f[mask] == mean).all()
    energy = segment_energy(np.stack(out).astype(np.float32), 4)
    assert (energy[:, mask] == 0).all() and (energy[:, ~mask] > 0).mean() > .9


def test_areas_and_aspects_follow_their_ranges_and_half_the_clips_change():
    np.random.seed(1)
    t = RandomClipErasing(prob=1, area_range=(0.02, 0.25),
                          aspect_range=(0.3, 3.3))
    areas, aspects = [], []
    for i in range(200):
        clip = _moving(frames=3, size=64, seed=i)
        mask = _erased(clip, t(dict(imgs=[f.copy() for f in clip]))['imgs'])
        rows, cols = np.nonzero(mask)
        h, w = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
        areas.append(h * w / 64 ** 2)
        aspects.append(w / h)
    assert 0.015 < min(areas) < 0.04 and 0.2 < max(areas) < 0.27
    assert 0.25 < min(aspects) < 0.45 and 2.5 < max(aspects) < 3.8
    assert np.median(aspects) == pytest.approx(1, abs=0.3)  # log-uniform
    half = RandomClipErasing(prob=0.5)
    changed = [_erased(c, half(dict(imgs=[f.copy() for f in c]))['imgs'])
               .any() for c in (_moving(frames=2, seed=i)
                                for i in range(200))]
    assert 0.35 < np.mean(changed) < 0.65


def test_float_frames_keep_their_mean_and_dtype():
    np.random.seed(2)
    clip = [f.astype(np.float32) / 3 for f in _moving(frames=4)]
    out = RandomClipErasing(prob=1)(dict(imgs=[f.copy() for f in clip]))
    frames = out['imgs']
    mask = _erased(clip, frames)
    assert mask.any() and all(f.dtype == np.float32 for f in frames)
    mean = np.stack(clip).reshape(-1, 3).mean(axis=0)
    assert np.allclose(frames[0][mask], mean)


def test_leaves_the_twin_the_unlucky_empty_and_too_small_clips_alone():
    np.random.seed(3)
    twin = _moving(seed=9)
    results = dict(imgs=_moving(), sr_imgs=twin)
    assert RandomClipErasing(prob=1)(results)['sr_imgs'] is twin
    clip = _moving()
    assert RandomClipErasing(prob=0)(dict(imgs=clip))['imgs'] is clip
    assert RandomClipErasing(prob=1)(dict(imgs=[]))['imgs'] == []
    # a 1 x 1 frame has no rectangle smaller than the frame: left as it is
    tiny = _moving(size=1)
    assert RandomClipErasing(prob=1)(dict(imgs=tiny))['imgs'] is tiny


def test_bad_arguments_and_missing_frames_are_refused():
    with pytest.raises(ValueError, match='`prob` should be a probability'):
        RandomClipErasing(prob=2)
    for bad in ((0, 0.2), (0.3, 0.2), (0.1, 1.0), (0.1,), 0.2, (True, 0.2),
                (0.1, float('nan')), ('0.1', 0.2)):
        with pytest.raises(ValueError, match='`area_range` should be a pair'):
            RandomClipErasing(area_range=bad)
    with pytest.raises(ValueError, match='`aspect_range` should be a pair'):
        RandomClipErasing(aspect_range=(2, 1))
    with pytest.raises(KeyError, match='RandomClipErasing needs `imgs`'):
        RandomClipErasing()(dict())
    assert repr(RandomClipErasing()) == (
        'RandomClipErasing(prob=0.5, area_range=(0.02, 0.25), '
        'aspect_range=(0.3, 3.3))')
