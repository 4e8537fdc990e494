"""Each compatibility shim: fixes its problem, and is a no-op without it."""
import os.path as osp
import pickle
import sys

import numpy as np
import pytest
import torch

from tiny_action import compat


def test_apply_all_is_idempotent():
    first = compat.apply_all()
    assert compat.apply_all() == first


def test_drn_stand_in_raises_clear_error():
    import mmaction.models  # noqa: F401  (imports the localizers)
    from mmaction.models.localizers import DRN
    drn_file = osp.join(compat._package_dir('mmaction'), 'models',
                        'localizers', 'drn', 'drn.py')
    if osp.isfile(drn_file):
        pytest.skip('this mmaction2 ships DRN: the shim is not needed')
    with pytest.raises(NotImplementedError, match='mmaction2#2714'):
        DRN()


def test_drn_shim_noop_when_present(monkeypatch):
    monkeypatch.setattr(compat.osp, 'isfile', lambda p: True)
    assert compat.fix_mmaction_missing_drn() is False


def test_numpy_bool8_alias_and_noop(monkeypatch):
    assert np.bool8 is np.bool_
    import mmagic.utils.trans_utils  # noqa: F401  (uses np.bool8)
    # problem absent (numpy 1.x style attribute present): nothing changes
    sentinel = object()
    monkeypatch.setattr(np, 'bool8', sentinel, raising=False)
    assert compat.fix_numpy_bool8() is False
    assert np.bool8 is sentinel


def test_mmcv_ext_stand_in(monkeypatch):
    ext = sys.modules['mmcv._ext']
    if not getattr(ext, '__stand_in__', False):
        pytest.skip('compiled mmcv ops are installed')
    assert ext.__spec__ is not None
    import mmagic.models  # noqa: F401  (imports editors using mmcv.ops)
    from mmcv.ops import modulated_deform_conv2d  # noqa: F401
    with pytest.raises(RuntimeError, match='mmcv-lite'):
        ext.modulated_deform_conv_forward()
    with pytest.raises(AttributeError):
        ext.__wrapped__  # dunder lookups behave like a normal module
    # problem absent: a real module present -> no-op
    assert compat.fix_mmcv_lite_ext() is False


def _mmengine_like_checkpoint(path):
    from mmengine.logging import HistoryBuffer
    buf = HistoryBuffer()
    buf.update(1.5)
    torch.save(
        dict(meta=dict(epoch=1, hub=buf, arr=np.arange(3, dtype=np.float64),
                       scalar=np.float32(2.0)),
             state_dict={'w': torch.ones(2)}), path)


def test_weights_only_loads_mmengine_checkpoint(tmp_path):
    from mmengine.runner import load_checkpoint  # noqa: F401
    from mmengine.runner.checkpoint import _load_checkpoint
    path = tmp_path / 'ok.pth'
    _mmengine_like_checkpoint(path)
    ckpt = _load_checkpoint(str(path), map_location='cpu')
    assert ckpt['meta']['hub'].current() == 1.5
    assert ckpt['meta']['arr'].tolist() == [0.0, 1.0, 2.0]
    # weights_only stays the default: nothing switched off globally
    assert 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD' not in __import__('os').environ


class NotAllowed:
    """A class a checkpoint must not be able to smuggle in."""


def test_unexpected_global_is_refused_with_file_name(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict={}, payload=NotAllowed()), path)
    with pytest.raises(compat.CheckpointRefusedError,
                       match=r'evil\.pth.*NotAllowed'):
        _load_checkpoint(str(path), map_location='cpu')


def test_restricted_getattr_refuses_other_objects():
    from mmengine.logging import HistoryBuffer
    assert compat._history_buffer_getattr(HistoryBuffer, 'mean') is \
        HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError, match='refusing getattr'):
        compat._history_buffer_getattr(osp, 'join')
    with pytest.raises(pickle.UnpicklingError, match='refusing getattr'):
        compat._history_buffer_getattr(HistoryBuffer, '__init__')


def test_weights_only_shim_noop_when_registered():
    assert compat.fix_torch_weights_only_checkpoints() is False


def test_init_dist_without_cuda_noop_cases(monkeypatch):
    assert compat.init_dist_without_cuda('none', {}) is False
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    assert compat.init_dist_without_cuda('pytorch', {}) is False


def test_init_dist_without_cuda_uses_gloo(monkeypatch):
    import torch.distributed as dist
    if torch.cuda.is_available():
        pytest.skip('CUDA present: mmengine initialises the process group')
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', '29533')
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('WORLD_SIZE', '1')
    try:
        assert compat.init_dist_without_cuda(
            'pytorch', dict(backend='nccl', timeout=60)) is True
        assert dist.get_backend() == 'gloo'
        # already initialised -> no-op
        assert compat.init_dist_without_cuda('pytorch', {}) is False
    finally:
        dist.destroy_process_group()
