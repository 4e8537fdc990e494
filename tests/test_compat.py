"""Each compatibility shim: fixes its problem, and is a no-op without it."""
import os
import os.path as osp
import pickle
import subprocess
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
    import mmagic.utils.trans_utils  # noqa: F401  (uses np.bool8)
    assert np.bool8 is np.bool_  # applied by the import hook
    assert 'numpy_bool8' in compat.APPLIED or not hasattr(np, 'bool_')
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
    assert 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD' not in os.environ


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


def _shown(message, module, category=FutureWarning):
    """Whether a warning ``message`` issued from ``module`` is shown under
    the current filters (plus a final 'always', so nothing else hides it)."""
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always', append=True)
        warnings.warn_explicit(message, category, f'{module}.py', 1,
                               module=module)
    return len(caught) == 1


@pytest.mark.parametrize('message,module', [
    ('`torch.jit.interface` is deprecated. Please use `torch.compile` '
     'instead.', 'torch.jit._script'),
    ('Importing from timm.models.layers is deprecated, please import via '
     'timm.layers', 'timm.models.layers'),
    ('`torch.utils._pytree._register_pytree_node` is deprecated. Please use '
     '`torch.utils._pytree.register_pytree_node` instead.',
     'diffusers.utils.outputs'),
])
def test_third_party_future_warnings_hidden_narrowly(monkeypatch, message,
                                                     module):
    import warnings
    monkeypatch.setattr(sys, 'warnoptions', [])
    with warnings.catch_warnings():
        warnings.resetwarnings()
        assert _shown(message, module)  # before: shown
        assert compat.quiet_third_party_future_warnings() is True
        assert compat.quiet_third_party_future_warnings() is False  # once
        assert not _shown(message, module)
        # the same message from another module, another message from the
        # same module, or another category: still shown
        assert _shown(message, 'tiny_action.models')
        assert _shown(message, module + '_other')
        assert _shown('something else is deprecated', module)
        assert _shown(message, module, DeprecationWarning)


def test_warning_options_of_the_user_win(monkeypatch):
    import warnings
    monkeypatch.setattr(sys, 'warnoptions', ['default'])
    with warnings.catch_warnings():
        warnings.resetwarnings()
        assert compat.quiet_third_party_future_warnings() is False
        assert _shown('`torch.jit.interface` is deprecated.',
                      'torch.jit._script')


