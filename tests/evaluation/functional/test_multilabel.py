"""Multi-label P / R / F1 and AP in numpy, checked against scikit-learn
and mmaction."""
import math
import warnings

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from tiny_action.evaluation import (average_precision, binarize, macro_prf,
                                    mean_average_precision, mean_of_defined,
                                    multilabel_prf)
from tiny_action.testing import random_multilabel, sklearn_prf

CLASSES = ['walking', 'running', 'sitting', 'waving', 'jumping', 'standing']


@pytest.mark.parametrize('seed', range(5))
@pytest.mark.parametrize('per_class', [False, True])
def test_agrees_withsklearn_prf(seed, per_class):
    scores, labels = random_multilabel(seed)
    thresholds = (np.random.default_rng(seed).uniform(0.2, 0.8, len(CLASSES))
                  if per_class else 0.5)
    ours = multilabel_prf(scores, labels, thresholds)
    ref = sklearn_prf(scores, labels, thresholds, average=None)
    for key in ('f1', 'precision', 'recall'):
        np.testing.assert_allclose(ours[key], ref[key])
    np.testing.assert_array_equal(ours['support'], labels.sum(axis=0))
    macro = macro_prf(scores, labels, thresholds)
    ref = sklearn_prf(scores, labels, thresholds, average='macro')
    for key in ('f1', 'precision', 'recall'):
        assert math.isclose(macro[key], ref[key], abs_tol=1e-12)


def test_zero_division_counts_as_zero():
    scores, labels = random_multilabel(0)
    per_class = multilabel_prf(scores, labels, 0.5)
    # no positives, no predictions: everything 0, and it counts in the mean
    assert per_class['precision'][0] == per_class['recall'][0] == 0
    assert per_class['f1'][0] == 0
    assert per_class['fp'][1] > 0 and per_class['f1'][1] == 0
    assert per_class['recall'][2] == 0 and per_class['precision'][2] == 0
    assert math.isclose(
        macro_prf(scores, labels)['f1'], per_class['f1'].sum() / len(CLASSES))


@pytest.mark.parametrize('seed', range(3))
def test_average_precision_agrees_withsklearn_prf(seed):
    scores, labels = random_multilabel(seed)
    scores = np.round(scores, 1)  # many ties
    ap = average_precision(scores, labels)
    assert np.isnan(ap[0]) and np.isnan(ap[1])
    for c in range(2, len(CLASSES)):
        assert math.isclose(
            ap[c], average_precision_score(labels[:, c], scores[:, c]))
    assert math.isclose(
        mean_average_precision(scores, labels), float(np.mean(ap[2:])))
    with warnings.catch_warnings():
        warnings.simplefilter('error', RuntimeWarning)
        assert math.isnan(
            mean_average_precision(scores, np.zeros_like(labels)))


def test_binarize_is_inclusive():
    np.testing.assert_array_equal(
        binarize(np.array([[0.5, 0.49, 0.7]]), np.array([0.5, 0.5, 0.8])),
        [[True, False, False]])


def test_function_input_errors():
    scores, labels = random_multilabel(0)
    with pytest.raises(ValueError, match=r'shape \(N, C\)'):
        multilabel_prf(scores, labels[:, :3])
    with pytest.raises(ValueError, match='multi-hot'):
        multilabel_prf(scores, labels * 2)
    with pytest.raises(ValueError, match='NaN or inf'):
        multilabel_prf(np.full_like(scores, np.nan), labels)
    with pytest.raises(ValueError, match='one value per class'):
        multilabel_prf(scores, labels, np.full(3, 0.5))


@pytest.mark.parametrize('seed', range(3))
def test_mean_average_precision_is_mmactions(seed):
    from mmaction.evaluation.functional import \
        mean_average_precision as mmaction_map
    scores, labels = random_multilabel(seed)
    scores = np.round(scores, 1)  # many ties
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)  # no-positive classes
        ref = mmaction_map(list(scores), list(labels))
    assert math.isclose(mean_average_precision(scores, labels), ref)


def test_mean_of_defined():
    assert mean_of_defined(np.array([1.0, np.nan, 3.0])) == 2.0
    with warnings.catch_warnings():
        warnings.simplefilter('error', RuntimeWarning)
        assert math.isnan(mean_of_defined(np.array([np.nan, np.nan])))
        assert math.isnan(mean_of_defined(np.array([])))
