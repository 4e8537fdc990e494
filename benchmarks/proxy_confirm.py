"""The confirmation of the real-proxy recipe
(``python benchmarks/proxy_selection.py --confirm``): the shipped recipe
(:data:`proxy_candidates.SHIPPED`) against each of the challengers
(:data:`proxy_challengers.CHALLENGERS`), every fold trained with every
``--spread-seeds`` seed; a challenger replaces the
recipe only when its mean beats the recipe's significantly (t-test of the
per-seed means, :func:`decide`).

Each finished fold run is kept in the committed ledger
(``proxy_confirm_runs.json``, :func:`confirm`), so a new clone resumes from
it. A challenger's run is compared with the recipe's run of the same fold
and seed trained on a machine that computes alike (the numerics
fingerprint). Mechanisms that can be measured on the same weights (mirrored
test views, the late statistics stream, snapshot ensembles) are also
compared run by run (:func:`paired_runs`). :func:`confirm_markdown` writes
the report.
"""

import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from proxy_challengers import CHALLENGERS
from proxy_candidates import SHIPPED, candidate_name, with_choice
from proxy_folds import (NOISE_FLOOR, accuracy_by_size, clip_sizes, fold_f1,
                         held_out_dump, mean_recall, noisy_clips,
                         recall_by_fold, reference_correct, seed_run,
                         size_span, trained_history, write_fold_configs)
from proxy_runs import (REPO, ProxyRuns, RunLedger, config_sha256, machine,
                        timed_in_part, training_seconds)
from tiny_action.datasets.annotations import read_annotation_entries
from tiny_action.utils.fileio import atomic_write_bytes, write_json_atomic

#: the confirmation's ledger of finished fold runs, in ``--out``.
CONFIRM_LEDGER = 'proxy_confirm_runs.json'
#: a comparison on fewer training seeds decides nothing.
MIN_SEEDS = 3
#: two-sided significance level of a challenger's change.
ALPHA = 0.05
#: simulated sets of changes for :func:`largest_change_under_null`.
NULL_SETS = 20000


def verdict(change: float, p_value: float, alpha: float = ALPHA) -> str:
    """"helps" / "hurts" when the change of the mean is significant at
    ``alpha`` (:data:`ALPHA`), else "no clear effect"; "undecided" when
    there is no p-value (NaN: nothing to test)."""
    if not np.isfinite(p_value):
        return 'undecided'
    if p_value >= alpha:
        return 'no clear effect'
    return 'helps' if change > 0 else 'hurts'


