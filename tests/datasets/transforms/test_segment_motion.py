"""SegmentMotion: the whole clip back to one frame per segment, each with the
motion energy of every frame in its segment (UniformSegment(all_frames))."""
import numpy as np
import pytest

import tiny_action  # noqa: F401
from mmaction.datasets.transforms import FormatShape
from mmaction.registry import TRANSFORMS
from tiny_action.datasets.transforms import SegmentMotion, UniformSegment
from tiny_action.datasets.transforms.difference import (background,
                                                        key_frame_flow,
                                                        segment_bounds,
                                                        segment_energy,
                                                        segment_peak)


def clip(values, size: int = 2) -> list:
    """uint8 frames whose every pixel is the given value."""
    return [np.full((size, size, 3), v, np.uint8) for v in values]


@pytest.mark.parametrize('total,segments', [(1, 4), (3, 4), (16, 16),
                                            (50, 16), (61, 16)])
def test_bounds_cover_the_clip_in_order(total, segments):
    bounds = segment_bounds(total, segments)
    assert bounds.shape == (segments, 2)
    assert np.all(bounds[:, 1] > bounds[:, 0])
    assert np.all((bounds >= 0) & (bounds[:, 1] <= total)[:, None])
    # every frame lies in some segment and segments never go back in time
    covered = set()
    for start, stop in bounds:
        covered.update(range(start, stop))
    assert covered == set(range(total))
    assert np.all(np.diff(bounds[:, 0]) >= 0)


def test_energy_averages_every_neighbouring_difference_of_the_segment():
    # 8 frames, 2 segments [0, 4) and [4, 8): pairs (0,1),(1,2),(2,3),(3,4)
    # then (4,5),(5,6),(6,7) -- the last segment has no pair after frame 7
    values = [0, 10, 10, 40, 0, 0, 30, 30]
    energy = segment_energy(
        np.stack(clip(values)).astype(np.float32), 2)
    assert energy.shape == (2, 2, 2, 3)
    assert energy[0, 0, 0, 0] == pytest.approx((10 + 0 + 30 + 40) / 4)
    assert energy[1, 0, 0, 0] == pytest.approx((0 + 30 + 0) / 3)


def test_peak_is_the_largest_neighbouring_difference_of_the_segment():
    # the pairs of the test above: max(10, 0, 30, 40) and max(0, 30, 0)
    values = [0, 10, 10, 40, 0, 0, 30, 30]
    frames = np.stack(clip(values)).astype(np.float32)
    peak = segment_peak(frames, 2)
    assert peak.shape == (2, 2, 2, 3)
    assert peak[0, 0, 0, 0] == 40 and peak[1, 0, 0, 0] == 30
    assert (peak >= segment_energy(frames, 2)).all()
    # one pair per segment: the peak is the energy; one frame: zeros
    assert np.array_equal(segment_peak(frames, 8), segment_energy(frames, 8))
    one = segment_peak(np.stack(clip([9])).astype(np.float32), 3)
    assert one.shape == (3, 2, 2, 3) and not one.any()


def test_energy_of_static_and_one_frame_clips_is_zero():
    assert not segment_energy(
        np.stack(clip([7] * 5)).astype(np.float32), 4).any()
    one = segment_energy(np.stack(clip([9])).astype(np.float32), 3)
    assert one.shape == (3, 2, 2, 3) and not one.any()


def test_sampler_keeps_all_frames_and_the_segment_choice():
    sampler = UniformSegment(num_segments=4, test_mode=True, all_frames=True)
    out = sampler(dict(total_frames=10, start_index=1))
    assert out['frame_inds'].tolist() == list(range(1, 11))
    middle = UniformSegment(num_segments=4, test_mode=True).middle_inds(10)
    assert out['key_frames'].tolist() == middle.tolist()
    assert out['clip_len'] == 4 and out['num_clips'] == 1
    assert 'all_frames=True' in repr(sampler)


@pytest.mark.parametrize('mode,channels', [('energy', 3), ('rgb+energy', 6),
                                           ('rgb+diff+energy', 9),
                                           ('rgb+peak+energy', 9)])
