"""Real proxy: the CPU recipe and each mechanism of the paper measured on
real tiny CCTV clips (fight / no_fight), 3 seeds each, beside a handcrafted
reference baseline.

    python benchmarks/proxy_surveillance.py [--data ../shared/data/tiny_surveillance] \
        [--work-dir work_dirs/proxy] [--out benchmarks/results] [--seeds 0 1 2]

The configs under configs/proxy/ read ``data/tiny_surveillance``; when that
path is absent it is linked to ``--data`` (a user points it at their own
clips the same way). Every model is trained from scratch with the stock
``tools/train.py``, one at a time, and scored on val at its last epoch (val
never selects anything: the recipe was chosen by cross-validation inside
train, ``benchmarks/proxy_selection.py``). Rows:

* reference baseline (``benchmarks/reference_baseline.py``) and chance;
* the recipe (``surveillance_lr.py``) and its variants: the other frame
  sampling, data balance on, the high-res teacher, the KD student (paper
  loss at three ``alpha``, and the soft-target BCE option);
* from the recipe's own runs: the checkpoint ensemble (paper section 4) and
  per-class thresholds tuned by 5-fold cross-validation on val.

It also measures the gradient norms of the two KD terms. Writes
``proxy_surveillance.md`` (tables), ``proxy_surveillance.png`` (bar chart,
mean and std over seeds) and ``proxy_surveillance.json`` to ``--out``;
resumable (finished trainings and tests are skipped).
"""
import argparse
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence

import numpy as np

from proxy_runs import (REPO, ProxyRuns, add_run_arguments, epoch_checkpoints,
                        start_runs, val_history)
from tiny_action.evaluation import (binarize,
                                                               macro_prf)
from tiny_action.utils.fileio import atomic_path, atomic_write_bytes, \
    write_json_atomic

CFG = 'configs/proxy/'
#: name -> (row label, config, extra --cfg-options, teacher needed)
VARIANTS = {
    'lr': ('recipe: low-res, 16 uniform segments', CFG + 'surveillance_lr.py',
           (), False),
    'lr_dense': ('recipe, dense consecutive sampling instead',
                 CFG + 'surveillance_lr_dense.py', (), False),
    'lr_balance': ('recipe + data balance (flipped fight copies)',
                   CFG + 'surveillance_lr_balance.py', (), False),
    'hr': ('high-res teacher (hr/ as the SR stand-in)',
           CFG + 'surveillance_hr.py', (), False),
    'kd': ('KD student, paper MSE, alpha 0.5', CFG + 'surveillance_kd.py',
           (), True),
    'kd_a0.2': ('KD student, paper MSE, alpha 0.2', CFG + 'surveillance_kd.py',
                ('model.student_overrides.cls_head.alpha=0.2', ), True),
    'kd_a0.8': ('KD student, paper MSE, alpha 0.8', CFG + 'surveillance_kd.py',
                ('model.student_overrides.cls_head.alpha=0.8', ), True),
    'kd_bce': ('KD student, soft-target BCE option, alpha 0.5',
               CFG + 'surveillance_kd_bce.py', (), True),
}
#: ensemble members: these fractions of the schedule (the checkpoints).
ENSEMBLE_AT = (0.5, 0.75, 1.0)
THRESHOLD_FOLDS = 5
BOOTSTRAP_ROUNDS = 2000


def stats(values: Sequence[float]) -> Dict:
    """Mean and sample std (ddof 1) of per-seed values."""
    values = [float(v) for v in values]
    std = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    return dict(values=values, mean=float(np.mean(values)), std=std)


