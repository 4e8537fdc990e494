"""Real proxy: the CPU recipe and each mechanism of the paper measured on
real tiny CCTV clips (fight / no_fight), 3 seeds each, beside a handcrafted
reference baseline.

    python benchmarks/proxy_surveillance.py [--data ../shared/data/tiny_surveillance] \
        [--work-dir work_dirs/proxy] [--out benchmarks/results] [--seeds 0 1 2] \
        [--skip kd_bce ...] [--report]

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
mean and std over seeds) and ``proxy_surveillance.json`` to ``--out``.

The 24 trainings take longer than a working session on a 2-core CPU, and a
new clone has no work dir: each finished run (its val scores, timings,
machine, the recipe's val scores of the ensemble checkpoints, the teacher
checkpoint's SHA-256) goes into the ledger
``<--out>/proxy_surveillance_runs.json``, committed with the results, and
is not trained again while its config (resolved, bases merged) and options
are unchanged. A KD student whose teacher checkpoint is not in the work dir
trains that teacher again (its record says whether the checkpoint is the
one the hr row measured). Until every variant has every seed the table is
marked partial; ``--report`` trains nothing.
"""
import argparse
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from proxy_runs import (REPO, ProxyRuns, RunLedger, add_run_arguments,
                        config_sha256, epoch_checkpoints, file_sha256,
                        final_val, last_checkpoint, machine, start_runs,
                        timed_in_part, training_seconds)
from tiny_action.evaluation import binarize, macro_prf
from tiny_action.tools.ensemble import DumpScores
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
    'lr_camnoise': ('recipe + camera noise on the train clips '
                    '(RandomSensorNoise; not chosen, CV challenger 34)',
                    CFG + 'surveillance_lr_camnoise.py', (), False),
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
#: KD students whose gradient norms (first seed) the table reports.
KD_GRADIENTS = ('kd', 'kd_bce')
#: the ledger of finished runs, in ``--out``.
LEDGER = 'proxy_surveillance_runs.json'
BOOTSTRAP_ROUNDS = 2000


def stats(values: Sequence[float]) -> Dict:
    """Mean and sample std (ddof 1) of per-seed values."""
    values = [float(v) for v in values]
    std = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    return dict(values=values, mean=float(np.mean(values)), std=std)


def seed_options(name: str, seed: int) -> List[str]:
    """The ``--cfg-options`` of variant ``name`` trained with ``seed``
    (without the teacher checkpoint)."""
    return [f'randomness.seed={seed}'] + list(VARIANTS[name][2])


def run_identity(name: str, seed: int) -> Dict:
    """What the ledger record of variant ``name`` with ``seed`` measured:
    the variant's resolved config and options, and for a KD student its
    teacher's (the hr row's) config too."""
    _, config, options, needs_teacher = VARIANTS[name]
    out = dict(variant=name, seed=seed, config=config,
               options=list(options), config_sha256=config_sha256(config))
    if needs_teacher:
        out['teacher_config_sha256'] = config_sha256(VARIANTS['hr'][1])
    return out


def run_order(seeds: Sequence[int], skip: Sequence[str] = ()) -> List[tuple]:
    """``(variant, seed)`` in training order: the plain low-res models,
    then seed by seed the high-res teacher and its KD students, so that a
    teacher is rarely trained in one session and its students in another
    (a new clone would have to train the teacher again)."""
    kept = [n for n in VARIANTS if n not in skip]
    plain = [n for n in kept if n != 'hr' and not VARIANTS[n][3]]
    taught = [n for n in kept if n == 'hr' or VARIANTS[n][3]]
    return [(n, s) for n in plain for s in seeds] + \
        [(n, s) for s in seeds for n in taught]


