"""The paper's post-hoc mechanisms (section 4), the checkpoint ensemble and
tuned per-class thresholds, measured by cross-validation inside train: on
the shipped recipe's fold runs of ``proxy_selection.py --confirm`` (3
seeds x 3 folds of whole source videos), never on val.

    python benchmarks/proxy_posthoc_cv.py [--data ../shared/data/tiny_surveillance] \
        [--work-dir work_dirs/proxy_select] [--out benchmarks/results] \
        [--seeds 0 1 2] [--report]

For every seed and fold, the recipe's checkpoints at
``proxy_surveillance.ENSEMBLE_AT`` of its schedule are tested with the
stock ``tools/test.py --dump`` on the held-out fold (a fold run missing
from the work dir is trained first, under the confirmation's name, so both
share it). Per run, as the table does on val
(``proxy_surveillance.posthoc_f1``): the last checkpoint and the checkpoint
ensemble (mean of the probabilities), each at threshold 0.5 and with
per-class thresholds tuned out-of-fold (5 folds of the held-out clips),
and the last checkpoint fused late with the reference baseline (the mean
of its probabilities and those of the forest fitted on the fold's other
clips, :func:`fused_f1`). A seed's value is the mean over its 3 folds;
a mechanism's verdict is a paired t-test over the seeds
(``proxy_confirm.paired_runs``), the same runs with and without it.

Each fold run's held-out scores go into the ledger
``<--out>/proxy_posthoc_cv_runs.json`` (commit it: a new clone resumes
from it), under the candidate, the held-out clip ids, the fold config's
hash and the ensemble's epochs; its last checkpoint must score what the
confirmation's ledger recorded for the run (a run trained again elsewhere
is another training, and is refused). Writes ``<--out>/proxy_posthoc_cv.md``; ``--report`` tests nothing
and reports the seeds the ledger holds.

The report ends with val-sized draws (:func:`val_sized_gaps`): how far
the recipe falls behind or ahead of the reference baseline on random sets of
as many source videos as the val split has (a bootstrap of the train
videos), scored by these held-out scores; set beside the val table's gap
(``proxy_surveillance.json``, when present) it says how unusual that gap
would be if the two models behaved on val as they do held out in train;
then with draws that hold as many noisy source videos as val does
(:func:`noisy_videos`, read from the frames of both splits, no val label),
whether val's noisier cameras make that gap usual.
"""
import argparse
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from proxy_candidates import SHIPPED, candidate_name
from proxy_confirm import (CONFIRM_LEDGER, MIN_SEEDS, change_text,
                           fold_identity, paired_runs, verdict_text)
from proxy_folds import (NOISE_FLOOR, fold_f1, noisy_clips,
                         reference_fold_scores, seed_run, train_folds,
                         trained_history, write_fold_configs)
from proxy_runs import (REPO, ProxyRuns, RunLedger, add_run_arguments, machine,
                        start_runs)
from proxy_surveillance import (ENSEMBLE_AT, check_single_against_val,
                                checkpoint_test, posthoc_f1, recipe_scores,
                                scores_of, stats, video_groups)
from tiny_action.datasets.annotations import read_annotation_entries
from tiny_action.evaluation import macro_prf
from tiny_action.tools.ensemble import DumpScores
from tiny_action.utils.fileio import atomic_write_bytes, write_json_atomic

LEDGER = 'proxy_posthoc_cv_runs.json'
#: rows: key of :func:`proxy_surveillance.posthoc_f1` -> label.
ROWS = (('single', 'recipe, last checkpoint, threshold 0.5'),
        ('ens', 'recipe, checkpoint ensemble, threshold 0.5'),
        ('single_thr', 'recipe, last checkpoint, tuned thresholds'),
        ('ens_thr', 'recipe, checkpoint ensemble, tuned thresholds'),
        ('fused', 'recipe, last checkpoint, averaged with the reference '
         'forest\'s probabilities, threshold 0.5'))
