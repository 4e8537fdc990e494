"""TailFlipBalance: the data-balance copies are mirrored, LR and SR alike,
and mirrored directions swap labels (through the paper config's dataset and
pipeline too)."""
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import shared_data_dir

import tiny_action  # noqa: F401
from mmaction.registry import TRANSFORMS
from tiny_action.datasets.transforms import TailFlipBalance

REPO = Path(__file__).resolve().parents[3]


def clip(num_frames: int, h: int, w: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return list(rng.integers(0, 256, (num_frames, h, w, 3), dtype=np.uint8))


def results(tail_flip=None, with_sr=True) -> dict:
    out = dict(imgs=clip(16, 24, 30, 0), label=np.array([1, 0, 0, 1], 'f4'))
    if with_sr:
        out['sr_imgs'] = clip(16, 96, 120, 1)
    if tail_flip is not None:
        out['tail_flip'] = tail_flip
    return out


def test_tail_copy_flipped_framewise_lr_and_sr():
    src = results(tail_flip=True)
    lr = [f.copy() for f in src['imgs']]
    sr = [f.copy() for f in src['sr_imgs']]
    out = TailFlipBalance()(src)
    assert out['flip'] is True and out['flip_direction'] == 'horizontal'
    assert len(out['imgs']) == len(out['sr_imgs']) == 16
    for t in range(16):  # each frame mirrored, same frame order
        np.testing.assert_array_equal(out['imgs'][t], lr[t][:, ::-1])
        np.testing.assert_array_equal(out['sr_imgs'][t], sr[t][:, ::-1])
    # labels untouched without flip_label_pairs
    np.testing.assert_array_equal(out['label'], [1, 0, 0, 1])


@pytest.mark.parametrize('tail_flip', [False, None])
def test_no_op_for_ordinary_samples(tail_flip):
    src = results(tail_flip=tail_flip)
    lr = [f.copy() for f in src['imgs']]
    out = TailFlipBalance()(src)
    assert out['flip'] is False
    for a, b in zip(out['imgs'], lr):
        np.testing.assert_array_equal(a, b)


def test_lr_only():
    out = TailFlipBalance()(results(tail_flip=True, with_sr=False))
    assert out['flip'] and 'sr_imgs' not in out


def test_shared_frame_arrays_flipped_once():
    """Repeated frames that are one array object must not be flipped
    twice (mmaction's in-place Flip would)."""
    frame = clip(1, 8, 10, 2)[0]
    original = frame.copy()
    out = TailFlipBalance()(dict(imgs=[frame, frame, frame], tail_flip=True))
    for f in out['imgs']:
        np.testing.assert_array_equal(f, original[:, ::-1])
    np.testing.assert_array_equal(frame, original)  # input untouched


def test_stacked_array_input():
    frames = np.stack(clip(4, 6, 7, 3))
    out = TailFlipBalance()(dict(imgs=frames, tail_flip=True))
    np.testing.assert_array_equal(out['imgs'], frames[:, :, ::-1])


def test_random_flip_ratio():
    t = TailFlipBalance(flip_ratio=0.5)
    np.random.seed(0)
    flips = []
    for _ in range(200):
        src = results(tail_flip=False)
        lr0, sr0 = src['imgs'][0].copy(), src['sr_imgs'][0].copy()
        out = t(src)
        flips.append(out['flip'])
        if out['flip']:  # SR flipped exactly when LR is
            np.testing.assert_array_equal(out['imgs'][0], lr0[:, ::-1])
            np.testing.assert_array_equal(out['sr_imgs'][0], sr0[:, ::-1])
        else:
            np.testing.assert_array_equal(out['sr_imgs'][0], sr0)
    assert 60 < sum(flips) < 140
    # tail copies are always flipped, whatever the ratio draws
    assert all(t(results(tail_flip=True))['flip'] for _ in range(20))
    assert all(TailFlipBalance(flip_ratio=1.0)(results())['flip']
               for _ in range(5))


def test_flip_label_pairs_multi_hot():
    """The dataset's index pairs (``flip_label_pairs`` in the results) swap
    the labels of a flipped sample, and only of a flipped one."""
    label = np.array([1, 0, 0, 1, 0], np.float32)
    pairs = [(0, 1), (3, 4)]
    t = TailFlipBalance()
    out = t(dict(imgs=clip(2, 4, 4, 0), label=label, tail_flip=True,
                 flip_label_pairs=pairs))
    np.testing.assert_array_equal(out['label'], [0, 1, 0, 0, 1])
    assert out['label'].dtype == np.float32
    np.testing.assert_array_equal(label, [1, 0, 0, 1, 0])  # not in place
    kept = t(dict(imgs=clip(2, 4, 4, 0), label=label, tail_flip=False,
                  flip_label_pairs=pairs))
    np.testing.assert_array_equal(kept['label'], label)


def test_random_flip_swaps_labels_too():
    out = TailFlipBalance(flip_ratio=1.0)(dict(
        imgs=clip(2, 4, 4, 0), label=np.array([1, 0, 1], np.float32),
        flip_label_pairs=[(0, 1)]))
    assert out['flip'] and not out.get('tail_flip')
    np.testing.assert_array_equal(out['label'], [0, 1, 1])


def test_flip_label_pairs_int_label():
    t = TailFlipBalance()

    def flipped(label):
        return t(dict(imgs=clip(1, 4, 4, 0), label=label, tail_flip=True,
                      flip_label_pairs=[(2, 5)]))['label']

    assert flipped(5) == 2 and flipped(2) == 5 and flipped(1) == 1


def test_registry_and_repr():
    t = TRANSFORMS.build(dict(type='TailFlipBalance', flip_ratio=0.25))
    assert repr(t) == 'TailFlipBalance(flip_ratio=0.25)'


@pytest.mark.parametrize('kwargs, match', [
    (dict(flip_ratio=1.5), 'flip_ratio'),
    (dict(flip_ratio=-0.1), 'flip_ratio'),
    (dict(flip_ratio='0.5'), 'flip_ratio'),
])
def test_bad_args(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TailFlipBalance(**kwargs)


def test_label_pair_out_of_range():
    with pytest.raises(ValueError, match=r'\(0, 9\) is out of range for 4'):
        TailFlipBalance()(dict(imgs=clip(1, 4, 4, 0), label=np.zeros(4, 'f4'),
                               tail_flip=True, flip_label_pairs=[(0, 9)]))


def _paper_train_dataset(tmp_path, classes_txt):
    """The TinyVIRAT config's own train dataset and pipeline
    (configs/_base_/datasets/tinyvirat_lr.py) on two tiny clips: a left turn
    (a tail class here, so it gets a mirrored data-balance copy) and a
    ``Talking`` clip."""
    import json

    from mmaction.registry import DATASETS
    from mmengine.config import Config
    from tiny_action.testing import write_video
    cfg = Config.fromfile(str(
        REPO / 'configs/_base_/datasets/tinyvirat_lr.py'))
    entries = []
    (tmp_path / 'videos' / 'v').mkdir(parents=True)
    for i, label in enumerate(['vehicle_turning_left', 'Talking']):
        path = write_video(tmp_path / 'videos' / 'v' / f'{i:05d}', 20, 24, 32)
        entries.append(dict(id=f'{i:05d}', video_id='v',
                            path=f'v/{path.name}', dim=[20, 24, 32],
                            label=[label]))
    (tmp_path / 'ann.json').write_text(json.dumps(entries))
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.update(ann_file=str(tmp_path / 'ann.json'),
                  data_prefix=dict(video=str(tmp_path / 'videos')),
                  class_map=str(classes_txt))
    ds_cfg['tail_flip'] = dict(classes=['vehicle_turning_left'])
    return DATASETS.build(ds_cfg)


def test_mirrored_left_turn_is_labelled_right(tmp_path):
    classes_txt = shared_data_dir('tinyvirat_v2') / 'classes.txt'
    ds = _paper_train_dataset(tmp_path, classes_txt)
    left = ds.classes.index('vehicle_turning_left')
    right = ds.classes.index('vehicle_turning_right')
    assert len(ds) == 3 and ds.get_data_info(2)['tail_flip']

    def sample(idx):
        np.random.seed(0)  # the same random frame of every segment
        return ds[idx]

    original, mirrored = sample(0), sample(2)
    a, b = original['data_samples'], mirrored['data_samples']
    assert a.gt_label[left] == 1 and a.gt_label[right] == 0
    assert b.gt_label[left] == 0 and b.gt_label[right] == 1
    assert b.gt_label.sum() == 1 and b.metainfo['flip']
    # the frames are the original's, mirrored left-right
    assert torch.equal(mirrored['inputs'], original['inputs'].flip(-1))
    # other labels are never swapped
    talking = sample(1)['data_samples']
    assert talking.gt_label[ds.classes.index('Talking')] == 1
