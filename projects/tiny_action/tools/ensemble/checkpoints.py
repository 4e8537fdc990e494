"""Checkpoint ensembles: test several epochs of one run with the stock
``tools/test.py`` and collect their dumps.

Chen, Qiao, Wang, "Low-Resolution Action Recognition for Tiny Actions Challenge
in ActivityNet", section 4: "models trained at the middle epochs are also
useful to improve recognition", e.g. four ir-CSN checkpoints of different
epochs in the 12-model ensemble of Table 3. :func:`run_checkpoints` writes,
per split, a derived config whose test loader is that split and whose test
evaluator also writes a :class:`~tiny_action.evaluation.NumpyDumpResults`
``.npz`` (plain arrays: the ensemble reads it fast and without unpickling),
then runs, per checkpoint, ``python tools/test.py SPLIT_CONFIG CKPT
--work-dir W --cfg-options test_evaluator.K.out_file_path=X.npz`` as a
subprocess (the project's thin launcher of mmaction2's own script). Dumps
that already exist are skipped (so an interrupted run resumes); each dump is
moved into place only after ``test.py`` succeeded (never a partial dump
under the final name).

The ``'test'`` split is the public test split when a :class:`TestSplit` is
given (the annotation and the folder of its clips replace the config's test
loader's); without one it is the config's own test loader, refused when
that reads the same annotation as the val loader (the configs' default:
``tools/test.py`` scores val), since its dumps would be the val clips.
"""
import argparse
import logging
import os
import os.path as osp
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.logging import print_log

from tiny_action.utils.fileio import atomic_path

#: the project's launcher in a source checkout (repo root / tools / test.py).
REPO_TEST_SCRIPT = osp.join(
    osp.abspath(osp.join(osp.dirname(__file__), *[osp.pardir] * 4)),
    'tools', 'test.py')
SPLITS = ('val', 'test')
_EPOCH_FILE = re.compile(r'^epoch_(\d+)\.pth$')

Runner = Callable[[List[str]], int]


def available_epochs(run_dir: str) -> Dict[int, str]:
    """``{epoch: path}`` of the ``epoch_<N>.pth`` files in ``run_dir``."""
    if not osp.isdir(run_dir):
        raise ValueError(f'run directory {run_dir} does not exist')
    out = {}
    for name in os.listdir(run_dir):
        m = _EPOCH_FILE.match(name)
        if m:
            out[int(m.group(1))] = osp.join(run_dir, name)
    return dict(sorted(out.items()))


def select_epochs(epochs: Sequence[Union[int, str]],
                  available: Sequence[int]) -> List[int]:
    """Epochs among the ``available`` ones.

    Args:
        epochs (Sequence[int | str]): Epoch numbers, and / or ``'all'``,
            ``'last:K'`` (the K latest available epochs) and ``'middle:K'``
            (K epochs spread evenly over the second half of the available
            ones, the last always included and, for K >= 2, the middle one
            too: the paper's "middle epochs").
        available (Sequence[int]): Epochs that have a checkpoint.

    Returns:
        list[int]: Sorted, unique epochs.

    Raises:
        ValueError: An unknown item, or epochs without a checkpoint.
    """
    avail = sorted(int(e) for e in available)
    if not avail:
        raise ValueError('no epoch_<N>.pth checkpoint is available')
    if not epochs:
        raise ValueError('no epochs given')
    chosen, numbers = set(), set()
    for item in epochs:
        if isinstance(item, int) or str(item).isdigit():
            numbers.add(int(item))
        else:
            chosen.update(_epochs_by_keyword(str(item), avail))
    missing = sorted(numbers - set(avail))
    if missing:
        which = (f'epoch {missing[0]}' if len(missing) == 1 else
                 f'epochs {missing}')
        raise ValueError(f'no checkpoint for {which}; available: {avail}')
    return sorted(chosen | numbers)


