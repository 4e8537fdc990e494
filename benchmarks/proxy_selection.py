"""How the real-proxy recipe (configs/proxy/surveillance_lr.py) was chosen:
cross-validation inside the train split, never the val split.

The 173 train clips are split into 3 folds by source video (no scene in two
folds). Each candidate trains, with the stock ``tools/train.py``, on two
folds and is scored on the third (its validation loop runs on the held-out
fold at every quarter of the schedule), for each of the 3 folds. Candidates
are searched stage by stage (input, input size, augmentation, frames and
sampling, model width, epochs); each stage keeps the winners of the previous
ones fixed and varies one thing. The first stage is the input itself: RGB
frames, their temporal gradient (``FrameDifference``: what moves, without the
scene) or both.

Rule: the highest mean held-out macro-F1 (threshold 0.5, last epoch) over the
3 folds wins a stage, unless a candidate within 0.01 of it costs at least 25%
less CPU: then the cheapest such candidate wins, so a difference that the fold
noise can explain never buys a slower recipe.

    python benchmarks/proxy_selection.py [--data ../shared/data/tiny_surveillance] \
        [--work-dir work_dirs/proxy_select]

Writes ``selection.md`` (one row per candidate: fold scores, mean, mAP,
CPU seconds) and ``selection.json`` in the work folder, and copies the
markdown to ``--out`` (``benchmarks/results/proxy_selection.md``);
resumable.

The stages train one seed per fold. ``--confirm`` re-decides with every
``--spread-seeds`` seed (3 by default): the shipped recipe (``SHIPPED``)
against each of ``CHALLENGERS``, a challenger winning only when its mean
beats the recipe's significantly (t-test of the per-seed means, p < 0.05).
Each finished fold run goes into the ledger ``<--out>/proxy_confirm_runs.json``
(commit it: a new clone resumes from it); the report is
``<--out>/proxy_confirm.md``. ``--confirm --report`` trains nothing and
reports the seeds that every candidate has finished.

This file holds the stages and the command line; a candidate and its config
are in ``proxy_candidates.py``, the folds and what is measured on them in
``proxy_folds.py``, the confirmation in ``proxy_confirm.py``.
"""

import argparse
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

from proxy_candidates import (SHIPPED, START, candidate_name, pipelines,
                              with_choice)
from proxy_confirm import ALPHA, run_confirm
from proxy_folds import (accuracy_by_size, clip_sizes, fold_f1,
                         last_checkpoint_correct, reference_correct,
                         reference_fold_scores, seed_run, size_span,
                         test_views_score, train_folds, trained_history,
                         write_fold_configs)
from proxy_runs import REPO, ProxyRuns, add_run_arguments, start_runs
from tiny_action.datasets.annotations import read_annotation_entries
from tiny_action.utils.fileio import atomic_write_bytes, write_json_atomic

#: within this much mean F1 of the best, the cheaper candidate wins.
TOLERANCE = 0.01
#: stage name -> the values tried for one key. Only candidates that keep the
#: whole benchmark table (24 trainings) near an hour of CPU are tried: no
#: wider model than 16 base channels, no more than 80 epochs.
STAGES: Sequence[Tuple[str, str, list]] = (
    ('input', 'modality', ['rgb', 'diff', 'rgb+diff']),
    ('input size', 'size', [32, 48]),
    ('augmentation', 'aug', ['none', 'flip', 'flip_crop']),
    ('frames and sampling', 'frames_sampling',
     [(8, 'uniform'), (16, 'uniform'), (16, 'dense')]),
    ('width (base channels)', 'width', [8, 16]),
    ('epochs', 'epochs', [20, 40]),
    ('learning rate', 'lr', [1e-3, 3e-3]),
    ('dropout before the classifier', 'dropout', [0.5, 0.2]),
    ('longer schedule', 'epochs', [40, 80]),
    ('temporal gradient between segments or within pairs of neighbouring '
     'frames', 'pairs', [False, True]),
    ('test views (averaged probabilities)', 'test_views', [1, 4]),
    ('data balance (flipped copies of the smaller class, paper section 2)',
     'balance', [0, 1]),
    ('exponential moving average of the weights (mmengine EMAHook, '
     'momentum per iteration)', 'ema', [0, 0.01]),
    ('capacity: base channels and blocks per stage (run after the table)',
     'width_blocks', [(16, 1), (32, 1), (16, 2)]),
    ('temporal coverage: 32 uniform segments (about every other frame of '
     'a 50-60 frame clip)', 'frames_sampling',
     [(16, 'uniform'), (32, 'uniform')]),
    ('motion energy of every frame of each segment (SegmentMotion)',
     'modality', ['rgb+diff', 'rgb+energy', 'rgb+diff+energy']),
    ('mixup of clip pairs and their labels (mmaction2 MixupBlending, Beta('
     'alpha, alpha))', 'mixup', [0, 0.2, 0.8]),
    ('motion energy at the input size or at the clip\'s native size (then '
     'area-resized with the frame)', 'motion_res', ['input', 'native']),
    ('input: the frame and its motion energy, or the energy alone (what '
     'moves, without the scene)', 'modality', ['rgb+energy', 'energy']),
    ('resolution augmentation: train clips randomly down-scaled to 24 px '
     'or more before the motion energy (RandomDownscale; held-out clips '
     'under 40 px were the weakest)', 'downscale', [0, 0.5]),
)