def train_all(runs: ProxyRuns, seeds: Sequence[int], reference: Dict,
              skip: Sequence[str] = ()) -> Dict[str, List[str]]:
    """Train every variant but ``skip`` for every seed (teachers first),
    printing each val score beside the reference baseline; run folders."""
    order = [n for n, v in VARIANTS.items() if not v[3] and n not in skip] + \
        [n for n, v in VARIANTS.items() if v[3] and n not in skip]
    total, done, dirs = len(order) * len(seeds), 0, {}
    start = time.time()
    for name in order:
        label, config, options, needs_teacher = VARIANTS[name]
        for seed in seeds:
            opts = [f'randomness.seed={seed}'] + list(options)
            if needs_teacher:
                opts.append('model.teacher_ckpt=' +
                            last_checkpoint(dirs['hr'][seeds.index(seed)]))
            done += 1
            print(f'[proxy] ({done}/{total}, {(time.time() - start) / 60:.1f}'
                  f' min) {name} seed {seed}: {label}', flush=True)
            run_dir = runs.train(f'{name}/seed{seed}', config, opts)
            report_run(name, run_dir, reference)
            dirs.setdefault(name, []).append(run_dir)
    return dirs


def last_checkpoint(run_dir: str) -> str:
    """The checkpoint of the last epoch of a finished run."""
    ckpts = epoch_checkpoints(run_dir)
    if not ckpts:
        raise RuntimeError(f'{run_dir} has no epoch checkpoint')
    return ckpts[max(ckpts)]


def final_val(run_dir: str) -> Dict[str, float]:
    """Val macro-F1 / P / R / mAP logged at the last epoch of a run."""
    history = val_history(run_dir)
    if not history:
        raise RuntimeError(f'{run_dir} logged no validation')
    last = history[-1]
    return {k: float(last[k]) for k in ('f1', 'precision', 'recall', 'mAP')}


def recipe_dumps(runs: ProxyRuns, dirs: List[str]) -> List[Dict[int, str]]:
    """Val dumps of the recipe's ensemble checkpoints, per seed."""
    out = []
    for run_dir in dirs:
        ckpts = epoch_checkpoints(run_dir)
        last = max(ckpts)
        dumps = {}
        for frac in ENSEMBLE_AT:
            epoch = int(round(frac * last))
            if epoch not in ckpts:
                raise RuntimeError(f'{run_dir} has no checkpoint of epoch '
                                   f'{epoch} (kept: {sorted(ckpts)})')
            name = f'{osp.relpath(run_dir, runs.work_dir)}_e{epoch}'
            dumps[epoch] = runs.test(name.replace('/', '_'),
                                     VARIANTS['lr'][1], ckpts[epoch])
        out.append(dumps)
    return out


def cv_threshold_f1(scores: np.ndarray, labels: np.ndarray) -> float:
    """Macro-F1 of per-class thresholds tuned on 4/5 of the clips and
    applied to the other fifth, for each fifth (out-of-fold)."""
    from tiny_action.tools.ensemble import cross_validated_predictions
    preds = cross_validated_predictions(scores, labels, binarize,
                                        folds=THRESHOLD_FOLDS, seed=0)
    return macro_prf(preds.astype(np.float64), labels)['f1']


def post_rows(dumps: List[Dict[int, str]]) -> Dict[str, Dict]:
    """Single model / checkpoint ensemble, at 0.5 / CV-tuned thresholds
    (per seed), and the ensemble of the seeds' last checkpoints (one
    value)."""
    from tiny_action.tools.ensemble import load_dump, load_ensemble
    rows = {k: [] for k in ('single', 'single_thr', 'ens', 'ens_thr')}
    for per_seed in dumps:
        last = load_dump(per_seed[max(per_seed)])
        ens = load_ensemble([per_seed[e] for e in sorted(per_seed)])
        rows['single'].append(macro_prf(last.scores, last.labels)['f1'])
        rows['single_thr'].append(cv_threshold_f1(last.scores, last.labels))
        rows['ens'].append(macro_prf(ens.scores, ens.labels)['f1'])
        rows['ens_thr'].append(cv_threshold_f1(ens.scores, ens.labels))
    seeds = load_ensemble([d[max(d)] for d in dumps])
    rows['seed_ens'] = [macro_prf(seeds.scores, seeds.labels)['f1']]
    return {k: stats(v) for k, v in rows.items()}


