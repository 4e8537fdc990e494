from .dual_resolution import (DualResolutionRecognizer, load_checkpoint_strict,
                              merge_overrides)

__all__ = [
    'DualResolutionRecognizer', 'load_checkpoint_strict', 'merge_overrides'
]
