"""SRBatcher: grouping, windows, output sizes (random-weight tiny net)."""
import numpy as np
import pytest
import torch
from sr_helpers import one_torch_thread, random_net

from tiny_action.tools.super_resolution import SRBatcher, realbasicvsr_forward

_one_thread = pytest.fixture(scope='module', autouse=True)(one_torch_thread)


@pytest.fixture(scope='module')
def net():
    return random_net(0)


def _clip(t, h, w, seed):
    return np.random.default_rng(seed).integers(0, 256, (t, h, w, 3),
                                                dtype=np.uint8)


def _alone(net, frames):
    x = torch.from_numpy(frames).permute(0, 3, 1, 2).float()[None] / 255.
    y = realbasicvsr_forward(net, x)[0]
    return (y.clamp(0, 1) * 255).round().to(torch.uint8).permute(
        0, 2, 3, 1).numpy()


def test_same_size_clips_share_a_forward(net):
    b = SRBatcher(net, out_size=None, batch_size=3, lookahead=8)
    clips = {k: _clip(4, 16, 16, k) for k in range(3)}
    assert b.add(0, clips[0]) == [] and b.add(1, clips[1]) == []
    done = b.add(2, clips[2])  # the batch is full: one forward for three
    assert [k for k, _ in done] == [0, 1, 2] and b.num_forwards == 1
    for k, out in done:
        assert out.shape == (4, 64, 64, 3) and out.dtype == np.uint8
        # as if alone (up to float rounding of a different batch size)
        diff = np.abs(out.astype(int) - _alone(net, clips[k]).astype(int))
        assert diff.max() <= 1
    assert b.flush() == []


def test_different_sizes_and_lengths_do_not_mix(net):
    b = SRBatcher(net, out_size=(32, 48), batch_size=8, lookahead=8)
    specs = [(3, 16, 16), (4, 16, 16), (3, 16, 24), (3, 16, 16)]
    for k, s in enumerate(specs):
        assert b.add(k, _clip(*s, seed=k)) == []
    done = dict(b.flush())
    assert b.num_forwards == 3  # (16,16,3) x2, (16,16,4), (16,24,3)
    for k, (t, _, _) in enumerate(specs):
        assert done[k].shape == (t, 32, 48, 3)


def test_long_clip_is_cut_into_windows_and_stitched(net):
    frames = _clip(11, 16, 16, 0)
    b = SRBatcher(net, out_size=None, max_frames=5, overlap=2, batch_size=8)
    (key, out), = b.add('long', frames) + b.flush()
    assert key == 'long' and out.shape == (11, 64, 64, 3)
    assert b.num_forwards == 1 and b.num_window_frames == 3 * 5
    # frames come from windows (0,5) (3,8) (6,11) cut at 4 and 7
    wins = [(0, 5), (3, 8), (6, 11)]
    parts = [_alone(net, frames[s:e]) for s, e in wins]
    expected = np.concatenate(
        [parts[0][0:4], parts[1][1:4], parts[2][1:5]])
    assert np.abs(out.astype(int) - expected.astype(int)).max() <= 1


def test_pixel_budget_and_lookahead_bound_the_batches(net):
    b = SRBatcher(net, out_size=(16, 16), batch_size=8,
                  max_batch_pixels=2 * 3 * 16 * 16, lookahead=8)
    done = []
    for k in range(5):
        done += b.add(k, _clip(3, 16, 16, k))
    done += b.flush()
    assert sorted(k for k, _ in done) == list(range(5))
    assert b.num_forwards == 3  # 2 + 2 + 1 windows
    b = SRBatcher(net, out_size=(16, 16), batch_size=8, lookahead=2)
    finished = [b.add(k, _clip(3, 16 + 2 * k, 16, k)) for k in range(4)]
    # no batch mate ever comes: the oldest clip runs once 3 are held
    assert [[k for k, _ in f] for f in finished] == [[], [], [0], [1]]


def test_bad_frames(net):
    b = SRBatcher(net)
    with pytest.raises(ValueError, match="clip 'x': expected"):
        b.add('x', np.zeros((0, 16, 16, 3), np.uint8))
    with pytest.raises(ValueError, match='`batch_size` should be an int'):
        SRBatcher(net, batch_size=0)
    with pytest.raises(ValueError, match='`overlap`'):
        SRBatcher(net, max_frames=4, overlap=4)
