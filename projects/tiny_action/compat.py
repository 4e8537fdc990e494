"""Compatibility fixes for the pinned 2023-era OpenMMLab stack.

This is the only place where the project works around upstream problems. Every shim

* names the upstream problem it fixes (issue number or the error line),
* checks whether the problem is present and does nothing when it is absent,
* is idempotent (safe to apply twice) and covered by ``tests/test_compat.py``.

:func:`apply_all` runs every shim. ``tiny_action/__init__.py`` calls it before
anything imports ``mmaction.models`` or ``mmagic``. Nothing here edits a file of
an installed package; all fixes act on the running interpreter only.
"""
import importlib.abc
import importlib.machinery
import importlib.util
import os.path as osp
import sys
import types
import warnings
from typing import Callable, Dict, List

import numpy as np

#: Names of the shims that changed something in this process, in order.
APPLIED: List[str] = []


def _package_dir(name: str) -> str:
    """Directory of an installed package, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f'package {name!r} is not installed')
    return list(spec.submodule_search_locations)[0]


def _stand_in_module(name: str, attrs: Dict[str, object]) -> types.ModuleType:
    """A module object with a real ``__spec__`` (mmengine rejects
    ``__spec__ is None`` when it walks ``sys.modules``)."""
    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, None)
    module.__dict__.update(attrs)
    return module


# ---------------------------------------------------------------------------
# 1. mmaction2 1.2.0 ships without mmaction/models/localizers/drn/
#    (open-mmlab/mmaction2#2714):
#    ModuleNotFoundError: No module named 'mmaction.models.localizers.drn'
#    as soon as `mmaction.models` is imported.
# ---------------------------------------------------------------------------
class _MissingDRN:
    """Stand-in for mmaction's DRN localizer, whose source the wheel lacks."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(
            'mmaction2 1.2.0 was released without mmaction/models/localizers/'
            'drn (open-mmlab/mmaction2#2714); DRN cannot be built with this '
            'install.')


def fix_mmaction_missing_drn() -> bool:
    """Provide ``mmaction.models.localizers.drn.drn.DRN`` if the wheel lacks
    it. Returns True when the stand-in was installed."""
    drn_file = osp.join(
        _package_dir('mmaction'), 'models', 'localizers', 'drn', 'drn.py')
    if osp.isfile(drn_file) or 'mmaction.models.localizers.drn' in sys.modules:
        return False
    pkg = _stand_in_module('mmaction.models.localizers.drn', {})
    pkg.__path__ = []
    mod = _stand_in_module('mmaction.models.localizers.drn.drn',
                           {'DRN': _MissingDRN})
    pkg.drn = mod
    sys.modules[pkg.__name__] = pkg
    sys.modules[mod.__name__] = mod
    return True


# ---------------------------------------------------------------------------
# 2. numpy >= 2.0 removed ``np.bool8``; mmagic 1.2.0 uses it at import time
#    (mmagic/utils/trans_utils.py): AttributeError: `np.bool8` was removed
#    in the NumPy 2.0 release. Use `np.bool` instead.
# ---------------------------------------------------------------------------
def fix_numpy_bool8() -> bool:
    """Alias ``np.bool8`` to ``np.bool_`` when numpy no longer has it."""
    try:
        np.bool8  # noqa: B018  (numpy 1.x: present, maybe deprecated)
        return False
    except AttributeError:
        np.bool8 = np.bool_
        return True


# ---------------------------------------------------------------------------
# 3. mmcv-lite has no compiled ``mmcv._ext``; ``import mmagic`` imports every
#    editor and some do ``import mmcv.ops`` at module level:
#    ModuleNotFoundError: No module named 'mmcv._ext'.
#    RealBasicVSR needs no mmcv op, so a stand-in whose functions raise a
#    clear error when *called* lets mmagic import.
# ---------------------------------------------------------------------------
def _missing_op(name: str) -> Callable:

    def op(*args, **kwargs):
        raise RuntimeError(
            f'mmcv compiled op {name!r} is not available: this install uses '
            'mmcv-lite (no compiled ops). Install the full mmcv==2.1.0 to use '
            'it.')

    op.__name__ = name
    return op


