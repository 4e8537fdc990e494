"""The whole post-processing: ensemble -> thresholds -> group exclusion ->
``answer.txt``, with reports (used by ``tools/analysis_tools/ensemble.py``)."""
import os
import os.path as osp
import time
import warnings
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from tiny_action.evaluation import (format_per_class_table,
                                    mean_average_precision, multilabel_prf)
from tiny_action.utils.fileio import atomic_write_bytes, write_json_atomic
from .dump_io import Ensemble, load_ensemble
from .groups import GroupSpec, apply_exclusion, cooccurrences, load_groups
from .submission import (align_to_annotation, build_answer,
                         load_annotation_entries, write_answer_txt, write_zip)
from .thresholds import (ThresholdResult, cross_validated_predictions,
                         load_thresholds, save_thresholds, tune_thresholds)

__all__ = ['RANK_BY', 'evaluate_stages', 'load_class_names', 'postprocess',
           'run_ensemble']

RANK_BY = ('score', 'margin')


def postprocess(scores: np.ndarray,
                thresholds: np.ndarray,
                groups: Dict[str, List[int]],
                rank_by: str = 'score') -> np.ndarray:
    """Per-class thresholds, then one class per exclusive group.

    Args:
        scores (np.ndarray): Ensemble scores ``(N, C)``.
        thresholds (np.ndarray): Per-class thresholds ``(C,)``.
        groups (dict[str, list[int]]): :func:`load_groups` output.
        rank_by (str): Which predicted class a group keeps: ``'score'``
            (the highest score, as in the paper) or ``'margin'`` (the
            highest ``score - threshold``). Defaults to ``'score'``.

    Returns:
        np.ndarray: Boolean predictions ``(N, C)``.
    """
    if rank_by not in RANK_BY:
        raise ValueError(f'`rank_by` should be one of {RANK_BY}, but got '
                         f'{rank_by!r}')
    preds = scores >= thresholds
    if not groups:
        return preds
    ranks = scores if rank_by == 'score' else scores - thresholds
    return apply_exclusion(preds, ranks, groups)


def _prf_of_preds(preds: np.ndarray, labels: np.ndarray) -> Dict:
    return multilabel_prf(preds.astype(np.float64), labels, 0.5)


def evaluate_stages(scores: np.ndarray,
                    labels: np.ndarray,
                    thresholds: np.ndarray,
                    groups: Dict[str, List[int]],
                    rank_by: str = 'score') -> 'OrderedDict[str, Dict]':
    """Per-class P / R / F1 before and after each post-processing step.

    Returns:
        OrderedDict[str, dict]: ``'threshold 0.5'``, ``'per-class
        thresholds'`` and, with groups, ``'thresholds + groups'``, each a
        :func:`multilabel_prf` result.
    """
    stages = OrderedDict()
    stages['threshold 0.5'] = multilabel_prf(scores, labels, 0.5)
    stages['per-class thresholds'] = multilabel_prf(scores, labels,
                                                    thresholds)
    if groups:
        stages['thresholds + groups'] = _prf_of_preds(
            postprocess(scores, thresholds, groups, rank_by), labels)
    return stages


class _Log:
    """Collects report text and forwards it to ``sink``."""

    def __init__(self, sink: Optional[Callable[[str], None]]) -> None:
        self.sink = sink
        self.lines: List[str] = []

    def __call__(self, text: str = '') -> None:
        self.lines.append(text)
        if self.sink is not None:
            self.sink(text)


