"""The whole post-processing: ensemble -> thresholds -> group exclusion ->
``answer.txt``, with reports (used by ``tools/analysis_tools/ensemble.py``).

:class:`EnsembleOptions` says what to do; :func:`run_ensemble` runs the steps
of :class:`EnsembleRun`: the labelled split (tune or apply thresholds,
report them), then the submission.
"""
import logging
import os
import os.path as osp
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmaction.evaluation.functional import mean_average_precision
from mmengine.logging import print_log

from tiny_action.evaluation import format_per_class_table, multilabel_prf
from tiny_action.utils.fileio import atomic_write_bytes, write_json_atomic
from .dump_io import Ensemble, load_ensemble
from .groups import GroupSpec, apply_exclusion, cooccurrences, load_groups
from .submission import (align_to_annotation, build_answer,
                         load_annotation_entries, write_answer_txt, write_zip)
from .thresholds import (PRIORS, ThresholdResult,
                         cross_validated_predictions, load_thresholds,
                         save_thresholds, tune_thresholds)

__all__ = ['RANK_BY', 'EnsembleOptions', 'EnsembleRun', 'evaluate_stages',
           'load_class_names', 'postprocess', 'run_ensemble']

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


def _macro(per_class: Dict) -> Dict[str, float]:
    return {k: float(per_class[k].mean()) for k in ('f1', 'precision',
                                                    'recall')}


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


@dataclass
class EnsembleOptions:
    """What :func:`run_ensemble` does; checked when built.

    What runs depends on the inputs:

    - ``val_dumps`` without ``thresholds``: tune per-class thresholds on the
      labelled split (``thresholds.json`` + ``thresholds_info.json``) and
      report; with ``test_dumps`` too, also write the submission.
    - ``thresholds`` (a file or a number) with ``test_dumps``: apply them
      (no tuning); with ``val_dumps`` too, report them on that split.

    Attributes:
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
        logger (str | logging.Logger): Where report lines go, as
            mmengine's ``print_log`` takes it (``'silent'``: nowhere).
            Defaults to ``'current'``.
    """
    classes: Sequence[str]
    out_dir: str
    val_dumps: Sequence[str] = ()
    test_dumps: Sequence[str] = ()
    weights: Optional[Sequence[float]] = None
    thresholds: Union[None, str, float] = None
    groups: GroupSpec = None
    rank_by: str = 'score'
    min_positives: int = 3
    prior: str = 'fit'
    thr_low: float = 0.2
    thr_high: float = 0.5
    class_counts: Optional[Sequence[float]] = None
    counts_source: str = 'tuning split'
    test_ann: Optional[str] = None
    cv_folds: int = 0
    seed: int = 0
    plots: bool = True
    make_zip: bool = False
    logger: Union[str, logging.Logger] = 'current'

    def __post_init__(self) -> None:
        self.classes = [str(c) for c in self.classes]
        self.val_dumps, self.test_dumps = (list(self.val_dumps),
                                           list(self.test_dumps))
        if not self.val_dumps and not self.test_dumps:
            raise ValueError('give dumps of a labelled split (to tune '
                             'thresholds) and/or of the test split (to '
                             'write answer.txt)')
        if not self.val_dumps and self.thresholds is None:
            raise ValueError('test dumps alone need saved thresholds: give '
                             '`thresholds` (a thresholds.json or a number) '
                             'or dumps of a labelled split to tune them on')
        if self.val_dumps and self.test_dumps \
                and len(self.val_dumps) != len(self.test_dumps):
            raise ValueError(
                f'got {len(self.val_dumps)} labelled-split dumps but '
                f'{len(self.test_dumps)} test dumps; give one of each per '
                'model, in the same model order')
        if self.test_dumps and not self.test_ann:
            raise ValueError('writing answer.txt needs the test annotation '
                             'file (every test id must be in it)')
        if self.rank_by not in RANK_BY:
            raise ValueError(f'`rank_by` should be one of {RANK_BY}, but got '
                             f'{self.rank_by!r}')
        if self.prior not in PRIORS:
            raise ValueError(f'`prior` should be one of {PRIORS}, but got '
                             f'{self.prior!r}')

    def tune_kwargs(self) -> Dict:
        """The :func:`tune_thresholds` arguments."""
        return dict(min_positives=self.min_positives, thr_low=self.thr_low,
                    thr_high=self.thr_high, class_counts=self.class_counts,
                    prior=self.prior)


@dataclass
class _Report:
    """Report lines: logged as they come, kept for ``report.txt``."""
    logger: Union[str, logging.Logger]
    lines: List[str] = field(default_factory=list)

    def __call__(self, text: str = '', level: int = logging.INFO) -> None:
        self.lines.append(text if level < logging.WARNING else
                          f'WARNING: {text}')
        # a table starts on its own line, below the logger's prefix
        multi_line = '\n' in text and not text.startswith('\n')
        print_log('\n' + text if multi_line else text, self.logger, level)

    def text(self) -> str:
        return '\n'.join(self.lines) + '\n'


