import tiny_action  # noqa: F401  (compat shims + registration first)

import json

import numpy as np
import pytest
import torch
from ensemble_dumps import CLASSES, problem

from tiny_action.tools.ensemble import (best_f1_thresholds,
                                  class_counts_from_annotation,
                                  cross_validated_predictions, f1_curve,
                                  fitted_prior_thresholds, load_thresholds,
                                  prior_thresholds, save_thresholds,
                                  tune_thresholds)
from tiny_action.evaluation import TinyActionMetric, multilabel_prf


def _brute_force_best_f1(scores, labels):
    """Max F1 over every threshold in {unique scores} + {above max}."""
    best = []
    for c in range(scores.shape[1]):
        cands = np.r_[np.unique(scores[:, c]), 2.0]
        f1 = [multilabel_prf(scores[:, [c]], labels[:, [c]], t)['f1'][0]
              for t in cands]
        best.append(max(f1))
    return np.array(best)


def _discrete_problem(seed, n=80, c=6):
    """Scores on a coarse grid (many ties), labels with a rare class."""
    rng = np.random.default_rng(seed)
    labels = (rng.random((n, c)) < 0.3).astype(int)
    labels[:, 0] = 0
    labels[:2, 0] = 1  # 2 positives
    scores = np.round(rng.random((n, c)) * 0.6 + 0.4 * labels, 1)
    return scores, labels


@pytest.mark.parametrize('seed', range(6))
def test_exact_search_matches_brute_force(seed):
    scores, labels = (_discrete_problem(seed) if seed % 2 else
                      problem(seed, n=50))
    thresholds, f1 = best_f1_thresholds(scores, labels)
    np.testing.assert_allclose(f1, _brute_force_best_f1(scores, labels))
    # the returned thresholds reproduce the reported F1 exactly
    np.testing.assert_allclose(
        multilabel_prf(scores, labels, thresholds)['f1'], f1)
    assert ((thresholds >= 0) & (thresholds <= 1)).all()


def test_best_f1_ties_and_degenerate_columns():
    scores = np.array([[0.9, 0.5, 0.3], [0.9, 0.5, 0.3], [0.2, 0.5, 0.3],
                       [0.1, 0.5, 0.3]])
    labels = np.array([[1, 1, 0], [0, 0, 0], [0, 1, 0], [0, 0, 0]])
    thresholds, f1 = best_f1_thresholds(scores, labels)
    # class 0: tied 0.9 pair must stay together (F1 = 2/3)
    assert thresholds[0] == pytest.approx(0.55) and f1[0] == pytest.approx(
        2 / 3)
    # class 1: all scores equal -> predict all
    assert thresholds[1] == 0.5 and f1[1] == pytest.approx(2 * 2 / (4 + 2))
    # class 2: no positives -> nan / 0
    assert np.isnan(thresholds[2]) and f1[2] == 0


@pytest.mark.parametrize('seed', range(8))
def test_tuned_thresholds_never_lower_f1_vs_half(seed):
    scores, labels = (_discrete_problem(seed) if seed % 2 else
                      problem(seed, n=120))
    result = tune_thresholds(scores, labels, min_positives=1)
    tuned = multilabel_prf(scores, labels, result.thresholds)['f1']
    at_half = multilabel_prf(scores, labels, 0.5)['f1']
    has_pos = labels.sum(0) > 0
    assert (tuned[has_pos] >= at_half[has_pos] - 1e-12).all()
    assert tuned.mean() >= at_half.mean() - 1e-12
    # ... and never below any other threshold of a grid either
    for t in np.linspace(0, 1, 21):
        other = multilabel_prf(scores, labels, t)['f1']
        assert (tuned[has_pos] >= other[has_pos] - 1e-12).all()
    np.testing.assert_allclose(result.tuned_f1, tuned)


def test_prior_formula():
    counts = np.array([1000, 100, 10, 1, 0])
    thr = prior_thresholds(counts, thr_low=0.2, thr_high=0.6)
    assert thr[0] == pytest.approx(0.6) and thr[-1] == pytest.approx(0.2)
    want = 0.2 + 0.4 * np.log1p(counts) / np.log1p(1000)
    np.testing.assert_allclose(thr, want)
    assert (np.diff(thr) < 0).all()  # bigger class, higher threshold
    np.testing.assert_allclose(prior_thresholds([5, 5], 0.1, 0.4), 0.4)
    with pytest.raises(ValueError, match='thr_low <= thr_high'):
        prior_thresholds(counts, thr_low=0.7, thr_high=0.5)
    with pytest.raises(ValueError, match='non-negative'):
        prior_thresholds([3, -1])