def run_ensemble(classes: Sequence[str],
                 out_dir: str,
                 val_dumps: Sequence[str] = (),
                 test_dumps: Sequence[str] = (),
                 weights: Optional[Sequence[float]] = None,
                 thresholds=None,
                 groups: GroupSpec = None,
                 rank_by: str = 'score',
                 min_positives: int = 3,
                 prior: str = 'fit',
                 thr_low: float = 0.2,
                 thr_high: float = 0.5,
                 class_counts: Optional[Sequence[float]] = None,
                 counts_source: str = 'tuning split',
                 test_ann: Optional[str] = None,
                 cv_folds: int = 0,
                 seed: int = 0,
                 plots: bool = True,
                 make_zip: bool = False,
                 log: Optional[Callable[[str], None]] = print) -> Dict:
    """Ensemble dumps, tune or load thresholds, post-process, write files.

    What runs depends on the inputs:

    - ``val_dumps`` without ``thresholds``: tune per-class thresholds on the
      labelled split (``thresholds.json`` + ``thresholds_info.json``) and
      report; with ``test_dumps`` too, also write the submission.
    - ``thresholds`` (a file or a number) with ``test_dumps``: apply them
      (no tuning); with ``val_dumps`` too, report them on that split.

    Files in ``out_dir``: ``thresholds.json`` / ``thresholds_info.json``
    (when tuned), ``report.txt`` (the printed tables),
    ``f1_per_class.png`` and ``threshold_curves.png`` (with ``plots`` and a
    labelled split), ``answer.txt`` (and ``answer.zip`` with ``make_zip``)
    for test dumps, and ``summary.json``. Every file is written
    atomically.

    Args:
        classes (Sequence[str]): Class names in index order.
        out_dir (str): Output folder.
        val_dumps (Sequence[str]): Dumps of a labelled split, one per model.
        test_dumps (Sequence[str]): Dumps of the test split, one per model,
            in the same model order as ``val_dumps``.
        weights (Sequence[float], optional): One weight per model.
            Defaults to equal weights.
        thresholds (str | float, optional): Saved thresholds (see
            :func:`load_thresholds`); None tunes them on ``val_dumps``.
        groups (GroupSpec): See :func:`load_groups`. Defaults to None.
        rank_by (str): See :func:`postprocess`. Defaults to ``'score'``.
        min_positives (int): See :func:`tune_thresholds`. Defaults to 3.
        prior (str): ``'fit'`` or ``'interp'``, see :func:`tune_thresholds`.
            Defaults to ``'fit'``.
        thr_low (float): ``'interp'`` threshold of the smallest class.
            Defaults to 0.2.
        thr_high (float): ``'interp'`` threshold of the largest class.
            Defaults to 0.5.
        class_counts (Sequence[float], optional): Class sizes for the
            prior. Defaults to the positives of the labelled split.
        counts_source (str): Where ``class_counts`` come from.
        test_ann (str, optional): Test annotation file (required with
            ``test_dumps``).
        cv_folds (int): With >= 2, also report a ``cv_folds``-fold
            cross-validated F1 of tuning + groups (honest, unlike the F1 on
            the split the thresholds were tuned on). Defaults to 0 (off).
        seed (int): Seed of the folds. Defaults to 0.
        plots (bool): Write the PNG plots. Defaults to True.
        make_zip (bool): Also write ``answer.zip``. Defaults to False.
        log (Callable[[str], None], optional): Where report lines go.
            Defaults to ``print``.

    Returns:
        dict: The content of ``summary.json``.
    """
    if not val_dumps and not test_dumps:
        raise ValueError('give dumps of a labelled split (to tune thresholds)'
                         ' and/or of the test split (to write answer.txt)')
    if not val_dumps and thresholds is None:
        raise ValueError('test dumps alone need saved thresholds: give '
                         '`thresholds` (a thresholds.json or a number) or '
                         'dumps of a labelled split to tune them on')
    if val_dumps and test_dumps and len(val_dumps) != len(test_dumps):
        raise ValueError(
            f'got {len(val_dumps)} labelled-split dumps but '
            f'{len(test_dumps)} test dumps; give one of each per model, in '
            'the same model order')
    if test_dumps and not test_ann:
        raise ValueError('writing answer.txt needs the test annotation file '
                         '(every test id must be in it)')
    if rank_by not in RANK_BY:
        raise ValueError(f'`rank_by` should be one of {RANK_BY}, but got '
                         f'{rank_by!r}')
    classes = [str(c) for c in classes]
    num_classes = len(classes)
    group_idx = load_groups(groups, classes)
    out = _Log(log)
    summary: Dict = dict(classes=classes, groups={
        k: [classes[i] for i in v] for k, v in group_idx.items()
    }, rank_by=rank_by)
    os.makedirs(out_dir, exist_ok=True)
    t0 = time.perf_counter()

    thr = None if thresholds is None else load_thresholds(thresholds, classes)
    result: Optional[ThresholdResult] = None
    if val_dumps:
        val = load_ensemble(val_dumps, weights, num_classes)
        if not val.has_labels:
            raise ValueError(
                f'the labelled-split dumps ({val_dumps[0]}, ...) carry no '
                'labels (gt_label missing or all zero): is this the '
                'unlabeled test split?')
        labels = val.labels
        summary['val'] = dict(dumps=list(val_dumps),
                              weights=val.weights.tolist(),
                              num_samples=int(labels.shape[0]))
        out(f'Labelled split: {labels.shape[0]} samples, {len(val_dumps)} '
            f'dumps, weights {np.round(val.weights, 4).tolist()}')
        _report_members(val, labels, out)
        for g, a, b, n in cooccurrences(labels, group_idx, classes):
            msg = (f'group {g!r}: {a} and {b} occur together in {n} '
                   'labelled samples, so the exclusion removes true labels')
            warnings.warn(msg, stacklevel=2)
            out(f'WARNING: {msg}')
        if thr is None:
            result = tune_thresholds(
                val.scores, labels, min_positives=min_positives,
                thr_low=thr_low, thr_high=thr_high,
                class_counts=class_counts, counts_source=counts_source,
                prior=prior)
            thr = result.thresholds
            save_thresholds(osp.join(out_dir, 'thresholds.json'), thr,
                            classes)
            write_json_atomic(
                osp.join(out_dir, 'thresholds_info.json'),
                result.to_info(classes))
            out(f'Tuned thresholds: {int(result.tuned.sum())} classes by '
                f'exact F1 search, {int((~result.tuned).sum())} by the '
                f'class-size prior "{prior}" (fewer than {min_positives} '
                f'positives) -> {osp.join(out_dir, "thresholds.json")}')
        stages = evaluate_stages(val.scores, labels, thr, group_idx, rank_by)
        for name, per_class in stages.items():
            out(f'\n== {name} (labelled split) ==')
            out(format_per_class_table(
                classes, per_class,
                np.full(num_classes, 0.5) if name == 'threshold 0.5' else thr))
        summary['val']['macro'] = {
            name: {k: float(v[k].mean()) for k in ('f1', 'precision',
                                                   'recall')}
            for name, v in stages.items()
        }
        out('\nMacro F1 on the labelled split: ' + ', '.join(
            f'{name} {v["f1"]:.4f}'
            for name, v in summary['val']['macro'].items()))
        if result is not None:
            out('(tuned on this same split: optimistic; see the '
                'cross-validated number for an honest estimate)')
        if result is not None and cv_folds:
            cv_preds = cross_validated_predictions(
                val.scores, labels,
                lambda s, t: postprocess(s, t, group_idx, rank_by),
                folds=cv_folds, seed=seed, min_positives=min_positives,
                thr_low=thr_low, thr_high=thr_high,
                class_counts=class_counts, prior=prior)
            cv = _prf_of_preds(cv_preds, labels)
            summary['val']['cross_validated'] = dict(
                folds=cv_folds, seed=seed,
                **{k: float(cv[k].mean()) for k in ('f1', 'precision',
                                                    'recall')})
            out(f'{cv_folds}-fold cross-validated macro F1 of tuning'
                f'{" + groups" if group_idx else ""}: {cv["f1"].mean():.4f} '
                f'(threshold 0.5: '
                f'{stages["threshold 0.5"]["f1"].mean():.4f})')
        if plots:
            from .plots import plot_f1_bars, plot_threshold_curves
            plot_f1_bars(
                osp.join(out_dir, 'f1_per_class.png'), classes,
                {k: v['f1'] for k, v in stages.items()},
                support=stages['threshold 0.5']['support'])
            plot_threshold_curves(
                osp.join(out_dir, 'threshold_curves.png'), classes,
                val.scores, labels, thr)
    summary['thresholds'] = dict(zip(classes, map(float, thr)))
    summary['thresholds_source'] = ('tuned' if result is not None else
                                    str(thresholds))

    if test_dumps:
        test = load_ensemble(test_dumps, weights, num_classes)
        preds = postprocess(test.scores, thr, group_idx, rank_by)
        entries = load_annotation_entries(test_ann)
        ids, key = align_to_annotation(test.meta, preds.shape[0], entries,
                                       source=f'the test dumps '
                                       f'({test_dumps[0]}, ...)')
        answer_ids, flags, missing = build_answer(entries, ids, preds)
        if missing:
            out(f'WARNING: {missing} test clips of {test_ann} have no '
                'prediction; written as all zeros')
        answer = osp.join(out_dir, 'answer.txt')
        write_answer_txt(answer, answer_ids, flags)
        if make_zip:
            write_zip(osp.join(out_dir, 'answer.zip'), answer)
        summary['test'] = dict(
            dumps=list(test_dumps), weights=test.weights.tolist(),
            num_samples=int(preds.shape[0]), num_clips=len(answer_ids),
            missing=missing, aligned_by=key, answer=answer,
            labels_per_clip=float(flags.sum(1).mean()))
        out(f'\n{answer}: {len(answer_ids)} clips ({missing} without '
            f'prediction), {flags.sum(1).mean():.3f} labels per clip, '
            f'aligned by {key!r}')
    summary['seconds'] = round(time.perf_counter() - t0, 3)
    atomic_write_bytes(osp.join(out_dir, 'report.txt'),
                  ('\n'.join(out.lines) + '\n').encode('utf-8'))
    write_json_atomic(osp.join(out_dir, 'summary.json'), summary)
    return summary


def _report_members(ens: Ensemble, labels: np.ndarray, out: _Log) -> None:
    """One line per dump and the ensemble: macro F1 at 0.5 and mAP."""
    rows = [(m.path, m.scores) for m in ens.members]
    if len(rows) > 1:
        rows.append(('ensemble', ens.scores))
    width = max(len(r[0]) for r in rows)
    out(f'{"dump".ljust(width)}  F1@0.5     mAP')
    for name, scores in rows:
        f1 = multilabel_prf(scores, labels, 0.5)['f1'].mean()
        ap = mean_average_precision(scores, labels)
        out(f'{name.ljust(width)}  {f1:.4f}  {ap:.4f}')


def load_class_names(class_map) -> List[str]:
    """Class names from a class map (see
    :func:`tiny_action.datasets.class_map.load_class_map`)."""
    from tiny_action.datasets.class_map import load_class_map
    return load_class_map(class_map)