def paired_bootstrap(recipe: List[np.ndarray], reference: List[np.ndarray],
                     labels: np.ndarray, rounds: int = BOOTSTRAP_ROUNDS,
                     seed: int = 0,
                     groups: Optional[List[np.ndarray]] = None
                     ) -> Dict[str, float]:
    """How sure the val set is of ``recipe - reference``: the difference of
    the mean-over-seeds macro-F1, and its 95% interval over bootstrap
    resamples of the val clips (one resample for both, so clip difficulty
    cancels).

    Args:
        recipe (list[np.ndarray]): ``(N, C)`` val scores per recipe seed.
        reference (list[np.ndarray]): ``(N, C)`` val scores per forest seed.
        labels (np.ndarray): ``(N, C)`` multi-hot val labels.
        groups (list[np.ndarray], optional): Clip indices of each source
            video. Given, whole videos are resampled (clips of one scene
            are not independent, so this interval is the honest one);
            otherwise single clips.

    Returns:
        dict: ``delta``, ``low``, ``high`` (2.5 / 97.5 percentiles) and
        ``p_better`` (share of resamples where the recipe is ahead).
    """
    rng = np.random.default_rng(seed)
    n = len(labels)
    if groups is None:
        groups = [np.array([i]) for i in range(n)]
    elif sorted(np.concatenate(groups).tolist()) != list(range(n)):
        raise ValueError(f'groups must cover the {n} clips exactly once')

    def delta(idx: np.ndarray) -> float:
        def mean_f1(scores):
            return np.mean([macro_prf(s[idx], labels[idx])['f1']
                            for s in scores])
        return float(mean_f1(recipe) - mean_f1(reference))

    def resample() -> np.ndarray:
        picked = rng.integers(0, len(groups), len(groups))
        return np.concatenate([groups[g] for g in picked])

    deltas = np.array([delta(resample()) for _ in range(rounds)])
    low, high = np.percentile(deltas, [2.5, 97.5])
    return dict(delta=delta(np.arange(n)), low=float(low), high=float(high),
                p_better=float((deltas > 0).mean()))


def _grad_norm(loss, params) -> float:
    import torch
    grads = torch.autograd.grad(loss, params, retain_graph=True,
                                allow_unused=True)
    return float(torch.sqrt(sum((g.double()**2).sum() for g in grads
                                if g is not None)))


def kd_gradient_norms(config: str, teacher_ckpt: str, run_dir: str,
                      batches: int = 6, seed: int = 0) -> List[Dict]:
    """Norms of the gradients of ``alpha * L_cls`` and ``(1 - alpha) *
    L_kd`` with respect to the student's parameters, on the same training
    batches, for the student at initialisation and at every kept checkpoint
    of ``run_dir`` (a run of ``config``).

    Returns:
        list[dict]: ``epoch``, ``alpha``, ``cls``, ``kd`` (mean norms over
        the batches) per student state.
    """
    import torch
    from mmaction.registry import DATASETS, MODELS
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DefaultScope
    from mmengine.runner import load_checkpoint
    cfg = Config.fromfile(config)
    cfg.model.teacher_ckpt = teacher_ckpt
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(cfg.model)
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    torch.manual_seed(seed)
    np.random.seed(seed)
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=cfg.train_dataloader.batch_size, shuffle=True,
        collate_fn=pseudo_collate,
        generator=torch.Generator().manual_seed(seed))
    data = [b for _, b in zip(range(batches), loader)]
    params = [p for p in model.student.parameters() if p.requires_grad]
    states = [(0, None)] + list(epoch_checkpoints(run_dir).items())
    out = []
    for epoch, ckpt in states:
        if ckpt is None:
            model.init_weights()
        else:
            load_checkpoint(model, ckpt, map_location='cpu', logger='silent')
        model.train()
        norms = dict(cls=[], kd=[])
        for batch in data:
            batch = model.data_preprocessor(batch, True)
            losses = model.loss(batch['inputs'], batch['data_samples'])
            norms['cls'].append(_grad_norm(losses['loss_cls'], params))
            norms['kd'].append(_grad_norm(losses['loss_kd'], params))
        out.append(dict(epoch=epoch, alpha=model.student.cls_head.alpha,
                        kd_loss=model.student.cls_head.kd_loss,
                        cls=float(np.mean(norms['cls'])),
                        kd=float(np.mean(norms['kd']))))
    return out