def teacher(runs: ProxyRuns, ledger: RunLedger, seed: int) -> Dict:
    """The high-res teacher of the KD students of ``seed``: the last
    checkpoint of ``hr/seed<seed>`` in the work dir, trained again when a
    new clone has only its ledger record (seeded trainings do not
    reproduce across CPUs, so ``same_as_hr_row`` says whether it is the
    checkpoint the table's hr row measured)."""
    run_dir = runs.train(f'hr/seed{seed}', VARIANTS['hr'][1],
                         seed_options('hr', seed))
    path = last_checkpoint(run_dir)
    sha = file_sha256(path)
    row = ledger.runs.get(f'hr/seed{seed}', {})
    return dict(path=path, sha256=sha,
                same_as_hr_row=row.get('checkpoint_sha256') == sha)


def measure_run(runs: ProxyRuns, ledger: RunLedger, name: str, seed: int,
                gradients: bool = False) -> Dict:
    """Train variant ``name`` with ``seed`` (unless its run folder is
    finished) and return its ledger record: the last validation ``val``,
    ``machine``; the hr teacher's ``checkpoint_sha256``; the KD students'
    ``teacher`` (:func:`teacher`; the student's run folder is reused only
    with that same checkpoint); the recipe's ensemble ``scores``
    (:func:`recipe_scores`); with ``gradients`` (KD students)
    :func:`kd_gradient_norms` of the run; ``steps``
    (:func:`run_seconds`)."""
    _, config, _, needs_teacher = VARIANTS[name]
    opts, rec, identity = seed_options(name, seed), {}, None
    before = dict(runs.timings)
    if needs_teacher:
        rec['teacher'] = teacher(runs, ledger, seed)
        opts.append(f"model.teacher_ckpt={rec['teacher']['path']}")
        identity = dict(teacher_sha256=rec['teacher']['sha256'])
    run = f'{name}/seed{seed}'
    run_dir = runs.train(run, config, opts, identity)
    rec.update(val=final_val(run_dir), machine=machine(runs.threads))
    if name == 'hr':
        rec['checkpoint_sha256'] = file_sha256(last_checkpoint(run_dir))
    if name == 'lr':
        rec['scores'] = recipe_scores(runs, run_dir)
        check_single_against_val(rec['scores'], rec['val'], run)
    if gradients and needs_teacher:
        wall, cpu = time.time(), time.process_time()
        rec['gradients'] = kd_gradient_norms(
            config, rec['teacher']['path'], run_dir, VARIANTS[name][2])
        runs.record(f'kd_gradients_{run}', time.time() - wall,
                    time.process_time() - cpu)
    if needs_teacher:
        rec['teacher'].pop('path')
    rec.update(run_seconds(runs, run, before))
    return rec


def run_seconds(runs: ProxyRuns, run: str, before: Dict[str, Dict]
                ) -> Dict:
    """What a run cost: its training's ``cpu`` / ``wall`` / ``resumed``
    and ``steps``, the CPU and wall seconds of every step it ran
    (``runs.timings`` entries new or changed since ``before``: a teacher
    retrain, the training, the tests, the gradient norms) plus its
    training's when that finished in an earlier process of this work dir.
    The training's seconds are None when unknown (it finished in a work
    dir whose timings are gone)."""
    changed = {k: v for k, v in runs.timings.items() if before.get(k) != v}
    if f'train_{run}' in runs.timings:
        changed[f'train_{run}'] = runs.timings[f'train_{run}']
    steps = dict(cpu=sum(v['cpu'] for v in changed.values()),
                 wall=sum(v['wall'] for v in changed.values()))
    return dict(training_seconds(runs, run), steps=steps)


