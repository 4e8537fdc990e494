"""The real-proxy benchmarks' own logic: the paired bootstrap that says how
sure val is of a difference, and the fold configs of the KD cross-validation
(the shipped configs with only the data files changed)."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'benchmarks'))

import proxy_candidates  # noqa: E402
import proxy_confirm  # noqa: E402
import proxy_folds  # noqa: E402
import proxy_kd_cv  # noqa: E402
import proxy_selection  # noqa: E402
from proxy_surveillance import paired_bootstrap  # noqa: E402
from proxy_surveillance import val_entries, video_groups  # noqa: E402


def _recipe_with(key: str, value) -> dict:
    """The shipped recipe's candidate with one choice changed."""
    return proxy_candidates.with_choice(proxy_candidates.SHIPPED, key, value)


def _labels(n: int, seed: int = 0) -> np.ndarray:
    return np.eye(2)[np.random.default_rng(seed).integers(0, 2, n)]


def test_bootstrap_of_identical_models_is_zero():
    y = _labels(40)
    scores = [np.random.default_rng(s).random(y.shape) for s in range(3)]
    out = paired_bootstrap(scores, scores, y, rounds=50)
    assert out == dict(delta=0.0, low=0.0, high=0.0, p_better=0.0)


def test_bootstrap_separates_a_perfect_model_from_a_random_one():
    y = _labels(60)
    perfect = [y * 0.8 + 0.1] * 3
    rng = np.random.default_rng(1)
    noise = [rng.random(y.shape) for _ in range(3)]
    out = paired_bootstrap(perfect, noise, y, rounds=200)
    assert out['delta'] > 0.3
    assert 0 < out['low'] <= out['delta'] <= out['high']
    assert out['p_better'] == 1.0
    # swapping the models mirrors the interval
    back = paired_bootstrap(noise, perfect, y, rounds=200)
    assert back['delta'] == pytest.approx(-out['delta'])
    assert back['high'] < 0 and back['p_better'] == 0.0


def test_bootstrap_interval_is_wide_on_few_clips():
    # two equally noisy models on 51 clips: the interval spans zero
    y = _labels(51, seed=2)
    a = [np.clip(y + np.random.default_rng(s).normal(0, .6, y.shape), 0, 1)
         for s in range(3)]
    b = [np.clip(y + np.random.default_rng(9 + s).normal(0, .6, y.shape),
                 0, 1) for s in range(3)]
    out = paired_bootstrap(a, b, y, rounds=300)
    assert out['low'] < 0 < out['high']


def test_bootstrap_by_video_keeps_a_video_together_and_is_wider():
    # 6 videos of 10 clips; model a is right on every clip of videos 0-3 and
    # wrong on every clip of videos 4-5, model b right on every clip at
    # random 2 in 3: resampling clips treats 60 clips as independent
    # evidence, resampling videos only 6
    y = _labels(60, seed=3)
    groups = [np.arange(10 * v, 10 * v + 10) for v in range(6)]
    right = np.ones(60, bool)
    right[40:] = False
    a = [np.where(right[:, None], y, 1 - y) * 0.8 + 0.1]
    hit = np.random.default_rng(4).random(60) < 2 / 3
    b = [np.where(hit[:, None], y, 1 - y) * 0.8 + 0.1]
    clips = paired_bootstrap(a, b, y, rounds=400)
    videos = paired_bootstrap(a, b, y, rounds=400, groups=groups)
    assert videos['delta'] == clips['delta']
    assert videos['high'] - videos['low'] > 1.5 * (clips['high'] -
                                                   clips['low'])
    # one clip per group is the clip bootstrap itself
    single = paired_bootstrap(a, b, y, rounds=50,
                              groups=[np.array([i]) for i in range(60)])
    assert single == paired_bootstrap(a, b, y, rounds=50)
    with pytest.raises(ValueError, match='exactly once'):
        paired_bootstrap(a, b, y, rounds=5, groups=groups[:5])


def test_video_groups_follow_the_annotation_order(tmp_path):
    import json
    ann = tmp_path / 'annotations.json'
    rows = [dict(id=f'{i:05d}', path=f'{i:05d}.mp4', video_id=v,
                 dim=[20, 24, 24], label=['fight'])
            for i, v in enumerate(['a', 'b', 'a', 'c', 'b'])]
    ann.write_text(json.dumps(rows))
    groups = video_groups(val_entries(str(ann), 5), str(ann))
    assert [g.tolist() for g in groups] == [[0, 2], [1, 4], [3]]
    with pytest.raises(ValueError, match='5 clips, but the dumps hold 4'):
        val_entries(str(ann), 4)
    del rows[3]['video_id']
    ann.write_text(json.dumps(rows))
    with pytest.raises(ValueError, match="entry 3 .*'00003'.*video_id"):
        video_groups(val_entries(str(ann), 5), str(ann))


def test_group_folds_name_the_file_and_entry_without_video_id():
    rows = [dict(id=f'{i:05d}', video_id=v) for i, v in
            enumerate(['a', 'b', 'a', 'c', 'b', 'c'])]
    parts = proxy_folds.group_folds(rows, 3)
    assert sorted(sum(parts, [])) == list(range(6))
    assert all(len({rows[i]['video_id'] for i in p}) == 1 for p in parts)
    rows[4]['video_id'] = ''
    with pytest.raises(ValueError,
                       match='train.json: entry 4 .*\'00004\'.*video_id'):
        proxy_folds.group_folds(rows, 3, source='train.json')


def test_train_folds_write_fit_and_held_files_of_whole_videos(tmp_path):
    rows = [dict(id=f'{i:05d}', video_id=v, path=f'{i:05d}.mp4')
            for i, v in enumerate(['a', 'b', 'a', 'c', 'b', 'c', 'd'])]
    (tmp_path / 'train').mkdir()
    (tmp_path / 'train' / 'annotations.json').write_text(json.dumps(rows))
    parts, files = proxy_folds.train_folds(str(tmp_path),
                                           str(tmp_path / 'work'))
    assert len(parts) == len(files) == 3
    for held, (fit_file, held_file) in zip(parts, files):
        fit_rows = json.loads(Path(fit_file).read_text())
        held_rows = json.loads(Path(held_file).read_text())
        assert held_rows == [rows[i] for i in held]
        assert len(fit_rows) + len(held_rows) == len(rows)
        assert not {r['video_id'] for r in fit_rows} & {
            r['video_id'] for r in held_rows}


class _SeedRuns:
    """Stands in for ProxyRuns: a training logs held-out F1 0.6 + fold / 10
    + seed / 100 in the layout ``val_history`` reads."""

    def __init__(self, root: Path):
        self.root, self.calls, self.timings = root, [], {}
        self.threads = 1

    def train(self, name, config, options=()):
        self.calls.append((name, list(options)))
        seed = int(options[0].split('=')[1]) if options else 0
        fold = int(name[-1])
        logs = self.root / name / '20260101_000000' / 'vis_data'
        logs.mkdir(parents=True, exist_ok=True)
        f1 = 0.6 + fold / 10 + seed / 100
        rows = [dict(f1=0.5, mAP=0.5, step=40),
                dict(f1=f1, mAP=0.7, step=80)]
        (logs / 'scalars.json').write_text(
            '\n'.join(json.dumps(r) for r in rows))
        return str(self.root / name)


def test_seed_spread_trains_other_seeds_beside_the_selection_run(tmp_path):
    c = dict(proxy_candidates.SHIPPED)
    name = proxy_candidates.candidate_name(c)
    cfg_dir = tmp_path / 'configs'
    cfg_dir.mkdir()
    runs = _SeedRuns(tmp_path / 'runs')
    folds = [('fit.json', 'held.json')] * 3
    with pytest.raises(FileNotFoundError, match='score the candidate'):
        proxy_selection.seed_spread(runs, c, folds, str(cfg_dir), [0])
    for k in range(3):
        (cfg_dir / f'{name}_fold{k}.py').write_text('')
    spread = proxy_selection.seed_spread(runs, c, folds, str(cfg_dir),
                                         [0, 1, 2])
    assert runs.calls[:3] == [(f'{name}/fold{k}', []) for k in range(3)]
    assert runs.calls[3] == (f'{name}/seed1/fold0', ['randomness.seed=1'])
    assert spread['f1'][2] == pytest.approx([0.62, 0.72, 0.82])
    assert spread['means'] == pytest.approx([0.7, 0.71, 0.72])
    assert spread['mean'] == pytest.approx(0.71)
    assert spread['std'] == pytest.approx(0.01)
    text = proxy_selection.spread_markdown(spread, [0.6, 0.7, 0.8])
    assert '**0.710 ± 0.010**' in text and 'against 0.700' in text
    assert 'seed 1: 0.610 / 0.710 / 0.810' in text
    with pytest.raises(ValueError, match='test_views=1'):
        proxy_selection.seed_spread(runs, dict(c, test_views=4), folds,
                                    str(cfg_dir), [0])


def test_candidate_cpu_leaves_out_the_seed_spread_and_size_tests(tmp_path):
    c = dict(proxy_candidates.SHIPPED)
    name = proxy_candidates.candidate_name(c)
    runs = _SeedRuns(tmp_path / 'runs')
    runs.timings = {f'train_{name}/fold{k}': dict(cpu=10.0) for k in range(3)}
    runs.timings.update({
        f'train_{name}/seed1/fold0': dict(cpu=100.0),
        f'test_{name}_fold0_last': dict(cpu=50.0),
        f'train_{name}_ds0.5/fold0': dict(cpu=1000.0)})
    folds = [(str(tmp_path / 'fit.json'), str(tmp_path / 'held.json'))] * 3
    scored = proxy_selection.score_candidate(runs, c, folds,
                                             str(tmp_path / 'configs'))
    assert scored['cpu_seconds'] == 30.0
    assert scored['f1'] == pytest.approx([0.6, 0.7, 0.8])


def test_largest_change_is_set_against_changes_without_effect():
    """The spread of all the challengers' changes: the largest of 40
    changes with standard error 0.02 is about +0.045 when none has an
    effect (2.25 standard errors, the median of the largest of 40 normal
    draws), so a largest of 0 is rare and one of +0.1 is above nearly all
    simulated sets; the summary counts and averages the changes given, and
    the report's sentence leaves out the rows the t-test could not weigh."""
    null = proxy_confirm.largest_change_under_null
    flat = null([0.0] * 40, [0.02] * 40)
    assert flat['null_median_largest'] == pytest.approx(0.045, abs=0.003)
    assert flat['share_at_most'] < 0.001
    high = null([0.1] + [-0.01] * 39, [0.02] * 40)
    assert high['share_at_most'] > 0.99
    assert (high['n'], high['positive'], high['largest']) == (40, 1, 0.1)
    assert high['mean'] == pytest.approx((0.1 - 0.39) / 40)
    assert high['median'] == pytest.approx(-0.01)
    with pytest.raises(ValueError, match='3 changes with 2 standard'):
        null([0.0, 0.1, 0.2], [0.01, 0.01])
    rows = [dict(change=c, se=0.02, p_value=0.5) for c in (-0.02, 0.01)]
    text = proxy_confirm.null_markdown(
        rows + [dict(change=0.3, se=np.nan, p_value=np.nan)])
    assert "All 2 challengers' changes" in text[1]
    assert 'the largest +0.010' in text[1]
    assert proxy_confirm.null_markdown(rows[:1]) == []


def test_verdict_needs_a_significant_change():
    from scipy import stats
    assert proxy_confirm.verdict(0.03, 0.01) == 'helps'
    assert proxy_confirm.verdict(-0.03, 0.01) == 'hurts'
    assert proxy_confirm.verdict(0.03, 0.2) == 'no clear effect'
    a, b = [0.75, 0.76, 0.78], [0.70, 0.71, 0.72]
    change, se, p = proxy_confirm.mean_difference_test(a, b)
    assert change == pytest.approx(0.0533333)
    assert p == pytest.approx(stats.ttest_ind(a, b).pvalue)
    assert change / se == pytest.approx(stats.ttest_ind(a, b).statistic)
    # a seed std of 0.027 (the recipe's) hides a gain of 0.03
    _, _, p = proxy_confirm.mean_difference_test(
        [0.762, 0.710, 0.726], [0.732, 0.680, 0.696])
    assert p > 0.05
    change, se, p = proxy_confirm.mean_difference_test([0.8], [0.7])
    assert change == pytest.approx(0.1) and np.isnan(se) and np.isnan(p)
    # the same share of the same clips in every seed: a variance of
    # rounding error only, no spread to test against
    change, se, p = proxy_confirm.mean_difference_test([25 / 37] * 3,
                                                       [26 / 37] * 3)
    assert change == pytest.approx(-1 / 37) and se < 1e-9 and np.isnan(p)
    base = dict(name='a', f1={0: [], 1: []}, means=[0.7, 0.72],
                mean=0.71, std=0.0141)
    with pytest.raises(ValueError, match='seeds'):
        proxy_confirm.compare_to_base(
            base, [dict(base, name='b', f1={0: [], 2: []})])


def _annotations(tmp_path, sizes):
    train = tmp_path / 'data' / 'train'
    train.mkdir(parents=True)
    rows = [dict(id=f'{i:05d}', video_id=f'v{i}', path=f'{i:05d}.mp4',
                 dim=[40, s, s], label=['fight' if i % 2 else 'no_fight'])
            for i, s in enumerate(sizes)]
    (train / 'annotations.json').write_text(json.dumps(rows))
    return str(tmp_path / 'data')


def test_confirm_reports_the_accuracy_on_noisy_clips(tmp_path,
                                                     monkeypatch):
    """With a noise flag per train clip, every row has its per-seed
    accuracy on the noisy clips and on the others, a challenger its change
    on the noisy ones against the base (a t-test over the seeds), and the
    report a table with the reference's accuracies; a flag list that does
    not fit the clips is an error."""
    base = dict(proxy_candidates.SHIPPED)
    challengers = [('+ noise', 'aug', 'flip_crop_noise')]

    def record(runs, c, k, seed, held, y, cfg_dir):
        # clip 0 (fold 0) is the noisy one: the recipe gets it right with
        # seed 1 only, the challenger with seeds 0 and 1
        right = seed in ((0, 1) if c['aug'] == 'flip_crop_noise' else (1, ))
        return dict(f1=0.7, mAP=0.7, correct=[right if k == 0 else True],
                    cpu=1.0, wall=1.0, machine='x')

    monkeypatch.setattr(proxy_confirm, 'fold_record', record)
    data = _annotations(tmp_path, [24, 48, 100])
    y = np.eye(2)[[0, 1, 0]]
    reference = ([y[[0]], y[[1]], 1 - y[[2]]], y)
    folds = [(str(tmp_path / 'fit.json'), str(tmp_path / 'held.json'))] * 3

    def run(noisy):
        return proxy_confirm.confirm(
            'x', base, challengers, folds, [[0], [1], [2]], data,
            str(tmp_path / 'configs'), [0, 1, 2], reference,
            str(tmp_path / 'runs.json'), noisy=noisy)

    result = run(np.array([True, False, False]))
    assert result['base']['by_noise'] == dict(
        noisy=[0.0, 1.0, 0.0], other=[1.0] * 3, clips=[1, 2])
    (row, ) = result['challengers']
    assert row['by_noise']['noisy'] == [1.0, 1.0, 0.0]
    assert row['noise_change']['change'] == pytest.approx(1 / 3)
    assert row['noise_change']['p_value'] == pytest.approx(
        proxy_confirm.mean_difference_test([1, 1, 0], [0, 1, 0])[2])
    assert result['base']['reference_by_noise'] == dict(noisy=1.0,
                                                        other=0.5)
    text = proxy_confirm.confirm_markdown(result, [0, 1, 2])
    assert '| candidate | noisy clips (1) | other clips (2) |' in text
    assert '| + noise | 0.667 | 1.000 | +0.333 ± 0.471, p = 0.52 |' in text
    assert '| reference baseline | 1.000 | 0.500 | |' in text
    assert 'noisy clips' not in proxy_confirm.confirm_markdown(
        run(None), [0, 1, 2])
    for bad in ([True, False], [True] * 3):
        with pytest.raises(ValueError, match='both parts need clips'):
            run(np.array(bad))


