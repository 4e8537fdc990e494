from .asl_head import ASLHead
from .kd_head import KDHead
from .motion_stats_head import MotionStatsHead

__all__ = ['ASLHead', 'KDHead', 'MotionStatsHead']
