from .sr_quality_metric import SRQualityMetric, video_psnr_ssim
from .tiny_action_metric import (TinyActionMetric, average_precision,
                                 binarize, format_per_class_table, macro_prf,
                                 mean_average_precision, multilabel_prf,
                                 parse_thresholds, resolve_thresholds)

__all__ = [
    'SRQualityMetric', 'TinyActionMetric', 'average_precision', 'binarize',
    'format_per_class_table', 'macro_prf', 'mean_average_precision',
    'multilabel_prf', 'parse_thresholds', 'resolve_thresholds',
    'video_psnr_ssim'
]
