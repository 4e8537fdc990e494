"""Reading test-run dumps and averaging several of them.

Two forms are read:

- a ``tools/test.py --dump`` pickle (mmengine ``DumpResults``): a list with
  one dict per test sample, in dataset order, ``ActionDataSample.to_dict()``:
  ``pred_score`` (tensor ``(C,)``), ``gt_label`` (tensor ``(C,)``,
  multi-hot; all zeros on an unlabeled split), ``num_classes``,
  ``pred_label`` (if the head sets it) and the sample's metainfo. It is
  unpickled without running code
  (:func:`~tiny_action.tools.ensemble.safe_pickle.load_dump_pickle`);
- a ``.npz`` of plain arrays written by the
  :class:`~tiny_action.evaluation.NumpyDumpResults` metric (the same
  content; faster to read).

Which metainfo keys survive is decided by the packing transform's
``meta_keys``: the project's ``PackTinyActionInputs`` (used by the configs)
keeps ``id`` and ``sample_idx``, so dumps carry the clip id; mmaction's stock
``PackActionInputs`` keeps only ``img_shape``, ``img_key``, ``video_id`` and
``timestamp``: **no clip id** (test samples are then matched to the
annotation by position, see
:func:`~tiny_action.tools.ensemble.submission.align_to_annotation`). The
identity keys read here are :data:`IDENTITY_KEYS`.
"""
import os.path as osp
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from tiny_action.evaluation import IDENTITY_KEYS
from .safe_pickle import load_dump_pickle


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


def load_dump(path: str) -> DumpScores:
    """Read one dump: a ``tools/test.py --dump`` pickle or a
    :class:`~tiny_action.evaluation.NumpyDumpResults` ``.npz``.

    Args:
        path (str): The ``.pkl`` / ``.pickle`` or ``.npz`` file.

    Returns:
        DumpScores: Scores, labels and identity metainfo.

    Raises:
        ValueError: If the file is missing, truncated or corrupt, names a
            global a dump never holds (a pickle that could run code,
            :class:`~tiny_action.tools.ensemble.safe_pickle.DumpRefusedError`),
            is not a list of per-sample dicts with a 1-D ``pred_score`` of
            one common length, or holds scores outside ``[0, 1]`` (the
            ensemble averages probabilities, not logits). The message names
            the file.
    """
    if not osp.isfile(path):
        raise ValueError(f'dump file {path} does not exist')
    if str(path).endswith('.npz'):
        scores, labels, meta = _read_npz(path)
    else:
        scores, labels, meta = _read_pickle(path)
    return DumpScores(
        path=path,
        scores=_checked_scores(path, scores),
        labels=None if labels is None else _checked_labels(
            path, labels, scores.shape),
        meta=_normalised_meta(path, meta, scores.shape[0]))


def _read_pickle(path: str) -> tuple:
    """``(scores, labels or None, meta)`` of a ``--dump`` pickle."""
    records = load_dump_pickle(path)
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
        scores = _stack([r['pred_score'] for r in records])
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f'{path}: every sample needs a `pred_score` of the '
                         f'same shape (num_classes,): {e!r}') from e
    labels = None
    if all('gt_label' in r for r in records):
        try:
            labels = _stack([r['gt_label'] for r in records])
        except (TypeError, ValueError) as e:
            raise ValueError(f'{path}: every sample\'s `gt_label` should '
                             f'have the same shape (num_classes,): {e!r}'
                             ) from e
    meta = {
        k: [r[k] for r in records]
        for k in IDENTITY_KEYS if all(k in r for r in records)
    }
    return scores, labels, meta


