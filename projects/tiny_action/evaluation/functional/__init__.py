from .multilabel import (average_precision, binarize, format_per_class_table,
                         macro_prf, mean_average_precision, mean_of_defined,
                         multilabel_prf)
from .thresholds import ThresholdSpec, parse_thresholds, resolve_thresholds

__all__ = [
    'ThresholdSpec', 'average_precision', 'binarize',
    'format_per_class_table', 'macro_prf', 'mean_average_precision',
    'mean_of_defined', 'multilabel_prf', 'parse_thresholds',
    'resolve_thresholds'
]
