import numpy as np
import pytest

from mmaction.registry import TRANSFORMS
from tiny_action.datasets.transforms import ClipStandardize


def _clip(frames=4, h=6, w=5, scale=(1.0, 2.0, 0.5), offset=(10, 100, 200)):
    rng = np.random.default_rng(0)
    base = rng.uniform(0, 50, (frames, h, w, 3))
    return [(f * np.asarray(scale) + np.asarray(offset)).astype(np.uint8)
            for f in base]


def _fading_clip():
    """Frames of one scene that get brighter and sharper over time, so
    that per-frame or per-pixel statistics differ from the clip's."""
    rng = np.random.default_rng(1)
    scene = rng.uniform(0, 60, (6, 5, 3))
    return [(scene * (1 + 0.5 * t) + 20 * t).astype(np.uint8)
            for t in range(4)]


def test_every_channel_is_standardised_with_the_whole_clips_statistics():
    frames = _fading_clip()
    t = TRANSFORMS.build(dict(type='ClipStandardize', mean=110, std=51))
    out = t(dict(imgs=frames))['imgs']
    assert isinstance(out, list) and len(out) == 4
    assert all(f.dtype == np.float32 and f.shape == (6, 5, 3) for f in out)
    clip = np.stack(frames).astype(np.float64)
    mu, sigma = clip.mean((0, 1, 2)), clip.std((0, 1, 2))
    np.testing.assert_allclose(np.stack(out), (clip - mu) / sigma * 51 + 110,
                               rtol=1e-5, atol=1e-3)
    # one linear map for the clip: frame differences keep their ratios
    # (per-frame or per-pixel statistics would change them)
    d_in = np.abs(np.diff(clip, axis=0)).mean((1, 2, 3))
    d_out = np.abs(np.diff(np.stack(out), axis=0)).mean((1, 2, 3))
    np.testing.assert_allclose(d_out / d_out[0], d_in / d_in[0], rtol=1e-4)


def test_contrast_and_brightness_of_the_camera_are_removed():
    # the same scene filmed with half the contrast and another brightness
    bright = _clip(scale=(2.0, 2.0, 2.0), offset=(0, 0, 0))
    dull = [(f.astype(np.float32) / 2 + 60).astype(np.float32) for f in bright]
    t = ClipStandardize()
    a = np.stack(t(dict(imgs=bright))['imgs'])
    b = np.stack(t(dict(imgs=dull))['imgs'])
    np.testing.assert_allclose(a, b, atol=1e-3)
    # hence the same frame differences (the motion energy's input)
    np.testing.assert_allclose(np.diff(a, axis=0), np.diff(b, axis=0),
                               atol=1e-3)


def test_the_twin_uses_its_own_statistics_and_flat_channels_are_shifted():
    flat = [np.full((4, 4, 3), 7, np.uint8) for _ in range(3)]
    sr = _clip(h=12, w=10)
    out = ClipStandardize(mean=0, std=1)(dict(imgs=flat, sr_imgs=sr))
    np.testing.assert_array_equal(np.stack(out['imgs']), 0)
    twin = np.stack(out['sr_imgs'])
    assert twin.shape == (4, 12, 10, 3)
    np.testing.assert_allclose(twin.std((0, 1, 2)), 1, rtol=1e-4)
    # float noise far below a grey level is not blown up to full contrast
    noisy = [np.full((4, 4, 3), 50, np.float32) + 1e-7 * i for i in range(3)]
    out = np.stack(ClipStandardize(mean=0, std=1)(dict(imgs=noisy))['imgs'])
    assert np.abs(out).max() < 1e-3


def test_grey_clips_use_one_statistic_and_empty_clips_stay_empty():
    grey = [f[..., 0] for f in _fading_clip()]
    out = np.stack(ClipStandardize(mean=110, std=51)(dict(imgs=grey))['imgs'])
    assert out.shape == (4, 6, 5)
    assert out.mean() == pytest.approx(110, abs=1e-3)
    assert out.std() == pytest.approx(51, rel=1e-4)
    assert ClipStandardize()(dict(imgs=[]))['imgs'] == []


def test_refuses_bad_arguments_and_undecoded_results():
    for kwargs in (dict(std=0), dict(std=-1), dict(mean='1'),
                   dict(mean=float('nan')), dict(std=True)):
        with pytest.raises(ValueError, match='ClipStandardize'):
            ClipStandardize(**kwargs)
    assert ClipStandardize(mean=np.int64(100), std=np.float32(40)).std == 40
    with pytest.raises(KeyError, match='imgs'):
        ClipStandardize()(dict(filename='a.mp4'))
    assert repr(ClipStandardize()) == 'ClipStandardize(mean=110.0, std=51.0)'