def measure_all(runs: ProxyRuns, ledger: RunLedger, seeds: Sequence[int],
                reference: Dict, skip: Sequence[str] = (),
                train: bool = True) -> None:
    """Every variant but ``skip`` with every seed into the ledger, printing
    each val score beside the reference baseline. A run already in the
    ledger is not trained again; ``train=False`` trains nothing."""
    order = run_order(seeds, skip)
    identities = [run_identity(name, seed) for name, seed in order]
    for (name, seed), identity in zip(order, identities):
        # a changed config fails before any training
        ledger.reuse(f'{name}/seed{seed}', identity)
    start = time.time()
    for done, ((name, seed), identity) in enumerate(zip(order, identities),
                                                    1):
        run = f'{name}/seed{seed}'
        rec = ledger.reuse(run, identity)
        if rec is None and not train:
            continue
        if rec is None:
            print(f'[proxy] ({done}/{len(order)}, '
                  f'{(time.time() - start) / 60:.1f} min) {run}: '
                  f'{VARIANTS[name][0]}', flush=True)
            rec = ledger.add(run, identity, measure_run(
                runs, ledger, name, seed,
                gradients=name in KD_GRADIENTS and seed == seeds[0]))
        print(f"[proxy]   {run}: val macro-F1 {rec['val']['f1']:.3f} "
              f"(reference baseline {reference['mean']:.3f})", flush=True)


def recipe_scores(runs: ProxyRuns, run_dir: str,
                  config: str = VARIANTS['lr'][1]) -> Dict:
    """``tools/test.py --dump`` (with ``config``'s test data: val for the
    table) of the recipe run's ensemble checkpoints (:data:`ENSEMBLE_AT` of
    its schedule), as kept in a ledger: ``{'epochs': {epoch: (N, C)
    scores}, 'labels': (N, C), 'ids': [...]}`` (lists; one entry per clip,
    in the dump's order)."""
    from tiny_action.tools.ensemble import load_dump
    ckpts = epoch_checkpoints(run_dir)
    last = max(ckpts)
    out = dict(epochs={})
    for frac in ENSEMBLE_AT:
        epoch = int(round(frac * last))
        if epoch not in ckpts:
            raise RuntimeError(f'{run_dir} has no checkpoint of epoch '
                               f'{epoch} (kept: {sorted(ckpts)})')
        dump = load_dump(runs.test(checkpoint_test(runs, run_dir, epoch),
                                   config, ckpts[epoch]))
        out['epochs'][str(epoch)] = dump.scores.tolist()
        out.update(labels=dump.labels.tolist(), ids=dump.meta.get('id'))
    return out


def checkpoint_test(runs: ProxyRuns, run_dir: str, epoch: int) -> str:
    """Name of :func:`recipe_scores`'s test of the checkpoint of ``epoch``
    in ``run_dir`` (its dump ``<name>.pkl``, its timing ``test_<name>``)."""
    return f'{osp.relpath(run_dir, runs.work_dir)}_e{epoch}'.replace('/', '_')


def scores_of(record: Dict, run: str) -> Dict[int, DumpScores]:
    """The ensemble dumps a recipe record keeps, ``{epoch: DumpScores}``
    (``path`` names the ledger entry)."""
    kept = record['scores']
    labels = np.asarray(kept['labels'], np.uint8)
    meta = {} if kept.get('ids') is None else dict(id=kept['ids'])
    return {int(e): DumpScores(f'ledger {run} epoch {e}',
                               np.asarray(s, np.float64), labels, meta)
            for e, s in kept['epochs'].items()}


def cv_threshold_f1(scores: np.ndarray, labels: np.ndarray) -> float:
    """Macro-F1 of per-class thresholds tuned on 4/5 of the clips and
    applied to the other fifth, for each fifth (out-of-fold)."""
    from tiny_action.tools.ensemble import cross_validated_predictions
    preds = cross_validated_predictions(scores, labels, binarize,
                                        folds=THRESHOLD_FOLDS, seed=0)
    return macro_prf(preds.astype(np.float64), labels)['f1']


