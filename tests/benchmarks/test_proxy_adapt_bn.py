"""benchmarks/proxy_adapt_bn.py: each fold run tested as trained and with
TestTimeBNHook on its held-out clips, the plain test checked against the
training's own validation, the paired decision and its table."""
import json
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'benchmarks'))

import proxy_adapt_bn as abn  # noqa: E402
import proxy_folds  # noqa: E402

ENTRIES = [dict(id=f'{i:05d}', video_id='abcdefghi'[i % 9],
                path=f'{i:05d}.mp4', label=['fight'])
           for i in range(18)]


def _dump(path: Path, ids, scores, labels):
    """A ``tools/test.py --dump`` of binary multi-label results."""
    results = [dict(pred_score=np.asarray(s, np.float32),
                    gt_label=np.asarray(l, np.float32), id=i)
               for i, s, l in zip(ids, scores, labels)]
    path.write_bytes(pickle.dumps(results))
    return str(path)


def test_dump_f1_checks_the_clips(tmp_path):
    ids = ['a', 'b', 'c', 'd']
    labels = [[1, 0], [1, 0], [0, 1], [0, 1]]
    dump = _dump(tmp_path / 'd.pkl', ids,
                 [[0.9, 0.1], [0.2, 0.8], [0.1, 0.9], [0.3, 0.7]], labels)
    # fight: 1 of 1 predicted right, 1 of 2 found: F1 2/3; no_fight: 2 of
    # 3 predicted right, 2 of 2 found: F1 0.8
    assert abn.dump_f1(dump, ids) == pytest.approx((2 / 3 + 0.8) / 2)
    assert abn.dump_f1(dump) == abn.dump_f1(dump, ids)
    with pytest.raises(RuntimeError, match="not the held-out clips"):
        abn.dump_f1(dump, ['a', 'b', 'd', 'c'])


def test_adapted_config_derives_with_the_hook(tmp_path):
    base = tmp_path / 'fold.py'
    base.write_text("a = 1\ncustom_hooks = []\n")
    from mmengine.config import Config
    cfg = Config.fromfile(abn.adapted_config(str(base)))
    assert cfg.a == 1
    assert cfg.custom_hooks == [dict(type='TestTimeBNHook')]
    other = abn.adapted_config(str(base), str(tmp_path / 'x_tbn.py'))
    assert other.endswith('x_tbn.py')


def test_partition_pairs_test_every_fold_twice(tmp_path, monkeypatch):
    """Each fold and seed: the run trained on the fold's files, tested as
    trained and adapted from its last checkpoint on its held-out ids; a
    plain test that disagrees with the training's validation is an
    error."""
    tested, logged = [], {}

    def fake_recipe(runs, files, run, seed):
        fit, held = (json.loads(Path(f).read_text()) for f in files)
        logged[run] = 0.5 + 0.01 * len(held)
        return dict(f1=logged[run], cpu=1.0)

    class Runs:
        work_dir = str(tmp_path)

        def test(self, name, config, ckpt):
            tested.append((name, Path(config).name, ckpt))
            return name

    monkeypatch.setattr(abn, 'recipe_on_subset', fake_recipe)
    monkeypatch.setattr(abn, 'last_checkpoint', lambda d: d + '/epoch_80.pth')
    monkeypatch.setattr(abn, 'adapted_config', lambda c: c[:-3] + '_tbn.py')
    held_of = {}

    def fake_f1(name, held_ids):
        run = name.rsplit('_', 1)[0]
        held_of[name] = held_ids
        key = next(k for k in logged if k.replace('/', '_') == run)
        return logged[key] + (0.02 if '_tbn-' in name else 0.0)

    monkeypatch.setattr(abn, 'dump_f1', fake_f1)
    pairs = abn.partition_pairs(Runs(), ENTRIES, 1, [0, 2])
    parts = proxy_folds.shuffled_folds(ENTRIES, 1)
    assert sorted(pairs) == [0, 2] and all(len(v) == 3 for v in
                                           pairs.values())
    assert len(tested) == 12
    for name, config, ckpt in tested:
        k = int(name.split('fold')[1][0])
        assert held_of[name] == [ENTRIES[i]['id'] for i in parts[k]]
        assert ckpt.endswith(f'/fold{k}/epoch_80.pth')
        assert config.endswith('_tbn.py') == (abn.adapted_tag() in name)
    for folds in pairs.values():
        for f in folds:
            assert f['adapted'] == pytest.approx(f['plain'] + 0.02)
            assert f['plain'] == f['logged']
            assert [t.rsplit('_', 1)[1] for t in f['tests']] == [
                'plain', abn.adapted_tag()]
    monkeypatch.setattr(abn, 'dump_f1', lambda name, ids: 0.1)
    with pytest.raises(RuntimeError, match='the training logged'):
        abn.partition_pairs(Runs(), ENTRIES, 1, [0])


