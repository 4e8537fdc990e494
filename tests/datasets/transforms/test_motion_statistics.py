import tiny_action  # noqa: F401  (compat shims + registration first)

import numpy as np
import pytest
from mmaction.registry import TRANSFORMS

from tiny_action.datasets.transforms import (MotionStatistics, grey_clip,
                                             motion_statistics)
from tiny_action.datasets.transforms.statistics import NUM_GLOBAL


def _moving_square(t=8, s=64, side=8, step=4, grey=200.0):
    """(T, S, S) grey frames: a bright square moving right on black, a
    4 px cell (grid 16 of 64 px) per frame."""
    frames = np.zeros((t, s, s), np.float32)
    for i in range(t):
        frames[i, 20:20 + side, 4 + i * step:4 + i * step + side] = grey
    return frames


def test_static_clip_has_no_motion_and_keeps_its_brightness():
    frames = np.full((6, 32, 32), 0.4, np.float32)
    v = motion_statistics(frames, grid=8)
    assert v.shape == (2 * 64 + NUM_GLOBAL,) and v.dtype == np.float32
    assert np.all(v[:128] == 0)
    energy_stats = v[128:128 + 8]  # mean, std, max, 3 percentiles, 2 fractions
    assert np.all(energy_stats == 0)
    assert v[-3] == pytest.approx(0.4)  # frames' mean
    assert v[-2] == pytest.approx(0.0, abs=1e-6)  # frames' std


def test_moving_square_lights_the_cells_it_crosses_only():
    frames = _moving_square()
    v = motion_statistics(frames, grid=16, white=255.0)
    cells_mean, cells_max = v[:256], v[256:512]
    # sorted: still cells first, moving cells last
    assert np.all(np.diff(cells_mean) >= 0) and np.all(np.diff(cells_max) >= 0)
    moving = np.count_nonzero(cells_max)
    # the square covers rows 20-27 (cells 5-6) and columns 4-39 (cells
    # 1-9) over time; a cell it enters or leaves changes completely
    assert moving == 2 * 9
    assert cells_max[-1] == pytest.approx(200.0)
    # every difference is 0 or 200 grey levels: both thresholds give the
    # same moving fraction, which is that of the pixels that changed
    diff = np.abs(np.diff(frames, axis=0))
    frac = (diff > 0).mean()
    assert v[512 + 6] == pytest.approx(frac) and v[512 + 7] == \
        pytest.approx(frac)


def test_statistics_ignore_where_the_motion_is_and_its_direction():
    frames = _moving_square()
    mirrored = frames[:, :, ::-1].copy()
    np.testing.assert_allclose(motion_statistics(frames, 16, 255.0),
                               motion_statistics(mirrored, 16, 255.0),
                               rtol=1e-6)


def test_white_scales_the_thresholds_with_the_frames():
    # pauses give the energy a shape (its autocorrelation is defined)
    frames = _moving_square(grey=30.0)[[0, 1, 1, 2, 3, 3, 3, 4, 5, 6]] + 100.0
    unit = motion_statistics(frames / 255.0, 16, white=1.0)
    levels = motion_statistics(frames, 16, white=255.0)
    fractions, autocorr = slice(512 + 6, 512 + 8), slice(512 + 8, 512 + 10)
    np.testing.assert_allclose(levels[fractions], unit[fractions])
    np.testing.assert_allclose(levels[autocorr], unit[autocorr], atol=1e-5)
    np.testing.assert_allclose(levels[:512], unit[:512] * 255, rtol=1e-4,
                               atol=1e-4)
    # the 30-level motion is above 0.05 white (12.75 levels), below 0.15
    # white (38.25); with a wrong white (1000) it is below both
    wrong = motion_statistics(frames, 16, white=1000.0)
    assert levels[512 + 6] > 0 and levels[512 + 7] == 0
    assert wrong[512 + 6] == 0