def test_pipeline_gives_one_frame_per_segment(mode, channels):
    values = [0, 10, 10, 40, 0, 0, 30, 30]
    results = UniformSegment(num_segments=2, test_mode=True,
                             all_frames=True)(dict(total_frames=8,
                                                   start_index=3))
    assert results['frame_inds'].tolist() == list(range(3, 11))
    results['imgs'] = clip(values)
    results['sr_imgs'] = clip(values, size=4)
    out = TRANSFORMS.build(dict(type='SegmentMotion', mode=mode))(results)
    assert 'key_frames' not in out
    # the segment middles (positions 2 and 6), as decoded frame numbers
    assert out['frame_inds'].tolist() == [5, 9]
    assert len(out['imgs']) == 2 and out['imgs'][0].shape == (2, 2, channels)
    assert out['sr_imgs'][0].shape == (4, 4, channels)
    first, second = out['imgs']
    if mode != 'energy':  # the key frames
        assert first[0, 0, 0] == 10 and second[0, 0, 0] == 30
    assert first[0, 0, -1] == pytest.approx(20.0)  # the segment energy
    assert second[0, 0, -1] == pytest.approx(10.0)
    if mode == 'rgb+diff+energy':  # gradient of the key frames: 30 - 10
        assert first[0, 0, 3] == second[0, 0, 3] == 20.0
    if mode == 'rgb+peak+energy':  # the peaks: max(10, 0, 30, 40), 30
        assert (first[0, 0, 3:6] == 40).all() and (second[0, 0, 3:6] == 30
                                                   ).all()
    shaped = FormatShape(input_format='NCTHW')(out)
    assert shaped['imgs'].shape == (1, channels, 2, 2, 2)