def test_confirm_trains_every_seed_and_replaces_only_on_a_clear_gain(
        tmp_path, monkeypatch):
    base = dict(proxy_candidates.SHIPPED)
    ds = proxy_candidates.with_choice(base, 'downscale', 0.5)
    trained = []

    def record(runs, c, k, seed, held, y, cfg_dir):
        name = proxy_candidates.candidate_name(c)
        trained.append((name, seed, k))
        assert (Path(cfg_dir) / f'{name}_fold{k}.py').is_file()
        bonus = 0.05 if c['downscale'] and runs == 'gain' else 0.0
        # clip 0 (24 px) right only with seed 1
        correct = [bool(seed == 1)] if k == 0 else [True]
        return dict(f1=0.6 + k / 10 + seed / 100 + bonus, mAP=0.7,
                    correct=correct, cpu=1.0, wall=1.0, machine='x')

    monkeypatch.setattr(proxy_confirm, 'fold_record', record)
    data = _annotations(tmp_path, [24, 48, 100])
    parts = [[0], [1], [2]]
    y = np.eye(2)[[0, 1, 0]]
    # one clip per fold: right, right, wrong; the absent class scores 0,
    # so the fold F1s are 0.5, 0.5, 0
    reference = ([y[[0]], y[[1]], 1 - y[[2]]], y)
    folds = [(str(tmp_path / 'fit.json'), str(tmp_path / 'held.json'))] * 3
    challengers = [('+ ds', 'downscale', 0.5)]
    ledger = tmp_path / 'runs.json'

    def run(runs, seeds, train=True, path=ledger):
        return proxy_confirm.confirm(
            runs, base, challengers, folds, parts, data,
            str(tmp_path / 'configs'), seeds, reference, str(path), train)

    result = run('gain', [0, 1])  # 2 seeds: nothing decided
    assert result['challengers'][0]['verdict'] == 'undecided (2 seeds)'
    assert result['chosen'] == base
    names = [proxy_candidates.candidate_name(c) for c in (base, ds)]
    # seed by seed, every candidate on every fold
    assert trained == [(n, s, k) for s in (0, 1) for n in names
                       for k in range(3)]
    assert set(json.loads(ledger.read_text())) == {
        f'{n}/fold{k}' for n in names for k in range(3)} | {
        f'{n}/seed1/fold{k}' for n in names for k in range(3)}
    trained.clear()
    result = run('gain', [0, 1, 2])  # resumes: only seed 2 trains
    assert trained == [(n, 2, k) for n in names for k in range(3)]
    (row, ) = result['challengers']
    assert result['base']['means'] == pytest.approx([0.7, 0.71, 0.72])
    assert row['per_fold'] == pytest.approx([0.05] * 3)
    assert row['p_value'] < 0.01
    assert row['verdict'] == 'helps' and result['chosen'] == ds
    # a stricter level (a second look at the ledger) can keep the recipe
    strict = proxy_confirm.confirm(
        'gain', base, challengers, folds, parts, data,
        str(tmp_path / 'configs'), [0, 1, 2], reference, str(ledger),
        alpha=row['p_value'] / 2)
    assert strict['challengers'][0]['verdict'] == 'no clear effect'
    assert strict['chosen'] == base and strict['alpha'] < 0.01
    assert result['reference'] == pytest.approx(1 / 3)
    assert result['base']['cpu_seconds'] == 9.0  # 3 seeds x 3 folds
    by_size = result['base']['by_size']
    assert [b['accuracy'] for b in by_size] == pytest.approx(
        [1 / 3, 1.0, 1.0])
    assert [b['accuracy'] for b in result['base']['reference_by_size']] \
        == [1.0, 1.0, 0.0]
    text = proxy_confirm.confirm_markdown(result, [0, 1, 2])
    assert ('| 0.760 ± 0.010 | +0.050 ± 0.008 | +0.050 / +0.050 / +0.050 '
            '| helps (p = 0.004) | 9 |') in text
    assert '| reference baseline | 1.000 | 1.000 | 0.000 |' in text
    assert 'Partial' not in text
    # a report from the ledger alone: the seeds finished for everyone
    trained.clear()
    report = run('gain', [0, 1, 2, 3], train=False)
    assert not trained and report['seeds'] == [0, 1, 2]
    assert 'Partial' in proxy_confirm.confirm_markdown(report,
                                                       [0, 1, 2, 3])
    one = run('gain', [0], path=tmp_path / 'one.json')
    text = proxy_confirm.confirm_markdown(one, [0, 1, 2])
    assert '| +0.050 | +0.050 / +0.050 / +0.050 | undecided (1 seeds) |' \
        in text and 'nan' not in text
    with pytest.raises(RuntimeError, match='no seed finished'):
        run('gain', [0], train=False, path=tmp_path / 'empty.json')
    # a challenger added later, not trained yet, is pending: the report
    # keeps the others and trains nothing
    trained.clear()
    pending = proxy_confirm.confirm(
        'gain', base, challengers + [('+ cn', 'clip_norm', True)], folds,
        parts, data, str(tmp_path / 'configs'), [0, 1, 2], reference,
        str(ledger), train=False)
    assert not trained and pending['seeds'] == [0, 1, 2]
    assert [r['what'] for r in pending['challengers']] == ['+ ds']
    # once trained with seed 0 only, it is still pending: it does not
    # shrink the seeds of the others, and the report names it
    with_cn = challengers + [('+ cn (per-clip)', 'clip_norm', True)]
    proxy_confirm.confirm('gain', base, with_cn, folds, parts, data,
                          str(tmp_path / 'configs'), [0], reference,
                          str(ledger))
    assert [t[1:] for t in trained] == [(0, 0), (0, 1), (0, 2)]
    pending = proxy_confirm.confirm(
        'gain', base, with_cn, folds, parts, data, str(tmp_path / 'configs'),
        [0, 1, 2], reference, str(ledger), train=False)
    assert pending['seeds'] == [0, 1, 2]
    assert [r['what'] for r in pending['challengers']] == ['+ ds']
    assert pending['pending'] == ['+ cn (per-clip)']
    assert ('Not reported, not trained with every one of these seeds: '
            '+ cn.') in proxy_confirm.confirm_markdown(pending, [0, 1, 2])
    # the spread of all the challengers' changes: only in a report of all
    twice = dict(pending, challengers=pending['challengers'] * 2)
    assert "challengers' changes" not in proxy_confirm.confirm_markdown(
        twice, [0, 1, 2])
    assert "All 2 challengers' changes" in proxy_confirm.confirm_markdown(
        dict(twice, pending=[]), [0, 1, 2])
    # no gain: the shipped recipe stays
    result = run('none', [0, 1, 2], path=tmp_path / 'runs2.json')
    assert result['challengers'][0]['verdict'] == 'no clear effect'
    assert result['chosen'] == base
    # a record of other held-out clips or another candidate is not reused
    records = json.loads(ledger.read_text())
    key = f'{names[0]}/seed1/fold2'
    for field, value in (('held', ['00001']), ('candidate', ds),
                         ('config_sha256', 'f' * 64)):
        (tmp_path / 'stale.json').write_text(json.dumps(
            {**records, key: dict(records[key], **{field: value})}))
        with pytest.raises(ValueError, match=f"entry '{key}' has {field}"):
            run('gain', [0, 1, 2], path=tmp_path / 'stale.json')
    (tmp_path / 'stale.json').write_text(json.dumps(
        {**records, key: dict(records[key], correct=[])}))
    with pytest.raises(ValueError, match=f"entry '{key}' has 0 per-clip "
                       'results, expected 1'):
        run('gain', [0, 1, 2], path=tmp_path / 'stale.json')
    # a new record with a result per clip missing is not kept
    monkeypatch.setattr(proxy_confirm, 'fold_record',
                        lambda *a: dict(record(*a), correct=[]))
    with pytest.raises(ValueError, match='0 per-clip results'):
        run('gain', [0], path=tmp_path / 'bad.json')
    assert not (tmp_path / 'bad.json').exists()
    with pytest.raises(ValueError, match='each seed once'):
        run('gain', [0, 0, 1])
    with pytest.raises(ValueError, match='test_views=1'):
        proxy_confirm.confirm(
            'gain', base, [('+ views', 'test_views', 4)], folds, parts,
            data, str(tmp_path / 'configs'), [0, 1, 2], reference,
            str(ledger))


def test_fold_record_scores_the_held_out_clips_in_order(tmp_path,
                                                        monkeypatch):
    import proxy_runs
    c = dict(proxy_candidates.SHIPPED)
    name = proxy_candidates.candidate_name(c)
    runs = _SeedRuns(tmp_path / 'runs')
    tests = []

    def test(test_name, config, checkpoint, options=()):
        tests.append((test_name, Path(checkpoint).name))
        return 'dump.pkl'

    runs.test = test
    runs.timings[f'train_{name}/seed2/fold1'] = dict(cpu=5.0, wall=4.0,
                                                     resumed=True)
    monkeypatch.setattr(proxy_runs, 'epoch_checkpoints', lambda d: {
        40: f'{d}/epoch_40.pth', 80: f'{d}/epoch_80.pth'})
    y = np.eye(2)[[0, 1, 1, 0, 1]]
    held = [1, 3, 4]
    scores = np.array([[0.2, 0.8], [0.3, 0.7], [0.1, 0.9]])

    class Dump:
        labels = y[held]

    Dump.scores = scores
    import tiny_action.tools.ensemble as ensemble
    monkeypatch.setattr(ensemble, 'load_dump', lambda path: Dump)
    rec = proxy_confirm.fold_record(runs, c, 1, 2, held, y,
                                    str(tmp_path / 'configs'))
    assert runs.calls == [(f'{name}/seed2/fold1', ['randomness.seed=2'])]
    assert tests == [(f'{name}_seed2_fold1_last', 'epoch_80.pth')]
    assert rec['correct'] == [True, False, True]
    assert rec['f1'] == pytest.approx(0.6 + 0.1 + 0.02)
    assert (rec['cpu'], rec['resumed']) == (5.0, True)
    Dump.labels = y[[1, 4, 3]]  # not the held-out clips in order
    with pytest.raises(RuntimeError, match='not those of the held-out'):
        proxy_confirm.fold_record(runs, c, 1, 2, held, y,
                                  str(tmp_path / 'configs'))


def test_recall_by_fold_splits_each_fold_by_class():
    y = np.eye(2)[[0, 0, 1, 1, 0, 1, 1]]
    correct = np.array([True, False, True, True, True, False, True])
    parts = [[0, 1, 2], [3, 4, 5, 6]]
    assert proxy_folds.recall_by_fold(correct, y, parts) == [
        [0.5, 1.0], [1.0, pytest.approx(2 / 3)]]
    # a fold without a class: None, kept through the seed mean and the table
    assert proxy_folds.recall_by_fold(correct, y, [[0, 1]]) == [
        [0.5, None]]
    assert proxy_folds.mean_recall([[[0.5, None]], [[1.0, None]]]) == [
        [0.75, None]]
    shares = proxy_confirm.fit_shares(y, parts)
    assert shares == [[0.25, 0.75], [pytest.approx(2 / 3),
                                     pytest.approx(1 / 3)]]
    row = dict(what='recipe', recall=[[0.5, 1.0], [1.0, None]])
    lines = proxy_confirm.recall_markdown(dict(
        base=dict(row, reference_recall=[[0.25, 0.5], [0.0, 1.0]],
                  fit_shares=shares),
        challengers=[dict(row, what='challenger')]))
    assert lines[-5:] == [
        '|---|---|---|', '| share of the fit clips | 25% / 75% | 67% / 33% |',
        '| recipe | 0.50 / 1.00 | 1.00 /  |',
        '| challenger | 0.50 / 1.00 | 1.00 /  |',
        '| reference baseline | 0.25 / 0.50 | 0.00 / 1.00 |']


def test_accuracy_by_size_bins_the_shorter_side():
    sizes = np.array([24, 39, 40, 63, 64, 112])
    correct = np.array([1, 0, 1, 1, 0, 0], bool)
    rows = proxy_folds.accuracy_by_size(correct, sizes)
    assert [(r['lo'], r['clips'], r['accuracy']) for r in rows] == [
        (0, 2, 0.5), (40, 2, 1.0), (64, 2, 0.0)]
    empty = proxy_folds.accuracy_by_size(correct[:2], sizes[:2])
    assert empty[2] == dict(lo=64, hi=10**6, clips=0, accuracy=None)
    reference = proxy_folds.accuracy_by_size(~correct, sizes)
    text = proxy_selection.size_markdown(
        dict(name='cand', model=rows, reference=reference))
    assert '| 0-40 px | 2 | 0.500 | 0.500 |' in text
    assert '| 40-64 px | 2 | 1.000 | 0.000 |' in text
    assert '| 64 px and more | 2 | 0.000 | 1.000 |' in text
    text = proxy_selection.size_markdown(
        dict(name='cand', model=empty, reference=empty))
    assert '| 64 px and more | 0 |  |  |' in text


def _flat(cfg: Config) -> dict:
    return cfg.to_dict()


@pytest.mark.parametrize('model', sorted(proxy_kd_cv.MODELS))
def test_fold_config_changes_only_the_data_files(model, tmp_path):
    text = proxy_kd_cv.fold_config(model, '/folds/fit.json',
                                   '/folds/held.json')
    path = tmp_path / f'{model}_fold0.py'
    path.write_text(text)
    fold = _flat(Config.fromfile(str(path)))
    shipped = _flat(Config.fromfile(
        str(REPO / 'configs' / 'proxy' / proxy_kd_cv.MODELS[model][0])))
    assert fold['train_dataloader']['dataset']['ann_file'] == '/folds/fit.json'
    for loader in ('val_dataloader', 'test_dataloader'):
        ds = fold[loader]['dataset']
        assert ds['ann_file'] == '/folds/held.json'
        res = proxy_kd_cv.MODELS[model][1]
        assert ds['data_prefix']['video'] == \
            f'data/tiny_surveillance/train/{res}'
    for cfg in (fold, shipped):
        cfg['train_dataloader']['dataset'].pop('ann_file')
        for loader in ('val_dataloader', 'test_dataloader'):
            cfg[loader]['dataset'].pop('ann_file')
            cfg[loader]['dataset']['data_prefix'].pop('video')
    assert fold == shipped


def _built(cfg: dict) -> dict:
    """The parts of a config that only matter once built (defaults filled
    in): the model's modules (repr: layers, strides, dropout, loss),
    parameter shapes and buffers (the preprocessor's mean / std are not in
    the state dict), and each pipeline step's repr."""
    import tiny_action  # noqa: F401
    from mmaction.registry import MODELS, TRANSFORMS
    from mmaction.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    model = MODELS.build(cfg.pop('model'))
    out = dict(model=repr(model),
               shapes={k: tuple(v.shape)
                       for k, v in model.state_dict().items()},
               buffers={k: v.flatten().tolist()
                        for k, v in model.data_preprocessor.named_buffers()})
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        steps = cfg[loader]['dataset'].pop('pipeline')
        out[loader] = [repr(TRANSFORMS.build(dict(t))) for t in steps]
    return out


def test_shipped_recipe_is_the_selected_candidate(tmp_path):
    """configs/proxy/surveillance_lr.py trains what the selection measured:
    the fold config of proxy_candidates.SHIPPED builds the same model and
    pipelines, and differs otherwise only in the data files and the
    (empty) custom hooks."""
    path = tmp_path / 'shipped_fold0.py'
    path.write_text(proxy_candidates.candidate_config(
        proxy_candidates.SHIPPED, '/folds/fit.json', '/folds/held.json'))
    fold = _flat(Config.fromfile(str(path)))
    shipped = _flat(Config.fromfile(
        str(REPO / 'configs' / 'proxy' / 'surveillance_lr.py')))
    assert _built(fold) == _built(shipped)
    for cfg in (fold, shipped):
        assert not cfg.pop('custom_hooks', None)
        cfg['train_dataloader']['dataset'].pop('ann_file')
        for loader in ('val_dataloader', 'test_dataloader'):
            cfg[loader]['dataset'].pop('ann_file')
            cfg[loader]['dataset']['data_prefix'].pop('video')
    for key in sorted(set(fold) | set(shipped)):
        assert fold.get(key) == shipped.get(key), key


def test_clip_norm_candidate_standardises_the_decoded_clip_in_both_pipelines():
    """The ClipStandardize challenger: the whole decoded clip is
    standardised before any augmentation, in training and test alike; the
    candidate's name says so, and the shipped recipe has no such step."""
    c = _recipe_with('clip_norm', True)
    assert proxy_candidates.candidate_name(c).endswith('_native_cn')
    for steps in proxy_candidates.pipelines(c):
        types = [t['type'] for t in steps]
        assert types[types.index('TinyVideoDecode') + 1] == 'ClipStandardize'
        assert types.count('ClipStandardize') == 1
        assert types.index('ClipStandardize') < types.index('SegmentMotion')
    shipped = proxy_candidates.pipelines(proxy_candidates.SHIPPED)
    assert not any(t['type'] == 'ClipStandardize'
                   for steps in shipped for t in steps)


def test_motion_stats_candidate_reads_the_whole_clip_into_its_head(
        tmp_path):
    """The MotionStatsHead challenger: MotionStatistics sees the whole
    decoded clip after the augmentation and before SegmentMotion thins it,
    in training and test alike; its fold config builds the head with the
    transform's vector length; the shipped recipe has neither."""
    c = _recipe_with('motion_stats', True)
    assert proxy_candidates.candidate_name(c).endswith('_native_ms')
    for steps in proxy_candidates.pipelines(c):
        types = [t['type'] for t in steps]
        assert types.count('MotionStatistics') == 1
        assert types[types.index('SegmentMotion') - 1] == 'MotionStatistics'
        assert types.index('MotionStatistics') > types.index('TinyVideoDecode')
    train = [t['type'] for t in proxy_candidates.pipelines(c)[0]]
    assert train.index('MotionStatistics') > train.index('RandomResizedCrop')
    # every frame at the native size, also when the energy is taken after
    # the resize
    for res in ('native', 'input'):
        for steps in proxy_candidates.pipelines(dict(c, motion_res=res)):
            types = [t['type'] for t in steps]
            assert types.index('MotionStatistics') < min(
                types.index('PairedResize'), types.index('SegmentMotion'))
    head = _fold_configs(tmp_path, ms=c)['ms'].model.cls_head
    assert head.type == 'MotionStatsHead' and head.stats_channels == 46
    assert head.in_channels == 128
    shipped = proxy_candidates.pipelines(proxy_candidates.SHIPPED)
    assert not any(t['type'] == 'MotionStatistics'
                   for steps in shipped for t in steps)
    with pytest.raises(ValueError, match='whole clip'):
        proxy_candidates.pipelines(dict(c, sampling='dense'))


def test_motion_target_candidate_has_the_statistics_in_training_only(
        tmp_path):
    """The auxiliary-target challenger: MotionStatistics in the train
    pipeline where the MotionStatsHead challenger has it, none in the test
    pipeline; its fold config builds a MotionTargetHead of the vector's
    length, whose model trains on a packed sample and predicts without
    statistics."""
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    from tiny_action.testing import motion_stats_samples
    register_all_modules()
    c, reads = _motion_stats_challenger('motion_target', 'target', '_mt')
    train, test = proxy_candidates.pipelines(c)
    assert train == proxy_candidates.pipelines(reads)[0]
    assert not any(t['type'] == 'MotionStatistics' for t in test)
    head_cfg = _fold_configs(tmp_path, mt=c)['mt'].model.cls_head
    assert head_cfg.type == 'MotionTargetHead'
    assert head_cfg.stats_channels == 46 and head_cfg.in_channels == 128
    head = MODELS.build(head_cfg)
    samples = motion_stats_samples([[1, 0], [0, 1]], torch.randn(2, 46))
    assert set(head.loss(torch.randn(2, 128, 2, 2, 2), samples)) == {
        'loss_cls', 'loss_aux'}


