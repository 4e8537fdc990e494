import tiny_action  # noqa: F401  (compat shims + registration first)

import json
import math
import warnings

import numpy as np
import pytest
import torch
from mmaction.registry import METRICS
from mmengine.logging import MMLogger
from sklearn.metrics import (average_precision_score, f1_score,
                             precision_score, recall_score)

from tiny_action.evaluation.metrics import (average_precision, binarize,
                                            macro_prf, mean_average_precision,
                                            multilabel_prf, parse_thresholds,
                                            resolve_thresholds)

CLASSES = ['walking', 'running', 'sitting', 'waving', 'jumping', 'standing']


def _random_data(seed, n=40, c=len(CLASSES)):
    """Random scores/labels with the awkward classes sklearn must agree on:
    class 0 no positives and never predicted, class 1 no positives but
    predicted, class 2 positives but never predicted."""
    rng = np.random.default_rng(seed)
    scores = rng.random((n, c))
    labels = (rng.random((n, c)) < 0.3).astype(np.int64)
    labels[:, 0] = 0
    scores[:, 0] = rng.random(n) * 0.4
    labels[:, 1] = 0
    labels[0, 2] = 1
    scores[:, 2] = rng.random(n) * 0.4
    return scores, labels


def _sklearn(scores, labels, thresholds, average):
    preds = (scores >= thresholds).astype(np.int64)
    kwargs = dict(average=average, zero_division=0)
    return dict(
        f1=f1_score(labels, preds, **kwargs),
        precision=precision_score(labels, preds, **kwargs),
        recall=recall_score(labels, preds, **kwargs))


@pytest.mark.parametrize('seed', range(5))
@pytest.mark.parametrize('per_class', [False, True])
def test_agrees_with_sklearn(seed, per_class):
    scores, labels = _random_data(seed)
    thresholds = (np.random.default_rng(seed).uniform(0.2, 0.8, len(CLASSES))
                  if per_class else 0.5)
    ours = multilabel_prf(scores, labels, thresholds)
    ref = _sklearn(scores, labels, thresholds, average=None)
    for key in ('f1', 'precision', 'recall'):
        np.testing.assert_allclose(ours[key], ref[key])
    np.testing.assert_array_equal(ours['support'], labels.sum(axis=0))
    macro = macro_prf(scores, labels, thresholds)
    ref = _sklearn(scores, labels, thresholds, average='macro')
    for key in ('f1', 'precision', 'recall'):
        assert math.isclose(macro[key], ref[key], abs_tol=1e-12)


def test_zero_division_counts_as_zero():
    scores, labels = _random_data(0)
    per_class = multilabel_prf(scores, labels, 0.5)
    # no positives, no predictions: everything 0, and it counts in the mean
    assert per_class['precision'][0] == per_class['recall'][0] == 0
    assert per_class['f1'][0] == 0
    assert per_class['fp'][1] > 0 and per_class['f1'][1] == 0
    assert per_class['recall'][2] == 0 and per_class['precision'][2] == 0
    assert math.isclose(
        macro_prf(scores, labels)['f1'], per_class['f1'].sum() / len(CLASSES))


@pytest.mark.parametrize('seed', range(3))
def test_average_precision_agrees_with_sklearn(seed):
    scores, labels = _random_data(seed)
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
    scores, labels = _random_data(0)
    with pytest.raises(ValueError, match=r'shape \(N, C\)'):
        multilabel_prf(scores, labels[:, :3])
    with pytest.raises(ValueError, match='multi-hot'):
        multilabel_prf(scores, labels * 2)
    with pytest.raises(ValueError, match='NaN or inf'):
        multilabel_prf(np.full_like(scores, np.nan), labels)
    with pytest.raises(ValueError, match='one value per class'):
        multilabel_prf(scores, labels, np.full(3, 0.5))


def _samples(scores, labels):
    return [
        dict(pred_score=torch.tensor(s, dtype=torch.float32),
             gt_label=torch.tensor(lab, dtype=torch.float32))
        for s, lab in zip(scores, labels)
    ]


def _evaluate(metric, scores, labels, classes=CLASSES):
    metric.dataset_meta = dict(classes=classes)
    samples = _samples(scores, labels)
    metric.process({}, samples[:10])
    metric.process({}, samples[10:])
    return metric.evaluate(len(samples))


def test_metric_end_to_end_and_table(tmp_path):
    log_file = tmp_path / 'metric.log'
    MMLogger.get_instance(
        'test_tiny_action_metric', log_file=str(log_file), log_level='INFO')
    scores, labels = _random_data(1)
    scores32 = scores.astype(np.float32).astype(np.float64)  # as stored
    thresholds = [0.3, 0.4, 0.5, 0.6, 0.5, 0.45]
    metric = METRICS.build(
        dict(type='TinyActionMetric', thresholds=thresholds))
    result = _evaluate(metric, scores, labels)
    assert list(result) == ['f1', 'precision', 'recall', 'mAP']
    ref = _sklearn(scores32, labels, np.array(thresholds), average='macro')
    for key in ('f1', 'precision', 'recall'):
        assert math.isclose(result[key], ref[key], abs_tol=1e-12)
    assert math.isclose(result['mAP'],
                        mean_average_precision(scores32, labels))
    assert metric.results == []  # BaseMetric.evaluate clears them

    text = log_file.read_text()
    header = next(line for line in text.splitlines()
                  if line.startswith('class ')).split()
    assert header == [
        'class', 'support', 'precision', 'recall', 'f1', 'threshold', 'AP'
    ]
    waving = next(line for line in text.splitlines()
                  if line.startswith('waving')).split()
    assert waving[1] == str(labels[:, 3].sum()) and waving[5] == '0.6000'
    assert any(line.startswith('macro') for line in text.splitlines())


