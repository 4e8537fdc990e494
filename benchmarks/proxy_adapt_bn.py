"""Test-time BatchNorm adaptation (``TestTimeBNHook``) on the real proxy,
measured inside train on the recipe's partition runs (val is not used).

    python benchmarks/proxy_adapt_bn.py \
        [--data ../shared/data/tiny_surveillance] [--partitions 0 1 2] \
        [--seeds 0 1 2] [--work-dir work_dirs/proxy_partitions]

Every fold run of ``proxy_partitions.py`` (the shipped recipe trained with
the stock ``tools/train.py`` on two folds of a shuffled partition of the
train videos, :func:`proxy_folds.shuffled_folds`) is tested twice with the
stock ``tools/test.py --dump`` on its held-out fold, from its last
checkpoint: as trained, and with ``custom_hooks=[TestTimeBNHook]`` (the
BatchNorm statistics re-estimated on the held-out clips' inputs, never
their labels, before they are scored). The held-out videos are cameras the
run never saw, as val's and a user's are. Macro-F1 at threshold 0.5 per
fold; per (partition, seed) the mean over the folds; the change paired on
the same weights, decided by the confirmation's paired t-test
(:func:`proxy_confirm.paired_runs`, ``--alpha``) over the partitions'
seeds. A fold run the work dir lacks is trained first (as
``proxy_partitions.py`` would). Writes ``proxy_adapt_bn.md`` / ``.json``
to ``--out``; ``--report`` rewrites the table from the JSON.

With ``--val`` it also trains the shipped recipe on all of train (seeds
``--seeds``, as ``proxy_surveillance.py`` does) and scores val both ways:
reported beside the decision, never part of it (val chooses nothing).
"""
import argparse
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np

from proxy_confirm import ALPHA, change_text, paired_runs, verdict_text
from proxy_folds import trained_history
from proxy_learning_curve import (mean_std, recipe_on_subset,
                                  train_split_features)
from proxy_partitions import partition_files
from proxy_runs import (REPO, ProxyRuns, add_run_arguments, file_sha256,
                        last_checkpoint, machine, start_runs,
                        training_seconds)
from tiny_action.evaluation import macro_prf
from tiny_action.tools.ensemble import load_dump
from tiny_action.utils.fileio import atomic_write_bytes, write_json_atomic

#: what the adapted test adds to the fold run's config.
ADAPT = "custom_hooks = [dict(type='TestTimeBNHook')]\n"
#: the shipped recipe (trained on all of train, tested on val).
RECIPE = 'configs/proxy/surveillance_lr.py'
#: the hook's source: the adapted dumps are named after its content, so a
#: changed hook is never answered from an old dump.
HOOK_SOURCE = osp.join(REPO, 'projects', 'tiny_action', 'engine', 'hooks',
                       'test_time_bn_hook.py')


def adapted_tag() -> str:
    """``tbn-<first 8 hex digits of the hook source's SHA-256>``."""
    return 'tbn-' + file_sha256(HOOK_SOURCE)[:8]


def adapted_config(config: str, path: Optional[str] = None) -> str:
    """A config deriving from ``config`` with :data:`ADAPT`, written to
    ``path`` (default: beside it as ``<name>_tbn.py``)."""
    path = path or config[:-len('.py')] + '_tbn.py'
    atomic_write_bytes(path, (f'_base_ = [{osp.abspath(config)!r}]\n'
                              + ADAPT).encode('utf-8'))
    return path


def dump_f1(dump: str, held_ids: Optional[List[str]] = None) -> float:
    """Macro-F1 at 0.5 of a ``--dump`` (that must score ``held_ids`` in
    order, when given).

    Raises:
        RuntimeError: The dump scores other clips.
    """
    scores = load_dump(dump)
    ids = list(scores.meta.get('id', []))
    if held_ids is not None and ids != held_ids:
        raise RuntimeError(f'{dump} scores the clips {ids}, not the '
                           f'held-out clips {held_ids} in order')
    return float(macro_prf(scores.scores, scores.labels)['f1'])


def both_ways(runs: ProxyRuns, run: str, config: str, adapted: str,
              ckpt: str, logged: float,
              held_ids: Optional[List[str]] = None) -> Dict:
    """``ckpt`` of run ``run`` tested with ``config`` as trained
    (``plain``, which must be ``logged``, the F1 its training logged on the
    same clips, to 1e-4) and with the ``adapted`` config (``adapted``),
    with ``logged`` and the names of the two ``tests``.

    Raises:
        RuntimeError: ``plain`` is not ``logged``.
    """
    tag = run.replace('/', '_')
    tests = [f'{tag}_plain', f'{tag}_{adapted_tag()}']
    plain = dump_f1(runs.test(tests[0], config, ckpt), held_ids)
    if abs(plain - logged) > 1e-4:
        raise RuntimeError(f'{run}: tools/test.py scores {plain:.4f}, the '
                           f'training logged {logged:.4f} on the same clips')
    return dict(plain=plain,
                adapted=dump_f1(runs.test(tests[1], adapted, ckpt), held_ids),
                logged=logged, tests=tests)


