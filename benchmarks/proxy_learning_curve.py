"""How the real-proxy recipe and the reference baseline scale with the
number of training clips, measured inside train (val is not used).

    python benchmarks/proxy_learning_curve.py \
        [--data ../shared/data/tiny_surveillance] [--fractions 0.5 0.75] \
        [--seeds 0 1 2] [--work-dir work_dirs/proxy_curve]

Inside train (3 folds of whole source videos, the confirmation's) the recipe
leads the reference by about 0.06 macro-F1; on val, both fitted on all 173
train clips, the reference leads by 0.054. Whether the two scale alike with
the training set is one thing that could tell the two apart. For each fold,
each seed and each of ``--fractions``, that share of the fold's fit clips,
whole source videos drawn with the seed (:func:`video_subset`), trains the
shipped recipe
(``configs/proxy/surveillance_lr.py`` with the fold's annotation files, as the
confirmation writes it) and fits the reference forest (forest seed = the
seed); both are scored on the whole held-out fold at threshold 0.5, the
recipe at its last epoch. The full fit part is the confirmation's: the
recipe's runs computed on this machine (the same numerics fingerprint), read
from its ledger (``proxy_confirm_runs.json``), and the reference on the same
folds. Writes ``proxy_learning_curve.md`` / ``.json`` to ``--out``; resumable
(a finished training in the work dir is not run again).
"""
import argparse
import json
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

from proxy_candidates import SHIPPED, candidate_config, candidate_name
from proxy_confirm import (CONFIRM_LEDGER, base_run_on, numerics,
                           paired_difference_test)
from proxy_folds import (clips_by_video, fold_f1, seed_run, train_folds,
                         trained_history)
from proxy_runs import (REPO, ProxyRuns, RunLedger, add_run_arguments, machine,
                        start_runs, training_seconds)
from tiny_action.datasets.annotations import read_annotation_entries
from tiny_action.utils.fileio import atomic_write_bytes, write_json_atomic


def video_subset(entries: List[dict], fit: Sequence[int], fraction: float,
                 seed: int) -> List[int]:
    """Whole source videos (``video_id``) of the fit clips ``fit``, in an
    order shuffled with ``seed``, taken until they hold at least
    ``fraction`` of the clips: their entry indices, sorted.

    Raises:
        ValueError: ``fraction`` is not in (0, 1], or a fit clip has no
            ``video_id`` (:func:`proxy_folds.clips_by_video`).
    """
    if not 0 < fraction <= 1:
        raise ValueError(f'fraction {fraction}: expected a value in (0, 1]')
    local = clips_by_video([entries[i] for i in fit], 'fit clips')
    by_video = {v: [fit[j] for j in rows] for v, rows in local.items()}
    videos = sorted(by_video)
    order = np.random.default_rng(seed).permutation(len(videos))
    chosen: List[int] = []
    for j in order:
        if len(chosen) >= fraction * len(fit):
            break
        chosen += by_video[videos[j]]
    return sorted(chosen)


def fit_of(num_clips: int, held: List[int]) -> List[int]:
    """The fit part of a fold: every clip index not in ``held``."""
    held_set = set(held)
    return [i for i in range(num_clips) if i not in held_set]


def write_subset(entries: List[dict], fit: List[int], held: List[int],
                 out_dir: str, tag: str) -> List[str]:
    """``[fit, held]`` annotation files ``<out_dir>/<tag>_{fit,held}.json``
    of the entries ``fit`` and ``held`` (their ``lr/`` paths unchanged)."""
    paths = []
    for part, rows in (('fit', fit), ('held', held)):
        paths.append(osp.join(out_dir, f'{tag}_{part}.json'))
        atomic_write_bytes(paths[-1], json.dumps(
            [entries[i] for i in rows]).encode('utf-8'))
    return paths


def reference_f1(x: np.ndarray, y: np.ndarray, fit: List[int],
                 held: List[int], seed: int) -> float:
    """Held-out macro-F1 of the reference forest (forest ``seed``) fitted
    on the clips ``fit`` of the features ``x`` / labels ``y``."""
    import reference_baseline as ref
    forest = ref.fit_forest(x[fit], y[fit], seed=seed)
    scores = ref.forest_scores(forest, x[held], y.shape[1])
    return fold_f1([scores], y, [held])[0]


