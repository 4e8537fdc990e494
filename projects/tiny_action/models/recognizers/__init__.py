from .dual_resolution import DualResolutionRecognizer

__all__ = ['DualResolutionRecognizer']