def posthoc_f1(per_run: Dict[int, DumpScores]) -> Dict[str, float]:
    """Macro-F1 of one run's ensemble dumps (``{epoch: DumpScores}`` as
    :func:`scores_of`): ``single`` (last checkpoint) and ``ens`` (checkpoint
    ensemble) at threshold 0.5, ``single_thr`` / ``ens_thr`` with per-class
    thresholds tuned out-of-fold (:func:`cv_threshold_f1`)."""
    from tiny_action.tools.ensemble import ensemble_of
    last = per_run[max(per_run)]
    ens = ensemble_of([per_run[e] for e in sorted(per_run)])
    return dict(single=macro_prf(last.scores, last.labels)['f1'],
                single_thr=cv_threshold_f1(last.scores, last.labels),
                ens=macro_prf(ens.scores, ens.labels)['f1'],
                ens_thr=cv_threshold_f1(ens.scores, ens.labels))


def post_rows(dumps: List[Dict[int, DumpScores]]) -> Dict[str, Dict]:
    """Single model / checkpoint ensemble, at 0.5 / CV-tuned thresholds
    (per seed, :func:`posthoc_f1`), and the ensemble of the seeds' last
    checkpoints (one value); ``dumps`` as :func:`scores_of`, one per
    seed."""
    from tiny_action.tools.ensemble import ensemble_of
    per_seed = [posthoc_f1(d) for d in dumps]
    rows = {k: [p[k] for p in per_seed] for k in per_seed[0]}
    seeds = ensemble_of([d[max(d)] for d in dumps])
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
                      options: Sequence[str] = (), batches: int = 6,
                      seed: int = 0) -> List[Dict]:
    """Norms of the gradients of ``alpha * L_cls`` and ``(1 - alpha) *
    L_kd`` with respect to the student's parameters, on the same training
    batches, for the student at initialisation and at every kept checkpoint
    of ``run_dir`` (a run of ``config`` with the ``--cfg-options``
    ``options``, e.g. another ``alpha``).

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
    from mmengine.config import DictAction
    cfg = Config.fromfile(config)
    cfg.merge_from_dict({
        key: DictAction._parse_iterable(value)
        for key, value in (o.split('=', 1) for o in options)})
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


def verdict(without: Dict, with_: Dict, paired: bool = False
            ) -> Tuple[str, float]:
    """The verdict of a mechanism, the confirmation's rule
    (:func:`proxy_confirm.decide`): "helps" / "hurts" when a t-test of
    the per-seed values gives p < 0.05, else "no clear effect"; fewer than
    3 seeds decide nothing. ``paired``: the values come from the same runs
    seed by seed (a post-hoc change such as the ensemble), so the test is
    paired; a trained variant is another run (two-sample test).

    Returns:
        tuple: The verdict and the p-value (NaN when untested).
    """
    from proxy_confirm import decide
    said = decide(with_['values'], without['values'], paired)
    return said['verdict'], said['p_value']


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
    """``(mechanism, without, with, paired)`` stats of each paper
    mechanism (``paired``: the same runs, see :func:`verdict`)."""
    f1 = {k: r['f1'] for k, r in rows.items()}
    trained = [
        ('16 uniform segments instead of 16 dense consecutive frames (sec. 2)',
         'lr_dense', 'lr'),
        ('data balance: flipped copies of the smaller class (sec. 2)',
         'lr', 'lr_balance'),
        ('camera noise on the train clips (RandomSensorNoise)', 'lr',
         'lr_camnoise'),
        ('KD, paper MSE on probabilities, alpha 0.5 (sec. 3)', 'lr', 'kd'),
        ('KD, paper MSE, alpha 0.2', 'lr', 'kd_a0.2'),
        ('KD, paper MSE, alpha 0.8', 'lr', 'kd_a0.8'),
        ('KD, soft-target BCE option, alpha 0.5', 'lr', 'kd_bce'),
    ]
    return [(name, f1[a], f1[b], False) for name, a, b in trained
            if a in f1 and b in f1] + [
        ('checkpoint ensemble instead of the last checkpoint (sec. 4)',
         post['single'], post['ens'], True),
        ('tuned thresholds instead of 0.5, single model (sec. 4, CV)',
         post['single'], post['single_thr'], True),
        ('tuned thresholds instead of 0.5, ensemble (sec. 4, CV)',
         post['ens'], post['ens_thr'], True),
    ]


def markdown(rows: List[Dict], mech: List[tuple], grads: Dict[str, Dict],
             minutes: Dict[str, float], seeds: Sequence[int],
             totals: Dict[str, float], versus: Dict[str, float],
             teachers: Dict) -> str:
    """The results as markdown (main table, mechanisms, KD gradients,
    timings, which teachers the KD rows had)."""
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
                if 'by_video' in versus else '')]
    if 'by_size' in versus:
        out += val_size_markdown(versus['by_size'])
    out += ['', '| mechanism | without | with | change | verdict (t-test) |',
            '|---|---|---|---|---|']
    for name, without, with_, paired in mech:
        said, p = verdict(without, with_, paired)
        out.append(f'| {name} | {_fmt(without)} | {_fmt(with_)} | '
                   f"{with_['mean'] - without['mean']:+.3f} | {said}" +
                   ('' if np.isnan(p) else f' (p = {p:.2f})') + ' |')
    out += ['', 'Verdict: "helps" / "hurts" when a t-test of the per-seed '
            'values gives p < 0.05 (paired for the ensemble and threshold '
            'rows, which change the same runs; two-sample for a trained '
            'variant), else "no clear effect".']
    if grads:
        out += ['', 'KD gradient norms (mean over 6 training batches, w.r.t. '
                'the student parameters, each term as weighted in the '
                'loss):', '',
                '| student | seed | epoch | ‖∇ α·L_cls‖ | ‖∇ (1−α)·L_kd‖ | '
                'kd / cls |', '|---|---|---|---|---|---|']
    for name, measured in grads.items():
        for g in measured['states']:
            out.append(f"| {VARIANTS[name][0]} | {measured['seed']} | "
                       f"{g['epoch']} | {g['cls']:.4f} | {g['kd']:.4f} | "
                       f"{g['kd'] / g['cls']:.3f} |")
    untimed = (f" ({totals['untimed']} runs timed in part: resumed, or "
               'finished before their timings were kept)'
               if totals['untimed'] else '')
    out += ['', f"Whole command: {totals['wall'] / 60:.1f} min wall, "
            f"{totals['cpu'] / 60:.1f} min CPU{untimed}: every training, "
            'test, teacher retrain and gradient measurement of the rows, '
            'summed over the invocations that measured them.']
    if teachers['records']:
        out += ['', f"KD teachers: {teachers['retrained']} of the "
                f"{teachers['records']} KD runs learned from a teacher "
                'retrained in another clone, not the checkpoint the hr row '
                'measured' + (f"; seeds {teachers['mixed']} had more than "
                              'one teacher across their KD rows'
                              if teachers['mixed'] else '') + '.']
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser, 'work_dirs/proxy')
    parser.add_argument('--out', default='benchmarks/results',
                        help='where the table and its ledger '
                        f'({LEDGER}) are kept')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--skip', nargs='+', default=[],
                        choices=[n for n in VARIANTS if n not in ('lr', 'hr')],
                        help='variants not trained (their rows are left out)')
    parser.add_argument('--report', action='store_true',
                        help='train nothing: the table of what the ledger '
                        'holds')
    args = parser.parse_args()
    if len(set(args.seeds)) != len(args.seeds):
        raise SystemExit(f'--seeds {args.seeds}: each seed once')
    os.chdir(REPO)
    data, runs = start_runs(args)
    import reference_baseline
    reference = cached_step(
        runs, 'reference', osp.join(runs.work_dir, 'reference_scores.json'),
        lambda: reference_baseline.reference_scores(data))
    reference['mean'] = stats(reference['f1'])['mean']
    print('[proxy] reference baseline: val macro-F1 '
          f"{_fmt(stats(reference['f1']))}", flush=True)
    ledger = RunLedger(osp.join(REPO, args.out, LEDGER))
    measure_all(runs, ledger, args.seeds, reference, args.skip,
                train=not args.report)
    write_results(args, table_results(
        ledger, args.seeds, reference, args.skip,
        osp.join(data, 'val', 'annotations.json')))


def val_entries(ann_file: str, num_clips: int) -> List[dict]:
    """The entries of an annotation file whose clips are, in order, the
    ``num_clips`` clips of a dump.

    Raises:
        ValueError: The file has another number of clips.
    """
    from tiny_action.datasets.annotations import read_annotation_entries
    entries = read_annotation_entries(ann_file)
    if len(entries) != num_clips:
        raise ValueError(f'{ann_file}: {len(entries)} clips, but the dumps '
                         f'hold {num_clips}')
    return entries


def video_groups(entries: List[dict], ann_file: str) -> List[np.ndarray]:
    """Clip indices of each source video (``video_id``) of ``entries``
    (:func:`val_entries` of ``ann_file``).

    Raises:
        ValueError: A clip has no ``video_id``.
    """
    from proxy_folds import clips_by_video
    return [np.array(v)
            for v in clips_by_video(entries, ann_file).values()]


def recipe_versus_reference(dumps: List[Dict[int, DumpScores]],
                            reference: Dict,
                            val_ann: Optional[str] = None) -> Dict:
    """:func:`paired_bootstrap` of the recipe's last checkpoints (``dumps``
    as :func:`scores_of`, one per seed) against the reference forests, on
    the same val clips; with ``val_ann`` (the val annotation file) also by
    source video, under ``'by_video'``.

    Raises:
        RuntimeError: The dumps' labels are not the reference's (another
            clip order or split).
    """
    last = [d[max(d)] for d in dumps]
    ref = [np.asarray(s, np.float64) for s in reference['scores']]
    labels = last[0].labels
    if not np.array_equal(np.asarray(reference['labels']), labels):
        raise RuntimeError('the reference scores and the recipe dumps do not '
                           'cover the same val clips in the same order')
    recipe = [d.scores for d in last]
    out = paired_bootstrap(recipe, ref, labels, rounds=BOOTSTRAP_ROUNDS)
    if val_ann is not None:
        entries = val_entries(val_ann, len(labels))
        groups = video_groups(entries, val_ann)
        out['by_video'] = dict(
            paired_bootstrap(recipe, ref, labels, rounds=BOOTSTRAP_ROUNDS,
                             groups=groups),
            videos=len(groups))
        out['by_size'] = val_by_size(recipe, ref, labels, entries)
    return out


def val_by_size(recipe: List[np.ndarray], reference: List[np.ndarray],
                labels: np.ndarray, entries: List[dict]) -> Dict[str, List]:
    """Per seed of the recipe and per reference forest (score arrays of
    the clips of ``entries``, :func:`val_entries`, in order),
    :func:`accuracy_by_size` of the clips whose top-scored class is their
    label (one label per clip), by the clip's native shorter side."""
    from proxy_folds import accuracy_by_size, clip_sizes
    sizes = clip_sizes(entries)
    target = labels.argmax(1)
    return {name: [accuracy_by_size(s.argmax(1) == target, sizes)
                   for s in scores]
            for name, scores in (('recipe', recipe), ('reference', reference))}


