"""Threshold modes, compared by cross-validated macro F1.

Chen, Qiao, Wang, "Low-Resolution Action Recognition for Tiny Actions
Challenge in ActivityNet", section 4: "large-sample-size categories need a
higher prediction threshold, while small-sample-size categories need a
lower prediction threshold". How much freedom the thresholds get is a
bias / variance choice that the labelled split itself has to settle (on
TinyVIRAT-v2 val some classes have 1-15 positives), so four modes are
offered and compared by the same yardstick, the out-of-fold macro F1:

- ``'global'``: one threshold for every class, the one maximising macro F1
  (1 parameter);
- ``'size'``: the paper's class-size rule, ``thr_c = a + b * x_c`` with
  ``x_c`` the class's log training size scaled to ``[0, 1]`` (smallest
  class 0, largest 1) and ``b >= 0`` (a larger class never gets a lower
  threshold); ``a`` and ``b`` maximise macro F1 (2 parameters);
- ``'per-class'``: each class with at least ``min_positives`` positives gets
  the threshold maximising its own F1, the rarer ones a class-size prior
  (:func:`~.thresholds.tune_thresholds`, one parameter per class);
- ``'shrunk'``: per-class thresholds pulled toward the size rule,
  ``w_c * thr_f1_c + (1 - w_c) * thr_size_c`` with ``w_c = P_c / (P_c +
  shrink)`` for ``P_c`` positives: a class with ``shrink`` positives sits
  halfway, a class without positives on the size rule.

:func:`stratified_folds` splits the labelled samples into folds with each
class's positives spread over the folds (iterative stratification,
Sechidis et al. 2011, from the ``iterative-stratification`` package), so
rare classes appear in every fold they can; :func:`compare_modes` fits every
mode on all folds but one and predicts the held-out fold, for every fold,
and scores the pooled out-of-fold predictions.
"""
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np

from .thresholds import (ThresholdResult, _check, _f1_at,
                         best_f1_thresholds, checked_counts, tune_thresholds)

MODES = ('global', 'size', 'per-class', 'shrunk')
#: slopes ``b`` tried by the size rule (threshold units from the smallest to
#: the largest class).
SIZE_SLOPES = tuple(np.round(np.linspace(0.0, 0.5, 11), 3))

Postprocess = Callable[[np.ndarray, np.ndarray], np.ndarray]


def best_offset(scores: np.ndarray,
                labels: np.ndarray,
                base: Optional[np.ndarray] = None) -> Tuple[float, float]:
    """The common offset ``a`` maximising the macro F1 of ``scores >= base +
    a``, searched exactly.

    Lowering ``a`` adds one (sample, class) score at a time to the
    predictions and changes only that class's F1, so the macro F1 after
    every cut of the scores ``z = scores - base`` sorted in decreasing order
    is a cumulative sum of per-entry F1 changes (one sort of all ``N x C``
    entries). Cuts never split tied ``z`` values. Among cuts of equal macro
    F1 the highest offset (fewest predictions) is taken; the offset is the
    midpoint between the lowest kept ``z`` and the next lower one, so the
    cut survives rounding in ``base + a``.

    Args:
        scores (np.ndarray): Scores ``(N, C)``.
        labels (np.ndarray): Multi-hot labels ``(N, C)``.
        base (np.ndarray, optional): Per-class base thresholds ``(C,)``.
            Defaults to zeros (one global threshold).

    Returns:
        tuple[float, float]: The offset and the macro F1 it reaches (classes
        without positives count as F1 0). When predicting nothing is best,
        the offset lies above every ``z``.
    """
    scores, labels = _check(scores, labels)
    n, c = scores.shape
    z = scores if base is None else scores - np.asarray(base, np.float64)
    order = np.argsort(-z, axis=0, kind='stable')
    tp = np.cumsum(np.take_along_axis(labels, order, axis=0), axis=0)
    after = 2.0 * tp / (np.arange(1, n + 1)[:, None] + tp[-1])
    gain = np.diff(after, axis=0, prepend=0.0)
    delta = np.empty_like(gain)
    np.put_along_axis(delta, order, gain, axis=0)
    flat = z.ravel()
    g = np.argsort(-flat, kind='stable')
    zs = flat[g]
    macro = np.cumsum(delta.ravel()[g]) / c
    macro[:-1][zs[:-1] <= zs[1:]] = -np.inf  # a cut cannot split ties
    best = int(np.argmax(macro))
    if macro[best] <= 0:  # nothing predicted is as good as anything
        return float(zs[0] + 1.0), 0.0
    lower = zs[best + 1] if best + 1 < zs.size else zs[best]
    mid = 0.5 * (zs[best] + lower)
    return float(mid if mid > lower else zs[best]), float(macro[best])


