from .asl_head import ASLHead
from .kd_head import KDHead
from .motion_stats_head import MotionStatsHead
from .motion_stream_head import MotionStreamHead
from .motion_target_head import MotionTargetHead

__all__ = ['ASLHead', 'KDHead', 'MotionStatsHead', 'MotionStreamHead',
           'MotionTargetHead']