def val_size_markdown(by_size: Dict[str, List]) -> List[str]:
    """:func:`val_by_size` as markdown lines: per size bin the clips, the
    recipe per seed and both means."""
    from proxy_folds import size_span
    lines = ['', "Val accuracy by the clip's shorter side (top-scored class "
             'right), recipe per seed and the reference forests\' mean:', '',
             '| shorter side | clips | recipe per seed | recipe | reference |',
             '|---|---|---|---|---|']
    for bins, refs in zip(zip(*by_size['recipe']),
                          zip(*by_size['reference'])):
        if not bins[0]['clips']:
            continue
        accs = [b['accuracy'] for b in bins]
        ref = np.mean([r['accuracy'] for r in refs])
        lines.append(f"| {size_span(bins[0])} | {bins[0]['clips']} | "
                     f"{' / '.join(f'{a:.3f}' for a in accs)} | "
                     f'{np.mean(accs):.3f} | {ref:.3f} |')
    return lines


def check_single_against_val(scores: Dict, val: Dict, run: str) -> None:
    """The recipe's last-checkpoint dump (``scores`` as
    :func:`recipe_scores`) must score what the training ``run`` logged in
    its own val loop (same model, same test pipeline)."""
    last = max(scores['epochs'], key=int)
    f1 = macro_prf(np.asarray(scores['epochs'][last], np.float64),
                   np.asarray(scores['labels'], np.float64))['f1']
    if not np.isclose(f1, val['f1'], atol=1e-6):
        raise RuntimeError(f'{run}: tools/test.py F1 {f1} of epoch {last} '
                           f"differs from the training val F1 {val['f1']}")


