"""TemporalReverse: whole clips with key frames, views of consecutive
frames, the twin, the label pairs, irreversible classes and errors."""
import numpy as np
import pytest
from mmaction.registry import TRANSFORMS

import tiny_action  # noqa: F401  (registers the transforms)
from tiny_action.datasets.transforms import (SegmentMotion, TemporalReverse,
                                             UniformSegment)


def _clip(total, size=4):
    """``total`` frames, frame t filled with the value t."""
    return [np.full((size, size, 3), t, np.uint8) for t in range(total)]


def test_whole_clip_with_key_frames_plays_backwards():
    results = dict(imgs=_clip(10), sr_imgs=_clip(10, 8),
                   frame_inds=np.arange(10), num_clips=2,
                   key_frames=np.array([1, 4, 8, 0, 5, 9]))
    out = TemporalReverse(prob=1.0)(results)
    assert out['reversed']
    assert [int(f[0, 0, 0]) for f in out['imgs']] == list(range(9, -1, -1))
    assert [int(f[0, 0, 0]) for f in out['sr_imgs']] == list(range(9, -1, -1))
    assert out['frame_inds'].tolist() == list(range(9, -1, -1))
    # each view's key frames on the reversed clip, still increasing: the
    # frames they show are the view's frames in reverse order
    assert out['key_frames'].tolist() == [1, 5, 8, 0, 4, 9]
    shown = [int(out['imgs'][k][0, 0, 0]) for k in out['key_frames']]
    assert shown == [8, 4, 1, 9, 5, 0]


def test_views_of_consecutive_frames_each_reverse_in_place():
    frames = np.stack(_clip(8))
    out = TemporalReverse(prob=1.0)(dict(imgs=frames, num_clips=2,
                                         frame_inds=np.arange(8) + 20))
    assert out['imgs'][:, 0, 0, 0].tolist() == [3, 2, 1, 0, 7, 6, 5, 4]
    assert out['frame_inds'].tolist() == [23, 22, 21, 20, 27, 26, 25, 24]
    assert out['imgs'] is not frames and frames[0, 0, 0, 0] == 0


def test_prob_zero_never_and_half_about_half():
    results = dict(imgs=_clip(4))
    out = TemporalReverse(prob=0.0)(dict(results))
    assert not out['reversed'] and out['imgs'] is results['imgs']
    np.random.seed(0)
    hits = sum(TemporalReverse(prob=0.5)(dict(imgs=_clip(4)))['reversed']
               for _ in range(400))
    assert 160 < hits < 240


def test_label_pairs_swap_and_irreversible_classes_stay_forward():
    label = np.array([1, 0, 0, 1], np.float32)  # classes 0 and 3
    out = TemporalReverse(prob=1.0)(dict(imgs=_clip(4), label=label,
                                         reverse_label_pairs=[(0, 1)]))
    assert out['label'].tolist() == [0, 1, 0, 1]
    assert label.tolist() == [1, 0, 0, 1]  # the dataset's array untouched
    # int labels swap too
    out = TemporalReverse(prob=1.0)(dict(imgs=_clip(4), label=1,
                                         reverse_label_pairs=[(0, 1)]))
    assert out['label'] == 0
    # a sample with an irreversible class is never reversed ...
    imgs = _clip(4)
    out = TemporalReverse(prob=1.0)(dict(imgs=imgs, label=label,
                                         irreversible_classes=[3]))
    assert not out['reversed'] and out['imgs'] is imgs
    # ... one without it is
    out = TemporalReverse(prob=1.0)(dict(imgs=_clip(4), label=label,
                                         irreversible_classes=[2]))
    assert out['reversed']


def test_segment_motion_of_a_reversed_clip_is_the_clip_backwards():
    """Through the recipe's sampler and SegmentMotion: a reversed clip's
    segment frames are the forward clip's in reverse order, and its
    energies are those of the backward clip (a segment's pairs reach one
    frame into the next segment, so they are not the forward energies
    reversed)."""
    from tiny_action.datasets.transforms.difference import segment_energy
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (6, 6, 3), dtype=np.uint8)
              for _ in range(16)]
    sampled = UniformSegment(num_segments=4, all_frames=True,
                             test_mode=True)(dict(total_frames=16))
    forward = SegmentMotion()(dict(sampled, imgs=list(frames)))
    backward = SegmentMotion()(TemporalReverse(prob=1.0)(
        dict(sampled, imgs=list(frames))))
    for f, b in zip(forward['imgs'], backward['imgs'][::-1]):
        np.testing.assert_array_equal(f[..., :3], b[..., :3])
    energy = segment_energy(np.stack(frames[::-1]).astype(np.float32), 4)
    np.testing.assert_allclose(np.stack(backward['imgs'])[..., 3:], energy,
                               rtol=1e-6)


def test_errors_name_the_sample():
    with pytest.raises(KeyError, match="needs `imgs`.*'a.mp4'"):
        TemporalReverse(prob=1.0)(dict(filename='a.mp4'))
    with pytest.raises(ValueError, match="'a.mp4' has 7 imgs, not 2 views"):
        TemporalReverse(prob=1.0)(dict(filename='a.mp4', imgs=_clip(7),
                                       num_clips=2))
    with pytest.raises(ValueError, match='5 key frames, not 2 views'):
        TemporalReverse(prob=1.0)(dict(imgs=_clip(7), num_clips=2,
                                       key_frames=np.arange(5)))
    with pytest.raises(ValueError, match='reverse_label_pairs needs'):
        TemporalReverse(prob=1.0)(dict(imgs=_clip(4), label=[1, 0],
                                       reverse_label_pairs=[(0, 1)]))
    for prob in (1.5, -0.1, True, '0.5'):
        with pytest.raises(ValueError, match='`prob` should be a probability'):
            TemporalReverse(prob=prob)


def test_registered_and_repr():
    t = TRANSFORMS.build(dict(type='TemporalReverse', prob=0.25))
    assert isinstance(t, TemporalReverse)
    assert repr(t) == 'TemporalReverse(prob=0.25)'
