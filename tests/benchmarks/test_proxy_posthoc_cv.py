"""The post-hoc mechanisms by cross-validation inside train
(benchmarks/proxy_posthoc_cv.py): its ledger, its checks of the dumps and
its paired verdicts."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'benchmarks'))

import proxy_posthoc_cv as posthoc  # noqa: E402
import proxy_selection  # noqa: E402

N_HELD = 10


def _scores(seed: int, k: int, y: np.ndarray) -> dict:
    """Ensemble dumps of a fold run: epochs 40 and 60 right on every clip,
    epoch 80 wrong on 2, 3, 2 clips with seed 0, 1, 2 (at 0.45), so the
    ensemble (mean 0.75) is right everywhere."""
    right = np.where(y > 0, 0.9, 0.1)
    last, wrong = right.copy(), (2, 3, 2)[seed]
    last[:wrong] = np.where(y[:wrong] > 0, 0.45, 0.55)
    return dict(epochs={'40': right.tolist(), '60': right.tolist(),
                        '80': last.tolist()},
                labels=y.tolist(), ids=None)


def _setup(tmp_path):
    entries = [dict(id=f'{i:05d}') for i in range(3 * N_HELD)]
    parts = [list(range(k * N_HELD, (k + 1) * N_HELD)) for k in range(3)]
    y = np.eye(2)[np.arange(3 * N_HELD) % 2]
    folds = [(str(tmp_path / f'fit{k}.json'), str(tmp_path / f'held{k}.json'))
             for k in range(3)]
    return entries, parts, y, folds


def test_posthoc_cv_resumes_from_its_ledger_and_pairs_the_seeds(
        tmp_path, monkeypatch):
    from proxy_runs import RunLedger
    entries, parts, y, folds = _setup(tmp_path)
    c = dict(proxy_selection.SHIPPED)
    name = proxy_selection.candidate_name(c)
    measured = []

    def fold_scores(runs, config, run, options, held_ids, y_held):
        k = int(run[-1])
        seed = int(options[0].split('=')[1]) if options else 0
        assert Path(config).name == f'{name}_fold{k}.py'
        assert held_ids == [e['id'] for e in entries[k * N_HELD:
                                                     (k + 1) * N_HELD]]
        measured.append((seed, k))
        return dict(scores=_scores(seed, k, y_held), machine='x',
                    test_cpu=2.0)

    monkeypatch.setattr(posthoc, 'fold_scores', fold_scores)
    path = tmp_path / 'ledger.json'

    def measure(seeds, test=True, ledger_path=path):
        return posthoc.measure('runs', RunLedger(str(ledger_path)), c, folds,
                               parts, entries, y, str(tmp_path / 'configs'),
                               seeds, test)

    assert sorted(measure([0, 1])) == [0, 1]
    assert measured == [(s, k) for s in (0, 1) for k in range(3)]
    kept = json.loads(path.read_text())
    assert set(kept) == {f'{name}/fold{k}' for k in range(3)} | {
        f'{name}/seed1/fold{k}' for k in range(3)}
    assert len({r['config_sha256'] for r in kept.values()}) == 3  # per fold
    measured.clear()
    per_seed = measure([0, 1, 2])  # a new process: only seed 2 is measured
    assert measured == [(2, k) for k in range(3)]
    measured.clear()
    assert sorted(measure([0, 1, 2, 3], test=False)) == [0, 1, 2]
    assert not measured

    result = posthoc.summarize(per_seed)
    rows, mech = result['rows'], {m['with_'] + '-' + m['without']: m
                                  for m in result['mechanisms']}
    assert rows['ens']['values'] == pytest.approx([1.0] * 3)
    single = rows['single']['values']
    assert single[0] == single[2] > single[1] and single[0] < 0.85
    ens = mech['ens-single']
    assert (ens['runs_up'], ens['runs_down'], ens['runs']) == (9, 0, 9)
    assert ens['verdict'] == 'helps' and ens['p_value'] < 0.05
    assert result['test_cpu'] == 18.0
    text = posthoc.markdown(result, [0, 1, 2], 0.664)
    assert '| reference baseline (motion features + forest) | | 0.664 |' \
        in text
    assert '| recipe, checkpoint ensemble, threshold 0.5 | 1.000 / 1.000 / ' \
        '1.000 | 1.000 ± 0.000 |' in text
    assert '| 9 / 0 of 9 | helps (p = ' in text and 'Partial' not in text
    assert 'Partial' in posthoc.markdown(posthoc.summarize(
        {0: per_seed[0]}), [0, 1, 2], 0.664)
    assert 'undecided (1 seeds)' in posthoc.markdown(posthoc.summarize(
        {0: per_seed[0]}), [0, 1, 2], 0.664)

    # a record of other clips or of another fold config is not reused
    key = f'{name}/seed1/fold2'
    for field, value in (('held', ['00001']), ('config_sha256', 'f' * 64)):
        stale = tmp_path / 'stale.json'
        stale.write_text(json.dumps({**kept, key: dict(kept[key],
                                                       **{field: value})}))
        with pytest.raises(ValueError, match=f"entry '{key}' has {field}"):
            measure([0, 1], ledger_path=stale)


class _Runs:
    """Stands in for ProxyRuns in :func:`fold_scores`: a finished training
    that logged ``f1`` last, and the seconds of its tests."""

    def __init__(self, root: Path, f1: float):
        self.work_dir, self.f1 = str(root), f1
        self.timings = {'test_cand_seed1_fold0_e40': dict(cpu=3.0),
                        'test_cand_seed1_fold0_e80': dict(cpu=4.0),
                        'test_other_e60': dict(cpu=100.0)}

    def train(self, name, config, options=()):
        logs = Path(self.work_dir) / name / '20260101_000000' / 'vis_data'
        logs.mkdir(parents=True, exist_ok=True)
        (logs / 'scalars.json').write_text(json.dumps(
            dict(f1=self.f1, mAP=0.5, step=80)))
        return str(Path(self.work_dir) / name)


def test_fold_scores_checks_the_clips_and_the_logged_f1(tmp_path,
                                                        monkeypatch):
    y = np.eye(2)[np.arange(N_HELD) % 2]
    ids = [f'{i:05d}' for i in range(N_HELD)]
    scores = dict(_scores(0, 0, y), ids=ids)
    monkeypatch.setattr(posthoc, 'recipe_scores',
                        lambda runs, run_dir, config: dict(scores))
    from tiny_action.evaluation import macro_prf
    f1 = macro_prf(np.asarray(scores['epochs']['80']), y)['f1']
    runs = _Runs(tmp_path, f1)
    rec = posthoc.fold_scores(runs, 'fold0.py', 'cand/seed1/fold0',
                              ['randomness.seed=1'], ids, y)
    assert rec['scores'] == scores and rec['test_cpu'] == 7.0
    with pytest.raises(RuntimeError, match='not of the held-out clips'):
        posthoc.fold_scores(runs, 'fold0.py', 'cand/seed1/fold0', [],
                            ids[::-1], y)
    with pytest.raises(RuntimeError, match='not of the held-out clips'):
        posthoc.fold_scores(runs, 'fold0.py', 'cand/seed1/fold0', [], ids,
                            1 - y)
    runs.f1 = f1 - 0.1  # the dump does not score what the training logged
    with pytest.raises(RuntimeError, match='differs from the training'):
        posthoc.fold_scores(runs, 'fold0.py', 'cand/seed1/fold0', [], ids,
                            y)


def test_config_hash_counts_paths_from_the_repository_root(tmp_path):
    from proxy_runs import config_sha256
    rel, absolute = tmp_path / 'rel.py', tmp_path / 'abs.py'
    rel.write_text("ann_file = 'work_dirs/folds/fold0_held.json'\n")
    absolute.write_text(
        f"ann_file = {str(REPO / 'work_dirs/folds/fold0_held.json')!r}\n")
    assert config_sha256(str(rel)) == config_sha256(str(absolute))
    other = tmp_path / 'other.py'
    other.write_text("ann_file = 'work_dirs/folds/fold1_held.json'\n")
    assert config_sha256(str(other)) != config_sha256(str(rel))
    config_sha256.cache_clear()