def fix_mmcv_lite_ext() -> bool:
    """Install a ``mmcv._ext`` stand-in when mmcv has no compiled ops."""
    if 'mmcv._ext' in sys.modules:
        return False
    try:
        if importlib.util.find_spec('mmcv._ext') is not None:
            return False
    except (ImportError, ValueError):
        pass
    module = _stand_in_module('mmcv._ext', {'__stand_in__': True})
    module.__getattr__ = lambda name: (  # PEP 562: any op name resolves
        _missing_op(name) if not name.startswith('__') else
        (_ for _ in ()).throw(AttributeError(name)))
    sys.modules['mmcv._ext'] = module
    return True


# ---------------------------------------------------------------------------
# 4. torch >= 2.6 loads with ``weights_only=True`` by default; mmengine
#    checkpoints pickle a few non-tensor globals (the message hub's
#    HistoryBuffer, numpy scalars/arrays), so `tools/test.py` fails with
#    "Weights only load failed ... Unsupported global: GLOBAL
#    mmengine.logging.history_buffer.HistoryBuffer" (then "GLOBAL getattr").
#    Allow exactly those globals -- never switch weights_only off globally.
#    HistoryBuffer pickles its statistics methods as
#    ``getattr(HistoryBuffer, 'min')``; instead of allowing ``getattr`` on
#    anything, the name ``builtins.getattr`` is bound to a function that
#    only resolves HistoryBuffer's registered statistics methods.
#    mmengine's local checkpoint loader is re-registered so that a refused
#    checkpoint names its file.
# ---------------------------------------------------------------------------
def _history_buffer_getattr(obj, name: str):
    """``getattr`` restricted to ``HistoryBuffer.<statistics method>``."""
    import pickle

    from mmengine.logging.history_buffer import HistoryBuffer
    # the defaults are registered lazily (first instance); custom ones are
    # registered with @HistoryBuffer.register_statistics
    allowed = {'min', 'max', 'current', 'mean'}
    allowed.update(HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in allowed:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'refusing getattr({obj!r}, {name!r}) while loading a checkpoint: '
        'only HistoryBuffer statistics methods are allowed')


def mmengine_checkpoint_globals() -> list:
    """The exact non-tensor globals an mmengine training checkpoint holds
    (entries are objects or ``(object, 'pickled.name')`` pairs)."""
    from mmengine.logging.history_buffer import HistoryBuffer
    core = getattr(np, '_core', None) or np.core  # numpy 2 / numpy 1
    allowed = [
        HistoryBuffer, core.multiarray._reconstruct, core.multiarray.scalar,
        np.ndarray, np.dtype,
        (_history_buffer_getattr, 'builtins.getattr'),
        (_history_buffer_getattr, '__builtin__.getattr'),
    ]
    # checkpoints written under numpy 1 name numpy.core.multiarray.*
    for name in ('_reconstruct', 'scalar'):
        allowed.append((getattr(core.multiarray, name),
                        f'numpy.core.multiarray.{name}'))
    # numpy >= 1.25 pickles dtypes by their class, e.g. Float64DType.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        allowed += [
            getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')
        ]
    return allowed


class CheckpointRefusedError(RuntimeError):
    """A checkpoint holds a pickled object outside the allow-list."""


def _load_from_local_naming_file(filename: str, map_location=None):
    """mmengine's local loader, but a refused checkpoint names its file."""
    import pickle

    import torch
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        return torch.load(filename, map_location=map_location)
    except pickle.UnpicklingError as e:
        detail = str(e).split('WeightsUnpickler error:')[-1].strip()
        detail = detail.split('Please use')[0].strip()
        raise CheckpointRefusedError(
            f'refused to load checkpoint {filename}: it holds a pickled '
            f'object that is not on the allow-list ({detail}). Checkpoints '
            'are loaded with torch weights_only=True; tiny_action allows '
            'exactly the globals mmengine checkpoints need '
            '(tiny_action.compat.mmengine_checkpoint_globals). If you trust '
            'this file, allow its global with '
            'torch.serialization.add_safe_globals([...]).') from e