def test_adapted_dumps_are_named_after_the_hook_source(tmp_path,
                                                       monkeypatch):
    assert Path(abn.HOOK_SOURCE).is_file()
    hook = tmp_path / 'hook.py'
    hook.write_text('a = 1\n')
    monkeypatch.setattr(abn, 'HOOK_SOURCE', str(hook))
    first = abn.adapted_tag()
    assert first.startswith('tbn-') and len(first) == 12
    hook.write_text('a = 2\n')
    assert abn.adapted_tag() != first


def _pairs():
    def fold(p, a):
        return dict(plain=p, adapted=a, logged=p, tests=['x', 'y'])
    return {0: {0: [fold(0.7, 0.68), fold(0.8, 0.77)],
                1: [fold(0.6, 0.58), fold(0.7, 0.69)],
                2: [fold(0.7, 0.67), fold(0.7, 0.7)]},
            1: {0: [fold(0.7, 0.75), fold(0.7, 0.7)],
                1: [fold(0.6, 0.6), fold(0.6, 0.62)],
                2: [fold(0.7, 0.7), fold(0.7, 0.71)]}}


def test_summary_pairs_partitions_and_seeds():
    summary = abn.summarize(_pairs())
    p0 = summary['partitions'][0]
    assert p0['with_means'] == pytest.approx([0.725, 0.635, 0.685])
    assert p0['change'] == pytest.approx(-0.055 / 3)
    assert (p0['runs_up'], p0['runs_down']) == (0, 5)
    overall = summary['overall']
    assert len(overall['with_means']) == 6
    diffs = [-0.025, -0.015, -0.015, 0.025, 0.01, 0.005]
    assert overall['change'] == pytest.approx(np.mean(diffs))
    assert overall['se'] == pytest.approx(np.std(diffs, ddof=1) / 6 ** 0.5)


def test_report_rewrites_the_table_from_the_json(tmp_path, monkeypatch):
    pairs = _pairs()
    result = dict(pairs=pairs, summary=abn.summarize(pairs), tests=24,
                  tests_untimed=2, test_cpu=123.4, alpha=0.05,
                  machine='m numerics abcd',
                  val={0: dict(plain=0.70, adapted=0.60, train_cpu=600.0),
                       1: dict(plain=0.66, adapted=0.64, train_cpu=610.0),
                       2: dict(plain=0.68, adapted=0.69, train_cpu=None)},
                  val_table=dict(recipe=[0.704, 0.725, 0.653],
                                 reference=0.748))
    result = json.loads(json.dumps(result))
    text = abn.markdown(result)
    assert ('| shuffled 0 | 0.750 / 0.650 / 0.700 | 0.725 / 0.635 / 0.685 '
            '| -0.018 ± 0.003 | 0 / 5 | hurts (p = 0.03) |') in text
    assert '| **all 6 (partition, seed)** | 0.683 | 0.681 |' in text
    assert '| as trained (this run) | 0.700 / 0.660 / 0.680 | ' \
        '0.680 ± 0.020 |' in text
    assert '| with TestTimeBNHook | 0.600 / 0.640 / 0.690 |' in text
    assert '| reference baseline (committed val table) | | 0.748 |' in text
    assert ('The 3 trainings took 1210 CPU s (1 of them not timed here).'
            in text)
    assert ('24 tests, 123 CPU s of tools/test.py (2 of them not timed '
            'here), m numerics abcd.') in text
    assert '(2 shuffled partitions of the train videos into folds, seeds ' \
        '0, 1, 2: 12 trainings)' in text
    assert 'alpha 0.05). Val was not used.' in text
    out = tmp_path / 'results'
    out.mkdir()
    (out / 'proxy_adapt_bn.json').write_text(json.dumps(result))
    monkeypatch.setattr(sys, 'argv', ['proxy_adapt_bn.py', '--report',
                                      '--out', str(out)])
    abn.main()
    assert (out / 'proxy_adapt_bn.md').read_text() == text
    del result['val']
    assert '## On val' not in abn.markdown(result)