#: mechanisms: (label, key with it, key without it).
MECHANISMS = (
    ('checkpoint ensemble instead of the last checkpoint (sec. 4)',
     'ens', 'single'),
    ('tuned thresholds instead of 0.5, single model (sec. 4)',
     'single_thr', 'single'),
    ('tuned thresholds instead of 0.5, ensemble (sec. 4)',
     'ens_thr', 'ens'),
    ('late fusion with the reference baseline: the mean of the last '
     'checkpoint\'s and the forest\'s probabilities (the forest fitted on '
     'the fold\'s other clips)', 'fused', 'single'))
#: random val-sized sets of source videos of :func:`val_sized_gaps`.
DRAWS = 4000
#: the val table's result, in --out (``recipe_vs_reference.by_video``).
VAL_RESULT = 'proxy_surveillance.json'


def check_clips(scores: Dict, held_ids: List[str], y_held: np.ndarray,
                where: str) -> None:
    """Dumps (``scores`` as :func:`recipe_scores`) must score the held-out
    clips ``held_ids`` in order, with their labels ``y_held``.

    Raises:
        RuntimeError: Naming ``where`` (a run folder or ledger entry).
    """
    if scores.get('ids') != held_ids:
        raise RuntimeError(f"{where}: scores the clips {scores.get('ids')}, "
                           f'not the held-out clips {held_ids} in order')
    if not np.array_equal(np.asarray(scores['labels']), y_held):
        raise RuntimeError(f'{where}: the labels of the dumps are not those '
                           'of the held-out clips')


def fold_scores(runs: ProxyRuns, config: str, run: str,
                options: Sequence[str], held_ids: List[str],
                y_held: np.ndarray) -> Dict:
    """Train fold run ``run`` (unless finished) and dump its ensemble
    checkpoints on the held-out clips (:func:`recipe_scores` with the fold
    ``config``).

    Returns:
        dict: ``scores`` (as :func:`recipe_scores`), ``machine``,
        ``test_cpu`` (CPU seconds of the dumps' tests, from the work dir's
        timings) and ``tests_untimed`` (tests without a timing there).

    Raises:
        RuntimeError: The dumps are not of the held-out clips
            (:func:`check_clips`), or the last one does not score what the
            training logged on them.
    """
    run_dir, history = trained_history(runs, run, config, options)
    scores = recipe_scores(runs, run_dir, config)
    check_clips(scores, held_ids, y_held, run_dir)
    check_single_against_val(scores, history[-1], run)
    tests = ['test_' + checkpoint_test(runs, run_dir, int(e))
             for e in scores['epochs']]
    timed = [runs.timings[t]['cpu'] for t in tests if t in runs.timings]
    return dict(scores=scores, machine=machine(runs.threads), test_cpu=float(sum(timed)),
                tests_untimed=len(tests) - len(timed))


def check_against_confirm(confirm: RunLedger, run: str, record: Dict,
                          y_held: np.ndarray) -> None:
    """The last checkpoint's scores in ``record`` must be those of the
    training that the confirmation's ledger ``confirm`` measured as
    ``run`` (same held-out F1, same clips right): a run trained again in
    another clone or machine is another training.

    Raises:
        RuntimeError: Naming both ledger entries.
    """
    if run not in confirm:
        return
    kept = confirm[run]
    scores = record['scores']
    last = np.asarray(scores['epochs'][max(scores['epochs'], key=int)])
    correct = (last.argmax(1) == y_held.argmax(1)).tolist()
    f1 = macro_prf(last, y_held)['f1']
    if not np.isclose(f1, kept['f1'], atol=1e-6) or \
            correct != kept['correct']:
        raise RuntimeError(
            f'{run}: the post-hoc scores (F1 {f1:.4f}) are not of the '
            f"training in {confirm.path} (F1 {kept['f1']:.4f}): the run was "
            'trained again; measure in the work dir of the confirmation or '
            'move both ledgers away')