def _motion_stats_challenger(select: str, value, suffix: str):
    """The candidate of the one challenger ``select`` names, checked to be
    the recipe with ``motion_stats=value`` and named ``<recipe>_native`` +
    ``suffix``; and the MotionStatsHead candidate (``motion_stats`` True),
    whose pipelines read the statistics."""
    (challenger, ) = proxy_confirm.select_challengers([select])
    c = _recipe_with(*challenger[1:])
    assert c == dict(proxy_candidates.SHIPPED, motion_stats=value)
    assert proxy_candidates.candidate_name(c).endswith('_native' + suffix)
    reads = _recipe_with('motion_stats', True)
    return c, reads


def _fold_configs(tmp_path, **candidates) -> dict:
    """The fold config of each named candidate (fit on ``fit.json``, held
    out ``held.json``), written to ``<tmp_path>/<name>.py`` and loaded."""
    configs = {}
    for name, cand in candidates.items():
        path = tmp_path / f'{name}.py'
        path.write_text(proxy_candidates.candidate_config(cand, 'fit.json',
                                                          'held.json'))
        configs[name] = Config.fromfile(str(path))
    return configs


def _beside_recipe(tmp_path, **candidates) -> dict:
    """:func:`_fold_configs` of the named candidates and of the shipped
    recipe (``'recipe'``), each as a plain dict, for comparing a
    challenger's fold config with the recipe's."""
    return {name: cfg.to_dict() for name, cfg in _fold_configs(
        tmp_path, **candidates, recipe=proxy_candidates.SHIPPED).items()}


def _run_decoded(steps: list, results: dict) -> dict:
    """``results`` of a clip whose frames are decoded already (``imgs``)
    through a fold config's pipeline ``steps`` after TinyVideoInit, with
    TinyVideoDecode left out."""
    from mmaction.registry import TRANSFORMS
    for step in steps[1:]:
        if step['type'] != 'TinyVideoDecode':
            results = TRANSFORMS.build(dict(step))(results)
    return results


def _decoded_clip(frames: list) -> dict:
    """The results of a fight clip whose ``frames`` (``H x W x 3``) are
    decoded already, as TinyVideoDecode leaves them."""
    h, w = frames[0].shape[:2]
    return dict(imgs=list(frames), total_frames=len(frames), start_index=0,
                filename='clip.mp4', label=np.array([1., 0.]),
                modality='RGB', img_shape=(h, w), ori_shape=(h, w))


def _still_shares(tmp_path, cand: dict, seeds) -> np.ndarray:
    """For each numpy seed of ``seeds``, the share of the pixels without any
    motion energy in any segment when a 20-frame 40 px clip whose every
    pixel moves (``random_clip``) goes through candidate ``cand``'s train
    pipeline (its fold config written and read once)."""
    from conftest import random_clip
    steps = _fold_configs(tmp_path, cand=cand)[
        'cand'].train_dataloader.dataset.pipeline
    shares = []
    for seed in seeds:
        np.random.seed(seed)  # a fresh clip: a flip may act in place
        energy = _run_decoded(steps, _decoded_clip(random_clip(20, 40)))[
            'inputs'][0][3:].float()
        shares.append(float((energy.amax(dim=(0, 1)) == 0).float().mean()))
    return np.array(shares)


def _after_crop_challenger(aug: str, step: dict) -> dict:
    """The candidate of challenger ``aug=<aug>``, checked to be the
    recipe with ``step`` right after its random resized crop in the train
    pipeline (named for ``aug``) and the recipe's test pipeline."""
    (ch, ) = proxy_confirm.select_challengers([f'aug={aug}'])
    c = _recipe_with(*ch[1:])
    assert f'_{aug}_w16b2_e80' in proxy_candidates.candidate_name(c)
    (train, test), (recipe_train, recipe_test) = (
        proxy_candidates.pipelines(c),
        proxy_candidates.pipelines(proxy_candidates.SHIPPED))
    assert test == recipe_test
    crop = [t['type'] for t in recipe_train].index('RandomResizedCrop')
    assert train[crop + 1] == step
    assert train[:crop + 1] + train[crop + 2:] == recipe_train
    return c


def test_flow_candidate_feeds_frame_flow_and_energy_to_the_model(tmp_path):
    """The optical-flow challenger: SegmentMotion('rgb+flow+energy') where
    the recipe has 'rgb+energy' (after the flip and crop, before the area
    resize), 8 input channels normalised channel by channel, and a model
    that takes the pipeline's output of a moving clip."""
    import torch
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()
    (flow, ) = [ch for ch in proxy_confirm.CHALLENGERS
                if ch[2] == 'rgb+flow+energy']
    c = _recipe_with(*flow[1:])
    assert proxy_candidates.candidate_name(c).startswith('rgbflowenergy_s32')
    shipped = proxy_candidates.pipelines(proxy_candidates.SHIPPED)
    for steps, recipe in zip(proxy_candidates.pipelines(c), shipped):
        motion = [t for t in steps if t['type'] == 'SegmentMotion']
        assert motion == [dict(type='SegmentMotion', mode='rgb+flow+energy',
                               per_frame=False)]
        assert [t['type'] for t in steps] == [t['type'] for t in recipe]
    norm = proxy_candidates.input_normalization('rgb+flow+energy')
    assert norm['in_channels'] == 8
    assert norm['mean'][3:5] == [0.0, 0.0] and norm['std'][3:5] == [0.2, 0.2]
    assert norm['mean'][5:] == [2.0] * 3
    cfg = _fold_configs(tmp_path, flow=c)['flow']
    model = MODELS.build(cfg.model)
    import cv2
    rng = np.random.default_rng(0)  # a smooth texture, 1 px right a frame
    texture = cv2.GaussianBlur(rng.uniform(0, 255, (40, 40, 3)), (0, 0), 2)
    texture = np.clip((texture - texture.mean()) * 6 + 128, 0, 255)
    frames = [np.roll(texture, t, 1).astype(np.uint8) for t in range(20)]
    results = dict(imgs=frames, total_frames=20, start_index=0,
                   filename='clip.mp4', label=[1, 0], test_mode=True,
                   modality='RGB', img_shape=(40, 40), ori_shape=(40, 40))
    results = _run_decoded(cfg.test_dataloader.dataset.pipeline, results)
    inputs = results['inputs']
    assert inputs.shape == (1, 8, 16, 32, 32)
    # 1 px of a 40 px frame: 1.2 px of the 48 px flow, to the right
    assert inputs[:, 3].float().mean() == pytest.approx(1.2, abs=0.3)
    assert abs(inputs[:, 4].float().mean()) < 0.1
    with torch.no_grad():
        scores = model.test_step(dict(inputs=[inputs],
                                      data_samples=[results['data_samples']]))
    assert scores[0].pred_score.shape == (2, )


def test_reverse_candidate_plays_train_clips_backwards(tmp_path):
    """The time-reversal challenger: the recipe's train pipeline with
    TemporalReverse before the flip (its test pipeline unchanged), and a
    fold config whose train pipeline, run on a clip that brightens frame by
    frame, reverses it: the key frames then darken from segment to
    segment."""
    from mmaction.registry import TRANSFORMS
    from mmaction.utils import register_all_modules
    register_all_modules()
    (rev, ) = [ch for ch in proxy_confirm.CHALLENGERS
               if ch[2] == 'flip_crop_reverse']
    c = _recipe_with(*rev[1:])
    assert '_flip_crop_reverse_' in proxy_candidates.candidate_name(c)
    (train, test), (recipe_train, recipe_test) = (
        proxy_candidates.pipelines(c),
        proxy_candidates.pipelines(proxy_candidates.SHIPPED))
    assert test == recipe_test
    assert train[3] == dict(type='TemporalReverse', prob=0.5)
    assert train[:3] + train[4:] == recipe_train
    with pytest.raises(ValueError, match="aug 'reverse': not one of"):
        proxy_candidates.pipelines(dict(c, aug='reverse'))
    steps = _fold_configs(
        tmp_path, reverse=c)['reverse'].train_dataloader.dataset.pipeline
    frames = [np.full((40, 40, 3), 10 * t, np.uint8) for t in range(20)]
    means = {}
    for reverse in (False, True):
        results = _decoded_clip(frames)
        for step in steps[1:]:
            if step['type'] == 'TemporalReverse':
                step = dict(step, prob=float(reverse))
            if step['type'] != 'TinyVideoDecode':
                results = TRANSFORMS.build(dict(step))(results)
        assert results['inputs'].shape == (1, 6, 16, 32, 32)
        means[reverse] = results['inputs'][0, 0].float().mean((1, 2))
    # two segments may draw the same frame: monotonic, not strictly
    assert (means[False].diff() >= 0).all() and (means[True].diff() <= 0).all()
    assert means[False][-1] > means[False][0]
    assert means[True][0] > means[True][-1]


@pytest.mark.parametrize('balance, sampler, suffix', [
    ('sampler', 'ClassBalancedSampler', '_balsampler_native'),
    ('video_sampler', 'VideoBalancedSampler', '_balvideo_sampler_native')])
def test_balanced_sampler_candidate_swaps_only_the_train_sampler(
        tmp_path, balance, sampler, suffix):
    """The class- and the video-balanced sampling challengers: each fold
    config replaces the train loader's DefaultSampler by its sampler (no
    flipped copies), which the runner builds over a fold's clips; everything
    else is the recipe's fold config."""
    from mmengine.runner import Runner
    from tiny_action.datasets import samplers
    (ch, ) = proxy_confirm.select_challengers([f'balance={balance}'])
    c = _recipe_with(*ch[1:])
    assert proxy_candidates.candidate_name(c).endswith(suffix)
    configs = _beside_recipe(tmp_path, bal=c)
    loader = dict(configs['bal']['train_dataloader'])
    assert loader['sampler'] == dict(type=sampler)
    assert loader['dataset']['tail_flip'] is None
    assert configs['recipe']['train_dataloader']['sampler']['type'] == \
        'DefaultSampler'
    configs['bal']['train_dataloader'].pop('sampler')
    configs['recipe']['train_dataloader'].pop('sampler')
    assert configs['bal'] == configs['recipe']

    class Fold:  # 46 fights, 70 other clips; 16 clips from video v0
        def __len__(self):
            return 116

        def __getitem__(self, i):
            return i

        def get_data_info(self, i):
            return dict(label_idx=[0 if i < 46 else 1],
                        video_id=f'v{max(0, i - 15)}')

    built = Runner.build_dataloader(dict(loader, dataset=Fold()), seed=0)
    assert isinstance(built.sampler, getattr(samplers, sampler))
    if balance == 'sampler':
        assert built.sampler.weights[:46].sum() == pytest.approx(0.5)
    else:  # v0's 16 clips weigh sqrt(16) = 4 of the 100 single-clip videos
        assert built.sampler.weights[:16].sum() == pytest.approx(4 / 104)


def test_frame_conv_candidate_encodes_each_segment_on_its_own(tmp_path):
    """The per-frame 2D challenger: its fold config builds the recipe's
    backbone with temporal kernels of size 1 everywhere and no temporal
    down-sampling, so a clip's 16 segments reach the head as 16 feature
    vectors and a change to one segment changes only its own; the shipped
    recipe's fold config does not name any of it (its ledger identity
    stays)."""
    import torch
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()
    c = _recipe_with('frame_conv', True)
    assert proxy_candidates.candidate_name(c).endswith('_native_2d')
    cfg = _fold_configs(tmp_path, frame=c)['frame'].model
    torch.manual_seed(0)
    backbone = MODELS.build(cfg.backbone)
    backbone.eval()  # ResNet3d.train() returns None: not chained
    assert all(m.kernel_size[0] == 1 for m in backbone.modules()
               if isinstance(m, torch.nn.Conv3d))
    x = torch.randn(1, 6, 16, 32, 32)
    with torch.no_grad():
        a = backbone(x)
        x[:, :, 5] += 1.0
        b = backbone(x)
    assert a.shape == (1, cfg.cls_head.in_channels, 16, 2, 2)
    changed = (a - b).abs().flatten(3).amax(dim=(0, 1, 3)) > 0
    assert changed.tolist() == [t == 5 for t in range(16)]
    shipped = proxy_candidates.candidate_config(
        proxy_candidates.SHIPPED, 'fit.json', 'held.json')
    assert not any(key in shipped for key in proxy_candidates.FRAME_CONV)


def test_2plus1d_candidate_factorises_every_convolution(tmp_path):
    """The R(2+1)D challenger: its fold config builds the recipe's backbone
    with every convolution a ``Conv2plus1d`` (a 1xkxk spatial then a kx1x1
    temporal convolution), so no Conv3d has a kernel both wide and deep,
    with the recipe's output shape (same topology) and about its parameter
    count; the shipped recipe's fold config names none of it."""
    import torch
    from mmaction.models.common import Conv2plus1d
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()
    c = _recipe_with('conv_2plus1d', True)
    assert proxy_candidates.candidate_name(c).endswith('_native_2plus1d')
    configs = {name: cfg.model for name, cfg in _fold_configs(
        tmp_path, factorised=c, recipe=proxy_candidates.SHIPPED).items()}
    for name in configs:
        text = (tmp_path / f'{name}.py').read_text()
        assert ('Conv2plus1d' in text) == (name == 'factorised')
    torch.manual_seed(0)
    factorised, recipe = (MODELS.build(configs[k].backbone)
                          for k in ('factorised', 'recipe'))
    convs = [m for m in factorised.modules() if isinstance(m, Conv2plus1d)]
    # stem, 2 per block, 3 shortcut projections: 1 + 16 + 3
    assert len(convs) == 20
    for m in factorised.modules():
        if isinstance(m, torch.nn.Conv3d):
            kt, kh, kw = m.kernel_size
            assert kt == 1 or (kh, kw) == (1, 1), m
    x = torch.randn(2, 6, 16, 32, 32)
    with torch.no_grad():
        assert factorised(x).shape == recipe(x).shape == (2, 128, 1, 2, 2)
    sizes = [sum(p.numel() for p in b.parameters())
             for b in (factorised, recipe)]
    assert sizes[0] == pytest.approx(sizes[1], rel=0.01)


def test_group_norm_candidate_normalises_each_clip_on_its_own(tmp_path):
    """The GroupNorm challenger: its fold config builds the recipe's
    backbone with a GroupNorm of 8 groups where the recipe has each batch
    norm (same count, no batch norm left) and its output shape; in training
    mode a clip's features do not depend on the clips batched with it,
    which the recipe's batch norm makes them do; the shipped recipe's fold
    config names none of it, and an unknown norm is an error."""
    import torch
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()
    c = _recipe_with('norm', 'gn')
    assert proxy_candidates.candidate_name(c).endswith('_native_gn')
    configs = {name: cfg.model for name, cfg in _fold_configs(
        tmp_path, grouped=c, recipe=proxy_candidates.SHIPPED).items()}
    torch.manual_seed(0)
    grouped, recipe = (MODELS.build(configs[k].backbone)
                       for k in ('grouped', 'recipe'))
    bns = [m for m in recipe.modules()
           if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    gns = [m for m in grouped.modules() if isinstance(m, torch.nn.GroupNorm)]
    assert len(gns) == len(bns) == 20  # stem, 2 per block, 3 projections
    assert all(m.num_groups == 8 for m in gns)
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
                   for m in grouped.modules())
    grouped.init_weights()
    x = torch.randn(3, 6, 16, 32, 32)
    for backbone in (grouped, recipe):
        backbone.train()
    with torch.no_grad():
        assert grouped(x).shape == recipe(x).shape == (3, 128, 1, 2, 2)
        alone = grouped(x[:1])
        beside_others = grouped(torch.cat([x[:1], x[1:] * 5.0]))[:1]
        torch.testing.assert_close(alone, beside_others)
        assert not torch.allclose(
            recipe(x[:2]), recipe(torch.cat([x[:1], x[1:2] * 5.0]))[:1])
    shipped = proxy_candidates.candidate_config(
        proxy_candidates.SHIPPED, 'fit.json', 'held.json')
    assert 'norm_cfg' not in shipped and 'zero_init_residual' not in shipped
    with pytest.raises(ValueError, match="norm 'ln'"):
        proxy_candidates.candidate_config(_recipe_with('norm', 'ln'),
                                          'fit.json', 'held.json')


def test_batch_candidate_changes_only_the_train_batch(tmp_path):
    """``--challengers batch=4``: the recipe's fold config with train
    batches of 4 clips, so an epoch of 115 fit clips takes 29 steps instead
    of 15, and nothing else (held-out batches, model, optimizer and
    schedule as the recipe's); the shipped recipe's fold config names no
    batch size (its ledger identity stays)."""
    from mmengine.runner import Runner
    (small, ) = proxy_confirm.select_challengers(['batch=4'])
    c = _recipe_with(*small[1:])
    assert proxy_candidates.candidate_name(c).endswith('_native_bs4')
    cfgs = _fold_configs(tmp_path, recipe=proxy_candidates.SHIPPED, small=c)
    recipe, smaller = cfgs['recipe'], cfgs['small']
    assert recipe.train_dataloader.batch_size == 8
    assert smaller.train_dataloader.batch_size == 4
    for cfg, steps in ((smaller, 29), (recipe, 15)):
        loader = dict(cfg.train_dataloader, dataset=list(range(115)))
        assert len(Runner.build_dataloader(loader, seed=0)) == steps
    smaller.train_dataloader.batch_size = 8
    for key in ('model', 'train_dataloader', 'val_dataloader',
                'optim_wrapper', 'param_scheduler', 'train_cfg'):
        assert smaller[key] == recipe[key], key
    shipped = proxy_candidates.candidate_config(
        proxy_candidates.SHIPPED, 'fit.json', 'held.json')
    assert 'batch_size' not in shipped