def reference_on_parts(x: np.ndarray, y: np.ndarray, parts: List[List[int]],
                       seeds: Sequence[int]) -> Dict[int, List[float]]:
    """Per seed, the held-out F1 (:func:`reference_f1`, forest seed = the
    seed) of each fold ``parts`` (held-out entry indices), fitted on all the
    other clips."""
    return {seed: [reference_f1(x, y, fit_of(len(y), held), held, seed)
                   for held in parts] for seed in seeds}


def train_split_features(data: str
                         ) -> Tuple[List[dict], np.ndarray, np.ndarray]:
    """The train split's annotation entries and the reference's features
    and multi-hot labels of its ``lr/`` clips, in annotation order."""
    import reference_baseline as ref

    from tiny_action.datasets.class_map import load_class_map
    entries = read_annotation_entries(
        osp.join(data, 'train', 'annotations.json'))
    x, y, _ = ref.split_features(osp.join(data, 'train'), 'lr',
                                 load_class_map(osp.join(data,
                                                         'class_map.json')))
    return entries, x, y


def recipe_on_subset(runs: ProxyRuns, files: List[str], run: str,
                     seed: int) -> Dict:
    """The shipped recipe trained with ``seed`` on the fit file of
    ``files`` and validated on its held file (run ``run``, resumed when
    finished): ``f1`` of its last validation and its training's CPU
    seconds."""
    config = osp.join(runs.work_dir, 'configs', f"{run.replace('/', '_')}.py")
    atomic_write_bytes(config, candidate_config(SHIPPED, *files).encode())
    _, history = trained_history(runs, run, config,
                                 [f'randomness.seed={seed}'])
    return dict(f1=float(history[-1]['f1']),
                cpu=training_seconds(runs, run)['cpu'])


def full_fit_recipe(ledger: RunLedger, parts, seeds: Sequence[int],
                    fingerprint: str) -> Dict[int, List[float]]:
    """Per seed, the held-out F1 of each fold of the recipe's confirmation
    runs computed on the machine with numerics ``fingerprint`` (the full
    fit parts).

    Raises:
        RuntimeError: The ledger has no such run for a fold and seed.
    """
    name = candidate_name(SHIPPED)
    out = {}
    for seed in seeds:
        out[seed] = []
        for k in range(len(parts)):
            run = base_run_on(ledger, seed_run(name, k, seed)[0],
                              fingerprint)
            if run is None:
                raise RuntimeError(
                    f'{ledger.path}: no run of the recipe, fold {k}, seed '
                    f'{seed}, computed on numerics {fingerprint}: run '
                    'proxy_selection.py --confirm on this machine first')
            out[seed].append(float(ledger[run]['f1']))
    return out


def curve_row(label: str, clips: float, recipe: Dict[int, List[float]],
              reference: Dict[int, List[float]]) -> Dict:
    """A row of the curve: per-seed means over the folds of the recipe
    and of the reference, and the recipe's lead over the reference paired
    by seed (:func:`proxy_confirm.paired_difference_test`)."""
    seeds = sorted(recipe)
    rec = [float(np.mean(recipe[s])) for s in seeds]
    ref = [float(np.mean(reference[s])) for s in seeds]
    lead, se, p = paired_difference_test(rec, ref)
    return dict(label=label, fit_clips=clips, seeds=seeds, recipe=rec,
                reference=ref, lead=lead, lead_se=se, lead_p=p)


def mean_std(values: Sequence[float]) -> str:
    """``mean ± std`` (sample std, 0 for one value) to 3 decimals."""
    spread = np.std(values, ddof=1) if len(values) > 1 else 0.0
    return f'{np.mean(values):.3f} ± {spread:.3f}'


def lead_cells(r: Dict) -> str:
    """The table cells of a :func:`curve_row` after its label: the recipe
    per seed and its mean ± std, the same of the reference, and the lead ±
    its standard error (p)."""
    return (' / '.join(f'{v:.3f}' for v in r['recipe'])
            + f" | {mean_std(r['recipe'])} | "
            + ' / '.join(f'{v:.3f}' for v in r['reference'])
            + f" | {mean_std(r['reference'])} | {r['lead']:+.3f} ± "
            f"{r['lead_se']:.3f} (p = {r['lead_p']:.2f})")