def verdict(without: Dict, with_: Dict) -> str:
    """``helps`` / ``hurts`` when the mean moves by more than the pooled
    per-seed std, otherwise ``no clear effect``."""
    delta = with_['mean'] - without['mean']
    pooled = float(np.sqrt((without['std']**2 + with_['std']**2) / 2))
    if delta > pooled:
        return 'helps'
    if delta < -pooled:
        return 'hurts'
    return 'no clear effect'


def _fmt(s: Dict) -> str:
    if len(s['values']) == 1:
        return f"{s['mean']:.3f}"
    return f"{s['mean']:.3f} ± {s['std']:.3f}"


def collect_rows(val: Dict[str, List[Dict]], post: Dict[str, Dict],
                 reference: Dict, chance: float) -> List[Dict]:
    """The rows of the main table (label, F1 stats, mAP stats)."""
    rows = [dict(key='reference', label='reference baseline: motion '
                 'features + random forest (forest seeds)',
                 f1=stats(reference['f1']), mAP=None),
            dict(key='chance', label='chance: both classes predicted',
                 f1=stats([chance]), mAP=None)]
    for name, (label, _, _, _) in VARIANTS.items():
        if name not in val:  # skipped
            continue
        rows.append(dict(key=name, label=label,
                         f1=stats([v['f1'] for v in val[name]]),
                         mAP=stats([v['mAP'] for v in val[name]])))
    for key, label in (('ens', 'recipe, checkpoint ensemble (epochs '
                        f'{", ".join(f"{f:g}" for f in ENSEMBLE_AT)} x E)'),
                       ('single_thr', 'recipe, per-class thresholds tuned '
                        f'({THRESHOLD_FOLDS}-fold CV on val)'),
                       ('ens_thr', 'recipe, checkpoint ensemble + tuned '
                        'thresholds'),
                       ('seed_ens', 'recipe, ensemble of the seeds\' last '
                        'checkpoints (one value)')):
        rows.append(dict(key=key, label=label, f1=post[key], mAP=None))
    return rows


def mechanisms(rows: Dict[str, Dict], post: Dict[str, Dict]) -> List[tuple]:
    """``(mechanism, without, with)`` stats of each paper mechanism."""
    f1 = {k: r['f1'] for k, r in rows.items()}
    trained = [
        ('16 uniform segments instead of 16 dense consecutive frames (sec. 2)',
         'lr_dense', 'lr'),
        ('data balance: flipped copies of the smaller class (sec. 2)',
         'lr', 'lr_balance'),
        ('KD, paper MSE on probabilities, alpha 0.5 (sec. 3)', 'lr', 'kd'),
        ('KD, paper MSE, alpha 0.2', 'lr', 'kd_a0.2'),
        ('KD, paper MSE, alpha 0.8', 'lr', 'kd_a0.8'),
        ('KD, soft-target BCE option, alpha 0.5', 'lr', 'kd_bce'),
    ]
    return [(name, f1[a], f1[b]) for name, a, b in trained
            if a in f1 and b in f1] + [
        ('checkpoint ensemble instead of the last checkpoint (sec. 4)',
         post['single'], post['ens']),
        ('tuned thresholds instead of 0.5, single model (sec. 4, CV)',
         post['single'], post['single_thr']),
        ('tuned thresholds instead of 0.5, ensemble (sec. 4, CV)',
         post['ens'], post['ens_thr']),
    ]