def test_label_smooth_candidate_smooths_only_its_own_head(tmp_path):
    """The label-smoothing challenger's fold config builds the recipe's
    head with ``label_smooth_eps`` 0.1, whose loss sees 0.95 / 0.05
    targets; the shipped recipe's fold config does not name it (its ledger
    identity stays)."""
    import torch
    import torch.nn.functional as F
    from mmaction.registry import MODELS
    from mmaction.structures import ActionDataSample
    from mmaction.utils import register_all_modules
    register_all_modules()
    c = _recipe_with('label_smooth', 0.1)
    assert proxy_candidates.candidate_name(c).endswith('_native_ls0.1')
    cfg = _fold_configs(tmp_path, smooth=c)['smooth']
    head = MODELS.build(cfg.model.cls_head)
    assert head.label_smooth_eps == 0.1
    scores = torch.tensor([[2.0, -1.0]])
    sample = ActionDataSample().set_gt_label(torch.tensor([1.0, 0.0]))
    loss = head.loss_by_feat(scores, [sample])['loss_cls']
    torch.testing.assert_close(loss, F.binary_cross_entropy_with_logits(
        scores, torch.tensor([[0.95, 0.05]])))
    shipped = proxy_candidates.candidate_config(
        proxy_candidates.SHIPPED, 'fit.json', 'held.json')
    assert 'label_smooth' not in shipped


def test_weight_decay_candidate_sets_only_its_optimizer(tmp_path):
    """The weight-decay challenger's fold config gives AdamW 0.5 (the rest
    of the optimizer from the schedule); the shipped recipe's fold config
    names no weight decay (its ledger identity stays)."""
    c = _recipe_with('wd', 0.5)
    assert proxy_candidates.candidate_name(c).endswith('_native_wd0.5')
    cfg = _fold_configs(tmp_path, decay=c)['decay']
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.weight_decay, optimizer.lr) == (
        'AdamW', 0.5, 1e-3)
    shipped = proxy_candidates.candidate_config(
        proxy_candidates.SHIPPED, 'fit.json', 'held.json')
    assert 'weight_decay' not in shipped


def test_asl_candidate_swaps_only_its_heads_loss(tmp_path):
    """The ASL challenger's fold config builds the recipe's head with seed
    004's asymmetric loss (the package's ``AsymmetricLoss`` defaults), whose
    value is the official formula's; the shipped recipe's fold config names
    no loss (its ledger identity stays), and an unknown loss is an error."""
    import torch
    from mmaction.registry import MODELS
    from mmaction.structures import ActionDataSample
    from mmaction.utils import register_all_modules
    register_all_modules()
    c = _recipe_with('loss', 'asl')
    assert proxy_candidates.candidate_name(c).endswith('_native_asl')
    head = MODELS.build(_fold_configs(tmp_path, asl=c)['asl'].model.cls_head)
    scores = torch.tensor([[2.0, -1.0]])
    sample = ActionDataSample().set_gt_label(torch.tensor([0.0, 1.0]))
    loss = head.loss_by_feat(scores, [sample])['loss_cls']
    # class 0 a negative (p 0.881, shifted by the 0.05 margin, gamma- 4),
    # class 1 a positive (p 0.269, gamma+ 0): summed, as the official code
    p = torch.sigmoid(scores)[0]
    p_m = p[0] - 0.05
    want = -(p_m**4 * torch.log(1 - p_m)) - torch.log(p[1])
    torch.testing.assert_close(loss, want)
    shipped = proxy_candidates.candidate_config(
        proxy_candidates.SHIPPED, 'fit.json', 'held.json')
    assert 'loss_cls' not in shipped
    with pytest.raises(ValueError, match="loss 'focal'"):
        proxy_candidates.candidate_config(
            dict(c, loss='focal'), 'fit.json', 'held.json')


def test_ensemble_candidate_builds_two_recipe_networks(tmp_path):
    """The deep-ensemble challenger: its fold config builds an
    ``EnsembleRecognizer3D`` of two networks, each the recipe's backbone and
    head, initialised apart, that scores a recipe input as the mean of their
    probabilities; the shipped recipe's fold config names none of it."""
    import torch
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()
    (ens, ) = proxy_confirm.select_challengers(['members'])
    c = _recipe_with(*ens[1:])
    assert c == dict(proxy_candidates.SHIPPED, members=2)
    assert proxy_candidates.candidate_name(c).endswith('_native_m2')
    configs = _fold_configs(tmp_path, ensemble=c,
                            recipe=proxy_candidates.SHIPPED)
    assert 'EnsembleRecognizer3D' not in (tmp_path / 'recipe.py').read_text()
    model_cfg = configs['ensemble'].model
    assert model_cfg.type == 'EnsembleRecognizer3D' and model_cfg.members == 2
    assert configs['recipe'].model == dict(
        {k: v for k, v in model_cfg.items() if k != 'members'},
        type='Recognizer3D')
    torch.manual_seed(0)
    model = MODELS.build(model_cfg).eval()
    model.init_weights()
    (b0, h0), (b1, h1) = model.member_pairs()
    recipe = MODELS.build(configs['recipe'].model.backbone)
    assert [p.shape for p in b1.parameters()] == [
        p.shape for p in recipe.parameters()]
    assert not torch.equal(b0.conv1.conv.weight, b1.conv1.conv.weight)
    from mmaction.structures import ActionDataSample
    x = torch.randn(2, 1, 6, 16, 32, 32)
    with torch.no_grad():
        out = model(x, [ActionDataSample() for _ in range(2)],
                    mode='predict')
        logits = model(x, mode='tensor', stage='head')
    want = torch.stack([lg.sigmoid() for lg in logits]).mean(0)
    torch.testing.assert_close(torch.stack([s.pred_score for s in out]),
                               want)


def test_test_flip_candidate_mirrors_only_its_test_views(tmp_path):
    """The mirrored-test-views challenger trains as the recipe does; its
    held-out clips (val and test loaders) go through FlipViews just before
    FormatShape; the shipped recipe's fold config has no FlipViews."""
    c = _recipe_with('test_flip', True)
    assert proxy_candidates.candidate_name(c).endswith('_native_tflip')
    cfgs = _fold_configs(tmp_path, flip=c, recipe=proxy_candidates.SHIPPED)
    flip, recipe = cfgs['flip'], cfgs['recipe']
    assert flip.train_dataloader == recipe.train_dataloader
    assert flip.model == recipe.model
    for loader in ('val_dataloader', 'test_dataloader'):
        types = [t['type'] for t in flip[loader].dataset.pipeline]
        assert types[-3:] == ['FlipViews', 'FormatShape',
                              'PackTinyActionInputs']
        without = [t for t in flip[loader].dataset.pipeline
                   if t['type'] != 'FlipViews']
        assert without == recipe[loader].dataset.pipeline
    shipped = proxy_candidates.candidate_config(
        proxy_candidates.SHIPPED, 'fit.json', 'held.json')
    assert 'FlipViews' not in shipped


#: held-out clips of the mirrored-view tests: labels y[HELD] of Y; their
#: last checkpoint gets all three right with the mirrors, the middle one
#: wrong without them (F1 0.4).
Y, HELD = np.eye(2)[[0, 1, 1, 0, 1]], [1, 3, 4]


def _flip_dumps(runs, monkeypatch) -> list:
    """Let ``runs`` test any last checkpoint (epoch 80) into a dump that
    scores :data:`HELD` as above; returns the list of tests made (name,
    config file, checkpoint file)."""
    import proxy_runs

    import tiny_action.tools.ensemble as ensemble
    tests = []

    class Dump:
        labels = Y[HELD]

    def test(test_name, config, checkpoint, options=()):
        tests.append((test_name, Path(config).name, Path(checkpoint).name))
        Dump.scores = np.array([[0.2, 0.8], [0.3, 0.7], [0.1, 0.9]]) \
            if test_name.endswith('_noflip') else \
            np.array([[0.2, 0.8], [0.7, 0.3], [0.1, 0.9]])
        return 'dump.pkl'

    runs.test = test
    monkeypatch.setattr(proxy_runs, 'epoch_checkpoints', lambda d: {
        80: f'{d}/epoch_80.pth'})

    def load_dump(path):
        Dump.path = path
        return Dump

    monkeypatch.setattr(ensemble, 'load_dump', load_dump)
    return tests


def test_fold_record_of_mirrored_test_views_also_scores_without_them(
        tmp_path, monkeypatch):
    """A test_flip run's record also holds its last checkpoint tested with
    the fold config without FlipViews (the recipe's): the same weights
    with and without the mirrors."""
    c = _recipe_with('test_flip', True)
    name = proxy_candidates.candidate_name(c)
    plain = proxy_candidates.candidate_name(proxy_candidates.SHIPPED)
    cfg_dir = tmp_path / 'configs'
    runs = _SeedRuns(tmp_path / 'runs')
    tests = _flip_dumps(runs, monkeypatch)
    y, held = Y, HELD
    with pytest.raises(FileNotFoundError, match='without test_flip'):
        proxy_confirm.fold_record(runs, c, 1, 2, held, y, str(cfg_dir))
    proxy_folds.write_fold_configs(proxy_candidates.SHIPPED,
                                   [('fit.json', 'held.json')] * 2,
                                   str(cfg_dir))
    rec = proxy_confirm.fold_record(runs, c, 1, 2, held, y, str(cfg_dir))
    assert tests[-2:] == [
        (f'{name}_seed2_fold1_last', f'{name}_fold1.py', 'epoch_80.pth'),
        (f'{name}_seed2_fold1_last_noflip', f'{plain}_fold1.py',
         'epoch_80.pth')]
    assert rec['correct'] == [True, True, True]
    assert rec['without_test_flip']['correct'] == [True, False, True]
    assert rec['without_test_flip']['f1'] == pytest.approx(0.4)


def test_paired_test_flip_compares_the_same_runs_seed_by_seed():
    """paired_test_flip: per seed the fold mean with and without the
    mirrors, a paired t-test, and how many runs went up or down; None
    while a run lacks its score without them; the report says it."""
    c = _recipe_with('test_flip', True)
    name = proxy_candidates.candidate_name(c)
    parts, seeds = [[0], [1], [2]], [0, 1, 2]
    ledger = {}
    for seed in seeds:
        for k in range(3):
            without = 0.6 + k / 10 + seed / 100
            ledger[proxy_folds.seed_run(name, k, seed)[0]] = dict(
                f1=without + (0.02 if k else -0.01) + seed / 1000,
                without_test_flip=dict(f1=without))
    p = proxy_confirm.paired_test_flip(ledger, name, parts, seeds)
    assert p['without_means'] == pytest.approx([0.7, 0.71, 0.72])
    assert p['change'] == pytest.approx(0.011)
    assert (p['runs'], p['runs_up'], p['runs_down']) == (9, 6, 3)
    assert p['verdict'] == 'helps' and p['p_value'] < 0.01
    text = proxy_confirm._row_sentences(
        [dict(name=name, paired_test_flip=p), dict(name='other')],
        'paired_test_flip', proxy_confirm._flip_sentence)
    assert len(text) == 2 and text[0] == ''
    assert 'without 0.700 / 0.710 / 0.720' in text[1]
    assert '6 of 9 runs better, 3 worse: helps' in text[1]
    del ledger[proxy_folds.seed_run(name, 2, 1)[0]][
        'without_test_flip']
    assert proxy_confirm.paired_test_flip(ledger, name, parts,
                                          seeds) is None


def test_machine_names_the_kernels_instruction_set_and_numerics():
    """Ledger records name the CPU instruction set torch dispatches to and
    the numerics fingerprint, besides the architecture and cores (machines
    differing in them do not reproduce each other's seeded trainings)."""
    import platform

    import proxy_runs
    import torch
    arch, cpus, word, isa, numerics, fp = proxy_runs.machine().split(' ')
    assert (arch, word, numerics) == (platform.machine(), 'cpus', 'numerics')
    assert int(cpus) >= 1
    assert isa == torch.backends.cpu.get_cpu_capability()
    assert proxy_confirm.numerics(dict(machine=proxy_runs.machine())) == fp
    # at the trainings' thread count (their children's OMP_NUM_THREADS),
    # leaving this process's as it was
    threads = torch.get_num_threads()
    one = proxy_runs.numerics_fingerprint(1)
    assert proxy_runs.machine(1).endswith(f' numerics {one}')
    assert torch.get_num_threads() == threads
    if threads > 1:  # the thread count changes how the kernels sum
        assert one != fp
    # the fingerprint is the computation's: the same again, and it leaves
    # the global random state as it found it
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    assert proxy_runs.numerics_fingerprint() == fp
    assert torch.equal(torch.rand(3), expected)
    assert len(fp) == 8 and int(fp, 16) >= 0
    # records from before it have none
    assert proxy_confirm.numerics(dict(machine='x86_64 2 cpus')) is None
    assert proxy_confirm.numerics(dict(machine='x')) is None
    assert proxy_confirm.numerics({}) is None


def test_confirm_compares_a_challenger_with_the_recipe_on_its_machine(
        tmp_path, monkeypatch):
    """A challenger trained on a machine whose numerics differ from those
    of the recipe's ledger runs is compared with the recipe trained again
    there (same seeds and folds, kept under machine_run's names), not with
    the ledger's runs; a record from before the fingerprint is compared as
    before; a recipe already computed alike is not trained again."""
    from types import SimpleNamespace
    base = dict(proxy_candidates.SHIPPED)
    ds = proxy_candidates.with_choice(base, 'downscale', 0.5)
    here = ['x86_64 2 cpus AVX512 numerics bbbb2222']
    trained = []

    def record(runs, c, k, seed, held, y, cfg_dir, on_machine=None):
        name = proxy_candidates.candidate_name(c)
        trained.append((name, seed, k, on_machine))
        # the machine moves every result: 0.70 there, 0.75 here; the
        # challenger adds 0.01 on either
        there = here[0].endswith('bbbb2222')
        f1 = (0.70 if there else 0.75) + seed / 100 + \
            (0.01 if c['downscale'] else 0.0)
        return dict(f1=f1, mAP=0.7, correct=[True], cpu=1.0, wall=1.0,
                    machine=here[0])

    monkeypatch.setattr(proxy_confirm, 'fold_record', record)
    monkeypatch.setattr(proxy_confirm, 'machine',
                        lambda threads=None: here[0])
    data = _annotations(tmp_path, [24, 48, 100])
    parts = [[0], [1], [2]]
    y = np.eye(2)[[0, 1, 0]]
    reference = ([y[[0]], y[[1]], 1 - y[[2]]], y)
    folds = [(str(tmp_path / 'fit.json'), str(tmp_path / 'held.json'))] * 3
    ledger = tmp_path / 'runs.json'

    def run(challengers, path=ledger, train=True):
        return proxy_confirm.confirm(
            SimpleNamespace(threads=1), base, challengers, folds, parts, data,
            str(tmp_path / 'configs'), [0, 1, 2], reference, str(path),
            train)

    run([])  # the recipe's ledger runs, on machine bbbb2222
    name = proxy_candidates.candidate_name(base)
    assert len(trained) == 9 and all(t[3] is None for t in trained)
    trained.clear()
    here[0] = 'x86_64 2 cpus AVX512 numerics aaaa1111'
    result = run([('+ ds', 'downscale', 0.5)])
    # seed by seed: the challenger's fold, then the recipe's on this machine
    assert trained == [
        (n, seed, k, m) for seed in (0, 1, 2) for k in range(3)
        for n, m in ((proxy_candidates.candidate_name(ds), None),
                     (name, 'aaaa1111'))]
    keys = set(json.loads(ledger.read_text()))
    assert {f'{name}/numerics_aaaa1111/fold{k}' for k in range(3)} | {
        f'{name}/numerics_aaaa1111/seed{s}/fold{k}' for s in (1, 2)
        for k in range(3)} <= keys
    (row, ) = result['challengers']
    assert result['base']['means'] == pytest.approx([0.70, 0.71, 0.72])
    assert row['machine_base']['means'] == pytest.approx([0.75, 0.76, 0.77])
    assert row['change'] == pytest.approx(0.01)  # not 0.06
    assert row['per_fold'] == pytest.approx([0.01] * 3)
    text = proxy_confirm.confirm_markdown(result, [0, 1, 2])
    assert ('is compared with the shipped recipe trained with the same '
            'seeds on machines that compute alike (the same numerics '
            'fingerprint: `x86_64 2 cpus AVX512 numerics aaaa1111`), not '
            'with its ledger runs: the recipe there scores 0.750 / 0.760 / '
            '0.770, 0.760 ± 0.010.') in text
    # resumed from the ledger: nothing trains, the same comparison
    trained.clear()
    again = run([('+ ds', 'downscale', 0.5)], train=False)
    assert not trained
    assert again['challengers'][0]['change'] == pytest.approx(0.01)
    # on a machine that computes like the recipe's ledger runs, nothing
    # more trains and the ledger's runs are the comparison
    trained.clear()
    here[0] = 'x86_64 2 cpus AVX512 numerics bbbb2222'
    same = run([('+ cn', 'clip_norm', True)])
    assert [t[0] for t in trained] == [proxy_candidates.candidate_name(
        proxy_candidates.with_choice(base, 'clip_norm', True))] * 9
    assert 'machine_base' not in same['challengers'][0]
    # a challenger record from before the fingerprint: the ledger's runs
    records = json.loads(ledger.read_text())
    old = {k: dict(v, machine='x86_64 2 cpus') if '_ds0.5/' in k else v
           for k, v in records.items()}
    (tmp_path / 'old.json').write_text(json.dumps(old))
    legacy = run([('+ ds', 'downscale', 0.5)], path=tmp_path / 'old.json',
                 train=False)
    assert 'machine_base' not in legacy['challengers'][0]
    assert legacy['challengers'][0]['change'] == pytest.approx(0.06)
    assert proxy_confirm.machine_run(f'{name}/seed1/fold2', 'ab12') == \
        f'{name}/numerics_ab12/seed1/fold2'


