"""Model / checkpoint ensembles and the TinyAction submission (Chen, Qiao,
Wang, "Low-Resolution Action Recognition for Tiny Actions Challenge in
ActivityNet", section 4 and Table 3): average the per-class probabilities of
several ``tools/test.py --dump`` pickles (read without running code) or
:class:`~tiny_action.evaluation.NumpyDumpResults` ``.npz`` files, choose
per-class thresholds (exact F1 search on a labelled split, class-size prior
for rare classes), keep one class per group of exclusive classes and write
``answer.txt``.

Command lines: ``tools/analysis_tools/ensemble.py`` and
``tools/analysis_tools/test_checkpoints.py``. Not imported by ``import
tiny_action`` (it registers nothing); import ``tiny_action.tools.ensemble``
explicitly.
"""
from .checkpoints import (available_epochs, build_test_command, dump_path,
                          make_split_config, run_checkpoints, select_epochs)
from .dump_io import (IDENTITY_KEYS, DumpMismatchError, DumpScores, Ensemble,
                      check_aligned, ensemble_of, ensemble_scores, load_dump,
                      load_ensemble)
from .groups import (DEFAULT_GROUPS_FILE, apply_exclusion, cooccurrences,
                     load_groups)
from .pipeline import (EnsembleOptions, EnsembleRun, evaluate_stages,
                       postprocess, run_ensemble)
from .safe_pickle import DumpRefusedError, load_dump_pickle
from .submission import (MissingPredictionsWarning, align_to_annotation,
                         build_answer, check_test_ids,
                         load_annotation_entries,
                         read_answer_txt, write_answer_txt)
from .threshold_modes import (MODES, best_offset, compare_modes,
                              cross_validated_predictions, fit_thresholds,
                              stratified_folds)
from .thresholds import (ThresholdResult, best_f1_thresholds,
                         class_counts_from_annotation, f1_curve,
                         fitted_prior_thresholds, load_thresholds,
                         prior_thresholds, save_thresholds, tune_thresholds)

__all__ = [
    'DEFAULT_GROUPS_FILE', 'MODES', 'DumpMismatchError', 'DumpRefusedError',
    'DumpScores', 'Ensemble', 'EnsembleOptions', 'EnsembleRun',
    'IDENTITY_KEYS', 'MissingPredictionsWarning', 'ThresholdResult',
    'align_to_annotation', 'apply_exclusion', 'available_epochs',
    'best_f1_thresholds', 'best_offset', 'compare_modes', 'build_answer', 'build_test_command',
    'check_aligned', 'class_counts_from_annotation', 'cooccurrences',
    'cross_validated_predictions', 'dump_path', 'ensemble_scores',
    'evaluate_stages', 'f1_curve', 'fit_thresholds', 'fitted_prior_thresholds',
    'load_annotation_entries', 'load_dump', 'load_dump_pickle',
    'load_ensemble', 'load_groups', 'load_thresholds', 'make_split_config',
    'postprocess', 'prior_thresholds', 'read_answer_txt', 'run_checkpoints',
    'run_ensemble', 'save_thresholds', 'select_epochs', 'stratified_folds', 'tune_thresholds',
    'write_answer_txt'
]
