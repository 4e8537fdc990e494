"""Dump a test run's per-class scores as plain numpy arrays (``.npz``)."""
import numbers
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric, DumpResults
from mmengine.logging import print_log

from tiny_action.utils.fileio import atomic_path

#: metainfo keys that identify a sample, in order of preference (what the
#: ensemble aligns dumps and annotation entries by).
IDENTITY_KEYS = ('id', 'sample_idx', 'filename', 'video_id')


@METRICS.register_module()
class NumpyDumpResults(DumpResults):
    """mmengine's ``DumpResults`` writing a ``.npz`` instead of a pickle.

    The file holds plain arrays only, so reading it runs no code and is fast
    (``np.load(allow_pickle=False)``; ``tools/analysis_tools/ensemble.py``
    reads it like a ``tools/test.py --dump`` pickle):

    - ``pred_score``: float32 ``(N, C)``;
    - ``gt_label``: ``(N, C)``, when every sample has one;
    - each key of :data:`IDENTITY_KEYS` that every sample's metainfo
      carries (not None): ``sample_idx`` as int64, the others as strings.

    Samples are in dataset order, as in ``DumpResults``. Use it next to the
    score metric, e.g.
    ``test_evaluator = [dict(type='TinyActionMetric'),
    dict(type='NumpyDumpResults', out_file_path='scores.npz')]``.

    Args:
        out_file_path (str): The ``.npz`` file (written atomically).
        collect_device (str): See ``BaseMetric``. Defaults to ``'cpu'``.
        collect_dir (str, optional): See ``BaseMetric``. Defaults to None.
    """

    default_prefix = 'dump'  # it returns no metric; this names none

    def __init__(self,
                 out_file_path: str,
                 collect_device: str = 'cpu',
                 collect_dir: Optional[str] = None) -> None:
        # DumpResults.__init__ insists on '.pkl'; the rest is the same
        BaseMetric.__init__(
            self, collect_device=collect_device, collect_dir=collect_dir)
        if not str(out_file_path).endswith('.npz'):
            raise ValueError('`out_file_path` should end with ".npz", but '
                             f'got {out_file_path!r}')
        self.out_file_path = str(out_file_path)

    def process(self, data_batch: Any, predictions: Sequence[dict]) -> None:
        """Keep the scores, labels and identity keys of each sample."""
        for sample in predictions:
            kept = {k: sample[k] for k in IDENTITY_KEYS if k in sample}
            kept['pred_score'] = _as_numpy(sample['pred_score'])
            if 'gt_label' in sample:
                kept['gt_label'] = _as_numpy(sample['gt_label'])
            self.results.append(kept)

    def compute_metrics(self, results: List[dict]) -> dict:
        """Write the ``.npz`` file."""
        arrays = results_to_arrays(results)
        with atomic_path(self.out_file_path, suffix='.npz') as tmp:
            np.savez(tmp, **arrays)
        print_log(f'Results has been saved to {self.out_file_path}.',
                  logger='current')
        return {}


def _as_numpy(value: Any) -> np.ndarray:
    if hasattr(value, 'detach'):  # a torch.Tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def results_to_arrays(results: Sequence[dict]) -> Dict[str, np.ndarray]:
    """The arrays of :class:`NumpyDumpResults` from per-sample dicts.

    Raises:
        ValueError: If there is no sample or the scores differ in shape.
    """
    if not results:
        raise ValueError('no test samples to dump')
    try:
        arrays = dict(pred_score=np.stack(
            [np.asarray(r['pred_score'], dtype=np.float32) for r in results]))
        if all('gt_label' in r for r in results):
            arrays['gt_label'] = np.stack([r['gt_label'] for r in results])
    except ValueError as e:
        raise ValueError('every sample should have a `pred_score` (and '
                         f'`gt_label`) of one shape: {e}') from e
    for key in IDENTITY_KEYS:
        values = [r.get(key) for r in results]
        if any(v is None for v in values):
            continue
        if key == 'sample_idx' and all(
                isinstance(v, numbers.Integral) for v in values):
            arrays[key] = np.asarray(values, dtype=np.int64)
        else:
            arrays[key] = np.asarray([str(v) for v in values])
    return arrays
