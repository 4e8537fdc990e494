"""Ensemble recipes: one file names the members of a multi-model ensemble
(trained runs and which of their epochs), one command turns them into val
and test dumps and then ``answer.txt``.

Chen, Qiao, Wang, "Low-Resolution Action Recognition for Tiny Actions
Challenge in ActivityNet", Table 3: "UniFormer x1 + UniFormer(SR) x2 +
ir-CSN x4 + ir-CSN(SR) x3 + ir-CSN(SR+KD) x2", with post-processing, is
``configs/ensemble/table3_tinyvirat.py``. A recipe is an mmengine config
(``.py``, ``.json`` or ``.yaml``) with:

- ``members``: a list of dicts, each ``name`` (a folder name), ``config``,
  ``run_dir`` (the training ``work_dir`` with ``epoch_<N>.pth``),
  ``epochs`` (numbers, ``all``, ``last:K`` or ``middle:K``), ``input``
  (a key of ``test_split.videos``: which test clips the model reads), and
  optionally ``paper`` (its name in the paper) and ``cfg_options``
  (``tools/test.py --cfg-options`` items, e.g. a KD config's teacher);
- ``test_split``: ``ann_file`` (the public test annotation) and ``videos``
  (input kind -> the folder of the test clips, e.g. ``lr`` ->
  ``videos/test``, ``sr`` -> ``videos_sr/test``);
- ``class_map``;
- ``ensemble`` (optional): :class:`~.pipeline.EnsembleOptions` fields
  (``groups``, ``threshold_mode``, ``cv_folds``, ``weights`` ...) plus
  ``counts_ann`` (the annotation whose label counts are the class sizes).

:func:`run_recipe` checks everything it can first (configs, checkpoints of
every member, test split files, output paths), then dumps every checkpoint
on val and on the test split (:func:`~.checkpoints.run_checkpoints`, each
member under ``<work_dir>/members/<name>/``, resumable) and ensembles the
dumps in member order into ``<work_dir>/ensemble/``.
"""
import dataclasses
import logging
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Union

from mmengine.logging import print_log

from tiny_action.utils.fileio import check_writable_file
from .checkpoints import (Runner, TestSplit, available_epochs, load_config,
                          run_checkpoints, select_epochs)
from .pipeline import EnsembleOptions, load_class_names, run_ensemble
from .thresholds import class_counts_from_annotation

#: ``ensemble`` keys a recipe may not set (the recipe and the run do).
_RUN_KEYS = ('classes', 'out_dir', 'val_dumps', 'test_dumps', 'test_ann',
             'class_counts', 'counts_source', 'logger')


@dataclass
class Member:
    """One entry of a recipe's ``members`` (see the module docstring)."""
    name: str
    config: str
    run_dir: str
    epochs: List[Union[int, str]]
    input: str
    paper: str = ''
    cfg_options: List[str] = field(default_factory=list)


@dataclass
class Recipe:
    """A loaded recipe (see the module docstring)."""
    path: str
    members: List[Member]
    test_ann: str
    test_videos: Dict[str, str]
    class_map: str
    ensemble: Dict = field(default_factory=dict)

    def test_split(self, member: Member) -> TestSplit:
        """The test split as ``member`` reads it."""
        return TestSplit(self.test_ann, self.test_videos[member.input])


def load_recipe(path: str,
                cfg_options: Optional[Sequence[str]] = None) -> Recipe:
    """Read and check a recipe file (``cfg_options`` merged in).

    Raises:
        ValueError: Naming the file and the key or member that is wrong.
    """
    cfg = load_config(path, cfg_options).to_dict()
    for key in ('members', 'test_split', 'class_map'):
        if key not in cfg:
            raise ValueError(f'recipe {path} has no `{key}`')
    split = cfg['test_split']
    if not isinstance(split, dict) or set(split) != {'ann_file', 'videos'} \
            or not isinstance(split['videos'], dict) or not split['videos']:
        raise ValueError(
            f'recipe {path}: `test_split` should be dict(ann_file=..., '
            f'videos=dict(<input>=<clip folder>, ...)), got {split!r}')
    members = cfg['members']
    if not isinstance(members, list) or not members:
        raise ValueError(f'recipe {path}: `members` should be a non-empty '
                         'list of dicts')
    ensemble = dict(cfg.get('ensemble') or {})
    allowed = {f.name for f in dataclasses.fields(EnsembleOptions)
               } - set(_RUN_KEYS) | {'counts_ann'}
    bad = sorted(set(ensemble) - allowed)
    if bad:
        raise ValueError(f'recipe {path}: `ensemble` cannot set {bad}')
    return Recipe(
        path=path,
        members=[_member(path, i, m, split['videos'])
                 for i, m in enumerate(members)],
        test_ann=split['ann_file'],
        test_videos=dict(split['videos']),
        class_map=cfg['class_map'],
        ensemble=ensemble)