def test_fold_record_trains_the_recipe_again_only_on_its_own_machine(
        tmp_path, monkeypatch):
    from types import SimpleNamespace
    monkeypatch.setattr(proxy_confirm, 'machine', lambda threads=None:
                        f'x86_64 2 cpus AVX2 numerics aaaa111{threads}')
    with pytest.raises(ValueError, match="numerics 'aaaa1112' here"):
        proxy_confirm.fold_record(
            SimpleNamespace(threads=1), dict(proxy_candidates.SHIPPED), 0, 1,
            [0], np.eye(2)[[0]], str(tmp_path), on_machine='aaaa1112')


def test_backfill_tests_only_the_records_own_finished_training(
        tmp_path, monkeypatch):
    """A ledger record of a test_flip run from before without_test_flip
    was kept is backfilled only from a finished run in the work dir that
    gets the record's clips right with the mirrors (its own training)."""
    c = _recipe_with('test_flip', True)
    name = proxy_candidates.candidate_name(c)
    cfg_dir = tmp_path / 'configs'
    proxy_folds.write_fold_configs(proxy_candidates.SHIPPED,
                                   [('fit.json', 'held.json')] * 2,
                                   str(cfg_dir))
    runs = _SeedRuns(tmp_path / 'runs')
    runs.work_dir = str(tmp_path / 'runs')
    _flip_dumps(runs, monkeypatch)
    y, held = Y, HELD
    record = dict(f1=1.0, correct=[True, True, True])
    with pytest.raises(RuntimeError, match='no finished run'):
        proxy_confirm.backfill_without_test_flip(
            runs, c, 1, 2, record, held, y, str(cfg_dir))
    run_dir = tmp_path / 'runs' / f'{name}/seed2/fold1'
    run_dir.mkdir(parents=True)
    (run_dir / 'finished.json').write_text('{}')
    got = proxy_confirm.backfill_without_test_flip(
        runs, c, 1, 2, record, held, y, str(cfg_dir))
    assert got == dict(f1=pytest.approx(0.4), correct=[True, False, True])
    with pytest.raises(RuntimeError, match='another training'):
        proxy_confirm.backfill_without_test_flip(
            runs, c, 1, 2, dict(record, correct=[True, False, True]), held,
            y, str(cfg_dir))
    assert runs.calls == []  # nothing trained


def test_test_flip_refuses_a_flow_input():
    """Mirrored after SegmentMotion, a flow field would keep the sign of
    its dx: test_flip with a flow modality is an error."""
    c = _recipe_with('test_flip', True)
    with pytest.raises(ValueError, match='flow field'):
        proxy_candidates.pipelines(dict(c, modality='rgb+flow+energy'))


def test_run_confirm_reports_every_challenger_after_training_some(
        tmp_path, monkeypatch):
    """--confirm --challengers X trains only X (and the recipe's missing
    runs), and the report it writes still has every challenger that the
    ledger holds with the seeds; --report --challengers reports only the
    challengers named."""
    from types import SimpleNamespace
    trained = []

    def record(runs, c, k, seed, held, y, cfg_dir):
        trained.append(proxy_candidates.candidate_name(c))
        return dict(f1=0.6 + seed / 100, mAP=0.7, correct=[True], cpu=1.0,
                    wall=1.0, machine='x')

    monkeypatch.setattr(proxy_confirm, 'fold_record', record)
    monkeypatch.setattr(proxy_confirm, 'CHALLENGERS', (
        ('+ ds', 'downscale', 0.5), ('+ cn', 'clip_norm', True)))
    data = _annotations(tmp_path, [24, 48, 100])
    # the noise floor of the train clips (their frames, tested in
    # test_proxy_posthoc_cv.py): clip 0 noisy
    read = []
    monkeypatch.setattr(proxy_confirm, 'noisy_clips', lambda split: (
        read.append(split), np.array([True, False, False]))[1])
    parts = [[0], [1], [2]]
    y = np.eye(2)[[0, 1, 0]]
    reference = ([y[[0]], y[[1]], 1 - y[[2]]], y)
    folds = [(str(tmp_path / 'fit.json'), str(tmp_path / 'held.json'))] * 3
    runs = SimpleNamespace(work_dir=str(tmp_path / 'work'))
    (tmp_path / 'work').mkdir()
    (tmp_path / 'out').mkdir()
    report = tmp_path / 'out' / 'proxy_confirm.md'

    def run(keys, only_report=False):
        args = SimpleNamespace(spread_seeds=[0, 1, 2], challengers=keys,
                               report=only_report, alpha=0.05,
                               out=str(tmp_path / 'out'))
        proxy_confirm.run_confirm(args, runs, data, parts, folds,
                                  reference)
        return report.read_text()

    text = run(['downscale'])
    assert read == [str(Path(data) / 'train')]
    assert '| candidate | noisy clips (1) | other clips (2) |' in text
    assert '| + ds `' in text and '| + cn `' not in text
    assert 'not trained with every one of these seeds: + cn.' in text
    assert len(trained) == 18  # the recipe and ds: 3 seeds x 3 folds
    trained.clear()
    text = run(['clip_norm'])
    assert len(trained) == 9 and all(n.endswith('_cn') for n in trained)
    assert '| + ds `' in text and '| + cn `' in text
    text = run(['clip_norm'], only_report=True)
    assert '+ ds' not in text and '| + cn `' in text


def test_combined_challenger_sets_both_of_its_keys(tmp_path):
    """The ``downscale_smooth`` challenger is RandomDownscale and label
    smoothing at once: the same candidate, name and fold config as
    applying the two keys one after the other."""
    (combo, ) = proxy_confirm.select_challengers(['downscale_smooth'])
    c = _recipe_with(*combo[1:])
    one_by_one = proxy_candidates.with_choice(
        _recipe_with('downscale', 0.5),
        'label_smooth', 0.1)
    assert c == one_by_one
    assert proxy_candidates.candidate_name(c).endswith('_native_ds0.5_ls0.1')
    cfg = _fold_configs(tmp_path, combo=c)['combo']
    assert cfg.model.cls_head.label_smooth_eps == 0.1
    (down, ) = [t for t in cfg.train_dataloader.dataset.pipeline
                if t['type'] == 'RandomDownscale']
    assert (down['min_size'], down['prob']) == (24, 0.5)
    assert not any(t['type'] == 'RandomDownscale'
                   for t in cfg.test_dataloader.dataset.pipeline)


def test_size_and_loss_challenger_is_24_px_with_asl(tmp_path):
    """The ``size_loss`` challenger is the 24 px input and seed 004's ASL
    at once: the candidate of the two keys applied one after the other,
    whose fold config resizes to 24 px and scores with ``AsymmetricLoss``."""
    (combo, ) = proxy_confirm.select_challengers(['size_loss'])
    c = _recipe_with(*combo[1:])
    assert c == proxy_candidates.with_choice(
        _recipe_with('size', 24),
        'loss', 'asl')
    name = proxy_candidates.candidate_name(c)
    assert name.startswith('rgbenergy_s24_') and name.endswith('_asl')
    cfg = _fold_configs(tmp_path, combo=c)['combo']
    assert cfg.model.cls_head.loss_cls['type'] == 'AsymmetricLoss'
    for loader in (cfg.train_dataloader, cfg.test_dataloader):
        sizes = [t['scale'] for t in loader.dataset.pipeline if 'scale' in t]
        assert sizes == [(24, 24)]


def test_kd_cv_summary_and_markdown():
    per_fold = [{'hr': .8, 'lr': .7, 'kd_a0.5': .6},
                {'hr': .9, 'lr': .6, 'kd_a0.5': .7}]
    table = proxy_kd_cv.summary(per_fold)
    assert table['lr']['values'] == [.7, .6]
    assert table['kd_a0.5']['mean'] == pytest.approx(.65)
    text = proxy_kd_cv.markdown(table, [.5, .6])
    row = next(r for r in text.splitlines() if 'alpha 0.5' in r)
    # KD minus the plain student on the same folds: -0.1 and +0.1
    assert '+0.000 (-0.100 / +0.100)' in row


def _tiny_surveillance(root: Path) -> Path:
    for part in ('train', 'val'):
        (root / part).mkdir(parents=True)
        (root / part / 'annotations.json').write_text('[]')
    (root / 'class_map.json').write_text('{}')
    return root


def test_link_data_links_a_folder_with_the_layout(tmp_path):
    from proxy_runs import link_data
    clips = _tiny_surveillance(tmp_path / 'clips')
    repo = tmp_path / 'repo'
    assert link_data(str(clips), str(repo)) == str(clips.resolve())
    assert (repo / 'data' / 'tiny_surveillance').is_symlink()
    # a user's own folder there is left alone
    other = _tiny_surveillance(tmp_path / 'other')
    assert link_data(str(other), str(repo)) == str(clips.resolve())


def test_link_data_names_what_the_folder_lacks(tmp_path):
    from proxy_runs import link_data
    clips = _tiny_surveillance(tmp_path / 'clips')
    (clips / 'val' / 'annotations.json').unlink()
    with pytest.raises(FileNotFoundError,
                       match=r"clips is not a tiny_surveillance folder "
                       r"\(missing \['val/annotations.json'\]\); pass --data"):
        link_data(str(clips), str(tmp_path / 'repo'))
    assert not (tmp_path / 'repo' / 'data').exists()


def _table_runs(root: Path):
    """The real ProxyRuns in ``root`` whose tools only pretend: a training
    writes epoch 40 / 60 / 80 checkpoints whose bytes name the work dir and
    the run (a teacher retrained in another clone has another SHA-256), a
    test an empty dump file; each takes 60 s CPU, 30 s wall. ``calls``:
    the trainings run, with their options."""
    from proxy_runs import ProxyRuns
    runs = ProxyRuns(str(root))
    runs.calls = []

    def run(step, args):
        out = Path(args[args.index('--work-dir') + 1])
        if args[0] == 'tools/train.py':
            opts = args[args.index('--cfg-options') + 1:]
            runs.calls.append((step[len('train_'):], opts))
            out.mkdir(parents=True, exist_ok=True)
            for epoch in (40, 60, 80):
                (out / f'epoch_{epoch}.pth').write_text(f'{root} {step}')
        else:
            Path(args[args.index('--dump') + 1]).parent.mkdir(
                parents=True, exist_ok=True)
            Path(args[args.index('--dump') + 1]).write_bytes(b'')
        runs.record(step, 30.0, 60.0)

    runs._run = run
    return runs


def _fake_table(monkeypatch, gradients):
    """The table's measurements without training: val F1 0.6 + seed / 100
    (+ 0.05 for KD at alpha 0.8); the recipe's dumps score every val clip
    right but one, and the recipe's val F1 is theirs."""
    import proxy_surveillance as ps
    import tiny_action.tools.ensemble as ensemble
    labels = np.eye(2)[[0, 1] * 5]
    scores = labels * 0.8 + 0.1
    scores[3] = [0.7, 0.3]  # the one wrong clip
    f1 = float(ps.macro_prf(scores, labels)['f1'])
    ids = [f'{i:05d}' for i in range(10)]

    def final_val(run_dir):
        name, seed = Path(run_dir).parent.name, int(run_dir[-1])
        val = 0.6 + seed / 100 + (0.05 if name == 'kd_a0.8' else 0.0)
        if name == 'lr':
            val = f1
        return dict(f1=val, precision=val, recall=val, mAP=0.7)

    def norms(config, teacher, run_dir, options):
        gradients.append((Path(run_dir).parent.name, teacher, options))
        return [dict(epoch=80, cls=1.0, kd=0.5)]

    monkeypatch.setattr(ps, 'BOOTSTRAP_ROUNDS', 50)
    monkeypatch.setattr(ps, 'final_val', final_val)
    monkeypatch.setattr(ps, 'kd_gradient_norms', norms)
    monkeypatch.setattr(
        ensemble, 'load_dump', lambda path: ensemble.DumpScores(
            path, scores.copy(), labels.astype(np.uint8), dict(id=ids)))
    return labels, scores


def test_table_ledger_resumes_in_a_new_clone_and_retrains_a_lost_teacher(
        tmp_path, monkeypatch):
    import proxy_surveillance as ps
    from proxy_runs import RunLedger
    gradients = []
    labels, scores = _fake_table(monkeypatch, gradients)
    reference = dict(mean=0.7, f1=[0.7] * 3, labels=labels.tolist(),
                     scores=[scores.tolist()] * 3)
    path = tmp_path / 'runs.json'
    first = _table_runs(tmp_path / 'clone1')
    skip = ['lr_dense', 'lr_balance', 'lr_camnoise', 'kd_bce']
    # the first session measures seeds 0 and 1 only
    ps.measure_all(first, RunLedger(str(path)), [0, 1], reference, skip)
    trained = [n for n, _ in first.calls]
    # plain models first, then seed by seed the teacher and its students
    assert trained == ['lr/seed0', 'lr/seed1', 'hr/seed0', 'kd/seed0',
                       'kd_a0.2/seed0', 'kd_a0.8/seed0', 'hr/seed1',
                       'kd/seed1', 'kd_a0.2/seed1', 'kd_a0.8/seed1']
    kd_options = dict(first.calls)['kd_a0.8/seed1']
    assert kd_options == ['randomness.seed=1',
                          'model.student_overrides.cls_head.alpha=0.8',
                          'model.teacher_ckpt=' + str(
                              tmp_path / 'clone1/hr/seed1/epoch_80.pth')]
    # the first seed of kd only, with its own teacher and options
    assert gradients == [('kd', str(tmp_path / 'clone1/hr/seed0/epoch_80.pth'),
                          ())]
    ledger = json.loads(path.read_text())
    assert ledger['kd/seed0']['teacher']['same_as_hr_row']
    # the recipe's training and its 3 ensemble tests
    assert ledger['lr/seed0']['steps'] == dict(cpu=240.0, wall=120.0)
    assert ledger['lr/seed0']['scores']['ids'] == [f'{i:05d}'
                                                   for i in range(10)]
    # a new clone (empty work dir) adds seed 2: seeds 0 and 1 come from the
    # ledger; a KD student of seed 2 has the teacher trained in this clone
    second = _table_runs(tmp_path / 'clone2')
    ps.measure_all(second, RunLedger(str(path)), [0, 1, 2], reference,
                   skip)
    assert [n for n, _ in second.calls] == [
        'lr/seed2', 'hr/seed2', 'kd/seed2', 'kd_a0.2/seed2', 'kd_a0.8/seed2']
    assert RunLedger(str(path))['kd/seed2']['teacher']['same_as_hr_row']
    # the hr row of seed 2 gone from the work dir: its KD student retrains
    # a teacher, which the record says is not the hr row's checkpoint
    ledger = json.loads(path.read_text())
    del ledger['kd_a0.8/seed2']
    path.write_text(json.dumps(ledger))
    third = _table_runs(tmp_path / 'clone3')
    ps.measure_all(third, RunLedger(str(path)), [0, 1, 2], reference, skip)
    assert [n for n, _ in third.calls] == ['hr/seed2', 'kd_a0.8/seed2']
    assert not RunLedger(str(path))['kd_a0.8/seed2']['teacher'][
        'same_as_hr_row']
    val_ann = tmp_path / 'val.json'
    val_ann.write_text(json.dumps([
        dict(id=f'{i:05d}', path=f'{i:05d}.mp4', video_id=f'v{i // 2}',
             dim=[16, side, side + 10], label=['fight'])
        for i, side in enumerate([24] * 3 + [48] * 3 + [80] * 4)]))
    res = ps.table_results(RunLedger(str(path)), [0, 1, 2], reference,
                           skip + ['kd_a0.2'], str(val_ann))
    # by size: the one wrong clip (3) is in the 40-64 px bin
    assert [[(b['clips'], b['accuracy']) for b in seed]
            for seed in res['versus']['by_size']['recipe']] == [
                [(3, 1.0), (3, pytest.approx(2 / 3)), (4, 1.0)]] * 3
    assert res['missing'] == [] and set(res['val']) == {'lr', 'hr', 'kd',
                                                        'kd_a0.8'}
    assert res['grads'] == {'kd': dict(seed=0, states=[
        dict(epoch=80, cls=1.0, kd=0.5)])}
    assert res['versus']['by_video']['videos'] == 5
    # the KD rows: kd_a0.8 of seed 2 learned from another teacher than
    # kd of seed 2
    assert res['teachers'] == dict(retrained=1, records=6, mixed=[2])
    # trainings of lr (+ 3 tests each), hr, kd and kd_a0.8, whose seed 2
    # retrained its teacher
    # retrained its teacher; 60 s CPU and 30 s wall each (and the gradient
    # norms' instant)
    steps = 3 * 4 + 3 + 3 + 4
    assert res['totals'] == pytest.approx(dict(cpu=60.0 * steps,
                                               wall=30.0 * steps, untimed=0),
                                          abs=1.0)
    # the ledger's recipe scores are of other clips than val's
    val_ann.write_text(json.dumps([
        dict(id=f'{i:05d}', path=f'{i:05d}.mp4', video_id='v', dim=[16, 32,
                                                                    32],
             label=['fight']) for i in range(1, 11)]))
    with pytest.raises(ValueError, match="entry 'lr/seed0' scored the val "
                       'clips'):
        ps.table_results(RunLedger(str(path)), [0, 1, 2], reference,
                         skip, str(val_ann))
    assert res['post']['single']['values'] == pytest.approx(
        [ps.macro_prf(scores, labels)['f1']] * 3)
    # the same ledger under a changed config is not reused
    monkeypatch.setattr(ps, 'config_sha256', lambda config: 'changed')
    with pytest.raises(ValueError, match="entry 'lr/seed0' has config_sha256"):
        ps.measure_all(third, RunLedger(str(path)), [0], reference, skip)


