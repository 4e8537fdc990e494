import tiny_action  # noqa: F401  (compat shims + registration first)

import json
import math

import numpy as np
import pytest
import torch
from mmaction.registry import METRICS
from mmengine.logging import MMLogger

from tiny_action.evaluation import (TinyActionMetric, macro_prf,
                                    mean_average_precision, parse_thresholds,
                                    resolve_thresholds)
from tiny_action.testing import random_multilabel, sklearn_prf

CLASSES = ['walking', 'running', 'sitting', 'waving', 'jumping', 'standing']


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
    scores, labels = random_multilabel(1)
    scores32 = scores.astype(np.float32).astype(np.float64)  # as stored
    thresholds = [0.3, 0.4, 0.5, 0.6, 0.5, 0.45]
    metric = METRICS.build(
        dict(type='TinyActionMetric', thresholds=thresholds))
    result = _evaluate(metric, scores, labels)
    assert list(result) == ['f1', 'precision', 'recall', 'mAP']
    ref = sklearn_prf(scores32, labels, np.array(thresholds), average='macro')
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
    scores, labels = random_multilabel(2)
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

    scores, labels = random_multilabel(3)
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


def test_thresholds_must_match_classes():
    scores, labels = random_multilabel(0)
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


def test_unlabeled_split_reports_no_scores_and_says_why(tmp_path):
    """An unlabeled split (all-zero label vectors, as TinyVIRATDataset gives
    the challenge test split) gets a warning, not F1 0.0 and mAP nan."""
    log_file = tmp_path / 'unlabeled.log'
    MMLogger.get_instance('test_unlabeled_split', log_file=str(log_file),
                          log_level='INFO')
    scores, labels = random_multilabel(4)
    metric = METRICS.build(dict(type='TinyActionMetric', prefix='tiny'))
    result = _evaluate(metric, scores, np.zeros_like(labels))
    assert result == {}
    text = log_file.read_text()
    assert 'WARNING' in text
    assert 'none of the 40 samples has a label' in text
    assert 'no metric is reported' in text and '--dump' in text
    assert 'per-class results' not in text
    # one positive anywhere: scored as usual, no such warning
    labels = np.zeros_like(labels)
    labels[3, 2] = 1
    result = _evaluate(metric, scores, labels)
    assert set(result) == {'tiny/f1', 'tiny/precision', 'tiny/recall',
                           'tiny/mAP'}
    assert log_file.read_text().count('has a label') == 1


def test_package_exports():
    import tiny_action.evaluation as evaluation
    import tiny_action.evaluation.functional as functional
    import tiny_action.evaluation.metrics as metrics
    assert metrics.__all__ == [
        'IDENTITY_KEYS', 'NumpyDumpResults', 'SRQualityMetric',
        'TinyActionMetric', 'video_psnr_ssim']
    assert set(evaluation.__all__) == set(functional.__all__) | set(
        metrics.__all__)
    for name in evaluation.__all__:
        assert getattr(evaluation, name) is (
            getattr(metrics, name, None) or getattr(functional, name))
    assert evaluation.TinyActionMetric is TinyActionMetric