def fix_torch_weights_only_checkpoints() -> bool:
    """Register mmengine's checkpoint globals as safe for ``torch.load``."""
    import torch
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is None:  # torch < 2.4: weights_only is not the default
        return False
    known = torch.serialization.get_safe_globals()
    missing = [g for g in mmengine_checkpoint_globals() if g not in known]
    if not missing:
        return False
    add(missing)
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(
        prefixes='', loader=_load_local_checkpoint, force=True)
    return True


# ---------------------------------------------------------------------------
# 4b. A truncated or corrupt checkpoint fails deep inside torch with a
#     message that names no file ("PytorchStreamReader failed reading zip
#     archive: failed finding central directory", "unexpected EOF, expected
#     N more bytes", EOFError, ...); the file appears only in an earlier log
#     line. The local loader registered by fix 4 re-raises such errors
#     naming the file.
# ---------------------------------------------------------------------------
class CheckpointUnreadableError(RuntimeError):
    """A checkpoint file is empty, truncated or not a torch checkpoint."""


def _load_local_checkpoint(filename: str, map_location=None):
    """mmengine's local loader: a refused checkpoint (allow-list, fix 4) or
    an unreadable one (empty, truncated, corrupt) names its file.

    Raises:
        CheckpointRefusedError: see :func:`_load_from_local_naming_file`.
        CheckpointUnreadableError: torch cannot parse the file.
    """
    import struct
    try:
        return _load_from_local_naming_file(filename, map_location)
    except (CheckpointRefusedError, FileNotFoundError, PermissionError,
            IsADirectoryError):
        raise
    except (OSError, RuntimeError, EOFError, IndexError, ValueError,
            struct.error) as e:
        size = osp.getsize(osp.expanduser(filename))
        detail = (str(e).strip().splitlines() or [''])[0].split('. ')[0]
        # torch's other RuntimeErrors (e.g. a CUDA checkpoint without CUDA
        # and no map_location) are not about the file's bytes
        corrupt = not isinstance(e, RuntimeError) or any(
            m in str(e)
            for m in ('PytorchStreamReader', 'unexpected EOF', 'corrupted'))
        what = ('it is empty, truncated or not a torch checkpoint'
                if corrupt else 'torch cannot load it')
        raise CheckpointUnreadableError(
            f'cannot read checkpoint {filename} ({size} bytes): {what} '
            f'({type(e).__name__}: {detail}).' +
            (' Copy or save it again.' if corrupt else '')) from e


# ---------------------------------------------------------------------------
# 6. Fix 2 is for mmagic only (the super-resolution tool): it is applied
#    when ``mmagic`` is first imported (an import hook), so that ``import
#    tiny_action`` leaves numpy alone for everybody else. (Fix 3 stays in
#    :func:`apply_all`: mmaction's transformer backbones import
#    ``mmcv.cnn.bricks.transformer``, which warns "Fail to import
#    MultiScaleDeformableAttention" without an ``mmcv._ext``.)
# ---------------------------------------------------------------------------
class _BeforeImport(importlib.abc.MetaPathFinder):
    """Runs ``shims`` once, just before the first import of ``name``; the
    import itself is left to the normal finders."""

    def __init__(self, name: str, shims: List) -> None:
        self.name = name
        self.shims = shims

    def find_spec(self, fullname, path=None, target=None):
        if fullname == self.name:
            self.run()
        return None

    def run(self) -> None:
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        for name, shim in self.shims:
            if shim() and name not in APPLIED:
                APPLIED.append(name)


def apply_before_mmagic_import() -> bool:
    """Apply the mmagic fix (2) when mmagic is imported, or now if it
    already is. Returns True when the import hook was installed."""
    hook = _BeforeImport('mmagic', [('numpy_bool8', fix_numpy_bool8)])
    if 'mmagic' in sys.modules:
        hook.run()
        return False
    if any(isinstance(f, _BeforeImport) and f.name == 'mmagic'
           for f in sys.meta_path):
        return False
    sys.meta_path.insert(0, hook)
    return True