def measure(runs: ProxyRuns, ledger: RunLedger, c: dict, folds, parts,
            entries: List[dict], y: np.ndarray, cfg_dir: str,
            seeds: Sequence[int], test: bool = True,
            confirm: Optional[RunLedger] = None,
            reference: Optional[List[np.ndarray]] = None
            ) -> Dict[int, List[Dict]]:
    """Every fold run of candidate ``c`` with each of ``seeds`` (seed by
    seed) from the ledger, measuring what it lacks when ``test``; each
    record is checked against the confirmation's ledger ``confirm``
    (:func:`check_against_confirm`). ``reference``: the reference
    baseline's held-out scores per fold
    (``proxy_folds.reference_fold_scores``), for :func:`fused_f1`.

    Returns:
        dict: ``{seed: [posthoc_f1, test_cpu and tests_untimed of each
        fold, and fused (fused_f1) with a reference]}`` for the seeds whose
        every fold is in the ledger.
    """
    configs = write_fold_configs(c, folds, cfg_dir)
    name = candidate_name(c)
    out = {}
    for seed in seeds:
        per_fold = []
        for k, (config, held) in enumerate(zip(configs, parts)):
            run, options, _ = seed_run(name, k, seed)
            held_ids = [entries[i]['id'] for i in held]
            identity = dict(fold_identity(c, held_ids, config, folds[k]),
                            ensemble_at=list(ENSEMBLE_AT))
            rec = ledger.reuse(run, identity)
            if rec is None and not test:
                break
            if rec is None:  # fold_scores checks the clips of its dumps
                print(f'[posthoc] {run}', flush=True)
                rec = fold_scores(runs, config, run, options, held_ids,
                                  y[held])
            else:
                check_clips(rec['scores'], held_ids, y[held],
                            f'{ledger.path}: entry {run!r}')
            if confirm is not None:
                check_against_confirm(confirm, run, rec, y[held])
            if run not in ledger:  # kept only once checked
                ledger.add(run, identity, rec)
            per_run = scores_of(rec, run)
            per_fold.append(dict(posthoc_f1(per_run),
                                 test_cpu=rec['test_cpu'],
                                 tests_untimed=rec['tests_untimed']))
            if reference is not None:
                per_fold[-1]['fused'] = fused_f1(per_run, reference[k])
        if len(per_fold) == len(parts):
            out[seed] = per_fold
    return out


def fused_f1(per_run: Dict[int, DumpScores],
             reference: np.ndarray) -> float:
    """Macro-F1 at threshold 0.5 of the mean of a run's last checkpoint's
    probabilities (``{epoch: DumpScores}`` as :func:`scores_of`) and the
    reference baseline's ``(N, C)`` scores of the same clips.

    Raises:
        ValueError: ``reference`` is not one row per clip of the run.
    """
    last = per_run[max(per_run)]
    if reference.shape != last.scores.shape:
        raise ValueError(f'the reference scores have shape {reference.shape}'
                         f', the run\'s {last.scores.shape}')
    return macro_prf((last.scores + reference) / 2, last.labels)['f1']


def summarize(per_seed: Dict[int, List[Dict]]) -> Dict:
    """Rows (per-seed means over the folds, :func:`stats`) and mechanisms
    (``proxy_confirm.paired_runs`` of the folds' values, seed by seed:
    the same runs with and without; with the ``label`` and the row keys
    ``with_`` / ``without``), and the tests' CPU seconds; a row the folds
    lack (``fused`` without a reference) is left out, with its
    mechanisms."""
    seeds = sorted(per_seed)
    have = set(per_seed[seeds[0]][0])
    rows = {key: stats([np.mean([f[key] for f in per_seed[s]])
                        for s in seeds]) for key, _ in ROWS if key in have}
    mech = [dict(paired_runs([[f[with_] for f in per_seed[s]] for s in seeds],
                             [[f[without] for f in per_seed[s]]
                              for s in seeds]),
                 label=label, with_=with_, without=without)
            for label, with_, without in MECHANISMS
            if with_ in have and without in have]
    folds = [f for s in seeds for f in per_seed[s]]
    return dict(seeds=seeds, rows=rows, mechanisms=mech,
                test_cpu=float(sum(f['test_cpu'] for f in folds)),
                tests_untimed=int(sum(f['tests_untimed'] for f in folds)))


