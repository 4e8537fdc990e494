from .numpy_dump_results import IDENTITY_KEYS, NumpyDumpResults
from .sr_quality_metric import SRQualityMetric, video_psnr_ssim
from .tiny_action_metric import TinyActionMetric

__all__ = [
    'IDENTITY_KEYS', 'NumpyDumpResults', 'SRQualityMetric',
    'TinyActionMetric', 'video_psnr_ssim'
]