def held_out_by_size(runs: ProxyRuns, c: dict, parts: List[List[int]],
                     data: str, cfg_dir: str,
                     reference: Tuple[List[np.ndarray], np.ndarray]
                     ) -> Dict:
    """Held-out accuracy by the clip's shorter side (native ``dim``) of the
    last checkpoint of candidate ``c`` on every fold (``tools/test.py``
    dumps) and of the reference baseline on the same folds (``reference``:
    :func:`reference_fold_scores`). A clip is correct when its top-scored
    class is its label (one label per clip)."""
    sizes = clip_sizes(read_annotation_entries(
        osp.join(data, 'train', 'annotations.json')))
    y = reference[1]
    model = np.zeros(len(y), bool)
    name = candidate_name(c)
    for k, held in enumerate(parts):
        run, _, test = seed_run(name, k, 0)
        model[held] = last_checkpoint_correct(
            runs, osp.join(runs.work_dir, run), test,
            osp.join(cfg_dir, f'{name}_fold{k}.py'), held, y)
    return dict(name=name, model=accuracy_by_size(model, sizes),
                reference=accuracy_by_size(reference_correct(reference, parts),
                                           sizes))


def size_markdown(by_size: Dict) -> str:
    """:func:`held_out_by_size` as a markdown table."""
    lines = ['', f"Held-out accuracy by the clip's shorter side, "
             f"`{by_size['name']}` (last epoch, seed 0) and the reference "
             'baseline, same folds:', '',
             '| shorter side | clips | candidate | reference |',
             '|---|---|---|---|']
    for m, r in zip(by_size['model'], by_size['reference']):
        acc = ['' if x['accuracy'] is None else f"{x['accuracy']:.3f}"
               for x in (m, r)]
        lines.append(f"| {size_span(m)} | {m['clips']} | {acc[0]} | "
                     f'{acc[1]} |')
    return '\n'.join(lines) + '\n'


def score_candidate(runs: ProxyRuns, c: dict, folds, cfg_dir: str) -> Dict:
    """Train ``c`` on every fold (the training is shared by candidates
    that differ only in ``test_views``); held-out F1 / mAP per fold and
    epoch."""
    name = candidate_name(c)
    trained = candidate_name(dict(c, test_views=1))
    per_fold = []
    configs = write_fold_configs(c, folds, cfg_dir)
    for k, config in enumerate(configs):
        run_dir, history = trained_history(runs, f'{trained}/fold{k}', config)
        if c['test_views'] > 1:
            if c['pairs']:
                raise ValueError('test views need UniformSegment sampling')
            history = [test_views_score(runs, f'{name}_fold{k}', config,
                                        run_dir, c['test_views'])]
        per_fold.append(history)
    last = [h[-1] for h in per_fold]
    # exactly this candidate's steps: not the seed spread's trainings
    # (<trained>/seed<s>/fold<k>) nor the size breakdown's tests (..._last)
    steps = {f'{kind}_{run}' for k in range(len(folds)) for kind, run in
             (('train', f'{trained}/fold{k}'), ('test', f'{name}_fold{k}'))}
    cpu = sum(t['cpu'] for step, t in runs.timings.items() if step in steps)
    return dict(
        name=name, candidate=c,
        f1=[r['f1'] for r in last], mAP=[r['mAP'] for r in last],
        mean_f1=float(np.mean([r['f1'] for r in last])),
        mean_mAP=float(np.mean([r['mAP'] for r in last])),
        f1_by_epoch={str(r['step']): float(np.mean(
            [h[i]['f1'] for h in per_fold]))
            for i, r in enumerate(per_fold[0])},
        cpu_seconds=cpu)


