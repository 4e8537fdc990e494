"""Command lines of ``tools/analysis_tools/ensemble.py`` and
``tools/analysis_tools/test_checkpoints.py`` (the tool files only call
:func:`ensemble_main` / :func:`checkpoints_main`).
"""
import argparse
import itertools
import os.path as osp
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence

from mmengine.logging import MMLogger

from .checkpoints import (SPLITS, TestSplit, available_epochs, load_config,
                          run_checkpoints, select_epochs)
from .pipeline import (RANK_BY, EnsembleOptions, load_class_names,
                       run_ensemble)
from .recipe import load_recipe, run_recipe
from .threshold_modes import MODES
from .thresholds import class_counts_from_annotation

#: numbers the tool runs of this process (each gets its own logger).
_RUNS = itertools.count()

def _tool_parser(tool: str, epilog: str,
                 description: str) -> argparse.ArgumentParser:
    """The parser of ``tools/analysis_tools/<tool>.py``; ``epilog`` is
    printed as it is written."""
    return argparse.ArgumentParser(
        prog=f'tools/analysis_tools/{tool}.py',
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter)


ENSEMBLE_EPILOG = """\
modes (chosen by the inputs):
  tune + submit   --val-dumps ... --test-dumps ... --test-ann ...
  tune only       --val-dumps ...                   (writes thresholds.json)
  apply only      --test-dumps ... --thresholds thresholds.json --test-ann ...
  evaluate saved  --val-dumps ... --thresholds FILE (report only)

examples:
  python tools/analysis_tools/ensemble.py \\
      --val-dumps a_val.pkl b_val.pkl --test-dumps a_test.pkl b_test.pkl \\
      --class-map data/tinyvirat/class_map.json \\
      --test-ann data/tinyvirat/tiny_test_v2.json \\
      --groups default --out-dir work_dirs/ensemble
  python tools/analysis_tools/ensemble.py --test-dumps a_test.pkl b_test.pkl \\
      --thresholds work_dirs/ensemble/thresholds.json --class-map ... \\
      --test-ann ... --groups default --out-dir work_dirs/submission

Dumps come from `python tools/test.py CONFIG CKPT --dump x.pkl` (read without
running code: only tensors, numpy arrays and builtins are accepted), or are
.npz files of the NumpyDumpResults metric (faster to read); dumps of one split
must describe the same samples in the same order (checked). With the
configs' PackTinyActionInputs the dumps carry clip ids ('id'); with mmaction's
stock PackActionInputs they do not, and test samples are matched to the
annotation entries by position (one sample per entry required).

outputs in --out-dir: thresholds.json (TinyActionMetric(thresholds=...) reads
it), thresholds_info.json, report.txt, f1_per_class.png,
threshold_curves.png, answer.txt (+ answer.zip), summary.json.
"""