def mean_difference_test(a: Sequence[float], b: Sequence[float]
                         ) -> Tuple[float, float, float]:
    """Two-sample t-test of the per-seed means ``a`` against ``b`` (equal
    sizes, ``2n - 2`` degrees of freedom): change of the mean, its standard
    error and the two-sided p-value. The seeds are not paired: the same
    seed in another pipeline draws another random stream. One seed each:
    standard error and p-value are NaN (nothing to test), as is the
    p-value of a change without any spread."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    change = float(a.mean() - b.mean())
    if min(len(a), len(b)) < 2:
        return change, float('nan'), float('nan')
    se = float(np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))
    return change, se, _two_sided_p(change, se, len(a) + len(b) - 2)


def _per_seed(values: Sequence[float]) -> str:
    return ' / '.join(f'{v:.3f}' for v in values)


def _row_sentences(challengers: List[Dict], key: str, sentence) -> List[str]:
    """A paragraph ``sentence(row, row[key])`` per challenger row that has
    ``key`` (not None)."""
    return [line for r in challengers if r.get(key) is not None
            for line in ('', sentence(r, r[key]))]


def _flip_sentence(r: Dict, p: Dict) -> str:
    """Mirrored test views on the same weights (:func:`paired_test_flip`
    ``p`` of challenger row ``r``): the runs with and without them."""
    return (f"Mirrored test views on the same weights (`{r['name']}`'s runs "
            'tested without `FlipViews` too; paired t-test over the seeds): '
            f"without {_per_seed(p['without_means'])}, with "
            f"{_per_seed(p['with_means'])}, change {change_text(p)}; "
            f"{p['runs_up']} of {p['runs']} runs better, {p['runs_down']} "
            f'worse: {verdict_text(p)}.')


def _streams_sentence(r: Dict, p: Dict) -> str:
    """The late fusion on the same weights (:func:`paired_streams` ``p``
    of challenger row ``r``): each run fused and its network alone."""
    return (f"Each stream on the same weights (`{r['name']}`'s runs, the "
            "dumps' `network_score` and `stream_score`; paired t-test over "
            f"the seeds): network alone {_per_seed(p['without_means'])}, "
            f"statistics stream alone {_per_seed(p['stream_means'])}, fused "
            f"{_per_seed(p['with_means'])}; the fusion against its own "
            f"network {change_text(p)}, {p['runs_up']} of {p['runs']} runs "
            f"better, {p['runs_down']} worse: {verdict_text(p)}.")


def _machine_sentence(r: Dict, b: Dict) -> str:
    """Challenger row ``r`` compared with the base's runs ``b`` on its own
    machines (``machine_base``, :func:`compare_to_base`)."""
    return (f"`{r['name']}` is compared with the shipped recipe trained with "
            'the same seeds on machines that compute alike (the same numerics '
            'fingerprint: ' + '; '.join(f'`{m}`' for m in b['machines']) +
            '), not with its ledger runs: the recipe there scores '
            f"{_per_seed(b['means'])}, {b['mean']:.3f} ± {b['std']:.3f}.")


#: a standard error (or change) below this is none: rounding error only.
SPREAD_EPS = 1e-9


def _two_sided_p(change: float, se: float, df: int) -> float:
    """Two-sided t-test p-value of ``change`` with standard error ``se``;
    without any spread (``se`` 0, or rounding error of it: equal shares of
    the same clips in every seed give a variance of 1e-33): 1 for no
    change, NaN for a change the test cannot weigh."""
    from scipy import stats
    if se < SPREAD_EPS:
        return 1.0 if abs(change) < SPREAD_EPS else float('nan')
    return float(2 * stats.t.sf(abs(change) / se, df))


def paired_difference_test(a: Sequence[float], b: Sequence[float]
                           ) -> Tuple[float, float, float]:
    """As :func:`mean_difference_test` for values paired seed by seed (the
    same runs, e.g. an ensemble of a run's checkpoints against its last
    one): paired t-test of ``a - b``."""
    d = np.subtract(np.asarray(a, float), np.asarray(b, float))
    change = float(d.mean())
    if len(d) < 2:
        return change, float('nan'), float('nan')
    se = float(d.std(ddof=1) / np.sqrt(len(d)))
    return change, se, _two_sided_p(change, se, len(d) - 1)


def paired_runs(with_: Sequence[Sequence[float]],
                without: Sequence[Sequence[float]],
                alpha: float = ALPHA) -> Dict:
    """A mechanism measured on the same runs with and without it: per seed
    a list of the folds' values each (``with_``, ``without``). Returns
    :func:`decide` (paired) of the per-seed means, with ``runs`` (seed x
    fold runs), ``runs_up`` / ``runs_down`` (how many the mechanism moved
    up / down by more than 1e-9) and the per-seed means ``with_means`` /
    ``without_means``."""
    a = [float(np.mean(v)) for v in with_]
    b = [float(np.mean(v)) for v in without]
    d = np.subtract(np.concatenate(with_), np.concatenate(without))
    return dict(decide(a, b, paired=True, alpha=alpha), with_means=a,
                without_means=b, runs=len(d),
                runs_up=int(np.sum(d > 1e-9)),
                runs_down=int(np.sum(d < -1e-9)))


def change_text(r: Dict) -> str:
    """``change ± se`` of a :func:`decide` result (no ``se`` when the test
    could not weigh it)."""
    return f"{r['change']:+.3f}" + (f" ± {r['se']:.3f}"
                                    if np.isfinite(r['p_value']) else '')


def p_text(p: float) -> str:
    """A p-value to two decimals, or to one significant digit under 0.01
    (0.0027 is ``0.003``, not ``0.00``)."""
    if p >= 0.01:
        return f'{p:.2f}'
    return np.format_float_positional(p, precision=1, fractional=False)


def verdict_text(r: Dict) -> str:
    """The verdict of a :func:`decide` result with its p-value."""
    return r['verdict'] + (f" (p = {p_text(r['p_value'])})"
                           if np.isfinite(r['p_value']) else '')


def decide(a: Sequence[float], b: Sequence[float], paired: bool = False,
           alpha: float = ALPHA) -> Dict:
    """Whether ``a`` (per-seed values with a change) beats ``b`` (without):
    ``change``, ``se``, ``p_value`` (:func:`mean_difference_test`, or
    :func:`paired_difference_test` when ``paired``) and the
    :func:`verdict`; fewer than :data:`MIN_SEEDS` seeds decide nothing."""
    test = paired_difference_test if paired else mean_difference_test
    change, se, p = test(a, b)
    n = min(len(a), len(b))
    if n < MIN_SEEDS:
        said = f'undecided ({n} seeds)'
    elif not np.isfinite(p):
        said = 'undecided (no spread)'
    else:
        said = verdict(change, p, alpha)
    return dict(change=change, se=se, p_value=p, verdict=said)


def compare_to_base(base: Dict, rows: List[Dict], alpha: float = ALPHA
                    ) -> List[Dict]:
    """Each challenger's seed spread against the base's (same seeds, same
    folds): ``change`` of the mean, its ``se`` and ``p_value``
    (:func:`mean_difference_test`), the change on each fold (``per_fold``,
    mean over the seeds: the folds pair the same held-out clips) and the
    :func:`verdict`; fewer than :data:`MIN_SEEDS` seeds decide nothing.
    A row with a ``machine_base`` (the base's runs on the machines that
    computed the challenger's, :func:`machine_base_runs`) is compared with
    that instead of ``base``."""
    out = []
    for r in rows:
        against = r.get('machine_base', base)
        if list(r['f1']) != list(against['f1']):
            raise ValueError(f"{r['name']}: seeds {list(r['f1'])}, the "
                             f"base has {list(against['f1'])}")
        per_fold = np.mean([np.subtract(r['f1'][s], against['f1'][s])
                            for s in r['f1']], axis=0)
        out.append(dict(r, **decide(r['means'], against['means'],
                                    alpha=alpha),
                        per_fold=[float(d) for d in per_fold]))
    return out


def fold_identity(c: dict, held_ids: List[str], config: str,
                  fold_files: Tuple[str, str]) -> Dict:
    """What a ledger record of a fold run of candidate ``c`` was measured
    under: the candidate, the ids of its held-out clips and the hash of its
    fold ``config`` (resolved, with the ``(fit, held)`` annotation files
    ``fold_files`` counted from their folder, :func:`config_sha256`)."""
    return dict(candidate=c, held=held_ids, config_sha256=config_sha256(
        config, osp.dirname(osp.abspath(fold_files[0]))))


def fold_record(runs: ProxyRuns, c: dict, k: int, seed: int, held: List[int],
                y: np.ndarray, cfg_dir: str,
                on_machine: Optional[str] = None) -> Dict:
    """Train fold ``k`` of candidate ``c`` with ``seed`` (unless finished)
    and test its last checkpoint on the held-out clips ``held``;
    ``on_machine``: a numerics fingerprint, to train the run again under
    :func:`machine_run`'s name (its own folder and test) on this machine.

    Returns:
        dict: ``f1`` / ``mAP`` of the last validation, ``correct`` (per
        held-out clip, in ``held`` order: top-scored class is the label),
        :func:`training_seconds` of the training and ``machine``.
    """
    name = candidate_name(c)
    run, options, test = seed_run(name, k, seed)
    if on_machine is not None:
        here = machine(runs.threads)
        if on_machine != numerics(dict(machine=here)):
            raise ValueError(f'{run}: cannot train it on machine numerics '
                             f'{on_machine!r} here ({here})')
        run, test = machine_run(run, on_machine), f'{test}_{on_machine}'
    config = osp.join(cfg_dir, f'{name}_fold{k}.py')
    run_dir, history = trained_history(runs, run, config, options)
    dump, correct = held_out_dump(runs, run_dir, test, config, held, y)
    record = dict(f1=float(history[-1]['f1']), mAP=float(history[-1]['mAP']),
                  correct=correct.tolist(), **training_seconds(runs, run),
                  machine=machine(runs.threads))
    if c['test_flip']:
        record['without_test_flip'] = without_test_flip(
            runs, c, k, seed, run_dir, held, y, cfg_dir)
    if c['snapshots']:  # scored as what it ships: the ensemble
        record = dict(record, last=dict(f1=record['f1'],
                                        correct=record['correct']),
                      **snapshot_score(runs, run_dir, config, held, y))
    if c['motion_stats'] == 'stream':
        record['streams'] = stream_scores(dump.path, held, y)
    return record


STREAM_FIELDS = ('network_score', 'stream_score')


def stream_scores(dump_path: str, held: List[int], y: np.ndarray) -> Dict:
    """Each stream of a ``MotionStreamHead`` model alone, from the
    ``tools/test.py --dump`` ``dump_path`` of its held-out clips ``held``:
    the network's and the statistics stream's own probabilities
    (:data:`STREAM_FIELDS`, written beside the fused ``pred_score``), so
    that the fusion is compared with its own network on the same weights.

    Returns:
        dict: ``network`` and ``stream``, each ``f1`` (macro-F1 at
        threshold 0.5) and ``correct`` (per clip in ``held`` order: top-scored
        class is the label).

    Raises:
        ValueError: The dump has not one record per held-out clip, or a
            record lacks a field (a dump made before the head kept them:
            test the checkpoint again).
    """
    from tiny_action.evaluation import macro_prf
    from tiny_action.tools.ensemble.safe_pickle import load_dump_pickle
    records = load_dump_pickle(dump_path)
    if len(records) != len(held):
        raise ValueError(f'{dump_path}: {len(records)} records, expected '
                         f'one per held-out clip ({len(held)})')
    labels = y[held]
    out = {}
    for field in STREAM_FIELDS:
        lacking = [i for i, r in enumerate(records) if field not in r]
        if lacking:
            raise ValueError(f'{dump_path}: record {lacking[0]} has no '
                             f'{field!r} (dumped before MotionStreamHead '
                             'kept it? test the checkpoint again)')
        scores = np.stack([np.asarray(r[field], float) for r in records])
        out[field.split('_')[0]] = dict(
            f1=float(macro_prf(scores, labels)['f1']),
            correct=(scores.argmax(1) == labels.argmax(1)).tolist())
    return out


def backfill_streams(runs: ProxyRuns, c: dict, k: int, seed: int,
                     record: Dict, held: List[int], y: np.ndarray,
                     cfg_dir: str) -> Dict:
    """:func:`stream_scores` for a ledger ``record`` of a
    ``MotionStreamHead`` candidate made before the head kept each stream's
    score: the record's run tested again (:func:`retest_record`, dump
    ``<test>_streams``)."""
    _, dump = retest_record(runs, c, k, seed, record, held, y, cfg_dir,
                            '_streams', 'streams')
    return stream_scores(dump.path, held, y)


def snapshot_score(runs: ProxyRuns, run_dir: str, config: str,
                   held: List[int], y: np.ndarray) -> Dict:
    """The checkpoint ensemble of ``run_dir`` on its held-out clips ``held``:
    the checkpoints at ``proxy_surveillance.ENSEMBLE_AT`` of the schedule
    tested with ``config`` (``recipe_scores``), their probabilities
    averaged.

    Returns:
        dict: ``f1`` (macro-F1 at threshold 0.5), ``mAP``, ``correct`` (per
        clip in ``held`` order: top-scored class is the label) and
        ``snapshot_epochs``.

    Raises:
        RuntimeError: The dumps' labels are not those of ``y[held]``.
    """
    from proxy_surveillance import recipe_scores, scores_of
    from tiny_action.evaluation import macro_prf, mean_average_precision
    from tiny_action.tools.ensemble import ensemble_of
    dumps = scores_of(dict(scores=recipe_scores(runs, run_dir, config)),
                      run_dir)
    ens = ensemble_of([dumps[e] for e in sorted(dumps)])
    if not np.array_equal(ens.labels, y[held]):
        raise RuntimeError(f'{run_dir}: the dumps\' labels are not those of '
                           'the held-out clips')
    return dict(f1=float(macro_prf(ens.scores, ens.labels)['f1']),
                mAP=float(mean_average_precision(ens.scores, ens.labels)),
                correct=(ens.scores.argmax(1) == y[held].argmax(1)).tolist(),
                snapshot_epochs=sorted(dumps))


def without_test_flip(runs: ProxyRuns, c: dict, k: int, seed: int,
                      run_dir: str, held: List[int], y: np.ndarray,
                      cfg_dir: str) -> Dict:
    """The last checkpoint in ``run_dir`` (fold ``k`` of candidate ``c``,
    ``test_flip``, trained with ``seed``) tested without the mirrored views,
    i.e. with the fold config of ``c`` without ``test_flip`` (written
    beforehand by :func:`write_fold_configs`): the same weights scored with
    and without the mirrors, a paired comparison of the test-time mechanism
    alone.

    Returns:
        dict: ``f1`` (held-out macro-F1 at threshold 0.5) and ``correct``
        (per held-out clip, in ``held`` order).
    """
    from tiny_action.evaluation import macro_prf
    plain = osp.join(cfg_dir, f"{candidate_name(dict(c, test_flip=False))}"
                     f'_fold{k}.py')
    if not osp.isfile(plain):
        raise FileNotFoundError(f'{plain}: write the fold configs of the '
                                'candidate without test_flip first')
    test = seed_run(candidate_name(c), k, seed)[2]
    dump, correct = held_out_dump(runs, run_dir, f'{test}_noflip', plain,
                                  held, y)
    return dict(f1=float(macro_prf(dump.scores, dump.labels)['f1']),
                correct=correct.tolist())


def backfill_without_test_flip(runs: ProxyRuns, c: dict, k: int, seed: int,
                               record: Dict, held: List[int], y: np.ndarray,
                               cfg_dir: str) -> Dict:
    """:func:`without_test_flip` for a ledger ``record`` made before it was
    kept, from the record's run (:func:`retest_record`: tested again with
    the mirrors, it must get the same clips right, else the pairing would be
    of two trainings)."""
    run_dir, _ = retest_record(runs, c, k, seed, record, held, y, cfg_dir,
                               '', 'without_test_flip')
    return without_test_flip(runs, c, k, seed, run_dir, held, y, cfg_dir)


def retest_record(runs: ProxyRuns, c: dict, k: int, seed: int,
                  record: Dict, held: List[int], y: np.ndarray, cfg_dir: str,
                  suffix: str, lacking: str) -> Tuple[str, object]:
    """The finished run in the work dir of fold ``k`` of candidate ``c``
    trained with ``seed``, tested on its held-out clips ``held`` (dump
    ``<test><suffix>``), checked to be the training of the ledger
    ``record``, which lacks the field ``lacking``: it must get the same
    held-out clips right.

    Returns:
        tuple: The run folder and the dump (:func:`held_out_dump`).

    Raises:
        RuntimeError: The run is not finished in the work dir, or it is
            another training than the record's.
    """
    name = candidate_name(c)
    run, _, test = seed_run(name, k, seed)
    run_dir = osp.join(runs.work_dir, run)
    if not osp.isfile(osp.join(run_dir, 'finished.json')):
        raise RuntimeError(f'{run_dir}: no finished run to test again (the '
                           f'ledger entry {run!r} lacks {lacking})')
    dump, correct = held_out_dump(runs, run_dir, f'{test}{suffix}', osp.join(
        cfg_dir, f'{name}_fold{k}.py'), held, y)
    if correct.tolist() != list(record['correct']):
        raise RuntimeError(f'{run_dir} is another training than the ledger '
                           f'entry {run!r} (other held-out clips right)')
    return run_dir, dump


def _check_correct(path: str, run: str, record: Dict, n_held: int) -> None:
    """A fold record (of the ledger ``path``) must hold one result per
    held-out clip."""
    got = len(record.get('correct', ()))
    if got != n_held:
        raise ValueError(f'{path}: entry {run!r} has {got} per-clip '
                         f'results, expected {n_held}')


def numerics(record: Dict) -> Optional[str]:
    """The numerics fingerprint in a record's ``machine``
    (:func:`proxy_runs.machine`), None for a record from before it."""
    words = record.get('machine', '').split()
    if len(words) >= 2 and words[-2] == 'numerics':
        return words[-1]
    return None


def machine_run(run: str, fingerprint: str) -> str:
    """Ledger and work-dir name of the base's run ``run`` (a
    :func:`seed_run` name) trained again on the machine with numerics
    ``fingerprint``: ``<candidate>/numerics_<fingerprint>/[seed<s>/]fold<k>``.
    """
    name, rest = run.split('/', 1)
    return f'{name}/numerics_{fingerprint}/{rest}'


def base_run_on(ledger: RunLedger, run: str, fingerprint: Optional[str]
                ) -> Optional[str]:
    """The ledger name of the base's run ``run`` computed on the machine
    with numerics ``fingerprint``: ``run`` itself when its record has them,
    else :func:`machine_run` when the ledger holds it, else None (also for
    no ``fingerprint``, a challenger record from before it)."""
    if fingerprint is None:
        return None
    if run in ledger and numerics(ledger[run]) == fingerprint:
        return run
    other = machine_run(run, fingerprint)
    return other if other in ledger else None


def machine_base_runs(ledger: RunLedger, base_name: str, name: str, parts,
                      seeds) -> Optional[Dict]:
    """``(seed, fold) -> ledger name`` of the base's runs computed on the
    same machine as challenger ``name``'s run of that seed and fold
    (:func:`base_run_on`, by numerics fingerprint), or None when any of
    them has none: then the challenger is compared with the base's own
    runs, wherever they were trained."""
    out = {}
    for seed in seeds:
        for k in range(len(parts)):
            run = seed_run(name, k, seed)[0]
            base = base_run_on(ledger, seed_run(base_name, k, seed)[0],
                               numerics(ledger[run]))
            if base is None:
                return None
            out[seed, k] = base
    return out


def confirm(runs: ProxyRuns, base: dict, challengers, folds, parts,
            data: str, cfg_dir: str, seeds: Sequence[int],
            reference: Tuple[List[np.ndarray], np.ndarray],
            ledger_path: str, train: bool = True,
            alpha: float = ALPHA,
            noisy: Optional[np.ndarray] = None) -> Dict:
    """Train ``base`` and each of ``challengers`` (:data:`CHALLENGERS`) on
    every fold with every seed in ``seeds`` (seed by seed, so that a
    partial result pairs the candidates on the same seeds); their seed
    spreads, the challengers compared to the base (:func:`compare_to_base`)
    and the held-out accuracy by clip size averaged over the seeds.

    Each finished run is kept in the ledger ``ledger_path`` (a JSON file
    in the repository: a 2-core machine trains about 6 runs an hour, fewer
    than a confirmation needs, and a new clone has no work dir), so a later
    process resumes where this one stopped; a run in the ledger is not
    trained again while its :func:`fold_identity` is unchanged.
    Seeded trainings differ between machines that round differently, by as
    much as the challengers' effects: a challenger's run computed on this
    machine is compared with the base's run of the same fold and seed
    computed alike (the same :func:`proxy_runs.numerics_fingerprint`),
    trained here when the ledger has none (:func:`_base_on_this_machine`);
    records from before the fingerprint are compared as they are.
    ``train=False`` trains nothing and reports the seeds that the ledger
    holds for the shipped recipe (a partial confirmation: fewer than 3
    seeds decide nothing); a challenger without every one of them is
    pending and left out of the report (named under ``pending``).
    ``alpha``: the significance level of the verdicts (lower when the
    ledger is looked at again after more seeds, see ``--alpha``).
    ``noisy``: one flag per train clip (:func:`proxy_folds.noisy_clips`);
    given, every row also has ``by_noise`` (:func:`_ledger_row`), each
    challenger ``noise_change`` (its accuracy on the noisy clips against
    the base's, :func:`mean_difference_test` over the seeds) and the base
    ``reference_by_noise``.

    Returns:
        dict: ``base`` and ``challengers`` (spread rows with ``what``,
        ``candidate``, ``cpu_seconds``, ``by_size``; the base also has the
        reference baseline's ``reference_by_size``, the challengers
        :func:`compare_to_base`'s keys), ``seeds`` (those reported),
        ``pending`` (the challengers left out, ``train=False`` only),
        ``chosen`` (the significant challenger with the best mean, else the
        base) and ``reference`` (the reference baseline's mean held-out F1
        on the folds).
    """
    if len(set(seeds)) != len(seeds):
        raise ValueError(f'seeds {list(seeds)}: each seed once')
    ref_scores, y = reference
    entries = read_annotation_entries(
        osp.join(data, 'train', 'annotations.json'))
    held_ids = [[entries[i]['id'] for i in held] for held in parts]
    ledger = RunLedger(ledger_path)
    cands = [(what, dict(base) if key is None else
              with_choice(base, key, value))
             for what, key, value in [('shipped recipe', None, None),
                                      *challengers]]
    for what, c in cands:
        if c['test_views'] != 1:
            raise ValueError(f'{what}: the confirmation scores the last '
                             'validation of a training (test_views=1)')
    configs = {candidate_name(c): write_fold_configs(c, folds, cfg_dir)
               for _, c in cands}
    # what each fold run is measured under, resolved once per candidate
    identities = {candidate_name(c): [
        fold_identity(c, held_ids[k], configs[candidate_name(c)][k], folds[k])
        for k in range(len(parts))] for _, c in cands}

    def done(seed, c):
        return all(seed_run(candidate_name(c), k, seed)[0] in ledger
                   for k in range(len(parts)))

    pending = []
    if not train:  # the recipe's finished seeds; a challenger short of
        # any of them is pending (it does not shrink the others' seeds)
        seeds = [seed for seed in seeds if done(seed, cands[0][1])]
        if not seeds:
            raise RuntimeError(f'{ledger_path}: no seed finished for the '
                               'shipped recipe')
        pending = [what for what, c in cands[1:]
                   if not all(done(seed, c) for seed in seeds)]
        for what in pending:
            print(f'[confirm] {what}: not finished with seeds {seeds}, '
                  'not reported')
        cands = [(what, c) for what, c in cands if what not in pending]
    for seed in seeds:
        for what, c in cands:
            for k, held in enumerate(parts):
                run = seed_run(candidate_name(c), k, seed)[0]
                identity = identities[candidate_name(c)][k]
                rec = ledger.reuse(run, identity)
                if rec is None:
                    print(f'[confirm] {what}: {run}', flush=True)
                    rec = fold_record(runs, c, k, seed, held, y, cfg_dir)
                elif c['test_flip'] and 'without_test_flip' not in rec \
                        and train:  # a record from before the paired test
                    rec = ledger.add(run, identity, dict(
                        rec, without_test_flip=backfill_without_test_flip(
                            runs, c, k, seed, rec, held, y, cfg_dir)))
                elif c['motion_stats'] == 'stream' and 'streams' not in rec \
                        and train:  # a record from before the streams' scores
                    rec = ledger.add(run, identity, dict(
                        rec, streams=backfill_streams(
                            runs, c, k, seed, rec, held, y, cfg_dir)))
                _check_correct(ledger.path, run, rec, len(held))
                if run not in ledger:
                    ledger.add(run, identity, rec)
                if train and c is not cands[0][1]:
                    _base_on_this_machine(runs, ledger, base, k, seed, held,
                                          y, cfg_dir, numerics(rec),
                                          identities[candidate_name(base)][k])
    sizes = clip_sizes(entries)
    rows = [_ledger_row(what, c, ledger, parts, seeds, sizes, y, alpha=alpha,
                        noisy=noisy) for what, c in cands]
    for row in rows[1:]:
        on = machine_base_runs(ledger, rows[0]['name'], row['name'], parts,
                               seeds)
        if on is not None and any(on[key] != seed_run(
                rows[0]['name'], key[1], key[0])[0] for key in on):
            row['machine_base'] = _ledger_row(
                'shipped recipe on the same machines', base, ledger, parts,
                seeds, sizes, y, run_of=lambda seed, k, on=on: on[seed, k],
                alpha=alpha, noisy=noisy)
    compared = compare_to_base(rows[0], rows[1:], alpha)
    if noisy is not None:
        for r in compared:
            r['noise_change'] = noise_change(r, r.get('machine_base',
                                                      rows[0]))
    helping = [r for r in compared if r['verdict'] == 'helps']
    chosen = max(helping, key=lambda r: r['mean']) if helping else rows[0]
    ref_correct = reference_correct(reference, parts)
    base_row = dict(rows[0], reference_by_size=accuracy_by_size(
        ref_correct, sizes), reference_recall=recall_by_fold(
            ref_correct, y, parts), fit_shares=fit_shares(y, parts))
    if noisy is not None:
        base_row['reference_by_noise'] = accuracy_by_noise(ref_correct,
                                                           noisy)
    return dict(base=base_row,
                seeds=list(seeds), alpha=alpha, pending=pending,
                challengers=compared, chosen=chosen['candidate'],
                reference=float(np.mean(fold_f1(ref_scores, y, parts))))


def _base_on_this_machine(runs: ProxyRuns, ledger: RunLedger, base: dict,
                          k: int, seed: int, held: List[int], y: np.ndarray,
                          cfg_dir: str, fingerprint: Optional[str],
                          identity: Dict) -> None:
    """After a challenger's run of fold ``k`` and ``seed`` computed on this
    machine (numerics ``fingerprint``): train the base's run of that fold
    and seed here too (:func:`machine_run`, kept in the ledger) unless the
    ledger has it from a machine with the same numerics, so that the two
    are compared on one machine (seeded trainings differ between machines
    by as much as the challengers' effects)."""
    if fingerprint is None:  # a record from before the fingerprint
        return
    here = numerics(dict(machine=machine(runs.threads)))
    run = seed_run(candidate_name(base), k, seed)[0]
    if fingerprint != here or base_run_on(ledger, run, here) is not None:
        return
    paired = machine_run(run, here)
    rec = ledger.reuse(paired, identity)
    if rec is None:
        print(f'[confirm] shipped recipe on this machine: {paired}',
              flush=True)
        rec = fold_record(runs, base, k, seed, held, y, cfg_dir,
                          on_machine=here)
    _check_correct(ledger.path, paired, rec, len(held))
    if paired not in ledger:
        ledger.add(paired, identity, rec)


def fit_shares(y: np.ndarray, parts: List[List[int]]) -> List[List[float]]:
    """Per fold, each class's share of the clips it is fitted on (all
    train clips but the fold's)."""
    label = y.argmax(1)
    out = []
    for held in parts:
        fit = np.ones(len(y), bool)
        fit[held] = False
        out.append([float((label[fit] == c).mean())
                    for c in range(y.shape[1])])
    return out


def _ledger_row(what: str, c: dict, ledger: Dict, parts, seeds,
                sizes: np.ndarray, y: np.ndarray, run_of=None,
                alpha: float = ALPHA,
                noisy: Optional[np.ndarray] = None) -> Dict:
    """A candidate's seed spread (as :func:`seed_spread`), CPU seconds,
    accuracy by clip size and recall by fold and class
    (:func:`recall_by_fold`; both means over the seeds) from the ledger;
    ``run_of(seed, k)``: the ledger name of each run (default: the
    candidate's own, :func:`seed_run`); ``alpha``: the level of the paired
    verdicts on the same weights; with ``noisy`` (a flag per train clip),
    also ``by_noise``: per seed, :func:`accuracy_by_noise` (lists
    ``noisy`` and ``other``), and ``clips``, how many of each."""
    name = candidate_name(c)
    if run_of is None:
        def run_of(seed, k):
            return seed_run(name, k, seed)[0]
    f1, by_seed, cpu, untimed, recall = {}, [], 0.0, 0, []
    machines = set()
    for seed in seeds:
        recs = [ledger[run_of(seed, k)] for k in range(len(parts))]
        machines.update(r.get('machine', '?') for r in recs)
        f1[seed] = [r['f1'] for r in recs]
        cpu += sum(r['cpu'] or 0.0 for r in recs)
        untimed += sum(timed_in_part(r) for r in recs)
        correct = np.zeros(len(sizes), bool)
        for held, r in zip(parts, recs):
            correct[held] = r['correct']
        by_seed.append(dict(model=accuracy_by_size(correct, sizes)))
        recall.append(recall_by_fold(correct, y, parts))
        if noisy is not None:
            by_seed[-1]['noise'] = accuracy_by_noise(correct, noisy)
    means = [float(np.mean(v)) for v in f1.values()]
    row = dict(name=name, what=what, candidate=c, f1=f1, means=means,
               mean=float(np.mean(means)),
               std=float(np.std(means, ddof=1)) if len(means) > 1 else 0.0,
               cpu_seconds=cpu, cpu_untimed=untimed, machines=sorted(machines),
               by_size=_mean_by_size(by_seed), recall=mean_recall(recall))
    if noisy is not None:
        row['by_noise'] = {part: [s['noise'][part] for s in by_seed]
                           for part in ('noisy', 'other')}
        row['by_noise']['clips'] = [int(noisy.sum()), int((~noisy).sum())]
    if c['test_flip']:
        row['paired_test_flip'] = paired_test_flip(ledger, name, parts, seeds,
                                                   alpha)
    if c['motion_stats'] == 'stream':
        row['paired_streams'] = paired_streams(ledger, name, parts, seeds,
                                               alpha)
    return row


def accuracy_by_noise(correct: np.ndarray, noisy: np.ndarray) -> Dict:
    """Share of correct clips among the ``noisy`` ones (a flag per clip,
    :func:`proxy_folds.noisy_clips`) and among the others.

    Raises:
        ValueError: The flags are not one per clip, or one part is empty.
    """
    noisy = np.asarray(noisy, bool)
    if noisy.shape != np.shape(correct) or noisy.all() or not noisy.any():
        raise ValueError(f'noisy: {noisy.sum()} of {noisy.size} flags for '
                         f'{np.size(correct)} clips; both parts need clips')
    return dict(noisy=float(correct[noisy].mean()),
                other=float(correct[~noisy].mean()))


def noise_change(row: Dict, against: Dict) -> Dict:
    """A challenger ``row``'s accuracy on the noisy clips against the
    base row's (``by_noise``, per seed): ``change``, ``se`` and
    ``p_value`` of :func:`mean_difference_test`."""
    change, se, p_value = mean_difference_test(row['by_noise']['noisy'],
                                               against['by_noise']['noisy'])
    return dict(change=change, se=se, p_value=p_value)


def fold_records_with(ledger: Dict, name: str, parts, seeds,
                      field: str) -> Optional[List[List[Dict]]]:
    """Per seed, the ledger records of candidate ``name``'s fold runs
    (:func:`seed_run`), for a comparison on the same weights; None while
    one of them lacks ``field``."""
    recs = [[ledger[seed_run(name, k, seed)[0]] for k in range(len(parts))]
            for seed in seeds]
    if any(field not in r for rs in recs for r in rs):
        return None
    return recs


def paired_streams(ledger: Dict, name: str, parts, seeds,
                   alpha: float = ALPHA) -> Optional[Dict]:
    """The late fusion on the same weights: per seed, the mean over the
    folds of the held-out F1 of candidate ``name``'s runs as shipped (the
    fused ``pred_score``, ``f1``) against their own network stream alone
    (``streams``, :func:`stream_scores`), compared by :func:`paired_runs`,
    with the statistics stream's per-seed means (``stream_means``). None
    while a run lacks the streams' scores."""
    recs = fold_records_with(ledger, name, parts, seeds, 'streams')
    if recs is None:
        return None
    return dict(paired_runs(
        [[r['f1'] for r in rs] for rs in recs],
        [[r['streams']['network']['f1'] for r in rs] for rs in recs],
        alpha),
        stream_means=[float(np.mean([r['streams']['stream']['f1']
                                     for r in rs])) for rs in recs])


def paired_test_flip(ledger: Dict, name: str, parts, seeds,
                     alpha: float = ALPHA) -> Optional[Dict]:
    """The mirrored test views on the same weights: per seed, the mean over
    the folds of the held-out F1 of candidate ``name``'s runs with the
    mirrors (``f1``) and without (``without_test_flip``), compared by
    :func:`paired_runs`. None while a run lacks the score without
    them."""
    recs = fold_records_with(ledger, name, parts, seeds, 'without_test_flip')
    if recs is None:
        return None
    return paired_runs([[r['f1'] for r in rs] for rs in recs],
                       [[r['without_test_flip']['f1'] for r in rs]
                        for rs in recs], alpha)


def _mean_by_size(sized: List[Dict]) -> List[Dict]:
    """Per-seed :func:`accuracy_by_size` rows (``model``), accuracy
    averaged over the seeds."""
    rows = []
    for bins in zip(*(s['model'] for s in sized)):
        accs = [b['accuracy'] for b in bins if b['accuracy'] is not None]
        rows.append(dict(bins[0], accuracy=float(np.mean(accs))
                         if accs else None))
    return rows


def largest_change_under_null(changes: Sequence[float],
                              ses: Sequence[float], sets: int = NULL_SETS,
                              seed: int = 0) -> Dict:
    """How the largest of the challengers' ``changes`` compares with the
    largest of as many changes drawn without any effect: each drawn from a
    normal of mean 0 and that challenger's standard error ``ses``, in
    ``sets`` simulated sets (``seed``). A description of the whole set of
    challengers, not a test: the comparisons share the recipe's runs.

    Returns:
        dict: ``n``, ``mean``, ``median``, ``positive`` (how many changes
        are above 0), ``largest``, ``rms_se``, ``null_median_largest`` (the
        median of the simulated largest changes) and ``share_at_most``
        (the share of simulated sets whose largest is at most ``largest``).
    """
    changes, ses = np.asarray(changes, float), np.asarray(ses, float)
    if not len(changes) or changes.shape != ses.shape:
        raise ValueError(f'{len(changes)} changes with {len(ses)} standard '
                         'errors: need as many, at least one')
    drawn = np.random.default_rng(seed).normal(
        0.0, ses, size=(sets, len(ses))).max(axis=1)
    largest = float(changes.max())
    return dict(n=len(changes), mean=float(changes.mean()),
                median=float(np.median(changes)),
                positive=int(np.sum(changes > 0)), largest=largest,
                rms_se=float(np.sqrt(np.mean(ses ** 2))),
                null_median_largest=float(np.median(drawn)),
                share_at_most=float(np.mean(drawn <= largest)))


def null_markdown(challengers: List[Dict]) -> List[str]:
    """A sentence on the spread of the challengers' changes
    (:func:`largest_change_under_null`) when at least two have one.
    :func:`confirm_markdown` writes it when the report holds every
    challenger: those of a later look were picked for leading, and the
    largest of them is no sample of all."""
    rows = [r for r in challengers if np.isfinite(r.get('p_value', np.nan))]
    if len(rows) < 2:
        return []
    s = largest_change_under_null([r['change'] for r in rows],
                                  [r['se'] for r in rows])
    return ['', f"All {s['n']} challengers' changes against the recipe: "
            f"mean {s['mean']:+.3f}, median {s['median']:+.3f}, "
            f"{s['positive']} above 0, the largest {s['largest']:+.3f}. "
            f"Were none of them to have any effect, the largest of "
            f"{s['n']} changes drawn with these standard errors (root mean "
            f"square {s['rms_se']:.3f}) would be about "
            f"{s['null_median_largest']:+.3f} (the median of "
            f"{NULL_SETS:,} simulated sets), and {s['largest']:+.3f} or "
            f"less comes up in {100 * s['share_at_most']:.1f}% of them. The "
            'comparisons share the recipe\'s runs: a description, not a '
            'test.']


def confirm_markdown(result: Dict, seeds: Sequence[int]) -> str:
    """:func:`confirm` as markdown: one row per candidate, then accuracy
    by clip size. ``seeds``: the seeds asked for (the result may hold
    fewer: then the text says the confirmation is partial)."""
    base = result['base']
    seeds_txt = ' / '.join(str(s) for s in result['seeds'])
    partial = [] if len(result['seeds']) >= len(seeds) else [
        f"**Partial**: {len(result['seeds'])} of the {len(seeds)} seeds "
        'finished for the shipped recipe; the rest resume from the ledger '
        '(`proxy_confirm_runs.json`) on the next run.', '']
    if result.get('pending'):
        short = [what.split(' (')[0] for what in result['pending']]
        partial += ['Not reported, not trained with every one of these '
                    'seeds: ' + '; '.join(short) + '.', '']
    lines = [
        'Confirmation of the real-proxy recipe against challengers, 3-fold '
        'cross-validation inside the 173 train clips (the folds of the '
        'selection; `python benchmarks/proxy_selection.py --confirm`), each '
        f'candidate trained with seeds {seeds_txt} on every fold. Held-out '
        'macro-F1 at threshold 0.5, last epoch; per seed the mean over the '
        'folds. A challenger replaces the recipe only when its mean beats '
        "the recipe's significantly (two-sample t-test of the per-seed "
        f"means, two-sided p < {result['alpha']:g}: \"helps\"). The val "
        'split was not used.', '', *partial,
        f"Reference baseline on the same folds: {result['reference']:.3f}.",
        '',
        '| candidate | F1 per seed | mean ± std | change ± se | change per '
        'fold | verdict (t-test) | CPU s (trainings) |',
        '|---|---|---|---|---|---|---|']
    for r in [base] + result['challengers']:
        per_seed = ' / '.join(f'{m:.3f}' for m in r['means'])
        if r is base:
            extra = ['', '', '']
        else:
            extra = [change_text(r),
                     ' / '.join(f'{d:+.3f}' for d in r['per_fold']),
                     verdict_text(r)]
        cpu = f"{r['cpu_seconds']:.0f}" + (
            f" (+ {r['cpu_untimed']} runs timed in part)"
            if r['cpu_untimed'] else '')
        lines.append(f"| {r['what']} `{r['name']}` | {per_seed} | "
                     f"{r['mean']:.3f} ± {r['std']:.3f} | " +
                     ' | '.join(extra) + f' | {cpu} |')
    lines += _row_sentences(result['challengers'], 'machine_base',
                            _machine_sentence)
    lines += _row_sentences(result['challengers'], 'paired_test_flip',
                            _flip_sentence)
    lines += _row_sentences(result['challengers'], 'paired_streams',
                            _streams_sentence)
    if not result.get('pending'):  # a later look's few are not all of them
        lines += null_markdown(result['challengers'])
    bins = base['by_size']
    lines += ['', 'Held-out accuracy by the clip\'s shorter side (mean over '
              'the seeds; the reference baseline on the same folds):', '',
              '| candidate | ' + ' | '.join(
                  size_span(b) + f" ({b['clips']} clips)"
                  for b in bins) + ' |',
              '|---|' + '---|' * len(bins)]
    rows = [(f"{r['what']}", r['by_size'])
            for r in [base] + result['challengers']]
    rows.append(('reference baseline', base['reference_by_size']))
    for what, by in rows:
        lines.append(f'| {what} | ' + ' | '.join(
            '' if b['accuracy'] is None else f"{b['accuracy']:.3f}"
            for b in by) + ' |')
    if 'by_noise' in base:
        lines += [''] + noise_markdown(result)
    if 'recall' in base:
        lines += [''] + recall_markdown(result)
    return '\n'.join(lines) + '\n'


def noise_markdown(result: Dict) -> List[str]:
    """The held-out accuracy on the clips of noisy cameras and on the
    others (:func:`accuracy_by_noise`, mean over the seeds), and each
    challenger's change on the noisy clips (``noise_change``)."""
    base = result['base']
    clips = base['by_noise']['clips']
    lines = ['Held-out accuracy on the clips of noisy cameras (median '
             f'frame-to-frame change over {NOISE_FLOOR:g} grey levels, '
             '`proxy_folds.noise_floor`, read from the frames) and on the '
             'others, mean over the seeds; a challenger\'s change on the '
             'noisy clips against the recipe\'s runs that its F1 is '
             'compared with (those of the same machines where named above; '
             't-test of the per-seed accuracies, reported, not a '
             'verdict):', '',
             f'| candidate | noisy clips ({clips[0]}) | other clips '
             f'({clips[1]}) | change on the noisy clips ± se |',
             '|---|---|---|---|']
    for r in [base] + result['challengers']:
        acc = r['by_noise']
        change = ''
        if r is not base:
            ch = r['noise_change']
            change = f"{ch['change']:+.3f} ± {ch['se']:.3f}" + (
                f", p = {p_text(ch['p_value'])}"
                if np.isfinite(ch['p_value']) else '')
        lines.append(f"| {r['what']} | {np.mean(acc['noisy']):.3f} | "
                     f"{np.mean(acc['other']):.3f} | {change} |")
    ref = base['reference_by_noise']
    lines.append(f"| reference baseline | {ref['noisy']:.3f} | "
                 f"{ref['other']:.3f} | |")
    return lines


def _recall_cells(recall: List[List[Optional[float]]]) -> str:
    return ' | '.join(' / '.join('' if v is None else f'{v:.2f}'
                                 for v in fold) for fold in recall)


def recall_markdown(result: Dict) -> List[str]:
    """Lines of a table of each candidate's held-out recall per fold and
    class (:func:`recall_by_fold`, mean over the seeds), under the share
    of each class in the clips every fold is fitted on."""
    base = result['base']
    folds = len(base['recall'])
    shares = ' | '.join(' / '.join(f'{v:.0%}' for v in fold)
                        for fold in base['fit_shares'])
    lines = ['Held-out recall per fold, class by class in the class map\'s '
             'order (share of the fold\'s clips of that class whose '
             'top-scored class is right; mean over the seeds), under each '
             'class\'s share of the clips the fold is fitted on:', '',
             '| candidate | ' + ' | '.join(f'fold {k}' for k in range(folds))
             + ' |', '|---|' + '---|' * folds,
             f'| share of the fit clips | {shares} |']
    for r in [base] + result['challengers']:
        lines.append(f"| {r['what']} | {_recall_cells(r['recall'])} |")
    lines.append('| reference baseline | '
                 f"{_recall_cells(base['reference_recall'])} |")
    return lines


def _challenger_label(key: str, value) -> str:
    """``key=value`` of a challenger, as ``--challengers`` takes it."""
    return f'{key}={value}'


def select_challengers(keys: Optional[Sequence[str]]) -> list:
    """The :data:`CHALLENGERS` named by ``keys`` (all of them when ``keys``
    is None), in their order: a candidate key names every challenger that
    sets it, ``key=value`` (e.g. ``modality=fg+energy``) the one that sets
    it to that value.

    Raises:
        ValueError: a key or ``key=value`` that no challenger has.
    """
    if keys is None:
        return list(CHALLENGERS)
    known = [key for _, key, _ in CHALLENGERS]
    labels = [_challenger_label(key, value) for _, key, value in CHALLENGERS]
    unknown = [key for key in keys if key not in known + labels]
    if unknown:
        raise ValueError(f'--challengers {unknown}: not a challenger key; '
                         f'the keys are {known}, or key=value of one of '
                         f'{labels}')
    return [ch for ch, label in zip(CHALLENGERS, labels)
            if ch[1] in keys or label in keys]


def confirm_report_name(seeds: Sequence[int]) -> str:
    """``proxy_confirm.md`` for seeds 0 / 1 / 2 (the first look), else
    ``proxy_confirm_s<seeds>.md`` (a later look keeps the first)."""
    if list(seeds) == [0, 1, 2]:
        return 'proxy_confirm.md'
    return f"proxy_confirm_s{'-'.join(str(s) for s in seeds)}.md"


def run_confirm(args, runs: ProxyRuns, data: str, parts, folds,
                ref_fold_scores) -> None:
    """``--confirm``: :func:`confirm` of SHIPPED against the chosen
    CHALLENGERS, written to ``confirm.json`` and
    :func:`confirm_report_name`. After training only some of them
    (``--challengers``), the report covers every challenger that the
    ledger holds with the seeds (``--report --challengers`` reports only
    those named)."""
    seeds = args.spread_seeds
    if len(set(seeds)) < MIN_SEEDS:
        raise SystemExit(f'--confirm needs at least {MIN_SEEDS} different '
                         '--spread-seeds')
    try:
        challengers = select_challengers(args.challengers)
    except ValueError as exc:
        raise SystemExit(str(exc))

    print('[confirm] noise floor of the train clips')
    noisy = noisy_clips(osp.join(data, 'train'))

    def run(chosen, train):
        return confirm(runs, SHIPPED, chosen, folds, parts, data,
                       osp.join(runs.work_dir, 'configs'), seeds,
                       ref_fold_scores,
                       osp.join(REPO, args.out, CONFIRM_LEDGER),
                       train=train, alpha=args.alpha, noisy=noisy)

    result = run(challengers, not args.report)
    if args.challengers is not None and not args.report:
        # the report of these seeds keeps every challenger the ledger
        # holds with them, not only those trained now
        result = run(list(CHALLENGERS), False)
    write_json_atomic(osp.join(runs.work_dir, 'confirm.json'), result)
    text = confirm_markdown(result, seeds)
    atomic_write_bytes(osp.join(REPO, args.out, confirm_report_name(seeds)),
                       text.encode('utf-8'))
    print(text)
    if result['chosen'] != SHIPPED:
        print(f"[confirm] {candidate_name(result['chosen'])} helps: update "
              'the configs and SHIPPED, then re-run '
              'benchmarks/proxy_surveillance.py')
