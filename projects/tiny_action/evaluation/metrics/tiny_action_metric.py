"""TinyAction Challenge metric: macro precision / recall / F1 at thresholds,
and mAP (the numpy functions are in :mod:`tiny_action.evaluation.functional`).
"""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from ..functional import (ThresholdSpec, average_precision,
                          format_per_class_table, mean_of_defined,
                          multilabel_prf, parse_thresholds,
                          resolve_thresholds)


def _to_numpy(value: Any, dtype: Optional[type] = None) -> np.ndarray:
    """A tensor (any device) or array-like as a numpy array."""
    if hasattr(value, 'detach'):
        value = value.detach().cpu()
    return np.asarray(value, dtype=dtype)


@METRICS.register_module()
class TinyActionMetric(BaseMetric):
    """TinyAction Challenge metric: macro P / R / F1 at thresholds, and mAP.

    Each sample's ``pred_score`` (per-class probabilities, shape ``(C,)``,
    e.g. from :class:`ASLHead`) is binarised with ``pred_score >=
    threshold`` and compared to its multi-hot ``gt_label`` (shape ``(C,)``).
    Precision, recall and F1 are computed per class and averaged over all
    classes (macro), with the zero-division convention of
    :mod:`tiny_action.evaluation.functional.multilabel` (identical to
    scikit-learn with ``zero_division=0``). ``mAP`` is the mean average
    precision over the classes that have at least one positive. A per-class
    table (class, support, precision, recall, F1, threshold, AP) is written
    to the current :class:`MMLogger`.

    Returned keys (with ``prefix``, as ``'{prefix}/{key}'``): ``f1``,
    ``precision``, ``recall``, ``mAP``. An unlabeled split (no sample has a
    positive label, as TinyVIRAT's test split read by
    ``TinyVIRATDataset``) has none of them: the metric logs a warning saying
    so and returns an empty dict instead of scores against all-negative
    labels.

    Args:
        thresholds (float | Sequence[float] | Mapping[str, float] | str):
            One threshold in ``[0, 1]`` for all classes, one per class, a
            ``{class_name: threshold}`` mapping (names from
            ``dataset_meta['classes']``), or a file path; see
            :func:`~tiny_action.evaluation.parse_thresholds` for the file
            formats. Files are read when the metric is built. Defaults to
            0.5.
        collect_device (str): Device used to collect results across ranks,
            ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to None
            (no prefix: ``f1``, as ``save_best='f1'`` expects).
    """
    # '' instead of mmengine's None: the same unprefixed names, without
    # mmengine's warning "The prefix is not set in metric class ..."
    default_prefix: Optional[str] = ''

    def __init__(self,
                 thresholds: ThresholdSpec = 0.5,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.thresholds = parse_thresholds(thresholds)

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Store ``pred_score`` and ``gt_label`` of each sample as numpy.

        Args:
            data_batch (Any): The batch from the dataloader (unused).
            data_samples (Sequence[dict]): Model outputs, each with
                ``pred_score`` and multi-hot ``gt_label`` of shape ``(C,)``.
        """
        for data_sample in data_samples:
            pred = data_sample['pred_score']
            if isinstance(pred, dict):
                raise ValueError('TinyActionMetric expects one `pred_score` '
                                 'tensor per sample, but got a dict with '
                                 f'keys {sorted(pred)}')
            pred = _to_numpy(pred, np.float64)
            label = _to_numpy(data_sample['gt_label'])
            if pred.ndim != 1 or label.shape != pred.shape:
                raise ValueError(
                    'TinyActionMetric expects `pred_score` and a multi-hot '
                    '`gt_label` of the same shape (num_classes,), but got '
                    f'{pred.shape} and {label.shape}')
            self.results.append(dict(pred=pred, label=label))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute macro P / R / F1 and mAP, and log the per-class table.

        Args:
            results (list[dict]): The processed results of all samples.

        Returns:
            dict[str, float]: ``f1``, ``precision``, ``recall``, ``mAP``;
            empty for an unlabeled split (a warning says so).
        """
        scores = np.stack([r['pred'] for r in results])
        labels = np.stack([r['label'] for r in results])
        logger = MMLogger.get_current_instance()
        if not labels.any():
            logger.warning(
                f'TinyActionMetric: none of the {len(results)} samples has '
                'a label (an unlabeled split, e.g. the challenge test set), '
                'so precision, recall, F1 and mAP are not computed and no '
                'metric is reported. To keep the predictions, run '
                'tools/test.py with --dump.')
            return {}
        num_classes = scores.shape[1]
        classes = (self.dataset_meta or {}).get('classes')
        if classes is not None and len(classes) != num_classes:
            raise ValueError(
                f"dataset_meta['classes'] has {len(classes)} names but the "
                f'predictions have {num_classes} classes')
        thresholds = resolve_thresholds(self.thresholds, num_classes, classes)
        per_class = multilabel_prf(scores, labels, thresholds)
        ap = average_precision(scores, labels)
        names = list(classes) if classes is not None else [
            str(c) for c in range(num_classes)
        ]
        logger.info(
            f'TinyActionMetric per-class results ({len(results)} samples):\n'
            + format_per_class_table(names, per_class, thresholds, ap))
        return dict(
            f1=float(per_class['f1'].mean()),
            precision=float(per_class['precision'].mean()),
            recall=float(per_class['recall'].mean()),
            mAP=mean_of_defined(ap))