def markdown(rows: List[Dict], mech: List[tuple], grads: Dict[str, List],
             minutes: Dict[str, float], seeds: Sequence[int],
             totals: Dict[str, float], versus: Dict[str, float]) -> str:
    """The results as markdown (main table, mechanisms, KD gradients)."""
    ref = rows[0]['f1']['mean']
    out = [f'Val macro-F1 (threshold 0.5 unless stated) on tiny_surveillance '
           f'val (51 clips), mean ± std over seeds {list(seeds)}; every model '
           'trained from scratch on the 173 train clips, scored at its last '
           'epoch.', '',
           '| model | val macro-F1 | per seed | val mAP | vs reference | '
           'train min / run |', '|---|---|---|---|---|---|']
    for r in rows:
        per_seed = ' / '.join(f'{v:.3f}' for v in r['f1']['values'])
        m_ap = _fmt(r['mAP']) if r['mAP'] else ''
        diff = f"{r['f1']['mean'] - ref:+.3f}" if r['key'] != 'reference' \
            else ''
        mins = f"{minutes[r['key']]:.1f}" if r['key'] in minutes else ''
        out.append(f"| {r['label']} | {_fmt(r['f1'])} | {per_seed} | {m_ap} "
                   f"| {diff} | {mins} |")
    out += ['', f"Recipe minus reference on val: {versus['delta']:+.3f} "
            f"macro-F1, 95% interval {versus['low']:+.3f} to "
            f"{versus['high']:+.3f} over {BOOTSTRAP_ROUNDS} paired bootstrap "
            f"resamples of the val clips (recipe ahead in "
            f"{versus['p_better']:.0%} of them)." + (
                f" Resampling whole source videos instead "
                f"({versus['by_video']['videos']} videos; their clips are not "
                f"independent): {versus['by_video']['low']:+.3f} to "
                f"{versus['by_video']['high']:+.3f} (recipe ahead in "
                f"{versus['by_video']['p_better']:.0%})."
                if 'by_video' in versus else ''), '',
            '| mechanism | without | with | change | verdict |',
            '|---|---|---|---|---|']
    for name, without, with_ in mech:
        out.append(f'| {name} | {_fmt(without)} | {_fmt(with_)} | '
                   f"{with_['mean'] - without['mean']:+.3f} | "
                   f'{verdict(without, with_)} |')
    out += ['', 'Verdict: "helps" / "hurts" when the mean moves by more than '
            'the pooled per-seed std, else "no clear effect".', '',
            'KD gradient norms (seed 0, mean over 6 training batches, '
            'w.r.t. the student parameters, each term as weighted in the '
            'loss):', '',
            '| student | epoch | ‖∇ α·L_cls‖ | ‖∇ (1−α)·L_kd‖ | kd / cls |',
            '|---|---|---|---|---|']
    for name, states in grads.items():
        for g in states:
            out.append(f"| {VARIANTS[name][0]} | {g['epoch']} | "
                       f"{g['cls']:.4f} | {g['kd']:.4f} | "
                       f"{g['kd'] / g['cls']:.3f} |")
    out += ['', f"Whole command: {totals['wall'] / 60:.1f} min wall, "
            f"{totals['cpu'] / 60:.1f} min CPU (all steps, all invocations)."]
    return '\n'.join(out) + '\n'