def test_table_of_a_partial_ledger_names_what_is_missing(tmp_path,
                                                         monkeypatch):
    import proxy_surveillance as ps
    from proxy_runs import RunLedger
    labels, scores = _fake_table(monkeypatch, [])
    reference = dict(mean=0.7, f1=[0.7] * 3, labels=labels.tolist(),
                     scores=[scores.tolist()] * 3)
    ledger = RunLedger(str(tmp_path / 'runs.json'))
    runs = _table_runs(tmp_path / 'work')
    with pytest.raises(RuntimeError, match='the recipe .lr. has not every'):
        ps.table_results(ledger, [0, 1, 2], reference)
    ps.measure_all(runs, ledger, [0, 1, 2], reference,
                   skip=['lr_dense', 'hr', 'kd', 'kd_a0.2', 'kd_a0.8',
                         'kd_bce'])
    calls = len(runs.calls)
    # --report trains nothing
    ps.measure_all(runs, ledger, [0, 1, 2], reference, train=False)
    assert len(runs.calls) == calls
    res = ps.table_results(ledger, [0, 1, 2], reference)
    assert res['missing'] == ['lr_dense', 'hr', 'kd', 'kd_a0.2', 'kd_a0.8',
                              'kd_bce']
    assert set(res['val']) == {'lr', 'lr_balance', 'lr_camnoise'}
    import argparse
    out = tmp_path / 'results'
    ps.write_results(argparse.Namespace(out=str(out), seeds=[0, 1, 2],
                                        skip=[]), res)
    # a partial table does not replace the last complete one
    assert not (out / 'proxy_surveillance.md').exists()
    text = (out / 'proxy_surveillance_partial.md').read_text()
    assert ('**Partial**: not yet measured with every seed: lr_dense, hr, '
            'kd, kd_a0.2, kd_a0.8, kd_bce') in text
    assert '| recipe + data balance (flipped fight copies) | 0.610 ± 0.010 ' \
        in text
    assert (out / 'proxy_surveillance_partial.png').stat().st_size > 0
    assert 'KD gradient norms' not in text  # no KD row measured yet
    # the complete table replaces the partial one, which would be stale
    ps.measure_all(runs, ledger, [0, 1, 2], reference)
    res = ps.table_results(ledger, [0, 1, 2], reference)
    assert res['missing'] == []
    ps.write_results(argparse.Namespace(out=str(out), seeds=[0, 1, 2],
                                        skip=[]), res)
    assert 'KD gradient norms' in (out / 'proxy_surveillance.md').read_text()
    assert not list(out.glob('proxy_surveillance_partial.*'))


def test_val_by_size_bins_each_seed_and_forest_by_native_shorter_side(
        tmp_path):
    import proxy_surveillance as ps
    labels = np.eye(2)[[0, 1, 0, 1]]
    right = labels * 0.8 + 0.1
    wrong = 1.0 - right
    ann = tmp_path / 'val.json'
    # shorter side 30 / 30 / 50 / 100 (dim is frames, height, width)
    ann.write_text(json.dumps([
        dict(id=str(i), path=f'{i}.mp4', dim=[8, h, w], label=['fight'])
        for i, (h, w) in enumerate([(30, 90), (90, 30), (50, 60),
                                    (120, 100)])]))
    recipe = [right, np.vstack([wrong[:2], right[2:]])]
    reference = [np.vstack([right[:3], wrong[3:]])]
    out = ps.val_by_size(recipe, reference, labels, ps.val_entries(str(ann),
                                                                   4))
    acc = {k: [[b['accuracy'] for b in seed] for seed in v]
           for k, v in out.items()}
    assert acc == dict(recipe=[[1.0, 1.0, 1.0], [0.0, 1.0, 1.0]],
                       reference=[[1.0, 1.0, 0.0]])
    assert [b['clips'] for b in out['recipe'][0]] == [2, 1, 1]
    text = '\n'.join(ps.val_size_markdown(out))
    assert '| 0-40 px | 2 | 1.000 / 0.000 | 0.500 | 1.000 |' in text
    assert '| 64 px and more | 1 | 1.000 / 1.000 | 1.000 | 0.000 |' in text
    with pytest.raises(ValueError, match='val.json: 4 clips, but the dumps '
                       'hold 3'):
        ps.val_entries(str(ann), 3)


def test_table_verdicts_are_t_tests_paired_for_the_same_runs():
    import proxy_surveillance as ps
    from scipy import stats
    base = ps.stats([0.70, 0.72, 0.74])
    # +0.010 / +0.015 / +0.010 on the same runs: a clear change paired ...
    shifted = ps.stats([0.71, 0.735, 0.75])
    said, p = ps.verdict(base, shifted, paired=True)
    assert said == 'helps' and p == pytest.approx(
        stats.ttest_rel(shifted['values'], base['values']).pvalue)
    # ... but not between independent runs of that spread
    said, p = ps.verdict(base, shifted)
    assert said == 'no clear effect' and p > 0.4
    # the same change on every seed: no spread to weigh it by
    assert ps.verdict(base, ps.stats([0.75, 0.77, 0.79]), paired=True)[0] \
        == 'undecided (no spread)'
    assert ps.verdict(base, base, paired=True) == ('no clear effect', 1.0)
    assert ps.verdict(base, ps.stats([0.60, 0.61, 0.62]))[0] == 'hurts'
    assert ps.verdict(base, ps.stats([0.9, 0.9]))[0] == 'undecided (2 seeds)'
    said, p = ps.verdict(base, ps.stats([0.9]))
    assert said == 'undecided (1 seeds)' and np.isnan(p)


def test_a_dump_that_does_not_score_the_logged_val_is_an_error():
    import proxy_surveillance as ps
    labels = np.eye(2)[[0, 1]]
    kept = dict(epochs={'40': (1 - labels).tolist(), '80': labels.tolist()},
                labels=labels.tolist())
    ps.check_single_against_val(kept, dict(f1=1.0), 'lr/seed0')  # epoch 80
    with pytest.raises(RuntimeError,
                       match='lr/seed0: tools/test.py F1 1.0 of epoch 80 '
                       'differs from the training val F1 0.5'):
        ps.check_single_against_val(kept, dict(f1=0.5), 'lr/seed0')


def test_a_run_folder_or_dump_is_reused_only_for_what_made_it(tmp_path):
    runs = _table_runs(tmp_path / 'work')
    config = 'configs/proxy/surveillance_lr.py'
    run_dir = runs.train('lr/seed0', config, ['randomness.seed=0'])
    assert runs.train('lr/seed0', config, ['randomness.seed=0']) == run_dir
    assert len(runs.calls) == 1
    with pytest.raises(ValueError, match=r"identity.json: the run has "
                       r"options \['randomness.seed=0'\], expected "
                       r"\['randomness.seed=1'\] .*move .*lr/seed0 away"):
        runs.train('lr/seed0', config, ['randomness.seed=1'])
    with pytest.raises(ValueError, match='the run has config_sha256'):
        runs.train('lr/seed0', 'configs/proxy/surveillance_hr.py',
                   ['randomness.seed=0'])
    with pytest.raises(ValueError, match='the run has teacher_sha256 None'):
        runs.train('lr/seed0', config, ['randomness.seed=0'],
                   dict(teacher_sha256='abc'))
    ckpt = Path(run_dir) / 'epoch_80.pth'
    dump = runs.test('lr_e80', config, str(ckpt))
    assert runs.test('lr_e80', config, str(ckpt)) == dump
    ckpt.write_text('retrained')  # another checkpoint at the same path
    with pytest.raises(ValueError, match='lr_e80.pkl was made from'):
        runs.test('lr_e80', config, str(ckpt))


def test_config_hash_follows_a_change_of_a_base(tmp_path):
    from proxy_runs import config_sha256
    (tmp_path / 'base.py').write_text('a = 1\nb = dict(c=2)\n')
    (tmp_path / 'child.py').write_text(
        "_base_ = ['./base.py']\nb = dict(d=3)\n")
    before = config_sha256(str(tmp_path / 'child.py'))
    config_sha256.cache_clear()
    assert config_sha256(str(tmp_path / 'child.py')) == before
    config_sha256.cache_clear()
    (tmp_path / 'base.py').write_text('a = 1\nb = dict(c=5)\n')
    assert config_sha256(str(tmp_path / 'child.py')) != before
    config_sha256.cache_clear()


def test_run_ledger_reuses_a_record_only_under_its_identity(tmp_path):
    from proxy_runs import RunLedger
    path = tmp_path / 'ledger.json'
    ledger = RunLedger(str(path))
    assert ledger.reuse('a', dict(seed=0)) is None
    ledger.add('a', dict(seed=0), dict(f1=0.5))
    again = RunLedger(str(path))  # a new process reads the file
    assert again.reuse('a', dict(seed=0)) == dict(f1=0.5, seed=0)
    with pytest.raises(ValueError, match=r"ledger.json: entry 'a' has seed "
                       r'0, expected 1'):
        again.reuse('a', dict(seed=1))
    path.write_text('[]')
    with pytest.raises(ValueError, match='expected an object'):
        RunLedger(str(path))


def test_a_resumed_training_says_its_seconds_are_the_last_part(tmp_path):
    from proxy_runs import ProxyRuns
    runs = ProxyRuns(str(tmp_path))
    argv = []
    runs._run = lambda step, args: (argv.append(args),
                                    runs.record(step, 1.0, 2.0))
    config = 'configs/proxy/surveillance_lr.py'
    runs.train('fresh', config)
    (tmp_path / 'again').mkdir()
    (tmp_path / 'again' / 'last_checkpoint').write_text('epoch_40.pth')
    runs.train('again', config)
    assert '--resume' not in argv[0] and '--resume' in argv[1]
    assert 'resumed' not in runs.timings['train_fresh']
    assert runs.timings['train_again'] == dict(wall=1.0, cpu=2.0,
                                               resumed=True)
    saved = json.loads((tmp_path / 'timings.json').read_text())
    assert saved['train_again']['resumed'] is True


def test_reference_features_are_the_package_statistics_and_two_shortcuts():
    """The reference's forest sees MotionStatistics' full vector (the
    package function) followed by the clip's length and native size, with
    the values the reference had before the function moved into the
    package (computed with benchmarks/reference_baseline.py at 4ba7508)."""
    import reference_baseline
    from tiny_action.datasets.transforms import motion_statistics
    rng = np.random.default_rng(0)
    frames = (rng.integers(0, 256, (9, 64, 64)) / 255.0).astype(np.float32)
    features = reference_baseline.clip_features(frames, native_size=37)
    assert features.dtype == np.float32 and features.shape == (2 * 256 + 16,)
    np.testing.assert_array_equal(features[:-2], motion_statistics(frames, 16))
    golden = [0.3340962, 0.003703891, 0.3399386, 0.3299702, 0.334757,
              0.3377618, 0.9037781, 0.7183838, 0.1430514, 0.6568314,
              0.05304848, 0.4986656, 0.2898563, 0.2693509, 9.0, 37.0]
    np.testing.assert_allclose(features[-16:], golden, rtol=2e-6)
    cells = features[:512].astype(np.float64)
    np.testing.assert_allclose(
        [cells[:256].sum(), cells[256:].sum(), cells[0], cells[255],
         cells[256], cells[511]],
        [85.52862, 107.2328, 0.2713542, 0.3925551, 0.2987745, 0.5458333],
        rtol=2e-6)


def test_a_later_look_confirms_chosen_challengers_into_its_own_report():
    """--challengers picks CHALLENGERS by key (a second look with more
    seeds need not retrain the others); a look at other seeds than 0-2
    writes its own report and keeps the first."""
    every = proxy_confirm.select_challengers(None)
    assert every == list(proxy_confirm.CHALLENGERS)
    (only, ) = proxy_confirm.select_challengers(['downscale'])
    assert only[1:] == ('downscale', 0.5)
    both = proxy_confirm.select_challengers(['motion_stats=True',
                                             'downscale'])
    assert [ch[1:] for ch in both] == [('downscale', 0.5),
                                       ('motion_stats', True)]
    # a key alone names every challenger that sets it
    assert [ch[2] for ch in proxy_confirm.select_challengers(
        ['motion_stats'])] == [True, 'stream']
    with pytest.raises(ValueError, match=r"\['width'\].*downscale"):
        proxy_confirm.select_challengers(['width'])
    assert proxy_confirm.confirm_report_name([0, 1, 2]) == \
        'proxy_confirm.md'
    assert proxy_confirm.confirm_report_name([3, 4, 5]) == \
        'proxy_confirm_s3-4-5.md'


def test_hr_swap_candidate_trains_on_either_twin_and_tests_on_lr(tmp_path):
    """The RandomTwinSwap challenger: right after decoding, before every
    augmentation, in the train pipeline only; its train dataset decodes the
    hr/ twins beside the clips; on real lr/hr pairs its train pipeline packs
    the recipe's input whichever twin it drew."""
    import copy

    from conftest import shared_data_dir
    from mmaction.registry import DATASETS
    from mmaction.utils import register_all_modules
    register_all_modules()
    (hr, ) = [ch for ch in proxy_confirm.CHALLENGERS if ch[1] == 'hr_swap']
    c = _recipe_with(*hr[1:])
    assert proxy_candidates.candidate_name(c).endswith('_native_hr0.5')
    train, test = proxy_candidates.pipelines(c)
    shipped_train, shipped_test = proxy_candidates.pipelines(
        proxy_candidates.SHIPPED)
    types = [t['type'] for t in train]
    assert train[types.index('TinyVideoDecode') + 1] == dict(
        type='RandomTwinSwap', prob=0.5)
    assert [t for t in train if t['type'] != 'RandomTwinSwap'] == \
        shipped_train
    assert test == shipped_test
    cfgs = _fold_configs(tmp_path, hr=c, recipe=proxy_candidates.SHIPPED)
    prefix = cfgs['hr'].train_dataloader.dataset.data_prefix
    assert prefix == dict(video='data/tiny_surveillance/train/lr',
                          sr='data/tiny_surveillance/train/hr')
    assert 'sr' not in cfgs['recipe'].train_dataloader.dataset.data_prefix
    assert 'sr' not in cfgs['hr'].val_dataloader.dataset.data_prefix
    # real pairs: the swap draws the hr twin or keeps the lr clip, and the
    # recipe's input is packed either way
    root = shared_data_dir('tiny_surveillance', 'val')
    swap = types.index('RandomTwinSwap')
    for prob in (0.0, 1.0):
        ds_cfg = copy.deepcopy(cfgs['hr'].train_dataloader.dataset)
        ds_cfg.update(ann_file=str(root / 'annotations.json'),
                      data_prefix=dict(video=str(root / 'lr'),
                                       sr=str(root / 'hr')),
                      class_map=str(root.parent / 'class_map.json'))
        ds_cfg.pipeline[swap]['prob'] = prob
        dataset = DATASETS.build(ds_cfg)
        small = next(i for i in range(len(dataset))
                     if dataset.get_data_info(i)['dim'][1] < 112)
        results = dataset.get_data_info(small)
        for t in dataset.pipeline.transforms[:swap + 1]:
            results = t(results)
        lr_shape = tuple(dataset.get_data_info(small)['dim'][1:])
        assert results['img_shape'] == ((112, 112) if prob else lr_shape)
        assert 'sr_imgs' not in results
        packed = dataset[small]
        assert tuple(packed['inputs'].shape) == (1, 6, 16, 32, 32)


def test_restarts_candidate_schedules_cycles_ending_at_the_checkpoints(
        tmp_path):
    """The warm-restarts challenger: the recipe's warmup, then 4 cosine
    cycles (mmengine CosineRestartLR) ending at the quarters of the
    schedule, where the checkpoints are kept; the recipe keeps its single
    cosine period; a schedule that does not split is an error."""
    (ch, ) = [ch for ch in proxy_confirm.CHALLENGERS
              if ch[1] == 'snapshot_restarts']
    c = _recipe_with(*ch[1:])
    assert (c['restarts'], c['snapshots']) == (4, True)
    assert proxy_candidates.candidate_name(c).endswith('_native_cr4_snap')
    cfgs = _fold_configs(tmp_path, cr=c, recipe=proxy_candidates.SHIPPED)
    warm, cosine = cfgs['cr'].param_scheduler
    assert warm == cfgs['recipe'].param_scheduler[0]
    assert cosine.type == 'CosineRestartLR' and cosine.begin == 2
    assert cosine.periods == [18, 20, 20, 20] and cosine.end == 80
    ends = np.cumsum([cosine.begin] + cosine.periods)[1:]
    assert list(ends) == [20, 40, 60, 80]
    assert cfgs['cr'].default_hooks.checkpoint.interval == 20
    assert cfgs['recipe'].param_scheduler[1].type == 'CosineAnnealingLR'
    with pytest.raises(ValueError, match='do not split into 3 cycles'):
        proxy_candidates._cosine(dict(c, restarts=3))
    with pytest.raises(ValueError, match='longer than the warmup'):
        proxy_candidates._cosine(dict(c, epochs=8, restarts=4))


def test_snapshot_fold_record_scores_the_checkpoint_ensemble(tmp_path,
                                                             monkeypatch):
    """A candidate with snapshots is scored as its checkpoint ensemble
    (mean probability of the checkpoints at 1/2, 3/4 and 4/4 of the
    schedule on the held-out clips); its last checkpoint's score is kept
    beside it."""
    import proxy_surveillance
    c = _recipe_with('snapshot_restarts', 4)
    runs = _SeedRuns(tmp_path / 'runs')
    runs.work_dir = str(tmp_path / 'runs')
    y = np.eye(2)[[0, 1, 0, 0, 1]]
    held = [1, 3, 4]  # classes 1, 0, 1
    by_epoch = {80: [[0.2, 0.8], [0.3, 0.7], [0.1, 0.9]],
                60: [[0.4, 0.6], [0.9, 0.1], [0.3, 0.7]],
                40: [[0.4, 0.6], [0.9, 0.1], [0.3, 0.7]],
                20: [[0.9, 0.1], [0.1, 0.9], [0.9, 0.1]]}
    tested = []

    def test(test_name, config, checkpoint, options=()):
        tested.append(Path(checkpoint).name)
        return str(checkpoint)

    class Dump:
        def __init__(self, scores):
            self.scores, self.labels = np.array(scores), y[held]
            self.meta = dict(id=['a', 'b', 'c'])
            self.path = 'dump'

    def load_dump(path):
        return Dump(by_epoch[int(Path(path).stem.split('_')[1])])

    runs.test = test
    ckpts = {e: f'epoch_{e}.pth' for e in by_epoch}
    import proxy_runs
    monkeypatch.setattr(proxy_runs, 'epoch_checkpoints', lambda d: ckpts)
    monkeypatch.setattr(proxy_surveillance, 'epoch_checkpoints',
                        lambda d: ckpts)
    import tiny_action.tools.ensemble as ensemble
    monkeypatch.setattr(ensemble, 'load_dump', load_dump)
    rec = proxy_confirm.fold_record(runs, c, 1, 2, held, y,
                                    str(tmp_path / 'configs'))
    assert rec['last'] == dict(f1=pytest.approx(0.72),
                               correct=[True, False, True])
    assert rec['correct'] == [True, True, True] and rec['f1'] == 1.0
    assert rec['snapshot_epochs'] == [40, 60, 80]
    assert sorted(tested) == ['epoch_40.pth', 'epoch_60.pth',
                              'epoch_80.pth', 'epoch_80.pth']


