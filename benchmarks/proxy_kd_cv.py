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
from typing import Dict, List, Sequence, Tuple

import numpy as np

from proxy_runs import (DATA_LINK, DEFAULT_DATA, REPO, ProxyRuns,
                        epoch_checkpoints, link_data,
                        stop_children_on_sigterm, val_history)
from proxy_selection import group_folds, write_folds
from tiny_action.datasets.annotations import read_annotation_entries
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


def last_f1(run_dir: str) -> float:
    """Held-out macro-F1 logged at the last validation of a run."""
    history = val_history(run_dir)
    if not history:
        raise RuntimeError(f'{run_dir} logged no validation')
    return float(history[-1]['f1'])


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
        scores[model] = last_f1(runs.train(f'{model}/fold{k}',
                                           configs[model]))
    ckpts = epoch_checkpoints(osp.join(runs.work_dir, 'hr', f'fold{k}'))
    if not ckpts:
        raise RuntimeError(f'the fold-{k} teacher kept no checkpoint')
    teacher = ckpts[max(ckpts)]
    for alpha in alphas:
        name = f'kd_a{alpha:g}'
        scores[name] = last_f1(runs.train(
            f'{name}/fold{k}', configs['kd'],
            [f'model.teacher_ckpt={teacher}',
             f'model.student_overrides.cls_head.alpha={alpha}']))
        print(f'[kd-cv] fold {k}: {scores}', flush=True)
    return scores


def summary(per_fold: List[Dict[str, float]]) -> Dict[str, Dict]:
    """Mean / std (ddof 1) over folds, and per fold, of every run name."""
    out = {}
    for name in per_fold[0]:
        values = [f[name] for f in per_fold]
        out[name] = dict(values=values, mean=float(np.mean(values)),
                         std=float(np.std(values, ddof=1)))
    return out


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


def folds_and_reference(data: str, work_dir: str
                        ) -> Tuple[List[Tuple[str, str]], List[float]]:
    """The selection's fold files (rewritten, same split) and the
    reference baseline's held-out F1 on them."""
    from proxy_selection import reference_on_folds
    entries = read_annotation_entries(
        osp.join(data, 'train', 'annotations.json'))
    parts = group_folds(entries)
    folds = write_folds(entries, parts, osp.join(work_dir, 'folds'))
    return folds, reference_on_folds(data, parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data', default=DEFAULT_DATA,
                        help='tiny_surveillance folder linked to '
                        f'{DATA_LINK} when that is absent')
    parser.add_argument('--work-dir', default='work_dirs/proxy_kd_cv')
    parser.add_argument('--out', default='benchmarks/results')
    parser.add_argument('--alphas', type=float, nargs='+', default=[0.5, 0.8])
    parser.add_argument('--threads', type=int, default=1,
                        help='OMP_NUM_THREADS of the trainings (at most 2)')
    args = parser.parse_args()
    stop_children_on_sigterm()
    data = link_data(args.data)
    work_dir = osp.join(REPO, args.work_dir)
    runs = ProxyRuns(work_dir, threads=args.threads)
    folds, reference = folds_and_reference(data, work_dir)
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
