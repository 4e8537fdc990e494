"""Model / checkpoint ensembles and the TinyAction submission (Chen, Qiao,
Wang, "Low-Resolution Action Recognition for Tiny Actions Challenge in
ActivityNet", section 4 and Table 3): average the per-class probabilities of
several ``tools/test.py --dump`` pickles (read without running code) or
:class:`~tiny_action.evaluation.NumpyDumpResults` ``.npz`` files, choose
thresholds (a threshold mode chosen by cross-validated F1 on a labelled
split: one global threshold, the class-size rule, per-class F1 tuning, or
per-class shrunk toward the size rule), keep one class per group of
exclusive classes and write ``answer.txt``; run a recipe of trained runs
(the paper's Table 3) from checkpoints to ``answer.txt``.

Command lines: ``tools/analysis_tools/ensemble.py``,
``tools/analysis_tools/test_checkpoints.py`` and
``tools/analysis_tools/ensemble_recipe.py``. Not imported by ``import
tiny_action`` (it registers nothing); import ``tiny_action.tools.ensemble``
explicitly.
"""
from .checkpoints import (TestSplit, available_epochs, build_test_command,
                          dump_path, make_split_config, run_checkpoints,
                          select_epochs)
from .dump_io import (IDENTITY_KEYS, DumpMismatchError, DumpScores, Ensemble,
                      check_aligned, ensemble_of, ensemble_scores, load_dump,
                      load_ensemble)
from .groups import (DEFAULT_GROUPS_FILE, apply_exclusion, cooccurrences,
                     load_groups)
from .pipeline import (EnsembleOptions, EnsembleRun, evaluate_stages,
                       postprocess, run_ensemble)
from .recipe import (Member, Recipe, load_recipe, member_checkpoints,
                     run_recipe)
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
    'IDENTITY_KEYS', 'Member', 'MissingPredictionsWarning', 'Recipe',
    'TestSplit', 'ThresholdResult', 'align_to_annotation', 'apply_exclusion',
    'available_epochs', 'best_f1_thresholds', 'best_offset', 'build_answer',
    'build_test_command', 'check_aligned', 'check_test_ids',
    'class_counts_from_annotation', 'compare_modes', 'cooccurrences',
    'cross_validated_predictions', 'dump_path', 'ensemble_of',
    'ensemble_scores', 'evaluate_stages', 'f1_curve', 'fit_thresholds',
    'fitted_prior_thresholds', 'load_annotation_entries', 'load_dump',
    'load_dump_pickle', 'load_ensemble', 'load_groups', 'load_recipe',
    'load_thresholds', 'make_split_config', 'member_checkpoints',
    'postprocess', 'prior_thresholds', 'read_answer_txt', 'run_checkpoints',
    'run_ensemble', 'run_recipe', 'save_thresholds', 'select_epochs',
    'stratified_folds', 'tune_thresholds', 'write_answer_txt'
]