def test_foreground_challenger_is_picked_by_its_value_and_packs_6_channels(
        tmp_path):
    """``--challengers modality=fg+energy`` picks the foreground challenger
    alone (``modality`` also names the flow's); its fold config feeds
    SegmentMotion('fg+energy') where the recipe has 'rgb+energy', with the
    foreground normalised by mean 0 / std FG_STD, and a still clip packs to
    an all-zero foreground."""
    from mmaction.utils import register_all_modules
    register_all_modules()
    (fg, ) = proxy_confirm.select_challengers(['modality=fg+energy'])
    assert fg[1:] == ('modality', 'fg+energy')
    every = proxy_confirm.select_challengers(['modality'])
    assert [ch[2] for ch in every] == ['rgb+flow+energy', 'fg+energy',
                                       'rgb+logenergy', 'rgb+floorenergy',
                                       'rgb+peak+energy', 'energy']
    with pytest.raises(ValueError, match=r'modality=fg\+energy'):
        proxy_confirm.select_challengers(['modality=rgb'])
    c = _recipe_with(*fg[1:])
    assert proxy_candidates.candidate_name(c).startswith('fgenergy_s32_')
    norm = proxy_candidates.input_normalization('fg+energy')
    assert norm == dict(in_channels=6, mean=[0.0] * 3 + [2.0] * 3,
                        std=[proxy_candidates.FG_STD] * 3 + [5.0] * 3)
    cfg = _fold_configs(tmp_path, fg=c)['fg']
    assert cfg.model.data_preprocessor.mean == norm['mean']
    frames = [np.full((40, 40, 3), 90, np.uint8)] * 20
    results = dict(imgs=frames, total_frames=20, start_index=0,
                   filename='clip.mp4', label=[1, 0], test_mode=True,
                   modality='RGB', img_shape=(40, 40), ori_shape=(40, 40))
    steps = cfg.test_dataloader.dataset.pipeline
    assert dict(type='SegmentMotion', mode='fg+energy',
                per_frame=False) in steps
    results = _run_decoded(steps, results)
    assert results['inputs'].shape == (1, 6, 16, 32, 32)
    assert not results['inputs'].any()


def test_temporal_crop_candidate_segments_a_window_of_the_train_clip(
        tmp_path):
    """The temporal-crop challenger: the recipe's train pipeline with
    RandomTemporalCrop between TinyVideoInit and the sampler (its test
    pipeline unchanged), and a fold config whose train pipeline, run on a
    clip whose frame t has value t, takes its 16 segment frames from one
    window of at least 60% of the frames."""
    from mmaction.registry import TRANSFORMS
    from mmaction.utils import register_all_modules
    register_all_modules()
    (ch, ) = proxy_confirm.select_challengers(['temporal_crop'])
    c = _recipe_with(*ch[1:])
    assert proxy_candidates.candidate_name(c).endswith('_native_tc0.6')
    (train, test), (recipe_train, recipe_test) = (
        proxy_candidates.pipelines(c),
        proxy_candidates.pipelines(proxy_candidates.SHIPPED))
    assert test == recipe_test
    assert train[1] == dict(type='RandomTemporalCrop', min_ratio=0.6)
    assert train[:1] + train[2:] == recipe_train
    steps = _fold_configs(
        tmp_path, tc=c)['tc'].train_dataloader.dataset.pipeline
    assert [s['type'] for s in steps[:3]] == [
        'TinyVideoInit', 'RandomTemporalCrop', 'UniformSegment']
    frames = [np.full((40, 40, 3), t, np.uint8) for t in range(50)]
    np.random.seed(0)
    spans = []
    for _ in range(5):
        results = dict(total_frames=50, start_index=0, filename='clip.mp4',
                       label=np.array([1., 0.]), modality='RGB',
                       img_shape=(40, 40), ori_shape=(40, 40))
        for step in steps[1:]:
            if step['type'] == 'TinyVideoDecode':  # the frames of the file
                results['imgs'] = [frames[i] for i in results['frame_inds']]
                continue
            results = TRANSFORMS.build(dict(step))(results)
        assert results['inputs'].shape == (1, 6, 16, 32, 32)
        # area-resized flat frames keep their value: the segment frames
        values = results['inputs'][0, 0, :, 0, 0].tolist()
        assert values == sorted(values)
        spans.append((values[0], values[-1]))
        assert values[-1] - values[0] >= 0.6 * 50 - 2 * 50 / 16
    assert len(set(spans)) > 1  # a new window every time


def test_size_challenger_downscales_every_clip_to_24_px(tmp_path):
    """``--challengers size=24``: the recipe's pipelines with the area
    resize to 24 px (nothing else changed), and a fold config whose test
    pipeline packs a 24 px clip, the smallest in the data, unscaled at
    (1, 6, 16, 24, 24), which the recipe's network scores."""
    import torch
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()
    (ch, ) = proxy_confirm.select_challengers(['size=24'])
    c = _recipe_with(*ch[1:])
    assert proxy_candidates.candidate_name(c).startswith('rgbenergy_s24_')
    for steps, recipe in zip(proxy_candidates.pipelines(c),
                             proxy_candidates.pipelines(
                                 proxy_candidates.SHIPPED)):
        resized = [i for i, t in enumerate(steps) if 'scale' in t]
        assert [steps[i]['scale'] for i in resized] == [(24, 24)]
        assert recipe[resized[0]]['scale'] == (32, 32)
        assert steps[:resized[0]] == recipe[:resized[0]]
        assert steps[resized[0] + 1:] == recipe[resized[0] + 1:]
    cfg = _fold_configs(tmp_path, s24=c)['s24']
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)
              for _ in range(20)]
    results = dict(imgs=frames, total_frames=20, start_index=0,
                   filename='clip.mp4', label=[1, 0], test_mode=True,
                   modality='RGB', img_shape=(24, 24), ori_shape=(24, 24))
    results = _run_decoded(cfg.test_dataloader.dataset.pipeline, results)
    inputs = results['inputs']
    assert inputs.shape == (1, 6, 16, 24, 24)
    # the middle frame of the 5th segment (frames 5-6), unscaled
    assert np.array_equal(inputs[0, :3, 4].permute(1, 2, 0).numpy(),
                          frames[5])
    model = MODELS.build(cfg.model)
    with torch.no_grad():
        scores = model.test_step(dict(inputs=[inputs],
                                      data_samples=[results['data_samples']]))
    assert scores[0].pred_score.shape == (2, )


def test_schedule_and_crop_challengers_change_only_their_part(tmp_path):
    """``--challengers epochs=120`` stretches the recipe's schedule (120
    epochs, the cosine from the 2-epoch warm-up to the end, a checkpoint
    and a validation every quarter) and nothing else; ``aug=flip`` drops
    the random resized crop from the train pipeline and
    ``aug=flip_crop0.25`` widens its area range to 0.25-1, nothing else."""
    (long, ) = proxy_confirm.select_challengers(['epochs=120'])
    (flip, ) = proxy_confirm.select_challengers(['aug=flip'])
    c = dict(long=_recipe_with(*long[1:]),
             flip=_recipe_with(*flip[1:]))
    assert proxy_candidates.candidate_name(c['long']).endswith(
        '_w16b2_e120_lr0.001_native')
    assert proxy_candidates.candidate_name(c['flip']).startswith(
        'rgbenergy_s32_t16u_flip_w16b2_e80')
    cfgs = _fold_configs(tmp_path, recipe=proxy_candidates.SHIPPED, **c)
    recipe, longer = cfgs['recipe'], cfgs['long']
    assert recipe.train_cfg.max_epochs == 80
    assert longer.train_cfg.max_epochs == 120
    assert longer.train_cfg.val_interval == 30
    assert longer.default_hooks.checkpoint.interval == 30
    warmup, cosine = longer.param_scheduler
    assert warmup == recipe.param_scheduler[0]
    assert (cosine.begin, cosine.end, cosine.T_max) == (2, 120, 118)
    for key in ('model', 'train_dataloader', 'val_dataloader',
                'optim_wrapper'):
        assert longer[key] == recipe[key], key
    (train, test), (recipe_train, recipe_test) = (
        proxy_candidates.pipelines(c['flip']),
        proxy_candidates.pipelines(proxy_candidates.SHIPPED))
    assert test == recipe_test
    crop = [t['type'] for t in recipe_train].index('RandomResizedCrop')
    assert recipe_train[:crop] + recipe_train[crop + 1:] == train
    assert dict(type='TailFlipBalance', flip_ratio=0.5) in train
    (wide, ) = proxy_confirm.select_challengers(['aug=flip_crop0.25'])
    c = _recipe_with(*wide[1:])
    assert '_flip_crop0.25_w16b2_e80' in proxy_candidates.candidate_name(c)
    train, test = proxy_candidates.pipelines(c)
    assert test == recipe_test
    assert recipe_train[crop]['area_range'] == (0.5, 1.0)
    assert train[crop] == dict(type='RandomResizedCrop',
                               area_range=(0.25, 1.0))
    assert train[:crop] + train[crop + 1:] == \
        recipe_train[:crop] + recipe_train[crop + 1:]


def test_color_challenger_jitters_each_train_clip_with_one_draw(tmp_path):
    """``--challengers aug=flip_crop_color``: the recipe's train pipeline
    with mmaction2's ColorJitter (its defaults) right after the random
    resized crop, the test pipeline unchanged. Run on a clip that moves
    (a bright square walking across grey frames), the jitter is one draw
    for the clip: the frame channels change, and the motion energy, taken
    after the jitter, scales with the same draw (zero where nothing
    moves, nonzero where the square went)."""
    from mmaction.utils import register_all_modules
    register_all_modules()
    c = _after_crop_challenger('flip_crop_color', dict(type='ColorJitter'))
    frames = []
    for t in range(20):
        frame = np.full((40, 40, 3), 100, np.uint8)
        frame[10:20, t:t + 10] = 200
        frames.append(frame)

    def run(name: str, cand: dict, seed: int):
        steps = _fold_configs(tmp_path, **{name: cand})[
            name].train_dataloader.dataset.pipeline
        # no crop or flip: the two runs then see the same pixels
        steps = [s for s in steps
                 if s['type'] not in ('RandomResizedCrop', 'TailFlipBalance')]
        np.random.seed(seed)
        return _run_decoded(steps, _decoded_clip(frames))['inputs'][
            0].float()

    plain = run('recipe', proxy_candidates.SHIPPED, 0)
    jittered = [run('color', c, seed) for seed in (0, 1)]
    assert plain.shape == jittered[0].shape == (6, 16, 32, 32)
    for x in jittered:
        assert not torch.allclose(x[:3], plain[:3])
        # energy: nothing moves in the first rows, the square moves below
        assert float(x[3:, 1:, :6].abs().max()) == 0
        assert float(x[3:, 1:, 8:16].mean()) > 0
    assert not torch.allclose(jittered[0], jittered[1])


def test_noise_challenger_lifts_the_train_clips_energy_floor(tmp_path):
    """``--challengers aug=flip_crop_noise``: the recipe's train pipeline
    with RandomSensorNoise (its defaults) after the random resized crop,
    before the motion energy; the test pipeline unchanged. On a still
    clip the recipe's motion energy is 0 everywhere; with the challenger's
    pipeline, a clip that draws noise has energy in every pixel (about
    1.13 times the drawn std, before the preprocessor's normalisation)
    and about half the clips draw it."""
    from mmaction.utils import register_all_modules
    register_all_modules()
    c = _after_crop_challenger('flip_crop_noise',
                               dict(type='RandomSensorNoise'))
    types = [t['type'] for t in proxy_candidates.pipelines(c)[0]]
    assert types.index('SegmentMotion') > types.index('RandomSensorNoise')
    frames = [np.full((40, 40, 3), 100, np.uint8) for _ in range(20)]

    def energy(name: str, cand: dict, seed: int):
        steps = _fold_configs(tmp_path, **{name: cand})[
            name].train_dataloader.dataset.pipeline
        np.random.seed(seed)
        return _run_decoded(steps, _decoded_clip(frames))['inputs'][0][
            3:].float()

    assert float(energy('recipe', proxy_candidates.SHIPPED, 0).max()) == 0
    noisy = [energy('noise', c, seed) for seed in range(40)]
    floors = np.array([float(x.median()) for x in noisy])
    # half the clips draw noise, and a std under about 0.5 grey levels
    # mostly rounds away: a floor in about 40% of them
    assert 8 <= (floors > 0).sum() <= 24
    # a clear floor: nearly every pixel of every segment moves
    assert all(float((x > 0).float().mean()) > 0.9
               for x, f in zip(noisy, floors) if f > 1.5)
    assert floors.max() < 1.13 * 2.5


def test_erase_challenger_hides_a_region_of_the_train_clips(tmp_path):
    """``--challengers aug=flip_crop_erase``: the recipe's train pipeline
    with RandomClipErasing (its defaults) after the random resized crop,
    before the motion energy; the test pipeline unchanged. On a clip whose
    every pixel moves, the recipe's motion energy is positive everywhere;
    about half the clips through the challenger's pipeline have a still
    region (energy 0 in every segment) of 2-25% of the frame."""
    from mmaction.utils import register_all_modules
    register_all_modules()
    c = _after_crop_challenger('flip_crop_erase',
                               dict(type='RandomClipErasing'))
    types = [t['type'] for t in proxy_candidates.pipelines(c)[0]]
    assert types.index('SegmentMotion') > types.index('RandomClipErasing')
    assert _still_shares(tmp_path, proxy_candidates.SHIPPED, [0]) == [0]
    shares = _still_shares(tmp_path, c, range(30))
    assert 7 <= (shares > 0).sum() <= 23
    # the area resize to 32 px blurs the rectangle's edges into the energy
    assert shares[shares > 0].min() > 0.003 and shares.max() < 0.25


def test_zoom_challenger_shows_the_train_clips_smaller(tmp_path):
    """``--challengers aug=flip_crop_zoom``: the recipe's train pipeline
    with RandomZoomOut (its defaults) after the random resized crop, before
    the motion energy; the test pipeline unchanged. On a clip whose every
    pixel moves, about half the clips through the challenger's pipeline
    have a still border (energy 0 in every segment) around the moving
    clip, up to 1 - 0.6 ** 2 of the frame."""
    from mmaction.utils import register_all_modules
    register_all_modules()
    c = _after_crop_challenger('flip_crop_zoom', dict(type='RandomZoomOut'))
    types = [t['type'] for t in proxy_candidates.pipelines(c)[0]]
    assert types.index('SegmentMotion') > types.index('RandomZoomOut')
    assert _still_shares(tmp_path, proxy_candidates.SHIPPED, [0]) == [0]
    shares = _still_shares(tmp_path, c, range(30))
    assert 7 <= (shares > 0).sum() <= 23
    assert shares.max() < 1 - 0.6 ** 2 and shares.max() > 0.2


def test_motion_stream_challenger_fuses_a_statistics_stream_late(tmp_path):
    """``--challengers motion_stats=stream``: the statistics in both
    pipelines where the MotionStatsHead challenger has them, and a fold
    config whose MotionStreamHead (the vector's length, the recipe's
    loss and dropout) trains with a loss per stream and scores a packed
    sample as the mean of the two streams' probabilities."""
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    from tiny_action.testing import motion_stats_samples
    register_all_modules()
    c, reads = _motion_stats_challenger('motion_stats=stream', 'stream',
                                        '_mstream')
    assert proxy_candidates.pipelines(c) == proxy_candidates.pipelines(reads)
    cfgs = _fold_configs(tmp_path, stream=c, recipe=proxy_candidates.SHIPPED)
    head_cfg, recipe_head = (cfgs['stream'].model.cls_head,
                             cfgs['recipe'].model.cls_head)
    assert head_cfg.type == 'MotionStreamHead'
    assert head_cfg.stats_channels == 46
    assert {k: v for k, v in head_cfg.items()
            if k not in ('type', 'stats_channels')} == {
                k: v for k, v in recipe_head.items() if k != 'type'}
    head = MODELS.build(head_cfg)
    head.init_weights()
    samples = motion_stats_samples([[1, 0], [0, 1]], torch.randn(2, 46))
    feats = torch.randn(2, 128, 2, 2, 2)
    assert set(head.loss(feats, samples)) == {'loss_cls', 'loss_stream'}
    head.eval()
    scores = torch.stack([s.pred_score for s in head.predict(feats, samples)])
    net = head.fc_cls(feats.flatten(2).mean(2)).sigmoid()
    stream = head.stream_logits(samples, 'cpu').sigmoid()
    torch.testing.assert_close(scores, ((net + stream) / 2).detach())


