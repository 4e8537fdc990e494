import numpy as np
import pytest
from conftest import random_clip

from mmaction.registry import TRANSFORMS
from tiny_action.datasets.transforms import RandomZoomOut
from tiny_action.datasets.transforms.difference import segment_energy


def _moving(frames=12, size=40, seed=0):
    """A clip whose every pixel changes from frame to frame."""
    return random_clip(frames, size, seed=seed)


def _inner(frames, mean):
    """Rows and columns of the pasted clip: where a frame is not the
    canvas colour ``mean`` in some frame."""
    moved = np.any(np.stack(frames) != mean, axis=(0, 3))
    rows, cols = np.nonzero(moved)
    return rows.min(), rows.max() + 1, cols.min(), cols.max() + 1


def test_the_clip_shrinks_onto_a_still_canvas_of_its_mean_colour():
    """The whole clip, area-resized by one factor, at one place in every
    frame; around it the canvas is the clip's rounded per-channel mean and
    has no motion energy; the frames keep their size and dtype."""
    np.random.seed(0)
    t = TRANSFORMS.build(dict(type='RandomZoomOut', prob=1,
                              scale_range=(0.5, 0.5)))
    clip = _moving()
    out = t(dict(imgs=clip))['imgs']
    assert len(out) == 12 and all(
        f.dtype == np.uint8 and f.shape == (40, 40, 3) for f in out)
    mean = np.rint(np.stack(clip).reshape(-1, 3).mean(axis=0))
    top, bottom, left, right = _inner(out, mean)
    assert (bottom - top, right - left) == (20, 20)
    import cv2
    for f, src in zip(out, clip):
        np.testing.assert_array_equal(
            f[top:bottom, left:right],
            cv2.resize(src, (20, 20), interpolation=cv2.INTER_AREA))
        rest = f.copy()
        rest[top:bottom, left:right] = mean
        assert (rest == mean).all()
    energy = segment_energy(np.stack(out).astype(np.float32), 4)
    assert energy[:, :top].max() == 0 and energy[:, bottom:].max() == 0
    assert (energy[:, top:bottom, left:right] > 0).mean() > 0.9


def test_scales_and_places_vary_and_half_the_clips_change():
    np.random.seed(1)
    t = RandomZoomOut(prob=1, scale_range=(0.6, 1.0))
    sides, tops = [], set()
    for i in range(100):
        clip = _moving(frames=2, seed=i)
        mean = np.rint(np.stack(clip).reshape(-1, 3).mean(axis=0))
        top, bottom, left, right = _inner(t(dict(imgs=clip))['imgs'], mean)
        sides.append(bottom - top)
        tops.add(top)
    assert min(sides) <= 26 and max(sides) == 40 and len(tops) > 5
    half = RandomZoomOut(prob=0.5)
    clips = [_moving(frames=2, seed=i) for i in range(200)]
    changed = [half(dict(imgs=list(c)))['imgs'][0] is not c[0] for c in clips]
    assert 0.35 < np.mean(changed) < 0.65


def test_float_frames_a_scale_of_one_and_the_twin():
    np.random.seed(2)
    clip = [f.astype(np.float32) / 3 for f in _moving(frames=3)]
    out = RandomZoomOut(prob=1, scale_range=(0.5, 0.5))(
        dict(imgs=list(clip)))['imgs']
    assert all(f.dtype == np.float32 for f in out)
    mean = np.stack(clip).reshape(-1, 3).mean(axis=0)
    assert np.allclose(out[0][0, 0], mean) or np.allclose(out[0][-1, -1],
                                                          mean)
    same = RandomZoomOut(prob=1, scale_range=(1, 1))(dict(imgs=list(clip)))
    np.testing.assert_array_equal(np.stack(same['imgs']), np.stack(clip))
    twin = _moving(seed=9)
    assert RandomZoomOut(prob=1)(dict(imgs=_moving(), sr_imgs=twin))[
        'sr_imgs'] is twin
    assert RandomZoomOut(prob=1)(dict(imgs=[]))['imgs'] == []


def test_bad_arguments_and_missing_frames_are_refused():
    with pytest.raises(ValueError, match='`prob` should be a probability'):
        RandomZoomOut(prob=-0.1)
    for bad in ((0, 0.5), (0.8, 0.5), (0.5, 1.2), (0.5,), None, (0.5, True)):
        with pytest.raises(ValueError, match=r'`scale_range` should be a '
                           r'pair \(min, max\) with 0 < min <= max <= 1'):
            RandomZoomOut(scale_range=bad)
    with pytest.raises(KeyError, match='RandomZoomOut needs `imgs`'):
        RandomZoomOut()(dict())
    assert repr(RandomZoomOut()) == \
        'RandomZoomOut(prob=0.5, scale_range=(0.6, 1.0))'
