"""Distillation on the real proxy, measured by cross-validation inside train:
a second estimate of what KD does, on held-out clips that val never sees.

    python benchmarks/proxy_kd_cv.py [--data ../shared/data/tiny_surveillance] \
        [--work-dir work_dirs/proxy_kd_cv] [--out benchmarks/results] \
        [--alphas 0.5 0.8]

The 51 val clips cannot separate models less than about 0.1 macro-F1 apart
(``proxy_surveillance.py`` prints the paired-bootstrap interval), and the KD
alpha must not be chosen on val. So the shipped configs are run on the same
3 folds of whole source videos as ``proxy_selection.py``: per fold, the
high-res teacher (``surveillance_hr.py``) on the fit part, then the plain
student (``surveillance_lr.py``) and the KD student (``surveillance_kd.py``,
the paper's MSE, at each ``--alphas``) on the fit part with that teacher,
each scored on the held-out part at its last epoch. Only the annotation
files (and the val video folder) are changed; every other key is the
shipped config's. Writes ``proxy_kd_cv.md`` / ``.json`` to ``--out``;
resumable.
"""
import argparse
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np

from proxy_runs import (DATA_LINK, REPO, ProxyRuns, add_run_arguments,
                        final_val, last_checkpoint, start_runs)
from proxy_folds import reference_on_folds, train_folds
from proxy_surveillance import stats
from tiny_action.utils.fileio import atomic_write_bytes, write_json_atomic

CFG = osp.join(REPO, 'configs', 'proxy')
#: run name -> (shipped config, videos of the held-out part)
MODELS = {
    'hr': ('surveillance_hr.py', 'hr'),
    'lr': ('surveillance_lr.py', 'lr'),
    'kd': ('surveillance_kd.py', 'lr'),
}


def fold_config(model: str, fit: str, held: str) -> str:
    """Config text: the shipped ``model`` config trained on the ``fit``
    annotation file and validated on ``held`` (both train clips)."""
    config, res = MODELS[model]
    video = f'{DATA_LINK}/train/{res}'
    return '\n'.join([
        f'_base_ = [{osp.join(CFG, config)!r}]',
        f'train_dataloader = dict(dataset=dict(ann_file={fit!r}))',
        f'val_dataloader = dict(dataset=dict(ann_file={held!r}, '
        f'data_prefix=dict(video={video!r})))',
        'test_dataloader = val_dataloader', ''])


def run_fold(runs: ProxyRuns, k: int, fit: str, held: str,
             alphas: Sequence[float]) -> Dict[str, float]:
    """Teacher, plain student and KD students of fold ``k``; held-out F1 of
    each (``'hr'``, ``'lr'``, ``'kd_a<alpha>'``)."""
    cfg_dir = osp.join(runs.work_dir, 'configs')
    configs = {}
    for model in MODELS:
        configs[model] = osp.join(cfg_dir, f'{model}_fold{k}.py')
        atomic_write_bytes(configs[model],
                           fold_config(model, fit, held).encode('utf-8'))
    scores = {}
    for model in ('hr', 'lr'):
        scores[model] = final_val(runs.train(f'{model}/fold{k}',
                                             configs[model]))['f1']
    teacher = last_checkpoint(osp.join(runs.work_dir, 'hr', f'fold{k}'))
    for alpha in alphas:
        name = f'kd_a{alpha:g}'
        scores[name] = final_val(runs.train(
            f'{name}/fold{k}', configs['kd'],
            [f'model.teacher_ckpt={teacher}',
             f'model.student_overrides.cls_head.alpha={alpha}']))['f1']
        print(f'[kd-cv] fold {k}: {scores}', flush=True)
    return scores


def summary(per_fold: List[Dict[str, float]]) -> Dict[str, Dict]:
    """Mean / std (ddof 1) over folds, and per fold, of every run name."""
    return {name: stats([f[name] for f in per_fold]) for name in per_fold[0]}


def markdown(table: Dict[str, Dict], reference: List[float]) -> str:
    """The fold scores as markdown, KD rows with their change over the
    plain student on the same folds."""
    lines = [
        'KD on the real proxy by 3-fold cross-validation inside the 173 '
        'train clips (folds by source video, as in `proxy_selection.py`; '
        'shipped configs, only the annotation files changed; '
        '`benchmarks/proxy_kd_cv.py`). Held-out macro-F1 at threshold 0.5, '
        'last epoch.', '',
        '| model | held-out F1 per fold | mean ± std | change vs plain '
        'student (per fold) |', '|---|---|---|---|',
        '| reference baseline (motion features + forest) | ' +
        ' / '.join(f'{v:.3f}' for v in reference) +
        f' | {np.mean(reference):.3f} | |']
    plain = table['lr']['values']
    labels = dict(hr='high-res teacher (hr/)', lr='plain low-res student '
                  '(the recipe)')
    for name, s in table.items():
        label = labels.get(name, f'KD student, paper MSE, alpha '
                           f'{name[len("kd_a"):]}')
        change = ''
        if name.startswith('kd_'):
            deltas = [v - p for v, p in zip(s['values'], plain)]
            change = (f"{np.mean(deltas):+.3f} (" +
                      ' / '.join(f'{d:+.3f}' for d in deltas) + ')')
        lines.append(f"| {label} | " +
                     ' / '.join(f'{v:.3f}' for v in s['values']) +
                     f" | {s['mean']:.3f} ± {s['std']:.3f} | {change} |")
    return '\n'.join(lines) + '\n'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser, 'work_dirs/proxy_kd_cv')
    parser.add_argument('--out', default='benchmarks/results')
    parser.add_argument('--alphas', type=float, nargs='+', default=[0.5, 0.8])
    args = parser.parse_args()
    data, runs = start_runs(args)
    parts, folds = train_folds(data, runs.work_dir)
    reference = reference_on_folds(data, parts)
    per_fold = [run_fold(runs, k, fit, held, args.alphas)
                for k, (fit, held) in enumerate(folds)]
    table = summary(per_fold)
    text = markdown(table, reference)
    text += (f"\nWhole command: {runs.total('wall') / 60:.1f} min wall, "
             f"{runs.total('cpu') / 60:.1f} min CPU.\n")
    atomic_write_bytes(osp.join(REPO, args.out, 'proxy_kd_cv.md'),
                       text.encode('utf-8'))
    write_json_atomic(osp.join(REPO, args.out, 'proxy_kd_cv.json'),
                      dict(table=table, reference=reference,
                           alphas=list(args.alphas)))
    print(text)


if __name__ == '__main__':
    main()
