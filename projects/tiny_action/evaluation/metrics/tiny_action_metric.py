"""TinyAction Challenge score: macro precision / recall / F1 at thresholds.

The challenge (TinyVIRAT-v2, Tirupattur et al., section 3.1) ranks multi-hot
predictions by the F1 score averaged over classes. This module holds
pure-numpy functions (reusable by offline tools, e.g. ensembling) and the
:class:`TinyActionMetric` evaluator built on them.

Zero-division convention (identical to scikit-learn's ``precision_score``,
``recall_score`` and ``f1_score`` with ``average='macro'`` and
``zero_division=0``): per class, precision is 0 when the class is never
predicted (TP + FP = 0), recall is 0 when the class has no positive (TP + FN
= 0), and F1 = 2 TP / (2 TP + FP + FN) is 0 when TP + FP + FN = 0. Every
class counts in the macro average, so a class without positives and without
predictions contributes 0 to precision, recall and F1.
"""
import json
import numbers
import os.path as osp
from collections.abc import Mapping, Sequence
from typing import Any, Dict, List, Optional, Union

import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

ThresholdSpec = Union[float, Sequence, Mapping, str]


def _check_scores_labels(scores: np.ndarray,
                         labels: np.ndarray) -> tuple:
    """Validate ``(N, C)`` finite scores and ``(N, C)`` 0/1 labels."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    if scores.ndim != 2 or scores.shape != labels.shape:
        raise ValueError(
            '`scores` and `labels` should both have shape (N, C), but got '
            f'{scores.shape} and {labels.shape}')
    if not np.isfinite(scores).all():
        raise ValueError('`scores` contains NaN or inf')
    if not np.isin(labels, (0, 1)).all():
        raise ValueError('`labels` should be multi-hot (only 0 and 1), but '
                         f'got values {np.unique(labels)[:10].tolist()}')
    return scores, labels.astype(bool)


def binarize(scores: np.ndarray,
             thresholds: Union[float, np.ndarray]) -> np.ndarray:
    """Multi-hot predictions ``scores >= thresholds``.

    Args:
        scores (np.ndarray): Scores of shape ``(N, C)``.
        thresholds (float | np.ndarray): One threshold, or one per class
            (shape ``(C,)``).

    Returns:
        np.ndarray: Boolean array of shape ``(N, C)``.
    """
    scores = np.asarray(scores, dtype=np.float64)
    thresholds = np.asarray(thresholds, dtype=np.float64)
    if thresholds.ndim > 1 or (thresholds.ndim == 1
                               and thresholds.shape[0] != scores.shape[-1]):
        raise ValueError(
            '`thresholds` should be a number or have one value per class '
            f'({scores.shape[-1]}), but got shape {thresholds.shape}')
    if not np.isfinite(thresholds).all():
        raise ValueError('`thresholds` contains NaN or inf')
    return scores >= thresholds


def multilabel_prf(scores: np.ndarray,
                   labels: np.ndarray,
                   thresholds: Union[float, np.ndarray] = 0.5
                   ) -> Dict[str, np.ndarray]:
    """Per-class precision, recall and F1 of thresholded scores.

    Args:
        scores (np.ndarray): Scores (e.g. probabilities) of shape ``(N, C)``.
        labels (np.ndarray): Multi-hot labels (0/1) of shape ``(N, C)``.
        thresholds (float | np.ndarray): A class is predicted when its score
            is ``>=`` its threshold; one value or one per class.
            Defaults to 0.5.

    Returns:
        dict[str, np.ndarray]: Arrays of shape ``(C,)``: ``precision``,
        ``recall``, ``f1`` (zero-division values are 0, see the module
        docstring), ``support`` (number of positives), ``tp``, ``fp``,
        ``fn``. Their plain mean is the macro average, equal to
        scikit-learn's with ``zero_division=0``.
    """
    scores, labels = _check_scores_labels(scores, labels)
    preds = binarize(scores, thresholds)
    tp = (preds & labels).sum(axis=0)
    fp = (preds & ~labels).sum(axis=0)
    fn = (~preds & labels).sum(axis=0)

    def divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        out = np.zeros(num.shape, dtype=np.float64)
        np.divide(num, den, out=out, where=den > 0)
        return out

    return dict(
        precision=divide(tp, tp + fp),
        recall=divide(tp, tp + fn),
        f1=divide(2 * tp, 2 * tp + fp + fn),
        support=tp + fn,
        tp=tp,
        fp=fp,
        fn=fn)


def macro_prf(scores: np.ndarray,
              labels: np.ndarray,
              thresholds: Union[float, np.ndarray] = 0.5) -> Dict[str, float]:
    """Macro (unweighted class mean) precision, recall and F1.

    Args:
        scores (np.ndarray): Scores of shape ``(N, C)``.
        labels (np.ndarray): Multi-hot labels of shape ``(N, C)``.
        thresholds (float | np.ndarray): See :func:`multilabel_prf`.
            Defaults to 0.5.

    Returns:
        dict[str, float]: ``f1``, ``precision``, ``recall``.
    """
    per_class = multilabel_prf(scores, labels, thresholds)
    return {k: float(per_class[k].mean()) for k in ('f1', 'precision',
                                                    'recall')}


def _binary_average_precision(score: np.ndarray, label: np.ndarray) -> float:
    """AP of one class with at least one positive (scikit-learn's
    definition: sum over distinct thresholds of (R_k - R_{k-1}) P_k)."""
    order = np.argsort(-score, kind='mergesort')
    score, label = score[order], label[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(score)), score.size - 1]
    tps = np.cumsum(label)[last_of_tie]
    precision = tps / (last_of_tie + 1)
    recall = tps / tps[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def average_precision(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per-class average precision (ranking quality, threshold-free).

    Args:
        scores (np.ndarray): Scores of shape ``(N, C)``.
        labels (np.ndarray): Multi-hot labels of shape ``(N, C)``.

    Returns:
        np.ndarray: AP of shape ``(C,)``, equal to scikit-learn's
        ``average_precision_score`` per class; NaN for classes without
        positives (AP is undefined there).
    """
    scores, labels = _check_scores_labels(scores, labels)
    ap = np.full(scores.shape[1], np.nan)
    for c in np.flatnonzero(labels.any(axis=0)):
        ap[c] = _binary_average_precision(scores[:, c], labels[:, c])
    return ap


