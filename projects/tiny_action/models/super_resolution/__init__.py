"""Learned video super-resolution of the TinyVIRAT method (DVSR and its
foreground attention branch)."""
from .attention import ForegroundAttention
from .dvsr import DVSR, DenseBlock3d, RRDB3d, resize_video

__all__ = [
    'DVSR', 'DenseBlock3d', 'ForegroundAttention', 'RRDB3d', 'resize_video'
]
