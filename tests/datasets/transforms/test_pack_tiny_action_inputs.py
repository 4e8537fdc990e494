"""PackTinyActionInputs: LR inputs, SR clip on the data sample, labels."""
import numpy as np
import pytest
import torch

import tiny_action  # noqa: F401
from mmaction.datasets.transforms import FormatShape
from mmaction.registry import MODELS, TRANSFORMS
from mmaction.structures import ActionDataSample
from tiny_action.datasets.transforms import PackTinyActionInputs


def sampled(num_views: int = 1, clip_len: int = 4, with_sr: bool = True,
            label=None) -> dict:
    n = num_views * clip_len
    rng = np.random.default_rng(0)
    results = dict(
        imgs=list(rng.integers(0, 256, (n, 8, 8, 3), dtype=np.uint8)),
        num_clips=num_views,
        clip_len=clip_len,
        frame_inds=np.arange(n, dtype=np.int32),
        img_shape=(8, 8),
        id='00042',
        sample_idx=7,
        tail_flip=True,
        flip=True,
        label=np.array([0, 1, 1], np.float32) if label is None else label)
    if with_sr:
        results['sr_imgs'] = list(
            rng.integers(0, 256, (n, 16, 16, 3), dtype=np.uint8))
        results['sr_img_shape'] = (16, 16)
    return results


def test_lr_and_sr_ncthw():
    results = sampled(num_views=3)
    sr_frames = np.stack(results['sr_imgs'])
    results = FormatShape('NCTHW')(results)
    packed = PackTinyActionInputs()(results)
    inputs, ds = packed['inputs'], packed['data_samples']
    assert isinstance(ds, ActionDataSample)
    assert inputs.shape == (3, 3, 4, 8, 8) and inputs.dtype == torch.uint8
    sr = ds.sr_inputs
    assert sr.shape == (3, 3, 4, 16, 16) and sr.dtype == torch.uint8
    # view v, channel c, time t is frame v * clip_len + t
    for v, c, t in [(0, 0, 0), (1, 2, 3), (2, 1, 1)]:
        np.testing.assert_array_equal(sr[v, c, t].numpy(),
                                      sr_frames[v * 4 + t, :, :, c])
    assert ds.metainfo['id'] == '00042'
    assert ds.metainfo['sr_img_shape'] == (16, 16)
    assert ds.metainfo['tail_flip'] is True


def test_multi_hot_label_survives_as_float():
    packed = PackTinyActionInputs()(FormatShape('NCTHW')(sampled()))
    gt = packed['data_samples'].gt_label
    assert gt.dtype == torch.float32 and gt.shape == (3, )
    assert gt.tolist() == [0.0, 1.0, 1.0]
    # what mmaction's multi-label loss needs (set_gt_label's long would fail)
    loss = MODELS.build(dict(type='BCELossWithLogits'))
    assert torch.isfinite(loss(torch.zeros(1, 3), gt[None]))


def test_int_label_as_mmaction():
    packed = PackTinyActionInputs()(
        FormatShape('NCTHW')(sampled(label=2, with_sr=False)))
    ds = packed['data_samples']
    assert ds.gt_label.tolist() == [2] and ds.gt_label.dtype == torch.long
    assert 'sr_inputs' not in ds


def test_sr_nchw():
    packed = PackTinyActionInputs(sr_input_format='NCHW')(
        FormatShape('NCTHW')(sampled()))
    assert packed['data_samples'].sr_inputs.shape == (4, 3, 16, 16)


def test_sr_frames_must_match_indices():
    results = sampled()
    results['sr_imgs'] = results['sr_imgs'][:3]
    with pytest.raises(ValueError, match='same indices'):
        PackTinyActionInputs()(FormatShape('NCTHW')(results))


def test_registry_and_bad_args():
    t = TRANSFORMS.build(dict(type='PackTinyActionInputs'))
    assert isinstance(t, PackTinyActionInputs)
    with pytest.raises(ValueError, match='sr_input_format'):
        PackTinyActionInputs(sr_input_format='NTHWC')


def test_motion_stats_are_packed_as_a_float_tensor():
    results = FormatShape('NCTHW')(sampled(with_sr=False))
    results['motion_stats'] = np.arange(5, dtype=np.float64)
    ds = PackTinyActionInputs()(results)['data_samples']
    assert ds.motion_stats.dtype == torch.float32
    assert ds.motion_stats.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    plain = PackTinyActionInputs()(FormatShape('NCTHW')(sampled()))
    assert 'motion_stats' not in plain['data_samples']