def add_postprocess_arguments(parser: argparse.ArgumentParser,
                              from_config: bool = False) -> None:
    """Options shared by both tools (thresholds, groups, outputs)."""
    where = ' (default: from the config\'s test_dataloader)' \
        if from_config else ''
    parser.add_argument(
        '--class-map', required=not from_config,
        help='class_map.json (name -> index), a text file with one class '
        f'name a line, in index order{where}')
    parser.add_argument(
        '--test-ann',
        help='test annotation JSON; answer.txt gets one line per entry '
        f'(entries without prediction: all zeros){where}')
    parser.add_argument(
        '--weights', nargs='+', type=float, metavar='W',
        help='one weight per model (same order as the dumps); normalised. '
        'Default: equal')
    parser.add_argument(
        '--thresholds', metavar='FILE|VALUE',
        help='use saved thresholds (a thresholds.json, any file '
        'TinyActionMetric reads, or one number) instead of tuning')
    parser.add_argument(
        '--groups', default='none', metavar='default|none|FILE',
        help='exclusive class groups (YAML/JSON): within a group only the '
        'highest-ranked predicted class is kept; "default" is the shipped '
        'TinyVIRAT-v2 file (tiny_action/resources/tinyvirat_groups.yaml). '
        'Default: none')
    parser.add_argument(
        '--rank-by', choices=RANK_BY, default='score',
        help='which predicted class a group keeps: highest score (paper) '
        'or highest score - threshold. Default: score')
    parser.add_argument(
        '--threshold-mode', choices=('auto', ) + MODES, default='auto',
        help='how thresholds are fitted on the labelled split: "global" = '
        'one threshold for every class; "size" = the paper\'s class-size '
        'rule thr = a + b * x (x: log training size scaled to [0, 1], b >= '
        '0); "per-class" = each class\'s F1-maximising threshold (the class-'
        'size prior below --min-positives); "shrunk" = per-class pulled '
        'toward the size rule (weight P / (P + --shrink)); "auto" = the mode '
        'with the best --cv-folds cross-validated macro F1. Default: auto')
    parser.add_argument(
        '--shrink', type=float, default=10.0,
        help='"shrunk" mode: positives at which a class\'s own threshold and '
        'the size rule weigh equally. Default: 10')
    parser.add_argument(
        '--min-positives', type=int, default=3,
        help='"per-class" mode: classes with fewer positives on the labelled '
        'split get the class-size prior instead of F1 tuning. Default: 3')
    parser.add_argument(
        '--prior', choices=('fit', 'interp'), default='fit',
        help='"per-class" mode: class-size prior of the untuned classes '
        '(paper: bigger class, '
        'higher threshold): "fit" = least-squares line thr = a + b '
        'log(1 + n), b >= 0, through the tuned classes, clipped to their '
        'range; "interp" = --thr-low for the smallest class, --thr-high '
        'for the largest, linear in log(1 + n). Default: fit')
    parser.add_argument(
        '--thr-low', type=float, default=0.2,
        help='"interp" threshold of the smallest class. Default: 0.2')
    parser.add_argument(
        '--thr-high', type=float, default=0.5,
        help='"interp" threshold of the largest class. Default: 0.5')
    parser.add_argument(
        '--counts-ann', metavar='JSON',
        help='annotation file whose label counts are the class sizes of '
        'the prior (e.g. tiny_train_v2.json). Default: positives of the '
        'labelled split')
    parser.add_argument(
        '--cv-folds', type=int, default=5,
        help='report every threshold mode\'s K-fold cross-validated macro F1 '
        '(+ groups; folds stratified by class) and let "auto" choose by it '
        '(0: off, then give a --threshold-mode). Default: 5')
    parser.add_argument(
        '--allow-missing', action='store_true',
        help='write answer.txt even when the test dumps lack clips of '
        '--test-ann (as all zeros, counted in the report). Default: refused')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the folds. Default: 0')
    parser.add_argument('--no-plots', action='store_true',
                        help='do not write the PNG plots')
    parser.add_argument('--zip', action='store_true',
                        help='also write answer.zip (answer.txt at its root)')


def check_postprocess_arguments(parser: argparse.ArgumentParser,
                                args: argparse.Namespace) -> None:
    """Argument errors found before any test run or output."""
    if args.thresholds is None and args.threshold_mode == 'auto' \
            and args.cv_folds < 2:
        parser.error('--threshold-mode auto chooses by cross-validated F1: '
                     f'give --cv-folds >= 2 (got {args.cv_folds}) or a '
                     'threshold mode')