def seed_spread(runs: ProxyRuns, c: dict, folds, cfg_dir: str,
                seeds: Sequence[int]) -> Dict:
    """Held-out macro-F1 (last epoch) of candidate ``c`` on every fold for
    each training seed in ``seeds``: how far the seed alone moves a
    candidate's mean, against the margins the stages were decided by.
    Seed 0 is the selection's own run (the configs' ``randomness.seed``);
    the others train ``<name>/seed<s>/fold<k>`` with the same fold config.

    Returns:
        dict: ``name``, ``f1`` (seed -> per-fold F1), ``means`` (per seed),
        ``mean`` and ``std`` (ddof 1) of the per-seed means.
    """
    if c['test_views'] > 1:
        raise ValueError('seed_spread scores the last validation of a '
                         'training (test_views=1)')
    name = candidate_name(c)
    f1 = {}
    for seed in seeds:
        f1[seed] = []
        for k in range(len(folds)):
            config = osp.join(cfg_dir, f'{name}_fold{k}.py')
            if not osp.isfile(config):
                raise FileNotFoundError(f'{config}: score the candidate '
                                        'first (score_candidate)')
            run, opts, _ = seed_run(name, k, seed)
            f1[seed].append(
                trained_history(runs, run, config, opts)[1][-1]['f1'])
    means = [float(np.mean(v)) for v in f1.values()]
    return dict(name=name, f1=f1, means=means, mean=float(np.mean(means)),
                std=float(np.std(means, ddof=1)) if len(means) > 1 else 0.0)


def spread_markdown(spread: Dict, reference: List[float]) -> str:
    """The seed spread of the chosen candidate as a markdown paragraph."""
    seeds = ' / '.join(str(s) for s in spread['f1'])
    folds = '; '.join(f'seed {s}: ' + ' / '.join(f'{f:.3f}' for f in v)
                      for s, v in spread['f1'].items())
    return (f"\nSeed spread of the chosen candidate `{spread['name']}` "
            f"(training seeds {seeds}, same folds): mean held-out F1 "
            + ' / '.join(f'{m:.3f}' for m in spread['means']) +
            f", **{spread['mean']:.3f} ± {spread['std']:.3f}** (std of the "
            f"seed means, ddof 1) against {np.mean(reference):.3f} for the "
            f"reference baseline. Per fold: {folds}.\n")


def pick(results: List[Dict]) -> Dict:
    """The stage winner: the best mean F1, unless a candidate within
    TOLERANCE of it costs at least 25% less CPU (then the cheapest such;
    the CPU time of one configuration varies by about 15% from run to
    run on a shared machine)."""
    best = max(results, key=lambda r: r['mean_f1'])
    close = [r for r in results
             if r['mean_f1'] >= best['mean_f1'] - TOLERANCE
             and r['cpu_seconds'] < 0.75 * best['cpu_seconds']]
    return min(close, key=lambda r: r['cpu_seconds']) if close else best


