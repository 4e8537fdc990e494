from .dual_resolution import DualResolutionRecognizer, load_checkpoint_strict

__all__ = ['DualResolutionRecognizer', 'load_checkpoint_strict']