def size_positions(class_counts: Sequence[float]) -> np.ndarray:
    """``log(1 + n_c)`` scaled to ``[0, 1]`` (smallest class 0, largest 1;
    all 0 when every class has the same size)."""
    x = np.log1p(np.asarray(class_counts, dtype=np.float64))
    span = x.max() - x.min()
    return (x - x.min()) / span if span > 0 else np.zeros_like(x)


def _result(thresholds: np.ndarray, scores: np.ndarray, labels: np.ndarray,
            counts: np.ndarray, params: Dict,
            tuned: Optional[np.ndarray] = None) -> ThresholdResult:
    thresholds = np.clip(thresholds, 0.0, 1.0)
    return ThresholdResult(
        thresholds=thresholds,
        tuned=np.zeros(labels.shape[1], bool) if tuned is None else tuned,
        positives=labels.sum(axis=0),
        class_counts=counts,
        tuned_f1=_f1_at(scores, labels, thresholds),
        params=params)


def global_threshold(scores: np.ndarray, labels: np.ndarray,
                     counts: np.ndarray) -> ThresholdResult:
    """Mode ``'global'``: the one threshold maximising macro F1."""
    scores, labels = _check(scores, labels)
    a, f1 = best_offset(scores, labels)
    return _result(np.full(labels.shape[1], a), scores, labels, counts,
                   dict(mode='global', threshold=a,
                        formula='one threshold for every class'))


def size_rule_thresholds(scores: np.ndarray, labels: np.ndarray,
                         counts: np.ndarray,
                         slopes: Sequence[float] = SIZE_SLOPES
                         ) -> ThresholdResult:
    """Mode ``'size'``: ``thr_c = a + b * size_positions(counts)_c``; for
    every ``b`` in ``slopes`` the best ``a`` is searched exactly
    (:func:`best_offset`), and the ``(a, b)`` with the best macro F1 is kept
    (ties: the smaller slope)."""
    scores, labels = _check(scores, labels)
    x = size_positions(counts)
    best = None
    for b in slopes:
        if b < 0:
            raise ValueError(f'size-rule slopes should be >= 0, got {b}')
        a, f1 = best_offset(scores, labels, b * x)
        if best is None or f1 > best[2]:
            best = (a, float(b), f1)
    a, b, _ = best
    return _result(a + b * x, scores, labels, counts, dict(
        mode='size', intercept=a, slope=b,
        formula='intercept + slope * (log1p(n) - log1p(n_min)) / '
        '(log1p(n_max) - log1p(n_min)), slope >= 0, n = class size'))


def shrunk_thresholds(scores: np.ndarray, labels: np.ndarray,
                      counts: np.ndarray, shrink: float = 10.0,
                      size: Optional[ThresholdResult] = None
                      ) -> ThresholdResult:
    """Mode ``'shrunk'``: each class's F1-maximising threshold pulled toward
    the size rule with weight ``P_c / (P_c + shrink)``.

    Args:
        size (ThresholdResult, optional): The size rule fitted on the same
            samples (computed when not given).
    """
    if not shrink > 0:
        raise ValueError(f'`shrink` should be > 0, but got {shrink!r}')
    scores, labels = _check(scores, labels)
    size = size or size_rule_thresholds(scores, labels, counts)
    own, _ = best_f1_thresholds(scores, labels)
    positives = labels.sum(axis=0)
    w = positives / (positives + float(shrink))
    thr = np.where(positives > 0, w * np.nan_to_num(own) +
                   (1 - w) * size.thresholds, size.thresholds)
    return _result(thr, scores, labels, counts, dict(
        mode='shrunk', shrink=float(shrink), size_rule=dict(
            intercept=size.params['intercept'],
            slope=size.params['slope']),
        formula='w * (F1-maximising threshold) + (1 - w) * (size rule), '
        'w = positives / (positives + shrink)'), tuned=positives > 0)


def fit_thresholds(mode: str, scores: np.ndarray, labels: np.ndarray,
                   **kwargs) -> ThresholdResult:
    """Thresholds of one mode (see the module docstring and
    :func:`fit_modes` for ``kwargs``).

    Returns:
        ThresholdResult: ``params['mode']`` names the mode.
    """
    return fit_modes((mode, ), scores, labels, **kwargs)[mode]