def bar_chart(path: str, rows: List[Dict]) -> None:
    """Horizontal bars of the mean val macro-F1 with std error bars; the
    reference baseline as a band, chance as a dashed line."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    ref, chance = rows[0]['f1'], rows[1]['f1']['mean']
    bars = rows[2:]
    fig = Figure(figsize=(9.0, 0.42 * len(bars) + 1.6))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    y = np.arange(len(bars))[::-1]
    means = [r['f1']['mean'] for r in bars]
    colors = ['C2' if m > ref['mean'] else 'C7' for m in means]
    ax.barh(y, means, xerr=[r['f1']['std'] for r in bars], color=colors,
            capsize=3, height=0.6)
    ax.axvspan(ref['mean'] - ref['std'], ref['mean'] + ref['std'],
               color='C1', alpha=0.25)
    ax.axvline(ref['mean'], color='C1', lw=1.5,
               label=f"reference baseline {ref['mean']:.3f}")
    ax.axvline(chance, color='k', ls='--', lw=1,
               label=f'chance (both classes) {chance:.3f}')
    ax.set_yticks(y)
    ax.set_yticklabels([r['label'] for r in bars], fontsize=8)
    ax.set_xlim(0.4, 1.0)
    ax.set_xlabel('val macro-F1 (mean ± std over seeds)')
    ax.set_title('Real proxy (tiny_surveillance, from scratch on CPU)')
    ax.legend(fontsize=8, loc='lower right')
    ax.grid(axis='x', alpha=0.3)
    fig.tight_layout()
    with atomic_path(path, suffix='.png') as tmp:
        fig.savefig(tmp, format='png', dpi=110)


def cached_step(runs: ProxyRuns, step: str, path: str, compute):
    """``compute()`` once: its JSON result is kept in ``path`` and its wall
    and CPU seconds in the timings."""
    import json
    if osp.isfile(path):
        with open(path) as f:
            return json.load(f)
    wall, cpu = time.time(), time.process_time()
    result = compute()
    runs.record(step, time.time() - wall, time.process_time() - cpu)
    write_json_atomic(path, result)
    return result


def kd_gradients(runs: ProxyRuns, dirs: Dict[str, List[str]]
                 ) -> Dict[str, List[Dict]]:
    """:func:`kd_gradient_norms` of the ``kd`` and ``kd_bce`` students that
    were trained (seed 0), each computed once and kept in
    ``<work_dir>/kd_gradients.json`` (a later run that trains a skipped
    one adds it)."""
    import json
    path = osp.join(runs.work_dir, 'kd_gradients.json')
    cache = {}
    if osp.isfile(path):
        with open(path) as f:
            cache = json.load(f)
    for name in ('kd', 'kd_bce'):
        if name in dirs and name not in cache:
            wall, cpu = time.time(), time.process_time()
            cache[name] = kd_gradient_norms(
                VARIANTS[name][1], last_checkpoint(dirs['hr'][0]),
                dirs[name][0])
            runs.record(f'kd_gradients_{name}', time.time() - wall,
                        time.process_time() - cpu)
            write_json_atomic(path, cache)
    return {name: cache[name] for name in ('kd', 'kd_bce') if name in dirs}


def report_run(name: str, run_dir: str, reference: Dict) -> Dict:
    """The val scores of a finished run, printed beside the reference."""
    scores = final_val(run_dir)
    print(f'[proxy]   {name} {osp.basename(run_dir)}: val macro-F1 '
          f"{scores['f1']:.3f} (reference baseline {reference['mean']:.3f})",
          flush=True)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser, 'work_dirs/proxy')
    parser.add_argument('--out', default='benchmarks/results')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--skip', nargs='+', default=[],
                        choices=[n for n in VARIANTS if n not in ('lr', 'hr')],
                        help='variants not trained (their rows are left out)')
    args = parser.parse_args()
    os.chdir(REPO)
    data, runs = start_runs(args)
    import reference_baseline
    reference = cached_step(
        runs, 'reference', osp.join(runs.work_dir, 'reference_scores.json'),
        lambda: reference_baseline.reference_scores(data))
    reference['mean'] = stats(reference['f1'])['mean']
    print('[proxy] reference baseline: val macro-F1 '
          f"{_fmt(stats(reference['f1']))}", flush=True)
    dirs = train_all(runs, args.seeds, reference, args.skip)
    val = {name: [final_val(d) for d in run_dirs]
           for name, run_dirs in dirs.items()}
    dumps = recipe_dumps(runs, dirs['lr'])
    post = post_rows(dumps)
    check_single_against_val(post['single'], val['lr'])
    grads = kd_gradients(runs, dirs)
    write_results(args, runs, dict(val=val, post=post, grads=grads,
                                   reference=reference, dumps=dumps,
                                   versus=recipe_versus_reference(
                                       dumps, reference, osp.join(
                                           data, 'val',
                                           'annotations.json'))))


def video_groups(ann_file: str, num_clips: int) -> List[np.ndarray]:
    """Clip indices of each source video (``video_id``) of an annotation
    file whose clips are, in order, the ``num_clips`` clips of a dump.

    Raises:
        ValueError: The file has another number of clips, or a clip has no
            ``video_id``.
    """
    from proxy_selection import clips_by_video
    from tiny_action.datasets.annotations import read_annotation_entries
    entries = read_annotation_entries(ann_file)
    if len(entries) != num_clips:
        raise ValueError(f'{ann_file}: {len(entries)} clips, but the dumps '
                         f'hold {num_clips}')
    return [np.array(v)
            for v in clips_by_video(entries, ann_file).values()]


def recipe_versus_reference(dumps: List[Dict[int, str]], reference: Dict,
                            val_ann: Optional[str] = None) -> Dict:
    """:func:`paired_bootstrap` of the recipe's last checkpoints against
    the reference forests, on the same val clips; with ``val_ann`` (the val
    annotation file) also by source video, under ``'by_video'``.

    Raises:
        RuntimeError: The dumps' labels are not the reference's (another
            clip order or split).
    """
    from tiny_action.tools.ensemble import load_dump
    last = [load_dump(d[max(d)]) for d in dumps]
    ref = [np.asarray(s, np.float64) for s in reference['scores']]
    labels = last[0].labels
    if not np.array_equal(np.asarray(reference['labels']), labels):
        raise RuntimeError('the reference scores and the recipe dumps do not '
                           'cover the same val clips in the same order')
    recipe = [d.scores for d in last]
    out = paired_bootstrap(recipe, ref, labels)
    if val_ann is not None:
        groups = video_groups(val_ann, len(labels))
        out['by_video'] = dict(
            paired_bootstrap(recipe, ref, labels, groups=groups),
            videos=len(groups))
    return out


def check_single_against_val(single: Dict, val: List[Dict]) -> None:
    """The recipe's last-checkpoint dump must score what its training's
    own val loop logged (same model, same test pipeline)."""
    logged = [v['f1'] for v in val]
    if not np.allclose(single['values'], logged, atol=1e-6):
        raise RuntimeError(f"tools/test.py F1 {single['values']} differs "
                           f'from the training val F1 {logged}')


def write_results(args, runs: ProxyRuns, res: Dict) -> None:
    """Tables (markdown), bar chart (PNG) and raw numbers (JSON)."""
    from tiny_action.tools.ensemble import load_dump
    labels = load_dump(res['dumps'][0][max(res['dumps'][0])]).labels
    chance = macro_prf(np.ones(labels.shape), labels)['f1']
    rows = collect_rows(res['val'], res['post'], res['reference'], chance)
    by_key = {r['key']: r for r in rows}
    minutes = {name: float(np.mean([
        runs.timings[f'train_{name}/seed{s}']['wall'] for s in args.seeds]))
        / 60 for name in VARIANTS if name in res['val']}
    totals = dict(wall=runs.total('wall'), cpu=runs.total('cpu'))
    text = markdown(rows, mechanisms(by_key, res['post']), res['grads'],
                    minutes, args.seeds, totals, res['versus'])
    if args.skip:
        text += (f"\nNot trained in this table (`--skip`): "
                 f"{', '.join(args.skip)}.\n")
    os.makedirs(args.out, exist_ok=True)
    atomic_write_bytes(osp.join(args.out, 'proxy_surveillance.md'),
                       text.encode('utf-8'))
    bar_chart(osp.join(args.out, 'proxy_surveillance.png'), rows)
    write_json_atomic(osp.join(args.out, 'proxy_surveillance.json'),
                      dict(rows=rows, kd_gradients=res['grads'],
                           recipe_vs_reference=res['versus'],
                           minutes_per_run=minutes, totals=totals,
                           seeds=list(args.seeds), skipped=list(args.skip)))
    print('\n' + text)
    print(f'[proxy] wrote {args.out}/proxy_surveillance.{{md,png,json}}')


if __name__ == '__main__':
    main()
