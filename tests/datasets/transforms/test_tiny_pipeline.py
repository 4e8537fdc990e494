"""The whole TinyVIRAT data path on a generated LR / SR clip pair, built from
config dicts the way a dataset builds its pipeline."""
import numpy as np
import pytest
import torch
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope

import tiny_action  # noqa: F401
from tiny_action.testing import frame_pattern, write_video


def pipeline(test_mode: bool = False, num_views: int = 1) -> Compose:
    """Built under the ``mmaction`` scope, as a Runner builds datasets."""
    with DefaultScope.overwrite_default_scope('mmaction'):
        return _compose(test_mode, num_views)


def _compose(test_mode: bool, num_views: int) -> Compose:
    return Compose([
        dict(type='TinyVideoInit'),
        dict(type='UniformSegment', num_segments=16, num_views=num_views,
             test_mode=test_mode),
        dict(type='TinyVideoDecode'),
        dict(type='TailFlipBalance'),
        dict(type='PairedResize', scale=(112, 112), sr_scale=(224, 224),
             interpolation='nearest'),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackTinyActionInputs'),
    ])


@pytest.fixture
def pair(tmp_path):
    # LR 28 px (lossless, to check pixels) and its 56 px "SR" twin (H.264
    # yuv420p like real SR output); 37 frames.
    lr = write_video(tmp_path / 'lr', 37, 28, 28, 'x264rgb')
    sr = write_video(tmp_path / 'sr', 37, 56, 56, 'h264')
    return lr, sr


def sample_dict(lr, sr, tail_flip: bool) -> dict:
    return dict(filename=str(lr), sr_filename=str(sr), tail_flip=tail_flip,
                label=np.eye(5, dtype=np.float32)[3], sample_idx=4, id='00004',
                dim=[99, 1, 1])  # a wrong annotated dim is ignored


@pytest.mark.parametrize('tail_flip', [False, True])
def test_train_pipeline_end_to_end(pair, tail_flip):
    lr, sr = pair
    np.random.seed(0)
    packed = pipeline()(sample_dict(lr, sr, tail_flip))
    inputs, ds = packed['inputs'], packed['data_samples']
    assert inputs.shape == (1, 3, 16, 112, 112) and inputs.dtype == torch.uint8
    assert ds.sr_inputs.shape == (1, 3, 16, 224, 224)
    assert ds.sr_inputs.dtype == torch.uint8
    assert ds.gt_label.tolist() == [0, 0, 0, 1, 0]
    assert ds.metainfo['flip'] is tail_flip
    assert ds.metainfo['img_shape'] == (112, 112)

    # which frames were taken: recover each LR frame's index from its blue
    # channel (frame i has B = 37 i mod 256), exact thanks to the lossless
    # codec and nearest resize
    blue = inputs[0, 2, :, 60, 60].numpy().astype(int)
    inds = [[(37 * i) % 256 for i in range(37)].index(b) for b in blue]
    assert all(i * 37 // 16 <= f < ((i + 1) * 37 + 15) // 16
               for i, f in enumerate(inds))
    # LR pixels: the written frame, mirrored iff a tail copy, upsampled x4
    for t in (0, 7, 15):
        expected = frame_pattern(inds[t], 28, 28)
        if tail_flip:
            expected = expected[:, ::-1]
        got = inputs[0, :, t].permute(1, 2, 0).numpy()
        np.testing.assert_array_equal(got[::4, ::4], expected)
    # frame-wise: SR frame t is the written SR frame inds[t] (nearest of all
    # 37, mirrored like the LR one)
    written = np.stack([frame_pattern(j, 56, 56) for j in range(37)])
    if tail_flip:
        written = written[:, :, ::-1]
    for t in range(16):
        got = ds.sr_inputs[0, :, t].permute(1, 2, 0).numpy()[::4, ::4]
        err = ((written.astype(np.float32) - got)**2).mean(axis=(1, 2, 3))
        assert err.argmin() == inds[t] and err.min() < 40  # H.264 loss


def test_test_pipeline_views(pair):
    lr, sr = pair
    out1 = pipeline(test_mode=True, num_views=3)(sample_dict(lr, sr, False))
    out2 = pipeline(test_mode=True, num_views=3)(sample_dict(lr, sr, False))
    assert out1['inputs'].shape == (3, 3, 16, 112, 112)
    assert out1['data_samples'].sr_inputs.shape == (3, 3, 16, 224, 224)
    assert torch.equal(out1['inputs'], out2['inputs'])
    assert torch.equal(out1['data_samples'].sr_inputs,
                       out2['data_samples'].sr_inputs)
    assert not torch.equal(out1['inputs'][0], out1['inputs'][1])


def test_lr_only_dataset_sample(tmp_path):
    lr = write_video(tmp_path / 'lr', 2, 24, 24, 'h264')
    packed = pipeline()(dict(filename=str(lr), label=np.ones(3, np.float32)))
    assert packed['inputs'].shape == (1, 3, 16, 112, 112)
    assert 'sr_inputs' not in packed['data_samples']
    # 2 frames, 16 segments: 8 x frame 0 then 8 x frame 1
    frames = packed['inputs'][0].permute(1, 0, 2, 3).reshape(16, -1)
    assert all(torch.equal(frames[t], frames[0]) for t in range(8))
    assert all(torch.equal(frames[t], frames[8]) for t in range(8, 16))
    assert not torch.equal(frames[0], frames[8])
