"""benchmarks/proxy_partitions.py and proxy_folds.shuffled_folds: other
partitions of whole source videos, the recipe and the reference on the same
fit clips of each, the summary of the leads, the table."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'benchmarks'))

import proxy_folds  # noqa: E402
import proxy_partitions as partitions  # noqa: E402

#: 9 videos of 5, 4, 3, 3, 2, 2, 1, 1, 1 clips, interleaved.
VIDEOS = (['a'] * 5 + ['b'] * 4 + ['c'] * 3 + ['d'] * 3 + ['e'] * 2
          + ['f'] * 2 + ['g', 'h', 'i'])
ENTRIES = [dict(id=f'{i:05d}', video_id=v, path=f'{i:05d}.mp4')
           for i, v in enumerate(VIDEOS[::2] + VIDEOS[1::2])]


def _videos(part):
    return {ENTRIES[i]['video_id'] for i in part}


def test_shuffled_folds_are_other_partitions_of_whole_videos():
    seen = set()
    for seed in range(6):
        parts = proxy_folds.shuffled_folds(ENTRIES, seed)
        assert len(parts) == 3
        assert sorted(sum(parts, [])) == list(range(len(ENTRIES)))
        # whole videos: a video's clips all in one fold, no video in two
        for p in parts:
            assert p == sorted(i for i, e in enumerate(ENTRIES)
                               if e['video_id'] in _videos(p))
        assert sum(len(_videos(p)) for p in parts) == 9
        # the greedy fill keeps the folds within one largest video
        sizes = [len(p) for p in parts]
        assert max(sizes) - min(sizes) <= 5
        assert parts == proxy_folds.shuffled_folds(ENTRIES, seed)
        seen.add(tuple(tuple(p) for p in parts))
    assert len(seen) > 2
    rows = [dict(e) for e in ENTRIES]
    rows[7]['video_id'] = None
    with pytest.raises(ValueError, match=r"train.json: entry 7 .*'00007'"):
        proxy_folds.shuffled_folds(rows, 0, source='train.json')


def test_group_folds_still_fill_the_largest_videos_first():
    parts = proxy_folds.group_folds(ENTRIES)
    # largest first, each into the smallest fold (lowest index on ties):
    # a b c -> 0 1 2 (5 4 3), d -> 2 (6), e -> 1 (6), f -> 0 (7),
    # g -> 1 (7), h -> 2 (7), i -> 0 (8)
    assert [sorted(_videos(p)) for p in parts] == [
        ['a', 'f', 'i'], ['b', 'e', 'g'], ['c', 'd', 'h']]


def test_partition_row_trains_and_fits_on_the_same_clips(tmp_path,
                                                         monkeypatch):
    """Each fold and seed: the recipe trains on the fold's fit file and is
    scored on its held file, the reference is fitted on the same fit clips;
    the row pairs them by seed."""
    trained = []

    def fake_recipe(runs, files, run, seed):
        fit, held = (json.loads(Path(f).read_text()) for f in files)
        trained.append((run, seed, [e['id'] for e in fit],
                        [e['id'] for e in held]))
        return dict(f1=0.5 + 0.01 * len(held) + 0.1 * seed, cpu=2.0)

    fitted = []

    def fake_reference(x, y, fit, held, seed):
        fitted.append((list(fit), list(held), seed))
        return 0.6

    monkeypatch.setattr(partitions, 'recipe_on_subset', fake_recipe)
    monkeypatch.setattr(partitions, 'reference_f1', fake_reference)
    runs = type('Runs', (), dict(work_dir=str(tmp_path)))()
    y = np.zeros((len(ENTRIES), 2))
    row = partitions.partition_row(runs, ENTRIES, 4, None, y, [0, 1])
    parts = proxy_folds.shuffled_folds(ENTRIES, 4)
    assert row['held'] == [len(p) for p in parts]
    assert row['partition'] == 4 and row['cpu'] == 12.0
    assert len(trained) == len(fitted) == 6
    for (run, seed, fit_ids, held_ids), (fit, held, ref_seed) in zip(
            trained, fitted):
        k = int(run[-1])
        assert run.endswith(f'_part4/seed{seed}/fold{k}') and seed == ref_seed
        assert held == parts[k] and held_ids == [ENTRIES[i]['id']
                                                 for i in held]
        assert fit == [i for i in range(len(ENTRIES)) if i not in held]
        assert fit_ids == [ENTRIES[i]['id'] for i in fit]
    mean_held = np.mean([len(p) for p in parts])
    assert row['recipe'] == pytest.approx([0.5 + 0.01 * mean_held,
                                           0.6 + 0.01 * mean_held])
    assert row['reference'] == pytest.approx([0.6, 0.6])
    assert row['lead'] == pytest.approx(0.01 * mean_held - 0.05)


def _row(partition, recipe, reference, held=(5, 5, 4)):
    row = partitions.curve_row(
        'x' if partition is None else f'partition {partition}', 9.0,
        {s: [v] for s, v in enumerate(recipe)},
        {s: [v] for s, v in enumerate(reference)})
    return dict(row, partition=partition, held=list(held))


def test_lead_summary_weighs_one_lead_a_partition():
    rows = [_row(None, [0.8, 0.8, 0.8], [0.7, 0.7, 0.7]),
            _row(0, [0.7, 0.72, 0.74], [0.7, 0.7, 0.7]),
            _row(1, [0.7, 0.7, 0.7], [0.66, 0.66, 0.66])]
    summary = partitions.lead_summary(rows)
    assert summary['leads'] == pytest.approx([0.02, 0.04])
    assert summary['lead'] == pytest.approx(0.03)
    assert summary['lead_se'] == pytest.approx(0.01)
    assert 0.1 < summary['lead_p'] < 0.5  # t = 3 with one degree of freedom
    assert summary['selection_minus_new'] == pytest.approx(0.07)
    text = partitions.partitions_markdown(rows, summary, 'aaaa', 99.6)
    assert ('| partition 0 | 5 / 5 / 4 | 0.700 / 0.720 / 0.740 | '
            '0.720 ± 0.020 | 0.700 / 0.700 / 0.700 | 0.700 ± 0.000 | '
            '+0.020 ± 0.012 (p = 0.23) |') in text
    assert ('Over the 2 new partitions the recipe leads by +0.030 ± 0.010 '
            '(one lead a partition, p = 0.20); on the selection\'s '
            'partition it leads by +0.100 (+0.070 against the new '
            'partitions\' mean).') in text
    assert 'numerics `aaaa`' in text and '100 s' in text
    one = partitions.lead_summary(rows[:2])
    assert 'leads by +0.020; on the' in partitions.partitions_markdown(
        rows[:2], one, 'aaaa', 0.0)


def test_report_rewrites_the_table_from_the_json(tmp_path):
    rows = [_row(None, [0.8, 0.8, 0.8], [0.7, 0.7, 0.7]),
            _row(0, [0.7, 0.72, 0.74], [0.7, 0.7, 0.7])]
    summary = partitions.lead_summary(rows)
    path = tmp_path / 'proxy_partitions.json'
    path.write_text(json.dumps(dict(
        rows=rows, summary=summary, cpu_seconds=12.0,
        machine='x86_64 2 cpus AVX512 numerics 3cf7560a')))
    assert partitions.report_from_json(str(path)) == (
        partitions.partitions_markdown(rows, summary, '3cf7560a', 12.0))
    path.write_text(json.dumps(dict(rows=rows, summary=summary)))
    with pytest.raises(ValueError, match=r"missing \['machine', "
                       r"'cpu_seconds'\]"):
        partitions.report_from_json(str(path))
    with pytest.raises(FileNotFoundError, match='without --report first'):
        partitions.report_from_json(str(tmp_path / 'none.json'))