def check_val_clips(ledger: RunLedger, run: str, val_ann: str) -> None:
    """The recipe record ``run`` must hold the scores of the clips of
    ``val_ann``, in its order (the ledger may come from other clips).

    Raises:
        ValueError: Naming the ledger entry and the annotation file.
    """
    from tiny_action.datasets.annotations import read_annotation_entries
    ids = [e['id'] for e in read_annotation_entries(val_ann)]
    kept = ledger[run]['scores'].get('ids')
    if kept != ids:
        raise ValueError(f'{ledger.path}: entry {run!r} scored the val clips '
                         f'{kept}, not those of {val_ann} ({ids}); measure '
                         'with another --out or move the ledger away')


def teacher_summary(ledger: RunLedger, kd: Sequence[str],
                    seeds: Sequence[int]) -> Dict:
    """Which teachers the KD rows learned from: the number of KD records
    whose teacher is not the checkpoint the hr row measured
    (``retrained``, see :func:`teacher`) and the seeds whose KD students
    had more than one teacher (``mixed``)."""
    retrained, mixed = 0, []
    for seed in seeds:
        recs = [ledger[f'{n}/seed{seed}']['teacher'] for n in kd]
        retrained += sum(not t['same_as_hr_row'] for t in recs)
        if len({t['sha256'] for t in recs}) > 1:
            mixed.append(seed)
    return dict(retrained=retrained, records=len(kd) * len(seeds),
                mixed=mixed)