def curve_markdown(rows: List[Dict], fingerprint: str, cpu: float) -> str:
    """The curve as a markdown table, with how it was measured."""
    lines = [
        'Learning curve inside train (`python benchmarks/'
        'proxy_learning_curve.py`): the shipped recipe and the reference '
        'baseline fitted on part of each fold\'s fit clips (whole source '
        'videos drawn with the seed) or on all of them (the confirmation\'s '
        f'recipe runs on numerics `{fingerprint}`), scored on the whole '
        'held-out fold, macro-F1 at threshold 0.5; per seed the mean over '
        'the 3 folds. Val was not used.', '',
        '| fit clips per fold (mean) | recipe per seed | recipe | reference '
        'per seed | reference | recipe minus reference (paired by seed) |',
        '|---|---|---|---|---|---|']
    for r in rows:
        lines.append(f"| {r['label']}: {r['fit_clips']:.0f} | "
                     f'{lead_cells(r)} |')
    if len(rows) >= 2:  # the smallest training set against the largest
        part, full = rows[0], rows[-1]
        gain = [f - p for f, p in zip(full['recipe'], part['recipe'])]
        ref_gain = [f - p for f, p in zip(full['reference'],
                                          part['reference'])]
        more, se, p = paired_difference_test(gain, ref_gain)
        lines += ['', f"From {part['fit_clips']:.0f} to "
                  f"{full['fit_clips']:.0f} fit clips the recipe gains "
                  f'{np.mean(gain):+.3f} and the reference '
                  f'{np.mean(ref_gain):+.3f} (means over the seeds): the '
                  f'recipe gains {more:+.3f} ± {se:.3f} more (paired by '
                  f'seed, p = {p:.2f}).']
    lines += ['', f'CPU time of the part-fit trainings: {cpu:.0f} s.']
    return '\n'.join(lines) + '\n'


def part_fit_row(runs: ProxyRuns, entries: List[dict], parts,
                 x: np.ndarray, y: np.ndarray, fraction: float,
                 seeds: Sequence[int]) -> Dict:
    """The curve's row for ``fraction`` of each fold's fit videos: the
    recipe trained (:func:`recipe_on_subset`) and the reference fitted
    (:func:`reference_f1`) on the same :func:`video_subset` per fold and
    seed; the row (:func:`curve_row`) also has the trainings' ``cpu``."""
    name = f'{candidate_name(SHIPPED)}_fit{fraction:g}'
    recipe, reference, clips, cpu = {}, {}, [], 0.0
    for seed in seeds:
        recipe[seed], reference[seed] = [], []
        for k, held in enumerate(parts):
            fit = fit_of(len(entries), held)
            sub = video_subset(entries, fit, fraction, seed)
            clips.append(len(sub))
            files = write_subset(entries, sub, held,
                                 osp.join(runs.work_dir, 'folds'),
                                 f'{name}_seed{seed}_fold{k}')
            run = f'{name}/seed{seed}/fold{k}'
            print(f'[curve] {run}: {len(sub)} of {len(fit)} fit clips',
                  flush=True)
            result = recipe_on_subset(runs, files, run, seed)
            recipe[seed].append(result['f1'])
            cpu += result['cpu'] or 0.0
            reference[seed].append(reference_f1(x, y, sub, held, seed))
    return dict(curve_row(f'{fraction:g} of the videos', np.mean(clips),
                          recipe, reference), cpu=cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser, 'work_dirs/proxy_curve')
    parser.add_argument('--fractions', type=float, nargs='+', default=[0.5],
                        help='shares of each fold\'s fit clips (whole '
                        'videos) the part-fit models train on, one row each')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--out', default='benchmarks/results')
    args = parser.parse_args()
    data, runs = start_runs(args)
    parts, _ = train_folds(data, runs.work_dir)
    entries, x, y = train_split_features(data)
    fingerprint = numerics(dict(machine=machine(runs.threads)))
    full = full_fit_recipe(RunLedger(osp.join(REPO, args.out,
                                              CONFIRM_LEDGER)),
                           parts, args.seeds, fingerprint)
    rows = [part_fit_row(runs, entries, parts, x, y, fraction, args.seeds)
            for fraction in sorted(args.fractions)]
    cpu = sum(r.pop('cpu') for r in rows)
    rows.append(curve_row(
        'all', np.mean([len(entries) - len(h) for h in parts]), full,
        reference_on_parts(x, y, parts, args.seeds)))
    text = curve_markdown(rows, fingerprint, cpu)
    write_json_atomic(osp.join(REPO, args.out, 'proxy_learning_curve.json'),
                      dict(rows=rows, fractions=sorted(args.fractions),
                           machine=machine(runs.threads), cpu_seconds=cpu))
    atomic_write_bytes(osp.join(REPO, args.out, 'proxy_learning_curve.md'),
                       text.encode('utf-8'))
    print(text)


if __name__ == '__main__':
    main()