def selection_markdown(stages: List[Dict], reference: List[float]) -> str:
    """The evidence as a markdown table (one row per candidate)."""
    lines = [
        'Selection of the real-proxy recipe (`configs/proxy/surveillance_lr.py`'
        ') by 3-fold cross-validation inside the 173 train clips (folds by '
        'source video; `benchmarks/proxy_selection.py`). Held-out macro-F1 at '
        'threshold 0.5, last epoch. The val split was not used.', '',
        'Reference baseline (handcrafted motion features + random forest) '
        'on the same folds: ' + ' / '.join(f'{f:.3f}' for f in reference) +
        f' (mean {np.mean(reference):.3f}).', '',
        '| stage | candidate | held-out F1 per fold | mean F1 | mean mAP '
        '| F1 by epoch (mean) | CPU s (3 folds) | |',
        '|---|---|---|---|---|---|---|---|']
    for stage in stages:
        for r in stage['results']:
            won = '**chosen**' if r['name'] == stage['winner'] else ''
            folds = ' / '.join(f'{f:.3f}' for f in r['f1'])
            epochs = ', '.join(f'{e}: {f:.3f}'
                               for e, f in r['f1_by_epoch'].items())
            lines.append(
                f"| {stage['stage']} | `{r['name']}` | {folds} | "
                f"{r['mean_f1']:.3f} | {r['mean_mAP']:.3f} | {epochs} | "
                f"{r['cpu_seconds']:.0f} | {won} |")
    return '\n'.join(lines) + '\n'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser, 'work_dirs/proxy_select')
    parser.add_argument('--out', default='benchmarks/results',
                        help='where proxy_selection.md, proxy_confirm.md '
                        'and the confirmation\'s ledger '
                        '(proxy_confirm_runs.json) are kept')
    parser.add_argument('--spread-seeds', type=int, nargs='*',
                        default=[0, 1, 2],
                        help='training seeds of the chosen candidate\'s '
                        'seed spread and of the confirmation (none: skip '
                        'the spread)')
    parser.add_argument('--confirm', action='store_true',
                        help='only the confirmation: the shipped recipe '
                        'and CHALLENGERS, each with every --spread-seeds '
                        'seed (writes proxy_confirm.md)')
    parser.add_argument('--alpha', type=float, default=ALPHA,
                        help='significance level of the confirmation\'s '
                        'verdicts; lower it when the ledger is decided again '
                        'after adding seeds to an undecided confirmation '
                        '(e.g. 0.025 at the second look: with the first '
                        'look at 0.05, at most 0.075 false positives)')
    parser.add_argument('--challengers', nargs='+', default=None,
                        metavar='KEY',
                        help='with --confirm: only the CHALLENGERS with '
                        'these candidate keys (e.g. downscale), or KEY=VALUE '
                        'for one of several setting a key (e.g. '
                        'modality=fg+energy), for a new challenger or a '
                        'later look with more seeds; default: all')
    parser.add_argument('--report', action='store_true',
                        help='with --confirm: train nothing, report the '
                        'seeds the ledger holds for every candidate')
    args = parser.parse_args()
    data, runs = start_runs(args)
    work_dir = runs.work_dir
    parts, folds = train_folds(data, work_dir)
    ref_fold_scores = reference_fold_scores(data, parts)
    if args.confirm:
        run_confirm(args, runs, data, parts, folds, ref_fold_scores)
        return
    reference = fold_f1(*ref_fold_scores, parts)
    print(f'[select] reference baseline on the folds: {reference}')
    current, stages, seen = dict(START), [], {}
    for stage, key, values in STAGES:
        results = []
        for value in values:
            c = with_choice(current, key, value)
            name = candidate_name(c)
            try:
                pipelines(c)
            except ValueError as exc:  # e.g. energy on pairs of frames
                print(f'[select] {stage}: {name} not applicable ({exc})')
                continue
            if name not in seen:
                print(f'[select] {stage}: {name}', flush=True)
                seen[name] = score_candidate(runs, c, folds,
                                             osp.join(work_dir, 'configs'))
                print(f'[select]   held-out F1 {seen[name]["f1"]} mean '
                      f'{seen[name]["mean_f1"]:.3f}', flush=True)
            results.append(seen[name])
        winner = pick(results)
        current = dict(winner['candidate'])
        stages.append(dict(stage=stage, results=results,
                           winner=winner['name']))
        write_json_atomic(osp.join(work_dir, 'selection.json'),
                          dict(stages=stages, chosen=current,
                               reference=reference))
        atomic_write_bytes(
            osp.join(work_dir, 'selection.md'),
            selection_markdown(stages, reference).encode('utf-8'))
    text, spread = selection_markdown(stages, reference), None
    if args.spread_seeds:
        spread = seed_spread(runs, current, folds,
                             osp.join(work_dir, 'configs'), args.spread_seeds)
        text += spread_markdown(spread, reference)
    by_size = held_out_by_size(runs, current, parts, data,
                               osp.join(work_dir, 'configs'), ref_fold_scores)
    text += size_markdown(by_size)
    write_json_atomic(osp.join(work_dir, 'selection.json'),
                      dict(stages=stages, chosen=current, reference=reference,
                           seed_spread=spread,
                           by_size=by_size))
    atomic_write_bytes(osp.join(REPO, args.out, 'proxy_selection.md'),
                       text.encode('utf-8'))
    print(text)
    print(f'[select] chosen: {candidate_name(current)} {current}')
    if current != SHIPPED:
        print(f'[select] configs/proxy/ ships {candidate_name(SHIPPED)}, not '
              'the candidate chosen now: update the configs and SHIPPED, '
              'then re-run benchmarks/proxy_surveillance.py')


if __name__ == '__main__':
    main()
