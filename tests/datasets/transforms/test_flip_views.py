"""FlipViews: each view is followed by its mirror, FormatShape reads them as
a second crop, and the recipe's recognizer scores a clip as the mean of the
probabilities of the clip and of its mirror."""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

import tiny_action  # noqa: F401
from mmaction.registry import MODELS, TRANSFORMS
from mmaction.structures import ActionDataSample
from mmaction.utils import register_all_modules
from tiny_action.datasets.transforms import FlipViews

REPO = Path(__file__).resolve().parents[3]


def frames(n: int, h: int = 8, w: int = 10, c: int = 6, seed: int = 0):
    rng = np.random.default_rng(seed)
    return list(rng.integers(0, 256, (n, h, w, c)).astype(np.float32))


def formatted(results: dict) -> np.ndarray:
    fmt = TRANSFORMS.build(dict(type='FormatShape', input_format='NCTHW'))
    return fmt(results)['imgs']


@pytest.mark.parametrize('as_array', [False, True])
def test_the_views_are_followed_by_their_mirrors_as_a_second_crop(as_array):
    imgs = frames(2 * 4)  # 2 views of 4 frames
    src = dict(imgs=np.stack(imgs) if as_array else list(imgs),
               num_clips=2, clip_len=4)
    out = FlipViews()(dict(src))
    assert len(out['imgs']) == 16
    x = formatted(out)  # (crops x views, C, T, H, W)
    assert x.shape == (4, 6, 4, 8, 10)
    np.testing.assert_array_equal(x[2:], x[:2, ..., ::-1])
    plain = formatted(dict(src, imgs=list(imgs)))
    np.testing.assert_array_equal(x[:2], plain)


def test_the_sr_twin_follows_and_packs():
    """The SR twin gets its mirrors too, and frame_inds follow, so
    PackTinyActionInputs packs both clips as two crops."""
    src = dict(imgs=frames(4), sr_imgs=frames(4, 32, 40, 3, seed=1),
               frame_inds=np.arange(4), num_clips=1, clip_len=4,
               label=np.array([1, 0], 'f4'))
    out = FlipViews()(src)
    assert len(out['sr_imgs']) == 8
    np.testing.assert_array_equal(out['frame_inds'], [0, 1, 2, 3] * 2)
    for t in range(4):
        np.testing.assert_array_equal(out['sr_imgs'][4 + t],
                                      out['sr_imgs'][t][:, ::-1])
    pack = TRANSFORMS.build(dict(type='PackTinyActionInputs'))
    packed = pack(TRANSFORMS.build(dict(type='FormatShape',
                                        input_format='NCTHW'))(out))
    lr, sr = packed['inputs'], packed['data_samples'].sr_inputs
    assert tuple(lr.shape) == (2, 6, 4, 8, 10)
    assert tuple(sr.shape)[:3] == (2, 3, 4)
    torch.testing.assert_close(sr[1], sr[0].flip(-1))


def test_mirrored_direction_classes_are_an_error_naming_the_sample():
    src = dict(imgs=frames(4), filename='clips/a.mp4',
               flip_label_pairs=[(0, 1)])
    with pytest.raises(ValueError, match=r"'clips/a.mp4'.*\[\(0, 1\)\]"):
        FlipViews()(src)
    out = FlipViews()(dict(imgs=frames(4), flip_label_pairs=[]))
    assert len(out['imgs']) == 8
    with pytest.raises(KeyError, match="'clips/b.mp4' has no `imgs`"):
        FlipViews()(dict(filename='clips/b.mp4'))


def test_recipe_scores_a_clip_as_the_mean_over_it_and_its_mirror():
    """The recipe's recognizer (average_clips='prob') on a clip with
    FlipViews gives the mean of its probabilities on the clip and on the
    mirrored clip, each scored alone."""
    register_all_modules()
    cfg = Config.fromfile(str(REPO / 'configs/proxy/surveillance_lr.py'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    imgs = frames(16, 32, 32, 6, seed=2)

    def score(x: np.ndarray) -> torch.Tensor:
        data = dict(inputs=[torch.from_numpy(np.ascontiguousarray(x))],
                    data_samples=[ActionDataSample()])
        with torch.no_grad():
            return model.test_step(data)[0].pred_score

    both = formatted(FlipViews()(dict(imgs=list(imgs), num_clips=1,
                                      clip_len=16)))
    one = formatted(dict(imgs=list(imgs), num_clips=1, clip_len=16))
    mirror = formatted(dict(imgs=[f[:, ::-1] for f in imgs], num_clips=1,
                            clip_len=16))
    torch.testing.assert_close(score(both),
                               (score(one) + score(mirror)) / 2)
    assert not torch.allclose(score(one), score(mirror))