def test_prefix():
    scores, labels = _random_data(2)
    metric = METRICS.build(dict(type='TinyActionMetric', prefix='tiny'))
    assert set(_evaluate(metric, scores, labels)) == {
        'tiny/f1', 'tiny/precision', 'tiny/recall', 'tiny/mAP'
    }


THRESHOLDS = [0.3, 0.4, 0.5, 0.6, 0.5, 0.45]


@pytest.mark.parametrize('form', [
    'list', 'dict', 'json_key', 'json_list', 'json_names', 'txt', 'tuple'
])
def test_threshold_forms(form, tmp_path):
    named = dict(zip(CLASSES, THRESHOLDS))
    if form == 'list':
        spec = THRESHOLDS
    elif form == 'tuple':
        spec = tuple(THRESHOLDS)
    elif form == 'dict':
        spec = dict(reversed(list(named.items())))  # order must not matter
    elif form == 'txt':
        spec = tmp_path / 'thr.txt'
        spec.write_text('# one per class\n' +
                        '\n'.join(map(str, THRESHOLDS)) + '\n\n')
    else:
        content = dict(
            json_key={'thresholds': THRESHOLDS},
            json_list=THRESHOLDS,
            json_names=named)[form]
        spec = tmp_path / 'thr.json'
        spec.write_text(json.dumps(content))
    spec = str(spec) if not isinstance(spec, (list, tuple, dict)) else spec
    parsed = parse_thresholds(spec)
    np.testing.assert_allclose(
        resolve_thresholds(parsed, len(CLASSES), CLASSES), THRESHOLDS)

    scores, labels = _random_data(3)
    metric = METRICS.build(dict(type='TinyActionMetric', thresholds=spec))
    result = _evaluate(metric, scores, labels)
    scores32 = scores.astype(np.float32).astype(np.float64)
    expected = macro_prf(scores32, labels, np.array(THRESHOLDS))
    assert math.isclose(result['f1'], expected['f1'])


@pytest.mark.parametrize('spec,match', [
    (-0.1, r'numbers in \[0, 1\]'),
    (1.5, r'numbers in \[0, 1\]'),
    (True, 'should be a number'),
    ([0.5, 'x'], 'list of numbers'),
    ([[0.5]], 'flat list'),
    ([], r'numbers in \[0, 1\]'),
    (dict(walking='high'), 'map class names to numbers'),
    ('/nonexistent/thr.json', 'does not exist'),
])
def test_bad_thresholds_fail_at_build(spec, match):
    with pytest.raises(ValueError, match=match):
        METRICS.build(dict(type='TinyActionMetric', thresholds=spec))


def test_bad_threshold_files(tmp_path):
    bad_json = tmp_path / 'bad.json'
    bad_json.write_text('{"thresholds": [0.5,')
    with pytest.raises(ValueError, match='not valid JSON'):
        parse_thresholds(str(bad_json))
    bad_txt = tmp_path / 'bad.txt'
    bad_txt.write_text('0.5\nhigh\n')
    with pytest.raises(ValueError, match='one float per line'):
        parse_thresholds(str(bad_txt))


def test_thresholds_must_match_classes():
    scores, labels = _random_data(0)
    with pytest.raises(ValueError, match='got 3 thresholds for 6 classes'):
        _evaluate(
            METRICS.build(
                dict(type='TinyActionMetric', thresholds=[0.5] * 3)), scores,
            labels)
    names = dict(zip(CLASSES[:-1] + ['flying'], THRESHOLDS))
    match = r"1 missing \['standing'\] and 1 unknown \['flying'\]"
    with pytest.raises(ValueError, match=match):
        _evaluate(
            METRICS.build(dict(type='TinyActionMetric', thresholds=names)),
            scores, labels)
    with pytest.raises(ValueError, match='no `classes`'):
        resolve_thresholds(parse_thresholds(names), 6, None)
    with pytest.raises(ValueError, match="'classes'\\] has 5 names"):
        _evaluate(METRICS.build(dict(type='TinyActionMetric')), scores,
                  labels, CLASSES[:5])


def test_process_shape_errors():
    metric = METRICS.build(dict(type='TinyActionMetric'))
    with pytest.raises(ValueError, match='same shape'):
        metric.process({}, [
            dict(pred_score=torch.rand(6), gt_label=torch.tensor([2]))
        ])
    with pytest.raises(ValueError, match='same shape'):
        metric.process({}, [
            dict(pred_score=torch.rand(6), gt_label=torch.zeros(5))
        ])
    with pytest.raises(ValueError, match='got a dict'):
        metric.process({}, [
            dict(pred_score=dict(rgb=torch.rand(6)), gt_label=torch.zeros(6))
        ])
