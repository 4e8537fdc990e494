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
per-class thresholds tuned out-of-fold (5 folds of the held-out clips). A
seed's value is the mean over its 3 folds; a mechanism's verdict is a
paired t-test over the seeds (``proxy_selection.decide``), the same runs
with and without it.

Each fold run's held-out scores go into the ledger
``<--out>/proxy_posthoc_cv_runs.json`` (commit it: a new clone resumes
from it), under the candidate, the held-out clip ids and the fold config's
hash. Writes ``<--out>/proxy_posthoc_cv.md``; ``--report`` tests nothing
and reports the seeds the ledger holds.
"""
import argparse
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np

from proxy_runs import (REPO, ProxyRuns, RunLedger, add_run_arguments,
                        config_sha256, machine, start_runs)
from proxy_selection import (MIN_SEEDS, SHIPPED, _seed_run, candidate_name,
                             decide, fold_f1, reference_fold_scores,
                             train_folds, trained_history, write_fold_configs)
from proxy_surveillance import (ENSEMBLE_AT, posthoc_f1, recipe_scores,
                                scores_of, stats)
from tiny_action.datasets.annotations import read_annotation_entries
from tiny_action.evaluation import macro_prf
from tiny_action.utils.fileio import atomic_write_bytes, write_json_atomic

LEDGER = 'proxy_posthoc_cv_runs.json'
#: rows: key of :func:`proxy_surveillance.posthoc_f1` -> label.
ROWS = (('single', 'recipe, last checkpoint, threshold 0.5'),
        ('ens', 'recipe, checkpoint ensemble, threshold 0.5'),
        ('single_thr', 'recipe, last checkpoint, tuned thresholds'),
        ('ens_thr', 'recipe, checkpoint ensemble, tuned thresholds'))
#: mechanisms: (label, key with it, key without it).
MECHANISMS = (
    ('checkpoint ensemble instead of the last checkpoint (sec. 4)',
     'ens', 'single'),
    ('tuned thresholds instead of 0.5, single model (sec. 4)',
     'single_thr', 'single'),
    ('tuned thresholds instead of 0.5, ensemble (sec. 4)',
     'ens_thr', 'ens'))


def fold_scores(runs: ProxyRuns, config: str, run: str,
                options: Sequence[str], held_ids: List[str],
                y_held: np.ndarray) -> Dict:
    """Train fold run ``run`` (unless finished) and dump its ensemble
    checkpoints on the held-out clips (:func:`recipe_scores` with the fold
    ``config``).

    Returns:
        dict: ``scores`` (as :func:`recipe_scores`), ``machine`` and
        ``test_cpu`` (CPU seconds of the dumps' tests, in this work dir).

    Raises:
        RuntimeError: The dumps are not of the held-out clips ``held_ids``
            in order, with labels ``y_held``, or the last one does not
            score what the training logged on them.
    """
    run_dir, history = trained_history(runs, run, config, options)
    scores = recipe_scores(runs, run_dir, config)
    if scores['ids'] != held_ids or not np.array_equal(
            np.asarray(scores['labels']), y_held):
        raise RuntimeError(f'{run_dir}: the dumps are not of the held-out '
                           f'clips {held_ids} in order')
    last = scores['epochs'][max(scores['epochs'], key=int)]
    f1 = macro_prf(np.asarray(last, np.float64), y_held)['f1']
    if not np.isclose(f1, history[-1]['f1'], atol=1e-6):
        raise RuntimeError(f"{run}: tools/test.py F1 {f1} differs from the "
                           f"training's last val F1 {history[-1]['f1']}")
    prefix = 'test_' + osp.relpath(run_dir, runs.work_dir).replace('/', '_')
    tests = [prefix + f'_e{e}' for e in scores['epochs']]
    return dict(scores=scores, machine=machine(), test_cpu=sum(
        runs.timings[t]['cpu'] for t in tests if t in runs.timings))


def measure(runs: ProxyRuns, ledger: RunLedger, c: dict, folds, parts,
            entries: List[dict], y: np.ndarray, cfg_dir: str,
            seeds: Sequence[int], test: bool = True) -> Dict[int, List[Dict]]:
    """Every fold run of candidate ``c`` with each of ``seeds`` (seed by
    seed) from the ledger, measuring what it lacks when ``test``.

    Returns:
        dict: ``{seed: [posthoc_f1 and test_cpu of each fold]}`` for the
        seeds whose every fold is in the ledger.
    """
    configs = write_fold_configs(c, folds, cfg_dir)
    name = candidate_name(c)
    out = {}
    for seed in seeds:
        per_fold = []
        for k, (config, held) in enumerate(zip(configs, parts)):
            run, options, _ = _seed_run(name, k, seed)
            held_ids = [entries[i]['id'] for i in held]
            identity = dict(candidate=c, held=held_ids,
                            config_sha256=config_sha256(config))
            rec = ledger.reuse(run, identity)
            if rec is None and test:
                print(f'[posthoc] {run}', flush=True)
                rec = ledger.add(run, identity, fold_scores(
                    runs, config, run, options, held_ids, y[held]))
            if rec is None:
                break
            per_fold.append(dict(posthoc_f1(scores_of(rec, run)),
                                 test_cpu=rec['test_cpu']))
        if len(per_fold) == len(parts):
            out[seed] = per_fold
    return out


def summarize(per_seed: Dict[int, List[Dict]]) -> Dict:
    """Rows (per-seed means over the folds, :func:`stats`) and mechanisms
    (:func:`decide`, paired; ``runs_up``: of the seed x fold runs, how many
    the mechanism improved / worsened)."""
    seeds = sorted(per_seed)
    rows = {key: stats([np.mean([f[key] for f in per_seed[s]])
                        for s in seeds]) for key, _ in ROWS}
    mech = []
    for label, with_, without in MECHANISMS:
        d = [f[with_] - f[without] for s in seeds for f in per_seed[s]]
        mech.append(dict(label=label, with_=with_, without=without,
                         runs_up=int(np.sum(np.greater(d, 1e-9))),
                         runs_down=int(np.sum(np.less(d, -1e-9))),
                         runs=len(d),
                         **decide(rows[with_]['values'],
                                  rows[without]['values'], paired=True)))
    return dict(seeds=seeds, rows=rows, mechanisms=mech,
                test_cpu=float(sum(f['test_cpu'] for s in seeds
                                   for f in per_seed[s])))


def _fmt(s: Dict) -> str:
    return f"{s['mean']:.3f} ± {s['std']:.3f}"


def markdown(result: Dict, seeds_asked: Sequence[int],
             reference: float) -> str:
    """:func:`summarize` as markdown (``reference``: the reference
    baseline's mean held-out F1 on the same folds)."""
    seeds = result['seeds']
    lines = [
        'The paper\'s post-hoc mechanisms (section 4) by 3-fold '
        'cross-validation inside the 173 train clips (folds by source video; '
        'the shipped recipe\'s runs of `proxy_selection.py --confirm`, '
        f"seeds {' / '.join(map(str, seeds))}; "
        '`python benchmarks/proxy_posthoc_cv.py`). Held-out macro-F1; the '
        'ensemble averages the probabilities of the checkpoints at '
        f"{', '.join(f'{f:g}' for f in ENSEMBLE_AT)} of the schedule; tuned "
        'thresholds are fitted per class on 4/5 of a fold\'s held-out clips '
        'and applied to the other fifth (out-of-fold). Per seed the mean '
        'over the 3 folds. The val split was not used.', '']
    if len(seeds) < len(seeds_asked):
        lines += [f'**Partial**: {len(seeds)} of the {len(seeds_asked)} '
                  'seeds; the rest resume from the ledger '
                  f'(`{LEDGER}`) on the next run.', '']
    lines += ['| model | F1 per seed | mean ± std |', '|---|---|---|',
              f'| reference baseline (motion features + forest) | | '
              f'{reference:.3f} |']
    for key, label in ROWS:
        r = result['rows'][key]
        lines.append(f"| {label} | "
                     f"{' / '.join(f'{v:.3f}' for v in r['values'])} | "
                     f'{_fmt(r)} |')
    lines += ['', '| mechanism | without | with | change ± se | seed x fold '
              'runs better / worse | verdict (paired t-test) |',
              '|---|---|---|---|---|---|']
    for m in result['mechanisms']:
        tested = np.isfinite(m['p_value'])
        lines.append(
            f"| {m['label']} | {_fmt(result['rows'][m['without']])} | "
            f"{_fmt(result['rows'][m['with_']])} | {m['change']:+.3f}" +
            (f" ± {m['se']:.3f}" if tested else '') +
            f" | {m['runs_up']} / {m['runs_down']} of {m['runs']} | "
            f"{m['verdict']}" +
            (f" (p = {m['p_value']:.2f})" if tested else '') + ' |')
    lines += ['', f'Verdict: "helps" / "hurts" when p < 0.05 with at least '
              f"{MIN_SEEDS} seeds. Tests of the checkpoints: "
              f"{result['test_cpu'] / 60:.1f} min CPU (the trainings are "
              'the confirmation\'s, `proxy_confirm.md`).']
    return '\n'.join(lines) + '\n'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser, 'work_dirs/proxy_select')
    parser.add_argument('--out', default='benchmarks/results',
                        help=f'where proxy_posthoc_cv.md and {LEDGER} are '
                        'kept')
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
                       test=not args.report)
    if not per_seed:
        raise SystemExit(f'{ledger.path}: no seed has every fold')
    result = summarize(per_seed)
    text = markdown(result, args.seeds,
                    float(np.mean(fold_f1(ref_scores, y, parts))))
    write_json_atomic(osp.join(runs.work_dir, 'posthoc_cv.json'), result)
    atomic_write_bytes(osp.join(REPO, args.out, 'proxy_posthoc_cv.md'),
                       text.encode('utf-8'))
    print(text)


if __name__ == '__main__':
    main()
