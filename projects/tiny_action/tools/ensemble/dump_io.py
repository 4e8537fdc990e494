"""Reading ``tools/test.py --dump`` pickles and averaging several of them.

A dump (mmengine ``DumpResults``) is a pickled list with one dict per test
sample, in dataset order: ``ActionDataSample.to_dict()``, i.e. ``pred_score``
(tensor ``(C,)``), ``gt_label`` (tensor ``(C,)``, multi-hot; all zeros on an
unlabeled split), ``num_classes``, ``pred_label`` (if the head sets it) and
the sample's metainfo. Which metainfo keys survive is decided by the
packing transform's ``meta_keys``: the project's ``PackTinyActionInputs``
(used by the configs) keeps ``id`` and ``sample_idx``, so dumps carry the
clip id; mmaction's stock ``PackActionInputs`` keeps only ``img_shape``,
``img_key``, ``video_id`` and ``timestamp``: **no clip id** (test samples
are then matched to the annotation by position, see
:func:`~tiny_action.tools.ensemble.submission.align_to_annotation`). The
identity keys read here are :data:`IDENTITY_KEYS`.

Unpickling torch tensors is slow: every tensor's storage goes through a
full ``torch.load`` (about 0.15 ms each, 2 s for a 6,097-clip dump).
:func:`load_dump` instead keeps each storage's bytes while unpickling
(:class:`RawTensor`) and decodes all ``pred_score`` (or ``gt_label``)
storages of a dump at once with numpy, after checking that every one has
the legacy ``torch.save`` layout of a little-endian CPU storage of a
known dtype, byte for byte identical to the first one outside its
storage key (:func:`stack_tensors`); anything else goes through torch's
own code. The values are bit-identical. Like ``mmengine.load`` it
unpickles: only read dumps you trust.
"""
import gc
import os.path as osp
import pickle
import struct
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

#: metainfo keys that identify a sample, in order of preference.
IDENTITY_KEYS = ('id', 'sample_idx', 'filename', 'video_id')

# ----------------------------------------------------------- fast unpickle
# Legacy ``torch.save`` layout of one storage (what ``TypedStorage.
# __reduce__`` pickles with protocol 2): three header pickles (magic
# number, protocol version, sys_info with ``little_endian``), the persistent
# id ``('storage', torch.<Type>Storage, key, 'cpu', numel, None)``, the
# pickled list ``[key]``, an int64 element count and the raw bytes.
_STORAGE_DTYPES = {
    b'FloatStorage': np.dtype('<f4'),
    b'DoubleStorage': np.dtype('<f8'),
    b'HalfStorage': np.dtype('<f2'),
    b'LongStorage': np.dtype('<i8'),
    b'IntStorage': np.dtype('<i4'),
    b'ShortStorage': np.dtype('<i2'),
    b'CharStorage': np.dtype('i1'),
    b'ByteStorage': np.dtype('u1'),
    b'BoolStorage': np.dtype('?'),
}
_INT64 = struct.Struct('<q')
_UINT32 = struct.Struct('<I')
_LITTLE_ENDIAN = b'little_endianq\x02\x88'
_CPU = b'X\x03\x00\x00\x00cpu'
_KEYS_START = b'Q.\x80\x02]q\x00X'


def _storage_layout(b: bytes) -> Optional[tuple]:
    """``(dtype, data_offset, numel, key_spans)`` of a legacy-serialised
    CPU storage, or None if any structural marker is not as expected."""
    if not isinstance(b, bytes):
        return None
    head = b[:512]
    i = head.find(b'ctorch\n')
    j = head.find(b'\n', i + 7) if i >= 0 else -1
    dtype = _STORAGE_DTYPES.get(head[i + 7:j]) if j > 0 else None
    if dtype is None or head.find(_LITTLE_ENDIAN, 0, i) < 0 \
            or b[j:j + 4] != b'\nq\x01X':
        return None
    (len1, ) = _UINT32.unpack_from(b, j + 4)
    key1 = (j + 8, j + 8 + len1)
    k = b.find(_KEYS_START, key1[1])
    if k < 0 or b.find(_CPU, key1[1], k) < 0:
        return None
    pos = k + len(_KEYS_START)
    (len2, ) = _UINT32.unpack_from(b, pos)
    key2 = (pos + 4, pos + 4 + len2)
    if b[key1[0]:key1[1]] != b[key2[0]:key2[1]] \
            or b[key2[1]:key2[1] + 4] != b'q\x01a.':
        return None
    (numel, ) = _INT64.unpack_from(b, key2[1] + 4)
    data = key2[1] + 12
    if numel < 0 or len(b) - data != numel * dtype.itemsize:
        return None
    return dtype, data, numel, (key1, key2)