def out_of_fold(fold_scores: Sequence[np.ndarray], parts: List[List[int]],
                num_clips: int, what: str) -> np.ndarray:
    """One ``(num_clips, C)`` array of per-fold held-out scores
    (``fold_scores[k]`` for the clips ``parts[k]``; ``what`` names them in
    errors).

    Raises:
        ValueError: A fold's scores are not one row per held-out clip, or
            the folds leave a clip unscored.
    """
    full = None
    for k, (scores, held) in enumerate(zip(fold_scores, parts)):
        if len(scores) != len(held):
            raise ValueError(f'{what}, fold {k}: {len(scores)} rows of '
                             'scores, expected one per held-out clip '
                             f'({len(held)})')
        if full is None:
            full = np.full((num_clips, scores.shape[1]), np.nan)
        full[held] = scores
    missing = np.flatnonzero(np.isnan(full).any(axis=1))
    if len(missing):
        raise ValueError(f'{what}: the folds hold out no run for clips '
                         f'{missing.tolist()}')
    return full


def held_out_scores(ledger: RunLedger, name: str, parts: List[List[int]],
                    seeds: Sequence[int], num_clips: int) -> List[np.ndarray]:
    """Per seed, the last checkpoint's held-out scores of candidate
    ``name``'s fold runs in ``ledger``, put together by
    :func:`out_of_fold` (each clip scored by the run that did not train on
    it)."""
    out = []
    for seed in seeds:
        last = []
        for k in range(len(parts)):
            run = seed_run(name, k, seed)[0]
            per_run = scores_of(ledger[run], run)
            last.append(per_run[max(per_run)].scores)
        where = getattr(ledger, 'path', 'ledger')
        out.append(out_of_fold(last, parts, num_clips,
                               f'{where}: {name} seed {seed}'))
    return out


def val_sized_gaps(recipe: List[np.ndarray], reference: np.ndarray,
                   labels: np.ndarray, groups: List[np.ndarray],
                   videos: int, draws: int = DRAWS, seed: int = 0,
                   observed: Optional[float] = None,
                   replace: bool = True,
                   strata: Optional[Tuple[np.ndarray, int]] = None) -> Dict:
    """What a val split of ``videos`` source videos would show of ``recipe
    - reference`` (the mean-over-seeds macro-F1 minus the reference's) if
    the held-out scores of the train clips were how both models behave:
    the difference on ``draws`` random sets of ``videos`` of the videos in
    ``groups`` (clip indices of each; all clips of a drawn video kept).
    The videos are drawn with replacement (a bootstrap: the train videos
    stand for the population a new split comes from); ``replace=False``
    draws distinct videos, which measures only how subsets of these vary
    (a narrower spread).

    Args:
        recipe (list[np.ndarray]): ``(N, C)`` held-out scores per seed.
        reference (np.ndarray): ``(N, C)`` held-out reference scores.
        labels (np.ndarray): ``(N, C)`` multi-hot labels.
        observed (float, optional): A gap seen on val; given, ``p_as_low``
            is the share of draws at or below it.
        strata (tuple, optional): ``(flags, n)``: one bool per group; each
            draw then takes ``n`` of the flagged videos and ``videos - n``
            of the others (with replacement), a set whose mix matches a
            split that has ``n`` flagged videos (:func:`noisy_videos`).

    Returns:
        dict: ``mean``, ``low`` / ``high`` (2.5 / 97.5 percentiles),
        ``p_behind`` (share of draws with the recipe behind), ``videos``,
        ``draws``, ``replace``, ``observed`` / ``p_as_low`` when
        ``observed``, and with ``strata`` ``flagged`` (``n``),
        ``flagged_groups`` (how many groups are flagged) and ``groups``.

    Raises:
        ValueError: ``videos`` is below 1, or above the number of groups
            without replacement; ``strata`` without replacement, with one
            flag per group missing, or asking for videos from an empty
            stratum.
    """
    most = '' if replace else f' to {len(groups)}'
    if videos < 1 or (not replace and videos > len(groups)):
        raise ValueError(f'videos={videos}: draws need 1{most} source '
                         'videos')
    pools = _strata_pools(strata, len(groups), videos, replace)
    rng = np.random.default_rng(seed)
    gaps = np.empty(draws)
    for i in range(draws):
        pick = np.concatenate([rng.choice(pool, n, replace=replace)
                               for pool, n in pools])
        idx = np.concatenate([groups[g] for g in pick])
        model = np.mean([macro_prf(r[idx], labels[idx])['f1']
                         for r in recipe])
        gaps[i] = model - macro_prf(reference[idx], labels[idx])['f1']
    low, high = np.percentile(gaps, [2.5, 97.5])
    out = dict(mean=float(gaps.mean()), low=float(low), high=float(high),
               p_behind=float(np.mean(gaps < 0)), videos=videos, draws=draws,
               replace=bool(replace))
    if observed is not None:
        out.update(observed=float(observed),
                   p_as_low=float(np.mean(gaps <= observed)))
    if strata is not None:
        out.update(flagged=int(strata[1]),
                   flagged_groups=int(np.sum(strata[0])), groups=len(groups))
    return out


