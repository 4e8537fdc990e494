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
from tiny_action.utils.fileio import (atomic_write_bytes, check_writable_file,
                                      write_json_atomic)
from .dump_io import Ensemble, ensemble_of, load_dump, load_ensemble
from .groups import GroupSpec, apply_exclusion, cooccurrences, load_groups
from .submission import (align_to_annotation, build_answer, check_test_ids,
                         load_annotation_entries, write_answer_txt, write_zip)
from .threshold_modes import MODES, compare_modes, fit_thresholds
from .thresholds import (PRIORS, ThresholdResult, load_thresholds,
                         save_thresholds)

__all__ = ['RANK_BY', 'EnsembleOptions', 'EnsembleRun', 'describe_fit',
           'evaluate_stages', 'load_class_names', 'postprocess',
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
@dataclass
class EnsembleOptions:
    """What :func:`run_ensemble` does; checked when built.

    What runs depends on the inputs:

    - ``val_dumps`` without ``thresholds``: fit thresholds on the labelled
      split in ``threshold_mode`` (``thresholds.json`` +
      ``thresholds_info.json``) and report; with ``test_dumps`` too, also
      write the submission.
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
            :func:`load_thresholds`); None fits them on ``val_dumps``.
        threshold_mode (str): ``'auto'`` (the mode with the best
            cross-validated macro F1, which needs ``cv_folds >= 2``) or one
            of :data:`~tiny_action.tools.ensemble.threshold_modes.MODES`
            (``'global'``, ``'size'``, ``'per-class'``, ``'shrunk'``).
            Defaults to ``'auto'``.
        groups (GroupSpec): See :func:`load_groups`. Defaults to None.
        rank_by (str): See :func:`postprocess`. Defaults to ``'score'``.
        min_positives (int): Mode ``'per-class'``, see
            :func:`tune_thresholds`. Defaults to 3.
        prior (str): Mode ``'per-class'``: ``'fit'`` or ``'interp'``, see
            :func:`tune_thresholds`. Defaults to ``'fit'``.
        thr_low (float): ``'interp'`` threshold of the smallest class.
            Defaults to 0.2.
        thr_high (float): ``'interp'`` threshold of the largest class.
            Defaults to 0.5.
        shrink (float): Mode ``'shrunk'``: positives at which a class's own
            threshold and the size rule weigh equally. Defaults to 10.
        class_counts (Sequence[float], optional): Class sizes for the size
            rule and the prior. Defaults to the positives of the labelled
            split.
        counts_source (str): Where ``class_counts`` come from.
        test_ann (str, optional): Test annotation file (required with
            ``test_dumps``): every test dump must hold exactly its clips.
        allow_missing (bool): Accept test dumps that lack some clips of
            ``test_ann`` (written as all zeros, counted in the report).
            Defaults to False (refused).
        cv_folds (int): With >= 2, report every threshold mode's
            ``cv_folds``-fold cross-validated macro F1 (folds stratified by
            class; honest, unlike the F1 on the split the thresholds were
            fitted on). Defaults to 5.
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
    threshold_mode: str = 'auto'
    groups: GroupSpec = None
    rank_by: str = 'score'
    min_positives: int = 3
    prior: str = 'fit'
    thr_low: float = 0.2
    thr_high: float = 0.5
    shrink: float = 10.0
    class_counts: Optional[Sequence[float]] = None
    counts_source: str = 'tuning split'
    test_ann: Optional[str] = None
    allow_missing: bool = False
    cv_folds: int = 5
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
        for name, value, allowed in (
                ('rank_by', self.rank_by, RANK_BY), ('prior', self.prior,
                                                     PRIORS),
                ('threshold_mode', self.threshold_mode, ('auto', *MODES))):
            if value not in allowed:
                raise ValueError(f'`{name}` should be one of {allowed}, but '
                                 f'got {value!r}')
        if not isinstance(self.cv_folds, int) or self.cv_folds == 1 \
                or self.cv_folds < 0:
            raise ValueError('`cv_folds` should be 0 (off) or an int >= 2, '
                             f'but got {self.cv_folds!r}')
        if self.fits_thresholds and self.threshold_mode == 'auto' \
                and self.cv_folds < 2:
            raise ValueError(
                "threshold_mode='auto' picks the mode with the best "
                'cross-validated F1, so it needs cv_folds >= 2 (got '
                f'{self.cv_folds}); give cv_folds or a threshold mode '
                f'{MODES}')

    @property
    def fits_thresholds(self) -> bool:
        """True when thresholds are fitted on the labelled split."""
        return bool(self.val_dumps) and self.thresholds is None

    def fit_kwargs(self) -> Dict:
        """The :func:`fit_thresholds` arguments (besides the mode)."""
        return dict(min_positives=self.min_positives, thr_low=self.thr_low,
                    thr_high=self.thr_high, class_counts=self.class_counts,
                    counts_source=self.counts_source, prior=self.prior,
                    shrink=self.shrink)

    def output_files(self) -> List[str]:
        """The files a run writes into ``out_dir``."""
        names = ['report.txt', 'summary.json']
        if self.fits_thresholds:
            names += ['thresholds.json', 'thresholds_info.json']
        if self.val_dumps and self.plots:
            names += ['f1_per_class.png', 'threshold_curves.png']
        if self.test_dumps:
            names += ['answer.txt'] + (['answer.zip'] if self.make_zip
                                       else [])
        return [osp.join(self.out_dir, n) for n in names]


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


@dataclass
class _TestSplit:
    """The test dumps, checked against the test annotation."""
    ensemble: Ensemble
    entries: List[Dict]
    ids: List[str]
    aligned_by: str
    missing: int


class EnsembleRun:
    """The steps of :func:`run_ensemble` on one :class:`EnsembleOptions`.

    Everything that can be checked up front is checked before the first
    file is written: every output path (:meth:`EnsembleOptions.output_files`)
    is writable, the dumps load and agree, and each test dump holds exactly
    the clips of the test annotation. Files in ``out_dir``:
    ``thresholds.json`` / ``thresholds_info.json`` (when fitted),
    ``report.txt`` (the logged tables), ``f1_per_class.png`` and
    ``threshold_curves.png`` (with ``plots`` and a labelled split),
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
        t0 = time.perf_counter()
        for path in opts.output_files():
            check_writable_file(path)
        thr = (None if opts.thresholds is None else load_thresholds(
            opts.thresholds, self.classes))
        val = self.load_labelled() if opts.val_dumps else None
        test = self.load_test(val) if opts.test_dumps else None
        os.makedirs(opts.out_dir, exist_ok=True)
        result = None
        if val is not None:
            thr, result = self.labelled_split(val, thr)
        self.summary['thresholds'] = dict(zip(self.classes, map(float, thr)))
        self.summary['thresholds_source'] = (
            'tuned' if result is not None else str(opts.thresholds))
        if test is not None:
            self.submission(test, thr)
        self.summary['seconds'] = round(time.perf_counter() - t0, 3)
        atomic_write_bytes(osp.join(opts.out_dir, 'report.txt'),
                           self.report.text().encode('utf-8'))
        write_json_atomic(osp.join(opts.out_dir, 'summary.json'),
                          self.summary)
        return self.summary

    def load_labelled(self) -> Ensemble:
        """The labelled-split ensemble (it must carry labels)."""
        opts = self.opts
        val = load_ensemble(opts.val_dumps, opts.weights, len(self.classes))
        if not val.has_labels:
            raise ValueError(
                f'the labelled-split dumps ({opts.val_dumps[0]}, ...) carry '
                'no labels (gt_label missing or all zero): is this the '
                'unlabeled test split?')
        return val

    def load_test(self, val: Optional[Ensemble]) -> _TestSplit:
        """Load the test dumps; each must hold exactly the clips of the test
        annotation (see :func:`check_test_ids`), and not the same clips as
        the labelled split."""
        opts = self.opts
        entries = load_annotation_entries(opts.test_ann)
        dumps = [load_dump(p) for p in opts.test_dumps]
        checked = []
        for dump in dumps:
            ids, key = align_to_annotation(dump.meta, dump.num_samples,
                                           entries, source=dump.path)
            missing = check_test_ids(ids, entries, dump.path, opts.test_ann,
                                     opts.allow_missing)
            checked.append((ids, key, missing))
        ids, key, missing = checked[0]
        if val is not None and 'id' in val.meta and sorted(
                val.meta['id']) == sorted(ids):
            raise ValueError(
                f'the test dumps ({opts.test_dumps[0]}, ...) hold the same '
                f'{len(ids)} clips as the labelled-split dumps '
                f'({opts.val_dumps[0]}, ...): the test split should be the '
                'unlabeled public test split (README "Test split")')
        test = ensemble_of(dumps, opts.weights, len(self.classes))
        return _TestSplit(test, entries, ids, key, missing)

    def labelled_split(self, val: Ensemble,
                       thr: Optional[np.ndarray]) -> tuple:
        """Fit thresholds (when ``thr`` is None) and report every stage on
        the labelled split; returns ``(thresholds, ThresholdResult or
        None)``."""
        opts, out = self.opts, self.report
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
        if 'cross_validated' in self.summary['val']:
            cv = self.summary['val']['cross_validated']
            out(f'{opts.cv_folds}-fold cross-validated macro F1 of the '
                f'"{cv["mode"]}" thresholds'
                f'{" + groups" if self.groups else ""}: {cv["f1"]:.4f} '
                f'(threshold 0.5: {stages["threshold 0.5"]["f1"].mean():.4f})')
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

    def compare_modes(self, val: Ensemble) -> Dict[str, Dict[str, float]]:
        """Every threshold mode's cross-validated macro F1 / P / R (+ groups),
        reported as a table."""
        opts = self.opts
        preds = compare_modes(
            val.scores, val.labels,
            lambda s, t: postprocess(s, t, self.groups, opts.rank_by),
            MODES, opts.cv_folds, opts.seed, **opts.fit_kwargs())
        cv = {m: _macro(_prf_of_preds(p, val.labels))
              for m, p in preds.items()}
        lines = [f'Threshold modes: {opts.cv_folds}-fold cross-validated '
                 'macro scores on the labelled split (folds stratified by '
                 'class; each fold predicted with thresholds fitted on the '
                 f'others{", + groups" if self.groups else ""}):',
                 f'  {"mode":10s}     F1      P      R']
        lines += [f'  {m:10s} {v["f1"]:.4f} {v["precision"]:.4f} '
                  f'{v["recall"]:.4f}' for m, v in cv.items()]
        self.report('\n'.join(lines))
        return cv

    def tune(self, val: Ensemble) -> ThresholdResult:
        """Choose the threshold mode, fit it on the labelled split, save."""
        opts = self.opts
        cv = self.compare_modes(val) if opts.cv_folds else None
        mode, why = opts.threshold_mode, 'given'
        if mode == 'auto':  # ties: the simpler mode (MODES order)
            mode = max(MODES, key=lambda m: cv[m]['f1'])
            why = 'best cross-validated F1'
        result = fit_thresholds(mode, val.scores, val.labels,
                                **opts.fit_kwargs())
        path = osp.join(opts.out_dir, 'thresholds.json')
        save_thresholds(path, result.thresholds, self.classes)
        write_json_atomic(osp.join(opts.out_dir, 'thresholds_info.json'),
                          result.to_info(self.classes))
        self.summary['val'].update(threshold_mode=mode,
                                   threshold_mode_reason=why)
        if cv is not None:
            self.summary['val']['threshold_modes'] = cv
            self.summary['val']['cross_validated'] = dict(
                mode=mode, folds=opts.cv_folds, seed=opts.seed, **cv[mode])
        self.report(f'Threshold mode: {mode} ({why}); fitted on the whole '
                    f'labelled split: {describe_fit(result)} -> {path}')
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
            self.report('(fitted on this same split: optimistic; see the '
                        'cross-validated number for an honest estimate)')
        return stages

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

    def submission(self, test: _TestSplit, thr: np.ndarray) -> None:
        """Post-process the test dumps and write ``answer.txt``."""
        opts = self.opts
        preds = postprocess(test.ensemble.scores, thr, self.groups,
                            opts.rank_by)
        answer_ids, flags, missing = build_answer(test.entries, test.ids,
                                                  preds)
        if missing:
            self.report(f'{missing} test clips of {opts.test_ann} have no '
                        'prediction; written as all zeros (allow_missing)',
                        logging.WARNING)
        answer = osp.join(opts.out_dir, 'answer.txt')
        write_answer_txt(answer, answer_ids, flags)
        if opts.make_zip:
            write_zip(osp.join(opts.out_dir, 'answer.zip'), answer)
        per_clip = float(flags.sum(1).mean())
        self.summary['test'] = dict(
            dumps=opts.test_dumps, weights=test.ensemble.weights.tolist(),
            num_samples=int(preds.shape[0]), num_clips=len(answer_ids),
            missing=missing, aligned_by=test.aligned_by, answer=answer,
            labels_per_clip=per_clip)
        self.report(f'\n{answer}: {len(answer_ids)} clips ({missing} without '
                    f'prediction), {per_clip:.3f} labels per clip, aligned '
                    f'by {test.aligned_by!r}')


def describe_fit(result: ThresholdResult) -> str:
    """One sentence on what a :class:`ThresholdResult` fitted."""
    p, thr = result.params, result.thresholds
    mode = p.get('mode', 'per-class')
    if mode == 'global':
        return f'one threshold {p["threshold"]:.4f} for every class'
    if mode == 'size':
        return (f'class-size rule thr = {p["intercept"]:.4f} + '
                f'{p["slope"]:.4f} * x (x: log class size scaled to [0, 1]; '
                f'{thr.min():.4f} .. {thr.max():.4f})')
    if mode == 'shrunk':
        s = p['size_rule']
        return (f'per-class F1 thresholds pulled toward the size rule '
                f'({s["intercept"]:.4f} + {s["slope"]:.4f} * x) with weight '
                f'P / (P + {p["shrink"]:g})')
    return (f'{int(result.tuned.sum())} classes by exact F1 search, '
            f'{int((~result.tuned).sum())} by the class-size prior '
            f'"{p["prior"]}" (fewer than {p["min_positives"]} positives)')


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