def _storage_to_numpy(b: bytes) -> Any:
    """One storage as a 1-D numpy array (no copy), or torch's own result
    when the layout is not the expected one."""
    layout = _storage_layout(b)
    if layout is not None:
        return np.frombuffer(b, dtype=layout[0], offset=layout[1])
    import torch.storage
    return torch.storage._load_from_bytes(b)


def _rebuild_tensor(storage, storage_offset, size, stride, *args):
    """``torch._utils._rebuild_tensor_v2`` for numpy storages (read-only
    numpy view); torch storages go to torch."""
    if not isinstance(storage, np.ndarray):
        import torch._utils
        return torch._utils._rebuild_tensor_v2(storage, storage_offset, size,
                                               stride, *args)
    if len(size) == 1 and (stride[0] == 1 or size[0] <= 1):
        return storage[storage_offset:storage_offset + size[0]]
    return np.lib.stride_tricks.as_strided(
        storage[storage_offset:],
        shape=tuple(size),
        strides=tuple(s * storage.itemsize for s in stride))


class RawTensor(tuple):
    """A tensor as unpickled by the fast reader: ``(storage_bytes, offset,
    size, stride, *rest)``, the arguments of ``_rebuild_tensor_v2``, decoded
    later (:meth:`numpy`, :func:`stack_tensors`)."""
    __slots__ = ()

    @property
    def storage(self) -> bytes:
        return self[0]

    def numpy(self) -> Any:
        """A numpy array (a torch tensor for unsupported storages)."""
        return _rebuild_tensor(_storage_to_numpy(self[0]), *self[1:])


def _raw_tensor(*args) -> RawTensor:
    return RawTensor(args)


class _FastUnpickler(pickle.Unpickler):

    def find_class(self, module: str, name: str) -> Any:
        if module == 'torch.storage' and name == '_load_from_bytes':
            return bytes  # keep the serialised storage as it is
        if module == 'torch._utils' and name == '_rebuild_tensor_v2':
            return _raw_tensor
        return super().find_class(module, name)


