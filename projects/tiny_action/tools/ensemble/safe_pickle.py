"""Unpickling ``tools/test.py --dump`` files without running their code.

A dump is written by mmengine's ``DumpResults`` (``mmengine.dump``, pickle
protocol 2): a list of ``ActionDataSample.to_dict()`` dicts holding CPU torch
tensors, numpy arrays and Python builtins. ``pickle.load`` / ``mmengine.load``
would call any function a pickle names, so a crafted ``.pkl`` can run a shell
command. :class:`DumpUnpickler` resolves only the globals in
:data:`ALLOWED_GLOBALS`, the ones such a file legitimately names, and refuses
every other one before anything is called (:class:`DumpRefusedError`):

- torch tensors pickle as ``torch._utils._rebuild_tensor_v2(storage, offset,
  size, stride, requires_grad, hooks)``; they are rebuilt here with the public
  ``Tensor.set_`` (:func:`_rebuild_tensor`);
- their storages pickle as ``torch.storage._load_from_bytes(bytes)``, which
  calls ``torch.load(weights_only=False)``; here the bytes go through
  ``torch.load(weights_only=True)`` instead (:func:`_load_storage`);
- numpy arrays (protocol 2 to 5), scalars and dtypes,
  ``collections.OrderedDict``, ``set``,
  ``frozenset``, ``complex``, ``torch.Size`` and protocol 2's encoding of
  ``bytes`` (``_codecs.encode(text, 'latin1')``) are resolved as usual.

The private torch names above appear only as strings: they are what a dump
file names, never called.
"""
import gc
import io
import pickle
from collections import OrderedDict
from typing import Any, Callable, Dict, Tuple

import torch


class DumpRefusedError(ValueError):
    """A dump names a global that a ``tools/test.py`` dump never holds."""


def _load_storage(data: bytes) -> 'torch.TypedStorage':
    """``torch.storage._load_from_bytes`` with torch's ``weights_only``
    unpickler (a storage only; CPU)."""
    if not isinstance(data, bytes):
        raise pickle.UnpicklingError(
            f'a storage should be serialised bytes, got {type(data).__name__}')
    try:
        storage = torch.load(io.BytesIO(data), map_location='cpu',
                             weights_only=True)
    except pickle.UnpicklingError as e:
        # torch's line naming the global, without its advice to load with
        # weights_only=False (the whole message if no line names one)
        reason = next((ln for ln in str(e).splitlines() if 'GLOBAL' in ln),
                      str(e))
        raise pickle.UnpicklingError(
            'torch.load(weights_only=True) refused a tensor storage: '
            f'{reason.strip()}') from e
    if not isinstance(storage, torch.TypedStorage):
        raise pickle.UnpicklingError(
            f'expected a serialised tensor storage, got '
            f'{type(storage).__name__}')
    return storage


def _rebuild_tensor(storage: 'torch.TypedStorage',
                    storage_offset: int,
                    size: Tuple[int, ...],
                    stride: Tuple[int, ...],
                    requires_grad: bool = False,
                    backward_hooks: Any = None,
                    metadata: Any = None) -> torch.Tensor:
    """``torch._utils._rebuild_tensor_v2`` for a plain dense CPU tensor,
    with public API only (hooks are never serialised, so they are empty)."""
    if not isinstance(storage, torch.TypedStorage):
        raise pickle.UnpicklingError(
            f'a tensor needs a storage, got {type(storage).__name__}')
    if backward_hooks or metadata:
        raise pickle.UnpicklingError(
            'a dump tensor has no backward hooks and no conj/neg metadata, '
            f'got hooks {backward_hooks!r}, metadata {metadata!r}')
    tensor = torch.empty((0, ), dtype=storage.dtype)
    tensor.set_(storage, storage_offset, tuple(size), tuple(stride))
    tensor.requires_grad_(bool(requires_grad))
    return tensor


def _encode_latin1(text: str, encoding: str = 'latin1') -> bytes:
    """Protocol 2's pickling of ``bytes``: ``_codecs.encode(text,
    'latin1')``; no other codec."""
    if not isinstance(text, str) or encoding not in ('latin1', 'latin-1'):
        raise pickle.UnpicklingError(
            f'_codecs.encode is allowed for (str, "latin1") only, got '
            f'({type(text).__name__}, {encoding!r})')
    return text.encode('latin1')


#: ``(module, name)`` -> replacement, or None to resolve the global as
#: usual. ``__builtin__`` is how protocol 2 names the builtins module.
ALLOWED_GLOBALS: Dict[Tuple[str, str], Callable] = {
    ('torch._utils', '_rebuild_tensor_v2'): _rebuild_tensor,
    ('torch.storage', '_load_from_bytes'): _load_storage,
    ('_codecs', 'encode'): _encode_latin1,
    ('collections', 'OrderedDict'): OrderedDict,
    ('torch', 'Size'): torch.Size,
    **{(module, name): None
       for module in ('builtins', '__builtin__')
       for name in ('set', 'frozenset', 'complex')},
    ('numpy', 'ndarray'): None,
    ('numpy', 'dtype'): None,
    **{(f'numpy.{core}.{module}', name): None
       for core in ('core', '_core')  # numpy 1 and 2 write these names
       for module, name in (('multiarray', '_reconstruct'),
                            ('multiarray', 'scalar'),
                            ('numeric', '_frombuffer'))},
}


class DumpUnpickler(pickle.Unpickler):
    """A ``pickle.Unpickler`` that resolves only :data:`ALLOWED_GLOBALS`.

    Args:
        file: A binary file object.
        path (str): The file's name, for messages.
    """

    def __init__(self, file, path: str) -> None:
        super().__init__(file)
        self.path = path

    def find_class(self, module: str, name: str) -> Any:
        key = (module, name)
        if key not in ALLOWED_GLOBALS:
            raise DumpRefusedError(
                f'{self.path}: refused to unpickle the global '
                f'{module}.{name}: a tools/test.py dump holds only torch '
                'tensors, numpy arrays and Python builtins, and a pickle '
                'that names other globals can run code. Nothing of the file '
                'was executed; if you wrote it yourself, save plain tensors, '
                'arrays and builtins instead')
        replacement = ALLOWED_GLOBALS[key]
        if replacement is not None:
            return replacement
        return super().find_class(module, name)


def load_dump_pickle(path: str) -> Any:
    """Unpickle a dump with :class:`DumpUnpickler`.

    Args:
        path (str): The ``.pkl`` file.

    Returns:
        The unpickled object (torch tensors rebuilt, as ``mmengine.load``
        returns them).

    Raises:
        DumpRefusedError: If the pickle names a global that is not allowed
            (naming the file and the global).
        ValueError: If the file is truncated or corrupt (naming the file).
    """
    # No cyclic GC passes over the many new, acyclic objects while loading.
    enabled = gc.isenabled()
    with open(path, 'rb', buffering=1 << 20) as f:
        gc.disable()
        try:
            return DumpUnpickler(f, path).load()
        except DumpRefusedError:
            raise
        except Exception as e:  # a damaged file: name it
            raise ValueError(
                f'{path}: cannot unpickle this dump (truncated or corrupt?): '
                f'{type(e).__name__}: {e}') from e
        finally:
            if enabled:
                gc.enable()