def _strata_pools(strata: Optional[Tuple[np.ndarray, int]], groups: int,
                  videos: int, replace: bool) -> List[Tuple[np.ndarray, int]]:
    """``(group indices, videos to draw)`` of each stratum of
    :func:`val_sized_gaps`: every group once without ``strata``, else the
    flagged groups (``n`` draws) and the others (``videos - n``).

    Raises:
        ValueError: As :func:`val_sized_gaps` says of ``strata``.
    """
    if strata is None:
        return [(np.arange(groups), videos)]
    flags, n = np.asarray(strata[0], bool), int(strata[1])
    if not replace:
        raise ValueError('strata: draws with replacement only')
    if len(flags) != groups:
        raise ValueError(f'strata: {len(flags)} flags for {groups} groups')
    if not 0 <= n <= videos:
        raise ValueError(f'strata: {n} flagged videos of a draw of {videos}')
    pools = [(np.flatnonzero(flags), n), (np.flatnonzero(~flags), videos - n)]
    for (pool, k), what in zip(pools, ('flagged', 'other')):
        if k and not len(pool):
            raise ValueError(f'strata: {k} {what} videos a draw, but no '
                             f'{what} group')
    return [(pool, k) for pool, k in pools if k]


def noisy_videos(split_dir: str, res: str = 'lr') -> np.ndarray:
    """Per source video of ``<split_dir>/annotations.json`` (in
    :func:`proxy_surveillance.video_groups` order): are most of its clips
    noisy (:func:`proxy_folds.noisy_clips`)? Reads the ``res`` frames
    only, never a label."""
    ann = osp.join(split_dir, 'annotations.json')
    noisy = noisy_clips(split_dir, res)
    return np.array([np.mean(noisy[g]) > 0.5
                     for g in video_groups(read_annotation_entries(ann), ann)])