def materialize(obj: Any) -> Any:
    """Replace every :class:`RawTensor` in nested dicts / lists / tuples by
    its numpy array."""
    if isinstance(obj, RawTensor):
        return obj.numpy()
    if isinstance(obj, dict):
        return {k: materialize(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(materialize(v) for v in obj)
    return obj


def read_pickle(path: str, fast: bool = True, raw: bool = False) -> Any:
    """Unpickle ``path``.

    Args:
        path (str): The pickle file.
        fast (bool): Use the fast reader (CPU tensors become numpy arrays).
            False: plain ``pickle`` (torch tensors). Defaults to True.
        raw (bool): With ``fast``, leave tensors as :class:`RawTensor`.
            Defaults to False.
    """
    # A buffered file (the C unpickler prefetches through ``peek``), and no
    # cyclic GC passes over the many new, acyclic objects while loading.
    enabled = gc.isenabled()
    gc.disable()
    try:
        with open(path, 'rb', buffering=1 << 20) as f:
            obj = _FastUnpickler(f).load() if fast else pickle.load(f)
    finally:
        if enabled:
            gc.enable()
    return obj if raw or not fast else materialize(obj)


def _to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, 'detach'):  # a torch.Tensor (plain or fallback path)
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def stack_tensors(values: Sequence[Any]) -> np.ndarray:
    """Stack per-sample tensors (``RawTensor``, torch or numpy) into one
    array ``(N, ...)``.

    When all values are raw tensors with the same geometry (serialised
    storage length, offset, size, stride; a contiguous view), the first
    storage is parsed (:func:`_storage_layout`), every storage is checked to
    be byte-identical to it outside the storage key, and the data bytes of
    all are viewed as one array. A storage failing the check, and any other
    input, is decoded on its own (torch's code for unknown layouts).
    """
    values = list(values)
    if not values:
        raise ValueError('no tensors to stack')
    if all(type(v) is RawTensor for v in values):
        geometry = {(len(v[0]), v[1], v[2], v[3], len(v) - 4)
                    for v in values}
        if len(geometry) == 1:
            length, offset, size, stride, rest = geometry.pop()
            out = _stack_uniform(values, length, offset, tuple(size),
                                 tuple(stride), rest)
            if out is not None:
                return out
    return np.stack([
        _to_numpy(v.numpy() if isinstance(v, RawTensor) else v)
        for v in values
    ])


def _stack_uniform(values: List[RawTensor], length: int, offset: int,
                   size: tuple, stride: tuple,
                   rest: int) -> Optional[np.ndarray]:
    """The batched decoding of :func:`stack_tensors` (None: not possible)."""
    layout = _storage_layout(values[0][0])
    flat = int(np.prod(size)) if size else 1
    contiguous = stride == tuple(
        int(np.prod(size[d + 1:])) for d in range(len(size)))
    if layout is None or not contiguous or rest > 2 \
            or offset + flat > layout[2]:
        return None
    dtype, data, _, keys = layout
    block = np.frombuffer(b''.join([v[0] for v in values]),
                          dtype=np.uint8).reshape(len(values), length)
    compare = np.ones(data, dtype=bool)
    for lo, hi in keys:
        compare[lo:hi] = False
    header = block[:, :data][:, compare]
    start = data + offset * dtype.itemsize
    out = np.ascontiguousarray(
        block[:, start:start + flat * dtype.itemsize]).view(dtype).reshape(
            (len(values), ) + size)
    for i in np.flatnonzero((header != header[0]).any(axis=1)):
        out[i] = _to_numpy(values[i].numpy())  # not the same layout
    return out


@dataclass
class DumpScores:
    """The scores, labels and sample identities of one dump.

    Attributes:
        path (str): The dump file.
        scores (np.ndarray): ``pred_score`` of shape ``(N, C)``, float64.
        labels (np.ndarray, optional): ``gt_label`` of shape ``(N, C)``,
            uint8 multi-hot; None when the samples carry no ``gt_label``.
        meta (dict[str, list]): The :data:`IDENTITY_KEYS` that every sample
            carries, each a list of length ``N``.
    """
    path: str
    scores: np.ndarray
    labels: Optional[np.ndarray] = None
    meta: Dict[str, list] = field(default_factory=dict)

    @property
    def num_samples(self) -> int:
        return self.scores.shape[0]

    @property
    def num_classes(self) -> int:
        return self.scores.shape[1]

    @property
    def has_labels(self) -> bool:
        """True when ``gt_label`` exists and is not all zeros."""
        return self.labels is not None and bool(self.labels.any())

    def describe(self, i: int) -> str:
        """``'sample 17 (id '00019')'`` with the identity keys it has."""
        keys = ', '.join(f'{k} {self.meta[k][i]!r}' for k in IDENTITY_KEYS
                         if k in self.meta)
        return f'sample {i}' + (f' ({keys})' if keys else '')


def load_dump(path: str, fast: bool = True) -> DumpScores:
    """Read one ``tools/test.py --dump`` pickle.

    Args:
        path (str): The ``.pkl`` file.
        fast (bool): Read tensors with the fast numpy unpickler (see the
            module docstring). Defaults to True.

    Returns:
        DumpScores: Scores, labels and identity metainfo.

    Raises:
        ValueError: If the file is missing, is not a list of per-sample
            dicts with a 1-D ``pred_score`` of one common length, or holds
            scores outside ``[0, 1]`` (the ensemble averages probabilities,
            not logits).
    """
    if not osp.isfile(path):
        raise ValueError(f'dump file {path} does not exist')
    records = read_pickle(path, fast=fast, raw=True)
    if not isinstance(records, list) or not records:
        raise ValueError(
            f'{path}: expected a non-empty list of per-sample dicts (the '
            f'pickle written by tools/test.py --dump), got '
            f'{type(records).__name__}'
            f'{" of length 0" if isinstance(records, list) else ""}')
    first = records[0]
    if not isinstance(first, dict) or 'pred_score' not in first:
        found = sorted(first) if isinstance(first, dict) else type(first)
        raise ValueError(f'{path}: samples should be dicts with a '
                         f'`pred_score`, but sample 0 has {found}')
    try:
        scores = stack_tensors([r['pred_score'] for r in records])
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f'{path}: every sample needs a `pred_score` of the '
                         f'same shape (num_classes,): {e!r}') from e
    if scores.ndim != 2:
        raise ValueError(f'{path}: `pred_score` should be 1-D (one score per '
                         f'class), got shape {scores.shape[1:]}')
    scores = scores.astype(np.float64)
    if not np.isfinite(scores).all():
        raise ValueError(f'{path}: `pred_score` contains NaN or inf')
    if scores.min() < 0 or scores.max() > 1:
        raise ValueError(
            f'{path}: `pred_score` lies in [{scores.min():.4g}, '
            f'{scores.max():.4g}], but the ensemble averages probabilities '
            'in [0, 1] (a multi-label head with sigmoid scores, e.g. '
            'ASLHead)')
    labels = None
    if all('gt_label' in r for r in records):
        labels = stack_tensors([r['gt_label'] for r in records])
        if labels.shape != scores.shape:
            raise ValueError(
                f'{path}: `gt_label` has shape {labels.shape[1:]} per sample '
                f'but `pred_score` has {scores.shape[1:]}; expected '
                'multi-hot labels (num_classes,)')
        if not np.isin(labels, (0, 1)).all():
            raise ValueError(f'{path}: `gt_label` should be multi-hot (0/1)')
        labels = labels.astype(np.uint8)
    meta = {
        k: [r[k] for r in records]
        for k in IDENTITY_KEYS if all(k in r for r in records)
    }
    if 'id' in meta:
        meta['id'] = [str(v) for v in meta['id']]
    if 'sample_idx' in meta:
        meta['sample_idx'] = [int(v) for v in meta['sample_idx']]
    return DumpScores(path=path, scores=scores, labels=labels, meta=meta)


