"""UniformSegment: one frame from each of N equal segments."""
import numpy as np
import pytest

import tiny_action  # noqa: F401
from mmaction.datasets.transforms import FormatShape
from mmaction.registry import TRANSFORMS
from tiny_action.datasets.transforms import UniformSegment

FRAME_COUNTS = [1, 2, 3, 15, 16, 17, 150]


def sample(total_frames: int, **kwargs) -> dict:
    results = dict(total_frames=total_frames, filename='clip.mp4')
    return UniformSegment(**kwargs)(results)


def assert_in_segments(inds: np.ndarray, total_frames: int, n: int) -> None:
    """Frame ``j`` spans ``[j, j+1)``; segment ``i`` spans
    ``[i T / n, (i+1) T / n)``: the frame must overlap its segment."""
    i = np.arange(n)
    assert inds.shape == (n, )
    assert np.all(inds >= 0) and np.all(inds < total_frames)
    # j < (i+1) T / n  and  j + 1 > i T / n   (integer form)
    assert np.all(inds * n < (i + 1) * total_frames)
    assert np.all((inds + 1) * n > i * total_frames)
    assert np.all(np.diff(inds) >= 0)


@pytest.mark.parametrize('total_frames', FRAME_COUNTS)
@pytest.mark.parametrize('test_mode', [False, True])
def test_valid_indices(total_frames, test_mode):
    for _ in range(50 if not test_mode else 1):
        results = sample(total_frames, test_mode=test_mode)
        inds = results['frame_inds']
        assert inds.dtype == np.int32
        assert_in_segments(inds, total_frames, 16)
        assert results['clip_len'] == 16
        assert results['num_clips'] == 1
        assert results['frame_interval'] is None


@pytest.mark.parametrize('total_frames, expected', [
    (1, [0] * 16),
    (2, [0] * 8 + [1] * 8),
    (3, [0] * 5 + [1] * 6 + [2] * 5),
    (15, [0, 1, 2, 3, 4, 5, 6, 7, 7, 8, 9, 10, 11, 12, 13, 14]),
    (16, list(range(16))),
    (17, [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16]),
    (150, [4, 14, 23, 32, 42, 51, 60, 70, 79, 89, 98, 107, 117, 126, 135,
           145]),
])
def test_test_mode_middle_frames(total_frames, expected):
    np.testing.assert_array_equal(
        sample(total_frames, test_mode=True)['frame_inds'], expected)


@pytest.mark.parametrize('total_frames', [1, 2])
def test_short_clips_repeat_evenly_in_training(total_frames):
    """A segment inside one frame can only take that frame."""
    expected = [0] * 16 if total_frames == 1 else [0] * 8 + [1] * 8
    for _ in range(20):
        np.testing.assert_array_equal(
            sample(total_frames)['frame_inds'], expected)


def test_training_is_random_and_covers_every_frame():
    np.random.seed(0)
    draws = np.stack([sample(150)['frame_inds'] for _ in range(800)])
    assert len({tuple(d) for d in draws}) > 700
    # every frame of the video can be drawn, in its own segment
    assert set(draws.ravel().tolist()) == set(range(150))
    for i in range(16):
        lo, hi = int(np.floor(i * 150 / 16)), int(np.ceil((i + 1) * 150 / 16))
        assert set(draws[:, i].tolist()) <= set(range(lo, hi))


def test_training_uses_global_numpy_seed():
    np.random.seed(3)
    a = sample(150)['frame_inds']
    np.random.seed(3)
    np.testing.assert_array_equal(a, sample(150)['frame_inds'])


def test_views_deterministic_and_different():
    kw = dict(num_views=4, test_mode=True)
    np.random.seed(1)
    a = sample(150, **kw)['frame_inds']
    np.random.seed(2)  # the global RNG does not matter in test mode
    b = sample(150, **kw)['frame_inds']
    np.testing.assert_array_equal(a, b)
    views = a.reshape(4, 16)
    middle = sample(150, test_mode=True)['frame_inds']
    np.testing.assert_array_equal(views[0], middle)
    assert len({tuple(v) for v in views}) == 4
    for v in views:
        assert_in_segments(v, 150, 16)
    # seeded per video: another file, or another seed, other views 1..
    other = UniformSegment(**kw)(
        dict(total_frames=150, filename='other.mp4'))['frame_inds']
    assert not np.array_equal(other[16:], a[16:])
    np.testing.assert_array_equal(other[:16], a[:16])
    reseeded = sample(150, seed=7, **kw)['frame_inds']
    assert not np.array_equal(reseeded[16:], a[16:])
    # no filename: sample_idx seeds the views
    by_idx = [
        UniformSegment(**kw)(dict(total_frames=150, sample_idx=k))
        ['frame_inds'] for k in (5, 5, 6)
    ]
    np.testing.assert_array_equal(by_idx[0], by_idx[1])
    assert not np.array_equal(by_idx[0], by_idx[2])