def table_results(ledger: RunLedger, seeds: Sequence[int], reference: Dict,
                  skip: Sequence[str] = (),
                  val_ann: Optional[str] = None) -> Dict:
    """The table's numbers from the ledger: the variants that have every
    seed (``val``), the recipe's post-hoc rows (``post``), the KD gradient
    norms of the first of ``seeds`` that has them (``grads``: ``seed``,
    ``states``), the KD rows' :func:`teacher_summary` (``teachers``), the
    recipe against the reference (``versus``), ``minutes`` per training,
    CPU / wall ``totals`` of all the runs' steps, and the variants still
    ``missing``. With ``val_ann`` the recipe's scores are checked to be of
    its clips (:func:`check_val_clips`).

    Raises:
        RuntimeError: The recipe (``lr``) lacks a seed: nothing to compare.
    """
    val, grads, missing = {}, {}, []
    totals = dict(cpu=0.0, wall=0.0, untimed=0)
    minutes = {}
    for name in dict.fromkeys(n for n, _ in run_order(seeds, skip)):
        runs = [f'{name}/seed{s}' for s in seeds]
        if not all(r in ledger for r in runs):
            missing.append(name)
            continue
        recs = [ledger[r] for r in runs]
        val[name] = [r['val'] for r in recs]
        for r in recs:
            totals['cpu'] += r['steps']['cpu']
            totals['wall'] += r['steps']['wall']
            totals['untimed'] += timed_in_part(r)
        walls = [r['wall'] for r in recs if not timed_in_part(r)]
        if walls:
            minutes[name] = float(np.mean(walls)) / 60
        with_grads = [r for r in recs if 'gradients' in r]
        if with_grads:
            grads[name] = dict(seed=with_grads[0]['seed'],
                               states=with_grads[0]['gradients'])
    if 'lr' in missing:
        raise RuntimeError(f'{ledger.path}: the recipe (lr) has not every '
                           f'seed of {list(seeds)}: nothing to report')
    if val_ann is not None:
        for s in seeds:
            check_val_clips(ledger, f'lr/seed{s}', val_ann)
    dumps = [scores_of(ledger[f'lr/seed{s}'], f'lr/seed{s}') for s in seeds]
    kd = [n for n in val if VARIANTS[n][3]]
    return dict(val=val, post=post_rows(dumps), grads=grads,
                teachers=teacher_summary(ledger, kd, seeds),
                reference=reference, minutes=minutes, totals=totals,
                missing=missing,
                machines=sorted({ledger[f'{n}/seed{s}']['machine']
                                 for n in val for s in seeds}),
                labels=dumps[0][max(dumps[0])].labels,
                versus=recipe_versus_reference(dumps, reference, val_ann))


