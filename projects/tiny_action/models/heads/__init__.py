from .asl_head import ASLHead
from .kd_head import KDHead

__all__ = ['ASLHead', 'KDHead']