def test_one_frame_clip_and_bad_shapes():
    v = motion_statistics(np.ones((1, 16, 16), np.float32), grid=4)
    assert np.all(v[:32] == 0) and np.isfinite(v).all()
    for bad in (np.zeros((0, 16, 16)), np.zeros((3, 16, 12)),
                np.zeros((3, 18, 18)), np.zeros((16, 16))):
        with pytest.raises(ValueError, match='motion_statistics'):
            motion_statistics(bad.astype(np.float32), grid=4)


def _rgb_clip(t=10, s=96, seed=0):
    rng = np.random.default_rng(seed)
    clip = rng.integers(0, 60, size=(t, s, s, 3), dtype=np.uint8)
    for i in range(t):  # a moving bright block
        clip[i, 30:50, 5 + 6 * i:25 + 6 * i] = 220
    return list(clip)


def test_transform_thins_the_sorted_cells_to_evenly_spaced_ranks():
    imgs = _rgb_clip()
    tr = TRANSFORMS.build(dict(type='MotionStatistics', size=64, grid=16,
                               quantiles=5))
    out = tr(dict(imgs=imgs))
    stats = out['motion_stats']
    assert stats.dtype == np.float32 and stats.shape == (tr.num_stats,)
    assert tr.num_stats == 2 * 5 + NUM_GLOBAL
    full = motion_statistics(grey_clip(imgs, 64), 16, white=255.0)
    ranks = [0, 64, 128, 191, 255]  # round(linspace(0, 255, 5))
    np.testing.assert_array_equal(stats[:5], full[:256][ranks])
    np.testing.assert_array_equal(stats[5:10], full[256:512][ranks])
    np.testing.assert_array_equal(stats[10:], full[512:])
    assert stats[4] == full[:256].max() and stats[0] == full[:256].min()
    assert out['imgs'] is imgs  # the frames are left for SegmentMotion


def test_transform_is_the_same_for_uint8_and_float_frames_and_flips():
    imgs = _rgb_clip()
    tr = MotionStatistics()
    a = tr(dict(imgs=imgs))['motion_stats']
    b = tr(dict(imgs=[f.astype(np.float32) for f in imgs]))['motion_stats']
    # uint8 frames are rounded to grey levels twice (grey, resize)
    q, g = 2 * tr.quantiles, 2 * tr.quantiles + np.arange(NUM_GLOBAL)
    levels = np.r_[np.arange(q), g[[0, 1, 2, 3, 4, 5, 10, 11, 12, 13]]]
    np.testing.assert_allclose(a[levels], b[levels], atol=0.5)
    np.testing.assert_allclose(a[g[6:8]], b[g[6:8]], atol=0.01)  # fractions
    np.testing.assert_allclose(a[g[8:10]], b[g[8:10]], atol=0.1)  # autocorr
    c = tr(dict(imgs=[np.ascontiguousarray(f[:, ::-1]) for f in imgs]))
    np.testing.assert_allclose(a, c['motion_stats'], rtol=1e-5, atol=1e-5)


def test_transform_sees_more_motion_in_a_busier_clip():
    still = [np.full((64, 64, 3), 90, np.uint8)] * 8
    busy = _rgb_clip(t=8, s=64)
    tr = MotionStatistics(size=32, grid=8)
    s0 = tr(dict(imgs=still))['motion_stats']
    s1 = tr(dict(imgs=busy))['motion_stats']
    mean_energy = 2 * tr.quantiles  # first global statistic
    assert s0[mean_energy] == 0 and s1[mean_energy] > 1.0


def test_transform_rejects_bad_arguments_and_clips():
    for kwargs in (dict(size=0), dict(grid=True), dict(size=64, grid=10),
                   dict(quantiles=1), dict(grid=4, size=64, quantiles=17),
                   dict(size=2.5)):
        with pytest.raises(ValueError, match='MotionStatistics'):
            MotionStatistics(**kwargs)
    tr = MotionStatistics()
    with pytest.raises(ValueError, match="'clip.mp4'.*H x W x 3"):
        tr(dict(imgs=[], filename='clip.mp4'))
    with pytest.raises(ValueError, match='H x W x 3'):
        tr(dict(imgs=[np.zeros((8, 8), np.uint8)]))
    assert repr(tr) == 'MotionStatistics(size=64, grid=16, quantiles=16)'
