"""benchmarks/proxy_learning_curve.py: part-fit subsets of whole source
videos, the full-fit runs read from the confirmation's ledger, the table."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'benchmarks'))

import proxy_candidates  # noqa: E402
import proxy_folds  # noqa: E402
import proxy_learning_curve as curve  # noqa: E402

#: 6 videos of 4, 3, 3, 2, 1, 1 clips.
VIDEOS = ['a'] * 4 + ['b'] * 3 + ['c'] * 3 + ['d'] * 2 + ['e', 'f']
ENTRIES = [dict(id=f'{i:05d}', video_id=v, path=f'{i:05d}.mp4')
           for i, v in enumerate(VIDEOS)]


def test_video_subset_takes_whole_videos_until_the_fraction():
    fit = list(range(len(ENTRIES)))
    for seed in range(5):
        sub = curve.video_subset(ENTRIES, fit, 0.5, seed)
        videos = {ENTRIES[i]['video_id'] for i in sub}
        # whole videos only, at least half the clips, no video too many
        assert sub == sorted(i for i in fit if VIDEOS[i] in videos)
        assert len(sub) >= 7
        assert any(len(sub) - VIDEOS.count(v) < 7 for v in videos)
    assert curve.video_subset(ENTRIES, fit, 0.5, 0) == curve.video_subset(
        ENTRIES, fit, 0.5, 0)
    assert len({tuple(curve.video_subset(ENTRIES, fit, 0.5, s))
                for s in range(5)}) > 1
    assert curve.video_subset(ENTRIES, fit, 1.0, 3) == fit
    assert set(curve.video_subset(ENTRIES, [0, 1, 4, 12], 0.5, 0)) <= {
        0, 1, 4, 12}
    with pytest.raises(ValueError, match=r'fraction 0: expected a value in'):
        curve.video_subset(ENTRIES, fit, 0, 0)


def test_write_subset_keeps_the_entries_of_each_part(tmp_path):
    fit, held = curve.write_subset(ENTRIES, [0, 2], [13], str(tmp_path),
                                   'x_fold0')
    assert Path(fit).name == 'x_fold0_fit.json'
    assert json.loads(Path(fit).read_text()) == [ENTRIES[0], ENTRIES[2]]
    assert json.loads(Path(held).read_text()) == [ENTRIES[13]]
    assert curve.fit_of(5, [1, 3]) == [0, 2, 4]


def test_full_fit_recipe_reads_this_machines_runs_from_the_ledger(tmp_path):
    """The full-fit F1 of each fold and seed is the recipe's confirmation
    run computed on the given numerics (its own name, or the name it was
    trained again under there); none is a clear error."""
    name = proxy_candidates.candidate_name(proxy_candidates.SHIPPED)
    ledger = curve.RunLedger(str(tmp_path / 'ledger.json'))
    parts = [[0], [1]]
    for k in range(2):
        run = proxy_folds.seed_run(name, k, 1)[0]
        ledger.runs[run] = dict(f1=0.5 + k / 10,
                                machine='x86_64 2 cpus AVX2 numerics aaaa')
        ledger.runs[f'{name}/numerics_bbbb/seed1/fold{k}'] = dict(
            f1=0.7 + k / 10, machine='x86_64 2 cpus AVX2 numerics bbbb')
    assert curve.full_fit_recipe(ledger, parts, [1], 'aaaa') == {
        1: [0.5, 0.6]}
    assert curve.full_fit_recipe(ledger, parts, [1], 'bbbb') == {
        1: pytest.approx([0.7, 0.8])}
    with pytest.raises(RuntimeError, match='fold 0, seed 2, computed on '
                       'numerics aaaa'):
        curve.full_fit_recipe(ledger, parts, [2], 'aaaa')


def test_curve_rows_pair_the_recipe_and_the_reference_by_seed():
    part = curve.curve_row('0.5 of the videos', 58.0,
                           {0: [0.6, 0.7], 1: [0.62, 0.7]},
                           {0: [0.5, 0.6], 1: [0.6, 0.6]})
    assert part['recipe'] == pytest.approx([0.65, 0.66])
    assert part['reference'] == pytest.approx([0.55, 0.6])
    assert part['lead'] == pytest.approx(0.08)
    full = curve.curve_row('all', 115.0, {0: [0.7, 0.7], 1: [0.72, 0.7]},
                           {0: [0.7, 0.7], 1: [0.66, 0.66]})
    text = curve.curve_markdown([part, full], 'aaaa', 1234.4)
    assert ('| 0.5 of the videos: 58 | 0.650 / 0.660 | 0.655 ± 0.007 |'
            in text)
    assert 'the recipe gains +0.050 and the reference +0.105' in text
    assert 'the recipe gains -0.055 ± 0.045 more (paired by seed' in text
    assert 'numerics `aaaa`' in text and '1234 s' in text
    assert np.isfinite(part['lead_p'])
    # with a middle row the gains still run from the smallest to all
    middle = curve.curve_row('0.75 of the videos', 87.0,
                             {0: [0.9, 0.9], 1: [0.9, 0.9]},
                             {0: [0.1, 0.1], 1: [0.1, 0.1]})
    three = curve.curve_markdown([part, middle, full], 'aaaa', 0.0)
    assert '| 0.75 of the videos: 87 | 0.900 / 0.900 |' in three
    assert 'From 58 to 115 fit clips the recipe gains +0.050' in three


def test_reference_on_parts_fits_each_fold_on_all_other_clips(monkeypatch):
    calls = []

    def fake_reference(x, y, fit, held, seed):
        calls.append((list(fit), list(held), seed))
        return len(held) + seed / 10

    monkeypatch.setattr(curve, 'reference_f1', fake_reference)
    y = np.zeros((5, 2))
    out = curve.reference_on_parts(None, y, [[0, 3], [1], [2, 4]], [0, 2])
    assert out == {0: [2.0, 1.0, 2.0], 2: [2.2, 1.2, 2.2]}
    assert calls[:3] == [([1, 2, 4], [0, 3], 0), ([0, 2, 3, 4], [1], 0),
                         ([0, 1, 3], [2, 4], 0)]
    assert [c[2] for c in calls[3:]] == [2, 2, 2]