def _member(path: str, index: int, entry, inputs: Dict) -> Member:
    where = f'recipe {path}: member {index}'
    if not isinstance(entry, dict):
        raise ValueError(f'{where} should be a dict, got {entry!r}')
    names = {f.name for f in dataclasses.fields(Member)}
    missing = sorted({'name', 'config', 'run_dir', 'epochs', 'input'} -
                     set(entry))
    unknown = sorted(set(entry) - names)
    if missing or unknown:
        raise ValueError(f'{where} ({entry.get("name")!r}): missing '
                         f'{missing}, unknown {unknown}')
    if entry['input'] not in inputs:
        raise ValueError(
            f'{where} ({entry["name"]!r}): `input` should be one of '
            f'{sorted(inputs)} (the keys of test_split.videos), got '
            f'{entry["input"]!r}')
    return Member(**dict(entry, epochs=list(entry['epochs']),
                         cfg_options=list(entry.get('cfg_options', []))))


def member_checkpoints(recipe: Recipe) -> Dict[str, List[str]]:
    """Member name -> its checkpoint files, every member checked first.

    Raises:
        ValueError: Naming the member: a missing config or run folder, an
            epoch without checkpoint, or two members with one name.
    """
    out: Dict[str, List[str]] = {}
    for m in recipe.members:
        where = f'recipe {recipe.path}: member {m.name!r}'
        if m.name in out:
            raise ValueError(f'{where}: the name is used twice')
        if not osp.isfile(m.config):
            raise ValueError(f'{where}: config {m.config} does not exist')
        try:
            found = available_epochs(m.run_dir)
            out[m.name] = [found[e] for e in select_epochs(m.epochs,
                                                           list(found))]
        except ValueError as e:
            raise ValueError(f'{where} ({m.run_dir}): {e}') from e
    return out


def run_recipe(recipe: Recipe,
               work_dir: str,
               runner: Optional[Runner] = None,
               force: bool = False,
               dry_run: bool = False,
               logger: Union[str, logging.Logger] = 'current') -> Dict:
    """Dump every member's checkpoints on val and on the test split, then
    ensemble them into ``<work_dir>/ensemble/`` (``answer.txt``).

    Args:
        recipe (Recipe): :func:`load_recipe` output.
        work_dir (str): Output folder: ``members/<name>/`` (dumps, derived
            configs, ``tools/test.py`` logs) and ``ensemble/``.
        runner (Callable[[list[str]], int], optional): Runs one
            ``tools/test.py`` command; see
            :func:`~.checkpoints.run_checkpoints`.
        force (bool): Redo dumps that exist. Defaults to False.
        dry_run (bool): Check and log the commands only. Defaults to False.
        logger (str | logging.Logger): See ``print_log``.

    Returns:
        dict: ``members`` (name -> paper name, checkpoints, dumps) and, unless
        ``dry_run``, ``ensemble`` (its ``summary.json``).
    """
    checkpoints = member_checkpoints(recipe)
    options = ensemble_options(recipe, work_dir, logger)
    for path in options.output_files():
        check_writable_file(path)
    for member in recipe.members:
        recipe.test_split(member).check()
    dumps = {}
    for member in recipe.members:
        print_log(f'[{member.name}] {member.paper or member.name}: '
                  f'{len(checkpoints[member.name])} checkpoints of '
                  f'{member.run_dir}', logger)
        dumps[member.name] = run_checkpoints(
            member.config, checkpoints[member.name],
            osp.join(work_dir, 'members', member.name),
            splits=('val', 'test'), cfg_options=member.cfg_options,
            runner=runner, force=force, dry_run=dry_run, logger=logger,
            test_split=recipe.test_split(member))
    summary = dict(members={
        m.name: dict(paper=m.paper, checkpoints=checkpoints[m.name],
                     dumps=dumps[m.name]) for m in recipe.members})
    if not dry_run:
        summary['ensemble'] = run_ensemble(dataclasses.replace(
            options,
            val_dumps=[d for m in recipe.members
                       for d in dumps[m.name]['val']],
            test_dumps=[d for m in recipe.members
                        for d in dumps[m.name]['test']]))
    return summary


def ensemble_options(recipe: Recipe, work_dir: str,
                     logger: Union[str, logging.Logger] = 'current'
                     ) -> EnsembleOptions:
    """The recipe's :class:`EnsembleOptions` (the dumps are placeholders:
    one per checkpoint; :func:`run_recipe` fills them in)."""
    opts = dict(recipe.ensemble)
    classes = load_class_names(recipe.class_map)
    counts_ann = opts.pop('counts_ann', None)
    counts = (None if counts_ann is None else
              class_counts_from_annotation(counts_ann, classes))
    placeholder = [m.name for m in recipe.members]
    return EnsembleOptions(
        classes, osp.join(work_dir, 'ensemble'), val_dumps=placeholder,
        test_dumps=placeholder, test_ann=recipe.test_ann,
        class_counts=counts, counts_source=counts_ann or 'tuning split',
        logger=logger, **opts)