# -------------------------------------------------------------- alignment
class DumpMismatchError(ValueError):
    """Dumps that do not describe the same samples in the same order."""


def _basenames(paths: Sequence[Any]) -> List[str]:
    return [osp.basename(str(p)) for p in paths]


def check_aligned(dumps: Sequence[DumpScores],
                  check_labels: bool = True) -> List[str]:
    """Check that every dump describes the same samples as the first one.

    Compared, against ``dumps[0]``: the number of classes, the number of
    samples, every identity key both dumps carry (:data:`IDENTITY_KEYS`),
    and (with ``check_labels``) the ``gt_label`` rows. ``filename`` is
    compared by its base name, since models may read the same clips from
    different roots (e.g. super-resolved twins).

    Args:
        dumps (Sequence[DumpScores]): At least one dump.
        check_labels (bool): Also compare labels. Defaults to True.

    Returns:
        list[str]: The identity keys that were compared for every dump
        (empty when the dumps carry none: then only counts and labels could
        be compared, and a warning says so).

    Raises:
        DumpMismatchError: Naming both files and the first differing sample.
    """
    if not dumps:
        raise ValueError('no dumps given')
    ref = dumps[0]
    common = [k for k in IDENTITY_KEYS if all(k in d.meta for d in dumps)]
    for other in dumps[1:]:
        pair = f'{other.path} and {ref.path}'
        if other.num_classes != ref.num_classes:
            raise DumpMismatchError(
                f'{pair} do not have the same classes: {other.path} has '
                f'{other.num_classes} scores per sample, {ref.path} has '
                f'{ref.num_classes}')
        n = min(ref.num_samples, other.num_samples)
        for key in IDENTITY_KEYS:
            if key not in ref.meta or key not in other.meta:
                continue
            a, b = ref.meta[key][:n], other.meta[key][:n]
            if key == 'filename':  # models may read different roots (SR)
                a, b = _basenames(a), _basenames(b)
            if a != b:
                i = next(i for i in range(n) if a[i] != b[i])
                raise DumpMismatchError(
                    f'{pair} do not describe the same samples in the same '
                    f'order: first difference at sample {i}: {key} '
                    f'{b[i]!r} in {other.path} vs {a[i]!r} in {ref.path}')
        if other.num_samples != ref.num_samples:
            raise DumpMismatchError(
                f'{pair} do not describe the same samples: {other.path} has '
                f'{other.num_samples} samples, {ref.path} has '
                f'{ref.num_samples} (the first {n} agree on '
                f'{common or "(no identity keys)"}); first differing sample: '
                f'{n}')
        if check_labels and ref.labels is not None \
                and other.labels is not None:
            rows = np.flatnonzero((ref.labels != other.labels).any(axis=1))
            if rows.size:
                i = int(rows[0])
                raise DumpMismatchError(
                    f'{pair} do not describe the same samples: gt_label '
                    f'differs first at {ref.describe(i)} ({rows.size} '
                    'samples differ)')
    if not common and len(dumps) > 1:
        warnings.warn(
            'the dumps carry no sample identity (none of '
            f'{list(IDENTITY_KEYS)} in their metainfo), so their alignment '
            'was checked by sample count and labels only; add "id" to the '
            "packing transform's meta_keys", stacklevel=2)
    return common


