from .numpy_dump_results import IDENTITY_KEYS, NumpyDumpResults
from .tiny_action_metric import (TinyActionMetric, average_precision,
                                 binarize, format_per_class_table, macro_prf,
                                 mean_average_precision, multilabel_prf,
                                 parse_thresholds, resolve_thresholds)

__all__ = [
    'IDENTITY_KEYS', 'NumpyDumpResults', 'TinyActionMetric',
    'average_precision', 'binarize', 'format_per_class_table', 'macro_prf',
    'mean_average_precision', 'multilabel_prf', 'parse_thresholds',
    'resolve_thresholds'
]