def mean_average_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    """Mean of :func:`average_precision` over classes that have positives.

    Returns:
        float: The mAP, or NaN if no class has a positive.
    """
    return _mean_defined(average_precision(scores, labels))


def _mean_defined(values: np.ndarray) -> float:
    """Mean of the non-NaN values, NaN if there is none (no warning)."""
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float('nan')


def parse_thresholds(
        thresholds: ThresholdSpec) -> Union[float, np.ndarray, Dict[str,
                                                                   float]]:
    """Read a threshold specification (without knowing the classes yet).

    Args:
        thresholds (float | Sequence[float] | Mapping[str, float] | str):
            One threshold for all classes; one per class (in class order);
            ``{class_name: threshold}`` for every class; or a file path.
            Files ending in ``.json`` hold ``{"thresholds": [...]}``, a plain
            list, or ``{class_name: threshold}``; any other file holds one
            float per line in class order (blank lines and lines starting
            with ``#`` are skipped). All values must lie in ``[0, 1]``.

    Returns:
        float | np.ndarray | dict[str, float]: The parsed thresholds.

    Raises:
        ValueError: If the specification, the file or a value is invalid.
    """
    source = '`thresholds`'
    if isinstance(thresholds, str):
        path = thresholds
        source = f'`thresholds` file {path!r}'
        if not osp.isfile(path):
            raise ValueError(f'{source} does not exist')
        with open(path, encoding='utf-8') as f:
            text = f.read()
        if path.lower().endswith('.json'):
            try:
                thresholds = json.loads(text)
            except json.JSONDecodeError as e:
                raise ValueError(f'{source} is not valid JSON: {e}') from e
            if isinstance(thresholds, Mapping) and set(thresholds) == {
                    'thresholds'
            }:
                thresholds = thresholds['thresholds']
        else:
            lines = [
                line.strip() for line in text.splitlines()
                if line.strip() and not line.strip().startswith('#')
            ]
            try:
                thresholds = [float(line) for line in lines]
            except ValueError as e:
                raise ValueError(
                    f'{source} should hold one float per line: {e}') from e

    def check(values: np.ndarray) -> None:
        if values.size == 0 or not np.isfinite(values).all() \
                or (values < 0).any() or (values > 1).any():
            raise ValueError(f'{source} should hold numbers in [0, 1], '
                             f'but got {values.tolist()}')

    if isinstance(thresholds, bool):
        raise ValueError(f'{source} should be a number, a list, a mapping '
                         f'or a file path, but got {thresholds!r}')
    if isinstance(thresholds, numbers.Real):
        check(np.array([thresholds], dtype=np.float64))
        return float(thresholds)
    if isinstance(thresholds, Mapping):
        try:
            values = {str(k): float(v) for k, v in thresholds.items()}
        except (TypeError, ValueError) as e:
            raise ValueError(f'{source} should map class names to numbers, '
                             f'but got {dict(thresholds)!r}') from e
        check(np.array(list(values.values()), dtype=np.float64))
        return values
    if isinstance(thresholds, (Sequence, np.ndarray)):
        try:
            values = np.array(thresholds, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise ValueError(f'{source} should be a list of numbers, but '
                             f'got {thresholds!r}') from e
        if values.ndim != 1:
            raise ValueError(f'{source} should be a flat list of numbers, '
                             f'but got {thresholds!r}')
        check(values)
        return values
    raise ValueError(f'{source} should be a number, a list, a mapping or a '
                     f'file path, but got {thresholds!r}')


def resolve_thresholds(thresholds: Union[float, np.ndarray, Dict[str, float]],
                       num_classes: int,
                       classes: Optional[Sequence[str]] = None) -> np.ndarray:
    """Turn parsed thresholds into one value per class.

    Args:
        thresholds (float | np.ndarray | dict[str, float]): Output of
            :func:`parse_thresholds`.
        num_classes (int): Number of classes ``C``.
        classes (Sequence[str], optional): Class names in class order;
            required for ``{class_name: threshold}``. Defaults to None.

    Returns:
        np.ndarray: Thresholds of shape ``(C,)``.

    Raises:
        ValueError: If the thresholds do not cover exactly the classes.
    """
    if isinstance(thresholds, dict):
        if classes is None:
            raise ValueError(
                'thresholds given per class name need the class names; '
                "the dataset has no `classes` in its metainfo")
        classes = [str(c) for c in classes]
        missing = [c for c in classes if c not in thresholds]
        unknown = sorted(set(thresholds) - set(classes))
        if missing or unknown:
            raise ValueError(
                'thresholds given per class name should cover exactly the '
                f'dataset classes, but got {len(missing)} missing '
                f'{missing[:5]} and {len(unknown)} unknown {unknown[:5]}')
        return np.array([thresholds[c] for c in classes], dtype=np.float64)
    values = np.asarray(thresholds, dtype=np.float64)
    if values.ndim == 0:
        return np.full(num_classes, float(values))
    if values.shape != (num_classes, ):
        raise ValueError(
            f'got {values.shape[0]} thresholds for {num_classes} classes')
    return values


def format_per_class_table(classes: Sequence[str],
                           per_class: Dict[str, np.ndarray],
                           thresholds: np.ndarray,
                           ap: Optional[np.ndarray] = None) -> str:
    """A plain-text table: class, support, P, R, F1, threshold (and AP).

    Args:
        classes (Sequence[str]): Class names, one per class.
        per_class (dict[str, np.ndarray]): Output of :func:`multilabel_prf`.
        thresholds (np.ndarray): Thresholds of shape ``(C,)``.
        ap (np.ndarray, optional): Per-class AP (NaN printed as ``-``).
            Defaults to None.

    Returns:
        str: The table, one class per line, then the macro average.
    """
    header = ['class', 'support', 'precision', 'recall', 'f1', 'threshold']
    if ap is not None:
        header.append('AP')
    rows = []
    for c, name in enumerate(classes):
        row = [
            str(name),
            str(int(per_class['support'][c])),
            f"{per_class['precision'][c]:.4f}",
            f"{per_class['recall'][c]:.4f}",
            f"{per_class['f1'][c]:.4f}",
            f'{thresholds[c]:.4f}',
        ]
        if ap is not None:
            row.append('-' if np.isnan(ap[c]) else f'{ap[c]:.4f}')
        rows.append(row)
    macro = [
        'macro', str(int(per_class['support'].sum())),
        f"{per_class['precision'].mean():.4f}",
        f"{per_class['recall'].mean():.4f}", f"{per_class['f1'].mean():.4f}",
        '', ('-' if ap is None or np.isnan(ap).all() else
             f'{_mean_defined(ap):.4f}')
    ][:len(header)]
    widths = [
        max(len(r[i]) for r in [header, macro] + rows)
        for i in range(len(header))
    ]

    def fmt(row: List[str]) -> str:
        return '  '.join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths)))

    rule = '-' * len(fmt(header))
    return '\n'.join([fmt(header), rule] + [fmt(r) for r in rows] +
                     [rule, fmt(macro)])