def test_stream_scores_reads_each_streams_probabilities_from_a_dump(
        tmp_path):
    """stream_scores: macro-F1 and per-clip correctness of a
    MotionStreamHead dump's network_score and stream_score alone, on the
    held-out clips in held order; a dump without them (made before the head
    kept them) is a clear error naming the file."""
    import mmengine

    from tiny_action.evaluation import macro_prf
    y = np.array([[1, 0], [0, 1], [1, 0], [0, 1]])
    held = [1, 2, 3]
    net = [[0.2, 0.9], [0.8, 0.1], [0.3, 0.6]]  # all three right
    stream = [[0.6, 0.3], [0.9, 0.2], [0.1, 0.8]]  # the first wrong
    records = [dict(pred_score=torch.tensor(n) / 2 + torch.tensor(s) / 2,
                    network_score=torch.tensor(n),
                    stream_score=torch.tensor(s), gt_label=torch.tensor(g))
               for n, s, g in zip(net, stream, y[held])]
    path = str(tmp_path / 'fold.pkl')
    mmengine.dump(records, path)
    got = proxy_confirm.stream_scores(path, held, y)
    assert got['network'] == dict(f1=pytest.approx(1.0),
                                  correct=[True, True, True])
    assert got['stream']['correct'] == [False, True, True]
    assert got['stream']['f1'] == pytest.approx(
        macro_prf(np.array(stream), y[held])['f1'])
    with pytest.raises(ValueError, match='3 records, expected one per'):
        proxy_confirm.stream_scores(path, held[:2], y)
    del records[1]['stream_score']
    mmengine.dump(records, path)
    with pytest.raises(ValueError, match=r"fold\.pkl: record 1 has no "
                       "'stream_score'"):
        proxy_confirm.stream_scores(path, held, y)


def test_fold_record_of_the_late_stream_scores_each_stream(tmp_path,
                                                           monkeypatch):
    """A motion_stats=stream run's record also holds each stream's score
    alone, read from the same held-out dump as the fused one."""
    import mmengine
    c = _recipe_with('motion_stats', 'stream')
    runs = _SeedRuns(tmp_path / 'runs')
    tests = _flip_dumps(runs, monkeypatch)
    fused = runs.test
    dump = str(tmp_path / 'fold.pkl')
    mmengine.dump([dict(pred_score=torch.tensor(s), network_score=torch.tensor(
        s[::-1]), stream_score=torch.tensor(s)) for s in (
            [0.2, 0.8], [0.7, 0.3], [0.1, 0.9])], dump)

    def test(test_name, config, checkpoint, options=()):
        fused(test_name, config, checkpoint, options)
        return dump

    runs.test = test
    rec = proxy_confirm.fold_record(runs, c, 1, 2, HELD, Y,
                                    str(tmp_path / 'configs'))
    assert {t[0] for t in tests} == {
        f'{proxy_candidates.candidate_name(c)}_seed2_fold1_last'}
    assert rec['correct'] == [True, True, True]
    assert rec['streams']['stream']['correct'] == [True, True, True]
    assert rec['streams']['network']['correct'] == [False, False, False]
    assert rec['streams']['network']['f1'] == 0.0


def test_paired_streams_compares_the_fusion_with_its_own_network():
    """paired_streams: per seed the fold mean of the runs as shipped (fused)
    and of their network stream alone, a paired t-test at the given level,
    the statistics stream's means beside; None while a run lacks them; the
    report says it."""
    c = _recipe_with('motion_stats', 'stream')
    name = proxy_candidates.candidate_name(c)
    parts, seeds = [[0], [1], [2]], [0, 1, 2]
    ledger = {}
    for seed in seeds:
        for k in range(3):
            network = 0.6 + k / 10 + seed / 100
            ledger[proxy_folds.seed_run(name, k, seed)[0]] = dict(
                f1=network + (0.02 if k else -0.01) + seed / 1000,
                streams=dict(network=dict(f1=network),
                             stream=dict(f1=0.5 + seed / 100)))
    p = proxy_confirm.paired_streams(ledger, name, parts, seeds, 0.001)
    assert p['without_means'] == pytest.approx([0.7, 0.71, 0.72])
    assert p['stream_means'] == pytest.approx([0.5, 0.51, 0.52])
    assert p['change'] == pytest.approx(0.011)
    assert (p['runs'], p['runs_up'], p['runs_down']) == (9, 6, 3)
    assert 0.001 < p['p_value'] < 0.01 and p['verdict'] != 'helps'
    text = proxy_confirm._row_sentences(
        [dict(name=name, paired_streams=p)], 'paired_streams',
        proxy_confirm._streams_sentence)
    assert 'network alone 0.700 / 0.710 / 0.720' in text[1]
    assert 'statistics stream alone 0.500 / 0.510 / 0.520' in text[1]
    assert '6 of 9 runs better, 3 worse' in text[1]
    del ledger[proxy_folds.seed_run(name, 0, 2)[0]]['streams']
    assert proxy_confirm.paired_streams(ledger, name, parts, seeds) is None


def test_modality_drop_candidate_adds_only_the_blending(tmp_path):
    """The modality-dropout challenger: the recipe's fold config with the
    data preprocessor's ``blending`` a ModalityDropout of the RGB and the
    energy channels (prob 0.5); the pipelines and the rest are the
    recipe's, and the built preprocessor drops a group in training."""
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()
    (ch, ) = proxy_confirm.select_challengers(['modality_drop'])
    c = _recipe_with(*ch[1:])
    assert c == dict(proxy_candidates.SHIPPED, modality_drop=0.5)
    assert proxy_candidates.candidate_name(c).endswith('_native_md0.5')
    assert proxy_candidates.modality_groups('rgb+flow+energy') == [
        [0, 1, 2], [3, 4], [5, 6, 7]]
    configs = _beside_recipe(tmp_path, drop=c)
    pre = configs['drop']['model'].pop('data_preprocessor')
    assert pre.pop('blending') == dict(
        type='ModalityDropout', groups=[[0, 1, 2], [3, 4, 5]], prob=0.5)
    assert pre == configs['recipe']['model'].pop('data_preprocessor')
    assert configs['drop'] == configs['recipe']
    built = MODELS.build(dict(
        Config.fromfile(str(tmp_path / 'drop.py')).model.data_preprocessor))
    torch.manual_seed(0)
    data = dict(inputs=[torch.full((1, 6, 2, 4, 4), 200.)] * 32,
                data_samples=[None] * 32)
    train = built(data, training=True)['inputs']
    dropped = [int((train[i, :, g] == 0).all()) for i in range(32)
               for g in ([0, 1, 2], [3, 4, 5])]
    assert 0 < sum(dropped) < 32
    with pytest.raises(ValueError, match='mixup or modality_drop'):
        proxy_candidates.candidate_config(dict(c, mixup=0.2), 'f', 'h')


def test_sgd_candidates_swap_only_the_optimizer(tmp_path):
    """The SGD challengers (lr 0.0125 and 0.05): the fold config's
    optimizer is SGD with momentum 0.9 and weight decay 1e-4 (AdamW's betas
    dropped, the gradient clipping kept); everything else is the recipe's
    fold config; an unknown optimizer is named."""
    chosen = proxy_confirm.select_challengers(['sgd'])
    assert [ch[2] for ch in chosen] == [('sgd', 0.0125, 1e-4),
                                        ('sgd', 0.05, 1e-4)]
    c = _recipe_with(*chosen[0][1:])
    assert c == dict(proxy_candidates.SHIPPED, optimizer='sgd', lr=0.0125,
                     wd=1e-4)
    assert proxy_candidates.candidate_name(c) == (
        'rgbenergy_s32_t16u_flip_crop_w16b2_e80_lr0.0125_native_wd0.0001_sgd')
    configs = _beside_recipe(tmp_path, sgd=c)
    assert configs['sgd'].pop('optim_wrapper') == dict(
        optimizer=dict(type='SGD', momentum=0.9, lr=0.0125,
                       weight_decay=1e-4),
        clip_grad=dict(max_norm=40, norm_type=2))
    recipe_optim = configs['recipe'].pop('optim_wrapper')
    assert recipe_optim['optimizer']['type'] == 'AdamW'
    assert recipe_optim['optimizer']['lr'] == 1e-3
    assert configs['sgd'] == configs['recipe']
    # SGD keeps its weight decay even at AdamW's value
    text = proxy_candidates.candidate_config(dict(c, wd=0.05), 'f', 'h')
    assert "type='SGD', momentum=0.9, lr=0.0125, weight_decay=0.05" in text
    with pytest.raises(ValueError, match="optimizer 'adam': not one of"):
        proxy_candidates.candidate_config(dict(c, optimizer='adam'), 'f',
                                          'h')


def test_swa_candidate_adds_only_the_averaging_hook(tmp_path):
    """The SWA challenger: the recipe's fold config with one EMAHook that
    averages, with equal weights, the weights and BN statistics of every
    iteration from epoch 40; the rest is the recipe's fold config. The
    averaged model built from that hook's config holds the mean of two
    models' parameters and BN running statistics; ``ema`` with ``swa`` and
    an averaging that never begins are named."""
    from mmaction.registry import MODELS as ACTION_MODELS
    from mmaction.utils import register_all_modules
    from mmengine.registry import MODELS
    register_all_modules()
    (ch, ) = proxy_confirm.select_challengers(['swa'])
    c = _recipe_with(*ch[1:])
    assert c == dict(proxy_candidates.SHIPPED, swa=40)
    assert proxy_candidates.candidate_name(c).endswith('_native_swa40')
    configs = _beside_recipe(tmp_path, swa=c)
    (hook, ) = configs['swa'].pop('custom_hooks')
    assert hook == dict(type='EMAHook', ema_type='StochasticWeightAverage',
                        begin_epoch=40, update_buffers=True)
    assert configs['recipe'].pop('custom_hooks') == []
    assert configs['swa'] == configs['recipe']
    recipe = Config.fromfile(str(tmp_path / 'recipe.py')).model
    nets = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        net = ACTION_MODELS.build(recipe)
        net.init_weights()
        net.train()
        net.backbone(torch.randn(2, 6, 16, 32, 32) * (seed + 1))
        nets.append(net)
    swa = MODELS.build(dict(type=hook['ema_type'], model=nets[0],
                            update_buffers=hook['update_buffers']))
    swa.update_parameters(nets[0])
    swa.update_parameters(nets[1])
    averaged = swa.module.state_dict()
    for key, value in nets[0].state_dict().items():
        if value.dtype.is_floating_point:
            mean = (value + nets[1].state_dict()[key]) / 2
            assert torch.allclose(averaged[key], mean, atol=1e-6), key
    assert any('running_var' in key for key in averaged)
    with pytest.raises(ValueError, match='ema or swa'):
        proxy_candidates.candidate_config(dict(c, ema=0.01), 'f', 'h')
    with pytest.raises(ValueError, match='swa 80: the averaging should'):
        proxy_candidates.candidate_config(dict(c, swa=80), 'f', 'h')


def test_peak_candidate_adds_the_peak_channels_after_the_frame(tmp_path):
    """``--challengers modality=rgb+peak+energy``: the recipe's fold config
    with SegmentMotion('rgb+peak+energy') in every pipeline, 9 input
    channels, the peak normalised with its measured statistics between
    the frame's and the energy's; a clip whose pixels jump once in a
    segment packs its peak there, twice the segment's energy."""
    from mmaction.utils import register_all_modules
    register_all_modules()
    (ch, ) = proxy_confirm.select_challengers(['modality=rgb+peak+energy'])
    c = _recipe_with(*ch[1:])
    assert c == dict(proxy_candidates.SHIPPED, modality='rgb+peak+energy')
    assert proxy_candidates.candidate_name(c).startswith(
        'rgbpeakenergy_s32_t16u_flip_crop_w16b2_e80_lr0.001_native')
    rgb = proxy_candidates.INPUT_STATS['rgb']
    assert proxy_candidates.input_normalization('rgb+peak+energy') == dict(
        in_channels=9,
        mean=rgb[0] + [proxy_candidates.PEAK_MEAN] * 3 + [2.0] * 3,
        std=rgb[1] + [proxy_candidates.PEAK_STD] * 3 + [5.0] * 3)
    configs = _beside_recipe(tmp_path, peak=c)
    assert configs['peak']['model']['backbone']['in_channels'] == 9
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        steps = configs['peak'][loader]['dataset']['pipeline']
        (motion, ) = [s for s in steps if s['type'] == 'SegmentMotion']
        assert motion['mode'] == 'rgb+peak+energy'
        recipe_steps = configs['recipe'][loader]['dataset']['pipeline']
        assert [s['type'] for s in steps] == [s['type']
                                              for s in recipe_steps]
    # from frame 5 on the scene is brighter: in segment 2 (frames 4-5) the
    # pairs (4, 5) and (5, 6) change by 60 and 0, so peak 60, energy 30
    frames = [np.full((40, 40, 3), 90 + 60 * (t >= 5), np.uint8)
              for t in range(32)]
    steps = configs['peak']['test_dataloader']['dataset']['pipeline']
    packed = _run_decoded(steps, _decoded_clip(frames))['inputs'].numpy()
    assert packed.shape == (1, 9, 16, 32, 32)
    assert np.allclose(packed[0, 3:6, 2], 60)
    assert np.allclose(packed[0, 6:, 2], 30)
    assert not packed[0, 3:, 3:].any()


def test_energy_alone_challenger_drops_the_frame(tmp_path):
    """``--challengers modality=energy``: the recipe's fold config with
    SegmentMotion('energy') in every pipeline, 3 input channels normalised
    as the recipe's energy channels; the rest is the recipe's."""
    (ch, ) = proxy_confirm.select_challengers(['modality=energy'])
    c = _recipe_with(*ch[1:])
    assert c == dict(proxy_candidates.SHIPPED, modality='energy')
    assert proxy_candidates.candidate_name(c).startswith('energy_s32_')
    configs = _beside_recipe(tmp_path, energy=c)
    pre = configs['energy']['model'].pop('data_preprocessor')
    recipe_pre = configs['recipe']['model'].pop('data_preprocessor')
    assert (pre.pop('mean'), pre.pop('std')) == ([2.0] * 3, [5.0] * 3)
    assert (recipe_pre.pop('mean')[3:], recipe_pre.pop('std')[3:]) == (
        [2.0] * 3, [5.0] * 3)
    assert pre == recipe_pre
    assert configs['energy']['model']['backbone'].pop('in_channels') == 3
    assert configs['recipe']['model']['backbone'].pop('in_channels') == 6
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for cfg in configs.values():
            (motion, ) = [s for s in cfg[loader]['dataset']['pipeline']
                          if s['type'] == 'SegmentMotion']
            assert motion.pop('mode') in ('energy', 'rgb+energy')
    assert configs['energy'] == configs['recipe']


def test_mixup_challenger_blends_the_train_batches_only(tmp_path):
    """``--challengers mixup``: the recipe's fold config whose data
    preprocessor blends the train batches with mmaction2's MixupBlending
    (alpha 0.2, the 2 classes); pipelines, model and schedule are the
    recipe's, and the preprocessor blends in training only."""
    (ch, ) = proxy_confirm.select_challengers(['mixup'])
    c = _recipe_with(*ch[1:])
    assert c == dict(proxy_candidates.SHIPPED, mixup=0.2)
    assert proxy_candidates.candidate_name(c).endswith('_mix0.2_native')
    configs = _beside_recipe(tmp_path, mix=c)
    pre = configs['mix']['model'].pop('data_preprocessor')
    assert pre.pop('blending') == dict(type='MixupBlending', num_classes=2,
                                       alpha=0.2)
    assert pre == configs['recipe']['model'].pop('data_preprocessor')
    assert configs['mix'] == configs['recipe']
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()
    blend = MODELS.build(dict(pre, blending=dict(
        type='MixupBlending', num_classes=2, alpha=0.2)))
    from mmaction.structures import ActionDataSample
    labels = torch.tensor([[1., 0.], [0., 1.]] * 4)
    samples = []
    for label in labels:
        sample = ActionDataSample()
        sample.set_gt_label(label)
        samples.append(sample)
    torch.manual_seed(0)
    inputs = [torch.rand(1, 6, 4, 8, 8) * 255 for _ in labels]
    trained = blend(dict(inputs=inputs, data_samples=samples),
                    training=True)['data_samples']
    mixed = torch.stack([s.gt_label for s in trained])
    assert torch.allclose(mixed.sum(1), torch.ones(len(labels)))
    soft = (mixed > 1e-6) & (mixed < 1 - 1e-6)
    assert soft.any()  # pairs of a fight and a no-fight give soft targets
    tested = blend(dict(inputs=inputs, data_samples=samples), training=False)
    assert torch.equal(torch.stack([s.gt_label for s in tested[
        'data_samples']]), labels)


@pytest.mark.parametrize('modality,option,mean,std', [
    ('rgb+logenergy', 'log_energy', 'LOG_ENERGY_MEAN', 'LOG_ENERGY_STD'),
    ('rgb+floorenergy', 'noise_floor', 'FLOOR_ENERGY_MEAN',
     'FLOOR_ENERGY_STD')])
def test_energy_form_candidate_changes_only_the_energy(
        tmp_path, modality, option, mean, std):
    """The energy-form challengers (modality ``'rgb+logenergy'``, log(1 +
    e); ``'rgb+floorenergy'``, the energy above the clip's median): the
    recipe's fold config with SegmentMotion's option on, in train and test
    pipelines alike, and the energy channels normalised with that form's
    measured statistics; the rest is the recipe's."""
    (ch, ) = proxy_confirm.select_challengers([f'modality={modality}'])
    c = _recipe_with(*ch[1:])
    assert c == dict(proxy_candidates.SHIPPED, modality=modality)
    assert proxy_candidates.candidate_name(c).startswith(
        modality.replace('+', '') +
        '_s32_t16u_flip_crop_w16b2_e80_lr0.001_native')
    configs = _beside_recipe(tmp_path, form=c)
    form_pre = configs['form']['model'].pop('data_preprocessor')
    pre = configs['recipe']['model'].pop('data_preprocessor')
    assert form_pre.pop('mean')[3:] == [getattr(proxy_candidates, mean)] * 3
    assert form_pre.pop('std')[3:] == [getattr(proxy_candidates, std)] * 3
    assert pre.pop('mean')[3:] == [2.0] * 3 and pre.pop('std')[3:] == [5.0] * 3
    assert form_pre == pre
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        steps = configs['form'][loader]['dataset']['pipeline']
        (motion, ) = [s for s in steps if s['type'] == 'SegmentMotion']
        assert motion.pop(option) is True
        assert motion['mode'] == 'rgb+energy'
    assert configs['form'] == configs['recipe']