def fold_pair(runs: ProxyRuns, files: List[str], run: str, seed: int,
              held_ids: List[str]) -> Dict:
    """:func:`both_ways` of the fold run ``run`` (trained by
    :func:`recipe_on_subset` unless finished) from its last checkpoint on
    its held-out clips ``held_ids``."""
    logged = recipe_on_subset(runs, files, run, seed)['f1']
    config = osp.join(runs.work_dir, 'configs', f"{run.replace('/', '_')}.py")
    return both_ways(runs, run, config, adapted_config(config),
                     last_checkpoint(osp.join(runs.work_dir, run)), logged,
                     held_ids)


def partition_pairs(runs: ProxyRuns, entries: List[dict], partition: int,
                    seeds: Sequence[int]) -> Dict[int, List[Dict]]:
    """Per seed, :func:`fold_pair` of each fold of the shuffled partition
    ``partition`` (the runs and files of ``proxy_partitions.py``)."""
    parts, name, files = partition_files(runs, entries, partition)
    out = {}
    for seed in seeds:
        out[seed] = []
        for k, held in enumerate(parts):
            run = f'{name}/seed{seed}/fold{k}'
            print(f'[adapt_bn] {run}', flush=True)
            out[seed].append(fold_pair(runs, files[k], run, seed,
                                       [entries[i]['id'] for i in held]))
    return out


def val_pairs(runs: ProxyRuns, seeds: Sequence[int]) -> Dict[int, Dict]:
    """Per seed, the shipped recipe trained on all of train (run
    ``val/lr/seed<seed>``, ``randomness.seed``) and scored on val from its
    last checkpoint as trained (``plain``, which must be its last
    validation's F1 to 1e-4) and adapted (``adapted``): :func:`both_ways`
    with its training's ``train_cpu`` (None when not timed in this work
    dir)."""
    out = {}
    adapted = adapted_config(
        osp.join(REPO, RECIPE),
        osp.join(runs.work_dir, 'configs', 'surveillance_lr_tbn.py'))
    for seed in seeds:
        run = f'val/lr/seed{seed}'
        print(f'[adapt_bn] {run}', flush=True)
        run_dir, history = trained_history(runs, run, RECIPE,
                                           [f'randomness.seed={seed}'])
        out[seed] = dict(
            both_ways(runs, run, RECIPE, adapted, last_checkpoint(run_dir),
                      float(history[-1]['f1'])),
            train_cpu=training_seconds(runs, run)['cpu'])
    return out


def committed_val(out_dir: str) -> Dict:
    """The committed val table's recipe per seed and reference mean
    (``proxy_surveillance.json`` in ``out_dir``)."""
    with open(osp.join(out_dir, 'proxy_surveillance.json')) as f:
        table = json.load(f)
    rows = {r['key']: r for r in table['rows']}
    return dict(recipe=rows['lr']['f1']['values'],
                reference=rows['reference']['f1']['mean'])


def summarize(pairs: Dict[int, Dict[int, List[Dict]]],
              alpha: float = ALPHA) -> Dict:
    """The paired decision over every (partition, seed) unit
    (:func:`proxy_confirm.paired_runs`), and per partition its own."""
    def decision(units):
        return paired_runs([[f['adapted'] for f in u] for u in units],
                           [[f['plain'] for f in u] for u in units], alpha)
    overall = decision([u for p in pairs.values() for u in p.values()])
    return dict(overall=overall,
                partitions={p: decision(list(s.values()))
                            for p, s in pairs.items()})


def cpu_text(seconds: Sequence[Optional[float]], what: str) -> str:
    """``'<n> <what> took <sum> CPU s'``, naming how many were not timed
    (their seconds are not in the sum)."""
    timed = [s for s in seconds if s is not None]
    text = f'{len(seconds)} {what} took {sum(timed):.0f} CPU s'
    if len(timed) < len(seconds):
        text += f' ({len(seconds) - len(timed)} of them not timed here)'
    return text


def val_markdown(val: Dict, table: Dict, alpha: float) -> List[str]:
    """The ``--val`` lines: the recipe trained on all of train, on val as
    trained and adapted, beside the committed val table."""
    plain = [v['plain'] for v in val.values()]
    adapted = [v['adapted'] for v in val.values()]
    r = paired_runs([[a] for a in adapted], [[p] for p in plain], alpha)
    return [
        '', '## On val (reported: it decides nothing)', '',
        'The shipped recipe trained on all of train (`tools/train.py '
        f'{RECIPE}`, seeds {", ".join(map(str, val))}), scored on val from '
        'its last checkpoint:', '',
        '| recipe | per seed | mean ± std |', '|---|---|---|',
        '| as trained (this run) | ' + ' / '.join(f'{v:.3f}' for v in plain)
        + f' | {mean_std(plain)} |',
        '| with TestTimeBNHook | ' + ' / '.join(f'{v:.3f}' for v in adapted)
        + f' | {mean_std(adapted)} |',
        '| as trained (committed val table) | ' + ' / '.join(
            f'{v:.3f}' for v in table['recipe'])
        + f" | {mean_std(table['recipe'])} |",
        f"| reference baseline (committed val table) | | "
        f"{table['reference']:.3f} |", '',
        f'Change with the hook, paired by seed: {change_text(r)}, '
        f'{verdict_text(r)}. The '
        + cpu_text([v['train_cpu'] for v in val.values()], 'trainings')
        + '.']