def val_sized_markdown(g: Dict) -> str:
    """:func:`val_sized_gaps` as a sentence of the report."""
    how = ('drawn with replacement' if g.get('replace', True) else
           'distinct videos')
    text = (f"Val-sized draws: on {g['draws']} random sets of "
            f"{g['videos']} of the train clips' source videos ({how}; as "
            'many as the val split has), scored by the held-out scores '
            'above (last checkpoint, threshold 0.5), the recipe minus the '
            f"reference is {g['mean']:+.3f} on average, {g['low']:+.3f} to "
            f"{g['high']:+.3f} in 95% of the draws; the recipe is behind in "
            f"{100 * g['p_behind']:.1f}% of them")
    if 'observed' in g:
        text += (f", and at or below val's {g['observed']:+.3f} "
                 f"(`{VAL_RESULT}`) in {100 * g['p_as_low']:.1f}%")
    text += '.'
    m = g.get('noise_matched')
    if m is None:
        return text
    val, train = m['flagged'] / m['videos'], m['flagged_groups'] / m['groups']
    than = ('noisier than' if val > train else
            'less noisy than' if val < train else 'as noisy as')
    text += (f" Val's cameras are {than} train's: read from the frames "
             f"alone (no label, no score), {m['flagged']} of its "
             f"{m['videos']} source "
             'videos are noisy (most of their clips have a median '
             f'frame-to-frame change above {NOISE_FLOOR:g} grey levels, '
             f"`noise_floor`) against {m['flagged_groups']} of the "
             f"{m['groups']} train videos. Draws of {m['flagged']} noisy and "
             f"{m['videos'] - m['flagged']} other train videos put the "
             f"recipe {m['mean']:+.3f} ahead on average ({m['low']:+.3f} to "
             f"{m['high']:+.3f}), behind in {100 * m['p_behind']:.1f}%")
    if 'observed' in m:
        text += (f" and at or below val's gap in "
                 f"{100 * m['p_as_low']:.1f}%")
    return text + '.'


def _fmt(s: Dict) -> str:
    return f"{s['mean']:.3f} ± {s['std']:.3f}"


def markdown(result: Dict, seeds_asked: Sequence[int], reference: float,
             clips: int, folds: int, gaps: Optional[Dict] = None) -> str:
    """:func:`summarize` as markdown (``reference``: the reference
    baseline's mean held-out F1 on the same folds; ``clips``: the train
    clips split into ``folds`` folds; ``gaps``: :func:`val_sized_gaps`,
    a closing sentence when given)."""
    seeds = result['seeds']
    lines = [
        f'The paper\'s post-hoc mechanisms (section 4) by {folds}-fold '
        f'cross-validation inside the {clips} train clips (folds by source '
        'video; the shipped recipe\'s runs of `proxy_selection.py '
        f"--confirm`, seeds {' / '.join(map(str, seeds))}; "
        '`python benchmarks/proxy_posthoc_cv.py`). Held-out macro-F1; the '
        'ensemble averages the probabilities of the checkpoints at '
        f"{', '.join(f'{f:g}' for f in ENSEMBLE_AT)} of the schedule; tuned "
        'thresholds are fitted per class on 4/5 of a fold\'s held-out clips '
        'and applied to the other fifth (out-of-fold; these fifths are '
        'stratified by class, not grouped by video, which if anything '
        f'favours the tuned thresholds). Per seed the mean over the {folds} '
        'folds. The val split was not used; these folds are those the '
        'recipe was selected on, which raises its level more than the '
        'paired changes below. The late fusion averages the last '
        'checkpoint\'s probabilities with those of the reference forest '
        'fitted on the same fold\'s other clips.', '']
    if len(seeds) < len(seeds_asked):
        lines += [f'**Partial**: {len(seeds)} of the {len(seeds_asked)} '
                  'seeds; the rest resume from the ledger '
                  f'(`{LEDGER}`) on the next run.', '']
    lines += ['| model | F1 per seed | mean ± std |', '|---|---|---|',
              f'| reference baseline (motion features + forest) | | '
              f'{reference:.3f} |']
    for key, label in ROWS:
        if key not in result['rows']:
            continue
        r = result['rows'][key]
        lines.append(f"| {label} | "
                     f"{' / '.join(f'{v:.3f}' for v in r['values'])} | "
                     f'{_fmt(r)} |')
    lines += ['', '| mechanism | without | with | change ± se | seed x fold '
              'runs better / worse | verdict (paired t-test) |',
              '|---|---|---|---|---|---|']
    for m in result['mechanisms']:
        lines.append(
            f"| {m['label']} | {_fmt(result['rows'][m['without']])} | "
            f"{_fmt(result['rows'][m['with_']])} | {change_text(m)} | "
            f"{m['runs_up']} / {m['runs_down']} of {m['runs']} | "
            f'{verdict_text(m)} |')
    untimed = (f" (+ {result['tests_untimed']} tests not timed)"
               if result['tests_untimed'] else '')
    lines += ['', f'Verdict: "helps" / "hurts" when p < 0.05 with at least '
              f"{MIN_SEEDS} seeds. Tests of the checkpoints: "
              f"{result['test_cpu'] / 60:.1f} min CPU{untimed} (the "
              'trainings are the confirmation\'s, `proxy_confirm.md`).']
    if gaps is not None:
        lines += ['', val_sized_markdown(gaps)]
    return '\n'.join(lines) + '\n'