# ---------------------------------------------------------------------------
# 7. mmaction2 1.2.0 imports its multimodal (VindLU) models, and with them
#    transformers, timm and torchvision.models, at ``import mmaction.models``
#    whenever transformers is installed (mmaction/models/multimodal/
#    __init__.py; mmagic's requirements install transformers): about 1 s of
#    every tool's start-up, and their FutureWarnings, for models tiny_action
#    never uses. The package is replaced by a stand-in whose registry
#    entries import the real models on first use (build, or attribute
#    access on ``mmaction.models.multimodal``).
# ---------------------------------------------------------------------------
#: what mmaction/models/multimodal/vindlu registers, per mmaction registry
_MULTIMODAL_NAMES = {
    'MODELS': ('BeitModel3D', 'VindLURetrieval', 'VindLURetrievalMC',
               'VindLUVQA', 'XBertForMaskedLM', 'XBertModel', 'BertDecoder'),
    'TOKENIZER': ('VindLUTokenizer', ),
}


def import_mmaction_multimodal():
    """Import the real ``mmaction.models.multimodal.vindlu`` (replacing the
    lazy registry entries of fix 7) and return it."""
    import importlib

    import mmaction.registry as registries
    name = 'mmaction.models.multimodal.vindlu'
    if name not in sys.modules:
        for registry, names in _MULTIMODAL_NAMES.items():
            for entry in names:
                getattr(registries, registry)._module_dict.pop(entry, None)
    vindlu = importlib.import_module(name)
    sys.modules['mmaction.models.multimodal'].__dict__.update(
        {k: getattr(vindlu, k) for k in vindlu.__all__})
    return vindlu


def _lazy_multimodal(registry, name: str) -> Callable:

    def build(*args, **kwargs):
        import_mmaction_multimodal()
        return registry.get(name)(*args, **kwargs)

    build.__name__ = name
    return build


def _multimodal_attr(name: str):
    if name.startswith('__'):
        raise AttributeError(name)
    return getattr(import_mmaction_multimodal(), name)


def defer_mmaction_multimodal() -> bool:
    """Install the lazy ``mmaction.models.multimodal`` stand-in. A no-op
    when ``mmaction.models`` is already imported, transformers is absent
    (mmaction then registers its own placeholders) or the package has no
    ``vindlu``."""
    name = 'mmaction.models.multimodal'
    folder = osp.join(_package_dir('mmaction'), 'models', 'multimodal')
    if ('mmaction.models' in sys.modules or name in sys.modules
            or importlib.util.find_spec('transformers') is None
            or not osp.isfile(osp.join(folder, 'vindlu', '__init__.py'))):
        return False
    import mmaction.registry as registries
    module = _stand_in_module(name, {'__all__': [], '__path__': [folder]})
    module.__spec__.submodule_search_locations = [folder]
    module.__getattr__ = _multimodal_attr
    sys.modules[name] = module
    for registry, names in _MULTIMODAL_NAMES.items():
        registry = getattr(registries, registry)
        for entry in names:
            registry.register_module(
                name=entry, module=_lazy_multimodal(registry, entry))
    return True


# ---------------------------------------------------------------------------
# 8. mmengine 0.10.7 imports (and reloads) the deprecated ``pkg_resources``
#    to resolve ``mmaction::`` config bases (mmengine/utils/
#    package_utils.py); setuptools >= 67.5 then prints "UserWarning:
#    pkg_resources is deprecated as an API" twice before a tool's own
#    output. Exactly that message is hidden.
# ---------------------------------------------------------------------------
_PKG_RESOURCES_MESSAGE = 'pkg_resources is deprecated as an API'


def quiet_pkg_resources_deprecation() -> bool:
    """Hide setuptools' pkg_resources deprecation warning (only it).
    Returns True when the filter was added."""
    import warnings
    if any(f[1] is not None and f[1].pattern == _PKG_RESOURCES_MESSAGE
           for f in warnings.filters):
        return False
    warnings.filterwarnings(
        'ignore', message=_PKG_RESOURCES_MESSAGE, category=UserWarning)
    return True