def markdown(result: Dict) -> str:
    """The table of a :func:`measure` result."""
    pairs = result['pairs']
    runs = sum(len(f) for p in pairs.values() for f in p.values())
    seeds = sorted({int(s) for p in pairs.values() for s in p})
    lines = [
        '# Test-time BatchNorm adaptation inside train', '',
        f"The shipped recipe's fold runs of `proxy_partitions.py` "
        f'({len(pairs)} shuffled partitions of the train videos into folds, '
        f'seeds {", ".join(map(str, seeds))}: {runs} trainings), each '
        'tested from its last checkpoint on its held-out fold as trained '
        'and with `TestTimeBNHook` (BatchNorm statistics re-estimated on the '
        "held-out clips' inputs before they are scored; no label read). "
        'Macro-F1 at 0.5, per seed the mean over the folds; the change is '
        "paired on the same weights (t-test over the partitions' seeds, "
        f"alpha {result['alpha']}). Val was not used.", '',
        '| partition | as trained, per seed | with TestTimeBNHook, per seed '
        '| change ± se | folds up / down | verdict |',
        '|---|---|---|---|---|---|']
    for p, r in result['summary']['partitions'].items():
        lines.append(
            f'| shuffled {p} | '
            + ' / '.join(f'{v:.3f}' for v in r['without_means']) + ' | '
            + ' / '.join(f'{v:.3f}' for v in r['with_means'])
            + f" | {change_text(r)} | {r['runs_up']} / {r['runs_down']} | "
            f'{verdict_text(r)} |')
    r = result['summary']['overall']
    lines.append(
        f"| **all {len(r['with_means'])} (partition, seed)** | "
        f"{np.mean(r['without_means']):.3f} | {np.mean(r['with_means']):.3f}"
        f" | {change_text(r)} | {r['runs_up']} / {r['runs_down']} | "
        f'**{verdict_text(r)}** |')
    if 'val' in result:
        lines += val_markdown(result['val'], result['val_table'],
                              result['alpha'])
    untimed = result['tests_untimed']
    lines += ['', f"{result['tests']} tests, {result['test_cpu']:.0f} CPU s "
              'of tools/test.py'
              + (f' ({untimed} of them not timed here)' if untimed else '')
              + f", {result['machine']}.", '']
    return '\n'.join(lines)


def measure(args) -> Dict:
    """Tests (and trains) what the work dir lacks; the result as written
    to ``proxy_adapt_bn.json``."""
    data, runs = start_runs(args)
    entries, _, _ = train_split_features(data)
    pairs = {p: partition_pairs(runs, entries, p, args.seeds)
             for p in args.partitions}
    out = dict(pairs=pairs, summary=summarize(pairs, args.alpha),
               alpha=args.alpha, seeds=list(args.seeds))
    tests = [t for p in pairs.values() for s in p.values() for f in s
             for t in f['tests']]
    if args.val:
        out['val'] = val_pairs(runs, args.seeds)
        out['val_table'] = committed_val(osp.join(REPO, args.out))
        tests += [t for v in out['val'].values() for t in v['tests']]
    timed = [runs.timings[f'test_{t}']['cpu'] for t in tests
             if f'test_{t}' in runs.timings]
    return dict(out, tests=len(tests), tests_untimed=len(tests) - len(timed),
                test_cpu=float(sum(timed)), machine=machine(runs.threads))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser, 'work_dirs/proxy_partitions')
    parser.add_argument('--partitions', type=int, nargs='+',
                        default=[0, 1, 2])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--alpha', type=float, default=ALPHA)
    parser.add_argument('--out', default='benchmarks/results')
    parser.add_argument('--val', action='store_true',
                        help='also train the recipe on all of train and '
                        'report val both ways (decides nothing)')
    parser.add_argument('--report', action='store_true',
                        help='test nothing: rewrite the table from the '
                        'JSON in --out')
    args = parser.parse_args()
    path = osp.join(REPO, args.out, 'proxy_adapt_bn.json')
    if args.report:
        with open(path) as f:
            result = json.load(f)
    else:
        result = measure(args)
        write_json_atomic(path, result)
        result = json.loads(json.dumps(result))  # keys as the JSON has them
    text = markdown(result)
    atomic_write_bytes(osp.join(REPO, args.out, 'proxy_adapt_bn.md'),
                       text.encode('utf-8'))
    print(text)


if __name__ == '__main__':
    main()
