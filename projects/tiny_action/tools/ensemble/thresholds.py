"""Per-class decision thresholds: exact F1 tuning with a class-size prior.

Chen, Qiao, Wang, "Low-Resolution Action Recognition for Tiny Actions
Challenge in ActivityNet", section 4: "large-sample-size categories need a
higher prediction threshold, while small-sample-size categories need a
lower prediction threshold". Here a class with enough positives on a labelled
split gets the threshold that maximises its F1 there exactly
(:func:`best_f1_thresholds`); a class with fewer than ``min_positives``
positives cannot be tuned reliably and gets the paper's rule as a prior:
by default a line in log class size fitted to the tuned classes' thresholds
(:func:`fitted_prior_thresholds`), or a fixed interpolation between two
thresholds (:func:`prior_thresholds`).

Thresholds are applied as ``score >= threshold``
(:func:`tiny_action.evaluation.binarize`) and saved in a JSON file
that :class:`~tiny_action.evaluation.TinyActionMetric` reads
(``TinyActionMetric(thresholds='thresholds.json')``).
"""
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from tiny_action.datasets.annotations import read_annotation_entries
from tiny_action.evaluation import parse_thresholds, resolve_thresholds
from tiny_action.utils.fileio import write_json_atomic


def _check(scores: np.ndarray, labels: np.ndarray) -> Tuple[np.ndarray,
                                                             np.ndarray]:
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    if scores.ndim != 2 or scores.shape != labels.shape:
        raise ValueError('`scores` and `labels` should both have shape '
                         f'(N, C), but got {scores.shape} and {labels.shape}')
    if scores.shape[0] == 0:
        raise ValueError('cannot tune thresholds on 0 samples')
    return scores, labels.astype(bool)


def best_f1_thresholds(scores: np.ndarray,
                       labels: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The threshold maximising each class's F1, searched exactly.

    With a class's ``N`` scores sorted in decreasing order, predicting the
    top ``k`` gives ``F1 = 2 TP_k / (k + P)`` (``P`` positives). Every
    achievable prediction set is such a top-``k`` cut, where ``k`` ends a
    run of tied scores, so the search over all cuts (one ``argsort`` and one
    ``cumsum`` over the whole ``(N, C)`` array) is exact. Among cuts with the
    same best F1 the one with the fewest predictions (highest threshold) is
    taken. The threshold is the midpoint between the lowest kept score and
    the next lower score (or the lowest kept score itself when all are
    kept, or when the midpoint is not representable above the lower one),
    so ``scores >= threshold`` reproduces the cut exactly.

    Args:
        scores (np.ndarray): Scores of shape ``(N, C)``.
        labels (np.ndarray): Multi-hot labels of shape ``(N, C)``.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``thresholds`` and the F1 they reach
        on these samples, both of shape ``(C,)``. Classes without positives
        get threshold ``nan`` and F1 0 (any threshold gives F1 0).
    """
    scores, labels = _check(scores, labels)
    n, c = scores.shape
    order = np.argsort(-scores, axis=0, kind='stable')
    s = np.take_along_axis(scores, order, axis=0)
    tp = np.cumsum(np.take_along_axis(labels, order, axis=0), axis=0,
                   dtype=np.int64)
    positives = tp[-1]
    k = np.arange(1, n + 1, dtype=np.float64)[:, None]
    with np.errstate(invalid='ignore', divide='ignore'):
        f1 = 2.0 * tp / (k + positives)
    cut_ok = np.ones((n, c), dtype=bool)
    cut_ok[:-1] = s[:-1] > s[1:]  # a cut cannot split tied scores
    f1 = np.where(cut_ok, f1, -1.0)
    best = np.argmax(f1, axis=0)
    cols = np.arange(c)
    upper = s[best, cols]
    lower = s[np.minimum(best + 1, n - 1), cols]
    mid = 0.5 * (upper + lower)
    thresholds = np.where((best < n - 1) & (mid > lower), mid, upper)
    best_f1 = f1[best, cols]
    no_pos = positives == 0
    thresholds[no_pos] = np.nan
    best_f1[no_pos] = 0.0
    return thresholds, best_f1


def f1_curve(scores: np.ndarray, labels: np.ndarray
             ) -> Tuple[np.ndarray, np.ndarray]:
    """F1 of one class at every achievable threshold (for plots).

    Args:
        scores (np.ndarray): Scores of shape ``(N,)``.
        labels (np.ndarray): 0/1 labels of shape ``(N,)``.

    Returns:
        tuple[np.ndarray, np.ndarray]: Thresholds (the distinct scores, in
        decreasing order) and the F1 of ``scores >= threshold`` at each.
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels).astype(bool)
    order = np.argsort(-scores, kind='stable')
    s, tp = scores[order], np.cumsum(labels[order])
    last = np.r_[np.flatnonzero(s[:-1] > s[1:]), s.size - 1]
    p = labels.sum()
    f1 = 2.0 * tp[last] / (last + 1 + p) if p else np.zeros(last.size)
    return s[last], f1