# ---------------------------------------------------------------------------
# 9. Third-party imports print FutureWarnings before any output of ours:
#    ``import mmaction.models`` imports timm (mmaction/models/multimodal/
#    vindlu/temporal_model.py: "Importing from timm.models.layers is
#    deprecated, please import via timm.layers"), whose hrnet.py uses
#    ``@torch.jit.interface`` ("`torch.jit.interface` is deprecated. Please
#    use `torch.compile` instead."); ``import mmagic`` imports diffusers
#    0.24, which calls torch's private pytree registration
#    (diffusers/utils/outputs.py: "`torch.utils._pytree._register_pytree_node`
#    is deprecated"). Each is hidden by its message *and* the module that
#    warns, nothing else; options given with ``-W`` / ``PYTHONWARNINGS``
#    win (then nothing is added).
# ---------------------------------------------------------------------------
#: ``(message regex, module regex)`` of the FutureWarnings hidden by fix 9
QUIET_FUTURE_WARNINGS = (
    (r'`torch\.jit\.interface` is deprecated', r'torch\.jit\._script$'),
    (r'Importing from timm\.models\.layers is deprecated',
     r'timm\.models\.layers$'),
    (r'`torch\.utils\._pytree\._register_pytree_node` is deprecated',
     r'diffusers\.utils\.outputs$'),
)


def _has_filter(message: str, module: str) -> bool:
    for action, msg, category, mod, _ in warnings.filters:
        if (action == 'ignore' and category is FutureWarning
                and getattr(msg, 'pattern', None) == message
                and getattr(mod, 'pattern', None) == module):
            return True
    return False


def quiet_third_party_future_warnings() -> bool:
    """Hide the FutureWarnings of :data:`QUIET_FUTURE_WARNINGS` (each by
    message and module). A no-op when the user set warning options
    (``-W``, ``PYTHONWARNINGS``) or the filters are in place already.
    Returns True when filters were added."""
    if sys.warnoptions:
        return False
    added = False
    for message, module in QUIET_FUTURE_WARNINGS:
        if not _has_filter(message, module):
            warnings.filterwarnings('ignore', message=message,
                                    category=FutureWarning, module=module)
            added = True
    return added


# ---------------------------------------------------------------------------
# 11. numpy >= 2.0 (NEP 50) no longer widens ``uint8 array + python int``:
#     mmaction2 1.2.0's ``ColorJitter.adjust_hue`` adds ``int(factor * 255)``
#     to the uint8 hue channel and fails for every negative draw
#     (mmaction/datasets/transforms/processing.py: "OverflowError: Python
#     integer -12 out of bounds for uint8"), so a train pipeline with the
#     stock ColorJitter dies on about half its clips. The replacement does
#     the sum in int16, as numpy 1.x did, then wraps into [0, 180).
# ---------------------------------------------------------------------------
def _adjust_hue_int16(img: np.ndarray, factor: float) -> np.ndarray:
    """mmaction2's ``ColorJitter.adjust_hue`` with the hue sum in int16
    (numpy 1.x's result): ``img`` RGB float, returns RGB float32."""
    import cv2
    img = np.clip(img, 0, 255).astype(np.uint8)
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    offset = int(factor * 255)
    hsv[..., 0] = ((hsv[..., 0].astype(np.int16) + offset) % 180).astype(
        np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)


def _hue_overflows(adjust_hue: Callable) -> bool:
    """Whether ``adjust_hue`` fails on a negative hue factor."""
    try:
        adjust_hue(np.full((1, 1, 3), 100, np.float32), -0.05)
    except OverflowError:
        return True
    return False


def fix_color_jitter_negative_hue() -> bool:
    """Give mmaction2's ``ColorJitter`` :func:`_adjust_hue_int16` when its
    own ``adjust_hue`` overflows on a negative factor; a no-op (False) when
    it does not (numpy 1.x, a fixed mmaction2) or is replaced already."""
    from mmaction.datasets.transforms.processing import ColorJitter
    if not _hue_overflows(ColorJitter.adjust_hue):
        return False
    ColorJitter.adjust_hue = staticmethod(_adjust_hue_int16)
    return True