def write_results(args, res: Dict) -> None:
    """Tables (markdown), bar chart (PNG) and raw numbers (JSON) as
    ``proxy_surveillance.*``; a partial table (variants ``missing``) as
    ``proxy_surveillance_partial.*``, so that it never replaces the last
    complete one; a complete table removes the partial files it
    supersedes."""
    labels = res['labels']
    chance = macro_prf(np.ones(labels.shape), labels)['f1']
    rows = collect_rows(res['val'], res['post'], res['reference'], chance)
    by_key = {r['key']: r for r in rows}
    text = markdown(rows, mechanisms(by_key, res['post']), res['grads'],
                    res['minutes'], args.seeds, res['totals'], res['versus'],
                    res['teachers'])
    text += (f"\nTrained on: {', '.join(res['machines'])}. Every run is kept "
             f'in `{LEDGER}`; a new clone resumes from it.\n')
    if res['missing']:
        text += (f"\n**Partial**: not yet measured with every seed: "
                 f"{', '.join(res['missing'])} (the next run of the command "
                 'trains them).\n')
    if args.skip:
        text += (f"\nNot trained in this table (`--skip`): "
                 f"{', '.join(args.skip)}.\n")
    os.makedirs(args.out, exist_ok=True)
    stem = osp.join(args.out, 'proxy_surveillance' +
                    ('_partial' if res['missing'] else ''))
    atomic_write_bytes(stem + '.md', text.encode('utf-8'))
    bar_chart(stem + '.png', rows)
    write_json_atomic(stem + '.json',
                      dict(rows=rows, kd_gradients=res['grads'],
                           recipe_vs_reference=res['versus'],
                           minutes_per_run=res['minutes'],
                           totals=res['totals'], teachers=res['teachers'],
                           seeds=list(args.seeds),
                           missing=res['missing'], skipped=list(args.skip)))
    if not res['missing']:
        remove_stale_partial(args.out)
    print('\n' + text)
    print(f'[proxy] wrote {stem}.{{md,png,json}}')


def remove_stale_partial(out: str) -> None:
    """Delete ``proxy_surveillance_partial.{md,png,json}`` in ``out``: once
    the complete table is written, they show fewer runs than it does."""
    for ext in ('md', 'png', 'json'):
        path = osp.join(out, f'proxy_surveillance_partial.{ext}')
        if osp.exists(path):
            os.remove(path)
            print(f'[proxy] removed {path}: superseded by the complete table')


if __name__ == '__main__':
    main()