def prior_thresholds(class_counts: Sequence[float],
                     thr_low: float = 0.2,
                     thr_high: float = 0.5) -> np.ndarray:
    """The class-size prior: bigger classes get higher thresholds.

    ``thr_c = thr_low + (thr_high - thr_low) * (log(1 + n_c) - log(1 +
    n_min)) / (log(1 + n_max) - log(1 + n_min))`` where ``n_c`` is class
    ``c``'s number of samples and ``n_min`` / ``n_max`` are the smallest /
    largest count over all classes: the largest class gets ``thr_high``,
    the smallest ``thr_low``, and the rest are interpolated linearly in log
    class frequency (a long tail spans orders of magnitude). If all counts
    are equal every class gets ``thr_high``.

    Args:
        class_counts (Sequence[float]): Samples per class, shape ``(C,)``.
        thr_low (float): Threshold of the smallest class. Defaults to 0.2.
        thr_high (float): Threshold of the largest class. Defaults to 0.5.

    Returns:
        np.ndarray: Thresholds of shape ``(C,)``.
    """
    counts = np.asarray(class_counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0 or (counts < 0).any() \
            or not np.isfinite(counts).all():
        raise ValueError('`class_counts` should be a non-empty list of '
                         f'non-negative numbers, but got {counts.tolist()}')
    if not 0 <= thr_low <= thr_high <= 1:
        raise ValueError('the prior thresholds should satisfy 0 <= thr_low '
                         f'<= thr_high <= 1, but got thr_low={thr_low}, '
                         f'thr_high={thr_high}')
    logc = np.log1p(counts)
    lo, hi = logc.min(), logc.max()
    if hi == lo:
        return np.full(counts.size, float(thr_high))
    return thr_low + (thr_high - thr_low) * (logc - lo) / (hi - lo)


PRIORS = ('fit', 'interp')


def fitted_prior_thresholds(class_counts: Sequence[float],
                            tuned_thresholds: np.ndarray,
                            tuned: np.ndarray,
                            thr_low: float = 0.2,
                            thr_high: float = 0.5) -> Tuple[np.ndarray, Dict]:
    """The class-size prior, calibrated on the model's own tuned thresholds.

    The F1-tuned classes give pairs ``(log(1 + n_c), thr_c)``; a least-squares
    line ``thr = a + b * log(1 + n)`` through them, with the slope clamped to
    ``b >= 0`` (the paper's direction: a smaller class never gets a higher
    threshold), is evaluated at every class and clipped to the range of the
    tuned thresholds (no extrapolation beyond what the tuned classes show).
    Unlike :func:`prior_thresholds` its level follows the models' score
    scale (well-calibrated and ASL-trained ensembles want very different
    thresholds). With fewer than two tuned classes, or all of one size, the
    slope is 0 (the mean tuned threshold); with no tuned class it is
    :func:`prior_thresholds` with ``thr_low`` / ``thr_high``.

    Args:
        class_counts (Sequence[float]): Samples per class, shape ``(C,)``.
        tuned_thresholds (np.ndarray): F1-tuned thresholds ``(C,)`` (only
            the ``tuned`` entries are read).
        tuned (np.ndarray): Bool ``(C,)``, which classes were tuned.
        thr_low (float): See :func:`prior_thresholds` (no tuned class only).
            Defaults to 0.2.
        thr_high (float): See :func:`prior_thresholds` (no tuned class
            only). Defaults to 0.5.

    Returns:
        tuple[np.ndarray, dict]: Thresholds ``(C,)`` and the fit
        (``intercept``, ``slope``, ``num_points``).
    """
    tuned = np.asarray(tuned, dtype=bool)
    if not tuned.any():
        return prior_thresholds(class_counts, thr_low, thr_high), dict(
            intercept=None, slope=None, num_points=0)
    x = np.log1p(np.asarray(class_counts, dtype=np.float64))
    xt, yt = x[tuned], np.asarray(tuned_thresholds, dtype=np.float64)[tuned]
    slope = 0.0
    if xt.size >= 2 and np.ptp(xt) > 0:
        slope = max(0.0, float(np.cov(xt, yt, bias=True)[0, 1] / xt.var()))
    intercept = float(yt.mean() - slope * xt.mean())
    thr = np.clip(intercept + slope * x, yt.min(), yt.max())
    return thr, dict(intercept=intercept, slope=slope,
                     num_points=int(xt.size))


@dataclass
class ThresholdResult:
    """Per-class thresholds and how each was chosen.

    Attributes:
        thresholds (np.ndarray): Shape ``(C,)``, in ``[0, 1]``.
        tuned (np.ndarray): Bool ``(C,)``: True where the class's own F1
            set the threshold (mode ``'per-class'``; ``'shrunk'``: in part).
        positives (np.ndarray): Positives per class on the tuning split.
        class_counts (np.ndarray): Counts the prior used.
        tuned_f1 (np.ndarray): F1 on the tuning split at the threshold
            (optimistic: measured where it was tuned).
        params (dict): ``mode`` (see
            :mod:`~tiny_action.tools.ensemble.threshold_modes`), its
            parameters and ``counts_source``; ``'per-class'``:
            ``min_positives``, ``prior``, ``thr_low``, ``thr_high`` and
            ``prior_fit`` (intercept, slope of the ``'fit'`` prior).
    """
    thresholds: np.ndarray
    tuned: np.ndarray
    positives: np.ndarray
    class_counts: np.ndarray
    tuned_f1: np.ndarray
    params: Dict = field(default_factory=dict)

    def to_info(self, classes: Sequence[str]) -> Dict:
        """A JSON-able description (for ``thresholds_info.json``)."""
        mode = self.params.get('mode', 'per-class')
        if mode == 'per-class':
            source = ['f1' if t else 'prior' for t in self.tuned]
            formula = (
                'F1-maximising threshold (classes with >= min_positives '
                'positives); the others: ' +
                ('clip(intercept + slope * log1p(n), min, max of the tuned '
                 'thresholds), least squares over the F1-tuned classes, '
                 'slope >= 0' if self.params.get('prior') == 'fit' else
                 'thr_low + (thr_high - thr_low) * (log1p(n) - '
                 'log1p(n_min)) / (log1p(n_max) - log1p(n_min))'))
        else:
            source, formula = [mode] * len(classes), self.params['formula']
        return dict(
            classes=list(classes),
            mode=mode,
            thresholds=self.thresholds.tolist(),
            source=source,
            positives=self.positives.astype(int).tolist(),
            class_counts=self.class_counts.tolist(),
            f1_on_tuning_split=self.tuned_f1.tolist(),
            params=dict(self.params),
            formula=formula)


def tune_thresholds(scores: np.ndarray,
                    labels: np.ndarray,
                    min_positives: int = 3,
                    thr_low: float = 0.2,
                    thr_high: float = 0.5,
                    class_counts: Optional[Sequence[float]] = None,
                    counts_source: str = 'tuning split',
                    prior: str = 'fit') -> ThresholdResult:
    """Per-class thresholds: exact F1 maximisation, prior for rare classes.

    Args:
        scores (np.ndarray): Scores of shape ``(N, C)`` on a labelled split.
        labels (np.ndarray): Multi-hot labels of shape ``(N, C)``.
        min_positives (int): Classes with fewer positives than this get the
            prior instead of F1 tuning. At least 1. Defaults to 3.
        thr_low (float): ``'interp'`` prior threshold of the smallest class
            (``'fit'``: only when no class is tuned). Defaults to 0.2.
        thr_high (float): ``'interp'`` prior threshold of the largest class
            (``'fit'``: only when no class is tuned). Defaults to 0.5.
        class_counts (Sequence[float], optional): Class sizes for the prior
            (e.g. from the training annotation). Defaults to the positives
            of ``labels``.
        counts_source (str): Where ``class_counts`` come from (recorded in
            ``params``). Defaults to ``'tuning split'``.
        prior (str): ``'fit'`` (:func:`fitted_prior_thresholds`: the paper's
            rule at the level of the tuned classes) or ``'interp'``
            (:func:`prior_thresholds`: fixed ``thr_low`` / ``thr_high``).
            Defaults to ``'fit'``.

    Returns:
        ThresholdResult: The thresholds. On the tuning split every F1-tuned
        class reaches at least the F1 it has at any other threshold, 0.5
        included.
    """
    if not isinstance(min_positives, int) or min_positives < 1:
        raise ValueError('`min_positives` should be an int >= 1, but got '
                         f'{min_positives!r}')
    scores, labels = _check(scores, labels)
    positives = labels.sum(axis=0)
    class_counts = checked_counts(class_counts, labels, prior)
    best, best_f1 = best_f1_thresholds(scores, labels)
    tuned = positives >= min_positives
    if prior == 'interp':
        prior_thr, fit = prior_thresholds(class_counts, thr_low,
                                          thr_high), None
    else:
        prior_thr, fit = fitted_prior_thresholds(class_counts, best, tuned,
                                                 thr_low, thr_high)
    thresholds = np.where(tuned, best, prior_thr)
    f1 = np.where(tuned, best_f1, _f1_at(scores, labels, thresholds))
    return ThresholdResult(
        thresholds=thresholds,
        tuned=tuned,
        positives=positives,
        class_counts=class_counts,
        tuned_f1=f1,
        params=dict(
            min_positives=min_positives,
            prior=prior,
            thr_low=thr_low,
            thr_high=thr_high,
            counts_source=counts_source,
            prior_fit=fit))


def checked_counts(class_counts: Optional[Sequence[float]],
                   labels: np.ndarray, prior: str = 'fit') -> np.ndarray:
    """``class_counts`` as float64 ``(C,)`` (default: the positives of
    ``labels``), after checking them and ``prior``."""
    if prior not in PRIORS:
        raise ValueError(f'`prior` should be one of {PRIORS}, but got '
                         f'{prior!r}')
    counts = labels.sum(axis=0) if class_counts is None else class_counts
    counts = np.asarray(counts, dtype=np.float64)
    if counts.shape != (labels.shape[1], ):
        raise ValueError(f'got {counts.size} class counts for '
                         f'{labels.shape[1]} classes')
    return counts


def _f1_at(scores: np.ndarray, labels: np.ndarray,
           thresholds: np.ndarray) -> np.ndarray:
    preds = scores >= thresholds
    tp = (preds & labels).sum(0)
    den = preds.sum(0) + labels.sum(0)
    return np.divide(2.0 * tp, den, out=np.zeros(tp.shape), where=den > 0)


def class_counts_from_annotation(ann_file: str,
                                 classes: Sequence[str]) -> np.ndarray:
    """Samples per class in a TinyVIRAT annotation file (v2 list or v1
    ``tubes``), e.g. the training file, for the class-size prior.

    Raises:
        ValueError: If the file is unreadable, unlabelled or names a class
            that is not in ``classes``.
    """
    entries = read_annotation_entries(ann_file)
    index = {c: i for i, c in enumerate(classes)}
    counts = np.zeros(len(classes), dtype=np.int64)
    seen_label = False
    for i, entry in enumerate(entries):
        names = entry.get('label', []) if isinstance(entry, dict) else []
        names = [names] if isinstance(names, str) else names
        seen_label |= bool(names)
        for name in set(names):
            if name not in index:
                raise ValueError(f'{ann_file}: entry {i} has label {name!r}, '
                                 f'which is not in the class map {classes}')
            counts[index[name]] += 1
    if not seen_label:
        raise ValueError(f'{ann_file} has no labels to count classes from')
    return counts


# ------------------------------------------------------------------ files
def save_thresholds(path: str, thresholds: Sequence[float],
                    classes: Sequence[str]) -> None:
    """Write ``{"thresholds": {class_name: threshold, ...}}`` atomically.

    This is the form that :func:`tiny_action.evaluation.parse_thresholds`
    (hence ``TinyActionMetric(thresholds=path)``) reads and that names
    every class, so loading it checks the class map: the
    parser accepts no other key next to ``"thresholds"``; the rest of the
    description goes to a separate info file (``ThresholdResult.to_info``).
    """
    thresholds = np.asarray(thresholds, dtype=np.float64)
    if thresholds.shape != (len(classes), ):
        raise ValueError(f'got {thresholds.size} thresholds for '
                         f'{len(classes)} classes')
    if not np.isfinite(thresholds).all() or (thresholds < 0).any() \
            or (thresholds > 1).any():
        raise ValueError('thresholds should lie in [0, 1], but got '
                         f'{thresholds.tolist()}')
    write_json_atomic(
        path,
        dict(thresholds={str(c): float(t)
                         for c, t in zip(classes, thresholds)}))


def load_thresholds(spec, classes: Sequence[str]) -> np.ndarray:
    """Thresholds for ``classes`` from a file or a value.

    Args:
        spec (str | float | Sequence | Mapping): Anything
            :func:`~tiny_action.evaluation.parse_thresholds` reads
            (the file of :func:`save_thresholds`, a number, a list, ...). A
            string that parses as a number is a number.
        classes (Sequence[str]): Class names in index order.

    Returns:
        np.ndarray: Thresholds of shape ``(C,)``.
    """
    if isinstance(spec, str) and not osp.exists(spec):
        try:
            spec = float(spec)
        except ValueError:
            pass
    return resolve_thresholds(parse_thresholds(spec), len(classes),
                              list(classes))