def report_errors(run: Callable[[], object]) -> int:
    """Run a tool's work: 0 when done; 2 with ``error: <message>`` on stderr
    for bad input (``ValueError``), a failed ``tools/test.py``
    (``RuntimeError``) or an unwritable output (``OSError``)."""
    try:
        run()
    except (ValueError, RuntimeError, OSError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    return 0


def tool_logger(name: str) -> MMLogger:
    """A new ``MMLogger`` instance (INFO to stdout) for one run of a tool,
    named like mmengine's ``Runner`` names its loggers: by run."""
    return MMLogger.get_instance(
        f'{name}_{time.strftime("%Y%m%d_%H%M%S")}_{next(_RUNS)}',
        logger_name=name,
        log_level='INFO')


#: ``EnsembleOptions`` fields taken as they are from the argument of the same
#: name.
_OPTIONS_FROM_ARGS = ('weights', 'thresholds', 'threshold_mode', 'groups',
                      'rank_by', 'min_positives', 'prior', 'thr_low',
                      'thr_high', 'shrink', 'test_ann', 'allow_missing',
                      'cv_folds', 'seed')


def _run_from_args(args: argparse.Namespace, val_dumps: Sequence[str],
                   test_dumps: Sequence[str], logger: MMLogger) -> dict:
    classes = load_class_names(args.class_map)
    counts, counts_source = None, 'tuning split'
    if args.counts_ann:
        counts = class_counts_from_annotation(args.counts_ann, classes)
        counts_source = args.counts_ann
    return run_ensemble(
        EnsembleOptions(
            classes,
            args.out_dir,
            val_dumps=val_dumps,
            test_dumps=test_dumps,
            class_counts=counts,
            counts_source=counts_source,
            plots=not args.no_plots,
            make_zip=args.zip,
            logger=logger,
            **{name: getattr(args, name)
               for name in _OPTIONS_FROM_ARGS}))


def ensemble_parser() -> argparse.ArgumentParser:
    parser = _tool_parser(
        'ensemble', ENSEMBLE_EPILOG,
        'Average the per-class probabilities of several '
        'tools/test.py dumps, fit thresholds on a labelled split (by '
        'default in the threshold mode with the best cross-validated F1: '
        'one global threshold, the class-size rule, per-class F1 tuning, or '
        'per-class shrunk toward the size rule), keep one class per '
        'exclusive group, and write the TinyAction submission answer.txt '
        '(only from test dumps of exactly the test annotation\'s clips).')
    parser.add_argument(
        '--val-dumps', nargs='+', default=[], metavar='PKL|NPZ',
        help='dumps of a labelled split (one per model): thresholds are '
        'tuned / reported on them')
    parser.add_argument(
        '--test-dumps', nargs='+', default=[], metavar='PKL|NPZ',
        help='dumps of the test split, same models in the same order')
    parser.add_argument('--out-dir', required=True, help='output folder')
    add_postprocess_arguments(parser)
    return parser


def ensemble_main(argv: Optional[List[str]] = None) -> int:
    parser = ensemble_parser()
    args = parser.parse_args(argv)
    if not args.val_dumps and not args.test_dumps:
        parser.error('give --val-dumps and/or --test-dumps')
    if args.test_dumps and not args.test_ann:
        parser.error('--test-dumps needs --test-ann')
    if args.test_dumps and not args.val_dumps and args.thresholds is None:
        parser.error('--test-dumps alone needs --thresholds (or give '
                     '--val-dumps to tune them)')
    check_postprocess_arguments(parser, args)
    return report_errors(lambda: _run_from_args(
        args, args.val_dumps, args.test_dumps, tool_logger('ensemble')))


CHECKPOINTS_EPILOG = """\
examples:
  # middle-epoch checkpoints of one run: tune on val, submit on test
  python tools/analysis_tools/test_checkpoints.py configs/x.py \\
      --run-dir work_dirs/x --epochs middle:4 --splits val test \\
      --test-ann data/TinyVIRAT-v2/tiny_test_v2.json \\
      --test-videos data/TinyVIRAT-v2/videos/test \\
      --groups default --out-dir work_dirs/x_ckpt_ensemble
  # explicit checkpoints, test split only, saved thresholds
  python tools/analysis_tools/test_checkpoints.py configs/x.py --splits test \\
      --checkpoints work_dirs/x/epoch_20.pth work_dirs/x/epoch_24.pth \\
      --test-ann data/TinyVIRAT-v2/tiny_test_v2.json \\
      --test-videos data/TinyVIRAT-v2/videos/test \\
      --thresholds work_dirs/x_ckpt_ensemble/ensemble/thresholds.json \\
      --out-dir work_dirs/x_test --cfg-options test_dataloader.batch_size=4
  # dumps only (e.g. one run of a multi-run ensemble, see
  # tools/analysis_tools/ensemble.py)
  python tools/analysis_tools/test_checkpoints.py configs/x.py \\
      --run-dir work_dirs/x --epochs last:2 --no-ensemble \\
      --out-dir work_dirs/x_dumps

Each checkpoint/split runs `python tools/test.py SPLIT_CONFIG CKPT ...` once,
writing a .npz dump (NumpyDumpResults); existing dumps
(<out-dir>/dumps/<run>_<ckpt>_<split>.npz) are reused, so an interrupted run
resumes. SPLIT_CONFIG is <out-dir>/configs/<config>_<split>.py: the config
with --cfg-options merged, its test loader = the val loader (val) or the
public test split given by --test-ann and --test-videos (test; without them
the config's own test loader, refused when it reads the val annotation, the
configs' default). The ensemble (tools/analysis_tools/ensemble.py logic) is
written to <out-dir>/ensemble/.

epochs: a list of epoch numbers (--epochs 12 16 20), or all, last:K, or
middle:K (K epochs spread over the second half of the available
epoch_<N>.pth, last one included), mixed as needed.
"""


def checkpoints_parser() -> argparse.ArgumentParser:
    parser = _tool_parser(
        'test_checkpoints', CHECKPOINTS_EPILOG,
        'Test several checkpoints of one run with tools/test.py (resumable) '
        'and ensemble their dumps (paper: middle-epoch models help the '
        'ensemble).')
    parser.add_argument('config', help='the run\'s config file')
    ckpt = parser.add_mutually_exclusive_group(required=True)
    ckpt.add_argument('--checkpoints', nargs='+', metavar='PTH',
                      help='checkpoint files')
    ckpt.add_argument('--run-dir',
                      help='training work_dir holding epoch_<N>.pth '
                      '(with --epochs)')
    parser.add_argument('--epochs', nargs='+', metavar='SPEC',
                        help='epochs to take from --run-dir: numbers, all, '
                        'last:K or middle:K (see below)')
    parser.add_argument('--splits', nargs='+', choices=SPLITS,
                        default=['val', 'test'],
                        help='splits to dump. Default: val test')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument(
        '--test-videos', metavar='DIR',
        help='with --test-ann: the folder of the test clips as this config '
        'reads them (e.g. data/TinyVIRAT-v2/videos/test, or videos_sr/test '
        'for an SR model); the test dumps are then of that split')
    parser.add_argument(
        '--cfg-options', nargs='+', metavar='KEY=VALUE',
        help='as tools/test.py --cfg-options (merged into the derived '
        'split configs)')
    parser.add_argument('--force', action='store_true',
                        help='redo dumps that already exist')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the test.py commands only')
    parser.add_argument('--no-ensemble', action='store_true',
                        help='only write the dumps')
    add_postprocess_arguments(parser, from_config=True)
    return parser


def _dataset_file(cfg, key: str) -> Optional[str]:
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    value = dataset.get(key)
    if key == 'ann_file' and isinstance(value, str) and value \
            and not osp.isabs(value) and dataset.get('data_root'):
        value = osp.join(dataset['data_root'], value)
    return value


def checkpoints_main(argv: Optional[List[str]] = None, runner=None) -> int:
    parser = checkpoints_parser()
    args = parser.parse_args(argv)
    if args.run_dir and not args.epochs:
        parser.error('--run-dir needs --epochs')
    if args.checkpoints and args.epochs:
        parser.error('--epochs goes with --run-dir, not --checkpoints')
    ensemble = not args.no_ensemble and not args.dry_run
    if ensemble and 'val' not in args.splits and args.thresholds is None:
        parser.error('without the val split there is nothing to tune '
                     'thresholds on: add val to --splits, give --thresholds, '
                     'or use --no-ensemble')
    if ensemble:
        check_postprocess_arguments(parser, args)
    if 'test' in args.splits and bool(args.test_ann) != bool(
            args.test_videos):
        parser.error('the test split is given by --test-ann and '
                     '--test-videos together (or neither: the config\'s own '
                     'test loader)')
    test_split = (TestSplit(args.test_ann, args.test_videos)
                  if args.test_videos else None)
    logger = tool_logger('test_checkpoints')

    def run() -> None:
        dumps = run_checkpoints(
            args.config, _checkpoints_from_args(args), args.out_dir,
            splits=args.splits, cfg_options=args.cfg_options, runner=runner,
            force=args.force, dry_run=args.dry_run, logger=logger,
            test_split=test_split)
        if ensemble:
            _ensemble_checkpoint_dumps(args, dumps, logger)

    return report_errors(run)


def _checkpoints_from_args(args: argparse.Namespace) -> List[str]:
    if not args.run_dir:
        return args.checkpoints
    found = available_epochs(args.run_dir)
    return [found[e] for e in select_epochs(args.epochs, list(found))]


def _ensemble_checkpoint_dumps(args: argparse.Namespace,
                               dumps: Dict[str, List[str]],
                               logger: MMLogger) -> None:
    """The ensemble step of ``test_checkpoints.py`` (class map and test
    annotation from the config unless given)."""
    if args.class_map is None or (args.test_ann is None
                                  and 'test' in args.splits):
        cfg = load_config(args.config, args.cfg_options)
        args.class_map = args.class_map or _dataset_file(cfg, 'class_map')
        args.test_ann = args.test_ann or _dataset_file(cfg, 'ann_file')
    if not args.class_map:
        raise ValueError('the config\'s test_dataloader.dataset has no '
                         'class_map; give --class-map')
    args.out_dir = osp.join(args.out_dir, 'ensemble')
    _run_from_args(args, dumps.get('val', []), dumps.get('test', []), logger)


RECIPE_EPILOG = ('outputs: <work-dir>/members/<name>/{dumps,configs,logs}/, '
                 '<work-dir>/ensemble/ (answer.txt, thresholds.json, '
                 'report.txt, summary.json, plots); see '
                 'tools/analysis_tools/ensemble.py --help')


def recipe_parser() -> argparse.ArgumentParser:
    parser = _tool_parser(
        'ensemble_recipe', RECIPE_EPILOG,
        'Run an ensemble recipe (e.g. the paper\'s Table 3, '
        'configs/ensemble/table3_tinyvirat.py): test every member '
        'checkpoint on val and on the public test split with tools/test.py '
        '(resumable .npz dumps), then ensemble them into answer.txt.')
    parser.add_argument('recipe', help='the recipe file')
    parser.add_argument('--work-dir', required=True, help='output folder')
    parser.add_argument(
        '--cfg-options', nargs='+', metavar='KEY=VALUE',
        help='override recipe keys, as mmengine configs take them')
    parser.add_argument('--force', action='store_true',
                        help='redo dumps that already exist')
    parser.add_argument('--dry-run', action='store_true',
                        help='check the recipe and print the test.py '
                        'commands only')
    return parser


def recipe_main(argv: Optional[List[str]] = None, runner=None) -> int:
    args = recipe_parser().parse_args(argv)
    logger = tool_logger('ensemble_recipe')
    return report_errors(lambda: run_recipe(
        load_recipe(args.recipe, args.cfg_options), args.work_dir,
        runner=runner, force=args.force, dry_run=args.dry_run,
        logger=logger))
