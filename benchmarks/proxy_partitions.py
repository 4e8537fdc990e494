"""Whether the real-proxy recipe's lead over the reference baseline inside
train holds on other partitions of the train split than the one every
choice was made on (val is not used).

    python benchmarks/proxy_partitions.py \
        [--data ../shared/data/tiny_surveillance] [--partitions 0 1 2] \
        [--seeds 0 1 2] [--work-dir work_dirs/proxy_partitions]

The selection and the 38 challengers were all scored on one partition of
the train split into 3 folds of whole source videos
(:func:`proxy_folds.group_folds`). A recipe chosen as the best of many on
one partition is likely to score a little better there than it would on
clips it was not chosen on; the reference baseline was never chosen
there. Each partition of ``--partitions`` is another 3-fold split of the
same 47 videos (:func:`proxy_folds.shuffled_folds`, shuffled with the
partition's number). On each fold and for each seed the shipped recipe
(``configs/proxy/surveillance_lr.py`` with the fold's annotation files)
trains with the stock ``tools/train.py`` and is scored on the held-out
fold at its last epoch, and the reference forest (forest seed = the seed)
is fitted on the same fit clips; macro-F1 at threshold 0.5, per seed the
mean over the folds, the recipe's lead paired by seed. The selection's own
partition is the confirmation's: the recipe's runs on this machine (same
numerics fingerprint) read from its ledger (``proxy_confirm_runs.json``).
Writes ``proxy_partitions.md`` / ``.json`` to ``--out``; resumable (a
finished training in the work dir is not run again, and partitions are
run in order, so a stopped run keeps its finished partitions). The runs
stay in the work dir; ``--report`` rewrites the table from the committed
JSON without them.
"""
import argparse
import json
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

from proxy_candidates import SHIPPED, candidate_name
from proxy_confirm import CONFIRM_LEDGER, numerics, paired_difference_test
from proxy_folds import group_folds, shuffled_folds
from proxy_learning_curve import (curve_row, fit_of, full_fit_recipe,
                                  lead_cells, recipe_on_subset,
                                  reference_f1, reference_on_parts,
                                  train_split_features, write_subset)
from proxy_runs import (REPO, ProxyRuns, RunLedger, add_run_arguments, machine,
                        start_runs)
from tiny_action.utils.fileio import atomic_write_bytes, write_json_atomic


def partition_files(runs: ProxyRuns, entries: List[dict], partition: int
                    ) -> Tuple[List[List[int]], str, List[List[str]]]:
    """The :func:`proxy_folds.shuffled_folds` partition ``partition``: its
    held-out entry indices per fold, the name of the recipe's runs on it
    and each fold's ``[fit, held]`` annotation files (written to
    ``<work_dir>/folds``, once per fold)."""
    parts = shuffled_folds(entries, partition)
    name = f'{candidate_name(SHIPPED)}_part{partition}'
    files = [write_subset(entries, fit_of(len(entries), held), held,
                          osp.join(runs.work_dir, 'folds'), f'{name}_fold{k}')
             for k, held in enumerate(parts)]
    return parts, name, files


def partition_row(runs: ProxyRuns, entries: List[dict], partition: int,
                  x: np.ndarray, y: np.ndarray,
                  seeds: Sequence[int]) -> Dict:
    """The recipe (:func:`proxy_learning_curve.recipe_on_subset`) and the
    reference (:func:`proxy_learning_curve.reference_f1`) on each fold of
    the :func:`proxy_folds.shuffled_folds` partition ``partition``, for
    each seed: the row of :func:`proxy_learning_curve.curve_row`, with the
    folds' held-out clip counts (``held``) and the trainings' ``cpu``."""
    parts, name, files = partition_files(runs, entries, partition)
    fits = [fit_of(len(entries), held) for held in parts]
    recipe, reference, cpu = {}, {}, 0.0
    for seed in seeds:
        recipe[seed], reference[seed] = [], []
        for k, (fit, held) in enumerate(zip(fits, parts)):
            run = f'{name}/seed{seed}/fold{k}'
            print(f'[partitions] {run}: {len(fit)} fit, {len(held)} '
                  'held-out clips', flush=True)
            result = recipe_on_subset(runs, files[k], run, seed)
            recipe[seed].append(result['f1'])
            cpu += result['cpu'] or 0.0
            reference[seed].append(reference_f1(x, y, fit, held, seed))
    return dict(_row(f'partition {partition}', partition, len(entries),
                     parts, recipe, reference), cpu=cpu)


def selection_row(ledger: RunLedger, entries: List[dict], x: np.ndarray,
                  y: np.ndarray, seeds: Sequence[int],
                  fingerprint: str) -> Dict:
    """The same row on the selection's partition
    (:func:`proxy_folds.group_folds`): the recipe's confirmation runs on
    numerics ``fingerprint`` from ``ledger``, the reference fitted on the
    same folds."""
    parts = group_folds(entries)
    return _row('the selection\'s (`group_folds`)', None, len(entries),
                parts, full_fit_recipe(ledger, parts, seeds, fingerprint),
                reference_on_parts(x, y, parts, seeds))


def _row(label: str, partition, num_clips: int, parts: List[List[int]],
         recipe: Dict[int, List[float]],
         reference: Dict[int, List[float]]) -> Dict:
    """:func:`proxy_learning_curve.curve_row` of a partition ``parts`` of
    ``num_clips`` clips, with its ``partition`` number (None for the
    selection's) and the folds' held-out clip counts ``held``."""
    row = curve_row(label, np.mean([num_clips - len(h) for h in parts]),
                    recipe, reference)
    return dict(row, partition=partition, held=[len(h) for h in parts])