def _epochs_by_keyword(item: str, avail: List[int]) -> List[int]:
    """``all``, ``last:K`` or ``middle:K`` among ``avail`` (sorted)."""
    if item == 'all':
        return avail
    match = re.fullmatch(r'(last|middle):(\d+)', item)
    if not match:
        raise ValueError(f'cannot read epochs {item!r}: use epoch numbers, '
                         'all, last:K or middle:K')
    k = int(match.group(2))
    pool = avail if match.group(1) == 'last' else avail[len(avail) // 2:]
    if not 1 <= k <= len(pool):
        raise ValueError(f'epochs {item!r}: asks for {k} of {len(pool)} '
                         f'candidate checkpoints {pool}')
    if match.group(1) == 'last':
        return pool[-k:]
    # from the last backwards, so the last is always taken
    idx = np.linspace(len(pool) - 1, 0, k).round().astype(int)
    return [pool[i] for i in idx]


def dump_path(out_dir: str, checkpoint: str, split: str) -> str:
    """``<out_dir>/dumps/<run dir name>_<checkpoint stem>_<split>.npz``."""
    run = osp.basename(osp.dirname(osp.abspath(checkpoint)))
    stem = osp.splitext(osp.basename(checkpoint))[0]
    return osp.join(out_dir, 'dumps', f'{run}_{stem}_{split}.npz')


@dataclass
class TestSplit:
    """The split ``answer.txt`` is written for (e.g. TinyVIRAT-v2's
    unlabeled public test split).

    Attributes:
        ann_file (str): Its annotation file (``tiny_test_v2.json``).
        video_root (str): The folder of its clips, as the model reads them
            (``videos/test``, or ``videos_sr/test`` for an SR model).
    """
    ann_file: str
    video_root: str

    def cfg_options(self) -> List[str]:
        """``tools/test.py --cfg-options`` items that make any config's test
        loader read this split."""
        return [f'test_dataloader.dataset.ann_file={self.ann_file}',
                f'test_dataloader.dataset.data_prefix.video={self.video_root}']

    def check(self) -> None:
        """Raise ``ValueError`` if the annotation or the folder is absent."""
        if not osp.isfile(self.ann_file):
            raise ValueError(f'test annotation {self.ann_file} does not exist')
        if not osp.isdir(self.video_root):
            raise ValueError(f'test clip folder {self.video_root} does not '
                             'exist')


def parse_cfg_options(options: Optional[Sequence[str]]) -> Dict:
    """``['a.b=1', 'c=[1,2]']`` -> dict, as ``tools/test.py --cfg-options``
    (mmengine ``DictAction``) reads them."""
    if not options:
        return {}
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(['--cfg-options', *options]).cfg_options


def load_config(config: str, cfg_options: Optional[Sequence[str]] = None):
    """The mmengine ``Config`` with ``cfg_options`` merged."""
    from mmengine.config import Config
    if not osp.isfile(config):
        raise ValueError(f'config {config} does not exist')
    cfg = Config.fromfile(config)
    options = parse_cfg_options(cfg_options)
    if options:
        cfg.merge_from_dict(options)
    return cfg


def make_split_config(config: str, split: str, out_dir: str,
                      cfg_options: Optional[Sequence[str]] = None,
                      test_split: Optional[TestSplit] = None
                      ) -> Tuple[str, int]:
    """A config whose test loader is the ``split`` loader and whose test
    evaluator also writes a ``NumpyDumpResults`` ``.npz``.

    ``tools/test.py`` always tests ``test_dataloader``. This writes
    ``<out_dir>/configs/<config stem>_<split>.py``: ``config`` with
    ``cfg_options`` merged in; for ``'val'`` its ``test_dataloader`` /
    ``test_evaluator`` replaced by ``val_dataloader`` / ``val_evaluator``;
    for ``'test'`` reading ``test_split`` when given (see the module
    docstring).

    Returns:
        tuple[str, int]: The derived config and the index ``K`` of the
        ``NumpyDumpResults`` in its ``test_evaluator`` list (its file is set
        per run with ``--cfg-options test_evaluator.K.out_file_path=...``).

    Raises:
        ValueError: An unknown split, a config without val loader for
            ``'val'``, or a ``'test'`` split that would be the val clips.
    """
    if split not in SPLITS:
        raise ValueError(f'split should be one of {SPLITS}, but got '
                         f'{split!r}')
    cfg = load_config(config, cfg_options)
    if split == 'val':
        for key in ('val_dataloader', 'val_evaluator'):
            if cfg.get(key) is None:
                raise ValueError(f'config {config} has no {key}, so it '
                                 'cannot be tested on the val split')
        cfg.test_dataloader = cfg.val_dataloader
        cfg.test_evaluator = cfg.val_evaluator
    elif test_split is not None:
        cfg.merge_from_dict(parse_cfg_options(test_split.cfg_options()))
    else:
        _refuse_val_as_test(cfg, config)
    stem = osp.splitext(osp.basename(config))[0]
    evaluators = cfg.get('test_evaluator') or []
    evaluators = list(evaluators) if isinstance(evaluators, (list, tuple)) \
        else [evaluators]
    evaluators.append(dict(type='NumpyDumpResults', out_file_path=osp.join(
        out_dir, 'dumps', f'{stem}_{split}.npz')))
    cfg.test_evaluator = evaluators
    path = osp.join(out_dir, 'configs', f'{stem}_{split}.py')
    with atomic_path(path, suffix='.py') as tmp:
        cfg.dump(tmp)
    return path, len(evaluators) - 1


def _refuse_val_as_test(cfg, config: str) -> None:
    """Raise if the config's test loader reads its val annotation."""
    def ann(loader: str) -> Optional[str]:
        return ((cfg.get(loader) or {}).get('dataset') or {}).get('ann_file')
    if ann('test_dataloader') and ann('test_dataloader') == \
            ann('val_dataloader'):
        raise ValueError(
            f'config {config}: its test_dataloader reads '
            f'{ann("test_dataloader")}, the val annotation, so "test" dumps '
            'would be the val clips; give the public test split (its '
            'annotation and clip folder, e.g. test_checkpoints.py --test-ann '
            'tiny_test_v2.json --test-videos videos/test; README "Test '
            'split")')


def build_test_command(config: str,
                       checkpoint: str,
                       dump: str,
                       work_dir: str,
                       dump_index: int,
                       test_script: Optional[str] = None,
                       python: str = sys.executable) -> List[str]:
    """``python tools/test.py CONFIG CKPT --work-dir W --cfg-options
    test_evaluator.K.out_file_path=DUMP`` (``CONFIG`` from
    :func:`make_split_config`, ``K`` its ``dump_index``)."""
    return [python, test_script or default_test_script(), config,
            checkpoint, '--work-dir', work_dir, '--cfg-options',
            f'test_evaluator.{dump_index}.out_file_path={dump}']


def default_test_script() -> str:
    """The repo's ``tools/test.py`` launcher, or mmaction2's own script when
    the package is installed without the repo (configs register
    ``tiny_action`` through ``custom_imports`` either way)."""
    if osp.isfile(REPO_TEST_SCRIPT):
        return REPO_TEST_SCRIPT
    from tiny_action.utils import stock_tool_path
    return stock_tool_path('test.py')


def _subprocess_runner(cmd: List[str]) -> int:
    return subprocess.run(cmd).returncode


def run_checkpoints(config: str,
                    checkpoints: Sequence[str],
                    out_dir: str,
                    splits: Sequence[str] = ('test', ),
                    cfg_options: Optional[Sequence[str]] = None,
                    runner: Optional[Runner] = None,
                    force: bool = False,
                    dry_run: bool = False,
                    test_script: Optional[str] = None,
                    logger: Union[str, logging.Logger] = 'current',
                    test_split: Optional[TestSplit] = None
                    ) -> Dict[str, List[str]]:
    """Dump every checkpoint on every split with ``tools/test.py``.

    Args:
        config (str): The run's config.
        checkpoints (Sequence[str]): Checkpoint files (e.g. several epochs).
        out_dir (str): Dumps go to ``<out_dir>/dumps/``, derived configs to
            ``<out_dir>/configs/``, ``test.py`` logs to
            ``<out_dir>/logs/<split>/``.
        splits (Sequence[str]): ``'test'`` and / or ``'val'``, see
            :func:`make_split_config`. Defaults to ``('test',)``.
        cfg_options (Sequence[str], optional): ``key=value`` items, as
            ``tools/test.py --cfg-options`` reads them, merged into the
            derived configs. Defaults to None.
        runner (Callable[[list[str]], int], optional): Runs one command and
            returns its exit code. Defaults to ``subprocess.run``.
        force (bool): Redo dumps that exist. Defaults to False.
        dry_run (bool): Only log the commands. Defaults to False.
        test_script (str, optional): The test launcher. Defaults to
            :func:`default_test_script`.
        logger (str | logging.Logger): Where progress messages go, as
            mmengine's ``print_log`` takes it. Defaults to ``'current'``.
        test_split (TestSplit, optional): The split the ``'test'`` dumps
            are of. Defaults to None (the config's test loader, unless it
            is the val loader).

    Returns:
        dict[str, list[str]]: Split -> ``.npz`` dump paths, in checkpoint
        order.

    Raises:
        ValueError: Missing config, checkpoint or test split files, unknown
            split, two checkpoints that would share a dump name, a "test"
            split that is the val split.
        RuntimeError: ``test.py`` failed or wrote no dump (naming the
            checkpoint and the command).
    """
    runner = runner or _subprocess_runner
    dumps = _dump_paths(config, checkpoints, out_dir, splits)
    if test_split is not None and 'test' in splits:
        test_split.check()
    split_cfgs = {s: make_split_config(config, s, out_dir, cfg_options,
                                       test_split) for s in splits}
    os.makedirs(osp.join(out_dir, 'dumps'), exist_ok=True)
    for split in splits:
        split_cfg, dump_index = split_cfgs[split]
        work_dir = osp.join(out_dir, 'logs', split)
        for ckpt, dump in zip(checkpoints, dumps[split]):
            if osp.isfile(dump) and not force:
                print_log(f'[{split}] {ckpt}: {dump} exists, skipped', logger)
                continue
            tmp = osp.join(osp.dirname(dump),
                           '.' + osp.basename(dump)[:-len('.npz')] +
                           '.partial.npz')
            cmd = build_test_command(split_cfg, ckpt, tmp, work_dir,
                                     dump_index, test_script=test_script)
            print_log(f'[{split}] {ckpt}: ' + ' '.join(cmd), logger)
            if dry_run:
                continue
            _run_test(runner, cmd, tmp, dump, f'{ckpt} ({split} split)')
            print_log(f'[{split}] {ckpt}: -> {dump}', logger)
    return dumps


def _dump_paths(config: str, checkpoints: Sequence[str], out_dir: str,
                splits: Sequence[str]) -> Dict[str, List[str]]:
    """Split -> dump paths, after checking the inputs exist and the dump
    names are distinct."""
    if not checkpoints:
        raise ValueError('no checkpoints given')
    bad = [s for s in splits if s not in SPLITS]
    if bad or not splits:
        raise ValueError(f'splits should be among {SPLITS}, but got '
                         f'{list(splits)}')
    if not osp.isfile(config):
        raise ValueError(f'config {config} does not exist')
    missing = [c for c in checkpoints if not osp.isfile(c)]
    if missing:
        raise ValueError(f'checkpoint(s) {missing} do not exist')
    dumps = {s: [dump_path(out_dir, c, s) for c in checkpoints]
             for s in splits}
    for paths in dumps.values():
        if len(set(paths)) != len(paths):
            raise ValueError(
                f'checkpoints {list(checkpoints)} would share dump names '
                f'{paths}: give checkpoints with distinct run folder + file '
                'names')
    return dumps


def _run_test(runner: Runner, cmd: List[str], tmp: str, dump: str,
              what: str) -> None:
    """Run one ``test.py`` command writing ``tmp``; move it to ``dump``
    only when it succeeded (never a partial dump under the final name)."""
    if osp.exists(tmp):
        os.remove(tmp)
    try:
        code = runner(cmd)
        if code != 0:
            raise RuntimeError(f'tools/test.py failed (exit code {code}) on '
                               f'{what}: {" ".join(cmd)}')
        if not osp.isfile(tmp):
            raise RuntimeError(f'tools/test.py exited 0 on {what} but wrote '
                               f'no dump {tmp}: {" ".join(cmd)}')
        os.replace(tmp, dump)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