def ensemble_scores(dumps: Sequence[DumpScores],
                    weights: Optional[Sequence[float]] = None) -> np.ndarray:
    """Weighted mean of the dumps' per-class probabilities.

    Args:
        dumps (Sequence[DumpScores]): Aligned dumps (see
            :func:`check_aligned`).
        weights (Sequence[float], optional): One non-negative weight per
            dump, not all zero; normalised to sum to 1. Defaults to equal
            weights.

    Returns:
        np.ndarray: Scores of shape ``(N, C)``, float64.
    """
    if weights is None:
        weights = np.ones(len(dumps))
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (len(dumps), ):
        raise ValueError(f'got {weights.size} weights for {len(dumps)} dumps '
                         f'({[d.path for d in dumps]})')
    if not np.isfinite(weights).all() or (weights < 0).any() \
            or weights.sum() <= 0:
        raise ValueError('ensemble weights should be finite, non-negative '
                         f'and not all zero, but got {weights.tolist()}')
    weights = weights / weights.sum()
    out = np.zeros_like(dumps[0].scores)
    for w, d in zip(weights, dumps):
        out += w * d.scores
    return out


@dataclass
class Ensemble:
    """Averaged scores of aligned dumps (see :func:`load_ensemble`).

    Attributes:
        paths (list[str]): The dump files, in order.
        weights (np.ndarray): Normalised weights, one per dump.
        scores (np.ndarray): Weighted mean scores ``(N, C)``.
        labels (np.ndarray, optional): Labels ``(N, C)`` (from the first
            dump; identical in all), None if the dumps have none.
        meta (dict[str, list]): Identity keys of the first dump.
        members (list[DumpScores]): The individual dumps.
    """
    paths: List[str]
    weights: np.ndarray
    scores: np.ndarray
    labels: Optional[np.ndarray]
    meta: Dict[str, list]
    members: List[DumpScores]

    @property
    def has_labels(self) -> bool:
        return self.labels is not None and bool(self.labels.any())


def load_ensemble(paths: Sequence[str],
                  weights: Optional[Sequence[float]] = None,
                  num_classes: Optional[int] = None,
                  fast: bool = True) -> Ensemble:
    """Load dumps, check their alignment and average them.

    Args:
        paths (Sequence[str]): Dump files (one per model / checkpoint).
        weights (Sequence[float], optional): See :func:`ensemble_scores`.
        num_classes (int, optional): Expected number of classes (the class
            map's); a mismatch raises. Defaults to None.
        fast (bool): See :func:`load_dump`. Defaults to True.

    Returns:
        Ensemble: The averaged scores and what they came from.
    """
    if not paths:
        raise ValueError('no dump files given')
    dumps = [load_dump(p, fast=fast) for p in paths]
    check_aligned(dumps)
    if num_classes is not None and dumps[0].num_classes != num_classes:
        raise ValueError(
            f'{paths[0]} has {dumps[0].num_classes} scores per sample but '
            f'the class map has {num_classes} classes')
    scores = ensemble_scores(dumps, weights)
    w = np.ones(len(dumps)) if weights is None else np.asarray(
        weights, dtype=np.float64)
    return Ensemble(
        paths=list(paths),
        weights=w / w.sum(),
        scores=scores,
        labels=dumps[0].labels,
        meta=dumps[0].meta,
        members=dumps)
