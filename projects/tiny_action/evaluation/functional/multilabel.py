"""Multi-label scores of the TinyAction Challenge, in numpy: macro precision
/ recall / F1 at thresholds, average precision, and a per-class table.

The challenge (TinyVIRAT-v2, Tirupattur et al., section 3.1) ranks multi-hot
predictions by the F1 score averaged over classes. These functions serve
:class:`~tiny_action.evaluation.TinyActionMetric` and the offline tools
(e.g. ensembling).

Zero-division convention (identical to scikit-learn's ``precision_score``,
``recall_score`` and ``f1_score`` with ``average='macro'`` and
``zero_division=0``): per class, precision is 0 when the class is never
predicted (TP + FP = 0), recall is 0 when the class has no positive (TP + FN
= 0), and F1 = 2 TP / (2 TP + FP + FN) is 0 when TP + FP + FN = 0. Every
class counts in the macro average, so a class without positives and without
predictions contributes 0 to precision, recall and F1.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

__all__ = [
    'average_precision', 'binarize', 'format_per_class_table', 'macro_prf',
    'mean_average_precision', 'mean_of_defined', 'multilabel_prf'
]


def _check_scores_labels(scores: np.ndarray,
                         labels: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
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


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den``, 0 where ``den`` is 0."""
    out = np.zeros(num.shape, dtype=np.float64)
    np.divide(num, den, out=out, where=den > 0)
    return out


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
    return dict(
        precision=_divide(tp, tp + fp),
        recall=_divide(tp, tp + fn),
        f1=_divide(2 * tp, 2 * tp + fp + fn),
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

    The same value as mmaction's
    ``mmaction.evaluation.functional.mean_average_precision`` (tested); this
    one also gives the per-class values the table needs, and warns about
    nothing for classes without positives.

    Args:
        scores (np.ndarray): Scores of shape ``(N, C)``.
        labels (np.ndarray): Multi-hot labels of shape ``(N, C)``.

    Returns:
        float: The mAP, or NaN if no class has a positive.
    """
    return mean_of_defined(average_precision(scores, labels))


def mean_of_defined(values: np.ndarray) -> float:
    """Mean of the non-NaN values, NaN if there is none (no warning).

    Args:
        values (np.ndarray): Values, NaN where undefined.

    Returns:
        float: The mean.
    """
    values = np.asarray(values, dtype=np.float64)
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float('nan')


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
             f'{mean_of_defined(ap):.4f}')
    ][:len(header)]
    return _align([header] + rows + [macro], rules_after=(0, len(rows)))


def _align(rows: List[List[str]], rules_after: Sequence[int]) -> str:
    """Columns padded to their widest cell (the first left-aligned, the
    others right-aligned), a rule of dashes after the given row indices."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for i, row in enumerate(rows):
        lines.append('  '.join(
            cell.ljust(w) if j == 0 else cell.rjust(w)
            for j, (cell, w) in enumerate(zip(row, widths))))
        if i in rules_after:
            lines.append('-' * len(lines[0]))
    return '\n'.join(lines)
