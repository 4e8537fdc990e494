import tiny_action  # noqa: F401  (compat shims + registration first)

import numpy as np
import pytest
import torch
from mmaction.registry import METRICS
from mmaction.structures import ActionDataSample
from mmengine.evaluator import DumpResults, Evaluator

from tiny_action.evaluation import NumpyDumpResults


def _samples(n: int = 5, c: int = 4, with_label: bool = True):
    out = []
    for i in range(n):
        ds = ActionDataSample()
        if with_label:
            ds.set_gt_label(torch.tensor([float(i % 2)] * c))
        ds.set_pred_score(torch.linspace(0, 1, c) * (i + 1) / n)
        ds.set_metainfo(dict(id=f'{i:05d}', sample_idx=i,
                             video_id=None if i == 3 else f'v{i}',
                             img_shape=(8, 8)))
        out.append(ds)
    return out


def test_evaluator_writes_plain_arrays(tmp_path):
    path = tmp_path / 'sub' / 'scores.npz'
    metric = METRICS.build(dict(type='NumpyDumpResults',
                                out_file_path=str(path)))
    assert isinstance(metric, NumpyDumpResults)
    assert isinstance(metric, DumpResults)
    samples = _samples()
    evaluator = Evaluator([metric])
    evaluator.process(samples[:3])
    evaluator.process(samples[3:])
    assert evaluator.evaluate(len(samples)) == {}
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    # video_id is None for one sample, so it is left out
    assert sorted(arrays) == ['gt_label', 'id', 'pred_score', 'sample_idx']
    want = np.stack([s.pred_score.numpy() for s in samples])
    np.testing.assert_array_equal(arrays['pred_score'], want)
    assert arrays['pred_score'].dtype == np.float32
    np.testing.assert_array_equal(arrays['gt_label'][:, 0], [0, 1, 0, 1, 0])
    assert arrays['id'].tolist() == [f'{i:05d}' for i in range(5)]
    assert arrays['sample_idx'].dtype == np.int64
    assert [p.name for p in path.parent.iterdir()] == ['scores.npz']


def test_unlabelled_samples_and_bad_arguments(tmp_path):
    metric = NumpyDumpResults(out_file_path=str(tmp_path / 'x.npz'))
    metric.process(None, [s.to_dict() for s in _samples(with_label=False)])
    metric.compute_metrics(metric.results)
    with np.load(tmp_path / 'x.npz', allow_pickle=False) as npz:
        assert 'gt_label' not in npz.files and npz['pred_score'].shape == (
            5, 4)
    with pytest.raises(ValueError, match=r'should end with "\.npz"'):
        NumpyDumpResults(out_file_path=str(tmp_path / 'x.pkl'))
    with pytest.raises(ValueError, match='no test samples'):
        metric.compute_metrics([])
    ragged = [dict(pred_score=np.zeros(3)), dict(pred_score=np.zeros(4))]
    with pytest.raises(ValueError, match='`pred_score`.*of one shape'):
        metric.compute_metrics(ragged)