class EnsembleRun:
    """The steps of :func:`run_ensemble` on one :class:`EnsembleOptions`.

    Files in ``out_dir``: ``thresholds.json`` / ``thresholds_info.json``
    (when tuned), ``report.txt`` (the logged tables), ``f1_per_class.png``
    and ``threshold_curves.png`` (with ``plots`` and a labelled split),
    ``answer.txt`` (and ``answer.zip`` with ``make_zip``) for test dumps,
    and ``summary.json``. Every file is written atomically.
    """

    def __init__(self, options: EnsembleOptions) -> None:
        self.opts = options
        self.classes = options.classes
        self.groups = load_groups(options.groups, self.classes)
        self.report = _Report(options.logger)
        self.summary: Dict = dict(
            classes=self.classes,
            groups={k: [self.classes[i] for i in v]
                    for k, v in self.groups.items()},
            rank_by=options.rank_by)

    def run(self) -> Dict:
        """All steps; returns the content of ``summary.json``."""
        opts = self.opts
        os.makedirs(opts.out_dir, exist_ok=True)
        t0 = time.perf_counter()
        thr = (None if opts.thresholds is None else load_thresholds(
            opts.thresholds, self.classes))
        result = None
        if opts.val_dumps:
            thr, result = self.labelled_split(thr)
        self.summary['thresholds'] = dict(zip(self.classes, map(float, thr)))
        self.summary['thresholds_source'] = (
            'tuned' if result is not None else str(opts.thresholds))
        if opts.test_dumps:
            self.submission(thr)
        self.summary['seconds'] = round(time.perf_counter() - t0, 3)
        atomic_write_bytes(osp.join(opts.out_dir, 'report.txt'),
                           self.report.text().encode('utf-8'))
        write_json_atomic(osp.join(opts.out_dir, 'summary.json'),
                          self.summary)
        return self.summary

    def labelled_split(self, thr: Optional[np.ndarray]) -> tuple:
        """Load the labelled split, tune thresholds (when ``thr`` is None)
        and report every stage on it; returns ``(thresholds,
        ThresholdResult or None)``."""
        opts, out = self.opts, self.report
        val = load_ensemble(opts.val_dumps, opts.weights, len(self.classes))
        if not val.has_labels:
            raise ValueError(
                f'the labelled-split dumps ({opts.val_dumps[0]}, ...) carry '
                'no labels (gt_label missing or all zero): is this the '
                'unlabeled test split?')
        self.summary['val'] = dict(dumps=opts.val_dumps,
                                   weights=val.weights.tolist(),
                                   num_samples=int(val.labels.shape[0]))
        out(f'Labelled split: {val.labels.shape[0]} samples, '
            f'{len(opts.val_dumps)} dumps, weights '
            f'{np.round(val.weights, 4).tolist()}')
        self.report_members(val)
        for g, a, b, n in cooccurrences(val.labels, self.groups,
                                        self.classes):
            out(f'group {g!r}: {a} and {b} occur together in {n} labelled '
                'samples, so the exclusion removes true labels',
                logging.WARNING)
        result = None
        if thr is None:
            result = self.tune(val)
            thr = result.thresholds
        stages = self.report_stages(val, thr, tuned=result is not None)
        if result is not None and opts.cv_folds:
            self.cross_validate(val, stages)
        if opts.plots:
            self.plot(val, thr, stages)
        return thr, result

    def report_members(self, ens: Ensemble) -> None:
        """One line per dump and the ensemble: macro F1 at 0.5 and mAP."""
        rows = [(m.path, m.scores) for m in ens.members]
        if len(rows) > 1:
            rows.append(('ensemble', ens.scores))
        width = max(len(r[0]) for r in rows)
        lines = [f'{"dump".ljust(width)}  F1@0.5     mAP']
        for name, scores in rows:
            f1 = multilabel_prf(scores, ens.labels, 0.5)['f1'].mean()
            with np.errstate(invalid='ignore', divide='ignore'):
                ap = mean_average_precision(scores, ens.labels)  # no-positive
            lines.append(f'{name.ljust(width)}  {f1:.4f}  {ap:.4f}')
        self.report('\n'.join(lines))

    def tune(self, val: Ensemble) -> ThresholdResult:
        """Tune thresholds on the labelled split and save them."""
        opts = self.opts
        result = tune_thresholds(val.scores, val.labels,
                                 counts_source=opts.counts_source,
                                 **opts.tune_kwargs())
        path = osp.join(opts.out_dir, 'thresholds.json')
        save_thresholds(path, result.thresholds, self.classes)
        write_json_atomic(osp.join(opts.out_dir, 'thresholds_info.json'),
                          result.to_info(self.classes))
        self.report(
            f'Tuned thresholds: {int(result.tuned.sum())} classes by exact '
            f'F1 search, {int((~result.tuned).sum())} by the class-size '
            f'prior "{opts.prior}" (fewer than {opts.min_positives} '
            f'positives) -> {path}')
        return result

    def report_stages(self, val: Ensemble, thr: np.ndarray,
                      tuned: bool) -> 'OrderedDict[str, Dict]':
        """Per-class tables and macro F1 of every post-processing stage."""
        stages = evaluate_stages(val.scores, val.labels, thr, self.groups,
                                 self.opts.rank_by)
        for name, per_class in stages.items():
            self.report(f'\n== {name} (labelled split) ==')
            self.report(format_per_class_table(
                self.classes, per_class,
                np.full(len(self.classes), 0.5)
                if name == 'threshold 0.5' else thr))
        macro = {name: _macro(v) for name, v in stages.items()}
        self.summary['val']['macro'] = macro
        self.report('\nMacro F1 on the labelled split: ' + ', '.join(
            f'{name} {v["f1"]:.4f}' for name, v in macro.items()))
        if tuned:
            self.report('(tuned on this same split: optimistic; see the '
                        'cross-validated number for an honest estimate)')
        return stages

    def cross_validate(self, val: Ensemble, stages: Dict) -> None:
        """Report the out-of-fold F1 of tuning + groups."""
        opts = self.opts
        preds = cross_validated_predictions(
            val.scores, val.labels,
            lambda s, t: postprocess(s, t, self.groups, opts.rank_by),
            folds=opts.cv_folds, seed=opts.seed, **opts.tune_kwargs())
        cv = _prf_of_preds(preds, val.labels)
        self.summary['val']['cross_validated'] = dict(
            folds=opts.cv_folds, seed=opts.seed, **_macro(cv))
        self.report(
            f'{opts.cv_folds}-fold cross-validated macro F1 of tuning'
            f'{" + groups" if self.groups else ""}: {cv["f1"].mean():.4f} '
            f'(threshold 0.5: {stages["threshold 0.5"]["f1"].mean():.4f})')

    def plot(self, val: Ensemble, thr: np.ndarray, stages: Dict) -> None:
        """``f1_per_class.png`` and ``threshold_curves.png``."""
        from .plots import plot_f1_bars, plot_threshold_curves
        out_dir = self.opts.out_dir
        plot_f1_bars(
            osp.join(out_dir, 'f1_per_class.png'), self.classes,
            {k: v['f1'] for k, v in stages.items()},
            support=stages['threshold 0.5']['support'])
        plot_threshold_curves(
            osp.join(out_dir, 'threshold_curves.png'), self.classes,
            val.scores, val.labels, thr)

    def submission(self, thr: np.ndarray) -> None:
        """Post-process the test dumps and write ``answer.txt``."""
        opts = self.opts
        test = load_ensemble(opts.test_dumps, opts.weights,
                             len(self.classes))
        preds = postprocess(test.scores, thr, self.groups, opts.rank_by)
        entries = load_annotation_entries(opts.test_ann)
        ids, key = align_to_annotation(
            test.meta, preds.shape[0], entries,
            source=f'the test dumps ({opts.test_dumps[0]}, ...)')
        answer_ids, flags, missing = build_answer(entries, ids, preds)
        if missing:
            self.report(f'{missing} test clips of {opts.test_ann} have no '
                        'prediction; written as all zeros', logging.WARNING)
        answer = osp.join(opts.out_dir, 'answer.txt')
        write_answer_txt(answer, answer_ids, flags)
        if opts.make_zip:
            write_zip(osp.join(opts.out_dir, 'answer.zip'), answer)
        per_clip = float(flags.sum(1).mean())
        self.summary['test'] = dict(
            dumps=opts.test_dumps, weights=test.weights.tolist(),
            num_samples=int(preds.shape[0]), num_clips=len(answer_ids),
            missing=missing, aligned_by=key, answer=answer,
            labels_per_clip=per_clip)
        self.report(f'\n{answer}: {len(answer_ids)} clips ({missing} without '
                    f'prediction), {per_clip:.3f} labels per clip, aligned '
                    f'by {key!r}')


def run_ensemble(options: EnsembleOptions) -> Dict:
    """Ensemble dumps, tune or load thresholds, post-process, write files
    (see :class:`EnsembleOptions` and :class:`EnsembleRun`).

    Returns:
        dict: The content of ``summary.json``.
    """
    return EnsembleRun(options).run()


def load_class_names(class_map) -> List[str]:
    """Class names from a class map (see
    :func:`tiny_action.datasets.class_map.load_class_map`)."""
    from tiny_action.datasets.class_map import load_class_map
    return load_class_map(class_map)
