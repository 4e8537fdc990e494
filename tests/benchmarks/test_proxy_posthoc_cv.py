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

import proxy_candidates  # noqa: E402
import proxy_confirm  # noqa: E402
import proxy_folds  # noqa: E402
import proxy_posthoc_cv as posthoc  # noqa: E402

N_HELD = 10


def _scores(seed: int, k: int, y: np.ndarray) -> dict:
    """Ensemble dumps of a fold run: epoch 80 wrong on 2, 4, 3 clips with
    seed 0, 1, 2 (at 0.45); epochs 40 and 60 right on every clip but, with
    seeds 1 and 2, wrong on clip 9 (at 0.1), which the ensemble then gets
    wrong too: the ensemble's gain varies by seed, in another order than
    the last checkpoint's F1."""
    right = np.where(y > 0, 0.9, 0.1)
    last, wrong = right.copy(), (2, 4, 3)[seed]
    last[:wrong] = np.where(y[:wrong] > 0, 0.45, 0.55)
    early = right.copy()
    if seed:
        early[9] = 1 - right[9]
    return dict(epochs={'40': early.tolist(), '60': early.tolist(),
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
    c = dict(proxy_candidates.SHIPPED)
    name = proxy_candidates.candidate_name(c)
    measured = []

    def fold_scores(runs, config, run, options, held_ids, y_held):
        k = int(run[-1])
        seed = int(options[0].split('=')[1]) if options else 0
        assert Path(config).name == f'{name}_fold{k}.py'
        measured.append((seed, k))
        return dict(scores=dict(_scores(seed, k, y_held), ids=held_ids),
                    machine='x', test_cpu=2.0, tests_untimed=int(k == 2))

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
    single, ensemble = rows['single']['values'], rows['ens']['values']
    assert single[0] > single[2] > single[1]
    assert ensemble[0] == 1.0 > ensemble[1] == ensemble[2] > single[0]
    ens = mech['ens-single']
    assert (ens['runs_up'], ens['runs_down'], ens['runs']) == (9, 0, 9)
    # a paired t-test of the per-seed means, in seed order
    from scipy import stats
    paired = stats.ttest_rel(ensemble, single)
    assert ens['p_value'] == pytest.approx(paired.pvalue)
    assert ens['change'] == pytest.approx(np.mean(ensemble) - np.mean(single))
    assert ens['p_value'] != pytest.approx(
        stats.ttest_ind(ensemble, single).pvalue)
    assert ens['verdict'] == 'helps' and ens['p_value'] < 0.05
    assert (result['test_cpu'], result['tests_untimed']) == (18.0, 3)
    text = posthoc.markdown(result, [0, 1, 2], 0.664, 3 * N_HELD, 3)
    assert '| reference baseline (motion features + forest) | | 0.664 |' \
        in text
    assert f"| recipe, checkpoint ensemble, threshold 0.5 | 1.000 / " \
        f"{ensemble[1]:.3f} / {ensemble[2]:.3f} |" in text
    assert '| 9 / 0 of 9 | helps (p = ' in text and 'Partial' not in text
    assert 'inside the 30 train clips' in text and '(+ 3 tests not timed)' \
        in text
    one = posthoc.markdown(posthoc.summarize({0: per_seed[0]}), [0, 1, 2],
                           0.664, 3 * N_HELD, 3)
    assert 'Partial' in one and 'undecided (1 seeds)' in one

    # a record of other clips, fold config or ensemble is not reused
    key = f'{name}/seed1/fold2'
    stale = tmp_path / 'stale.json'
    for field, value in (('held', ['00001']), ('config_sha256', 'f' * 64),
                         ('ensemble_at', [1.0])):
        stale.write_text(json.dumps({**kept, key: dict(kept[key],
                                                       **{field: value})}))
        with pytest.raises(ValueError, match=f"entry '{key}' has {field}"):
            measure([0, 1], ledger_path=stale)
    # nor one whose scores are of other clips than its identity says
    scores = dict(kept[key]['scores'], ids=kept[key]['held'][::-1])
    stale.write_text(json.dumps({**kept, key: dict(kept[key],
                                                   scores=scores)}))
    with pytest.raises(RuntimeError, match=f"entry '{key}': scores the "
                       'clips'):
        measure([0, 1], ledger_path=stale)


def test_posthoc_scores_must_be_of_the_confirmations_training(
        tmp_path, monkeypatch):
    from proxy_runs import RunLedger
    entries, parts, y, folds = _setup(tmp_path)
    c = dict(proxy_candidates.SHIPPED)
    name = proxy_candidates.candidate_name(c)

    def fold_scores(runs, config, run, options, held_ids, y_held):
        return dict(scores=dict(_scores(0, 0, y_held), ids=held_ids),
                    machine='x', test_cpu=1.0, tests_untimed=0)

    monkeypatch.setattr(posthoc, 'fold_scores', fold_scores)
    from tiny_action.evaluation import macro_prf
    y0 = y[parts[0]]
    last = np.asarray(_scores(0, 0, y0)['epochs']['80'])
    correct = (last.argmax(1) == y0.argmax(1)).tolist()
    confirm = RunLedger(str(tmp_path / 'confirm.json'))
    confirm.add(f'{name}/fold0', {}, dict(f1=macro_prf(last, y0)['f1'],
                                          correct=correct))

    def measure(path):
        return posthoc.measure('runs', RunLedger(str(path)), c, folds[:1],
                               parts[:1], entries, y,
                               str(tmp_path / 'configs'), [0],
                               confirm=confirm)

    assert list(measure(tmp_path / 'a.json')) == [0]
    # the confirmation trained another model (another clone, another CPU)
    confirm.runs[f'{name}/fold0']['correct'] = [not v for v in correct]
    with pytest.raises(RuntimeError, match='not of the training in '):
        measure(tmp_path / 'b.json')
    assert not (tmp_path / 'b.json').exists()  # not kept
    with pytest.raises(RuntimeError, match='not of the training in '):
        measure(tmp_path / 'a.json')  # nor reused


class _Runs:
    """Stands in for ProxyRuns in :func:`fold_scores`: a finished training
    that logged ``f1`` last, and the seconds of its tests."""

    def __init__(self, root: Path, f1: float):
        self.work_dir, self.f1, self.threads = str(root), f1, 1
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
    assert rec['scores'] == scores
    assert (rec['test_cpu'], rec['tests_untimed']) == (7.0, 1)  # e60 untimed
    with pytest.raises(RuntimeError, match='not the held-out clips'):
        posthoc.fold_scores(runs, 'fold0.py', 'cand/seed1/fold0', [],
                            ids[::-1], y)
    with pytest.raises(RuntimeError, match='labels of the dumps'):
        posthoc.fold_scores(runs, 'fold0.py', 'cand/seed1/fold0', [], ids,
                            1 - y)
    runs.f1 = f1 - 0.1  # the dump does not score what the training logged
    with pytest.raises(RuntimeError, match='differs from the training val F1'):
        posthoc.fold_scores(runs, 'fold0.py', 'cand/seed1/fold0', [], ids,
                            y)


def test_config_hash_counts_paths_from_the_repository_or_a_root(tmp_path):
    from proxy_runs import config_sha256
    rel, absolute = tmp_path / 'rel.py', tmp_path / 'abs.py'
    rel.write_text("ann_file = 'work_dirs/folds/fold0_held.json'\n")
    absolute.write_text(
        f"ann_file = {str(REPO / 'work_dirs/folds/fold0_held.json')!r}\n")
    assert config_sha256(str(rel)) == config_sha256(str(absolute))
    other = tmp_path / 'other.py'
    other.write_text("ann_file = 'work_dirs/folds/fold1_held.json'\n")
    assert config_sha256(str(other)) != config_sha256(str(rel))
    # the fold files of two work dirs, counted from their folders
    hashes = []
    for work_dir in ('/tmp/a/work', str(REPO / 'work_dirs' / 'x')):
        cfg = tmp_path / f'{len(hashes)}.py'
        cfg.write_text(f"ann_file = '{work_dir}/folds/fold0_held.json'\n")
        hashes.append(config_sha256(str(cfg), f'{work_dir}/folds'))
    assert hashes[0] == hashes[1] != config_sha256(str(cfg))
    config_sha256.cache_clear()


def test_shipped_fold_configs_hash_as_the_committed_ledgers(tmp_path):
    """The confirmation's and the post-hoc ledgers are reused in a new clone
    only while the fold configs they record hash the same: a change of the
    shipped configs or of the fold configs' generation shows here."""
    c = dict(proxy_candidates.SHIPPED)
    name = proxy_candidates.candidate_name(c)
    folds = [(str(tmp_path / 'folds' / f'fold{k}_fit.json'),
              str(tmp_path / 'folds' / f'fold{k}_held.json'))
             for k in range(3)]
    configs = proxy_folds.write_fold_configs(c, folds,
                                             str(tmp_path / 'configs'))
    for ledger in ('proxy_confirm_runs.json', 'proxy_posthoc_cv_runs.json'):
        kept = json.loads((REPO / 'benchmarks' / 'results' /
                           ledger).read_text())
        for k in range(3):
            rec = kept[f'{name}/fold{k}']
            want = proxy_confirm.fold_identity(c, rec['held'], configs[k],
                                               folds[k])
            assert rec['config_sha256'] == want['config_sha256'], (ledger, k)


def test_held_out_scores_put_each_fold_back_in_place():
    """Each clip gets the last checkpoint's score of the run that held it
    out, per seed."""
    parts = [[0, 2], [1, 3]]
    name = proxy_candidates.candidate_name(proxy_candidates.SHIPPED)
    y = np.eye(2)[[0, 1, 0, 1]]
    ledger = {}
    for seed in (0, 1):
        for k, held in enumerate(parts):
            last = [[seed + k + i / 10, 0.0] for i in range(len(held))]
            ledger[proxy_folds.seed_run(name, k, seed)[0]] = dict(
                scores=dict(epochs={'40': [[9.0, 9.0]] * 2, '80': last},
                            labels=y[held].tolist(), ids=None))
    seed0, seed1 = posthoc.held_out_scores(ledger, name, parts, [0, 1], 4)
    np.testing.assert_allclose(seed0[:, 0], [0.0, 1.0, 0.1, 1.1])
    np.testing.assert_allclose(seed1[:, 0], [1.0, 2.0, 1.1, 2.1])
    with pytest.raises(ValueError, match=r'clips \[4\]'):
        posthoc.held_out_scores(ledger, name, parts, [0], 5)
    short = proxy_folds.seed_run(name, 1, 0)[0]
    ledger[short]['scores']['epochs']['80'] = [[0.5, 0.5]]
    with pytest.raises(ValueError, match='1 rows of scores, expected one '
                       r'per held-out clip \(2\)'):
        posthoc.held_out_scores(ledger, name, parts, [0], 4)


def test_val_sized_gaps_draw_whole_videos():
    """Three videos: the recipe right and the reference wrong on two of
    them, the other way round on the third. One video a draw: behind in
    about a third of the draws, each draw +1 or -1. Three a draw with
    replacement: behind when the third video is drawn at least twice
    (7 / 27); three distinct videos: the same gap every time, behind in
    none. The recipe's F1 is the mean over its seeds."""
    from tiny_action.evaluation import macro_prf
    y = np.eye(2)[[0, 1, 0, 1, 0, 1]]
    groups = [np.array([0, 1]), np.array([2, 3]), np.array([4, 5])]
    recipe = y.copy()
    recipe[4:] = 1 - y[4:]
    reference = 1 - recipe
    one = posthoc.val_sized_gaps([recipe, recipe], reference, y, groups, 1,
                                 draws=600, observed=-1.0)
    assert one['p_behind'] == pytest.approx(1 / 3, abs=0.06)
    assert one['p_as_low'] == one['p_behind']
    assert (one['low'], one['high']) == (-1.0, 1.0)
    boot = posthoc.val_sized_gaps([recipe], reference, y, groups, 3,
                                  draws=2000)
    assert boot['replace'] and boot['p_behind'] == pytest.approx(
        7 / 27, abs=0.04)
    every = posthoc.val_sized_gaps([recipe, reference], reference, y,
                                   groups, 3, draws=20, replace=False)
    both = (macro_prf(recipe, y)['f1'] + macro_prf(reference, y)['f1']) / 2
    assert every['low'] == every['high'] == pytest.approx(every['mean'])
    assert every['mean'] == pytest.approx(both - macro_prf(reference, y)['f1'])
    assert every['p_behind'] == 0.0 and 'p_as_low' not in every
    text = posthoc.val_sized_markdown(every)
    assert 'distinct videos' in text and 'in 0.0% of them.' in text
    assert "at or below val's -1.000" in posthoc.val_sized_markdown(one)
    with pytest.raises(ValueError, match='videos=4: draws need 1 to 3'):
        posthoc.val_sized_gaps([recipe], reference, y, groups, 4,
                               replace=False)
    with pytest.raises(ValueError, match='videos=0: draws need 1 source'):
        posthoc.val_sized_gaps([recipe], reference, y, groups, 0)


def test_late_fusion_with_the_reference_is_paired_with_the_last_checkpoint(
        tmp_path, monkeypatch):
    """With the reference's held-out scores per fold, each fold run also
    scores the mean of its last checkpoint's and the forest's
    probabilities (``fused``), reported as a row and as a mechanism paired
    with the last checkpoint; a reference of other clips is refused."""
    from proxy_runs import RunLedger

    from tiny_action.evaluation import macro_prf
    entries, parts, y, folds = _setup(tmp_path)
    c = dict(proxy_candidates.SHIPPED)

    def fold_scores(runs, config, run, options, held_ids, y_held):
        seed = int(options[0].split('=')[1]) if options else 0
        return dict(scores=dict(_scores(seed, 0, y_held), ids=held_ids),
                    machine='x', test_cpu=1.0, tests_untimed=0)

    monkeypatch.setattr(posthoc, 'fold_scores', fold_scores)
    # a confident forest, right on every clip but the first of each fold
    reference = [np.where(y[held] > 0, 0.8, 0.2) for held in parts]
    for r in reference:
        r[0] = 1 - r[0]
    per_seed = posthoc.measure(
        'runs', RunLedger(str(tmp_path / 'ledger.json')), c, folds, parts,
        entries, y, str(tmp_path / 'configs'), [0, 1, 2],
        reference=reference)
    for seed, per_fold in per_seed.items():
        last = np.asarray(_scores(seed, 0, y[parts[0]])['epochs']['80'])
        fused = macro_prf((last + reference[0]) / 2, y[parts[0]])['f1']
        assert per_fold[0]['fused'] == pytest.approx(fused)
        assert fused != pytest.approx(per_fold[0]['single'])
    result = posthoc.summarize(per_seed)
    (fusion, ) = [m for m in result['mechanisms'] if m['with_'] == 'fused']
    assert fusion['without'] == 'single' and fusion['runs'] == 9
    assert fusion['change'] == pytest.approx(
        np.mean(result['rows']['fused']['values']) -
        np.mean(result['rows']['single']['values']))
    text = posthoc.markdown(result, [0, 1, 2], 0.664, 3 * N_HELD, 3)
    assert "averaged with the reference forest's probabilities" in text
    assert '| late fusion with the reference baseline' in text
    # without a reference there is no fusion row, and no mechanism of it
    plain = posthoc.summarize({s: [{k: v for k, v in f.items()
                                    if k != 'fused'} for f in folds_]
                               for s, folds_ in per_seed.items()})
    assert 'fused' not in plain['rows']
    assert all(m['with_'] != 'fused' for m in plain['mechanisms'])
    with pytest.raises(ValueError, match='reference scores have shape'):
        posthoc.fused_f1(posthoc.scores_of(
            dict(scores=_scores(0, 0, y[parts[0]])), 'run'), reference[0][1:])


def test_val_sized_gaps_match_a_mix_of_flagged_videos():
    """Strata: each draw takes ``n`` flagged videos and the rest from the
    others. The recipe is right on the two unflagged videos and wrong on
    the flagged one: one video a draw, all flagged, it is always behind;
    all unflagged, never; unstratified, in about a third of the draws."""
    y = np.eye(2)[[0, 1, 0, 1, 0, 1]]
    groups = [np.array([0, 1]), np.array([2, 3]), np.array([4, 5])]
    recipe = y.copy()
    recipe[4:] = 1 - y[4:]
    reference = 1 - recipe
    flags = np.array([False, False, True])
    bad = posthoc.val_sized_gaps([recipe], reference, y, groups, 1,
                                 draws=50, strata=(flags, 1), observed=-1.0)
    assert (bad['mean'], bad['p_behind'], bad['p_as_low']) == (-1.0, 1.0, 1.0)
    assert bad['flagged'] == bad['flagged_groups'] == 1
    assert bad['groups'] == 3
    good = posthoc.val_sized_gaps([recipe], reference, y, groups, 1,
                                  draws=50, strata=(flags, 0))
    assert (good['mean'], good['p_behind']) == (1.0, 0.0)
    text = posthoc.val_sized_markdown(dict(good, noise_matched=bad))
    assert "cameras are noisier than train's" in text
    assert '1 of its 1 source videos are noisy' in text
    quiet = posthoc.val_sized_markdown(dict(good, noise_matched=good))
    assert "cameras are as noisy as train's" not in quiet
    assert "cameras are less noisy than train's" in quiet
    assert 'against 1 of the 3 train videos' in text
    assert "at or below val's gap in 100.0%" in text
    mixed = posthoc.val_sized_gaps([recipe], reference, y, groups, 3,
                                   draws=50, strata=(flags, 1))
    # one wrong video in every draw of three: F1 2/3 against 1/3
    assert mixed['low'] == mixed['high'] == pytest.approx(1 / 3)
    assert 'flagged' not in posthoc.val_sized_gaps(
        [recipe], reference, y, groups, 1, draws=5)
    none = np.zeros(3, bool)
    for strata, match in (((none, 1), '1 flagged videos a draw, but no'),
                          ((flags[:2], 1), '2 flags for 3 groups'),
                          ((flags, 4), '4 flagged videos of a draw of 3')):
        with pytest.raises(ValueError, match=match):
            posthoc.val_sized_gaps([recipe], reference, y, groups, 3,
                                   draws=5, strata=strata)
    with pytest.raises(ValueError, match='with replacement only'):
        posthoc.val_sized_gaps([recipe], reference, y, groups, 2, draws=5,
                               strata=(flags, 1), replace=False)


def test_noisy_videos_read_the_frames_noise_floor(tmp_path):
    """A still clip changes no pixel between frames (noise floor 0); the
    same clip with +-4 grey levels of noise in every frame changes most
    pixels by about 3. A video is noisy when most of its clips are; the
    order is that of the source videos in the annotation file, and no
    label is read."""
    from tiny_action.testing import write_video
    rng = np.random.default_rng(0)
    still = [np.full((16, 16, 3), 100, np.uint8)] * 12
    noisy = [(s.astype(int) + rng.integers(-4, 5, s.shape)).astype(np.uint8)
             for s in still]
    (tmp_path / 'lr').mkdir()
    clips = dict(a=still, b=noisy, c=noisy, d=still)
    for name, frames in clips.items():
        write_video(tmp_path / 'lr' / name, 12, 16, 16, frames=frames)
    assert proxy_folds.noise_floor(str(tmp_path / 'lr' / 'a.mkv')) == 0.0
    assert 2 < proxy_folds.noise_floor(str(tmp_path / 'lr' / 'b.mkv')) < 4
    videos = dict(a='v1', b='v2', c='v2', d='v3')
    entries = [dict(id=f'0000{i}', video_id=videos[n], path=f'{n}.mkv',
                    dim=[12, 16, 16]) for i, n in enumerate(clips)]
    (tmp_path / 'annotations.json').write_text(json.dumps(entries))
    assert proxy_folds.noisy_clips(str(tmp_path)).tolist() == [
        False, True, True, False]
    assert posthoc.noisy_videos(str(tmp_path)).tolist() == [False, True,
                                                            False]