def val_sized(ledger: RunLedger, parts: List[List[int]],
              seeds: Sequence[int], entries: List[dict],
              ref_scores: List[np.ndarray], y: np.ndarray, data: str,
              val_result: str) -> Dict:
    """:func:`val_sized_gaps` of the shipped recipe's held-out scores
    (``seeds``) and the reference's, on sets of as many source videos as
    ``<data>/val/annotations.json`` has; beside the val table's gap by
    video when ``val_result`` (``proxy_surveillance.json``) exists. Under
    ``'noise_matched'``, the same with as many noisy videos
    (:func:`noisy_videos`) a draw as val has: whether val's noisier
    cameras make its gap usual (val's frames are read, not its labels)."""
    recipe = held_out_scores(ledger, candidate_name(SHIPPED), parts, seeds,
                             len(entries))
    reference = out_of_fold(ref_scores, parts, len(entries),
                            'reference baseline')
    val_ann = osp.join(data, 'val', 'annotations.json')
    videos = len(video_groups(read_annotation_entries(val_ann), val_ann))
    observed = None
    if osp.isfile(val_result):
        with open(val_result) as f:
            observed = json.load(f)['recipe_vs_reference']['by_video'][
                'delta']
    groups = video_groups(entries, osp.join(data, 'train', 'annotations.json'))
    out = val_sized_gaps(recipe, reference, y, groups, videos,
                         observed=observed)
    print('[posthoc] noise floor of the train and val clips')
    flags = noisy_videos(osp.join(data, 'train'))
    out['noise_matched'] = val_sized_gaps(
        recipe, reference, y, groups, videos, observed=observed,
        strata=(flags, int(noisy_videos(osp.join(data, 'val')).sum())))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser, 'work_dirs/proxy_select')
    parser.add_argument('--out', default='benchmarks/results',
                        help=f'where proxy_posthoc_cv.md, {LEDGER} and the '
                        f'confirmation\'s {CONFIRM_LEDGER} are kept')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--report', action='store_true',
                        help='test nothing: report what the ledger holds')
    args = parser.parse_args()
    if len(set(args.seeds)) != len(args.seeds):
        raise SystemExit(f'--seeds {args.seeds}: each seed once')
    data, runs = start_runs(args)
    parts, folds = train_folds(data, runs.work_dir)
    ref_scores, y = reference_fold_scores(data, parts)
    entries = read_annotation_entries(osp.join(data, 'train',
                                               'annotations.json'))
    ledger = RunLedger(osp.join(REPO, args.out, LEDGER))
    per_seed = measure(runs, ledger, dict(SHIPPED), folds, parts, entries, y,
                       osp.join(runs.work_dir, 'configs'), args.seeds,
                       test=not args.report,
                       confirm=RunLedger(osp.join(REPO, args.out,
                                                  CONFIRM_LEDGER)),
                       reference=ref_scores)
    if not per_seed:
        raise SystemExit(f'{ledger.path}: no seed has every fold')
    result = summarize(per_seed)
    result['val_sized'] = val_sized(
        ledger, parts, result['seeds'], entries, ref_scores, y, data,
        osp.join(REPO, args.out, VAL_RESULT))
    text = markdown(result, args.seeds,
                    float(np.mean(fold_f1(ref_scores, y, parts))),
                    len(entries), len(parts), result['val_sized'])
    write_json_atomic(osp.join(runs.work_dir, 'posthoc_cv.json'), result)
    atomic_write_bytes(osp.join(REPO, args.out, 'proxy_posthoc_cv.md'),
                       text.encode('utf-8'))
    print(text)


if __name__ == '__main__':
    main()
