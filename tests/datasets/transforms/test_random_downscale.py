import numpy as np
import pytest

from mmaction.registry import TRANSFORMS
from tiny_action.datasets.transforms import RandomDownscale


def _clip(h, w, frames=3, channels=3):
    rng = np.random.default_rng(0)
    return [rng.uniform(0, 255, (h, w, channels)).astype(np.float32)
            for _ in range(frames)]


def test_down_scales_every_frame_alike_within_the_range():
    np.random.seed(0)
    t = TRANSFORMS.build(dict(type='RandomDownscale', min_size=24, prob=1))
    shorts = set()
    for _ in range(60):
        out = t(dict(imgs=_clip(60, 90), img_shape=(60, 90)))
        shapes = {img.shape for img in out['imgs']}
        assert len(shapes) == 1
        h, w, c = shapes.pop()
        assert c == 3 and 24 <= h <= 60 and out['img_shape'] == (h, w)
        assert abs(w / h - 1.5) < 0.05  # aspect ratio kept
        shorts.add(h)
    assert min(shorts) < 35 and max(shorts) > 50  # spread over the range


def test_area_interpolation_averages_the_frame():
    np.random.seed(1)
    frame = np.zeros((48, 48, 6), np.float32)
    frame[:, :24] = 10.0  # left half 10, right half 0; 6 channels
    t = RandomDownscale(min_size=24, prob=1)
    out = t(dict(imgs=[frame]))['imgs'][0]
    assert out.shape[2] == 6
    assert out.mean() == pytest.approx(5.0, abs=0.3)
    assert out[:, 0].min() == pytest.approx(10.0)


def test_leaves_small_clips_the_twin_and_unlucky_clips_alone():
    small = _clip(24, 40)
    out = RandomDownscale(min_size=24, prob=1)(dict(imgs=small))
    assert out['imgs'] is small
    never = RandomDownscale(prob=0)(dict(imgs=_clip(80, 80)))
    assert never['imgs'][0].shape == (80, 80, 3)
    np.random.seed(0)
    sr = _clip(112, 112)
    out = RandomDownscale(prob=1)(dict(imgs=_clip(56, 56), sr_imgs=sr))
    assert out['sr_imgs'] is sr  # the teacher's input keeps its detail
    assert out['imgs'][0].shape[:2] == out['img_shape']
    assert out['img_shape'][0] < 56


def test_half_of_the_clips_at_prob_one_half():
    np.random.seed(0)
    t = RandomDownscale(min_size=24, prob=0.5)
    scaled = sum(t(dict(imgs=_clip(100, 100, frames=1)))['imgs'][0].shape[0]
                 < 100 for _ in range(400))
    assert 160 < scaled < 240


@pytest.mark.parametrize('kwargs,match', [
    (dict(min_size=0), 'min_size'), (dict(min_size=2.5), 'min_size'),
    (dict(prob=1.5), 'prob'), (dict(prob=True), 'prob'),
    (dict(interpolation='fancy'), 'interpolation')])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RandomDownscale(**kwargs)


def test_needs_frames_and_has_a_repr():
    with pytest.raises(KeyError, match='imgs'):
        RandomDownscale()(dict())
    assert repr(RandomDownscale()) == (
        "RandomDownscale(min_size=24, prob=0.5, interpolation='area')")