@METRICS.register_module()
class TinyActionMetric(BaseMetric):
    """TinyAction Challenge metric: macro P / R / F1 at thresholds, and mAP.

    Each sample's ``pred_score`` (per-class probabilities, shape ``(C,)``,
    e.g. from :class:`ASLHead`) is binarised with ``pred_score >=
    threshold`` and compared to its multi-hot ``gt_label`` (shape ``(C,)``).
    Precision, recall and F1 are computed per class and averaged over all
    classes (macro), with the zero-division convention of the module
    docstring (identical to scikit-learn with ``zero_division=0``). ``mAP``
    is the mean average precision over the classes that have at least one
    positive (NaN if none has). A per-class table (class, support,
    precision, recall, F1, threshold, AP) is written to the current
    :class:`MMLogger`.

    Returned keys (with ``prefix``, as ``'{prefix}/{key}'``): ``f1``,
    ``precision``, ``recall``, ``mAP``.

    Args:
        thresholds (float | Sequence[float] | Mapping[str, float] | str):
            One threshold in ``[0, 1]`` for all classes, one per class, a
            ``{class_name: threshold}`` mapping (names from
            ``dataset_meta['classes']``), or a file path; see
            :func:`parse_thresholds` for the file formats. Files are read
            when the metric is built. Defaults to 0.5.
        collect_device (str): Device used to collect results across ranks,
            ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to None
            (no prefix: ``f1``, as ``save_best='f1'`` expects).
    """
    # '' instead of mmengine's None: the same unprefixed names, without
    # mmengine's warning "The prefix is not set in metric class ..."
    default_prefix: Optional[str] = ''

    def __init__(self,
                 thresholds: ThresholdSpec = 0.5,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.thresholds = parse_thresholds(thresholds)

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Store ``pred_score`` and ``gt_label`` of each sample as numpy.

        Args:
            data_batch (Any): The batch from the dataloader (unused).
            data_samples (Sequence[dict]): Model outputs, each with
                ``pred_score`` and multi-hot ``gt_label`` of shape ``(C,)``.
        """
        for data_sample in data_samples:
            pred = data_sample['pred_score']
            label = data_sample['gt_label']
            if isinstance(pred, dict):
                raise ValueError('TinyActionMetric expects one `pred_score` '
                                 'tensor per sample, but got a dict with '
                                 f'keys {sorted(pred)}')
            pred = np.asarray(pred.detach().cpu() if hasattr(pred, 'detach')
                              else pred, dtype=np.float64)
            label = np.asarray(
                label.detach().cpu() if hasattr(label, 'detach') else label)
            if pred.ndim != 1 or label.shape != pred.shape:
                raise ValueError(
                    'TinyActionMetric expects `pred_score` and a multi-hot '
                    '`gt_label` of the same shape (num_classes,), but got '
                    f'{pred.shape} and {label.shape}')
            self.results.append(dict(pred=pred, label=label))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute macro P / R / F1 and mAP, and log the per-class table.

        Args:
            results (list[dict]): The processed results of all samples.

        Returns:
            dict[str, float]: ``f1``, ``precision``, ``recall``, ``mAP``.
        """
        scores = np.stack([r['pred'] for r in results])
        labels = np.stack([r['label'] for r in results])
        num_classes = scores.shape[1]
        classes = (self.dataset_meta or {}).get('classes')
        if classes is not None and len(classes) != num_classes:
            raise ValueError(
                f"dataset_meta['classes'] has {len(classes)} names but the "
                f'predictions have {num_classes} classes')
        thresholds = resolve_thresholds(self.thresholds, num_classes, classes)
        per_class = multilabel_prf(scores, labels, thresholds)
        ap = average_precision(scores, labels)

        names = list(classes) if classes is not None else [
            str(c) for c in range(num_classes)
        ]
        MMLogger.get_current_instance().info(
            f'TinyActionMetric per-class results ({len(results)} samples):\n'
            + format_per_class_table(names, per_class, thresholds, ap))
        return dict(
            f1=float(per_class['f1'].mean()),
            precision=float(per_class['precision'].mean()),
            recall=float(per_class['recall'].mean()),
            mAP=_mean_defined(ap))
