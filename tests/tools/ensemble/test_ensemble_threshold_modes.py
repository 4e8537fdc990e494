"""Threshold modes (global, class-size rule, per-class, shrunk), stratified
folds and the choice of the mode by cross-validated F1."""
import tiny_action  # noqa: F401  (compat shims + registration first)

import json

import numpy as np
import pytest
from ensemble_dumps import write_dump

from tiny_action.evaluation import multilabel_prf
from tiny_action.tools.demo.job import threshold_mode_report
from tiny_action.tools.ensemble import (MODES, best_offset, compare_modes,
                                        fit_thresholds, load_dump,
                                        stratified_folds, tune_thresholds)
from tiny_action.tools.ensemble.cli import ensemble_main
from tiny_action.tools.ensemble.threshold_modes import size_positions


def _macro(scores, labels, thr):
    return multilabel_prf(scores, labels, thr)['f1'].mean()


def _long_tail(seed, n=300, counts=(120, 60, 30, 12, 6, 3, 2, 1)):
    """Labels with a long tail; scores whose best threshold grows with the
    class size (as the paper describes)."""
    rng = np.random.default_rng(seed)
    c = len(counts)
    labels = np.zeros((n, c), dtype=int)
    for j, k in enumerate(counts):
        labels[rng.choice(n, k, replace=False), j] = 1
    shift = np.linspace(0.25, -0.25, c)  # big classes score higher
    scores = np.clip(rng.normal(0.3, 0.15, (n, c)) + shift +
                     0.35 * labels, 0, 1)
    return scores, labels, np.asarray(counts) * 10


@pytest.mark.parametrize('seed', range(8))
def test_best_offset_is_exact(seed):
    rng = np.random.default_rng(seed)
    n, c = rng.integers(6, 40), rng.integers(1, 6)
    labels = (rng.random((n, c)) < 0.3).astype(int)
    scores = np.round(rng.random((n, c)) * 0.7 + 0.3 * labels,
                      1 if seed % 2 else 3)  # many ties at 1 decimal
    base = rng.random(c) * 0.3 if seed % 3 else np.zeros(c)
    offset, f1 = best_offset(scores, labels, base)
    z = np.unique(scores - base)
    brute = max(_macro(scores, labels, base + t) for t in np.r_[z, z[-1] + 1])
    assert f1 == pytest.approx(brute, abs=1e-12)
    assert _macro(scores, labels, base + offset) == pytest.approx(f1,
                                                                  abs=1e-12)


def test_best_offset_without_positives_predicts_nothing():
    scores = np.random.default_rng(0).random((5, 2))
    offset, f1 = best_offset(scores, np.zeros((5, 2), int))
    assert f1 == 0 and offset > scores.max()


def test_modes_follow_their_definition():
    scores, labels, counts = _long_tail(0)
    glob = fit_thresholds('global', scores, labels, class_counts=counts)
    assert np.ptp(glob.thresholds) == 0
    assert glob.params['mode'] == 'global'

    size = fit_thresholds('size', scores, labels, class_counts=counts,
                          counts_source='train.json')
    x = size_positions(counts)
    p = size.params
    np.testing.assert_allclose(size.thresholds, np.clip(
        p['intercept'] + p['slope'] * x, 0, 1))
    assert p['slope'] > 0  # bigger class, higher threshold (the paper)
    assert (np.diff(size.thresholds) <= 0).all()  # counts decrease
    assert p['counts_source'] == 'train.json'
    # the size rule contains the global threshold (slope 0): on the split
    # it is fitted on it is at least as good
    assert _macro(scores, labels, size.thresholds) >= \
        _macro(scores, labels, glob.thresholds) - 1e-12

    per = fit_thresholds('per-class', scores, labels, class_counts=counts)
    np.testing.assert_array_equal(
        per.thresholds, tune_thresholds(scores, labels,
                                        class_counts=counts).thresholds)
    shrunk = fit_thresholds('shrunk', scores, labels, class_counts=counts,
                            shrink=10)
    w = labels.sum(0) / (labels.sum(0) + 10)
    own = np.where(labels.sum(0) > 0, per.thresholds, 0)  # min_pos 3
    tuned = labels.sum(0) >= 3
    np.testing.assert_allclose(
        shrunk.thresholds[tuned],
        (w * own + (1 - w) * size.thresholds)[tuned])
    info = shrunk.to_info([f'c{i}' for i in range(8)])
    assert info['mode'] == 'shrunk' and 'shrink' in info['formula']
    json.dumps(info)
    with pytest.raises(ValueError, match='threshold mode should be one of'):
        fit_thresholds('paper', scores, labels)
    with pytest.raises(ValueError, match='`shrink` should be > 0'):
        fit_thresholds('shrunk', scores, labels, shrink=0)


