"""RandomTemporalCrop: a random window of consecutive frames, which the
sampler after it splits into its segments."""
import numpy as np
import pytest

import tiny_action  # noqa: F401
from mmaction.registry import TRANSFORMS
from tiny_action.datasets.transforms import (RandomTemporalCrop,
                                             UniformSegment)


@pytest.mark.parametrize('total', [1, 2, 5, 23, 60, 142])
def test_window_is_a_consecutive_part_of_the_clip(total):
    crop = RandomTemporalCrop(min_ratio=0.6)
    np.random.seed(0)
    for _ in range(200):
        out = crop(dict(total_frames=total, start_index=3))
        start, length = out['start_index'] - 3, out['total_frames']
        assert 0 <= start and start + length <= total
        assert min(total, max(2, round(0.6 * total))) <= length <= total


def test_windows_cover_the_range_of_shares_and_starts():
    crop = RandomTemporalCrop(min_ratio=0.5)
    np.random.seed(1)
    outs = [crop(dict(total_frames=100)) for _ in range(2000)]
    lengths = np.array([o['total_frames'] for o in outs])
    starts = np.array([o['start_index'] for o in outs])
    assert lengths.min() == 50 and lengths.max() >= 99
    assert abs(lengths.mean() - 75) < 2  # a uniform share in [0.5, 1]
    assert starts.min() == 0 and starts.max() >= 45
    # the window reaches every frame of the clip
    assert (starts + lengths).max() == 100


def test_sampler_after_it_takes_every_frame_of_the_window_only():
    np.random.seed(2)
    results = RandomTemporalCrop(min_ratio=0.6)(dict(total_frames=40))
    start, length = results['start_index'], results['total_frames']
    out = UniformSegment(num_segments=8, all_frames=True)(results)
    assert out['frame_inds'].tolist() == list(range(start, start + length))
    assert out['key_frames'].max() < length


def test_ratio_one_keeps_the_clip_and_repr_names_the_arguments():
    out = RandomTemporalCrop(min_ratio=1.0)(dict(total_frames=17))
    assert out == dict(total_frames=17, start_index=0)
    crop = TRANSFORMS.build(dict(type='RandomTemporalCrop', min_ratio=0.7,
                                 min_frames=4))
    assert repr(crop) == 'RandomTemporalCrop(min_ratio=0.7, min_frames=4)'


@pytest.mark.parametrize('kwargs,name', [
    (dict(min_ratio=0), 'min_ratio'), (dict(min_ratio=1.5), 'min_ratio'),
    (dict(min_ratio=True), 'min_ratio'), (dict(min_frames=0), 'min_frames'),
    (dict(min_frames=2.0), 'min_frames')])
def test_bad_arguments_are_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        RandomTemporalCrop(**kwargs)


def test_a_sample_without_frames_is_named():
    with pytest.raises(ValueError, match="total_frames.*'a.mp4'"):
        RandomTemporalCrop()(dict(total_frames=0, filename='a.mp4'))