def test_views_of_short_clip_are_valid():
    inds = sample(2, num_views=3, test_mode=True)['frame_inds']
    assert inds.shape == (48, )
    for v in inds.reshape(3, 16):
        np.testing.assert_array_equal(v, [0] * 8 + [1] * 8)


def test_start_index_and_num_segments():
    results = UniformSegment(num_segments=8, test_mode=True)(
        dict(total_frames=8, start_index=1))
    np.testing.assert_array_equal(results['frame_inds'], np.arange(1, 9))
    assert results['clip_len'] == 8


def test_output_works_with_format_shape():
    results = sample(40, num_views=3, test_mode=True)
    frames = [
        np.full((4, 5, 3), i, np.uint8) for i in results['frame_inds']
    ]
    results['imgs'] = frames
    out = FormatShape('NCTHW')(results)
    assert out['imgs'].shape == (3, 3, 16, 4, 5)
    np.testing.assert_array_equal(out['imgs'][1, 0, :, 0, 0],
                                  results['frame_inds'][16:32])


@pytest.mark.parametrize('total_frames', [3, 16, 40, 150])
def test_random_sampling_draws_from_the_whole_clip(total_frames):
    """sampling='random' (the R(2+1)D + ASL entry): 16 frames anywhere in
    the clip, sorted, distinct when the clip has enough frames."""
    np.random.seed(0)
    firsts = set()
    for _ in range(40):
        inds = sample(total_frames, sampling='random')['frame_inds']
        assert inds.shape == (16, ) and (np.diff(inds) >= 0).all()
        assert inds.min() >= 0 and inds.max() < total_frames
        if total_frames >= 16:
            assert len(set(inds.tolist())) == 16
        firsts.add(int(inds[0]))
    if total_frames >= 40:  # not tied to segments: the first frame varies
        assert max(firsts) > total_frames / 16


def test_random_sampling_test_views_are_seeded():
    """Five seeded random draws per video in test (the entry's 5 samples),
    the same in every run, different between videos and views."""
    kw = dict(sampling='random', test_mode=True, num_views=5)
    a = sample(150, **kw)
    inds = a['frame_inds'].reshape(5, 16)
    assert a['num_clips'] == 5 and a['clip_len'] == 16
    assert len({tuple(v) for v in inds.tolist()}) == 5
    np.testing.assert_array_equal(a['frame_inds'],
                                  sample(150, **kw)['frame_inds'])
    other = UniformSegment(**kw)(dict(total_frames=150, filename='b.mp4'))
    assert not np.array_equal(other['frame_inds'], a['frame_inds'])
    # no middle view: the first view is a random draw too
    middle = sample(150, test_mode=True)['frame_inds']
    assert not np.array_equal(inds[0], middle)


def test_registry_and_repr():
    t = TRANSFORMS.build(dict(type='UniformSegment', num_segments=16))
    assert isinstance(t, UniformSegment)
    assert repr(t) == ('UniformSegment(num_segments=16, num_views=1, '
                       "test_mode=False, seed=0, sampling='segments', "
                       'all_frames=False)')


@pytest.mark.parametrize('kwargs, match', [
    (dict(num_segments=0), 'num_segments'),
    (dict(num_segments=2.5), 'num_segments'),
    (dict(num_views=0), 'num_views'),
    (dict(seed=-1), 'seed'),
    (dict(sampling='random', all_frames=True), 'all_frames'),
    (dict(sampling='dense'), "`sampling` should be one of"),
])
def test_bad_args(kwargs, match):
    with pytest.raises(ValueError, match=match):
        UniformSegment(**kwargs)


@pytest.mark.parametrize('total_frames', [0, -3, None, 2.0])
def test_bad_total_frames(total_frames):
    with pytest.raises(ValueError, match='total_frames'):
        sample(total_frames)