def test_views_share_the_energy_but_not_the_key_frames():
    results = UniformSegment(num_segments=2, num_views=2, test_mode=True,
                             all_frames=True)(dict(total_frames=8,
                                                   filename='a.mp4'))
    results['imgs'] = clip([0, 10, 20, 30, 40, 50, 60, 70])
    out = SegmentMotion()(results)
    assert len(out['imgs']) == 4
    keys = [float(f[0, 0, 0]) for f in out['imgs']]
    assert keys[:2] == [20.0, 60.0]  # view 0: middles
    # view 1: its own seeded frames, one inside each segment
    view1 = UniformSegment(num_segments=2)._view_rng(
        dict(filename='a.mp4')).integers(0, 8, size=2)
    assert keys[2:] == [10.0 * ((i * 8 + o) // 2)
                        for i, o in enumerate(view1)]
    assert 0 <= keys[2] < 40 <= keys[3] < 80
    assert [float(f[0, 0, 3]) for f in out['imgs']] == [10.0] * 4


def test_bad_input_is_named():
    with pytest.raises(ValueError, match='mode'):
        SegmentMotion(mode='diff')
    with pytest.raises(KeyError, match="all_frames=True.*'x.mp4'.*per_frame"):
        SegmentMotion()(dict(imgs=clip([0, 1]), filename='x.mp4',
                             clip_len=2))
    with pytest.raises(ValueError, match="'x.mp4' has 3 frames"):
        SegmentMotion()(dict(imgs=clip([0, 1, 2]), filename='x.mp4',
                             clip_len=2, key_frames=np.array([0, 5])))


def test_per_frame_takes_each_frames_own_step_within_its_view():
    # 2 views of 3 consecutive frames: energies |f1-f0|, |f2-f1|, |f2-f1|
    imgs = clip([0, 10, 30]) + clip([100, 100, 160])
    out = SegmentMotion(per_frame=True)(dict(imgs=imgs, clip_len=3,
                                             num_clips=2))
    assert [float(f[0, 0, 0]) for f in out['imgs']] == [0, 10, 30, 100, 100,
                                                        160]
    assert [float(f[0, 0, 3]) for f in out['imgs']] == [10, 20, 20, 0, 60,
                                                        60]
    with pytest.raises(ValueError, match='5 frames, expected 2 views x 3'):
        SegmentMotion(per_frame=True)(dict(imgs=clip([0] * 5), clip_len=3,
                                           num_clips=2))
    assert repr(SegmentMotion(per_frame=True)) == (
        "SegmentMotion(mode='rgb+energy', per_frame=True, flow_size=48, "
        'log_energy=False, noise_floor=False)')


@pytest.mark.parametrize('total', [2, 3, 5])
def test_short_clips_through_the_sampler(total):
    # fewer frames than segments: every segment still holds a frame, its key
    # frame is one of the frames its energy's pairs span, and the energy is
    # the mean step of those pairs
    values = [0, 40, 50, 90, 100][:total]
    results = UniformSegment(num_segments=8, test_mode=True,
                             all_frames=True)(dict(total_frames=total))
    results['imgs'] = clip(values)
    results['sr_imgs'] = clip(values, size=4)
    out = SegmentMotion()(results)
    bounds = segment_bounds(total, 8)
    steps = np.abs(np.diff(values)).astype(float)
    for (start, stop), frame, sr in zip(bounds, out['imgs'], out['sr_imgs']):
        assert values[start] <= frame[0, 0, 0] <= values[min(stop,
                                                             total - 1)]
        pairs = range(min(start, total - 2), max(min(stop, total - 1),
                                                 min(start, total - 2) + 1))
        assert frame[0, 0, 3] == pytest.approx(steps[list(pairs)].mean())
        np.testing.assert_array_equal(sr[0, 0], frame[0, 0])


def test_misplaced_all_frames_is_refused():
    from tiny_action.datasets.transforms import PackTinyActionInputs
    results = UniformSegment(num_segments=2, test_mode=True,
                             all_frames=True)(dict(total_frames=4,
                                                   filename='y.mp4'))
    results['imgs'] = clip([0, 1, 2, 3])
    with pytest.raises(ValueError, match="'y.mp4'.*per_frame is for clips"):
        SegmentMotion(per_frame=True)(dict(results))
    # no SegmentMotion at all: the pack step names the file and the cause
    shaped = FormatShape(input_format='NCTHW')(dict(results))
    with pytest.raises(ValueError, match="'y.mp4'.*key_frames.*SegmentMotion"):
        PackTinyActionInputs()(shaped)
    with pytest.raises(KeyError, match="clip_len.*'z.mp4'"):
        SegmentMotion()(dict(imgs=clip([0, 1]), filename='z.mp4',
                             key_frames=[0]))


def blob_clip(size: int, step: float, frames: int = 4) -> np.ndarray:
    """``(frames, size, size, 3)`` float32: a bright Gaussian blob on grey
    that moves ``step`` px to the right from one frame to the next."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    out = []
    for t in range(frames):
        cx, cy = size * 0.4 + t * step, size * 0.5
        g = 40 + 180 * np.exp(-((x - cx)**2 + (y - cy)**2) /
                              (2 * (size / 10)**2))
        out.append(np.repeat(g[..., None], 3, -1))
    return np.stack(out)


def moving(clip: np.ndarray) -> np.ndarray:
    """Pixels that change between the first two frames."""
    return np.abs(clip[1] - clip[0]).sum(-1) > 5


@pytest.mark.parametrize('size,step', [(24, 1), (48, 2), (96, 4)])
def test_flow_is_in_pixels_of_the_flow_size_at_any_resolution(size, step):
    # the same motion (a twelfth of the frame per frame) at three sizes:
    # 2 px of a 48 px frame each time
    c = blob_clip(size, step)
    flow = key_frame_flow(c, [0, 1], 48)
    assert flow.shape == (2, size, size, 2) and flow.dtype == np.float32
    dx, dy = flow[0][moving(c)].mean(0)
    assert dx == pytest.approx(2.0, abs=0.15) and abs(dy) < 0.05
    # still: no flow
    still = key_frame_flow(np.repeat(c[:1], 3, 0), [0, 1], 48)
    assert np.abs(still).max() < 1e-3


def test_flow_of_a_mirrored_clip_points_the_other_way():
    c = blob_clip(48, 2)
    mirrored = c[:, :, ::-1]
    right = key_frame_flow(c, [0], 48)[0][moving(c)].mean(0)
    left = key_frame_flow(mirrored, [0], 48)[0][moving(mirrored)].mean(0)
    assert right[0] > 1.5 and left[0] == pytest.approx(-right[0], abs=0.1)


def test_flow_of_the_last_frame_takes_the_last_pair_and_one_frame_none():
    c = blob_clip(48, 2, frames=3)
    c[2] = c[1]  # the last step stops
    last = key_frame_flow(c, [2], 48)[0]
    assert np.abs(last).max() < 1e-3  # pair (1, 2), not (2, 3)
    one = key_frame_flow(c[:1], [0, 0], 48)
    assert one.shape == (2, 48, 48, 2) and not one.any()


def test_pipeline_puts_the_flow_between_frame_and_energy():
    frames = blob_clip(24, 1, frames=8).astype(np.uint8)
    results = UniformSegment(num_segments=2, test_mode=True,
                             all_frames=True)(dict(total_frames=8))
    results['imgs'] = list(frames)
    out = SegmentMotion(mode='rgb+flow+energy', flow_size=48)(results)
    assert len(out['imgs']) == 2 and out['imgs'][0].shape == (24, 24, 8)
    rgb = np.stack(out['imgs'])[..., :3]
    assert np.array_equal(rgb, frames[[2, 6]])  # the segment middles
    flow = np.stack(out['imgs'])[..., 3:5]
    assert flow[0][moving(frames.astype(np.float32))].mean(0)[0] == \
        pytest.approx(2, abs=0.3)
    energy = segment_energy(frames.astype(np.float32), 2)
    assert np.allclose(np.stack(out['imgs'])[..., 5:], energy)
    shaped = FormatShape(input_format='NCTHW')(out)
    assert shaped['imgs'].shape == (1, 8, 2, 24, 24)


def test_per_frame_flow_stays_within_each_view():
    # 2 views of 2 frames each: a view's last frame takes its own last
    # pair, never the first frame of the next view
    c = blob_clip(48, 2)
    views = [c[0], c[1], c[1], c[1]]  # view 1 is still
    out = SegmentMotion(mode='rgb+flow+energy', per_frame=True)(
        dict(imgs=views, clip_len=2, num_clips=2))
    flows = [f[..., 3:5][moving(c)].mean(0)[0] for f in out['imgs']]
    assert flows[0] == pytest.approx(2, abs=0.15) == flows[1]
    assert abs(flows[2]) < 1e-3 and abs(flows[3]) < 1e-3


@pytest.mark.parametrize('flow_size', [4, 32.0, True])
def test_bad_flow_size_is_named(flow_size):
    with pytest.raises(ValueError, match='flow_size'):
        SegmentMotion(mode='rgb+flow+energy', flow_size=flow_size)


def test_flow_needs_rgb_or_grey_frames():
    with pytest.raises(ValueError, match='RGB or grey'):
        key_frame_flow(np.zeros((2, 8, 8, 2), np.float32), [0], 48)


def test_each_view_gets_the_flow_of_its_own_key_frames():
    frames = blob_clip(24, 1, frames=8).astype(np.uint8)
    results = UniformSegment(num_segments=2, num_views=2, test_mode=True,
                             all_frames=True)(dict(total_frames=8,
                                                   filename='a.mp4'))
    keys = results['key_frames']
    results['imgs'] = list(frames)
    out = SegmentMotion(mode='rgb+flow+energy')(results)
    assert len(out['imgs']) == 4
    expected = key_frame_flow(frames.astype(np.float32), keys, 48)
    assert np.allclose(np.stack(out['imgs'])[..., 3:5], expected)


def square_clip(frames: int = 9, size: int = 24) -> np.ndarray:
    """``(frames, size, size, 3)`` float32: a textured still scene with a
    bright 4 px square that moves 2 px to the right per frame (so it covers
    any pixel in at most 2 of the frames)."""
    rng = np.random.default_rng(0)
    scene = rng.uniform(0, 120, (size, size, 3)).astype(np.float32)
    out = []
    for t in range(frames):
        frame = scene.copy()
        frame[10:14, 2 * t:2 * t + 4] = 250
        out.append(frame)
    return np.stack(out)


def test_background_is_the_still_scene_of_the_clip():
    c = square_clip()
    scene = c[-1].copy()
    scene[10:14, 16:20] = c[0][10:14, 16:20]  # where the square is last
    assert np.allclose(background(c), scene)
    one = background(c[:1])
    assert one.dtype == np.float32 and np.array_equal(one, c[0])


def test_foreground_mode_keeps_the_people_and_drops_the_scene():
    frames = square_clip()
    results = UniformSegment(num_segments=3, test_mode=True,
                             all_frames=True)(dict(total_frames=9))
    keys = results['key_frames']
    results['imgs'] = list(frames.astype(np.uint8))
    out = SegmentMotion(mode='fg+energy')(results)
    imgs = np.stack(out['imgs'])
    assert imgs.shape == (3, 24, 24, 6) and imgs.dtype == np.float32
    scene = background(frames.astype(np.uint8).astype(np.float32))
    for fg, key in zip(imgs[..., :3], keys):
        square = np.zeros((24, 24), bool)
        square[10:14, 2 * key:2 * key + 4] = True
        # the square stands out of the scene, the scene itself is gone
        assert np.all(fg[square] > 100) and not fg[~square].any()
        assert np.allclose(fg, frames[key].astype(np.uint8) - scene)
    energy = segment_energy(frames.astype(np.uint8).astype(np.float32), 3)
    assert np.allclose(imgs[..., 3:], energy)
    assert out['frame_inds'].tolist() == keys.tolist()


def test_per_frame_foreground_takes_each_views_own_background():
    frames = square_clip(frames=4).astype(np.uint8)
    still = [frames[0]] * 4  # view 1 never moves: no foreground at all
    out = SegmentMotion(mode='fg+energy', per_frame=True)(
        dict(imgs=list(frames) + still, clip_len=4, num_clips=2))
    imgs = np.stack(out['imgs'])
    assert imgs.shape == (8, 24, 24, 6)
    assert not imgs[4:].any()
    view0 = frames.astype(np.float32)
    assert np.allclose(imgs[:4, ..., :3], view0 - background(view0))


def test_log_energy_compresses_only_the_energy():
    """``log_energy``: the energy channels hold log(1 + e), the key frames
    stay as they are (segment energies 20 and 10 as above)."""
    values = [0, 10, 10, 40, 0, 0, 30, 30]
    results = UniformSegment(num_segments=2, test_mode=True,
                             all_frames=True)(dict(total_frames=8))
    results['imgs'] = clip(values)
    out = SegmentMotion(log_energy=True)(results)
    first, second = out['imgs']
    assert first[0, 0, 0] == 10 and second[0, 0, 0] == 30
    assert first[0, 0, 3:] == pytest.approx([np.log(21.0)] * 3)
    assert second[0, 0, 3:] == pytest.approx([np.log(11.0)] * 3)
    assert 'log_energy=True' in repr(SegmentMotion(log_energy=True))


def test_noise_floor_removes_each_channels_median_energy():
    """``noise_floor``: each energy channel loses its median over the
    segments and pixels, clipped at 0; the key frames stay; with
    ``log_energy`` the log is taken of what remains."""
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 3, (9, 4, 5, 3)).astype(np.uint8)  # noise
    frames[4:, :2, :2, 0] += 60  # one channel, one corner moves

    def segments(transform):
        results = UniformSegment(num_segments=2, test_mode=True,
                                 all_frames=True)(dict(total_frames=9))
        results['imgs'] = list(frames)
        return np.stack(transform(results)['imgs'])

    plain = segments(SegmentMotion())
    floored = segments(SegmentMotion(noise_floor=True))
    assert np.array_equal(floored[..., :3], plain[..., :3])
    energy = plain[..., 3:]
    median = np.median(energy, axis=(0, 1, 2))
    assert (median > 0).all()  # the noise gives every channel a floor
    assert np.allclose(floored[..., 3:], np.maximum(energy - median, 0))
    assert floored[..., 3].max() == energy[..., 0].max() - median[0]
    both = SegmentMotion(noise_floor=True, log_energy=True)
    assert np.allclose(segments(both)[..., 3:], np.log1p(floored[..., 3:]))
    assert 'noise_floor=True' in repr(both)
    # the peak channels lose their own median, as the energy's do
    peaks = segments(SegmentMotion(mode='rgb+peak+energy'))
    floored_peaks = segments(SegmentMotion(mode='rgb+peak+energy',
                                           noise_floor=True))
    assert np.allclose(floored_peaks[..., 6:], floored[..., 3:])
    peak = peaks[..., 3:6]
    assert np.allclose(floored_peaks[..., 3:6], np.maximum(
        peak - np.median(peak, axis=(0, 1, 2)), 0))
