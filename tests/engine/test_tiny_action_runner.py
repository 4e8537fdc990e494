"""tools/test.py (mmaction2's stock script with TinyActionRunner) refuses a
checkpoint that does not fit the config or the dataset's classes, and a dump
path it could not write, before any inference."""
import sys
from pathlib import Path

import pytest
import torch
from conftest import tiny_config
from mmaction.registry import MODELS
from mmengine.config import Config

from tiny_action.compat import CheckpointUnreadableError
from tiny_action.utils import run_stock_tool
from tiny_action.utils.checkpoint import CheckpointMismatchError

CLASSES = ('walking', 'standing', 'carrying', 'running', 'waving',
           'vehicle_moving', 'jumping', 'falling')  # the demo class map


@pytest.fixture(scope='module')
def setup(tmp_path_factory, mini_demo):
    """A tiny config and the state dict of its (untrained) model."""
    tmp = tmp_path_factory.mktemp('runner')
    cfg = tiny_config(tmp / 'cfg.py', mini_demo)
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(cfg)).model)
    return cfg, model.state_dict()


def _save(path: Path, state: dict, classes=CLASSES) -> Path:
    meta = dict(dataset_meta=dict(classes=tuple(classes))) if classes else {}
    torch.save(dict(state_dict=state, meta=meta), str(path))
    return path


def _test(cfg, ckpt, tmp_path, *extra):
    """Run tools/test.py in this process (as `python tools/test.py ...`)."""
    argv = sys.argv
    try:
        run_stock_tool('test.py', [str(cfg), str(ckpt), '--work-dir',
                                   str(tmp_path / 'work'), *map(str, extra)])
    finally:
        sys.argv = argv


def test_fitting_checkpoint_is_tested(setup, tmp_path):
    cfg, state = setup
    ckpt = _save(tmp_path / 'ok.pth', state)
    _test(cfg, ckpt, tmp_path, '--dump', tmp_path / 'out/s.pkl')
    assert (tmp_path / 'out/s.pkl').stat().st_size > 0


def test_other_class_order_is_refused(setup, tmp_path):
    cfg, state = setup
    ckpt = _save(tmp_path / 'reordered.pth', state, CLASSES[::-1])
    with pytest.raises(CheckpointMismatchError,
                       match=r'^checkpoint .*reordered\.pth was trained on '
                       r"the same 8 classes in another order \(index 0 is "
                       r"'falling' in the checkpoint, 'walking' in the "
                       r'dataset\)'):
        _test(cfg, ckpt, tmp_path, '--dump', tmp_path / 's.pkl')
    assert not (tmp_path / 's.pkl').exists()


def test_head_of_another_size_is_refused(setup, tmp_path):
    cfg, state = setup
    state = dict(state)
    for key in ('cls_head.fc_cls.weight', 'cls_head.fc_cls.bias'):
        state[key] = state[key][:2]
    ckpt = _save(tmp_path / 'two.pth', state, classes=None)
    with pytest.raises(CheckpointMismatchError,
                       match=r'^checkpoint .*two\.pth does not match the '
                       r'model architecture of the config: .*shape mismatch '
                       r"in 2 tensors \['cls_head\.fc_cls\.bias \(2,\) in the "
                       r'checkpoint, \(8,\) in the model'):
        _test(cfg, ckpt, tmp_path)


def test_truncated_checkpoint_names_the_file(setup, tmp_path):
    cfg, state = setup
    ckpt = _save(tmp_path / 'cut.pth', state)
    ckpt.write_bytes(ckpt.read_bytes()[:5000])
    with pytest.raises(CheckpointUnreadableError,
                       match=r'^cannot read checkpoint .*cut\.pth \(5000 '
                       r'bytes\): it is empty, truncated or not a torch '
                       'checkpoint'):
        _test(cfg, ckpt, tmp_path)


def test_dump_onto_a_folder_fails_before_anything(setup, tmp_path):
    cfg, _ = setup
    (tmp_path / 'scores.pkl').mkdir()
    # the checkpoint does not even exist: the dump is checked first
    with pytest.raises(IsADirectoryError,
                       match=r'^dump file \(--dump\) .*scores\.pkl is an '
                       'existing folder; give a file path'):
        _test(cfg, tmp_path / 'nope.pth', tmp_path, '--dump',
              tmp_path / 'scores.pkl')


@pytest.mark.skipif(not sys.platform.startswith('linux'),
                    reason='uses /proc as a place nobody can write to')
def test_dump_into_read_only_place_fails_before_anything(setup, tmp_path):
    cfg, _ = setup
    with pytest.raises(PermissionError,
                       match=r'^cannot write dump file \(--dump\) '
                       r'/proc/x/s\.pkl: /proc does not accept a new file'):
        _test(cfg, tmp_path / 'nope.pth', tmp_path, '--dump',
              '/proc/x/s.pkl')