def fit_modes(modes: Sequence[str],
              scores: np.ndarray,
              labels: np.ndarray,
              class_counts: Optional[Sequence[float]] = None,
              counts_source: str = 'tuning split',
              min_positives: int = 3,
              prior: str = 'fit',
              thr_low: float = 0.2,
              thr_high: float = 0.5,
              shrink: float = 10.0) -> Dict[str, ThresholdResult]:
    """Thresholds of several modes on the same samples (the size rule is
    fitted once for ``'size'`` and ``'shrunk'``).

    Args:
        modes (Sequence[str]): Among :data:`MODES`.
        scores (np.ndarray): Scores ``(N, C)`` of a labelled split.
        labels (np.ndarray): Multi-hot labels ``(N, C)``.
        class_counts (Sequence[float], optional): Class sizes of the size
            rule and the prior (e.g. the training annotation's). Defaults to
            the positives of ``labels``.
        counts_source (str): Where ``class_counts`` come from (recorded).
        min_positives, prior, thr_low, thr_high: ``'per-class'`` only, see
            :func:`~.thresholds.tune_thresholds`.
        shrink (float): ``'shrunk'`` only: the pseudo-count of positives
            of the pull toward the size rule. Defaults to 10.

    Returns:
        dict[str, ThresholdResult]: Mode -> its thresholds.
    """
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise ValueError(f'threshold mode should be one of {MODES}, but '
                         f'got {bad[0] if bad else "none"!r}')
    scores, labels = _check(scores, labels)
    counts = checked_counts(class_counts, labels, prior)
    out = {}
    if 'size' in modes or 'shrunk' in modes:
        out['size'] = size_rule_thresholds(scores, labels, counts)
    for mode in modes:
        if mode == 'per-class':
            out[mode] = tune_thresholds(scores, labels, min_positives,
                                        thr_low, thr_high, counts,
                                        counts_source, prior)
            out[mode].params['mode'] = 'per-class'
        elif mode == 'global':
            out[mode] = global_threshold(scores, labels, counts)
        elif mode == 'shrunk':
            out[mode] = shrunk_thresholds(scores, labels, counts, shrink,
                                          out['size'])
    for result in out.values():
        result.params['counts_source'] = counts_source
    return {m: out[m] for m in modes}


def stratified_folds(labels: np.ndarray, folds: int,
                     seed: int = 0) -> np.ndarray:
    """The fold (``0 .. folds - 1``) of every sample, each class's positives
    spread over the folds (``iterstrat``'s ``MultilabelStratifiedKFold``:
    iterative stratification, rarest classes first).

    Raises:
        ValueError: ``folds`` is not an int in ``[2, N]``.
    """
    from iterstrat.ml_stratifiers import MultilabelStratifiedKFold
    labels = np.asarray(labels).astype(bool)
    n = labels.shape[0]
    if not isinstance(folds, int) or isinstance(folds, bool) \
            or not 2 <= folds <= n:
        raise ValueError(f'`folds` should be an int in [2, {n}], but got '
                         f'{folds!r}')
    if labels.shape[1] == 1:  # a single class reads as binary, not multi
        labels = np.hstack([labels, ~labels])
    part = np.empty(n, dtype=np.int64)
    splitter = MultilabelStratifiedKFold(
        n_splits=folds, shuffle=True, random_state=seed)
    for f, (_, held) in enumerate(splitter.split(np.zeros(n), labels)):
        part[held] = f
    return part


def cross_validated_predictions(scores: np.ndarray,
                                labels: np.ndarray,
                                postprocess: Postprocess,
                                folds: int = 5,
                                seed: int = 0,
                                mode: str = 'per-class',
                                **fit_kwargs) -> np.ndarray:
    """Out-of-fold predictions of one mode: fit on ``folds - 1`` stratified
    parts (:func:`stratified_folds`), predict the held-out part, for every
    part.

    Args:
        scores (np.ndarray): Scores ``(N, C)``.
        labels (np.ndarray): Multi-hot labels ``(N, C)``.
        postprocess (Callable[[np.ndarray, np.ndarray], np.ndarray]): Maps
            ``(scores, thresholds)`` to boolean predictions (thresholds and
            group exclusion).
        folds (int): Number of folds, in ``[2, N]``. Defaults to 5.
        seed (int): Seed of the split. Defaults to 0.
        mode (str): See :func:`fit_thresholds`. Defaults to ``'per-class'``.
        **fit_kwargs: Passed to :func:`fit_thresholds`.

    Returns:
        np.ndarray: Boolean predictions ``(N, C)``.
    """
    return compare_modes(scores, labels, postprocess, (mode, ), folds, seed,
                         **fit_kwargs)[mode]


def compare_modes(scores: np.ndarray,
                  labels: np.ndarray,
                  postprocess: Postprocess,
                  modes: Sequence[str] = MODES,
                  folds: int = 5,
                  seed: int = 0,
                  **fit_kwargs) -> Dict[str, np.ndarray]:
    """Out-of-fold predictions of every mode on the same folds.

    Returns:
        dict[str, np.ndarray]: Mode -> boolean predictions ``(N, C)``.
    """
    scores, labels = _check(scores, labels)
    part = stratified_folds(labels, folds, seed)
    preds = {m: np.zeros(scores.shape, dtype=bool) for m in modes}
    for f in range(folds):
        fit, held = part != f, part == f
        fitted = fit_modes(modes, scores[fit], labels[fit], **fit_kwargs)
        for mode, result in fitted.items():
            preds[mode][held] = postprocess(scores[held], result.thresholds)
    return preds