def _read_npz(path: str) -> tuple:
    """``(scores, labels or None, meta)`` of a ``NumpyDumpResults`` file."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except Exception as e:  # a damaged file: name it
        raise ValueError(f'{path}: cannot read this .npz dump (truncated or '
                         f'corrupt?): {type(e).__name__}: {e}') from e
    if 'pred_score' not in arrays:
        raise ValueError(f'{path}: a .npz dump needs a `pred_score` array, '
                         f'but has {sorted(arrays)}')
    meta = {
        k: arrays[k].reshape(-1).tolist()
        for k in IDENTITY_KEYS if k in arrays
    }
    return arrays['pred_score'], arrays.get('gt_label'), meta


def _stack(values: Sequence[Any]) -> np.ndarray:
    """Per-sample tensors / arrays -> one array ``(N, ...)``."""
    return np.stack([
        v.detach().cpu().numpy() if hasattr(v, 'detach') else np.asarray(v)
        for v in values
    ])


def _checked_scores(path: str, scores: np.ndarray) -> np.ndarray:
    """``pred_score`` as float64 ``(N, C)`` probabilities."""
    if scores.ndim != 2 or scores.shape[0] == 0:
        raise ValueError(f'{path}: `pred_score` should be 1-D (one score per '
                         f'class) in every sample, got shape {scores.shape}')
    scores = scores.astype(np.float64)
    if not np.isfinite(scores).all():
        raise ValueError(f'{path}: `pred_score` contains NaN or inf')
    if scores.min() < 0 or scores.max() > 1:
        raise ValueError(
            f'{path}: `pred_score` lies in [{scores.min():.4g}, '
            f'{scores.max():.4g}], but the ensemble averages probabilities '
            'in [0, 1] (a multi-label head with sigmoid scores, e.g. '
            'ASLHead)')
    return scores


def _checked_labels(path: str, labels: np.ndarray,
                    shape: tuple) -> np.ndarray:
    """``gt_label`` as uint8 multi-hot ``(N, C)``."""
    if labels.shape != shape:
        raise ValueError(
            f'{path}: `gt_label` has shape {labels.shape[1:]} per sample '
            f'but `pred_score` has {shape[1:]}; expected multi-hot labels '
            '(num_classes,)')
    if not np.isin(labels, (0, 1)).all():
        raise ValueError(f'{path}: `gt_label` should be multi-hot (0/1)')
    return labels.astype(np.uint8)


def _normalised_meta(path: str, meta: Dict[str, list],
                     num_samples: int) -> Dict[str, list]:
    """``id`` as strings, ``sample_idx`` as ints; one value per sample."""
    for key, values in meta.items():
        if len(values) != num_samples:
            raise ValueError(f'{path}: {len(values)} values of `{key}` for '
                             f'{num_samples} samples')
    if 'id' in meta:
        meta['id'] = [str(v) for v in meta['id']]
    if 'sample_idx' in meta:
        meta['sample_idx'] = [int(v) for v in meta['sample_idx']]
    return meta


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
                  num_classes: Optional[int] = None) -> Ensemble:
    """Load dumps, check their alignment and average them.

    Args:
        paths (Sequence[str]): Dump files (one per model / checkpoint).
        weights (Sequence[float], optional): See :func:`ensemble_scores`.
        num_classes (int, optional): Expected number of classes (the class
            map's); a mismatch raises. Defaults to None.

    Returns:
        Ensemble: The averaged scores and what they came from.
    """
    if not paths:
        raise ValueError('no dump files given')
    return ensemble_of([load_dump(p) for p in paths], weights, num_classes)


def ensemble_of(dumps: Sequence[DumpScores],
                weights: Optional[Sequence[float]] = None,
                num_classes: Optional[int] = None) -> Ensemble:
    """:func:`load_ensemble` of dumps already loaded (:func:`load_dump`)."""
    if not dumps:
        raise ValueError('no dumps given')
    check_aligned(dumps)
    if num_classes is not None and dumps[0].num_classes != num_classes:
        raise ValueError(
            f'{dumps[0].path} has {dumps[0].num_classes} scores per sample '
            f'but the class map has {num_classes} classes')
    scores = ensemble_scores(dumps, weights)
    w = np.ones(len(dumps)) if weights is None else np.asarray(
        weights, dtype=np.float64)
    return Ensemble(
        paths=[d.path for d in dumps],
        weights=w / w.sum(),
        scores=scores,
        labels=dumps[0].labels,
        meta=dumps[0].meta,
        members=dumps)