def test_a_tools_first_line_is_its_own():
    """``tools/test.py --help`` imports tiny_action, mmaction's models and
    timm; the first line it prints (stdout or stderr) is its usage."""
    import subprocess
    repo = osp.dirname(osp.dirname(osp.abspath(__file__)))
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONWARNINGS'}
    proc = subprocess.run(
        [sys.executable, osp.join(repo, 'tools', 'test.py'), '--help'],
        capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr == ''
    assert proc.stdout.splitlines()[0].startswith('usage: test.py')


def _fresh_python(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (stdout and stderr merged)."""
    return subprocess.run([sys.executable, '-c', code], cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=True)


REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_import_loads_no_super_resolution_or_multimodal_code():
    out = _fresh_python(
        'import sys, numpy as np, tiny_action\n'
        'from mmengine.config import Config\n'
        'Config.fromfile("configs/demo/demo_lr.py")  # mmaction:: base\n'
        'heavy = ("mmagic", "diffusers", "timm", "transformers.models.bert",'
        ' "torchvision.models")\n'
        'print("loaded:", [m for m in heavy if m in sys.modules],'
        ' hasattr(np, "bool8"))\n').stdout
    assert 'loaded: [] False' in out
    assert 'pkg_resources' not in out  # mmengine's import of it is quiet


def test_multimodal_models_load_on_first_use():
    if 'mmaction_lazy_multimodal' not in compat.APPLIED:
        pytest.skip('transformers is not installed: nothing is deferred')
    import inspect

    from mmaction.registry import MODELS, TOKENIZER
    vindlu = compat.import_mmaction_multimodal()
    assert MODELS.get('VindLUVQA') is vindlu.VindLUVQA
    assert inspect.isclass(MODELS.get('BeitModel3D'))
    assert TOKENIZER.get('VindLUTokenizer') == \
        vindlu.VindLUTokenizer.from_pretrained
    from mmaction.models.multimodal import VindLURetrieval
    assert VindLURetrieval is vindlu.VindLURetrieval
    # problem absent (mmaction.models imported): no-op
    assert compat.defer_mmaction_multimodal() is False


def test_mmagic_hook_noop_when_installed_or_imported():
    assert compat.apply_before_mmagic_import() is False


def test_pkg_resources_filter_hides_only_that_warning():
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        assert compat.quiet_pkg_resources_deprecation() is True
        assert compat.quiet_pkg_resources_deprecation() is False
        warnings.warn('pkg_resources is deprecated as an API. See ...',
                      UserWarning)
        warnings.warn('something else', UserWarning)
    assert [str(w.message) for w in caught] == ['something else']


@pytest.mark.parametrize('keep', [0.0, 0.01, 0.5, 0.99])
def test_truncated_checkpoint_names_its_file(tmp_path, keep):
    from mmengine.runner.checkpoint import _load_checkpoint
    path = tmp_path / 'cut.pth'
    _mmengine_like_checkpoint(path)
    data = path.read_bytes()
    size = int(len(data) * keep)
    path.write_bytes(data[:size])
    with pytest.raises(compat.CheckpointUnreadableError,
                       match=rf'^cannot read checkpoint .*cut\.pth \({size} '
                       r'bytes\): it is empty, truncated or not a torch '
                       'checkpoint'):
        _load_checkpoint(str(path), map_location='cpu')


def test_truncated_legacy_checkpoint_names_its_file(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint
    path = tmp_path / 'old.pth'
    torch.save({'w': torch.zeros(100)}, str(path),
               _use_new_zipfile_serialization=False)
    path.write_bytes(path.read_bytes()[:-50])
    with pytest.raises(compat.CheckpointUnreadableError, match=r'old\.pth'):
        _load_checkpoint(str(path), map_location='cpu')


def test_destroy_process_group_at_exit_noop_without_group():
    import torch.distributed as dist
    if dist.is_initialized():
        pytest.skip('a process group exists in this test process')
    assert compat.destroy_process_group_at_exit() is False


EXIT_SCRIPT = '''
import atexit, os, sys
import torch.distributed as dist
from tiny_action import compat
# registered first, so it runs after the compat handler (atexit is LIFO)
atexit.register(lambda: print('alive at exit:', dist.is_initialized()))
os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=sys.argv[1],
                  RANK='0', WORLD_SIZE='1')
dist.init_process_group('gloo')
print('registered:', compat.destroy_process_group_at_exit(),
      compat.destroy_process_group_at_exit())
'''


def test_destroy_process_group_at_exit_runs_before_finalization(tmp_path):
    import socket
    import subprocess
    import sys
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    script = tmp_path / 'exit_with_group.py'
    script.write_text(EXIT_SCRIPT)
    proc = subprocess.run([sys.executable, str(script), str(port)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'registered: True False' in proc.stdout
    assert 'alive at exit: False' in proc.stdout


def test_color_jitter_negative_hue_matches_numpy1_and_noop(monkeypatch):
    """Fix 11: the stock ColorJitter runs with a negative hue draw under
    numpy 2, and its hue shift is numpy 1.x's (the sum widened, then
    wrapped into [0, 180)): a shift of -12 takes hue 5 to 173 and 100 to
    88. Applying the fix again, or to a working ``adjust_hue``, is a
    no-op."""
    import cv2
    from mmaction.datasets.transforms.processing import ColorJitter
    compat.apply_all()
    assert not compat._hue_overflows(ColorJitter.adjust_hue)
    hsv = np.array([[[5, 200, 200], [100, 200, 200]]], np.uint8)
    rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)
    out = ColorJitter.adjust_hue(rgb, -12 / 255 - 1e-6)
    hue = cv2.cvtColor(out.astype(np.uint8), cv2.COLOR_RGB2HSV)[..., 0]
    assert np.abs(hue.astype(int) - [[173, 88]]).max() <= 1
    jitter = ColorJitter(brightness=0, contrast=0, saturation=0,
                         hue=(-0.1, -0.05))
    frames = [np.full((4, 4, 3), (200, 50, 50), np.uint8)] * 2
    out = jitter(dict(imgs=list(frames)))['imgs']
    assert out[0].dtype == np.uint8 and np.array_equal(out[0], out[1])
    assert not np.array_equal(out[0], frames[0])
    assert compat.fix_color_jitter_negative_hue() is False
    # an overflowing adjust_hue is replaced; a working one is kept
    def overflows(img, factor):
        raise OverflowError('Python integer -12 out of bounds for uint8')

    monkeypatch.setattr(ColorJitter, 'adjust_hue', staticmethod(overflows))
    assert compat.fix_color_jitter_negative_hue() is True
    assert ColorJitter.adjust_hue is compat._adjust_hue_int16