def test_stratified_folds_spread_rare_classes():
    _, labels, _ = _long_tail(1)
    part = stratified_folds(labels, 5, seed=0)
    assert np.bincount(part).min() >= 55  # about 300 / 5 each
    per_fold = np.stack([labels[part == f].sum(0) for f in range(5)])
    for j, total in enumerate(labels.sum(0)):
        # every fold holds floor(P / 5) or ceil(P / 5) of the positives
        assert per_fold[:, j].min() >= total // 5, (j, per_fold[:, j])
        assert per_fold[:, j].max() <= -(-total // 5), (j, per_fold[:, j])
    np.testing.assert_array_equal(part, stratified_folds(labels, 5, seed=0))
    with pytest.raises(ValueError, match=r'`folds` should be an int in'):
        stratified_folds(labels, 1)


def test_compare_modes_is_out_of_fold():
    scores, labels, counts = _long_tail(2)
    preds = compare_modes(scores, labels, lambda s, t: s >= t, folds=4,
                          seed=0, class_counts=counts)
    assert set(preds) == set(MODES)
    part = stratified_folds(labels, 4, seed=0)
    for mode, p in preds.items():
        fold0 = fit_thresholds(mode, scores[part != 0], labels[part != 0],
                               class_counts=counts)
        np.testing.assert_array_equal(
            p[part == 0], scores[part == 0] >= fold0.thresholds)


def _dumps(tmp_path, seed):
    scores, labels, counts = _long_tail(seed, n=200)
    names = [f'c{i}' for i in range(8)]
    (tmp_path / 'class_map.json').write_text(json.dumps(
        {c: i for i, c in enumerate(names)}))
    train = tmp_path / 'train.json'
    train.write_text(json.dumps([
        dict(id=str(i), path=f'{i}.mp4', label=[names[j]])
        for i, j in enumerate(np.repeat(np.arange(8), counts))]))
    dump = write_dump(tmp_path / 'val.npz', scores, labels)
    return str(dump), str(train), str(tmp_path / 'class_map.json')


def test_auto_chooses_the_best_cross_validated_mode(tmp_path, capsys):
    dump, train, class_map = _dumps(tmp_path, 3)
    out = tmp_path / 'out'
    assert ensemble_main([
        '--val-dumps', dump, '--class-map', class_map, '--counts-ann',
        train, '--cv-folds', '4', '--no-plots', '--out-dir', str(out)]) == 0
    text = capsys.readouterr().out
    summary = json.loads((out / 'summary.json').read_text())['val']
    cv = summary['threshold_modes']
    assert list(cv) == list(MODES)
    best = max(MODES, key=lambda m: cv[m]['f1'])
    assert summary['threshold_mode'] == best
    assert summary['threshold_mode_reason'] == 'best cross-validated F1'
    assert summary['cross_validated']['f1'] == cv[best]['f1']
    assert f'Threshold mode: {best} (best cross-validated F1)' in text
    for mode in MODES:
        assert f'  {mode:10s} {cv[mode]["f1"]:.4f}' in text
    info = json.loads((out / 'thresholds_info.json').read_text())
    assert info['mode'] == best
    # what the demo prints from it
    mode, lines = threshold_mode_report(str(out / 'summary.json'))
    assert mode == best
    assert lines == [
        'threshold modes, 4-fold cross-validated macro F1 on val (+ groups): '
        + ', '.join(f'{m} {cv[m]["f1"]:.3f}' for m in MODES),
        f'threshold mode chosen: {best} (best cross-validated F1)']
    # the same numbers from the library (4 stratified folds, seed 0)
    d = load_dump(dump)
    counts = json.loads((out / 'thresholds_info.json').read_text())[
        'class_counts']
    preds = compare_modes(d.scores, d.labels, lambda s, t: s >= t, folds=4,
                          seed=0, class_counts=counts)
    for mode in MODES:
        assert cv[mode]['f1'] == pytest.approx(
            multilabel_prf(preds[mode].astype(float), d.labels,
                           0.5)['f1'].mean())

    # a given mode is used as given; the table is still printed
    out2 = tmp_path / 'given'
    assert ensemble_main([
        '--val-dumps', dump, '--class-map', class_map, '--threshold-mode',
        'global', '--cv-folds', '4', '--no-plots', '--out-dir',
        str(out2)]) == 0
    summary = json.loads((out2 / 'summary.json').read_text())['val']
    assert summary['threshold_mode'] == 'global'
    assert list(summary['threshold_modes']) == list(MODES)
    thr = json.loads((out2 / 'thresholds.json').read_text())['thresholds']
    assert len(set(thr.values())) == 1
    with pytest.raises(SystemExit):
        ensemble_main(['--val-dumps', dump, '--class-map', class_map,
                       '--cv-folds', '0', '--out-dir', str(out2)])
    assert '--threshold-mode auto chooses by cross-validated F1' in \
        capsys.readouterr().err


def test_options_check_folds_and_mode():
    from tiny_action.tools.ensemble import EnsembleOptions
    with pytest.raises(ValueError, match=r'`cv_folds` should be 0 \(off\) '
                       'or an int >= 2'):
        EnsembleOptions(['a'], 'out', val_dumps=['v.npz'], cv_folds=1)
    with pytest.raises(ValueError, match="threshold_mode='auto' picks"):
        EnsembleOptions(['a'], 'out', val_dumps=['v.npz'], cv_folds=0)
    with pytest.raises(ValueError, match='`threshold_mode` should be one'):
        EnsembleOptions(['a'], 'out', val_dumps=['v.npz'],
                        threshold_mode='paper')
    # saved thresholds need no mode choice
    EnsembleOptions(['a'], 'out', val_dumps=['v.npz'], cv_folds=0,
                    thresholds=0.5)