def test_rare_classes_fall_back_to_prior():
    scores, labels = _discrete_problem(3)
    result = tune_thresholds(scores, labels, min_positives=3, thr_low=0.1,
                             thr_high=0.45, prior='interp')
    assert not result.tuned[0] and result.tuned[1:].all()
    prior = prior_thresholds(labels.sum(0), 0.1, 0.45)
    assert result.thresholds[0] == pytest.approx(prior[0])
    counts = np.arange(1, 7) * 100
    result = tune_thresholds(scores, labels, class_counts=counts,
                             counts_source='train', thr_low=0.1,
                             prior='interp')
    assert result.thresholds[0] == pytest.approx(0.1)  # smallest count
    assert result.params['counts_source'] == 'train'
    info = result.to_info([f'c{i}' for i in range(6)])
    assert info['source'][0] == 'prior' and info['source'][1] == 'f1'
    json.dumps(info)
    with pytest.raises(ValueError, match='`min_positives` should be'):
        tune_thresholds(scores, labels, min_positives=0)
    with pytest.raises(ValueError, match='`prior` should be one of'):
        tune_thresholds(scores, labels, prior='paper')


def test_fitted_prior():
    counts = np.array([1000, 300, 100, 30, 2, 1])
    x = np.log1p(counts)
    tuned = np.array([True, True, True, True, False, False])
    line = 0.1 + 0.05 * x
    thr, fit = fitted_prior_thresholds(counts, line, tuned)
    assert fit['slope'] == pytest.approx(0.05)
    assert fit['intercept'] == pytest.approx(0.1)
    np.testing.assert_allclose(thr[:4], line[:4])
    # rare classes: the line, but not below the lowest tuned threshold
    np.testing.assert_allclose(thr[4:], line[3])
    noisy = line + np.array([0.01, -0.01, 0.01, -0.01, 0, 0])
    thr, fit = fitted_prior_thresholds(counts, noisy, tuned)
    assert 0.04 < fit['slope'] < 0.06
    assert (thr >= noisy[:4].min()).all() and (thr <= noisy[:4].max()).all()
    # a decreasing trend is clamped to slope 0: the mean tuned threshold
    thr, fit = fitted_prior_thresholds(counts, 0.6 - 0.05 * x, tuned)
    assert fit['slope'] == 0
    assert thr[-1] == pytest.approx((0.6 - 0.05 * x[:4]).mean())
    # no tuned class -> the interpolation
    thr, fit = fitted_prior_thresholds(counts, x, np.zeros(6, bool), 0.2, 0.5)
    np.testing.assert_allclose(thr, prior_thresholds(counts, 0.2, 0.5))
    assert fit['num_points'] == 0
    # through tune_thresholds (the default prior)
    scores, labels = _discrete_problem(3)
    result = tune_thresholds(scores, labels)
    assert result.params['prior'] == 'fit' and not result.tuned[0]
    want, _ = fitted_prior_thresholds(labels.sum(0), result.thresholds,
                                      result.tuned)
    assert result.thresholds[0] == pytest.approx(want[0])


def test_saved_thresholds_are_read_by_tiny_action_metric(tmp_path):
    scores, labels = problem(7, n=40)
    thr = tune_thresholds(scores, labels).thresholds
    path = tmp_path / 'thresholds.json'
    save_thresholds(str(path), thr, CLASSES)
    content = json.loads(path.read_text())
    assert list(content['thresholds']) == CLASSES
    np.testing.assert_array_equal(load_thresholds(str(path), CLASSES), thr)

    metric = TinyActionMetric(thresholds=str(path))
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process(None, [
        dict(pred_score=torch.from_numpy(s), gt_label=torch.from_numpy(y))
        for s, y in zip(scores, labels)
    ])
    out = metric.compute_metrics(metric.results)
    want = multilabel_prf(scores, labels, thr)['f1'].mean()
    assert out['f1'] == pytest.approx(want)

    with pytest.raises(ValueError, match='missing'):
        load_thresholds(str(path), CLASSES[:-1] + ['other'])
    assert (load_thresholds('0.3', CLASSES) == 0.3).all()
    with pytest.raises(ValueError, match=r'in \[0, 1\]'):
        save_thresholds(str(path), np.full(len(CLASSES), 1.5), CLASSES)


def test_f1_curve_and_cross_validation():
    scores, labels = problem(8, n=90)
    t, f1 = f1_curve(scores[:, 2], labels[:, 2])
    assert (np.diff(t) < 0).all()
    best, best_f1 = best_f1_thresholds(scores, labels)
    assert f1.max() == pytest.approx(best_f1[2])
    preds = cross_validated_predictions(scores, labels, lambda s, t: s >= t,
                                        folds=3, seed=1)
    assert preds.shape == scores.shape and preds.dtype == bool
    with pytest.raises(ValueError, match='`folds`'):
        cross_validated_predictions(scores, labels, lambda s, t: s >= t,
                                    folds=1)


def test_class_counts_from_annotation(tmp_path):
    ann = tmp_path / 'train.json'
    ann.write_text(json.dumps([
        dict(id='0', path='a', label=['walk', 'talk']),
        dict(id='1', path='b', label=['walk']),
        dict(id='2', path='c', label='run'),
    ]))
    counts = class_counts_from_annotation(str(ann), CLASSES)
    assert counts.tolist() == [2, 1, 0, 0, 0, 0, 0, 1]
    ann.write_text(json.dumps([dict(id='0', path='a', label=['fly'])]))
    with pytest.raises(ValueError, match="'fly'"):
        class_counts_from_annotation(str(ann), CLASSES)