def lead_summary(rows: List[Dict]) -> Dict:
    """The recipe's lead over the new partitions (``partition`` not None):
    each partition's lead (mean over its seeds), their mean, and a
    one-sample t-test of those leads against 0 (one value a partition,
    so the seeds of a partition do not count as independent);
    ``selection_minus_new``: the selection partition's lead less that
    mean (the part of its lead that did not carry over)."""
    new = [r['lead'] for r in rows if r['partition'] is not None]
    lead, se, p = paired_difference_test(new, [0.0] * len(new))
    chosen = [r['lead'] for r in rows if r['partition'] is None]
    return dict(leads=new, lead=lead, lead_se=se, lead_p=p,
                selection_minus_new=(chosen[0] - lead if chosen else None))


def partitions_markdown(rows: List[Dict], summary: Dict, fingerprint: str,
                        cpu: float) -> str:
    """The rows as a markdown table, the summary, and how it was
    measured."""
    lines = [
        'The recipe against the reference on other partitions of the train '
        'split (`python benchmarks/proxy_partitions.py`): 3 folds of whole '
        'source videos each, the shipped recipe trained on the fit folds '
        'and scored on the held-out fold at its last epoch, the reference '
        'forest fitted on the same clips; macro-F1 at threshold 0.5, per '
        'seed the mean over the 3 folds. The selection\'s partition is the '
        f'confirmation\'s recipe runs on numerics `{fingerprint}`. Val was '
        'not used.', '',
        '| partition | held-out clips per fold | recipe per seed | recipe | '
        'reference per seed | reference | recipe minus reference (paired '
        'by seed) |', '|---|---|---|---|---|---|---|']
    for r in rows:
        lines.append(f"| {r['label']} | "
                     f"{' / '.join(str(n) for n in r['held'])} | "
                     f'{lead_cells(r)} |')
    if summary['leads']:
        text = (f"Over the {len(summary['leads'])} new partitions the recipe "
                f"leads by {summary['lead']:+.3f}")
        if len(summary['leads']) > 1:
            text += (f" ± {summary['lead_se']:.3f} (one lead a partition, "
                     f"p = {summary['lead_p']:.2f})")
        if summary['selection_minus_new'] is not None:
            text += ('; on the selection\'s partition it leads by '
                     f"{summary['lead'] + summary['selection_minus_new']:+.3f}"
                     f" ({summary['selection_minus_new']:+.3f} against the "
                     'new partitions\' mean)')
        lines += ['', text + '.']
    lines += ['', f'CPU time of the new partitions\' trainings: {cpu:.0f} s.']
    return '\n'.join(lines) + '\n'


def report_from_json(path: str) -> str:
    """The table of a finished run of this benchmark, from its JSON
    (``proxy_partitions.json``: ``rows``, ``summary``, ``machine``,
    ``cpu_seconds``), without training.

    Raises:
        FileNotFoundError: ``path`` does not exist (run the benchmark
            without ``--report`` first).
        ValueError: The file lacks one of those keys (named).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no results to report; run '
                                'benchmarks/proxy_partitions.py without '
                                '--report first')
    with open(path) as f:
        result = json.load(f)
    missing = [k for k in ('rows', 'summary', 'machine', 'cpu_seconds')
               if k not in result]
    if missing:
        raise ValueError(f'{path}: missing {missing}; expected the JSON '
                         'that benchmarks/proxy_partitions.py writes')
    return partitions_markdown(result['rows'], result['summary'],
                               numerics(dict(machine=result['machine'])),
                               result['cpu_seconds'])


def measure(args) -> str:
    """Trains what the work dir lacks, writes ``proxy_partitions.json`` to
    ``--out`` and returns the table."""
    data, runs = start_runs(args)
    entries, x, y = train_split_features(data)
    fingerprint = numerics(dict(machine=machine(runs.threads)))
    rows = [selection_row(RunLedger(osp.join(REPO, args.out,
                                             CONFIRM_LEDGER)),
                          entries, x, y, args.seeds, fingerprint)]
    rows += [partition_row(runs, entries, p, x, y, args.seeds)
             for p in args.partitions]
    cpu = sum(r.pop('cpu', 0.0) for r in rows)
    summary = lead_summary(rows)
    write_json_atomic(osp.join(REPO, args.out, 'proxy_partitions.json'),
                      dict(rows=rows, summary=summary,
                           machine=machine(runs.threads), cpu_seconds=cpu))
    return partitions_markdown(rows, summary, fingerprint, cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser, 'work_dirs/proxy_partitions')
    parser.add_argument('--partitions', type=int, nargs='+',
                        default=[0, 1, 2],
                        help='numbers of the shuffled partitions, one row '
                        'each (shuffled_folds seeds)')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--out', default='benchmarks/results')
    parser.add_argument('--report', action='store_true',
                        help='train nothing: rewrite the table from the '
                        'JSON in --out')
    args = parser.parse_args()
    if args.report:
        text = report_from_json(osp.join(REPO, args.out,
                                         'proxy_partitions.json'))
    else:
        text = measure(args)
    atomic_write_bytes(osp.join(REPO, args.out, 'proxy_partitions.md'),
                       text.encode('utf-8'))
    print(text)


if __name__ == '__main__':
    main()