_SHIMS = [
    ('quiet_third_party_future_warnings', quiet_third_party_future_warnings),
    ('mmaction_lazy_multimodal', defer_mmaction_multimodal),
    ('mmaction_missing_drn', fix_mmaction_missing_drn),
    ('mmcv_lite_ext', fix_mmcv_lite_ext),
    ('mmagic_fixes_on_import', apply_before_mmagic_import),
    ('torch_weights_only_checkpoints', fix_torch_weights_only_checkpoints),
    ('quiet_pkg_resources', quiet_pkg_resources_deprecation),
    ('color_jitter_negative_hue', fix_color_jitter_negative_hue),
]


def apply_all() -> List[str]:
    """Apply every shim; returns the names of those that changed something."""
    for name, shim in _SHIMS:
        if shim() and name not in APPLIED:
            APPLIED.append(name)
    return list(APPLIED)


# ---------------------------------------------------------------------------
# 5. mmengine 0.10.7 cannot start a distributed run on a CPU-only machine:
#    `_init_dist_pytorch` calls `torch.cuda.set_device(local_rank)`
#    unconditionally ("RuntimeError: ... no CUDA GPUs are available" / "Torch
#    not compiled with CUDA enabled") and the default runtime asks for nccl.
#    Not a patch: `TinyActionRunner.setup_env` calls this before mmengine's
#    own `init_dist`, which then finds the process group initialised.
# ---------------------------------------------------------------------------
def init_dist_without_cuda(launcher: str, dist_cfg: dict) -> bool:
    """Initialise a gloo process group for ``launcher='pytorch'`` when no
    CUDA device is available. Returns True when it did; a no-op (False) when
    CUDA is available, the group exists, or the launcher is not pytorch
    (mmengine handles those)."""
    import datetime

    import torch
    import torch.distributed as torch_dist
    if (launcher != 'pytorch' or torch.cuda.is_available()
            or not torch_dist.is_available() or torch_dist.is_initialized()):
        return False
    kwargs = {k: v for k, v in dist_cfg.items() if k != 'backend'}
    if kwargs.get('timeout') is not None:
        kwargs['timeout'] = datetime.timedelta(seconds=kwargs['timeout'])
    backend = dist_cfg.get('backend', 'gloo')
    if backend == 'nccl':  # nccl needs CUDA; gloo is the CPU backend
        backend = 'gloo'
    torch_dist.init_process_group(backend=backend, **kwargs)
    return True


# ---------------------------------------------------------------------------
# 10. A process that exits with a gloo process group still alive can abort
#     during interpreter finalization ("terminate called without an active
#     exception", SIGABRT, the launcher reports "exitcode: -6" for a rank
#     that finished its work): gloo's worker threads are torn down while
#     joinable (pytorch/pytorch#190489; torch's own atexit fix,
#     pytorch/pytorch#179291, was abandoned). mmengine's tools/train.py and
#     test.py never call ``destroy_process_group``. Not a patch:
#     ``TinyActionRunner.setup_env`` calls this once the group exists.
# ---------------------------------------------------------------------------
_EXIT_CLEANUP: List[Callable] = []


def _destroy_process_group_now() -> None:
    """Destroy the default process group if it still exists (at exit),
    after collecting the reference cycles that may still hold it (a DDP
    wrapper's reducer keeps the group alive until its model is freed)."""
    import gc

    import torch.distributed as torch_dist
    if torch_dist.is_available() and torch_dist.is_initialized():
        try:
            gc.collect()
            torch_dist.destroy_process_group()
            gc.collect()
        except Exception as exc:  # exit must go on; say why it was not clean
            print(f'tiny_action: destroying the process group at exit '
                  f'failed: {exc!r}', file=sys.stderr)


def destroy_process_group_at_exit() -> bool:
    """Register (once per process) an ``atexit`` handler that destroys the
    default process group while the interpreter is still whole. Returns
    True when it registered; a no-op (False) when ``torch.distributed`` is
    unavailable, no group exists, or the handler is registered already."""
    import atexit

    import torch.distributed as torch_dist
    if (_EXIT_CLEANUP or not torch_dist.is_available()
            or not torch_dist.is_initialized()):
        return False
    atexit.register(_destroy_process_group_now)
    _EXIT_CLEANUP.append(_destroy_process_group_now)
    return True


# mmengine logs "Loads checkpoint by <name[10:]> backend"; keep it "local".
_load_local_checkpoint.__name__ = 'load_from_local'
